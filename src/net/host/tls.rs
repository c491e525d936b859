//! The host's TLS configuration: its certificate (given, or generated for
//! the addresses its invites name), the versions and groups chosen, how
//! members' certificates are checked ([`MemberKeys`]: every member is asked
//! for one; a self-signed one is a key, one from the `--client-ca` an
//! identity), ALPN, and where handshake secrets go (a key log, or memory
//! for `--show-handshake`).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::LazyConfigAcceptor;

use crate::net::certinfo::CertInfo;
use crate::net::command::HostConfig;
use crate::net::keyauth::MemberKeys;
use crate::net::keylog::{Captured, KeyLogFile, Secrets};
use crate::net::{ALPN, HANDSHAKE_TIMEOUT};

/// Why the host's TLS configuration cannot be made (one line).
#[derive(Debug, thiserror::Error)]
pub(super) enum TlsError {
    /// No certificate could be generated for the host.
    #[error(transparent)]
    Generate(#[from] crate::net::certgen::CertGenError),
    /// The chosen groups cannot be used (see [`crate::net::TlsOptions`]).
    #[error(transparent)]
    Options(#[from] crate::net::tlsopts::TlsOptionsError),
    /// The certificate, its key or the client CA cannot be read.
    #[error(transparent)]
    Pem(#[from] crate::net::pem::PemError),
    /// rustls refused the chosen versions.
    #[error("cannot configure TLS: {0}")]
    Configure(rustls::Error),
    /// A certificate in the client CA file cannot be a CA.
    #[error("{}: a certificate in it cannot be a client CA: {source}", path.display())]
    ClientCa {
        /// The client CA file.
        path: PathBuf,
        /// Why rustls refused the certificate.
        source: rustls::Error,
    },
    /// No verifier can be made from the client CA file.
    #[error("{}: cannot verify clients with it: {source}", path.display())]
    ClientVerifier {
        /// The client CA file.
        path: PathBuf,
        /// Why rustls could not make one.
        source: rustls::server::VerifierBuilderError,
    },
    /// The key log cannot be opened.
    #[error(transparent)]
    Keylog(#[from] crate::net::keylog::KeylogError),
}

/// The host's TLS configuration and chain, and where the handshake
/// secrets of recorded handshakes are kept.
pub(super) struct ServerSetup {
    /// The configuration members are served with.
    pub tls: Arc<rustls::ServerConfig>,
    /// The host's certificate chain, leaf first.
    pub chain: Vec<CertInfo>,
    /// Where the secrets of recorded handshakes are kept
    /// (`--show-handshake`).
    pub captured: Option<Arc<Captured>>,
    /// What checked members' certificates in the handshake: asked again
    /// afterwards how each was accepted (a key, or from the client CA).
    pub keys: Arc<MemberKeys>,
}

/// A generated certificate names `addresses` (those the room's invites are for).
pub(super) fn server_config(
    config: &HostConfig,
    addresses: &[std::net::IpAddr],
) -> Result<ServerSetup, TlsError> {
    let (cert, key) = match &config.identity {
        Some(pair) => pair.clone(),
        None => crate::net::certgen::host_identity(&config.config_dir, addresses)?,
    };
    let provider = config.tls.provider().map_err(TlsError::Options)?;
    let identity = crate::net::pem::load_identity(&cert, &key, &provider)?;
    let chain = identity
        .cert
        .iter()
        .map(|c| CertInfo::from_der(c))
        .collect();
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(config.tls.versions())
        .map_err(TlsError::Configure)?;
    let ca = match &config.client_ca {
        None => None,
        Some(path) => Some(client_verifier(path, provider.clone())?),
    };
    let keys = Arc::new(MemberKeys::new(&provider, ca));
    let mut tls = builder
        .with_client_cert_verifier(keys.clone())
        .with_cert_resolver(Arc::new(rustls::sign::SingleCertAndKey::from(identity)));
    tls.alpn_protocols = vec![ALPN.to_vec()];
    let file = match &config.tls.keylog {
        Some(path) => Some(Arc::new(KeyLogFile::open(path)?)),
        None => None,
    };
    // A host asked to record follows each member's records too.
    let capture = config
        .tls
        .record_handshakes
        .then(|| Arc::new(Captured::following()));
    if file.is_some() || capture.is_some() {
        tls.key_log = Arc::new(Secrets {
            file,
            capture: capture.clone(),
        });
    }
    Ok(ServerSetup {
        tls: Arc::new(tls),
        chain,
        captured: capture,
        keys,
    })
}

/// What verifies members' certificates against the client CA in `path`.
/// Members may come without a certificate; those who present one must
/// have it verified by this CA.
fn client_verifier(
    path: &Path,
    provider: Arc<rustls::crypto::CryptoProvider>,
) -> Result<Arc<dyn rustls::server::danger::ClientCertVerifier>, TlsError> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in crate::net::pem::load_certs(path)? {
        roots.add(cert).map_err(|source| TlsError::ClientCa {
            path: path.to_path_buf(),
            source,
        })?;
    }
    rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
        .allow_unauthenticated()
        .build()
        .map_err(|source| TlsError::ClientVerifier {
            path: path.to_path_buf(),
            source,
        })
}

/// How long a connection has to send its whole ClientHello. A real client
/// sends it at once; a peer that sends nothing, or a little at a time,
/// gives its handshake slot back after this (the whole handshake still
/// has [`HANDSHAKE_TIMEOUT`]).
const CLIENT_HELLO_TIMEOUT: Duration = Duration::from_secs(2);

/// Why a connection's TLS handshake did not finish (one line, for the
/// log).
#[derive(Debug, thiserror::Error)]
pub(super) enum HandshakeError {
    /// The peer sent something that is not a TLS handshake, or one rustls
    /// refused.
    #[error("handshake failed: {0}")]
    Failed(std::io::Error),
    /// The peer did not send its whole ClientHello in time.
    #[error("handshake failed: no whole ClientHello in {CLIENT_HELLO_TIMEOUT:?}")]
    NoClientHello,
    /// The handshake did not finish in time.
    #[error("handshake not finished in {HANDSHAKE_TIMEOUT:?}")]
    Unfinished,
}

/// The TLS handshake of a connection: its whole ClientHello within
/// [`CLIENT_HELLO_TIMEOUT`], all of it within [`HANDSHAKE_TIMEOUT`]; or
/// why not.
pub(super) async fn accept<S: AsyncRead + AsyncWrite + Unpin>(
    tcp: S,
    config: Arc<rustls::ServerConfig>,
) -> Result<tokio_rustls::server::TlsStream<S>, HandshakeError> {
    let deadline = tokio::time::Instant::now() + HANDSHAKE_TIMEOUT;
    let hello = LazyConfigAcceptor::new(rustls::server::Acceptor::default(), tcp);
    let start = tokio::time::timeout(CLIENT_HELLO_TIMEOUT, hello)
        .await
        .map_err(|_| HandshakeError::NoClientHello)?
        .map_err(HandshakeError::Failed)?;
    tokio::time::timeout_at(deadline, start.into_stream(config))
        .await
        .map_err(|_| HandshakeError::Unfinished)?
        .map_err(HandshakeError::Failed)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use tokio::io::AsyncWriteExt as _;
    use tokio::time::Instant;

    use super::*;

    /// A server configuration with a certificate made now.
    fn server() -> Arc<rustls::ServerConfig> {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["localhost".to_string()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let der = rustls::pki_types::PrivatePkcs8KeyDer::from(key.serialize_der());
        Arc::new(
            rustls::ServerConfig::builder_with_provider(Arc::new(
                rustls::crypto::aws_lc_rs::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert.der().clone()], der.into())
            .unwrap(),
        )
    }

    /// A real client's ClientHello, as bytes on the wire.
    fn client_hello() -> Vec<u8> {
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
        let mut client = rustls::ClientConnection::new(
            Arc::new(config),
            rustls::pki_types::ServerName::try_from("localhost").unwrap(),
        )
        .unwrap();
        let mut hello = Vec::new();
        client.write_tls(&mut hello).unwrap();
        hello
    }

    #[tokio::test(start_paused = true)]
    async fn a_peer_that_says_nothing_gives_its_slot_back_after_two_seconds() {
        let (_peer, host) = tokio::io::duplex(64 * 1024);
        let start = Instant::now();
        let e = accept(host, server()).await.map(|_| ()).unwrap_err();
        assert!(matches!(e, HandshakeError::NoClientHello), "{e}");
        assert_eq!(start.elapsed(), CLIENT_HELLO_TIMEOUT);
    }

    #[tokio::test(start_paused = true)]
    async fn a_client_hello_sent_a_little_at_a_time_has_two_seconds_in_all() {
        let (mut peer, host) = tokio::io::duplex(64 * 1024);
        let hello = client_hello();
        let start = Instant::now();
        let trickle = async move {
            // A byte every 100 ms: forever, next to a 2 s limit.
            for b in hello {
                peer.write_all(&[b]).await.unwrap();
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            peer
        };
        tokio::select! {
            e = accept(host, server()) => {
                let e = e.map(|_| ()).unwrap_err();
                assert!(matches!(e, HandshakeError::NoClientHello), "{e}");
                assert_eq!(start.elapsed(), CLIENT_HELLO_TIMEOUT);
            }
            _ = trickle => panic!("the whole hello went through before the limit"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_handshake_that_stops_after_its_hello_ends_at_the_handshake_limit() {
        let (mut peer, host) = tokio::io::duplex(64 * 1024);
        peer.write_all(&client_hello()).await.unwrap();
        let start = Instant::now();
        let e = accept(host, server()).await.map(|_| ()).unwrap_err();
        assert!(matches!(e, HandshakeError::Unfinished), "{e}");
        assert_eq!(start.elapsed(), HANDSHAKE_TIMEOUT);
        drop(peer);
    }
}
