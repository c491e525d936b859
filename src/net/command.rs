//! Commands from the UI (or the headless loop) to the net thread.

use std::net::SocketAddr;
use std::path::PathBuf;

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
}

impl JoinConfig {
    /// The canonical `host:port` that keys the known-hosts store (see
    /// [`crate::net::pins::canonical_target`]): one for every spelling of
    /// the host. An error (one line) for a host name that has none, e.g. an
    /// internationalized name not in its ASCII form.
    pub fn canonical_target(&self) -> Result<String, String> {
        crate::net::pins::canonical_target(&self.host, self.port)
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

/// An imperative request to the net thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Open a room and take part in it.
    Host(HostConfig),
    /// Join a room.
    Join(JoinConfig),
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
    /// Stop everything and end the net thread.
    Shutdown,
}
