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

use crate::i18n::{Arg, Msg};
use crate::msg;
use crate::net::certinfo::CertInfo;
use crate::net::pem::{PemError, load_certs};
use crate::net::pins::{PinEntry, PinKind};

/// How the peer's certificate came to be trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustBasis {
    /// WebPKI verification to a trust anchor (system root or `--ca` file).
    Verified {
        /// The subject of the trust anchor that verified the chain (a root
        /// certificate's subject, as [`crate::net::CertInfo::subject`]
        /// formats it), not merely an issuer named in the chain sent.
        anchor: String,
    },
    /// Not verified, but the user pinned this certificate, or its key.
    Pinned {
        /// What verification said before the pin overrode it.
        problem: Problem,
        /// What the pin matched.
        matched: PinMatch,
    },
}

/// What a pinned certificate matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinMatch {
    /// Exactly the certificate the user made an exception for.
    ExactCertificate,
    /// A different certificate with the same key (a renewal); the pin now
    /// covers it.
    SameKey,
}

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
    /// Not the certificate the user accepted for this host, nor one with
    /// the same key: someone may be impersonating the host.
    IdentityChanged {
        /// When the accepted certificate was added, Unix seconds.
        since: i64,
    },
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
            Self::IdentityChanged { .. } => "HOST_IDENTITY_CHANGED",
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
            Self::IdentityChanged { since } => format!(
                "the host's identity has changed: this is not the certificate you accepted on {}, and its key is different",
                utc(*since)
            ),
        }
    }
}

impl Problem {
    /// [`Self::explain`] as a message, for the window and the terminal to
    /// put into their language.
    #[must_use]
    pub fn reason(&self) -> Msg {
        let clock = |delta: i64| {
            if delta.abs() < 2 * 86_400 {
                "yes"
            } else {
                "no"
            }
        };
        match self {
            Self::UnknownIssuer => msg!("net-trust-unknown-issuer"),
            Self::SelfSigned => msg!("net-trust-self-signed"),
            Self::Expired { not_after, now } => msg!(
                "net-trust-expired",
                age = age_msg(now - not_after),
                date = Arg::Utc(*not_after),
                clock = clock(now - not_after)
            ),
            Self::NotYetValid { not_before, now } => msg!(
                "net-trust-not-yet-valid",
                age = age_msg(not_before - now),
                date = Arg::Utc(*not_before),
                clock = clock(not_before - now)
            ),
            Self::WrongName {
                expected,
                valid_for,
            } if valid_for.is_empty() => {
                msg!("net-trust-wrong-name-none", expected = expected.as_str())
            }
            Self::WrongName {
                expected,
                valid_for,
            } => msg!(
                "net-trust-wrong-name",
                expected = expected.as_str(),
                valid_for = Arg::List(valid_for.clone())
            ),
            Self::BadSignature => msg!("net-trust-bad-signature"),
            Self::WeakAlgorithm => msg!("net-trust-weak-algorithm"),
            Self::NotEndEntity => msg!("net-trust-not-end-entity"),
            Self::WrongPurpose => msg!("net-trust-wrong-purpose"),
            Self::Revoked => msg!("net-trust-revoked"),
            Self::BadEncoding => msg!("net-trust-bad-encoding"),
            Self::Other(what) => msg!("net-trust-other", what = what.as_str()),
            Self::IdentityChanged { since } => {
                msg!("net-trust-identity-changed", date = Arg::Utc(*since))
            }
        }
    }
}

