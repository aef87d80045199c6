//! The `concord` client commands against an in-process node: what people type and what
//! scripts parse.

use std::path::{Path, PathBuf};

use concord::rpc::pb;
use serde_json::Value;

use crate::harness::{
    ORG, TestNode, free_port, frontier_sequence, run_client, sample_content, submit,
};

/// The report file of `shared/docs/domain.md` ("The report file people write"), with an
/// alpha-3 country code.
const REPORT_FILE: &str = r#"{
  "title": "Policy dialogue on international migration and development in Eastern and South-eastern Asia",
  "summary": "Lectures by resource persons and country overviews; senior officials of 12 countries.",
  "activity_type": "POLICY_DIALOGUE",
  "status": "CLOSED",
  "dates": { "planned_start": "2007-11-08", "planned_end": "2007-11-09",
             "actual_start": "2007-11-08", "actual_end": "2007-11-09" },
  "countries": ["THA"],
  "regions": ["ESCAP"],
  "themes": [ { "vocabulary": "GCM", "code": "23" }, { "vocabulary": "SDG", "code": "10.7" },
              { "vocabulary": "RTWG", "code": "regional-cooperation" } ],
  "target_groups": ["GOVERNMENT_OFFICIALS"],
  "participants": [ { "organization": "IOM", "role": "PARTICIPANT" } ],
  "related": [],
  "location": "Bangkok",
  "links": [ { "url": "https://www.unescap.org/", "title": "ESCAP" } ],
  "contact": { "organization": "ESCAP", "email": "migration@example.org" }
}"#;

const TITLE: &str =
    "Policy dialogue on international migration and development in Eastern and South-eastern Asia";

/// The names of the report file (the public format).
const FILE_FIELDS: [&str; 14] = [
    "title",
    "summary",
    "activity_type",
    "status",
    "dates",
    "countries",
    "regions",
    "themes",
    "target_groups",
    "participants",
    "related",
    "location",
    "links",
    "contact",
];

/// What the node adds in `-o json` output.
const NODE_FIELDS: [&str; 6] = [
    "id",
    "organization",
    "revision",
    "created_at",
    "updated_at",
    "withdrawn",
];

fn write_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write report file");
    path
}

fn path_arg(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

/// The id in "VERB: report ID of ORG, revision N".
fn saved_id(stdout: &str, verb: &str) -> String {
    let prefix = format!("{verb}: report ");
    let line = stdout
        .lines()
        .find(|line| line.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no {prefix:?} line in {stdout:?}"));
    let rest = &line[prefix.len()..];
    let id = rest.split_whitespace().next().expect("id").to_string();
    uuid::Uuid::parse_str(&id).unwrap_or_else(|_| panic!("{id:?} is not a UUID"));
    assert!(
        rest[id.len()..].starts_with(&format!(" of {ORG}, revision ")),
        "{line:?}"
    );
    id
}

fn parse_json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|error| panic!("not JSON ({error}): {text:?}"))
}

