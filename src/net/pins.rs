//! Known hosts: the user's exceptions (pins) and the hosts seen verified by
//! a CA, in a known-hosts style file in the configuration directory, written
//! atomically.
//!
//! One line per `host:port`: `TARGET KIND CERT-SHA256 KEY-SHA256 ADDED DER`,
//! where KIND is `pin` (the user accepted this exact certificate, and any
//! later one with the same key) or `ca` (seen verified by a CA: a later
//! failure may not be bypassed with one click), the hashes are hex, ADDED is
//! Unix seconds and DER is the certificate in base64, so an "identity
//! changed" alarm can show the old certificate beside the new one.
//!
//! TARGET is canonical ([`canonical_target`]): every spelling of one host
//! (`LOCALHOST:7443`, `localhost.:7443`, `[0:0::1]:7443` …) is one entry,
//! also for files written by older versions, which are read canonically.
//! Changes go through [`PinStore::update`], which holds an advisory lock on
//! [`LOCK_FILE`] for the whole read-modify-write, so two processes never
//! lose each other's entries.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;

use crate::net::certinfo::{CertInfo, hex, parse_fingerprint};
use crate::net::safe_text::quoted;

/// The file name of the store in the configuration directory.
pub const PINS_FILE: &str = "known-hosts";

/// The lock file (in the configuration directory) that serializes updates
/// of [`PINS_FILE`] between processes.
pub const LOCK_FILE: &str = "known-hosts.lock";

/// Why a host, or `HOST:PORT`, has no canonical form (one line each).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TargetError {
    /// Brackets or a colon, but not an IPv6 address.
    #[error("{} is not a valid IPv6 address", quoted(.0))]
    BadIpv6(String),
    /// A name outside ASCII: tlschat takes only its `xn--` form.
    #[error("{} is an internationalized host name: use its ASCII form (xn--…)", quoted(.0))]
    Internationalized(String),
    /// Not a valid DNS name.
    #[error("{} is not a valid host name: {why}", quoted(.host))]
    BadName {
        /// The host as given.
        host: String,
        /// What is wrong with it.
        why: NameProblem,
    },
    /// Not `HOST:PORT`.
    #[error("{} is not HOST:PORT: {why}", quoted(.target))]
    NotHostPort {
        /// The text as given.
        target: String,
        /// What is wrong with it.
        why: HostPortProblem,
    },
}

/// What makes a host name invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NameProblem {
    /// Nothing is left of it.
    #[error("it is empty")]
    Empty,
    /// Over 253 characters.
    #[error("it is longer than 253 characters")]
    TooLong,
    /// Two dots in a row, or a leading dot.
    #[error("it has an empty label")]
    EmptyLabel,
    /// A label over 63 characters.
    #[error("a label is longer than 63 characters")]
    LongLabel,
    /// A label starting or ending with `-`.
    #[error("a label starts or ends with '-'")]
    Hyphen,
    /// A character no host name has.
    #[error("it contains {0:?}")]
    Character(char),
    /// It ends in a number: an IPv4 address in another notation.
    #[error("it ends in a number but is not an IP address in dotted form")]
    Numeric,
}

/// What makes text not `HOST:PORT`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HostPortProblem {
    /// `[` without `]`.
    #[error("missing ']'")]
    NoBracket,
    /// `[IPv6]` without `:PORT`.
    #[error("no port after ']'")]
    NoPortAfterBracket,
    /// No `:PORT`.
    #[error("no port")]
    NoPort,
    /// An IPv6 address without brackets.
    #[error("write IPv6 addresses in brackets, [ADDRESS]:PORT")]
    UnbracketedIpv6,
    /// The port is not a number from 0 to 65535.
    #[error("{} is not a port number", quoted(.0))]
    BadPort(String),
}

