//! The command line: the names and flags users and scripts rely on.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::net::safe_text::quoted;

/// A chat over TLS that shows exactly how the connection is secured.
#[derive(Debug, Parser)]
#[command(name = "tlschat", version, about, long_about = None)]
pub struct Cli {
    /// What to do; without one, the window opens on its start screen.
    #[command(subcommand)]
    pub command: Option<Mode>,
    /// Log what happens on stderr (-v: connections and rustls' handshake
    /// steps; -vv: everything). RUST_LOG, when set, says exactly what.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// An invite link (tlschat://HOST:PORT/#pin=SHA256:…) instead of a
    /// subcommand: the window opens on its start screen with the join
    /// filled in, waiting for one click (what the desktop's URL handler runs).
    #[arg(value_name = "LINK")]
    pub link: Option<String>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Mode {
    /// Host a chat room (a TLS server that also takes part in the chat).
    Host(HostArgs),
    /// Join a chat room.
    Join(JoinArgs),
    /// Make a CA and a server certificate (PEM) for hosting.
    GenCert(GenCertArgs),
    /// Two windows on this machine, a host and a member, chatting.
    Demo(DemoArgs),
    /// The demo's third window: the relay between its member and its host
    /// (started by `demo --listener | --impostor`, not by hand).
    #[command(hide = true)]
    DemoRelay(DemoRelayArgs),
    /// List or remove the hosts you have accepted (pins) or seen verified.
    #[command(subcommand)]
    Trust(TrustCommand),
    /// Show your identity: the key hosts recognise you by (made on first use).
    Identity(IdentityArgs),
}

/// `tlschat demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The member connects through a relay that forwards its bytes
    /// untouched and shows them in a third window: what a listener on the
    /// network sees.
    #[arg(long, conflicts_with = "impostor")]
    pub listener: bool,
    /// The member connects through an impostor that pretends to be the
    /// host with a certificate of its own, and shows in a third window what
    /// it reads if the member proceeds past the warning anyway.
    #[arg(long)]
    pub impostor: bool,
}

/// `tlschat demo-relay` (hidden): the demo's relay window, which starts
/// the member itself once it listens.
#[derive(Debug, Args)]
pub struct DemoRelayArgs {
    /// The demo's host, on loopback.
    #[arg(long, value_name = "ADDR:PORT")]
    pub upstream: SocketAddr,
    /// The host's invite link; the member gets it with the relay's port
    /// (and, for the impostor, without its pin: a first-time visitor).
    #[arg(long, value_name = "LINK")]
    pub link: Option<String>,
    /// The demo's CA (PEM): the member trusts it, and the impostor
    /// verifies the real host with it.
    #[arg(long, value_name = "PEM")]
    pub ca: PathBuf,
    /// Be the impostor rather than the listener.
    #[arg(long)]
    pub impostor: bool,
    /// End, with the member it started, once stdin closes: the demo that
    /// started it holds the other end, so closing the demo (or its end)
    /// ends the relay and its member too.
    #[arg(long, hide = true)]
    pub parent_pipe: bool,
}

/// `tlschat identity`.
#[derive(Debug, Args)]
pub struct IdentityArgs {
    /// Make a fresh key (and certificate), replacing the old ones: hosts
    /// that knew your old key will not recognise you. Asks first.
    #[arg(long)]
    pub new: bool,
    /// With --new: do not ask (for scripts).
    #[arg(long, requires = "new")]
    pub yes: bool,
}

/// `tlschat trust`.
#[derive(Debug, Subcommand)]
pub enum TrustCommand {
    /// Every known host: your exceptions (pins) and hosts seen verified by a CA.
    List,
    /// Forget what is known of HOST:PORT (needed after an "identity changed" alarm).
    Remove {
        /// The host, in any spelling (`LOCALHOST:7443`, `[0:0::1]:7443`…);
        /// the port defaults to 7443.
        #[arg(value_name = "HOST:PORT")]
        target: String,
    },
}

