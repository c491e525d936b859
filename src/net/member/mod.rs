//! The member: joins a room and stays in it, reconnecting after a drop.
//!
//! - [`run`] (here) is the session: set up, then one connection after
//!   another until one ends for good, waiting a little longer each time.
//! - [`dialer`]: [`Dialer`] makes one connection (dial, TLS handshake,
//!   trust decision) with what is built once for the whole session.
//! - [`info`]: what an established connection is, for the user.
//! - [`chat`]: [`Chat`], one connection's chat, in either dialect: read it
//!   to know what one connection does.
//! - [`carry`]: what outlives a connection (where we left off, what the
//!   room has not acknowledged yet); [`inbox`]: the user's commands;
//!   [`end`]: how a connection ended, and whether to try again.

mod carry;
mod chat;
mod dialer;
mod end;
mod inbox;
mod info;

use std::time::Duration;

use tokio::sync::mpsc;

use crate::msg;
use crate::net::command::{CommandError, JoinConfig, SessionCommand};
use crate::net::event::{DisconnectKind, NetEvent};
use crate::net::keylog::{KeyLogFile, KeylogError};
use crate::net::pem::PemError;
use crate::net::pins::{PinEntry, PinError, PinStore};
use crate::net::protocol::Connection;
use crate::net::sink::{EventSink, ended};
use crate::net::tlsopts::TlsOptionsError;
use crate::net::wording::said_msg;
use carry::{Carry, NoRandom};
use chat::{Chat, FINISH_TIMEOUT};
use dialer::{Connected, Dialer};
use end::End;
use inbox::Inbox;

/// The log target of everything the member logs, in whichever file.
const LOG: &str = "tlschat::net::member";

