//! One member connection, from TCP accept to close. [`Handler::run`] is
//! its whole life, in this order:
//!
//! 1. **TLS**: the handshake runs in a handshake slot the listener gave
//!    it; a connection whose slot is taken back for another's is dropped.
//!    Nothing reaches the room before the handshake is done. A member
//!    that presented a certificate is known by its key from here on
//!    ([`Proof`]).
//! 2. **Admission**: a member slot, or a refusal saying why (the room is
//!    full, too many members from the address or its network).
//! 3. **Hello**: a `tlschat/1` member names itself, its client token and
//!    where it left off, within [`HELLO_TIMEOUT`]; a plain-text member is
//!    given a guest name. The token is bound to the member's key from
//!    here on ([`Returning::bound_to`]): the same token from another key
//!    is another member's.
//! 4. **The door**: the room's door lets it in, sends it to the lobby to
//!    wait for the host, or refuses it (it is told why, and nothing of the
//!    room); see [`entry`]. Let in, the room gives it a member id, a
//!    greeting, the stored messages it is to get, and its place on the
//!    room's feed.
//! 5. **Chat**: two halves run side by side until either ends. [`Inbound`]
//!    reads what the member says, paced by a token bucket, and hands it to
//!    the room; [`Outbound`] writes the greeting, the replay, then the
//!    room's feed and the answers meant for this member alone, batched
//!    into few TLS records and charged to the host's output budget.
//! 6. **Close**: the member slot is given back, the room hears why the
//!    member left, and the peer gets close_notify.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use crate::net::budget::{Charge, OutputBudget, TLS_SEND_BUFFER};
use crate::net::certinfo::CertInfo;
use crate::net::event::NetEvent;
use crate::net::feed::{CutReason, Cutoff, Next, Reader};
use crate::net::frame::{ClientFrame, ErrorCode, LeaveReason, Resume, ServerFrame};
use crate::net::keyauth::{KeyKind, MemberKeys};
use crate::net::keylog::Captured;
use crate::net::protocol::{
    Connection, Dialect, FrameError, FrameReader, FrameWriter, HostSide, MAX_ID, Read,
    check_message, clip,
};
use crate::net::recorder::Recorder;
use crate::net::room::{Batch, ItemKind, Proof, Replay, Returning, Room, Saying, Welcome};
use crate::net::sink::EventSink;
use crate::net::wire::live::Seats;

mod answers;
mod entry;

use super::pending::Pending;

use super::admission::{Admission, Admitted, Slot};
use super::rate::{self, RATE_BURST, RATE_PER_SEC, TokenBucket};
use super::{LOG, tls};

/// How long a `tlschat/1` member has to say hello after the handshake.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// The most a member's connection reads at once (rustls buffers decrypted
/// data already). The read buffer exists only while it holds bytes (see
/// [`crate::net::lines::ReadBuffer`]): an idle member has none.
const READ_BUFFER: usize = 1024;
/// At most this many lines that one read brought in go to the room as one
/// request and reach every member as one item.
const READ_BATCH: usize = 64;
/// Answers to one member (errors, roster pages) that may wait to be
/// written; each is at most a line.
const DIRECT_QUEUE: usize = 8;

/// Stored messages read for a replay at a time (and at most this many
/// bytes): what a returning member costs the host at once.
const REPLAY_PAGE: usize = 512;
const REPLAY_PAGE_BYTES: usize = 256 * 1024;
/// Flush to a member once this much is queued, even if more is waiting.
const WRITE_BATCH: usize = 64 * 1024;
/// The write buffer a member keeps between bursts: none. One is made for
/// each burst and freed once it is written, so an idle member holds no
/// write buffer (it kept 1 KiB, and its greeting's until its first write).
const IDLE_BUFFER: usize = 0;
/// How long one write to a member may stall before it is dropped as too slow.
const WRITE_STALL: Duration = Duration::from_secs(20);
/// How long a write under way may go on after the member was replaced or
/// removed: the frame being written is finished (so the notice after it
/// is a line of its own), then the connection is closed.
const REPLACED_GRACE: Duration = Duration::from_secs(2);

/// The smallest budget for queued output: the feed's own bound (which no
/// cut makes smaller), room for a few members' writes, and the eighth the
/// budget keeps spare. A smaller `--max-queued-bytes` is raised to it.
pub(super) const MIN_QUEUED_BYTES: usize =
    (crate::net::feed::MAX_FEED_BYTES + 8 * (WRITE_BATCH + TLS_SEND_BUFFER)) / 7 * 8;

/// A member's TLS stream (over the recorder that keeps its handshake for
/// `--show-handshake`).
type MemberTls = tokio_rustls::server::TlsStream<Recorder<TcpStream>>;

/// What every member connection of one host shares.
#[derive(Clone)]
pub(super) struct Shared {
    /// The TLS configuration members are served with.
    pub tls: Arc<rustls::ServerConfig>,
    /// What checked members' certificates in their handshakes.
    pub keys: Arc<MemberKeys>,
    /// The room.
    pub room: Room,
    /// Who may come in.
    pub admission: Arc<Admission>,
    /// The budget for queued output.
    pub budget: Arc<OutputBudget<Batch>>,
    /// Where recorded handshakes go (`--show-handshake`), and the seats
    /// of the members whose records are followed after it.
    pub recording: Option<(Arc<Captured>, EventSink, Arc<Seats>)>,
}

/// One member connection: where it comes from and what it shares with
/// every other.
pub(super) struct Handler {
    /// The peer's address.
    peer: SocketAddr,
    /// What every connection of the host shares (one pointer in each
    /// member's task, rather than a copy of every part).
    shared: Arc<Shared>,
}

