//! The demo's man in the middle (`tlschat demo --listener | --impostor`):
//! a relay on loopback between the demo's member and its host, on a thread
//! of its own, that reports what it sees as [`RelayEvent`]s.
//!
//! - [`RelayMode::Listener`] forwards the bytes untouched both ways and
//!   reports the TLS records passing ([`records`]): what anyone on the
//!   network sees of a conversation without its keys.
//! - [`RelayMode::Impostor`] answers TLS itself with a certificate of its
//!   own for the host's name, from a CA made at run time that the member
//!   does not trust, and opens its own TLS connection to the real host,
//!   verified properly ([`impostor`]). A member that accepts the impostor's
//!   certificate has every line read, in plain text, as it is forwarded.
//!
//! Only between loopback addresses: the relay listens on 127.0.0.1 and
//! refuses an upstream host that is not on loopback. It intercepts nothing
//! but the connections made to it.

pub mod impostor;
mod listener;
pub mod records;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crate::net::certinfo::CertInfo;
use crate::net::sink::Waker;

pub use records::{ContentType, SeenRecord};

/// What the relay in the middle does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelayMode {
    /// Forwards the bytes untouched, and shows them.
    Listener,
    /// Pretends to be the host.
    Impostor {
        /// The CA files (PEM) the impostor verifies the real host with.
        ca_files: Vec<PathBuf>,
    },
}

/// Where the relay stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayConfig {
    /// The real host, on loopback.
    pub upstream: SocketAddr,
    /// What the relay does.
    pub mode: RelayMode,
}

/// Which way bytes go through the relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From the member to the host.
    ToHost,
    /// From the host to the member.
    ToMember,
}

/// Why a connection through the relay ended, as data (the window puts it
/// into words).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// One side closed it.
    Closed,
    /// The member refused the impostor's certificate: the alert it sent
    /// (e.g. unknown_ca, see [`impostor::alert_name`]), if it sent one.
    MemberRefused {
        /// The TLS alert the member sent.
        alert: Option<rustls::AlertDescription>,
    },
    /// The impostor's connection to the real host failed (one line).
    HostUnreachable(String),
    /// A line longer than the protocol allows.
    LineTooLong,
    /// A read or write failed, or a phase took too long (one line).
    Failed(String),
}

/// What the relay reports. `conn` numbers the connections it took, from 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelayEvent {
    /// It listens at `addr`, in front of `upstream`; an impostor also
    /// says which certificate it presents (leaf first, then its CA).
    Listening {
        /// Where members connect to.
        addr: SocketAddr,
        /// The real host.
        upstream: SocketAddr,
        /// The impostor's certificate chain (empty for a listener).
        presents: Vec<CertInfo>,
    },
    /// A connection came in.
    Opened {
        /// Its number.
        conn: u32,
        /// Where from.
        from: SocketAddr,
    },
    /// A TLS record passed (listener).
    Record {
        /// The connection.
        conn: u32,
        /// Which way.
        dir: Direction,
        /// What a listener sees of it.
        record: SeenRecord,
    },
    /// The bytes going `dir` are not TLS records (listener; said once).
    NotTls {
        /// The connection.
        conn: u32,
        /// Which way.
        dir: Direction,
        /// Their first bytes (bounded).
        head: Vec<u8>,
    },
    /// The member accepted the impostor's certificate: the impostor now
    /// reads everything (impostor).
    MemberAccepted {
        /// The connection.
        conn: u32,
    },
    /// The impostor's own connection to the real host is up, the host's
    /// certificate verified (impostor).
    HostVerified {
        /// The connection.
        conn: u32,
        /// The real host's certificate.
        cert: Box<CertInfo>,
    },
    /// A line the impostor read and forwarded (impostor), made safe to
    /// show and cut at [`SHOWN_LINE_BYTES`].
    Line {
        /// The connection.
        conn: u32,
        /// Which way.
        dir: Direction,
        /// The line's text.
        text: String,
        /// Its length in bytes, as forwarded.
        bytes: usize,
    },
    /// A connection ended.
    Ended {
        /// The connection.
        conn: u32,
        /// Why.
        why: Ending,
    },
}

