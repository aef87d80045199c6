//! The real `concord node` binary: nothing acknowledged is lost to `kill -9`, SIGTERM stops
//! cleanly, and data directories the node cannot own are refused.

use std::collections::BTreeSet;
use std::os::unix::process::ExitStatusExt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use concord::rpc::pb;
use concord::rpc::pb::reports_client::ReportsClient;

use crate::harness::{
    NodeProcess, ORG, PATIENCE, connect, frontier_sequence, list_all, run_concord, sample_content,
    submit, wait_until,
};

/// Writers submitting at once.
const WRITERS: usize = 16;
/// Acknowledgements to collect before the kill.
const ACKNOWLEDGED_BEFORE_KILL: usize = 300;

fn writer_content(writer: usize, n: usize) -> pb::ReportContent {
    let mut content = sample_content(&format!("Writer {writer} report {n}"));
    content.countries = vec![["KH", "TH", "VN", "LA"][n % 4].into()];
    content.summary[0].text = format!("Submitted by writer {writer} as its report number {n}.");
    content.location = format!("Venue {}", writer * 1000 + n);
    content
}

async fn node_info(client: &mut ReportsClient<tonic::transport::Channel>) -> pb::NodeInfoResponse {
    client
        .node_info(pb::NodeInfoRequest {})
        .await
        .expect("node info")
        .into_inner()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_during_concurrent_submissions_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("node");
    let logs = dir.path().join("logs");
    let (data_1, logs_1) = (data.clone(), logs.clone());
    let node = tokio::task::spawn_blocking(move || NodeProcess::spawn(&data_1, &logs_1))
        .await
        .unwrap();
    let mut client = connect(&node.endpoint).await;
    let incarnation = node_info(&mut client).await.store_incarnation;

    let acknowledged: Arc<Mutex<Vec<(pb::ReportContent, pb::Report)>>> = Arc::default();
    let count = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = tokio::task::JoinSet::new();
    for writer in 0..WRITERS {
        // Each writer has its own connection.
        let mut client = connect(&node.endpoint).await;
        let acknowledged = acknowledged.clone();
        let count = count.clone();
        let stop = stop.clone();
        writers.spawn(async move {
            let mut errors = 0;
            for n in 0.. {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let content = writer_content(writer, n);
                let result = client
                    .submit(pb::SubmitRequest {
                        content: Some(content.clone()),
                        idempotency_key: String::new(),
                    })
                    .await;
                match result {
                    Ok(response) => {
                        let report = response.into_inner().report.expect("report");
                        acknowledged.lock().unwrap().push((content, report));
                        count.fetch_add(1, Ordering::SeqCst);
                    }
                    // The node is gone: nothing more can be acknowledged.
                    Err(_) => {
                        errors += 1;
                        break;
                    }
                }
            }
            errors
        });
    }

    wait_until(PATIENCE, "a few hundred acknowledged submissions", || {
        let count = count.clone();
        async move { count.load(Ordering::SeqCst) >= ACKNOWLEDGED_BEFORE_KILL }
    })
    .await;
    let log_before_kill = node.log();
    let status = tokio::task::spawn_blocking(move || node.kill_9())
        .await
        .unwrap();
    assert_eq!(status.signal(), Some(9), "the node died of SIGKILL");
    stop.store(true, Ordering::SeqCst);
    let mut failed_writers = 0;
    tokio::time::timeout(PATIENCE, async {
        while let Some(errors) = writers.join_next().await {
            failed_writers += errors.expect("writer task");
        }
    })
    .await
    .expect("writers notice the kill");
    let acknowledged = std::mem::take(&mut *acknowledged.lock().unwrap());
    assert!(acknowledged.len() >= ACKNOWLEDGED_BEFORE_KILL);
    assert!(
        failed_writers > 0,
        "no writer was cut off: the kill came after everything ({log_before_kill})"
    );

    // Restart on the same directory: it opens cleanly and holds everything acknowledged.
    let data_for_restart = data.clone();
    let logs_for_restart = logs.clone();
    let node = tokio::task::spawn_blocking(move || {
        NodeProcess::spawn(&data_for_restart, &logs_for_restart)
    })
    .await
    .unwrap();
    let mut client = connect(&node.endpoint).await;
    let info = node_info(&mut client).await;
    assert_eq!(
        info.store_incarnation, incarnation,
        "the same store, reopened"
    );
    let restart_log = node.log();
    // The only warning allowed is the loud notice that this node runs without TLS.
    let complaints: Vec<&str> = restart_log
        .lines()
        .filter(|line| line.contains("ERROR") || line.contains("WARN"))
        .filter(|line| !line.contains("PLAINTEXT MODE"))
        .collect();
    assert!(
        complaints.is_empty(),
        "the store did not reopen cleanly: {restart_log}"
    );
    let sequence = frontier_sequence(&info, ORG);
    assert!(
        sequence >= acknowledged.len() as u64,
        "frontier {sequence} < {} acknowledged",
        acknowledged.len()
    );
    assert_eq!(info.last_change, sequence, "one change per entry");
    assert_eq!(info.report_count, sequence, "one report per submit");

    for (sent, report) in &acknowledged {
        assert_eq!(report.content.as_ref(), Some(sent), "acknowledged content");
        let stored = client
            .get(pb::GetRequest {
                id: report.id.clone(),
            })
            .await
            .unwrap_or_else(|status| panic!("acknowledged report {} lost: {status:?}", report.id))
            .into_inner()
            .report
            .unwrap();
        assert_eq!(&stored, report, "acknowledged report changed by the crash");
    }

    // No gap: every entry of the log is a report, every page together gives them all once.
    let all = list_all(
        &mut client,
        pb::ListRequest {
            include_withdrawn: true,
            page_size: 97,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(all.len() as u64, sequence, "listed reports vs log entries");
    let ids: BTreeSet<&str> = all.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), all.len(), "a report listed twice");
    let sequences: BTreeSet<u64> = all.iter().map(|r| r.sequence).collect();
    assert_eq!(
        sequences,
        (1..=sequence).collect::<BTreeSet<u64>>(),
        "the log has a gap or a duplicate"
    );
    for (_, report) in &acknowledged {
        assert!(ids.contains(report.id.as_str()));
    }

    // The log continues where it stopped.
    let next = submit(&mut client, sample_content("After the crash")).await;
    assert_eq!(next.sequence, sequence + 1);
    let status = tokio::task::spawn_blocking(move || node.terminate())
        .await
        .unwrap();
    assert_eq!(status.code(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_the_node_cleanly_and_the_data_stays() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("node");
    let logs = dir.path().join("logs");
    let (data_1, logs_1) = (data.clone(), logs.clone());
    let node = tokio::task::spawn_blocking(move || NodeProcess::spawn(&data_1, &logs_1))
        .await
        .unwrap();
    let mut client = connect(&node.endpoint).await;
    let mut reports = Vec::new();
    for i in 0..5 {
        reports.push(submit(&mut client, sample_content(&format!("Before SIGTERM {i}"))).await);
    }
    let withdrawn = client
        .withdraw(pb::WithdrawRequest {
            id: reports[4].id.clone(),
            reason: "duplicate".into(),
            expected_revision: 1,
        })
        .await
        .unwrap()
        .into_inner()
        .report
        .unwrap();
    reports[4] = withdrawn;
    let pid = node.pid();
    let status = tokio::task::spawn_blocking(move || node.terminate())
        .await
        .unwrap();
    assert_eq!(status.code(), Some(0), "SIGTERM exits 0 (pid {pid})");

    let node = tokio::task::spawn_blocking(move || NodeProcess::spawn(&data, &logs))
        .await
        .unwrap();
    let mut client = connect(&node.endpoint).await;
    let info = node_info(&mut client).await;
    assert_eq!(frontier_sequence(&info, ORG), 6);
    for report in &reports {
        let stored = client
            .get(pb::GetRequest {
                id: report.id.clone(),
            })
            .await
            .expect("report kept")
            .into_inner()
            .report
            .unwrap();
        assert_eq!(&stored, report);
    }
    let status = tokio::task::spawn_blocking(move || node.terminate())
        .await
        .unwrap();
    assert_eq!(status.code(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_directory_holding_something_else_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("node");
    let store = data.join("store");
    std::fs::create_dir_all(&store).unwrap();
    std::fs::write(store.join("notes.txt"), "not a database").unwrap();

    let output = run_concord(&[
        "node",
        "--org",
        ORG,
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        data.to_str().unwrap(),
    ])
    .await
    .failure();
    assert!(
        output.stderr.contains("is not a Concord data directory")
            && output.stderr.contains(store.to_str().unwrap()),
        "{}",
        output.stderr
    );
    assert!(!output.stdout.contains("listening"), "{}", output.stdout);
    let entries: Vec<_> = std::fs::read_dir(&store)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(entries, vec!["notes.txt"], "the directory was left alone");
    assert_eq!(
        std::fs::read_to_string(store.join("notes.txt")).unwrap(),
        "not a database"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_node_on_the_same_data_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("node");
    let logs = dir.path().join("logs");
    let (data_1, logs_1) = (data.clone(), logs.clone());
    let first = tokio::task::spawn_blocking(move || NodeProcess::spawn(&data_1, &logs_1))
        .await
        .unwrap();
    let mut client = connect(&first.endpoint).await;
    let before = submit(&mut client, sample_content("Before the second node")).await;

    let (data_2, logs_2) = (data.clone(), logs.clone());
    let second = tokio::task::spawn_blocking(move || NodeProcess::try_spawn(&data_2, &logs_2))
        .await
        .unwrap();
    let refused = match second {
        Ok(node) => panic!(
            "a second node started on {} at {}",
            data.display(),
            node.endpoint
        ),
        Err(refused) => refused,
    };
    let status = refused.status.expect("the second node exited");
    assert!(!status.success() && status.code().is_some(), "{refused:#?}");
    assert!(
        refused.log.contains("in use by another process"),
        "{}",
        refused.log
    );

    // The first node is unharmed.
    let after = submit(&mut client, sample_content("After the second node")).await;
    assert_eq!(after.sequence, before.sequence + 1);
    let stored = client
        .get(pb::GetRequest {
            id: before.id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .report
        .unwrap();
    assert_eq!(stored, before);
    let status = tokio::task::spawn_blocking(move || first.terminate())
        .await
        .unwrap();
    assert_eq!(status.code(), Some(0));
}