/// The shortest wait before reconnecting; it doubles up to [`MAX_BACKOFF`].
const MIN_BACKOFF: Duration = Duration::from_millis(500);
/// The longest wait between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Why a member's session cannot start: its options or files are wrong,
/// and trying again will not cure it.
#[derive(Debug, thiserror::Error)]
enum SetupError {
    /// No random numbers for the client token.
    #[error(transparent)]
    NoRandom(#[from] NoRandom),
    /// The key log file cannot be opened.
    #[error(transparent)]
    KeyLog(#[from] KeylogError),
    /// The host has no canonical form.
    #[error(transparent)]
    Target(#[from] CommandError),
    /// Loading the trusted certificates did not finish.
    #[error("cannot load trusted certificates: {0}")]
    RootsLost(#[from] tokio::task::JoinError),
    /// A certificate or key file (a `--ca` file, our own certificate).
    #[error(transparent)]
    Pem(#[from] PemError),
    /// The known hosts could not be read.
    #[error(transparent)]
    Pins(#[from] PinError),
    /// The TLS options do not go together.
    #[error(transparent)]
    Options(#[from] TlsOptionsError),
    /// rustls refused the configuration.
    #[error("cannot configure TLS: {0}")]
    Config(#[from] rustls::Error),
    /// Our own identity (key and certificate) cannot be read or made.
    #[error("your identity: {0}")]
    Identity(#[from] crate::net::certgen::CertGenError),
    /// Reading or making our identity did not finish.
    #[error("cannot read your identity: {0}")]
    IdentityLost(tokio::task::JoinError),
    /// The host is neither a DNS name nor an address.
    #[error("'{0}' is not a valid host name or address")]
    HostName(String),
}

/// Joins a room and runs the session until it ends.
pub(crate) async fn run(
    config: JoinConfig,
    sink: EventSink,
    commands: mpsc::UnboundedReceiver<SessionCommand>,
) {
    let mut member = match Member::new(&config, &sink, commands).await {
        Ok(member) => member,
        Err(e) => return ended(&sink, DisconnectKind::Error, said_msg(e.to_string())),
    };
    let end = member.stay().await;
    member.finish(&end);
}

/// A member's session: one connection after another.
struct Member<'a> {
    /// Where the session's events go.
    sink: &'a EventSink,
    /// The user's commands.
    inbox: Inbox,
    /// What outlives each connection.
    carry: Carry,
    /// Makes each connection.
    dialer: Dialer,
    /// `host:port`, as the user asked for it, canonical.
    target: String,
    /// Whether to reconnect after a drop.
    reconnect: bool,
    /// Where the known hosts are kept, if anywhere.
    config_dir: Option<std::path::PathBuf>,
}

impl<'a> Member<'a> {
    /// Sets the session up; the first event says it is connecting.
    async fn new(
        config: &JoinConfig,
        sink: &'a EventSink,
        commands: mpsc::UnboundedReceiver<SessionCommand>,
    ) -> Result<Self, SetupError> {
        let mut carry = Carry::new(&config.nick)?;
        carry.invite.clone_from(&config.invite);
        let keylog = match &config.tls.keylog {
            Some(path) => Some(std::sync::Arc::new(KeyLogFile::open(path)?)),
            None => None,
        };
        let target = config.canonical_target()?;
        sink.emit(NetEvent::Connecting {
            target: target.clone(),
        });
        let dialer = Dialer::new(config, target.clone(), keylog, sink.waker()).await?;
        Ok(Self {
            sink,
            inbox: Inbox::new(commands),
            carry,
            dialer,
            target,
            reconnect: config.reconnect,
            config_dir: config.config_dir.clone(),
        })
    }

    /// Connects and chats, again after each drop, until a connection ends
    /// for good.
    async fn stay(&mut self) -> End {
        let mut attempt = 0u32;
        loop {
            let end = self.connection().await;
            // Only a drop of a tlschat/1 room we were in is tried again;
            // never a trust failure, a room that closed, or what the user
            // asked for.
            if !(end.retry() && self.reconnect && self.carry.room.is_some()) {
                return end;
            }
            attempt = if self.carry.welcomed { 1 } else { attempt + 1 };
            self.carry.welcomed = false;
            let delay = backoff(attempt);
            tracing::info!(target: LOG, attempt, ?delay, "connection lost: {}", end.reason().text_in(crate::i18n::Lang::En));
            self.sink.emit(NetEvent::Reconnecting {
                reason: end.reason().clone(),
                in_ms: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                attempt,
            });
            if let Some(end) = self.wait_to_reconnect(delay).await {
                return end;
            }
        }
    }

    /// One connection, from dialling to its end.
    async fn connection(&mut self) -> End {
        let connected = match self.dialer.connect(self.inbox.wait_for_stop()).await {
            Ok(connected) => connected,
            Err(end) => {
                if let End::Untrusted { refusal, .. } = &end {
                    self.sink.emit(NetEvent::Untrusted(refusal.clone()));
                }
                return end;
            }
        };
        let Connected {
            tls,
            dialect,
            info,
            store,
            notice,
        } = connected;
        self.sink.emit(NetEvent::Connected(Box::new(info)));
        if let Some(entry) = store {
            self.remember(entry).await;
        }
        if let Some(said) = notice {
            self.sink.emit(NetEvent::Notice(said));
        }
        let conn = Connection::new(tls, dialect, 8 * 1024);
        Chat::new(conn, self.sink, &self.target, &mut self.carry)
            .run(&mut self.inbox)
            .await
    }

    /// Writes an entry to the known hosts; a failure is told, not fatal.
    async fn remember(&self, entry: PinEntry) {
        let Some(dir) = self.config_dir.clone() else {
            return;
        };
        let saved =
            tokio::task::spawn_blocking(move || PinStore::update(&dir, |s| s.set(entry))).await;
        let error = match saved {
            Ok(Ok(())) => return,
            Ok(Err(e)) => e.to_string(),
            Err(e) => e.to_string(),
        };
        self.sink.emit(NetEvent::Notice(msg!(
            "net-known-hosts-not-updated",
            error = error
        )));
    }

    /// Waits before reconnecting, taking the user's commands meanwhile:
    /// messages wait for the connection, Reconnect-now cuts the wait short.
    /// `Some` ends the session.
    async fn wait_to_reconnect(&mut self, delay: Duration) -> Option<End> {
        let until = tokio::time::Instant::now() + delay;
        loop {
            let finish = self.carry.finishing.unwrap_or(until);
            tokio::select! {
                () = tokio::time::sleep_until(until.min(finish)) => {
                    let now = tokio::time::Instant::now();
                    return self.carry.finishing.is_some_and(|f| f <= now).then(End::left);
                }
                command = self.inbox.recv() => match command {
                    Some(SessionCommand::Send { id, text }) => {
                        if let Err(e) = self.carry.hold(id, &text) {
                            let reason = said_msg(e.to_string());
                            self.sink.emit(NetEvent::NotDelivered { id, reason });
                        }
                    }
                    Some(SessionCommand::Nick(nick)) => {
                        self.sink
                            .emit(NetEvent::Notice(msg!("net-nick-later", nick = nick.as_str())));
                        self.carry.nick = nick;
                    }
                    Some(SessionCommand::ReconnectNow) => return None,
                    Some(SessionCommand::Door(_)) => {}
                    Some(SessionCommand::Finish) => {
                        if self.carry.pending.is_empty() {
                            return Some(End::left());
                        }
                        let deadline = tokio::time::Instant::now() + FINISH_TIMEOUT;
                        self.carry.finishing.get_or_insert(deadline);
                    }
                    Some(SessionCommand::Disconnect) | None => return Some(End::left()),
                },
            }
        }
    }

    /// Tells what never reached the room, and why, then that the session
    /// ended.
    fn finish(mut self, end: &End) {
        let why = match end.kind() {
            DisconnectKind::ByUser if self.carry.finishing.is_some() => {
                msg!("net-unsent-not-in-time")
            }
            DisconnectKind::ByUser => msg!("net-unsent-you-left"),
            DisconnectKind::ByPeer => msg!("net-unsent-room-closed"),
            _ => msg!("net-unsent-not-acknowledged", why = end.reason().clone()),
        };
        for id in std::mem::take(&mut self.carry.pending).into_keys() {
            self.sink.emit(NetEvent::NotDelivered {
                id,
                reason: why.clone(),
            });
        }
        ended(self.sink, end.kind(), end.reason().clone());
    }
}

/// How long to wait before attempt `n` (1, 2, …): 0.5 s doubling to 30 s,
/// with up to a quarter taken off at random so that the members of a room
/// that dropped together do not all come back in the same instant.
fn backoff(n: u32) -> Duration {
    let base = MIN_BACKOFF
        .saturating_mul(1u32 << n.saturating_sub(1).min(16))
        .min(MAX_BACKOFF);
    let mut r = [0u8; 2];
    let _ = rustls::crypto::aws_lc_rs::default_provider()
        .secure_random
        .fill(&mut r);
    let jitter = f64::from(u16::from_le_bytes(r)) / f64::from(u16::MAX) * 0.25;
    base.mul_f64(1.0 - jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A session set up to join `localhost:1` (nothing is dialled), its
    /// events, and the user's end of its commands.
    async fn member(sink: &EventSink) -> (Member<'_>, mpsc::UnboundedSender<SessionCommand>) {
        let config = JoinConfig {
            host: "localhost".into(),
            port: 1,
            nick: "me".into(),
            ca_files: Vec::new(),
            pins: Vec::new(),
            remember_pin: false,
            identity: None,
            config_dir: None,
            reconnect: true,
            tls: crate::net::TlsOptions::default(),
            invite: None,
        };
        let (tx, rx) = mpsc::unbounded_channel();
        let member = Member::new(&config, sink, rx).await.unwrap();
        (member, tx)
    }

    #[tokio::test]
    async fn what_never_reached_the_room_is_told_with_why_then_the_end() {
        let ends = [
            (
                End::left(),
                false,
                "you left before the host acknowledged it",
            ),
            (End::left(), true, "the host did not acknowledge it in time"),
            (
                End::ByPeer(said_msg("the host closed the room")),
                false,
                "the room closed before it was delivered",
            ),
            (
                End::Dropped(said_msg("lost")),
                false,
                "it was not acknowledged: lost",
            ),
        ];
        for (end, finishing, why) in ends {
            let (sink, events) = EventSink::for_tests();
            let (mut member, _tx) = member(&sink).await;
            member.carry.pending.insert(3, "hi".into());
            if finishing {
                member.carry.finishing = Some(tokio::time::Instant::now());
            }
            member.finish(&end);
            let events: Vec<NetEvent> = events.try_iter().map(|e| e.event).collect();
            let NetEvent::NotDelivered { reason, .. } = &events[1] else {
                panic!("{events:?}");
            };
            assert_eq!(reason.text_in(crate::i18n::Lang::En), why);
            assert_eq!(
                events[1..],
                [
                    NetEvent::NotDelivered {
                        id: 3,
                        reason: reason.clone()
                    },
                    NetEvent::Disconnected {
                        reason: end.reason().clone(),
                        kind: end.kind()
                    }
                ],
                "{end:?}"
            );
        }
    }

    #[tokio::test]
    async fn while_waiting_to_reconnect_messages_wait_and_finish_has_its_deadline() {
        let (sink, events) = EventSink::for_tests();
        let (mut member, tx) = member(&sink).await;
        tokio::time::pause();
        let start = tokio::time::Instant::now();
        tx.send(SessionCommand::ReconnectNow).unwrap();
        assert_eq!(
            member.wait_to_reconnect(Duration::from_secs(60)).await,
            None
        );
        assert_eq!(start.elapsed(), Duration::ZERO);
        // Paused time still rounds each timer up to its millisecond.
        let about = |d: Duration| {
            let e = start.elapsed();
            assert!(
                e >= d && e < d + Duration::from_millis(5),
                "{e:?}, not {d:?}"
            );
        };
        assert_eq!(member.wait_to_reconnect(Duration::from_secs(5)).await, None);
        about(Duration::from_secs(5));
        tx.send(SessionCommand::Nick("bo".into())).unwrap();
        tx.send(SessionCommand::Send {
            id: 1,
            text: "hi\r".into(),
        })
        .unwrap();
        tx.send(SessionCommand::Finish).unwrap();
        let end = member.wait_to_reconnect(Duration::from_secs(60)).await;
        assert_eq!(end, Some(End::left()));
        about(Duration::from_secs(5) + FINISH_TIMEOUT);
        assert_eq!(member.carry.nick, "bo");
        assert_eq!(member.carry.pending.get(&1).map(String::as_str), Some("hi"));
        let notices: Vec<String> = events
            .try_iter()
            .filter_map(|e| match e.event {
                NetEvent::Notice(said) => Some(said.text_in(crate::i18n::Lang::En)),
                _ => None,
            })
            .collect();
        assert_eq!(
            notices,
            ["you will ask to be bo when the connection is back"]
        );
        tx.send(SessionCommand::Disconnect).unwrap();
        assert_eq!(
            member.wait_to_reconnect(Duration::from_secs(60)).await,
            Some(End::left())
        );
    }

    #[test]
    fn backoff_doubles_from_half_a_second_to_thirty() {
        let b: Vec<Duration> = (1..=10).map(backoff).collect();
        assert!(b[0] <= Duration::from_millis(500) && b[0] >= Duration::from_millis(375));
        assert!(b[1] <= Duration::from_secs(1) && b[1] >= Duration::from_millis(750));
        assert!(b[9] <= Duration::from_secs(30) && b[9] >= Duration::from_millis(22_500));
    }
}
