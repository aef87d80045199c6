//! Per-organization signed logs: the entry, its hash chain and signature, and the apply rule.
//!
//! Every report has exactly one author, its organization, so the whole network state is a
//! function of one totally ordered log per organization. Entry `n` of an organization's log
//! carries `sequence = n`, the SHA-256 hash of entry `n - 1`'s body, and the organization's
//! Ed25519 signature over its own body bytes. A node's position is its [`Frontier`]: one
//! [`LogHead`] per organization.
//!
//! Pure: no IO. The byte encoding of bodies lives in `rpc::codec` (protobuf), because the
//! entry is a wire format; this module only ever sees the bytes it is given and never
//! re-encodes them, since protobuf encoding is not canonical and signatures cover bytes.

use std::collections::BTreeMap;

use ed25519_dalek::{Signer, Verifier};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::report::ReportContent;

/// SHA-256 of an entry body: the link of the hash chain and the identity of an entry.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct EntryHash(pub [u8; 32]);

impl EntryHash {
    /// The "previous hash" of an organization's first entry.
    pub const GENESIS: EntryHash = EntryHash([0; 32]);

    /// Hashes an entry body's exact bytes.
    pub fn of_body(body_bytes: &[u8]) -> EntryHash {
        EntryHash(Sha256::digest(body_bytes).into())
    }

    /// From a byte slice that must be 32 bytes long.
    pub fn from_slice(bytes: &[u8]) -> Option<EntryHash> {
        <[u8; 32]>::try_from(bytes).ok().map(EntryHash)
    }

    /// Lower-case hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl std::fmt::Debug for EntryHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EntryHash({})", &self.to_hex()[..12])
    }
}

/// Where one organization's log stands: the last entry's sequence and body hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogHead {
    /// Sequence of the last entry (1 for a log with one entry).
    pub sequence: u64,
    /// Hash of that entry's body.
    pub hash: EntryHash,
}

/// A node's position in every organization's log. Its size is bounded by the membership.
pub type Frontier = BTreeMap<String, LogHead>;

/// What an entry does to its report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Creates the report (revision 1) or replaces its whole content.
    Content(Box<ReportContent>),
    /// Withdraws the report, for ever.
    Withdrawal {
        /// Why, as the author gave it.
        reason: String,
    },
}

/// The decoded body of a log entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryBody {
    /// Authoring organization.
    pub organization: String,
    /// Position in that organization's log (1, 2, 3, ... without gaps).
    pub sequence: u64,
    /// Hash of the previous entry's body ([`EntryHash::GENESIS`] for sequence 1).
    pub previous_hash: EntryHash,
    /// The author's wall clock, informational only: order never depends on it.
    pub authored_at_unix_ms: i64,
    /// The report changed.
    pub report_id: Uuid,
    /// The report's revision after this entry.
    pub revision: u64,
    /// The organization's writer epoch.
    pub epoch: u64,
    /// What changes.
    pub change: Change,
}

/// An entry as stored and shipped: body bytes exactly as signed, plus the signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedEntry {
    /// Encoded [`EntryBody`]; never re-encoded after signing.
    pub body_bytes: Vec<u8>,
    /// Ed25519 signature over `body_bytes`.
    pub signature: [u8; 64],
    /// Which of the organization's keys signed: see [`key_id`].
    pub key_id: [u8; 8],
}

impl SignedEntry {
    /// Signs `body_bytes` with `key`.
    pub fn sign(body_bytes: Vec<u8>, key: &ed25519_dalek::SigningKey) -> SignedEntry {
        let signature = key.sign(&body_bytes).to_bytes();
        SignedEntry {
            body_bytes,
            signature,
            key_id: key_id(&key.verifying_key()),
        }
    }

    /// Checks the signature against `key`.
    pub fn verify(&self, key: &ed25519_dalek::VerifyingKey) -> Result<(), ApplyError> {
        if self.key_id != key_id(key) {
            return Err(ApplyError::UnknownKey);
        }
        let signature = ed25519_dalek::Signature::from_bytes(&self.signature);
        key.verify(&self.body_bytes, &signature)
            .map_err(|_| ApplyError::BadSignature)
    }

    /// Hash of the body: the entry's identity in the chain.
    pub fn hash(&self) -> EntryHash {
        EntryHash::of_body(&self.body_bytes)
    }
}

/// Short identifier of a public key: the first 8 bytes of its SHA-256.
pub fn key_id(key: &ed25519_dalek::VerifyingKey) -> [u8; 8] {
    let digest = Sha256::digest(key.as_bytes());
    let mut id = [0u8; 8];
    id.copy_from_slice(&digest[..8]);
    id
}