/// What a `tlschat/1` member says first: who it wants to be and where it
/// comes from. A plain-text member says nothing, and gets the default.
#[derive(Debug, Default)]
struct Hello {
    /// The nickname it wants; a guest name when `None`.
    nick: Option<String>,
    /// Its client token and where it left off.
    returning: Returning,
    /// The invitation code it brought.
    invite: Option<String>,
}

impl Handler {
    /// A handler for a connection from `peer`.
    pub(super) fn new(peer: SocketAddr, shared: Arc<Shared>) -> Self {
        Self { peer, shared }
    }

    /// One member connection, from TCP accept to close.
    ///
    /// Each phase's future is boxed for as long as the phase lasts: the
    /// task then keeps only what lives across phases, rather than room for
    /// the largest phase laid out beside the next (the handshake's 2 KiB
    /// stayed in every idle member's task, see issue 21 in BENCHMARKS.md).
    pub(super) async fn run(self, tcp: TcpStream, admitted: Admitted) {
        let Some((
            Connection {
                reader: mut frames,
                mut writer,
            },
            proof,
        )) = Box::pin(self.open(tcp, admitted)).await
        else {
            return;
        };
        let Some(slot) = Box::pin(self.admit(&mut writer)).await else {
            return;
        };
        let Some(mut hello) = Box::pin(Self::hello(&mut frames, &mut writer)).await else {
            return;
        };
        hello.returning = hello.returning.bound_to(proof.as_ref());
        hello.returning.addr = Some(self.peer.ip());
        let client = hello.returning.client.clone();
        let Some(welcome) = Box::pin(self.enter(&mut frames, &mut writer, hello, proof)).await
        else {
            return;
        };
        let id = welcome.id;
        self.show_joined(id);
        let reason = Box::pin(self.chat(&mut frames, &mut writer, welcome, client)).await;
        Box::pin(self.close(id, reason, slot, &mut writer)).await;
    }

    /// The handshake, then the connection in the dialect its ALPN chose and
    /// what the member proved in it; `None` when either fails.
    async fn open(
        &self,
        tcp: TcpStream,
        admitted: Admitted,
    ) -> Option<(Connection<MemberTls, HostSide>, Option<Proof>)> {
        let tls = self.handshake(tcp, admitted).await?;
        let dialect = Dialect::from_alpn(tls.get_ref().1.alpn_protocol());
        let proof = match self.proof(tls.get_ref().1) {
            Ok(proof) => proof,
            Err(why) => {
                tracing::info!(target: LOG, peer = %self.peer, "certificate no longer accepted: {why}");
                return None;
            }
        };
        Some((
            Connection::<_, HostSide>::new(tls, dialect, READ_BUFFER),
            proof,
        ))
    }

    /// The TLS handshake, in the handshake slot the listener gave; `None`
    /// when the peer is not TLS, never finishes, or its slot is taken back
    /// to make room for another's. Once done the slot is given back, and a
    /// recorded handshake is shown.
    async fn handshake(&self, tcp: TcpStream, admitted: Admitted) -> Option<MemberTls> {
        let peer = self.peer;
        let _ = tcp.set_nodelay(true);
        let tcp = Recorder::new(tcp, self.shared.recording.is_some());
        let Admitted {
            slot: handshake_slot,
            evicted,
            ..
        } = admitted;
        let mut tls = tokio::select! {
            done = tls::accept(tcp, self.shared.tls.clone()) => match done {
                Ok(tls) => tls,
                Err(why) => {
                    tracing::info!(target: LOG, %peer, "{why}");
                    return None;
                }
            },
            _ = evicted => {
                tracing::info!(target: LOG, %peer, "handshake cancelled: the handshake slots were full and its address held the most");
                return None;
            }
        };
        drop(handshake_slot);
        self.show_recorded(&mut tls);
        let c = tls.get_ref().1;
        tracing::debug!(
            target: LOG,
            %peer,
            version = ?c.protocol_version(),
            suite = ?c.negotiated_cipher_suite().map(|s| s.suite()),
            group = ?c.negotiated_key_exchange_group().map(|g| g.name()),
            dialect = ?Dialect::from_alpn(c.alpn_protocol()),
            "handshake done"
        );
        Some(tls)
    }

    /// Shows the host a recorded handshake (`--show-handshake`), decrypted
    /// when its secrets were kept. From here on the recorder is a
    /// pass-through.
    fn show_recorded(&self, tls: &mut MemberTls) {
        let Some((captured, sink, seats)) = &self.shared.recording else {
            return;
        };
        let wake = sink.waker();
        if let Some(recorded) =
            crate::net::wire::live::start(tls.get_mut().0, false, captured, Some(wake), Some(seats))
        {
            sink.emit(NetEvent::MemberHandshake {
                peer: self.peer,
                wire: Arc::new(recorded.handshake),
                live: recorded.live,
            });
        }
    }

    /// Tells the host which member a recorded handshake is (its `id` in
    /// the room, whose nickname the host has), once it is let in.
    fn show_joined(&self, id: u64) {
        if let Some((_, sink, _)) = &self.shared.recording {
            sink.emit(NetEvent::RecordedMemberJoined {
                peer: self.peer,
                id,
            });
        }
    }

    /// What the member proved in its handshake, if it presented a
    /// certificate: its key and, when the client CA issued the
    /// certificate, its identity (subject and short fingerprint). An error
    /// only if the certificate accepted in the handshake is not accepted a
    /// moment later (it expired in between).
    fn proof(&self, tls: &rustls::ServerConnection) -> Result<Option<Proof>, rustls::Error> {
        let Some(chain) = tls.peer_certificates().filter(|c| !c.is_empty()) else {
            return Ok(None);
        };
        let key = self.shared.keys.member_key(chain)?;
        let identity = (key.kind == KeyKind::Ca).then(|| {
            let cert = CertInfo::from_der(&chain[0]);
            let fp = crate::net::certinfo::short_fingerprint(&cert.sha256);
            format!("{} · {fp}", cert.display_name())
        });
        Ok(Some(Proof {
            key: key.key,
            identity,
        }))
    }

