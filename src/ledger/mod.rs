//! The ledger: a node's authoring and reading core, between the RPC layer and the store.
//!
//! Writes go through one writer thread, which is what makes each organization's log
//! gap-free: it checks the report's current state (revision, withdrawal), builds the next
//! entry of the organization's log, signs it and applies it to the store in one atomic
//! batch. Applied writes are handed to a flusher thread that flushes the store once for
//! every write that arrived while the previous flush ran (group commit) and only then
//! acknowledges them and advances the durable change number that `Watch` follows. So a
//! caller is never told "saved" before the entry is on disk, and concurrent callers share
//! fsyncs instead of paying one each.
//!
//! Validation runs in the caller's task before the writer sees anything, so bad input never
//! reaches the log. Reads (`get`, `list`) go straight to the store.

pub mod consolidated;
pub mod index;
pub mod overlaps;
pub mod query;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::mpsc as std_mpsc;
use std::thread::JoinHandle;

use tokio::sync::{oneshot, watch};
use uuid::Uuid;

use crate::log::{
    ApplyError, Change, EntryBody, EntryHash, Frontier, LogHead, ReviewDecision, SignedEntry,
    check_append,
};
use crate::report::text::search_tokens;
use crate::report::validate::validate_draft;
use crate::report::{Date, FieldViolation, ReportContent, ReportDraft};
use crate::rpc::codec;
use crate::store::{
    ChangeKind, ReportState, ReviewRecord, Store, StoreError, WriteEffect, WriteSet,
};
use index::{IndexKey, IndexKind, MemoryIndex, ReportFacts};

pub use query::{ListPage, ListQuery};

/// Why a ledger call failed.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The report or request has bad fields; nothing was stored.
    #[error("invalid report: {}", .0.iter().map(|v| v.to_string()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldViolation>),
    /// No report with this id.
    #[error("no report with id {0}")]
    NotFound(Uuid),
    /// The caller's expected revision is not the current one.
    #[error(
        "report {id} is at revision {current}, not {expected}: get it again and reapply your change"
    )]
    StaleRevision {
        /// The report.
        id: Uuid,
        /// What the caller expected.
        expected: u64,
        /// What it is.
        current: u64,
    },
    /// Withdrawn reports cannot change again.
    #[error("report {0} is withdrawn and cannot change")]
    Withdrawn(Uuid),
    /// The report belongs to another organization: only its own node may change it.
    #[error("report {id} belongs to {owner}; only {owner}'s node can change it")]
    NotOwner {
        /// The report.
        id: Uuid,
        /// Its organization.
        owner: String,
    },
    /// The store failed; details are in the node's log.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The node is shutting down.
    #[error("the node is shutting down")]
    ShuttingDown,
    /// A received entry was not applied.
    #[error(transparent)]
    Rejected(#[from] IngestRejection),
    /// The store is new or restored: the node recovers its own organization's log from its
    /// peers before it authors anything, so it can never fork that log.
    #[error(
        "this node is recovering {0}'s log from its peers before authoring (its store is new or restored); retry shortly"
    )]
    Recovering(String),
    /// The report's current revision arrived with its content purged (its author already
    /// superseded it); the newer revision has not arrived yet.
    #[error(
        "report {id} is at revision {revision} here, whose content its author has superseded; the newer revision has not arrived yet, retry shortly"
    )]
    ContentPending {
        /// The report.
        id: Uuid,
        /// The revision held.
        revision: u64,
    },
}

/// Why an entry received from a peer was not applied. Nothing is stored for a rejected
/// entry, except the evidence of a fork.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IngestRejection {
    /// Not a well-formed signed entry.
    #[error("malformed entry: {0}")]
    Malformed(String),
    /// Its organization is not a member.
    #[error("{0} is not a member of the working group")]
    NotAMember(String),
    /// Signed by a key that is not one of the organization's.
    #[error("entry {sequence} of {organization} is signed by a key that is not {organization}'s")]
    UnknownKey {
        /// Claimed author.
        organization: String,
        /// Its sequence.
        sequence: u64,
    },
    /// The signature does not verify: altered on the way, or forged.
    #[error("entry {sequence} of {organization} has an invalid signature")]
    BadSignature {
        /// Claimed author.
        organization: String,
        /// Its sequence.
        sequence: u64,
    },
    /// Authentic, but its content does not validate.
    #[error("entry {sequence} of {organization} carries invalid content: {detail}")]
    InvalidContent {
        /// Author.
        organization: String,
        /// Its sequence.
        sequence: u64,
        /// What is wrong.
        detail: String,
    },
    /// Entries before it are missing here: send those first.
    #[error("entry {sequence} of {organization} leaves a gap after {head}")]
    Gap {
        /// Author.
        organization: String,
        /// Local head.
        head: u64,
        /// Its sequence.
        sequence: u64,
    },
    /// A different entry with the same position is held: the organization's log forked.
    #[error(
        "entry {sequence} of {organization} conflicts with the one held: the log has forked; {organization} is quarantined"
    )]
    Fork {
        /// Author.
        organization: String,
        /// Where the logs diverge.
        sequence: u64,
    },
    /// The organization's log is quarantined after a fork; nothing more is applied.
    #[error("{0}'s log is quarantined after a fork; an operator must resolve it")]
    Quarantined(String),
    /// Consistent chain, inconsistent report history (wrong revision, another
    /// organization's report, a change to a withdrawn report).
    #[error("entry {sequence} of {organization}: {detail}")]
    Conflict {
        /// Author.
        organization: String,
        /// Its sequence.
        sequence: u64,
        /// What is inconsistent.
        detail: String,
    },
}

impl IngestRejection {
    /// The stable reason code (see `Rejection.reason` in replication.proto).
    pub fn reason(&self) -> &'static str {
        match self {
            IngestRejection::Malformed(_) => "MALFORMED",
            IngestRejection::NotAMember(_) => "NOT_A_MEMBER",
            IngestRejection::UnknownKey { .. } => "UNKNOWN_KEY",
            IngestRejection::BadSignature { .. } => "SIGNATURE_INVALID",
            IngestRejection::InvalidContent { .. } => "INVALID_CONTENT",
            IngestRejection::Gap { .. } => "GAP",
            IngestRejection::Fork { .. } => "FORK",
            IngestRejection::Quarantined(_) => "QUARANTINED",
            IngestRejection::Conflict { .. } => "CONFLICT",
        }
    }
}

