//! Every RPC of `concord.v1.Reports` through the generated client, plus standard health
//! checking and server reflection: what API users and tools (grpcurl, grpcio) rely on.

use std::collections::BTreeSet;
use std::time::Duration;

use concord::rpc::pb;
use concord::rpc::pb::reports_client::ReportsClient;
use futures_util::StreamExt;
use tonic::transport::Channel;
use tonic::{Code, Status};
use tonic_types::StatusExt;

use crate::harness::{
    ORG, PATIENCE, TestNode, frontier_sequence, list_all, sample_content, submit, wait_until,
};

// ----------------------------------------------------------------------------------------
// Helpers
// ----------------------------------------------------------------------------------------

/// The fields named by the `google.rpc.BadRequest` details of an INVALID_ARGUMENT status.
fn bad_fields(status: &Status) -> Vec<String> {
    assert_eq!(
        status.code(),
        Code::InvalidArgument,
        "expected INVALID_ARGUMENT, got {status:?}"
    );
    let details = status
        .get_details_bad_request()
        .unwrap_or_else(|| panic!("INVALID_ARGUMENT without BadRequest details: {status:?}"));
    for violation in &details.field_violations {
        assert!(
            !violation.description.trim().is_empty(),
            "violation of {} has no description",
            violation.field
        );
    }
    details
        .field_violations
        .into_iter()
        .map(|violation| violation.field)
        .collect()
}

fn text(value: &str) -> Vec<pb::LocalizedText> {
    vec![pb::LocalizedText {
        lang: String::new(),
        text: value.to_string(),
    }]
}

fn theme(vocabulary: &str, code: &str) -> pb::Theme {
    pb::Theme {
        vocabulary: vocabulary.into(),
        code: code.into(),
    }
}

fn ms(timestamp: &Option<prost_types::Timestamp>) -> i64 {
    let t = timestamp.as_ref().expect("timestamp present");
    t.seconds * 1000 + i64::from(t.nanos) / 1_000_000
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis() as i64
}

async fn get(client: &mut ReportsClient<Channel>, id: &str) -> Result<pb::Report, Status> {
    client
        .get(pb::GetRequest { id: id.to_string() })
        .await
        .map(|response| {
            response
                .into_inner()
                .report
                .expect("get returns the report")
        })
}

async fn node_info(client: &mut ReportsClient<Channel>) -> pb::NodeInfoResponse {
    client
        .node_info(pb::NodeInfoRequest {})
        .await
        .expect("node info")
        .into_inner()
}

fn ids(reports: &[pb::Report]) -> Vec<String> {
    reports.iter().map(|report| report.id.clone()).collect()
}

async fn revise(
    client: &mut ReportsClient<Channel>,
    id: &str,
    expected_revision: u64,
    content: pb::ReportContent,
) -> Result<pb::Report, Status> {
    client
        .revise(pb::ReviseRequest {
            id: id.to_string(),
            expected_revision,
            content: Some(content),
        })
        .await
        .map(|response| {
            response
                .into_inner()
                .report
                .expect("revise returns the report")
        })
}

async fn withdraw(
    client: &mut ReportsClient<Channel>,
    id: &str,
    reason: &str,
    expected_revision: u64,
) -> Result<pb::Report, Status> {
    client
        .withdraw(pb::WithdrawRequest {
            id: id.to_string(),
            reason: reason.to_string(),
            expected_revision,
        })
        .await
        .map(|response| {
            response
                .into_inner()
                .report
                .expect("withdraw returns the report")
        })
}