/// Asserts that `stderr` lists `field` as a violation ("\n  FIELD: description").
fn assert_names_field(stderr: &str, field: &str) {
    assert!(
        stderr.contains(&format!("\n  {field}: ")),
        "{field} is not named in {stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submit_prints_the_new_id_and_json_output_uses_the_report_file_names() {
    let mut node = TestNode::start().await;
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(dir.path(), "report.json", REPORT_FILE);

    let output = run_client("submit", &node.endpoint, &["--file", path_arg(&file)])
        .await
        .success();
    let id = saved_id(&output.stdout, "Saved");
    assert!(output.stdout.contains(TITLE), "{}", output.stdout);
    let stored = node
        .client
        .get(pb::GetRequest { id: id.clone() })
        .await
        .expect("the printed id exists")
        .into_inner()
        .report
        .unwrap();
    let content = stored.content.unwrap();
    assert_eq!(content.title[0].text, TITLE);
    assert_eq!(content.countries, vec!["TH".to_string()]);
    assert_eq!(
        content.activity_type,
        pb::ActivityType::PolicyDialogue as i32
    );

    let output = run_client(
        "submit",
        &node.endpoint,
        &["--file", path_arg(&file), "-o", "json"],
    )
    .await
    .success();
    let json = parse_json(&output.stdout);
    for field in NODE_FIELDS.iter().chain(FILE_FIELDS.iter()) {
        assert!(json.get(field).is_some(), "{field} missing from {json:#}");
    }
    let second_id = json["id"].as_str().expect("id is a string");
    assert_ne!(second_id, id, "a second submit is a second report");
    uuid::Uuid::parse_str(second_id).expect("id is a UUID");
    assert_eq!(json["organization"], ORG);
    assert_eq!(json["revision"], 1);
    assert_eq!(json["withdrawn"], false);
    assert_eq!(json["title"], TITLE);
    assert_eq!(json["activity_type"], "POLICY_DIALOGUE");
    assert_eq!(json["status"], "CLOSED");
    assert_eq!(json["countries"], serde_json::json!(["TH"]));
    assert_eq!(json["dates"]["planned_end"], "2007-11-09");
    assert_eq!(
        json["themes"][2],
        serde_json::json!({"vocabulary": "RTWG", "code": "regional-cooperation"})
    );
    assert_eq!(
        json["participants"],
        serde_json::json!([{"organization": "IOM", "role": "PARTICIPANT"}])
    );
    assert_eq!(json["contact"]["email"], "migration@example.org");
    assert!(
        json["created_at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z') && t.contains('T')),
        "{json:#}"
    );

    // The idempotency key flag: a retry prints the same report.
    let first = run_client(
        "submit",
        &node.endpoint,
        &["--file", path_arg(&file), "--idempotency-key", "k-1"],
    )
    .await
    .success();
    let retry = run_client(
        "submit",
        &node.endpoint,
        &["--file", path_arg(&file), "--idempotency-key", "k-1"],
    )
    .await
    .success();
    assert!(
        retry.stdout.starts_with("Already saved"),
        "{}",
        retry.stdout
    );
    assert_eq!(
        saved_id(&retry.stdout, "Already saved (same idempotency key)"),
        saved_id(&first.stdout, "Saved")
    );
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_output_can_be_edited_and_revised_and_a_stale_revision_fails() {
    let mut node = TestNode::start().await;
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(dir.path(), "report.json", REPORT_FILE);
    let output = run_client("submit", &node.endpoint, &["--file", path_arg(&file)])
        .await
        .success();
    let id = saved_id(&output.stdout, "Saved");

    let table = run_client("get", &node.endpoint, &[&id]).await.success();
    for expected in [
        id.as_str(),
        ORG,
        TITLE,
        "POLICY_DIALOGUE",
        "Bangkok",
        "GCM:23",
    ] {
        assert!(
            table.stdout.contains(expected),
            "{expected}: {}",
            table.stdout
        );
    }

    let got = run_client("get", &node.endpoint, &[&id, "-o", "json"])
        .await
        .success();
    let mut json = parse_json(&got.stdout);
    assert_eq!(json["id"], id.as_str());
    assert_eq!(json["revision"], 1);
    // Edit the output: drop the node's fields, change the title, submit it as a revision.
    let object = json.as_object_mut().unwrap();
    for field in NODE_FIELDS {
        object.remove(field);
    }
    object.insert("title".into(), Value::from("Policy dialogue, final report"));
    let edited = write_file(
        dir.path(),
        "edited.json",
        &serde_json::to_string_pretty(&json).unwrap(),
    );
    let revised = run_client(
        "revise",
        &node.endpoint,
        &[&id, "--file", path_arg(&edited), "--expected-revision", "1"],
    )
    .await
    .success();
    assert!(
        revised
            .stdout
            .starts_with(&format!("Revised: report {id} of {ORG}, revision 2")),
        "{}",
        revised.stdout
    );

    let after = parse_json(
        &run_client("get", &node.endpoint, &[&id, "-o", "json"])
            .await
            .success()
            .stdout,
    );
    assert_eq!(after["revision"], 2);
    assert_eq!(after["title"], "Policy dialogue, final report");
    for field in FILE_FIELDS.iter().filter(|f| **f != "title") {
        assert_eq!(
            after[field], json[field],
            "{field} changed in the round trip"
        );
    }

    let stale = run_client(
        "revise",
        &node.endpoint,
        &[&id, "--file", path_arg(&file), "--expected-revision", "1"],
    )
    .await
    .failure();
    assert!(
        stale.stderr.contains("FAILED_PRECONDITION"),
        "{}",
        stale.stderr
    );
    let report = node
        .client
        .get(pb::GetRequest { id: id.clone() })
        .await
        .unwrap()
        .into_inner()
        .report
        .unwrap();
    assert_eq!(report.revision, 2, "the stale revision changed nothing");
    assert_eq!(
        report.content.unwrap().title[0].text,
        "Policy dialogue, final report"
    );

    let missing = run_client("get", &node.endpoint, &[&uuid::Uuid::now_v7().to_string()])
        .await
        .failure();
    assert!(missing.stderr.contains("NOT_FOUND"), "{}", missing.stderr);
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_filters_print_tables_and_json_lines() {
    let mut node = TestNode::start().await;
    let content = |title: &str, country: &str, theme: (&str, &str)| {
        let mut content = sample_content(title);
        content.countries = vec![country.into()];
        content.themes = vec![pb::Theme {
            vocabulary: theme.0.into(),
            code: theme.1.into(),
        }];
        content
    };
    let kh_gcm = submit(
        &mut node.client,
        content("Cambodia GCM", "KH", ("GCM", "10")),
    )
    .await;
    let kh_sdg = submit(
        &mut node.client,
        content("Cambodia SDG", "KHM", ("SDG", "8.7")),
    )
    .await;
    let th_gcm = submit(
        &mut node.client,
        content("Thailand GCM", "TH", ("GCM", "10")),
    )
    .await;
    let gone = submit(
        &mut node.client,
        content("Withdrawn GCM", "KH", ("GCM", "10")),
    )
    .await;
    node.client
        .withdraw(pb::WithdrawRequest {
            id: gone.id.clone(),
            reason: "duplicate".into(),
            expected_revision: 0,
        })
        .await
        .unwrap();

    let table = run_client(
        "list",
        &node.endpoint,
        &["--country", "KH", "--theme", "GCM:10"],
    )
    .await
    .success();
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "header and one row: {}", table.stdout);
    assert!(lines[0].starts_with("ID"), "{}", lines[0]);
    for column in ["ORG", "REV", "TYPE", "STATUS", "WHEN", "COUNTRIES", "TITLE"] {
        assert!(lines[0].contains(column), "{column} missing: {}", lines[0]);
    }
    assert!(lines[1].starts_with(&kh_gcm.id), "{}", lines[1]);
    assert!(lines[1].contains("Cambodia GCM") && lines[1].contains(ORG));

    let with_withdrawn = run_client(
        "list",
        &node.endpoint,
        &[
            "--country",
            "KH",
            "--theme",
            "GCM:10",
            "--include-withdrawn",
        ],
    )
    .await
    .success();
    let rows: Vec<&str> = with_withdrawn.stdout.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{}", with_withdrawn.stdout);
    assert!(rows[1].starts_with(&gone.id) && rows[1].contains("WITHDRAWN"));

    let json = run_client("list", &node.endpoint, &["--country", "KHM", "-o", "json"])
        .await
        .success();
    let listed: Vec<Value> = json.stdout.lines().map(parse_json).collect();
    let listed_ids: Vec<&str> = listed.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(listed_ids, vec![kh_gcm.id.as_str(), kh_sdg.id.as_str()]);
    for report in &listed {
        for field in NODE_FIELDS.iter().chain(FILE_FIELDS.iter()) {
            assert!(report.get(field).is_some(), "{field} missing: {report}");
        }
        assert_eq!(report["countries"], serde_json::json!(["KH"]));
    }

    let by_theme = run_client(
        "list",
        &node.endpoint,
        &[
            "--theme", "GCM:10", "--status", "closed", "--type", "meeting", "-o", "json",
        ],
    )
    .await
    .success();
    let ids: Vec<String> = by_theme
        .stdout
        .lines()
        .map(|line| parse_json(line)["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, vec![kh_gcm.id.clone(), th_gcm.id.clone()]);

    // --all with one report per page still gives every live report once.
    let all = run_client(
        "list",
        &node.endpoint,
        &["--all", "--page-size", "1", "-o", "json"],
    )
    .await
    .success();
    let ids: Vec<String> = all
        .stdout
        .lines()
        .map(|line| parse_json(line)["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, vec![kh_gcm.id, kh_sdg.id, th_gcm.id]);

    let bad = run_client("list", &node.endpoint, &["--country", "XX"])
        .await
        .failure();
    assert!(bad.stderr.contains("INVALID_ARGUMENT"), "{}", bad.stderr);
    assert_names_field(&bad.stderr, "countries[0]");
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn withdraw_takes_a_reason_and_the_report_stays_marked() {
    let mut node = TestNode::start().await;
    let report = submit(&mut node.client, sample_content("Posted twice")).await;

    let output = run_client(
        "withdraw",
        &node.endpoint,
        &[&report.id, "--reason", "posted twice by mistake"],
    )
    .await
    .success();
    assert!(
        output.stdout.starts_with(&format!(
            "Withdrawn: report {} of {ORG}, revision 2",
            report.id
        )),
        "{}",
        output.stdout
    );
    let stored = node
        .client
        .get(pb::GetRequest {
            id: report.id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .report
        .unwrap();
    assert!(stored.withdrawn);
    assert_eq!(stored.withdrawal_reason, "posted twice by mistake");

    let json = parse_json(
        &run_client("get", &node.endpoint, &[&report.id, "-o", "json"])
            .await
            .success()
            .stdout,
    );
    assert_eq!(json["withdrawn"], true);
    assert_eq!(json["withdrawal_reason"], "posted twice by mistake");

    let again = run_client(
        "withdraw",
        &node.endpoint,
        &[&report.id, "--reason", "again"],
    )
    .await
    .failure();
    assert!(
        again.stderr.contains("FAILED_PRECONDITION"),
        "{}",
        again.stderr
    );
    let blank = run_client("withdraw", &node.endpoint, &[&report.id, "--reason", " "])
        .await
        .failure();
    assert!(
        blank.stderr.contains("INVALID_ARGUMENT"),
        "{}",
        blank.stderr
    );
    assert_names_field(&blank.stderr, "reason");
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_report_file_fails_naming_every_bad_field() {
    let mut node = TestNode::start().await;
    let dir = tempfile::tempdir().unwrap();
    let bad = write_file(
        dir.path(),
        "bad.json",
        r#"{
  "title": "",
  "activity_type": "MEETING",
  "status": "CLOSED",
  "dates": { "planned_start": "2007-11-09", "planned_end": "2007-11-08" },
  "countries": ["TH", "XX"],
  "themes": [ { "vocabulary": "GCM", "code": "99" } ],
  "target_groups": ["ALIENS"],
  "links": [ { "url": "ftp://example.org/report.pdf" } ],
  "contact": { "email": "not-an-address" },
  "location": "Bangkok\u0007"
}"#,
    );
    let output = run_client("submit", &node.endpoint, &["--file", path_arg(&bad)])
        .await
        .failure();
    assert!(
        output.stderr.contains("INVALID_ARGUMENT"),
        "{}",
        output.stderr
    );
    // The file's title is a plain string; the node names it as the first title text.
    assert!(
        output.stderr.contains("\n  title: ") || output.stderr.contains("\n  title[0].text: "),
        "title is not named in {}",
        output.stderr
    );
    for field in [
        "countries[1]",
        "dates.planned_end",
        "themes[0].code",
        "target_groups[0]",
        "links[0].url",
        "contact.email",
        "location",
    ] {
        assert_names_field(&output.stderr, field);
    }
    assert!(output.stdout.is_empty(), "{}", output.stdout);

    // Not JSON, or an unknown name: the file and the problem are named.
    let garbage = write_file(dir.path(), "garbage.json", "{ \"title\": ");
    let output = run_client("submit", &node.endpoint, &["--file", path_arg(&garbage)])
        .await
        .failure();
    assert!(
        output.stderr.contains("garbage.json") && output.stderr.contains("not a valid report file"),
        "{}",
        output.stderr
    );
    let typo = write_file(
        dir.path(),
        "typo.json",
        &REPORT_FILE.replace("\"countries\"", "\"country\""),
    );
    let output = run_client("submit", &node.endpoint, &["--file", path_arg(&typo)])
        .await
        .failure();
    assert!(
        output.stderr.contains("unknown field `country`"),
        "{}",
        output.stderr
    );

    let info = node
        .client
        .node_info(pb::NodeInfoRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(frontier_sequence(&info, ORG), 0, "nothing was stored");
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_file_with_unknown_names_also_names_the_other_bad_fields() {
    let node = TestNode::start().await;
    let dir = tempfile::tempdir().unwrap();
    let bad = write_file(
        dir.path(),
        "bad.json",
        r#"{
  "title": "Party",
  "activity_type": "PARTY",
  "status": "CLOSED",
  "dates": { "planned_start": "2007-11-09" },
  "countries": ["XX"],
  "participants": [ { "organization": "IOM", "role": "HOST" } ]
}"#,
    );
    let output = run_client("submit", &node.endpoint, &["--file", path_arg(&bad)])
        .await
        .failure();
    assert!(
        output.stderr.contains("INVALID_ARGUMENT"),
        "{}",
        output.stderr
    );
    for field in ["activity_type", "participants[0].role", "countries[0]"] {
        assert_names_field(&output.stderr, field);
    }

    // Coded names may be written in lower case, with spaces or hyphens.
    let relaxed = write_file(
        dir.path(),
        "relaxed.json",
        r#"{
  "title": "Relaxed spelling",
  "activity_type": "policy dialogue",
  "status": "closed",
  "dates": { "planned_start": "2007-11-09" },
  "participants": [ { "organization": "IOM", "role": "co-organiser" } ]
}"#,
    );
    let output = run_client(
        "submit",
        &node.endpoint,
        &["--file", path_arg(&relaxed), "-o", "json"],
    )
    .await
    .success();
    let json = parse_json(&output.stdout);
    assert_eq!(json["activity_type"], "POLICY_DIALOGUE");
    assert_eq!(json["status"], "CLOSED");
    assert_eq!(json["participants"][0]["role"], "CO_ORGANISER");
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_node_is_unavailable() {
    let endpoint = format!("http://127.0.0.1:{}", free_port());
    for args in [vec!["list"], vec!["info"]] {
        let mut all = args.clone();
        all.extend(["--endpoint", endpoint.as_str(), "--timeout", "3"]);
        let output = crate::harness::run_concord(&all).await.failure();
        assert!(
            output.stderr.contains("UNAVAILABLE"),
            "{args:?}: {}",
            output.stderr
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_replay_with_a_limit_prints_that_many_json_lines() {
    let mut node = TestNode::start().await;
    let a = submit(&mut node.client, sample_content("A")).await;
    let b = submit(&mut node.client, sample_content("B")).await;
    node.client
        .revise(pb::ReviseRequest {
            id: a.id.clone(),
            expected_revision: 1,
            content: Some(sample_content("A, revised")),
        })
        .await
        .unwrap();
    submit(&mut node.client, sample_content("C")).await;

    let output = run_client(
        "watch",
        &node.endpoint,
        &["--replay", "--limit", "3", "-o", "json"],
    )
    .await
    .success();
    let lines: Vec<Value> = output.stdout.lines().map(parse_json).collect();
    assert_eq!(lines.len(), 3, "{}", output.stdout);
    let summary: Vec<(u64, &str, &str, u64)> = lines
        .iter()
        .map(|line| {
            (
                line["change"].as_u64().unwrap(),
                line["kind"].as_str().unwrap(),
                line["report"]["id"].as_str().unwrap(),
                line["revision"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (1, "CREATED", a.id.as_str(), 1),
            (2, "CREATED", b.id.as_str(), 1),
            (3, "REVISED", a.id.as_str(), 2),
        ]
    );

    // Resuming after change 3 gives change 4 only.
    let output = run_client(
        "watch",
        &node.endpoint,
        &["--after", "3", "--limit", "1", "-o", "json"],
    )
    .await
    .success();
    let lines: Vec<Value> = output.stdout.lines().map(parse_json).collect();
    assert_eq!(lines.len(), 1, "{}", output.stdout);
    assert_eq!(lines[0]["change"], 4);
    assert_eq!(lines[0]["report"]["title"], "C");
    node.shutdown().await;
}

#[test]
fn config_show_prints_the_effective_configuration_with_paths_resolved() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = write_file(
        dir.path(),
        "concord.toml",
        "organization = \"ESCAP\"\nlisten = \"127.0.0.1:7400\"\ndata_dir = \"/var/lib/concord\"\n\n[store]\ncache_mib = 32\n\n[metrics]\nlisten = \"127.0.0.1:9464\"\n",
    );
    let output = std::process::Command::new(crate::harness::concord_bin())
        .args([
            "config",
            "show",
            "--config",
            path_arg(&file),
            "--org",
            "IOM",
        ])
        .env_remove("CONCORD_ORG")
        .env_remove("CONCORD_LISTEN")
        .env_remove("CONCORD_DATA_DIR")
        .env_remove("CONCORD_SIGNING_KEY_FILE")
        .output()
        .expect("run concord");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    // The flag overrides the file; derived paths are resolved; the rest is the file's.
    let shown: concord::config::NodeConfig = toml::from_str(&stdout).expect("valid TOML");
    assert_eq!(shown.organization, "IOM");
    assert_eq!(shown.store.cache_mib, 32);
    assert_eq!(
        shown.metrics.listen,
        Some("127.0.0.1:9464".parse().unwrap())
    );
    assert_eq!(
        shown.signing_key_file,
        Some(PathBuf::from("/var/lib/concord/signing.key"))
    );
    assert!(shown.audit_log.is_some(), "{stdout}");
    // A bad file is refused naming the problem.
    let bad = write_file(dir.path(), "bad.toml", "organisation = \"IOM\"\n");
    let output = std::process::Command::new(crate::harness::concord_bin())
        .args(["config", "show", "--config", path_arg(&bad)])
        .output()
        .expect("run concord");
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("organisation"),
        "{output:?}"
    );
}
