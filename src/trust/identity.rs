//! Identities carried by certificates.
//!
//! Every leaf certificate of a working group names its holder in exactly one URI SAN:
//! `spiffe://<group>/org/<ORG>/node` for the organization's node, and
//! `spiffe://<group>/org/<ORG>/client/<name>` for a person or tool acting for it. A
//! certificate with zero or several URI SANs, or a URI of another shape, carries no usable
//! identity (UNAUTHENTICATED). Roles live here; rights live in the membership file.

use sha2::{Digest, Sha256};

/// What a certificate's holder is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Role {
    /// The organization's node: may use node-to-node services.
    Node,
    /// A person or tool acting for the organization.
    Client {
        /// Name given at issue ("alice", "import-bot").
        name: String,
    },
}

/// Who a certificate says its holder is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Identity {
    /// The working group (SPIFFE trust domain).
    pub group: String,
    /// The member organization's code.
    pub organization: String,
    /// Node or client.
    pub role: Role,
}

/// Why a certificate or URI carries no usable identity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    /// Not parseable as X.509.
    #[error("the certificate cannot be parsed")]
    Unparseable,
    /// No URI SAN.
    #[error("the certificate has no URI subject alternative name naming its holder")]
    NoUri,
    /// Several URI SANs: ambiguous.
    #[error("the certificate has {0} URI subject alternative names; exactly one is allowed")]
    SeveralUris(usize),
    /// A URI of another shape.
    #[error("{uri:?} is not a Concord identity ({reason})")]
    Malformed {
        /// The URI.
        uri: String,
        /// What is wrong.
        reason: &'static str,
    },
}

/// Allowed characters of group, organization and client names in identities.
fn is_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 64
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

impl Identity {
    /// The node identity of `organization` in `group`.
    pub fn node(group: &str, organization: &str) -> Identity {
        Identity {
            group: group.to_string(),
            organization: organization.to_string(),
            role: Role::Node,
        }
    }

    /// A client identity.
    pub fn client(group: &str, organization: &str, name: &str) -> Identity {
        Identity {
            group: group.to_string(),
            organization: organization.to_string(),
            role: Role::Client {
                name: name.to_string(),
            },
        }
    }

    /// True for node certificates.
    pub fn is_node(&self) -> bool {
        self.role == Role::Node
    }

    /// The URI SAN form.
    pub fn uri(&self) -> String {
        match &self.role {
            Role::Node => format!("spiffe://{}/org/{}/node", self.group, self.organization),
            Role::Client { name } => format!(
                "spiffe://{}/org/{}/client/{}",
                self.group, self.organization, name
            ),
        }
    }

    /// Parses the URI SAN form.
    pub fn parse_uri(uri: &str) -> Result<Identity, IdentityError> {
        let malformed = |reason| IdentityError::Malformed {
            uri: uri.chars().take(200).collect(),
            reason,
        };
        let rest = uri
            .strip_prefix("spiffe://")
            .ok_or_else(|| malformed("expected the spiffe:// scheme"))?;
        let parts: Vec<&str> = rest.split('/').collect();
        if !parts.iter().all(|part| is_name(part)) {
            return Err(malformed(
                "each part must be 1-64 letters, digits, '-', '_' or '.'",
            ));
        }
        match parts.as_slice() {
            [group, "org", organization, "node"] => Ok(Identity::node(group, organization)),
            [group, "org", organization, "client", name] => {
                Ok(Identity::client(group, organization, name))
            }
            _ => Err(malformed(
                "expected spiffe://GROUP/org/ORG/node or spiffe://GROUP/org/ORG/client/NAME",
            )),
        }
    }

    /// The identity in a DER certificate's single URI SAN.
    pub fn from_certificate(der: &[u8]) -> Result<Identity, IdentityError> {
        let uris = uri_sans(der)?;
        match uris.as_slice() {
            [] => Err(IdentityError::NoUri),
            [only] => Identity::parse_uri(only),
            several => Err(IdentityError::SeveralUris(several.len())),
        }
    }
}

impl std::fmt::Display for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.uri())
    }
}

/// Every URI SAN of a DER certificate.
pub fn uri_sans(der: &[u8]) -> Result<Vec<String>, IdentityError> {
    let (_, certificate) =
        x509_parser::parse_x509_certificate(der).map_err(|_| IdentityError::Unparseable)?;
    let mut uris = Vec::new();
    if let Ok(Some(extension)) = certificate.subject_alternative_name() {
        for name in &extension.value.general_names {
            if let x509_parser::extensions::GeneralName::URI(uri) = name {
                uris.push(uri.to_string());
            }
        }
    }
    Ok(uris)
}

/// SHA-256 of a DER certificate, lower-case hex: what deny-lists name.
pub fn fingerprint(der: &[u8]) -> String {
    hex::encode(Sha256::digest(der))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_round_trip() {
        for identity in [
            Identity::node("rtwg", "UN-Women"),
            Identity::client("rtwg", "IOM", "alice"),
        ] {
            assert_eq!(Identity::parse_uri(&identity.uri()), Ok(identity));
        }
    }

    #[test]
    fn other_shapes_are_refused() {
        for uri in [
            "https://rtwg/org/IOM/node",
            "spiffe://rtwg/org/IOM",
            "spiffe://rtwg/org/IOM/admin",
            "spiffe://rtwg/org//node",
            "spiffe://rtwg/org/IOM/client/",
            "spiffe://rtwg/org/I OM/node",
            "spiffe://rtwg/org/IOM/node/extra",
        ] {
            assert!(
                matches!(
                    Identity::parse_uri(uri),
                    Err(IdentityError::Malformed { .. })
                ),
                "{uri}"
            );
        }
    }
}
