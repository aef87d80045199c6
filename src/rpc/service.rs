//! The `concord.v1.Reports` service: the API members' people and tools use at their node.
//!
//! Responsibilities: decode and validate requests (every bad field named), call the ledger,
//! map its errors to gRPC statuses. Writes return only once durable (the ledger's group
//! commit). `Watch` streams only durable changes, resumable by change number.

use std::pin::Pin;
use std::sync::Arc;

use futures_util::Stream;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};

use super::convert::{check_short_text, list_query_from_pb, parse_report_id, report_to_pb};
use super::pb;
use super::status::{invalid_argument, ledger_status};
use crate::ledger::Ledger;
use crate::store::ChangeKind;

/// Longest accepted withdrawal reason, in characters.
pub const MAX_REASON_CHARS: usize = 2000;
/// Longest accepted idempotency key, in characters.
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 128;
/// How many change records a watch stream reads from the store at a time.
const WATCH_BATCH: usize = 256;

/// The Reports service over a node's ledger.
#[derive(Clone)]
pub struct ReportsService {
    ledger: Arc<Ledger>,
    /// Replication state for `SyncStatus` (none on a standalone node).
    sync: Option<crate::replication::SyncSource>,
    /// Turns true when the node begins to shut down: open watch streams end then, so a
    /// graceful shutdown does not wait on them.
    stopping: tokio::sync::watch::Receiver<bool>,
}

impl ReportsService {
    /// Serves `ledger`; streams end when `stopping` turns true.
    pub fn new(
        ledger: Arc<Ledger>,
        stopping: tokio::sync::watch::Receiver<bool>,
        sync: Option<crate::replication::SyncSource>,
    ) -> Self {
        ReportsService {
            ledger,
            sync,
            stopping,
        }
    }

    /// The tonic server wrapper, with message-size limits.
    /// The flagged pairs a report just written is part of. The report is saved whatever
    /// happens here: a failure to assess overlaps is logged, not returned.
    async fn overlap_notices(
        &self,
        report: Option<&crate::ledger::ReportView>,
    ) -> Vec<pb::OverlapPair> {
        let Some(report) = report else {
            return Vec::new();
        };
        let (ledger, id) = (self.ledger.clone(), report.state.id);
        match tokio::task::spawn_blocking(move || ledger.overlaps_of(id, None)).await {
            Ok(Ok(pairs)) => pairs
                .iter()
                .map(super::convert::overlap_pair_to_pb)
                .collect(),
            Ok(Err(error)) => {
                tracing::warn!(%error, report = %id, "could not assess overlaps of a new report");
                Vec::new()
            }
            Err(error) => {
                tracing::warn!(%error, report = %id, "overlap assessment task failed");
                Vec::new()
            }
        }
    }

    /// The tonic server, with the node's message size limits.
    pub fn into_server(
        self,
        max_message_bytes: usize,
    ) -> pb::reports_server::ReportsServer<ReportsService> {
        pb::reports_server::ReportsServer::new(self)
            .max_decoding_message_size(max_message_bytes)
            .max_encoding_message_size(max_message_bytes.max(16 * 1024 * 1024))
    }
}

type WatchStream = Pin<Box<dyn Stream<Item = Result<pb::WatchEvent, Status>> + Send>>;

#[tonic::async_trait]
impl pb::reports_server::Reports for ReportsService {
    async fn submit(
        &self,
        request: Request<pb::SubmitRequest>,
    ) -> Result<Response<pb::SubmitResponse>, Status> {
        let request = request.into_inner();
        let mut violations = Vec::new();
        check_short_text(
            "idempotency_key",
            &request.idempotency_key,
            MAX_IDEMPOTENCY_KEY_CHARS,
            false,
            &mut violations,
        );
        let Some(content) = request.content else {
            violations.push(crate::report::FieldViolation::new(
                "content",
                "is required: the report to submit",
            ));
            return Err(invalid_argument(&violations));
        };
        let draft = super::codec::draft_from_pb(content);
        if !violations.is_empty() {
            // Report the content's problems too, so the caller fixes everything at once.
            if let Err(more) =
                crate::report::validate::validate_draft(&draft, crate::ledger::today())
            {
                violations.extend(more);
            }
            return Err(invalid_argument(&violations));
        }
        let idempotency_key =
            Some(request.idempotency_key.trim().to_string()).filter(|key| !key.is_empty());
        let outcome = self
            .ledger
            .submit(&draft, idempotency_key)
            .await
            .map_err(ledger_status)?;
        let overlaps = self.overlap_notices(outcome.report.as_ref()).await;
        Ok(Response::new(pb::SubmitResponse {
            report: outcome.report.as_ref().map(report_to_pb),
            replayed: outcome.replayed,
            overlaps,
        }))
    }

