//! The host: a TLS listener, one task per member connection, and the room.
//! Each member's connection speaks the dialect its ALPN chose (see
//! [`crate::net::protocol`]); its task reads frames, hands messages to the
//! room and writes what the room says.
//!
//! The parts, in the shape of mini-redis' server:
//! - this file starts the host ([`run`]): it binds the address, loads the
//!   certificate and the history, starts the room, and runs the listener
//!   beside the host's own commands until the room is closed;
//! - `listener.rs` accepts connections and gives each to its handler;
//! - `admission.rs` decides who may come in (handshakes and members capped
//!   in total, per address and per network, fairly under floods);
//! - `handler.rs` is one connection's life: TLS, admission, hello, the
//!   room's door (`handler/entry.rs`: let in, waiting in the lobby, or
//!   refused with nothing of the room), the read and write loops, close;
//! - `commands.rs` is what the person running the host asks of it;
//! - `tls.rs` is the server's TLS configuration and handshake;
//! - `rate.rs` is how fast a member may send.

mod admission;
mod commands;
mod handler;
mod listener;
mod pending;
mod rate;
mod tls;

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::mpsc;

use crate::msg;
use crate::net::budget::OutputBudget;
use crate::net::certinfo::CertInfo;
use crate::net::command::{HostConfig, SessionCommand};
use crate::net::event::{DisconnectKind, NetEvent};
use crate::net::invite::Invite;
use crate::net::keyauth::MemberKeys;
use crate::net::keylog::Captured;
use crate::net::room::Room;
use crate::net::sink::{EventSink, ended};
use crate::net::store::{Store, StoreError, history_file};
use crate::net::wording::said_msg;

use admission::Admission;
use handler::{MIN_QUEUED_BYTES, Shared};
use listener::{ListenError, Listener};
use tls::{ServerSetup, TlsError};

/// The target of the host's log lines, whichever of its files they come
/// from (`RUST_LOG=tlschat::net::host=debug` shows them all).
const LOG: &str = "tlschat::net::host";

/// Runs a hosted room until told to stop.
pub(crate) async fn run(
    config: HostConfig,
    sink: EventSink,
    commands: mpsc::UnboundedReceiver<SessionCommand>,
) {
    sink.emit(NetEvent::Connecting {
        target: config.bind.to_string(),
    });
    let opened = match Opened::open(&config).await {
        Ok(opened) => opened,
        Err(e) => return ended(&sink, DisconnectKind::Error, said_msg(e.to_string())),
    };
    // Under `--access invite` the link printed at start opens the door:
    // it carries the code of a reusable invitation made now.
    let start_code = match config.door.access {
        crate::net::door::Access::Invite => match crate::net::door::new_code() {
            Ok(code) => Some(code),
            Err(e) => {
                let why = msg!("net-start-invitation-failed", error = e.to_string());
                return ended(&sink, DisconnectKind::Error, why);
            }
        },
        crate::net::door::Access::Knock | crate::net::door::Access::Open => None,
    };
    let links = opened.announce(&config, &sink, start_code.as_deref());
    let Opened {
        tcp,
        tls,
        captured,
        store,
        keys,
        ..
    } = opened;
    let (room, room_task) = Room::start(
        config.nick.clone(),
        sink.clone(),
        store,
        &config.history,
        config.door,
    );
    // Before the listener takes its first member.
    room.open_door(links, start_code).await;
    let shared = Shared {
        tls,
        keys,
        room: room.clone(),
        admission: Admission::new(config.limits),
        budget: OutputBudget::new(
            config.limits.max_queued_bytes.max(MIN_QUEUED_BYTES),
            room.feed(),
        ),
        recording: captured.map(|c| {
            let seats =
                crate::net::wire::live::Seats::new(crate::net::wire::live::MAX_FOLLOWED_MEMBERS);
            (c, sink.clone(), seats)
        }),
    };
    let mut listener = Listener::new(tcp, shared);
    let reason = tokio::select! {
        never = listener.run() => match never {},
        reason = commands::run(&room, &sink, commands) => reason,
    };
    listener.shutdown(&room).await;
    // The room task closes the history when it ends: a process that exits
    // right after the host says it ended leaves everything in the file,
    // nothing in a WAL file beside it.
    let _ = tokio::time::timeout(Duration::from_secs(5), room_task).await;
    ended(&sink, DisconnectKind::ByUser, reason);
}