/// The canonical form of a host name or IP address, as known-hosts keys use
/// it: an IP address in its canonical text form (IPv6 compressed and
/// bracketed, `[::1]`; an IPv4-mapped IPv6 address as its IPv4 address,
/// `127.0.0.1`), an ASCII host name lower-cased without a trailing dot.
/// Internationalized (non-ASCII) names are refused: tlschat connects to
/// them only in their ASCII (`xn--…`) form, as TLS names them.
pub fn canonical_host(host: &str) -> Result<String, TargetError> {
    let bracketed = host.strip_prefix('[').and_then(|h| h.strip_suffix(']'));
    let bare = bracketed.unwrap_or(host);
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(match ip.to_canonical() {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => format!("[{v6}]"),
        });
    }
    if bracketed.is_some() || bare.contains(':') {
        return Err(TargetError::BadIpv6(host.to_string()));
    }
    if !bare.is_ascii() {
        return Err(TargetError::Internationalized(host.to_string()));
    }
    let name = bare.strip_suffix('.').unwrap_or(bare).to_ascii_lowercase();
    let bad = |why| TargetError::BadName {
        host: host.to_string(),
        why,
    };
    if name.is_empty() {
        return Err(bad(NameProblem::Empty));
    }
    if name.len() > 253 {
        return Err(bad(NameProblem::TooLong));
    }
    let mut last = "";
    for label in name.split('.') {
        if label.is_empty() {
            return Err(bad(NameProblem::EmptyLabel));
        }
        if label.len() > 63 {
            return Err(bad(NameProblem::LongLabel));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(bad(NameProblem::Hyphen));
        }
        if let Some(c) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
        {
            return Err(bad(NameProblem::Character(c)));
        }
        last = label;
    }
    // Like TLS (and browsers), a name ending in a number is an IPv4
    // address in some other notation (`127.1`, `0x7f000001`), never a name.
    let numeric = last.bytes().all(|b| b.is_ascii_digit())
        || last
            .strip_prefix("0x")
            .is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
    if numeric {
        return Err(bad(NameProblem::Numeric));
    }
    Ok(name)
}

/// The canonical known-hosts key for `host` (a name, an IPv4 address, or an
/// IPv6 address with or without brackets) and `port`: see
/// [`canonical_host`]. `LOCALHOST`, `localhost.` and `localhost` give
/// `localhost:P`; `[0:0::1]`, `0000::0001` and `::1` give `[::1]:P`.
pub fn canonical_target(host: &str, port: u16) -> Result<String, TargetError> {
    Ok(format!("{}:{port}", canonical_host(host)?))
}

/// Splits `HOST:PORT` (`[IPv6]:PORT` for IPv6) as stored or typed, and
/// returns its canonical form (see [`canonical_target`]).
pub fn canonicalize_target(target: &str) -> Result<String, TargetError> {
    let bad = |why| TargetError::NotHostPort {
        target: target.to_string(),
        why,
    };
    let (host, port) = if let Some(rest) = target.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| bad(HostPortProblem::NoBracket))?;
        let port = after
            .strip_prefix(':')
            .ok_or_else(|| bad(HostPortProblem::NoPortAfterBracket))?;
        (host, port)
    } else {
        let (host, port) = target
            .rsplit_once(':')
            .ok_or_else(|| bad(HostPortProblem::NoPort))?;
        if host.contains(':') {
            return Err(bad(HostPortProblem::UnbracketedIpv6));
        }
        (host, port)
    };
    let port: u16 = port
        .parse()
        .map_err(|_| bad(HostPortProblem::BadPort(port.to_string())))?;
    canonical_target(host, port)
}

/// The canonical form of a target when it has one, else the text as given
/// (which then matches no stored entry, since those are all canonical).
fn key(target: &str) -> String {
    canonicalize_target(target).unwrap_or_else(|_| target.to_string())
}

/// What a known-hosts entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinKind {
    /// The user accepted this certificate although it was not verified.
    Pinned,
    /// The host was verified by a CA when it was last seen.
    Verified,
}

/// One known host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinEntry {
    /// `host:port`, canonical (see [`canonical_target`]) when made by
    /// [`PinEntry::new`] or read from the store.
    pub target: String,
    /// Exception or CA-verified.
    pub kind: PinKind,
    /// The certificate, parsed (fingerprints included).
    pub cert: CertInfo,
    /// When it was added or last updated, Unix seconds.
    pub added: i64,
}

