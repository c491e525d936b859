//! Deciding whether to trust a host: WebPKI against the system roots and the
//! user's CA files, exact pins the user chose, and a browser-like
//! classification of every failure from rustls' typed errors.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::net::certinfo::CertInfo;
use crate::net::event::TrustBasis;
use crate::net::pem::{PemError, load_certs};

/// Why a certificate was not trusted, classified as a browser would.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// Issued by a CA that is not trusted here.
    UnknownIssuer,
    /// Signed by itself (including `CA:TRUE` certificates made by `openssl req -x509`).
    SelfSigned,
    /// Past its end of validity.
    Expired {
        /// End of validity, Unix seconds.
        not_after: i64,
        /// The time it was checked at, Unix seconds.
        now: i64,
    },
    /// Before its start of validity.
    NotYetValid {
        /// Start of validity, Unix seconds.
        not_before: i64,
        /// The time it was checked at, Unix seconds.
        now: i64,
    },
    /// Not valid for the name that was dialled.
    WrongName {
        /// The name we connected to.
        expected: String,
        /// The names the certificate is valid for.
        valid_for: Vec<String>,
    },
    /// A signature in the chain does not verify.
    BadSignature,
    /// A signature algorithm that is unsupported or considered too weak.
    WeakAlgorithm,
    /// A CA certificate presented as a server certificate.
    NotEndEntity,
    /// The certificate is not for TLS server authentication.
    WrongPurpose,
    /// The certificate was revoked.
    Revoked,
    /// The certificate is malformed.
    BadEncoding,
    /// Anything else, by its name.
    Other(String),
}

fn age(seconds: i64) -> String {
    let s = seconds.unsigned_abs();
    match s {
        0..120 => format!("{s} seconds"),
        120..7200 => format!("{} minutes", s / 60),
        7200..172_800 => format!("{} hours", s / 3600),
        _ => format!("{} days", s / 86_400),
    }
}

/// A Unix time as `YYYY-MM-DD HH:MM:SS UTC`.
#[must_use]
pub fn utc(seconds: i64) -> String {
    let format =
        ::time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    ::time::OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| format!("{seconds} (Unix time)"))
}

impl Problem {
    /// A short stable code, like a browser's error code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownIssuer => "CERT_UNKNOWN_ISSUER",
            Self::SelfSigned => "CERT_SELF_SIGNED",
            Self::Expired { .. } => "CERT_EXPIRED",
            Self::NotYetValid { .. } => "CERT_NOT_YET_VALID",
            Self::WrongName { .. } => "CERT_NAME_MISMATCH",
            Self::BadSignature => "CERT_BAD_SIGNATURE",
            Self::WeakAlgorithm => "CERT_WEAK_ALGORITHM",
            Self::NotEndEntity => "CERT_NOT_END_ENTITY",
            Self::WrongPurpose => "CERT_WRONG_PURPOSE",
            Self::Revoked => "CERT_REVOKED",
            Self::BadEncoding => "CERT_BAD_ENCODING",
            Self::Other(_) => "CERT_INVALID",
        }
    }

    /// One plain-language sentence.
    #[must_use]
    pub fn explain(&self) -> String {
        let clock = |delta: i64| {
            if delta.abs() < 2 * 86_400 {
                " (if that seems wrong, check this computer's clock)"
            } else {
                ""
            }
        };
        match self {
            Self::UnknownIssuer => {
                "the certificate was issued by an authority this computer does not trust".into()
            }
            Self::SelfSigned => {
                "the certificate is self-signed: nobody vouches for it but the host itself".into()
            }
            Self::Expired { not_after, now } => format!(
                "the certificate expired {} ago, on {}{}",
                age(now - not_after),
                utc(*not_after),
                clock(now - not_after)
            ),
            Self::NotYetValid { not_before, now } => format!(
                "the certificate is not valid until {}, {} from now{}",
                utc(*not_before),
                age(not_before - now),
                clock(not_before - now)
            ),
            Self::WrongName {
                expected,
                valid_for,
            } => format!(
                "the certificate is not valid for {expected}; it is valid for {}",
                if valid_for.is_empty() {
                    "no host name at all".to_string()
                } else {
                    valid_for.join(", ")
                }
            ),
            Self::BadSignature => "a signature in the certificate chain is not valid".into(),
            Self::WeakAlgorithm => {
                "the certificate is signed with an algorithm that is unsupported or too weak".into()
            }
            Self::NotEndEntity => {
                "the host presented a certificate authority's certificate as its own".into()
            }
            Self::WrongPurpose => "the certificate is not meant for TLS servers".into(),
            Self::Revoked => "the certificate has been revoked".into(),
            Self::BadEncoding => "the certificate is malformed".into(),
            Self::Other(what) => format!("the certificate is not valid: {what}"),
        }
    }
}

