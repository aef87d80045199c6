//! Exports and the situation report (issue 5): the streamed `concord.v1.View/Export` (CSV
//! with an HXL hashtag row, JSON lines), `concord export --format csv|jsonl`, and
//! `concord report`, rendered in headless Chromium.
//!
//! Reports reach the test nodes as other members' signed logs, ingested through
//! `Ledger::ingest_batch` as replication would, so ids and times are fixed and outputs can
//! be compared byte for byte.
//!
//! The Chromium test needs Debian's `chromium` (`.ci/run` installs it): it fails, never
//! skips, when the browser is missing. Its screenshot and page are kept under the cargo
//! target directory (`tmp/concord-sitrep/`) for a person to look at.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use concord::config::NodeConfig;
use concord::log::{Change, EntryBody, EntryHash, SignedEntry};
use concord::node::RunningNode;
use concord::report::validate::validate_draft;
use concord::report::{Date, ReportContent, ReportDraft};
use concord::rpc::client::{Client, ExportFormat, ViewFilters, parse_time};
use concord::rpc::{codec, pb};
use concord::view::export::{self, ExportRecord};
use concord::view::sitrep::{self, SituationReport};
use futures_util::StreamExt;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::harness::{PATIENCE, run_client};

const DAY_MS: i64 = 86_400_000;

// ---------------------------------------------------------------------------------------
// Signed logs of other members, and a node holding them
// ---------------------------------------------------------------------------------------

/// A deterministic signing key per organization.
fn signing_key(organization: &str) -> ed25519_dalek::SigningKey {
    let mut seed = [7u8; 32];
    for (i, byte) in organization.bytes().enumerate() {
        seed[i % 32] ^= byte;
    }
    ed25519_dalek::SigningKey::from_bytes(&seed)
}

/// One organization's log, written entry by entry.
struct Log {
    organization: String,
    key: ed25519_dalek::SigningKey,
    sequence: u64,
    previous: EntryHash,
    entries: Vec<Vec<u8>>,
}

impl Log {
    fn new(organization: &str) -> Log {
        Log {
            organization: organization.to_string(),
            key: signing_key(organization),
            sequence: 0,
            previous: EntryHash::GENESIS,
            entries: Vec::new(),
        }
    }

    fn body(&mut self, id: Uuid, revision: u64, at_ms: i64, change: Change) -> EntryBody {
        self.sequence += 1;
        EntryBody {
            organization: self.organization.clone(),
            sequence: self.sequence,
            previous_hash: self.previous,
            authored_at_unix_ms: at_ms,
            report_id: id,
            revision,
            epoch: 1,
            change,
        }
    }

    fn push(&mut self, entry: SignedEntry) {
        self.previous = entry.hash();
        self.entries.push(codec::encode_signed_entry(&entry));
    }

    /// Creates (revision 1) or revises report `id`.
    fn put(&mut self, id: Uuid, revision: u64, content: &ReportContent, at_ms: i64) {
        let body = self.body(
            id,
            revision,
            at_ms,
            Change::Withdrawal {
                reason: String::new(),
            },
        );
        let entry = codec::sign_content_entry(body, content, &self.key);
        self.push(entry);
    }

    /// Withdraws report `id` (its revision after the withdrawal).
    fn withdraw(&mut self, id: Uuid, revision: u64, reason: &str, at_ms: i64) {
        let body = self.body(
            id,
            revision,
            at_ms,
            Change::Withdrawal {
                reason: reason.to_string(),
            },
        );
        let entry = SignedEntry::sign(codec::encode_entry_body(&body), &self.key);
        self.push(entry);
    }

    fn take(&mut self) -> Vec<Vec<u8>> {
        std::mem::take(&mut self.entries)
    }
}

/// Applies `entries` at `node` as received from a peer; every one must apply.
async fn ingest(node: &RunningNode, entries: Vec<Vec<u8>>) {
    let keys_of = |organization: &str| Some(vec![signing_key(organization).verifying_key()]);
    for chunk in entries.chunks(400) {
        for (i, outcome) in node
            .ledger()
            .ingest_batch(chunk.to_vec(), keys_of)
            .await
            .into_iter()
            .enumerate()
        {
            assert!(
                matches!(outcome, Ok(concord::ledger::IngestOutcome::Applied)),
                "entry {i} of a chunk: {outcome:?}"
            );
        }
    }
}

/// A standalone plaintext node of UNIAP (which posts nothing itself).
async fn start_node(handler_timeout_secs: u64) -> (RunningNode, Client, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut config = NodeConfig {
        organization: "UNIAP".to_string(),
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        data_dir: dir.path().join("node"),
        ..NodeConfig::default()
    };
    config.store.cache_mib = 32;
    config.shutdown.grace_secs = 5;
    config.limits.handler_timeout_secs = handler_timeout_secs;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .expect("bind 127.0.0.1:0");
    let node = concord::node::start(config, listener)
        .await
        .expect("node starts");
    let client = Client::connect(&node.endpoint(), Duration::from_secs(60))
        .await
        .expect("connect");
    (node, client, dir)
}

async fn stop(node: RunningNode) {
    tokio::time::timeout(PATIENCE, node.shutdown())
        .await
        .expect("node stops within the deadline")
        .expect("node stops cleanly");
}

/// Validated content from a report file's JSON.
fn content(report_file: Value) -> ReportContent {
    let draft: ReportDraft = serde_json::from_value(report_file).expect("a report file");
    validate_draft(&draft, Date::MAX)
        .unwrap_or_else(|violations| panic!("invalid test report: {violations:?}"))
}

