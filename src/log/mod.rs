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
//!
//! A content change signs a [`ContentDigest`] of the report content, not the content
//! itself: the content bytes travel beside the body in [`SignedEntry::content`]. That is
//! what lets a node purge the content of a revision a later one superseded (storage
//! shrinks) while every body, signature and chain link stays verifiable, by it and by every
//! node it relays the log to.

use std::collections::BTreeMap;

use ed25519_dalek::{Signer, Verifier};
use sha2::{Digest, Sha256};
use uuid::Uuid;

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

/// The signed commitment to a report content: its bytes' SHA-256 and length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ContentDigest {
    /// SHA-256 of the encoded content.
    pub sha256: [u8; 32],
    /// Length of the encoded content in bytes.
    pub length: u64,
}

impl ContentDigest {
    /// The digest of `content_bytes`.
    pub fn of(content_bytes: &[u8]) -> ContentDigest {
        ContentDigest {
            sha256: Sha256::digest(content_bytes).into(),
            length: content_bytes.len() as u64,
        }
    }

    /// True when `content_bytes` are the bytes this digest commits to.
    pub fn matches(&self, content_bytes: &[u8]) -> bool {
        *self == ContentDigest::of(content_bytes)
    }
}

/// What an entry does to its report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Creates the report (revision 1) or replaces its whole content: the digest of the
    /// new content, which travels in [`SignedEntry::content`].
    Content(ContentDigest),
    /// Withdraws the report, for ever.
    Withdrawal {
        /// Why, as the author gave it.
        reason: String,
    },
    /// A co-chair's decision about a flagged pair (the entry's report id is the decision's
    /// own id).
    Review(ReviewDecision),
}

/// What a co-chair decided about a pair of reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Decision {
    /// A real duplicate or overlap.
    Confirmed,
    /// Not an overlap.
    Dismissed,
    /// Run jointly.
    Joint,
}

impl Decision {
    /// The public name.
    pub fn name(self) -> &'static str {
        match self {
            Decision::Confirmed => "CONFIRMED",
            Decision::Dismissed => "DISMISSED",
            Decision::Joint => "JOINT",
        }
    }

    /// The decision named `name` (case-insensitive).
    pub fn from_name(name: &str) -> Option<Decision> {
        [Decision::Confirmed, Decision::Dismissed, Decision::Joint]
            .into_iter()
            .find(|d| d.name().eq_ignore_ascii_case(name.trim()))
    }
}

/// A review decision as signed: the pair at the revisions the co-chair saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewDecision {
    /// The smaller report id of the pair.
    pub first_report: Uuid,
    /// Its revision when decided.
    pub first_revision: u64,
    /// The larger report id.
    pub second_report: Uuid,
    /// Its revision when decided.
    pub second_revision: u64,
    /// The decision.
    pub decision: Decision,
    /// Why (free text).
    pub note: String,
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

/// An entry as stored and shipped: body bytes exactly as signed, the signature, and the
/// content the body's digest commits to (unless purged).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedEntry {
    /// Encoded [`EntryBody`]; never re-encoded after signing.
    pub body_bytes: Vec<u8>,
    /// Encoded report content for a content change; `None` for a withdrawal and for a
    /// content change whose revision was superseded and purged.
    pub content: Option<Vec<u8>>,
    /// Ed25519 signature over `body_bytes`.
    pub signature: [u8; 64],
    /// Which of the organization's keys signed: see [`key_id`].
    pub key_id: [u8; 8],
}

impl SignedEntry {
    /// Signs `body_bytes` with `key` (an entry without content bytes: see
    /// [`SignedEntry::with_content`]).
    pub fn sign(body_bytes: Vec<u8>, key: &ed25519_dalek::SigningKey) -> SignedEntry {
        let signature = key.sign(&body_bytes).to_bytes();
        SignedEntry {
            body_bytes,
            content: None,
            signature,
            key_id: key_id(&key.verifying_key()),
        }
    }

