//! Quality of overlap flagging on the labelled pairs of `tests/data/overlap_pairs.json`
//! (`shared/docs/domain.md`, "Potential overlap"): every pair is assessed by
//! [`concord::view::overlap::assess`] and compared with the label a coordinator gave it.
//!
//! - `duplicate` and `overlap` are the positives: a pair is *flagged* when the engine calls
//!   it a probable duplicate or a potential overlap; precision and recall of flagging are
//!   printed, with the confusion per label and every misclassified pair with its
//!   explanation;
//! - `none` must stay quiet (not flagged in any way);
//! - `joint` must come out suppressed (the reports declare each other joint or co-funded);
//! - `self_duplicate` must come out as a self-duplicate.
//!
//! The goal asserted: recall at least 0.9 at precision at least 0.9, every flag carrying
//! at least one reason, in both configurations of the engine: as a node runs it, with a
//! document-frequency table built from every report of the set (the corpus it holds), and
//! without a table (built-in term weights).

use std::collections::{BTreeMap, HashMap, HashSet};

use concord::report::validate::validate_draft;
use concord::report::{Date, ReportDraft};
use concord::view::overlap::{
    Assessment, CandidateKey, FlagKind, OverlapCandidate, OverlapContext, QuietReason, assess,
    candidate_keys,
};
use concord::view::similarity::DocumentFrequencies;
use serde_json::{Map, Value};

/// The labelled pairs.
const PAIRS_JSON: &str = include_str!("../data/overlap_pairs.json");

/// The day the set is judged on (actual dates after it are refused, as by the node).
fn today() -> Date {
    Date::from_ymd(2026, 11, 27).expect("a real date")
}

/// One labelled pair, parsed.
struct Pair {
    name: String,
    label: String,
    why: String,
    a: OverlapCandidate,
    b: OverlapCandidate,
}

/// A report of the set as the overlap engine sees it: the report file without `id` and
/// `organization`, read as `concord submit --file` reads it and validated.
fn candidate(value: &Value, where_: &str) -> OverlapCandidate {
    let mut file: Map<String, Value> = value
        .as_object()
        .unwrap_or_else(|| panic!("{where_}: not an object"))
        .clone();
    let id = file
        .remove("id")
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| panic!("{where_}: no id"));
    let organization = file
        .remove("organization")
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| panic!("{where_}: no organization"));
    let draft: ReportDraft = serde_json::from_value(Value::Object(file))
        .unwrap_or_else(|e| panic!("{where_}: not a report file: {e}"));
    let content = validate_draft(&draft, today())
        .unwrap_or_else(|v| panic!("{where_}: invalid report: {v:?}"));
    let id = uuid::Uuid::parse_str(&id).unwrap_or_else(|e| panic!("{where_}: id: {e}"));
    OverlapCandidate::from_report(id, &organization, false, &content)
}

fn pairs() -> Vec<Pair> {
    let set: Value = serde_json::from_str(PAIRS_JSON).expect("the labelled set is JSON");
    set["pairs"]
        .as_array()
        .expect("a list of pairs")
        .iter()
        .map(|pair| {
            let name = pair["name"].as_str().unwrap_or("?").to_string();
            Pair {
                a: candidate(&pair["a"], &format!("{name}.a")),
                b: candidate(&pair["b"], &format!("{name}.b")),
                label: pair["label"].as_str().unwrap_or("?").to_string(),
                why: pair["why"].as_str().unwrap_or("").to_string(),
                name,
            }
        })
        .collect()
}

/// The corpus table: every distinct report of the set counted once.
fn document_frequencies(pairs: &[Pair]) -> DocumentFrequencies {
    let mut table = DocumentFrequencies::new();
    let mut seen = std::collections::HashSet::new();
    for pair in pairs {
        for report in [&pair.a, &pair.b] {
            if seen.insert(report.id) {
                table.add(&report.terms);
            }
        }
    }
    table
}

