//! A typed client of a node's `Reports` service, speaking domain types: used by the
//! `concord` command, the demo and the benchmark.
//!
//! Errors keep what a person needs: the gRPC code, the message and every field violation
//! decoded from `google.rpc.BadRequest`.

use std::time::Duration;

use futures_util::StreamExt;
use serde::Serialize;
use tonic::transport::{Channel, Endpoint};
use tonic_types::StatusExt;

use super::codec::content_from_pb_stored;
use super::convert::{timestamp, unix_ms};
use super::pb;
use super::pb::coordination_client::CoordinationClient;
use super::pb::reports_client::ReportsClient;
use super::pb::view_client::ViewClient;
use crate::report::{ActivityStatus, ActivityType, Date, FieldViolation, ReportDraft, Theme};

/// A failed call, as the caller should see it.
#[derive(Debug, Clone)]
pub struct ClientError {
    /// gRPC status code.
    pub code: tonic::Code,
    /// The status message.
    pub message: String,
    /// Every bad field the node named.
    pub violations: Vec<FieldViolation>,
}

impl ClientError {
    fn local(code: tonic::Code, message: impl Into<String>) -> ClientError {
        ClientError {
            code,
            message: message.into(),
            violations: Vec::new(),
        }
    }

    /// The code's canonical name ("INVALID_ARGUMENT").
    pub fn code_name(&self) -> &'static str {
        code_name(self.code)
    }
}

/// The canonical upper-case name of a gRPC code.
pub fn code_name(code: tonic::Code) -> &'static str {
    use tonic::Code::*;
    match code {
        Ok => "OK",
        Cancelled => "CANCELLED",
        Unknown => "UNKNOWN",
        InvalidArgument => "INVALID_ARGUMENT",
        DeadlineExceeded => "DEADLINE_EXCEEDED",
        NotFound => "NOT_FOUND",
        AlreadyExists => "ALREADY_EXISTS",
        PermissionDenied => "PERMISSION_DENIED",
        ResourceExhausted => "RESOURCE_EXHAUSTED",
        FailedPrecondition => "FAILED_PRECONDITION",
        Aborted => "ABORTED",
        OutOfRange => "OUT_OF_RANGE",
        Unimplemented => "UNIMPLEMENTED",
        Internal => "INTERNAL",
        Unavailable => "UNAVAILABLE",
        DataLoss => "DATA_LOSS",
        Unauthenticated => "UNAUTHENTICATED",
    }
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code_name(), self.message)?;
        for violation in &self.violations {
            write!(f, "\n  {}: {}", violation.field, violation.description)?;
        }
        Ok(())
    }
}

impl std::error::Error for ClientError {}

impl From<tonic::Status> for ClientError {
    fn from(status: tonic::Status) -> Self {
        let violations = status
            .get_details_bad_request()
            .map(|bad_request| {
                bad_request
                    .field_violations
                    .into_iter()
                    .map(|v| FieldViolation::new(v.field, v.description))
                    .collect()
            })
            .unwrap_or_default();
        // A connection that fails below gRPC (TLS refused, plaintext against TLS, reset)
        // reaches tonic's client as UNKNOWN "transport error" or, when the connection closed
        // before the call was answered (a TLS 1.3 refusal arrives after the client's side of
        // the handshake, so this is a race), as CANCELLED "operation was canceled" with the
        // transport error as its source: the caller's view is that the node is unavailable.
        let closed_under_the_call = status.code() == tonic::Code::Cancelled
            && status.message() == "operation was canceled"
            && std::error::Error::source(&status)
                .is_some_and(|source| source.is::<tonic::transport::Error>());
        if closed_under_the_call
            || (status.code() == tonic::Code::Unknown
                && status.message().contains("transport error"))
        {
            return ClientError {
                code: tonic::Code::Unavailable,
                message: format!(
                    "the connection failed ({}): the node is unreachable, or refused this \
                     client's TLS (certificate, CA, or TLS/plaintext mismatch)",
                    status.message()
                ),
                violations,
            };
        }
        ClientError {
            code: status.code(),
            message: status.message().to_string(),
            violations,
        }
    }
}

/// A flagged pair of reports (a notice on submit, or an entry of the overlap inbox).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RemoteOverlap {
    /// PROBABLE_DUPLICATE, POTENTIAL_OVERLAP, SELF_DUPLICATE or DECLARED_JOINT.
    pub kind: String,
    /// In [0, 1].
    pub score: f64,
    /// The smaller report id of the pair.
    pub first_id: String,
    /// Its organization.
    pub first_organization: String,
    /// Its title.
    pub first_title: String,
    /// The larger report id.
    pub second_id: String,
    /// Its organization.
    pub second_organization: String,
    /// Its title.
    pub second_title: String,
    /// Why, strongest evidence first.
    pub reasons: Vec<String>,
    /// One line for a person.
    pub explanation: String,
    /// OPEN, DECIDED or REOPENED.
    pub review_state: String,
    /// The latest co-chair decision, if any.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub decision: String,
    /// Which co-chair decided.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub decided_by: String,
    /// Their note.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub note: String,
}

impl RemoteOverlap {
    fn from_pb(pair: pb::OverlapPair) -> RemoteOverlap {
        let enum_name = |name: Option<&str>, prefix: &str| {
            name.map(|n| n.trim_start_matches(prefix).to_string())
                .unwrap_or_default()
        };
        RemoteOverlap {
            kind: enum_name(
                pb::OverlapKind::try_from(pair.kind)
                    .ok()
                    .map(|k| k.as_str_name()),
                "OVERLAP_KIND_",
            ),
            score: pair.score,
            first_id: pair.first_id,
            first_organization: pair.first_organization,
            first_title: pair.first_title,
            second_id: pair.second_id,
            second_organization: pair.second_organization,
            second_title: pair.second_title,
            reasons: pair.reasons,
            explanation: pair.explanation,
            review_state: enum_name(
                pb::ReviewStateKind::try_from(pair.review_state)
                    .ok()
                    .map(|k| k.as_str_name()),
                "REVIEW_STATE_KIND_",
            ),
            decision: match pb::ReviewDecisionKind::try_from(pair.decision) {
                Ok(pb::ReviewDecisionKind::Unspecified) | Err(_) => String::new(),
                Ok(kind) => enum_name(Some(kind.as_str_name()), "REVIEW_DECISION_KIND_"),
            },
            decided_by: pair.decided_by,
            note: pair.note,
        }
    }

