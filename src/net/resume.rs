//! What lets a member that reconnects resume its TLS session: rustls
//! offers a ticket only to a configuration with the very same verifier
//! object that verified the host (and the same client-certificate
//! resolver). [`CurrentVerifier`] is that one object, kept across
//! reconnects, while each connection still gets a fresh
//! [`MemberVerifier`] (with the pins as they are now) behind it.

use std::sync::{Arc, PoisonError, RwLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

use crate::net::trust::MemberVerifier;

/// Delegates every check to the verifier of the current connection.
#[derive(Debug)]
pub(crate) struct CurrentVerifier(RwLock<Arc<MemberVerifier>>);

impl CurrentVerifier {
    pub(crate) fn new(first: Arc<MemberVerifier>) -> Self {
        Self(RwLock::new(first))
    }

    /// The verifier for the next connection.
    pub(crate) fn set(&self, next: Arc<MemberVerifier>) {
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = next;
    }

    fn get(&self) -> Arc<MemberVerifier> {
        // Replacing an Arc cannot leave it half done.
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl ServerCertVerifier for CurrentVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.get()
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.get().verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.get().verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.get().supported_verify_schemes()
    }
}
