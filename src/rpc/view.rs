//! The `concord.v1.View` service: the consolidated view any member may ask its own node
//! for (queries with facets, matrices with gaps, freshness, the calendar).
//!
//! Responsibilities: decode and validate requests (every bad field named, under
//! `filter.` for the shared filter), resolve participant names through the membership's
//! aliases, call the ledger's consolidated view, and encode answers. Reads only: nothing
//! here writes.

use std::sync::{Arc, RwLock};

use tonic::{Request, Response, Status};

use super::convert::{list_query_from_pb, report_to_pb, timestamp};
use super::pb;
use super::status::{invalid_argument, ledger_status};
use crate::ledger::Ledger;
use crate::ledger::consolidated::{
    AliasTable, Dimension, FreshnessState, ViewFilter, ViewQuery, freshness_state,
};
use crate::ledger::query::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use crate::report::text::has_control_characters;
use crate::report::{Date, FieldViolation};
use crate::store::ChangeKind;
use crate::trust::membership::Membership;

/// Default days of a calendar.
pub const DEFAULT_CALENDAR_DAYS: u32 = 90;
/// Longest calendar, days.
pub const MAX_CALENDAR_DAYS: u32 = 3660;
/// Default "fresh" period of freshness, days.
pub const DEFAULT_FRESH_DAYS: u32 = 30;
/// Default "overdue" threshold of freshness, days.
pub const DEFAULT_OVERDUE_DAYS: u32 = 90;

/// Who the members are, for aliases, matrix universes and freshness.
#[derive(Clone)]
pub enum MemberSource {
    /// The membership file in force (a node with mutual TLS).
    Membership(Arc<RwLock<Arc<Membership>>>),
    /// The default working group (a standalone node).
    Defaults,
}

impl MemberSource {
    /// Member codes and the names and aliases each is known by.
    fn members(&self) -> Vec<(String, Vec<String>)> {
        match self {
            MemberSource::Membership(membership) => membership
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .file()
                .members
                .iter()
                .map(|member| {
                    let mut names = member.aliases.clone();
                    if !member.name.is_empty() {
                        names.push(member.name.clone());
                    }
                    (member.code.clone(), names)
                })
                .collect(),
            MemberSource::Defaults => crate::trust::setup::DEFAULT_MEMBERS
                .iter()
                .map(|(code, name, _, aliases)| {
                    let mut names: Vec<String> = aliases.iter().map(|a| a.to_string()).collect();
                    names.push(name.to_string());
                    (code.to_string(), names)
                })
                .collect(),
        }
    }

    /// The co-chairs' codes.
    fn co_chairs(&self) -> Vec<String> {
        match self {
            MemberSource::Membership(membership) => membership
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .file()
                .co_chairs
                .clone(),
            MemberSource::Defaults => crate::trust::setup::DEFAULT_CO_CHAIRS
                .iter()
                .map(|c| c.to_string())
                .collect(),
        }
    }

    fn aliases(&self) -> (Vec<String>, AliasTable) {
        let members = self.members();
        let table = AliasTable::new(
            members
                .iter()
                .map(|(code, names)| (code.as_str(), names.iter().map(String::as_str).collect())),
        );
        (members.into_iter().map(|(code, _)| code).collect(), table)
    }
}

/// The View service over a node's ledger.
#[derive(Clone)]
pub struct ViewService {
    ledger: Arc<Ledger>,
    members: MemberSource,
    sync: Option<crate::replication::SyncSource>,
}

impl ViewService {
    /// Answers from `ledger`; members from `members`; lag from `sync` when replicating.
    pub fn new(
        ledger: Arc<Ledger>,
        members: MemberSource,
        sync: Option<crate::replication::SyncSource>,
    ) -> ViewService {
        ViewService {
            ledger,
            members,
            sync,
        }
    }

    /// The tonic server, with the node's message size limit.
    pub fn into_server(self, max_message_bytes: usize) -> pb::view_server::ViewServer<ViewService> {
        pb::view_server::ViewServer::new(self)
            .max_decoding_message_size(max_message_bytes)
            .max_encoding_message_size(max_message_bytes.max(16 * 1024 * 1024))
    }
}

fn prefixed(prefix: &str, violations: Vec<FieldViolation>) -> Vec<FieldViolation> {
    violations
        .into_iter()
        .map(|v| FieldViolation::new(format!("{prefix}{}", v.field), v.description))
        .collect()
}