/// [`age`] as a message (plural by the language's rules).
fn age_msg(seconds: i64) -> Msg {
    let s = seconds.unsigned_abs();
    match s {
        0..120 => msg!("net-age-seconds", n = s),
        120..7200 => msg!("net-age-minutes", n = s / 60),
        7200..172_800 => msg!("net-age-hours", n = s / 3600),
        _ => msg!("net-age-days", n = s / 86_400),
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
            // The parsed names read better than WebPKI's debug strings.
            valid_for: leaf
                .filter(|l| l.parse_error.is_none())
                .map_or_else(|| presented.clone(), CertInfo::host_names),
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

/// A trust anchor's subject as a distinguished name, formatted like
/// [`CertInfo::subject`] (so it equals the root certificate's subject), or
/// its hex DER when it cannot be parsed.
#[must_use]
pub fn anchor_name(anchor: &rustls::pki_types::TrustAnchor<'_>) -> String {
    use x509_parser::prelude::FromDer as _;
    // The anchor holds the Name's contents; parse it as the SEQUENCE it was.
    let contents = anchor.subject.as_ref();
    let mut der = vec![0x30];
    match u8::try_from(contents.len()) {
        Ok(short) if short < 0x80 => der.push(short),
        _ => {
            // Long form: 0x80 | the number of length bytes, then the length.
            let bytes = contents.len().to_be_bytes();
            let skip = bytes.iter().take_while(|b| **b == 0).count();
            let count = u8::try_from(bytes.len() - skip).unwrap_or(0);
            der.push(0x80 | count);
            der.extend_from_slice(&bytes[skip..]);
        }
    }
    der.extend_from_slice(contents);
    match x509_parser::x509::X509Name::from_der(&der) {
        Ok(([], name)) => {
            let text = name.to_string();
            if text.is_empty() {
                "a root with an empty name".to_string()
            } else {
                text
            }
        }
        _ => crate::net::certinfo::hex(contents),
    }
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

/// What to do with a chain, given what verification said and what the
/// user has accepted before.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Trust it.
    Accept {
        /// Why.
        basis: TrustBasis,
        /// An entry to write to the known-hosts store.
        store: Option<PinEntry>,
        /// Something the user should be told.
        notice: Option<Msg>,
    },
    /// Refuse it.
    Refuse {
        /// Why.
        problem: Problem,
        /// What was known about this host, when that is why.
        previous: Option<PinEntry>,
        /// Whether the user may make an exception (never for a changed
        /// identity, nor for a host that was verified by a CA before).
        can_proceed: bool,
    },
}

/// The trust decision, as a pure function: `problem` is what WebPKI said
/// (`None`: verified to `anchor`), `known` the stored entry for `target`,
/// `pins` the exact certificates the user accepts now, `remember` whether
/// such an exception is to be stored.
#[must_use]
pub fn decide(
    target: &str,
    leaf: &CertInfo,
    problem: Option<Problem>,
    anchor: &str,
    known: Option<&PinEntry>,
    pins: &[[u8; 32]],
    remember: bool,
) -> Decision {
    let basis = |problem: Option<Problem>, matched: PinMatch| match problem {
        None => TrustBasis::Verified {
            anchor: anchor.to_string(),
        },
        Some(problem) => TrustBasis::Pinned { problem, matched },
    };
    match known {
        Some(k) if k.kind == PinKind::Pinned => {
            if leaf.sha256 == k.cert.sha256 {
                Decision::Accept {
                    basis: basis(problem, PinMatch::ExactCertificate),
                    store: None,
                    notice: None,
                }
            } else if leaf.same_key(&k.cert) {
                Decision::Accept {
                    basis: basis(problem, PinMatch::SameKey),
                    store: Some(PinEntry::new(target, PinKind::Pinned, leaf.clone())),
                    notice: Some(msg!(
                        "net-pin-renewed",
                        target = target,
                        date = Arg::Utc(k.added)
                    )),
                }
            } else {
                Decision::Refuse {
                    problem: Problem::IdentityChanged { since: k.added },
                    previous: Some(k.clone()),
                    can_proceed: false,
                }
            }
        }
        Some(k) => match problem {
            None => Decision::Accept {
                basis: basis(None, PinMatch::ExactCertificate),
                store: (leaf.sha256 != k.cert.sha256)
                    .then(|| PinEntry::new(target, PinKind::Verified, leaf.clone())),
                notice: None,
            },
            Some(problem) => Decision::Refuse {
                problem,
                previous: Some(k.clone()),
                can_proceed: false,
            },
        },
        None => match problem {
            None => Decision::Accept {
                basis: basis(None, PinMatch::ExactCertificate),
                store: Some(PinEntry::new(target, PinKind::Verified, leaf.clone())),
                notice: None,
            },
            Some(problem) if pins.contains(&leaf.sha256) => Decision::Accept {
                basis: basis(Some(problem), PinMatch::ExactCertificate),
                store: remember.then(|| PinEntry::new(target, PinKind::Pinned, leaf.clone())),
                notice: remember.then(|| msg!("net-exception-remembered", target = target)),
            },
            Some(problem) => Decision::Refuse {
                problem,
                previous: None,
                can_proceed: true,
            },
        },
    }
}

/// What the verifier decided, with the chain it was shown.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The decision.
    pub decision: Decision,
    /// The chain, leaf first.
    pub chain: Vec<CertInfo>,
}

/// The member's certificate verifier: WebPKI first, then what the user has
/// accepted (see [`decide`]); it remembers the chain and the decision so the
/// UI can show both. Signatures on the handshake are always checked, so a
/// pinned host must still prove it holds the certificate's key.
#[derive(Debug)]
pub struct MemberVerifier {
    webpki: Option<Arc<WebPkiServerVerifier>>,
    roots: Arc<RootCertStore>,
    provider: Arc<CryptoProvider>,
    target: String,
    known: Option<PinEntry>,
    pins: Vec<[u8; 32]>,
    remember: bool,
    outcome: Mutex<Option<Outcome>>,
    scheme: Mutex<Option<SignatureScheme>>,
}

impl MemberVerifier {
    /// A verifier for `target` over these roots, with what is known of it
    /// and the exact certificate pins the user accepts now.
    #[must_use]
    pub fn new(
        roots: RootCertStore,
        provider: Arc<CryptoProvider>,
        target: String,
        known: Option<PinEntry>,
        pins: Vec<[u8; 32]>,
        remember: bool,
    ) -> Self {
        // An empty root store cannot build a WebPKI verifier; then nothing
        // verifies by CA and only pins can be accepted.
        let roots = Arc::new(roots);
        let webpki = WebPkiServerVerifier::builder_with_provider(roots.clone(), provider.clone())
            .build()
            .ok();
        Self {
            webpki,
            roots,
            provider,
            target,
            known,
            pins,
            remember,
            outcome: Mutex::new(None),
            scheme: Mutex::new(None),
        }
    }

    /// The decision about the last chain verified, if any.
    pub fn outcome(&self) -> Option<Outcome> {
        self.outcome.lock().ok().and_then(|o| o.clone())
    }

    /// The signature scheme the server signed the handshake with.
    pub fn signature_scheme(&self) -> Option<SignatureScheme> {
        self.scheme.lock().ok().and_then(|s| *s)
    }

    /// The subject of the trust anchor that a chain verifies to. rustls'
    /// verifier does not say which one it used, so the path is built again
    /// with WebPKI exactly as rustls builds it (same roots, intermediates,
    /// algorithms, time and usage, no revocation lists), and its anchor is
    /// named. `None` when no path verifies.
    fn verified_anchor(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Option<String> {
        let cert = webpki::EndEntityCert::try_from(end_entity).ok()?;
        let path = cert
            .verify_for_usage(
                self.provider.signature_verification_algorithms.all,
                &self.roots.roots,
                intermediates,
                now,
                webpki::KeyUsage::server_auth(),
                None,
                None,
            )
            .ok()?;
        Some(anchor_name(path.anchor()))
    }

    fn record_scheme(&self, scheme: SignatureScheme) {
        if let Ok(mut slot) = self.scheme.lock() {
            *slot = Some(scheme);
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
        let problem = match &result {
            Ok(_) => None,
            Err(rustls::Error::InvalidCertificate(e)) => Some(classify(e, &chain, secs(now))),
            Err(other) => Some(Problem::Other(other.to_string())),
        };
        let anchor = match &result {
            Ok(_) => self
                .verified_anchor(end_entity, intermediates, now)
                .unwrap_or_else(|| "a trusted root".to_string()),
            Err(_) => String::new(),
        };
        let Some(leaf) = chain.first() else {
            return Err(rustls::Error::InvalidCertificate(
                CertificateError::BadEncoding,
            ));
        };
        let decision = decide(
            &self.target,
            leaf,
            problem,
            &anchor,
            self.known.as_ref(),
            &self.pins,
            self.remember,
        );
        let accepted = matches!(decision, Decision::Accept { .. });
        if let Ok(mut slot) = self.outcome.lock() {
            *slot = Some(Outcome { decision, chain });
        }
        match (accepted, result) {
            (true, _) => Ok(ServerCertVerified::assertion()),
            (false, Err(e)) => Err(e),
            // Verified by a CA, yet refused: the key differs from the one
            // the user pinned for this host.
            (false, Ok(_)) => Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            )),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.record_scheme(dss.scheme);
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
        self.record_scheme(dss.scheme);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(key: &rcgen::KeyPair, name: &str) -> CertInfo {
        let c = rcgen::CertificateParams::new(vec![name.to_string()])
            .unwrap()
            .self_signed(key)
            .unwrap();
        CertInfo::from_der(c.der())
    }

    fn pinned(kind: PinKind, c: &CertInfo) -> PinEntry {
        PinEntry {
            target: "h:1".into(),
            kind,
            cert: c.clone(),
            added: 1_700_000_000,
        }
    }

    /// Every problem's reason in English says what `explain` says, and in
    /// Chinese says it in Chinese (no English words but names).
    #[test]
    fn reasons_in_both_languages() {
        use crate::i18n::Lang;
        let now = 1_796_652_309;
        let problems = [
            Problem::UnknownIssuer,
            Problem::SelfSigned,
            Problem::Expired {
                not_after: now - 3 * 86_400,
                now,
            },
            Problem::Expired {
                not_after: now - 3 * 3600,
                now,
            },
            Problem::NotYetValid {
                not_before: now + 300,
                now,
            },
            Problem::WrongName {
                expected: "h.test".into(),
                valid_for: vec!["a.test".into(), "b.test".into()],
            },
            Problem::WrongName {
                expected: "h.test".into(),
                valid_for: vec![],
            },
            Problem::BadSignature,
            Problem::WeakAlgorithm,
            Problem::NotEndEntity,
            Problem::WrongPurpose,
            Problem::Revoked,
            Problem::BadEncoding,
            Problem::Other("Bogus".into()),
            Problem::IdentityChanged { since: now },
        ];
        for p in problems {
            assert_eq!(p.reason().text_in(Lang::En), p.explain());
            let zh = p.reason().text_in(Lang::ZhCn);
            assert!(zh.contains("证书") || zh.contains("签名"), "{zh}");
            assert!(!zh.contains("the "), "{zh}");
        }
        let zh = Problem::Expired {
            not_after: now - 3 * 3600,
            now,
        }
        .reason()
        .text_in(Lang::ZhCn);
        assert_eq!(
            zh,
            "该证书已于 2026年12月7日 11:05:09 UTC 过期，距今 3 小时（如果这看起来不对，请检查这台电脑的时钟）"
        );
    }

    #[test]
    fn first_visits() {
        let key = rcgen::KeyPair::generate().unwrap();
        let c = cert(&key, "h");
        // Verified: trusted, and remembered as verified.
        let d = decide("h:1", &c, None, "CN=Root", None, &[], false);
        assert!(
            matches!(d, Decision::Accept { basis: TrustBasis::Verified { .. }, store: Some(ref e), .. } if e.kind == PinKind::Verified)
        );
        // Not verified, no pin: refused, and an exception is possible.
        let d = decide("h:1", &c, Some(Problem::SelfSigned), "", None, &[], false);
        assert_eq!(
            d,
            Decision::Refuse {
                problem: Problem::SelfSigned,
                previous: None,
                can_proceed: true
            }
        );
        // Not verified, exact pin: accepted once, or remembered.
        let d = decide(
            "h:1",
            &c,
            Some(Problem::SelfSigned),
            "",
            None,
            &[c.sha256],
            false,
        );
        assert!(matches!(d, Decision::Accept { store: None, .. }));
        let d = decide(
            "h:1",
            &c,
            Some(Problem::SelfSigned),
            "",
            None,
            &[c.sha256],
            true,
        );
        assert!(
            matches!(d, Decision::Accept { store: Some(ref e), .. } if e.kind == PinKind::Pinned)
        );
    }

    #[test]
    fn pinned_hosts_keep_their_key() {
        let key = rcgen::KeyPair::generate().unwrap();
        let old = cert(&key, "h");
        let renewed = cert(&key, "h2");
        let other = cert(&rcgen::KeyPair::generate().unwrap(), "h");
        let entry = pinned(PinKind::Pinned, &old);
        let d = decide(
            "h:1",
            &old,
            Some(Problem::SelfSigned),
            "",
            Some(&entry),
            &[],
            false,
        );
        assert!(matches!(
            d,
            Decision::Accept {
                store: None,
                notice: None,
                ..
            }
        ));
        // Same key, new certificate: accepted with a notice, pin updated.
        let d = decide(
            "h:1",
            &renewed,
            Some(Problem::SelfSigned),
            "",
            Some(&entry),
            &[],
            false,
        );
        assert!(
            matches!(d, Decision::Accept { store: Some(ref e), notice: Some(_), .. } if e.cert.sha256 == renewed.sha256)
        );
        // Another key: identity changed, no way through, not even a new pin
        // or a CA's say-so.
        for problem in [Some(Problem::SelfSigned), None] {
            let d = decide(
                "h:1",
                &other,
                problem,
                "CN=Root",
                Some(&entry),
                &[other.sha256],
                true,
            );
            assert_eq!(
                d,
                Decision::Refuse {
                    problem: Problem::IdentityChanged {
                        since: 1_700_000_000
                    },
                    previous: Some(entry.clone()),
                    can_proceed: false
                }
            );
        }
    }

    #[test]
    fn once_verified_hosts_cannot_be_bypassed() {
        let key = rcgen::KeyPair::generate().unwrap();
        let old = cert(&key, "h");
        let new = cert(&rcgen::KeyPair::generate().unwrap(), "h");
        let entry = pinned(PinKind::Verified, &old);
        // A renewed, verified certificate (even with a new key) is fine.
        let d = decide("h:1", &new, None, "CN=Root", Some(&entry), &[], false);
        assert!(matches!(d, Decision::Accept { store: Some(_), .. }));
        // A failure is refused without the option of an exception.
        let d = decide(
            "h:1",
            &new,
            Some(Problem::UnknownIssuer),
            "",
            Some(&entry),
            &[new.sha256],
            true,
        );
        assert_eq!(
            d,
            Decision::Refuse {
                problem: Problem::UnknownIssuer,
                previous: Some(entry),
                can_proceed: false
            }
        );
    }

    #[test]
    fn unparseable_certificates_are_never_the_same_key() {
        // Two certificates no parser can read used to share an all-zero
        // key hash, so the second counted as a renewal of the first.
        let old = CertInfo::from_der(b"\x30\x03\x02\x01\x01 first");
        let new = CertInfo::from_der(b"\x30\x03\x02\x01\x01 second");
        assert_ne!(old.sha256, new.sha256);
        let entry = pinned(PinKind::Pinned, &old);
        let d = decide(
            "h:1",
            &new,
            Some(Problem::BadEncoding),
            "",
            Some(&entry),
            &[],
            false,
        );
        assert_eq!(
            d,
            Decision::Refuse {
                problem: Problem::IdentityChanged {
                    since: 1_700_000_000
                },
                previous: Some(entry.clone()),
                can_proceed: false
            }
        );
        // A parseable certificate after an unparseable pin: changed too.
        let key = rcgen::KeyPair::generate().unwrap();
        let good = cert(&key, "h");
        let d = decide("h:1", &good, None, "CN=R", Some(&entry), &[], false);
        assert!(matches!(
            d,
            Decision::Refuse {
                problem: Problem::IdentityChanged { .. },
                ..
            }
        ));
        // The exact certificate pinned is still accepted by its fingerprint.
        let d = decide(
            "h:1",
            &old,
            Some(Problem::BadEncoding),
            "",
            Some(&entry),
            &[],
            false,
        );
        assert!(matches!(d, Decision::Accept { store: None, .. }));
    }

    #[test]
    fn anchor_names_read_like_certificate_subjects() {
        let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        p.distinguished_name
            .push(rcgen::DnType::OrganizationName, "Example Org");
        p.distinguished_name
            .push(rcgen::DnType::CommonName, "Example Root");
        p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let root = p.self_signed(&rcgen::KeyPair::generate().unwrap()).unwrap();
        let anchor = webpki::anchor_from_trusted_cert(root.der()).unwrap();
        let info = CertInfo::from_der(root.der());
        assert_eq!(anchor_name(&anchor), info.subject);
        assert!(info.subject.contains("CN=Example Root"), "{}", info.subject);
        // A long name (length in long form) reads the same way.
        let long = "x".repeat(300);
        let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        p.distinguished_name
            .push(rcgen::DnType::CommonName, long.as_str());
        p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let root = p.self_signed(&rcgen::KeyPair::generate().unwrap()).unwrap();
        let anchor = webpki::anchor_from_trusted_cert(root.der()).unwrap();
        assert_eq!(anchor_name(&anchor), format!("CN={long}"));
    }

    #[test]
    fn near_dates_mention_the_clock() {
        let p = Problem::Expired {
            not_after: 1_000_000,
            now: 1_000_000 + 3600,
        };
        assert!(
            p.explain().contains("check this computer's clock"),
            "{}",
            p.explain()
        );
        let p = Problem::Expired {
            not_after: 1_000_000,
            now: 1_000_000 + 30 * 86_400,
        };
        assert!(!p.explain().contains("clock"));
        assert!(p.explain().contains("30 days ago"));
    }
}
