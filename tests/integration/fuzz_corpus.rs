//! The fuzz corpus, replayed on stable: every file of `fuzz/corpus/decode_requests/` and
//! of `fuzz/artifacts/decode_requests/` (crashes the fuzzer saved, once fixed) goes through
//! `concord::rpc::fuzzing::decode_and_validate`, the function the cargo-fuzz target
//! `decode_requests` calls. None may panic; seeds named `valid-*` must be accepted and
//! seeds named `invalid-*` decoded and refused, so the corpus keeps reaching deep paths.
//!
//! The seeds are generated here (valid requests encoded with prost from the generated
//! types, invalid ones, truncations and garbage) and must match the files on disk; after a
//! protocol change, regenerate them with
//! `CONCORD_WRITE_FUZZ_SEEDS=1 cargo test --test integration fuzz_corpus`. Files added by
//! fuzzing are named `found-*`.

use std::path::{Path, PathBuf};

use concord::log::{Change, ContentDigest, EntryBody, EntryHash, SignedEntry};
use concord::report::ReportContent;
use concord::report::validate::validate_draft;
use concord::rpc::codec::{
    draft_from_pb, encode_content, encode_entry_body, encode_signed_entry, sign_content_entry,
};
use concord::rpc::fuzzing::{FUZZ_KEY_SEED, Message, Outcome, decode_and_validate, fuzz_today};
use concord::rpc::pb;
use prost::Message as _;
use uuid::Uuid;

use crate::harness::sample_content;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_corpus_file_and_artifact_decodes_without_panicking() {
    let corpus = files_in(&fuzz_dir().join("corpus/decode_requests"));
    assert!(
        corpus.len() >= 24,
        "the seed corpus has only {} files",
        corpus.len()
    );
    let artifacts = files_in(&fuzz_dir().join("artifacts/decode_requests"));
    let mut seen = std::collections::BTreeSet::new();
    for path in corpus.iter().chain(&artifacts) {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let data = std::fs::read(path).expect("read a corpus file");
        let outcome = std::panic::catch_unwind(|| decode_and_validate(&data))
            .unwrap_or_else(|_| panic!("{} panics", path.display()));
        if let Some(&selector) = data.first() {
            seen.insert(Message::from_selector(selector));
        }
        if name.starts_with("valid-") {
            assert_eq!(outcome, Outcome::Valid, "{name}");
        } else if name.starts_with("invalid-") {
            assert_eq!(outcome, Outcome::Invalid, "{name}");
        }
    }
    for message in Message::ALL {
        assert!(seen.contains(&message), "no corpus file for {message:?}");
    }
}

#[test]
fn the_seeds_on_disk_are_the_generated_ones() {
    // Every generated seed is in the corpus (fuzzing may add more): a protocol change that
    // makes them stale shows here; CONCORD_WRITE_FUZZ_SEEDS=1 regenerates them first.
    let dir = fuzz_dir().join("corpus/decode_requests");
    if std::env::var_os("CONCORD_WRITE_FUZZ_SEEDS").is_some() {
        std::fs::create_dir_all(&dir).expect("create the corpus directory");
        for (name, bytes) in seeds() {
            std::fs::write(dir.join(name), bytes).expect("write a seed");
        }
    }
    for (name, bytes) in seeds() {
        let on_disk = std::fs::read(dir.join(&name))
            .unwrap_or_else(|_| panic!("seed {name} is missing: set CONCORD_WRITE_FUZZ_SEEDS=1"));
        assert_eq!(
            on_disk, bytes,
            "seed {name} is stale: set CONCORD_WRITE_FUZZ_SEEDS=1"
        );
    }
}

fn input(message: Message, bytes: &[u8]) -> Vec<u8> {
    let mut data = vec![message.selector()];
    data.extend_from_slice(bytes);
    data
}

fn full_content() -> pb::ReportContent {
    let mut content = sample_content("Regional consultation on labour migration");
    content.title.push(pb::LocalizedText {
        lang: "fr".into(),
        text: "Consultation régionale sur les migrations de travail".into(),
    });
    content.summary[0].lang = "en".into();
    content.title[0].lang = "en".into();
    content.countries = vec!["KHM".into(), "th".into()];
    content.regions = vec!["35".into()];
    content.themes.push(pb::Theme {
        vocabulary: "sdg".into(),
        code: "10.7".into(),
    });
    content.related = vec![pb::RelatedReport {
        report_id: "0190f1c2-7a3b-7cde-8f00-1234567890ab".into(),
        relation: pb::Relation::FollowUp as i32,
    }];
    content.contact = Some(pb::Contact {
        organization: "ESCAP".into(),
        unit: "Social Development Division".into(),
        email: "migration@example.org".into(),
        person: String::new(),
    });
    content.location = "Bangkok".into();
    content
}