/// `tlschat host`.
#[derive(Debug, Args)]
pub struct HostArgs {
    /// Address to listen on: IP, IP:PORT or localhost[:PORT].
    #[arg(long, default_value = "127.0.0.1:7443", value_parser = Checked(crate::setup::parse_bind), value_name = "ADDR:PORT")]
    pub bind: SocketAddr,
    /// Certificate chain (PEM), leaf first. Without it a self-signed
    /// certificate is made once and kept in the configuration directory.
    #[arg(long, value_name = "PEM", requires = "key")]
    pub cert: Option<PathBuf>,
    /// Private key (PEM) of --cert.
    #[arg(long, value_name = "PEM", requires = "cert")]
    pub key: Option<PathBuf>,
    /// Your nickname in the room.
    #[arg(long, value_name = "NICK", value_parser = Checked(crate::net::nick::normalize))]
    pub name: Option<String>,
    /// Verify members' certificates with this CA (PEM): the member list
    /// then shows who they are. Every host asks members for a certificate
    /// (a tlschat member presents its own key); members without one may
    /// still join.
    #[arg(long, value_name = "PEM")]
    pub client_ca: Option<PathBuf>,
    /// Refuse members without a certificate from --client-ca.
    #[arg(long, requires = "client_ca")]
    pub require_client_ca: bool,
    /// Who may come in: invite (a member needs an invitation the first
    /// time, then its key is remembered), knock (an unknown key waits for
    /// you to let it in) or open (anyone who can reach the port).
    #[arg(long, value_name = "ACCESS", default_value = "invite", value_parser = Checked(|s: &str| s.parse::<crate::net::Access>()))]
    pub access: crate::net::Access,
    /// What admitted members are given of the history: joined (what was
    /// said since their key was first admitted) or all (the kept backlog).
    #[arg(long, value_name = "WHICH", default_value = "joined", value_parser = Checked(|s: &str| s.parse::<crate::net::HistoryVisibility>()))]
    pub history_visibility: crate::net::HistoryVisibility,
    /// How long a knocking member waits for you before it is sent away.
    #[arg(long, value_name = "SECONDS", default_value_t = crate::net::door::KNOCK_WAIT.as_secs())]
    pub knock_wait: u64,
    /// The most members the room takes (the host not counted).
    #[arg(long, value_name = "N", default_value_t = crate::net::HostLimits::MAX_MEMBERS)]
    pub max_members: usize,
    /// The most members from one address (IPv6: one /64 network).
    #[arg(long, value_name = "N", default_value_t = crate::net::HostLimits::MAX_MEMBERS_PER_ADDRESS)]
    pub max_members_per_address: usize,
    /// The most TLS handshakes in progress at once. When they are all
    /// taken, a newcomer takes the place of the oldest handshake of the
    /// address holding the most.
    #[arg(long, value_name = "N", default_value_t = crate::net::HostLimits::MAX_HANDSHAKES)]
    pub max_handshakes: usize,
    /// The most TLS handshakes in progress at once from one address.
    #[arg(long, value_name = "N", default_value_t = crate::net::HostLimits::MAX_HANDSHAKES_PER_ADDRESS)]
    pub max_handshakes_per_address: usize,
    /// The most bytes waiting to be sent to members, all of them together
    /// (the room's recent messages and every member's pending write); past
    /// it the members furthest behind are disconnected first. At least
    /// 37.7 MiB (smaller values are raised to it).
    #[arg(long, value_name = "BYTES", default_value_t = crate::net::HostLimits::MAX_QUEUED_BYTES)]
    pub max_queued_bytes: usize,
    /// Keep the room's history in this SQLite file (default:
    /// history-PORT.sqlite3 in the configuration directory).
    #[arg(long, value_name = "FILE", conflicts_with = "no_history")]
    pub history: Option<PathBuf>,
    /// Keep no history on disk (members can still resume while the host runs).
    #[arg(long)]
    pub no_history: bool,
    /// How many messages the history keeps; older ones are deleted.
    #[arg(long, value_name = "N", default_value_t = crate::net::HistoryConfig::KEEP)]
    pub keep: u64,
    /// How many bytes of text the history keeps at most; the oldest
    /// messages go past it.
    #[arg(long, value_name = "BYTES", default_value_t = crate::net::HistoryConfig::KEEP_BYTES)]
    pub keep_bytes: u64,
    /// How many of the last messages a newcomer is shown (plain-text
    /// members: at most 20).
    #[arg(long, value_name = "N", default_value_t = crate::net::HistoryConfig::BACKLOG)]
    pub backlog: u64,
    /// The largest the history file may grow, in bytes; past it new
    /// messages are refused to their senders.
    #[arg(long, value_name = "BYTES")]
    pub history_max_bytes: Option<u64>,
    /// Run in the terminal: stdin lines are your messages, the room is printed on stdout.
    #[arg(long)]
    pub headless: bool,
    /// Also append the conversation (your own lines included) to this file,
    /// in plain text; made readable by you only if it is new.
    #[arg(long, value_name = "FILE", requires = "headless")]
    pub transcript: Option<PathBuf>,
    /// TLS version, groups, key log.
    #[command(flatten)]
    pub tls: TlsArgs,
    /// Record each member's handshake and print it decoded and decrypted
    /// on stderr (headless).
    #[arg(long)]
    pub show_handshake: bool,
}

