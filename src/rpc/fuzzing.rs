//! One entry point for fuzzing everything a node decodes from outside: the requests of
//! `concord.v1.Reports` and `concord.v1.Replication`, signed log entries and their bodies,
//! and the JSON report file.
//!
//! [`decode_and_validate`] takes arbitrary bytes; the first byte chooses the message
//! ([`Message::from_selector`]: its value modulo [`Message::ALL`]'s length) and the rest is
//! decoded as that message, then put through the same conversion and validation the node
//! applies before anything reaches the ledger:
//!
//! | selector | message | what runs |
//! |---|---|---|
//! | 0 | `SubmitRequest` | idempotency key check, `codec::draft_from_pb`, `validate_draft` |
//! | 1 | `ReviseRequest` | report id, expected revision, `draft_from_pb`, `validate_draft` |
//! | 2 | `WithdrawRequest` | report id, reason check |
//! | 3 | `ListRequest` | `convert::list_query_from_pb` (filters, dates, page token) |
//! | 4 | `GetRequest` | report id |
//! | 5 | `PullRequest` | `replication::frontier_from_pb` |
//! | 6 | `PushRequest` | entry count limit, then every entry as the ledger receives it |
//! | 7 | `SignedEntry` | `decode_signed_entry`, `decode_entry_body`, content digest and validation, signature, apply rule |
//! | 8 | `EntryBody` | `decode_entry_body`, re-encoding check |
//! | 9 | report JSON | `serde_json` into `ReportDraft`, `validate_draft` |
//!
//! Received entries are checked exactly as the ledger checks them (`verify_received`), with
//! every organization's key being the one made from [`FUZZ_KEY_SEED`], so a corpus can hold
//! entries that verify and reach content validation. Validation that depends on today's
//! date uses a fixed day ([`fuzz_today`]) so that every run is reproducible.
//!
//! The function must never panic, whatever the bytes: the fuzz target
//! (`fuzz/fuzz_targets/decode_requests.rs`, run with `cargo +nightly fuzz run
//! decode_requests`) and the integration test that replays its corpus on stable both call
//! it. Besides not panicking, it asserts (with `debug_assert!`, which fuzz builds enable)
//! that a decoded entry body re-encodes to bytes that decode to the same body.

use prost::Message as _;

use super::codec::{
    decode_entry_body, decode_signed_entry, draft_from_pb, encode_entry_body, entry_content,
};
use super::convert::{check_short_text, list_query_from_pb, parse_report_id};
use super::pb;
use super::replication::{MAX_PUSH_ENTRIES, frontier_from_pb};
use super::service::{MAX_IDEMPOTENCY_KEY_CHARS, MAX_REASON_CHARS};
use crate::log::check_append;
use crate::report::validate::validate_draft;
use crate::report::{Date, FieldViolation, ReportDraft};

/// Seed of the Ed25519 key every organization signs with in fuzz inputs: entries signed
/// with `ed25519_dalek::SigningKey::from_bytes(&FUZZ_KEY_SEED)` verify.
pub const FUZZ_KEY_SEED: [u8; 32] = [0x5a; 32];

/// Which message the rest of a fuzz input is decoded as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Message {
    /// `concord.v1.SubmitRequest`.
    Submit,
    /// `concord.v1.ReviseRequest`.
    Revise,
    /// `concord.v1.WithdrawRequest`.
    Withdraw,
    /// `concord.v1.ListRequest`.
    List,
    /// `concord.v1.GetRequest`.
    Get,
    /// `concord.v1.PullRequest`.
    Pull,
    /// `concord.v1.PushRequest`.
    Push,
    /// `concord.v1.SignedEntry`.
    SignedEntry,
    /// `concord.v1.EntryBody`.
    EntryBody,
    /// The JSON report file (`ReportDraft`).
    ReportJson,
}

