//! The `concord.v1.Replication` service: what a node offers its peers (node certificates
//! only; the gate enforces it).
//!
//! Responsibilities:
//! - `Pull`: state our durable frontier, then stream every durable entry after the caller's
//!   frontier, for every organization held (so any node relays any member's log), in
//!   byte-capped batches through a bounded channel (a slow peer slows its own stream, never
//!   the node); with `follow`, keep streaming entries as they become durable.
//! - `Push`: verify and apply entries a peer sends, one by one, through the ledger's apply
//!   rule; report each rejection with its reason code.
//!
//! Protocol safety: entries are served as the exact bytes stored and applied as the exact
//! bytes received; nothing beyond the durable frontier is ever served; nothing the caller
//! says about itself is kept across sessions.

use std::collections::BTreeMap;
use std::pin::Pin;
use std::sync::{Arc, RwLock};

use futures_util::Stream;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};

use super::pb;
use super::status::{invalid_argument, ledger_status};
use crate::ledger::{IngestOutcome, Ledger, LedgerError};
use crate::log::{EntryHash, Frontier};
use crate::report::FieldViolation;
use crate::trust::membership::Membership;

/// Default and largest batch sizes, bytes of entries.
const DEFAULT_BATCH_BYTES: usize = 1024 * 1024;
const MAX_BATCH_BYTES: usize = 4 * 1024 * 1024;
/// Entries read from the store at a time while filling a batch.
const READ_CHUNK: usize = 256;
/// How long a follow session holds back other organizations' new entries before relaying
/// them: the caller usually gets them from their author meanwhile, acknowledges them, and
/// nothing is sent twice. Entries of this node's own organization go at once.
const RELAY_DELAY: std::time::Duration = std::time::Duration::from_millis(500);
/// Batches in flight per pull stream (backpressure).
const STREAM_BUFFER: usize = 4;
/// Most entries one Push may carry.
pub const MAX_PUSH_ENTRIES: usize = 10_000;

/// The replication service over a node's ledger and membership.
#[derive(Clone)]
pub struct ReplicationService {
    ledger: Arc<Ledger>,
    membership: Arc<RwLock<Arc<Membership>>>,
    /// What each peer has acknowledged holding (its durable frontier as it last stated it).
    acknowledged: AcknowledgedFrontiers,
    /// Turns true when the node begins to shut down: follow streams end then.
    stopping: tokio::sync::watch::Receiver<bool>,
}

impl ReplicationService {
    /// Serves `ledger` to peers of `membership`; streams end when `stopping` turns true.
    pub fn new(
        ledger: Arc<Ledger>,
        membership: Arc<RwLock<Arc<Membership>>>,
        stopping: tokio::sync::watch::Receiver<bool>,
        acknowledged: AcknowledgedFrontiers,
    ) -> Self {
        ReplicationService {
            ledger,
            membership,
            acknowledged,
            stopping,
        }
    }

    /// The tonic server wrapper.
    pub fn into_server(
        self,
        max_message_bytes: usize,
    ) -> pb::replication_server::ReplicationServer<ReplicationService> {
        pb::replication_server::ReplicationServer::new(self)
            .max_decoding_message_size(max_message_bytes.max(MAX_BATCH_BYTES + 64 * 1024))
            .max_encoding_message_size(MAX_BATCH_BYTES + 64 * 1024)
    }

    fn membership(&self) -> Arc<Membership> {
        self.membership
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}

pub use crate::replication::AcknowledgedFrontiers;

fn record_acknowledged(
    acknowledged: &AcknowledgedFrontiers,
    organization: &str,
    frontier: Frontier,
) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    acknowledged
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .insert(organization.to_string(), (frontier, now));
}

fn stated_to_frontier(stated: &StatedFrontier) -> Frontier {
    stated
        .iter()
        .filter_map(|(organization, (sequence, hash))| {
            Some((
                organization.clone(),
                crate::log::LogHead {
                    sequence: *sequence,
                    hash: (*hash)?,
                },
            ))
        })
        .collect()
}

