//! The membership file: who belongs to the working group, who co-chairs it, each member's
//! signing keys and node endpoints, and the certificate deny-list.
//!
//! One TOML file, the same bytes on every node; [`Membership::hash_hex`] (SHA-256 of those
//! bytes) is what nodes compare when they meet, so a node with a stale copy is noticed.
//!
//! ```toml
//! group = "rtwg"
//! co_chairs = ["ESCAP", "IOM"]
//! deny_fingerprints = []
//!
//! [[members]]
//! code = "IOM"
//! name = "International Organization for Migration"
//! signing_keys = ["<64 hex characters: Ed25519 public key>"]
//! endpoints = ["https://iom.example.org:7400"]
//! iati_identifiers = ["XM-DAC-47066"]
//! aliases = ["International Organisation for Migration"]
//! ```

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One member organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// Short code, as in certificates and reports ("IOM").
    pub code: String,
    /// Full name.
    #[serde(default)]
    pub name: String,
    /// Ed25519 public keys (hex) that may sign this member's log entries. Several during a
    /// key rotation.
    #[serde(default)]
    pub signing_keys: Vec<String>,
    /// Where this member's node can be reached ("https://host:port").
    #[serde(default)]
    pub endpoints: Vec<String>,
    /// IATI organisation identifiers.
    #[serde(default)]
    pub iati_identifiers: Vec<String>,
    /// Other spellings of the member's name seen in data.
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// The parsed membership file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MembershipFile {
    /// The working group (the SPIFFE trust domain of its certificates).
    pub group: String,
    /// Member codes of the co-chairs.
    #[serde(default)]
    pub co_chairs: Vec<String>,
    /// SHA-256 fingerprints (hex) of certificates refused even though the CA signed them.
    #[serde(default)]
    pub deny_fingerprints: Vec<String>,
    /// The members.
    #[serde(default)]
    pub members: Vec<Member>,
}