    /// A member slot for the peer's address, or a refusal that tells it
    /// why (and `None`).
    async fn admit<W: AsyncWrite + Unpin>(
        &self,
        writer: &mut FrameWriter<W, HostSide>,
    ) -> Option<Slot> {
        match self.shared.admission.member(self.peer.ip()) {
            Ok(slot) => Some(slot),
            Err(why) => {
                tracing::info!(target: LOG, peer = %self.peer, "refused: {why}");
                let refusal = FrameError::new(ErrorCode::RoomFull, why.to_string());
                let _ = refuse(writer, refusal).await;
                None
            }
        }
    }

    /// What a member says first: a `tlschat/1` member's hello, within
    /// [`HELLO_TIMEOUT`]; a plain-text member's is implied. `None` when it
    /// says something else (it is told what was wrong) or nothing.
    async fn hello<R: AsyncRead + Unpin, W: AsyncWrite + Unpin>(
        frames: &mut FrameReader<R, HostSide>,
        writer: &mut FrameWriter<W, HostSide>,
    ) -> Option<Hello> {
        if frames.dialect() == Dialect::Plain {
            return Some(Hello::default());
        }
        let refusal = match tokio::time::timeout(HELLO_TIMEOUT, frames.read_frame()).await {
            Ok(Ok(Some(Ok(ClientFrame::Hello {
                nick,
                client,
                resume,
                invite,
            })))) => match Hello::checked(nick, client, resume) {
                Ok(hello) => return Some(Hello { invite, ..hello }),
                Err(refusal) => refusal,
            },
            // A line that is not a frame (a hello with a malformed field
            // among them) is answered with what is wrong with it.
            Ok(Ok(Some(Err(e)))) => e,
            Ok(Ok(Some(_))) => FrameError::new(ErrorCode::Protocol, "expected a hello frame first"),
            _ => return None,
        };
        let _ = refuse(writer, refusal).await;
        None
    }

    /// The member in the room: what it says goes in, what the room says
    /// goes out, until either side ends; returns why the member left.
    async fn chat<R: AsyncRead + Unpin, W: AsyncWrite + Unpin>(
        &self,
        frames: &mut FrameReader<R, HostSide>,
        writer: &mut FrameWriter<W, HostSide>,
        welcome: Welcome,
        client: Option<Arc<str>>,
    ) -> LeaveReason {
        let room = &self.shared.room;
        let replay = Replayed {
            replay: welcome.replay,
            client: client.as_deref().map(|c| room.token_hash(c)),
        };
        let (direct_tx, direct_rx) = answers::answers(DIRECT_QUEUE);
        let inbound = Inbound::new(frames, room, welcome.id, client, direct_tx);
        let outbound = Outbound::new(writer, room, &self.shared.budget, welcome, direct_rx);
        tokio::select! {
            reason = inbound.run() => reason,
            end = outbound.run(replay) => end.reason(),
        }
    }

    /// The end of a member's connection: its place is given back, the room
    /// hears why it left, and the peer gets close_notify.
    async fn close<W: AsyncWrite + Unpin>(
        &self,
        id: u64,
        reason: LeaveReason,
        slot: Slot,
        writer: &mut FrameWriter<W, HostSide>,
    ) {
        tracing::debug!(target: LOG, peer = %self.peer, member = id, ?reason, "member connection ended");
        // The place is free by the time the room says this member left.
        drop(slot);
        // A closed room has said goodbye to everyone already.
        if reason != LeaveReason::RoomClosed {
            self.shared.room.leave(id, reason).await;
        }
        // close_notify, so the peer knows nothing was cut off — unless it is
        // dropped for not reading: then waiting would only keep its buffers.
        let wait = match reason {
            LeaveReason::TooSlow => Duration::ZERO,
            _ => Duration::from_secs(2),
        };
        let _ = tokio::time::timeout(wait, writer.shutdown()).await;
    }
}

impl Hello {
    /// A hello's fields as the room takes them, or why they are refused.
    fn checked(
        nick: String,
        client: Option<String>,
        resume: Option<Resume>,
    ) -> Result<Self, FrameError> {
        if client
            .as_ref()
            .is_some_and(|c| c.is_empty() || c.len() > MAX_ID)
        {
            return Err(FrameError::new(
                ErrorCode::BadId,
                format!("a client token must be 1 to {MAX_ID} bytes long"),
            ));
        }
        // A name the room would refuse is refused here, with its reason,
        // rather than silently replaced by a guest name.
        if let Err(why) = crate::net::nick::normalize(&nick) {
            return Err(FrameError::new(ErrorCode::Nick, why));
        }
        Ok(Self {
            nick: Some(nick),
            returning: Returning {
                client: client.map(Arc::from),
                resume: resume.map(|r| Resume {
                    room: clip(&r.room, MAX_ID).to_string(),
                    after: r.after,
                }),
                addr: None,
            },
            invite: None,
        })
    }
}

/// Tells a peer why it is sent away, then closes.
async fn refuse<W: AsyncWrite + Unpin>(
    w: &mut FrameWriter<W, HostSide>,
    error: FrameError,
) -> std::io::Result<()> {
    let write = async {
        w.write_frame(&error.frame()).await?;
        w.shutdown().await
    };
    tokio::time::timeout(Duration::from_secs(2), write)
        .await
        .unwrap_or_else(|_| Err(std::io::ErrorKind::TimedOut.into()))
}

/// The reading half of a member's connection: what it says, to the room.
struct Inbound<'a, R> {
    /// The member's frames.
    frames: &'a mut FrameReader<R, HostSide>,
    /// The room it is in.
    room: &'a Room,
    /// Its member id.
    id: u64,
    /// Its client token, which makes its message ids unique.
    client: Option<Arc<str>>,
    /// Answers for this member alone, to [`Outbound`].
    direct: answers::Sender,
    /// How fast it may send.
    bucket: TokenBucket,
    /// Messages of the current read, said in the room as one.
    says: Vec<Saying>,
}