/// Why a host cannot start (one line).
#[derive(Debug, thiserror::Error)]
enum HostError {
    /// Its address cannot be listened on.
    #[error(transparent)]
    Listen(#[from] ListenError),
    /// Its TLS configuration cannot be made.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// Its history cannot be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Loading them stopped short (a panic in the blocking task).
    #[error("cannot load the certificate: {0}")]
    Setup(tokio::task::JoinError),
}

/// What a host needs before its room can start: its address bound, its
/// TLS configuration and its history open.
struct Opened {
    /// The bound address.
    tcp: TcpListener,
    /// The TLS configuration members are served with.
    tls: Arc<rustls::ServerConfig>,
    /// What checks members' certificates.
    keys: Arc<MemberKeys>,
    /// The host's certificate chain, leaf first.
    chain: Vec<CertInfo>,
    /// Where the secrets of recorded handshakes are kept.
    captured: Option<Arc<Captured>>,
    /// The history.
    store: Store,
    /// The history's file; `None` when it is kept in memory.
    file: Option<PathBuf>,
    /// Where members on other machines can reach this room.
    addresses: Vec<IpAddr>,
}

impl Opened {
    /// Binds the address, then loads the certificate and opens the
    /// history (on a blocking thread); or says why not.
    async fn open(config: &HostConfig) -> Result<Self, HostError> {
        // The address first: a second host on the same port is told the port
        // is in use, not that its history file is.
        let tcp = Listener::bind(config.bind).await?;
        let config = config.clone();
        let setup = tokio::task::spawn_blocking(move || {
            let addresses = crate::net::invite::invite_addresses(
                config.bind.ip(),
                &crate::net::invite::local_addresses(),
            );
            let ServerSetup {
                tls,
                chain,
                captured,
                keys,
            } = tls::server_config(&config, &addresses)?;
            let file = history_file(&config);
            let store = Store::open(
                file.as_deref(),
                config.history.keep,
                config.history.keep_bytes,
                config.history.max_bytes,
            )?;
            Ok::<_, HostError>(Self {
                tcp,
                tls,
                keys,
                chain,
                captured,
                store,
                file,
                addresses,
            })
        });
        setup.await.map_err(HostError::Setup)?
    }

    /// Tells the host where it listens, with its chain and invites (with
    /// the start invitation's `code`, if there is one), and where its
    /// history is kept. Returns the invite links without a code.
    fn announce(&self, config: &HostConfig, sink: &EventSink, code: Option<&str>) -> Vec<Invite> {
        let addr = self.tcp.local_addr().unwrap_or(config.bind);
        tracing::info!(%addr, history = ?self.file, "listening");
        let pin = self.chain.first().map(|leaf| leaf.sha256);
        let links = crate::net::invite::invites_for(addr, &self.addresses, pin);
        let invites = links
            .iter()
            .map(|l| match code {
                Some(code) => l.clone().with_code(code),
                None => l.clone(),
            })
            .collect();
        sink.emit(NetEvent::Listening {
            addr,
            chain: self.chain.clone(),
            invites,
        });
        if let Some(file) = &self.file {
            let kept = self.store.last_seq() + 1 - self.store.first_kept();
            sink.emit(NetEvent::Notice(crate::msg!(
                "net-history-file",
                file = file.display().to_string(),
                kept = kept,
                keep = config.history.keep
            )));
        }
        links
    }
}