/// What happened to an entry received from a peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IngestOutcome {
    /// Appended (and durable).
    Applied,
    /// Already held, byte for byte: dropped.
    Duplicate,
}

/// A report as reads return it: its state and its current content.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportView {
    /// Identity, revision, timestamps, withdrawal.
    pub state: ReportState,
    /// The content of the latest revision that had content.
    pub content: ReportContent,
}

/// The outcome of a write, once durable.
#[derive(Debug, Clone)]
pub struct WriteOutcome {
    /// The report after the write. `None` only for an entry received with its content
    /// purged (a revision its author already superseded), until the next revision arrives.
    pub report: Option<ReportView>,
    /// True when an idempotency key matched and nothing new was written.
    pub replayed: bool,
}

enum WriteRequest {
    Submit {
        content: ReportContent,
        idempotency_key: Option<String>,
    },
    Revise {
        id: Uuid,
        expected_revision: u64,
        content: ReportContent,
    },
    Withdraw {
        id: Uuid,
        reason: String,
        expected_revision: Option<u64>,
    },
    /// A co-chair's review decision, authored here.
    Review { review: ReviewDecision },
    /// An entry authored elsewhere, signature and content digest already verified.
    Ingest {
        entry_bytes: Vec<u8>,
        entry_hash: EntryHash,
        body: Box<EntryBody>,
        content: Option<Box<ReportContent>>,
    },
}

/// What an entry authored here changes, before it is encoded and signed.
enum AuthoredChange {
    Content(Box<ReportContent>),
    Withdrawal { reason: String },
}

struct WriteCommand {
    request: WriteRequest,
    reply: oneshot::Sender<Result<WriteOutcome, LedgerError>>,
}

/// A write applied in memory, waiting for the flush that makes it durable.
struct PendingAck {
    change: u64,
    /// The log head this write produced (none for replays and duplicates).
    head: Option<(String, LogHead)>,
    /// Content to strip from a superseded entry once this write is durable.
    purge: Option<Purge>,
    outcome: WriteOutcome,
    reply: oneshot::Sender<Result<WriteOutcome, LedgerError>>,
}

/// The node's ledger. Cheap to share behind an `Arc`.
pub struct Ledger {
    organization: String,
    store: Arc<Store>,
    commands: std::sync::Mutex<Option<std_mpsc::Sender<WriteCommand>>>,
    durable_change: watch::Receiver<u64>,
    durable_frontier: watch::Receiver<Frontier>,
    threads: std::sync::Mutex<Vec<JoinHandle<()>>>,
    public_key: ed25519_dalek::VerifyingKey,
    /// True until the node has recovered its own organization's log (see
    /// [`LedgerError::Recovering`]).
    recovering: std::sync::atomic::AtomicBool,
    /// Secondary indexes, derived from the store (see [`index`]).
    index: Arc<std::sync::RwLock<MemoryIndex>>,
    /// When this node last applied an entry of each organization's log (its own clock, ms;
    /// since the process started).
    last_applied: LastApplied,
    /// The overlap inbox, brought up to date on demand (see [`overlaps`]).
    overlaps: std::sync::Mutex<overlaps::OverlapBook>,
}

/// Per organization, when this node last applied one of its entries (ms since the epoch).
type LastApplied = Arc<std::sync::Mutex<BTreeMap<String, i64>>>;

impl Ledger {
    /// Starts the writer and flusher threads for `organization`, signing with `signing_key`.
    pub fn start(
        store: Arc<Store>,
        organization: String,
        signing_key: ed25519_dalek::SigningKey,
    ) -> Result<Ledger, LedgerError> {
        let (command_sender, command_receiver) = std_mpsc::channel::<WriteCommand>();
        let (ack_sender, ack_receiver) = std_mpsc::channel::<PendingAck>();
        let (durable_sender, durable_change) = watch::channel(store.last_change()?);
        let (frontier_sender, durable_frontier) = watch::channel(store.frontier()?);
        let recovering = store.recovering()?;
        let index = Arc::new(std::sync::RwLock::new(build_index(&store)?));
        let public_key = signing_key.verifying_key();

        let last_applied = LastApplied::default();
        let writer = Writer {
            organization: organization.clone(),
            store: store.clone(),
            signing_key,
            index: index.clone(),
            last_applied: last_applied.clone(),
        };
        let writer_thread = std::thread::Builder::new()
            .name("concord-writer".into())
            .spawn(move || writer.run(command_receiver, ack_sender))
            .map_err(|error| StoreError::Io(format!("cannot start writer thread: {error}")))?;
        let flusher_store = store.clone();
        let flusher_thread = std::thread::Builder::new()
            .name("concord-flusher".into())
            .spawn(move || {
                run_flusher(flusher_store, ack_receiver, durable_sender, frontier_sender)
            })
            .map_err(|error| StoreError::Io(format!("cannot start flusher thread: {error}")))?;

        Ok(Ledger {
            organization,
            store,
            commands: std::sync::Mutex::new(Some(command_sender)),
            durable_change,
            durable_frontier,
            threads: std::sync::Mutex::new(vec![writer_thread, flusher_thread]),
            public_key,
            recovering: std::sync::atomic::AtomicBool::new(recovering),
            index,
            last_applied,
            overlaps: Default::default(),
        })
    }

    /// When this node last applied an entry of `organization`'s log, by its own clock (ms
    /// since the epoch), since it started.
    pub fn last_applied_ms(&self, organization: &str) -> Option<i64> {
        self.last_applied
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(organization)
            .copied()
    }

    /// The organization this node authors for.
    pub fn organization(&self) -> &str {
        &self.organization
    }