impl HostArgs {
    /// The room's limits as given.
    #[must_use]
    pub fn limits(&self) -> crate::net::HostLimits {
        crate::net::HostLimits {
            max_members: self.max_members,
            max_members_per_address: self.max_members_per_address,
            max_handshakes: self.max_handshakes,
            max_handshakes_per_address: self.max_handshakes_per_address,
            max_queued_bytes: self.max_queued_bytes,
        }
    }

    /// The room's door as given.
    #[must_use]
    pub fn door(&self) -> crate::net::DoorConfig {
        crate::net::DoorConfig {
            access: self.access,
            require_client_ca: self.require_client_ca,
            history: self.history_visibility,
            knock_wait: std::time::Duration::from_secs(self.knock_wait),
        }
    }

    /// Where and how much history the room keeps, as given.
    #[must_use]
    pub fn history(&self) -> crate::net::HistoryConfig {
        use crate::net::HistoryPlace;
        crate::net::HistoryConfig {
            place: match (&self.history, self.no_history) {
                (Some(file), _) => HistoryPlace::File(file.clone()),
                (None, true) => HistoryPlace::Memory,
                (None, false) => HistoryPlace::Default,
            },
            keep: self.keep,
            keep_bytes: self.keep_bytes,
            backlog: self.backlog,
            max_bytes: self.history_max_bytes,
        }
    }
}

/// `tlschat join`.
#[derive(Debug, Args)]
pub struct JoinArgs {
    /// The host to join: HOST:PORT, [IPv6]:PORT, HOST (port 7443), or an
    /// invite link, tlschat://HOST:PORT/#pin=SHA256:HEX, which also trusts
    /// exactly that certificate (as --pin does).
    #[arg(value_name = "HOST:PORT|LINK")]
    pub target: String,
    /// Your nickname in the room.
    #[arg(long, value_name = "NICK", value_parser = Checked(crate::net::nick::normalize))]
    pub name: Option<String>,
    /// Also trust certificates issued by this CA (PEM); may be repeated.
    #[arg(long = "ca", value_name = "PEM")]
    pub ca: Vec<PathBuf>,
    /// Accept exactly the certificate with this SHA-256 fingerprint
    /// (as the host prints it), even if it is not otherwise trusted.
    #[arg(long, value_name = "SHA256:HEX", value_parser = Checked(crate::net::certinfo::parse_fingerprint))]
    pub pin: Option<[u8; 32]>,
    /// Your certificate chain (PEM), presented instead of your own key
    /// (`tlschat identity`) when the host asks, e.g. one from the host's
    /// client CA.
    #[arg(long, value_name = "PEM", requires = "key")]
    pub cert: Option<PathBuf>,
    /// Private key (PEM) of --cert.
    #[arg(long, value_name = "PEM", requires = "cert")]
    pub key: Option<PathBuf>,
    /// Do not reconnect by yourself when the connection drops (the session
    /// ends instead, as scripts may want).
    #[arg(long)]
    pub no_reconnect: bool,
    /// Run in the terminal: stdin lines are your messages, the room is printed on stdout.
    #[arg(long)]
    pub headless: bool,
    /// Also append the conversation (your own lines included) to this file,
    /// in plain text; made readable by you only if it is new.
    #[arg(long, value_name = "FILE", requires = "headless")]
    pub transcript: Option<PathBuf>,
    /// TLS version, groups, key log.
    #[command(flatten)]
    pub tls: TlsArgs,
    /// Print the handshake as it went over the wire, decoded and
    /// decrypted, on stderr once it is done (headless).
    #[arg(long)]
    pub show_handshake: bool,
}