    /// The id and organization of the pair's report that is not `id`.
    pub fn other_than(&self, id: &str) -> (&str, &str, &str) {
        if self.first_id == id {
            (
                &self.second_id,
                &self.second_organization,
                &self.second_title,
            )
        } else {
            (&self.first_id, &self.first_organization, &self.first_title)
        }
    }
}

/// A report just saved, with what the node flagged about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Saved {
    /// The report as saved.
    pub report: RemoteReport,
    /// True when an idempotency key matched and nothing new was written.
    pub replayed: bool,
    /// Existing reports it probably duplicates or overlaps (or declares joint with).
    pub overlaps: Vec<RemoteOverlap>,
}

/// The overlap inbox.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RemoteInbox {
    /// Between organizations, ranked.
    pub pairs: Vec<RemoteOverlap>,
    /// Within one organization.
    pub self_duplicates: Vec<RemoteOverlap>,
    /// Declared joint or co-funded by the reports: not flagged.
    pub declared_joint: Vec<RemoteOverlap>,
}

/// A report as a node returned it, in the JSON report-file shape plus the node's fields.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RemoteReport {
    /// Report id.
    pub id: String,
    /// Authoring organization.
    pub organization: String,
    /// Current revision.
    pub revision: u64,
    /// Creation time (RFC 3339, UTC).
    pub created_at: String,
    /// Last change (RFC 3339, UTC).
    pub updated_at: String,
    /// Withdrawn for ever.
    pub withdrawn: bool,
    /// Why, when withdrawn.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub withdrawal_reason: String,
    /// The content, with the report file's names.
    #[serde(flatten)]
    pub content: ReportDraft,
    /// The same content, typed, as the node holds it (for exports).
    #[serde(skip)]
    pub stored_content: crate::report::ReportContent,
}

impl RemoteReport {
    fn from_pb(report: pb::Report) -> RemoteReport {
        let time = |t: Option<prost_types::Timestamp>| {
            t.map(|t| format_rfc3339(unix_ms(&t))).unwrap_or_default()
        };
        let stored_content = content_from_pb_stored(report.content.unwrap_or_default());
        RemoteReport {
            id: report.id,
            organization: report.organization,
            revision: report.revision,
            created_at: time(report.created_at),
            updated_at: time(report.updated_at),
            withdrawn: report.withdrawn,
            withdrawal_reason: report.withdrawal_reason,
            content: stored_content.to_draft(),
            stored_content,
        }
    }

    /// The first title.
    pub fn title(&self) -> String {
        match &self.content.title {
            crate::report::TextInput::Plain(text) => text.clone(),
            crate::report::TextInput::Translated(texts) => {
                texts.first().map(|t| t.text.clone()).unwrap_or_default()
            }
        }
    }
}

/// Milliseconds since the epoch as RFC 3339 UTC ("2007-06-25T09:30:00.000Z").
pub fn format_rfc3339(unix_ms: i64) -> String {
    let seconds = unix_ms.div_euclid(1000);
    let date = Date::from_unix_seconds(seconds);
    let of_day = seconds.rem_euclid(86_400);
    format!(
        "{date}T{:02}:{:02}:{:02}.{:03}Z",
        of_day / 3600,
        (of_day / 60) % 60,
        of_day % 60,
        unix_ms.rem_euclid(1000)
    )
}

/// Parses "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SS[.fff]Z" into ms since the epoch.
pub fn parse_time(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let (date_part, time_part) = match text.split_once('T') {
        Some((date, time)) => (date, Some(time)),
        None => (text, None),
    };
    let date = Date::parse(date_part)?;
    let mut ms = date.days_since_epoch() * 86_400_000;
    if let Some(time) = time_part {
        let time = time.trim_end_matches('Z');
        let mut parts = time.split(':');
        let mut next = |limit: f64| -> Result<f64, String> {
            let value: f64 = parts
                .next()
                .unwrap_or("0")
                .parse()
                .map_err(|_| format!("expected a time as HH:MM:SS in {text:?}"))?;
            if !(0.0..limit).contains(&value) {
                return Err(format!("time out of range in {text:?}"));
            }
            Ok(value)
        };
        let (hours, minutes, seconds) = (next(24.0)?, next(60.0)?, next(61.0)?);
        ms += ((hours * 3600.0 + minutes * 60.0 + seconds) * 1000.0) as i64;
    }
    Ok(ms)
}

/// One change from a watch stream.
#[derive(Debug, Clone, Serialize)]
pub struct RemoteChange {
    /// The node's change number.
    pub change: u64,
    /// "CREATED", "REVISED" or "WITHDRAWN".
    pub kind: &'static str,
    /// The revision the change produced.
    pub revision: u64,
    /// The report as it was when the event was sent.
    pub report: RemoteReport,
}

/// Filters of a list call, with names as people type them.
#[derive(Debug, Clone, Default)]
pub struct ListFilters {
    /// Member codes.
    pub organizations: Vec<String>,
    /// Activity type names.
    pub activity_types: Vec<String>,
    /// Status names or IATI codes.
    pub statuses: Vec<String>,
    /// Country codes.
    pub countries: Vec<String>,
    /// Themes as "VOCABULARY:code".
    pub themes: Vec<String>,
    /// Target-group codes.
    pub target_groups: Vec<String>,
    /// Active on or after this date.
    pub active_from: Option<String>,
    /// Active on or before this date.
    pub active_to: Option<String>,
    /// Changed since ("YYYY-MM-DD" or RFC 3339).
    pub updated_since: Option<String>,
    /// Free text.
    pub text: Option<String>,
    /// Include withdrawn reports.
    pub include_withdrawn: bool,
    /// Page size (0: node default).
    pub page_size: u32,
    /// Continue from this token.
    pub page_token: Option<String>,
}