    /// The store underneath.
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// The secondary indexes (read side).
    pub(crate) fn index(&self) -> std::sync::RwLockReadGuard<'_, MemoryIndex> {
        self.index
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The public half of the key this node signs with.
    pub fn public_key(&self) -> ed25519_dalek::VerifyingKey {
        self.public_key
    }

    /// Follows the number of the last durable change.
    pub fn durable_change(&self) -> watch::Receiver<u64> {
        self.durable_change.clone()
    }

    /// Validates and stores a new report of this node's organization.
    pub async fn submit(
        &self,
        draft: &ReportDraft,
        idempotency_key: Option<String>,
    ) -> Result<WriteOutcome, LedgerError> {
        let content = validate_draft(draft, today()).map_err(LedgerError::Invalid)?;
        self.write(WriteRequest::Submit {
            content,
            idempotency_key,
        })
        .await
    }

    /// Replaces a report's content, if `expected_revision` is still its revision.
    pub async fn revise(
        &self,
        id: Uuid,
        expected_revision: u64,
        draft: &ReportDraft,
    ) -> Result<WriteOutcome, LedgerError> {
        let content = validate_draft(draft, today()).map_err(LedgerError::Invalid)?;
        self.write(WriteRequest::Revise {
            id,
            expected_revision,
            content,
        })
        .await
    }

    /// Records this (co-chair) organization's decision on a flagged pair as a signed entry
    /// of its log, at the reports' current revisions. The caller checks that the
    /// organization co-chairs the group.
    pub async fn review(
        &self,
        first: Uuid,
        second: Uuid,
        decision: crate::log::Decision,
        note: String,
    ) -> Result<(), LedgerError> {
        let (first, second) = if first < second {
            (first, second)
        } else {
            (second, first)
        };
        if first == second {
            return Err(LedgerError::Invalid(vec![FieldViolation::new(
                "second_report",
                "a review is about two different reports",
            )]));
        }
        let revision_of = |id: Uuid, field: &str| -> Result<u64, LedgerError> {
            match self.store.report_state(id)? {
                Some(state) => Ok(state.revision),
                None => Err(LedgerError::Invalid(vec![FieldViolation::new(
                    field,
                    format!("no report {id} is held at this node"),
                )])),
            }
        };
        let review = ReviewDecision {
            first_report: first,
            first_revision: revision_of(first, "first_report")?,
            second_report: second,
            second_revision: revision_of(second, "second_report")?,
            decision,
            note,
        };
        self.write(WriteRequest::Review { review })
            .await
            .map(|_| ())
    }

    /// Withdraws a report for ever.
    pub async fn withdraw(
        &self,
        id: Uuid,
        reason: String,
        expected_revision: Option<u64>,
    ) -> Result<WriteOutcome, LedgerError> {
        self.write(WriteRequest::Withdraw {
            id,
            reason,
            expected_revision,
        })
        .await
    }

    /// Follows the durable frontier: every organization's head, as far as it is on disk.
    /// Replication advertises and serves nothing beyond it.
    pub fn durable_frontier(&self) -> watch::Receiver<Frontier> {
        self.durable_frontier.clone()
    }

    /// Applies an entry authored elsewhere (by a peer, or relayed), given the keys each
    /// organization may sign with (`keys_of`, from the membership): the signature is checked
    /// against the exact bytes received, then the apply rule (next in line: apply; held:
    /// duplicate; different entry at a held position: fork, quarantine; ahead: gap), then
    /// the report's history (revisions in order, a report changed only by its author, never
    /// after withdrawal) and its content. Returns once the entry is durable.
    pub async fn ingest(
        &self,
        entry_bytes: Vec<u8>,
        keys_of: impl Fn(&str) -> Option<Vec<ed25519_dalek::VerifyingKey>>,
    ) -> Result<IngestOutcome, LedgerError> {
        self.ingest_batch(vec![entry_bytes], keys_of)
            .await
            .pop()
            .unwrap_or(Err(LedgerError::ShuttingDown))
    }

    /// [`Ledger::ingest`] for many entries at once: they are verified, queued to the writer
    /// together (so they share flushes) and answered in order. Entries of one organization
    /// must come in log order.
    pub async fn ingest_batch(
        &self,
        entries: Vec<Vec<u8>>,
        keys_of: impl Fn(&str) -> Option<Vec<ed25519_dalek::VerifyingKey>>,
    ) -> Vec<Result<IngestOutcome, LedgerError>> {
        let mut pending = Vec::with_capacity(entries.len());
        for entry_bytes in entries {
            // The same entry arrives from every peer: one already held byte for byte (it was
            // verified when it was first applied) is a duplicate without another signature
            // check or a trip through the writer.
            if self.holds_identical(&entry_bytes) {
                pending.push(Ok(None));
                continue;
            }
            let queued = match verify_received(entry_bytes, &keys_of) {
                Ok(verified) => self.send_write(WriteRequest::Ingest {
                    entry_bytes: verified.entry_bytes,
                    entry_hash: verified.entry_hash,
                    body: Box::new(verified.body),
                    content: verified.content.map(Box::new),
                }),
                Err(rejection) => Err(LedgerError::Rejected(rejection)),
            };
            pending.push(queued.map(Some));
        }
        let mut outcomes = Vec::with_capacity(pending.len());
        for queued in pending {
            outcomes.push(match queued {
                Ok(None) => Ok(IngestOutcome::Duplicate),
                Ok(Some(response)) => match response.await {
                    Ok(Ok(outcome)) if outcome.replayed => Ok(IngestOutcome::Duplicate),
                    Ok(Ok(_)) => Ok(IngestOutcome::Applied),
                    Ok(Err(error)) => Err(error),
                    Err(_) => Err(LedgerError::ShuttingDown),
                },
                Err(error) => Err(error),
            });
        }
        outcomes
    }

    /// When the entry at `sequence` of `organization`'s log was authored (author's clock).
    pub fn head_authored_at(&self, organization: &str, sequence: u64) -> Option<i64> {
        let bytes = self.store.entry(organization, sequence).ok()??;
        let entry = codec::decode_signed_entry(&bytes).ok()?;
        let body = codec::decode_entry_body(&entry.body_bytes).ok()?;
        Some(body.authored_at_unix_ms)
    }

