//! The labelled set of report pairs used to measure overlap flagging
//! (`tests/data/overlap_pairs.json`, see `shared/docs/domain.md`, "Potential overlap"):
//! every report in it must be one that Concord accepts, so that precision and recall are
//! measured on reports that could really be stored.
//!
//! Each report is the JSON report file of `concord submit --file` plus the authoring
//! member's `organization` and a fixed `id`; the test removes those two keys, parses the
//! rest as a [`ReportDraft`] exactly as `submit --file` does (`serde_json` into
//! `ReportDraft`, unknown fields refused) and validates it with
//! [`concord::report::validate::validate_draft`]. It also checks the shape of the set: ids
//! unique, labels known, enough pairs of every class, self-duplicates within one
//! organization, and joint pairs that really declare each other.

use std::collections::{BTreeMap, HashSet};

use concord::report::validate::validate_draft;
use concord::report::{Date, Relation, ReportContent, ReportDraft};
use concord::trust::setup::DEFAULT_MEMBERS;
use serde_json::{Map, Value};

/// The labelled pairs.
const PAIRS_JSON: &str = include_str!("../data/overlap_pairs.json");

/// Actual dates after this day are refused (they record what has happened).
fn today() -> Date {
    Date::from_ymd(2026, 11, 27).expect("a real date")
}

/// The labels and the least number of pairs each must have.
const MINIMUM_PER_LABEL: [(&str, usize); 5] = [
    ("duplicate", 45),
    ("overlap", 50),
    ("none", 60),
    ("joint", 8),
    ("self_duplicate", 8),
];

/// The test vectors of `shared/docs/domain.md`, by pair name and label.
const DOMAIN_VECTORS: [(&str, &str); 7] = [
    (
        "kh-anti-trafficking-trainings-march-2007-iom-vs-unodc",
        "overlap",
    ),
    ("kh-vs-th-anti-trafficking-trainings-march-2007", "none"),
    ("kh-anti-trafficking-trainings-declared-joint-2007", "joint"),
    (
        "seoul-conference-2007-escap-gcm-vs-iom-sdg-dac",
        "duplicate",
    ),
    ("ilo-triplicate-report-copies-1-2", "self_duplicate"),
    ("ilo-triplicate-report-copies-1-3", "self_duplicate"),
    ("ilo-triplicate-report-copies-2-3", "self_duplicate"),
];

/// A report of the set: its id, organization and validated content.
struct Parsed {
    id: uuid::Uuid,
    organization: String,
    content: ReportContent,
}

/// Parses and validates one report (`a` or `b` of a pair); problems go to `problems`.
fn parse_report(where_: &str, value: &Value, problems: &mut Vec<String>) -> Option<Parsed> {
    let Some(object) = value.as_object() else {
        problems.push(format!("{where_}: not a JSON object"));
        return None;
    };
    let mut file: Map<String, Value> = object.clone();
    let id_text = file
        .remove("id")
        .and_then(|v| v.as_str().map(str::to_string));
    let organization = file
        .remove("organization")
        .and_then(|v| v.as_str().map(str::to_string));
    let id = match id_text.as_deref().map(uuid::Uuid::parse_str) {
        Some(Ok(id)) if !id.is_nil() && id.get_version_num() == 7 => Some(id),
        other => {
            problems.push(format!("{where_}: id {other:?} is not a UUID v7"));
            None
        }
    };
    let organization = match organization {
        Some(org) if DEFAULT_MEMBERS.iter().any(|(code, ..)| *code == org) => Some(org),
        other => {
            problems.push(format!(
                "{where_}: organization {other:?} is not a default member code"
            ));
            None
        }
    };
    // The report file as `concord submit --file` reads it: serde_json into ReportDraft.
    let text = serde_json::to_string(&Value::Object(file)).expect("a JSON value serializes");
    let draft: ReportDraft = match serde_json::from_str(&text) {
        Ok(draft) => draft,
        Err(error) => {
            problems.push(format!("{where_}: not a valid report file: {error}"));
            return None;
        }
    };
    let content = match validate_draft(&draft, today()) {
        Ok(content) => content,
        Err(violations) => {
            let list: Vec<String> = violations.iter().map(ToString::to_string).collect();
            problems.push(format!("{where_}: invalid: {}", list.join("; ")));
            return None;
        }
    };
    Some(Parsed {
        id: id?,
        organization: organization?,
        content,
    })
}