    /// The entry carrying `content_bytes` beside its body (the body must hold their digest).
    pub fn with_content(self, content_bytes: Vec<u8>) -> SignedEntry {
        SignedEntry {
            content: Some(content_bytes),
            ..self
        }
    }

    /// The same entry without its content: what is kept once a later revision supersedes
    /// it. Its hash, signature and chain link are unchanged.
    pub fn purged(&self) -> SignedEntry {
        SignedEntry {
            content: None,
            ..self.clone()
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

/// One entry held by a [`LogSet`]: the signed entry and the chain fields read from its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldEntry {
    /// Its position in the organization's log.
    pub sequence: u64,
    /// The hash it links to.
    pub previous_hash: EntryHash,
    /// Its own hash ([`SignedEntry::hash`]).
    pub hash: EntryHash,
    /// The entry, exactly as received.
    pub entry: SignedEntry,
}

/// Evidence that an organization's log forked: the position and the refused entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForkRecord {
    /// Where the received entry conflicts with what is held.
    pub sequence: u64,
    /// The entry that was refused (kept as evidence, never applied).
    pub refused: SignedEntry,
}

/// What [`LogSet::apply`] did with an entry it accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The entry was the next one and is now the head of its organization's log.
    Appended,
    /// The entry was already held: nothing changed.
    Duplicate,
}

/// Every organization's log held in memory, growing only through the apply rule.
///
/// This is the reference model of what a node's store holds: [`LogSet::apply`] verifies the
/// signature, then applies [`check_append`]: the next entry is appended, a held one is a
/// duplicate, one ahead is a gap (refused, to be re-requested), and a different entry at a
/// held position (or one linking elsewhere) is a fork, which is recorded and quarantines the
/// organization: its log never changes again and every later entry of it is refused. So
/// each log is always a gap-free, hash-linked prefix of what its author signed. Used by
/// property tests and simulations of replication; pure, like the rest of this module (it
/// never decodes bodies: callers pass the sequence and previous hash they read from them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogSet {
    logs: BTreeMap<String, Vec<HeldEntry>>,
    forks: BTreeMap<String, ForkRecord>,
}

impl LogSet {
    /// No logs.
    pub fn new() -> LogSet {
        LogSet::default()
    }

    /// Applies `entry` of `organization`, whose body states `sequence` and `previous_hash`,
    /// signed by `key` (the organization's key, from the membership).
    ///
    /// Refusals: [`ApplyError::UnknownKey`] / [`ApplyError::BadSignature`] (nothing looked
    /// at), [`ApplyError::Gap`] (nothing changes; deliver the missing entries first),
    /// [`ApplyError::Fork`] (recorded: see [`LogSet::fork`]; for a quarantined organization
    /// every entry is refused with the sequence of the recorded fork).
    pub fn apply(
        &mut self,
        organization: &str,
        sequence: u64,
        previous_hash: EntryHash,
        entry: SignedEntry,
        key: &ed25519_dalek::VerifyingKey,
    ) -> Result<Applied, ApplyError> {
        entry.verify(key)?;
        if let Some(fork) = self.forks.get(organization) {
            return Err(ApplyError::Fork {
                sequence: fork.sequence,
            });
        }
        let hash = entry.hash();
        let held = self.hash_at(organization, sequence);
        match check_append(self.head(organization), sequence, previous_hash, hash, held) {
            Ok(()) => {
                self.logs
                    .entry(organization.to_string())
                    .or_default()
                    .push(HeldEntry {
                        sequence,
                        previous_hash,
                        hash,
                        entry,
                    });
                Ok(Applied::Appended)
            }
            Err(ApplyError::Duplicate { .. }) => Ok(Applied::Duplicate),
            Err(ApplyError::Fork { sequence }) => {
                self.forks.insert(
                    organization.to_string(),
                    ForkRecord {
                        sequence,
                        refused: entry,
                    },
                );
                Err(ApplyError::Fork { sequence })
            }
            Err(other) => Err(other),
        }
    }

