//! Commands from the UI (or the headless loop) to the net thread: a
//! [`Start`] begins a session (hosting or joining a room), a
//! [`SessionCommand`] is addressed to one session by its [`SessionId`].

use std::net::SocketAddr;
use std::path::PathBuf;

/// Why a configuration cannot be used (one line).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    /// The host to join has no canonical form, so its pins cannot be
    /// looked up (see [`crate::net::pins::canonical_host`]).
    #[error(transparent)]
    Target(#[from] crate::net::pins::TargetError),
}

/// What to host: where to listen, as whom, with which certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostConfig {
    /// The address to listen on (port 0 picks a free port).
    pub bind: SocketAddr,
    /// The host's own nickname in the room.
    pub nick: String,
    /// Certificate chain (PEM) and private key (PEM); `None` uses the
    /// self-signed certificate kept in the configuration directory.
    pub identity: Option<(PathBuf, PathBuf)>,
    /// CA certificates (PEM) that members' certificates are verified
    /// against; without it members are not asked for certificates.
    pub client_ca: Option<PathBuf>,
    /// The configuration directory (for the generated certificate).
    pub config_dir: PathBuf,
    /// How many members and handshakes the room takes.
    pub limits: HostLimits,
    /// Where the room keeps what was said, and how much of it.
    pub history: HistoryConfig,
    /// TLS version, groups, key log and handshake recording.
    pub tls: crate::net::tlsopts::TlsOptions,
    /// Who may come in, and what they are given of the history.
    pub door: crate::net::door::DoorConfig,
}

/// Where a room keeps its history.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum HistoryPlace {
    /// `history-PORT.sqlite3` in the configuration directory; in memory
    /// when the port is 0 (a room on a port picked at random cannot be
    /// found again after a restart).
    #[default]
    Default,
    /// This SQLite file.
    File(PathBuf),
    /// Memory only (`--no-history`): nothing on disk, resume works while
    /// the host runs.
    Memory,
}

/// What a room remembers and what it tells newcomers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryConfig {
    /// Where.
    pub place: HistoryPlace,
    /// How many messages are kept (`--keep`); older ones are deleted.
    pub keep: u64,
    /// How many bytes of text and nicknames are kept (`--keep-bytes`);
    /// the oldest messages go past it. What one peer sending the largest
    /// messages allowed can make the history hold (in memory, with
    /// `--no-history`).
    pub keep_bytes: u64,
    /// How many of the last messages a `tlschat/1` newcomer gets
    /// (`--backlog`); plain-text newcomers get at most
    /// [`HistoryConfig::PLAIN_BACKLOG`] of them.
    pub backlog: u64,
    /// The largest the history file may grow, in bytes; past it new
    /// messages are refused to their senders (`--history-max-bytes`).
    pub max_bytes: Option<u64>,
}

impl HistoryConfig {
    /// Default for `--keep`.
    pub const KEEP: u64 = 10_000;
    /// Default for `--keep-bytes`: 64 MiB.
    pub const KEEP_BYTES: u64 = 64 * 1024 * 1024;
    /// Default for `--backlog`.
    pub const BACKLOG: u64 = 50;
    /// The most a plain-text newcomer is shown.
    pub const PLAIN_BACKLOG: u64 = 20;
}

impl Default for HistoryConfig {
    fn default() -> Self {
        Self {
            place: HistoryPlace::Default,
            keep: Self::KEEP,
            keep_bytes: Self::KEEP_BYTES,
            backlog: Self::BACKLOG,
            max_bytes: None,
        }
    }
}

/// What a room takes before it refuses newcomers: in total and from one
/// address (an IPv6 address counts by its /64 network), so that one
/// machine cannot fill the room or its handshake slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostLimits {
    /// Members in the room, the host not counted.
    pub max_members: usize,
    /// Members connected from one address.
    pub max_members_per_address: usize,
    /// TLS handshakes in progress at once.
    pub max_handshakes: usize,
    /// TLS handshakes in progress at once from one address.
    pub max_handshakes_per_address: usize,
    /// Bytes waiting to be sent to members, all of them together (the
    /// room's feed and every member's write under way).
    pub max_queued_bytes: usize,
}

impl HostLimits {
    /// Default for `--max-members`.
    pub const MAX_MEMBERS: usize = 10_000;
    /// Default for `--max-members-per-address`.
    pub const MAX_MEMBERS_PER_ADDRESS: usize = 200;
    /// Default for `--max-handshakes`: handshakes in progress at once;
    /// each holds a socket for at most the handshake timeout.
    pub const MAX_HANDSHAKES: usize = 1024;
    /// Default for `--max-handshakes-per-address`: handshakes in progress
    /// at once from one address.
    pub const MAX_HANDSHAKES_PER_ADDRESS: usize = 64;
    /// Default for `--max-queued-bytes`: 128 MiB (the feed's 32 MiB
    /// included).
    pub const MAX_QUEUED_BYTES: usize = 128 * 1024 * 1024;
}

