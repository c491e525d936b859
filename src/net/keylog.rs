//! TLS secrets leaving rustls: the NSS key log file that Wireshark reads
//! (`--keylog FILE`, `SSLKEYLOGFILE`), and, in memory only, the secrets of
//! a connection whose records are shown decrypted: the two handshake
//! traffic secrets and TLS 1.2's master secret (its Finished is
//! encrypted), and, for a connection whose records are followed after
//! the handshake, the two application traffic secrets. Off unless asked
//! for.

use std::collections::VecDeque;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::net::certinfo::hex;

/// A key log file in the NSS format: `LABEL CLIENT_RANDOM SECRET`, one
/// line a secret, in hex, appended and written out line by line (a
/// capture can be decrypted while the session runs). A new file is made
/// readable by its owner only.
#[derive(Debug)]
pub struct KeyLogFile {
    path: PathBuf,
    file: Mutex<std::fs::File>,
    /// Set after the first failed write, which is logged once.
    failed: AtomicBool,
}

/// Why a key log cannot be used (one line, naming the file).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeylogError {
    /// The file cannot be opened (or made) for appending.
    #[error("cannot open the key log {}: {source}", path.display())]
    Open {
        /// The key log's path.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
}

impl KeyLogFile {
    /// Opens (or creates, mode 0600) `path` for appending; the error is
    /// one line naming the file.
    pub fn open(path: &Path) -> Result<Self, KeylogError> {
        let file =
            crate::config::open_private_append(path).map_err(|source| KeylogError::Open {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(Self {
            path: path.to_path_buf(),
            file: Mutex::new(file),
            failed: AtomicBool::new(false),
        })
    }

    /// Appends one line (one `write` of the whole line: an unbuffered
    /// file, so it is on disk for readers at once).
    fn write(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        let line = format!("{label} {} {}\n", hex(client_random), hex(secret));
        let written = self
            .file
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .write_all(line.as_bytes());
        if let Err(e) = written
            && !self.failed.swap(true, Ordering::Relaxed)
        {
            tracing::warn!("cannot write the key log {}: {e}", self.path.display());
        }
    }
}

/// The label of the secret that protects the client's handshake messages.
pub(crate) const CLIENT_HS: &str = "CLIENT_HANDSHAKE_TRAFFIC_SECRET";
/// The label of the secret that protects the server's handshake messages.
pub(crate) const SERVER_HS: &str = "SERVER_HANDSHAKE_TRAFFIC_SECRET";
/// The label of the client's first application traffic secret (TLS 1.3).
pub(crate) const CLIENT_APP: &str = "CLIENT_TRAFFIC_SECRET_0";
/// The label of the server's first application traffic secret (TLS 1.3).
pub(crate) const SERVER_APP: &str = "SERVER_TRAFFIC_SECRET_0";
/// The label of TLS 1.2's master secret.
pub(crate) const MASTER: &str = "CLIENT_RANDOM";

/// How many connections' handshake secrets wait to be picked up at most
/// (a connection whose handshake failed never picks its own up).
const MAX_CAPTURED: usize = 64;

/// Two traffic secrets of one TLS 1.3 connection, the client's and the
/// server's: the handshake ones, or the first application ones.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct HandshakeSecrets {
    /// `CLIENT_HANDSHAKE_TRAFFIC_SECRET` (or `CLIENT_TRAFFIC_SECRET_0`).
    pub client: Vec<u8>,
    /// `SERVER_HANDSHAKE_TRAFFIC_SECRET` (or `SERVER_TRAFFIC_SECRET_0`).
    pub server: Vec<u8>,
}

impl std::fmt::Debug for HandshakeSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HandshakeSecrets(..)")
    }
}

/// What one connection's records are opened with.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct ConnectionSecrets {
    /// TLS 1.3's handshake traffic secrets.
    pub handshake: HandshakeSecrets,
    /// TLS 1.3's first application traffic secrets (empty unless the
    /// connection's records are followed after the handshake).
    pub application: HandshakeSecrets,
    /// TLS 1.2's master secret (`CLIENT_RANDOM`), 48 bytes.
    pub master: Vec<u8>,
}

impl std::fmt::Debug for ConnectionSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConnectionSecrets(..)")
    }
}

/// Secrets kept in memory, by client random, until the connection that
/// made them takes them to open its recorded records. The handshake
/// secrets and TLS 1.2's master secret always; the application traffic
/// secrets only when made to [`Captured::following`] (they open every
/// later record of the connection).
#[derive(Debug, Default)]
pub struct Captured {
    secrets: Mutex<VecDeque<(Vec<u8>, ConnectionSecrets)>>,
    /// Whether the application traffic secrets are kept too.
    application: bool,
}

impl Captured {
    /// A capture that keeps the application traffic secrets too, for
    /// connections whose records are followed after the handshake.
    #[must_use]
    pub fn following() -> Self {
        Self {
            application: true,
            ..Self::default()
        }
    }

