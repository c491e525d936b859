//! A certificate parsed into plain data: every field a certificate viewer shows.

use std::fmt::Write as _;

use x509_parser::prelude::*;
use x509_parser::public_key::PublicKey;

/// One extension of a certificate, by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtensionInfo {
    /// Short name (e.g. `subjectAltName`), or the dotted OID when unknown.
    pub name: String,
    /// Dotted OID.
    pub oid: String,
    /// Whether the extension is marked critical.
    pub critical: bool,
}

/// A key usage of the key usage extension (RFC 5280 4.2.1.3), in the
/// extension's order; put into words where it is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyUse {
    /// digitalSignature.
    DigitalSignature,
    /// nonRepudiation (contentCommitment).
    NonRepudiation,
    /// keyEncipherment.
    KeyEncipherment,
    /// dataEncipherment.
    DataEncipherment,
    /// keyAgreement.
    KeyAgreement,
    /// keyCertSign.
    KeyCertSign,
    /// cRLSign.
    CrlSign,
    /// encipherOnly.
    EncipherOnly,
    /// decipherOnly.
    DecipherOnly,
}

impl KeyUse {
    /// Every usage, in the order of the extension's bits.
    pub const ALL: [Self; 9] = [
        Self::DigitalSignature,
        Self::NonRepudiation,
        Self::KeyEncipherment,
        Self::DataEncipherment,
        Self::KeyAgreement,
        Self::KeyCertSign,
        Self::CrlSign,
        Self::EncipherOnly,
        Self::DecipherOnly,
    ];
}

/// An extended key usage (what the key may be used for); put into words
/// where it is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyPurpose {
    /// anyExtendedKeyUsage.
    Any,
    /// TLS server authentication.
    ServerAuth,
    /// TLS client authentication.
    ClientAuth,
    /// Code signing.
    CodeSigning,
    /// Email protection.
    EmailProtection,
    /// Time stamping.
    TimeStamping,
    /// OCSP signing.
    OcspSigning,
    /// Another purpose, by its OID's short name (or the dotted OID).
    Other(String),
}

/// A certificate's public key: its algorithm and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKeyInfo {
    /// The algorithm, with the curve for EC: `EC P-256`, `RSA`, `Ed25519`,
    /// or the algorithm's OID name when unknown.
    pub algorithm: String,
    /// The key's size in bits, when known.
    pub bits: Option<usize>,
}

impl std::fmt::Display for PublicKeyInfo {
    /// `EC P-256 (256 bits)`, or the algorithm alone.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.bits {
            Some(bits) => write!(f, "{} ({bits} bits)", self.algorithm),
            None => f.write_str(&self.algorithm),
        }
    }
}

/// A certificate, parsed. Built from DER; fields that could not be parsed
/// are empty and [`CertInfo::parse_error`] says why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    /// The DER encoding (for export as PEM).
    pub der: Vec<u8>,
    /// Why parsing failed, if it did (the parser's own words).
    pub parse_error: Option<String>,
    /// X.509 version as people count it (1, 2 or 3).
    pub version: u32,
    /// Serial number, colon-separated hex.
    pub serial: String,
    /// Subject distinguished name.
    pub subject: String,
    /// Subject common name, if any.
    pub subject_cn: Option<String>,
    /// Issuer distinguished name.
    pub issuer: String,
    /// Issuer common name, if any.
    pub issuer_cn: Option<String>,
    /// Start of validity, seconds since the Unix epoch.
    pub not_before: i64,
    /// End of validity, seconds since the Unix epoch.
    pub not_after: i64,
    /// Subject alternative names, as `DNS:name`, `IP:addr`, `email:…`, `URI:…`.
    pub sans: Vec<String>,
    /// Public key algorithm and size, e.g. `EC P-256 (256 bits)`.
    pub public_key: PublicKeyInfo,
    /// Signature algorithm, e.g. `ecdsa-with-SHA256`.
    pub signature_algorithm: String,
    /// SHA-256 of the whole certificate.
    pub sha256: [u8; 32],
    /// SHA-1 of the whole certificate (as browsers still show it).
    pub sha1: [u8; 20],
    /// SHA-256 of the SubjectPublicKeyInfo (what a key pin compares), as
    /// WebPKI (the parser that verifies certificates) reads it; `None` when
    /// WebPKI cannot parse the certificate: such a certificate has no key
    /// anyone verified, and never counts as "the same key" as another.
    pub spki_sha256: Option<[u8; 32]>,
    /// Basic constraints: `Some(true)` for a CA, `Some(false)` when present
    /// and not a CA, `None` when absent.
    pub is_ca: Option<bool>,
    /// Path length constraint, if any.
    pub path_len: Option<u32>,
    /// Key usages.
    pub key_usage: Vec<KeyUse>,
    /// Extended key usages.
    pub extended_key_usage: Vec<KeyPurpose>,
    /// Subject key identifier, colon hex.
    pub subject_key_id: Option<String>,
    /// Authority key identifier, colon hex.
    pub authority_key_id: Option<String>,
    /// Every extension, in order.
    pub extensions: Vec<ExtensionInfo>,
}

