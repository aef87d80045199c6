//! `concord bench`: the quick run prints every section, the goal ratios and a listing whose
//! indexed pages agree with full scans; `-o json` gives the same figures to scripts.

use std::process::Command;

/// Runs `concord bench ARGS --dir <temporary directory>`; returns standard output, after
/// checking the run succeeded and left nothing behind in the directory.
fn run_bench(args: &[&str]) -> String {
    let dir = tempfile::tempdir().expect("temporary directory");
    let output = Command::new(env!("CARGO_BIN_EXE_concord"))
        .arg("bench")
        .args(args)
        .arg("--dir")
        .arg(dir.path())
        .output()
        .expect("run concord bench");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "concord bench {args:?} failed: {}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status
    );
    assert!(
        stderr.contains("[bench]"),
        "progress goes to standard error; got:\n{stderr}"
    );
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("read the bench directory")
        .collect();
    assert!(
        left.is_empty(),
        "the scratch directory was not removed: {left:?}"
    );
    stdout
}

#[test]
fn quick_bench_prints_every_section_and_the_goals() {
    let stdout = run_bench(&["--quick"]);
    for expected in [
        "== Machine ==",
        "cpus",
        "kernel",
        "filesystem",
        "== 1. Raw disk ceiling (fdatasync) ==",
        "4 KiB append + fdatasync",
        "== 2. Empty-RPC ceiling (grpc.health.v1 Health/Check",
        "Health/Check",
        "== 3. Durable submits (gRPC Submit",
        "Submit (durable)",
        "== 3b. Durable submits over mutual TLS",
        "Submit (durable, mTLS)",
        "cost of mutual TLS: TLS rate / plaintext rate at 1, 16, 64 clients: ",
        "TLS p99 / plaintext p99 at 1, 16, 64 clients: ",
        "sealing an entry alone (SHA-256 of",
        "signs/s",
        "µs per sign",
        "signing share of a 1-client submit = µs per sign / submit p50: ",
        "== 4. Goals ==",
        "submit rate / empty-RPC rate @64 clients",
        "submit rate / fdatasync rate @64 clients",
        "submit p99 / (fdatasync p99 + empty-RPC p99) @1 client",
        "(goal >= 0.5)",
        "(goal <= 3)",
        "== 5. Listing over 4,000 reports",
        "reports/s",
        "country KH|TH|LA, theme GCM:10, active in 2007",
        "organization IOM",
        "text \"recruitment fees\"",
        "status CLOSED",
        "== 6. Memory and store ==",
        "peak memory (VmHWM)",
        "store on disk",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in:\n{stdout}"
        );
    }
    // Each level of clients is a row: 1 and 64 for the empty RPC, 1, 16 and 64 for Submit.
    assert_eq!(stdout.matches("Health/Check  ").count(), 2, "{stdout}");
    assert_eq!(stdout.matches("Submit (durable)").count(), 3, "{stdout}");
    assert_eq!(
        stdout.matches("Submit (durable, mTLS)").count(),
        3,
        "{stdout}"
    );
    // The TLS ratio lines carry one finite number per level of clients.
    for prefix in [
        "cost of mutual TLS: TLS rate / plaintext rate at 1, 16, 64 clients: ",
        "TLS p99 / plaintext p99 at 1, 16, 64 clients: ",
    ] {
        let line = stdout
            .lines()
            .find(|line| line.contains(prefix))
            .unwrap_or_else(|| panic!("no line {prefix:?} in:\n{stdout}"));
        let values: Vec<f64> = line
            .split_once(prefix)
            .unwrap()
            .1
            .split(", ")
            .map(|v| v.trim().parse().unwrap_or(f64::NAN))
            .collect();
        assert_eq!(values.len(), 3, "{line}");
        assert!(values.iter().all(|v| v.is_finite() && *v > 0.0), "{line}");
    }
    // Both goals carry an honest verdict.
    let verdicts = stdout
        .lines()
        .filter(|line| line.contains("(goal ") && (line.contains("PASS") || line.contains("MISS")))
        .count();
    assert_eq!(verdicts, 2, "{stdout}");
    assert!(
        !stdout.contains("PAGE DIFFERS FROM SCAN"),
        "an indexed page disagrees with the full scan:\n{stdout}"
    );
}