/// Why an entry cannot be appended to its organization's log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    /// The signature does not verify.
    #[error("signature does not verify")]
    BadSignature,
    /// Signed by a key that is not the organization's.
    #[error("signed by a key that is not the organization's")]
    UnknownKey,
    /// The entry is already held (same sequence, same hash): drop it.
    #[error("entry {sequence} is already held")]
    Duplicate {
        /// Its sequence.
        sequence: u64,
    },
    /// Entries between the head and this one are missing: wait or re-request.
    #[error("gap: head is {head}, entry is {sequence}")]
    Gap {
        /// Local head sequence.
        head: u64,
        /// The entry's sequence.
        sequence: u64,
    },
    /// Same sequence as a held entry (or linking to another previous hash) but different
    /// bytes: the organization's log has forked.
    #[error("fork at sequence {sequence}: held entry and received entry differ")]
    Fork {
        /// Where the logs diverge.
        sequence: u64,
    },
}

/// The apply rule, for an entry whose signature has been checked: what to do with an entry
/// with `sequence` and `previous_hash` given the organization's current `head` and, when the
/// entry is at or below the head, the hash of the held entry at that sequence.
///
/// `Ok(())` means "append it: it is the next entry and links to the head".
pub fn check_append(
    head: Option<LogHead>,
    sequence: u64,
    previous_hash: EntryHash,
    entry_hash: EntryHash,
    held_hash_at_sequence: Option<EntryHash>,
) -> Result<(), ApplyError> {
    let head_sequence = head.map_or(0, |h| h.sequence);
    if sequence == 0 {
        return Err(ApplyError::Gap {
            head: head_sequence,
            sequence,
        });
    }
    if sequence <= head_sequence {
        return match held_hash_at_sequence {
            Some(held) if held == entry_hash => Err(ApplyError::Duplicate { sequence }),
            _ => Err(ApplyError::Fork { sequence }),
        };
    }
    if sequence > head_sequence + 1 {
        return Err(ApplyError::Gap {
            head: head_sequence,
            sequence,
        });
    }
    let expected_previous = head.map_or(EntryHash::GENESIS, |h| h.hash);
    if previous_hash != expected_previous {
        return Err(ApplyError::Fork { sequence });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(byte: u8) -> EntryHash {
        EntryHash([byte; 32])
    }

    #[test]
    fn first_entry_links_to_genesis() {
        assert_eq!(
            check_append(None, 1, EntryHash::GENESIS, hash(1), None),
            Ok(())
        );
        assert_eq!(
            check_append(None, 1, hash(9), hash(1), None),
            Err(ApplyError::Fork { sequence: 1 })
        );
    }

    #[test]
    fn next_entry_must_link_to_head() {
        let head = Some(LogHead {
            sequence: 3,
            hash: hash(3),
        });
        assert_eq!(check_append(head, 4, hash(3), hash(4), None), Ok(()));
        assert_eq!(
            check_append(head, 4, hash(2), hash(4), None),
            Err(ApplyError::Fork { sequence: 4 })
        );
    }

    #[test]
    fn duplicates_gaps_and_forks_are_told_apart() {
        let head = Some(LogHead {
            sequence: 3,
            hash: hash(3),
        });
        assert_eq!(
            check_append(head, 2, hash(1), hash(2), Some(hash(2))),
            Err(ApplyError::Duplicate { sequence: 2 })
        );
        assert_eq!(
            check_append(head, 2, hash(1), hash(7), Some(hash(2))),
            Err(ApplyError::Fork { sequence: 2 })
        );
        assert_eq!(
            check_append(head, 5, hash(4), hash(5), None),
            Err(ApplyError::Gap {
                head: 3,
                sequence: 5
            })
        );
        assert!(matches!(
            check_append(head, 0, hash(0), hash(0), None),
            Err(ApplyError::Gap { .. })
        ));
    }

    #[test]
    fn signatures_cover_the_exact_bytes() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
        let other = ed25519_dalek::SigningKey::from_bytes(&[8u8; 32]);
        let entry = SignedEntry::sign(b"body bytes".to_vec(), &key);
        assert_eq!(entry.verify(&key.verifying_key()), Ok(()));
        assert_eq!(
            entry.verify(&other.verifying_key()),
            Err(ApplyError::UnknownKey)
        );
        let mut tampered = entry.clone();
        tampered.body_bytes[0] ^= 1;
        assert_eq!(
            tampered.verify(&key.verifying_key()),
            Err(ApplyError::BadSignature)
        );
    }
}