impl<'a, R: AsyncRead + Unpin> Inbound<'a, R> {
    /// The reading half of member `id`'s connection; its answers go
    /// through `direct`.
    fn new(
        frames: &'a mut FrameReader<R, HostSide>,
        room: &'a Room,
        id: u64,
        client: Option<Arc<str>>,
        direct: answers::Sender,
    ) -> Self {
        Self {
            frames,
            room,
            id,
            client,
            direct,
            bucket: TokenBucket::new(RATE_PER_SEC, RATE_BURST),
            says: Vec::new(),
        }
    }

    /// Reads what the member says until it leaves; returns why it left.
    async fn run(mut self) -> LeaveReason {
        let mut batch = Vec::new();
        loop {
            let frame = match self.frames.read_frame().await {
                Ok(Some(frame)) => frame,
                Ok(None) => return LeaveReason::Left,
                Err(_) => return LeaveReason::ConnectionLost,
            };
            // Every further frame this read brought in goes with it.
            batch.push(frame);
            while batch.len() < READ_BATCH
                && let Some(frame) = self.frames.buffered_frame()
            {
                batch.push(frame);
            }
            if let Err(reason) = self.pace(&batch).await {
                return reason;
            }
            // (Taken, not drained: a burst's 64 frames are not kept for
            // the connection's life.)
            for frame in std::mem::take(&mut batch) {
                let reply = match frame {
                    Err(e) => Some(e.frame()),
                    Ok(ClientFrame::Msg { id, text }) => self.gather(id, text),
                    // Boxed while it runs: commands are rare, and an idle
                    // member's task need not keep room for one.
                    Ok(command) => match Box::pin(self.command(command)).await {
                        Ok(reply) => reply,
                        Err(reason) => return reason,
                    },
                };
                if let Some(reply) = reply
                    && self.direct.send(reply).await.is_err()
                {
                    return LeaveReason::ConnectionLost;
                }
            }
            // The messages of one read reach the room, and every member, as one.
            self.say().await;
        }
    }

    /// Waits until the member may send `batch`, warning it once when it
    /// is being slowed down. A flood is slowed down, never dropped: while
    /// this member waits for tokens its socket is not read, and TCP pushes
    /// back on it.
    async fn pace(&mut self, batch: &[Read<ClientFrame>]) -> Result<(), LeaveReason> {
        match self
            .bucket
            .take(rate::cost(batch), tokio::time::Instant::now())
        {
            None => Ok(()),
            // Boxed while it waits, like a command.
            Some(wait) => Box::pin(self.slow_down(wait)).await,
        }
    }

    /// Warns the member once that it is being slowed down, then waits.
    async fn slow_down(&mut self, wait: Duration) -> Result<(), LeaveReason> {
        if !self.bucket.warned {
            self.bucket.warned = true;
            let notice = FrameError::new(
                ErrorCode::RateLimited,
                format!(
                    "you are sending more than {RATE_PER_SEC} lines a second; your lines are being slowed down"
                ),
            );
            if self.direct.send(notice.frame()).await.is_err() {
                return Err(LeaveReason::ConnectionLost);
            }
        }
        tokio::time::sleep(wait).await;
        Ok(())
    }

    /// Gathers a message to be said with the rest of its read; returns
    /// the answer for this member alone when the message is refused.
    fn gather(&mut self, client_id: Option<String>, text: String) -> Option<ServerFrame> {
        match check_message(&text) {
            Ok(()) => {
                self.says.push(Saying {
                    text,
                    client_id,
                    client: self.client.clone(),
                });
                None
            }
            Err(mut e) => {
                e.id = client_id.map(|c| clip(&c, MAX_ID).to_string());
                Some(e.frame())
            }
        }
    }

    /// Does a command at once (after the messages before it). Returns the
    /// answer for this member alone, if any; `Err` when the member is no
    /// longer in the room.
    async fn command(&mut self, frame: ClientFrame) -> Result<Option<ServerFrame>, LeaveReason> {
        Ok(match frame {
            ClientFrame::Msg { id, text } => self.gather(id, text),
            ClientFrame::Nick { nick } => {
                // A command comes after the messages before it.
                self.say().await;
                match self.room.nick(self.id, nick).await {
                    Ok(nick) if self.frames.dialect() == Dialect::Plain => {
                        Some(ServerFrame::Notice {
                            text: format!("you are now {nick}"),
                        })
                    }
                    Ok(_) => None,
                    Err(e) => Some(FrameError::new(ErrorCode::Nick, e.to_string()).frame()),
                }
            }
            ClientFrame::Who { after } => {
                self.say().await;
                // No page for a connection that is no longer a member.
                let page = self.room.roster(self.id, after).await;
                Some(page.ok_or(LeaveReason::ConnectionLost)?)
            }
            // (A plain member's `/invite CODE`: it is in already.)
            ClientFrame::Hello { .. } if self.frames.dialect() == Dialect::Plain => {
                Some(ServerFrame::Notice {
                    text: "you are in the room already".into(),
                })
            }
            ClientFrame::Hello { .. } => {
                Some(FrameError::new(ErrorCode::Protocol, "hello was already said").frame())
            }
        })
    }

    /// Says the messages gathered so far in the room (boxed while it
    /// waits for the room: an idle member's task need not keep room for
    /// the request).
    async fn say(&mut self) {
        if !self.says.is_empty() {
            Box::pin(self.room.say(self.id, std::mem::take(&mut self.says))).await;
        }
    }
}

