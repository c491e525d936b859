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

use std::path::{Path, PathBuf};

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;

use crate::net::certinfo::{CertInfo, hex, parse_fingerprint};

/// The file name of the store in the configuration directory.
pub const PINS_FILE: &str = "known-hosts";

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
    /// `host:port`.
    pub target: String,
    /// Exception or CA-verified.
    pub kind: PinKind,
    /// The certificate, parsed (fingerprints included).
    pub cert: CertInfo,
    /// When it was added or last updated, Unix seconds.
    pub added: i64,
}

impl PinEntry {
    /// An entry for this certificate, dated now.
    #[must_use]
    pub fn new(target: &str, kind: PinKind, cert: CertInfo) -> Self {
        Self {
            target: target.to_string(),
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
            hex(&self.cert.spki_sha256),
            self.added,
            b64
        )
    }

    fn parse(line: &str) -> Result<Self, String> {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [target, kind, sha, _spki, added, der] = fields.as_slice() else {
            return Err("expected 6 fields".into());
        };
        let kind = match *kind {
            "pin" => PinKind::Pinned,
            "ca" => PinKind::Verified,
            other => return Err(format!("unknown kind '{other}'")),
        };
        let sha = parse_fingerprint(sha)?;
        let added = added.parse().map_err(|e| format!("bad date: {e}"))?;
        let pem = format!("-----BEGIN CERTIFICATE-----\n{der}\n-----END CERTIFICATE-----\n");
        let der = CertificateDer::from_pem_slice(pem.as_bytes())
            .map_err(|e| format!("bad certificate: {e}"))?;
        let cert = CertInfo::from_der(&der);
        if cert.sha256 != sha {
            return Err("the fingerprint does not match the certificate".into());
        }
        Ok(Self {
            target: (*target).to_string(),
            kind,
            cert,
            added,
        })
    }
}

/// Why the store could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PinError {
    /// Reading or writing failed.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// "read" or "write".
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A line could not be understood; nothing is dropped silently.
    #[error("{}, line {line}: {reason} (fix or remove that line)", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
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
        let text = match std::fs::read_to_string(&path) {
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

    /// The entry for `host:port`, if any.
    #[must_use]
    pub fn get(&self, target: &str) -> Option<&PinEntry> {
        self.entries.iter().find(|e| e.target == target)
    }

    /// Adds or replaces the entry for its target.
    pub fn set(&mut self, entry: PinEntry) {
        match self.entries.iter_mut().find(|e| e.target == entry.target) {
            Some(e) => *e = entry,
            None => self.entries.push(entry),
        }
    }

    /// Removes the entry for `host:port`; returns whether there was one.
    pub fn remove(&mut self, target: &str) -> bool {
        let before = self.entries.len();
        self.entries.retain(|e| e.target != target);
        before != self.entries.len()
    }

    /// Writes the store atomically (a crash leaves the old file or the new).
    pub fn save(&self) -> Result<(), PinError> {
        let mut text = String::from(
            "# tlschat known hosts: TARGET KIND CERT-SHA256 KEY-SHA256 ADDED CERT-DER-BASE64\n\
             # Manage with `tlschat trust list` and `tlschat trust remove HOST:PORT`.\n",
        );
        for e in &self.entries {
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

    /// Loads, applies `change`, and saves: the short read-modify-write that
    /// keeps several instances from losing each other's entries.
    pub fn update(config_dir: &Path, change: impl FnOnce(&mut Self)) -> Result<(), PinError> {
        let mut store = Self::load(config_dir)?;
        change(&mut store);
        store.save()
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
}