impl Message {
    /// Every message, in selector order: `ALL[i]` is chosen by selector byte `i`.
    pub const ALL: [Message; 10] = [
        Message::Submit,
        Message::Revise,
        Message::Withdraw,
        Message::List,
        Message::Get,
        Message::Pull,
        Message::Push,
        Message::SignedEntry,
        Message::EntryBody,
        Message::ReportJson,
    ];

    /// The message a selector byte chooses.
    pub fn from_selector(byte: u8) -> Message {
        Message::ALL[usize::from(byte) % Message::ALL.len()]
    }

    /// The canonical selector byte of this message.
    pub fn selector(self) -> u8 {
        Message::ALL
            .iter()
            .position(|message| *message == self)
            .unwrap_or(0) as u8
    }

    /// A short lower-case name (used to name corpus files).
    pub fn name(self) -> &'static str {
        match self {
            Message::Submit => "submit",
            Message::Revise => "revise",
            Message::Withdraw => "withdraw",
            Message::List => "list",
            Message::Get => "get",
            Message::Pull => "pull",
            Message::Push => "push",
            Message::SignedEntry => "signed-entry",
            Message::EntryBody => "entry-body",
            Message::ReportJson => "report-json",
        }
    }
}

/// What became of a fuzz input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// No bytes at all (not even a selector).
    Empty,
    /// The bytes do not decode as the chosen message.
    Undecodable,
    /// Decoded, but the node would refuse it (a bad field, signature, size...).
    Invalid,
    /// Decoded and accepted: the node would pass it on to the ledger.
    Valid,
}

/// The day validation takes as "today" in fuzz runs: fixed, so runs are reproducible.
pub fn fuzz_today() -> Date {
    Date::from_ymd(2025, 6, 30).unwrap_or(Date::MAX)
}

/// Decodes `data[1..]` as the message `data[0]` chooses and validates it as the node does;
/// never panics. See the module documentation for what runs for each message.
pub fn decode_and_validate(data: &[u8]) -> Outcome {
    let Some((&selector, bytes)) = data.split_first() else {
        return Outcome::Empty;
    };
    match Message::from_selector(selector) {
        Message::Submit => decoded(pb::SubmitRequest::decode(bytes), submit),
        Message::Revise => decoded(pb::ReviseRequest::decode(bytes), revise),
        Message::Withdraw => decoded(pb::WithdrawRequest::decode(bytes), withdraw),
        Message::List => decoded(pb::ListRequest::decode(bytes), |request| {
            verdict(list_query_from_pb(request).map(|_| ()))
        }),
        Message::Get => decoded(pb::GetRequest::decode(bytes), |request| {
            verdict(parse_report_id("id", &request.id).map(|_| ()))
        }),
        Message::Pull => decoded(pb::PullRequest::decode(bytes), pull),
        Message::Push => decoded(pb::PushRequest::decode(bytes), push),
        Message::SignedEntry => signed_entry(bytes),
        Message::EntryBody => entry_body(bytes),
        Message::ReportJson => match serde_json::from_slice::<ReportDraft>(bytes) {
            Ok(draft) => verdict(validate_draft(&draft, fuzz_today()).map(|_| ())),
            Err(_) => Outcome::Undecodable,
        },
    }
}

fn decoded<T>(
    result: Result<T, prost::DecodeError>,
    validate: impl FnOnce(T) -> Outcome,
) -> Outcome {
    match result {
        Ok(message) => validate(message),
        Err(_) => Outcome::Undecodable,
    }
}

fn verdict<E>(result: Result<(), E>) -> Outcome {
    match result {
        Ok(()) => Outcome::Valid,
        Err(_) => Outcome::Invalid,
    }
}

fn violations_verdict(violations: &[FieldViolation]) -> Outcome {
    if violations.is_empty() {
        Outcome::Valid
    } else {
        Outcome::Invalid
    }
}

/// As `ReportsService::submit` checks a request.
fn submit(request: pb::SubmitRequest) -> Outcome {
    let mut violations = Vec::new();
    check_short_text(
        "idempotency_key",
        &request.idempotency_key,
        MAX_IDEMPOTENCY_KEY_CHARS,
        false,
        &mut violations,
    );
    let Some(content) = request.content else {
        return Outcome::Invalid;
    };
    let draft = draft_from_pb(content);
    if let Err(more) = validate_draft(&draft, fuzz_today()) {
        violations.extend(more);
    }
    violations_verdict(&violations)
}

