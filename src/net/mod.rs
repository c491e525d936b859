//! Everything that touches sockets, TLS, certificates and trust.
//!
//! The net layer runs on its own thread ([`NetThread`]) with a tokio runtime.
//! The rest of the program starts sessions with [`Start`], talks to them with
//! [`SessionCommand`]s and hears back [`SessionEvent`]s, plain data on both
//! sides: no tokio or UI type crosses the boundary, and of rustls only the
//! plain values that name what a connection negotiated ([`CipherSuite`],
//! [`NamedGroup`], [`SignatureScheme`]), re-exported here. This module
//! never imports a UI toolkit; the thread wakes its consumer through a
//! plain callback.

mod budget;
pub mod certgen;
pub mod certinfo;
pub mod command;
pub mod door;
pub mod event;
mod feed;
pub mod frame;
mod host;
pub mod identity;
pub mod invite;
pub mod keyauth;
pub mod keylog;
pub mod lines;
mod member;
pub mod nick;
pub mod pem;
pub mod pins;
pub mod protocol;
pub mod recorder;
pub mod relay;
mod reserved;
mod resume;
mod room;
pub(crate) mod safe_event;
pub mod safe_text;
pub mod safety;
mod sink;
pub mod store;
mod thread;
pub mod tlsopts;
pub mod trust;
pub mod wire;
pub mod wording;

pub use certinfo::CertInfo;
pub use command::{
    DoorCommand, HistoryConfig, HistoryPlace, HostConfig, HostLimits, JoinConfig, SessionCommand,
    SessionId, Start,
};
pub use door::{Access, DoorConfig, HistoryVisibility};
pub use event::{
    BanView, ConnectionInfo, DisconnectKind, DoorView, HandshakeKind, InvitationView, KnockView,
    MemberInfo, MessageEvent, MutedView, NetEvent, SessionEvent, Untrusted,
};
pub use frame::{ErrorCode, LeaveReason};
pub use protocol::{Dialect, MAX_LINE};
pub use rustls::{CipherSuite, NamedGroup, SignatureScheme};
pub use sink::{Events, MAX_QUEUED_MESSAGE_BYTES, Waker};
pub use thread::{CommandSender, NetThread};
pub use tlsopts::{KxGroup, TlsOptions, TlsVersion};
pub use trust::{PinMatch, TrustBasis};

/// The ALPN protocol name that tlschat members offer and hosts select.
pub const ALPN: &[u8] = b"tlschat/1";

/// The port a host listens on when none is given.
pub const DEFAULT_PORT: u16 = 7443;

/// How long a TLS handshake may take before the connection is dropped.
pub const HANDSHAKE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Now, in milliseconds since the Unix epoch (0 if the clock is before it).
#[must_use]
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