/// A UUID v7 of time `ms` with `n` in its random bits.
fn v7(ms: i64, n: u64) -> Uuid {
    let ms = (ms as u128) & ((1 << 48) - 1);
    Uuid::from_u128(
        (ms << 80) | (0x7 << 76) | (((n >> 62) as u128 & 0xfff) << 64) | (0b10 << 62) | {
            (n as u128) & ((1 << 62) - 1)
        },
    )
}

/// The whole export of `filters` through the typed client, and its chunk sizes.
async fn export_all(
    client: &Client,
    filters: &ViewFilters,
    format: ExportFormat,
) -> (Vec<u8>, Vec<usize>) {
    let mut stream = Box::pin(client.export(filters, format).await.expect("export starts"));
    let mut bytes = Vec::new();
    let mut sizes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.expect("export chunk");
        sizes.push(chunk.len());
        bytes.extend_from_slice(&chunk);
    }
    (bytes, sizes)
}

// ---------------------------------------------------------------------------------------
// Three known reports and their exact CSV
// ---------------------------------------------------------------------------------------

const ID_A: &str = "018f3262-6a00-7000-8000-00000000000a";
const ID_B: &str = "018f3262-6a00-7000-8000-00000000000b";
const ID_C: &str = "018f3262-6a00-7000-8000-00000000000c";

/// A training in three languages with commas, quotes and line ends in its texts.
fn report_a() -> ReportContent {
    content(json!({
        "title": [
            {"lang": "en", "text": "Workshop on \"fair recruitment\", fees and costs"},
            {"lang": "fr", "text": "Atelier sur le recrutement équitable"},
            {"lang": "th", "text": "การประชุมเชิงปฏิบัติการ"}
        ],
        "summary": [{"lang": "en", "text": "Day 1: costs, fees.\nDay 2: \"zero-fee\" pledges."}],
        "activity_type": "TRAINING",
        "status": "IMPLEMENTATION",
        "dates": {"planned_start": "2024-05-06", "actual_start": "2024-05-06", "planned_end": "2024-05-08"},
        "countries": ["KH", "KR", "TH"],
        "regions": ["035", "ESCAP"],
        "themes": [
            {"vocabulary": "GCM", "code": "6"}, {"vocabulary": "SDG", "code": "10.7"},
            {"vocabulary": "DAC", "code": "15190"}, {"vocabulary": "RTWG", "code": "labour-migration"}
        ],
        "target_groups": ["MIGRANT_WORKERS", "EMPLOYERS_AND_RECRUITERS"],
        "participants": [
            {"organization": "ILO", "role": "IMPLEMENTING"},
            {"organization": "Ministry of Labour, Cambodia", "role": "CO_ORGANISER"}
        ],
        "related": [{"report_id": ID_B, "relation": "FOLLOW_UP"}],
        "location": "Bangkok, Thailand",
        "links": [{"url": "https://example.org/a?x=1,2"}, {"url": "https://example.org/b", "title": "B"}],
        "contact": {"organization": "IOM", "unit": "Labour Mobility, Bangkok",
                    "email": "lm@example.org", "person": "A. \"Sam\" Lee"},
        "iati_identifier": "XM-DAC-47066-KH-2024-01"
    }))
}

/// A plain, finished study.
fn report_b() -> ReportContent {
    content(json!({
        "title": "Remittance data review",
        "activity_type": "RESEARCH",
        "status": "CLOSED",
        "dates": {"actual_start": "2023-01-10", "actual_end": "2023-03-31"},
        "countries": ["PH"],
        "themes": [{"vocabulary": "GCM", "code": "20"}]
    }))
}

/// A meeting posted by mistake, then withdrawn.
fn report_c() -> ReportContent {
    content(json!({
        "title": "Coordination meeting",
        "activity_type": "MEETING",
        "status": "PIPELINE",
        "dates": {"planned_start": "2024-07-01"},
        "countries": ["VN"],
        "location": "Hà Nội"
    }))
}

const A_CREATED: i64 = 1_714_550_400_000; // 2024-05-01T08:00:00.000Z
const A_REVISED: i64 = 1_716_214_530_000; // 2024-05-20T14:15:30.000Z
const B_CREATED: i64 = 1_680_421_500_000; // 2023-04-02T07:45:00.000Z
const C_CREATED: i64 = 1_717_236_000_000; // 2024-06-01T10:00:00.000Z
const C_WITHDRAWN: i64 = 1_717_320_600_250; // 2024-06-02T09:30:00.250Z

const CSV_HEADER: &str = "id,organization,revision,created_at,updated_at,withdrawn,title,titles,summary,summaries,activity_type,status,status_code,start,end,planned_start,actual_start,planned_end,actual_end,countries,country_names,regions,themes,target_groups,participants,related,location,contact_organization,contact_unit,contact_email,contact_person,links,iati_identifier,withdrawal_reason\r\n\
#activity +id,#org +code,#meta +revision,#date +created,#date +updated,#status +withdrawn,#activity +name,#activity +name +all_languages,#description,#description +all_languages,#activity +type,#status,#status +code,#date +start,#date +end,#date +start +planned,#date +start +actual,#date +end +planned,#date +end +actual,#country +code,#country +name,#region +code,#sector +code,#beneficiary +type,#org +partner,#activity +related,#loc +name,#contact +org,#contact +unit,#contact +email,#contact +name,#meta +url,#activity +code +iati,#description +withdrawal\r\n";

const CSV_ROW_C: &str = "018f3262-6a00-7000-8000-00000000000c,IOM,2,2024-06-01T10:00:00.000Z,2024-06-02T09:30:00.250Z,true,Coordination meeting,Coordination meeting,,,MEETING,PIPELINE,1,2024-07-01,2024-07-01,2024-07-01,,,,VN,Viet Nam,,,,,,Hà Nội,,,,,,,\"posted twice, by \"\"mistake\"\"\"\r\n";

