//! The host's check of members' certificates (TLS client authentication):
//! a member's self-signed certificate is a key to be recognised, not an
//! identity vouched for by anyone, as in SSH's `authorized_keys`.
//!
//! [`MemberKeys`] asks every member for a certificate and lets members
//! without one in (plain `openssl s_client`, `ncat` and Python members have
//! none; the room's door decides what they may do). A certificate that is
//! presented must be either
//! - issued by the `--client-ca`, verified by rustls' own WebPKI verifier
//!   (the member is then [`KeyKind::Ca`]); or
//! - self-signed: signed by its own key, for client authentication, and
//!   within its validity (checked by WebPKI with the certificate as its own
//!   trust anchor), the member then being [`KeyKind::SelfSigned`]; or
//! - on a host without `--client-ca` only, issued by anyone else
//!   ([`KeyKind::Issued`]): a member that joins with `--cert` from its own
//!   CA gets in as before the host asked everyone, recognised by its key
//!   and nothing else (its names are vouched for by no one the host
//!   trusts). The certificate must still be a client certificate within
//!   its validity, not a CA's.
//!
//! In every case rustls checks the member's CertificateVerify against the
//! certificate's key with the provider's own algorithms, so a member is
//! recognised only if it holds the private key: anyone can copy a
//! certificate, nobody can sign with its key. On a host with `--client-ca`
//! a certificate issued by another CA is refused (as before), and a CA
//! certificate presented as a member's is refused everywhere.

use std::sync::Arc;

use rustls::DistinguishedName;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};

/// How a member's certificate was accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// Issued by the host's `--client-ca`.
    Ca,
    /// Self-signed: a key the host recognises (or not) by its fingerprint.
    SelfSigned,
    /// Issued by someone the host does not know (a host without
    /// `--client-ca`): a key, like a self-signed one.
    Issued,
}

/// The key a member proved it holds in its handshake, and how its
/// certificate was accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberKey {
    /// The SHA-256 of the certificate's SubjectPublicKeyInfo: the member.
    pub key: [u8; 32],
    /// Self-signed, or from the client CA.
    pub kind: KeyKind,
}