/// True when `from` declares `to` joint or co-funded.
fn declares_joint(from: &Parsed, to: &Parsed) -> bool {
    from.content.related.iter().any(|related| {
        related.report_id == to.id
            && matches!(related.relation, Relation::Joint | Relation::CoFunded)
    })
}

fn is_kebab(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--")
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[test]
fn overlap_pairs_are_valid_reports_with_sound_labels() {
    let root: Value = serde_json::from_str(PAIRS_JSON).expect("overlap_pairs.json is JSON");
    let mut problems: Vec<String> = Vec::new();

    let about = root.get("about").and_then(Value::as_str).unwrap_or("");
    if about.trim().len() < 100 {
        problems.push("\"about\" must explain the set in a paragraph".to_string());
    }
    let pairs = root
        .get("pairs")
        .and_then(Value::as_array)
        .expect("\"pairs\" is a list");
    assert!(
        pairs.len() >= 170,
        "{} pairs; at least 170 expected",
        pairs.len()
    );

    let allowed: HashSet<&str> = MINIMUM_PER_LABEL.iter().map(|(label, _)| *label).collect();
    let mut per_label: BTreeMap<String, usize> = BTreeMap::new();
    let mut names: HashSet<String> = HashSet::new();
    let mut labels_by_name: BTreeMap<String, String> = BTreeMap::new();
    let mut ids: HashSet<uuid::Uuid> = HashSet::new();

    for (index, pair) in pairs.iter().enumerate() {
        let name = pair.get("name").and_then(Value::as_str).unwrap_or("");
        let label = pair.get("label").and_then(Value::as_str).unwrap_or("");
        let why = pair.get("why").and_then(Value::as_str).unwrap_or("");
        let at = format!("pairs[{index}] {name:?}");
        if !is_kebab(name) {
            problems.push(format!("{at}: name must be a short kebab-case id"));
        }
        if !names.insert(name.to_string()) {
            problems.push(format!("{at}: duplicate name"));
        }
        if !allowed.contains(label) {
            problems.push(format!("{at}: unknown label {label:?}"));
        }
        if why.trim().is_empty() {
            problems.push(format!("{at}: \"why\" is missing"));
        }
        *per_label.entry(label.to_string()).or_default() += 1;
        labels_by_name.insert(name.to_string(), label.to_string());

        let a = parse_report(&format!("{at}.a"), &pair["a"], &mut problems);
        let b = parse_report(&format!("{at}.b"), &pair["b"], &mut problems);
        let (Some(a), Some(b)) = (a, b) else {
            continue;
        };
        for report in [&a, &b] {
            if !ids.insert(report.id) {
                problems.push(format!("{at}: id {} is used twice in the file", report.id));
            }
        }
        let same_organization = a.organization == b.organization;
        match label {
            "self_duplicate" if !same_organization => problems.push(format!(
                "{at}: a self-duplicate needs one organization, not {} and {}",
                a.organization, b.organization
            )),
            "duplicate" | "overlap" | "joint" if same_organization => problems.push(format!(
                "{at}: {label} pairs are between two organizations, both are {}",
                a.organization
            )),
            _ => {}
        }
        let b_declares = declares_joint(&b, &a);
        let a_declares = declares_joint(&a, &b);
        if label == "joint" {
            if !b_declares {
                problems.push(format!(
                    "{at}: b must reference a ({}) as JOINT or CO_FUNDED",
                    a.id
                ));
            }
            let a_points_elsewhere = a
                .content
                .related
                .iter()
                .any(|related| related.report_id != b.id);
            if a_points_elsewhere {
                problems.push(format!("{at}: a's related reports must only name b"));
            }
        } else if a_declares || b_declares {
            problems.push(format!(
                "{at}: declares the other report joint or co-funded but is labelled {label:?}"
            ));
        }
    }

    for (label, minimum) in MINIMUM_PER_LABEL {
        let count = per_label.get(label).copied().unwrap_or(0);
        if count < minimum {
            problems.push(format!(
                "{count} {label} pairs; at least {minimum} expected"
            ));
        }
    }
    for (name, label) in DOMAIN_VECTORS {
        match labels_by_name.get(name) {
            Some(found) if found == label => {}
            other => problems.push(format!(
                "domain test vector {name:?} must be labelled {label:?}, found {other:?}"
            )),
        }
    }

    assert!(
        problems.is_empty(),
        "{} problems in tests/data/overlap_pairs.json:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