impl PinEntry {
    /// An entry for this certificate, dated now, under the canonical form
    /// of `target`.
    #[must_use]
    pub fn new(target: &str, kind: PinKind, cert: CertInfo) -> Self {
        Self {
            target: key(target),
            kind,
            cert,
            added: ::time::OffsetDateTime::now_utc().unix_timestamp(),
        }
    }

    fn to_line(&self) -> String {
        let pem = self.cert.to_pem();
        let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        format!(
            "{} {} {} {} {} {}\n",
            self.target,
            match self.kind {
                PinKind::Pinned => "pin",
                PinKind::Verified => "ca",
            },
            hex(&self.cert.sha256),
            // Informational only: the key is read from the certificate.
            self.cert
                .spki_sha256
                .map_or_else(|| "-".to_string(), |k| hex(&k)),
            self.added,
            b64
        )
    }

    fn parse(line: &str) -> Result<Self, EntryError> {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [target, kind, sha, _spki, added, der] = fields.as_slice() else {
            return Err(EntryError::Fields);
        };
        // Older versions stored the name as typed: read it canonically.
        let target = canonicalize_target(target)?;
        let kind = match *kind {
            "pin" => PinKind::Pinned,
            "ca" => PinKind::Verified,
            other => return Err(EntryError::Kind(other.to_string())),
        };
        let sha = parse_fingerprint(sha).map_err(EntryError::Fingerprint)?;
        let added = added.parse().map_err(EntryError::Date)?;
        let pem = format!("-----BEGIN CERTIFICATE-----\n{der}\n-----END CERTIFICATE-----\n");
        let der =
            CertificateDer::from_pem_slice(pem.as_bytes()).map_err(EntryError::Certificate)?;
        let cert = CertInfo::from_der(&der);
        if cert.sha256 != sha {
            return Err(EntryError::Mismatch);
        }
        Ok(Self {
            target,
            kind,
            cert,
            added,
        })
    }
}

/// What is wrong with a line of the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EntryError {
    /// Not the six fields of an entry.
    #[error("expected 6 fields")]
    Fields,
    /// The target has no canonical form.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// Neither `pin` nor `ca`.
    #[error("unknown kind '{0}'")]
    Kind(String),
    /// The fingerprint is not one.
    #[error("{0}")]
    Fingerprint(String),
    /// The date is not Unix seconds.
    #[error("bad date: {0}")]
    Date(std::num::ParseIntError),
    /// The certificate does not decode.
    #[error("bad certificate: {0}")]
    Certificate(rustls::pki_types::pem::Error),
    /// The fingerprint is not the certificate's.
    #[error("the fingerprint does not match the certificate")]
    Mismatch,
}

/// Why the store could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PinError {
    /// Reading or writing failed.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// "read", "write" or "lock".
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// An entry's target has no canonical form, so it is not stored.
    #[error("cannot store {target} in {}: {reason}", path.display())]
    BadTarget {
        /// The file.
        path: PathBuf,
        /// The target as given.
        target: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A line could not be understood; nothing is dropped silently.
    #[error("{}, line {line}: {reason} (fix or remove that line)", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: EntryError,
    },
}

/// The known-hosts file, loaded.
#[derive(Debug, Clone)]
pub struct PinStore {
    path: PathBuf,
    entries: Vec<PinEntry>,
}