/// Lowercase hex without separators.
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Uppercase hex with colons, as certificate viewers show it.
#[must_use]
pub fn colon_hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        let _ = write!(s, "{b:02X}");
    }
    s
}

/// A SHA-256 fingerprint as tlschat prints and accepts it: `SHA256:` + hex.
#[must_use]
pub fn fingerprint(sha256: &[u8; 32]) -> String {
    format!("SHA256:{}", hex(sha256))
}

/// The start of a fingerprint, enough to recognise at a glance: `SHA256:`
/// and the first 8 bytes in hex, then `…` (`SHA256:ab12cd34ef56ab78…`).
#[must_use]
pub fn short_fingerprint(sha256: &[u8; 32]) -> String {
    format!("SHA256:{}…", hex(&sha256[..8]))
}

/// Parses `SHA256:HEX` (hex with or without colons, any case; the prefix is
/// optional) into the 32 bytes of a SHA-256 fingerprint.
pub fn parse_fingerprint(text: &str) -> Result<[u8; 32], String> {
    let t = text.trim();
    let t = t
        .strip_prefix("SHA256:")
        .or_else(|| t.strip_prefix("sha256:"))
        .unwrap_or(t);
    let digits: String = t.chars().filter(|c| *c != ':').collect();
    if digits.len() != 64 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!(
            "{} is not a SHA-256 fingerprint (expected SHA256: and 64 hex digits)",
            crate::net::safe_text::quoted(text)
        ));
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&digits[i * 2..i * 2 + 2], 16).map_err(|e| {
            format!(
                "{} is not a SHA-256 fingerprint: {e}",
                crate::net::safe_text::quoted(text)
            )
        })?;
    }
    Ok(out)
}

/// SHA-256 of some bytes.
#[must_use]
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    <sha2::Sha256 as sha2::Digest>::digest(bytes).into()
}

/// SHA-256 of the SubjectPublicKeyInfo of an end-entity certificate, parsed
/// by WebPKI exactly as rustls parses it for verification (and for the
/// handshake signature), so the hash is of the key that was verified.
/// `None` when WebPKI refuses to parse it.
#[must_use]
pub fn verified_spki_sha256(der: &[u8]) -> Option<[u8; 32]> {
    let der = rustls::pki_types::CertificateDer::from(der);
    let cert = webpki::EndEntityCert::try_from(&der).ok()?;
    Some(sha256(cert.subject_public_key_info().as_ref()))
}

fn curve_name(oid: &str) -> &str {
    match oid {
        "1.2.840.10045.3.1.7" => "P-256",
        "1.3.132.0.34" => "P-384",
        "1.3.132.0.35" => "P-521",
        "1.3.132.0.10" => "secp256k1",
        other => other,
    }
}

fn oid_name(oid: &x509_parser::der_parser::oid::Oid<'_>) -> String {
    oid2sn(oid, oid_registry()).map_or_else(|_| oid.to_id_string(), str::to_string)
}

fn common_name(name: &X509Name<'_>) -> Option<String> {
    name.iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(shown)
}

/// A name from the certificate as it may be shown: whoever made the
/// certificate chose these bytes, so escapes and bidi controls in them are
/// made visible (see [`crate::net::safe_text`]).
fn shown(text: &str) -> String {
    crate::net::safe_text::visible_line(text).into_owned()
}