/// Decodes and validates a view filter; violations name `filter.<field>`.
pub fn view_filter_from_pb(filter: pb::ViewFilter) -> Result<ViewFilter, Vec<FieldViolation>> {
    // A Timestamp's nanos are 0..=999,999,999; `List` clamps others, a filter says so.
    let bad_since = filter
        .changed_since
        .as_ref()
        .is_some_and(|since| !(0..1_000_000_000).contains(&since.nanos));
    let no_since = filter.changed_since.is_none();
    // The fields a list request shares are checked exactly as `List` checks them.
    let shared = list_query_from_pb(pb::ListRequest {
        organizations: filter.organizations,
        activity_types: filter.activity_types,
        statuses: filter.statuses,
        countries: filter.countries,
        themes: filter.themes,
        target_groups: filter.target_groups,
        active_from: filter.active_from,
        active_to: filter.active_to,
        updated_since: filter.changed_since,
        text: filter.text,
        include_withdrawn: filter.include_withdrawn,
        ..pb::ListRequest::default()
    });
    let mut violations = Vec::new();
    let shared = match shared {
        Ok(query) => Some(query),
        Err(found) => {
            violations.extend(prefixed("filter.", found));
            None
        }
    };
    if bad_since {
        violations.push(FieldViolation::new(
            "filter.changed_since",
            "not a valid time: nanos must be between 0 and 999,999,999",
        ));
    }
    let mut regions = Vec::new();
    for (index, code) in filter.regions.iter().enumerate() {
        match crate::report::vocabulary::region(code.trim()) {
            Some(region) => regions.push(region.code.to_string()),
            None => violations.push(FieldViolation::new(
                format!("filter.regions[{index}]"),
                format!(
                    "unknown region {:?}: expected a UN M49 code such as \"035\" or the group's \"ESCAP\"",
                    code.chars().take(20).collect::<String>()
                ),
            )),
        }
    }
    let mut topics = Vec::new();
    for (index, topic) in filter.topics.iter().enumerate() {
        let wanted = topic.trim().to_lowercase();
        match crate::view::crosswalk::Concept::ALL
            .iter()
            .find(|concept| concept.code() == wanted)
        {
            Some(concept) => topics.push(concept.code().to_string()),
            None => violations.push(FieldViolation::new(
                format!("filter.topics[{index}]"),
                format!(
                    "unknown topic {:?}: expected one of the crosswalk's topics such as \"trafficking\" or \"remittances\"",
                    topic.chars().take(40).collect::<String>()
                ),
            )),
        }
    }
    let mut participants = Vec::new();
    for (index, name) in filter.participants.iter().enumerate() {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 || has_control_characters(name) {
            violations.push(FieldViolation::new(
                format!("filter.participants[{index}]"),
                "must be an organization's code or name (1 to 200 characters)",
            ));
        } else {
            participants.push(name.to_string());
        }
    }
    let mut change_kinds = Vec::new();
    for (index, number) in filter.change_kinds.iter().enumerate() {
        match pb::ChangeKind::try_from(*number) {
            Ok(pb::ChangeKind::Created) => change_kinds.push(ChangeKind::Created),
            Ok(pb::ChangeKind::Revised) => change_kinds.push(ChangeKind::Revised),
            Ok(pb::ChangeKind::Withdrawn) => change_kinds.push(ChangeKind::Withdrawn),
            _ => violations.push(FieldViolation::new(
                format!("filter.change_kinds[{index}]"),
                format!("unknown change kind {number}: expected CREATED, REVISED or WITHDRAWN"),
            )),
        }
    }
    if !change_kinds.is_empty() && no_since {
        violations.push(FieldViolation::new(
            "filter.change_kinds",
            "needs filter.changed_since: the kinds say how reports changed since that time",
        ));
    }
    match shared {
        Some(shared) if violations.is_empty() => Ok(ViewFilter {
            organizations: shared.organizations,
            activity_types: shared.activity_types,
            statuses: shared.statuses,
            countries: shared.countries,
            regions,
            themes: shared.themes,
            topics,
            target_groups: shared.target_groups,
            participants,
            active_from: shared.active_from,
            active_to: shared.active_to,
            changed_since_ms: shared.updated_since_ms,
            change_kinds,
            text: shared.text,
            include_withdrawn: shared.include_withdrawn,
        }),
        _ => Err(violations),
    }
}

