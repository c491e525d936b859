//! Making certificates with rcgen: `tlschat gen-cert` (a CA and a server
//! certificate) and the host's own self-signed certificate, made once and
//! kept in the configuration directory.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose,
};

use crate::config::write_atomic;
use crate::net::certinfo::{CertInfo, fingerprint};

/// Why certificates could not be made or stored.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CertGenError {
    /// rcgen refused the parameters (for example a malformed name).
    #[error("cannot make the certificate: {0}")]
    Rcgen(#[from] rcgen::Error),
    /// A file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The lock on a file could not be taken.
    #[error("cannot lock {}: {source}", path.display())]
    Lock {
        /// The lock file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// `gen-cert` would overwrite existing files.
    #[error("{} already exists; pass --force to replace it, or choose another --out", path.display())]
    Exists {
        /// The first existing file found.
        path: PathBuf,
    },
    /// A stored host certificate or key could not be read.
    #[error(transparent)]
    Pem(#[from] crate::net::pem::PemError),
}

/// The files `gen-cert` writes, in order.
pub const GEN_CERT_FILES: [&str; 4] = ["ca.pem", "ca.key", "server.pem", "server.key"];

/// What `gen-cert` made.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The CA certificate.
    pub ca: CertInfo,
    /// The server certificate.
    pub server: CertInfo,
    /// The files written, in [`GEN_CERT_FILES`] order.
    pub files: Vec<PathBuf>,
}

fn days(n: i64) -> ::time::Duration {
    ::time::Duration::days(n)
}

fn dn(cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "tlschat");
    dn.push(DnType::CommonName, cn);
    dn
}

/// Parameters of a server (end-entity) certificate for these names, valid
/// from a day ago for `valid_days` days.
pub fn server_params(
    names: &[String],
    cn: &str,
    valid_days: i64,
) -> Result<CertificateParams, CertGenError> {
    let mut p = CertificateParams::new(names.to_vec())?;
    p.distinguished_name = dn(cn);
    p.is_ca = IsCa::ExplicitNoCa;
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    p.use_authority_key_identifier_extension = true;
    let now = ::time::OffsetDateTime::now_utc();
    p.not_before = now - days(1);
    p.not_after = now + days(valid_days);
    Ok(p)
}

/// `gen-cert`'s names without `--host`: `localhost`, `127.0.0.1` and this
/// machine's other addresses (see [`crate::net::invite::machine_addresses`]),
/// so a host using the certificate can be reached from the network by
/// address without a name mismatch.
#[must_use]
pub fn default_gen_cert_hosts() -> Vec<String> {
    let mut hosts = vec!["localhost".to_string(), "127.0.0.1".to_string()];
    hosts.extend(
        crate::net::invite::machine_addresses()
            .iter()
            .map(ToString::to_string),
    );
    hosts
}

/// A CA certificate named `cn` (organization tlschat), valid from a day
/// ago for `valid_days` days, that may issue end-entity certificates only.
pub fn make_ca(
    cn: &str,
    valid_days: i64,
    key: KeyPair,
) -> Result<CertifiedIssuer<'static, KeyPair>, CertGenError> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params.distinguished_name = dn(cn);
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let now = ::time::OffsetDateTime::now_utc();
    params.not_before = now - days(1);
    params.not_after = now + days(valid_days);
    Ok(CertifiedIssuer::self_signed(params, key)?)
}