/// The stored messages a member gets after its welcome.
struct Replayed {
    replay: Replay,
    /// What the history holds for the member's client token: its own
    /// stored messages come back to it as acknowledgements.
    client: Option<String>,
}

/// Why writing to a member ended.
enum WriteEnd {
    RoomClosed,
    TooSlow,
    Failed,
    /// Cut off the room's feed (see [`Cutoff`]).
    Cut(CutReason),
    /// Cut off in the middle of a write: part of a frame may have gone
    /// out, so no notice can follow it.
    CutMidWrite(CutReason),
}

impl WriteEnd {
    fn reason(self) -> LeaveReason {
        match self {
            Self::RoomClosed => LeaveReason::RoomClosed,
            Self::TooSlow => LeaveReason::TooSlow,
            Self::Failed => LeaveReason::ConnectionLost,
            Self::Cut(cut) | Self::CutMidWrite(cut) => match cut {
                CutReason::OverBudget => LeaveReason::TooSlow,
                CutReason::Replaced => LeaveReason::ConnectionLost,
                CutReason::Left => LeaveReason::Left,
                CutReason::Removed(_) => LeaveReason::Removed,
            },
        }
    }
}

/// Why a member's feed ended before the room closed.
enum FeedEnd {
    /// It fell this many batches behind.
    Lagged(u64),
    /// It was cut off.
    Cut(CutReason),
}

/// The writing half of a member's connection: the room, to the member,
/// batching what is queued into few TLS records. What it holds is
/// bounded: at most [`WRITE_BATCH`] plus one batch of the room's feed and
/// [`DIRECT_QUEUE`] answers (a replay page at first).
struct Outbound<'a, W> {
    /// The member's connection.
    w: &'a mut FrameWriter<W, HostSide>,
    /// The room, for the replay's pages.
    room: &'a Room,
    /// What the room says, while the member is in it.
    items: Reader<Batch>,
    /// Answers for this member alone, from [`Inbound`].
    direct: answers::Receiver,
    /// Says when the member was cut off the feed, and why.
    cutoff: Arc<Cutoff>,
    /// What the member's writes hold of the host's output budget.
    charge: Charge<Batch>,
    /// What is to be written next.
    out: Pending,
    /// Whether the room said it is closing.
    closing: bool,
}

impl<'a, W: AsyncWrite + Unpin> Outbound<'a, W> {
    /// The writing half of a member the room welcomed (its greeting goes
    /// first), charged to `budget`.
    fn new(
        w: &'a mut FrameWriter<W, HostSide>,
        room: &'a Room,
        budget: &Arc<OutputBudget<Batch>>,
        welcome: Welcome,
        direct: answers::Receiver,
    ) -> Self {
        let cutoff = welcome.items.cutoff().clone();
        let out = Pending::new(welcome.id, w.dialect(), welcome.greeting);
        Self {
            w,
            room,
            items: welcome.items,
            direct,
            charge: budget.open(welcome.id, cutoff.clone()),
            cutoff,
            out,
            closing: false,
        }
    }

    /// Writes the greeting and the replay, then what the room says and the
    /// answers for this member, until the room closes or the member is
    /// dropped; returns why it ended.
    async fn run(mut self, replay: Replayed) -> WriteEnd {
        // Boxed while it runs: it is done once, and an idle member's task
        // need not keep room for it.
        if let Err(end) = Box::pin(self.replay(replay)).await {
            return match end {
                WriteEnd::Cut(reason) => self.cut_off(reason).await,
                end => end,
            };
        }
        loop {
            if self.out.is_empty()
                && let Err(end) = self.wait().await
            {
                return end;
            }
            while let Some(frame) = self.direct.try_recv() {
                self.out.encode(&frame);
            }
            match self.take_queued() {
                Ok(()) => {}
                Err(FeedEnd::Lagged(behind)) => return self.too_slow(behind).await,
                // What was taken before the cutoff still goes out.
                Err(FeedEnd::Cut(reason)) => {
                    if !self.out.is_empty() && self.flush().await.is_err() {
                        return WriteEnd::Cut(reason);
                    }
                    self.out.drop_all();
                    return self.cut_off(reason).await;
                }
            }
            if !self.out.is_empty() {
                match self.flush().await {
                    // Do not keep a burst's buffer for the connection's life.
                    Ok(()) => self.out.written(IDLE_BUFFER),
                    Err(WriteEnd::Cut(reason)) => {
                        self.out.drop_all();
                        return self.cut_off(reason).await;
                    }
                    Err(end) => return end,
                }
            }
            if self.closing {
                return WriteEnd::RoomClosed;
            }
        }
    }

    /// Writes the member's replay after its greeting (in the buffer), page
    /// by page: a `history` frame, the stored messages, `history_end`. A
    /// plain member gets them only when there are some.
    async fn replay(&mut self, r: Replayed) -> Result<(), WriteEnd> {
        let dialect = self.w.dialect();
        let replay = r.replay;
        if dialect == Dialect::Plain && replay.count() == 0 {
            return Ok(());
        }
        let header = ServerFrame::History {
            count: replay.count(),
            missed: replay.missed,
            resumed: replay.resumed,
        };
        self.out.encode(&header);
        let mut from = replay.after;
        while from < replay.upto {
            let page = match self
                .room
                .read_history(from, replay.upto, REPLAY_PAGE, REPLAY_PAGE_BYTES)
                .await
            {
                Some(Ok(page)) if !page.is_empty() => page,
                Some(Ok(_)) | None => break,
                // The room told the host why (it names the host's file).
                Some(Err(_)) => {
                    let notice = ServerFrame::Notice {
                        text: "the host could not read its history: the rest of it is not shown"
                            .to_string(),
                    };
                    self.out.encode(&notice);
                    break;
                }
            };
            for m in page {
                from = m.seq;
                let own = dialect == Dialect::Json
                    && m.cid.is_some()
                    && m.client
                        .as_deref()
                        .is_some_and(|c| r.client.as_deref() == Some(c));
                let frame = if own {
                    ServerFrame::Ack {
                        id: m.cid,
                        seq: m.seq,
                        ts: m.ts,
                        text: m.text,
                        history: true,
                    }
                } else {
                    ServerFrame::Msg {
                        seq: m.seq,
                        from: m.sender,
                        nick: m.nick,
                        text: m.text,
                        ts: m.ts,
                        history: true,
                    }
                };
                self.out.encode(&frame);
            }
            // A member taken out of the room gets no more of its history.
            if let Some(reason) = self.cutoff.reason() {
                return Err(WriteEnd::Cut(reason));
            }
            self.flush().await?;
            self.out.written(IDLE_BUFFER);
        }
        self.out.encode(&ServerFrame::HistoryEnd);
        Ok(())
    }

