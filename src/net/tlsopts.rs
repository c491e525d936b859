//! What the user may change about TLS to experiment with it: the version
//! (`--tls-version`), the key-exchange groups (`--groups`), writing the
//! session secrets to a key log (`--keylog`, `SSLKEYLOGFILE`), and
//! recording handshakes (`--show-handshake`). Never anything that weakens
//! verification.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::crypto::aws_lc_rs::kx_group;
use rustls::crypto::{CryptoProvider, SupportedKxGroup};

use crate::net::safe_text::quoted;

/// The TLS version of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsVersion {
    /// TLS 1.2.
    Tls12,
    /// TLS 1.3.
    Tls13,
}

impl std::fmt::Display for TlsVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Tls12 => "TLS 1.2",
            Self::Tls13 => "TLS 1.3",
        })
    }
}

impl TryFrom<rustls::ProtocolVersion> for TlsVersion {
    type Error = rustls::ProtocolVersion;

    /// The version, if it is one this program speaks.
    fn try_from(v: rustls::ProtocolVersion) -> Result<Self, Self::Error> {
        match v {
            rustls::ProtocolVersion::TLSv1_3 => Ok(Self::Tls13),
            rustls::ProtocolVersion::TLSv1_2 => Ok(Self::Tls12),
            other => Err(other),
        }
    }
}

/// A key-exchange group the user may choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KxGroup {
    /// X25519 combined with ML-KEM-768 (post-quantum hybrid, TLS 1.3 only).
    X25519Mlkem768,
    /// X25519 (elliptic-curve Diffie-Hellman on Curve25519).
    X25519,
    /// ECDH on NIST P-256.
    Secp256r1,
    /// ECDH on NIST P-384.
    Secp384r1,
}

impl KxGroup {
    /// Every group, in the default order of preference.
    pub const ALL: [Self; 4] = [
        Self::X25519Mlkem768,
        Self::X25519,
        Self::Secp256r1,
        Self::Secp384r1,
    ];

    /// The IANA name, as rustls and Wireshark spell it.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::X25519Mlkem768 => "X25519MLKEM768",
            Self::X25519 => "X25519",
            Self::Secp256r1 => "secp256r1",
            Self::Secp384r1 => "secp384r1",
        }
    }

    /// Whether TLS 1.2 can use it.
    #[must_use]
    pub fn usable_with_tls12(self) -> bool {
        self != Self::X25519Mlkem768
    }

    fn rustls(self) -> &'static dyn SupportedKxGroup {
        match self {
            Self::X25519Mlkem768 => kx_group::X25519MLKEM768,
            Self::X25519 => kx_group::X25519,
            Self::Secp256r1 => kx_group::SECP256R1,
            Self::Secp384r1 => kx_group::SECP384R1,
        }
    }
}

impl std::fmt::Display for KxGroup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Groups in order of preference (a name of its own, so that clap takes
/// `--groups` as one value).
pub type GroupList = Vec<KxGroup>;

/// The valid group names, comma-separated.
fn valid_groups() -> String {
    KxGroup::ALL.map(KxGroup::name).join(", ")
}

/// The names of `groups`, comma-separated.
fn names(groups: &[KxGroup]) -> String {
    groups
        .iter()
        .map(|g| g.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why TLS options cannot be used, one line each.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TlsOptionsError {
    /// `--groups` names a group this program does not offer.
    #[error("unknown key-exchange group {} (valid: {})", quoted(.0), valid_groups())]
    UnknownGroup(String),
    /// `--groups` names none.
    #[error("no key-exchange group given (valid: {})", valid_groups())]
    NoGroup,
    /// `--tls-version` is neither 1.2 nor 1.3.
    #[error("unknown TLS version {} (valid: 1.2, 1.3)", quoted(.0))]
    UnknownVersion(String),
    /// TLS 1.2 only, with only groups that need TLS 1.3.
    #[error(
        "none of the key-exchange groups {} works with TLS 1.2 (X25519MLKEM768 is TLS 1.3 only; choose X25519, secp256r1 or secp384r1)",
        names(.0)
    )]
    NoneForTls12(Vec<KxGroup>),
}

impl TlsOptionsError {
    /// The error as a message, for the window and the terminal to put
    /// into their language (its display form is the English).
    #[must_use]
    pub fn msg(&self) -> crate::i18n::Msg {
        use crate::msg;
        match self {
            Self::UnknownGroup(name) => msg!(
                "net-tls-unknown-group",
                name = quoted(name),
                valid = valid_groups()
            ),
            Self::NoGroup => msg!("net-tls-no-group", valid = valid_groups()),
            Self::UnknownVersion(text) => msg!("net-tls-unknown-version", text = quoted(text)),
            Self::NoneForTls12(groups) => msg!("net-tls-none-for-tls12", groups = names(groups)),
        }
    }
}

/// Parses `--groups`: comma-separated names (any case), in order of
/// preference, each at most once. An unknown name is one line naming it
/// and the valid ones.
pub fn parse_groups(text: &str) -> Result<GroupList, TlsOptionsError> {
    let mut groups = Vec::new();
    for name in text.split(',').map(str::trim) {
        if name.is_empty() {
            continue;
        }
        let group = KxGroup::ALL
            .into_iter()
            .find(|g| g.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| TlsOptionsError::UnknownGroup(name.to_string()))?;
        if !groups.contains(&group) {
            groups.push(group);
        }
    }
    if groups.is_empty() {
        return Err(TlsOptionsError::NoGroup);
    }
    Ok(groups)
}

/// Parses `--tls-version`: `1.2` or `1.3`.
pub fn parse_version(text: &str) -> Result<TlsVersion, TlsOptionsError> {
    match text.trim() {
        "1.2" => Ok(TlsVersion::Tls12),
        "1.3" => Ok(TlsVersion::Tls13),
        other => Err(TlsOptionsError::UnknownVersion(other.to_string())),
    }
}

static ONLY_TLS13: &[&rustls::SupportedProtocolVersion] = &[&rustls::version::TLS13];
static ONLY_TLS12: &[&rustls::SupportedProtocolVersion] = &[&rustls::version::TLS12];

/// How a session's TLS is set up, beyond the safe defaults.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TlsOptions {
    /// Append every connection's secrets to this file in the NSS key log
    /// format (for Wireshark); `None` writes nothing.
    pub keylog: Option<PathBuf>,
    /// Only this TLS version; `None` offers (or accepts) 1.3 and 1.2.
    pub version: Option<TlsVersion>,
    /// Only these key-exchange groups, in this order; `None` is the
    /// default list (X25519MLKEM768, X25519, secp256r1, secp384r1).
    pub groups: Option<Vec<KxGroup>>,
    /// Host: record and decode each member's handshake, and follow its
    /// records after it (the last 64 each way). Member: follow its own
    /// records after the handshake (it always records its handshake).
    pub record_handshakes: bool,
}