fn describe_public_key(cert: &X509Certificate<'_>) -> PublicKeyInfo {
    let spki = cert.public_key();
    let alg = spki.algorithm.algorithm.to_id_string();
    let (algorithm, bits) = match (alg.as_str(), spki.parsed()) {
        ("1.3.101.112", _) => ("Ed25519".to_string(), Some(256)),
        ("1.3.101.113", _) => ("Ed448".to_string(), Some(456)),
        (_, Ok(PublicKey::RSA(rsa))) => ("RSA".to_string(), Some(rsa.key_size())),
        (_, Ok(PublicKey::EC(ec))) => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map_or_else(|| "unknown curve".to_string(), |o| o.to_id_string());
            (format!("EC {}", curve_name(&curve)), Some(ec.key_size()))
        }
        _ => (oid_name(&spki.algorithm.algorithm), None),
    };
    PublicKeyInfo { algorithm, bits }
}

fn key_purposes(eku: &ExtendedKeyUsage<'_>) -> Vec<KeyPurpose> {
    let flags = [
        (eku.any, KeyPurpose::Any),
        (eku.server_auth, KeyPurpose::ServerAuth),
        (eku.client_auth, KeyPurpose::ClientAuth),
        (eku.code_signing, KeyPurpose::CodeSigning),
        (eku.email_protection, KeyPurpose::EmailProtection),
        (eku.time_stamping, KeyPurpose::TimeStamping),
        (eku.ocsp_signing, KeyPurpose::OcspSigning),
    ];
    let mut v: Vec<KeyPurpose> = flags
        .into_iter()
        .filter_map(|(on, purpose)| on.then_some(purpose))
        .collect();
    v.extend(eku.other.iter().map(|o| KeyPurpose::Other(oid_name(o))));
    v
}

fn san_strings(cert: &X509Certificate<'_>) -> Vec<String> {
    let Ok(Some(san)) = cert.subject_alternative_name() else {
        return Vec::new();
    };
    san.value
        .general_names
        .iter()
        .map(|name| match name {
            GeneralName::DNSName(d) => format!("DNS:{}", shown(d)),
            GeneralName::IPAddress(b) => match b.len() {
                4 => {
                    let a: [u8; 4] = [b[0], b[1], b[2], b[3]];
                    format!("IP:{}", std::net::Ipv4Addr::from(a))
                }
                16 => {
                    let mut a = [0u8; 16];
                    a.copy_from_slice(b);
                    format!("IP:{}", std::net::Ipv6Addr::from(a))
                }
                _ => format!("IP:{}", colon_hex(b)),
            },
            GeneralName::RFC822Name(e) => format!("email:{}", shown(e)),
            GeneralName::URI(u) => format!("URI:{}", shown(u)),
            GeneralName::DirectoryName(n) => format!("DirName:{}", shown(&n.to_string())),
            other => shown(&format!("{other:?}")),
        })
        .collect()
}