    /// Whether it keeps the application traffic secrets.
    #[must_use]
    pub fn is_following(&self) -> bool {
        self.application
    }

    fn wants(&self, label: &str) -> bool {
        matches!(label, CLIENT_HS | SERVER_HS | MASTER)
            || (self.application && matches!(label, CLIENT_APP | SERVER_APP))
    }

    fn put(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        if !self.wants(label) {
            return;
        }
        let mut all = self.secrets.lock().unwrap_or_else(PoisonError::into_inner);
        let index = match all.iter().position(|(r, _)| r == client_random) {
            Some(i) => i,
            None => {
                if all.len() >= MAX_CAPTURED {
                    all.pop_front();
                }
                all.push_back((client_random.to_vec(), ConnectionSecrets::default()));
                all.len() - 1
            }
        };
        if let Some((_, s)) = all.get_mut(index) {
            let slot = match label {
                CLIENT_HS => &mut s.handshake.client,
                SERVER_HS => &mut s.handshake.server,
                CLIENT_APP => &mut s.application.client,
                SERVER_APP => &mut s.application.server,
                _ => &mut s.master,
            };
            *slot = secret.to_vec();
        }
    }

    /// Whether it holds no connection's secrets.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.secrets
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_empty()
    }

    /// The secrets of the connection with this client random, removed.
    pub fn take(&self, client_random: &[u8]) -> Option<ConnectionSecrets> {
        let mut all = self.secrets.lock().unwrap_or_else(PoisonError::into_inner);
        let i = all.iter().position(|(r, _)| r == client_random)?;
        all.remove(i).map(|(_, s)| s)
    }
}

/// What rustls tells its secrets to: the key log file, the in-memory
/// capture, both or neither.
#[derive(Debug, Default)]
pub struct Secrets {
    /// The user's key log file.
    pub file: Option<Arc<KeyLogFile>>,
    /// Secrets kept to decrypt recorded records.
    pub capture: Option<Arc<Captured>>,
}

impl rustls::KeyLog for Secrets {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        if let Some(file) = &self.file {
            file.write(label, client_random, secret);
        }
        if let Some(capture) = &self.capture {
            capture.put(label, client_random, secret);
        }
    }

    fn will_log(&self, label: &str) -> bool {
        self.file.is_some() || self.capture.as_ref().is_some_and(|c| c.wants(label))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::KeyLog as _;

    #[test]
    fn the_file_gets_nss_lines_and_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.log");
        let secrets = Secrets {
            file: Some(Arc::new(KeyLogFile::open(&path).unwrap())),
            capture: None,
        };
        secrets.log("CLIENT_TRAFFIC_SECRET_0", &[1, 2], &[0xab]);
        secrets.log("EXPORTER_SECRET", &[1, 2], &[0xcd, 0xef]);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "CLIENT_TRAFFIC_SECRET_0 0102 ab\nEXPORTER_SECRET 0102 cdef\n"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_following_capture_keeps_the_application_secrets_too() {
        let capture = Arc::new(Captured::following());
        let secrets = Secrets {
            file: None,
            capture: Some(capture.clone()),
        };
        assert!(secrets.will_log(CLIENT_APP));
        assert!(!secrets.will_log("EXPORTER_SECRET"));
        secrets.log(CLIENT_APP, &[7], &[3]);
        secrets.log(SERVER_APP, &[7], &[4]);
        secrets.log(MASTER, &[7], &[5]);
        secrets.log("EXPORTER_SECRET", &[7], &[6]);
        let got = capture.take(&[7]).unwrap();
        assert_eq!(got.application.client, vec![3]);
        assert_eq!(got.application.server, vec![4]);
        assert_eq!(got.master, vec![5]);
    }

    #[test]
    fn the_capture_keeps_only_handshake_secrets_and_is_bounded() {
        let capture = Arc::new(Captured::default());
        let secrets = Secrets {
            file: None,
            capture: Some(capture.clone()),
        };
        assert!(!secrets.will_log("CLIENT_TRAFFIC_SECRET_0"));
        secrets.log(CLIENT_HS, &[7], &[1]);
        secrets.log(SERVER_HS, &[7], &[2]);
        secrets.log("CLIENT_TRAFFIC_SECRET_0", &[7], &[3]);
        assert_eq!(
            capture.take(&[7]).map(|s| s.application),
            Some(HandshakeSecrets::default()),
            "no application secret kept"
        );
        secrets.log(CLIENT_HS, &[7], &[1]);
        for r in 0..=u8::try_from(MAX_CAPTURED).unwrap() {
            secrets.log(CLIENT_HS, &[r, 0], &[r]);
        }
        let got = capture.take(&[7]);
        assert_eq!(got, None, "the oldest went first");
        assert!(capture.take(&[3, 0]).is_some());
        assert!(capture.take(&[3, 0]).is_none(), "taken once");
    }
}
