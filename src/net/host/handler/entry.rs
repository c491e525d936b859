//! The door at a member's connection: after its hello, before anything of
//! the room is sent to it, the room's door says whether it comes in
//! ([`crate::net::room::Entry`]). Refused, it gets one `not_admitted`
//! error saying why, then close_notify. A plain-text member (openssl,
//! ncat), who sends no hello, is asked once for an invitation code when
//! the room is invite-only, and may type `/invite CODE`. A knocking member
//! waits in the lobby, told only that it waits, until the host answers or
//! `--knock-wait` runs out.

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::oneshot;

use crate::net::door::Refusal;
use crate::net::frame::{ClientFrame, ErrorCode, LeaveReason, ServerFrame};
use crate::net::protocol::{Dialect, FrameError, FrameReader, FrameWriter, HostSide};
use crate::net::room::{Arrival, Entry, Knock, Proof, WAITING, Welcome};

use super::{HELLO_TIMEOUT, Handler, Hello, LOG, refuse};

/// What a plain-text member is told when the room is invite-only and it
/// brought no invitation: it may type its code now.
const ASK_FOR_CODE: &str = "this room is invite-only: type /invite CODE (the code in your invite link), or ask the host for an invite link";

/// How a wait in the lobby ended.
enum Waited {
    /// The host answered.
    Decided(Entry),
    /// `--knock-wait` ran out.
    TimedOut,
    /// The connection went away.
    Gone,
    /// The room closed.
    RoomGone,
}

impl Handler {
    /// Puts the member to the room's door: its welcome when it is let in;
    /// `None` when it is refused (it was told why, and the connection is
    /// closed) or went away.
    pub(super) async fn enter<R: AsyncRead + Unpin, W: AsyncWrite + Unpin>(
        &self,
        frames: &mut FrameReader<R, HostSide>,
        writer: &mut FrameWriter<W, HostSide>,
        hello: Hello,
        proof: Option<Proof>,
    ) -> Option<Welcome> {
        let plain = frames.dialect() == Dialect::Plain;
        let mut arrival = Arrival {
            nick: hello.nick,
            dialect: frames.dialect(),
            proof,
            returning: hello.returning,
            invite: hello.invite,
            peer: Some(self.peer),
        };
        let mut asked = false;
        let refusal = loop {
            match self.shared.room.enter(arrival.clone()).await? {
                Entry::Welcome(welcome) => return Some(welcome),
                Entry::Knock(knock) => match self.wait_in_lobby(frames, writer, knock).await? {
                    Ok(welcome) => return Some(welcome),
                    Err(refusal) => break refusal,
                },
                // A plain-text member may give its code now, once.
                Entry::Refused(Refusal::InviteOnly) if plain && !asked => {
                    asked = true;
                    match Self::ask_for_code(frames, writer).await {
                        Some(code) => arrival.invite = Some(code),
                        None => break Refusal::InviteOnly,
                    }
                }
                Entry::Refused(refusal) => break refusal,
            }
        };
        tracing::info!(target: LOG, peer = %self.peer, "not admitted: {refusal}");
        let _ = refuse(
            writer,
            FrameError::new(ErrorCode::NotAdmitted, refusal.to_string()),
        )
        .await;
        None
    }

    /// Asks a plain-text member for an invitation code and reads one line
    /// within [`HELLO_TIMEOUT`]: the code of `/invite CODE`, or `None`.
    async fn ask_for_code<R: AsyncRead + Unpin, W: AsyncWrite + Unpin>(
        frames: &mut FrameReader<R, HostSide>,
        writer: &mut FrameWriter<W, HostSide>,
    ) -> Option<String> {
        let ask = ServerFrame::Notice {
            text: ASK_FOR_CODE.into(),
        };
        tokio::time::timeout(HELLO_TIMEOUT, writer.write_frame(&ask))
            .await
            .ok()?
            .ok()?;
        match tokio::time::timeout(HELLO_TIMEOUT, frames.read_frame()).await {
            Ok(Ok(Some(Ok(ClientFrame::Hello {
                invite: Some(code), ..
            })))) => Some(code),
            _ => None,
        }
    }

    /// Waits in the lobby, told only that it waits, for the host's answer:
    /// the welcome, or the refusal to tell. `None` when the connection or
    /// the room went away.
    async fn wait_in_lobby<R: AsyncRead + Unpin, W: AsyncWrite + Unpin>(
        &self,
        frames: &mut FrameReader<R, HostSide>,
        writer: &mut FrameWriter<W, HostSide>,
        knock: Knock,
    ) -> Option<Result<Welcome, Refusal>> {
        let Knock {
            id,
            wait,
            mut decided,
        } = knock;
        let room = &self.shared.room;
        tracing::info!(target: LOG, peer = %self.peer, lobby = id, "waiting for the host");
        let waiting = ServerFrame::Waiting {
            text: WAITING.into(),
        };
        let told = tokio::time::timeout(HELLO_TIMEOUT, writer.write_frame(&waiting)).await;
        let waited = match told {
            Ok(Ok(())) => Self::until_decided(frames, &mut decided, wait).await,
            _ => Waited::Gone,
        };
        let gone = matches!(waited, Waited::Gone);
        let entry = match waited {
            Waited::Decided(entry) => entry,
            Waited::RoomGone => return None,
            Waited::TimedOut | Waited::Gone => {
                // The host may have answered just as this stopped waiting.
                decided.close();
                let Ok(entry) = decided.try_recv() else {
                    room.leave_lobby(id).await;
                    return (!gone).then_some(Err(Refusal::NoAnswer));
                };
                entry
            }
        };
        match entry {
            Entry::Welcome(welcome) if gone => {
                room.leave(welcome.id, LeaveReason::ConnectionLost).await;
                None
            }
            Entry::Welcome(welcome) => Some(Ok(welcome)),
            Entry::Refused(refusal) => (!gone).then_some(Err(refusal)),
            Entry::Knock(_) => (!gone).then_some(Err(Refusal::Refused)),
        }
    }

    /// Until the host answers, `wait` runs out, or the connection or the
    /// room goes away. What the member says meanwhile is not said: it is
    /// not in the room.
    async fn until_decided<R: AsyncRead + Unpin>(
        frames: &mut FrameReader<R, HostSide>,
        decided: &mut oneshot::Receiver<Entry>,
        wait: std::time::Duration,
    ) -> Waited {
        let deadline = tokio::time::sleep(wait);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                entry = &mut *decided => {
                    return entry.map_or(Waited::RoomGone, Waited::Decided);
                }
                () = &mut deadline => return Waited::TimedOut,
                read = frames.read_frame() => match read {
                    Ok(Some(_)) => {}
                    Ok(None) | Err(_) => return Waited::Gone,
                },
            }
        }
    }
}