impl CertInfo {
    /// Parses a DER certificate. Never fails: a certificate that does not
    /// parse still has its fingerprints, and `parse_error` says why.
    #[must_use]
    pub fn from_der(der: &[u8]) -> Self {
        let mut info = Self {
            der: der.to_vec(),
            parse_error: None,
            version: 0,
            serial: String::new(),
            subject: String::new(),
            subject_cn: None,
            issuer: String::new(),
            issuer_cn: None,
            not_before: 0,
            not_after: 0,
            sans: Vec::new(),
            public_key: PublicKeyInfo {
                algorithm: String::new(),
                bits: None,
            },
            signature_algorithm: String::new(),
            sha256: sha256(der),
            sha1: <sha1::Sha1 as sha1::Digest>::digest(der).into(),
            spki_sha256: verified_spki_sha256(der),
            is_ca: None,
            path_len: None,
            key_usage: Vec::new(),
            extended_key_usage: Vec::new(),
            subject_key_id: None,
            authority_key_id: None,
            extensions: Vec::new(),
        };
        let cert = match X509Certificate::from_der(der) {
            Ok((_, cert)) => cert,
            Err(e) => {
                info.parse_error = Some(e.to_string());
                return info;
            }
        };
        info.version = cert.version().0 + 1;
        info.serial = cert.raw_serial_as_string().to_uppercase();
        info.subject = shown(&cert.subject().to_string());
        info.subject_cn = common_name(cert.subject());
        info.issuer = shown(&cert.issuer().to_string());
        info.issuer_cn = common_name(cert.issuer());
        info.not_before = cert.validity().not_before.timestamp();
        info.not_after = cert.validity().not_after.timestamp();
        info.sans = san_strings(&cert);
        info.public_key = describe_public_key(&cert);
        info.signature_algorithm = oid_name(&cert.signature_algorithm.algorithm);
        if let Ok(Some(bc)) = cert.basic_constraints() {
            info.is_ca = Some(bc.value.ca);
            info.path_len = bc.value.path_len_constraint;
        }
        if let Ok(Some(ku)) = cert.key_usage() {
            // The extension's bits, in order (RFC 5280 4.2.1.3).
            info.key_usage = KeyUse::ALL
                .into_iter()
                .enumerate()
                .filter(|(bit, _)| (ku.value.flags >> bit) & 1 == 1)
                .map(|(_, usage)| usage)
                .collect();
        }
        if let Ok(Some(eku)) = cert.extended_key_usage() {
            info.extended_key_usage = key_purposes(eku.value);
        }
        for ext in cert.extensions() {
            match ext.parsed_extension() {
                ParsedExtension::SubjectKeyIdentifier(id) => {
                    info.subject_key_id = Some(colon_hex(id.0));
                }
                ParsedExtension::AuthorityKeyIdentifier(aki) => {
                    info.authority_key_id = aki.key_identifier.as_ref().map(|k| colon_hex(k.0));
                }
                _ => {}
            }
            info.extensions.push(ExtensionInfo {
                name: oid_name(&ext.oid),
                oid: ext.oid.to_id_string(),
                critical: ext.critical,
            });
        }
        info
    }

    /// Whether both certificates have the same verified public key. A
    /// certificate without one (see [`CertInfo::spki_sha256`]) has the same
    /// key as nothing, not even itself.
    #[must_use]
    pub fn same_key(&self, other: &Self) -> bool {
        matches!((self.spki_sha256, other.spki_sha256), (Some(a), Some(b)) if a == b)
    }

    /// The key's SHA-256 as `SHA256:hex`, or why there is none (in the
    /// thread's language: this is words for the window or the terminal).
    #[must_use]
    pub fn key_fingerprint(&self) -> String {
        self.spki_sha256
            .map_or_else(|| crate::tr!("cert-no-key"), |k| fingerprint(&k))
    }

    /// The name to show for this certificate: its CN, else its subject.
    #[must_use]
    pub fn display_name(&self) -> &str {
        self.subject_cn.as_deref().unwrap_or(&self.subject)
    }

    /// Whether subject and issuer are the same name (self-issued).
    #[must_use]
    pub fn is_self_issued(&self) -> bool {
        self.parse_error.is_none() && self.subject == self.issuer
    }

    /// The certificate's names that a client may connect by (SAN DNS and IP
    /// entries, without their prefixes).
    #[must_use]
    pub fn host_names(&self) -> Vec<String> {
        self.sans
            .iter()
            .filter_map(|s| s.strip_prefix("DNS:").or_else(|| s.strip_prefix("IP:")))
            .map(str::to_string)
            .collect()
    }

    /// The certificate as PEM text.
    #[must_use]
    pub fn to_pem(&self) -> String {
        crate::net::pem::to_pem("CERTIFICATE", &self.der)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_round_trips_in_every_accepted_spelling() {
        let bytes: [u8; 32] = std::array::from_fn(|i| u8::try_from(i * 7 % 256).unwrap_or(0));
        let plain = fingerprint(&bytes);
        assert_eq!(parse_fingerprint(&plain), Ok(bytes));
        assert_eq!(parse_fingerprint(&colon_hex(&bytes)), Ok(bytes));
        assert_eq!(
            parse_fingerprint(&format!("sha256:{}", hex(&bytes))),
            Ok(bytes)
        );
        assert!(parse_fingerprint("SHA256:abcd").is_err());
        assert!(parse_fingerprint(&format!("SHA256:{}zz", &hex(&bytes)[2..])).is_err());
    }

    #[test]
    fn the_short_fingerprint_is_the_start_of_the_full_one() {
        let bytes: [u8; 32] = std::array::from_fn(|i| u8::try_from(i * 13 % 256).unwrap_or(0));
        let full = fingerprint(&bytes);
        assert_eq!(short_fingerprint(&bytes), format!("{}…", &full[..7 + 16]));
    }

    #[test]
    fn parses_a_generated_certificate() {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params =
            rcgen::CertificateParams::new(vec!["chat.example".into(), "127.0.0.1".into()]).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "chat.example");
        let cert = params.self_signed(&key).unwrap();
        let info = CertInfo::from_der(cert.der());
        assert_eq!(info.parse_error, None);
        assert_eq!(info.version, 3);
        assert_eq!(info.subject_cn.as_deref(), Some("chat.example"));
        assert_eq!(info.sans, vec!["DNS:chat.example", "IP:127.0.0.1"]);
        assert_eq!(info.public_key.to_string(), "EC P-256 (256 bits)");
        assert_eq!(info.signature_algorithm, "ecdsa-with-SHA256");
        assert_eq!(info.sha256, sha256(cert.der()));
        assert_eq!(
            info.spki_sha256,
            Some(sha256(&rcgen::PublicKeyData::subject_public_key_info(&key)))
        );
        assert!(info.is_self_issued());
        assert!(info.extensions.iter().any(|e| e.name == "subjectAltName"));
    }