    /// True while the node must not author (its own log is being recovered from peers).
    pub fn is_recovering(&self) -> bool {
        self.recovering.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Ends recovery: the node's own log is as complete as its peers know it (or an operator
    /// decided to go on without them). Durable before authoring resumes.
    pub fn finish_recovery(&self) -> Result<(), LedgerError> {
        if self.is_recovering() {
            self.store.set_recovering(false)?;
            self.recovering
                .store(false, std::sync::atomic::Ordering::Release);
            tracing::info!(organization = %self.organization, "own log recovered; authoring enabled");
        }
        Ok(())
    }

    /// True when the store holds exactly these bytes at the entry's position.
    fn holds_identical(&self, entry_bytes: &[u8]) -> bool {
        let Ok(entry) = codec::decode_signed_entry(entry_bytes) else {
            return false;
        };
        let Ok(body) = codec::decode_entry_body(&entry.body_bytes) else {
            return false;
        };
        matches!(
            self.store.entry(&body.organization, body.sequence),
            Ok(Some(held)) if held == entry_bytes
        )
    }

    async fn write(&self, request: WriteRequest) -> Result<WriteOutcome, LedgerError> {
        self.send_write(request)?
            .await
            .map_err(|_| LedgerError::ShuttingDown)?
    }

    /// Queues a write to the writer thread; the receiver answers once it is durable (or
    /// refused).
    fn send_write(
        &self,
        request: WriteRequest,
    ) -> Result<oneshot::Receiver<Result<WriteOutcome, LedgerError>>, LedgerError> {
        if self.is_recovering() && !matches!(request, WriteRequest::Ingest { .. }) {
            return Err(LedgerError::Recovering(self.organization.clone()));
        }
        let (reply, response) = oneshot::channel();
        let commands = self
            .commands
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let sender = commands.as_ref().ok_or(LedgerError::ShuttingDown)?;
        sender
            .send(WriteCommand { request, reply })
            .map_err(|_| LedgerError::ShuttingDown)?;
        Ok(response)
    }

    /// The report with `id`.
    pub fn get(&self, id: Uuid) -> Result<ReportView, LedgerError> {
        let state = self
            .store
            .report_state(id)?
            .ok_or(LedgerError::NotFound(id))?;
        self.view(state)
    }

    /// Builds the view of a report from its state and its content entry.
    pub fn view(&self, state: ReportState) -> Result<ReportView, LedgerError> {
        match load_content(&self.store, &state)? {
            Some(content) => Ok(ReportView { state, content }),
            None => Err(LedgerError::ContentPending {
                id: state.id,
                revision: state.revision,
            }),
        }
    }

    /// Stops accepting writes, lets the queued ones finish, and flushes the store.
    pub fn shutdown(&self) -> Result<(), LedgerError> {
        self.commands
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        let threads: Vec<_> = self
            .threads
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .drain(..)
            .collect();
        for thread in threads {
            let _ = thread.join();
        }
        self.store.flush_blocking()?;
        Ok(())
    }
}

/// An entry received from elsewhere that passed [`verify_received`].
pub(crate) struct VerifiedEntry {
    /// The bytes as received (stored as they are).
    pub entry_bytes: Vec<u8>,
    /// Hash of its body.
    pub entry_hash: EntryHash,
    /// Its decoded body.
    pub body: EntryBody,
    /// Its content, checked against the signed digest and validated; `None` for a
    /// withdrawal or a purged (superseded) revision.
    pub content: Option<ReportContent>,
}

/// Decodes and authenticates an entry received from elsewhere: well-formed, from a member,
/// signed by one of that member's keys over these exact bytes, with content matching the
/// signed digest and valid.
pub(crate) fn verify_received(
    entry_bytes: Vec<u8>,
    keys_of: &impl Fn(&str) -> Option<Vec<ed25519_dalek::VerifyingKey>>,
) -> Result<VerifiedEntry, IngestRejection> {
    let entry = codec::decode_signed_entry(&entry_bytes)
        .map_err(|error| IngestRejection::Malformed(error.to_string()))?;
    let body = codec::decode_entry_body(&entry.body_bytes)
        .map_err(|error| IngestRejection::Malformed(error.to_string()))?;
    let organization = body.organization.clone();
    let sequence = body.sequence;
    let keys = keys_of(&organization).ok_or(IngestRejection::NotAMember(organization.clone()))?;
    let key = keys
        .iter()
        .find(|key| crate::log::key_id(key) == entry.key_id)
        .ok_or(IngestRejection::UnknownKey {
            organization: organization.clone(),
            sequence,
        })?;
    entry
        .verify(key)
        .map_err(|_| IngestRejection::BadSignature {
            organization: organization.clone(),
            sequence,
        })?;
    let content =
        codec::entry_content(&entry, &body).map_err(|error| IngestRejection::InvalidContent {
            organization: organization.clone(),
            sequence,
            detail: error.to_string(),
        })?;
    if let Some(content) = &content {
        // The author's "today" is not ours: dates are checked for shape and order only.
        validate_draft(&content.to_draft(), Date::MAX).map_err(|violations| {
            IngestRejection::InvalidContent {
                organization: organization.clone(),
                sequence,
                detail: violations
                    .iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join("; "),
            }
        })?;
    }
    let entry_hash = entry.hash();
    Ok(VerifiedEntry {
        entry_bytes,
        entry_hash,
        body,
        content,
    })
}

/// Today's date (UTC) by this node's clock: what "actual dates not in the future" is
/// checked against.
pub(crate) fn today() -> Date {
    Date::from_unix_seconds(now_unix_ms() / 1000)
}

fn now_unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Reads and decodes the content a report state points at: `None` when that entry arrived
/// with its content purged (its author already superseded it; the next revision is on its
/// way).
fn load_content(store: &Store, state: &ReportState) -> Result<Option<ReportContent>, LedgerError> {
    let bytes = store
        .entry(&state.organization, state.content_sequence)?
        .ok_or_else(|| {
            StoreError::Corrupt(format!(
                "report {} points at missing entry {} of {}",
                state.id, state.content_sequence, state.organization
            ))
        })?;
    let corrupt = |error: codec::CodecError| {
        StoreError::Corrupt(format!(
            "entry {} of {}: {error}",
            state.content_sequence, state.organization
        ))
    };
    let entry = codec::decode_signed_entry(&bytes).map_err(corrupt)?;
    let body = codec::decode_entry_body(&entry.body_bytes).map_err(corrupt)?;
    match body.change {
        Change::Content(_) => Ok(codec::entry_content(&entry, &body).map_err(corrupt)?),
        Change::Withdrawal { .. } | Change::Review(_) => Err(StoreError::Corrupt(format!(
            "report {} points at an entry without content for its content",
            state.id
        ))
        .into()),
    }
}

/// Builds the secondary indexes of every report in the store.
fn build_index(store: &Store) -> Result<MemoryIndex, LedgerError> {
    let started = std::time::Instant::now();
    let mut index = MemoryIndex::default();
    let mut after = None;
    loop {
        let batch = store.reports_after(after, 1024)?;
        let Some(last) = batch.last() else { break };
        after = Some(last.id);
        for state in batch {
            // A report whose current content has not arrived yet is not listed.
            if let Some(content) = load_content(store, &state)? {
                index.set_report(
                    state.id,
                    &index_keys(&content, &state),
                    Some(report_facts(&content, &state)),
                );
            }
        }
    }
    if !index.is_empty() {
        tracing::info!(
            reports = index.len(),
            seconds = started.elapsed().as_secs_f64(),
            "indexes rebuilt from the store"
        );
    }
    Ok(index)
}

/// Every index key a report has, given its content and state.
pub fn index_keys(content: &ReportContent, state: &ReportState) -> Vec<IndexKey> {
    let mut keys = vec![
        IndexKey::new(IndexKind::Organization, &state.organization),
        IndexKey::new(IndexKind::ActivityType, content.activity_type.name()),
        IndexKey::new(IndexKind::Status, content.status.name()),
        IndexKey::updated_at(state.updated_at_ms),
    ];
    keys.extend(
        content
            .countries
            .iter()
            .map(|c| IndexKey::new(IndexKind::Country, c)),
    );
    keys.extend(
        content
            .regions
            .iter()
            .map(|r| IndexKey::new(IndexKind::Region, r)),
    );
    keys.extend(
        content
            .themes
            .iter()
            .map(|t| IndexKey::new(IndexKind::Theme, theme_index_value(&t.vocabulary, &t.code))),
    );
    keys.extend(
        content
            .target_groups
            .iter()
            .map(|g| IndexKey::new(IndexKind::TargetGroup, g)),
    );
    if let (Some(start), Some(end)) = (content.dates.start(), content.dates.end()) {
        let first = start.year().clamp(0, u16::MAX as i32) as u16;
        let last = end.year().clamp(0, u16::MAX as i32) as u16;
        // A multi-decade programme is indexed in its first MAX_INDEXED_YEARS years only;
        // queries check the exact interval anyway (see query.rs).
        for year in (first..=last.max(first)).take(query::MAX_INDEXED_YEARS) {
            keys.push(IndexKey::active_year(year));
        }
    }
    let mut words = Vec::new();
    for text in content.title.iter().chain(content.summary.iter()) {
        for token in search_tokens(&text.text) {
            if !words.contains(&token) {
                words.push(token);
            }
        }
    }
    keys.extend(words.iter().map(|w| IndexKey::new(IndexKind::Word, w)));
    for text in &content.title {
        keys.extend(
            search_tokens(&text.text)
                .iter()
                .map(|w| IndexKey::new(IndexKind::TitleWord, w)),
        );
    }
    keys.extend(
        consolidated::report_topics(content)
            .into_iter()
            .map(|topic| IndexKey::new(IndexKind::Topic, topic)),
    );
    keys.extend(content.participants.iter().map(|p| {
        IndexKey::new(
            IndexKind::Participant,
            index::participant_value(&p.organization),
        )
    }));
    keys.sort();
    keys.dedup();
    keys
}

/// What the consolidated view reads of a report without going to the store.
pub fn report_facts(content: &ReportContent, state: &ReportState) -> ReportFacts {
    ReportFacts {
        organization: state.organization.clone(),
        created_at_ms: state.created_at_ms,
        updated_at_ms: state.updated_at_ms,
        revision: state.revision,
        withdrawn: state.withdrawn,
        start: content.dates.start(),
        end: content.dates.end(),
    }
}

/// The value a theme is indexed under: "VOCABULARY:code".
pub fn theme_index_value(vocabulary: &str, code: &str) -> String {
    format!("{vocabulary}:{code}")
}

struct Writer {
    organization: String,
    store: Arc<Store>,
    signing_key: ed25519_dalek::SigningKey,
    index: Arc<std::sync::RwLock<MemoryIndex>>,
    last_applied: LastApplied,
}

impl Writer {
    fn run(self, commands: std_mpsc::Receiver<WriteCommand>, acks: std_mpsc::Sender<PendingAck>) {
        while let Ok(command) = commands.recv() {
            match self.execute(command.request) {
                Ok(applied) => {
                    if acks
                        .send(PendingAck {
                            change: applied.change,
                            head: applied.head,
                            purge: applied.purge,
                            outcome: applied.outcome,
                            reply: command.reply,
                        })
                        .is_err()
                    {
                        return;
                    }
                }
                Err(error) => {
                    let _ = command.reply.send(Err(error));
                }
            }
        }
    }

