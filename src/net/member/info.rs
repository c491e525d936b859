//! What one established connection is, for the user: [`connection_info`]
//! turns what rustls negotiated ([`Negotiated`]) and what the member knows
//! of the connection ([`Facts`]) into a [`ConnectionInfo`]. A pure
//! function: its tests need no socket.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use rustls::{CipherSuite, NamedGroup, ProtocolVersion, SignatureScheme};

use super::end::End;
use crate::net::ALPN;
use crate::net::certinfo::CertInfo;
use crate::net::event::{ConnectionInfo, HandshakeKind};
use crate::net::protocol::Dialect;
use crate::net::tlsopts::TlsVersion;
use crate::net::trust::TrustBasis;
use crate::net::wire::Handshake;
use crate::net::wording::said_msg;

/// What rustls negotiated, read off a connection once its handshake is done.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Negotiated {
    /// The protocol version.
    pub version: Option<ProtocolVersion>,
    /// The cipher suite.
    pub suite: Option<CipherSuite>,
    /// The key-exchange group (none for a resumed TLS 1.2 session).
    pub group: Option<NamedGroup>,
    /// The ALPN protocol the host chose, if any.
    pub alpn: Option<Vec<u8>>,
    /// Full, full after a HelloRetryRequest, or resumed.
    pub kind: Option<rustls::HandshakeKind>,
    /// The scheme the host signed the handshake with (none when resumed).
    pub signature: Option<SignatureScheme>,
}

impl Negotiated {
    /// Reads it off `conn`; `signature` is what the verifier saw.
    pub(super) fn of(conn: &rustls::ClientConnection, signature: Option<SignatureScheme>) -> Self {
        Self {
            version: conn.protocol_version(),
            suite: conn.negotiated_cipher_suite().map(|s| s.suite()),
            group: conn.negotiated_key_exchange_group().map(|g| g.name()),
            alpn: conn.alpn_protocol().map(<[u8]>::to_vec),
            kind: conn.handshake_kind(),
            signature,
        }
    }
}

/// Everything known of an established connection.
#[derive(Debug, Clone)]
pub(super) struct Facts {
    /// `host:port` as the user asked for it.
    pub target: String,
    /// The address actually connected to.
    pub peer_addr: SocketAddr,
    /// The server name sent in SNI (none when dialling an IP address).
    pub sni: Option<String>,
    /// What rustls negotiated.
    pub negotiated: Negotiated,
    /// Time from TCP connected to handshake complete, in microseconds.
    pub handshake_us: u64,
    /// Why the host is trusted.
    pub trust: TrustBasis,
    /// The host's chain, leaf first.
    pub chain: Vec<CertInfo>,
    /// The key-exchange groups we offered, in order of preference.
    pub offered_groups: Vec<NamedGroup>,
    /// Our own certificate, when the host asked for it and we sent it.
    pub client_certificate: Option<CertInfo>,
    /// The handshake as it went over the wire, decoded.
    pub wire: Option<Arc<Handshake>>,
    /// The records after it, when they are followed.
    pub live: Option<Arc<crate::net::wire::live::Live>>,
    /// The key log file, while it is on.
    pub keylog: Option<PathBuf>,
}

