//! The member's own key: a key pair and a self-signed client certificate
//! that tlschat makes on first use and keeps in the configuration
//! directory, so that a host can recognise the member by its key (as SSH's
//! `authorized_keys` recognises a user) whatever nickname it asks for.
//!
//! The key is the identity: the certificate around it only carries it into
//! the TLS handshake (client authentication), where the member proves with
//! CertificateVerify that it holds the key. If the certificate is missing,
//! expires within 30 days or does not match the key, a new one is made for
//! the same key and the member stays who it was. A new key is made only on
//! first use and when the user asks for one (`tlschat identity --new`).
//!
//! Both files are made 0600 in a 0700 folder; files that are links, not
//! regular files, someone else's or readable by others are refused
//! ([`crate::config::read_own`]).

use std::path::{Path, PathBuf};

use rcgen::{CertificateParams, ExtendedKeyUsagePurpose, KeyPair, KeyUsagePurpose};

use crate::net::certgen::{CertGenError, read_kept, write_kept};
use crate::net::certinfo::{CertInfo, fingerprint};
use crate::net::pem::PemError;

/// The member's certificate, in the configuration directory.
pub const CERT_FILE: &str = "identity.pem";
/// The member's private key, in the configuration directory (0600).
pub const KEY_FILE: &str = "identity.key";
/// Taken while the identity is read or made, so that two windows starting
/// at once do not each make a key.
pub const LOCK_FILE: &str = "identity.lock";
/// The common name in every member certificate: the certificate names no
/// one; the key is what is recognised.
pub const COMMON_NAME: &str = "tlschat member";
/// How long a member certificate is valid; it is re-issued for the same
/// key within 30 days of the end.
const VALID_DAYS: i64 = 3650;
/// Re-issue a certificate that ends within this many days.
const RENEW_DAYS: i64 = 30;

/// A member's identity: where its files are and its certificate's facts.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The certificate (PEM).
    pub cert_path: PathBuf,
    /// The private key (PEM, 0600).
    pub key_path: PathBuf,
    /// The certificate's facts.
    pub cert: CertInfo,
    /// The SHA-256 of the key (its SubjectPublicKeyInfo): who the member
    /// is. A certificate re-issued for the same key changes nothing.
    pub key: [u8; 32],
}

impl Identity {
    /// `SHA256:…` of the key, as shown on the start screen and in every
    /// member list.
    #[must_use]
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.key)
    }

    /// The safety code of the key: what two people read to each other to
    /// be sure of a member.
    #[must_use]
    pub fn safety_code(&self) -> String {
        crate::net::safety::safety_code(&self.key)
    }
}

/// The SHA-256 of a key's SubjectPublicKeyInfo.
fn key_sha256(key: &KeyPair) -> [u8; 32] {
    crate::net::certinfo::sha256(&rcgen::PublicKeyData::subject_public_key_info(key))
}

/// Whether to keep the member's key or make a fresh one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyChoice {
    /// Use the key on disk; make one only if there is none.
    Keep,
    /// Make a fresh key (and certificate), replacing the old ones: hosts
    /// will not recognise the member any more (`tlschat identity --new`).
    New,
}

/// The member's identity in `config_dir`, made if there is none (or
/// replaced, with [`KeyChoice::New`]).
pub fn member_identity(config_dir: &Path, choice: KeyChoice) -> Result<Identity, CertGenError> {
    let lock_path = config_dir.join(LOCK_FILE);
    crate::config::create_private_dir(config_dir).map_err(|source| CertGenError::Write {
        path: config_dir.to_path_buf(),
        source,
    })?;
    let _lock = crate::config::lock_file(&lock_path).map_err(|source| CertGenError::Lock {
        path: lock_path.clone(),
        source,
    })?;
    let cert_path = config_dir.join(CERT_FILE);
    let key_path = config_dir.join(KEY_FILE);
    let key = match (choice, read_kept(&key_path, true)?) {
        (KeyChoice::Keep, Some(pem)) => KeyPair::from_pem(&pem).map_err(|e| PemError::BadKey {
            path: key_path.clone(),
            reason: e.to_string(),
        })?,
        (KeyChoice::New, _) | (KeyChoice::Keep, None) => {
            let key = KeyPair::generate()?;
            write_kept(&key_path, &key.serialize_pem(), true)?;
            key
        }
    };
    if choice == KeyChoice::Keep
        && let Some(cert) = kept_certificate(&cert_path, &key)?
    {
        return Ok(Identity {
            cert_path,
            key_path,
            cert,
            key: key_sha256(&key),
        });
    }
    let pem = member_params()?.self_signed(&key)?.pem();
    write_kept(&cert_path, &pem, false)?;
    let der = crate::net::pem::parse_certs(pem.as_bytes(), &cert_path)?;
    Ok(Identity {
        cert_path,
        key_path,
        cert: CertInfo::from_der(&der[0]),
        key: key_sha256(&key),
    })
}

/// The member's identity in `config_dir` if it has one, without making or
/// changing anything (`tlschat identity` shows it).
pub fn existing_identity(config_dir: &Path) -> Result<Option<Identity>, CertGenError> {
    let cert_path = config_dir.join(CERT_FILE);
    let key_path = config_dir.join(KEY_FILE);
    let Some(pem) = read_kept(&key_path, true)? else {
        return Ok(None);
    };
    let key = KeyPair::from_pem(&pem).map_err(|e| PemError::BadKey {
        path: key_path.clone(),
        reason: e.to_string(),
    })?;
    Ok(kept_certificate(&cert_path, &key)?.map(|cert| Identity {
        cert_path,
        key_path,
        cert,
        key: key_sha256(&key),
    }))
}