/// What the engine said, as a word for the confusion table.
fn outcome(assessment: &Assessment) -> &'static str {
    match assessment {
        Assessment::Flagged(flag) => match flag.kind {
            FlagKind::ProbableDuplicate => "duplicate",
            FlagKind::PotentialOverlap => "overlap",
            FlagKind::SelfDuplicate => "self_duplicate",
        },
        Assessment::Suppressed(_) => "suppressed",
        Assessment::None(_) => "quiet",
    }
}

/// True when the engine's answer is what the label asks for.
fn correct(label: &str, assessment: &Assessment) -> bool {
    let kind = assessment.kind();
    match label {
        "duplicate" | "overlap" => matches!(
            kind,
            Some(FlagKind::ProbableDuplicate | FlagKind::PotentialOverlap)
        ),
        "none" => kind.is_none(),
        "joint" => matches!(assessment, Assessment::Suppressed(_)),
        "self_duplicate" => kind == Some(FlagKind::SelfDuplicate),
        _ => false,
    }
}

/// The measured quality of one run.
struct Quality {
    title: &'static str,
    precision: f64,
    recall: f64,
    flags_without_reasons: Vec<String>,
    joint_wrong: usize,
    self_duplicate_wrong: usize,
}

impl Quality {
    /// Fails the test unless the goal is met: recall at least 0.9 at precision at least
    /// 0.9, every flag with a reason, every joint pair suppressed, every self-duplicate
    /// recognised.
    fn assert_goal(&self) {
        let title = self.title;
        assert!(
            self.flags_without_reasons.is_empty(),
            "{title}: flags without reasons: {:?}",
            self.flags_without_reasons
        );
        assert!(
            self.recall >= 0.9 && self.precision >= 0.9,
            "{title}: goal missed: precision {:.3}, recall {:.3}",
            self.precision,
            self.recall
        );
        assert_eq!(self.joint_wrong, 0, "{title}: joint pairs not suppressed");
        assert_eq!(
            self.self_duplicate_wrong, 0,
            "{title}: self-duplicates not recognised"
        );
    }
}

fn measure(pairs: &[Pair], context: &OverlapContext, title: &'static str) -> Quality {
    let mut confusion: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
    let (mut true_positives, mut false_positives, mut false_negatives) = (0usize, 0usize, 0usize);
    let mut misclassified = Vec::new();
    let mut flags_without_reasons = Vec::new();
    let (mut joint_wrong, mut self_duplicate_wrong) = (0, 0);
    for pair in pairs {
        let assessment = assess(&pair.a, &pair.b, context);
        *confusion
            .entry(pair.label.as_str())
            .or_default()
            .entry(outcome(&assessment))
            .or_default() += 1;
        if let Some(flag) = assessment.flag()
            && flag.reasons.is_empty()
        {
            flags_without_reasons.push(pair.name.clone());
        }
        let flagged = matches!(
            assessment.kind(),
            Some(FlagKind::ProbableDuplicate | FlagKind::PotentialOverlap)
        );
        match pair.label.as_str() {
            "duplicate" | "overlap" if flagged => true_positives += 1,
            "duplicate" | "overlap" => false_negatives += 1,
            "none" if flagged => false_positives += 1,
            "joint" if !correct("joint", &assessment) => joint_wrong += 1,
            "self_duplicate" if !correct("self_duplicate", &assessment) => {
                self_duplicate_wrong += 1
            }
            _ => {}
        }
        if !correct(&pair.label, &assessment) {
            misclassified.push(format!(
                "  [{} -> {}] {}\n      label's why: {}\n      engine: {}",
                pair.label,
                outcome(&assessment),
                pair.name,
                pair.why,
                assessment.explanation()
            ));
        }
    }
    let precision = true_positives as f64 / (true_positives + false_positives).max(1) as f64;
    let recall = true_positives as f64 / (true_positives + false_negatives).max(1) as f64;
    println!("== {title} ==");
    println!(
        "flagging: precision {precision:.3} ({true_positives} of {} flags right), recall {recall:.3} ({true_positives} of {} positives found)",
        true_positives + false_positives,
        true_positives + false_negatives
    );
    println!("confusion (label -> engine's answer: count):");
    for (label, answers) in &confusion {
        let cells: Vec<String> = answers.iter().map(|(a, n)| format!("{a} {n}")).collect();
        println!("  {label:<15} {}", cells.join(", "));
    }
    println!("misclassified pairs: {}", misclassified.len());
    for line in &misclassified {
        println!("{line}");
    }
    Quality {
        title,
        precision,
        recall,
        flags_without_reasons,
        joint_wrong,
        self_duplicate_wrong,
    }
}