/// Asks every member for a certificate; accepts one issued by the client
/// CA, or a self-signed one as a key (see the module's documentation).
#[derive(Debug)]
pub struct MemberKeys {
    ca: Option<Arc<dyn ClientCertVerifier>>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl MemberKeys {
    /// A verifier with the provider's signature algorithms and, when the
    /// host has a `--client-ca`, rustls' WebPKI verifier for it.
    #[must_use]
    pub fn new(provider: &CryptoProvider, ca: Option<Arc<dyn ClientCertVerifier>>) -> Self {
        Self {
            ca,
            algorithms: provider.signature_verification_algorithms,
        }
    }

    /// The key of a member whose certificate chain (leaf first) was
    /// accepted in its handshake, and how it was accepted (asked again:
    /// rustls keeps only the chain).
    ///
    /// # Errors
    /// No certificate, or one that is not accepted now (see
    /// [`MemberKeys::classify`]).
    pub fn member_key(&self, chain: &[CertificateDer<'_>]) -> Result<MemberKey, rustls::Error> {
        let (leaf, intermediates) = chain
            .split_first()
            .ok_or(rustls::Error::NoCertificatesPresented)?;
        let kind = self.classify(leaf, intermediates, UnixTime::now())?;
        let key = crate::net::certinfo::verified_spki_sha256(leaf).ok_or(
            rustls::Error::InvalidCertificate(rustls::CertificateError::BadEncoding),
        )?;
        Ok(MemberKey { key, kind })
    }

    /// How this certificate would be accepted, or why it is refused.
    ///
    /// # Errors
    /// The certificate is neither issued by the client CA nor a valid
    /// self-signed client certificate.
    pub fn classify(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<KeyKind, rustls::Error> {
        let ca_error = match &self.ca {
            Some(ca) => match ca.verify_client_cert(end_entity, intermediates, now) {
                Ok(_) => return Ok(KeyKind::Ca),
                Err(e) => Some(e),
            },
            None => None,
        };
        let cert = webpki::EndEntityCert::try_from(end_entity)
            .map_err(|e| rustls::Error::InvalidCertificate(webpki_error(&e)))?;
        let anchor = webpki::anchor_from_trusted_cert(end_entity)
            .map_err(|e| rustls::Error::InvalidCertificate(webpki_error(&e)))?;
        match cert.verify_for_usage(
            self.algorithms.all,
            &[anchor],
            &[],
            now,
            webpki::KeyUsage::client_auth(),
            None,
            None,
        ) {
            Ok(_) => Ok(KeyKind::SelfSigned),
            // Fine as a certificate (WebPKI checks validity, usage and
            // basic constraints before it looks for the issuer), just not
            // signed by its own key: a key, where no CA is asked for.
            Err(webpki::Error::UnknownIssuer | webpki::Error::InvalidSignatureForPublicKey)
                if ca_error.is_none() =>
            {
                Ok(KeyKind::Issued)
            }
            // Not self-signed: the CA's reason, if there is a CA, says more.
            Err(e) => Err(ca_error.unwrap_or(rustls::Error::InvalidCertificate(webpki_error(&e)))),
        }
    }
}

fn webpki_error(e: &webpki::Error) -> rustls::CertificateError {
    use rustls::CertificateError as C;
    match e {
        webpki::Error::CertExpired { .. } => C::Expired,
        webpki::Error::CertNotValidYet { .. } => C::NotValidYet,
        webpki::Error::UnknownIssuer => C::UnknownIssuer,
        webpki::Error::InvalidSignatureForPublicKey => C::BadSignature,
        webpki::Error::BadDer | webpki::Error::BadDerTime => C::BadEncoding,
        _ => C::Other(rustls::OtherError(Arc::new(e.clone()))),
    }
}

impl ClientCertVerifier for MemberKeys {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        // No hints: a member offers its own key whatever CA the host has.
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        self.classify(end_entity, intermediates, now)
            .map(|_| ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::net::identity::{KeyChoice, member_identity};

    fn provider() -> CryptoProvider {
        rustls::crypto::aws_lc_rs::default_provider()
    }

    fn der(path: &std::path::Path) -> CertificateDer<'static> {
        crate::net::pem::load_certs(path).unwrap().remove(0)
    }

    fn now() -> UnixTime {
        UnixTime::now()
    }

    /// A CA and a client certificate it issued.
    fn ca_and_client() -> (rcgen::Certificate, CertificateDer<'static>) {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
        let key = rcgen::KeyPair::generate().unwrap();
        let client = params.signed_by(&key, &ca).unwrap();
        (ca.as_ref().clone(), client.der().clone())
    }

    fn with_ca(ca: &rcgen::Certificate) -> MemberKeys {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(ca.der().clone()).unwrap();
        let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
            Arc::new(roots),
            Arc::new(provider()),
        )
        .allow_unauthenticated()
        .build()
        .unwrap();
        MemberKeys::new(&provider(), Some(verifier))
    }

    #[test]
    fn a_members_own_key_is_accepted_as_self_signed() {
        let dir = tempfile::tempdir().unwrap();
        let me = member_identity(dir.path(), KeyChoice::Keep).unwrap();
        let keys = MemberKeys::new(&provider(), None);
        assert_eq!(
            keys.classify(&der(&me.cert_path), &[], now()).unwrap(),
            KeyKind::SelfSigned
        );
        assert!(keys.offer_client_auth());
        assert!(!keys.client_auth_mandatory());
    }

    #[test]
    fn a_certificate_from_the_client_ca_is_ca_verified() {
        let (ca, client) = ca_and_client();
        assert_eq!(
            with_ca(&ca).classify(&client, &[], now()).unwrap(),
            KeyKind::Ca
        );
    }

    #[test]
    fn a_certificate_from_an_unknown_issuer_is_a_key_only_where_no_ca_is_asked_for() {
        let (_, client) = ca_and_client();
        let keys = MemberKeys::new(&provider(), None);
        assert_eq!(keys.classify(&client, &[], now()).unwrap(), KeyKind::Issued);
        // A host with a client CA refuses another CA's certificate.
        let (other_ca, _) = ca_and_client();
        assert!(with_ca(&other_ca).classify(&client, &[], now()).is_err());
        // Outside its validity (rcgen's certificates start in 1975), it is
        // refused either way.
        let early = UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_000_000));
        assert!(keys.classify(&client, &[], early).is_err());
    }

    #[test]
    fn a_ca_certificate_is_not_a_members_key() {
        let (ca, _) = ca_and_client();
        let keys = MemberKeys::new(&provider(), None);
        assert!(keys.classify(ca.der(), &[], now()).is_err());
    }