/// A frontier in wire form (without authoring times).
pub fn frontier_to_pb(frontier: &Frontier) -> Vec<pb::FrontierHead> {
    frontier
        .iter()
        .map(|(organization, head)| pb::FrontierHead {
            organization: organization.clone(),
            sequence: head.sequence,
            head_hash: head.hash.0.to_vec(),
            authored_at_unix_ms: 0,
        })
        .collect()
}

/// Our durable frontier in wire form, with each head's authoring time (read from the head
/// entries) so that peers can tell how far behind they are in seconds.
fn frontier_with_times_to_pb(ledger: &Ledger, frontier: &Frontier) -> Vec<pb::FrontierHead> {
    let mut heads = frontier_to_pb(frontier);
    for head in &mut heads {
        head.authored_at_unix_ms = ledger
            .head_authored_at(&head.organization, head.sequence)
            .unwrap_or(0);
    }
    heads
}

/// A frontier as a peer states it: per organization, a sequence and (above 0) its hash.
pub type StatedFrontier = BTreeMap<String, (u64, Option<EntryHash>)>;

/// A peer's frontier, checked: every organization at most once, hashes of 32 bytes.
pub fn frontier_from_pb(heads: &[pb::FrontierHead]) -> Result<StatedFrontier, Vec<FieldViolation>> {
    let mut frontier = BTreeMap::new();
    let mut violations = Vec::new();
    if heads.len() > 10_000 {
        violations.push(FieldViolation::new(
            "frontier",
            "lists more organizations than any membership has",
        ));
        return Err(violations);
    }
    for (index, head) in heads.iter().enumerate() {
        let hash = match head.head_hash.len() {
            0 => None,
            32 => EntryHash::from_slice(&head.head_hash),
            _ => {
                violations.push(FieldViolation::new(
                    format!("frontier[{index}].head_hash"),
                    "must be 32 bytes (or empty for sequence 0)",
                ));
                continue;
            }
        };
        if head.organization.is_empty() || head.organization.len() > 64 {
            violations.push(FieldViolation::new(
                format!("frontier[{index}].organization"),
                "must be a member code (1 to 64 characters)",
            ));
            continue;
        }
        if frontier
            .insert(head.organization.clone(), (head.sequence, hash))
            .is_some()
        {
            violations.push(FieldViolation::new(
                format!("frontier[{index}].organization"),
                format!("{} is listed twice", head.organization),
            ));
        }
    }
    if violations.is_empty() {
        Ok(frontier)
    } else {
        Err(violations)
    }
}

type PullStream = Pin<Box<dyn Stream<Item = Result<pb::PullMessage, Status>> + Send>>;