    /// Applies one write in memory; returns the change number whose durability the caller
    /// must wait for.
    fn execute(&self, request: WriteRequest) -> Result<Applied, LedgerError> {
        let now = now_unix_ms();
        match request {
            WriteRequest::Ingest {
                entry_bytes,
                entry_hash,
                body,
                content,
            } => self.ingest(entry_bytes, entry_hash, *body, content.map(|c| *c)),
            WriteRequest::Review { review } => self.author_review(review, now),
            WriteRequest::Submit {
                content,
                idempotency_key,
            } => {
                if let Some(key) = &idempotency_key
                    && let Some(id) = self.store.idempotent_report(&self.organization, key)?
                {
                    let state = self
                        .store
                        .report_state(id)?
                        .ok_or(LedgerError::NotFound(id))?;
                    let content = load_content(&self.store, &state)?;
                    // Wait for the flush anyway: the first call may not be durable yet.
                    let change = self.store.last_change()?;
                    return Ok(Applied {
                        change,
                        head: None,
                        purge: None,
                        outcome: WriteOutcome {
                            report: content.map(|content| ReportView { state, content }),
                            replayed: true,
                        },
                    });
                }
                let id = Uuid::now_v7();
                let state = ReportState {
                    id,
                    organization: self.organization.clone(),
                    revision: 1,
                    created_at_ms: now,
                    updated_at_ms: now,
                    content_sequence: 0,
                    latest_sequence: 0,
                    withdrawn: false,
                    withdrawal_reason: String::new(),
                };
                self.append(
                    state,
                    AuthoredChange::Content(Box::new(content)),
                    ChangeKind::Created,
                    idempotency_key,
                    now,
                )
            }
            WriteRequest::Revise {
                id,
                expected_revision,
                content,
            } => {
                let state = self.current_state(id, Some(expected_revision))?;
                let next = ReportState {
                    revision: state.revision + 1,
                    updated_at_ms: now,
                    ..state
                };
                self.append(
                    next,
                    AuthoredChange::Content(Box::new(content)),
                    ChangeKind::Revised,
                    None,
                    now,
                )
            }
            WriteRequest::Withdraw {
                id,
                reason,
                expected_revision,
            } => {
                let state = self.current_state(id, expected_revision)?;
                let next = ReportState {
                    revision: state.revision + 1,
                    updated_at_ms: now,
                    withdrawn: true,
                    withdrawal_reason: reason.clone(),
                    ..state
                };
                self.append(
                    next,
                    AuthoredChange::Withdrawal { reason },
                    ChangeKind::Withdrawn,
                    None,
                    now,
                )
            }
        }
    }

