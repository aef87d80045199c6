//! Conversions between domain types and protobuf bytes: the boundary through which the rest
//! of the crate uses the wire format without seeing generated types.
//!
//! Report content is converted twice on purpose: [`draft_from_pb`] keeps whatever a caller
//! sent (unknown enum numbers included) so validation can name it, while
//! [`content_from_pb_stored`] reads content that was validated before it was signed.

use prost::Message;
use uuid::Uuid;

use super::pb;
use crate::log::{Change, EntryBody, EntryHash, SignedEntry};
use crate::report::{
    ActivityDates, ActivityStatus, ActivityType, Contact, Date, DraftDates, DraftParticipant,
    DraftRelated, Link, LocalizedText, Participant, ParticipantRole, RelatedReport, Relation,
    ReportContent, ReportDraft, TextInput, Theme,
};

/// Bytes that are not a well-formed entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    /// Not decodable protobuf.
    #[error("undecodable {what}: {reason}")]
    Undecodable {
        /// Which message.
        what: &'static str,
        /// prost's explanation.
        reason: String,
    },
    /// Decodable, but a field is missing or malformed.
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// Which message.
        what: &'static str,
        /// Which field and why.
        reason: String,
    },
}

fn malformed(what: &'static str, reason: impl Into<String>) -> CodecError {
    CodecError::Malformed {
        what,
        reason: reason.into(),
    }
}

/// Encodes an entry body (to be signed; never re-encoded afterwards).
pub fn encode_entry_body(body: &EntryBody) -> Vec<u8> {
    let change = match &body.change {
        Change::Content(content) => pb::entry_body::Change::Content(content_to_pb(content)),
        Change::Withdrawal { reason } => pb::entry_body::Change::Withdrawal(pb::Withdrawal {
            reason: reason.clone(),
        }),
    };
    pb::EntryBody {
        organization: body.organization.clone(),
        sequence: body.sequence,
        previous_hash: body.previous_hash.0.to_vec(),
        authored_at_unix_ms: body.authored_at_unix_ms,
        report_id: body.report_id.as_bytes().to_vec(),
        revision: body.revision,
        epoch: body.epoch,
        change: Some(change),
    }
    .encode_to_vec()
}

/// Decodes an entry body.
pub fn decode_entry_body(bytes: &[u8]) -> Result<EntryBody, CodecError> {
    const WHAT: &str = "entry body";
    let body = pb::EntryBody::decode(bytes).map_err(|error| CodecError::Undecodable {
        what: WHAT,
        reason: error.to_string(),
    })?;
    let previous_hash = EntryHash::from_slice(&body.previous_hash)
        .ok_or_else(|| malformed(WHAT, "previous_hash is not 32 bytes"))?;
    let report_id = Uuid::from_slice(&body.report_id)
        .map_err(|_| malformed(WHAT, "report_id is not 16 bytes"))?;
    let change = match body.change {
        Some(pb::entry_body::Change::Content(content)) => {
            Change::Content(Box::new(content_from_pb_stored(content)))
        }
        Some(pb::entry_body::Change::Withdrawal(withdrawal)) => Change::Withdrawal {
            reason: withdrawal.reason,
        },
        None => return Err(malformed(WHAT, "no change")),
    };
    Ok(EntryBody {
        organization: body.organization,
        sequence: body.sequence,
        previous_hash,
        authored_at_unix_ms: body.authored_at_unix_ms,
        report_id,
        revision: body.revision,
        epoch: body.epoch,
        change,
    })
}

/// Encodes a signed entry as stored and shipped.
pub fn encode_signed_entry(entry: &SignedEntry) -> Vec<u8> {
    pb::SignedEntry {
        body: entry.body_bytes.clone(),
        signature: entry.signature.to_vec(),
        key_id: entry.key_id.to_vec(),
    }
    .encode_to_vec()
}