/// The SHA-256 of the member's key if there is one, whatever state its
/// certificate is in (`tlschat identity --new` asks before replacing it).
pub fn existing_key(config_dir: &Path) -> Result<Option<[u8; 32]>, CertGenError> {
    let key_path = config_dir.join(KEY_FILE);
    let Some(pem) = read_kept(&key_path, true)? else {
        return Ok(None);
    };
    let key = KeyPair::from_pem(&pem).map_err(|e| PemError::BadKey {
        path: key_path,
        reason: e.to_string(),
    })?;
    Ok(Some(key_sha256(&key)))
}

/// The stored certificate if it is still good for `key`: parses, carries
/// this key, and does not end within [`RENEW_DAYS`].
fn kept_certificate(path: &Path, key: &KeyPair) -> Result<Option<CertInfo>, CertGenError> {
    let Some(pem) = read_kept(path, false)? else {
        return Ok(None);
    };
    let Ok(certs) = crate::net::pem::parse_certs(pem.as_bytes(), path) else {
        return Ok(None);
    };
    let info = CertInfo::from_der(&certs[0]);
    let soon = ::time::OffsetDateTime::now_utc().unix_timestamp() + RENEW_DAYS * 86_400;
    let ours = info.spki_sha256 == Some(key_sha256(key));
    Ok((info.parse_error.is_none() && ours && info.not_after > soon).then_some(info))
}

/// A member certificate's parameters: no names (the key is the identity),
/// client authentication only, valid from a day ago for [`VALID_DAYS`].
fn member_params() -> Result<CertificateParams, CertGenError> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    let mut dn = rcgen::DistinguishedName::new();
    dn.push(rcgen::DnType::OrganizationName, "tlschat");
    dn.push(rcgen::DnType::CommonName, COMMON_NAME);
    params.distinguished_name = dn;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let now = ::time::OffsetDateTime::now_utc();
    params.not_before = now - ::time::Duration::days(1);
    params.not_after = now + ::time::Duration::days(VALID_DAYS);
    Ok(params)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn made_once_then_kept() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("tlschat");
        assert!(existing_identity(&config).unwrap().is_none());
        let first = member_identity(&config, KeyChoice::Keep).unwrap();
        let again = member_identity(&config, KeyChoice::Keep).unwrap();
        assert_eq!(first.cert.sha256, again.cert.sha256);
        assert_eq!(first.cert.spki_sha256, Some(first.key));
        let shown = existing_identity(&config).unwrap().unwrap();
        assert_eq!(shown.fingerprint(), first.fingerprint());
        assert_eq!(shown.safety_code(), first.safety_code());
        assert_eq!(first.cert.display_name(), COMMON_NAME);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&first.key_path), 0o600);
            assert_eq!(mode(&config), 0o700);
        }
    }

    #[test]
    fn a_new_key_is_another_member() {
        let dir = tempfile::tempdir().unwrap();
        let first = member_identity(dir.path(), KeyChoice::Keep).unwrap();
        let fresh = member_identity(dir.path(), KeyChoice::New).unwrap();
        assert_ne!(first.cert.spki_sha256, fresh.cert.spki_sha256);
        let kept = member_identity(dir.path(), KeyChoice::Keep).unwrap();
        assert_eq!(kept.cert.sha256, fresh.cert.sha256);
    }

    #[test]
    fn a_lost_or_foreign_certificate_is_made_again_for_the_same_key() {
        let dir = tempfile::tempdir().unwrap();
        let first = member_identity(dir.path(), KeyChoice::Keep).unwrap();
        // Someone else's certificate in our file: not ours, so not used.
        let other = KeyPair::generate().unwrap();
        let foreign = member_params().unwrap().self_signed(&other).unwrap();
        std::fs::write(&first.cert_path, foreign.pem()).unwrap();
        let mended = member_identity(dir.path(), KeyChoice::Keep).unwrap();
        assert_eq!(mended.key, first.key);
        assert_eq!(mended.fingerprint(), first.fingerprint());
        std::fs::remove_file(&first.cert_path).unwrap();
        // Without its certificate the key is still there (and --new asks).
        assert!(existing_identity(dir.path()).unwrap().is_none());
        assert_eq!(existing_key(dir.path()).unwrap(), Some(first.key));
        let again = member_identity(dir.path(), KeyChoice::Keep).unwrap();
        assert_eq!(again.cert.spki_sha256, first.cert.spki_sha256);
    }

    #[cfg(unix)]
    #[test]
    fn a_key_others_can_read_or_a_linked_key_is_refused() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let first = member_identity(dir.path(), KeyChoice::Keep).unwrap();
        std::fs::set_permissions(&first.key_path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = member_identity(dir.path(), KeyChoice::Keep).unwrap_err();
        assert!(e.to_string().contains(KEY_FILE), "{e}");
        std::fs::set_permissions(&first.key_path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let elsewhere = dir.path().join("elsewhere.key");
        std::fs::rename(&first.key_path, &elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, &first.key_path).unwrap();
        assert!(member_identity(dir.path(), KeyChoice::Keep).is_err());
        assert!(existing_identity(dir.path()).is_err());
    }
}
