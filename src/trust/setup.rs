//! Setting up a working group from nothing: the CA, a node certificate, a client
//! certificate and a signing key per member, and the membership file that lists them.
//! Used by `concord demo`, the container deployment's set-up job and the tests.
//!
//! Layout written under one directory:
//!
//! | path | what |
//! |---|---|
//! | `certs/ca.crt`, `certs/ca.key` | the group's CA |
//! | `certs/node.<ORG>.crt/.key` | each member's node |
//! | `certs/client.<ORG>.<client>.crt/.key` | one client per member |
//! | `<ORG>/signing.key` | each member's Ed25519 signing key (the node's data directory) |
//! | `membership.toml` | members, co-chairs, signing keys, endpoints |
//!
//! Running it again on the same directory reuses what exists (certificates are never
//! overwritten) and rewrites the membership file from the keys found.

use std::path::{Path, PathBuf};

use super::certs::{Ca, CertError, LEAF_VALIDITY_DAYS, files};
use super::membership::{Member, MembershipFile};

/// One member to set up.
#[derive(Debug, Clone)]
pub struct MemberSetup {
    /// Member code.
    pub code: String,
    /// Full name.
    pub name: String,
    /// Host names or addresses its node certificate is valid for.
    pub hosts: Vec<String>,
    /// Where peers dial its node.
    pub endpoint: String,
    /// IATI organisation identifiers.
    pub iati_identifiers: Vec<String>,
    /// Other spellings.
    pub aliases: Vec<String>,
}

/// What was written.
#[derive(Debug, Clone)]
pub struct GroupLayout {
    /// The root directory.
    pub root: PathBuf,
    /// `root/certs`.
    pub certs_dir: PathBuf,
    /// `root/membership.toml`.
    pub membership_file: PathBuf,
}

impl GroupLayout {
    /// A member's node directory (`root/<ORG>`).
    pub fn data_dir(&self, code: &str) -> PathBuf {
        self.root.join(code)
    }

    /// A member's client certificate.
    pub fn client_cert(&self, code: &str, client: &str) -> PathBuf {
        self.certs_dir
            .join(format!("{}.crt", files::client_stem(code, client)))
    }
}

/// The default members of the working group in `shared/docs/domain.md`: code, full name,
/// IATI organisation identifiers, aliases. Co-chairs are ESCAP and IOM.
pub const DEFAULT_MEMBERS: &[(&str, &str, &[&str], &[&str])] = &[
    (
        "ESCAP",
        "Economic and Social Commission for Asia and the Pacific",
        &[],
        &["UNESCAP", "UN ESCAP"],
    ),
    (
        "IOM",
        "International Organization for Migration",
        &["XM-DAC-47066"],
        &[
            "International Organisation for Migration",
            "IOM - International Organization for Migration",
            "Organisation internationale pour les migrations",
            "OIM",
        ],
    ),
    (
        "ILO",
        "International Labour Organization",
        &[],
        &["International Labour Office"],
    ),
    (
        "UNHCR",
        "Office of the United Nations High Commissioner for Refugees",
        &["XM-DAC-41121"],
        &["United Nations High Commissioner for Refugees"],
    ),
    (
        "UNICEF",
        "United Nations Children's Fund",
        &["XM-DAC-41122"],
        &["United Nations Children's Fund (UNICEF)"],
    ),
    (
        "UNODC",
        "United Nations Office on Drugs and Crime",
        &[],
        &[],
    ),
    (
        "UNDP",
        "United Nations Development Programme",
        &["XM-DAC-41114"],
        &["United Nations Development Program"],
    ),
    ("UNFPA", "United Nations Population Fund", &[], &[]),
    (
        "UN-Women",
        "United Nations Entity for Gender Equality and the Empowerment of Women",
        &[],
        &["UN Women", "UNIFEM"],
    ),
    (
        "UNESCO",
        "United Nations Educational, Scientific and Cultural Organization",
        &[],
        &[],
    ),
    ("WHO", "World Health Organization", &[], &[]),
    (
        "UNAIDS",
        "Joint United Nations Programme on HIV/AIDS",
        &[],
        &[],
    ),
    (
        "OHCHR",
        "Office of the United Nations High Commissioner for Human Rights",
        &[],
        &[],
    ),
    (
        "UN-Habitat",
        "United Nations Human Settlements Programme",
        &[],
        &["UN Habitat"],
    ),
    (
        "UNIAP",
        "United Nations Inter-Agency Project on Human Trafficking",
        &[],
        &[],
    ),
];

/// The default co-chairs.
pub const DEFAULT_CO_CHAIRS: &[&str] = &["ESCAP", "IOM"];

/// Creates (or completes) a working group under `root`: CA, certificates, signing keys and
/// the membership file. `client` names the client certificate made for each member.
pub fn create_working_group(
    root: &Path,
    group: &str,
    members: &[MemberSetup],
    co_chairs: &[&str],
    client: &str,
) -> Result<GroupLayout, CertError> {
    let layout = GroupLayout {
        root: root.to_path_buf(),
        certs_dir: root.join("certs"),
        membership_file: root.join("membership.toml"),
    };
    let ca = if layout.certs_dir.join(files::CA_CERT).exists() {
        Ca::load(&layout.certs_dir)?
    } else {
        Ca::create(&layout.certs_dir, group, super::certs::CA_VALIDITY_DAYS)?
    };
    let mut listed = Vec::new();
    for member in members {
        let node_cert = layout
            .certs_dir
            .join(format!("{}.crt", files::node_stem(&member.code)));
        if !node_cert.exists() {
            ca.create_node(
                &layout.certs_dir,
                &member.code,
                &member.hosts,
                LEAF_VALIDITY_DAYS,
            )?;
        }
        if !layout.client_cert(&member.code, client).exists() {
            ca.create_client(&layout.certs_dir, &member.code, client, LEAF_VALIDITY_DAYS)?;
        }
        let key_path = layout.data_dir(&member.code).join("signing.key");
        let key = crate::node::load_or_create_signing_key(&key_path).map_err(|error| {
            CertError::Invalid {
                path: key_path.clone(),
                reason: error.to_string(),
            }
        })?;
        listed.push(Member {
            code: member.code.clone(),
            name: member.name.clone(),
            signing_keys: vec![hex::encode(key.verifying_key().as_bytes())],
            endpoints: vec![member.endpoint.clone()],
            iati_identifiers: member.iati_identifiers.clone(),
            aliases: member.aliases.clone(),
        });
    }
    let membership = MembershipFile {
        group: ca.group().to_string(),
        co_chairs: co_chairs.iter().map(|c| c.to_string()).collect(),
        deny_fingerprints: Vec::new(),
        members: listed,
    };
    let text = toml::to_string(&membership).map_err(|error| CertError::Invalid {
        path: layout.membership_file.clone(),
        reason: error.to_string(),
    })?;
    std::fs::write(&layout.membership_file, text).map_err(|source| CertError::File {
        path: layout.membership_file.clone(),
        source,
    })?;
    Ok(layout)
}