/// Decodes a signed entry (its body stays as bytes).
pub fn decode_signed_entry(bytes: &[u8]) -> Result<SignedEntry, CodecError> {
    const WHAT: &str = "signed entry";
    let entry = pb::SignedEntry::decode(bytes).map_err(|error| CodecError::Undecodable {
        what: WHAT,
        reason: error.to_string(),
    })?;
    Ok(SignedEntry {
        body_bytes: entry.body,
        signature: <[u8; 64]>::try_from(entry.signature.as_slice())
            .map_err(|_| malformed(WHAT, "signature is not 64 bytes"))?,
        key_id: <[u8; 8]>::try_from(entry.key_id.as_slice())
            .map_err(|_| malformed(WHAT, "key_id is not 8 bytes"))?,
    })
}

fn texts_to_pb(texts: &[LocalizedText]) -> Vec<pb::LocalizedText> {
    texts
        .iter()
        .map(|t| pb::LocalizedText {
            lang: t.lang.clone(),
            text: t.text.clone(),
        })
        .collect()
}

fn texts_from_pb(texts: Vec<pb::LocalizedText>) -> Vec<LocalizedText> {
    texts
        .into_iter()
        .map(|t| LocalizedText {
            lang: t.lang,
            text: t.text,
        })
        .collect()
}

fn date_text(date: Option<Date>) -> String {
    date.map(|d| d.to_string()).unwrap_or_default()
}

/// Validated content to protobuf.
pub fn content_to_pb(content: &ReportContent) -> pb::ReportContent {
    pb::ReportContent {
        title: texts_to_pb(&content.title),
        summary: texts_to_pb(&content.summary),
        activity_type: content.activity_type.number(),
        status: content.status.code(),
        dates: Some(pb::ActivityDates {
            planned_start: date_text(content.dates.planned_start),
            actual_start: date_text(content.dates.actual_start),
            planned_end: date_text(content.dates.planned_end),
            actual_end: date_text(content.dates.actual_end),
        }),
        countries: content.countries.clone(),
        regions: content.regions.clone(),
        themes: content
            .themes
            .iter()
            .map(|t| pb::Theme {
                vocabulary: t.vocabulary.clone(),
                code: t.code.clone(),
            })
            .collect(),
        target_groups: content.target_groups.clone(),
        participants: content
            .participants
            .iter()
            .map(|p| pb::Participant {
                organization: p.organization.clone(),
                role: p.role.number(),
            })
            .collect(),
        related: content
            .related
            .iter()
            .map(|r| pb::RelatedReport {
                report_id: r.report_id.to_string(),
                relation: r.relation.number(),
            })
            .collect(),
        links: content
            .links
            .iter()
            .map(|l| pb::Link {
                url: l.url.clone(),
                title: l.title.clone(),
                kind: l.kind.clone(),
            })
            .collect(),
        contact: content.contact.as_ref().map(|c| pb::Contact {
            organization: c.organization.clone(),
            unit: c.unit.clone(),
            email: c.email.clone(),
            person: c.person.clone(),
        }),
        location: content.location.clone(),
    }
}

/// The name of a protobuf enum value for validation: "" for 0 (unset), the name when known,
/// the number as text otherwise (so the error shows what was sent).
fn enum_text(number: i32, name: Option<&'static str>) -> String {
    match (number, name) {
        (0, _) => String::new(),
        (_, Some(name)) => name.to_string(),
        (number, None) => number.to_string(),
    }
}