#[test]
fn bench_json_has_every_figure() {
    let stdout = run_bench(&["--reports", "500", "--duration-secs", "0.5", "-o", "json"]);
    let results: serde_json::Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|error| panic!("not JSON ({error}):\n{stdout}"));
    assert!(results["machine"]["cpus"].as_u64().unwrap_or(0) >= 1);
    assert!(results["disk"]["per_second"].as_f64().unwrap_or(0.0) > 0.0);
    let clients = |key: &str| -> Vec<u64> {
        results[key]
            .as_array()
            .unwrap_or_else(|| panic!("{key} is not a list"))
            .iter()
            .map(|t| t["clients"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(clients("empty_rpc"), [1, 64]);
    assert_eq!(clients("submits"), [1, 16, 64]);
    for submit in results["submits"].as_array().unwrap() {
        assert!(submit["operations"].as_u64().unwrap() > 0, "{submit}");
    }
    assert_eq!(clients("tls_submits"), [1, 16, 64]);
    for submit in results["tls_submits"].as_array().unwrap() {
        assert!(submit["operations"].as_u64().unwrap() > 0, "{submit}");
        assert_eq!(submit["what"], "Submit (durable, mTLS)", "{submit}");
    }
    assert_eq!(clients("tls_cost"), [1, 16, 64]);
    for cost in results["tls_cost"].as_array().unwrap() {
        for key in ["rate_ratio", "p99_ratio"] {
            assert!(cost[key].as_f64().unwrap_or(0.0) > 0.0, "{key}: {cost}");
        }
    }
    let signing = &results["signing"];
    // The body signs a digest of the content, which travels beside it.
    assert!(
        signing["content_bytes"].as_u64().unwrap() > 500,
        "{signing}"
    );
    assert!(signing["body_bytes"].as_u64().unwrap() > 64, "{signing}");
    assert!(signing["per_second"].as_f64().unwrap() > 0.0, "{signing}");
    assert!(signing["us_per_sign"].as_f64().unwrap() > 0.0, "{signing}");
    let share = signing["share_of_submit_p50"].as_f64().unwrap();
    assert!(share > 0.0 && share.is_finite(), "{signing}");
    let goals = results["goals"].as_array().unwrap();
    assert_eq!(goals.len(), 3, "{goals:?}");
    assert_eq!(
        goals.iter().filter(|g| g["pass"].is_boolean()).count(),
        2,
        "{goals:?}"
    );
    let listing = &results["listing"];
    assert_eq!(listing["reports"], 500);
    let queries = listing["queries"].as_array().unwrap();
    assert_eq!(queries.len(), 4);
    for query in queries {
        assert_eq!(query["page_agrees_with_scan"], true, "{query}");
        assert!(query["indexed_p50_us"].as_f64().unwrap() > 0.0, "{query}");
    }
    assert_eq!(results["memory"]["store_reports"], 500);
    assert!(results["memory"]["peak_end_bytes"].as_u64().unwrap() > 0);
}

#[test]
fn sync_bench_prints_every_figure_and_goal() {
    let stdout = run_bench(&[
        "sync",
        "--reports",
        "300",
        "--per-node",
        "20",
        "--idle-seconds",
        "2",
        "--fill-concurrency",
        "32",
        "--deadline-secs",
        "300",
    ]);
    for expected in [
        "== Machine ==",
        "cpus",
        "== 1. Bootstrap of an empty node from one peer (mutual TLS) ==",
        "holding 300 reports",
        "reports/s",
        "MB/s",
        "sync: empty node until its frontier equals its peer's",
        "baseline: ingest_batch, 1024 KiB batches (as sessions ask)",
        "baseline: ingest_batch, batches of 4,096 entries",
        "sync rate / local ingest rate (the faster baseline): ",
        "bytes the new node received on the wire: ",
        "== 2. Convergence of 15 nodes (mutual TLS, full mesh) ==",
        "300 entries to hold everywhere",
        "every post acknowledged after",
        "every node holds every entry after",
        "baseline: one node posting 20 reports alone",
        "reference: PostgreSQL mesh of 15 instances",
        "bytes on the wire until convergence",
        "== 3. Idle traffic of the converged mesh ==",
        "105 links (node pairs), 210 connections",
        "per link: ",
        "B/s; per connection: ",
        "bytes per second across the mesh, second by second: ",
        "== 4. Memory of the 15 nodes (one process) ==",
        "resident memory (VmRSS) after convergence and idle",
        "peak memory (VmHWM) of the process",
        "== Goals ==",
        "bootstrap: sync rate / local ingest rate",
        "convergence of 15 nodes, seconds (PostgreSQL mesh: 36 s)",
        "convergence time / posting alone at one node",
        "convergence time / apply floor at local ingest rate",
        "CPU used until convergence",
        "entries applied from peers, all nodes",
        "periodic timers: HTTP/2 keepalive ping every",
        "idle traffic, bytes/s per link",
        "peak memory of the 15 nodes, GiB",
        "(goal >= 0.5)",
        "(goal <= 3.6)",
        "(goal <= 5)",
        "(goal < 2)",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in:\n{stdout}"
        );
    }
    // Three goals with a verdict; the idle one is not judged on a window shorter than the
    // keepalive interval (and says so), and the ratios to posting alone and to the apply
    // floor have no goal.
    let verdicts = stdout
        .lines()
        .filter(|line| line.contains("(goal ") && (line.contains("PASS") || line.contains("MISS")))
        .count();
    assert_eq!(verdicts, 3, "{stdout}");
    assert!(
        stdout.contains("NOT JUDGED: ") && stdout.contains("NOTE: the window is shorter"),
        "{stdout}"
    );
    // One idle sample per second of the window.
    let timeline = stdout
        .lines()
        .find_map(|line| line.split_once("bytes per second across the mesh, second by second: "))
        .map(|(_, samples)| samples.split_whitespace().count())
        .unwrap_or(0);
    assert_eq!(timeline, 2, "{stdout}");
}

/// The lines of `concord bench view` that carry a figure, for any size and any outcome of
/// the overlap inbox.
const VIEW_FIGURE_LINES: [&str; 16] = [
    "loading: ",
    "restart: a ledger started afresh over the store rebuilt its indexes in ",
    "overlap inbox from scratch (Ledger::refresh_overlaps, fresh ledger): ",
    "overlap inbox after one new report",
    "inbox size: ",
    "where the inbox's time goes",
    "read every report ",
    "build candidates (OverlapCandidate::from_report) ",
    "reports with keys, ",
    "bucket entries gathered, ",
    "distinct neighbours",
    "assess: ",
    "projected from scratch ",
    "peak memory (VmHWM): ",
    "store on disk: ",
    "B/report",
];

/// The seven questions of `concord bench view`.
const VIEW_QUESTIONS: [&str; 7] = [
    "country KH|TH|LA, theme SDG:16.2|GCM:10, active in 2007",
    "organization IOM",
    "text \"recruitment fees\" (ranked)",
    "status CLOSED, topic trafficking",
    "region ESCAP, changed in the last 30 days",
    "matrix organization x theme (GCM), 2024",
    "matrix country x topic, all years",
];

#[test]
fn view_bench_prints_every_figure_and_goal() {
    let stdout = run_bench(&["view", "--quick"]);
    for expected in [
        "== Machine ==",
        "cpus",
        "filesystem",
        "settings     sled cache",
        "== 1,500 reports (15 organizations, years 2005-2026) ==",
        "reports/s",
        "index p50",
        "index p99",
        "scan p50",
        "index/scan",
        "reference PostgreSQL 15 (issue 5, over 1,000,000 reports): ~150 ms for such a filter, ~250 ms for an organization x theme matrix",
        "== Goals (queries: full-scan p50 / indexed p50, goal >= 100",
        "1,500: overlap inbox from scratch, seconds",
    ]
    .iter()
    .chain(&VIEW_FIGURE_LINES)
    .chain(&VIEW_QUESTIONS)
    {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in:\n{stdout}"
        );
    }
    // Each question is a row of the table and a goal.
    for question in VIEW_QUESTIONS {
        assert_eq!(stdout.matches(question).count(), 2, "{question}:\n{stdout}");
    }
    // The scans answer every question exactly as the indexes do.
    let rows: Vec<&str> = stdout
        .lines()
        .filter(|line| {
            VIEW_QUESTIONS
                .iter()
                .any(|q| line.starts_with(&format!("  {q}")))
        })
        .collect();
    assert_eq!(rows.len(), 7, "{stdout}");
    for row in rows {
        assert!(row.trim_end().ends_with("yes"), "the scan disagrees: {row}");
    }
    assert!(!stdout.contains("ANSWERS DIFFER"), "{stdout}");
    // Small enough to compute from scratch: measured, listed, then updated after one report.
    assert!(
        !stdout.contains("NOT RUN") && !stdout.contains("NOT FINISHED"),
        "{stdout}"
    );
    assert!(stdout.contains(" pairs ("), "{stdout}");
    assert!(
        stdout.contains("overlap inbox after one new report (submit, then refresh_overlaps): "),
        "{stdout}"
    );
    // Every question and the overlap inbox carry a verdict.
    let verdicts = stdout
        .lines()
        .filter(|line| line.contains("(goal ") && (line.contains("PASS") || line.contains("MISS")))
        .count();
    assert_eq!(verdicts, 8, "{stdout}");
}

#[test]
fn view_bench_projects_an_inbox_too_slow_to_compute_and_measures_a_practical_size() {
    // With a one-second limit, the inbox of 1,500 reports is projected too slow: it is not
    // run, and the largest size practical here is loaded and measured instead.
    let stdout = run_bench(&["view", "--quick", "--overlap-limit-secs", "1"]);
    assert!(
        stdout.contains(
            "overlap inbox from scratch (Ledger::refresh_overlaps, fresh ledger): NOT RUN"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("inbox size: not computed; projected "),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "overlap inbox after one new report: not measured (no inbox to update); projected "
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("reports: the overlap inbox at the largest size practical here"),
        "{stdout}"
    );
    assert!(
        stdout.contains("NOTE: the overlap inbox over 1,500 reports was NOT computed"),
        "{stdout}"
    );
    // Both sizes print every figure's line (the practical one has no questions).
    for expected in VIEW_FIGURE_LINES {
        assert_eq!(stdout.matches(expected).count(), 2, "{expected}:\n{stdout}");
    }
    let verdicts = stdout
        .lines()
        .filter(|line| line.contains("(goal ") && (line.contains("PASS") || line.contains("MISS")))
        .count();
    assert_eq!(verdicts, 9, "{stdout}");
}