/// Writes a CA and a server certificate for `hosts` into `out`, keys
/// readable by their owner only. Refuses to overwrite unless `force`.
pub fn gen_cert(out: &Path, hosts: &[String], force: bool) -> Result<Generated, CertGenError> {
    let files: Vec<PathBuf> = GEN_CERT_FILES.iter().map(|f| out.join(f)).collect();
    if !force && let Some(existing) = files.iter().find(|f| f.exists()) {
        return Err(CertGenError::Exists {
            path: existing.clone(),
        });
    }
    let ca_key = KeyPair::generate()?;
    let ca_key_pem = ca_key.serialize_pem();
    let ca = make_ca("tlschat local CA", 3650, ca_key)?;

    let cn = hosts.first().map_or("localhost", String::as_str);
    let server_key = KeyPair::generate()?;
    let server = server_params(hosts, cn, 365)?.signed_by(&server_key, &ca)?;

    crate::config::create_private_dir(out).map_err(|source| CertGenError::Write {
        path: out.to_path_buf(),
        source,
    })?;
    let contents = [
        (ca.pem(), false),
        (ca_key_pem, true),
        (server.pem(), false),
        (server_key.serialize_pem(), true),
    ];
    for (path, (text, private)) in files.iter().zip(contents) {
        write_atomic(path, text.as_bytes(), private).map_err(|source| CertGenError::Write {
            path: path.clone(),
            source,
        })?;
    }
    Ok(Generated {
        ca: CertInfo::from_der(ca.der()),
        server: CertInfo::from_der(server.der()),
        files,
    })
}

/// The file names of the host's own certificate in the configuration directory.
pub const HOST_CERT_FILE: &str = "host-cert.pem";
/// The file name of the host's own key in the configuration directory.
pub const HOST_KEY_FILE: &str = "host-key.pem";

/// The lock file (in the configuration directory) that serializes making
/// the host's own certificate and key.
pub const HOST_IDENTITY_LOCK: &str = "host-identity.lock";

/// The most names the kept host certificate carries. A host started on
/// ever new addresses (a laptop moving between networks) adds each; past
/// this many, a re-issue keeps only the defaults and today's addresses.
pub const MAX_HOST_CERT_NAMES: usize = 32;

/// The names the generated host certificate is valid for: `localhost`,
/// loopback, this machine's host name, and `addresses`.
fn host_names(addresses: &[IpAddr]) -> Vec<String> {
    let mut names = vec!["localhost".to_string(), "127.0.0.1".into(), "::1".into()];
    if let Ok(h) = std::fs::read_to_string("/etc/hostname") {
        let h = h.trim();
        if !h.is_empty()
            && h != "localhost"
            && h.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            names.push(h.to_string());
        }
    }
    for ip in addresses {
        let name = ip.to_canonical().to_string();
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// The names a kept certificate should be re-issued with so that it names
/// `required` too, or `None` when it already names them all.
fn names_to_add(have: &[String], required: &[String]) -> Option<Vec<String>> {
    let missing: Vec<&String> = required.iter().filter(|n| !have.contains(n)).collect();
    if missing.is_empty() {
        return None;
    }
    let mut names = have.to_vec();
    names.extend(missing.into_iter().cloned());
    if names.len() > MAX_HOST_CERT_NAMES {
        names = required.to_vec();
    }
    Some(names)
}

/// Returns the paths of the host's self-signed certificate and key in
/// `config_dir`, making them on first use, valid for `localhost`, loopback,
/// the host name and `addresses` (those its invites are for).
///
/// The key is made once and kept. The certificate is re-issued, with the
/// same key, when it expires within 30 days or when it does not name one
/// of `addresses` (the host was started on an address it has not used
/// before); it then names its old names and the new ones. Members who
/// accepted the earlier certificate are let in with a notice, since their
/// exception covers later certificates with the same key; an invite link
/// made before names the earlier certificate exactly and no longer works
/// (the host prints new ones).
///
/// Two processes starting at once (the demo's, say) take turns under a lock
/// on [`HOST_IDENTITY_LOCK`], so neither pairs its certificate with the
/// other's key.
pub fn host_identity(
    config_dir: &Path,
    addresses: &[IpAddr],
) -> Result<(PathBuf, PathBuf), CertGenError> {
    let lock_path = config_dir.join(HOST_IDENTITY_LOCK);
    let _lock = crate::config::lock_file(&lock_path).map_err(|source| CertGenError::Lock {
        path: lock_path.clone(),
        source,
    })?;
    let cert_path = config_dir.join(HOST_CERT_FILE);
    let key_path = config_dir.join(HOST_KEY_FILE);
    let required = host_names(addresses);
    let mut names = required.clone();
    let key = if let Some(pem) = read_kept(&key_path, true)? {
        let key = KeyPair::from_pem(&pem).map_err(|e| {
            CertGenError::Pem(crate::net::pem::PemError::BadKey {
                path: key_path.clone(),
                reason: e.to_string(),
            })
        })?;
        if let Some(pem) = read_kept(&cert_path, false)? {
            let certs = crate::net::pem::parse_certs(pem.as_bytes(), &cert_path)?;
            let info = CertInfo::from_der(&certs[0]);
            let soon = ::time::OffsetDateTime::now_utc().unix_timestamp() + 30 * 86_400;
            if info.parse_error.is_none() {
                match names_to_add(&info.host_names(), &required) {
                    None if info.not_after > soon => return Ok((cert_path, key_path)),
                    None => names = info.host_names(),
                    Some(more) => names = more,
                }
            }
        }
        key
    } else {
        crate::config::create_private_dir(config_dir).map_err(|source| CertGenError::Write {
            path: config_dir.to_path_buf(),
            source,
        })?;
        let key = KeyPair::generate()?;
        write_kept(&key_path, &key.serialize_pem(), true)?;
        key
    };
    let cert = server_params(&names, "tlschat host (self-signed)", 825)?.self_signed(&key)?;
    write_kept(&cert_path, &cert.pem(), false)?;
    Ok((cert_path, key_path))
}

/// A file tlschat made (the host's or a member's key or certificate), if
/// it is there: no link, this user's, and (a `secret`) readable by no one
/// else ([`crate::config::read_own`]).
pub(crate) fn read_kept(path: &Path, secret: bool) -> Result<Option<String>, CertGenError> {
    match crate::config::read_own(path, secret) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(CertGenError::Pem(crate::net::pem::PemError::Read {
            path: path.to_path_buf(),
            source,
        })),
    }
}

