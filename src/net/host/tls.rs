//! The host's TLS configuration: its certificate (given, or generated for
//! the addresses its invites name), the versions and groups chosen, the
//! client CA members' certificates are verified with, ALPN, and where
//! handshake secrets go (a key log, or memory for `--show-handshake`).

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::LazyConfigAcceptor;

use crate::net::certinfo::CertInfo;
use crate::net::command::HostConfig;
use crate::net::keylog::{Captured, KeyLogFile, Secrets};
use crate::net::{ALPN, HANDSHAKE_TIMEOUT};

/// The host's TLS configuration and chain, and where the handshake
/// secrets of recorded handshakes are kept.
pub(super) type ServerSetup = (
    Arc<rustls::ServerConfig>,
    Vec<CertInfo>,
    Option<Arc<Captured>>,
);

/// A generated certificate names `addresses` (those the room's invites are for).
pub(super) fn server_config(
    config: &HostConfig,
    addresses: &[std::net::IpAddr],
) -> Result<ServerSetup, String> {
    let (cert, key) = match &config.identity {
        Some(pair) => pair.clone(),
        None => crate::net::certgen::host_identity(&config.config_dir, addresses)
            .map_err(|e| e.to_string())?,
    };
    let provider = config.tls.provider()?;
    let identity =
        crate::net::pem::load_identity(&cert, &key, &provider).map_err(|e| e.to_string())?;
    let chain = identity
        .cert
        .iter()
        .map(|c| CertInfo::from_der(c))
        .collect();
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(config.tls.versions())
        .map_err(|e| format!("cannot configure TLS: {e}"))?;
    let builder = match &config.client_ca {
        None => builder.with_no_client_auth(),
        Some(path) => {
            let mut roots = rustls::RootCertStore::empty();
            for cert in crate::net::pem::load_certs(path).map_err(|e| e.to_string())? {
                roots.add(cert).map_err(|e| {
                    format!(
                        "{}: a certificate in it cannot be a client CA: {e}",
                        path.display()
                    )
                })?;
            }
            // Members may come without a certificate; those who present one
            // must have it verified by this CA.
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .allow_unauthenticated()
            .build()
            .map_err(|e| format!("{}: cannot verify clients with it: {e}", path.display()))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut tls =
        builder.with_cert_resolver(Arc::new(rustls::sign::SingleCertAndKey::from(identity)));
    tls.alpn_protocols = vec![ALPN.to_vec()];
    let file = match &config.tls.keylog {
        Some(path) => Some(Arc::new(KeyLogFile::open(path)?)),
        None => None,
    };
    let capture = config.tls.record_handshakes.then(Arc::<Captured>::default);
    if file.is_some() || capture.is_some() {
        tls.key_log = Arc::new(Secrets {
            file,
            capture: capture.clone(),
        });
    }
    Ok((Arc::new(tls), chain, capture))
}

/// How long a connection has to send its whole ClientHello. A real client
/// sends it at once; a peer that sends nothing, or a little at a time,
/// gives its handshake slot back after this (the whole handshake still
/// has [`HANDSHAKE_TIMEOUT`]).
const CLIENT_HELLO_TIMEOUT: Duration = Duration::from_secs(2);

/// The TLS handshake of a connection: its whole ClientHello within
/// [`CLIENT_HELLO_TIMEOUT`], all of it within [`HANDSHAKE_TIMEOUT`]; or
/// why not (one line, for the log).
pub(super) async fn accept<S: AsyncRead + AsyncWrite + Unpin>(
    tcp: S,
    config: Arc<rustls::ServerConfig>,
) -> Result<tokio_rustls::server::TlsStream<S>, String> {
    let deadline = tokio::time::Instant::now() + HANDSHAKE_TIMEOUT;
    let hello = LazyConfigAcceptor::new(rustls::server::Acceptor::default(), tcp);
    let start = match tokio::time::timeout(CLIENT_HELLO_TIMEOUT, hello).await {
        Ok(Ok(start)) => start,
        Ok(Err(e)) => return Err(format!("handshake failed: {e}")),
        Err(_) => {
            return Err(format!(
                "handshake failed: no whole ClientHello in {CLIENT_HELLO_TIMEOUT:?}"
            ));
        }
    };
    match tokio::time::timeout_at(deadline, start.into_stream(config)).await {
        Ok(Ok(tls)) => Ok(tls),
        Ok(Err(e)) => Err(format!("handshake failed: {e}")),
        Err(_) => Err(format!("handshake not finished in {HANDSHAKE_TIMEOUT:?}")),
    }
}