    async fn revise(
        &self,
        request: Request<pb::ReviseRequest>,
    ) -> Result<Response<pb::ReviseResponse>, Status> {
        let request = request.into_inner();
        let mut violations = Vec::new();
        let id = parse_report_id("id", &request.id)
            .map_err(|v| violations.push(v))
            .ok();
        if request.expected_revision == 0 {
            violations.push(crate::report::FieldViolation::new(
                "expected_revision",
                "is required: the revision you last saw (1 or more)",
            ));
        }
        let draft = match request.content {
            Some(content) => Some(super::codec::draft_from_pb(content)),
            None => {
                violations.push(crate::report::FieldViolation::new(
                    "content",
                    "is required: the report's new content",
                ));
                None
            }
        };
        let (Some(id), Some(draft), true) = (id, draft.as_ref(), violations.is_empty()) else {
            if let Some(draft) = &draft
                && let Err(more) =
                    crate::report::validate::validate_draft(draft, crate::ledger::today())
            {
                violations.extend(more);
            }
            return Err(invalid_argument(&violations));
        };
        let outcome = self
            .ledger
            .revise(id, request.expected_revision, draft)
            .await
            .map_err(ledger_status)?;
        let overlaps = self.overlap_notices(outcome.report.as_ref()).await;
        Ok(Response::new(pb::ReviseResponse {
            report: outcome.report.as_ref().map(report_to_pb),
            overlaps,
        }))
    }

    async fn withdraw(
        &self,
        request: Request<pb::WithdrawRequest>,
    ) -> Result<Response<pb::WithdrawResponse>, Status> {
        let request = request.into_inner();
        let mut violations = Vec::new();
        let id = parse_report_id("id", &request.id)
            .map_err(|v| violations.push(v))
            .ok();
        check_short_text(
            "reason",
            &request.reason,
            MAX_REASON_CHARS,
            true,
            &mut violations,
        );
        let (Some(id), true) = (id, violations.is_empty()) else {
            return Err(invalid_argument(&violations));
        };
        let expected = Some(request.expected_revision).filter(|revision| *revision > 0);
        let outcome = self
            .ledger
            .withdraw(id, request.reason.trim().to_string(), expected)
            .await
            .map_err(ledger_status)?;
        Ok(Response::new(pb::WithdrawResponse {
            report: outcome.report.as_ref().map(report_to_pb),
        }))
    }

    async fn get(
        &self,
        request: Request<pb::GetRequest>,
    ) -> Result<Response<pb::GetResponse>, Status> {
        let id = parse_report_id("id", &request.get_ref().id)
            .map_err(|violation| invalid_argument(&[violation]))?;
        let view = self.ledger.get(id).map_err(ledger_status)?;
        Ok(Response::new(pb::GetResponse {
            report: Some(report_to_pb(&view)),
        }))
    }

    async fn list(
        &self,
        request: Request<pb::ListRequest>,
    ) -> Result<Response<pb::ListResponse>, Status> {
        let query = list_query_from_pb(request.into_inner())
            .map_err(|violations| invalid_argument(&violations))?;
        let ledger = self.ledger.clone();
        // Listing reads the store synchronously; keep it off the async workers.
        let page = tokio::task::spawn_blocking(move || ledger.list(&query))
            .await
            .map_err(|_| Status::internal("list task failed"))?
            .map_err(ledger_status)?;
        Ok(Response::new(pb::ListResponse {
            reports: page.reports.iter().map(report_to_pb).collect(),
            next_page_token: page.next_page_token.unwrap_or_default(),
        }))
    }

    type WatchStream = WatchStream;

