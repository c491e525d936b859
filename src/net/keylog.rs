//! TLS secrets leaving rustls: the NSS key log file that Wireshark reads
//! (`--keylog FILE`, `SSLKEYLOGFILE`), and, in memory only, the two
//! handshake traffic secrets of a connection whose handshake is shown
//! decrypted. Off unless asked for.

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

/// How many connections' handshake secrets wait to be picked up at most
/// (a connection whose handshake failed never picks its own up).
const MAX_CAPTURED: usize = 64;

/// The handshake traffic secrets of one TLS 1.3 connection.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct HandshakeSecrets {
    /// `CLIENT_HANDSHAKE_TRAFFIC_SECRET`.
    pub client: Vec<u8>,
    /// `SERVER_HANDSHAKE_TRAFFIC_SECRET`.
    pub server: Vec<u8>,
}

impl std::fmt::Debug for HandshakeSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HandshakeSecrets(..)")
    }
}

/// Handshake traffic secrets kept in memory, by client random, until the
/// connection that made them takes them to open its recorded handshake.
/// Only the two handshake secrets: the application traffic secrets are
/// never kept.
#[derive(Debug, Default)]
pub(crate) struct Captured {
    secrets: Mutex<VecDeque<(Vec<u8>, HandshakeSecrets)>>,
}

impl Captured {
    fn put(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        let mut all = self.secrets.lock().unwrap_or_else(PoisonError::into_inner);
        let index = match all.iter().position(|(r, _)| r == client_random) {
            Some(i) => i,
            None => {
                if all.len() >= MAX_CAPTURED {
                    all.pop_front();
                }
                all.push_back((client_random.to_vec(), HandshakeSecrets::default()));
                all.len() - 1
            }
        };
        if let Some((_, s)) = all.get_mut(index) {
            match label {
                CLIENT_HS => s.client = secret.to_vec(),
                SERVER_HS => s.server = secret.to_vec(),
                _ => {}
            }
        }
    }

    /// The secrets of the connection with this client random, removed.
    pub(crate) fn take(&self, client_random: &[u8]) -> Option<HandshakeSecrets> {
        let mut all = self.secrets.lock().unwrap_or_else(PoisonError::into_inner);
        let i = all.iter().position(|(r, _)| r == client_random)?;
        all.remove(i).map(|(_, s)| s)
    }
}

/// What rustls tells its secrets to: the key log file, the in-memory
/// capture, both or neither.
#[derive(Debug, Default)]
pub(crate) struct Secrets {
    /// The user's key log file.
    pub file: Option<Arc<KeyLogFile>>,
    /// Handshake secrets kept to decrypt recorded handshakes.
    pub capture: Option<Arc<Captured>>,
}

impl rustls::KeyLog for Secrets {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        if let Some(file) = &self.file {
            file.write(label, client_random, secret);
        }
        if let Some(capture) = &self.capture
            && (label == CLIENT_HS || label == SERVER_HS)
        {
            capture.put(label, client_random, secret);
        }
    }

    fn will_log(&self, label: &str) -> bool {
        self.file.is_some()
            || (self.capture.is_some() && (label == CLIENT_HS || label == SERVER_HS))
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
        for r in 0..=u8::try_from(MAX_CAPTURED).unwrap() {
            secrets.log(CLIENT_HS, &[r, 0], &[r]);
        }
        let got = capture.take(&[7]);
        assert_eq!(got, None, "the oldest went first");
        assert!(capture.take(&[3, 0]).is_some());
        assert!(capture.take(&[3, 0]).is_none(), "taken once");
    }
}