/// The link a member behind the relay at `relay` joins with: the host's
/// invite `link` with the relay's address, keeping the link's pin only if
/// `keep_pin` (an impostor's member comes as a first-time visitor, with
/// the invitation but without the pin, so that it checks the certificate
/// it is shown); the relay's bare address without a link.
pub fn relayed_link(
    link: Option<&str>,
    relay: SocketAddr,
    keep_pin: bool,
) -> Result<String, crate::net::invite::InviteError> {
    let Some(link) = link else {
        return Ok(relay.to_string());
    };
    let mut invite = crate::net::invite::Invite::parse(link)?;
    invite.host = relay.ip().to_canonical().to_string();
    invite.port = relay.port();
    if !keep_pin {
        invite.pin = None;
    }
    Ok(invite.link())
}

/// The most bytes of a forwarded line the impostor shows.
pub const SHOWN_LINE_BYTES: usize = 2048;

/// How long one connection's phase (connect, handshake) may take.
const PHASE_TIMEOUT: Duration = crate::net::HANDSHAKE_TIMEOUT;

/// Why the relay could not start.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// The upstream host is not on loopback.
    #[error("the demo's relay only stands between loopback addresses, not in front of {0}")]
    NotLoopback(SocketAddr),
    /// Binding or the runtime failed.
    #[error("cannot start the relay: {0}")]
    Io(#[from] std::io::Error),
    /// The impostor's certificates or TLS configuration could not be made.
    #[error("cannot make the impostor: {0}")]
    Impostor(#[from] impostor::ImpostorError),
}

/// The most events waiting for the window; past it they are counted, not
/// queued (a window that fell behind a flood of records).
pub const MAX_QUEUED_EVENTS: usize = 4096;

/// The most connections the relay carries at once; more are closed at
/// once.
pub const MAX_CONNECTIONS: usize = 16;

/// Where the relay's tasks put their events: a bounded channel, the count
/// of those it had no room for, and the consumer's wake-up once it has one.
#[derive(Clone)]
pub(crate) struct RelaySink {
    tx: crossbeam_channel::Sender<RelayEvent>,
    dropped: Arc<AtomicU64>,
    wake: Arc<OnceLock<Waker>>,
}

impl RelaySink {
    /// Queues an event, or counts it when the queue is full, and wakes the
    /// consumer (one that went away is not an error).
    pub(crate) fn emit(&self, event: RelayEvent) {
        if let Err(crossbeam_channel::TrySendError::Full(_)) = self.tx.try_send(event) {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
        if let Some(wake) = self.wake.get() {
            wake();
        }
    }
}

/// The running relay. Dropping it stops the relay and its connections.
pub struct RelayThread {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    wake: Arc<OnceLock<Waker>>,
    dropped: Arc<AtomicU64>,
}

impl RelayThread {
    /// Binds a free port on 127.0.0.1 (before returning, so a member may
    /// connect at once) and starts relaying to `config.upstream`. Events
    /// arrive on the returned receiver.
    pub fn start(
        config: &RelayConfig,
    ) -> Result<(Self, crossbeam_channel::Receiver<RelayEvent>), RelayError> {
        if !config.upstream.ip().is_loopback() {
            return Err(RelayError::NotLoopback(config.upstream));
        }
        let std_listener = std::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0))?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let impostor = match &config.mode {
            RelayMode::Listener => None,
            RelayMode::Impostor { ca_files } => {
                Some(impostor::Impostor::new(config.upstream, ca_files)?)
            }
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (tx, rx) = crossbeam_channel::bounded(MAX_QUEUED_EVENTS);
        let wake: Arc<OnceLock<Waker>> = Arc::default();
        let dropped: Arc<AtomicU64> = Arc::default();
        let sink = RelaySink {
            tx,
            dropped: dropped.clone(),
            wake: wake.clone(),
        };
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let upstream = config.upstream;
        let thread = std::thread::Builder::new()
            .name("tlschat-relay".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = match tokio::net::TcpListener::from_std(std_listener) {
                        Ok(l) => l,
                        Err(e) => {
                            tracing::warn!("relay: {e}");
                            return;
                        }
                    };
                    sink.emit(RelayEvent::Listening {
                        addr,
                        upstream,
                        presents: impostor.as_ref().map(|i| i.chain()).unwrap_or_default(),
                    });
                    tokio::select! {
                        () = accept_loop(listener, upstream, impostor.map(Arc::new), sink) => {}
                        _ = stopped => {}
                    }
                });
                runtime.shutdown_timeout(Duration::from_secs(1));
            })?;
        Ok((
            Self {
                addr,
                stop: Some(stop),
                thread: Some(thread),
                wake,
                dropped,
            },
            rx,
        ))
    }

    /// Where members connect to.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How many events found the queue full (the window shows the count).
    #[must_use]
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Sets what wakes the consumer after each event (once; a UI passes
    /// its repaint request).
    pub fn set_waker(&self, wake: Waker) {
        let _ = self.wake.set(wake);
    }
}