const CSV_ROW_B: &str = "018f3262-6a00-7000-8000-00000000000b,ESCAP,1,2023-04-02T07:45:00.000Z,2023-04-02T07:45:00.000Z,false,Remittance data review,Remittance data review,,,RESEARCH,CLOSED,4,2023-01-10,2023-03-31,,2023-01-10,,2023-03-31,PH,Philippines,,GCM:20,,,,,,,,,,,\r\n";

const CSV_ROW_A: &str = "018f3262-6a00-7000-8000-00000000000a,IOM,2,2024-05-01T08:00:00.000Z,2024-05-20T14:15:30.000Z,false,\
\"Workshop on \"\"fair recruitment\"\", fees and costs\",\
\"en: Workshop on \"\"fair recruitment\"\", fees and costs | fr: Atelier sur le recrutement équitable | th: การประชุมเชิงปฏิบัติการ\",\
\"Day 1: costs, fees.\nDay 2: \"\"zero-fee\"\" pledges.\",\
\"en: Day 1: costs, fees.\nDay 2: \"\"zero-fee\"\" pledges.\",\
TRAINING,IMPLEMENTATION,2,2024-05-06,2024-05-08,2024-05-06,2024-05-06,2024-05-08,,\
KH | KR | TH,\"Cambodia | Korea, Republic of | Thailand\",035 | ESCAP,\
GCM:6 | SDG:10.7 | DAC:15190 | RTWG:labour-migration,MIGRANT_WORKERS | EMPLOYERS_AND_RECRUITERS,\
\"ILO (IMPLEMENTING) | Ministry of Labour, Cambodia (CO_ORGANISER)\",\
FOLLOW_UP 018f3262-6a00-7000-8000-00000000000b,\"Bangkok, Thailand\",IOM,\"Labour Mobility, Bangkok\",lm@example.org,\
\"A. \"\"Sam\"\" Lee\",\"https://example.org/a?x=1,2 | https://example.org/b\",XM-DAC-47066-KH-2024-01,\r\n";

const C_REASON: &str = "posted twice, by \"mistake\"";

fn record<'a>(
    id: &str,
    organization: &'a str,
    revision: u64,
    times: (i64, i64),
    withdrawal_reason: &'a str,
    content: &'a ReportContent,
) -> ExportRecord<'a> {
    ExportRecord {
        id: Uuid::parse_str(id).expect("id"),
        organization,
        revision,
        created_at_ms: times.0,
        updated_at_ms: times.1,
        withdrawn: !withdrawal_reason.is_empty(),
        withdrawal_reason,
        content,
    }
}

#[test]
fn csv_with_hxl_is_exact_for_known_reports() {
    let (a, b, c) = (report_a(), report_b(), report_c());
    let mut out = Vec::new();
    let format = export::ExportFormat::CsvHxl;
    format.begin(&mut out);
    for record in [
        record(ID_C, "IOM", 2, (C_CREATED, C_WITHDRAWN), C_REASON, &c),
        record(ID_B, "ESCAP", 1, (B_CREATED, B_CREATED), "", &b),
        record(ID_A, "IOM", 2, (A_CREATED, A_REVISED), "", &a),
    ] {
        format.record(&mut out, &record);
    }
    let text = String::from_utf8(out).expect("UTF-8");
    let expected = format!("{CSV_HEADER}{CSV_ROW_C}{CSV_ROW_B}{CSV_ROW_A}");
    for (got, want) in text.split("\r\n").zip(expected.split("\r\n")) {
        assert_eq!(got, want);
    }
    assert_eq!(text, expected);
}

