//! Shared test machinery: nodes on port 0, the `concord` binary, conditions with deadlines.
//!
//! Nothing here uses a fixed port or a bare sleep: nodes bind `127.0.0.1:0` and tell their
//! address (in-process through `RunningNode::local_addr`, the binary through its
//! "concord node listening on ADDR" line); every wait polls a condition until a deadline
//! and fails the test, saying what it waited for, when the deadline passes.

use std::ffi::OsString;
use std::future::Future;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use concord::config::NodeConfig;
use concord::node::RunningNode;
use concord::rpc::pb;
use concord::rpc::pb::reports_client::ReportsClient;
use tonic::transport::Channel;

/// The organization every test node authors for.
pub const ORG: &str = "ESCAP";

/// How long a test waits for anything that should take well under a second on an idle
/// machine (the CI machine may be busy compiling).
pub const PATIENCE: Duration = Duration::from_secs(60);

/// The `concord` binary built with this test.
pub fn concord_bin() -> &'static str {
    env!("CARGO_BIN_EXE_concord")
}

/// Polls `condition` until it holds; panics naming `what` once `deadline` has passed.
pub async fn wait_until<F, Fut>(deadline: Duration, what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let give_up = Instant::now() + deadline;
    let mut pause = Duration::from_millis(2);
    loop {
        if condition().await {
            return;
        }
        assert!(
            Instant::now() < give_up,
            "gave up after {deadline:?} waiting for {what}"
        );
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(100));
    }
}

/// A node running inside the test process, with its own temporary data directory and a
/// connected generated client.
pub struct TestNode {
    node: Option<RunningNode>,
    /// The generated client, connected.
    pub client: ReportsClient<Channel>,
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// Keeps the data directory alive as long as the node.
    _dir: tempfile::TempDir,
}

impl TestNode {
    /// Starts a node of [`ORG`] on `127.0.0.1:0` with a small cache.
    pub async fn start() -> TestNode {
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut config = NodeConfig {
            organization: ORG.to_string(),
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: dir.path().join("node"),
            ..NodeConfig::default()
        };
        config.store.cache_mib = 8;
        config.shutdown.grace_secs = 5;
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .expect("bind 127.0.0.1:0");
        let node = concord::node::start(config, listener)
            .await
            .expect("node starts");
        let endpoint = node.endpoint();
        let client = connect(&endpoint).await;
        TestNode {
            node: Some(node),
            client,
            endpoint,
            _dir: dir,
        }
    }

    /// A second, independent connection to the node.
    pub async fn channel(&self) -> Channel {
        Channel::from_shared(self.endpoint.clone())
            .expect("endpoint")
            .connect()
            .await
            .expect("connect")
    }

    /// Graceful shutdown; fails the test if the node does not stop cleanly.
    pub async fn shutdown(mut self) {
        let node = self.node.take().expect("running");
        tokio::time::timeout(PATIENCE, node.shutdown())
            .await
            .expect("node stops within the deadline")
            .expect("node stops cleanly");
    }
}

/// A generated client connected to `endpoint`.
pub async fn connect(endpoint: &str) -> ReportsClient<Channel> {
    let channel = Channel::from_shared(endpoint.to_string())
        .expect("endpoint")
        .connect_timeout(Duration::from_secs(10))
        .connect()
        .await
        .unwrap_or_else(|error| panic!("cannot connect to {endpoint}: {error}"));
    ReportsClient::new(channel)
}

/// A valid report, `title` aside: a closed two-day meeting in Bangkok.
pub fn sample_content(title: &str) -> pb::ReportContent {
    pb::ReportContent {
        title: vec![pb::LocalizedText {
            lang: String::new(),
            text: title.to_string(),
        }],
        summary: vec![pb::LocalizedText {
            lang: String::new(),
            text: "Senior officials reviewed labour migration governance.".into(),
        }],
        activity_type: pb::ActivityType::Meeting as i32,
        status: pb::ActivityStatus::Closed as i32,
        dates: Some(pb::ActivityDates {
            planned_start: "2007-11-08".into(),
            actual_start: "2007-11-08".into(),
            planned_end: "2007-11-09".into(),
            actual_end: "2007-11-09".into(),
        }),
        countries: vec!["TH".into()],
        regions: vec!["ESCAP".into()],
        themes: vec![pb::Theme {
            vocabulary: "GCM".into(),
            code: "23".into(),
        }],
        target_groups: vec!["GOVERNMENT_OFFICIALS".into()],
        participants: vec![pb::Participant {
            organization: "IOM".into(),
            role: pb::ParticipantRole::Participant as i32,
        }],
        related: vec![],
        links: vec![pb::Link {
            url: "https://www.unescap.org/".into(),
            title: "ESCAP".into(),
            kind: "webpage".into(),
        }],
        contact: Some(pb::Contact {
            organization: "ESCAP".into(),
            unit: String::new(),
            email: "migration@example.org".into(),
            person: String::new(),
        }),
        location: "Bangkok".into(),
        iati_identifier: String::new(),
        iati_extra: vec![],
    }
}