impl Default for HostLimits {
    fn default() -> Self {
        Self {
            max_members: Self::MAX_MEMBERS,
            max_members_per_address: Self::MAX_MEMBERS_PER_ADDRESS,
            max_handshakes: Self::MAX_HANDSHAKES,
            max_handshakes_per_address: Self::MAX_HANDSHAKES_PER_ADDRESS,
            max_queued_bytes: Self::MAX_QUEUED_BYTES,
        }
    }
}

/// Which room to join and how to decide whether to trust it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinConfig {
    /// Host name or IP address, as the user typed it (also the expected name
    /// in the certificate and the SNI).
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// The member's nickname.
    pub nick: String,
    /// Extra CA certificates (PEM files) to trust besides the system roots.
    pub ca_files: Vec<PathBuf>,
    /// Exact certificate fingerprints (SHA-256) the user accepts for this host.
    pub pins: Vec<[u8; 32]>,
    /// Whether an exception made with `pins` is stored in the known-hosts
    /// file ("always"), or holds for this connection only ("once").
    pub remember_pin: bool,
    /// Our own certificate chain and key (PEM), for hosts that ask for one.
    pub identity: Option<(PathBuf, PathBuf)>,
    /// The configuration directory holding the known-hosts store; `None`
    /// uses no store at all (nothing remembered, nothing consulted).
    pub config_dir: Option<PathBuf>,
    /// Whether the member reconnects by itself after an unexpected drop
    /// of a `tlschat/1` room (never after a trust failure).
    pub reconnect: bool,
    /// TLS version, groups and key log.
    pub tls: crate::net::tlsopts::TlsOptions,
    /// The invitation code an invite link brought, for an invite-only
    /// room (sent in the hello; a remembered key needs none).
    pub invite: Option<String>,
}

impl JoinConfig {
    /// The canonical `host:port` that keys the known-hosts store (see
    /// [`crate::net::pins::canonical_target`]): one for every spelling of
    /// the host. An error (one line) for a host name that has none, e.g. an
    /// internationalized name not in its ASCII form.
    pub fn canonical_target(&self) -> Result<String, CommandError> {
        crate::net::pins::canonical_target(&self.host, self.port).map_err(CommandError::Target)
    }

    /// `host:port` as typed, with IPv6 addresses in brackets.
    #[must_use]
    pub fn target(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// Which session a command is for or an event comes from. Every
/// [`Start`] begins a new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionId(pub u64);

/// Begins a session on the net thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// Open a room and take part in it.
    Host(HostConfig),
    /// Join a room.
    Join(JoinConfig),
}

/// An imperative request to one session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionCommand {
    /// Say something in the room. `id` is chosen by the caller and comes back
    /// in [`crate::net::NetEvent::Delivered`] or
    /// [`crate::net::NetEvent::NotDelivered`].
    Send {
        /// Caller-chosen message id.
        id: u64,
        /// The message text (may contain newlines).
        text: String,
    },
    /// Change our nickname.
    Nick(String),
    /// Leave once every message sent so far is delivered (or a deadline
    /// passes), then close the connection cleanly.
    Finish,
    /// Leave the room (member) or close it (host) now.
    Disconnect,
    /// While waiting to reconnect after a drop: try now.
    ReconnectNow,
    /// The host's door: invitations, the lobby, kick, ban and mute. Only a
    /// host session does these; a member's session ignores them.
    Door(DoorCommand),
}

/// What the host asks of its door (the window's invite panel and member
/// menu, the headless host's `/invite`, `/kick`, … commands). Each answer
/// comes as a [`crate::net::NetEvent::Door`] with the door's new state,
/// and a [`crate::net::NetEvent::Notice`] when something was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DoorCommand {
    /// A new invitation: `uses` (None: any number) for `hours` (None:
    /// until revoked). Its links come back in
    /// [`crate::net::NetEvent::InviteMade`].
    Invite {
        /// How many members it admits.
        uses: Option<u32>,
        /// How long it works.
        hours: Option<u32>,
    },
    /// Revoke invitation `id`.
    Revoke(u32),
    /// Let a knocking member in (its lobby id).
    Admit(u64),
    /// Send a knocking member away (its lobby id).
    Refuse(u64),
    /// Put a member out; it may come back (its key is still a member's).
    Kick {
        /// Its nickname.
        nick: String,
        /// Why, told to the room and to the member (may be empty).
        reason: String,
    },
    /// Put a member out and ban its key (or, without a key, its address).
    Ban {
        /// Its nickname.
        nick: String,
        /// Why (may be empty).
        reason: String,
    },
    /// Lift ban `id`.
    Unban(u32),
    /// The member may read but not speak.
    Mute(String),
    /// The member may speak again.
    Unmute(String),
}