/// One page of a list call.
#[derive(Debug, Clone)]
pub struct RemotePage {
    /// The reports.
    pub reports: Vec<RemoteReport>,
    /// Token of the next page, empty when none.
    pub next_page_token: String,
}

/// What `NodeInfo` says.
#[derive(Debug, Clone, Serialize)]
pub struct RemoteNodeInfo {
    /// The node's organization.
    pub organization: String,
    /// Software version.
    pub version: String,
    /// Store incarnation id.
    pub store_incarnation: String,
    /// Store format version.
    pub store_format_version: u32,
    /// (organization, sequence, head hash) per log held.
    pub frontier: Vec<(String, u64, String)>,
    /// Reports held.
    pub report_count: u64,
    /// Last durable change number.
    pub last_change: u64,
    /// Signing key (hex).
    pub signing_public_key: String,
}

/// One replication session, as `SyncStatus` reports it.
#[derive(Debug, Clone, Serialize)]
pub struct RemotePeerStatus {
    /// Peer organization.
    pub organization: String,
    /// Its endpoint.
    pub endpoint: String,
    /// CONNECTING, CONNECTED or BACKOFF.
    pub state: String,
    /// Last failure.
    pub last_error: String,
    /// Session start (RFC 3339), empty when none.
    pub connected_since: String,
    /// Last message (RFC 3339), empty when never.
    pub last_heard: String,
    /// Sent everything it held at session start.
    pub caught_up: bool,
    /// Entries applied from it.
    pub entries_applied: u64,
    /// Whether its membership file matches (None: not known yet).
    pub same_membership: Option<bool>,
}

/// One organization's log, as `SyncStatus` reports it.
#[derive(Debug, Clone, Serialize)]
pub struct RemoteLogStatus {
    /// Organization.
    pub organization: String,
    /// Head on this node.
    pub local_sequence: u64,
    /// Highest head known anywhere.
    pub highest_sequence_seen: u64,
    /// Entries behind.
    pub lag_entries: u64,
    /// Seconds behind (author's clock).
    pub lag_seconds: f64,
    /// What every member has.
    pub delivered_to_every_member: u64,
    /// Where the log forked, if quarantined.
    pub quarantined_at: Option<u64>,
}

/// What `SyncStatus` says.
#[derive(Debug, Clone, Serialize)]
pub struct RemoteSyncStatus {
    /// The node's organization.
    pub organization: String,
    /// Recovering its own log before authoring.
    pub recovering: bool,
    /// Its membership file's hash.
    pub membership_hash: String,
    /// Its sessions.
    pub peers: Vec<RemotePeerStatus>,
    /// Per organization.
    pub logs: Vec<RemoteLogStatus>,
}

/// A connection to one node.
#[derive(Clone)]
pub struct Client {
    inner: ReportsClient<Channel>,
    /// The consolidated view (`concord.v1.View`) over the same connection.
    view: ViewClient<Channel>,
    /// Co-chair actions (`concord.v1.Coordination`) over the same connection.
    coordination: CoordinationClient<Channel>,
    /// Standard health checking (`grpc.health.v1.Health`) over the same connection.
    health: tonic_health::pb::health_client::HealthClient<Channel>,
    timeout: Duration,
}

fn split_theme(text: &str) -> Result<pb::Theme, ClientError> {
    let (vocabulary, code) = text.split_once(':').ok_or_else(|| {
        ClientError::local(
            tonic::Code::InvalidArgument,
            format!("theme {text:?}: write it as VOCABULARY:CODE, for example GCM:10 or SDG:16.2"),
        )
    })?;
    Ok(pb::Theme {
        vocabulary: vocabulary.to_string(),
        code: code.to_string(),
    })
}

/// The PEM texts a client presents and trusts for mutual TLS.
#[derive(Debug, Clone)]
pub struct ClientTls {
    /// The working group's CA certificate.
    pub ca_pem: String,
    /// The client's (or node's) certificate.
    pub certificate_pem: String,
    /// Its private key.
    pub key_pem: String,
}

impl ClientTls {
    /// Configures `endpoint` for mutual TLS: trust the group's CA, present this
    /// certificate, and expect the node's certificate to name the endpoint's host.
    pub(crate) fn apply_to(&self, endpoint: Endpoint) -> Result<Endpoint, tonic::transport::Error> {
        let host = endpoint
            .uri()
            .host()
            .unwrap_or_default()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        endpoint.tls_config(
            tonic::transport::ClientTlsConfig::new()
                .ca_certificate(tonic::transport::Certificate::from_pem(&self.ca_pem))
                .identity(tonic::transport::Identity::from_pem(
                    &self.certificate_pem,
                    &self.key_pem,
                ))
                .domain_name(host),
        )
    }

    /// Reads `ca.crt` from `certs_dir` and the certificate `cert_file` with the key beside
    /// it (same name, `.key`), refusing a key readable by group or others.
    pub fn load(
        certs_dir: &std::path::Path,
        cert_file: &std::path::Path,
    ) -> Result<ClientTls, crate::trust::certs::CertError> {
        let material = crate::trust::tls::TlsMaterial::load(
            &certs_dir.join(crate::trust::certs::files::CA_CERT),
            cert_file,
            &cert_file.with_extension("key"),
        )?;
        Ok(ClientTls {
            ca_pem: material.ca_pem,
            certificate_pem: material.certificate_pem,
            key_pem: material.key_pem,
        })
    }
}

impl Client {
    /// Connects to `endpoint` ("http://127.0.0.1:7400") without TLS; `timeout` bounds
    /// connecting and every unary call.
    pub async fn connect(endpoint: &str, timeout: Duration) -> Result<Client, ClientError> {
        Client::connect_with(endpoint, timeout, None).await
    }

