//! Conversions between domain types and protobuf bytes: the boundary through which the rest
//! of the crate uses the wire format without seeing generated types.
//!
//! Report content is converted twice on purpose: [`draft_from_pb`] keeps whatever a caller
//! sent (unknown enum numbers included) so validation can name it, while
//! [`content_from_pb_stored`] reads content that was validated before it was signed.

use prost::Message;
use uuid::Uuid;

use super::pb;
use crate::log::{
    Change, ContentDigest, Decision, EntryBody, EntryHash, ReviewDecision, SignedEntry,
};
use crate::report::{
    ActivityDates, ActivityStatus, ActivityType, Contact, Date, DraftDates, DraftParticipant,
    DraftRelated, IatiExtra, Link, LocalizedText, Participant, ParticipantRole, RelatedReport,
    Relation, ReportContent, ReportDraft, TextInput, Theme,
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
        Change::Content(digest) => pb::entry_body::Change::Content(pb::ContentDigest {
            sha256: digest.sha256.to_vec(),
            length: digest.length,
        }),
        Change::Withdrawal { reason } => pb::entry_body::Change::Withdrawal(pb::Withdrawal {
            reason: reason.clone(),
        }),
        Change::Review(review) => pb::entry_body::Change::Review(pb::ReviewDecision {
            first_report: review.first_report.as_bytes().to_vec(),
            first_revision: review.first_revision,
            second_report: review.second_report.as_bytes().to_vec(),
            second_revision: review.second_revision,
            decision: match review.decision {
                Decision::Confirmed => pb::review_decision::Decision::Confirmed,
                Decision::Dismissed => pb::review_decision::Decision::Dismissed,
                Decision::Joint => pb::review_decision::Decision::Joint,
            } as i32,
            note: review.note.clone(),
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
        Some(pb::entry_body::Change::Content(digest)) => Change::Content(ContentDigest {
            sha256: <[u8; 32]>::try_from(digest.sha256.as_slice())
                .map_err(|_| malformed(WHAT, "content digest is not 32 bytes"))?,
            length: digest.length,
        }),
        Some(pb::entry_body::Change::Withdrawal(withdrawal)) => Change::Withdrawal {
            reason: withdrawal.reason,
        },
        Some(pb::entry_body::Change::Review(review)) => {
            let report = |bytes: &[u8], field: &str| {
                Uuid::from_slice(bytes)
                    .map_err(|_| malformed(WHAT, format!("review {field} is not 16 bytes")))
            };
            let first_report = report(&review.first_report, "first_report")?;
            let second_report = report(&review.second_report, "second_report")?;
            if first_report >= second_report {
                return Err(malformed(
                    WHAT,
                    "review names its reports out of order or twice (first_report must be the smaller id)",
                ));
            }
            Change::Review(ReviewDecision {
                first_report,
                first_revision: review.first_revision,
                second_report,
                second_revision: review.second_revision,
                decision: match pb::review_decision::Decision::try_from(review.decision) {
                    Ok(pb::review_decision::Decision::Confirmed) => Decision::Confirmed,
                    Ok(pb::review_decision::Decision::Dismissed) => Decision::Dismissed,
                    Ok(pb::review_decision::Decision::Joint) => Decision::Joint,
                    _ => {
                        return Err(malformed(
                            WHAT,
                            format!("unknown review decision {}", review.decision),
                        ));
                    }
                },
                note: review.note,
            })
        }
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
        content: entry.content.clone(),
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
    // Only the body is signed: the envelope must hold nothing but its known fields, once
    // each, or a flipped tag could turn the content into an ignored unknown field and pass
    // the entry off as purged.
    if entry.encoded_len() != bytes.len() {
        return Err(malformed(
            WHAT,
            "unknown, repeated or non-canonical fields around the signed body",
        ));
    }
    Ok(SignedEntry {
        body_bytes: entry.body,
        content: entry.content,
        signature: <[u8; 64]>::try_from(entry.signature.as_slice())
            .map_err(|_| malformed(WHAT, "signature is not 64 bytes"))?,
        key_id: <[u8; 8]>::try_from(entry.key_id.as_slice())
            .map_err(|_| malformed(WHAT, "key_id is not 8 bytes"))?,
    })
}

/// Encodes report content as it travels beside an entry body (and as its digest covers it).
pub fn encode_content(content: &ReportContent) -> Vec<u8> {
    content_to_pb(content).encode_to_vec()
}

/// Signs an entry that sets a report's content: `body` gets the content's digest as its
/// change, and the content bytes travel beside it.
pub fn sign_content_entry(
    body: EntryBody,
    content: &ReportContent,
    key: &ed25519_dalek::SigningKey,
) -> SignedEntry {
    let content_bytes = encode_content(content);
    let body = EntryBody {
        change: Change::Content(ContentDigest::of(&content_bytes)),
        ..body
    };
    SignedEntry::sign(encode_entry_body(&body), key).with_content(content_bytes)
}

/// The content an entry carries, checked against the digest its signed body commits to.
/// `Ok(None)` for a withdrawal and for a purged (superseded) content change.
pub fn entry_content(
    entry: &SignedEntry,
    body: &EntryBody,
) -> Result<Option<ReportContent>, CodecError> {
    const WHAT: &str = "entry content";
    match (&body.change, &entry.content) {
        (Change::Withdrawal { .. } | Change::Review(_), None) => Ok(None),
        (Change::Withdrawal { .. } | Change::Review(_), Some(_)) => Err(malformed(
            WHAT,
            "a withdrawal or review carries content bytes",
        )),
        (Change::Content(_), None) => Ok(None),
        (Change::Content(digest), Some(bytes)) => {
            if !digest.matches(bytes) {
                return Err(malformed(
                    WHAT,
                    "content bytes do not match the digest the signed body commits to",
                ));
            }
            let content = pb::ReportContent::decode(bytes.as_slice()).map_err(|error| {
                CodecError::Undecodable {
                    what: WHAT,
                    reason: error.to_string(),
                }
            })?;
            Ok(Some(content_from_pb_stored(content)))
        }
    }
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
        iati_identifier: content.iati_identifier.clone(),
        iati_extra: extras_to_pb(&content.iati_extra),
    }
}

fn extras_to_pb(extras: &[IatiExtra]) -> Vec<pb::IatiExtra> {
    extras
        .iter()
        .map(|e| pb::IatiExtra {
            path: e.path.clone(),
            xml: e.xml.clone(),
            mapped_to: e.mapped_to.clone(),
        })
        .collect()
}

fn extras_from_pb(extras: Vec<pb::IatiExtra>) -> Vec<IatiExtra> {
    extras
        .into_iter()
        .map(|e| IatiExtra {
            path: e.path,
            xml: e.xml,
            mapped_to: e.mapped_to,
        })
        .collect()
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
        iati_identifier: content.iati_identifier,
        iati_extra: extras_from_pb(content.iati_extra),
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
        iati_identifier: content.iati_identifier,
        iati_extra: extras_from_pb(content.iati_extra),
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
    fn content_travels_beside_the_body_and_must_match_its_digest() {
        let content = content_from_pb_stored(pb::ReportContent {
            title: vec![pb::LocalizedText {
                lang: "en".into(),
                text: "Workshop".into(),
            }],
            ..Default::default()
        });
        let key = ed25519_dalek::SigningKey::from_bytes(&[5; 32]);
        let body = EntryBody {
            organization: "IOM".into(),
            sequence: 1,
            previous_hash: EntryHash::GENESIS,
            authored_at_unix_ms: 0,
            report_id: Uuid::now_v7(),
            revision: 1,
            epoch: 1,
            change: Change::Withdrawal {
                reason: String::new(),
            },
        };
        let entry = sign_content_entry(body, &content, &key);
        let decoded = decode_signed_entry(&encode_signed_entry(&entry)).unwrap();
        let body = decode_entry_body(&decoded.body_bytes).unwrap();
        assert_eq!(entry_content(&decoded, &body), Ok(Some(content)));
        assert_eq!(entry_content(&decoded.purged(), &body), Ok(None));
        let mut swapped = decoded.clone();
        swapped.content = Some(b"\x0a\x00".to_vec());
        assert!(matches!(
            entry_content(&swapped, &body),
            Err(CodecError::Malformed { .. })
        ));
        let withdrawal = EntryBody {
            change: Change::Withdrawal {
                reason: "gone".into(),
            },
            ..body
        };
        assert!(entry_content(&decoded, &withdrawal).is_err());
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
