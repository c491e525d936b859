//! The impostor: answers the member's TLS with a certificate of its own
//! for the host's names, issued by a CA made at start that nobody trusts,
//! then opens its own TLS connection to the real host (verified properly,
//! with the real WebPKI verifier and the CA files it was given) and
//! forwards every line both ways, reading each.
//!
//! A member that refuses the certificate (tlschat does, with the reason
//! "unknown issuer") breaks off the handshake with a TLS alert
//! (unknown_ca), as a browser does: the impostor then has nothing, and it
//! never connects to the host. Only a member that
//! makes an exception for the impostor's certificate is read.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use tokio::io::{
    AsyncBufReadExt as _, AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _,
};
use tokio::net::TcpStream;
use tokio_rustls::{TlsAcceptor, TlsConnector};

use super::{Direction, Ending, PHASE_TIMEOUT, RelayEvent, RelaySink, SHOWN_LINE_BYTES};
use crate::net::certgen::{CertGenError, make_ca, server_params};
use crate::net::certinfo::CertInfo;
use crate::net::pem::PemError;
use crate::net::safe_text::{Newlines, visible_bytes};
use crate::net::{ALPN, MAX_LINE};

/// The name on the impostor's CA.
pub const IMPOSTOR_CA_NAME: &str = "Impostor CA (tlschat demo)";

/// Why the impostor could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ImpostorError {
    /// Its certificates could not be made.
    #[error(transparent)]
    Cert(#[from] CertGenError),
    /// rcgen refused a key.
    #[error("cannot make a key: {0}")]
    Key(#[from] rcgen::Error),
    /// The CA files to verify the real host with could not be read.
    #[error(transparent)]
    Roots(#[from] PemError),
    /// rustls refused the configuration.
    #[error("TLS configuration: {0}")]
    Tls(#[from] rustls::Error),
}

/// The impostor's certificates and both TLS configurations.
pub struct Impostor {
    upstream: SocketAddr,
    chain: Vec<CertificateDer<'static>>,
    acceptor: TlsAcceptor,
    client: Arc<rustls::ClientConfig>,
}

impl std::fmt::Debug for Impostor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Impostor")
            .field("upstream", &self.upstream)
            .finish_non_exhaustive()
    }
}

impl Impostor {
    /// Makes the impostor's CA and its certificate for the names a member
    /// may dial the host by (`127.0.0.1`, `localhost` and the upstream's
    /// address), and the client side that verifies the real host with
    /// `ca_files` (and the system's roots).
    pub fn new(upstream: SocketAddr, ca_files: &[PathBuf]) -> Result<Self, ImpostorError> {
        let ca = make_ca(IMPOSTOR_CA_NAME, 1, rcgen::KeyPair::generate()?)?;
        let mut names = vec!["127.0.0.1".to_string(), "localhost".to_string()];
        let ip = upstream.ip().to_string();
        if !names.contains(&ip) {
            names.push(ip);
        }
        let key = rcgen::KeyPair::generate()?;
        let leaf = server_params(&names, "127.0.0.1", 1)?.signed_by(&key, &ca)?;
        let chain = vec![leaf.der().clone(), ca.der().clone()];
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut server = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(rustls::DEFAULT_VERSIONS)?
            .with_no_client_auth()
            .with_single_cert(
                chain.clone(),
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
            )?;
        server.alpn_protocols = vec![ALPN.to_vec()];
        let roots = crate::net::trust::root_store(ca_files)?;
        let client = rustls::ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(rustls::DEFAULT_VERSIONS)?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Self {
            upstream,
            chain,
            acceptor: TlsAcceptor::from(Arc::new(server)),
            client: Arc::new(client),
        })
    }

    /// The certificates the impostor presents, leaf first.
    #[must_use]
    pub fn chain(&self) -> Vec<CertInfo> {
        self.chain.iter().map(|c| CertInfo::from_der(c)).collect()
    }

    /// Serves one member connection to its end.
    pub(super) async fn serve(self: Arc<Self>, conn: u32, member: TcpStream, sink: RelaySink) {
        let why = self.intercept(conn, member, &sink).await;
        sink.emit(RelayEvent::Ended { conn, why });
    }

    async fn intercept(&self, conn: u32, member: TcpStream, sink: &RelaySink) -> Ending {
        let accepted = tokio::time::timeout(PHASE_TIMEOUT, self.acceptor.accept(member)).await;
        let member = match accepted {
            Ok(Ok(tls)) => tls,
            Ok(Err(e)) => return refused(&e),
            Err(_) => return Ending::Failed("the member's handshake took too long".into()),
        };
        sink.emit(RelayEvent::MemberAccepted { conn });
        // Speak to the host as the member spoke to us.
        let mut client = (*self.client).clone();
        client.alpn_protocols = member
            .get_ref()
            .1
            .alpn_protocol()
            .map(<[u8]>::to_vec)
            .into_iter()
            .collect();
        let host = match self.connect(Arc::new(client)).await {
            Ok(host) => host,
            Err(e) => return Ending::HostUnreachable(e.to_string()),
        };
        if let Some(leaf) = host.get_ref().1.peer_certificates().and_then(<[_]>::first) {
            let cert = Box::new(CertInfo::from_der(leaf));
            sink.emit(RelayEvent::HostVerified { conn, cert });
        }
        let (member_read, member_write) = tokio::io::split(member);
        let (host_read, host_write) = tokio::io::split(host);
        let (up, down) = tokio::join!(
            lines(conn, Direction::ToHost, member_read, host_write, sink),
            lines(conn, Direction::ToMember, host_read, member_write, sink),
        );
        if up == Ending::Closed { down } else { up }
    }

    /// The impostor's own connection to the real host, verified.
    async fn connect(
        &self,
        client: Arc<rustls::ClientConfig>,
    ) -> std::io::Result<tokio_rustls::client::TlsStream<TcpStream>> {
        let name = ServerName::IpAddress(self.upstream.ip().into());
        let connecting = async {
            let tcp = TcpStream::connect(self.upstream).await?;
            TlsConnector::from(client).connect(name, tcp).await
        };
        tokio::time::timeout(PHASE_TIMEOUT, connecting)
            .await
            .unwrap_or_else(|_| Err(std::io::ErrorKind::TimedOut.into()))
    }
}