    fn current_state(
        &self,
        id: Uuid,
        expected_revision: Option<u64>,
    ) -> Result<ReportState, LedgerError> {
        let state = self
            .store
            .report_state(id)?
            .ok_or(LedgerError::NotFound(id))?;
        if state.organization != self.organization {
            return Err(LedgerError::NotOwner {
                id,
                owner: state.organization,
            });
        }
        if state.withdrawn {
            return Err(LedgerError::Withdrawn(id));
        }
        if let Some(expected) = expected_revision
            && expected != state.revision
        {
            return Err(LedgerError::StaleRevision {
                id,
                expected,
                current: state.revision,
            });
        }
        Ok(state)
    }

    /// Builds, signs and applies the next entry of this organization's log.
    fn append(
        &self,
        mut state: ReportState,
        change: AuthoredChange,
        change_kind: ChangeKind,
        idempotency_key: Option<String>,
        now: i64,
    ) -> Result<Applied, LedgerError> {
        let head = self.store.head(&self.organization)?;
        let sequence = head.map_or(1, |h| h.sequence + 1);
        let previous_hash = head.map_or(EntryHash::GENESIS, |h| h.hash);
        let superseded_content = state.content_sequence;
        let body = EntryBody {
            organization: self.organization.clone(),
            sequence,
            previous_hash,
            authored_at_unix_ms: now,
            report_id: state.id,
            revision: state.revision,
            epoch: self.store.writer_epoch()?,
            // Set below, once the change is known.
            change: Change::Withdrawal {
                reason: String::new(),
            },
        };
        let (entry, new_content) = match change {
            AuthoredChange::Content(content) => (
                codec::sign_content_entry(body, &content, &self.signing_key),
                Some(*content),
            ),
            AuthoredChange::Withdrawal { reason } => {
                let body = EntryBody {
                    change: Change::Withdrawal { reason },
                    ..body
                };
                let body_bytes = codec::encode_entry_body(&body);
                (SignedEntry::sign(body_bytes, &self.signing_key), None)
            }
        };
        let entry_hash = entry.hash();
        state.latest_sequence = sequence;
        let content = match new_content {
            Some(content) => {
                state.content_sequence = sequence;
                Some(content)
            }
            None => load_content(&self.store, &state)?,
        };
        let purge = if state.content_sequence != superseded_content && superseded_content > 0 {
            self.purged_entry(&self.organization, superseded_content)?
        } else {
            None
        };
        self.apply_entry(
            self.organization.clone(),
            sequence,
            previous_hash,
            entry_hash,
            codec::encode_signed_entry(&entry),
            state,
            content,
            change_kind,
            idempotency_key,
            purge,
        )
    }

    /// Entry `sequence` of `organization` without its content, to write once a later
    /// revision supersedes it (`None` if there is nothing to remove).
    fn purged_entry(
        &self,
        organization: &str,
        sequence: u64,
    ) -> Result<Option<Purge>, LedgerError> {
        let Some(entry) = self.held_entry(organization, sequence)? else {
            return Ok(None);
        };
        if entry.content.is_none() {
            return Ok(None);
        }
        Ok(Some(Purge {
            organization: organization.to_string(),
            sequence,
            purged_bytes: codec::encode_signed_entry(&entry.purged()),
        }))
    }

