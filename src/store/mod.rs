//! The durable store: the only module that imports sled.
//!
//! One sled tree holds everything under one-byte key prefixes, so that one entry is applied
//! to the log, the report state, the change feed and the frontier with a single atomic
//! `apply_batch` (secondary indexes are derived from these, in memory: `ledger::index`) (sled batches are atomic across crashes; transactions over
//! several trees would cost more for nothing):
//!
//! | prefix | key | value |
//! |---|---|---|
//! | `M` | meta name | format version, incarnation id, creation time, last change number |
//! | `L` | org (length-prefixed) + sequence (u64 BE) | the signed entry's bytes, as received |
//! | `H` | org | the log head: sequence + body hash |
//! | `R` | report id (16 bytes) | [`ReportState`] |
//! | `C` | change number (u64 BE) | [`ChangeRecord`] |
//! | `I` | org + client idempotency key | report id |
//! | `F` | org (length-prefixed) + sequence + entry hash | a received entry that forks the held log (evidence) |
//! | `Q` | org | the sequence where the org's log forked: the log is quarantined |
//! | `V` | first report id + second report id + deciding org | [`ReviewRecord`]: that co-chair's latest decision on the pair |
//!
//! Durability: [`Store::apply`] changes memory only; [`Store::flush`] makes everything applied
//! before it durable. Callers acknowledge a write only after a flush that started after the
//! write was applied (the ledger's group commit does exactly this).

mod records;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use uuid::Uuid;

pub use records::{ChangeKind, ChangeRecord, ReportState, ReviewRecord};

use crate::log::{EntryHash, Frontier, LogHead};

/// The on-disk format this build reads and writes. Bump it (and write a migration) when a
/// key layout or record encoding changes. (2: report content moved beside the signed entry
/// body, so superseded revisions can be purged; stores of format 1 were never deployed.)
pub const FORMAT_VERSION: u32 = 2;

/// Errors of the store. Anything but [`StoreError::Conflict`] is an operational failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The underlying database failed (disk full, IO error).
    #[error("storage failure: {0}")]
    Io(String),
    /// A record could not be decoded: the data directory is damaged.
    #[error("store is corrupt: {0}")]
    Corrupt(String),
    /// The data directory was written by another format version.
    #[error(
        "data directory {path} holds a store of format version {found}; this concord reads version {supported}"
    )]
    UnsupportedFormat {
        /// The directory.
        path: PathBuf,
        /// Its format version.
        found: u32,
        /// What this build reads.
        supported: u32,
    },
    /// The directory is not empty but is not a Concord store.
    #[error("{path} is not a Concord data directory: {reason}")]
    NotAStore {
        /// The directory.
        path: PathBuf,
        /// What was found instead.
        reason: String,
    },
    /// Another process holds the store open.
    #[error("data directory {0} is in use by another process")]
    Locked(PathBuf),
    /// A write that would break a log invariant (a gap or a wrong previous hash): a bug
    /// in the caller, refused so the store never holds a broken chain.
    #[error("refused write: {0}")]
    Conflict(String),
}

impl From<sled::Error> for StoreError {
    fn from(error: sled::Error) -> Self {
        StoreError::Io(error.to_string())
    }
}

/// Sizing of the store's cache.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// sled's page cache in bytes. sled's default (1 GiB) makes a node use ~800 MiB, so
    /// every node sizes it explicitly.
    pub cache_capacity_bytes: u64,
    /// When the store has to be created, create it already marked as recovering (see
    /// [`Store::recovering`]) in the same durable write, so no crash can leave a new store
    /// that would author before recovering its organization's log from peers.
    pub recover_if_created: bool,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            cache_capacity_bytes: 64 * 1024 * 1024,
            recover_if_created: false,
        }
    }
}

/// One entry to append, with everything it changes. Applied atomically by [`Store::apply`].
#[derive(Debug, Clone)]
pub struct WriteSet {
    /// Authoring organization.
    pub organization: String,
    /// The entry's sequence: must be the organization's head + 1.
    pub sequence: u64,
    /// The entry's previous hash: must be the head's hash.
    pub previous_hash: EntryHash,
    /// The entry's body hash (becomes the new head).
    pub entry_hash: EntryHash,
    /// The signed entry's bytes, stored as they are.
    pub entry_bytes: Vec<u8>,
    /// What the entry does besides extending the log.
    pub effect: WriteEffect,
}