    /// The head of `organization`'s log (None when nothing is held).
    pub fn head(&self, organization: &str) -> Option<LogHead> {
        self.log(organization).last().map(|held| LogHead {
            sequence: held.sequence,
            hash: held.hash,
        })
    }

    /// One head per organization with at least one entry.
    pub fn frontier(&self) -> Frontier {
        self.logs
            .iter()
            .filter_map(|(organization, log)| {
                log.last().map(|held| {
                    (
                        organization.clone(),
                        LogHead {
                            sequence: held.sequence,
                            hash: held.hash,
                        },
                    )
                })
            })
            .collect()
    }

    /// The hash of `organization`'s entry at `sequence`, if held.
    pub fn hash_at(&self, organization: &str, sequence: u64) -> Option<EntryHash> {
        let index = usize::try_from(sequence.checked_sub(1)?).ok()?;
        self.log(organization).get(index).map(|held| held.hash)
    }

    /// `organization`'s log, entry 1 first.
    pub fn log(&self, organization: &str) -> &[HeldEntry] {
        self.logs.get(organization).map_or(&[], Vec::as_slice)
    }

    /// The entries of `organization` after `sequence` (what a peer at `sequence` lacks).
    pub fn entries_after(&self, organization: &str, sequence: u64) -> &[HeldEntry] {
        let log = self.log(organization);
        let start = usize::try_from(sequence).map_or(log.len(), |s| s.min(log.len()));
        &log[start..]
    }

    /// Organizations with at least one entry held, in order.
    pub fn organizations(&self) -> impl Iterator<Item = &str> {
        self.logs
            .iter()
            .filter(|(_, log)| !log.is_empty())
            .map(|(organization, _)| organization.as_str())
    }

    /// The fork recorded for `organization`, if its log is quarantined.
    pub fn fork(&self, organization: &str) -> Option<&ForkRecord> {
        self.forks.get(organization)
    }

    /// Every quarantined organization and its fork.
    pub fn forks(&self) -> &BTreeMap<String, ForkRecord> {
        &self.forks
    }

    /// Drops `organization`'s entries after `sequence`: what a crash does to entries that
    /// were applied but not yet durable. Fork records are kept (they are made durable at
    /// once).
    pub fn truncate(&mut self, organization: &str, sequence: u64) {
        if let Some(log) = self.logs.get_mut(organization) {
            log.truncate(usize::try_from(sequence).unwrap_or(usize::MAX));
        }
    }
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