    /// Waits for something to write: an answer for this member, or what
    /// the room says next; `Err` when there will be nothing more.
    async fn wait(&mut self) -> Result<(), WriteEnd> {
        tokio::select! {
            biased;
            Some(frame) = self.direct.recv() => self.out.encode(&frame),
            next = self.items.next() => match next {
                Next::Batch(batch) => self.render(batch),
                Next::Lagged(n) => return Err(self.too_slow(n).await),
                Next::Cut(reason) => return Err(self.cut_off(reason).await),
                Next::Closed => return Err(WriteEnd::RoomClosed),
            },
        }
        Ok(())
    }

    /// Renders what is already queued for the member into the buffer, up
    /// to a batch; `Err` says why the member's feed ended.
    fn take_queued(&mut self) -> Result<(), FeedEnd> {
        while !self.closing && self.out.len() < WRITE_BATCH {
            match self.items.try_next() {
                Some(Next::Batch(batch)) => self.render(batch),
                Some(Next::Closed) => {
                    self.closing = true;
                }
                Some(Next::Lagged(behind)) => return Err(FeedEnd::Lagged(behind)),
                Some(Next::Cut(reason)) => return Err(FeedEnd::Cut(reason)),
                None => break,
            }
        }
        Ok(())
    }

    /// Queues a batch for the member (its shared bytes are not copied),
    /// and notes when the room is closing.
    fn render(&mut self, batch: Arc<Batch>) {
        self.closing |= batch
            .0
            .iter()
            .any(|item| matches!(item.kind, ItemKind::Closing));
        self.out.push_batch(batch);
    }

    /// Writes the buffer within [`WRITE_STALL`], charging the budget for
    /// what the connection holds meanwhile (the buffer's capacity). A
    /// member cut off over the budget is dropped at once, mid-write (the
    /// memory is the point); one replaced or removed gets
    /// [`REPLACED_GRACE`] to finish the write.
    async fn flush(&mut self) -> Result<(), WriteEnd> {
        self.charge.set(self.out.held() + TLS_SEND_BUFFER);
        if let Some(reason) = self.cutoff.reason()
            && !reason.finishes_write()
        {
            return Err(WriteEnd::Cut(reason));
        }
        let mut slices = self.out.slices();
        let write = tokio::time::timeout(WRITE_STALL, self.w.write_vectored(&mut slices));
        tokio::pin!(write);
        let written = tokio::select! {
            biased;
            written = &mut write => written,
            reason = self.cutoff.cut_off() => {
                if !reason.finishes_write() {
                    return Err(WriteEnd::CutMidWrite(reason));
                }
                match tokio::time::timeout(REPLACED_GRACE, write).await {
                    Ok(written) => written,
                    Err(_) => return Err(WriteEnd::CutMidWrite(reason)),
                }
            }
        };
        match written {
            Ok(Ok(())) => {
                self.charge.set(0);
                Ok(())
            }
            Ok(Err(_)) => Err(WriteEnd::Failed),
            Err(_) => Err(WriteEnd::TooSlow),
        }
    }