/// What an entry changes besides its log.
#[derive(Debug, Clone)]
pub enum WriteEffect {
    /// A report's creation, revision or withdrawal.
    Report {
        /// The report's state after the entry.
        state: ReportState,
        /// The change-feed kind.
        change_kind: ChangeKind,
        /// A client's idempotency key, remembered for the report (creation only).
        idempotency_key: Option<String>,
    },
    /// A co-chair's review decision: replaces that organization's earlier decision on the
    /// pair, if this one is not older (decisions of one organization arrive in log order).
    Review(ReviewRecord),
}

/// The node's durable store.
pub struct Store {
    db: sled::Db,
    path: PathBuf,
    incarnation: Uuid,
    created_at_ms: i64,
    created_now: bool,
    /// sled's data file, for `fdatasync`: sled 0.34 makes its log stable with
    /// `sync_file_range`, which neither flushes the device's write cache nor the file's
    /// size, so it does not survive a power loss. [`Store::flush_blocking`] adds the
    /// `fdatasync` that does.
    data_file: std::fs::File,
    /// Serializes [`Store::apply`]: each write reads the head and state it replaces.
    write_lock: Mutex<()>,
}

const META_FORMAT: &[u8] = b"Mformat";
const META_INCARNATION: &[u8] = b"Mincarnation";
const META_CREATED: &[u8] = b"Mcreated";
const META_LAST_CHANGE: &[u8] = b"Mlast_change";
/// Present while the node must recover its own organization's log from peers before
/// authoring (a new or restored store).
const META_RECOVERING: &[u8] = b"Mrecovering";
/// The writer epoch this node authors in (absent: 1).
const META_EPOCH: &[u8] = b"Mepoch";

fn log_key(organization: &str, sequence: u64) -> Vec<u8> {
    let mut key = log_prefix(organization);
    key.extend_from_slice(&sequence.to_be_bytes());
    key
}

fn log_prefix(organization: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(2 + organization.len() + 8);
    key.push(b'L');
    key.push(organization.len().min(255) as u8);
    key.extend_from_slice(organization.as_bytes());
    key
}

fn head_key(organization: &str) -> Vec<u8> {
    let mut key = vec![b'H'];
    key.extend_from_slice(organization.as_bytes());
    key
}

fn review_key(review: &ReviewRecord) -> Vec<u8> {
    let mut key = vec![b'V'];
    key.extend_from_slice(review.first_report.as_bytes());
    key.extend_from_slice(review.second_report.as_bytes());
    key.extend_from_slice(review.organization.as_bytes());
    key
}

fn report_key(id: Uuid) -> Vec<u8> {
    let mut key = vec![b'R'];
    key.extend_from_slice(id.as_bytes());
    key
}

fn change_key(change: u64) -> Vec<u8> {
    let mut key = vec![b'C'];
    key.extend_from_slice(&change.to_be_bytes());
    key
}

fn idempotency_key(organization: &str, client_key: &str) -> Vec<u8> {
    let mut key = vec![b'I'];
    key.push(organization.len().min(255) as u8);
    key.extend_from_slice(organization.as_bytes());
    key.extend_from_slice(client_key.as_bytes());
    key
}