    #[test]
    fn key_usages_are_read_bit_by_bit() {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["h".into()]).unwrap();
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::DigitalSignature,
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::DecipherOnly,
        ];
        params.extended_key_usages = vec![
            rcgen::ExtendedKeyUsagePurpose::ServerAuth,
            rcgen::ExtendedKeyUsagePurpose::ClientAuth,
        ];
        let info = CertInfo::from_der(params.self_signed(&key).unwrap().der());
        assert_eq!(
            info.key_usage,
            [
                KeyUse::DigitalSignature,
                KeyUse::KeyCertSign,
                KeyUse::DecipherOnly
            ]
        );
        assert_eq!(
            info.extended_key_usage,
            [KeyPurpose::ServerAuth, KeyPurpose::ClientAuth]
        );
    }

    #[test]
    fn names_chosen_by_the_certificate_maker_are_shown_not_interpreted() {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params =
            rcgen::CertificateParams::new(vec!["x\x1b]0;t\x07.example".into()]).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "evil\x1b[2J\u{202e}moc");
        params.distinguished_name.push(
            rcgen::DnType::OrganizationName,
            "O\n    fingerprint: SHA256:00",
        );
        let cert = params.self_signed(&key).unwrap();
        let info = CertInfo::from_der(cert.der());
        let fields = [
            info.subject.clone(),
            info.issuer.clone(),
            info.subject_cn.clone().unwrap_or_default(),
            info.sans.join(" "),
            info.display_name().to_string(),
        ];
        for f in &fields {
            assert!(
                !f.chars().any(crate::net::safe_text::is_hidden),
                "{f:?} holds a character that is not shown as itself"
            );
        }
        assert_eq!(info.subject_cn.as_deref(), Some("evil\\x1b[2J\\u{202e}moc"));
        assert_eq!(info.sans, vec!["DNS:x\\x1b]0;t\\x07.example"]);
        assert!(
            info.subject.contains("O\\n    fingerprint"),
            "{}",
            info.subject
        );
        assert!(info.is_self_issued());
    }

    #[test]
    fn garbage_still_has_a_fingerprint() {
        let info = CertInfo::from_der(b"not a certificate");
        assert!(info.parse_error.is_some());
        assert_eq!(info.sha256, sha256(b"not a certificate"));
        assert_eq!(info.spki_sha256, None);
    }

    #[test]
    fn unparseable_certificates_never_share_a_key() {
        let a = CertInfo::from_der(b"not a certificate");
        let b = CertInfo::from_der(b"not one either");
        assert!(!a.same_key(&b));
        assert!(!a.same_key(&a), "not even with itself");
        // A certificate WebPKI refuses (here: its DER cut short by a byte)
        // has no key either, whatever else can be read from it.
        let key = rcgen::KeyPair::generate().unwrap();
        let good = rcgen::CertificateParams::new(vec!["h".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let der = good.der().to_vec();
        let cut = CertInfo::from_der(&der[..der.len() - 1]);
        assert_eq!(cut.spki_sha256, None);
        let whole = CertInfo::from_der(&der);
        assert!(whole.same_key(&whole));
        assert!(!whole.same_key(&cut) && !cut.same_key(&whole));
    }
}