#[test]
fn overlap_flagging_meets_the_goal_on_the_labelled_pairs() {
    let pairs = pairs();
    assert!(pairs.len() >= 150, "only {} labelled pairs", pairs.len());
    let mut per_label: HashMap<&str, usize> = HashMap::new();
    for pair in &pairs {
        *per_label.entry(pair.label.as_str()).or_default() += 1;
    }
    println!("{} labelled pairs: {per_label:?}", pairs.len());

    let table = document_frequencies(&pairs);
    let as_a_node_runs = measure(
        &pairs,
        &OverlapContext {
            document_frequencies: Some(&table),
            ..OverlapContext::default()
        },
        "with the corpus's document-frequency table (as a node runs)",
    );
    let without_table = measure(
        &pairs,
        &OverlapContext::default(),
        "without a document-frequency table (built-in term weights)",
    );
    as_a_node_runs.assert_goal();
    without_table.assert_goal();
}

/// An index that files reports under [`candidate_keys`] finds every pair the engine would
/// judge: every pair that passes the candidate rule shares a key.
#[test]
fn candidate_keys_find_every_candidate_pair() {
    let pairs = pairs();
    let mut candidates = 0;
    for pair in &pairs {
        let passes_rule = match assess(&pair.a, &pair.b, &OverlapContext::default()) {
            Assessment::None(quiet) => matches!(
                quiet.why,
                QuietReason::BelowThreshold { .. } | QuietReason::DifferentActivities { .. }
            ),
            Assessment::Flagged(_) => true,
            // Suppressed pairs: judged as if not declared.
            Assessment::Suppressed(suppression) => suppression.would_be.is_some(),
        };
        if !passes_rule {
            continue;
        }
        candidates += 1;
        let keys: HashSet<CandidateKey> = candidate_keys(&pair.a).into_iter().collect();
        assert!(
            candidate_keys(&pair.b).iter().any(|key| keys.contains(key)),
            "{}: a candidate pair without a shared key",
            pair.name
        );
    }
    println!("{candidates} candidate pairs, each sharing a key");
    assert!(candidates > 100);
}

/// `assess(a, b)` and `assess(b, a)` give the same answer and the same score.
#[test]
fn assessment_is_symmetric_on_the_labelled_pairs() {
    let pairs = pairs();
    let table = document_frequencies(&pairs);
    let context = OverlapContext {
        document_frequencies: Some(&table),
        ..OverlapContext::default()
    };
    let score = |assessment: &Assessment| match assessment {
        Assessment::Flagged(flag) => flag.score,
        Assessment::Suppressed(s) => s.would_be.as_ref().map_or(0.0, |flag| flag.score),
        Assessment::None(quiet) => match &quiet.why {
            QuietReason::BelowThreshold { score, .. }
            | QuietReason::DifferentActivities { score, .. } => *score,
            _ => 0.0,
        },
    };
    for pair in &pairs {
        let forward = assess(&pair.a, &pair.b, &context);
        let backward = assess(&pair.b, &pair.a, &context);
        assert_eq!(outcome(&forward), outcome(&backward), "{}", pair.name);
        assert!(
            (score(&forward) - score(&backward)).abs() < 1e-9,
            "{}: {} / {}",
            pair.name,
            forward.explanation(),
            backward.explanation()
        );
    }
}