/// How a failed handshake with the member ended: refused with an alert
/// (the member did not trust the certificate), or otherwise.
fn refused(e: &std::io::Error) -> Ending {
    match e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        Some(rustls::Error::AlertReceived(alert)) => Ending::MemberRefused {
            alert: Some(*alert),
        },
        _ if e.kind() == std::io::ErrorKind::UnexpectedEof => Ending::MemberRefused { alert: None },
        _ => Ending::Failed(e.to_string()),
    }
}

/// Forwards one direction line by line, reporting each line before it
/// is forwarded; returns how it ended. Lines are bounded by the
/// protocol's [`MAX_LINE`]; a last line without a newline is forwarded
/// too.
async fn lines(
    conn: u32,
    dir: Direction,
    from: impl AsyncRead + Unpin,
    mut to: impl AsyncWrite + Unpin,
    sink: &RelaySink,
) -> Ending {
    let mut reader = tokio::io::BufReader::new(from);
    let mut line = Vec::new();
    let limit = u64::try_from(MAX_LINE)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    loop {
        line.clear();
        match (&mut reader).take(limit).read_until(b'\n', &mut line).await {
            Ok(0) => {
                let _ = to.shutdown().await;
                return Ending::Closed;
            }
            Ok(_) if line.len() > MAX_LINE => return Ending::LineTooLong,
            Ok(_) => {}
            Err(e) => return Ending::Failed(e.to_string()),
        }
        let body = line.strip_suffix(b"\n").unwrap_or(&line);
        let shown = body.get(..SHOWN_LINE_BYTES).unwrap_or(body);
        sink.emit(RelayEvent::Line {
            conn,
            dir,
            text: visible_bytes(shown, Newlines::Escape),
            bytes: line.len(),
        });
        let forwarded = async {
            to.write_all(&line).await?;
            to.flush().await
        };
        if let Err(e) = forwarded.await {
            return Ending::Failed(e.to_string());
        }
    }
}

/// A TLS alert as RFC 8446 §6 names it, with its number:
/// `unknown_ca (48)`; one the RFCs do not name by its number alone.
#[must_use]
pub fn alert_name(alert: rustls::AlertDescription) -> String {
    let code = u8::from(alert);
    let name = match code {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        21 => "decryption_failed",
        22 => "record_overflow",
        30 => "decompression_failure",
        40 => "handshake_failure",
        41 => "no_certificate",
        42 => "bad_certificate",
        43 => "unsupported_certificate",
        44 => "certificate_revoked",
        45 => "certificate_expired",
        46 => "certificate_unknown",
        47 => "illegal_parameter",
        48 => "unknown_ca",
        49 => "access_denied",
        50 => "decode_error",
        51 => "decrypt_error",
        60 => "export_restriction",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        90 => "user_canceled",
        100 => "no_renegotiation",
        109 => "missing_extension",
        110 => "unsupported_extension",
        111 => "certificate_unobtainable",
        112 => "unrecognized_name",
        113 => "bad_certificate_status_response",
        114 => "bad_certificate_hash_value",
        115 => "unknown_psk_identity",
        116 => "certificate_required",
        120 => "no_application_protocol",
        _ => return format!("{code}"),
    };
    format!("{name} ({code})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alerts_are_named_as_the_rfc_names_them_with_their_number() {
        assert_eq!(
            alert_name(rustls::AlertDescription::UnknownCA),
            "unknown_ca (48)"
        );
        assert_eq!(
            alert_name(rustls::AlertDescription::BadCertificate),
            "bad_certificate (42)"
        );
        assert_eq!(alert_name(rustls::AlertDescription::from(200)), "200");
    }
}