/// As `ReportsService::revise` checks a request.
fn revise(request: pb::ReviseRequest) -> Outcome {
    let mut violations = Vec::new();
    if let Err(violation) = parse_report_id("id", &request.id) {
        violations.push(violation);
    }
    if request.expected_revision == 0 {
        violations.push(FieldViolation::new("expected_revision", "is required"));
    }
    match request.content {
        Some(content) => {
            if let Err(more) = validate_draft(&draft_from_pb(content), fuzz_today()) {
                violations.extend(more);
            }
        }
        None => violations.push(FieldViolation::new("content", "is required")),
    }
    violations_verdict(&violations)
}

/// As `ReportsService::withdraw` checks a request.
fn withdraw(request: pb::WithdrawRequest) -> Outcome {
    let mut violations = Vec::new();
    if let Err(violation) = parse_report_id("id", &request.id) {
        violations.push(violation);
    }
    check_short_text(
        "reason",
        &request.reason,
        MAX_REASON_CHARS,
        true,
        &mut violations,
    );
    violations_verdict(&violations)
}

/// As `ReplicationService::pull` checks a request.
fn pull(request: pb::PullRequest) -> Outcome {
    // The batch size is clamped and the membership hash only compared: neither refuses.
    verdict(frontier_from_pb(&request.frontier).map(|_| ()))
}

/// As `ReplicationService::push` checks a request, then every entry as the ledger does.
fn push(request: pb::PushRequest) -> Outcome {
    if request.entries.len() > MAX_PUSH_ENTRIES {
        return Outcome::Invalid;
    }
    let mut outcome = Outcome::Valid;
    for entry in request.entries {
        if received_entry(&entry) != Outcome::Valid {
            outcome = Outcome::Invalid;
        }
    }
    outcome
}

/// An encoded `SignedEntry` as a peer sends it: decoded, its body decoded and its content
/// validated whatever its signature (so that fuzzing reaches content validation), then
/// checked exactly as the ledger checks received entries, then put to the apply rule as
/// the first entry of an empty log.
fn received_entry(bytes: &[u8]) -> Outcome {
    let Ok(entry) = decode_signed_entry(bytes) else {
        return Outcome::Undecodable;
    };
    let Ok(body) = decode_entry_body(&entry.body_bytes) else {
        return Outcome::Undecodable;
    };
    check_body(&body);
    if let Ok(Some(content)) = entry_content(&entry, &body) {
        let _ = validate_draft(&content.to_draft(), Date::MAX);
    }
    let key = ed25519_dalek::SigningKey::from_bytes(&FUZZ_KEY_SEED).verifying_key();
    let keys_of = |_: &str| Some(vec![key]);
    match crate::ledger::verify_received(bytes.to_vec(), &keys_of) {
        Ok(verified) => {
            let _ = check_append(
                None,
                verified.body.sequence,
                verified.body.previous_hash,
                verified.entry_hash,
                None,
            );
            Outcome::Valid
        }
        Err(_) => Outcome::Invalid,
    }
}

fn signed_entry(bytes: &[u8]) -> Outcome {
    received_entry(bytes)
}

fn entry_body(bytes: &[u8]) -> Outcome {
    match decode_entry_body(bytes) {
        Ok(body) => check_body(&body),
        Err(_) => Outcome::Undecodable,
    }
}

/// Checks that re-encoding a decoded body is stable (its content travels beside it and is
/// validated in [`received_entry`]).
fn check_body(body: &crate::log::EntryBody) -> Outcome {
    let reencoded = encode_entry_body(body);
    let again = decode_entry_body(&reencoded);
    debug_assert_eq!(
        again.as_ref(),
        Ok(body),
        "a decoded entry body must re-encode to the same body"
    );
    Outcome::Valid
}
