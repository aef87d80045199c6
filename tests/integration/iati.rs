//! IATI import and export (issue 7) through the real `concord` binary against a real IOM
//! node: every file of `shared/data/iati` imported with exact expectations (the IOM
//! activity's fields where they belong, each should-fail file's precise errors, other
//! publishers skipped), `--dry-run`, a revision on re-import, the round trip import →
//! export → import that changes nothing, and every export validated against the IATI 2.03
//! schema with `xmllint --schema` (installed by `.ci/run`; the tests fail without it).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::harness::{NodeProcess, connect, run_client, sample_content, submit};

/// The public IATI files nobody on this project wrote: `shared/data/iati` of the
/// workplace, beside the repository or above it (`CONCORD_SHARED_DIR` names another
/// `shared` directory).
fn data_dir() -> PathBuf {
    let found = match std::env::var_os("CONCORD_SHARED_DIR") {
        Some(shared) => Some(PathBuf::from(shared).join("data/iati")),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .map(|ancestor| ancestor.join("shared/data/iati"))
            .find(|dir| dir.is_dir()),
    };
    found.filter(|dir| dir.is_dir()).unwrap_or_else(|| {
        panic!(
            "the IATI test files are missing: expected shared/data/iati beside or above {} \
             (or CONCORD_SHARED_DIR=/path/to/shared)",
            env!("CARGO_MANIFEST_DIR")
        )
    })
}

fn data(name: &str) -> String {
    data_dir()
        .join(name)
        .to_str()
        .expect("UTF-8 path")
        .to_string()
}

const IOM_FILE: &str = "diterator-activity-01.xml";
const TEST_ORG_FILE: &str = "diterator-activity-02.xml";
const ANNOTATED_FILE: &str = "iati-activity-standard-example-annotated-2.03.xml";
const TWO_REPORTING_ORGS: &str = "iati-schemas-should-fail-20-two-reporting-orgs.xml";
const SECTOR_WITHOUT_CODE: &str = "iati-schemas-should-fail-21-sector-missing-code.xml";
const TITLE_WITHOUT_NARRATIVE: &str = "iati-schemas-should-fail-22-missing-title-narrative.xml";

/// A membership where IOM also publishes as the fictitious organisation of IATI's annotated
/// example (AA-AAA-123456789), so that the full example imports at IOM's node; the test
/// publisher of `diterator-activity-02.xml` (XM-DAC-00000) stays a stranger.
const MEMBERSHIP: &str = r#"group = "iati-test"
co_chairs = ["ESCAP", "IOM"]

[[members]]
code = "IOM"
name = "International Organization for Migration"
iati_identifiers = ["XM-DAC-47066", "AA-AAA-123456789"]
aliases = ["OIM"]

[[members]]
code = "ESCAP"
name = "Economic and Social Commission for Asia and the Pacific"
"#;

struct Setup {
    dir: tempfile::TempDir,
    node: NodeProcess,
    membership: String,
}

impl Setup {
    /// An IOM node (`concord node --org IOM` on port 0) and the membership file.
    fn start() -> Setup {
        let dir = tempfile::tempdir().expect("temporary directory");
        let data_dir = dir.path().join("node");
        let args: Vec<OsString> = [
            "node",
            "--org",
            "IOM",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
        ]
        .iter()
        .map(OsString::from)
        .chain(std::iter::once(data_dir.into_os_string()))
        .collect();
        let node = NodeProcess::try_spawn_with_args(&args, &dir.path().join("logs"))
            .unwrap_or_else(|failure| panic!("concord node did not start: {failure:#?}"));
        let membership = dir.path().join("membership.toml");
        std::fs::write(&membership, MEMBERSHIP).expect("membership file");
        Setup {
            membership: membership.to_str().expect("UTF-8").to_string(),
            dir,
            node,
        }
    }

    fn path(&self, name: &str) -> String {
        self.dir
            .path()
            .join(name)
            .to_str()
            .expect("UTF-8")
            .to_string()
    }

