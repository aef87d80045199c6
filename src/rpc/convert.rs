//! Conversions between generated request/response types and the ledger's types.

use prost_types::Timestamp;
use uuid::Uuid;

use super::codec::content_to_pb;
use super::pb;
use crate::ledger::query::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use crate::ledger::{ListQuery, ReportView};
use crate::report::text::has_control_characters;
use crate::report::vocabulary::{country_alpha2, normalize_theme, target_group};
use crate::report::{ActivityStatus, ActivityType, Date, FieldViolation};

/// Milliseconds since the epoch as a protobuf timestamp.
pub fn timestamp(unix_ms: i64) -> Timestamp {
    Timestamp {
        seconds: unix_ms.div_euclid(1000),
        nanos: (unix_ms.rem_euclid(1000) * 1_000_000) as i32,
    }
}

/// A protobuf timestamp as milliseconds since the epoch.
pub fn unix_ms(timestamp: &Timestamp) -> i64 {
    timestamp
        .seconds
        .saturating_mul(1000)
        .saturating_add(i64::from(timestamp.nanos.clamp(0, 999_999_999)) / 1_000_000)
}

/// A report view as the API returns it.
pub fn report_to_pb(view: &ReportView) -> pb::Report {
    pb::Report {
        id: view.state.id.to_string(),
        organization: view.state.organization.clone(),
        revision: view.state.revision,
        created_at: Some(timestamp(view.state.created_at_ms)),
        updated_at: Some(timestamp(view.state.updated_at_ms)),
        withdrawn: view.state.withdrawn,
        withdrawal_reason: view.state.withdrawal_reason.clone(),
        content: Some(content_to_pb(&view.content)),
        sequence: view.state.latest_sequence,
    }
}

/// A pair of the overlap inbox as the API shows it.
pub fn overlap_pair_to_pb(pair: &crate::ledger::overlaps::InboxPair) -> pb::OverlapPair {
    use crate::ledger::overlaps::{ReviewState, Verdict};
    use crate::log::Decision;
    use crate::view::overlap::FlagKind;
    let decision_pb = |decision: Decision| match decision {
        Decision::Confirmed => pb::ReviewDecisionKind::Confirmed,
        Decision::Dismissed => pb::ReviewDecisionKind::Dismissed,
        Decision::Joint => pb::ReviewDecisionKind::Joint,
    } as i32;
    let (kind, score, reasons, explanation) = match &pair.verdict {
        Verdict::Flagged(flag) => (
            match flag.kind {
                FlagKind::ProbableDuplicate => pb::OverlapKind::ProbableDuplicate,
                FlagKind::PotentialOverlap => pb::OverlapKind::PotentialOverlap,
                FlagKind::SelfDuplicate => pb::OverlapKind::SelfDuplicate,
            },
            flag.score,
            flag.reasons.iter().map(|r| r.to_string()).collect(),
            flag.explanation.clone(),
        ),
        Verdict::Suppressed(suppression) => (
            pb::OverlapKind::DeclaredJoint,
            suppression.would_be.as_ref().map_or(0.0, |flag| flag.score),
            suppression
                .would_be
                .as_ref()
                .map(|flag| flag.reasons.iter().map(|r| r.to_string()).collect())
                .unwrap_or_default(),
            suppression.explanation.clone(),
        ),
    };
    let mut message = pb::OverlapPair {
        first_id: pair.first.to_string(),
        first_organization: pair.first_organization.clone(),
        first_title: pair.first_title.clone(),
        second_id: pair.second.to_string(),
        second_organization: pair.second_organization.clone(),
        second_title: pair.second_title.clone(),
        kind: kind as i32,
        score,
        reasons,
        explanation,
        ..pb::OverlapPair::default()
    };
    match &pair.review {
        ReviewState::Open => message.review_state = pb::ReviewStateKind::Open as i32,
        ReviewState::Decided {
            decision,
            by,
            at_ms,
            note,
        } => {
            message.review_state = pb::ReviewStateKind::Decided as i32;
            message.decision = decision_pb(*decision);
            message.decided_by = by.clone();
            message.decided_at = Some(timestamp(*at_ms));
            message.note = note.clone();
        }
        ReviewState::Reopened { previous, by } => {
            message.review_state = pb::ReviewStateKind::Reopened as i32;
            message.decision = decision_pb(*previous);
            message.decided_by = by.clone();
        }
    }
    message
}