/// Submits `content` and returns the stored report (panics on failure).
pub async fn submit(client: &mut ReportsClient<Channel>, content: pb::ReportContent) -> pb::Report {
    client
        .submit(pb::SubmitRequest {
            content: Some(content),
            idempotency_key: String::new(),
        })
        .await
        .expect("submit succeeds")
        .into_inner()
        .report
        .expect("submit returns the report")
}

/// Every page of `request` (page by page with its own page size), in the order returned.
pub async fn list_all(
    client: &mut ReportsClient<Channel>,
    mut request: pb::ListRequest,
) -> Vec<pb::Report> {
    let mut reports = Vec::new();
    request.page_token.clear();
    for _ in 0..100_000 {
        let page = client
            .list(request.clone())
            .await
            .expect("list succeeds")
            .into_inner();
        reports.extend(page.reports);
        if page.next_page_token.is_empty() {
            return reports;
        }
        request.page_token = page.next_page_token;
    }
    panic!("listing never ended");
}

/// The sequence of `organization`'s log in a NodeInfo frontier (0 when absent).
pub fn frontier_sequence(info: &pb::NodeInfoResponse, organization: &str) -> u64 {
    info.frontier
        .iter()
        .find(|head| head.organization == organization)
        .map_or(0, |head| head.sequence)
}