/// Writes a file tlschat keeps (atomically; `private`: 0600).
pub(crate) fn write_kept(path: &Path, text: &str, private: bool) -> Result<(), CertGenError> {
    write_atomic(path, text.as_bytes(), private).map_err(|source| CertGenError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// One line per certificate for `gen-cert`'s report.
#[must_use]
pub fn describe(label: &str, info: &CertInfo) -> String {
    format!(
        "{label}: {}  {}  safety code {}",
        info.display_name(),
        fingerprint(&info.sha256),
        crate::net::safety::safety_code(&info.sha256)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_kept_certificate_only_gains_names() {
        let have = names(&["localhost", "127.0.0.1", "192.0.2.2"]);
        assert_eq!(
            names_to_add(&have, &names(&["localhost", "127.0.0.1"])),
            None
        );
        assert_eq!(
            names_to_add(&have, &names(&["localhost", "198.51.100.7"])),
            Some(names(&[
                "localhost",
                "127.0.0.1",
                "192.0.2.2",
                "198.51.100.7"
            ]))
        );
        // Past the cap, only what is needed today.
        let many: Vec<String> = (0..MAX_HOST_CERT_NAMES)
            .map(|i| format!("10.0.0.{i}"))
            .collect();
        let today = names(&["localhost", "203.0.113.9"]);
        assert_eq!(names_to_add(&many, &today), Some(today.clone()));
    }

    #[test]
    fn the_host_certificate_is_reissued_with_the_same_key_for_a_new_address() {
        let dir = tempfile::tempdir().unwrap();
        let read = || {
            let certs = crate::net::pem::load_certs(&dir.path().join(HOST_CERT_FILE)).unwrap();
            CertInfo::from_der(&certs[0])
        };
        host_identity(dir.path(), &[]).unwrap();
        let first = read();
        host_identity(dir.path(), &["127.0.0.1".parse().unwrap()]).unwrap();
        assert_eq!(read().sha256, first.sha256, "already named: kept as it is");
        host_identity(dir.path(), &["192.0.2.9".parse().unwrap()]).unwrap();
        let second = read();
        assert_ne!(second.sha256, first.sha256);
        assert!(second.same_key(&first));
        assert!(second.host_names().contains(&"192.0.2.9".to_string()));
        assert!(second.host_names().contains(&"localhost".to_string()));
    }
}