    #[test]
    fn an_expired_key_certificate_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let me = member_identity(dir.path(), KeyChoice::Keep).unwrap();
        let keys = MemberKeys::new(&provider(), None);
        let later = UnixTime::since_unix_epoch(std::time::Duration::from_secs(
            u64::try_from(me.cert.not_after).unwrap() + 1,
        ));
        assert!(keys.classify(&der(&me.cert_path), &[], later).is_err());
    }

    /// A real handshake in memory: a server with `MemberKeys`, a client
    /// presenting `cert` and signing with `key`. The server's view of the
    /// client's certificate, or the handshake's error.
    fn handshake(
        cert: CertificateDer<'static>,
        key: &rcgen::KeyPair,
    ) -> Result<Option<Vec<u8>>, rustls::Error> {
        let provider = Arc::new(provider());
        let host_key = rcgen::KeyPair::generate().unwrap();
        let host = rcgen::CertificateParams::new(vec!["localhost".to_string()])
            .unwrap()
            .self_signed(&host_key)
            .unwrap();
        let server = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_client_cert_verifier(Arc::new(MemberKeys::new(&provider, None)))
            .with_single_cert(
                vec![host.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(key_der(&host_key)),
            )
            .unwrap();
        let mut roots = rustls::RootCertStore::empty();
        roots.add(host.der().clone()).unwrap();
        let signer = provider
            .key_provider
            .load_private_key(rustls::pki_types::PrivateKeyDer::Pkcs8(key_der(key)))
            .unwrap();
        // A resolver, not with_client_auth_cert: that refuses a key that
        // does not match the certificate, and the test wants to try one.
        let certified = Arc::new(rustls::sign::CertifiedKey::new(vec![cert], signer));
        let client = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_client_cert_resolver(Arc::new(Fixed(certified)));
        let mut c = rustls::ClientConnection::new(
            Arc::new(client),
            rustls::pki_types::ServerName::try_from("localhost").unwrap(),
        )
        .unwrap();
        let mut s = rustls::ServerConnection::new(Arc::new(server)).unwrap();
        for _ in 0..10 {
            let mut wire = Vec::new();
            c.write_tls(&mut wire).unwrap();
            s.read_tls(&mut wire.as_slice()).unwrap();
            s.process_new_packets()?;
            let mut wire = Vec::new();
            s.write_tls(&mut wire).unwrap();
            c.read_tls(&mut wire.as_slice()).unwrap();
            c.process_new_packets()?;
            if !s.is_handshaking() && !c.is_handshaking() {
                break;
            }
        }
        Ok(s.peer_certificates().map(|certs| certs[0].to_vec()))
    }

    fn key_der(key: &rcgen::KeyPair) -> rustls::pki_types::PrivatePkcs8KeyDer<'static> {
        rustls::pki_types::PrivatePkcs8KeyDer::from(key.serialize_der())
    }

    #[derive(Debug)]
    struct Fixed(Arc<rustls::sign::CertifiedKey>);

    impl rustls::client::ResolvesClientCert for Fixed {
        fn resolve(
            &self,
            _: &[&[u8]],
            _: &[rustls::SignatureScheme],
        ) -> Option<Arc<rustls::sign::CertifiedKey>> {
            Some(self.0.clone())
        }

        fn has_certs(&self) -> bool {
            true
        }
    }

    #[test]
    fn a_member_is_recognised_only_with_its_private_key() {
        let dir = tempfile::tempdir().unwrap();
        let me = member_identity(dir.path(), KeyChoice::Keep).unwrap();
        let cert = der(&me.cert_path);
        let key =
            rcgen::KeyPair::from_pem(&std::fs::read_to_string(&me.key_path).unwrap()).unwrap();
        assert_eq!(
            handshake(cert.clone(), &key).unwrap().as_deref(),
            Some(cert.as_ref())
        );
        // Someone with a copy of the certificate but another key: the
        // CertificateVerify does not verify.
        let thief = rcgen::KeyPair::generate().unwrap();
        let e = handshake(cert, &thief).unwrap_err();
        assert_eq!(
            e,
            rustls::Error::InvalidCertificate(rustls::CertificateError::BadSignature)
        );
    }

    #[test]
    fn garbage_is_refused() {
        let keys = MemberKeys::new(&provider(), None);
        let junk = CertificateDer::from(vec![0x30, 0x03, 0x02, 0x01, 0x00]);
        assert!(keys.classify(&junk, &[], now()).is_err());
    }
}