    /// [`Self::tell_cut_off`], boxed: a member's last words need no room
    /// in every idle member's task.
    fn cut_off(
        &mut self,
        reason: CutReason,
    ) -> std::pin::Pin<Box<impl Future<Output = WriteEnd> + '_>> {
        Box::pin(self.tell_cut_off(reason))
    }

    /// Tells a member cut off the feed why (within a second), unless it
    /// just left. One the host put out is told the host's words.
    async fn tell_cut_off(&mut self, reason: CutReason) -> WriteEnd {
        let error = match &reason {
            CutReason::Left => None,
            CutReason::Removed(why) => Some(FrameError::new(ErrorCode::Removed, &**why)),
            CutReason::Replaced => Some(FrameError::new(
                ErrorCode::Replaced,
                "another connection with your session joined the room and took this one's place",
            )),
            CutReason::OverBudget => Some(FrameError::new(
                ErrorCode::TooSlow,
                "the host has too much waiting to be sent, and you were the furthest behind: you were disconnected",
            )),
        };
        // Over the budget the point is to free memory at once: the notice goes
        // only if the connection takes it now.
        let wait = match &reason {
            CutReason::OverBudget => Duration::ZERO,
            _ => Duration::from_secs(1),
        };
        if let Some(error) = error {
            let _ = tokio::time::timeout(wait, self.w.write_frame(&error.frame())).await;
        }
        WriteEnd::Cut(reason)
    }

    /// [`Self::tell_too_slow`], boxed like [`Self::cut_off`].
    fn too_slow(&mut self, behind: u64) -> std::pin::Pin<Box<impl Future<Output = WriteEnd> + '_>> {
        Box::pin(self.tell_too_slow(behind))
    }

    /// Tells a member that fell `behind` batches behind the room why it is
    /// dropped (within a second).
    async fn tell_too_slow(&mut self, behind: u64) -> WriteEnd {
        let error = FrameError::new(
            ErrorCode::TooSlow,
            format!("you fell {behind} batches of messages behind the room and were disconnected"),
        );
        let _ =
            tokio::time::timeout(Duration::from_secs(1), self.w.write_frame(&error.frame())).await;
        WriteEnd::TooSlow
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _};

    use super::*;
    use crate::net::command::HostLimits;
    use crate::net::protocol::decode_server;
    use crate::net::room::testing;

    /// What the connections of a host with an in-memory history share.
    pub(super) fn shared() -> Shared {
        let (sink, _) = EventSink::for_tests();
        let room = testing::room(sink, testing::store(None), crate::net::DoorConfig::open()).0;
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["localhost".to_string()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let der = rustls::pki_types::PrivatePkcs8KeyDer::from(key.serialize_der());
        let tls = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.der().clone()], der.into())
        .unwrap();
        Shared {
            tls: Arc::new(tls),
            keys: Arc::new(MemberKeys::new(
                &rustls::crypto::aws_lc_rs::default_provider(),
                None,
            )),
            budget: OutputBudget::new(MIN_QUEUED_BYTES, room.feed()),
            room,
            admission: Admission::new(HostLimits::default()),
            recording: None,
        }
    }

    #[tokio::test]
    async fn a_member_in_the_room_is_answered_and_told_it_was_replaced_in_the_same_words() {
        let shared = shared();
        let room = shared.room.clone();
        let handler = Handler::new("127.0.0.1:9".parse().unwrap(), Arc::new(shared));
        let token: Arc<str> = Arc::from("token");
        let returning = || Returning {
            client: Some(token.clone()),
            resume: None,
            addr: None,
        };
        let (member, host) = tokio::io::duplex(64 * 1024);
        let Connection {
            reader: mut frames,
            mut writer,
        } = Connection::<_, HostSide>::new(host, Dialect::Json, READ_BUFFER);
        let welcome = room
            .join(Some("ana".into()), Dialect::Json, None, returning())
            .await
            .unwrap();
        let chat = handler.chat(&mut frames, &mut writer, welcome, Some(token.clone()));
        let (reads, mut writes) = tokio::io::split(member);
        let mut lines = tokio::io::BufReader::new(reads).lines();
        let mut next_error = async || loop {
            let line = lines.next_line().await.unwrap().unwrap();
            let frame = decode_server(line.as_bytes(), Dialect::Json).unwrap();
            if let ServerFrame::Error { code, message, .. } = frame {
                return (code, message);
            }
        };
        let member_side = async {
            writes
                .write_all(b"{\"type\":\"hello\",\"nick\":\"ana\"}\n")
                .await
                .unwrap();
            let again = next_error().await;
            // The same session comes back on another connection.
            let _second = room
                .join(Some("ana".into()), Dialect::Json, None, returning())
                .await
                .unwrap();
            (again, next_error().await)
        };
        let (reason, (again, replaced)) = tokio::join!(chat, member_side);
        assert_eq!(
            again,
            (ErrorCode::Protocol, "hello was already said".into())
        );
        assert_eq!(
            replaced,
            (
                ErrorCode::Replaced,
                "another connection with your session joined the room and took this one's place"
                    .into()
            )
        );
        assert_eq!(reason, LeaveReason::ConnectionLost);
    }

    #[tokio::test]
    async fn a_removed_member_is_told_the_hosts_words_after_what_came_before() {
        let shared = shared();
        let room = shared.room.clone();
        let handler = Handler::new("127.0.0.1:9".parse().unwrap(), Arc::new(shared));
        let (member, host) = tokio::io::duplex(64 * 1024);
        let Connection {
            reader: mut frames,
            mut writer,
        } = Connection::<_, HostSide>::new(host, Dialect::Plain, READ_BUFFER);
        let welcome = room
            .join(
                Some("ana".into()),
                Dialect::Plain,
                None,
                Returning::default(),
            )
            .await
            .unwrap();
        let chat = handler.chat(&mut frames, &mut writer, welcome, None);
        let (reads, _writes) = tokio::io::split(member);
        let mut lines = tokio::io::BufReader::new(reads).lines();
        let member_side = async {
            room.say(
                crate::net::room::HOST_ID,
                vec![Saying {
                    text: "before".into(),
                    client_id: None,
                    client: None,
                }],
            )
            .await;
            room.door(crate::net::DoorCommand::Kick {
                nick: "ana".into(),
                reason: "enough".into(),
            })
            .await;
            room.say(
                crate::net::room::HOST_ID,
                vec![Saying {
                    text: "after".into(),
                    client_id: None,
                    client: None,
                }],
            )
            .await;
            let mut heard = Vec::new();
            while let Ok(Some(line)) = lines.next_line().await {
                let last = line.starts_with("* error:");
                heard.push(line);
                if last {
                    break;
                }
            }
            heard
        };
        let (reason, heard) = tokio::join!(chat, member_side);
        assert_eq!(reason, LeaveReason::Removed);
        let tail: Vec<&str> = heard
            .iter()
            .rev()
            .take(2)
            .rev()
            .map(String::as_str)
            .collect();
        assert_eq!(
            tail,
            [
                "<hana> before",
                "* error: you were removed by the host (enough)"
            ],
            "{heard:?}"
        );
    }

    #[test]
    fn a_hello_is_taken_as_the_room_takes_it_or_refused_with_why() {
        let resume = Resume {
            room: "r".repeat(MAX_ID + 10),
            after: 7,
        };
        let hello = Hello::checked("ana".into(), Some("t".into()), Some(resume)).unwrap();
        assert_eq!(hello.nick.as_deref(), Some("ana"));
        assert_eq!(hello.returning.client.as_deref(), Some("t"));
        let resume = hello.returning.resume.unwrap();
        assert_eq!((resume.room.len(), resume.after), (MAX_ID, 7));
        for client in [String::new(), "t".repeat(MAX_ID + 1)] {
            let e = Hello::checked("ana".into(), Some(client), None).unwrap_err();
            assert_eq!(e.code, ErrorCode::BadId);
            assert_eq!(
                e.message,
                format!("a client token must be 1 to {MAX_ID} bytes long")
            );
        }
        let e = Hello::checked("two words".into(), None, None).unwrap_err();
        assert_eq!(e.code, ErrorCode::Nick);
        assert_eq!(
            e.message,
            crate::net::nick::normalize("two words")
                .unwrap_err()
                .to_string()
        );
    }
}

