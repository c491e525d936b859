//! How a host or a member is set up, one way for the command line and the
//! start screen alike: what users type for an address to listen on or a
//! host to join (an invite link too) parsed into typed values, and one
//! builder each for [`HostConfig`] and [`JoinConfig`] with the defaults
//! both front ends share.
//!
//! Neither clap nor egui is imported here: [`crate::cli`] and
//! [`crate::ui::start`] are the two front ends that call it.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, ToSocketAddrs as _};
use std::path::PathBuf;

use crate::net::invite::{Invite, InviteError};
use crate::net::safe_text::{quoted, visible_line};
use crate::net::{
    DEFAULT_PORT, DoorConfig, HistoryConfig, HostConfig, HostLimits, JoinConfig, TlsOptions,
};

/// Why a `HOST:PORT` is not one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HostPortProblem {
    /// The port is not a number from 1 to 65535.
    #[error("the port must be a number from 1 to 65535")]
    Port,
    /// `[IPv6` without its `]`.
    #[error("missing ']'")]
    MissingBracket,
    /// Something other than `:PORT` after `[IPv6]`.
    #[error("expected :PORT after ']'")]
    AfterBracket,
    /// `:PORT` alone.
    #[error("the host is empty")]
    EmptyHost,
}

/// What is wrong with an address, a host to join, or its pins. The text is
/// one line that quotes what was typed only clipped and with its control
/// characters made visible ([`quoted`]); a link is never repeated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// Not `HOST:PORT`.
    #[error("{} is not HOST:PORT: {why}", quoted(.text))]
    NotHostPort {
        /// What was typed.
        text: String,
        /// Why it is not.
        why: HostPortProblem,
    },
    /// A name that resolves to no address to listen on.
    #[error("{} is not an address to listen on (expected IP:PORT, e.g. 0.0.0.0:7443)", quoted(.text))]
    NotListenable {
        /// What was typed.
        text: String,
    },
    /// A host with no canonical known-hosts key (an internationalized name
    /// not in its ASCII form, a malformed name or address): the reason.
    #[error("{}", visible_line(.0))]
    NoKnownHostsKey(String),
    /// A malformed invite link.
    #[error("not a valid invite link: {0}")]
    Invite(#[from] InviteError),
    /// An invite link's pin and `--pin` name different certificates.
    #[error("the invite link's pin and --pin name different certificates: give one of them")]
    PinsDisagree,
}

/// Parses `--bind`: `IP`, `IP:PORT`, `[IPv6]:PORT`, `localhost` or `localhost:PORT`.
pub fn parse_bind(text: &str) -> Result<SocketAddr, AddressError> {
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, DEFAULT_PORT));
    }
    let (host, port) = parse_target(text)?;
    if host == "localhost" {
        return Ok(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port));
    }
    (host.as_str(), port)
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| AddressError::NotListenable {
            text: text.to_string(),
        })
}

/// Parses `HOST:PORT`, `[IPv6]:PORT`, a bare IPv6 address or `HOST` (port 7443).
pub fn parse_target(text: &str) -> Result<(String, u16), AddressError> {
    let bad = |why| AddressError::NotHostPort {
        text: text.to_string(),
        why,
    };
    let port = |p: &str| -> Result<u16, AddressError> {
        match p.parse::<u16>() {
            Ok(0) | Err(_) => Err(bad(HostPortProblem::Port)),
            Ok(n) => Ok(n),
        }
    };
    if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| bad(HostPortProblem::MissingBracket))?;
        let p = match after.strip_prefix(':') {
            Some(p) => port(p)?,
            None if after.is_empty() => DEFAULT_PORT,
            None => return Err(bad(HostPortProblem::AfterBracket)),
        };
        return Ok((host.to_string(), p));
    }
    if text.parse::<std::net::Ipv6Addr>().is_ok() {
        return Ok((text.to_string(), DEFAULT_PORT));
    }
    let (host, p) = match text.rsplit_once(':') {
        Some((host, p)) => (host, port(p)?),
        None => (text, DEFAULT_PORT),
    };
    if host.is_empty() {
        return Err(bad(HostPortProblem::EmptyHost));
    }
    Ok((host.to_string(), p))
}

/// Where to join, as given on the command line or the start screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinTarget {
    /// The host name or address.
    pub host: String,
    /// The port.
    pub port: u16,
    /// The certificate an invite link pinned, if the target was one.
    pub pin: Option<[u8; 32]>,
    /// The invitation code an invite link brought, if any.
    pub invite: Option<String>,
}

