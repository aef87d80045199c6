//! The working group's certificate authority and the certificates it issues.
//!
//! Files in a certificates directory (`--certs-dir`):
//!
//! | file | what |
//! |---|---|
//! | `ca.crt`, `ca.key` | the group's CA; `ca.crt` goes to every node and client, `ca.key` stays with whoever issues |
//! | `node.<ORG>.crt`, `node.<ORG>.key` | an organization's node |
//! | `client.<ORG>.<name>.crt`, `client.<ORG>.<name>.key` | a person or tool acting for an organization |
//!
//! Keys are ECDSA P-256 in PKCS#8 PEM, written with mode 0600; [`check_key_permissions`]
//! refuses a key readable by group or others. The CA certificate carries the group's name
//! as its own URI SAN `spiffe://<group>`, so issuing a leaf needs nothing but the directory.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};
use time::{Duration, OffsetDateTime};

use super::identity::{Identity, fingerprint, uri_sans};

/// Default validity of the CA, days.
pub const CA_VALIDITY_DAYS: i64 = 3650;
/// Default validity of node and client certificates, days.
pub const LEAF_VALIDITY_DAYS: i64 = 365;

/// Certificate tooling failures.
#[derive(Debug, thiserror::Error)]
pub enum CertError {
    /// A file cannot be read or written.
    #[error("{path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file exists already (certificates are never overwritten silently).
    #[error("{0} exists already; remove it first if you mean to replace it")]
    Exists(PathBuf),
    /// A key file is readable by group or others.
    #[error(
        "key file {path} is readable by group or others (mode {mode:o}); run `chmod 600 {path}`"
    )]
    KeyPermissions {
        /// The key file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// Not a usable certificate or key.
    #[error("{path}: {reason}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A name that cannot be used in an identity.
    #[error("{0}")]
    BadName(String),
    /// Certificate generation failed.
    #[error("certificate generation failed: {0}")]
    Generation(String),
}

impl From<rcgen::Error> for CertError {
    fn from(error: rcgen::Error) -> Self {
        CertError::Generation(error.to_string())
    }
}

/// What `concord cert list` shows of a certificate.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CertificateInfo {
    /// The file.
    pub path: PathBuf,
    /// Subject distinguished name.
    pub subject: String,
    /// The URI SANs (one for a valid leaf; the CA's is `spiffe://<group>`).
    pub identities: Vec<String>,
    /// SHA-256 of the DER certificate, hex.
    pub fingerprint_sha256: String,
    /// Start of validity (RFC 3339).
    pub not_before: String,
    /// End of validity (RFC 3339).
    pub not_after: String,
    /// Whether it is a CA.
    pub is_ca: bool,
}

/// What to put in a leaf certificate. [`Ca::issue`] takes it as it is, so tests can also
/// make the certificates a node must refuse (two URI SANs, none, expired).
#[derive(Debug, Clone)]
pub struct LeafSpec {
    /// Subject common name.
    pub common_name: String,
    /// URI SANs (exactly one for a valid identity).
    pub uris: Vec<String>,
    /// DNS names the holder serves under (nodes).
    pub dns_names: Vec<String>,
    /// IP addresses the holder serves under (nodes).
    pub ip_addresses: Vec<IpAddr>,
    /// Start of validity.
    pub not_before: OffsetDateTime,
    /// End of validity.
    pub not_after: OffsetDateTime,
}

impl LeafSpec {
    /// A leaf for `identity`, valid from now for `days`, with `hosts` (DNS names or IP
    /// addresses) as further SANs.
    pub fn for_identity(identity: &Identity, hosts: &[String], days: i64) -> LeafSpec {
        let now = OffsetDateTime::now_utc();
        let (ip_addresses, dns_names) =
            hosts
                .iter()
                .fold((Vec::new(), Vec::new()), |(mut ips, mut dns), host| {
                    match host.parse::<IpAddr>() {
                        Ok(ip) => ips.push(ip),
                        Err(_) => dns.push(host.clone()),
                    }
                    (ips, dns)
                });
        LeafSpec {
            common_name: identity.uri(),
            uris: vec![identity.uri()],
            dns_names,
            ip_addresses,
            not_before: now - Duration::minutes(5),
            not_after: now + Duration::days(days),
        }
    }
}

/// A PEM certificate and its PEM private key.
#[derive(Debug, Clone)]
pub struct IssuedCertificate {
    /// Certificate, PEM.
    pub certificate_pem: String,
    /// PKCS#8 private key, PEM.
    pub key_pem: String,
}