    /// Writes one entry (authored here or received) with the state and index keys it
    /// produces, in one atomic batch.
    #[allow(clippy::too_many_arguments)]
    fn apply_entry(
        &self,
        organization: String,
        sequence: u64,
        previous_hash: EntryHash,
        entry_hash: EntryHash,
        entry_bytes: Vec<u8>,
        state: ReportState,
        content: Option<ReportContent>,
        change_kind: ChangeKind,
        idempotency_key: Option<String>,
        purge: Option<Purge>,
    ) -> Result<Applied, LedgerError> {
        let change = self.store.apply(&WriteSet {
            organization: organization.clone(),
            sequence,
            previous_hash,
            entry_hash,
            entry_bytes,
            effect: WriteEffect::Report {
                state: state.clone(),
                change_kind,
                idempotency_key,
            },
        })?;
        {
            let mut index = self
                .index
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            match &content {
                Some(content) => index.set_report(
                    state.id,
                    &index_keys(content, &state),
                    Some(report_facts(content, &state)),
                ),
                // Not listed until its current content arrives.
                None => index.set_report(state.id, &[], None),
            }
        }
        self.last_applied
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(organization.clone(), now_unix_ms());
        Ok(Applied {
            change,
            head: Some((
                organization,
                LogHead {
                    sequence,
                    hash: entry_hash,
                },
            )),
            purge,
            outcome: WriteOutcome {
                report: content.map(|content| ReportView { state, content }),
                replayed: false,
            },
        })
    }

    /// Writes a review decision's entry (authored here or received) with its record.
    fn apply_review_entry(
        &self,
        organization: String,
        sequence: u64,
        previous_hash: EntryHash,
        entry_hash: EntryHash,
        entry_bytes: Vec<u8>,
        record: ReviewRecord,
    ) -> Result<Applied, LedgerError> {
        let change = self.store.apply(&WriteSet {
            organization: organization.clone(),
            sequence,
            previous_hash,
            entry_hash,
            entry_bytes,
            effect: WriteEffect::Review(record),
        })?;
        self.last_applied
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(organization.clone(), now_unix_ms());
        Ok(Applied {
            change,
            head: Some((
                organization,
                LogHead {
                    sequence,
                    hash: entry_hash,
                },
            )),
            purge: None,
            outcome: WriteOutcome {
                report: None,
                replayed: false,
            },
        })
    }

    /// Signs and writes a review decision of this node's organization.
    fn author_review(&self, review: ReviewDecision, now: i64) -> Result<Applied, LedgerError> {
        let head = self.store.head(&self.organization)?;
        let sequence = head.map_or(1, |h| h.sequence + 1);
        let previous_hash = head.map_or(EntryHash::GENESIS, |h| h.hash);
        let record = review_record(&review, &self.organization, sequence, now);
        let body = EntryBody {
            organization: self.organization.clone(),
            sequence,
            previous_hash,
            authored_at_unix_ms: now,
            // The decision's own id: every entry names one.
            report_id: Uuid::now_v7(),
            revision: 1,
            epoch: self.store.writer_epoch()?,
            change: Change::Review(review),
        };
        let entry = SignedEntry::sign(codec::encode_entry_body(&body), &self.signing_key);
        self.apply_review_entry(
            self.organization.clone(),
            sequence,
            previous_hash,
            entry.hash(),
            codec::encode_signed_entry(&entry),
            record,
        )
    }

    /// The apply rule for an entry authored elsewhere (signature already verified).
    fn ingest(
        &self,
        entry_bytes: Vec<u8>,
        entry_hash: EntryHash,
        body: EntryBody,
        received_content: Option<ReportContent>,
    ) -> Result<Applied, LedgerError> {
        let organization = body.organization.clone();
        let sequence = body.sequence;
        if self.store.quarantined(&organization)?.is_some() {
            return Err(IngestRejection::Quarantined(organization).into());
        }
        let head = self.store.head(&organization)?;
        let held_hash = match head {
            Some(head) if sequence <= head.sequence && sequence > 0 => {
                self.held_entry_hash(&organization, sequence)?
            }
            _ => None,
        };
        match check_append(head, sequence, body.previous_hash, entry_hash, held_hash) {
            Ok(()) => {}
            Err(ApplyError::Duplicate { .. }) => {
                let report = match self.store.report_state(body.report_id)? {
                    Some(state) => load_content(&self.store, &state)?
                        .map(|content| ReportView { state, content }),
                    // A review decision is about no report of its own.
                    None if matches!(body.change, Change::Review(_)) => None,
                    None => {
                        return Err(StoreError::Corrupt(format!(
                            "entry {sequence} of {organization} is held but its report is not"
                        ))
                        .into());
                    }
                };
                return Ok(Applied {
                    change: self.store.last_change()?,
                    head: None,
                    purge: None,
                    outcome: WriteOutcome {
                        report,
                        replayed: true,
                    },
                });
            }
            Err(ApplyError::Gap { head, sequence }) => {
                return Err(IngestRejection::Gap {
                    organization,
                    head,
                    sequence,
                }
                .into());
            }
            Err(ApplyError::Fork { sequence }) => {
                tracing::error!(
                    organization = %organization,
                    sequence,
                    "FORK: a different entry claims a position already held; quarantining this organization's log"
                );
                self.store
                    .record_fork(&organization, sequence, &entry_bytes)?;
                self.store.flush_blocking()?;
                return Err(IngestRejection::Fork {
                    organization,
                    sequence,
                }
                .into());
            }
            Err(other) => {
                return Err(IngestRejection::Malformed(other.to_string()).into());
            }
        }
        if let Change::Review(review) = &body.change {
            let record = review_record(review, &organization, sequence, body.authored_at_unix_ms);
            return self.apply_review_entry(
                organization,
                sequence,
                body.previous_hash,
                entry_hash,
                entry_bytes,
                record,
            );
        }
        let conflict = |detail: String| IngestRejection::Conflict {
            organization: organization.clone(),
            sequence,
            detail,
        };
        let existing = self.store.report_state(body.report_id)?;
        let authored = body.authored_at_unix_ms;
        let (state, change_kind) = match (&existing, &body.change) {
            (None, Change::Content(_)) if body.revision == 1 => (
                ReportState {
                    id: body.report_id,
                    organization: organization.clone(),
                    revision: 1,
                    created_at_ms: authored,
                    updated_at_ms: authored,
                    content_sequence: sequence,
                    latest_sequence: sequence,
                    withdrawn: false,
                    withdrawal_reason: String::new(),
                },
                ChangeKind::Created,
            ),
            (None, _) => {
                return Err(conflict(format!(
                    "changes report {} which was never created",
                    body.report_id
                ))
                .into());
            }
            (Some(state), _) if state.organization != organization => {
                return Err(conflict(format!(
                    "changes report {} of {}",
                    body.report_id, state.organization
                ))
                .into());
            }
            (Some(state), _) if state.withdrawn => {
                return Err(conflict(format!(
                    "changes report {} after its withdrawal",
                    body.report_id
                ))
                .into());
            }
            (Some(state), _) if body.revision != state.revision + 1 => {
                return Err(conflict(format!(
                    "gives report {} revision {} after revision {}",
                    body.report_id, body.revision, state.revision
                ))
                .into());
            }
            (Some(state), Change::Content(_)) => (
                ReportState {
                    revision: body.revision,
                    updated_at_ms: authored,
                    content_sequence: sequence,
                    latest_sequence: sequence,
                    ..state.clone()
                },
                ChangeKind::Revised,
            ),
            (Some(state), Change::Withdrawal { reason }) => (
                ReportState {
                    revision: body.revision,
                    updated_at_ms: authored,
                    latest_sequence: sequence,
                    withdrawn: true,
                    withdrawal_reason: reason.clone(),
                    ..state.clone()
                },
                ChangeKind::Withdrawn,
            ),
            (Some(_), Change::Review(_)) => {
                // Handled before: a review's entry names its own id, never a report's.
                return Err(conflict(format!(
                    "reuses report id {} for a review decision",
                    body.report_id
                ))
                .into());
            }
        };
        let content = match body.change {
            Change::Content(_) => received_content,
            Change::Withdrawal { .. } | Change::Review(_) => load_content(&self.store, &state)?,
        };
        // The revision this entry supersedes keeps its body and signature, not its content.
        let purge = match (&existing, &body.change) {
            (Some(previous), Change::Content(_)) => {
                self.purged_entry(&organization, previous.content_sequence)?
            }
            _ => None,
        };
        self.apply_entry(
            organization,
            sequence,
            body.previous_hash,
            entry_hash,
            entry_bytes,
            state,
            content,
            change_kind,
            None,
            purge,
        )
    }