fn bad_content() -> pb::ReportContent {
    let mut content = sample_content("bad\u{7}title");
    content.countries = vec!["XX".into()];
    content.activity_type = 99;
    content.dates = Some(pb::ActivityDates {
        planned_start: "2024-02-30".into(),
        actual_start: "2030-01-01".into(),
        planned_end: "2024-01-01".into(),
        actual_end: "tomorrow".into(),
    });
    content.participants.push(pb::Participant {
        organization: String::new(),
        role: 42,
    });
    content.related = vec![pb::RelatedReport {
        report_id: "not-a-uuid".into(),
        relation: 0,
    }];
    content
}

fn key() -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&FUZZ_KEY_SEED)
}

fn valid_content() -> ReportContent {
    validate_draft(&draft_from_pb(full_content()), fuzz_today()).expect("the full content is valid")
}

/// The first entry of the seeds' log: a report's creation, content beside the body.
fn content_entry(sequence: u64, previous: EntryHash) -> SignedEntry {
    sign_content_entry(content_body(sequence, previous), &valid_content(), &key())
}

fn content_body(sequence: u64, previous: EntryHash) -> EntryBody {
    let content_bytes = encode_content(&valid_content());
    EntryBody {
        organization: "ESCAP".into(),
        sequence,
        previous_hash: previous,
        authored_at_unix_ms: 1_751_241_600_000,
        report_id: Uuid::from_u128(0x0190_f1c2_7a3b_7cde_8f00_1234_5678_90ab),
        revision: sequence,
        epoch: 1,
        change: Change::Content(ContentDigest::of(&content_bytes)),
    }
}

fn withdrawal_body(sequence: u64, previous: EntryHash) -> EntryBody {
    EntryBody {
        change: Change::Withdrawal {
            reason: "duplicate of another report".into(),
        },
        ..content_body(sequence, previous)
    }
}