impl std::fmt::Debug for RelayThread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelayThread")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Drop for RelayThread {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Takes connections until stopped; each is relayed on its own task.
async fn accept_loop(
    listener: tokio::net::TcpListener,
    upstream: SocketAddr,
    impostor: Option<Arc<impostor::Impostor>>,
    sink: RelaySink,
) {
    let mut conn: u32 = 0;
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        let (stream, from) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of descriptors, say: wait a little, then go on.
                tracing::warn!("relay: accept: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        // Past the bound, a connection is closed before anything is read.
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            continue;
        };
        conn = conn.saturating_add(1);
        sink.emit(RelayEvent::Opened { conn, from });
        let sink = sink.clone();
        let impostor = impostor.clone();
        tokio::spawn(async move {
            match impostor {
                None => listener::relay(conn, stream, upstream, sink).await,
                Some(impostor) => impostor.serve(conn, stream, sink).await,
            }
            drop(slot);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_member_behind_the_relay_dials_the_relay_and_the_impostor_has_no_pin() {
        let link = format!(
            "tlschat://127.0.0.1:7443/#pin=SHA256:{}&invite={}",
            "ab".repeat(32),
            "cd".repeat(16)
        );
        let relay: SocketAddr = "127.0.0.1:9000".parse().unwrap();
        let kept = relayed_link(Some(&link), relay, true).unwrap();
        assert_eq!(kept, link.replace("7443", "9000"));
        let bare = relayed_link(Some(&link), relay, false).unwrap();
        assert_eq!(
            bare,
            format!("tlschat://127.0.0.1:9000/#invite={}", "cd".repeat(16))
        );
        assert_eq!(relayed_link(None, relay, false).unwrap(), "127.0.0.1:9000");
    }

    #[test]
    fn a_full_queue_counts_what_it_has_no_room_for() {
        let (tx, rx) = crossbeam_channel::bounded(2);
        let sink = RelaySink {
            tx,
            dropped: Arc::default(),
            wake: Arc::default(),
        };
        for conn in 1..=3 {
            sink.emit(RelayEvent::MemberAccepted { conn });
        }
        assert_eq!(rx.len(), 2);
        assert_eq!(sink.dropped.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn connections_past_the_bound_are_closed_at_once() {
        use std::io::Read as _;
        // A host that takes connections (in its backlog) and says nothing.
        let host = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let config = RelayConfig {
            upstream: host.local_addr().unwrap(),
            mode: RelayMode::Listener,
        };
        let (relay, events) = RelayThread::start(&config).unwrap();
        let held: Vec<_> = (0..MAX_CONNECTIONS)
            .map(|_| std::net::TcpStream::connect(relay.addr()).unwrap())
            .collect();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let mut opened = 0;
        while opened < MAX_CONNECTIONS {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match events.recv_timeout(left).unwrap() {
                RelayEvent::Opened { .. } => opened += 1,
                RelayEvent::Ended { why, .. } => panic!("ended: {why:?}"),
                _ => {}
            }
        }
        let mut extra = std::net::TcpStream::connect(relay.addr()).unwrap();
        extra
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        assert_eq!(extra.read(&mut [0; 8]).unwrap(), 0, "closed at once");
        assert!(
            !events
                .try_iter()
                .any(|e| matches!(e, RelayEvent::Opened { .. }))
        );
        drop(held);
    }

    #[test]
    fn the_relay_stands_only_between_loopback_addresses() {
        let config = RelayConfig {
            upstream: "192.0.2.1:7443".parse().unwrap(),
            mode: RelayMode::Listener,
        };
        assert!(matches!(
            RelayThread::start(&config),
            Err(RelayError::NotLoopback(_))
        ));
    }
}
