//! `concord demo`: the local working group people try first.

use std::time::Duration;

use concord::config::NodeConfig;

use crate::harness::{free_port, run_concord_within};

/// Fifteen nodes start, post and stop: give the demo time on a busy machine.
const DEMO_DEADLINE: Duration = Duration::from_secs(300);

/// "  N new, M already there from an earlier run" as (N, M).
fn posted(stdout: &str) -> (usize, usize) {
    let line = stdout
        .lines()
        .find(|line| line.contains(" new, ") && line.contains("already there"))
        .unwrap_or_else(|| panic!("no posting summary in {stdout}"));
    let numbers: Vec<usize> = line
        .split_whitespace()
        .filter_map(|word| word.trim_end_matches(',').parse().ok())
        .collect();
    assert_eq!(numbers.len(), 2, "{line:?}");
    (numbers[0], numbers[1])
}

/// The N of "The consolidated view at ESCAP's node: N live reports from ...".
fn live_reports(stdout: &str) -> usize {
    const TITLE: &str = "The consolidated view at ESCAP's node: ";
    let line = stdout
        .lines()
        .find(|line| line.starts_with(TITLE))
        .unwrap_or_else(|| panic!("no listing title in {stdout}"));
    line[TITLE.len()..]
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{line:?}"))
}

/// Rows of the listing table (after its "ID ... TITLE" header).
fn table_rows(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .skip_while(|line| !(line.starts_with("ID ") && line.contains("TITLE")))
        .skip(1)
        .take_while(|line| !line.trim().is_empty())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_posts_the_seed_reports_and_lists_them() {
    let output = run_concord_within(&["demo"], DEMO_DEADLINE).await.success();
    let stdout = &output.stdout;
    let (new, already) = posted(stdout);
    assert!(new >= 40, "{new} reports posted");
    assert_eq!(already, 0);
    assert!(stdout.contains("Revised ESCAP's Seoul conference report (now revision 2)"));
    assert!(stdout.contains("Withdrew an accidental second copy"));
    let rows = table_rows(stdout);
    assert_eq!(rows.len(), live_reports(stdout), "{stdout}");
    assert_eq!(
        rows.len(),
        new,
        "every posted report is listed, the copy is not"
    );
    assert!(
        rows.iter().any(|row| row.contains("Seoul")),
        "no Seoul row in {stdout}"
    );
    // ESCAP's Seoul conference, listed at the revision the demo made.
    let conference = rows
        .iter()
        .find(|row| row.contains("Asia-Pacific Conference on International Migration"))
        .unwrap_or_else(|| panic!("no ESCAP conference row in {stdout}"));
    let columns: Vec<&str> = conference.split_whitespace().collect();
    assert_eq!(
        &columns[1..4],
        &["ESCAP", "2", "CONFERENCE"],
        "{conference}"
    );
    let organizations: std::collections::BTreeSet<&str> = rows
        .iter()
        .filter_map(|row| row.split_whitespace().nth(1))
        .collect();
    assert_eq!(
        organizations.len(),
        15,
        "every member posted: {organizations:?}"
    );
    assert!(organizations.contains("ESCAP"));
    assert!(
        rows.iter().all(|row| !row.contains("WITHDRAWN")),
        "withdrawn reports are not listed"
    );
    // Replicated: the one node listed holds every organization's reports.
    assert!(
        stdout.contains("all 15 nodes hold all"),
        "the demo shows every entry arriving everywhere: {stdout}"
    );
    assert!(stdout.contains("All nodes stopped cleanly."), "{stdout}");
}

/// A base port with the fifteen ports from it free a moment ago.
fn free_port_range(count: u16) -> u16 {
    for _ in 0..50 {
        let base = free_port();
        if base > u16::MAX - count {
            continue;
        }
        let all_free: Result<Vec<_>, _> = (base..base + count)
            .map(|port| std::net::TcpListener::bind(("127.0.0.1", port)))
            .collect();
        if all_free.is_ok() {
            return base;
        }
    }
    panic!("no range of {count} free ports found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_on_the_same_directory_twice_posts_nothing_new() {
    let dir = tempfile::tempdir().unwrap();
    let demo_dir = dir.path().join("demo");
    let demo_dir_arg = demo_dir.to_str().unwrap().to_string();

    let base_port = free_port_range(15);
    let port_arg = base_port.to_string();
    let args = ["demo", "--dir", &demo_dir_arg, "--base-port", &port_arg];
    let first = run_concord_within(&args, DEMO_DEADLINE).await.success();
    let (new, already) = posted(&first.stdout);
    assert!(new >= 40 && already == 0, "{}", first.stdout);

    // The kept configuration starts ESCAP's node again on the first port.
    let config = NodeConfig::load(&demo_dir.join("ESCAP").join("concord.toml"))
        .expect("the demo keeps a loadable configuration per member");
    assert_eq!(config.organization, "ESCAP");
    assert_eq!(config.listen.port(), base_port);
    config.validate().expect("valid configuration");

    let base_port = free_port_range(15);
    let port_arg = base_port.to_string();
    let args = ["demo", "--dir", &demo_dir_arg, "--base-port", &port_arg];
    let second = run_concord_within(&args, DEMO_DEADLINE).await.success();
    assert_eq!(posted(&second.stdout), (0, new), "{}", second.stdout);
    assert!(
        !second.stdout.contains("Revised ESCAP's Seoul"),
        "the second run revised again: {}",
        second.stdout
    );
    assert!(
        !second.stdout.contains("Withdrew"),
        "the second run withdrew again"
    );
    assert_eq!(live_reports(&second.stdout), live_reports(&first.stdout));
    assert_eq!(
        table_rows(&second.stdout).len(),
        table_rows(&first.stdout).len()
    );
}