/// What a caller sent over gRPC, as a draft for validation.
pub fn draft_from_pb(content: pb::ReportContent) -> ReportDraft {
    let dates = content.dates.unwrap_or_default();
    ReportDraft {
        title: TextInput::Translated(texts_from_pb(content.title)),
        summary: TextInput::Translated(texts_from_pb(content.summary)),
        activity_type: enum_text(
            content.activity_type,
            ActivityType::from_number(content.activity_type).map(ActivityType::name),
        ),
        status: enum_text(
            content.status,
            ActivityStatus::from_code(content.status).map(ActivityStatus::name),
        ),
        dates: DraftDates {
            planned_start: dates.planned_start,
            actual_start: dates.actual_start,
            planned_end: dates.planned_end,
            actual_end: dates.actual_end,
        },
        countries: content.countries,
        regions: content.regions,
        themes: content
            .themes
            .into_iter()
            .map(|t| Theme {
                vocabulary: t.vocabulary,
                code: t.code,
            })
            .collect(),
        target_groups: content.target_groups,
        participants: content
            .participants
            .into_iter()
            .map(|p| DraftParticipant {
                organization: p.organization,
                role: enum_text(
                    p.role,
                    ParticipantRole::from_number(p.role).map(ParticipantRole::name),
                ),
            })
            .collect(),
        related: content
            .related
            .into_iter()
            .map(|r| DraftRelated {
                report_id: r.report_id,
                relation: enum_text(
                    r.relation,
                    Relation::from_number(r.relation).map(Relation::name),
                ),
            })
            .collect(),
        links: content
            .links
            .into_iter()
            .map(|l| Link {
                url: l.url,
                title: l.title,
                kind: l.kind,
            })
            .collect(),
        contact: content.contact.map(|c| Contact {
            organization: c.organization,
            unit: c.unit,
            email: c.email,
            person: c.person,
        }),
        location: content.location,
    }
}

/// Content read back from a stored entry. It was validated before it was signed, so this
/// conversion is total: a value this build does not know (written by a newer version)
/// falls back to the most neutral one instead of failing the read.
pub fn content_from_pb_stored(content: pb::ReportContent) -> ReportContent {
    let dates = content.dates.unwrap_or_default();
    let date = |text: &str| Date::parse(text).ok();
    ReportContent {
        title: texts_from_pb(content.title),
        summary: texts_from_pb(content.summary),
        activity_type: ActivityType::from_number(content.activity_type)
            .unwrap_or(ActivityType::Other),
        status: ActivityStatus::from_code(content.status).unwrap_or(ActivityStatus::Pipeline),
        dates: ActivityDates {
            planned_start: date(&dates.planned_start),
            actual_start: date(&dates.actual_start),
            planned_end: date(&dates.planned_end),
            actual_end: date(&dates.actual_end),
        },
        countries: content.countries,
        regions: content.regions,
        themes: content
            .themes
            .into_iter()
            .map(|t| Theme {
                vocabulary: t.vocabulary,
                code: t.code,
            })
            .collect(),
        target_groups: content.target_groups,
        participants: content
            .participants
            .into_iter()
            .map(|p| Participant {
                organization: p.organization,
                role: ParticipantRole::from_number(p.role).unwrap_or(ParticipantRole::Participant),
            })
            .collect(),
        related: content
            .related
            .into_iter()
            .filter_map(|r| {
                Some(RelatedReport {
                    report_id: Uuid::parse_str(&r.report_id).ok()?,
                    relation: Relation::from_number(r.relation)?,
                })
            })
            .collect(),
        links: content
            .links
            .into_iter()
            .map(|l| Link {
                url: l.url,
                title: l.title,
                kind: l.kind,
            })
            .collect(),
        contact: content.contact.map(|c| Contact {
            organization: c.organization,
            unit: c.unit,
            email: c.email,
            person: c.person,
        }),
        location: content.location,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_body_round_trips_through_bytes() {
        let body = EntryBody {
            organization: "IOM".into(),
            sequence: 7,
            previous_hash: EntryHash([3; 32]),
            authored_at_unix_ms: 1_180_000_000_000,
            report_id: Uuid::now_v7(),
            revision: 2,
            epoch: 1,
            change: Change::Withdrawal {
                reason: "duplicate".into(),
            },
        };
        let bytes = encode_entry_body(&body);
        assert_eq!(decode_entry_body(&bytes), Ok(body));
        assert!(decode_entry_body(&[0xff, 0xff, 0xff]).is_err());
        assert!(matches!(
            decode_entry_body(&[]),
            Err(CodecError::Malformed { .. })
        ));
    }

    #[test]
    fn unknown_enum_numbers_reach_validation_as_text() {
        let draft = draft_from_pb(pb::ReportContent {
            activity_type: 99,
            status: 0,
            ..Default::default()
        });
        assert_eq!(draft.activity_type, "99");
        assert_eq!(draft.status, "");
    }
}