/// Streams, for every organization, the durable entries after `positions[org]`, advancing
/// `positions` as it goes. Returns false when the receiver is gone.
async fn send_entries_after(
    ledger: &Ledger,
    durable: &Frontier,
    positions: &mut BTreeMap<String, u64>,
    max_batch_bytes: usize,
    sender: &mpsc::Sender<Result<pb::PullMessage, Status>>,
) -> Result<bool, LedgerError> {
    let mut batch = Vec::new();
    let mut batch_bytes = 0;
    for (organization, head) in durable {
        let mut position = positions.get(organization).copied().unwrap_or(0);
        while position < head.sequence {
            let chunk = ledger
                .store()
                .entries_after(organization, position, READ_CHUNK)?;
            if chunk.is_empty() {
                break;
            }
            for (sequence, bytes) in chunk {
                if sequence > head.sequence {
                    break;
                }
                position = sequence;
                batch_bytes += bytes.len();
                batch.push(bytes);
                if batch_bytes >= max_batch_bytes {
                    let message = pb::PullMessage {
                        kind: Some(pb::pull_message::Kind::Batch(pb::EntryBatch {
                            entries: std::mem::take(&mut batch),
                        })),
                    };
                    batch_bytes = 0;
                    if sender.send(Ok(message)).await.is_err() {
                        return Ok(false);
                    }
                }
            }
        }
        positions.insert(organization.clone(), position);
    }
    if !batch.is_empty() {
        let message = pb::PullMessage {
            kind: Some(pb::pull_message::Kind::Batch(pb::EntryBatch {
                entries: batch,
            })),
        };
        if sender.send(Ok(message)).await.is_err() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Moves `positions` past what `caller` acknowledged holding of every organization but
/// `own` (it has those entries already, from someone else).
fn skip_acknowledged(
    acknowledged: &AcknowledgedFrontiers,
    caller: &str,
    own: &str,
    positions: &mut BTreeMap<String, u64>,
) {
    let acknowledged = acknowledged
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let Some((frontier, _)) = acknowledged.get(caller) else {
        return;
    };
    for (organization, head) in frontier {
        if organization != own {
            let position = positions.entry(organization.clone()).or_insert(0);
            *position = (*position).max(head.sequence);
        }
    }
}

/// Where to start streaming `organization` to a caller that states it holds its log up to
/// `sequence` with head `hash`: after that sequence, unless the entry held here at that
/// sequence is a different one. Then the two logs forked, and the entry held here is sent
/// again so that the caller's apply rule detects the fork, keeps this entry as evidence and
/// quarantines the log (a node holding one side of a fork would otherwise never hear of the
/// other side once both are at the same sequence, and would keep its side silently).
fn start_position(
    ledger: &Ledger,
    durable: &Frontier,
    organization: &str,
    sequence: u64,
    hash: Option<EntryHash>,
) -> u64 {
    let held = durable.get(organization).map_or(0, |head| head.sequence);
    let Some(hash) = hash else {
        return sequence;
    };
    if sequence == 0 || sequence > held {
        return sequence;
    }
    let ours = match ledger.store().entry(organization, sequence) {
        Ok(Some(bytes)) => match super::codec::decode_signed_entry(&bytes) {
            Ok(entry) => entry.hash(),
            Err(_) => return sequence,
        },
        _ => return sequence,
    };
    if ours == hash {
        return sequence;
    }
    tracing::error!(
        organization = %organization,
        sequence,
        "FORK: a peer holds another entry at this position of {organization}'s log; sending ours so it detects the fork"
    );
    sequence - 1
}

#[tonic::async_trait]
impl pb::replication_server::Replication for ReplicationService {
    type PullStream = PullStream;

    async fn pull(
        &self,
        request: Request<tonic::Streaming<pb::PullRequest>>,
    ) -> Result<Response<Self::PullStream>, Status> {
        let caller = request
            .extensions()
            .get::<crate::trust::gate::Caller>()
            .map(|caller| caller.identity.organization.clone());
        let mut requests = request.into_inner();
        let request = requests
            .message()
            .await?
            .ok_or_else(|| Status::invalid_argument("a pull opens with the caller's frontier"))?;
        let caller_frontier =
            frontier_from_pb(&request.frontier).map_err(|v| invalid_argument(&v))?;
        let membership = self.membership();
        if !request.membership_hash.is_empty() && request.membership_hash != membership.hash_hex() {
            tracing::warn!(
                ours = %membership.hash_hex(),
                theirs = %request.membership_hash,
                "a peer has a different membership file"
            );
        }
        let max_batch_bytes = match request.max_batch_bytes as usize {
            0 => DEFAULT_BATCH_BYTES,
            bytes => bytes.clamp(1024, MAX_BATCH_BYTES),
        };
        let ledger = self.ledger.clone();
        let mut durable = ledger.durable_frontier();
        let (sender, receiver) = mpsc::channel(STREAM_BUFFER);
        let opening = pb::PullMessage {
            kind: Some(pb::pull_message::Kind::Frontier(pb::Frontier {
                heads: frontier_with_times_to_pb(&ledger, &durable.borrow().clone()),
                membership_hash: membership.hash_hex(),
                store_incarnation: ledger.store().incarnation().to_string(),
            })),
        };
        let follow = request.follow;
        let mut stopping = self.stopping.clone();
        // What the caller holds, as it states it: at the start, then with every
        // acknowledgement on the request stream.
        let relay_to = caller.clone();
        let relay_acknowledged = self.acknowledged.clone();
        if let Some(organization) = caller {
            let acknowledged = self.acknowledged.clone();
            let stated = stated_to_frontier(&caller_frontier);
            record_acknowledged(&acknowledged, &organization, stated);
            tokio::spawn(async move {
                while let Ok(Some(ack)) = requests.message().await {
                    if let Ok(stated) = frontier_from_pb(&ack.frontier) {
                        record_acknowledged(
                            &acknowledged,
                            &organization,
                            stated_to_frontier(&stated),
                        );
                    }
                }
            });
        }
        tokio::spawn(async move {
            if sender.send(Ok(opening)).await.is_err() {
                return;
            }
            let served = durable.borrow().clone();
            let mut positions: BTreeMap<String, u64> = caller_frontier
                .into_iter()
                .map(|(organization, (sequence, hash))| {
                    let position = start_position(&ledger, &served, &organization, sequence, hash);
                    (organization, position)
                })
                .collect();
            let mut caught_up_sent = false;
            let own = ledger.organization().to_string();
            loop {
                let mut snapshot = durable.borrow_and_update().clone();
                if caught_up_sent && let Some(caller) = &relay_to {
                    // Following: this node's own entries at once, then, after a pause, what
                    // of the others' the caller has still not acknowledged (it gets most of
                    // them from their authors; a relay is for those it cannot reach).
                    let (own_part, others): (Frontier, Frontier) = snapshot
                        .into_iter()
                        .partition(|(organization, _)| *organization == own);
                    match send_entries_after(
                        &ledger,
                        &own_part,
                        &mut positions,
                        max_batch_bytes,
                        &sender,
                    )
                    .await
                    {
                        Ok(true) => {}
                        Ok(false) => return,
                        Err(error) => {
                            let _ = sender.send(Err(ledger_status(error))).await;
                            return;
                        }
                    }
                    let behind = others.iter().any(|(organization, head)| {
                        positions.get(organization).copied().unwrap_or(0) < head.sequence
                    });
                    if behind {
                        tokio::select! {
                            () = tokio::time::sleep(RELAY_DELAY) => {}
                            () = sender.closed() => return,
                            _ = stopping.changed() => return,
                        }
                        skip_acknowledged(&relay_acknowledged, caller, &own, &mut positions);
                    }
                    snapshot = others;
                }
                match send_entries_after(
                    &ledger,
                    &snapshot,
                    &mut positions,
                    max_batch_bytes,
                    &sender,
                )
                .await
                {
                    Ok(true) => {}
                    Ok(false) => return,
                    Err(error) => {
                        let _ = sender.send(Err(ledger_status(error))).await;
                        return;
                    }
                }
                if !caught_up_sent {
                    caught_up_sent = true;
                    let caught_up = pb::PullMessage {
                        kind: Some(pb::pull_message::Kind::CaughtUp(pb::CaughtUp {})),
                    };
                    if sender.send(Ok(caught_up)).await.is_err() {
                        return;
                    }
                }
                if !follow || *stopping.borrow() {
                    return;
                }
                tokio::select! {
                    changed = durable.changed() => if changed.is_err() { return },
                    () = sender.closed() => return,
                    _ = stopping.changed() => return,
                }
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(receiver))))
    }

    async fn push(
        &self,
        request: Request<pb::PushRequest>,
    ) -> Result<Response<pb::PushResponse>, Status> {
        let request = request.into_inner();
        if request.entries.len() > MAX_PUSH_ENTRIES {
            return Err(invalid_argument(&[FieldViolation::new(
                "entries",
                format!(
                    "{} entries; at most {MAX_PUSH_ENTRIES} per push",
                    request.entries.len()
                ),
            )]));
        }
        let membership = self.membership();
        let keys_of = |organization: &str| {
            membership
                .member(organization)
                .map(|_| membership.signing_keys(organization).to_vec())
        };
        let mut response = pb::PushResponse::default();
        let outcomes = self.ledger.ingest_batch(request.entries, keys_of).await;
        for (index, outcome) in outcomes.into_iter().enumerate() {
            match outcome {
                Ok(IngestOutcome::Applied) => response.applied += 1,
                Ok(IngestOutcome::Duplicate) => response.duplicates += 1,
                Err(LedgerError::Rejected(rejection)) => {
                    tracing::warn!(%rejection, "refused an entry from a peer");
                    response.rejected.push(pb::Rejection {
                        index: index as u32,
                        reason: rejection.reason().to_string(),
                        detail: rejection.to_string(),
                    });
                }
                Err(other) => return Err(ledger_status(other)),
            }
        }
        response.frontier = frontier_to_pb(&self.ledger.durable_frontier().borrow());
        Ok(Response::new(response))
    }
}