impl PinStore {
    /// Loads the store in `config_dir` (empty when the file does not exist).
    pub fn load(config_dir: &Path) -> Result<Self, PinError> {
        let path = config_dir.join(PINS_FILE);
        // A file others could change could plant an exception (it is
        // written 0600; one made by hand may be readable, as ssh's
        // known_hosts often is, but nobody else may change it).
        let text = match crate::config::read_own(&path, false) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(source) => {
                return Err(PinError::Io {
                    action: "read",
                    path,
                    source,
                });
            }
        };
        let mut entries = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let entry = PinEntry::parse(line).map_err(|reason| PinError::Corrupt {
                path: path.clone(),
                line: i + 1,
                reason,
            })?;
            entries.push(entry);
        }
        Ok(Self { path, entries })
    }

    /// Every entry, in file order.
    #[must_use]
    pub fn entries(&self) -> &[PinEntry] {
        &self.entries
    }

    /// The entry for `host:port` in any spelling, if any. Should a file
    /// written by an older version hold two spellings of one host, the
    /// first in the file counts.
    #[must_use]
    pub fn get(&self, target: &str) -> Option<&PinEntry> {
        let key = key(target);
        self.entries.iter().find(|e| e.target == key)
    }

    /// Adds or replaces the entry for its target (in any spelling; stored
    /// canonical).
    pub fn set(&mut self, mut entry: PinEntry) {
        entry.target = key(&entry.target);
        match self.entries.iter().position(|e| e.target == entry.target) {
            Some(first) => {
                let target = entry.target.clone();
                self.entries[first] = entry;
                // Other spellings of it from an older file go with it.
                let mut i = 0;
                self.entries.retain(|e| {
                    let keep = i == first || e.target != target;
                    i += 1;
                    keep
                });
            }
            None => self.entries.push(entry),
        }
    }

    /// Removes the entry for `host:port` in any spelling; returns whether
    /// there was one.
    pub fn remove(&mut self, target: &str) -> bool {
        let key = key(target);
        let before = self.entries.len();
        self.entries.retain(|e| e.target != key);
        before != self.entries.len()
    }

    /// Writes the store atomically (a crash leaves the old file or the new).
    /// Prefer [`PinStore::update`], which also keeps other processes'
    /// changes. An entry whose target has no canonical form is refused
    /// (it could not be read back).
    pub fn save(&self) -> Result<(), PinError> {
        let mut text = String::from(
            "# tlschat known hosts: TARGET KIND CERT-SHA256 KEY-SHA256 ADDED CERT-DER-BASE64\n\
             # Manage with `tlschat trust list` and `tlschat trust remove HOST:PORT`.\n",
        );
        for e in &self.entries {
            match canonicalize_target(&e.target) {
                Ok(canonical) if canonical == e.target => {}
                Ok(canonical) => {
                    return Err(PinError::BadTarget {
                        path: self.path.clone(),
                        target: e.target.clone(),
                        reason: format!("it is not in canonical form ({canonical})"),
                    });
                }
                Err(why) => {
                    return Err(PinError::BadTarget {
                        path: self.path.clone(),
                        target: e.target.clone(),
                        reason: why.to_string(),
                    });
                }
            }
            text.push_str(&e.to_line());
        }
        crate::config::write_atomic(&self.path, text.as_bytes(), true).map_err(|source| {
            PinError::Io {
                action: "write",
                path: self.path.clone(),
                source,
            }
        })
    }

    /// Loads, applies `change`, and saves (if anything changed), all under an exclusive advisory
    /// lock on [`LOCK_FILE`] in `config_dir`: two processes (or threads)
    /// updating at once never lose each other's entries. Returns what
    /// `change` returned.
    pub fn update<R>(
        config_dir: &Path,
        change: impl FnOnce(&mut Self) -> R,
    ) -> Result<R, PinError> {
        let lock_path = config_dir.join(LOCK_FILE);
        let _lock = crate::config::lock_file(&lock_path).map_err(|source| PinError::Io {
            action: "lock",
            path: lock_path.clone(),
            source,
        })?;
        let mut store = Self::load(config_dir)?;
        let before = store.entries.clone();
        let result = change(&mut store);
        if store.entries != before {
            store.save()?;
        }
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(name: &str) -> CertInfo {
        let key = rcgen::KeyPair::generate().unwrap();
        let c = rcgen::CertificateParams::new(vec![name.to_string()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        CertInfo::from_der(c.der())
    }

    #[test]
    fn entries_round_trip_and_replace_by_target() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = PinStore::load(dir.path()).unwrap();
        assert!(s.entries().is_empty());
        s.set(PinEntry::new("a:1", PinKind::Pinned, cert("a")));
        s.set(PinEntry::new("b:2", PinKind::Verified, cert("b")));
        let replacement = PinEntry::new("a:1", PinKind::Pinned, cert("a2"));
        s.set(replacement.clone());
        s.save().unwrap();
        let back = PinStore::load(dir.path()).unwrap();
        assert_eq!(back.entries().len(), 2);
        assert_eq!(back.get("a:1"), Some(&replacement));
        assert_eq!(back.get("b:2").unwrap().kind, PinKind::Verified);
        let mut back = back;
        assert!(back.remove("a:1"));
        assert!(!back.remove("a:1"));
    }

    #[test]
    fn a_corrupt_line_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(PINS_FILE), "# c\nh:1 pin zz\n").unwrap();
        let e = PinStore::load(dir.path()).unwrap_err().to_string();
        assert!(e.contains("line 2"), "{e}");
    }

    #[test]
    fn an_interrupted_write_leaves_the_old_store_intact() {
        let dir = tempfile::tempdir().unwrap();
        PinStore::update(dir.path(), |s| {
            s.set(PinEntry::new("a:1", PinKind::Pinned, cert("a")));
        })
        .unwrap();
        // A crash mid-write leaves a half-written temporary file behind; the
        // store itself is whole, and the next write replaces it cleanly.
        std::fs::write(
            dir.path().join(format!(".{PINS_FILE}.tmp999")),
            "a:1 pin 00",
        )
        .unwrap();
        let s = PinStore::load(dir.path()).unwrap();
        assert_eq!(s.entries().len(), 1);
        PinStore::update(dir.path(), |s| {
            s.set(PinEntry::new("b:1", PinKind::Pinned, cert("b")));
        })
        .unwrap();
        assert_eq!(PinStore::load(dir.path()).unwrap().entries().len(), 2);
    }

    #[test]
    fn every_spelling_of_a_host_has_one_canonical_target() {
        let table: &[(&str, u16, &str)] = &[
            ("localhost", 7443, "localhost:7443"),
            ("LOCALHOST", 7443, "localhost:7443"),
            ("LocalHost.", 7443, "localhost:7443"),
            ("localhost.", 1, "localhost:1"),
            ("Chat.Example.COM", 443, "chat.example.com:443"),
            ("xn--mnchen-3ya.de", 443, "xn--mnchen-3ya.de:443"),
            ("XN--MNCHEN-3YA.DE.", 443, "xn--mnchen-3ya.de:443"),
            ("under_score.example", 9, "under_score.example:9"),
            ("127.0.0.1", 7443, "127.0.0.1:7443"),
            ("::1", 7443, "[::1]:7443"),
            ("[::1]", 7443, "[::1]:7443"),
            ("0:0::1", 7443, "[::1]:7443"),
            ("[0:0::1]", 7443, "[::1]:7443"),
            ("0000::0001", 7443, "[::1]:7443"),
            (
                "[0000:0000:0000:0000:0000:0000:0000:0001]",
                7443,
                "[::1]:7443",
            ),
            ("2001:DB8::A", 80, "[2001:db8::a]:80"),
            ("2001:db8:0:0:0:0:0:a", 80, "[2001:db8::a]:80"),
            ("::ffff:127.0.0.1", 7443, "127.0.0.1:7443"),
            ("[::FFFF:7F00:1]", 7443, "127.0.0.1:7443"),
        ];
        for (host, port, want) in table {
            assert_eq!(
                canonical_target(host, *port).as_deref(),
                Ok(*want),
                "{host}"
            );
        }
        let refused: &[(&str, &str)] = &[
            ("münchen.de", "internationalized"),
            ("MÜNCHEN.DE", "internationalized"),
            ("例え.テスト", "internationalized"),
            ("", "empty"),
            (".", "empty"),
            ("a..b", "empty label"),
            ("localhost..", "empty label"),
            ("-a.example", "'-'"),
            ("a b", "contains ' '"),
            ("a/b", "contains '/'"),
            ("127.1", "ends in a number"),
            ("0x7f000001", "ends in a number"),
            ("2130706433", "ends in a number"),
            ("127.000.000.001", "ends in a number"),
            ("[::1", "IPv6"),
            ("fe80::1%eth0", "IPv6"),
            ("[localhost]", "IPv6"),
            ("::g", "IPv6"),
        ];
        for (host, why) in refused {
            let e = canonical_target(host, 1).unwrap_err().to_string();
            assert!(e.contains(why), "{host}: {e}");
            assert!(!e.contains('\n'), "one line: {e}");
        }
        // HOST:PORT text, as stored and as `tlschat trust remove` takes it.
        for (text, want) in [
            ("LOCALHOST:7443", "localhost:7443"),
            ("[0:0::1]:7443", "[::1]:7443"),
            ("[::1]:7443", "[::1]:7443"),
            ("127.0.0.1:1", "127.0.0.1:1"),
        ] {
            assert_eq!(canonicalize_target(text).as_deref(), Ok(want), "{text}");
        }
        for text in ["localhost", "::1:7443", "[::1]7443", "h:http", "h:70000"] {
            assert!(canonicalize_target(text).is_err(), "{text}");
        }
    }

    #[test]
    fn a_join_configuration_names_its_canonical_target() {
        let config = |host: &str| crate::net::JoinConfig {
            reconnect: false,
            tls: crate::net::TlsOptions::default(),
            host: host.into(),
            port: 7443,
            nick: "n".into(),
            ca_files: Vec::new(),
            pins: Vec::new(),
            remember_pin: false,
            identity: None,
            config_dir: None,
            invite: None,
        };
        assert_eq!(config("LOCALHOST.").target(), "LOCALHOST.:7443");
        assert_eq!(
            config("LOCALHOST.").canonical_target().as_deref(),
            Ok("localhost:7443")
        );
        assert_eq!(config("0:0::1").target(), "[0:0::1]:7443");
        assert_eq!(
            config("0:0::1").canonical_target().as_deref(),
            Ok("[::1]:7443")
        );
        assert!(config("bücher.example").canonical_target().is_err());
    }

    #[test]
    fn entries_written_by_older_versions_are_found_in_any_spelling() {
        let dir = tempfile::tempdir().unwrap();
        let a = cert("a");
        let v6 = cert("v6");
        // As an older version wrote them: the names as typed.
        let mut old = PinEntry::new("x:1", PinKind::Pinned, a.clone());
        old.target = "LOCALHOST.:7443".into();
        let mut old_v6 = PinEntry::new("x:1", PinKind::Pinned, v6.clone());
        old_v6.target = "[0000::0001]:9".into();
        std::fs::write(
            dir.path().join(PINS_FILE),
            format!("{}{}", old.to_line(), old_v6.to_line()),
        )
        .unwrap();
        let s = PinStore::load(dir.path()).unwrap();
        for spelling in ["localhost:7443", "LOCALHOST:7443", "localhost.:7443"] {
            assert_eq!(s.get(spelling).unwrap().cert, a, "{spelling}");
        }
        assert_eq!(s.entries()[0].target, "localhost:7443");
        for spelling in ["[::1]:9", "[0:0::1]:9", "[0000:0000::1]:9"] {
            assert_eq!(s.get(spelling).unwrap().cert, v6, "{spelling}");
        }
        assert!(s.get("münchen.de:1").is_none());
        // Stored canonical from then on; a set in another spelling replaces it.
        PinStore::update(dir.path(), |s| {
            s.set(PinEntry::new("Localhost:7443", PinKind::Pinned, cert("b")));
        })
        .unwrap();
        let s = PinStore::load(dir.path()).unwrap();
        assert_eq!(s.entries().len(), 2);
        let text = std::fs::read_to_string(dir.path().join(PINS_FILE)).unwrap();
        assert!(text.contains("\nlocalhost:7443 pin "), "{text}");
        assert!(text.contains("\n[::1]:9 pin "), "{text}");
        // Removing works in any spelling too.
        assert!(PinStore::update(dir.path(), |s| s.remove("[0:0::1]:9")).unwrap());
        assert_eq!(PinStore::load(dir.path()).unwrap().entries().len(), 1);
    }

    #[test]
    fn two_old_spellings_of_one_host_keep_the_first_and_merge_on_update() {
        let dir = tempfile::tempdir().unwrap();
        let (first, second) = (cert("first"), cert("second"));
        let mut e1 = PinEntry::new("x:1", PinKind::Pinned, first.clone());
        e1.target = "localhost:7".into();
        let mut e2 = PinEntry::new("x:1", PinKind::Pinned, second);
        e2.target = "LOCALHOST:7".into();
        std::fs::write(
            dir.path().join(PINS_FILE),
            format!("{}{}", e1.to_line(), e2.to_line()),
        )
        .unwrap();
        let s = PinStore::load(dir.path()).unwrap();
        assert_eq!(s.get("localhost:7").unwrap().cert, first);
        let third = cert("third");
        PinStore::update(dir.path(), |s| {
            s.set(PinEntry::new("localhost:7", PinKind::Pinned, third.clone()));
        })
        .unwrap();
        let s = PinStore::load(dir.path()).unwrap();
        assert_eq!(s.entries().len(), 1);
        assert_eq!(s.get("localhost:7").unwrap().cert, third);
    }

    #[test]
    fn a_target_without_canonical_form_is_refused_not_written() {
        let dir = tempfile::tempdir().unwrap();
        let mut entry = PinEntry::new("x:1", PinKind::Pinned, cert("a"));
        entry.target = "münchen.de:1".into();
        let e = PinStore::update(dir.path(), |s| s.set(entry))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("münchen.de:1") && e.contains("internationalized"),
            "{e}"
        );
        assert!(!dir.path().join(PINS_FILE).exists());
        // A hand-edited line with such a target is an error naming the line.
        let mut line = PinEntry::new("x:1", PinKind::Pinned, cert("a"));
        line.target = "münchen.de:1".into();
        std::fs::write(dir.path().join(PINS_FILE), line.to_line()).unwrap();
        let e = PinStore::load(dir.path()).unwrap_err().to_string();
        assert!(
            e.contains("line 1") && e.contains("internationalized"),
            "{e}"
        );
    }

    #[test]
    fn concurrent_updates_lose_no_entry() {
        const THREADS: usize = 8;
        const EACH: usize = 25;
        let dir = tempfile::tempdir().unwrap();
        let c = cert("shared");
        std::thread::scope(|scope| {
            for t in 0..THREADS {
                let (dir, c) = (dir.path(), &c);
                scope.spawn(move || {
                    for i in 0..EACH {
                        let target = format!("host{t}.example:{}", i + 1);
                        PinStore::update(dir, |s| {
                            s.set(PinEntry::new(&target, PinKind::Pinned, c.clone()));
                        })
                        .unwrap();
                    }
                });
            }
        });
        let s = PinStore::load(dir.path()).unwrap();
        assert_eq!(s.entries().len(), THREADS * EACH);
        for t in 0..THREADS {
            for i in 0..EACH {
                assert!(s.get(&format!("host{t}.example:{}", i + 1)).is_some());
            }
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_at_the_old_predictable_temporary_name_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let victim = outside.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        // Where earlier versions wrote: `.known-hosts.tmp<pid>`; and the
        // lock file, planted as a dangling link.
        let planted = dir
            .path()
            .join(format!(".{PINS_FILE}.tmp{}", std::process::id()));
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        let dangling = outside.path().join("created-through-link");
        std::os::unix::fs::symlink(&dangling, dir.path().join(LOCK_FILE)).unwrap();
        let result = PinStore::update(dir.path(), |s| {
            s.set(PinEntry::new("a:1", PinKind::Pinned, cert("a")));
        });
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert!(!dangling.exists(), "nothing created through the link");
        // A planted lock link makes the update fail (loudly), never write
        // elsewhere; without it the update goes through.
        let e = result.unwrap_err().to_string();
        assert!(e.contains(LOCK_FILE), "{e}");
        std::fs::remove_file(dir.path().join(LOCK_FILE)).unwrap();
        PinStore::update(dir.path(), |s| {
            s.set(PinEntry::new("a:1", PinKind::Pinned, cert("a")));
        })
        .unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert!(std::fs::symlink_metadata(&planted).unwrap().is_symlink());
        assert_eq!(PinStore::load(dir.path()).unwrap().entries().len(), 1);
    }
}