/// Parses a report id given in field `field`.
pub fn parse_report_id(field: &str, text: &str) -> Result<Uuid, FieldViolation> {
    Uuid::parse_str(text.trim()).map_err(|_| {
        FieldViolation::new(
            field,
            format!(
                "{:?} is not a report id: expected a UUID such as 0190f1c2-7a3b-7cde-8f00-1234567890ab",
                truncate(text, 80)
            ),
        )
    })
}

fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

/// A short free-text field (reason, idempotency key): present when `required`, at most
/// `max_chars`, no control characters.
pub fn check_short_text(
    field: &str,
    text: &str,
    max_chars: usize,
    required: bool,
    violations: &mut Vec<FieldViolation>,
) {
    if required && text.trim().is_empty() {
        violations.push(FieldViolation::new(field, "is required"));
    } else if text.chars().count() > max_chars {
        violations.push(FieldViolation::new(
            field,
            format!("is longer than {max_chars} characters"),
        ));
    } else if has_control_characters(text) {
        violations.push(FieldViolation::new(field, "contains control characters"));
    }
}

/// Validates and normalizes a list request; every bad filter is named.
pub fn list_query_from_pb(request: pb::ListRequest) -> Result<ListQuery, Vec<FieldViolation>> {
    let mut violations = Vec::new();
    let mut query = ListQuery {
        include_withdrawn: request.include_withdrawn,
        ..ListQuery::default()
    };
    for (index, organization) in request.organizations.iter().enumerate() {
        let organization = organization.trim();
        if organization.is_empty()
            || organization.len() > 64
            || has_control_characters(organization)
        {
            violations.push(FieldViolation::new(
                format!("organizations[{index}]"),
                "must be a member code such as \"IOM\" (1 to 64 characters)",
            ));
        } else {
            query.organizations.push(organization.to_string());
        }
    }
    for (index, number) in request.activity_types.iter().enumerate() {
        match ActivityType::from_number(*number) {
            Some(kind) => query.activity_types.push(kind),
            None => violations.push(FieldViolation::new(
                format!("activity_types[{index}]"),
                format!("unknown activity type {number}"),
            )),
        }
    }
    for (index, number) in request.statuses.iter().enumerate() {
        match ActivityStatus::from_code(*number) {
            Some(status) => query.statuses.push(status),
            None => violations.push(FieldViolation::new(
                format!("statuses[{index}]"),
                format!("unknown status {number}: expected an IATI ActivityStatus code 1-6"),
            )),
        }
    }
    for (index, code) in request.countries.iter().enumerate() {
        match country_alpha2(code) {
            Some(alpha2) => query.countries.push(alpha2.to_string()),
            None => violations.push(FieldViolation::new(
                format!("countries[{index}]"),
                format!(
                    "unknown country code {:?}: expected an ISO 3166-1 alpha-2 or alpha-3 code such as \"TH\" or \"THA\"",
                    truncate(code, 20)
                ),
            )),
        }
    }
    for (index, theme) in request.themes.iter().enumerate() {
        match normalize_theme(&theme.vocabulary, &theme.code) {
            Ok(theme) => query.themes.push(theme),
            Err(description) => {
                violations.push(FieldViolation::new(format!("themes[{index}]"), description))
            }
        }
    }
    for (index, code) in request.target_groups.iter().enumerate() {
        match target_group(code) {
            Some(code) => query.target_groups.push(code.to_string()),
            None => violations.push(FieldViolation::new(
                format!("target_groups[{index}]"),
                format!("unknown target group {:?}", truncate(code, 40)),
            )),
        }
    }
    let mut date = |field: &str, text: &str| -> Option<Date> {
        if text.trim().is_empty() {
            return None;
        }
        match Date::parse(text.trim()) {
            Ok(date) => Some(date),
            Err(description) => {
                violations.push(FieldViolation::new(field, description));
                None
            }
        }
    };
    query.active_from = date("active_from", &request.active_from);
    query.active_to = date("active_to", &request.active_to);
    if let (Some(from), Some(to)) = (query.active_from, query.active_to)
        && to < from
    {
        violations.push(FieldViolation::new(
            "active_to",
            format!("{to} is before active_from {from}"),
        ));
    }
    query.updated_since_ms = request.updated_since.as_ref().map(unix_ms);
    check_short_text("text", &request.text, 500, false, &mut violations);
    query.text = request.text.clone();
    query.page_size = match request.page_size as usize {
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
    if let Err(violation) = query.resume_from_token(&request.page_token) {
        violations.push(violation);
    }
    if violations.is_empty() {
        Ok(query)
    } else {
        Err(violations)
    }
}