/// A membership file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum MembershipError {
    /// Cannot read the file.
    #[error("cannot read membership file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Not valid TOML for the schema.
    #[error("membership file {path} is invalid: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What and where.
        message: String,
    },
    /// Valid TOML, inconsistent content.
    #[error("membership file {path}: {message}")]
    Inconsistent {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// The membership in force on a node.
#[derive(Debug, Clone)]
pub struct Membership {
    file: MembershipFile,
    keys: Vec<(String, Vec<ed25519_dalek::VerifyingKey>)>,
    denied: BTreeSet<String>,
    hash: [u8; 32],
}

impl Membership {
    /// Reads and checks a membership file.
    pub fn load(path: &Path) -> Result<Membership, MembershipError> {
        let bytes = std::fs::read(path).map_err(|source| MembershipError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Membership::from_bytes(&bytes).map_err(|error| match error {
            MembershipError::Parse { message, .. } => MembershipError::Parse {
                path: path.to_path_buf(),
                message,
            },
            MembershipError::Inconsistent { message, .. } => MembershipError::Inconsistent {
                path: path.to_path_buf(),
                message,
            },
            other => other,
        })
    }

    /// Parses and checks membership-file bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Membership, MembershipError> {
        let here = PathBuf::from("<membership>");
        let text = std::str::from_utf8(bytes).map_err(|_| MembershipError::Parse {
            path: here.clone(),
            message: "not UTF-8".into(),
        })?;
        let file: MembershipFile =
            toml::from_str(text).map_err(|error| MembershipError::Parse {
                path: here.clone(),
                message: error.to_string(),
            })?;
        let inconsistent = |message: String| MembershipError::Inconsistent {
            path: here.clone(),
            message,
        };
        let mut codes = BTreeSet::new();
        let mut keys = Vec::new();
        for member in &file.members {
            if !codes.insert(member.code.clone()) {
                return Err(inconsistent(format!(
                    "member {} is listed twice",
                    member.code
                )));
            }
            let mut member_keys = Vec::new();
            for (index, key) in member.signing_keys.iter().enumerate() {
                let parsed = hex::decode(key.trim())
                    .ok()
                    .and_then(|bytes| <[u8; 32]>::try_from(bytes.as_slice()).ok())
                    .and_then(|bytes| ed25519_dalek::VerifyingKey::from_bytes(&bytes).ok())
                    .ok_or_else(|| {
                        inconsistent(format!(
                            "members.{}.signing_keys[{index}] is not an Ed25519 public key in hex",
                            member.code
                        ))
                    })?;
                member_keys.push(parsed);
            }
            keys.push((member.code.clone(), member_keys));
        }
        for co_chair in &file.co_chairs {
            if !codes.contains(co_chair) {
                return Err(inconsistent(format!("co-chair {co_chair} is not a member")));
            }
        }
        let mut denied = BTreeSet::new();
        for fingerprint in &file.deny_fingerprints {
            let normalized = fingerprint.trim().to_ascii_lowercase().replace(':', "");
            if normalized.len() != 64 || !normalized.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(inconsistent(format!(
                    "deny_fingerprints entry {fingerprint:?} is not a SHA-256 fingerprint (64 hex characters)"
                )));
            }
            denied.insert(normalized);
        }
        Ok(Membership {
            file,
            keys,
            denied,
            hash: Sha256::digest(bytes).into(),
        })
    }

    /// The working group's name.
    pub fn group(&self) -> &str {
        &self.file.group
    }

    /// The parsed file.
    pub fn file(&self) -> &MembershipFile {
        &self.file
    }

    /// The member with `code`.
    pub fn member(&self, code: &str) -> Option<&Member> {
        self.file.members.iter().find(|member| member.code == code)
    }

    /// True when `code` co-chairs the group.
    pub fn is_co_chair(&self, code: &str) -> bool {
        self.file.co_chairs.iter().any(|c| c == code)
    }

    /// True when a certificate with this SHA-256 fingerprint (hex) is denied.
    pub fn is_denied(&self, fingerprint_hex: &str) -> bool {
        self.denied.contains(&fingerprint_hex.to_ascii_lowercase())
    }

    /// The keys that may sign `code`'s entries.
    pub fn signing_keys(&self, code: &str) -> &[ed25519_dalek::VerifyingKey] {
        self.keys
            .iter()
            .find(|(member, _)| member == code)
            .map(|(_, keys)| keys.as_slice())
            .unwrap_or(&[])
    }

    /// SHA-256 of the file's bytes, hex: equal on every node that has the same file.
    pub fn hash_hex(&self) -> String {
        hex::encode(self.hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_hex(seed: u8) -> String {
        hex::encode(
            ed25519_dalek::SigningKey::from_bytes(&[seed; 32])
                .verifying_key()
                .as_bytes(),
        )
    }

    #[test]
    fn parses_members_keys_co_chairs_and_deny_list() {
        let text = format!(
            "group = \"rtwg\"\nco_chairs = [\"ESCAP\"]\ndeny_fingerprints = [\"{}\"]\n\
             [[members]]\ncode = \"ESCAP\"\nsigning_keys = [\"{}\"]\n\
             [[members]]\ncode = \"IOM\"\niati_identifiers = [\"XM-DAC-47066\"]\n",
            "AB".repeat(32),
            key_hex(1)
        );
        let membership = Membership::from_bytes(text.as_bytes()).unwrap();
        assert_eq!(membership.group(), "rtwg");
        assert!(membership.is_co_chair("ESCAP"));
        assert!(!membership.is_co_chair("IOM"));
        assert!(membership.is_denied(&"ab".repeat(32)));
        assert_eq!(membership.signing_keys("ESCAP").len(), 1);
        assert!(membership.signing_keys("IOM").is_empty());
        assert!(membership.member("UNHCR").is_none());
        assert_eq!(membership.hash_hex().len(), 64);
    }

    #[test]
    fn inconsistent_files_are_refused_with_the_reason() {
        for (text, expected) in [
            (
                "group = \"g\"\nco_chairs = [\"X\"]\n",
                "co-chair X is not a member",
            ),
            (
                "group = \"g\"\n[[members]]\ncode = \"A\"\n[[members]]\ncode = \"A\"\n",
                "listed twice",
            ),
            (
                "group = \"g\"\n[[members]]\ncode = \"A\"\nsigning_keys = [\"zz\"]\n",
                "signing_keys[0]",
            ),
            (
                "group = \"g\"\ndeny_fingerprints = [\"abc\"]\n",
                "not a SHA-256",
            ),
            ("group = \"g\"\nmembers = 3\n", "invalid"),
        ] {
            let error = Membership::from_bytes(text.as_bytes())
                .unwrap_err()
                .to_string();
            assert!(error.contains(expected), "{error}");
        }
    }
}