fn dimension_from_pb(field: &str, number: i32) -> Result<Dimension, FieldViolation> {
    match pb::Dimension::try_from(number) {
        Ok(pb::Dimension::Organization) => Ok(Dimension::Organization),
        Ok(pb::Dimension::ActivityType) => Ok(Dimension::ActivityType),
        Ok(pb::Dimension::Status) => Ok(Dimension::Status),
        Ok(pb::Dimension::Country) => Ok(Dimension::Country),
        Ok(pb::Dimension::Theme) => Ok(Dimension::Theme),
        Ok(pb::Dimension::Topic) => Ok(Dimension::Topic),
        Ok(pb::Dimension::TargetGroup) => Ok(Dimension::TargetGroup),
        Ok(pb::Dimension::Year) => Ok(Dimension::Year),
        _ => Err(FieldViolation::new(
            field,
            format!(
                "unknown dimension {number}: expected ORGANIZATION, ACTIVITY_TYPE, STATUS, COUNTRY, THEME, TOPIC, TARGET_GROUP or YEAR"
            ),
        )),
    }
}

fn dimension_to_pb(dimension: Dimension) -> pb::Dimension {
    match dimension {
        Dimension::Organization => pb::Dimension::Organization,
        Dimension::ActivityType => pb::Dimension::ActivityType,
        Dimension::Status => pb::Dimension::Status,
        Dimension::Country => pb::Dimension::Country,
        Dimension::Theme => pb::Dimension::Theme,
        Dimension::Topic => pb::Dimension::Topic,
        Dimension::TargetGroup => pb::Dimension::TargetGroup,
        Dimension::Year => pb::Dimension::Year,
    }
}