    /// `concord import iati FILES -o json --membership M [EXTRA]`: the outcome lines and
    /// the totals; asserts the exit status (`ok`).
    async fn import(&self, files: &[String], extra: &[&str], ok: bool) -> (Vec<Value>, Value) {
        let mut args: Vec<&str> = vec!["iati"];
        args.extend(files.iter().map(String::as_str));
        args.extend(["-o", "json", "--membership", &self.membership]);
        args.extend_from_slice(extra);
        let output = run_client("import", &self.node.endpoint, &args).await;
        let output = if ok {
            output.success()
        } else {
            output.failure()
        };
        let mut lines: Vec<Value> = output
            .stdout
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("JSON line: {line}")))
            .collect();
        let totals = lines.pop().expect("a totals line")["totals"].clone();
        assert!(totals.is_object(), "{output:#?}");
        (lines, totals)
    }

    /// `concord export --format iati --out FILE [FILTERS]`, validated with xmllint.
    async fn export(&self, name: &str, filters: &[&str]) -> String {
        let out = self.path(name);
        let mut args = vec![
            "--format",
            "iati",
            "--out",
            &out,
            "--membership",
            &self.membership,
        ];
        args.extend_from_slice(filters);
        run_client("export", &self.node.endpoint, &args)
            .await
            .success();
        assert_valid_iati(Path::new(&out));
        std::fs::read_to_string(&out).expect("export written")
    }

    async fn get(&self, id: &str) -> Value {
        let output = run_client("get", &self.node.endpoint, &[id, "-o", "json"])
            .await
            .success();
        serde_json::from_str(&output.stdout).expect("JSON report")
    }
}

/// Validates `file` against the IATI 2.03 activity schema with `xmllint --schema`; fails
/// (does not skip) when xmllint is missing.
fn assert_valid_iati(file: &Path) {
    let schema = data_dir().join("schema-2.03/iati-activities-schema.xsd");
    let output = std::process::Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&schema)
        .arg(file)
        .output()
        .unwrap_or_else(|error| {
            panic!(
                "cannot run xmllint ({error}): install it (Debian package libxml2-utils; .ci/run does)"
            )
        });
    assert!(
        output.status.success(),
        "{} does not validate against the IATI 2.03 schema:\n{}\n{}",
        file.display(),
        String::from_utf8_lossy(&output.stderr),
        std::fs::read_to_string(file).unwrap_or_default()
    );
}

/// The outcome line of `file`.
fn outcome_of<'a>(outcomes: &'a [Value], file: &str) -> &'a Value {
    outcomes
        .iter()
        .find(|o| o["file"].as_str().is_some_and(|f| f.ends_with(file)))
        .unwrap_or_else(|| panic!("no outcome for {file} in {outcomes:#?}"))
}