/// Classifies a rustls certificate error, using the presented chain for the
/// facts the error does not carry.
#[must_use]
pub fn classify(error: &CertificateError, chain: &[CertInfo], now: i64) -> Problem {
    let leaf = chain.first();
    let self_signed = chain.len() == 1 && leaf.is_some_and(CertInfo::is_self_issued);
    match error {
        CertificateError::UnknownIssuer if self_signed => Problem::SelfSigned,
        CertificateError::UnknownIssuer => Problem::UnknownIssuer,
        CertificateError::ExpiredContext { time, not_after } => Problem::Expired {
            not_after: secs(*not_after),
            now: secs(*time),
        },
        CertificateError::Expired => Problem::Expired {
            not_after: leaf.map_or(0, |l| l.not_after),
            now,
        },
        CertificateError::NotValidYetContext { time, not_before } => Problem::NotYetValid {
            not_before: secs(*not_before),
            now: secs(*time),
        },
        CertificateError::NotValidYet => Problem::NotYetValid {
            not_before: leaf.map_or(0, |l| l.not_before),
            now,
        },
        CertificateError::NotValidForNameContext {
            expected,
            presented,
        } => Problem::WrongName {
            expected: expected.to_str().into_owned(),
            valid_for: presented.clone(),
        },
        CertificateError::NotValidForName => Problem::WrongName {
            expected: String::new(),
            valid_for: leaf.map(CertInfo::host_names).unwrap_or_default(),
        },
        // A self-signed certificate whose name happens to be that of a
        // trusted root with another key (Debian's "snakeoil" CN=localhost
        // in /etc/ssl/certs, say) fails on the signature: it is still just
        // self-signed.
        #[allow(deprecated)]
        CertificateError::BadSignature
        | CertificateError::UnsupportedSignatureAlgorithm
        | CertificateError::UnsupportedSignatureAlgorithmContext { .. }
        | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. }
            if self_signed =>
        {
            Problem::SelfSigned
        }
        CertificateError::BadSignature => Problem::BadSignature,
        #[allow(deprecated)]
        CertificateError::UnsupportedSignatureAlgorithm
        | CertificateError::UnsupportedSignatureAlgorithmContext { .. }
        | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
            Problem::WeakAlgorithm
        }
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            Problem::WrongPurpose
        }
        CertificateError::Revoked => Problem::Revoked,
        CertificateError::BadEncoding => Problem::BadEncoding,
        CertificateError::Other(other) => match other.0.downcast_ref::<webpki::Error>() {
            Some(webpki::Error::CaUsedAsEndEntity) if self_signed => Problem::SelfSigned,
            Some(webpki::Error::CaUsedAsEndEntity) => Problem::NotEndEntity,
            Some(e) => Problem::Other(format!("{e:?}")),
            None => Problem::Other(other.to_string()),
        },
        other => Problem::Other(format!("{other:?}")),
    }
}

fn secs(t: UnixTime) -> i64 {
    i64::try_from(t.as_secs()).unwrap_or(i64::MAX)
}

static SYSTEM_ROOTS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();

/// The operating system's trusted roots, read once per process.
fn system_roots() -> &'static [CertificateDer<'static>] {
    SYSTEM_ROOTS.get_or_init(|| rustls_native_certs::load_native_certs().certs)
}

/// The roots a member trusts: the system's plus the user's CA files.
pub fn root_store(ca_files: &[PathBuf]) -> Result<RootCertStore, PemError> {
    let mut roots = RootCertStore::empty();
    roots.add_parsable_certificates(system_roots().iter().cloned());
    for path in ca_files {
        for cert in load_certs(path)? {
            roots.add(cert).map_err(|e| PemError::Invalid {
                path: path.clone(),
                reason: format!("a certificate in it cannot be a trust anchor: {e}"),
            })?;
        }
    }
    Ok(roots)
}

/// What the verifier decided about the chain it was shown.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Trusted, and why.
    Trusted(TrustBasis, Vec<CertInfo>),
    /// Refused, and why.
    Refused(Problem, Vec<CertInfo>),
}

/// The member's certificate verifier: WebPKI first, then exact pins; it
/// remembers the chain and the decision so the UI can show both. Signatures
/// on the handshake are always checked, so a pinned host must still prove it
/// holds the certificate's key.
#[derive(Debug)]
pub struct MemberVerifier {
    webpki: Option<Arc<WebPkiServerVerifier>>,
    provider: Arc<CryptoProvider>,
    pins: Vec<[u8; 32]>,
    outcome: Mutex<Option<Outcome>>,
}

impl MemberVerifier {
    /// A verifier over these roots, accepting these exact certificate pins.
    #[must_use]
    pub fn new(roots: RootCertStore, pins: Vec<[u8; 32]>, provider: Arc<CryptoProvider>) -> Self {
        // An empty root store cannot build a WebPKI verifier; then nothing
        // verifies by CA and only pins can be accepted.
        let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .ok();
        Self {
            webpki,
            provider,
            pins,
            outcome: Mutex::new(None),
        }
    }

    /// The decision about the last chain verified, if any.
    pub fn outcome(&self) -> Option<Outcome> {
        self.outcome.lock().ok().and_then(|o| o.clone())
    }

    fn record(&self, outcome: Outcome) {
        if let Ok(mut slot) = self.outcome.lock() {
            *slot = Some(outcome);
        }
    }
}

impl ServerCertVerifier for MemberVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let chain: Vec<CertInfo> = std::iter::once(end_entity)
            .chain(intermediates)
            .map(|c| CertInfo::from_der(c))
            .collect();
        let result = match &self.webpki {
            Some(v) => {
                v.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            }
            None => Err(rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer,
            )),
        };
        match result {
            Ok(ok) => {
                let anchor = chain.last().map(|c| c.issuer.clone()).unwrap_or_default();
                self.record(Outcome::Trusted(TrustBasis::Verified { anchor }, chain));
                Ok(ok)
            }
            Err(rustls::Error::InvalidCertificate(e)) => {
                let problem = classify(&e, &chain, secs(now));
                let leaf_sha = chain.first().map(|c| c.sha256);
                if leaf_sha.is_some_and(|sha| self.pins.contains(&sha)) {
                    self.record(Outcome::Trusted(TrustBasis::Pinned { problem }, chain));
                    return Ok(ServerCertVerified::assertion());
                }
                self.record(Outcome::Refused(problem, chain));
                Err(rustls::Error::InvalidCertificate(e))
            }
            Err(other) => {
                self.record(Outcome::Refused(Problem::Other(other.to_string()), chain));
                Err(other)
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