    #[test]
    fn a_purged_entry_keeps_its_identity_and_signature() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
        let content = b"report content".to_vec();
        let digest = ContentDigest::of(&content);
        assert!(digest.matches(&content));
        assert!(!digest.matches(b"other content"));
        let entry = SignedEntry::sign(b"body with digest".to_vec(), &key).with_content(content);
        let purged = entry.purged();
        assert_eq!(purged.content, None);
        assert_eq!(purged.hash(), entry.hash());
        assert_eq!(purged.verify(&key.verifying_key()), Ok(()));
    }

    /// A chain of `n` entries of `organization` signed by `key`: (sequence, previous, entry).
    fn chain(
        organization: &str,
        n: u64,
        key: &ed25519_dalek::SigningKey,
    ) -> Vec<(u64, EntryHash, SignedEntry)> {
        let mut previous = EntryHash::GENESIS;
        (1..=n)
            .map(|sequence| {
                let entry =
                    SignedEntry::sign(format!("{organization}/{sequence}").into_bytes(), key);
                let link = previous;
                previous = entry.hash();
                (sequence, link, entry)
            })
            .collect()
    }

    #[test]
    fn log_set_appends_in_order_and_drops_duplicates() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[1u8; 32]);
        let public = key.verifying_key();
        let entries = chain("IOM", 3, &key);
        let mut logs = LogSet::new();
        for (sequence, previous, entry) in &entries {
            assert_eq!(
                logs.apply("IOM", *sequence, *previous, entry.clone(), &public),
                Ok(Applied::Appended)
            );
        }
        let (sequence, previous, entry) = entries[1].clone();
        assert_eq!(
            logs.apply("IOM", sequence, previous, entry, &public),
            Ok(Applied::Duplicate)
        );
        assert_eq!(
            logs.head("IOM"),
            Some(LogHead {
                sequence: 3,
                hash: entries[2].2.hash()
            })
        );
        assert_eq!(logs.frontier().len(), 1);
        assert_eq!(logs.entries_after("IOM", 1).len(), 2);
        assert_eq!(logs.entries_after("IOM", 9).len(), 0);
        assert_eq!(logs.entries_after("ILO", 0).len(), 0);
        assert_eq!(logs.organizations().collect::<Vec<_>>(), vec!["IOM"]);
        assert_eq!(logs.hash_at("IOM", 0), None);
        assert_eq!(logs.hash_at("IOM", 2), Some(entries[1].2.hash()));
    }

    #[test]
    fn log_set_refuses_gaps_and_bad_signatures_without_changing() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[1u8; 32]);
        let other = ed25519_dalek::SigningKey::from_bytes(&[2u8; 32]);
        let entries = chain("IOM", 2, &key);
        let mut logs = LogSet::new();
        let (sequence, previous, entry) = entries[1].clone();
        assert_eq!(
            logs.apply("IOM", sequence, previous, entry, &key.verifying_key()),
            Err(ApplyError::Gap {
                head: 0,
                sequence: 2
            })
        );
        let (sequence, previous, entry) = entries[0].clone();
        assert_eq!(
            logs.apply(
                "IOM",
                sequence,
                previous,
                entry.clone(),
                &other.verifying_key()
            ),
            Err(ApplyError::UnknownKey)
        );
        let mut tampered = entry;
        tampered.body_bytes.push(0);
        assert_eq!(
            logs.apply("IOM", sequence, previous, tampered, &key.verifying_key()),
            Err(ApplyError::BadSignature)
        );
        assert_eq!(logs, LogSet::new());
    }

    #[test]
    fn log_set_quarantines_a_forked_organization() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[1u8; 32]);
        let public = key.verifying_key();
        let entries = chain("IOM", 3, &key);
        let mut logs = LogSet::new();
        for (sequence, previous, entry) in entries.iter().take(2) {
            logs.apply("IOM", *sequence, *previous, entry.clone(), &public)
                .expect("in order");
        }
        let before = logs.clone();
        let equivocation = SignedEntry::sign(b"IOM/2 again".to_vec(), &key);
        assert_eq!(
            logs.apply("IOM", 2, entries[0].2.hash(), equivocation.clone(), &public),
            Err(ApplyError::Fork { sequence: 2 })
        );
        assert_eq!(logs.log("IOM"), before.log("IOM"));
        assert_eq!(
            logs.fork("IOM"),
            Some(&ForkRecord {
                sequence: 2,
                refused: equivocation
            })
        );
        // Even the honest next entry is refused now: a fork is never silently resolved.
        let (sequence, previous, entry) = entries[2].clone();
        assert_eq!(
            logs.apply("IOM", sequence, previous, entry, &public),
            Err(ApplyError::Fork { sequence: 2 })
        );
        assert_eq!(logs.log("IOM"), before.log("IOM"));
        assert_eq!(logs.forks().len(), 1);
    }

    #[test]
    fn log_set_truncate_drops_a_suffix() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[1u8; 32]);
        let public = key.verifying_key();
        let mut logs = LogSet::new();
        for (sequence, previous, entry) in chain("IOM", 3, &key) {
            logs.apply("IOM", sequence, previous, entry, &public)
                .expect("in order");
        }
        logs.truncate("IOM", 1);
        assert_eq!(logs.head("IOM").map(|h| h.sequence), Some(1));
        logs.truncate("IOM", 0);
        assert_eq!(logs.head("IOM"), None);
        assert!(logs.frontier().is_empty());
        assert_eq!(logs.organizations().count(), 0);
    }
}