    /// Connects with mutual TLS when `tls` is given (the endpoint is then `https://...`; the
    /// node's certificate must name the endpoint's host).
    pub async fn connect_with(
        endpoint: &str,
        timeout: Duration,
        tls: Option<&ClientTls>,
    ) -> Result<Client, ClientError> {
        let bad_endpoint = |error: &dyn std::fmt::Display| {
            ClientError::local(
                tonic::Code::InvalidArgument,
                format!("bad endpoint {endpoint:?}: {error}"),
            )
        };
        let mut builder =
            Endpoint::from_shared(endpoint.to_string()).map_err(|e| bad_endpoint(&e))?;
        if let Some(tls) = tls {
            builder = tls.apply_to(builder).map_err(|e| bad_endpoint(&e))?;
        }
        let channel = builder
            .connect_timeout(timeout)
            .tcp_nodelay(true)
            .connect()
            .await
            .map_err(|error| {
                ClientError::local(
                    tonic::Code::Unavailable,
                    format!("cannot connect to {endpoint}: {error}"),
                )
            })?;
        Ok(Client {
            inner: ReportsClient::new(channel.clone())
                .max_decoding_message_size(64 * 1024 * 1024)
                .max_encoding_message_size(64 * 1024 * 1024),
            view: ViewClient::new(channel.clone())
                .max_decoding_message_size(64 * 1024 * 1024)
                .max_encoding_message_size(64 * 1024 * 1024),
            coordination: CoordinationClient::new(channel.clone()),
            health: tonic_health::pb::health_client::HealthClient::new(channel),
            timeout,
        })
    }