/// The three known reports as other members' logs (A revised once, C withdrawn).
fn known_logs() -> Vec<Vec<u8>> {
    let id = |text: &str| Uuid::parse_str(text).expect("id");
    let mut escap = Log::new("ESCAP");
    escap.put(id(ID_B), 1, &report_b(), B_CREATED);
    let mut iom = Log::new("IOM");
    let mut first = report_a();
    first.title.truncate(2);
    iom.put(id(ID_A), 1, &first, A_CREATED);
    iom.put(id(ID_A), 2, &report_a(), A_REVISED);
    iom.put(id(ID_C), 1, &report_c(), C_CREATED);
    iom.withdraw(id(ID_C), 2, C_REASON, C_WITHDRAWN);
    let mut entries = escap.take();
    entries.extend(iom.take());
    entries
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_streams_exact_csv_and_json_lines_that_parse_back() {
    let (node, client, dir) = start_node(30).await;
    ingest(&node, known_logs()).await;
    let everything = ViewFilters {
        include_withdrawn: true,
        ..ViewFilters::default()
    };

    // CSV through the RPC: newest first, byte for byte.
    let (csv, sizes) = export_all(&client, &everything, ExportFormat::CsvHxl).await;
    assert_eq!(sizes.len(), 1, "a small export is one chunk");
    assert_eq!(
        String::from_utf8(csv.clone()).expect("UTF-8"),
        format!("{CSV_HEADER}{CSV_ROW_C}{CSV_ROW_B}{CSV_ROW_A}")
    );
    // Without withdrawn reports, and with a filter.
    let (standing, _) = export_all(&client, &ViewFilters::default(), ExportFormat::CsvHxl).await;
    assert_eq!(
        String::from_utf8(standing).expect("UTF-8"),
        format!("{CSV_HEADER}{CSV_ROW_B}{CSV_ROW_A}")
    );
    let korea = ViewFilters {
        countries: vec!["KOR".into()],
        ..ViewFilters::default()
    };
    let (only_a, _) = export_all(&client, &korea, ExportFormat::CsvHxl).await;
    assert_eq!(
        String::from_utf8(only_a).expect("UTF-8"),
        format!("{CSV_HEADER}{CSV_ROW_A}")
    );
    // Ranked by text: only what the words select.
    let words = ViewFilters {
        text: Some("remittance data".into()),
        ..ViewFilters::default()
    };
    let (only_b, _) = export_all(&client, &words, ExportFormat::CsvHxl).await;
    assert_eq!(
        String::from_utf8(only_b).expect("UTF-8"),
        format!("{CSV_HEADER}{CSV_ROW_B}")
    );
    // Nothing matches: the two header rows alone.
    let nowhere = ViewFilters {
        countries: vec!["MN".into()],
        ..ViewFilters::default()
    };
    let (empty, _) = export_all(&client, &nowhere, ExportFormat::CsvHxl).await;
    assert_eq!(String::from_utf8(empty).expect("UTF-8"), CSV_HEADER);

    // JSON lines: each line is what `concord get -o json` prints, and its report-file part
    // reads back as the same content.
    let (lines, _) = export_all(&client, &everything, ExportFormat::JsonLines).await;
    let lines = String::from_utf8(lines).expect("UTF-8");
    assert!(lines.ends_with('\n'));
    let parsed: Vec<Value> = lines
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect();
    let ids: Vec<&str> = parsed.iter().map(|v| v["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [ID_C, ID_B, ID_A]);
    for (line, expected) in parsed.iter().zip([report_c(), report_b(), report_a()]) {
        let id = line["id"].as_str().unwrap();
        let fetched = client.get(id).await.expect("get");
        assert_eq!(
            *line,
            serde_json::to_value(&fetched).expect("JSON"),
            "the line of {id} is `concord get -o json`'s object"
        );
        let mut file = line.as_object().expect("object").clone();
        for node_field in [
            "id",
            "organization",
            "revision",
            "created_at",
            "updated_at",
            "withdrawn",
            "withdrawal_reason",
        ] {
            file.remove(node_field);
        }
        let draft: ReportDraft =
            serde_json::from_value(Value::Object(file)).expect("the rest is a report file");
        assert_eq!(validate_draft(&draft, Date::MAX), Ok(expected), "{id}");
    }
    assert_eq!(parsed[0]["withdrawn"], json!(true));
    assert_eq!(parsed[0]["withdrawal_reason"], json!(C_REASON));
    assert_eq!(parsed[2]["updated_at"], json!("2024-05-20T14:15:30.000Z"));

    // The same from the command line: CSV to a file, JSON lines to standard output.
    let endpoint = node.endpoint();
    let out = dir.path().join("exports").join("all.csv");
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let ran = run_client(
        "export",
        &endpoint,
        &[
            "--format",
            "csv",
            "--include-withdrawn",
            "--out",
            out.to_str().unwrap(),
        ],
    )
    .await
    .success();
    assert!(
        ran.stderr.contains("exported 3 report(s) as CSV"),
        "{}",
        ran.stderr
    );
    assert_eq!(std::fs::read(&out).expect("the file"), csv);
    let ran = run_client(
        "export",
        &endpoint,
        &["--format", "jsonl", "--include-withdrawn"],
    )
    .await
    .success();
    assert_eq!(ran.stdout, lines);
    assert!(ran.stderr.contains("exported 3 report(s) as JSON lines"));
    let ran = run_client(
        "export",
        &endpoint,
        &[
            "--format",
            "jsonl",
            "--region",
            "ESCAP",
            "--topic",
            "recruitment",
        ],
    )
    .await
    .success();
    assert_eq!(ran.stdout.lines().count(), 1, "{}", ran.stdout);
    assert!(ran.stdout.contains(ID_A));

    // A failed export leaves the file it would replace as it was, and no partial file.
    std::fs::write(&out, "kept").unwrap();
    let failed = run_client(
        "export",
        &endpoint,
        &[
            "--format",
            "csv",
            "--country",
            "XX",
            "--out",
            out.to_str().unwrap(),
        ],
    )
    .await
    .failure();
    assert!(
        failed.stderr.contains("filter.countries[0]"),
        "{}",
        failed.stderr
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "kept");
    let names: Vec<String> = std::fs::read_dir(out.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["all.csv"], "no temporary file left behind");
    // View-only filters are refused for IATI rather than ignored.
    run_client("export", &endpoint, &["--format", "iati", "--topic", "x"])
        .await
        .failure();

    // A request without a format is refused, naming the field.
    let mut raw = pb::view_client::ViewClient::new(
        tonic::transport::Channel::from_shared(endpoint.clone())
            .unwrap()
            .connect()
            .await
            .unwrap(),
    );
    let status = raw
        .export(pb::ExportRequest {
            filter: None,
            format: 0,
        })
        .await
        .expect_err("no format");
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    let error = concord::rpc::client::ClientError::from(status);
    assert_eq!(error.violations[0].field, "format");
    stop(node).await;
}

// ---------------------------------------------------------------------------------------
// A large export, streamed past the handler time-out while the data changes
// ---------------------------------------------------------------------------------------

const LARGE: usize = 3_000;

fn bulk_report(i: usize) -> ReportContent {
    const COUNTRIES: [&str; 12] = [
        "KH", "TH", "LA", "VN", "MM", "PH", "ID", "MY", "NP", "BD", "LK", "MN",
    ];
    const THEMES: [(&str, &str); 6] = [
        ("GCM", "10"),
        ("GCM", "20"),
        ("SDG", "8.8"),
        ("DAC", "15190"),
        ("RTWG", "health"),
        ("GCM", "6"),
    ];
    let year = 1990 + (i % 30);
    let (vocabulary, code) = THEMES[i % THEMES.len()];
    // About 4 KB a report, so the first page alone outweighs what the connection buffers.
    let summary = format!("Bulk report {i}, part of a series of studies. ").repeat(80);
    content(json!({
        "title": format!("Study {i} of migration corridors"),
        "summary": summary,
        "activity_type": "RESEARCH",
        "status": "CLOSED",
        "dates": {"actual_start": format!("{year}-02-01"), "actual_end": format!("{year}-03-01")},
        "countries": [COUNTRIES[i % COUNTRIES.len()]],
        "themes": [{"vocabulary": vocabulary, "code": code}]
    }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_export_streams_completely_past_the_handler_time_out() {
    // Unary calls must answer within a second here; the export takes several.
    let (node, client, dir) = start_node(1).await;
    let base = 1_600_000_000_000i64;
    let mut log = Log::new("IOM");
    let ids: Vec<Uuid> = (0..LARGE)
        .map(|i| v7(base + i as i64 * 1000, i as u64))
        .collect();
    for (i, id) in ids.iter().enumerate() {
        log.put(*id, 1, &bulk_report(i), base + i as i64 * 1000);
    }
    ingest(&node, log.take()).await;

    let started = Instant::now();
    let mut stream = Box::pin(
        client
            .export(&ViewFilters::default(), ExportFormat::JsonLines)
            .await
            .expect("export starts"),
    );
    let mut bytes = Vec::new();
    let mut sizes = Vec::new();
    let mut changed = false;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.expect("the export is never cut");
        sizes.push(chunk.len());
        bytes.extend_from_slice(&chunk);
        if !changed {
            changed = true;
            // While the first page is being sent: ten reports arrive (newer than all), and
            // forty already read are withdrawn, moving every later report forward.
            let later = base + LARGE as i64 * 1000;
            for n in 0..10 {
                let id = v7(later + n * 1000, 1_000_000 + n as u64);
                log.put(id, 1, &bulk_report(n as usize), later + n * 1000);
            }
            for (n, id) in ids.iter().rev().take(40).enumerate() {
                log.withdraw(
                    *id,
                    2,
                    "withdrawn during the export",
                    later + 20_000 + n as i64,
                );
            }
            ingest(&node, log.take()).await;
        }
        // A slow reader: the export lasts well beyond the one-second handler time-out.
        tokio::time::sleep(Duration::from_millis(12)).await;
    }
    let elapsed = started.elapsed();
    assert!(
        elapsed > Duration::from_secs(2),
        "the export took {elapsed:?}: too fast to show the time-out does not cut it"
    );
    assert!(sizes.len() > 100, "{} chunks", sizes.len());
    let (last, full) = sizes.split_last().unwrap();
    assert!(full.iter().all(|size| *size == 64 * 1024), "{sizes:?}");
    assert!(*last > 0 && *last <= 64 * 1024);
    let text = String::from_utf8(bytes).expect("UTF-8");
    let exported: Vec<Uuid> = text
        .lines()
        .map(|line| {
            let value: Value = serde_json::from_str(line).expect("a whole JSON line");
            Uuid::parse_str(value["id"].as_str().expect("id")).expect("uuid")
        })
        .collect();
    // Every report there was when the export started, once each, newest first: the
    // arrivals and withdrawals neither repeated nor skipped any.
    assert_eq!(exported.len(), LARGE);
    let mut expected = ids.clone();
    expected.reverse();
    assert_eq!(exported, expected);
    assert_eq!(exported.iter().collect::<HashSet<_>>().len(), LARGE);

    // The command line writes the whole export to the file, now without the withdrawn.
    let out = dir.path().join("large.jsonl");
    let ran = run_client(
        "export",
        &node.endpoint(),
        &["--format", "jsonl", "--out", out.to_str().unwrap()],
    )
    .await
    .success();
    let written = std::fs::read_to_string(&out).expect("the file");
    assert_eq!(written.lines().count(), LARGE + 10 - 40);
    assert!(
        ran.stderr
            .contains(&format!("exported {} report(s)", LARGE + 10 - 40)),
        "{}",
        ran.stderr
    );
    stop(node).await;
}

// ---------------------------------------------------------------------------------------
// The situation report
// ---------------------------------------------------------------------------------------

const EVIL_TITLE: &str =
    "<script>alert(\"x\")</script> & <img src=x onerror=alert(1)> \"quoted\" 'single'";

/// A page from known data: every section shows its values, and no text injects markup.
#[test]
fn the_situation_report_shows_known_values_and_escapes_every_text() {
    let data = SituationReport {
        title: "Situation report".into(),
        group: "RTWG <Asia & Pacific>".into(),
        node: "ESCAP".into(),
        generated_at: "2027-01-15T09:00:00.000Z".into(),
        since: "2026-10-01".into(),
        until: None,
        active_reports: vec![("IOM".into(), 2), ("UNODC".into(), 1)],
        active_total: 3,
        matrix: sitrep::Heatmap {
            rows: vec!["KH".into(), "MN".into(), "TH".into()],
            columns: vec!["health".into(), "remittances".into(), "trafficking".into()],
            cells: vec![
                sitrep::HeatmapCell {
                    row: "KH".into(),
                    column: "trafficking".into(),
                    count: 3,
                    organizations: vec!["IOM".into(), "UNODC".into()],
                },
                sitrep::HeatmapCell {
                    row: "TH".into(),
                    column: "remittances".into(),
                    count: 1,
                    organizations: vec!["ILO".into()],
                },
            ],
            gaps: [
                ("KH", "health"),
                ("KH", "remittances"),
                ("MN", "health"),
                ("MN", "remittances"),
                ("MN", "trafficking"),
                ("TH", "health"),
                ("TH", "trafficking"),
            ]
            .iter()
            .map(|(r, c)| (r.to_string(), c.to_string()))
            .collect(),
        },
        overlaps: vec![sitrep::FlaggedPair {
            kind: "PROBABLE_DUPLICATE".into(),
            score: 0.87,
            first: sitrep::PairSide {
                id: "id-1".into(),
                organization: "IOM".into(),
                title: EVIL_TITLE.into(),
            },
            second: sitrep::PairSide {
                id: "id-2".into(),
                organization: "UNODC".into(),
                title: "Training on trafficking\" onmouseover=\"alert(2)".into(),
            },
            reasons: vec!["same country KH".into(), "both about trafficking".into()],
            review_state: "REOPENED".into(),
            decision: "DISMISSED".into(),
            decided_by: "ESCAP".into(),
            note: "</td><td>broken".into(),
        }],
        self_duplicates: vec![],
        declared_joint: 1,
        calendar_from: "2027-01-15".into(),
        calendar_days: 90,
        events: vec![
            sitrep::UpcomingEvent {
                id: "e1".into(),
                organization: "ILO".into(),
                title: "Recruitment fees training".into(),
                activity_type: "TRAINING".into(),
                start: "2027-02-01".into(),
                end: "2027-02-02".into(),
                location: "Bangkok".into(),
                week: "2027-W05".into(),
                clashes_with: vec!["e2".into()],
                shared_topics: vec!["recruitment".into()],
            },
            sitrep::UpcomingEvent {
                id: "e2".into(),
                organization: "UN-Women".into(),
                title: "Fair recruitment course".into(),
                activity_type: "TRAINING".into(),
                start: "2027-02-10".into(),
                end: "2027-02-10".into(),
                location: "Bangkok".into(),
                week: "2027-W06".into(),
                clashes_with: vec!["e1".into()],
                shared_topics: vec!["recruitment".into()],
            },
        ],
        changes: vec![
            sitrep::ChangeItem {
                kind: sitrep::ChangeKind::Created,
                organization: "IOM".into(),
                id: "id-1".into(),
                title: EVIL_TITLE.into(),
                revision: 1,
                at: "2026-11-02T10:00:00.000Z".into(),
            },
            sitrep::ChangeItem {
                kind: sitrep::ChangeKind::Withdrawn,
                organization: "UNFPA".into(),
                id: "id-9".into(),
                title: "Old plan".into(),
                revision: 3,
                at: "2026-12-01T10:00:00.000Z".into(),
            },
        ],
        freshness: vec![sitrep::MemberFreshness {
            organization: "UNAIDS".into(),
            state: "OVERDUE".into(),
            last_posted: "2026-01-01T00:00:00.000Z".into(),
            last_received: "2026-01-02T00:00:00.000Z".into(),
            reports: 12,
            lag_entries: 0,
        }],
    };
    let page = sitrep::render(&data);
    for section in [
        "summary",
        "matrix",
        "overlaps",
        "gaps",
        "calendar",
        "changes",
        "freshness",
    ] {
        assert!(
            page.contains(&format!("<section id=\"{section}\">")),
            "{section}"
        );
    }
    // The matrix: the cell's count, colour and organizations.
    assert!(page.contains(
        "<td class=\"l5\" title=\"Cambodia x Trafficking in persons: 3 reports by IOM, UNODC\">3</td>"
    ));
    assert!(
        page.contains(
            "title=\"gap: no report on Remittances and financial inclusion in Mongolia\""
        )
    );
    // The overlap: kind, score, reasons, review state and decision.
    assert!(page.contains("<span class=\"badge k-probable-duplicate\">probable duplicate</span>"));
    assert!(page.contains("<td class=\"num\">0.87</td>"));
    assert!(page.contains("<li>same country KH</li><li>both about trafficking</li>"));
    assert!(
        page.contains("<span class=\"badge s-reopened\">reopened</span><br>dismissed by ESCAP")
    );
    // The gaps: Mongolia has nothing at all, nobody works on health; per topic, the
    // countries with other work but none on it.
    assert!(page.contains("<p>7 gaps in 3 of 3 topics.</p>"));
    assert!(page.contains(
        "<p id=\"untouched-countries\"><b>No report on any topic in 1 country:</b> MN Mongolia.</p>"
    ));
    assert!(page.contains(
        "<p id=\"unworked-topics\"><b>No report anywhere in the region on 1 topic:</b> Health.</p>"
    ));
    assert!(page.contains(
        "<tr><td>Remittances and financial inclusion</td><td class=\"num\">1</td><td class=\"num\">1</td><td class=\"codes\"><span title=\"Cambodia\">KH</span></td></tr>\n<tr><td>Trafficking in persons</td><td class=\"num\">1</td><td class=\"num\">1</td><td class=\"codes\"><span title=\"Thailand\">TH</span></td></tr>\n</tbody>"
    ));
    // The calendar's clash, the changes per organization, the freshness.
    assert_eq!(page.matches("<tr class=\"clash\">").count(), 2);
    assert!(page.contains(
        "Clash with UN-Women &ldquo;Fair recruitment course&rdquo; (2027-02-10) on recruitment"
    ));
    assert!(page.contains("<tr><td>UNFPA</td><td class=\"num\">0</td><td class=\"num\">0</td><td class=\"num\">1</td></tr>"));
    assert!(page.contains("<span class=\"badge f-overdue\">overdue</span>"));
    // Escaping: in text and in attributes.
    assert!(
        !page.to_lowercase().contains("<script"),
        "no script element"
    );
    assert!(!page.contains("<img"), "no injected element");
    assert!(!page.contains("\" onmouseover=\""), "no injected attribute");
    assert!(!page.contains("</td><td>broken"));
    assert!(page.contains(
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt; &quot;quoted&quot; &#39;single&#39;"
    ));
    assert!(page.contains("RTWG &lt;Asia &amp; Pacific&gt;"));
    // Self-contained: a policy forbidding every fetch, no script, no external resource.
    assert!(page.contains("content=\"default-src 'none'; style-src 'unsafe-inline'\""));
    assert!(!page.contains("http://") && !page.contains("https://"));
    assert_eq!(
        page.matches(" src=").count(),
        page.matches("&lt;img src=").count(),
        "no element with a source: only the escaped title's text says src="
    );
    assert!(!page.contains("url("));
    assert!(page.contains("@media print"));
}

/// The members' logs of the situation report test: the domain's test pair (IOM and UNODC
/// trainings in Cambodia, March 2007), ESCAP's policy dialogue (revised) and a report with
/// a hostile title, a withdrawal, and two upcoming trainings in Bangkok that clash.
fn sitrep_logs(now_ms: i64) -> Vec<Vec<u8>> {
    let today = Date::from_unix_seconds(now_ms / 1000);
    let in_days = |days: i64| today.add_days(days).to_string();
    let t2007 = |month: u32, day: u32| {
        Date::from_ymd(2007, month, day)
            .expect("date")
            .days_since_epoch()
            * DAY_MS
            + 9 * 3_600_000
    };
    let mut entries = Vec::new();
    let mut iom = Log::new("IOM");
    iom.put(
        v7(t2007(2, 1), 1),
        1,
        &content(json!({
            "title": "Anti-trafficking training for border officials",
            "summary": "Three-day training of border and police officials on identifying victims of trafficking.",
            "activity_type": "TRAINING", "status": "CLOSED",
            "dates": {"actual_start": "2007-03-10", "actual_end": "2007-03-12"},
            "countries": ["KH"], "themes": [{"vocabulary": "GCM", "code": "10"}],
            "target_groups": ["GOVERNMENT_OFFICIALS"], "location": "Phnom Penh"
        })),
        t2007(2, 1),
    );
    entries.extend(iom.take());
    let mut unodc = Log::new("UNODC");
    unodc.put(
        v7(t2007(2, 15), 2),
        1,
        &content(json!({
            "title": "Training on trafficking in persons investigations",
            "summary": "Training of police officials on investigating trafficking in persons cases.",
            "activity_type": "TRAINING", "status": "CLOSED",
            "dates": {"actual_start": "2007-03-20", "actual_end": "2007-03-20"},
            "countries": ["KH"], "themes": [{"vocabulary": "GCM", "code": "10"}],
            "target_groups": ["GOVERNMENT_OFFICIALS"], "location": "Phnom Penh"
        })),
        t2007(2, 15),
    );
    entries.extend(unodc.take());
    let mut escap = Log::new("ESCAP");
    escap.put(
        v7(t2007(6, 1), 4),
        1,
        &content(json!({
            "title": EVIL_TITLE,
            "summary": "A title written to break the page.",
            "activity_type": "RESEARCH", "status": "CLOSED",
            "dates": {"actual_start": "2007-05-01", "actual_end": "2007-06-01"},
            "countries": ["LA"], "themes": [{"vocabulary": "GCM", "code": "20"}]
        })),
        t2007(6, 1),
    );
    let dialogue = v7(t2007(9, 1), 3);
    let mut policy = json!({
        "title": "Policy dialogue on international migration and development",
        "summary": "Senior officials of 12 countries.",
        "activity_type": "POLICY_DIALOGUE", "status": "PIPELINE",
        "dates": {"planned_start": "2007-11-08", "planned_end": "2007-11-09"},
        "countries": ["TH"], "regions": ["ESCAP"],
        "themes": [{"vocabulary": "GCM", "code": "23"}, {"vocabulary": "SDG", "code": "10.7"}],
        "location": "Bangkok"
    });
    escap.put(dialogue, 1, &content(policy.clone()), t2007(9, 1));
    policy["status"] = json!("CLOSED");
    policy["dates"] = json!({"actual_start": "2007-11-08", "actual_end": "2007-11-09"});
    escap.put(dialogue, 2, &content(policy), t2007(11, 20));
    entries.extend(escap.take());
    let mut unfpa = Log::new("UNFPA");
    let mistake = v7(t2007(4, 1), 5);
    unfpa.put(
        mistake,
        1,
        &content(json!({
            "title": "Population census support (posted by mistake)",
            "activity_type": "DATA_COLLECTION", "status": "PIPELINE",
            "dates": {"planned_start": "2007-08-01"}, "countries": ["MM"]
        })),
        t2007(4, 1),
    );
    unfpa.withdraw(mistake, 2, "posted by mistake", t2007(4, 2));
    entries.extend(unfpa.take());
    for (organization, n, start, title) in [
        (
            "ILO",
            6,
            20,
            "Training on fair recruitment for labour attachés",
        ),
        (
            "UN-Women",
            7,
            25,
            "Course on ethical recruitment of women migrant workers",
        ),
    ] {
        let mut log = Log::new(organization);
        log.put(
            v7(now_ms - 3 * DAY_MS, n),
            1,
            &content(json!({
                "title": title,
                "activity_type": "TRAINING", "status": "PIPELINE",
                "dates": {"planned_start": in_days(start), "planned_end": in_days(start + 1)},
                "countries": ["TH"], "themes": [{"vocabulary": "GCM", "code": "6"}],
                "location": "Bangkok"
            })),
            now_ms - 3 * DAY_MS,
        );
        entries.extend(log.take());
    }
    entries
}

/// `chromium` on the PATH; the test fails (never skips) without it.
fn chromium() -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("chromium"))
            .find(|candidate| candidate.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "chromium is not installed: the situation report test renders the page in headless \
             Chromium (Debian package `chromium`; .ci/run installs it: apt-get install -y chromium)"
        )
    })
}

/// Runs headless Chromium on `page` with `args`, killing it after the deadline.
async fn run_chromium(page: &Path, profile: &Path, args: &[String]) -> std::process::Output {
    let mut command = tokio::process::Command::new(chromium());
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    tokio::time::timeout(Duration::from_secs(180), command.output())
        .await
        .expect("chromium finishes within three minutes")
        .expect("chromium runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_situation_report_renders_in_headless_chromium() {
    let browser = chromium();
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64;
    let (node, _client, _dir) = start_node(30).await;
    ingest(&node, sitrep_logs(now_ms)).await;

    let keep = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("concord-sitrep");
    std::fs::create_dir_all(&keep).expect("output directory");
    let html = keep.join("situation-report.html");
    let png = keep.join("situation-report.png");
    let _ = std::fs::remove_file(&png);
    let ran = run_client(
        "report",
        &node.endpoint(),
        &[
            "--since",
            "2007-01-01",
            "--group",
            "Regional Thematic Working Group on International Migration, including Human Trafficking",
            "--out",
            html.to_str().unwrap(),
        ],
    )
    .await
    .success();
    assert!(
        ran.stderr.contains("situation report written to"),
        "{}",
        ran.stderr
    );
    stop(node).await;
    let page = std::fs::read_to_string(&html).expect("the page");

    // What the node holds, on the page.
    assert!(
        page.contains(
            "title=\"Cambodia x Trafficking in persons: 2 reports by IOM, UNODC\">2</td>"
        ),
        "the KH x trafficking cell"
    );
    let overlaps = section(&page, "overlaps");
    assert!(overlaps.contains("Anti-trafficking training for border officials"));
    assert!(overlaps.contains("Training on trafficking in persons investigations"));
    assert!(overlaps.contains("badge s-open"));
    let gaps = section(&page, "gaps");
    let untouched = gaps
        .split("<p id=\"untouched-countries\">")
        .nth(1)
        .expect("countries without any report");
    let untouched = &untouched[..untouched.find("</p>").unwrap()];
    assert!(untouched.contains("MN Mongolia") && !untouched.contains("KH Cambodia"));
    // Thailand and Laos have reports, none on trafficking; Cambodia has.
    let trafficking_gaps = gaps
        .split("<tr>")
        .find(|row| row.starts_with("<td>Trafficking in persons</td>"))
        .expect("a gap row for trafficking");
    assert!(
        trafficking_gaps.contains(">TH<")
            && trafficking_gaps.contains(">LA<")
            && !trafficking_gaps.contains(">KH<")
            && !trafficking_gaps.contains(">MN<"),
        "{trafficking_gaps}"
    );
    let calendar = section(&page, "calendar");
    assert_eq!(
        calendar.matches("<tr class=\"clash\">").count(),
        2,
        "{calendar}"
    );
    let changes = section(&page, "changes");
    assert!(changes.contains(
        "<tr><td>ESCAP</td><td class=\"num\">2</td><td class=\"num\">1</td><td class=\"num\">0</td></tr>"
    ), "{changes}");
    assert!(changes.contains(
        "<tr><td>UNFPA</td><td class=\"num\">1</td><td class=\"num\">0</td><td class=\"num\">1</td></tr>"
    ), "{changes}");
    assert!(
        section(&page, "freshness").contains("<td>UNIAP</td><td><span class=\"badge f-silent\">")
    );
    assert!(!page.to_lowercase().contains("<script") && !page.contains("<img"));
    assert!(page.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"));

    // Rendered by a browser: a screenshot, and the DOM after rendering.
    let profile = tempfile::tempdir().expect("profile directory");
    let shot = run_chromium(
        &html,
        profile.path(),
        &[
            format!("--screenshot={}", png.display()),
            "--window-size=1280,2000".to_string(),
        ],
    )
    .await;
    assert!(
        png.is_file(),
        "{} wrote no screenshot: {}",
        browser.display(),
        String::from_utf8_lossy(&shot.stderr)
    );
    let image = std::fs::read(&png).expect("the screenshot");
    assert_eq!(&image[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    let width = u32::from_be_bytes(image[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(image[20..24].try_into().unwrap());
    assert_eq!((width, height), (1280, 2000));
    assert!(
        image.len() > 60_000,
        "a {} byte screenshot is too small to show the page",
        image.len()
    );
    let dumped = run_chromium(&html, profile.path(), &["--dump-dom".to_string()]).await;
    let dom = String::from_utf8_lossy(&dumped.stdout);
    for id in [
        "matrix",
        "overlaps",
        "gaps",
        "calendar",
        "changes",
        "freshness",
    ] {
        assert!(
            dom.contains(&format!("<section id=\"{id}\">")),
            "section {id} in the rendered DOM: {}",
            String::from_utf8_lossy(&dumped.stderr)
        );
    }
    assert!(dom.contains("Cambodia x Trafficking in persons: 2 reports by IOM, UNODC"));
    assert!(dom.contains("Anti-trafficking training for border officials"));
    assert!(
        !dom.to_lowercase().contains("<script") && !dom.contains("<img"),
        "the hostile title stayed text"
    );
    assert!(dom.contains(
        "&lt;script&gt;alert(\"x\")&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;"
    ));
    eprintln!("screenshot: {}", png.display());
}

/// The HTML of `<section id="ID">` up to its end.
fn section<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page
        .find(&format!("<section id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no section {id}"));
    let end = page[start..].find("</section>").expect("section end") + start;
    &page[start..end]
}

#[test]
fn times_of_the_exports_read_back() {
    assert_eq!(
        parse_time(&export::rfc3339(C_WITHDRAWN)),
        Ok(C_WITHDRAWN),
        "the export's times are the client's"
    );
    assert_eq!(
        export::rfc3339(A_REVISED),
        concord::rpc::client::format_rfc3339(A_REVISED)
    );
}