// ----------------------------------------------------------------------------------------
// Submit, Get, Revise, Withdraw
// ----------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submit_returns_a_uuid_v7_the_organization_revision_1_and_timestamps() {
    let mut node = TestNode::start().await;
    let before = now_ms();
    let report = submit(&mut node.client, sample_content("First report")).await;
    let after = now_ms();

    let id = uuid::Uuid::parse_str(&report.id).expect("id is a UUID");
    assert_eq!(id.get_version_num(), 7, "id {id} is not a UUID v7");
    assert_eq!(report.organization, ORG);
    assert_eq!(report.revision, 1);
    assert_eq!(report.sequence, 1, "first entry of the organization's log");
    assert!(!report.withdrawn);
    assert!(report.withdrawal_reason.is_empty());
    let created = ms(&report.created_at);
    assert_eq!(created, ms(&report.updated_at));
    assert!(
        (before - 1000..=after + 1000).contains(&created),
        "created_at {created} is not the time of the call ({before}..{after})"
    );

    // A second report gets another, later id (ids are in creation order).
    let second = submit(&mut node.client, sample_content("Second report")).await;
    assert!(second.id > report.id, "{} !> {}", second.id, report.id);
    assert_eq!(second.sequence, 2);
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_returns_exactly_the_normalized_content() {
    let mut node = TestNode::start().await;
    let mut sent = sample_content("  Consultation on labour migration in Cambodia  ");
    sent.title.push(pb::LocalizedText {
        lang: "fr".into(),
        text: "Consultation sur les migrations de travail au Cambodge".into(),
    });
    sent.countries = vec!["KHM".into(), "tha".into(), "KH".into()];
    sent.regions = vec!["35".into(), "ESCAP".into()];
    sent.themes = vec![theme("gcm", "10"), theme("SDG", "10.7")];
    sent.target_groups = vec!["migrant workers".into()];
    sent.location = " Phnom Penh ".into();
    let stored = submit(&mut node.client, sent.clone()).await;

    let mut expected = sent;
    expected.title[0].text = "Consultation on labour migration in Cambodia".into();
    expected.countries = vec!["KH".into(), "TH".into()];
    expected.regions = vec!["035".into(), "ESCAP".into()];
    expected.themes = vec![theme("GCM", "10"), theme("SDG", "10.7")];
    expected.target_groups = vec!["MIGRANT_WORKERS".into()];
    expected.location = "Phnom Penh".into();
    assert_eq!(stored.content.as_ref(), Some(&expected), "submit response");

    let read = get(&mut node.client, &stored.id).await.expect("get");
    assert_eq!(read.content, Some(expected), "get");
    assert_eq!(read.id, stored.id);
    assert_eq!(read.organization, ORG);
    assert_eq!(read.revision, 1);
    assert_eq!(read.created_at, stored.created_at);
    assert_eq!(read.updated_at, stored.updated_at);
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revise_needs_the_current_revision_and_a_stale_one_changes_nothing() {
    let mut node = TestNode::start().await;
    let created = submit(&mut node.client, sample_content("Draft title")).await;

    let mut new_content = sample_content("Final title");
    new_content.countries = vec!["VNM".into()];
    let revised = revise(&mut node.client, &created.id, 1, new_content)
        .await
        .expect("revise at the current revision");
    assert_eq!(revised.id, created.id);
    assert_eq!(revised.revision, 2);
    assert_eq!(revised.sequence, 2);
    assert_eq!(revised.created_at, created.created_at);
    assert!(ms(&revised.updated_at) >= ms(&created.updated_at));
    let content = revised.content.clone().expect("content");
    assert_eq!(content.title, text("Final title"));
    assert_eq!(content.countries, vec!["VN".to_string()]);

    let info_before = node_info(&mut node.client).await;
    let stale = revise(
        &mut node.client,
        &created.id,
        1,
        sample_content("Lost update"),
    )
    .await
    .expect_err("a stale revision is refused");
    assert_eq!(stale.code(), Code::FailedPrecondition, "{stale:?}");
    let expected_zero = revise(
        &mut node.client,
        &created.id,
        0,
        sample_content("No revision"),
    )
    .await
    .expect_err("expected_revision 0 is refused");
    assert_eq!(bad_fields(&expected_zero), vec!["expected_revision"]);

    let now = get(&mut node.client, &created.id).await.expect("get");
    assert_eq!(now, revised, "a refused revision changed the report");
    let info_after = node_info(&mut node.client).await;
    assert_eq!(info_after.frontier, info_before.frontier);
    assert_eq!(info_after.last_change, info_before.last_change);
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_ids_are_not_found_and_malformed_ids_are_invalid() {
    let mut node = TestNode::start().await;
    submit(&mut node.client, sample_content("Existing")).await;
    let unknown = uuid::Uuid::now_v7().to_string();

    let status = get(&mut node.client, &unknown).await.expect_err("get");
    assert_eq!(status.code(), Code::NotFound, "get: {status:?}");
    let status = revise(&mut node.client, &unknown, 1, sample_content("x"))
        .await
        .expect_err("revise");
    assert_eq!(status.code(), Code::NotFound, "revise: {status:?}");
    let status = withdraw(&mut node.client, &unknown, "duplicate", 0)
        .await
        .expect_err("withdraw");
    assert_eq!(status.code(), Code::NotFound, "withdraw: {status:?}");

    for malformed in ["not-a-uuid", "", "0190f1c2-7a3b-7cde-8f00"] {
        let status = get(&mut node.client, malformed).await.expect_err("get");
        assert_eq!(bad_fields(&status), vec!["id"], "get {malformed:?}");
        let status = revise(&mut node.client, malformed, 1, sample_content("x"))
            .await
            .expect_err("revise");
        assert_eq!(bad_fields(&status), vec!["id"], "revise {malformed:?}");
        let status = withdraw(&mut node.client, malformed, "duplicate", 0)
            .await
            .expect_err("withdraw");
        assert_eq!(bad_fields(&status), vec!["id"], "withdraw {malformed:?}");
    }
    let info = node_info(&mut node.client).await;
    assert_eq!(
        frontier_sequence(&info, ORG),
        1,
        "nothing but the first submit"
    );
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn withdrawal_needs_a_reason_marks_the_report_and_freezes_it() {
    let mut node = TestNode::start().await;
    let kept = submit(&mut node.client, sample_content("Kept")).await;
    let report = submit(&mut node.client, sample_content("Posted twice")).await;

    for reason in ["", "   "] {
        let status = withdraw(&mut node.client, &report.id, reason, 0)
            .await
            .expect_err("a withdrawal without a reason is refused");
        assert_eq!(bad_fields(&status), vec!["reason"], "reason {reason:?}");
    }
    assert!(!get(&mut node.client, &report.id).await.unwrap().withdrawn);
    let stale = withdraw(&mut node.client, &report.id, "duplicate", 7)
        .await
        .expect_err("a stale expected revision is refused");
    assert_eq!(stale.code(), Code::FailedPrecondition, "{stale:?}");

    let withdrawn = withdraw(&mut node.client, &report.id, "posted twice by mistake", 1)
        .await
        .expect("withdraw");
    assert!(withdrawn.withdrawn);
    assert_eq!(withdrawn.revision, 2);
    assert_eq!(withdrawn.withdrawal_reason, "posted twice by mistake");
    assert_eq!(
        withdrawn.content, report.content,
        "the withdrawn report keeps its content"
    );
    let read = get(&mut node.client, &report.id)
        .await
        .expect("still readable");
    assert_eq!(read, withdrawn);

    let default_list = list_all(&mut node.client, pb::ListRequest::default()).await;
    assert_eq!(ids(&default_list), vec![kept.id.clone()]);
    let with_withdrawn = list_all(
        &mut node.client,
        pb::ListRequest {
            include_withdrawn: true,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        ids(&with_withdrawn),
        vec![kept.id.clone(), report.id.clone()]
    );
    assert!(with_withdrawn[1].withdrawn);

    let status = revise(&mut node.client, &report.id, 2, sample_content("Revived"))
        .await
        .expect_err("a withdrawn report cannot be revised");
    assert_eq!(status.code(), Code::FailedPrecondition, "{status:?}");
    let status = withdraw(&mut node.client, &report.id, "again", 0)
        .await
        .expect_err("a withdrawn report cannot be withdrawn again");
    assert_eq!(status.code(), Code::FailedPrecondition, "{status:?}");
    assert_eq!(
        get(&mut node.client, &report.id).await.unwrap(),
        withdrawn,
        "refused changes changed the withdrawn report"
    );
    let info = node_info(&mut node.client).await;
    assert_eq!(frontier_sequence(&info, ORG), 3);
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_idempotency_key_returns_the_first_report() {
    let mut node = TestNode::start().await;
    let request = pb::SubmitRequest {
        content: Some(sample_content("Retried after a time-out")),
        idempotency_key: "escap-2007-retry-1".into(),
    };
    let first = node
        .client
        .submit(request.clone())
        .await
        .expect("first submit")
        .into_inner();
    assert!(!first.replayed);
    let second = node
        .client
        .submit(request)
        .await
        .expect("second submit")
        .into_inner();
    assert!(second.replayed, "the second call must say it replayed");
    assert_eq!(second.report, first.report, "same report, unchanged");

    let other = node
        .client
        .submit(pb::SubmitRequest {
            content: Some(sample_content("Another report")),
            idempotency_key: "escap-2007-retry-2".into(),
        })
        .await
        .expect("other key")
        .into_inner();
    assert!(!other.replayed);
    assert_ne!(other.report.as_ref().unwrap().id, first.report.unwrap().id);

    let too_long = node
        .client
        .submit(pb::SubmitRequest {
            content: Some(sample_content("Key too long")),
            idempotency_key: "k".repeat(129),
        })
        .await
        .expect_err("a 129-character key is refused");
    assert_eq!(bad_fields(&too_long), vec!["idempotency_key"]);

    let all = list_all(&mut node.client, pb::ListRequest::default()).await;
    assert_eq!(all.len(), 2);
    let info = node_info(&mut node.client).await;
    assert_eq!(frontier_sequence(&info, ORG), 2, "a replay writes nothing");
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_report_names_every_bad_field_at_once_and_stores_nothing() {
    let mut node = TestNode::start().await;
    submit(&mut node.client, sample_content("Valid one")).await;
    let info_before = node_info(&mut node.client).await;

    let mut bad = sample_content("");
    bad.title = vec![];
    bad.activity_type = 99;
    bad.countries = vec!["TH".into(), "XX".into()];
    bad.dates = Some(pb::ActivityDates {
        planned_start: "2007-11-09".into(),
        planned_end: "2007-11-08".into(),
        actual_start: String::new(),
        actual_end: String::new(),
    });
    bad.themes = vec![theme("GCM", "10"), theme("GCM", "99")];
    bad.links = vec![pb::Link {
        url: "ftp://example.org/report.pdf".into(),
        title: "report".into(),
        kind: String::new(),
    }];
    bad.location = "Bangkok\u{7}\u{0}".into();
    let status = node
        .client
        .submit(pb::SubmitRequest {
            content: Some(bad.clone()),
            idempotency_key: String::new(),
        })
        .await
        .expect_err("the report is refused");
    let fields: BTreeSet<String> = bad_fields(&status).into_iter().collect();
    let expected: BTreeSet<String> = [
        "title",
        "activity_type",
        "countries[1]",
        "dates.planned_end",
        "themes[1].code",
        "links[0].url",
        "location",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(fields, expected, "{status:?}");

    // The same content as a revision is refused the same way.
    let existing = list_all(&mut node.client, pb::ListRequest::default()).await;
    let status = revise(&mut node.client, &existing[0].id, 1, bad)
        .await
        .expect_err("the revision is refused");
    let fields: BTreeSet<String> = bad_fields(&status).into_iter().collect();
    assert_eq!(fields, expected, "revise: {status:?}");

    // An actual date in the future is refused too (actual dates record what happened).
    let mut future = sample_content("Future");
    future.dates = Some(pb::ActivityDates {
        planned_start: String::new(),
        actual_start: "2999-01-01".into(),
        planned_end: String::new(),
        actual_end: String::new(),
    });
    let status = node
        .client
        .submit(pb::SubmitRequest {
            content: Some(future),
            idempotency_key: String::new(),
        })
        .await
        .expect_err("a future actual date is refused");
    assert_eq!(bad_fields(&status), vec!["dates.actual_start"]);

    let after = list_all(
        &mut node.client,
        pb::ListRequest {
            include_withdrawn: true,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(after.len(), 1, "nothing was stored");
    assert_eq!(after[0].revision, 1, "the revision was not applied");
    let info_after = node_info(&mut node.client).await;
    assert_eq!(info_after.frontier, info_before.frontier);
    assert_eq!(info_after.last_change, info_before.last_change);
    assert_eq!(info_after.report_count, 1);
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_without_content_is_invalid_and_names_content() {
    let mut node = TestNode::start().await;
    let status = node
        .client
        .submit(pb::SubmitRequest {
            content: None,
            idempotency_key: String::new(),
        })
        .await
        .expect_err("submit without content");
    assert_eq!(bad_fields(&status), vec!["content"]);

    let report = submit(&mut node.client, sample_content("Existing")).await;
    let status = node
        .client
        .revise(pb::ReviseRequest {
            id: report.id.clone(),
            expected_revision: 1,
            content: None,
        })
        .await
        .expect_err("revise without content");
    assert_eq!(bad_fields(&status), vec!["content"]);
    let info = node_info(&mut node.client).await;
    assert_eq!(frontier_sequence(&info, ORG), 1);
    node.shutdown().await;
}

// ----------------------------------------------------------------------------------------
// List
// ----------------------------------------------------------------------------------------

/// What one of the varied reports is, as the test's own oracle sees it.
#[derive(Clone)]
struct Spec {
    activity_type: pb::ActivityType,
    status: pb::ActivityStatus,
    /// As sent (alpha-2 or alpha-3).
    countries: Vec<&'static str>,
    /// As stored (alpha-2).
    countries_alpha2: Vec<&'static str>,
    themes: Vec<(&'static str, &'static str)>,
    target_groups: Vec<&'static str>,
    start: String,
    end: Option<String>,
    title: String,
    summary: String,
}

const TYPES: [pb::ActivityType; 12] = [
    pb::ActivityType::Meeting,
    pb::ActivityType::Conference,
    pb::ActivityType::Training,
    pb::ActivityType::Research,
    pb::ActivityType::Publication,
    pb::ActivityType::PolicyDialogue,
    pb::ActivityType::Agreement,
    pb::ActivityType::TechnicalAssistance,
    pb::ActivityType::Advocacy,
    pb::ActivityType::DataCollection,
    pb::ActivityType::Programme,
    pb::ActivityType::Other,
];

const STATUSES: [pb::ActivityStatus; 6] = [
    pb::ActivityStatus::Pipeline,
    pb::ActivityStatus::Implementation,
    pb::ActivityStatus::Finalisation,
    pb::ActivityStatus::Closed,
    pb::ActivityStatus::Cancelled,
    pb::ActivityStatus::Suspended,
];

/// The window the interval filters use.
const WINDOW_FROM: &str = "2008-03-01";
const WINDOW_TO: &str = "2008-09-30";

fn spec(i: usize) -> Spec {
    let (countries, countries_alpha2): (Vec<&str>, Vec<&str>) = match i % 5 {
        0 => (vec!["KHM"], vec!["KH"]),
        1 => (vec!["TH", "VN"], vec!["TH", "VN"]),
        2 => (vec!["KH", "LA"], vec!["KH", "LA"]),
        3 => (vec![], vec![]),
        _ => (vec!["PHL"], vec!["PH"]),
    };
    let themes = match i % 4 {
        0 => vec![("GCM", "10")],
        1 => vec![("SDG", "10.7")],
        2 => vec![("GCM", "10"), ("RTWG", "trafficking")],
        _ => vec![("DAC", "15190")],
    };
    let target_groups = match i % 3 {
        0 => vec!["MIGRANT_WORKERS"],
        1 => vec![],
        _ => vec!["WOMEN_AND_GIRLS", "CHILDREN_ON_THE_MOVE"],
    };
    let year = 2004 + (i % 10);
    let month = 1 + (i % 12);
    let mut start = format!("{year}-{month:02}-10");
    let mut end = match i % 3 {
        0 => None,
        1 => Some(format!("{year}-12-31")),
        _ => Some(format!("{}-06-30", year + 3)),
    };
    // Boundary cases of the interval filter around [WINDOW_FROM, WINDOW_TO].
    match i {
        29 => {
            // Contains the whole window: overlaps without being contained.
            start = "1990-01-01".into();
            end = Some("2030-12-31".into());
        }
        28 => {
            start = "2007-05-01".into();
            end = Some(WINDOW_FROM.into()); // ends on the first day
        }
        27 => {
            start = WINDOW_TO.into(); // starts on the last day
            end = Some("2009-02-01".into());
        }
        26 => {
            start = "2007-05-01".into();
            end = Some("2008-02-29".into()); // ends the day before
        }
        25 => {
            start = "2008-10-01".into(); // one-day event the day after
            end = None;
        }
        _ => {}
    }
    let (title, summary) = match i % 7 {
        0 => (
            format!("Migración laboral en la región, número {i}"),
            "Diálogo regional".to_string(),
        ),
        3 => (
            format!("Study {i} of recruitment practices"),
            "Estudio sobre MIGRACION Laboral y remesas".to_string(),
        ),
        5 => (
            format!("Migración y salud, informe {i}"),
            "Trabajo de campo".to_string(),
        ),
        _ => (
            format!("Regional cooperation activity {i}"),
            "Working group follow-up".to_string(),
        ),
    };
    Spec {
        activity_type: TYPES[i % TYPES.len()],
        status: STATUSES[i % STATUSES.len()],
        countries,
        countries_alpha2,
        themes,
        target_groups,
        start,
        end,
        title,
        summary,
    }
}

fn spec_content(spec: &Spec) -> pb::ReportContent {
    pb::ReportContent {
        title: text(&spec.title),
        summary: text(&spec.summary),
        activity_type: spec.activity_type as i32,
        status: spec.status as i32,
        dates: Some(pb::ActivityDates {
            planned_start: spec.start.clone(),
            planned_end: spec.end.clone().unwrap_or_default(),
            actual_start: String::new(),
            actual_end: String::new(),
        }),
        countries: spec.countries.iter().map(|c| c.to_string()).collect(),
        regions: vec![],
        themes: spec.themes.iter().map(|(v, c)| theme(v, c)).collect(),
        target_groups: spec.target_groups.iter().map(|g| g.to_string()).collect(),
        participants: vec![],
        related: vec![],
        links: vec![],
        contact: None,
        location: String::new(),
        iati_identifier: String::new(),
        iati_extra: vec![],
    }
}

/// Thirty varied reports: report 1 revised after the others, reports 4 and 9 withdrawn;
/// `since` is a time after report 14 was created and before report 15.
struct Population {
    specs: Vec<Spec>,
    ids: Vec<String>,
    withdrawn: Vec<usize>,
    revised: usize,
    since_ms: i64,
}

async fn populate(client: &mut ReportsClient<Channel>) -> Population {
    let mut specs: Vec<Spec> = (0..30).map(spec).collect();
    let mut ids = Vec::new();
    let mut since_ms = 0;
    for (i, spec) in specs.iter().enumerate() {
        let report = submit(client, spec_content(spec)).await;
        ids.push(report.id.clone());
        if i == 14 {
            since_ms = ms(&report.updated_at) + 1;
            wait_until(PATIENCE, "the clock to pass report 14's time", || async {
                now_ms() > since_ms
            })
            .await;
        }
    }
    // Report 1 changes country, theme and group after everything else.
    let revised = 1;
    specs[revised].countries = vec!["MMR"];
    specs[revised].countries_alpha2 = vec!["MM"];
    specs[revised].themes = vec![("RTWG", "gender")];
    specs[revised].target_groups = vec!["RETURNEES"];
    let report = revise(client, &ids[revised], 1, spec_content(&specs[revised]))
        .await
        .expect("revise report 1");
    assert_eq!(report.revision, 2);
    let withdrawn = vec![4, 9];
    for &i in &withdrawn {
        withdraw(client, &ids[i], "duplicate", 0)
            .await
            .expect("withdraw");
    }
    Population {
        specs,
        ids,
        withdrawn,
        revised,
        since_ms,
    }
}

impl Population {
    /// Ids of the reports for which `keep(index, spec)` holds, withdrawn ones only when
    /// `include_withdrawn`, in creation order.
    fn expect(&self, include_withdrawn: bool, keep: impl Fn(usize, &Spec) -> bool) -> Vec<String> {
        self.specs
            .iter()
            .enumerate()
            .filter(|(i, spec)| {
                (include_withdrawn || !self.withdrawn.contains(i)) && keep(*i, spec)
            })
            .map(|(i, _)| self.ids[i].clone())
            .collect()
    }
}

fn overlaps(spec: &Spec, from: Option<&str>, to: Option<&str>) -> bool {
    let end = spec.end.as_deref().unwrap_or(&spec.start);
    from.is_none_or(|from| end >= from) && to.is_none_or(|to| spec.start.as_str() <= to)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_filters_return_exactly_the_matching_reports() {
    let mut node = TestNode::start().await;
    let population = populate(&mut node.client).await;
    let p = &population;
    let has_country = |spec: &Spec, code: &str| spec.countries_alpha2.contains(&code);
    let has_theme = |spec: &Spec, v: &str, c: &str| spec.themes.contains(&(v, c));

    let cases: Vec<(&str, pb::ListRequest, Vec<String>)> = vec![
        (
            "no filter",
            pb::ListRequest::default(),
            p.expect(false, |_, _| true),
        ),
        (
            "include_withdrawn",
            pb::ListRequest {
                include_withdrawn: true,
                ..Default::default()
            },
            p.expect(true, |_, _| true),
        ),
        (
            "organizations ESCAP",
            pb::ListRequest {
                organizations: vec![ORG.into()],
                ..Default::default()
            },
            p.expect(false, |_, _| true),
        ),
        (
            "organizations IOM",
            pb::ListRequest {
                organizations: vec!["IOM".into()],
                ..Default::default()
            },
            vec![],
        ),
        (
            "organizations IOM or ESCAP",
            pb::ListRequest {
                organizations: vec!["IOM".into(), ORG.into()],
                ..Default::default()
            },
            p.expect(false, |_, _| true),
        ),
        (
            "activity types TRAINING or RESEARCH",
            pb::ListRequest {
                activity_types: vec![
                    pb::ActivityType::Training as i32,
                    pb::ActivityType::Research as i32,
                ],
                ..Default::default()
            },
            p.expect(false, |_, s| {
                matches!(
                    s.activity_type,
                    pb::ActivityType::Training | pb::ActivityType::Research
                )
            }),
        ),
        (
            "status CLOSED",
            pb::ListRequest {
                statuses: vec![pb::ActivityStatus::Closed as i32],
                ..Default::default()
            },
            p.expect(false, |_, s| s.status == pb::ActivityStatus::Closed),
        ),
        (
            "status CLOSED, withdrawn included",
            pb::ListRequest {
                statuses: vec![pb::ActivityStatus::Closed as i32],
                include_withdrawn: true,
                ..Default::default()
            },
            p.expect(true, |_, s| s.status == pb::ActivityStatus::Closed),
        ),
        (
            "country KH",
            pb::ListRequest {
                countries: vec!["KH".into()],
                ..Default::default()
            },
            p.expect(false, |_, s| has_country(s, "KH")),
        ),
        (
            "country KHM (alpha-3)",
            pb::ListRequest {
                countries: vec!["KHM".into()],
                ..Default::default()
            },
            p.expect(false, |_, s| has_country(s, "KH")),
        ),
        (
            "countries TH or PHL",
            pb::ListRequest {
                countries: vec!["TH".into(), "PHL".into()],
                ..Default::default()
            },
            p.expect(false, |_, s| has_country(s, "TH") || has_country(s, "PH")),
        ),
        (
            "country MM (only the revised report)",
            pb::ListRequest {
                countries: vec!["MM".into()],
                ..Default::default()
            },
            vec![p.ids[p.revised].clone()],
        ),
        (
            "theme GCM 10 (written gcm)",
            pb::ListRequest {
                themes: vec![theme("gcm", "10")],
                ..Default::default()
            },
            p.expect(false, |_, s| has_theme(s, "GCM", "10")),
        ),
        (
            "themes RTWG trafficking or DAC 15190",
            pb::ListRequest {
                themes: vec![theme("RTWG", "trafficking"), theme("DAC", "15190")],
                ..Default::default()
            },
            p.expect(false, |_, s| {
                has_theme(s, "RTWG", "trafficking") || has_theme(s, "DAC", "15190")
            }),
        ),
        (
            "target group WOMEN_AND_GIRLS",
            pb::ListRequest {
                target_groups: vec!["WOMEN_AND_GIRLS".into()],
                ..Default::default()
            },
            p.expect(false, |_, s| s.target_groups.contains(&"WOMEN_AND_GIRLS")),
        ),
        (
            "country KH and theme GCM 10",
            pb::ListRequest {
                countries: vec!["KH".into()],
                themes: vec![theme("GCM", "10")],
                ..Default::default()
            },
            p.expect(false, |_, s| {
                has_country(s, "KH") && has_theme(s, "GCM", "10")
            }),
        ),
        (
            "active in the window",
            pb::ListRequest {
                active_from: WINDOW_FROM.into(),
                active_to: WINDOW_TO.into(),
                ..Default::default()
            },
            p.expect(false, |_, s| {
                overlaps(s, Some(WINDOW_FROM), Some(WINDOW_TO))
            }),
        ),
        (
            "active from the window's start",
            pb::ListRequest {
                active_from: WINDOW_FROM.into(),
                ..Default::default()
            },
            p.expect(false, |_, s| overlaps(s, Some(WINDOW_FROM), None)),
        ),
        (
            "active until the window's end",
            pb::ListRequest {
                active_to: WINDOW_TO.into(),
                ..Default::default()
            },
            p.expect(false, |_, s| overlaps(s, None, Some(WINDOW_TO))),
        ),
        (
            "updated since report 15",
            pb::ListRequest {
                updated_since: Some(prost_types::Timestamp {
                    seconds: p.since_ms.div_euclid(1000),
                    nanos: (p.since_ms.rem_euclid(1000) * 1_000_000) as i32,
                }),
                ..Default::default()
            },
            p.expect(false, |i, _| i >= 15 || i == p.revised),
        ),
        (
            "updated since report 15, withdrawn included",
            pb::ListRequest {
                updated_since: Some(prost_types::Timestamp {
                    seconds: p.since_ms.div_euclid(1000),
                    nanos: (p.since_ms.rem_euclid(1000) * 1_000_000) as i32,
                }),
                include_withdrawn: true,
                ..Default::default()
            },
            p.expect(true, |i, _| {
                i >= 15 || i == p.revised || p.withdrawn.contains(&i)
            }),
        ),
        (
            "text, case and accents ignored",
            pb::ListRequest {
                text: "MIGRACION Laboral".into(),
                ..Default::default()
            },
            p.expect(false, |i, _| i % 7 == 0 || i % 7 == 3),
        ),
        (
            "text with accents in the query",
            pb::ListRequest {
                text: "migración".into(),
                ..Default::default()
            },
            p.expect(false, |i, _| matches!(i % 7, 0 | 3 | 5)),
        ),
    ];

    // The interval filter is overlap, not containment: check the boundary reports by hand.
    let window = &cases
        .iter()
        .find(|(name, _, _)| *name == "active in the window")
        .unwrap()
        .2;
    for (i, inside) in [(29, true), (28, true), (27, true), (26, false), (25, false)] {
        assert_eq!(
            window.contains(&p.ids[i]),
            inside,
            "report {i} vs the window"
        );
    }

    for (name, request, expected) in cases {
        assert!(
            name == "organizations IOM" || !expected.is_empty(),
            "case {name} expects nothing: the population is wrong"
        );
        let page = node
            .client
            .list(pb::ListRequest {
                page_size: 1000,
                ..request.clone()
            })
            .await
            .unwrap_or_else(|status| panic!("{name}: {status:?}"))
            .into_inner();
        assert!(page.next_page_token.is_empty(), "{name}: one page expected");
        assert_eq!(ids(&page.reports), expected, "{name}");
        // Every report listed is returned whole, at its current revision.
        for report in &page.reports {
            let index = p.ids.iter().position(|id| *id == report.id).unwrap();
            assert_eq!(report.organization, ORG);
            assert_eq!(report.withdrawn, p.withdrawn.contains(&index), "{name}");
            let expected_revision = if index == p.revised || p.withdrawn.contains(&index) {
                2
            } else {
                1
            };
            assert_eq!(report.revision, expected_revision, "{name}: report {index}");
            let content = report.content.as_ref().expect("content");
            assert_eq!(content.title, text(&p.specs[index].title), "{name}");
        }
    }
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_of_three_give_every_matching_report_once_in_id_order() {
    let mut node = TestNode::start().await;
    let population = populate(&mut node.client).await;
    let p = &population;

    let requests = [
        (
            pb::ListRequest {
                include_withdrawn: true,
                page_size: 3,
                ..Default::default()
            },
            p.expect(true, |_, _| true),
        ),
        (
            pb::ListRequest {
                countries: vec!["KHM".into()],
                page_size: 3,
                ..Default::default()
            },
            p.expect(false, |_, s| s.countries_alpha2.contains(&"KH")),
        ),
        (
            pb::ListRequest {
                active_from: WINDOW_FROM.into(),
                page_size: 3,
                ..Default::default()
            },
            p.expect(false, |_, s| overlaps(s, Some(WINDOW_FROM), None)),
        ),
    ];
    for (request, expected) in requests {
        assert!(expected.len() > 3, "the case needs several pages");
        let mut seen = Vec::new();
        let mut pages = 0;
        let mut request = request;
        loop {
            let page = node
                .client
                .list(request.clone())
                .await
                .expect("list page")
                .into_inner();
            pages += 1;
            assert!(
                page.reports.len() <= 3,
                "page {pages} has {}",
                page.reports.len()
            );
            assert!(
                !page.reports.is_empty() || seen.is_empty(),
                "an empty page {pages} after {seen:?}"
            );
            seen.extend(ids(&page.reports));
            if page.next_page_token.is_empty() {
                break;
            }
            assert!(pages < 100, "too many pages");
            request.page_token = page.next_page_token;
        }
        let mut sorted = seen.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(
            sorted.len(),
            seen.len(),
            "a report was listed twice: {seen:?}"
        );
        assert_eq!(seen, sorted, "not in id order");
        assert_eq!(seen, expected, "{request:?}");
        assert_eq!(pages, expected.len().div_ceil(3), "{request:?}");
    }
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_tokens_are_bound_to_their_filters_and_page_sizes_are_checked() {
    let mut node = TestNode::start().await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..55 {
        let mut client = node.client.clone();
        let mut content = sample_content(&format!("Report number {i}"));
        content.countries = vec![if i % 2 == 0 { "KH" } else { "TH" }.into()];
        tasks.spawn(async move { submit(&mut client, content).await.id });
    }
    let mut all_ids = Vec::new();
    while let Some(id) = tasks.join_next().await {
        all_ids.push(id.expect("submit task"));
    }
    all_ids.sort();

    // page_size 0 means the default, 50.
    let first = node
        .client
        .list(pb::ListRequest::default())
        .await
        .expect("default page")
        .into_inner();
    assert_eq!(first.reports.len(), 50);
    assert_eq!(ids(&first.reports), all_ids[..50].to_vec());
    assert!(!first.next_page_token.is_empty());
    let rest = node
        .client
        .list(pb::ListRequest {
            page_token: first.next_page_token.clone(),
            ..Default::default()
        })
        .await
        .expect("second default page")
        .into_inner();
    assert_eq!(ids(&rest.reports), all_ids[50..].to_vec());
    assert!(rest.next_page_token.is_empty());

    // A token used with other filters is refused, naming page_token.
    let kh = node
        .client
        .list(pb::ListRequest {
            countries: vec!["KH".into()],
            page_size: 3,
            ..Default::default()
        })
        .await
        .expect("KH page")
        .into_inner();
    assert!(!kh.next_page_token.is_empty());
    for other in [
        pb::ListRequest {
            countries: vec!["TH".into()],
            page_size: 3,
            page_token: kh.next_page_token.clone(),
            ..Default::default()
        },
        pb::ListRequest {
            page_size: 3,
            page_token: kh.next_page_token.clone(),
            ..Default::default()
        },
        pb::ListRequest {
            countries: vec!["KH".into()],
            include_withdrawn: true,
            page_size: 3,
            page_token: kh.next_page_token.clone(),
            ..Default::default()
        },
        pb::ListRequest {
            countries: vec!["KH".into()],
            page_token: "bm90LWEtdG9rZW4".into(),
            ..Default::default()
        },
    ] {
        let status = node
            .client
            .list(other.clone())
            .await
            .expect_err("a token from another query is refused");
        assert_eq!(bad_fields(&status), vec!["page_token"], "{other:?}");
    }
    // The same token with the same filters (alpha-3 spelling included) continues.
    let next = node
        .client
        .list(pb::ListRequest {
            countries: vec!["KHM".into()],
            page_size: 3,
            page_token: kh.next_page_token.clone(),
            ..Default::default()
        })
        .await
        .expect("same filters continue")
        .into_inner();
    assert_eq!(next.reports.len(), 3);
    assert!(next.reports[0].id > kh.reports[2].id);

    for size in [1001, 100_000] {
        let status = node
            .client
            .list(pb::ListRequest {
                page_size: size,
                ..Default::default()
            })
            .await
            .expect_err("too large a page is refused");
        assert_eq!(bad_fields(&status), vec!["page_size"], "page_size {size}");
    }
    let max = node
        .client
        .list(pb::ListRequest {
            page_size: 1000,
            ..Default::default()
        })
        .await
        .expect("page_size 1000 is allowed")
        .into_inner();
    assert_eq!(max.reports.len(), 55);

    // Bad filters are named, all of them.
    let status = node
        .client
        .list(pb::ListRequest {
            countries: vec!["XX".into()],
            themes: vec![theme("GCM", "99")],
            statuses: vec![42],
            active_from: "2008-13-01".into(),
            page_size: 5000,
            ..Default::default()
        })
        .await
        .expect_err("bad filters");
    let fields: BTreeSet<String> = bad_fields(&status).into_iter().collect();
    let expected: BTreeSet<String> = [
        "countries[0]",
        "themes[0]",
        "statuses[0]",
        "active_from",
        "page_size",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(fields, expected);
    node.shutdown().await;
}

// ----------------------------------------------------------------------------------------
// Watch
// ----------------------------------------------------------------------------------------

async fn next_event(stream: &mut tonic::Streaming<pb::WatchEvent>) -> pb::WatchEvent {
    tokio::time::timeout(PATIENCE, stream.next())
        .await
        .expect("a watch event within the deadline")
        .expect("the stream is still open")
        .expect("a watch event, not an error")
}

async fn watch(
    client: &mut ReportsClient<Channel>,
    after_change: u64,
    replay: bool,
) -> tonic::Streaming<pb::WatchEvent> {
    client
        .watch(pb::WatchRequest {
            after_change,
            replay,
            organizations: vec![],
        })
        .await
        .expect("watch")
        .into_inner()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_replays_follows_and_resumes() {
    let mut node = TestNode::start().await;
    let a = submit(&mut node.client, sample_content("Report A")).await;
    let b = submit(&mut node.client, sample_content("Report B")).await;
    revise(
        &mut node.client,
        &a.id,
        1,
        sample_content("Report A, revised"),
    )
    .await
    .expect("revise A");
    withdraw(&mut node.client, &b.id, "duplicate", 0)
        .await
        .expect("withdraw B");

    let expected = [
        (1, pb::ChangeKind::Created, &a.id, 1),
        (2, pb::ChangeKind::Created, &b.id, 1),
        (3, pb::ChangeKind::Revised, &a.id, 2),
        (4, pb::ChangeKind::Withdrawn, &b.id, 2),
    ];
    let mut replay = watch(&mut node.client, 0, true).await;
    for (change, kind, id, revision) in expected {
        let event = next_event(&mut replay).await;
        assert_eq!(event.change, change);
        assert_eq!(event.kind, kind as i32, "change {change}");
        assert_eq!(event.revision, revision, "change {change}");
        let report = event.report.expect("event carries the report");
        assert_eq!(&report.id, id, "change {change}");
        assert_eq!(report.organization, ORG);
    }

    // A live watcher (no replay) sees only what happens after it started.
    let mut live = watch(&mut node.client, 0, false).await;
    // Resuming after change 2 gives 3 and 4 only.
    let mut resumed = watch(&mut node.client, 2, false).await;

    let c = submit(&mut node.client, sample_content("Report C")).await;
    let event = next_event(&mut live).await;
    assert_eq!(event.change, 5);
    assert_eq!(event.kind, pb::ChangeKind::Created as i32);
    assert_eq!(event.report.expect("report").id, c.id);
    // The replaying stream keeps following too.
    let event = next_event(&mut replay).await;
    assert_eq!((event.change, event.report.unwrap().id), (5, c.id.clone()));

    let resumed_changes = [
        next_event(&mut resumed).await,
        next_event(&mut resumed).await,
        next_event(&mut resumed).await,
    ];
    let numbers: Vec<u64> = resumed_changes.iter().map(|e| e.change).collect();
    assert_eq!(numbers, vec![3, 4, 5]);
    assert_eq!(resumed_changes[1].kind, pb::ChangeKind::Withdrawn as i32);
    assert!(resumed_changes[1].report.as_ref().unwrap().withdrawn);

    let info = node_info(&mut node.client).await;
    assert_eq!(info.last_change, 5);
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watcher_sees_every_concurrent_submission_once_in_change_order() {
    let mut node = TestNode::start().await;
    let mut stream = watch(&mut node.client, 0, false).await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..40 {
        let mut client = node.client.clone();
        tasks.spawn(async move { submit(&mut client, sample_content(&format!("Live {i}"))).await });
    }
    let mut submitted = BTreeSet::new();
    while let Some(report) = tasks.join_next().await {
        submitted.insert(report.expect("submit task").id);
    }
    let mut seen = BTreeSet::new();
    let mut last_change = 0;
    while seen.len() < submitted.len() {
        let event = next_event(&mut stream).await;
        assert!(event.change > last_change, "change numbers must increase");
        last_change = event.change;
        assert!(seen.insert(event.report.unwrap().id), "an event came twice");
    }
    assert_eq!(seen, submitted);
    assert_eq!(last_change, 40);
    node.shutdown().await;
}

// ----------------------------------------------------------------------------------------
// NodeInfo, health, reflection
// ----------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_info_frontier_counts_every_write_and_nothing_else() {
    let mut node = TestNode::start().await;
    let empty = node_info(&mut node.client).await;
    assert_eq!(empty.organization, ORG);
    assert_eq!(frontier_sequence(&empty, ORG), 0);
    assert_eq!(empty.report_count, 0);
    assert_eq!(empty.last_change, 0);
    assert_eq!(empty.store_format_version, concord::store::FORMAT_VERSION);
    assert_eq!(empty.version, env!("CARGO_PKG_VERSION"));
    uuid::Uuid::parse_str(&empty.store_incarnation).expect("incarnation is a UUID");
    assert_eq!(empty.signing_public_key.len(), 64);
    assert!(hex_ok(&empty.signing_public_key));

    let mut writes = 0;
    let a = submit(&mut node.client, sample_content("A")).await;
    let b = submit(&mut node.client, sample_content("B")).await;
    submit(&mut node.client, sample_content("C")).await;
    writes += 3;
    revise(&mut node.client, &a.id, 1, sample_content("A2"))
        .await
        .unwrap();
    revise(&mut node.client, &a.id, 2, sample_content("A3"))
        .await
        .unwrap();
    writes += 2;
    withdraw(&mut node.client, &b.id, "duplicate", 0)
        .await
        .unwrap();
    writes += 1;
    // Refused calls write nothing.
    revise(&mut node.client, &a.id, 1, sample_content("stale"))
        .await
        .unwrap_err();
    withdraw(&mut node.client, &b.id, "again", 0)
        .await
        .unwrap_err();
    let mut bad = sample_content("bad");
    bad.countries = vec!["XX".into()];
    node.client
        .submit(pb::SubmitRequest {
            content: Some(bad),
            idempotency_key: String::new(),
        })
        .await
        .unwrap_err();

    let info = node_info(&mut node.client).await;
    assert_eq!(frontier_sequence(&info, ORG), writes);
    assert_eq!(info.frontier.len(), 1, "only this organization's log");
    let head = &info.frontier[0];
    assert_eq!(head.head_hash.len(), 64);
    assert!(hex_ok(&head.head_hash));
    assert_ne!(head.head_hash, "0".repeat(64));
    assert_eq!(info.report_count, 3);
    assert_eq!(info.last_change, writes);
    assert_eq!(info.store_incarnation, empty.store_incarnation);
    assert_eq!(info.signing_public_key, empty.signing_public_key);
    // The head moves with every write.
    submit(&mut node.client, sample_content("D")).await;
    let later = node_info(&mut node.client).await;
    assert_eq!(frontier_sequence(&later, ORG), writes + 1);
    assert_ne!(later.frontier[0].head_hash, head.head_hash);
    node.shutdown().await;
}

fn hex_ok(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_check_reports_serving() {
    use tonic_health::pb::HealthCheckRequest;
    use tonic_health::pb::health_check_response::ServingStatus;
    use tonic_health::pb::health_client::HealthClient;

    let node = TestNode::start().await;
    let mut health = HealthClient::new(node.channel().await);
    for service in ["", "concord.v1.Reports"] {
        let response = health
            .check(HealthCheckRequest {
                service: service.into(),
            })
            .await
            .unwrap_or_else(|status| panic!("check {service:?}: {status:?}"))
            .into_inner();
        assert_eq!(
            response.status,
            ServingStatus::Serving as i32,
            "service {service:?}"
        );
    }
    let unknown = health
        .check(HealthCheckRequest {
            service: "concord.v1.Nothing".into(),
        })
        .await
        .expect_err("unknown service");
    assert_eq!(unknown.code(), Code::NotFound);
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reflection_lists_the_services_and_serves_their_descriptors() {
    use prost::Message;
    use tonic_reflection::pb::v1::ServerReflectionRequest;
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

    let node = TestNode::start().await;
    let mut reflection = ServerReflectionClient::new(node.channel().await);
    let requests = vec![
        ServerReflectionRequest {
            host: String::new(),
            message_request: Some(MessageRequest::ListServices(String::new())),
        },
        ServerReflectionRequest {
            host: String::new(),
            message_request: Some(MessageRequest::FileContainingSymbol(
                "concord.v1.Reports".into(),
            )),
        },
    ];
    let mut responses = reflection
        .server_reflection_info(tokio_stream::iter(requests))
        .await
        .expect("reflection stream")
        .into_inner();
    let mut next = async || {
        tokio::time::timeout(Duration::from_secs(30), responses.next())
            .await
            .expect("a reflection response in time")
            .expect("stream open")
            .expect("a response, not an error")
            .message_response
            .expect("a message")
    };

    let MessageResponse::ListServicesResponse(list) = next().await else {
        panic!("expected a list of services");
    };
    let names: BTreeSet<String> = list.service.into_iter().map(|s| s.name).collect();
    for wanted in [
        "concord.v1.Reports",
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
    ] {
        assert!(names.contains(wanted), "{wanted} missing from {names:?}");
    }

    let MessageResponse::FileDescriptorResponse(files) = next().await else {
        panic!("expected file descriptors");
    };
    let files: Vec<prost_types::FileDescriptorProto> = files
        .file_descriptor_proto
        .iter()
        .map(|bytes| prost_types::FileDescriptorProto::decode(bytes.as_slice()).expect("decode"))
        .collect();
    let reports = files
        .iter()
        .find(|file| file.name() == "concord/v1/reports.proto")
        .expect("reports.proto served");
    let service = reports
        .service
        .iter()
        .find(|service| service.name() == "Reports")
        .expect("Reports service described");
    let methods: BTreeSet<&str> = service.method.iter().map(|m| m.name()).collect();
    let expected: BTreeSet<&str> = [
        "Submit",
        "Revise",
        "Withdraw",
        "Get",
        "List",
        "Watch",
        "NodeInfo",
        "SyncStatus",
    ]
    .into_iter()
    .collect();
    assert_eq!(methods, expected);
    node.shutdown().await;
}