    fn request<T>(&self, message: T) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        request.set_timeout(self.timeout);
        request
    }

    /// Submits a new report.
    pub async fn submit(
        &self,
        draft: &ReportDraft,
        idempotency_key: Option<&str>,
    ) -> Result<Saved, ClientError> {
        let response = self
            .inner
            .clone()
            .submit(self.request(pb::SubmitRequest {
                content: Some(draft_to_pb(draft)?),
                idempotency_key: idempotency_key.unwrap_or_default().to_string(),
            }))
            .await?
            .into_inner();
        Ok(Saved {
            report: RemoteReport::from_pb(response.report.unwrap_or_default()),
            replayed: response.replayed,
            overlaps: response
                .overlaps
                .into_iter()
                .map(RemoteOverlap::from_pb)
                .collect(),
        })
    }

    /// Revises a report.
    pub async fn revise(
        &self,
        id: &str,
        expected_revision: u64,
        draft: &ReportDraft,
    ) -> Result<Saved, ClientError> {
        let response = self
            .inner
            .clone()
            .revise(self.request(pb::ReviseRequest {
                id: id.to_string(),
                expected_revision,
                content: Some(draft_to_pb(draft)?),
            }))
            .await?
            .into_inner();
        Ok(Saved {
            report: RemoteReport::from_pb(response.report.unwrap_or_default()),
            replayed: false,
            overlaps: response
                .overlaps
                .into_iter()
                .map(RemoteOverlap::from_pb)
                .collect(),
        })
    }

    /// The overlap inbox (pairs involving `organizations`, all when empty).
    pub async fn overlaps(
        &self,
        organizations: Vec<String>,
        include_decided: bool,
    ) -> Result<RemoteInbox, ClientError> {
        let response = self
            .view
            .clone()
            .overlaps(self.request(pb::OverlapsRequest {
                organizations,
                include_decided,
            }))
            .await?
            .into_inner();
        let convert =
            |pairs: Vec<pb::OverlapPair>| pairs.into_iter().map(RemoteOverlap::from_pb).collect();
        Ok(RemoteInbox {
            pairs: convert(response.pairs),
            self_duplicates: convert(response.self_duplicates),
            declared_joint: convert(response.declared_joint),
        })
    }

    /// Records this co-chair organization's decision on a pair (at its own node).
    pub async fn review(
        &self,
        first: &str,
        second: &str,
        decision: &str,
        note: &str,
    ) -> Result<Option<RemoteOverlap>, ClientError> {
        let decision = match crate::log::Decision::from_name(decision) {
            Some(crate::log::Decision::Confirmed) => pb::ReviewDecisionKind::Confirmed,
            Some(crate::log::Decision::Dismissed) => pb::ReviewDecisionKind::Dismissed,
            Some(crate::log::Decision::Joint) => pb::ReviewDecisionKind::Joint,
            None => {
                return Err(ClientError::local(
                    tonic::Code::InvalidArgument,
                    format!("decision {decision:?}: expected confirmed, dismissed or joint"),
                ));
            }
        };
        let response = self
            .coordination
            .clone()
            .review(self.request(pb::ReviewRequest {
                first_report: first.to_string(),
                second_report: second.to_string(),
                decision: decision as i32,
                note: note.to_string(),
            }))
            .await?
            .into_inner();
        Ok(response.pair.map(RemoteOverlap::from_pb))
    }

    /// Withdraws a report.
    pub async fn withdraw(
        &self,
        id: &str,
        reason: &str,
        expected_revision: u64,
    ) -> Result<RemoteReport, ClientError> {
        let response = self
            .inner
            .clone()
            .withdraw(self.request(pb::WithdrawRequest {
                id: id.to_string(),
                reason: reason.to_string(),
                expected_revision,
            }))
            .await?
            .into_inner();
        Ok(RemoteReport::from_pb(response.report.unwrap_or_default()))
    }

    /// Reads one report.
    pub async fn get(&self, id: &str) -> Result<RemoteReport, ClientError> {
        let response = self
            .inner
            .clone()
            .get(self.request(pb::GetRequest { id: id.to_string() }))
            .await?
            .into_inner();
        Ok(RemoteReport::from_pb(response.report.unwrap_or_default()))
    }

    /// Lists one page.
    pub async fn list(&self, filters: &ListFilters) -> Result<RemotePage, ClientError> {
        let invalid = |message: String| ClientError::local(tonic::Code::InvalidArgument, message);
        let activity_types = filters
            .activity_types
            .iter()
            .map(|name| {
                ActivityType::from_name(name)
                    .map(ActivityType::number)
                    .ok_or_else(|| invalid(format!("unknown activity type {name:?}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let statuses = filters
            .statuses
            .iter()
            .map(|name| {
                ActivityStatus::from_name(name)
                    .map(ActivityStatus::code)
                    .ok_or_else(|| invalid(format!("unknown status {name:?}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let themes = filters
            .themes
            .iter()
            .map(|t| split_theme(t))
            .collect::<Result<Vec<_>, _>>()?;
        let updated_since = filters
            .updated_since
            .as_deref()
            .map(|text| parse_time(text).map(timestamp).map_err(invalid))
            .transpose()?;
        let response = self
            .inner
            .clone()
            .list(self.request(pb::ListRequest {
                organizations: filters.organizations.clone(),
                activity_types,
                statuses,
                countries: filters.countries.clone(),
                themes,
                target_groups: filters.target_groups.clone(),
                active_from: filters.active_from.clone().unwrap_or_default(),
                active_to: filters.active_to.clone().unwrap_or_default(),
                updated_since,
                text: filters.text.clone().unwrap_or_default(),
                include_withdrawn: filters.include_withdrawn,
                page_size: filters.page_size,
                page_token: filters.page_token.clone().unwrap_or_default(),
            }))
            .await?
            .into_inner();
        Ok(RemotePage {
            reports: response
                .reports
                .into_iter()
                .map(RemoteReport::from_pb)
                .collect(),
            next_page_token: response.next_page_token,
        })
    }

    /// Follows changes; `replay` starts from the first stored change.
    pub async fn watch(
        &self,
        after_change: u64,
        replay: bool,
        organizations: Vec<String>,
    ) -> Result<
        impl futures_util::Stream<Item = Result<RemoteChange, ClientError>> + use<>,
        ClientError,
    > {
        let stream = self
            .inner
            .clone()
            .watch(pb::WatchRequest {
                after_change,
                replay,
                organizations,
            })
            .await?
            .into_inner();
        Ok(stream.map(|event| {
            let event = event?;
            Ok(RemoteChange {
                change: event.change,
                kind: match pb::ChangeKind::try_from(event.kind) {
                    Ok(pb::ChangeKind::Created) => "CREATED",
                    Ok(pb::ChangeKind::Revised) => "REVISED",
                    Ok(pb::ChangeKind::Withdrawn) => "WITHDRAWN",
                    _ => "UNKNOWN",
                },
                revision: event.revision,
                report: RemoteReport::from_pb(event.report.unwrap_or_default()),
            })
        }))
    }

    /// Replication status of the node.
    pub async fn sync_status(&self) -> Result<RemoteSyncStatus, ClientError> {
        let status = self
            .inner
            .clone()
            .sync_status(self.request(pb::SyncStatusRequest {}))
            .await?
            .into_inner();
        let time = |t: Option<prost_types::Timestamp>| {
            t.map(|t| format_rfc3339(unix_ms(&t))).unwrap_or_default()
        };
        Ok(RemoteSyncStatus {
            organization: status.organization,
            recovering: status.recovering,
            membership_hash: status.membership_hash,
            peers: status
                .peers
                .into_iter()
                .map(|p| RemotePeerStatus {
                    organization: p.organization,
                    endpoint: p.endpoint,
                    state: p.state,
                    last_error: p.last_error,
                    connected_since: time(p.connected_since),
                    last_heard: time(p.last_heard),
                    caught_up: p.caught_up,
                    entries_applied: p.entries_applied,
                    same_membership: p.same_membership,
                })
                .collect(),
            logs: status
                .logs
                .into_iter()
                .map(|l| RemoteLogStatus {
                    organization: l.organization,
                    local_sequence: l.local_sequence,
                    highest_sequence_seen: l.highest_sequence_seen,
                    lag_entries: l.lag_entries,
                    lag_seconds: l.lag_seconds,
                    delivered_to_every_member: l.delivered_to_every_member,
                    quarantined_at: l.quarantined_at,
                })
                .collect(),
        })
    }

    /// The node's identity and where its logs stand.
    pub async fn node_info(&self) -> Result<RemoteNodeInfo, ClientError> {
        let info = self
            .inner
            .clone()
            .node_info(self.request(pb::NodeInfoRequest {}))
            .await?
            .into_inner();
        Ok(RemoteNodeInfo {
            organization: info.organization,
            version: info.version,
            store_incarnation: info.store_incarnation,
            store_format_version: info.store_format_version,
            frontier: info
                .frontier
                .into_iter()
                .map(|h| (h.organization, h.sequence, h.head_hash))
                .collect(),
            report_count: info.report_count,
            last_change: info.last_change,
            signing_public_key: info.signing_public_key,
        })
    }

    /// Asks `grpc.health.v1.Health/Check` about `service` ("" is the node as a whole) and
    /// returns the status name: SERVING, NOT_SERVING, SERVICE_UNKNOWN or UNKNOWN.
    pub async fn health(&self, service: &str) -> Result<&'static str, ClientError> {
        use tonic_health::pb::health_check_response::ServingStatus;
        let response = self
            .health
            .clone()
            .check(self.request(tonic_health::pb::HealthCheckRequest {
                service: service.to_string(),
            }))
            .await?
            .into_inner();
        Ok(match ServingStatus::try_from(response.status) {
            Ok(ServingStatus::Serving) => "SERVING",
            Ok(ServingStatus::NotServing) => "NOT_SERVING",
            Ok(ServingStatus::ServiceUnknown) => "SERVICE_UNKNOWN",
            Ok(ServingStatus::Unknown) | Err(_) => "UNKNOWN",
        })
    }
}

/// A draft as a gRPC message. Coded names (activity type, status, roles, relations) travel
/// as protobuf enum numbers, so a name that has no number cannot be sent: it is reported
/// here, as a field violation shaped like the node's, before anything is sent.
pub fn draft_to_pb(draft: &ReportDraft) -> Result<pb::ReportContent, ClientError> {
    let violations = std::cell::RefCell::new(Vec::new());
    let enum_number = |field: String, text: &str, known: Option<i32>, accepted: &[&str]| match (
        text.trim().is_empty(),
        known,
    ) {
        (true, _) => 0,
        (false, Some(number)) => number,
        (false, None) => {
            violations.borrow_mut().push(FieldViolation::new(
                field,
                format!(
                    "unknown value {text:?}; expected one of {}",
                    accepted.join(", ")
                ),
            ));
            0
        }
    };
    let activity_types: Vec<&str> = ActivityType::ALL.iter().map(|t| t.name()).collect();
    let statuses: Vec<&str> = ActivityStatus::ALL.iter().map(|s| s.name()).collect();
    let roles: Vec<&str> = crate::report::ParticipantRole::ALL
        .iter()
        .map(|r| r.name())
        .collect();
    let relations: Vec<&str> = crate::report::Relation::ALL
        .iter()
        .map(|r| r.name())
        .collect();
    let texts = |input: &crate::report::TextInput| {
        input
            .clone()
            .into_texts()
            .into_iter()
            .map(|t| pb::LocalizedText {
                lang: t.lang,
                text: t.text,
            })
            .collect()
    };
    let content = pb::ReportContent {
        title: texts(&draft.title),
        summary: texts(&draft.summary),
        activity_type: enum_number(
            "activity_type".into(),
            &draft.activity_type,
            ActivityType::from_name(&draft.activity_type).map(ActivityType::number),
            &activity_types,
        ),
        status: enum_number(
            "status".into(),
            &draft.status,
            ActivityStatus::from_name(&draft.status).map(ActivityStatus::code),
            &statuses,
        ),
        dates: Some(pb::ActivityDates {
            planned_start: draft.dates.planned_start.clone(),
            actual_start: draft.dates.actual_start.clone(),
            planned_end: draft.dates.planned_end.clone(),
            actual_end: draft.dates.actual_end.clone(),
        }),
        countries: draft.countries.clone(),
        regions: draft.regions.clone(),
        themes: draft
            .themes
            .iter()
            .map(|t: &Theme| pb::Theme {
                vocabulary: t.vocabulary.clone(),
                code: t.code.clone(),
            })
            .collect(),
        target_groups: draft.target_groups.clone(),
        participants: draft
            .participants
            .iter()
            .enumerate()
            .map(|(index, p)| pb::Participant {
                organization: p.organization.clone(),
                role: enum_number(
                    format!("participants[{index}].role"),
                    &p.role,
                    crate::report::ParticipantRole::from_name(&p.role)
                        .map(crate::report::ParticipantRole::number),
                    &roles,
                ),
            })
            .collect(),
        related: draft
            .related
            .iter()
            .enumerate()
            .map(|(index, r)| pb::RelatedReport {
                report_id: r.report_id.clone(),
                relation: enum_number(
                    format!("related[{index}].relation"),
                    &r.relation,
                    crate::report::Relation::from_name(&r.relation)
                        .map(crate::report::Relation::number),
                    &relations,
                ),
            })
            .collect(),
        links: draft
            .links
            .iter()
            .map(|l| pb::Link {
                url: l.url.clone(),
                title: l.title.clone(),
                kind: l.kind.clone(),
            })
            .collect(),
        contact: draft.contact.as_ref().map(|c| pb::Contact {
            organization: c.organization.clone(),
            unit: c.unit.clone(),
            email: c.email.clone(),
            person: c.person.clone(),
        }),
        location: draft.location.clone(),
        iati_identifier: draft.iati_identifier.clone(),
        iati_extra: draft
            .iati_extra
            .iter()
            .map(|e| pb::IatiExtra {
                path: e.path.clone(),
                xml: e.xml.clone(),
                mapped_to: e.mapped_to.clone(),
            })
            .collect(),
    };
    let mut violations = violations.into_inner();
    if violations.is_empty() {
        Ok(content)
    } else {
        // Name the report's other problems too (as the node would), so that the caller
        // fixes everything at once.
        let today = Date::from_unix_seconds(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64),
        );
        if let Err(more) = crate::report::validate::validate_draft(draft, today) {
            for violation in more {
                if !violations
                    .iter()
                    .any(|known| known.field == violation.field)
                {
                    violations.push(violation);
                }
            }
        }
        Err(ClientError {
            code: tonic::Code::InvalidArgument,
            message: "the report has values this version of Concord does not know".into(),
            violations,
        })
    }
}

// ---------------------------------------------------------------------------------------
// The consolidated view (`concord.v1.View`)
// ---------------------------------------------------------------------------------------

pub use crate::ledger::consolidated::{Dimension, FreshnessState, Matrix, MatrixCell};

/// Filters of the consolidated view, with names as people type them. Filters combine with
/// AND, the values of one filter with OR; multi-valued report fields match element-wise.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ViewFilters {
    /// Authoring organizations (member codes).
    pub organizations: Vec<String>,
    /// Activity type names.
    pub activity_types: Vec<String>,
    /// Status names or IATI codes.
    pub statuses: Vec<String>,
    /// Country codes (alpha-2 or alpha-3).
    pub countries: Vec<String>,
    /// UN M49 codes or the group's regions ("ESCAP"): a report naming the region, a region
    /// inside it, or a country in it.
    pub regions: Vec<String>,
    /// Themes as "VOCABULARY:code".
    pub themes: Vec<String>,
    /// Shared topics of the crosswalk ("trafficking").
    pub topics: Vec<String>,
    /// Target-group codes.
    pub target_groups: Vec<String>,
    /// Participating organizations, by member code, name or alias.
    pub participants: Vec<String>,
    /// Active on or after this date (interval overlap).
    pub active_from: Option<String>,
    /// Active on or before this date.
    pub active_to: Option<String>,
    /// Changed at or after this time ("YYYY-MM-DD" or RFC 3339).
    pub changed_since: Option<String>,
    /// How they changed since then: CREATED, REVISED, WITHDRAWN (empty: any).
    pub change_kinds: Vec<String>,
    /// Free text, ranked.
    pub text: Option<String>,
    /// Include withdrawn reports.
    pub include_withdrawn: bool,
}

/// One query of the consolidated view: filters, facets and the page wanted.
#[derive(Debug, Clone, Default)]
pub struct ViewQueryRequest {
    /// What to match.
    pub filters: ViewFilters,
    /// Facets to count over every match (empty: the node's default: organization, activity
    /// type, country, topic).
    pub facets: Vec<Dimension>,
    /// Page size (0: the node's default, 50; at most 1000).
    pub page_size: u32,
    /// Continue from this token (of a previous page of the same query).
    pub page_token: Option<String>,
}

/// One value of a facet and how many matching reports have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FacetCount {
    /// The value ("IOM", "KH", "trafficking", "GCM:10"...).
    pub value: String,
    /// Matching reports with it.
    pub count: u64,
}

/// Counts per value of one dimension over every match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemoteFacet {
    /// The dimension counted.
    pub dimension: Dimension,
    /// Most frequent first.
    pub values: Vec<FacetCount>,
}

/// One page of a query of the consolidated view.
#[derive(Debug, Clone, Serialize)]
pub struct RemoteViewPage {
    /// The page's reports, ranked (by text relevance when text was given, else newest
    /// first).
    pub reports: Vec<RemoteReport>,
    /// Token of the next page, empty when none.
    pub next_page_token: String,
    /// Every match, not just this page.
    pub total: u64,
    /// The facets asked for.
    pub facets: Vec<RemoteFacet>,
}

/// How recently one member posted, as this node sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RemoteMemberFreshness {
    /// Member code.
    pub organization: String,
    /// Author's clock of the newest entry of its log held here (RFC 3339), empty when none.
    pub last_posted: String,
    /// The same, ms since the epoch.
    #[serde(skip)]
    pub last_posted_ms: Option<i64>,
    /// When this node last applied an entry of its log (its own clock; RFC 3339), empty
    /// when never.
    pub last_received: String,
    /// The same, ms since the epoch.
    #[serde(skip)]
    pub last_received_ms: Option<i64>,
    /// Reports of the member held here (withdrawn included).
    pub reports: u64,
    /// Entries of its log this node is behind the highest head seen.
    pub lag_entries: u64,
    /// FRESH, DUE, OVERDUE or SILENT.
    pub state: FreshnessState,
}

/// An upcoming event of the calendar.
#[derive(Debug, Clone, Serialize)]
pub struct RemoteCalendarEvent {
    /// The report.
    pub report: RemoteReport,
    /// First day (YYYY-MM-DD).
    pub start: String,
    /// Last day.
    pub end: String,
    /// City or venue ("" when the report gives none).
    pub location: String,
    /// ISO week of the start ("2027-W02").
    pub week: String,
    /// Ids of events at the same place, within 30 days, sharing a topic or theme.
    pub clashes_with: Vec<String>,
    /// The topics and themes they share.
    pub shared_topics: Vec<String>,
}

fn dimension_number(dimension: Dimension) -> i32 {
    (match dimension {
        Dimension::Organization => pb::Dimension::Organization,
        Dimension::ActivityType => pb::Dimension::ActivityType,
        Dimension::Status => pb::Dimension::Status,
        Dimension::Country => pb::Dimension::Country,
        Dimension::Theme => pb::Dimension::Theme,
        Dimension::Topic => pb::Dimension::Topic,
        Dimension::TargetGroup => pb::Dimension::TargetGroup,
        Dimension::Year => pb::Dimension::Year,
    }) as i32
}

fn dimension_from_number(number: i32) -> Option<Dimension> {
    Some(match pb::Dimension::try_from(number).ok()? {
        pb::Dimension::Organization => Dimension::Organization,
        pb::Dimension::ActivityType => Dimension::ActivityType,
        pb::Dimension::Status => Dimension::Status,
        pb::Dimension::Country => Dimension::Country,
        pb::Dimension::Theme => Dimension::Theme,
        pb::Dimension::Topic => Dimension::Topic,
        pb::Dimension::TargetGroup => Dimension::TargetGroup,
        pb::Dimension::Year => Dimension::Year,
        pb::Dimension::Unspecified => return None,
    })
}

/// The filters as a gRPC message. Names that have no protobuf number (activity types,
/// statuses, change kinds), themes not written VOCABULARY:CODE and unreadable times are
/// reported here, named as the node names them (`filter.<field>[i]`), before anything is
/// sent; the node checks everything else.
pub fn view_filter_to_pb(filters: &ViewFilters) -> Result<pb::ViewFilter, ClientError> {
    let mut violations = Vec::new();
    let mut numbers = |field: &str, names: &[String], number: &dyn Fn(&str) -> Option<i32>| {
        let mut found = Vec::new();
        for (index, name) in names.iter().enumerate() {
            match number(name.trim()) {
                Some(n) => found.push(n),
                None => violations.push(FieldViolation::new(
                    format!("filter.{field}[{index}]"),
                    format!("unknown value {name:?}"),
                )),
            }
        }
        found
    };
    let activity_types = numbers("activity_types", &filters.activity_types, &|name| {
        ActivityType::from_name(name).map(ActivityType::number)
    });
    let statuses = numbers("statuses", &filters.statuses, &|name| {
        ActivityStatus::from_name(name).map(ActivityStatus::code)
    });
    let change_kinds = numbers("change_kinds", &filters.change_kinds, &|name| {
        Some(match name.to_ascii_uppercase().as_str() {
            "CREATED" => pb::ChangeKind::Created,
            "REVISED" => pb::ChangeKind::Revised,
            "WITHDRAWN" => pb::ChangeKind::Withdrawn,
            _ => return None,
        } as i32)
    });
    let mut themes = Vec::new();
    for (index, text) in filters.themes.iter().enumerate() {
        match split_theme(text) {
            Ok(theme) => themes.push(theme),
            Err(error) => violations.push(FieldViolation::new(
                format!("filter.themes[{index}]"),
                error.message,
            )),
        }
    }
    let changed_since = match filters.changed_since.as_deref() {
        Some(text) => match parse_time(text) {
            Ok(ms) => Some(timestamp(ms)),
            Err(description) => {
                violations.push(FieldViolation::new("filter.changed_since", description));
                None
            }
        },
        None => None,
    };
    if !violations.is_empty() {
        return Err(ClientError {
            code: tonic::Code::InvalidArgument,
            message: format!(
                "invalid {}",
                violations
                    .iter()
                    .map(|v| v.field.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            violations,
        });
    }
    Ok(pb::ViewFilter {
        organizations: filters.organizations.clone(),
        activity_types,
        statuses,
        countries: filters.countries.clone(),
        regions: filters.regions.clone(),
        themes,
        topics: filters.topics.clone(),
        target_groups: filters.target_groups.clone(),
        participants: filters.participants.clone(),
        active_from: filters.active_from.clone().unwrap_or_default(),
        active_to: filters.active_to.clone().unwrap_or_default(),
        changed_since,
        change_kinds,
        text: filters.text.clone().unwrap_or_default(),
        include_withdrawn: filters.include_withdrawn,
    })
}

impl Client {
    /// One ranked page of the consolidated view, with the total and the facets.
    pub async fn query(&self, request: &ViewQueryRequest) -> Result<RemoteViewPage, ClientError> {
        let response = self
            .view
            .clone()
            .query(
                self.request(pb::QueryRequest {
                    filter: Some(view_filter_to_pb(&request.filters)?),
                    facets: request
                        .facets
                        .iter()
                        .map(|d| dimension_number(*d))
                        .collect(),
                    page_size: request.page_size,
                    page_token: request.page_token.clone().unwrap_or_default(),
                }),
            )
            .await?
            .into_inner();
        Ok(RemoteViewPage {
            reports: response
                .reports
                .into_iter()
                .map(RemoteReport::from_pb)
                .collect(),
            next_page_token: response.next_page_token,
            total: response.total,
            facets: response
                .facets
                .into_iter()
                .filter_map(|facet| {
                    Some(RemoteFacet {
                        dimension: dimension_from_number(facet.dimension)?,
                        values: facet
                            .values
                            .into_iter()
                            .map(|v| FacetCount {
                                value: v.value,
                                count: v.count,
                            })
                            .collect(),
                    })
                })
                .collect(),
        })
    }

    /// A `rows` x `columns` matrix of the reports `filters` select: each cell counts
    /// reports and names their organizations; the empty cells of the group's universe are
    /// the gaps. `theme_vocabulary` keeps one vocabulary's themes ("GCM").
    pub async fn matrix(
        &self,
        rows: Dimension,
        columns: Dimension,
        filters: &ViewFilters,
        theme_vocabulary: Option<&str>,
    ) -> Result<Matrix, ClientError> {
        let response = self
            .view
            .clone()
            .matrix(self.request(pb::MatrixRequest {
                rows: dimension_number(rows),
                columns: dimension_number(columns),
                filter: Some(view_filter_to_pb(filters)?),
                theme_vocabulary: theme_vocabulary.unwrap_or_default().to_string(),
            }))
            .await?
            .into_inner();
        let cell = |c: pb::MatrixCell| MatrixCell {
            row: c.row,
            column: c.column,
            count: c.count,
            organizations: c.organizations,
        };
        Ok(Matrix {
            rows: response.rows,
            columns: response.columns,
            cells: response.cells.into_iter().map(cell).collect(),
            gaps: response.gaps.into_iter().map(cell).collect(),
        })
    }

    /// Every member's freshness; 0 days means the node's default (30 fresh, 90 overdue).
    pub async fn freshness(
        &self,
        fresh_days: u32,
        overdue_days: u32,
    ) -> Result<Vec<RemoteMemberFreshness>, ClientError> {
        let response = self
            .view
            .clone()
            .freshness(self.request(pb::FreshnessRequest {
                fresh_days,
                overdue_days,
            }))
            .await?
            .into_inner();
        Ok(response
            .members
            .into_iter()
            .map(|member| {
                let last_posted_ms = member.last_posted.as_ref().map(unix_ms);
                let last_received_ms = member.last_received.as_ref().map(unix_ms);
                RemoteMemberFreshness {
                    organization: member.organization,
                    last_posted: last_posted_ms.map(format_rfc3339).unwrap_or_default(),
                    last_posted_ms,
                    last_received: last_received_ms.map(format_rfc3339).unwrap_or_default(),
                    last_received_ms,
                    reports: member.reports,
                    lag_entries: member.lag_entries,
                    state: match pb::FreshnessState::try_from(member.state) {
                        Ok(pb::FreshnessState::Fresh) => FreshnessState::Fresh,
                        Ok(pb::FreshnessState::Due) => FreshnessState::Due,
                        Ok(pb::FreshnessState::Overdue) => FreshnessState::Overdue,
                        _ => FreshnessState::Silent,
                    },
                }
            })
            .collect())
    }

    /// Events (meetings, conferences, trainings, policy dialogues) starting within `days`
    /// days from `from` (default: today at the node), by place then start, with clashes.
    pub async fn calendar(
        &self,
        from: Option<&str>,
        days: u32,
        filters: &ViewFilters,
    ) -> Result<Vec<RemoteCalendarEvent>, ClientError> {
        let response = self
            .view
            .clone()
            .calendar(self.request(pb::CalendarRequest {
                from: from.unwrap_or_default().to_string(),
                days,
                filter: Some(view_filter_to_pb(filters)?),
            }))
            .await?
            .into_inner();
        Ok(response
            .events
            .into_iter()
            .map(|event| RemoteCalendarEvent {
                report: RemoteReport::from_pb(event.report.unwrap_or_default()),
                start: event.start,
                end: event.end,
                location: event.location,
                week: event.week,
                clashes_with: event.clashes_with,
                shared_topics: event.shared_topics,
            })
            .collect())
    }
}

pub use crate::view::export::ExportFormat;

impl Client {
    /// Every report `filters` select, as a stream of bytes in `format` (concatenate the
    /// pieces in order; they are cut at about 64 KiB, not at records). The client's time-out
    /// bounds the wait for the node to start answering, not the whole export: a large
    /// export takes as long as it takes.
    pub async fn export(
        &self,
        filters: &ViewFilters,
        format: ExportFormat,
    ) -> Result<impl futures_util::Stream<Item = Result<Vec<u8>, ClientError>> + use<>, ClientError>
    {
        let request = pb::ExportRequest {
            filter: Some(view_filter_to_pb(filters)?),
            format: match format {
                ExportFormat::CsvHxl => pb::ExportFormat::CsvHxl,
                ExportFormat::JsonLines => pb::ExportFormat::JsonLines,
            } as i32,
        };
        let mut view = self.view.clone();
        let stream = tokio::time::timeout(self.timeout, view.export(request))
            .await
            .map_err(|_| {
                ClientError::local(
                    tonic::Code::DeadlineExceeded,
                    format!(
                        "the node did not start the export within {:?}",
                        self.timeout
                    ),
                )
            })??
            .into_inner();
        Ok(stream.map(|chunk| Ok(chunk?.data)))
    }
}