/// (line, element, rule) of each error of an outcome.
fn errors(outcome: &Value) -> Vec<(u64, String, String)> {
    outcome["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    (
                        e["line"].as_u64().expect("line"),
                        e["element"].as_str().expect("element").to_string(),
                        e["rule"].as_str().expect("rule").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn err(line: u64, element: &str, rule: &str) -> (u64, String, String) {
    (line, element.to_string(), rule.to_string())
}

const EMPTY_IDENTIFIER: &str = "the iati-identifier is empty: IATI requires the activity's globally unique identifier, and Concord uses it to revise the report on the next import";
const ROLE_XX: &str = "role \"xx\" is not an IATI OrganisationRole code: expected 1 (funding), 2 (accountable), 3 (extending) or 4 (implementing)";
const NO_ORGANISATION: &str = "participating-org with neither @ref nor a narrative: IATI requires the organisation's identifier or its name";
const STATUS_XX: &str = "code \"xx\" is not an IATI ActivityStatus code: expected 1 (pipeline), 2 (implementation), 3 (finalisation), 4 (closed), 5 (cancelled) or 6 (suspended)";
const DATE_TYPE_XX: &str = "type \"xx\" is not an IATI ActivityDateType code: expected 1 (planned start), 2 (actual start), 3 (planned end) or 4 (actual end)";

fn assert_should_fail_errors(outcomes: &[Value]) {
    let two_orgs = outcome_of(outcomes, TWO_REPORTING_ORGS);
    assert_eq!(two_orgs["action"], "rejected");
    assert_eq!(
        errors(two_orgs),
        [
            err(
                4,
                "iati-activity",
                "no activity-status: IATI requires one, and Concord needs the status"
            ),
            err(
                4,
                "iati-activity",
                "no activity-date: IATI requires at least one, and Concord needs a start date (type 1 planned start or 2 actual start)"
            ),
            // The file's point: a second reporting-org.
            err(
                7,
                "reporting-org",
                "a second reporting-org (the first is on line 6): IATI allows exactly one per activity"
            ),
            err(8, "participating-org", ROLE_XX),
            err(8, "participating-org", NO_ORGANISATION),
            err(9, "iati-identifier", EMPTY_IDENTIFIER),
        ]
    );
    let sector = outcome_of(outcomes, SECTOR_WITHOUT_CODE);
    assert_eq!(sector["action"], "rejected");
    assert_eq!(
        errors(sector),
        [
            err(5, "iati-identifier", EMPTY_IDENTIFIER),
            err(13, "participating-org", ROLE_XX),
            err(13, "participating-org", NO_ORGANISATION),
            err(15, "activity-status", STATUS_XX),
            err(16, "activity-date", DATE_TYPE_XX),
            // The file's point: a sector without code.
            err(
                18,
                "sector",
                "sector without @code: IATI requires the sector's code"
            ),
        ]
    );
    let title = outcome_of(outcomes, TITLE_WITHOUT_NARRATIVE);
    assert_eq!(title["action"], "rejected");
    assert_eq!(
        errors(title),
        [
            err(5, "iati-identifier", EMPTY_IDENTIFIER),
            // The file's point: a title without narrative.
            err(
                8,
                "title",
                "title without narrative: IATI requires at least one narrative (the title's text) in a title"
            ),
            err(14, "participating-org", ROLE_XX),
            err(14, "participating-org", NO_ORGANISATION),
            err(15, "activity-status", STATUS_XX),
            err(16, "activity-date", DATE_TYPE_XX),
        ]
    );
}

fn every_file() -> Vec<String> {
    [
        IOM_FILE,
        TEST_ORG_FILE,
        ANNOTATED_FILE,
        TWO_REPORTING_ORGS,
        SECTOR_WITHOUT_CODE,
        TITLE_WITHOUT_NARRATIVE,
    ]
    .iter()
    .map(|name| data(name))
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_shared_file_imports_with_exact_expectations() {
    let setup = Setup::start();
    let files = every_file();

    // A dry run says what would happen and changes nothing.
    let (dry, totals) = setup.import(&files, &["--dry-run"], false).await;
    assert_eq!(outcome_of(&dry, IOM_FILE)["action"], "created");
    assert_eq!(outcome_of(&dry, IOM_FILE)["dry_run"], true);
    assert_eq!(outcome_of(&dry, IOM_FILE)["report_id"], Value::Null);
    assert_eq!(outcome_of(&dry, ANNOTATED_FILE)["action"], "created");
    assert_eq!(outcome_of(&dry, TEST_ORG_FILE)["action"], "skipped");
    assert_should_fail_errors(&dry);
    assert_eq!(totals["created"], 2);
    assert_eq!(totals["rejected"], 3);
    let mut client = connect(&setup.node.endpoint).await;
    let info = client
        .node_info(concord::rpc::pb::NodeInfoRequest {})
        .await
        .expect("node info")
        .into_inner();
    assert_eq!(info.organization, "IOM");
    assert_eq!(info.report_count, 0, "a dry run stores nothing");

    // The import: the good activities are stored, each bad one is refused with its errors.
    let (outcomes, totals) = setup.import(&files, &[], false).await;
    assert_eq!(totals["activities"], 6);
    assert_eq!(totals["created"], 2);
    assert_eq!(totals["skipped"], 1);
    assert_eq!(totals["rejected"], 3);
    assert_eq!(totals["failed"], 0);
    assert_should_fail_errors(&outcomes);
    let skipped = outcome_of(&outcomes, TEST_ORG_FILE);
    assert_eq!(skipped["action"], "skipped");
    assert_eq!(skipped["iati_identifier"], "XM-DAC-00000-0000");
    assert_eq!(
        skipped["reason"],
        "reporting-org \"XM-DAC-00000\" (Test Org) is not a member of the working group, not IOM: import it at its own node"
    );

    // The IOM activity's fields, where they belong.
    let iom = outcome_of(&outcomes, IOM_FILE);
    assert_eq!(iom["action"], "created");
    assert_eq!(iom["line"], 2);
    assert_eq!(iom["revision"], 1);
    assert_eq!(
        iom["summary"]["activity_type_reason"],
        "inferred from the transactions' aid-type B03 (contributions to programmes and funds)"
    );
    let report = setup.get(iom["report_id"].as_str().expect("id")).await;
    assert_eq!(report["organization"], "IOM");
    assert_eq!(report["iati_identifier"], "XM-DAC-47066-DP.2154");
    assert_eq!(
        report["title"],
        serde_json::json!([{"lang": "en", "text": "Promotion of Human Security through Comprehensive Health and Water, Sanitation and Hygiene (WASH) Assistance to Crisis and Conflict-Affected Populations in Somalia"}])
    );
    assert_eq!(report["summary"][0]["lang"], "en");
    assert!(
        report["summary"][0]["text"]
            .as_str()
            .expect("summary")
            .starts_with("The proposed project provides an integrated multi-sectoral life-saving")
    );
    assert_eq!(report["activity_type"], "PROGRAMME");
    assert_eq!(report["status"], "IMPLEMENTATION");
    assert_eq!(
        report["dates"],
        serde_json::json!({"planned_start": "2020-03-15", "actual_start": "2020-03-15", "planned_end": "2021-03-14", "actual_end": ""})
    );
    assert_eq!(report["countries"], serde_json::json!(["SO"]));
    assert_eq!(report["regions"], serde_json::json!([]));
    assert_eq!(
        report["themes"],
        serde_json::json!([{"vocabulary": "DAC", "code": "72010"}])
    );
    assert_eq!(
        report["participants"],
        serde_json::json!([
            {"organization": "Japan - Ministry of Foreign Affairs", "role": "FUNDING"},
            {"organization": "IOM", "role": "ACCOUNTABLE"}
        ])
    );
    assert_eq!(
        report["contact"],
        serde_json::json!({"organization": "IOM - Somalia", "email": "iomsomalia@iom.int"})
    );
    assert_eq!(report["location"], "IOM Country Office - SO");
    assert_eq!(report["links"], serde_json::json!([]));
    // Everything else is kept verbatim, in schema order, with the value it also mapped to.
    let kept: Vec<(String, String)> = report["iati_extra"]
        .as_array()
        .expect("iati_extra")
        .iter()
        .map(|e| {
            (
                e["path"].as_str().unwrap().to_string(),
                e["mapped_to"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("@humanitarian", ""),
        ("@xml:lang", ""),
        ("@default-currency", ""),
        ("reporting-org", ""),
        (
            "participating-org",
            r#"participants: {"organization":"Japan - Ministry of Foreign Affairs","role":"FUNDING"}"#,
        ),
        (
            "participating-org",
            r#"participants: {"organization":"IOM","role":"ACCOUNTABLE"}"#,
        ),
        ("activity-date", r#"dates.planned_start: "2020-03-15""#),
        ("activity-date", r#"dates.actual_start: "2020-03-15""#),
        ("activity-date", r#"dates.planned_end: "2021-03-14""#),
        (
            "contact-info",
            r#"contact: {"organization":"IOM - Somalia","email":"iomsomalia@iom.int"}"#,
        ),
        ("location", r#"location: "IOM Country Office - SO""#),
        ("location", ""),
        ("sector", r#"themes: {"vocabulary":"DAC","code":"72010"}"#),
        ("sector", ""),
        ("sector", ""),
        ("policy-marker", ""),
        ("budget", ""),
        ("capital-spend", ""),
        ("transaction", ""),
    ]
    .iter()
    .map(|(p, m)| (p.to_string(), m.to_string()))
    .collect();
    assert_eq!(kept, expected);
    let transaction = report["iati_extra"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == "transaction")
        .unwrap();
    assert!(
        transaction["xml"]
            .as_str()
            .unwrap()
            .contains(r#"<value currency="USD" value-date="2020-03-01">1459753.72</value>"#)
    );
    // What was dropped is said: d-portal's harvest attributes, not activity content.
    let dropped: Vec<&str> = iom["summary"]["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "dropped")
        .map(|n| n["element"].as_str().unwrap())
        .collect();
    assert_eq!(
        dropped,
        [
            "@dstore:dataset",
            "@dstore:index",
            "@iati-activities:generated-datetime",
            "@iati-activities:version"
        ]
    );

    // IATI's annotated example: three languages, a DAC region mapped to UN M49, 3-digit DAC
    // categories; its document link's URL ("http:www...") is kept, not a link.
    let annotated = outcome_of(&outcomes, ANNOTATED_FILE);
    assert_eq!(annotated["action"], "created");
    assert_eq!(
        annotated["summary"]["activity_type_reason"],
        "inferred from default-aid-type A01 (budget support)"
    );
    let report = setup.get(annotated["report_id"].as_str().unwrap()).await;
    assert_eq!(report["iati_identifier"], "AA-AAA-123456789-ABC123");
    let langs: Vec<&str> = report["title"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["lang"].as_str().unwrap())
        .collect();
    assert_eq!(langs, ["en", "fr", "es"]);
    assert_eq!(report["countries"], serde_json::json!(["AF", "AG"]));
    assert_eq!(report["regions"], serde_json::json!(["005"]));
    assert_eq!(
        report["themes"],
        serde_json::json!([{"vocabulary": "DAC", "code": "111"}, {"vocabulary": "DAC", "code": "112"}])
    );
    assert_eq!(
        report["participants"],
        serde_json::json!([
            {"organization": "Name of Agency B", "role": "FUNDING"},
            {"organization": "Name of Agency C", "role": "ACCOUNTABLE"},
            {"organization": "IOM", "role": "EXTENDING"}
        ])
    );
    assert_eq!(
        report["contact"],
        serde_json::json!({"organization": "Agency A", "unit": "Department B", "email": "transparency@example.org", "person": "A. Example"})
    );
    assert_eq!(report["location"], "Location name");
    assert_eq!(report["links"], serde_json::json!([]));
    let paths: Vec<&str> = report["iati_extra"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    for path in [
        "other-identifier",
        "result",
        "crs-add",
        "fss",
        "document-link",
        "related-activity",
        "conditions",
        "@budget-not-provided",
    ] {
        assert!(paths.contains(&path), "{path} not kept: {paths:?}");
    }

    // Importing the same files again changes nothing.
    let (again, totals) = setup.import(&files, &[], false).await;
    assert_eq!(totals["created"], 0);
    assert_eq!(totals["revised"], 0);
    assert_eq!(totals["unchanged"], 2);
    assert_eq!(outcome_of(&again, IOM_FILE)["report_id"], iom["report_id"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_export_import_changes_nothing_and_exports_validate() {
    let setup = Setup::start();
    // A report that never was IATI, beside the imported ones.
    let mut client = connect(&setup.node.endpoint).await;
    let native = submit(
        &mut client,
        sample_content("Regional consultation on labour migration"),
    )
    .await;

    let files = [data(IOM_FILE), data(ANNOTATED_FILE)];
    let (first, _) = setup.import(&files, &[], true).await;
    assert!(first.iter().all(|o| o["action"] == "created"), "{first:#?}");

    // Export everything: valid IATI 2.03.
    let exported = setup.export("all.xml", &[]).await;
    assert_eq!(exported.matches("<iati-activity").count(), 3);
    assert!(exported.contains("<iati-identifier>XM-DAC-47066-DP.2154</iati-identifier>"));
    assert!(exported.contains(&format!(
        "<iati-identifier>XM-DAC-47066-{}</iati-identifier>",
        native.id
    )));

    // Import the export: every activity is unchanged (the native report is recognised by
    // its concord:report id, the others by their identifiers).
    let (second, totals) = setup.import(&[setup.path("all.xml")], &[], true).await;
    assert_eq!(totals["unchanged"], 3, "{second:#?}");
    assert_eq!(totals["created"], 0);
    assert_eq!(totals["revised"], 0);
    let ids: Vec<&str> = second
        .iter()
        .map(|o| o["report_id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&native.id.as_str()));

    // And the next export is the same document (but for its time stamp).
    let again = setup.export("again.xml", &[]).await;
    let without_stamp = |xml: &str| {
        xml.lines()
            .filter(|l| !l.starts_with("<iati-activities "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(without_stamp(&again), without_stamp(&exported));

    // A changed activity revises its report; the export follows.
    let original = std::fs::read_to_string(data(IOM_FILE)).unwrap();
    let changed = original
        .replace(
            "<activity-status code=\"2\"/>",
            "<activity-status code=\"4\"/>",
        )
        .replace(
            "in Somalia</narrative>",
            "in Somalia (phase II)</narrative>",
        );
    let changed_path = setup.path("changed.xml");
    std::fs::write(&changed_path, changed).unwrap();
    let (dry, _) = setup
        .import(std::slice::from_ref(&changed_path), &["--dry-run"], true)
        .await;
    assert_eq!(dry[0]["action"], "revised");
    assert_eq!(dry[0]["changed"], serde_json::json!(["title", "status"]));
    let (revised, _) = setup.import(&[changed_path], &[], true).await;
    assert_eq!(revised[0]["action"], "revised");
    assert_eq!(revised[0]["revision"], 2);
    let report = setup.get(revised[0]["report_id"].as_str().unwrap()).await;
    assert_eq!(report["status"], "CLOSED");

    // Filters of the consolidated view apply; stdout works too.
    let somalia = setup.export("somalia.xml", &["--country", "SO"]).await;
    assert_eq!(somalia.matches("<iati-activity").count(), 1);
    assert!(somalia.contains("<activity-status code=\"4\"/>"));
    assert!(somalia.contains("(phase II)"));
    let stdout = run_client(
        "export",
        &setup.node.endpoint,
        &[
            "--format",
            "iati",
            "--membership",
            &setup.membership,
            "--org",
            "IOM",
        ],
    )
    .await
    .success();
    let stdout_file = setup.path("stdout.xml");
    std::fs::write(&stdout_file, &stdout.stdout).unwrap();
    assert_valid_iati(Path::new(&stdout_file));
    assert_eq!(stdout.stdout.matches("<iati-activity").count(), 3);

    // Nothing to export is an error, not an invalid document; no file is left behind.
    let empty = setup.path("empty.xml");
    let refused = run_client(
        "export",
        &setup.node.endpoint,
        &["--format", "iati", "--out", &empty, "--country", "FJ"],
    )
    .await
    .failure();
    assert!(
        refused.stderr.contains("no report to export"),
        "{refused:#?}"
    );
    assert!(!Path::new(&empty).exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_files_and_bad_activities_do_not_stop_the_others() {
    let setup = Setup::start();
    // One bad activity (an impossible date) between two good ones, then a syntax error.
    let original = std::fs::read_to_string(data(IOM_FILE)).unwrap();
    let body = |identifier: &str, date: &str| {
        original
            .lines()
            .skip(1)
            .collect::<Vec<_>>()
            .join("\n")
            .replace("XM-DAC-47066-DP.2154", identifier)
            .replace(
                "iso-date=\"2021-03-14\" type=\"3\"",
                &format!("iso-date=\"{date}\" type=\"3\""),
            )
    };
    let document = format!(
        "<?xml version=\"1.0\"?>\n<iati-activities version=\"2.03\">\n{}\n{}\n{}\n<iati-activity><title></iati-activity>\n</iati-activities>\n",
        body("XM-DAC-47066-A", "2021-03-14"),
        body("XM-DAC-47066-B", "2021-02-30"),
        body("XM-DAC-47066-C", "2021-03-14"),
    );
    let path = setup.path("mixed.xml");
    std::fs::write(&path, &document).unwrap();
    let missing = setup.path("missing.xml");
    let output = run_client(
        "import",
        &setup.node.endpoint,
        &["iati", &path, &missing, "--membership", &setup.membership],
    )
    .await
    .failure();
    assert!(
        output.stdout.contains("created        XM-DAC-47066-A"),
        "{output:#?}"
    );
    assert!(
        output.stdout.contains("created        XM-DAC-47066-C"),
        "{output:#?}"
    );
    assert!(
        output.stdout.contains("rejected       XM-DAC-47066-B"),
        "{output:#?}"
    );
    let bad_date_line = document
        .lines()
        .position(|l| l.contains("2021-02-30"))
        .unwrap()
        + 1;
    assert!(
        output.stdout.contains(&format!(
            "line {bad_date_line}: activity-date: impossible date in @iso-date: \"2021-02-30\" is not a valid date: February 2021 has 28 days"
        )),
        "{output:#?}"
    );
    let syntax_line = document.lines().count() - 1;
    assert!(
        output
            .stderr
            .contains(&format!("mixed.xml: line {syntax_line}: malformed XML")),
        "{output:#?}"
    );
    assert!(output.stderr.contains("cannot open"), "{output:#?}");
    assert!(
        output
            .stdout
            .contains("IOM: 2 file(s), 3 activities: 2 created, 0 revised, 0 unchanged, 0 skipped, 1 rejected, 0 failed; 2 file(s) could not be read to the end"),
        "{output:#?}"
    );
}