/// The TLS flags `host` and `join` share: for seeing and comparing what
/// TLS does, never for weakening it.
#[derive(Debug, Args)]
pub struct TlsArgs {
    /// Append this session's TLS secrets to FILE in the NSS key log format,
    /// for Wireshark or tshark (also the SSLKEYLOGFILE environment
    /// variable). Anyone who reads FILE can decrypt the session.
    #[arg(long, value_name = "FILE")]
    pub keylog: Option<PathBuf>,
    /// Use only this TLS version (default: 1.3, and 1.2 when the peer
    /// needs it).
    #[arg(long, value_name = "1.2|1.3", value_parser = Checked(crate::net::tlsopts::parse_version))]
    pub tls_version: Option<crate::net::TlsVersion>,
    /// Key-exchange groups to offer or accept, in order of preference,
    /// comma-separated: X25519MLKEM768, X25519, secp256r1, secp384r1.
    #[arg(long, value_name = "LIST", value_parser = Checked(crate::net::tlsopts::parse_groups))]
    pub groups: Option<crate::net::tlsopts::GroupList>,
}

impl TlsArgs {
    /// The options as given; the key log is `--keylog`, else a non-empty
    /// `SSLKEYLOGFILE`. Handshakes are not recorded.
    #[must_use]
    pub fn options(&self) -> crate::net::TlsOptions {
        crate::net::TlsOptions {
            keylog: self
                .keylog
                .clone()
                .or(crate::net::TlsOptions::from_env().keylog),
            version: self.tls_version,
            groups: self.groups.clone(),
            record_handshakes: false,
        }
    }
}

/// `tlschat gen-cert`.
#[derive(Debug, Args)]
pub struct GenCertArgs {
    /// Directory to write ca.pem, ca.key, server.pem and server.key into.
    #[arg(long, default_value = "certs", value_name = "DIR")]
    pub out: PathBuf,
    /// A DNS name or IP address for the server certificate; may be repeated
    /// (default: localhost, 127.0.0.1 and this machine's other addresses,
    /// IPv6 link-local ones excepted).
    #[arg(long = "host", value_name = "NAME")]
    pub hosts: Vec<String>,
    /// Replace existing files.
    #[arg(long)]
    pub force: bool,
}

/// A flag's value checked by a parser whose errors are one line that quotes
/// the value clipped ([`quoted`]): clap's own error for a failed parser
/// would repeat the whole value (5 KB for a 5,000-byte `--bind`), and
/// as typed, invisible characters and all.
pub struct Checked<T, E>(pub fn(&str) -> Result<T, E>);

impl<T, E> Clone for Checked<T, E> {
    fn clone(&self) -> Self {
        Self(self.0)
    }
}

impl<T: Clone + Send + Sync + 'static, E: std::fmt::Display + 'static>
    clap::builder::TypedValueParser for Checked<T, E>
{
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<T, clap::Error> {
        let fail = |why: String| {
            let flag = arg.map_or_else(String::new, |a| format!("{a}: "));
            clap::Error::raw(
                clap::error::ErrorKind::ValueValidation,
                format!("{flag}{why}\n"),
            )
            .with_cmd(cmd)
        };
        let text = value.to_str().ok_or_else(|| {
            fail(format!(
                "{} is not valid UTF-8",
                quoted(&value.to_string_lossy())
            ))
        })?;
        (self.0)(text).map_err(|e| fail(e.to_string()))
    }
}