/// The working group's CA, loaded with its key.
pub struct Ca {
    group: String,
    certificate_pem: String,
    issuer: Issuer<'static, KeyPair>,
}

fn check_name(what: &str, name: &str) -> Result<(), CertError> {
    if !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        Ok(())
    } else {
        Err(CertError::BadName(format!(
            "{what} {name:?} must be 1-64 ASCII letters, digits, '-', '_' or '.'"
        )))
    }
}

fn read_text(path: &Path) -> Result<String, CertError> {
    std::fs::read_to_string(path).map_err(|source| CertError::File {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes `contents` to a new file (never overwriting), with `mode` on Unix.
fn write_new(path: &Path, contents: &str, mode: u32) -> Result<(), CertError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            CertError::Exists(path.to_path_buf())
        } else {
            CertError::File {
                path: path.to_path_buf(),
                source,
            }
        }
    })?;
    file.write_all(contents.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|source| CertError::File {
            path: path.to_path_buf(),
            source,
        })
}

/// Refuses a private key file that group or others can read.
pub fn check_key_permissions(path: &Path) -> Result<(), CertError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|source| CertError::File {
                path: path.to_path_buf(),
                source,
            })?
            .permissions()
            .mode()
            & 0o777;
        if mode & 0o077 != 0 {
            return Err(CertError::KeyPermissions {
                path: path.to_path_buf(),
                mode,
            });
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Reads a private key file after checking its permissions.
pub fn read_key(path: &Path) -> Result<String, CertError> {
    check_key_permissions(path)?;
    read_text(path)
}

/// File names inside a certificates directory.
pub mod files {
    /// The CA certificate.
    pub const CA_CERT: &str = "ca.crt";
    /// The CA key.
    pub const CA_KEY: &str = "ca.key";

    /// `node.<ORG>` (add `.crt` / `.key`).
    pub fn node_stem(organization: &str) -> String {
        format!("node.{organization}")
    }

    /// `client.<ORG>.<name>` (add `.crt` / `.key`).
    pub fn client_stem(organization: &str, name: &str) -> String {
        format!("client.{organization}.{name}")
    }
}

impl Ca {
    /// Creates a new CA for `group` in `certs_dir` (refusing to overwrite one).
    pub fn create(certs_dir: &Path, group: &str, days: i64) -> Result<Ca, CertError> {
        check_name("group", group)?;
        std::fs::create_dir_all(certs_dir).map_err(|source| CertError::File {
            path: certs_dir.to_path_buf(),
            source,
        })?;
        let ca = Ca::generate(group, days)?;
        write_new(
            &certs_dir.join(files::CA_KEY),
            &ca.issuer.key().serialize_pem(),
            0o600,
        )?;
        write_new(&certs_dir.join(files::CA_CERT), &ca.certificate_pem, 0o644)?;
        Ok(ca)
    }

    /// A new CA in memory (tests make foreign CAs this way).
    pub fn generate(group: &str, days: i64) -> Result<Ca, CertError> {
        check_name("group", group)?;
        let mut params = CertificateParams::default();
        params
            .distinguished_name
            .push(DnType::CommonName, format!("Concord CA {group}"));
        params
            .distinguished_name
            .push(DnType::OrganizationName, group);
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        params.subject_alt_names = vec![SanType::URI(
            format!("spiffe://{group}")
                .try_into()
                .map_err(|_| CertError::BadName(format!("group {group:?}")))?,
        )];
        let now = OffsetDateTime::now_utc();
        params.not_before = now - Duration::minutes(5);
        params.not_after = now + Duration::days(days);
        let key = KeyPair::generate()?;
        let certificate = params.self_signed(&key)?;
        Ok(Ca {
            group: group.to_string(),
            certificate_pem: certificate.pem(),
            issuer: Issuer::new(params, key),
        })
    }

    /// Loads the CA (certificate and key) from `certs_dir`.
    pub fn load(certs_dir: &Path) -> Result<Ca, CertError> {
        let certificate_path = certs_dir.join(files::CA_CERT);
        let key_path = certs_dir.join(files::CA_KEY);
        let certificate_pem = read_text(&certificate_path)?;
        let key_pem = read_key(&key_path)?;
        let invalid = |path: &Path, reason: String| CertError::Invalid {
            path: path.to_path_buf(),
            reason,
        };
        let key = KeyPair::from_pem(&key_pem).map_err(|e| invalid(&key_path, e.to_string()))?;
        let der = pem_to_der(&certificate_pem).map_err(|r| invalid(&certificate_path, r))?;
        let group = uri_sans(&der)
            .map_err(|e| invalid(&certificate_path, e.to_string()))?
            .into_iter()
            .find_map(|uri| uri.strip_prefix("spiffe://").map(str::to_string))
            .filter(|group| !group.contains('/'))
            .ok_or_else(|| {
                invalid(
                    &certificate_path,
                    "not a Concord CA (no spiffe://<group> URI SAN)".into(),
                )
            })?;
        let issuer = Issuer::from_ca_cert_pem(&certificate_pem, key)
            .map_err(|e| invalid(&certificate_path, e.to_string()))?;
        Ok(Ca {
            group,
            certificate_pem,
            issuer,
        })
    }

    /// The working group's name.
    pub fn group(&self) -> &str {
        &self.group
    }

    /// The CA certificate, PEM.
    pub fn certificate_pem(&self) -> &str {
        &self.certificate_pem
    }

    /// Issues a leaf exactly as `spec` says.
    pub fn issue(&self, spec: &LeafSpec) -> Result<IssuedCertificate, CertError> {
        let mut params = CertificateParams::default();
        params
            .distinguished_name
            .push(DnType::CommonName, spec.common_name.clone());
        params
            .distinguished_name
            .push(DnType::OrganizationName, self.group.clone());
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        let mut sans = Vec::new();
        for uri in &spec.uris {
            sans.push(SanType::URI(uri.clone().try_into().map_err(|_| {
                CertError::BadName(format!("URI {uri:?} is not ASCII"))
            })?));
        }
        for name in &spec.dns_names {
            sans.push(SanType::DnsName(name.clone().try_into().map_err(|_| {
                CertError::BadName(format!("host name {name:?} is not ASCII"))
            })?));
        }
        sans.extend(spec.ip_addresses.iter().copied().map(SanType::IpAddress));
        params.subject_alt_names = sans;
        params.not_before = spec.not_before;
        params.not_after = spec.not_after;
        let key = KeyPair::generate()?;
        let certificate = params.signed_by(&key, &self.issuer)?;
        Ok(IssuedCertificate {
            certificate_pem: certificate.pem(),
            key_pem: key.serialize_pem(),
        })
    }

    /// Issues and writes `<stem>.crt` / `<stem>.key` in `certs_dir`.
    fn issue_to_files(
        &self,
        certs_dir: &Path,
        stem: &str,
        spec: &LeafSpec,
    ) -> Result<PathBuf, CertError> {
        let issued = self.issue(spec)?;
        let certificate_path = certs_dir.join(format!("{stem}.crt"));
        let key_path = certs_dir.join(format!("{stem}.key"));
        if certificate_path.exists() {
            return Err(CertError::Exists(certificate_path));
        }
        write_new(&key_path, &issued.key_pem, 0o600)?;
        write_new(&certificate_path, &issued.certificate_pem, 0o644)?;
        Ok(certificate_path)
    }

    /// Issues `node.<ORG>.crt/.key` for `organization`'s node serving under `hosts`.
    pub fn create_node(
        &self,
        certs_dir: &Path,
        organization: &str,
        hosts: &[String],
        days: i64,
    ) -> Result<PathBuf, CertError> {
        check_name("organization", organization)?;
        if hosts.is_empty() {
            return Err(CertError::BadName(
                "a node certificate needs at least one --host (the names or addresses peers dial)"
                    .into(),
            ));
        }
        let identity = Identity::node(&self.group, organization);
        self.issue_to_files(
            certs_dir,
            &files::node_stem(organization),
            &LeafSpec::for_identity(&identity, hosts, days),
        )
    }

    /// Issues `client.<ORG>.<name>.crt/.key`.
    pub fn create_client(
        &self,
        certs_dir: &Path,
        organization: &str,
        name: &str,
        days: i64,
    ) -> Result<PathBuf, CertError> {
        check_name("organization", organization)?;
        check_name("client name", name)?;
        let identity = Identity::client(&self.group, organization, name);
        self.issue_to_files(
            certs_dir,
            &files::client_stem(organization, name),
            &LeafSpec::for_identity(&identity, &[], days),
        )
    }
}

/// The DER of the first certificate in a PEM text.
pub fn pem_to_der(pem_text: &str) -> Result<Vec<u8>, String> {
    let (_, pem) = x509_parser::pem::parse_x509_pem(pem_text.as_bytes())
        .map_err(|_| "not a PEM certificate".to_string())?;
    Ok(pem.contents)
}

/// Describes one PEM certificate file.
pub fn describe(path: &Path) -> Result<CertificateInfo, CertError> {
    let invalid = |reason: String| CertError::Invalid {
        path: path.to_path_buf(),
        reason,
    };
    let der = pem_to_der(&read_text(path)?).map_err(invalid)?;
    let (_, certificate) = x509_parser::parse_x509_certificate(&der)
        .map_err(|e| invalid(format!("not an X.509 certificate: {e}")))?;
    let rfc3339 = |time: x509_parser::time::ASN1Time| {
        time.to_datetime()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    };
    Ok(CertificateInfo {
        path: path.to_path_buf(),
        subject: certificate.subject().to_string(),
        identities: uri_sans(&der).map_err(|e| invalid(e.to_string()))?,
        fingerprint_sha256: fingerprint(&der),
        not_before: rfc3339(certificate.validity().not_before),
        not_after: rfc3339(certificate.validity().not_after),
        is_ca: certificate.is_ca(),
    })
}

/// Describes every `*.crt` in `certs_dir`, CA first, then by file name.
pub fn list(certs_dir: &Path) -> Result<Vec<CertificateInfo>, CertError> {
    let entries = std::fs::read_dir(certs_dir).map_err(|source| CertError::File {
        path: certs_dir.to_path_buf(),
        source,
    })?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "crt"))
        .collect();
    paths.sort_by_key(|path| {
        (
            path.file_name().is_none_or(|name| name != files::CA_CERT),
            path.clone(),
        )
    });
    paths.iter().map(|path| describe(path)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issues_node_and_client_certificates_with_one_identity_each() {
        let dir = tempfile::tempdir().unwrap();
        let ca = Ca::create(dir.path(), "rtwg", 30).unwrap();
        assert_eq!(ca.group(), "rtwg");
        let loaded = Ca::load(dir.path()).unwrap();
        assert_eq!(loaded.group(), "rtwg");
        let node = loaded
            .create_node(
                dir.path(),
                "IOM",
                &["iom.example.org".into(), "127.0.0.1".into()],
                30,
            )
            .unwrap();
        let client = loaded
            .create_client(dir.path(), "IOM", "alice", 30)
            .unwrap();
        let node_der = pem_to_der(&std::fs::read_to_string(&node).unwrap()).unwrap();
        assert_eq!(
            Identity::from_certificate(&node_der),
            Ok(Identity::node("rtwg", "IOM"))
        );
        let client_der = pem_to_der(&std::fs::read_to_string(&client).unwrap()).unwrap();
        assert_eq!(
            Identity::from_certificate(&client_der),
            Ok(Identity::client("rtwg", "IOM", "alice"))
        );
        let listed = list(dir.path()).unwrap();
        assert_eq!(listed.len(), 3);
        assert!(listed[0].is_ca);
        assert_eq!(listed[0].identities, vec!["spiffe://rtwg".to_string()]);
        assert_eq!(listed[0].fingerprint_sha256.len(), 64);
        check_key_permissions(&dir.path().join("node.IOM.key")).unwrap();
        assert!(matches!(
            loaded.create_client(dir.path(), "IOM", "alice", 30),
            Err(CertError::Exists(_))
        ));
    }

    #[test]
    fn readable_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        Ca::create(dir.path(), "rtwg", 30).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let key = dir.path().join(files::CA_KEY);
            std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o640)).unwrap();
            assert!(matches!(
                Ca::load(dir.path()),
                Err(CertError::KeyPermissions { mode: 0o640, .. })
            ));
        }
    }

    #[test]
    fn certificates_with_several_or_no_uris_carry_no_identity() {
        let ca = Ca::generate("rtwg", 30).unwrap();
        let mut spec = LeafSpec::for_identity(&Identity::node("rtwg", "ILO"), &[], 30);
        spec.uris.push(Identity::node("rtwg", "IOM").uri());
        let two = ca.issue(&spec).unwrap();
        assert_eq!(
            Identity::from_certificate(&pem_to_der(&two.certificate_pem).unwrap()),
            Err(super::super::identity::IdentityError::SeveralUris(2))
        );
        spec.uris.clear();
        spec.dns_names.push("ilo.example.org".into());
        let none = ca.issue(&spec).unwrap();
        assert_eq!(
            Identity::from_certificate(&pem_to_der(&none.certificate_pem).unwrap()),
            Err(super::super::identity::IdentityError::NoUri)
        );
    }
}