impl TlsOptions {
    /// The defaults, with the key log the `SSLKEYLOGFILE` environment
    /// variable names (when it is set and not empty).
    #[must_use]
    pub fn from_env() -> Self {
        Self {
            keylog: std::env::var_os("SSLKEYLOGFILE")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
            ..Self::default()
        }
    }

    /// The crypto provider (aws-lc-rs) with the chosen groups, or why
    /// they cannot be used (one line).
    pub(crate) fn provider(&self) -> Result<Arc<CryptoProvider>, TlsOptionsError> {
        let mut provider = rustls::crypto::aws_lc_rs::default_provider();
        if let Some(groups) = &self.groups {
            let usable: Vec<KxGroup> = groups
                .iter()
                .copied()
                .filter(|g| self.version != Some(TlsVersion::Tls12) || g.usable_with_tls12())
                .collect();
            if usable.is_empty() {
                return Err(TlsOptionsError::NoneForTls12(groups.clone()));
            }
            provider.kx_groups = usable.into_iter().map(KxGroup::rustls).collect();
        }
        Ok(Arc::new(provider))
    }

    /// The protocol versions to offer or accept.
    pub(crate) fn versions(&self) -> &'static [&'static rustls::SupportedProtocolVersion] {
        match self.version {
            None => rustls::DEFAULT_VERSIONS,
            Some(TlsVersion::Tls13) => ONLY_TLS13,
            Some(TlsVersion::Tls12) => ONLY_TLS12,
        }
    }

    /// The line to warn with while secrets are written to the key log.
    #[must_use]
    pub fn keylog_warning(&self) -> Option<String> {
        self.keylog.as_ref().map(|path| keylog_warning(path))
    }
}

/// The warning for a key log at `path`.
#[must_use]
pub fn keylog_warning(path: &std::path::Path) -> String {
    format!(
        "writing TLS secrets to {} — anyone who reads it can decrypt this session",
        path.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_says_in_english_what_its_display_says_and_in_chinese_too() {
        use crate::i18n::Lang;
        let errors = [
            parse_groups("x448").unwrap_err(),
            parse_groups(" ").unwrap_err(),
            parse_version("1.1").unwrap_err(),
            TlsOptionsError::NoneForTls12(vec![KxGroup::X25519Mlkem768]),
        ];
        for e in errors {
            assert_eq!(e.msg().text_in(Lang::En), e.to_string());
            let zh = e.msg().text_in(Lang::ZhCn);
            assert!(!zh.contains("unknown") && !zh.contains("none of"), "{zh}");
        }
    }

    #[test]
    fn groups_parse_in_any_case_and_unknown_ones_are_named() {
        assert_eq!(
            parse_groups("x25519, SECP256R1,X25519"),
            Ok(vec![KxGroup::X25519, KxGroup::Secp256r1])
        );
        let e = parse_groups("X25519,ffdhe2048").unwrap_err().to_string();
        assert!(e.contains("'ffdhe2048'"), "{e}");
        assert!(
            e.contains("X25519MLKEM768, X25519, secp256r1, secp384r1"),
            "{e}"
        );
        assert!(parse_groups(" , ").is_err());
    }

    #[test]
    fn versions_parse() {
        assert_eq!(parse_version("1.2"), Ok(TlsVersion::Tls12));
        assert_eq!(parse_version("1.3"), Ok(TlsVersion::Tls13));
        assert!(
            parse_version("1.1")
                .unwrap_err()
                .to_string()
                .contains("1.2, 1.3")
        );
    }

    #[test]
    fn a_post_quantum_group_alone_cannot_do_tls12() {
        let opts = TlsOptions {
            version: Some(TlsVersion::Tls12),
            groups: Some(vec![KxGroup::X25519Mlkem768]),
            ..TlsOptions::default()
        };
        assert!(
            opts.provider()
                .unwrap_err()
                .to_string()
                .contains("TLS 1.3 only")
        );
        let opts = TlsOptions {
            groups: Some(vec![KxGroup::X25519]),
            ..TlsOptions::default()
        };
        let names: Vec<_> = opts
            .provider()
            .unwrap()
            .kx_groups
            .iter()
            .map(|g| g.name())
            .collect();
        assert_eq!(names, vec![rustls::NamedGroup::X25519]);
    }
}