    /// The body hash of the entry held at `sequence` of `organization`'s log.
    fn held_entry_hash(
        &self,
        organization: &str,
        sequence: u64,
    ) -> Result<Option<EntryHash>, LedgerError> {
        Ok(self
            .held_entry(organization, sequence)?
            .map(|entry| entry.hash()))
    }

    /// The entry held at `sequence` of `organization`'s log, decoded.
    fn held_entry(
        &self,
        organization: &str,
        sequence: u64,
    ) -> Result<Option<SignedEntry>, LedgerError> {
        let Some(bytes) = self.store.entry(organization, sequence)? else {
            return Ok(None);
        };
        let entry = codec::decode_signed_entry(&bytes).map_err(|error| {
            StoreError::Corrupt(format!("entry {sequence} of {organization}: {error}"))
        })?;
        Ok(Some(entry))
    }
}

/// The record a review decision entry leaves in the store.
fn review_record(
    review: &ReviewDecision,
    organization: &str,
    sequence: u64,
    decided_at_ms: i64,
) -> ReviewRecord {
    ReviewRecord {
        first_report: review.first_report,
        second_report: review.second_report,
        first_revision: review.first_revision,
        second_revision: review.second_revision,
        decision: review.decision,
        note: review.note.clone(),
        organization: organization.to_string(),
        decided_at_ms,
        sequence,
    }
}

/// A write applied in memory, waiting for its flush.
struct Applied {
    /// Its change number.
    change: u64,
    /// The log head it produced (none for replays and duplicates).
    head: Option<(String, LogHead)>,
    /// The superseded entry to strip of its content once this write is durable.
    purge: Option<Purge>,
    /// What to tell the caller once durable.
    outcome: WriteOutcome,
}

/// An entry to rewrite without its content. Applied only after the entry superseding it
/// is durable: a peer may read the purged entry the moment it is written, and must never
/// see a report's content gone while the revision replacing it could still be lost in a
/// crash.
struct Purge {
    organization: String,
    sequence: u64,
    purged_bytes: Vec<u8>,
}

/// Group commit: flush once for every write that queued up during the previous flush, then
/// acknowledge them all and publish the new durable change number.
fn run_flusher(
    store: Arc<Store>,
    acks: std_mpsc::Receiver<PendingAck>,
    durable_change: watch::Sender<u64>,
    durable_frontier: watch::Sender<Frontier>,
) {
    while let Ok(first) = acks.recv() {
        let mut group = vec![first];
        group.extend(acks.try_iter());
        let highest = group.iter().map(|ack| ack.change).max().unwrap_or(0);
        match store.flush_blocking() {
            Ok(()) => {
                // The superseding entries are durable now: strip the superseded ones (before
                // the new frontier is published, so whoever reads up to it sees them purged).
                for purge in group.iter().filter_map(|ack| ack.purge.as_ref()) {
                    if let Err(error) =
                        store.purge_entry(&purge.organization, purge.sequence, &purge.purged_bytes)
                    {
                        // The content stays: storage is larger, nothing is lost.
                        tracing::warn!(
                            %error,
                            organization = %purge.organization,
                            sequence = purge.sequence,
                            "could not purge a superseded revision's content"
                        );
                    }
                }
                durable_frontier.send_if_modified(|frontier| {
                    let mut advanced = false;
                    for (organization, head) in group.iter().filter_map(|ack| ack.head.as_ref()) {
                        let current = frontier.get(organization).map_or(0, |h| h.sequence);
                        if head.sequence > current {
                            frontier.insert(organization.clone(), *head);
                            advanced = true;
                        }
                    }
                    advanced
                });
                durable_change.send_if_modified(|current| {
                    let advanced = highest > *current;
                    *current = (*current).max(highest);
                    advanced
                });
                for ack in group {
                    let _ = ack.reply.send(Ok(ack.outcome));
                }
            }
            Err(error) => {
                tracing::error!(%error, "flushing the store failed; writes are not acknowledged");
                for ack in group {
                    let _ = ack.reply.send(Err(LedgerError::Store(error.clone())));
                }
            }
        }
    }
}