/// Page tokens of view queries: the offset, bound to the filter so a token cannot be
/// replayed against another query.
fn page_token(filter: &pb::ViewFilter, offset: usize) -> String {
    use base64::Engine;
    let mut bytes = (offset as u64).to_be_bytes().to_vec();
    bytes.extend_from_slice(&filter_fingerprint(filter));
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn filter_fingerprint(filter: &pb::ViewFilter) -> [u8; 8] {
    use prost::Message;
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(filter.encode_to_vec());
    let mut fingerprint = [0u8; 8];
    fingerprint.copy_from_slice(&digest[..8]);
    fingerprint
}

fn offset_from_token(filter: &pb::ViewFilter, token: &str) -> Result<usize, FieldViolation> {
    use base64::Engine;
    if token.is_empty() {
        return Ok(0);
    }
    let invalid = || {
        FieldViolation::new(
            "page_token",
            "not a page token returned by this node for this query: pass back next_page_token unchanged, with the same filter",
        )
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .map_err(|_| invalid())?;
    if bytes.len() != 16 || bytes[8..] != filter_fingerprint(filter) {
        return Err(invalid());
    }
    let mut offset = [0u8; 8];
    offset.copy_from_slice(&bytes[..8]);
    usize::try_from(u64::from_be_bytes(offset)).map_err(|_| invalid())
}

fn parse_optional_date(field: &str, text: &str) -> Result<Option<Date>, FieldViolation> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    Date::parse(text.trim())
        .map(Some)
        .map_err(|description| FieldViolation::new(field, description))
}

#[tonic::async_trait]
impl pb::view_server::View for ViewService {
    async fn query(
        &self,
        request: Request<pb::QueryRequest>,
    ) -> Result<Response<pb::QueryResponse>, Status> {
        let request = request.into_inner();
        let filter_pb = request.filter.unwrap_or_default();
        let mut violations = Vec::new();
        let filter =
            view_filter_from_pb(filter_pb.clone()).map_err(|found| violations.extend(found));
        let mut facets = Vec::new();
        for (index, number) in request.facets.iter().enumerate() {
            match dimension_from_pb(&format!("facets[{index}]"), *number) {
                Ok(dimension) => facets.push(dimension),
                Err(violation) => violations.push(violation),
            }
        }
        if request.facets.is_empty() {
            facets = vec![
                Dimension::Organization,
                Dimension::ActivityType,
                Dimension::Country,
                Dimension::Topic,
            ];
        }
        let page_size = match request.page_size as usize {
            0 => DEFAULT_PAGE_SIZE,
            size if size > MAX_PAGE_SIZE => {
                violations.push(FieldViolation::new(
                    "page_size",
                    format!("{size} is more than the maximum page size {MAX_PAGE_SIZE}"),
                ));
                MAX_PAGE_SIZE
            }
            size => size,
        };
        let offset = offset_from_token(&filter_pb, &request.page_token)
            .map_err(|violation| violations.push(violation))
            .unwrap_or(0);
        let (Ok(filter), true) = (filter, violations.is_empty()) else {
            return Err(invalid_argument(&violations));
        };
        let query = ViewQuery {
            filter,
            facets,
            page_size,
            offset,
        };
        let (_, aliases) = self.members.aliases();
        let ledger = self.ledger.clone();
        let page = tokio::task::spawn_blocking(move || ledger.view_query(&query, &aliases))
            .await
            .map_err(|error| Status::internal(format!("query task failed: {error}")))?
            .map_err(ledger_status)?;
        Ok(Response::new(pb::QueryResponse {
            reports: page.reports.iter().map(report_to_pb).collect(),
            next_page_token: page
                .next_offset
                .map(|offset| page_token(&filter_pb, offset))
                .unwrap_or_default(),
            total: page.total as u64,
            facets: page
                .facets
                .into_iter()
                .map(|(dimension, values)| pb::Facet {
                    dimension: dimension_to_pb(dimension) as i32,
                    values: values
                        .into_iter()
                        .map(|(value, count)| pb::FacetValue { value, count })
                        .collect(),
                })
                .collect(),
        }))
    }

    async fn matrix(
        &self,
        request: Request<pb::MatrixRequest>,
    ) -> Result<Response<pb::MatrixResponse>, Status> {
        let request = request.into_inner();
        let mut violations = Vec::new();
        let rows = dimension_from_pb("rows", request.rows).map_err(|v| violations.push(v));
        let columns = dimension_from_pb("columns", request.columns).map_err(|v| violations.push(v));
        let filter = view_filter_from_pb(request.filter.unwrap_or_default())
            .map_err(|found| violations.extend(found));
        let vocabulary = request.theme_vocabulary.trim();
        let vocabulary = if vocabulary.is_empty() {
            None
        } else {
            match crate::report::vocabulary::theme_vocabulary(vocabulary) {
                Some(canonical) => Some(canonical),
                None => {
                    violations.push(FieldViolation::new(
                        "theme_vocabulary",
                        format!(
                            "unknown vocabulary {:?}: expected one of {}",
                            vocabulary.chars().take(20).collect::<String>(),
                            crate::report::vocabulary::THEME_VOCABULARIES.join(", ")
                        ),
                    ));
                    None
                }
            }
        };
        let (Ok(rows), Ok(columns), Ok(filter), true) =
            (rows, columns, filter, violations.is_empty())
        else {
            return Err(invalid_argument(&violations));
        };
        let (members, aliases) = self.members.aliases();
        let ledger = self.ledger.clone();
        let matrix = tokio::task::spawn_blocking(move || {
            ledger.matrix(rows, columns, &filter, vocabulary, &members, &aliases)
        })
        .await
        .map_err(|error| Status::internal(format!("matrix task failed: {error}")))?;
        let cell = |c: crate::ledger::consolidated::MatrixCell| pb::MatrixCell {
            row: c.row,
            column: c.column,
            count: c.count,
            organizations: c.organizations,
        };
        Ok(Response::new(pb::MatrixResponse {
            rows: matrix.rows,
            columns: matrix.columns,
            cells: matrix.cells.into_iter().map(cell).collect(),
            gaps: matrix.gaps.into_iter().map(cell).collect(),
        }))
    }

    async fn freshness(
        &self,
        request: Request<pb::FreshnessRequest>,
    ) -> Result<Response<pb::FreshnessResponse>, Status> {
        let request = request.into_inner();
        let fresh_days = match request.fresh_days {
            0 => DEFAULT_FRESH_DAYS,
            days => days,
        };
        let overdue_days = match request.overdue_days {
            0 => DEFAULT_OVERDUE_DAYS.max(fresh_days),
            days => days,
        };
        if overdue_days < fresh_days {
            return Err(invalid_argument(&[FieldViolation::new(
                "overdue_days",
                format!("{overdue_days} is less than fresh_days {fresh_days}"),
            )]));
        }
        let (members, _) = self.members.aliases();
        let lags: std::collections::BTreeMap<String, u64> = match &self.sync {
            Some(sync) => crate::replication::log_sync(&self.ledger, sync)
                .into_iter()
                .map(|log| (log.organization, log.lag_entries))
                .collect(),
            None => Default::default(),
        };
        let frontier = self.ledger.durable_frontier().borrow().clone();
        let reports = self.ledger.reports_per_organization();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        let entries = members
            .iter()
            .map(|organization| {
                let last_posted = frontier
                    .get(organization)
                    .and_then(|head| self.ledger.head_authored_at(organization, head.sequence));
                let last_received = self.ledger.last_applied_ms(organization);
                let state = freshness_state(last_posted, now, fresh_days, overdue_days);
                pb::MemberFreshness {
                    organization: organization.clone(),
                    last_posted: last_posted.map(timestamp),
                    last_received: last_received.map(timestamp),
                    reports: reports.get(organization).copied().unwrap_or(0),
                    lag_entries: lags.get(organization).copied().unwrap_or(0),
                    state: match state {
                        FreshnessState::Fresh => pb::FreshnessState::Fresh,
                        FreshnessState::Due => pb::FreshnessState::Due,
                        FreshnessState::Overdue => pb::FreshnessState::Overdue,
                        FreshnessState::Silent => pb::FreshnessState::Silent,
                    } as i32,
                }
            })
            .collect();
        Ok(Response::new(pb::FreshnessResponse { members: entries }))
    }

    async fn overlaps(
        &self,
        request: Request<pb::OverlapsRequest>,
    ) -> Result<Response<pb::OverlapsResponse>, Status> {
        let request = request.into_inner();
        let organizations: Vec<String> = request
            .organizations
            .iter()
            .map(|o| o.trim().to_string())
            .collect();
        let co_chairs = self.members.co_chairs();
        let ledger = self.ledger.clone();
        let inbox = tokio::task::spawn_blocking(move || ledger.overlap_inbox(&co_chairs))
            .await
            .map_err(|error| Status::internal(format!("overlap task failed: {error}")))?
            .map_err(ledger_status)?;
        let wanted = |pair: &crate::ledger::overlaps::InboxPair| {
            (organizations.is_empty()
                || organizations.contains(&pair.first_organization)
                || organizations.contains(&pair.second_organization))
                && (request.include_decided
                    || !matches!(
                        pair.review,
                        crate::ledger::overlaps::ReviewState::Decided { .. }
                    ))
        };
        let convert = |pairs: Vec<crate::ledger::overlaps::InboxPair>| {
            pairs
                .iter()
                .filter(|p| wanted(p))
                .map(super::convert::overlap_pair_to_pb)
                .collect()
        };
        Ok(Response::new(pb::OverlapsResponse {
            pairs: convert(inbox.pairs),
            self_duplicates: convert(inbox.self_duplicates),
            declared_joint: convert(inbox.suppressed),
        }))
    }

    type ExportStream = tokio_stream::wrappers::ReceiverStream<Result<pb::ExportChunk, Status>>;

    async fn export(
        &self,
        request: Request<pb::ExportRequest>,
    ) -> Result<Response<Self::ExportStream>, Status> {
        let request = request.into_inner();
        let mut violations = Vec::new();
        let filter = view_filter_from_pb(request.filter.unwrap_or_default())
            .map_err(|found| violations.extend(found));
        let format = match pb::ExportFormat::try_from(request.format) {
            Ok(pb::ExportFormat::CsvHxl) => Some(crate::view::export::ExportFormat::CsvHxl),
            Ok(pb::ExportFormat::JsonLines) => Some(crate::view::export::ExportFormat::JsonLines),
            _ => {
                violations.push(FieldViolation::new(
                    "format",
                    "is required: CSV_HXL or JSON_LINES",
                ));
                None
            }
        };
        let (Ok(filter), Some(format), true) = (filter, format, violations.is_empty()) else {
            return Err(invalid_argument(&violations));
        };
        let (_, aliases) = self.members.aliases();
        let (sender, receiver) = tokio::sync::mpsc::channel(EXPORT_QUEUED_CHUNKS);
        let ledger = self.ledger.clone();
        // The handler returns at once with the stream (the node's handler time-out bounds
        // only that); a blocking task reads pages and waits on the client's pace.
        tokio::task::spawn_blocking(move || {
            stream_export(&ledger, filter, &aliases, format, &sender)
        });
        Ok(Response::new(tokio_stream::wrappers::ReceiverStream::new(
            receiver,
        )))
    }

    async fn calendar(
        &self,
        request: Request<pb::CalendarRequest>,
    ) -> Result<Response<pb::CalendarResponse>, Status> {
        let request = request.into_inner();
        let mut violations = Vec::new();
        let from = parse_optional_date("from", &request.from)
            .map_err(|v| violations.push(v))
            .ok()
            .flatten()
            .unwrap_or_else(crate::ledger::today);
        let days = match request.days {
            0 => DEFAULT_CALENDAR_DAYS,
            days if days > MAX_CALENDAR_DAYS => {
                violations.push(FieldViolation::new(
                    "days",
                    format!("{days} is more than {MAX_CALENDAR_DAYS} days"),
                ));
                MAX_CALENDAR_DAYS
            }
            days => days,
        };
        let filter = view_filter_from_pb(request.filter.unwrap_or_default())
            .map_err(|found| violations.extend(found));
        let (Ok(filter), true) = (filter, violations.is_empty()) else {
            return Err(invalid_argument(&violations));
        };
        let (_, aliases) = self.members.aliases();
        let ledger = self.ledger.clone();
        let events =
            tokio::task::spawn_blocking(move || ledger.calendar(from, days, &filter, &aliases))
                .await
                .map_err(|error| Status::internal(format!("calendar task failed: {error}")))?
                .map_err(ledger_status)?;
        Ok(Response::new(pb::CalendarResponse {
            events: events
                .into_iter()
                .map(|event| pb::CalendarEvent {
                    report: Some(report_to_pb(&event.report)),
                    start: event.start.to_string(),
                    end: event.end.to_string(),
                    location: event.location,
                    week: event.week,
                    clashes_with: event.clashes_with.iter().map(|id| id.to_string()).collect(),
                    shared_topics: event.shared_topics,
                })
                .collect(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_are_bound_to_their_filter() {
        let filter = pb::ViewFilter {
            text: "trafficking".into(),
            ..Default::default()
        };
        let token = page_token(&filter, 50);
        assert_eq!(offset_from_token(&filter, &token), Ok(50));
        let other = pb::ViewFilter::default();
        assert!(offset_from_token(&other, &token).is_err());
        assert!(offset_from_token(&filter, "garbage").is_err());
        assert_eq!(offset_from_token(&filter, ""), Ok(0));
    }

    #[test]
    fn bad_filters_name_every_field() {
        let violations = view_filter_from_pb(pb::ViewFilter {
            countries: vec!["XX".into()],
            regions: vec!["Atlantis".into()],
            topics: vec!["astrology".into()],
            change_kinds: vec![9],
            participants: vec![String::new()],
            ..Default::default()
        })
        .expect_err("invalid");
        let fields: Vec<&str> = violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "filter.countries[0]",
                "filter.regions[0]",
                "filter.topics[0]",
                "filter.participants[0]",
                "filter.change_kinds[0]",
            ]
        );
    }
}

/// The `concord.v1.Coordination` service: co-chairs' decisions on flagged pairs, written
/// as signed entries of the co-chair organization's log (the gate admits only that
/// organization's own clients at its own node).
#[derive(Clone)]
pub struct CoordinationService {
    ledger: Arc<Ledger>,
    members: MemberSource,
}

/// Longest accepted review note, in characters.
pub const MAX_NOTE_CHARS: usize = 2000;

impl CoordinationService {
    /// Records decisions in `ledger`'s organization's log.
    pub fn new(ledger: Arc<Ledger>, members: MemberSource) -> CoordinationService {
        CoordinationService { ledger, members }
    }

    /// The tonic server, with the node's message size limit.
    pub fn into_server(
        self,
        max_message_bytes: usize,
    ) -> pb::coordination_server::CoordinationServer<CoordinationService> {
        pb::coordination_server::CoordinationServer::new(self)
            .max_decoding_message_size(max_message_bytes)
    }
}

#[tonic::async_trait]
impl pb::coordination_server::Coordination for CoordinationService {
    async fn review(
        &self,
        request: Request<pb::ReviewRequest>,
    ) -> Result<Response<pb::ReviewResponse>, Status> {
        let request = request.into_inner();
        let mut violations = Vec::new();
        let first = super::convert::parse_report_id("first_report", &request.first_report)
            .map_err(|v| violations.push(v))
            .ok();
        let second = super::convert::parse_report_id("second_report", &request.second_report)
            .map_err(|v| violations.push(v))
            .ok();
        let decision = match pb::ReviewDecisionKind::try_from(request.decision) {
            Ok(pb::ReviewDecisionKind::Confirmed) => Some(crate::log::Decision::Confirmed),
            Ok(pb::ReviewDecisionKind::Dismissed) => Some(crate::log::Decision::Dismissed),
            Ok(pb::ReviewDecisionKind::Joint) => Some(crate::log::Decision::Joint),
            _ => {
                violations.push(FieldViolation::new(
                    "decision",
                    "is required: CONFIRMED, DISMISSED or JOINT",
                ));
                None
            }
        };
        super::convert::check_short_text(
            "note",
            &request.note,
            MAX_NOTE_CHARS,
            false,
            &mut violations,
        );
        let (Some(first), Some(second), Some(decision), true) =
            (first, second, decision, violations.is_empty())
        else {
            return Err(invalid_argument(&violations));
        };
        if !self
            .members
            .co_chairs()
            .iter()
            .any(|c| c == self.ledger.organization())
        {
            return Err(Status::permission_denied(format!(
                "{} is not a co-chair: its node records no review decisions",
                self.ledger.organization()
            )));
        }
        self.ledger
            .review(first, second, decision, request.note.trim().to_string())
            .await
            .map_err(ledger_status)?;
        // The pair as its first report's neighbourhood sees it: not the whole inbox.
        let co_chairs = self.members.co_chairs();
        let ledger = self.ledger.clone();
        let (low, high) = if first < second {
            (first, second)
        } else {
            (second, first)
        };
        let pairs = tokio::task::spawn_blocking(move || ledger.overlaps_of(low, Some(&co_chairs)))
            .await
            .map_err(|error| Status::internal(format!("overlap task failed: {error}")))?
            .map_err(ledger_status)?;
        let pair = pairs
            .iter()
            .find(|p| p.first == low && p.second == high)
            .map(super::convert::overlap_pair_to_pb);
        Ok(Response::new(pb::ReviewResponse { pair }))
    }
}

/// Bytes of each chunk of an export (the last one may be shorter).
pub const EXPORT_CHUNK_BYTES: usize = 64 * 1024;
/// Chunks an export renders ahead of a slow client.
const EXPORT_QUEUED_CHUNKS: usize = 4;

/// Writes every report `filter` selects in `format` to `sender`, in chunks, at the
/// client's pace. The matching ids are decided once, at the start (a consistent list: a
/// report arriving meanwhile is in the next export); each report is then read as it is
/// when its turn comes, and skipped if it no longer matches (withdrawn meanwhile, when
/// withdrawn reports are not asked for). Linear in the number of reports.
fn stream_export(
    ledger: &Ledger,
    filter: ViewFilter,
    aliases: &AliasTable,
    format: crate::view::export::ExportFormat,
    sender: &tokio::sync::mpsc::Sender<Result<pb::ExportChunk, Status>>,
) {
    let mut buffer = Vec::with_capacity(2 * EXPORT_CHUNK_BYTES);
    format.begin(&mut buffer);
    for id in ledger.view_ids(&filter, aliases) {
        let report = match ledger.get(id) {
            Ok(report) => report,
            Err(crate::ledger::LedgerError::ContentPending { .. })
            | Err(crate::ledger::LedgerError::NotFound(_)) => continue,
            Err(error) => {
                let _ = sender.blocking_send(Err(ledger_status(error)));
                return;
            }
        };
        if report.state.withdrawn && !filter.include_withdrawn {
            continue;
        }
        format.record(
            &mut buffer,
            &crate::view::export::ExportRecord {
                id,
                organization: &report.state.organization,
                revision: report.state.revision,
                created_at_ms: report.state.created_at_ms,
                updated_at_ms: report.state.updated_at_ms,
                withdrawn: report.state.withdrawn,
                withdrawal_reason: &report.state.withdrawal_reason,
                content: &report.content,
            },
        );
        while buffer.len() >= EXPORT_CHUNK_BYTES {
            let rest = buffer.split_off(EXPORT_CHUNK_BYTES);
            let chunk = std::mem::replace(&mut buffer, rest);
            if sender
                .blocking_send(Ok(pb::ExportChunk { data: chunk }))
                .is_err()
            {
                return; // The client went away.
            }
        }
    }
    if !buffer.is_empty() {
        let _ = sender.blocking_send(Ok(pb::ExportChunk { data: buffer }));
    }
}
