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
use super::pb::reports_client::ReportsClient;
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
}

impl RemoteReport {
    fn from_pb(report: pb::Report) -> RemoteReport {
        let time = |t: Option<prost_types::Timestamp>| {
            t.map(|t| format_rfc3339(unix_ms(&t))).unwrap_or_default()
        };
        RemoteReport {
            id: report.id,
            organization: report.organization,
            revision: report.revision,
            created_at: time(report.created_at),
            updated_at: time(report.updated_at),
            withdrawn: report.withdrawn,
            withdrawal_reason: report.withdrawal_reason,
            content: content_from_pb_stored(report.content.unwrap_or_default()).to_draft(),
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
            inner: ReportsClient::new(channel)
                .max_decoding_message_size(64 * 1024 * 1024)
                .max_encoding_message_size(64 * 1024 * 1024),
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
    ) -> Result<(RemoteReport, bool), ClientError> {
        let response = self
            .inner
            .clone()
            .submit(self.request(pb::SubmitRequest {
                content: Some(draft_to_pb(draft)?),
                idempotency_key: idempotency_key.unwrap_or_default().to_string(),
            }))
            .await?
            .into_inner();
        Ok((
            RemoteReport::from_pb(response.report.unwrap_or_default()),
            response.replayed,
        ))
    }

    /// Revises a report.
    pub async fn revise(
        &self,
        id: &str,
        expected_revision: u64,
        draft: &ReportDraft,
    ) -> Result<RemoteReport, ClientError> {
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
        Ok(RemoteReport::from_pb(response.report.unwrap_or_default()))
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