/// Every seed: (file name, bytes).
fn seeds() -> Vec<(String, Vec<u8>)> {
    let mut seeds: Vec<(String, Vec<u8>)> = Vec::new();
    let mut add = |name: &str, message: Message, bytes: Vec<u8>| {
        seeds.push((format!("{name}-{}", message.name()), input(message, &bytes)));
    };
    let id = "0190f1c2-7a3b-7cde-8f00-1234567890ab".to_string();

    // Reports API.
    add(
        "valid-full",
        Message::Submit,
        pb::SubmitRequest {
            content: Some(full_content()),
            idempotency_key: "batch-2025-06/17".into(),
        }
        .encode_to_vec(),
    );
    add(
        "valid-minimal",
        Message::Submit,
        pb::SubmitRequest {
            content: Some(sample_content("Minimal")),
            idempotency_key: String::new(),
        }
        .encode_to_vec(),
    );
    add(
        "invalid-no-content",
        Message::Submit,
        pb::SubmitRequest::default().encode_to_vec(),
    );
    add(
        "invalid-bad-fields",
        Message::Submit,
        pb::SubmitRequest {
            content: Some(bad_content()),
            idempotency_key: "key\u{0}".into(),
        }
        .encode_to_vec(),
    );
    add(
        "valid",
        Message::Revise,
        pb::ReviseRequest {
            id: id.clone(),
            expected_revision: 3,
            content: Some(full_content()),
        }
        .encode_to_vec(),
    );
    add(
        "invalid-missing",
        Message::Revise,
        pb::ReviseRequest {
            id: "42".into(),
            expected_revision: 0,
            content: None,
        }
        .encode_to_vec(),
    );
    add(
        "valid",
        Message::Withdraw,
        pb::WithdrawRequest {
            id: id.clone(),
            reason: "Entered twice by mistake".into(),
            expected_revision: 2,
        }
        .encode_to_vec(),
    );
    add(
        "invalid-empty-reason",
        Message::Withdraw,
        pb::WithdrawRequest {
            id: format!(" {id} "),
            reason: "   ".into(),
            expected_revision: 0,
        }
        .encode_to_vec(),
    );
    add("valid-empty", Message::List, Vec::new());
    add(
        "valid-filters",
        Message::List,
        pb::ListRequest {
            organizations: vec!["IOM".into(), "ESCAP".into()],
            activity_types: vec![pb::ActivityType::Meeting as i32],
            statuses: vec![2, 3],
            countries: vec!["THA".into(), "kh".into()],
            themes: vec![pb::Theme {
                vocabulary: "GCM".into(),
                code: "23".into(),
            }],
            target_groups: vec!["MIGRANT_WORKERS".into()],
            active_from: "2020-01-01".into(),
            active_to: "2025-12-31".into(),
            updated_since: Some(prost_types::Timestamp {
                seconds: 1_700_000_000,
                nanos: 5,
            }),
            text: "labour migration".into(),
            include_withdrawn: true,
            page_size: 50,
            page_token: String::new(),
        }
        .encode_to_vec(),
    );
    add(
        "invalid-filters",
        Message::List,
        pb::ListRequest {
            organizations: vec![String::new()],
            activity_types: vec![77],
            statuses: vec![9],
            countries: vec!["ZZZ".into()],
            themes: vec![pb::Theme {
                vocabulary: "NOPE".into(),
                code: "1".into(),
            }],
            target_groups: vec!["aliens".into()],
            active_from: "2025-01-01".into(),
            active_to: "2024-01-01".into(),
            updated_since: Some(prost_types::Timestamp {
                seconds: i64::MIN,
                nanos: -1,
            }),
            text: "a\u{1b}b".into(),
            include_withdrawn: false,
            page_size: u32::MAX,
            page_token: "bm90IGEgdG9rZW4".into(),
        }
        .encode_to_vec(),
    );
    add(
        "valid",
        Message::Get,
        pb::GetRequest { id: id.clone() }.encode_to_vec(),
    );
    add(
        "invalid-id",
        Message::Get,
        pb::GetRequest {
            id: "report-7".into(),
        }
        .encode_to_vec(),
    );

    // Replication.
    add(
        "valid",
        Message::Pull,
        pb::PullRequest {
            frontier: vec![
                pb::FrontierHead {
                    organization: "ESCAP".into(),
                    sequence: 12,
                    head_hash: vec![7; 32],
                    ..Default::default()
                },
                pb::FrontierHead {
                    organization: "IOM".into(),
                    sequence: 0,
                    head_hash: Vec::new(),
                    ..Default::default()
                },
            ],
            membership_hash: "ab".repeat(32),
            max_batch_bytes: 65_536,
            follow: true,
        }
        .encode_to_vec(),
    );
    add(
        "invalid-frontier",
        Message::Pull,
        pb::PullRequest {
            frontier: vec![
                pb::FrontierHead {
                    organization: "ILO".into(),
                    sequence: 3,
                    head_hash: vec![1; 31],
                    ..Default::default()
                },
                pb::FrontierHead {
                    organization: "ILO".into(),
                    sequence: 4,
                    head_hash: vec![1; 32],
                    ..Default::default()
                },
                pb::FrontierHead::default(),
            ],
            ..Default::default()
        }
        .encode_to_vec(),
    );
    let first = content_entry(1, EntryHash::GENESIS);
    let second = SignedEntry::sign(encode_entry_body(&withdrawal_body(2, first.hash())), &key());
    let mut tampered = first.clone();
    // "ESCAP" becomes "eSCAP": still a body, no longer the signed one.
    tampered.body_bytes[2] ^= 0x20;
    let foreign = SignedEntry::sign(
        first.body_bytes.clone(),
        &ed25519_dalek::SigningKey::from_bytes(&[1; 32]),
    );
    add(
        "valid",
        Message::Push,
        pb::PushRequest {
            entries: vec![encode_signed_entry(&first), encode_signed_entry(&second)],
            ..Default::default()
        }
        .encode_to_vec(),
    );
    add(
        "invalid-tampered",
        Message::Push,
        pb::PushRequest {
            entries: vec![encode_signed_entry(&tampered), vec![0xff, 0x01]],
            ..Default::default()
        }
        .encode_to_vec(),
    );
    add(
        "valid-content",
        Message::SignedEntry,
        encode_signed_entry(&first),
    );
    add(
        "valid-withdrawal",
        Message::SignedEntry,
        encode_signed_entry(&second),
    );
    add(
        "invalid-signature",
        Message::SignedEntry,
        encode_signed_entry(&tampered),
    );
    add(
        "invalid-foreign-key",
        Message::SignedEntry,
        encode_signed_entry(&foreign),
    );
    add(
        "undecodable-short-signature",
        Message::SignedEntry,
        pb::SignedEntry {
            body: first.body_bytes.clone(),
            signature: vec![0; 63],
            key_id: vec![0; 8],
            content: first.content.clone(),
        }
        .encode_to_vec(),
    );
    add(
        "valid-purged-content",
        Message::SignedEntry,
        encode_signed_entry(&first.purged()),
    );
    // Signed and well-formed, but the content beside the body is not the committed one.
    let mut swapped = first.clone();
    swapped.content = Some(bad_content().encode_to_vec());
    add(
        "invalid-content-digest",
        Message::SignedEntry,
        encode_signed_entry(&swapped),
    );
    // Signed over a digest of content that breaks validation.
    let bad_bytes = bad_content().encode_to_vec();
    let bad_body = EntryBody {
        change: Change::Content(ContentDigest::of(&bad_bytes)),
        ..content_body(1, EntryHash::GENESIS)
    };
    add(
        "invalid-content",
        Message::SignedEntry,
        encode_signed_entry(
            &SignedEntry::sign(encode_entry_body(&bad_body), &key()).with_content(bad_bytes),
        ),
    );
    add(
        "valid-content",
        Message::EntryBody,
        encode_entry_body(&content_body(1, EntryHash::GENESIS)),
    );
    add(
        "valid-withdrawal",
        Message::EntryBody,
        encode_entry_body(&withdrawal_body(9, EntryHash([9; 32]))),
    );
    add(
        "undecodable-short-digest",
        Message::EntryBody,
        pb::EntryBody {
            organization: "ESCAP".into(),
            sequence: 1,
            previous_hash: vec![0; 32],
            authored_at_unix_ms: 0,
            report_id: vec![1; 16],
            revision: 1,
            epoch: 1,
            change: Some(pb::entry_body::Change::Content(pb::ContentDigest {
                sha256: vec![0; 31],
                length: 0,
            })),
        }
        .encode_to_vec(),
    );
    add(
        "undecodable-no-change",
        Message::EntryBody,
        pb::EntryBody {
            previous_hash: vec![0; 32],
            report_id: vec![0; 16],
            ..Default::default()
        }
        .encode_to_vec(),
    );
    add(
        "undecodable-short-hash",
        Message::EntryBody,
        pb::EntryBody {
            previous_hash: vec![0; 31],
            report_id: vec![0; 16],
            change: Some(pb::entry_body::Change::Withdrawal(pb::Withdrawal {
                reason: "x".into(),
            })),
            ..Default::default()
        }
        .encode_to_vec(),
    );

    // The JSON report file.
    let draft = draft_from_pb(full_content());
    add(
        "valid",
        Message::ReportJson,
        serde_json::to_vec_pretty(&draft).expect("a draft serializes"),
    );
    add(
        "valid-plain-title",
        Message::ReportJson,
        br#"{"title": "Workshop on remittances", "summary": "Two days.", "activity_type": "TRAINING", "status": "3", "dates": {"actual_start": "2024-03-04", "actual_end": "2024-03-05"}, "countries": ["VN"]}"#.to_vec(),
    );
    add(
        "invalid",
        Message::ReportJson,
        serde_json::to_vec(&draft_from_pb(bad_content())).expect("a draft serializes"),
    );
    add(
        "undecodable-unknown-field",
        Message::ReportJson,
        br#"{"title": "x", "colour": "blue"}"#.to_vec(),
    );
    add(
        "undecodable-deep",
        Message::ReportJson,
        format!("{}{}", "[".repeat(200), "]".repeat(200)).into_bytes(),
    );

    // Truncations of valid inputs, and garbage.
    let truncations: Vec<(String, Vec<u8>)> = seeds
        .iter()
        .filter(|(name, _)| name.starts_with("valid-"))
        .filter(|(_, bytes)| bytes.len() > 8)
        .map(|(name, bytes)| {
            (
                format!("trunc-{}", name.trim_start_matches("valid-")),
                bytes[..bytes.len() / 2 + 1].to_vec(),
            )
        })
        .collect();
    seeds.extend(truncations);
    seeds.push(("garbage-empty".into(), Vec::new()));
    seeds.push((
        "garbage-selector-only".into(),
        vec![Message::Push.selector()],
    ));
    seeds.push((
        "garbage-varint-overflow".into(),
        input(
            Message::List,
            &[
                0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
            ],
        ),
    ));
    seeds.push((
        "garbage-huge-length".into(),
        input(Message::Submit, &[0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]),
    ));
    seeds.push((
        "garbage-high-selector".into(),
        vec![0xfd, 0x12, 0x03, 0x61, 0x62, 0x63],
    ));
    seeds.push((
        "garbage-invalid-utf8".into(),
        input(Message::Get, &[0x0a, 0x02, 0xc3, 0x28]),
    ));
    seeds
}