    async fn watch(
        &self,
        request: Request<pb::WatchRequest>,
    ) -> Result<Response<Self::WatchStream>, Status> {
        let request = request.into_inner();
        let mut durable = self.ledger.durable_change();
        let start_after = if request.replay {
            0
        } else if request.after_change > 0 {
            request.after_change
        } else {
            *durable.borrow()
        };
        let organizations = request.organizations;
        let ledger = self.ledger.clone();
        let (sender, receiver) = mpsc::channel(64);
        let mut stopping = self.stopping.clone();
        tokio::spawn(async move {
            let mut cursor = start_after;
            loop {
                let durable_now = *durable.borrow_and_update();
                while cursor < durable_now {
                    let cursor_before = cursor;
                    let batch = match ledger.store().changes_after(cursor, WATCH_BATCH) {
                        Ok(batch) => batch,
                        Err(error) => {
                            let _ = sender
                                .send(Err(ledger_status(crate::ledger::LedgerError::Store(error))))
                                .await;
                            return;
                        }
                    };
                    if batch.is_empty() {
                        break;
                    }
                    for record in batch {
                        if record.change > durable_now {
                            break;
                        }
                        cursor = record.change;
                        if !organizations.is_empty()
                            && !organizations.contains(&record.organization)
                        {
                            continue;
                        }
                        let event = match ledger.get(record.report_id) {
                            Ok(view) => Ok(pb::WatchEvent {
                                change: record.change,
                                kind: match record.kind {
                                    ChangeKind::Created => pb::ChangeKind::Created,
                                    ChangeKind::Revised => pb::ChangeKind::Revised,
                                    ChangeKind::Withdrawn => pb::ChangeKind::Withdrawn,
                                } as i32,
                                report: Some(report_to_pb(&view)),
                                revision: record.revision,
                            }),
                            Err(error) => Err(ledger_status(error)),
                        };
                        let failed = event.is_err();
                        if sender.send(event).await.is_err() || failed {
                            return;
                        }
                    }
                    if cursor == cursor_before {
                        // Change numbers are dense, so this cannot happen; never spin if it does.
                        break;
                    }
                }
                if *stopping.borrow() {
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

    async fn sync_status(
        &self,
        _request: Request<pb::SyncStatusRequest>,
    ) -> Result<Response<pb::SyncStatusResponse>, Status> {
        let mut response = pb::SyncStatusResponse {
            organization: self.ledger.organization().to_string(),
            recovering: self.ledger.is_recovering(),
            ..pb::SyncStatusResponse::default()
        };
        let Some(sync) = &self.sync else {
            // Standalone: only this node's own logs.
            response.logs = self
                .ledger
                .durable_frontier()
                .borrow()
                .iter()
                .map(|(organization, head)| pb::LogSyncStatus {
                    organization: organization.clone(),
                    local_sequence: head.sequence,
                    highest_sequence_seen: head.sequence,
                    delivered_to_every_member: head.sequence,
                    ..pb::LogSyncStatus::default()
                })
                .collect();
            return Ok(Response::new(response));
        };
        response.membership_hash = sync
            .membership
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .hash_hex();
        let timestamp = |ms: i64| (ms > 0).then(|| super::convert::timestamp(ms));
        response.peers = sync
            .peers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .iter()
            .map(|peer| pb::PeerSyncStatus {
                organization: peer.organization.clone(),
                endpoint: peer.endpoint.clone(),
                state: match peer.state {
                    crate::replication::PeerState::Connecting => "CONNECTING",
                    crate::replication::PeerState::Connected => "CONNECTED",
                    crate::replication::PeerState::Backoff => "BACKOFF",
                }
                .to_string(),
                last_error: peer.last_error.clone(),
                connected_since: timestamp(peer.connected_since_ms),
                last_heard: timestamp(peer.last_heard_ms),
                caught_up: peer.caught_up,
                entries_applied: peer.entries_applied,
                same_membership: peer.same_membership,
            })
            .collect();
        let ledger = self.ledger.clone();
        let sync = sync.clone();
        response.logs =
            tokio::task::spawn_blocking(move || crate::replication::log_sync(&ledger, &sync))
                .await
                .map_err(|_| Status::internal("status task failed"))?
                .into_iter()
                .map(|log| pb::LogSyncStatus {
                    organization: log.organization,
                    local_sequence: log.local_sequence,
                    highest_sequence_seen: log.highest_sequence_seen,
                    lag_entries: log.lag_entries,
                    lag_seconds: log.lag_seconds,
                    delivered_to_every_member: log.delivered_to_every_member,
                    quarantined_at: log.quarantined_at,
                })
                .collect();
        Ok(Response::new(response))
    }

    async fn node_info(
        &self,
        _request: Request<pb::NodeInfoRequest>,
    ) -> Result<Response<pb::NodeInfoResponse>, Status> {
        let store = self.ledger.store();
        let store_status = |error| ledger_status(crate::ledger::LedgerError::Store(error));
        let frontier = store.frontier().map_err(store_status)?;
        Ok(Response::new(pb::NodeInfoResponse {
            organization: self.ledger.organization().to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            store_incarnation: store.incarnation().to_string(),
            store_format_version: crate::store::FORMAT_VERSION,
            frontier: frontier
                .into_iter()
                .map(|(organization, head)| pb::LogHead {
                    organization,
                    sequence: head.sequence,
                    head_hash: head.hash.to_hex(),
                })
                .collect(),
            report_count: store.report_count().map_err(store_status)?,
            last_change: *self.ledger.durable_change().borrow(),
            signing_public_key: hex::encode(self.ledger.public_key().as_bytes()),
        }))
    }
}