/// The connection as the user is shown it; an error only for what a
/// finished handshake cannot lack (a version this program knows, a cipher
/// suite).
pub(super) fn connection_info(facts: Facts) -> Result<ConnectionInfo, End> {
    let n = facts.negotiated;
    let Some(protocol) = n.version.and_then(|v| TlsVersion::try_from(v).ok()) else {
        return Err(End::Fatal(said_msg(format!(
            "the TLS library negotiated a version this program does not know: {:?}",
            n.version
        ))));
    };
    let cipher_suite = n.suite.ok_or_else(|| {
        End::Fatal(said_msg(
            "the TLS library finished a handshake without a cipher suite",
        ))
    })?;
    let handshake_kind = match n.kind {
        Some(rustls::HandshakeKind::Resumed) => HandshakeKind::Resumed,
        Some(rustls::HandshakeKind::FullWithHelloRetryRequest) => {
            HandshakeKind::FullWithHelloRetryRequest
        }
        _ => HandshakeKind::Full,
    };
    Ok(ConnectionInfo {
        target: facts.target,
        peer_addr: facts.peer_addr,
        protocol,
        cipher_suite,
        key_exchange: n.group,
        plain_text: Dialect::from_alpn(n.alpn.as_deref()) == Dialect::Plain,
        alpn: n.alpn.map(|a| String::from_utf8_lossy(&a).into_owned()),
        sni: facts.sni,
        handshake_kind,
        handshake_us: facts.handshake_us,
        chain: facts.chain,
        trust: facts.trust,
        offered_groups: facts.offered_groups,
        offered_alpn: vec![String::from_utf8_lossy(ALPN).into_owned()],
        signature_scheme: n.signature,
        client_certificate: facts.client_certificate,
        wire: facts.wire,
        live: facts.live,
        keylog: facts.keylog,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A TLS 1.3 `tlschat/1` connection as rustls reports one.
    fn facts() -> Facts {
        Facts {
            target: "localhost:7443".into(),
            peer_addr: "127.0.0.1:7443".parse().unwrap(),
            sni: Some("localhost".into()),
            negotiated: Negotiated {
                version: Some(ProtocolVersion::TLSv1_3),
                suite: Some(CipherSuite::TLS13_AES_256_GCM_SHA384),
                group: Some(NamedGroup::X25519MLKEM768),
                alpn: Some(ALPN.to_vec()),
                kind: Some(rustls::HandshakeKind::Full),
                signature: Some(SignatureScheme::ECDSA_NISTP256_SHA256),
            },
            handshake_us: 1500,
            trust: TrustBasis::Verified {
                anchor: "CN=Root".into(),
            },
            chain: Vec::new(),
            offered_groups: vec![NamedGroup::X25519MLKEM768, NamedGroup::X25519],
            client_certificate: None,
            wire: None,
            live: None,
            keylog: None,
        }
    }

    #[test]
    fn a_tls13_tlschat_connection_is_described_as_negotiated() {
        let info = connection_info(facts()).unwrap();
        assert_eq!(info.protocol, TlsVersion::Tls13);
        assert_eq!(info.cipher_suite_name(), "TLS13_AES_256_GCM_SHA384");
        assert_eq!(info.key_exchange_name(), "X25519MLKEM768");
        assert_eq!(info.signature_scheme_name(), "ECDSA_NISTP256_SHA256");
        assert_eq!(info.offered_group_names(), ["X25519MLKEM768", "X25519"]);
        assert_eq!(info.alpn.as_deref(), Some("tlschat/1"));
        assert_eq!(info.offered_alpn, ["tlschat/1"]);
        assert_eq!(info.handshake_kind, HandshakeKind::Full);
        assert!(!info.plain_text);
    }

    #[test]
    fn no_alpn_is_a_plain_text_room() {
        let mut f = facts();
        f.negotiated.alpn = None;
        let info = connection_info(f).unwrap();
        assert!(info.plain_text);
        assert_eq!(info.alpn, None);
    }

    #[test]
    fn a_resumed_session_has_no_signature_and_a_retried_hello_is_named() {
        let mut f = facts();
        f.negotiated.kind = Some(rustls::HandshakeKind::Resumed);
        f.negotiated.signature = None;
        let info = connection_info(f).unwrap();
        assert_eq!(info.handshake_kind, HandshakeKind::Resumed);
        assert!(
            info.signature_scheme_name()
                .starts_with("none (a resumed session")
        );
        let mut f = facts();
        f.negotiated.kind = Some(rustls::HandshakeKind::FullWithHelloRetryRequest);
        f.negotiated.signature = None;
        let info = connection_info(f).unwrap();
        assert_eq!(
            info.handshake_kind,
            HandshakeKind::FullWithHelloRetryRequest
        );
        assert_eq!(info.signature_scheme_name(), "unknown");
    }

    #[test]
    fn a_resumed_tls12_session_has_no_group_and_tls11_is_not_known() {
        let mut f = facts();
        f.negotiated.version = Some(ProtocolVersion::TLSv1_2);
        f.negotiated.group = None;
        let info = connection_info(f).unwrap();
        assert_eq!(info.protocol, TlsVersion::Tls12);
        assert_eq!(info.key_exchange, None);
        assert_eq!(info.key_exchange_name(), "unknown");
        let mut f = facts();
        f.negotiated.version = Some(ProtocolVersion::TLSv1_1);
        let end = connection_info(f).unwrap_err();
        assert_eq!(
            end,
            End::Fatal(said_msg(
                "the TLS library negotiated a version this program does not know: Some(TLSv1_1)"
            ))
        );
        assert!(!end.retry());
    }
}