fn now_unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl Store {
    /// Opens the store in `path`, creating it when the directory is missing or empty.
    ///
    /// Refuses, with a message naming the problem, a directory that holds something else, a
    /// store of another format version, or a store another process has open.
    pub fn open(path: &Path, options: &StoreOptions) -> Result<Store, StoreError> {
        let is_new = match std::fs::read_dir(path) {
            Ok(mut entries) => entries.next().is_none(),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => true,
            Err(error) => {
                return Err(StoreError::Io(format!(
                    "cannot read data directory {}: {error}",
                    path.display()
                )));
            }
        };
        if !is_new && !path.join("db").exists() {
            return Err(StoreError::NotAStore {
                path: path.to_path_buf(),
                reason: "it is not empty and holds no store (expected a file named `db`)".into(),
            });
        }
        std::fs::create_dir_all(path).map_err(|error| {
            StoreError::Io(format!(
                "cannot create data directory {}: {error}",
                path.display()
            ))
        })?;
        let db = sled::Config::new()
            .path(path)
            .cache_capacity(options.cache_capacity_bytes)
            .mode(sled::Mode::HighThroughput)
            // Durability comes from explicit flushes before acknowledgement, not a timer.
            .flush_every_ms(None)
            .open()
            .map_err(|error| match error {
                sled::Error::Io(ref io) if io.kind() == std::io::ErrorKind::WouldBlock => {
                    StoreError::Locked(path.to_path_buf())
                }
                sled::Error::Io(ref io) if io.to_string().contains("lock") => {
                    StoreError::Locked(path.to_path_buf())
                }
                sled::Error::Corruption { .. } => {
                    StoreError::Corrupt(format!("{} cannot be read: {error}", path.display()))
                }
                other => StoreError::Io(format!("cannot open {}: {other}", path.display())),
            })?;

        let created_now = !db.contains_key(META_FORMAT)? && db.is_empty();
        let (incarnation, created_at_ms) = match db.get(META_FORMAT)? {
            Some(found) => {
                let found = <[u8; 4]>::try_from(found.as_ref())
                    .map(u32::from_be_bytes)
                    .map_err(|_| StoreError::Corrupt("format version record".into()))?;
                if found != FORMAT_VERSION {
                    return Err(StoreError::UnsupportedFormat {
                        path: path.to_path_buf(),
                        found,
                        supported: FORMAT_VERSION,
                    });
                }
                let incarnation = db
                    .get(META_INCARNATION)?
                    .and_then(|bytes| Uuid::from_slice(&bytes).ok())
                    .ok_or_else(|| StoreError::Corrupt("missing incarnation id".into()))?;
                let created = db
                    .get(META_CREATED)?
                    .and_then(|bytes| <[u8; 8]>::try_from(bytes.as_ref()).ok())
                    .map(i64::from_be_bytes)
                    .unwrap_or(0);
                (incarnation, created)
            }
            None if db.is_empty() => {
                let incarnation = Uuid::now_v7();
                let created = now_unix_ms();
                let mut batch = sled::Batch::default();
                batch.insert(META_FORMAT, &FORMAT_VERSION.to_be_bytes());
                batch.insert(META_INCARNATION, incarnation.as_bytes());
                batch.insert(META_CREATED, &created.to_be_bytes());
                batch.insert(META_LAST_CHANGE, &0u64.to_be_bytes());
                if options.recover_if_created {
                    batch.insert(META_RECOVERING, &[1u8]);
                }
                db.apply_batch(batch)?;
                db.flush()?;
                (incarnation, created)
            }
            None => {
                return Err(StoreError::NotAStore {
                    path: path.to_path_buf(),
                    reason: "it holds a sled database without a Concord format version".into(),
                });
            }
        };
        let data_file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(path.join("db"))
            .map_err(|error| {
                StoreError::Io(format!(
                    "cannot open {} for syncing: {error}",
                    path.join("db").display()
                ))
            })?;
        if created_now {
            // The new store's metadata (format version, incarnation) is durable too.
            data_file.sync_data().map_err(|error| {
                StoreError::Io(format!("fdatasync of the store failed: {error}"))
            })?;
        }
        Ok(Store {
            db,
            data_file,
            path: path.to_path_buf(),
            incarnation,
            created_at_ms,
            created_now,
            write_lock: Mutex::new(()),
        })
    }

    /// True when this `open` created the store (an empty or missing directory).
    pub fn created_now(&self) -> bool {
        self.created_now
    }

    /// Whether the node must first recover its own organization's log from peers.
    pub fn recovering(&self) -> Result<bool, StoreError> {
        Ok(self.db.contains_key(META_RECOVERING)?)
    }

    /// The writer epoch this node authors in (1 until an operator starts a new one).
    pub fn writer_epoch(&self) -> Result<u64, StoreError> {
        Ok(self
            .db
            .get(META_EPOCH)?
            .and_then(|bytes| <[u8; 8]>::try_from(bytes.as_ref()).ok())
            .map(u64::from_be_bytes)
            .unwrap_or(1))
    }

    /// Starts a new writer epoch and ends recovery, durably: the operator's decision to
    /// author again although no peer could return this organization's log.
    pub fn start_new_writer_epoch(&self) -> Result<u64, StoreError> {
        let epoch = self.writer_epoch()? + 1;
        let mut batch = sled::Batch::default();
        batch.insert(META_EPOCH, &epoch.to_be_bytes());
        batch.remove(META_RECOVERING);
        self.db.apply_batch(batch)?;
        self.flush_blocking()?;
        Ok(epoch)
    }

    /// Marks (or clears) the recovery requirement, durably.
    pub fn set_recovering(&self, recovering: bool) -> Result<(), StoreError> {
        if recovering {
            self.db.insert(META_RECOVERING, &[1u8])?;
        } else {
            self.db.remove(META_RECOVERING)?;
        }
        self.flush_blocking()?;
        Ok(())
    }

    /// Where the store lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Made when the store was created: a new id means a new or restored store.
    pub fn incarnation(&self) -> Uuid {
        self.incarnation
    }

    /// When the store was created (ms since the epoch).
    pub fn created_at_ms(&self) -> i64 {
        self.created_at_ms
    }

    /// Approximate size on disk in bytes.
    pub fn size_on_disk(&self) -> u64 {
        self.db.size_on_disk().unwrap_or(0)
    }

    /// Appends one entry and everything it changes, atomically (in memory: call
    /// [`Store::flush`] before acknowledging). Refuses an entry that does not extend the
    /// organization's log by exactly one, linked to the head.
    pub fn apply(&self, write: &WriteSet) -> Result<u64, StoreError> {
        let _serialized = self
            .write_lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let head = self.head(&write.organization)?;
        let expected_sequence = head.map_or(1, |h| h.sequence + 1);
        let expected_previous = head.map_or(EntryHash::GENESIS, |h| h.hash);
        if write.sequence != expected_sequence || write.previous_hash != expected_previous {
            return Err(StoreError::Conflict(format!(
                "entry {} of {} does not extend its log (head is {})",
                write.sequence,
                write.organization,
                expected_sequence - 1
            )));
        }
        let mut batch = sled::Batch::default();

        batch.insert(
            log_key(&write.organization, write.sequence),
            write.entry_bytes.as_slice(),
        );
        batch.insert(
            head_key(&write.organization),
            records::encode_head(&LogHead {
                sequence: write.sequence,
                hash: write.entry_hash,
            }),
        );
        let change = match &write.effect {
            WriteEffect::Report {
                state,
                change_kind,
                idempotency_key: client_key,
            } => {
                let change = self.last_change()? + 1;
                let id = state.id;
                batch.insert(report_key(id), state.encode());
                let record = ChangeRecord {
                    change,
                    report_id: id,
                    organization: write.organization.clone(),
                    sequence: write.sequence,
                    revision: state.revision,
                    kind: *change_kind,
                };
                batch.insert(change_key(change), record.encode());
                batch.insert(META_LAST_CHANGE, &change.to_be_bytes());
                if let Some(client_key) = client_key {
                    batch.insert(
                        idempotency_key(&write.organization, client_key),
                        id.as_bytes(),
                    );
                }
                change
            }
            // Reviews are not report changes: the change feed does not move.
            WriteEffect::Review(review) => {
                batch.insert(review_key(review), review.encode());
                self.last_change()?
            }
        };
        self.db.apply_batch(batch)?;
        Ok(change)
    }

    /// Every review decision held: each co-chair's latest on each pair.
    pub fn reviews(&self) -> Result<Vec<ReviewRecord>, StoreError> {
        let mut reviews = Vec::new();
        for item in self.db.range(vec![b'V']..vec![b'W']) {
            let (_, value) = item?;
            reviews.push(ReviewRecord::decode(&value)?);
        }
        Ok(reviews)
    }

    /// Replaces entry `sequence` of `organization`'s log with `purged_bytes`: the same
    /// signed entry without its content, once a durable later revision superseded it.
    /// Refuses to touch the head (the superseding entry must come after it) or a position
    /// not held. Not flushed here: a lost purge only leaves the content in place.
    pub fn purge_entry(
        &self,
        organization: &str,
        sequence: u64,
        purged_bytes: &[u8],
    ) -> Result<(), StoreError> {
        let _serialized = self
            .write_lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let head = self.head(organization)?.map_or(0, |h| h.sequence);
        if sequence == 0 || sequence >= head {
            return Err(StoreError::Conflict(format!(
                "cannot purge entry {sequence} of {organization}: only entries before the head ({head}) are superseded"
            )));
        }
        let key = log_key(organization, sequence);
        if self.db.get(&key)?.is_none() {
            return Err(StoreError::Conflict(format!(
                "cannot purge entry {sequence} of {organization}: not held"
            )));
        }
        self.db.insert(key, purged_bytes)?;
        Ok(())
    }

    /// Makes everything applied so far durable: sled writes its log out, then `fdatasync`
    /// reaches the device (one of each shared by every write applied before the call: this
    /// is what group commit rests on).
    pub fn flush_blocking(&self) -> Result<(), StoreError> {
        self.db.flush()?;
        self.data_file
            .sync_data()
            .map_err(|error| StoreError::Io(format!("fdatasync of the store failed: {error}")))?;
        Ok(())
    }

    /// The head of `organization`'s log, if this node holds any of it.
    pub fn head(&self, organization: &str) -> Result<Option<LogHead>, StoreError> {
        self.db
            .get(head_key(organization))?
            .map(|bytes| records::decode_head(&bytes))
            .transpose()
    }

    /// Every organization's head.
    pub fn frontier(&self) -> Result<Frontier, StoreError> {
        let mut frontier = Frontier::new();
        for item in self.db.scan_prefix(b"H") {
            let (key, value) = item?;
            let organization = String::from_utf8(key[1..].to_vec())
                .map_err(|_| StoreError::Corrupt("non-UTF-8 organization".into()))?;
            frontier.insert(organization, records::decode_head(&value)?);
        }
        Ok(frontier)
    }

    /// The signed entry at `sequence` of `organization`'s log.
    pub fn entry(&self, organization: &str, sequence: u64) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .db
            .get(log_key(organization, sequence))?
            .map(|bytes| bytes.to_vec()))
    }

    /// The entries of `organization`'s log after `after_sequence`, in order, at most `limit`.
    pub fn entries_after(
        &self,
        organization: &str,
        after_sequence: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        let start = log_key(organization, after_sequence.saturating_add(1));
        let mut end = log_prefix(organization);
        end.extend_from_slice(&u64::MAX.to_be_bytes());
        let mut entries = Vec::new();
        for item in self.db.range(start..=end).take(limit) {
            let (key, value) = item?;
            let mut sequence = [0u8; 8];
            sequence.copy_from_slice(&key[key.len() - 8..]);
            entries.push((u64::from_be_bytes(sequence), value.to_vec()));
        }
        Ok(entries)
    }

    /// The state of report `id`.
    pub fn report_state(&self, id: Uuid) -> Result<Option<ReportState>, StoreError> {
        self.db
            .get(report_key(id))?
            .map(|bytes| ReportState::decode(&bytes))
            .transpose()
    }

    /// Report states in id order, starting after `after` (exclusive), at most `limit`.
    pub fn reports_after(
        &self,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<Vec<ReportState>, StoreError> {
        let start = match after {
            Some(id) => {
                let mut key = report_key(id);
                key.push(0);
                key
            }
            None => vec![b'R'],
        };
        let mut states = Vec::new();
        for item in self.db.range(start..vec![b'S']).take(limit) {
            let (_, value) = item?;
            states.push(ReportState::decode(&value)?);
        }
        Ok(states)
    }

    /// Number of reports held (withdrawn ones included).
    pub fn report_count(&self) -> Result<u64, StoreError> {
        let mut count = 0;
        for item in self.db.scan_prefix(b"R").keys() {
            item?;
            count += 1;
        }
        Ok(count)
    }

    /// Keeps `received`, an entry that claims a position of `organization`'s log already
    /// held by a different entry, and quarantines that log (both in one durable-once-flushed
    /// batch; the held entry stays where it is).
    pub fn record_fork(
        &self,
        organization: &str,
        sequence: u64,
        received: &[u8],
    ) -> Result<(), StoreError> {
        let _serialized = self
            .write_lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut evidence_key = vec![b'F'];
        evidence_key.extend_from_slice(&log_key(organization, sequence)[1..]);
        evidence_key.extend_from_slice(&EntryHash::of_body(received).0);
        let mut quarantine_key = vec![b'Q'];
        quarantine_key.extend_from_slice(organization.as_bytes());
        let mut batch = sled::Batch::default();
        batch.insert(evidence_key, received);
        if self.db.get(&quarantine_key)?.is_none() {
            batch.insert(quarantine_key, &sequence.to_be_bytes());
        }
        self.db.apply_batch(batch)?;
        Ok(())
    }

    /// Where `organization`'s log forked, if it is quarantined.
    pub fn quarantined(&self, organization: &str) -> Result<Option<u64>, StoreError> {
        let mut key = vec![b'Q'];
        key.extend_from_slice(organization.as_bytes());
        Ok(self
            .db
            .get(key)?
            .and_then(|bytes| <[u8; 8]>::try_from(bytes.as_ref()).ok())
            .map(u64::from_be_bytes))
    }

    /// Every quarantined organization with the sequence where its log forked.
    pub fn quarantines(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let mut quarantines = Vec::new();
        for item in self.db.scan_prefix(b"Q") {
            let (key, value) = item?;
            let organization = String::from_utf8(key[1..].to_vec())
                .map_err(|_| StoreError::Corrupt("non-UTF-8 organization".into()))?;
            let sequence = <[u8; 8]>::try_from(value.as_ref())
                .map(u64::from_be_bytes)
                .map_err(|_| StoreError::Corrupt("quarantine record".into()))?;
            quarantines.push((organization, sequence));
        }
        Ok(quarantines)
    }

    /// The report a client's idempotency key created, if any.
    pub fn idempotent_report(
        &self,
        organization: &str,
        client_key: &str,
    ) -> Result<Option<Uuid>, StoreError> {
        Ok(self
            .db
            .get(idempotency_key(organization, client_key))?
            .and_then(|bytes| Uuid::from_slice(&bytes).ok()))
    }

    /// The number of the last change applied (0 when none).
    pub fn last_change(&self) -> Result<u64, StoreError> {
        Ok(self
            .db
            .get(META_LAST_CHANGE)?
            .and_then(|bytes| <[u8; 8]>::try_from(bytes.as_ref()).ok())
            .map(u64::from_be_bytes)
            .unwrap_or(0))
    }

    /// Change records after `after` (exclusive), at most `limit`.
    pub fn changes_after(&self, after: u64, limit: usize) -> Result<Vec<ChangeRecord>, StoreError> {
        let mut changes = Vec::new();
        for item in self
            .db
            .range(change_key(after.saturating_add(1))..vec![b'D'])
            .take(limit)
        {
            let (key, value) = item?;
            let mut number = [0u8; 8];
            number.copy_from_slice(&key[1..9]);
            changes.push(ChangeRecord::decode(u64::from_be_bytes(number), &value)?);
        }
        Ok(changes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(id: Uuid, revision: u64, sequence: u64) -> ReportState {
        ReportState {
            id,
            organization: "ILO".into(),
            revision,
            created_at_ms: 1,
            updated_at_ms: 2,
            content_sequence: sequence,
            latest_sequence: sequence,
            withdrawn: false,
            withdrawal_reason: String::new(),
        }
    }

    fn write(sequence: u64, previous: EntryHash, id: Uuid) -> WriteSet {
        WriteSet {
            organization: "ILO".into(),
            sequence,
            previous_hash: previous,
            entry_hash: EntryHash([sequence as u8; 32]),
            entry_bytes: vec![sequence as u8],
            effect: WriteEffect::Report {
                state: state(id, sequence, sequence),
                change_kind: if sequence == 1 {
                    ChangeKind::Created
                } else {
                    ChangeKind::Revised
                },
                idempotency_key: None,
            },
        }
    }

    #[test]
    fn a_purge_rewrites_an_entry_before_the_head_and_never_the_head() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
        let id = Uuid::now_v7();
        store.apply(&write(1, EntryHash::GENESIS, id)).unwrap();
        assert!(matches!(
            store.purge_entry("ILO", 1, b"stub"),
            Err(StoreError::Conflict(_))
        ));
        store.apply(&write(2, EntryHash([1; 32]), id)).unwrap();
        store.purge_entry("ILO", 1, b"stub").unwrap();
        assert_eq!(store.entry("ILO", 1).unwrap(), Some(b"stub".to_vec()));
        for (organization, sequence) in [("ILO", 2), ("ILO", 0), ("IOM", 1)] {
            assert!(matches!(
                store.purge_entry(organization, sequence, b"stub"),
                Err(StoreError::Conflict(_))
            ));
        }
        assert_eq!(store.entry("ILO", 2).unwrap(), Some(vec![2]));
    }

    #[test]
    fn applies_entries_to_log_head_state_and_change_feed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
        let id = Uuid::now_v7();
        store.apply(&write(1, EntryHash::GENESIS, id)).unwrap();
        assert_eq!(store.report_state(id).unwrap().unwrap().revision, 1);
        store.apply(&write(2, EntryHash([1; 32]), id)).unwrap();
        assert_eq!(store.report_state(id).unwrap().unwrap().revision, 2);
        assert_eq!(store.head("ILO").unwrap().unwrap().sequence, 2);
        assert_eq!(store.changes_after(0, 10).unwrap().len(), 2);
        assert_eq!(
            store.entries_after("ILO", 1, 10).unwrap(),
            vec![(2, vec![2])]
        );
    }

    #[test]
    fn refuses_gaps_and_broken_links() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
        let id = Uuid::now_v7();
        assert!(matches!(
            store.apply(&write(2, EntryHash::GENESIS, id)),
            Err(StoreError::Conflict(_))
        ));
        store.apply(&write(1, EntryHash::GENESIS, id)).unwrap();
        assert!(matches!(
            store.apply(&write(2, EntryHash([9; 32]), id)),
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(store.last_change().unwrap(), 1);
    }

    #[test]
    fn reopens_with_the_same_incarnation_and_refuses_foreign_directories() {
        let dir = tempfile::tempdir().unwrap();
        let incarnation = {
            let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
            store.flush_blocking().unwrap();
            store.incarnation()
        };
        let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
        assert_eq!(store.incarnation(), incarnation);
        drop(store);

        let foreign = tempfile::tempdir().unwrap();
        std::fs::write(foreign.path().join("notes.txt"), "hello").unwrap();
        assert!(matches!(
            Store::open(foreign.path(), &StoreOptions::default()),
            Err(StoreError::NotAStore { .. })
        ));
    }

    #[test]
    fn refuses_a_store_of_another_format_version() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
            store
                .db
                .insert(META_FORMAT, &(FORMAT_VERSION + 1).to_be_bytes())
                .unwrap();
            store.flush_blocking().unwrap();
        }
        let error = Store::open(dir.path(), &StoreOptions::default())
            .err()
            .expect("a newer format must be refused");
        assert_eq!(
            error,
            StoreError::UnsupportedFormat {
                path: dir.path().to_path_buf(),
                found: FORMAT_VERSION + 1,
                supported: FORMAT_VERSION,
            }
        );
        assert!(
            error
                .to_string()
                .contains(&format!("format version {}", FORMAT_VERSION + 1)),
            "{error}"
        );
    }
}