impl JoinTarget {
    /// Parses where to join: an invite link (`tlschat://…`, see
    /// [`crate::net::invite`]) or `HOST:PORT` as [`parse_target`] does,
    /// refusing a host that has no canonical known-hosts key.
    pub fn parse(text: &str) -> Result<Self, AddressError> {
        if crate::net::invite::is_link(text) {
            let invite = Invite::parse(text)?;
            return Ok(Self {
                host: invite.host,
                port: invite.port,
                pin: invite.pin,
                invite: invite.code,
            });
        }
        let (host, port) = parse_target(text)?;
        crate::net::pins::canonical_host(&host)
            .map_err(|e| AddressError::NoKnownHostsKey(reason(e)))?;
        Ok(Self {
            host,
            port,
            pin: None,
            invite: None,
        })
    }
}

/// An error of the net layer as the one line a field or the terminal shows
/// (whether the net layer's error is a string or a type of its own).
pub fn reason(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// A default nickname: the user's login name, else `fallback`.
#[must_use]
pub fn default_nick(fallback: &str) -> String {
    std::env::var("USER")
        .ok()
        .or_else(|| std::env::var("USERNAME").ok())
        .and_then(|u| crate::net::nick::normalize(&u).ok())
        .unwrap_or_else(|| fallback.to_string())
}

/// Builds a [`HostConfig`]: what is not set is what both front ends
/// default to.
#[derive(Debug, Clone)]
pub struct HostBuilder(HostConfig);

impl HostBuilder {
    /// A host listening on `bind` as `nick`, keeping its files (the
    /// generated certificate, the history) in `config_dir`: a generated
    /// certificate, no client CA, the default limits and history, and the
    /// TLS options of the environment (`SSLKEYLOGFILE`).
    #[must_use]
    pub fn new(bind: SocketAddr, nick: String, config_dir: PathBuf) -> Self {
        Self(HostConfig {
            bind,
            nick,
            identity: None,
            client_ca: None,
            config_dir,
            limits: HostLimits::default(),
            history: HistoryConfig::default(),
            tls: TlsOptions::from_env(),
            door: DoorConfig::default(),
        })
    }

    /// Who may come in, and what they are given of the history.
    #[must_use]
    pub fn door(mut self, door: DoorConfig) -> Self {
        self.0.door = door;
        self
    }

    /// Hosts with this certificate chain and key (PEM) instead.
    #[must_use]
    pub fn identity(mut self, identity: Option<(PathBuf, PathBuf)>) -> Self {
        self.0.identity = identity;
        self
    }

    /// Asks members for certificates and verifies them with this CA (PEM).
    #[must_use]
    pub fn client_ca(mut self, client_ca: Option<PathBuf>) -> Self {
        self.0.client_ca = client_ca;
        self
    }

    /// The room's limits.
    #[must_use]
    pub fn limits(mut self, limits: HostLimits) -> Self {
        self.0.limits = limits;
        self
    }

    /// Where and how much history the room keeps.
    #[must_use]
    pub fn history(mut self, history: HistoryConfig) -> Self {
        self.0.history = history;
        self
    }

    /// The TLS version, groups and key log.
    #[must_use]
    pub fn tls(mut self, tls: TlsOptions) -> Self {
        self.0.tls = tls;
        self
    }

    /// The configuration.
    #[must_use]
    pub fn build(self) -> HostConfig {
        self.0
    }
}

/// Builds a [`JoinConfig`]: what is not set is what both front ends
/// default to.
#[derive(Debug, Clone)]
pub struct JoinBuilder(JoinConfig);

impl JoinBuilder {
    /// Joining `target` as `nick`, with the known hosts in `config_dir`:
    /// the system roots, an invite link's pin trusted, reconnecting by
    /// itself after a drop, no certificate of our own, and the TLS options
    /// of the environment (`SSLKEYLOGFILE`).
    #[must_use]
    pub fn new(target: JoinTarget, nick: String, config_dir: PathBuf) -> Self {
        Self(JoinConfig {
            host: target.host,
            port: target.port,
            nick,
            ca_files: Vec::new(),
            pins: target.pin.into_iter().collect(),
            remember_pin: false,
            identity: None,
            config_dir: Some(config_dir),
            reconnect: true,
            tls: TlsOptions::from_env(),
            invite: target.invite,
        })
    }

    /// Also trusts exactly the certificate `pin` names (`--pin`), which
    /// must be the one an invite link pinned, if it was one.
    pub fn pin(mut self, pin: Option<[u8; 32]>) -> Result<Self, AddressError> {
        match (self.0.pins.first(), pin) {
            (Some(a), Some(b)) if *a != b => Err(AddressError::PinsDisagree),
            (None, Some(b)) => {
                self.0.pins = vec![b];
                Ok(self)
            }
            _ => Ok(self),
        }
    }

    /// Also trusts certificates issued by these CAs (PEM files).
    #[must_use]
    pub fn ca_files(mut self, ca_files: Vec<PathBuf>) -> Self {
        self.0.ca_files = ca_files;
        self
    }

    /// Our certificate chain and key (PEM), for hosts that ask for one.
    #[must_use]
    pub fn identity(mut self, identity: Option<(PathBuf, PathBuf)>) -> Self {
        self.0.identity = identity;
        self
    }

    /// Ends the session when the connection drops instead of reconnecting
    /// (`--no-reconnect`).
    #[must_use]
    pub fn no_reconnect(mut self) -> Self {
        self.0.reconnect = false;
        self
    }

    /// The TLS version, groups and key log.
    #[must_use]
    pub fn tls(mut self, tls: TlsOptions) -> Self {
        self.0.tls = tls;
        self
    }

    /// The configuration. A pin given up front (an invite link's, or
    /// `--pin`) is the user's own exception, made before connecting: it is
    /// remembered under known hosts.
    #[must_use]
    pub fn build(mut self) -> JoinConfig {
        self.0.remember_pin = !self.0.pins.is_empty();
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_like_people_write_them() {
        assert_eq!(
            parse_target("chat.example:8443"),
            Ok(("chat.example".into(), 8443))
        );
        assert_eq!(
            parse_target("chat.example"),
            Ok(("chat.example".into(), 7443))
        );
        assert_eq!(parse_target("[::1]:9000"), Ok(("::1".into(), 9000)));
        assert_eq!(parse_target("::1"), Ok(("::1".into(), 7443)));
        assert!(parse_target("host:0").is_err());
        assert!(parse_target("host:http").is_err());
        assert!(parse_target(":7443").is_err());
    }

    #[test]
    fn bind_addresses_parse() {
        assert_eq!(
            parse_bind("0.0.0.0:9000"),
            Ok("0.0.0.0:9000".parse().unwrap())
        );
        assert_eq!(
            parse_bind("127.0.0.1"),
            Ok("127.0.0.1:7443".parse().unwrap())
        );
        assert_eq!(
            parse_bind("localhost:8000"),
            Ok("127.0.0.1:8000".parse().unwrap())
        );
        assert!(parse_bind("127.0.0.1:99999").is_err());
    }

    #[test]
    fn errors_read_as_before() {
        assert_eq!(
            parse_target("host:0").unwrap_err().to_string(),
            "'host:0' is not HOST:PORT: the port must be a number from 1 to 65535"
        );
        assert_eq!(
            parse_target("[::1").unwrap_err().to_string(),
            "'[::1' is not HOST:PORT: missing ']'"
        );
    }

    #[test]
    fn a_pin_given_up_front_is_remembered_and_must_agree_with_the_invite() {
        let dir = PathBuf::from("/tmp");
        let plain = JoinTarget::parse("example.org:7443").unwrap();
        let config = JoinBuilder::new(plain.clone(), "ana".into(), dir.clone()).build();
        assert!(config.pins.is_empty() && config.reconnect);
        let pinned = JoinBuilder::new(plain, "ana".into(), dir.clone())
            .pin(Some([1; 32]))
            .unwrap()
            .build();
        assert_eq!((pinned.pins, pinned.remember_pin), (vec![[1; 32]], true));
        let invite = JoinTarget {
            pin: Some([2; 32]),
            ..JoinTarget::parse("example.org:7443").unwrap()
        };
        let same = JoinBuilder::new(invite, "ana".into(), dir);
        assert!(same.clone().pin(Some([2; 32])).is_ok());
        assert_eq!(
            same.pin(Some([1; 32])).unwrap_err(),
            AddressError::PinsDisagree
        );
    }
}