/// What a finished command printed.
#[derive(Debug)]
pub struct CliOutput {
    /// Exit status.
    pub status: ExitStatus,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl CliOutput {
    /// Panics with everything printed unless the command succeeded.
    pub fn success(self) -> CliOutput {
        assert!(self.status.success(), "command failed: {self:#?}");
        self
    }

    /// Panics unless the command failed (non-zero exit).
    pub fn failure(self) -> CliOutput {
        assert!(
            !self.status.success() && self.status.code().is_some(),
            "command should have exited non-zero: {self:#?}"
        );
        self
    }
}

/// Runs `concord ARGS` to completion (killed, failing the test, after the deadline).
pub async fn run_concord(args: &[&str]) -> CliOutput {
    run_concord_within(args, PATIENCE).await
}

/// [`run_concord`] with its own deadline.
pub async fn run_concord_within(args: &[&str], deadline: Duration) -> CliOutput {
    let mut command = tokio::process::Command::new(concord_bin());
    command
        .args(args)
        .env_remove("CONCORD_ENDPOINT")
        .env_remove("CONCORD_CONFIG")
        .env_remove("CONCORD_ORG")
        .env_remove("CONCORD_LISTEN")
        .env_remove("CONCORD_DATA_DIR")
        .env_remove("CONCORD_SIGNING_KEY_FILE")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    let output = tokio::time::timeout(deadline, command.output())
        .await
        .unwrap_or_else(|_| {
            panic!(
                "`concord {}` did not finish within {deadline:?}",
                args.join(" ")
            )
        })
        .expect("concord runs");
    CliOutput {
        status: output.status,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs a client command against `endpoint` (`concord SUBCOMMAND --endpoint E ARGS`).
pub async fn run_client(subcommand: &str, endpoint: &str, args: &[&str]) -> CliOutput {
    let mut all = vec![subcommand, "--endpoint", endpoint, "--timeout", "20"];
    all.extend_from_slice(args);
    run_concord(&all).await
}

/// A `concord node` process.
pub struct NodeProcess {
    child: Child,
    /// `http://ADDR`.
    pub endpoint: String,
    /// Its standard error (the node's log).
    pub log_path: PathBuf,
}

/// Why `concord node` did not come up.
#[derive(Debug)]
pub struct NodeDidNotStart {
    /// How it ended.
    pub status: Option<ExitStatus>,
    /// Its log.
    pub log: String,
}

impl NodeProcess {
    /// Spawns `concord node --org ESCAP --listen 127.0.0.1:0 --data-dir DATA_DIR` and waits
    /// for its "listening" line; panics if it does not come up.
    pub fn spawn(data_dir: &Path, log_dir: &Path) -> NodeProcess {
        NodeProcess::try_spawn(data_dir, log_dir)
            .unwrap_or_else(|failure| panic!("concord node did not start: {failure:#?}"))
    }

    /// Like [`NodeProcess::spawn`], returning how the process ended if it exits before
    /// listening.
    pub fn try_spawn(data_dir: &Path, log_dir: &Path) -> Result<NodeProcess, NodeDidNotStart> {
        let mut args: Vec<OsString> = [
            "node",
            "--org",
            ORG,
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
        ]
        .iter()
        .map(OsString::from)
        .collect();
        args.push(data_dir.as_os_str().to_owned());
        NodeProcess::try_spawn_with_args(&args, log_dir)
    }

    /// Spawns `concord ARGS` (ARGS start with `node` and should bind port 0, e.g.
    /// `node --config FILE --listen 127.0.0.1:0`) with no `CONCORD_*` settings from the
    /// environment, and waits for its "listening" line; its standard error goes to a file in
    /// `log_dir`.
    pub fn try_spawn_with_args(
        args: &[OsString],
        log_dir: &Path,
    ) -> Result<NodeProcess, NodeDidNotStart> {
        std::fs::create_dir_all(log_dir).expect("log directory");
        let log_path = log_dir.join(format!(
            "node-{}.log",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        let log = std::fs::File::create(&log_path).expect("log file");
        let mut child = std::process::Command::new(concord_bin())
            .args(args)
            .env_remove("CONCORD_CONFIG")
            .env_remove("CONCORD_ORG")
            .env_remove("CONCORD_LISTEN")
            .env_remove("CONCORD_DATA_DIR")
            .env_remove("CONCORD_SIGNING_KEY_FILE")
            .env("CONCORD_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("spawn concord node");
        let stdout = child.stdout.take().expect("piped stdout");
        let (lines, received) = mpsc::channel::<String>();
        // Reads every line (so the pipe never fills), forwarding them to the test.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if lines.send(line).is_err() {
                    return;
                }
            }
        });
        let give_up = Instant::now() + PATIENCE;
        let read_log = |path: &Path| std::fs::read_to_string(path).unwrap_or_default();
        loop {
            match received.recv_timeout(Duration::from_millis(50)) {
                Ok(line) => {
                    if let Some(addr) = line.strip_prefix("concord node listening on ") {
                        let addr: SocketAddr = addr
                            .trim()
                            .parse()
                            .unwrap_or_else(|_| panic!("unparsable address in {line:?}"));
                        return Ok(NodeProcess {
                            child,
                            endpoint: format!("http://{addr}"),
                            log_path,
                        });
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    // Stdout closed: the process is exiting.
                    let status = wait_for_exit(&mut child, PATIENCE);
                    return Err(NodeDidNotStart {
                        status: Some(status),
                        log: read_log(&log_path),
                    });
                }
            }
            if let Ok(Some(status)) = child.try_wait() {
                return Err(NodeDidNotStart {
                    status: Some(status),
                    log: read_log(&log_path),
                });
            }
            if Instant::now() >= give_up {
                let _ = child.kill();
                let _ = child.wait();
                return Err(NodeDidNotStart {
                    status: None,
                    log: read_log(&log_path),
                });
            }
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL (`Child::kill`), then reaps the process.
    pub fn kill_9(mut self) -> ExitStatus {
        self.child.kill().expect("SIGKILL");
        wait_for_exit(&mut self.child, PATIENCE)
    }

    /// Sends SIGTERM with `kill -TERM PID` and waits for the process to exit.
    pub fn terminate(mut self) -> ExitStatus {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM failed");
        wait_for_exit(&mut self.child, PATIENCE)
    }

    /// The node's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Waits for `child` to exit, polling; kills it and panics after `deadline`.
pub fn wait_for_exit(child: &mut Child, deadline: Duration) -> ExitStatus {
    let give_up = Instant::now() + deadline;
    let mut pause = Duration::from_millis(2);
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        if Instant::now() >= give_up {
            let _ = child.kill();
            let _ = child.wait();
            panic!("process {} did not exit within {deadline:?}", child.id());
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

/// A port that was free a moment ago (bound on 127.0.0.1:0, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind 127.0.0.1:0")
        .local_addr()
        .expect("local address")
        .port()
}