/// The sizes of a member connection's futures and parts, as issue 21's
/// section of BENCHMARKS.md quotes them (a measurement, not a test):
/// `cargo test --lib sizes -- --ignored --nocapture`.
#[cfg(test)]
mod sizes {
    use super::*;

    #[tokio::test]
    #[ignore = "prints sizes for BENCHMARKS.md"]
    async fn print_sizes() {
        let shared = super::tests::shared();
        let room = shared.room.clone();
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let tcp = TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
        let admitted = shared
            .admission
            .handshake("127.0.0.1".parse().unwrap())
            .unwrap();
        let handler = Handler::new("127.0.0.1:9".parse().unwrap(), Arc::new(shared.clone()));
        {
            let hs = handler.handshake(tcp, admitted);
            eprintln!("handshake future {}", std::mem::size_of_val(&hs));
        }
        let tcp = TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
        let admitted = shared
            .admission
            .handshake("127.0.0.1".parse().unwrap())
            .unwrap();
        let run = handler.run(tcp, admitted);
        eprintln!("run future {}", std::mem::size_of_val(&run));
        drop(run);
        let shared2 = shared.clone();
        let handler = Handler::new("127.0.0.1:9".parse().unwrap(), Arc::new(shared));
        let (_member, host) = tokio::io::duplex(64);
        let Connection {
            reader: mut frames,
            mut writer,
        } = Connection::<_, HostSide>::new(host, Dialect::Plain, READ_BUFFER);
        let welcome = room
            .join(
                Some("ana".into()),
                Dialect::Plain,
                None,
                Returning::default(),
            )
            .await
            .unwrap();
        eprintln!("welcome {}", std::mem::size_of_val(&welcome));
        {
            let e = handler.enter(&mut frames, &mut writer, Hello::default(), None);
            eprintln!("enter future {}", std::mem::size_of_val(&e));
        }
        {
            let e = Handler::hello(&mut frames, &mut writer);
            eprintln!("hello future {}", std::mem::size_of_val(&e));
        }
        {
            let (tx, rx) = answers::answers(DIRECT_QUEUE);
            let mut inbound = Inbound::new(&mut frames, &room, 1, None, tx);
            {
                eprintln!("pace {}", std::mem::size_of_val(&inbound.pace(&[])));
                eprintln!("say {}", std::mem::size_of_val(&inbound.say()));
                eprintln!(
                    "command {}",
                    std::mem::size_of_val(&inbound.command(ClientFrame::Who { after: None }))
                );
                eprintln!(
                    "read_frame {}",
                    std::mem::size_of_val(&inbound.frames.read_frame())
                );
                eprintln!(
                    "direct send {}",
                    std::mem::size_of_val(&inbound.direct.send(ServerFrame::HistoryEnd))
                );
            }
            let i = inbound.run();
            eprintln!("inbound future {}", std::mem::size_of_val(&i));
            drop(i);
            let w2 = room
                .join(
                    Some("bob".into()),
                    Dialect::Plain,
                    None,
                    Returning::default(),
                )
                .await
                .unwrap();
            let replay = Replayed {
                replay: w2.replay,
                client: None,
            };
            let mut outbound = Outbound::new(&mut writer, &room, &shared2.budget, w2, rx);
            {
                eprintln!("wait {}", std::mem::size_of_val(&outbound.wait()));
                eprintln!("flush {}", std::mem::size_of_val(&outbound.flush()));
                eprintln!(
                    "cut_off {}",
                    std::mem::size_of_val(&outbound.cut_off(CutReason::Left))
                );
                eprintln!("too_slow {}", std::mem::size_of_val(&outbound.too_slow(1)));
            }
            {
                let replay = Replayed {
                    replay: replay.replay,
                    client: None,
                };
                eprintln!("replay {}", std::mem::size_of_val(&outbound.replay(replay)));
            }
            let o = outbound.run(replay);
            eprintln!("outbound future {}", std::mem::size_of_val(&o));
        }
        let chat = handler.chat(&mut frames, &mut writer, welcome, None);
        eprintln!("chat future {}", std::mem::size_of_val(&chat));
        drop(chat);
        eprintln!("ServerFrame {}", std::mem::size_of::<ServerFrame>());
        eprintln!(
            "ServerConnection {}",
            std::mem::size_of::<rustls::ServerConnection>()
        );
        eprintln!("MemberTls {}", std::mem::size_of::<MemberTls>());
        eprintln!(
            "FrameReader {}",
            std::mem::size_of::<FrameReader<tokio::io::ReadHalf<MemberTls>, HostSide>>()
        );
        eprintln!("Handler {}", std::mem::size_of::<Handler>());
        eprintln!(
            "MemberInfo {}",
            std::mem::size_of::<crate::net::event::MemberInfo>()
        );
        eprintln!(
            "Inbound {}",
            std::mem::size_of::<Inbound<'_, tokio::io::DuplexStream>>()
        );
        eprintln!(
            "Outbound {}",
            std::mem::size_of::<Outbound<'_, tokio::io::DuplexStream>>()
        );
        eprintln!(
            "Read<ClientFrame> {}",
            std::mem::size_of::<Read<ClientFrame>>()
        );
        eprintln!("TokenBucket {}", std::mem::size_of::<TokenBucket>());
    }
}
