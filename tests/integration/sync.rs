//! Sync tests (issue 4): a working group of mutual-TLS nodes whose peer sessions all run
//! through a fault-injecting proxy ([`crate::netproxy`]), checked after every scenario
//! against the replication invariants ([`crate::invariants`]).
//!
//! Each scenario starts its own group in a temporary directory: a CA, a node certificate per
//! member naming `127.0.0.1` and every `127.0.0.(10+i)`, signing keys, and a membership file
//! whose endpoints are the proxy's listeners. Node `i` listens on `127.0.0.(10+i):0` and
//! dials its peers from that address, so the proxy knows who is calling whom. Nodes run
//! in-process (`concord::node::start`) except where a crash is the point: those are the real
//! `concord` binary, killed with SIGKILL. Every wait polls a condition up to a deadline;
//! scenarios that shuffle print their seed (rerun with `CONCORD_TEST_SEED=<seed>`).
//!
//! Fresh stores with peers do not author until a majority of their peers has streamed them
//! everything (amnesia protection): [`Cluster::wait_authoring`] waits for that; where a test
//! cuts links before the nodes ever meet, it takes the operator's explicit decision
//! (`Ledger::finish_recovery`) instead, as a new group's first start would.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use concord::config::{NodeConfig, TlsConfig};
use concord::ledger::Ledger;
use concord::log::{Change, EntryBody, EntryHash};
use concord::node::{NodeError, RunningNode};
use concord::rpc::client::ClientTls;
use concord::rpc::codec;
use concord::rpc::pb;
use concord::rpc::pb::reports_client::ReportsClient;
use concord::rpc::peer::{PeerClient, PushOutcome};
use concord::store::StoreError;
use concord::trust::membership::Membership;
use concord::trust::setup::{
    DEFAULT_CO_CHAIRS, DEFAULT_MEMBERS, MemberSetup, create_working_group,
};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tonic::transport::Channel;
use uuid::Uuid;

use crate::group::{client_tls_config, lazy_channel};
use crate::harness::{NodeProcess, PATIENCE, sample_content};
use crate::invariants::{
    Expect, MonotonicReads, Oracle, Probe, all_reports, check_converged, heads, node_info,
    pull_entries,
};
use crate::netproxy::{NetProxy, node_ip};

/// How long convergence may take after quiescence (liveness bound).
const CONVERGENCE: Duration = Duration::from_secs(45);
/// The client certificate name made for every member.
const CLIENT: &str = "sync";
/// The working group's name.
const GROUP: &str = "rtwg";

// ---------------------------------------------------------------------------------------
// Seeds

/// The seed of a shuffling test: `CONCORD_TEST_SEED` or the clock; printed so that a failing
/// run can be repeated.
fn seed(test: &str) -> u64 {
    let seed = std::env::var("CONCORD_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        });
    eprintln!("{test}: seed {seed} (rerun with CONCORD_TEST_SEED={seed})");
    seed
}

/// splitmix64: small, deterministic, good enough to shuffle.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

// ---------------------------------------------------------------------------------------
// The cluster

enum Running {
    Down,
    InProcess(RunningNode),
    Process(NodeProcess, SocketAddr),
}

/// A working group of `n` members (the first `n` default members), each node behind the
/// proxy.
struct Cluster {
    dir: tempfile::TempDir,
    codes: Vec<String>,
    proxy: NetProxy,
    nodes: Vec<Running>,
    membership: Membership,
}

fn content(organization: &str, tag: &str, n: usize) -> pb::ReportContent {
    // Spread over countries and years as a real group's reports are (identical places
    // and dates would make every pair a candidate overlap).
    const COUNTRIES: [&str; 12] = [
        "TH", "KH", "LA", "VN", "MM", "PH", "ID", "MY", "BD", "NP", "LK", "MN",
    ];
    let spread = organization.bytes().map(usize::from).sum::<usize>() + n * 7;
    let mut content = sample_content(&format!("{organization} {tag} {n}"));
    content.summary[0].text = format!("Report {n} of {organization}, {tag}.");
    content.location = format!("Venue {n}");
    content.countries = vec![COUNTRIES[spread % COUNTRIES.len()].to_string()];
    let year = 1990 + spread % 30;
    let month = 1 + spread % 12;
    if let Some(dates) = content.dates.as_mut() {
        for date in [
            &mut dates.planned_start,
            &mut dates.actual_start,
            &mut dates.planned_end,
            &mut dates.actual_end,
        ] {
            *date = format!("{year}-{month:02}-{}", &date[8..]);
        }
    }
    content
}

impl Cluster {
    async fn new(n: usize) -> Cluster {
        assert!((2..=DEFAULT_MEMBERS.len()).contains(&n));
        let dir = tempfile::tempdir().expect("temporary directory");
        let proxy = NetProxy::start(n).await;
        let mut hosts = vec!["127.0.0.1".to_string()];
        hosts.extend((0..n).map(|i| node_ip(i).to_string()));
        let members: Vec<MemberSetup> = DEFAULT_MEMBERS[..n]
            .iter()
            .enumerate()
            .map(|(i, (code, name, _, _))| MemberSetup {
                code: code.to_string(),
                name: name.to_string(),
                hosts: hosts.clone(),
                endpoint: proxy.endpoint(i),
                iati_identifiers: Vec::new(),
                aliases: Vec::new(),
            })
            .collect();
        let root = dir.path().to_path_buf();
        let layout = tokio::task::spawn_blocking(move || {
            create_working_group(&root, GROUP, &members, DEFAULT_CO_CHAIRS, CLIENT)
        })
        .await
        .unwrap()
        .expect("create the working group");
        let membership = Membership::load(&layout.membership_file).expect("membership");
        Cluster {
            codes: DEFAULT_MEMBERS[..n]
                .iter()
                .map(|m| m.0.to_string())
                .collect(),
            nodes: (0..n).map(|_| Running::Down).collect(),
            dir,
            proxy,
            membership,
        }
    }

    fn n(&self) -> usize {
        self.codes.len()
    }

    fn all(&self) -> Vec<usize> {
        (0..self.n()).collect()
    }

    fn root(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    fn certs_dir(&self) -> PathBuf {
        self.root().join("certs")
    }

    fn data_dir(&self, i: usize) -> PathBuf {
        self.root().join("nodes").join(&self.codes[i])
    }

    fn signing_key_file(&self, i: usize) -> PathBuf {
        self.root().join(&self.codes[i]).join("signing.key")
    }

    fn signing_key(&self, i: usize) -> ed25519_dalek::SigningKey {
        concord::node::load_or_create_signing_key(&self.signing_key_file(i)).expect("signing key")
    }

    fn config(&self, i: usize) -> NodeConfig {
        let mut config = NodeConfig {
            organization: self.codes[i].clone(),
            listen: SocketAddr::new(node_ip(i), 0),
            data_dir: self.data_dir(i),
            signing_key_file: Some(self.signing_key_file(i)),
            tls: Some(TlsConfig {
                certs_dir: Some(self.certs_dir()),
                membership_file: self.root().join("membership.toml"),
                ..TlsConfig::default()
            }),
            ..NodeConfig::default()
        };
        config.store.cache_mib = 8;
        config.shutdown.grace_secs = 5;
        config.replication.reconnect_max_secs = 1;
        config.replication.connect_timeout_secs = 5;
        config.replication.keepalive_secs = 5;
        config.replication.anti_entropy_secs = 2;
        config.replication.source_address = Some(node_ip(i));
        config.metrics.listen = Some(SocketAddr::new(node_ip(i), 0));
        config
    }

    /// Starts node `i` in-process (retrying while its previous incarnation still holds the
    /// store lock).
    async fn start(&mut self, i: usize) {
        assert!(
            matches!(self.nodes[i], Running::Down),
            "node {i} is running"
        );
        let give_up = Instant::now() + PATIENCE;
        let node = loop {
            let config = self.config(i);
            let listener = tokio::net::TcpListener::bind(config.listen)
                .await
                .expect("bind the node's address");
            match concord::node::start(config, listener).await {
                Ok(node) => break node,
                Err(NodeError::Store(StoreError::Locked(_))) if Instant::now() < give_up => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(error) => panic!("{} did not start: {error}", self.codes[i]),
            }
        };
        self.proxy.set_target(i, Some(node.local_addr()));
        self.nodes[i] = Running::InProcess(node);
    }

    /// Starts node `i` as a `concord node` process.
    async fn start_process(&mut self, i: usize) {
        assert!(
            matches!(self.nodes[i], Running::Down),
            "node {i} is running"
        );
        let config = self.config(i);
        let path = |p: &std::path::Path| format!("{:?}", p.display().to_string());
        let text = format!(
            "organization = {:?}\nlisten = \"{}\"\ndata_dir = {}\nsigning_key_file = {}\n\n\
             [tls]\ncerts_dir = {}\nmembership_file = {}\n\n[store]\ncache_mib = 8\n\n\
             [replication]\nreconnect_max_secs = 1\nconnect_timeout_secs = 5\n\
             keepalive_secs = 5\nanti_entropy_secs = 2\nsource_address = \"{}\"\n\n\
             [shutdown]\ngrace_secs = 5\n",
            config.organization,
            config.listen,
            path(&config.data_dir),
            path(config.signing_key_file.as_ref().unwrap()),
            path(&self.certs_dir()),
            path(&self.root().join("membership.toml")),
            node_ip(i),
        );
        let config_file = self.root().join(format!("{}.toml", self.codes[i]));
        std::fs::write(&config_file, text).expect("write the node's configuration");
        let logs = self.root().join("logs");
        let args: Vec<std::ffi::OsString> =
            vec!["node".into(), "--config".into(), config_file.into()];
        let process =
            tokio::task::spawn_blocking(move || NodeProcess::try_spawn_with_args(&args, &logs))
                .await
                .unwrap()
                .unwrap_or_else(|failure| panic!("concord node did not start: {failure:#?}"));
        let addr: SocketAddr = process
            .endpoint
            .trim_start_matches("http://")
            .parse()
            .expect("the node's address");
        self.proxy.set_target(i, Some(addr));
        self.nodes[i] = Running::Process(process, addr);
    }

    async fn start_all(&mut self) {
        for i in 0..self.n() {
            self.start(i).await;
        }
    }

    /// Graceful stop (in-process: `shutdown`; process: SIGTERM).
    async fn stop(&mut self, i: usize) {
        self.proxy.set_target(i, None);
        match std::mem::replace(&mut self.nodes[i], Running::Down) {
            Running::Down => {}
            Running::InProcess(node) => tokio::time::timeout(PATIENCE, node.shutdown())
                .await
                .expect("node stops within the deadline")
                .expect("node stops cleanly"),
            Running::Process(process, _) => {
                let status = tokio::task::spawn_blocking(move || process.terminate())
                    .await
                    .unwrap();
                assert_eq!(status.code(), Some(0), "SIGTERM exits 0");
            }
        }
    }

    /// SIGKILL of a process node.
    async fn kill_9(&mut self, i: usize) -> String {
        self.proxy.set_target(i, None);
        match std::mem::replace(&mut self.nodes[i], Running::Down) {
            Running::Process(process, _) => {
                let log = process.log();
                let status = tokio::task::spawn_blocking(move || process.kill_9())
                    .await
                    .unwrap();
                use std::os::unix::process::ExitStatusExt;
                assert_eq!(status.signal(), Some(9), "died of SIGKILL");
                log
            }
            _ => panic!("node {i} is not a process"),
        }
    }

    async fn shutdown(mut self) {
        for i in 0..self.n() {
            self.stop(i).await;
        }
    }

    fn addr(&self, i: usize) -> SocketAddr {
        match &self.nodes[i] {
            Running::InProcess(node) => node.local_addr(),
            Running::Process(_, addr) => *addr,
            Running::Down => panic!("{} is down", self.codes[i]),
        }
    }

    /// `https://ADDR` of node `i`'s real listener.
    fn endpoint(&self, i: usize) -> String {
        format!("https://{}", self.addr(i))
    }

    fn ledger(&self, i: usize) -> Arc<Ledger> {
        match &self.nodes[i] {
            Running::InProcess(node) => node.ledger().clone(),
            _ => panic!("{} is not in-process", self.codes[i]),
        }
    }

    fn running_node(&self, i: usize) -> &RunningNode {
        match &self.nodes[i] {
            Running::InProcess(node) => node,
            _ => panic!("{} is not in-process", self.codes[i]),
        }
    }

    fn client_tls(&self, i: usize) -> ClientTls {
        let certificate = self.certs_dir().join(format!(
            "{}.crt",
            concord::trust::certs::files::client_stem(&self.codes[i], CLIENT)
        ));
        ClientTls::load(&self.certs_dir(), &certificate).expect("client certificate")
    }

    fn node_tls(&self, i: usize) -> ClientTls {
        let certificate = self.certs_dir().join(format!(
            "{}.crt",
            concord::trust::certs::files::node_stem(&self.codes[i])
        ));
        ClientTls::load(&self.certs_dir(), &certificate).expect("node certificate")
    }

    /// A Reports client of node `i`, presenting a client certificate of its organization
    /// (which may write there). Straight to the node: the proxy is only between nodes.
    fn reports(&self, i: usize) -> ReportsClient<Channel> {
        ReportsClient::new(lazy_channel(
            &self.endpoint(i),
            Some(client_tls_config(&self.client_tls(i))),
        ))
    }

    fn author(&self, i: usize, oracle: &Arc<Mutex<Oracle>>) -> Author {
        Author {
            organization: self.codes[i].clone(),
            client: self.reports(i),
            oracle: oracle.clone(),
        }
    }

    fn probe(&self, i: usize) -> Probe {
        let (ledger, peer_sessions) = match &self.nodes[i] {
            Running::InProcess(node) => {
                (Some(node.ledger().clone()), Some(node.peer_status().len()))
            }
            _ => (None, None),
        };
        Probe {
            name: self.codes[i].clone(),
            endpoint: self.endpoint(i),
            reports: self.reports(i),
            node_tls: self.node_tls(i),
            ledger,
            peer_sessions,
        }
    }

    fn probes(&self, which: &[usize]) -> Vec<Probe> {
        which.iter().map(|&i| self.probe(i)).collect()
    }

    /// Waits until the in-process nodes `which` may author (recovery over).
    async fn wait_authoring(&self, which: &[usize]) {
        let give_up = Instant::now() + PATIENCE;
        for &i in which {
            let ledger = self.ledger(i);
            while ledger.is_recovering() {
                assert!(
                    Instant::now() < give_up,
                    "{} still recovering after {PATIENCE:?}: {:?}",
                    self.codes[i],
                    self.running_node(i).peer_status()
                );
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }

    /// Checks every invariant on the nodes `which` against `oracle`.
    async fn check(
        &self,
        which: &[usize],
        oracle: &Arc<Mutex<Oracle>>,
        reads: &mut MonotonicReads,
        expect: &Expect,
    ) {
        let oracle = oracle.lock().unwrap().clone();
        self.check_against(which, &oracle, reads, expect).await;
    }

    async fn check_against(
        &self,
        which: &[usize],
        oracle: &Oracle,
        reads: &mut MonotonicReads,
        expect: &Expect,
    ) {
        check_converged(
            &self.probes(which),
            oracle,
            reads,
            &self.membership,
            expect,
            CONVERGENCE,
        )
        .await;
    }

    /// Node `i`'s NodeInfo frontier: organization -> sequence.
    async fn sequences(&self, i: usize) -> BTreeMap<String, u64> {
        heads(&node_info(&self.probe(i)).await.expect("node info"))
            .into_iter()
            .map(|(organization, (sequence, _))| (organization, sequence))
            .collect()
    }

    /// Pushes `entries` to node `target` presenting node `as_node`'s certificate.
    async fn push(&self, target: usize, as_node: usize, entries: Vec<Vec<u8>>) -> PushOutcome {
        PeerClient::connect(
            &self.endpoint(target),
            &self.node_tls(as_node),
            Duration::from_secs(10),
            Duration::from_secs(30),
            None,
        )
        .await
        .expect("connect as a peer")
        .push(entries, &self.membership.hash_hex())
        .await
        .expect("push")
    }

    /// Everything node `i` serves to peers.
    async fn entries(&self, i: usize) -> Vec<Vec<u8>> {
        pull_entries(&self.endpoint(i), &self.node_tls(0), &self.membership)
            .await
            .1
    }
}

/// Writes through a node's client API, recording every acknowledgement in the oracle.
#[derive(Clone)]
struct Author {
    organization: String,
    client: ReportsClient<Channel>,
    oracle: Arc<Mutex<Oracle>>,
}

impl Author {
    fn record(&self, report: pb::Report) -> pb::Report {
        self.oracle.lock().unwrap().acknowledged(&report);
        report
    }

    async fn submit(&self, tag: &str, n: usize) -> pb::Report {
        let report = self
            .client
            .clone()
            .submit(pb::SubmitRequest {
                content: Some(content(&self.organization, tag, n)),
                idempotency_key: String::new(),
            })
            .await
            .unwrap_or_else(|s| panic!("submit on {}: {s:?}", self.organization))
            .into_inner()
            .report
            .expect("report");
        self.record(report)
    }

    async fn submit_many(&self, tag: &str, count: usize) -> Vec<pb::Report> {
        let mut reports = Vec::new();
        for n in 0..count {
            reports.push(self.submit(tag, n).await);
        }
        reports
    }

    async fn revise(&self, report: &pb::Report, tag: &str) -> pb::Report {
        let report = self
            .client
            .clone()
            .revise(pb::ReviseRequest {
                id: report.id.clone(),
                expected_revision: report.revision,
                content: Some(content(&self.organization, tag, report.revision as usize)),
            })
            .await
            .unwrap_or_else(|s| panic!("revise on {}: {s:?}", self.organization))
            .into_inner()
            .report
            .expect("report");
        self.record(report)
    }

    async fn withdraw(&self, report: &pb::Report) -> pb::Report {
        let report = self
            .client
            .clone()
            .withdraw(pb::WithdrawRequest {
                id: report.id.clone(),
                reason: "duplicate of another report".into(),
                expected_revision: report.revision,
            })
            .await
            .unwrap_or_else(|s| panic!("withdraw on {}: {s:?}", self.organization))
            .into_inner()
            .report
            .expect("report");
        self.record(report)
    }

    /// `count` reports, then a revision of the first and the withdrawal of the second.
    async fn write_batch(&self, tag: &str, count: usize) -> Vec<pb::Report> {
        let mut reports = self.submit_many(tag, count).await;
        if count >= 2 {
            reports[0] = self.revise(&reports[0], &format!("{tag} revised")).await;
            reports[1] = self.withdraw(&reports[1]).await;
        }
        reports
    }
}

/// Every author of `which` writes `write_batch(tag, count)` at once.
async fn write_everywhere(
    cluster: &Cluster,
    which: &[usize],
    oracle: &Arc<Mutex<Oracle>>,
    tag: &str,
    count: usize,
) {
    let mut tasks = JoinSet::new();
    for &i in which {
        let author = cluster.author(i, oracle);
        let tag = tag.to_string();
        tasks.spawn(async move {
            author.write_batch(&tag, count).await;
        });
    }
    while let Some(result) = tasks.join_next().await {
        result.expect("writer task");
    }
}

/// The oracle as a node that heard nothing new from `frozen` since `before` must see it.
fn without_news_from(full: &Oracle, before: &Oracle, frozen: &[String]) -> Oracle {
    let mut view = full.clone();
    for organization in frozen {
        match before.heads.get(organization) {
            Some(sequence) => {
                view.heads.insert(organization.clone(), *sequence);
            }
            None => {
                view.heads.remove(organization);
            }
        }
        view.reports.retain(|_, r| &r.organization != organization);
        for (id, report) in &before.reports {
            if &report.organization == organization {
                view.reports.insert(id.clone(), report.clone());
            }
        }
    }
    view
}

fn codes_of(cluster: &Cluster, which: &[usize]) -> Vec<String> {
    which.iter().map(|&i| cluster.codes[i].clone()).collect()
}

/// Signs an entry of `organization`'s log, as its node would (for scenarios a real node
/// cannot produce: clock skew, forks).
#[allow(clippy::too_many_arguments)]
fn craft_entry(
    key: &ed25519_dalek::SigningKey,
    organization: &str,
    sequence: u64,
    previous_hash: EntryHash,
    authored_at_unix_ms: i64,
    report_id: Uuid,
    revision: u64,
    content: pb::ReportContent,
) -> Vec<u8> {
    let today = concord::report::Date::from_unix_seconds(now_ms() / 1000);
    let content = concord::report::validate::validate_draft(&codec::draft_from_pb(content), today)
        .expect("valid content");
    let body = EntryBody {
        organization: organization.to_string(),
        sequence,
        previous_hash,
        authored_at_unix_ms,
        report_id,
        revision,
        epoch: 1,
        change: Change::Withdrawal {
            reason: String::new(),
        },
    };
    codec::encode_signed_entry(&codec::sign_content_entry(body, &content, key))
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn body_of(bytes: &[u8]) -> EntryBody {
    codec::decode_entry_body(&codec::decode_signed_entry(bytes).expect("entry").body_bytes)
        .expect("body")
}

fn hash_of(bytes: &[u8]) -> EntryHash {
    codec::decode_signed_entry(bytes).expect("entry").hash()
}

/// `organization`'s entries among `entries`, in log order.
fn log_of(entries: &[Vec<u8>], organization: &str) -> Vec<Vec<u8>> {
    let mut log: Vec<(u64, Vec<u8>)> = entries
        .iter()
        .filter_map(|bytes| {
            let body = body_of(bytes);
            (body.organization == organization).then(|| (body.sequence, bytes.clone()))
        })
        .collect();
    log.sort_by_key(|(sequence, _)| *sequence);
    log.into_iter().map(|(_, bytes)| bytes).collect()
}

async fn get(client: &ReportsClient<Channel>, id: &str) -> pb::Report {
    client
        .clone()
        .get(pb::GetRequest { id: id.to_string() })
        .await
        .unwrap_or_else(|s| panic!("get {id}: {s:?}"))
        .into_inner()
        .report
        .expect("report")
}

/// Polls `condition` every few milliseconds until it holds (panics with `what` after
/// `deadline`).
async fn poll<F, Fut>(deadline: Duration, what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let give_up = Instant::now() + deadline;
    while !condition().await {
        assert!(
            Instant::now() < give_up,
            "gave up after {deadline:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

// ---------------------------------------------------------------------------------------
// 1. Fifteen nodes

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifteen_nodes_converge_after_concurrent_posting_everywhere() {
    let started = Instant::now();
    let mut cluster = Cluster::new(15).await;
    cluster.start_all().await;
    let all = cluster.all();
    cluster.wait_authoring(&all).await;
    let ready = started.elapsed();
    let oracle = Arc::new(Mutex::new(Oracle::default()));
    let mut reads = MonotonicReads::default();
    // 20 reports at every node at once, then a revision and a withdrawal each.
    write_everywhere(&cluster, &all, &oracle, "concurrent", 20).await;
    let written = started.elapsed();
    cluster
        .check(&all, &oracle, &mut reads, &Expect::default())
        .await;
    eprintln!(
        "fifteen nodes: ready {ready:?}, written {written:?}, converged and checked {:?}",
        started.elapsed()
    );
    cluster.shutdown().await;
}

// ---------------------------------------------------------------------------------------
// 2. Symmetric partition

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn symmetric_partition_with_writes_on_both_sides_converges_after_healing() {
    let started = Instant::now();
    let mut cluster = Cluster::new(6).await;
    cluster.start_all().await;
    let all = cluster.all();
    let (left, right) = ([0, 1, 2], [3, 4, 5]);
    cluster.wait_authoring(&all).await;
    let oracle = Arc::new(Mutex::new(Oracle::default()));
    let mut reads = MonotonicReads::default();
    write_everywhere(&cluster, &all, &oracle, "before", 3).await;
    cluster
        .check(&all, &oracle, &mut reads, &Expect::default())
        .await;

    cluster.proxy.partition(&left, &right);
    let before = oracle.lock().unwrap().clone();
    write_everywhere(&cluster, &all, &oracle, "partitioned", 30).await;
    let full = oracle.lock().unwrap().clone();
    // Each side converges on its own writes and holds nothing new of the other side.
    let left_view = without_news_from(&full, &before, &codes_of(&cluster, &right));
    let right_view = without_news_from(&full, &before, &codes_of(&cluster, &left));
    cluster
        .check_against(&left, &left_view, &mut reads, &Expect::default())
        .await;
    cluster
        .check_against(&right, &right_view, &mut reads, &Expect::default())
        .await;

    // Heal slowly (every chunk across the old partition held 20 ms), and reset every
    // connection while the catch-up is in the middle of a batch.
    let slow = Duration::from_millis(20);
    for &a in &left {
        for &b in &right {
            cluster.proxy.delay(a, b, slow);
            cluster.proxy.delay(b, a, slow);
            cluster.proxy.heal(a, b);
        }
    }
    let watched = cluster.codes[right[0]].clone();
    let (low, high) = (before.heads[&watched], full.heads[&watched]);
    let mut resets_mid_batch = 0;
    let give_up = Instant::now() + PATIENCE;
    while resets_mid_batch < 2 && Instant::now() < give_up {
        let held = cluster
            .sequences(left[0])
            .await
            .get(&watched)
            .copied()
            .unwrap_or(0);
        if held >= high {
            break;
        }
        if held > low {
            cluster.proxy.reset_all();
            resets_mid_batch += 1;
            // Wait for the next stretch of progress before resetting again.
            let (at, c, w) = (held, &cluster, &watched);
            poll(PATIENCE, "progress after a reset", move || async move {
                c.sequences(left[0]).await.get(w).copied().unwrap_or(0) > at
            })
            .await;
        } else {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
    eprintln!("symmetric partition: {resets_mid_batch} resets in the middle of a catch-up");
    for &a in &left {
        for &b in &right {
            cluster.proxy.delay(a, b, Duration::ZERO);
            cluster.proxy.delay(b, a, Duration::ZERO);
        }
    }
    cluster
        .check(&all, &oracle, &mut reads, &Expect::default())
        .await;
    eprintln!("symmetric partition: {:?}", started.elapsed());
    cluster.shutdown().await;
}

// ---------------------------------------------------------------------------------------
// 3. One-way partition

/// One-way, with pull-based replication: the left side cannot reach (so cannot pull from)
/// the right side, while the right side still reaches and pulls from the left. So the
/// left's entries reach the right and the right's do not reach the left, until healing.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_way_partition_with_writes_on_both_sides_converges_after_healing() {
    let started = Instant::now();
    let mut cluster = Cluster::new(6).await;
    cluster.start_all().await;
    let all = cluster.all();
    let (left, right) = ([0, 1, 2], [3, 4, 5]);
    cluster.wait_authoring(&all).await;
    let oracle = Arc::new(Mutex::new(Oracle::default()));
    let mut reads = MonotonicReads::default();
    write_everywhere(&cluster, &all, &oracle, "before", 3).await;
    cluster
        .check(&all, &oracle, &mut reads, &Expect::default())
        .await;

    for &a in &left {
        for &b in &right {
            cluster.proxy.one_way(a, b);
        }
    }
    let before = oracle.lock().unwrap().clone();
    write_everywhere(&cluster, &all, &oracle, "one-way", 20).await;
    let full = oracle.lock().unwrap().clone();
    // The right side pulls everything; the left side gets nothing new of the right's.
    cluster
        .check_against(&right, &full, &mut reads, &Expect::default())
        .await;
    let left_view = without_news_from(&full, &before, &codes_of(&cluster, &right));
    cluster
        .check_against(&left, &left_view, &mut reads, &Expect::default())
        .await;
    let proxy = &cluster.proxy;
    poll(
        PATIENCE,
        "every left node to have tried the right side",
        move || async move {
            left.iter()
                .all(|&a| right.iter().all(|&b| proxy.refused(a, b) > 0))
        },
    )
    .await;

    cluster.proxy.heal_all();
    cluster
        .check(&all, &oracle, &mut reads, &Expect::default())
        .await;
    eprintln!("one-way partition: {:?}", started.elapsed());
    cluster.shutdown().await;
}

// ---------------------------------------------------------------------------------------
// 4. kill -9 while entries stream in

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_node_killed_mid_sync_restarts_on_its_data_and_converges() {
    let started = Instant::now();
    let mut cluster = Cluster::new(4).await;
    let (authors, victim) = ([0, 1, 2], 3);
    for i in authors {
        cluster.start(i).await;
    }
    cluster.start_process(victim).await;
    let all = cluster.all();
    cluster.wait_authoring(&authors).await;
    let oracle = Arc::new(Mutex::new(Oracle::default()));
    let mut reads = MonotonicReads::default();
    write_everywhere(&cluster, &authors, &oracle, "before", 5).await;
    cluster
        .check(&all, &oracle, &mut reads, &Expect::default())
        .await;
    let incarnation = node_info(&cluster.probe(victim))
        .await
        .unwrap()
        .store_incarnation;

    // The victim misses 3 x 100 reports, then catches up slowly.
    cluster.proxy.isolate(victim, cluster.n());
    let before = oracle.lock().unwrap().total_entries();
    write_everywhere(&cluster, &authors, &oracle, "missed", 100).await;
    let total = oracle.lock().unwrap().total_entries();
    for i in authors {
        cluster.proxy.delay(victim, i, Duration::from_millis(25));
        cluster.proxy.heal(victim, i);
    }
    let victim_probe = cluster.probe(victim);
    let held_at_kill = Arc::new(std::sync::atomic::AtomicU64::new(0));
    poll(
        PATIENCE,
        "the victim to be in the middle of its catch-up",
        || {
            let probe = victim_probe.clone();
            let held_at_kill = held_at_kill.clone();
            async move {
                let Ok(info) = node_info(&probe).await else {
                    return false;
                };
                let held: u64 = info.frontier.iter().map(|h| h.sequence).sum();
                assert!(
                    held < total,
                    "the catch-up ended before the kill; slow it down"
                );
                held_at_kill.store(held, std::sync::atomic::Ordering::SeqCst);
                held > before + 20
            }
        },
    )
    .await;
    let held_at_kill = held_at_kill.load(std::sync::atomic::Ordering::SeqCst);
    let log = cluster.kill_9(victim).await;
    eprintln!(
        "killed {} with SIGKILL holding {held_at_kill} of {total} entries",
        cluster.codes[victim]
    );

    // Restart on the same data directory, at full speed.
    for i in authors {
        cluster.proxy.delay(victim, i, Duration::ZERO);
    }
    cluster.start_process(victim).await;
    let restarted = node_info(&cluster.probe(victim)).await.unwrap();
    assert_eq!(
        restarted.store_incarnation, incarnation,
        "the same store, reopened"
    );
    assert!(
        restarted.frontier.iter().map(|h| h.sequence).sum::<u64>() >= before,
        "entries durable before the kill are kept"
    );
    cluster
        .check(&all, &oracle, &mut reads, &Expect::default())
        .await;
    assert!(!log.is_empty());
    eprintln!("kill -9 mid-sync: {:?}", started.elapsed());
    cluster.shutdown().await;
}

// ---------------------------------------------------------------------------------------
// 5. Lost disk

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_node_that_lost_its_disk_recovers_its_own_log_before_authoring() {
    let started = Instant::now();
    let mut cluster = Cluster::new(4).await;
    cluster.start_all().await;
    let all = cluster.all();
    let wiped = 3;
    let code = cluster.codes[wiped].clone();
    cluster.wait_authoring(&all).await;
    let oracle = Arc::new(Mutex::new(Oracle::default()));
    let mut reads = MonotonicReads::default();
    write_everywhere(&cluster, &all, &oracle, "before", 4).await;
    cluster
        .check(&all, &oracle, &mut reads, &Expect::default())
        .await;
    let own_head = oracle.lock().unwrap().heads[&code];
    let incarnation = node_info(&cluster.probe(wiped))
        .await
        .unwrap()
        .store_incarnation;

    // The disk is lost: the whole data directory goes (the signing key is kept elsewhere).
    cluster.stop(wiped).await;
    std::fs::remove_dir_all(cluster.data_dir(wiped)).expect("delete the data directory");
    cluster.proxy.isolate(wiped, cluster.n());
    cluster.start(wiped).await;
    reads.forget(&code);
    let ledger = cluster.ledger(wiped);
    assert!(
        ledger.is_recovering(),
        "a new store with peers recovers first"
    );
    let info = node_info(&cluster.probe(wiped)).await.unwrap();
    assert_ne!(info.store_incarnation, incarnation, "a new store");
    assert!(info.frontier.is_empty(), "{:?}", info.frontier);
    let refused = cluster
        .reports(wiped)
        .submit(pb::SubmitRequest {
            content: Some(content(&code, "during recovery", 0)),
            idempotency_key: String::new(),
        })
        .await
        .expect_err("no authoring during recovery");
    assert_eq!(refused.code(), tonic::Code::Unavailable, "{refused:?}");
    assert!(refused.message().contains("recovering"), "{refused:?}");

    // The others go on meanwhile.
    write_everywhere(&cluster, &[0, 1, 2], &oracle, "meanwhile", 3).await;
    cluster.proxy.heal_all();
    poll(PATIENCE, "the end of recovery", || {
        let ledger = ledger.clone();
        async move { !ledger.is_recovering() }
    })
    .await;
    // Authoring resumed only once its own log was back.
    let held = cluster.sequences(wiped).await;
    assert!(
        held.get(&code).copied().unwrap_or(0) >= own_head,
        "authoring enabled with {code}'s log at {held:?}, its head was {own_head}"
    );
    let next = cluster
        .author(wiped, &oracle)
        .submit("after recovery", 0)
        .await;
    assert_eq!(
        next.sequence,
        own_head + 1,
        "the log continues where it was: no fork"
    );
    cluster
        .check(&all, &oracle, &mut reads, &Expect::default())
        .await;
    eprintln!("lost disk: {:?}", started.elapsed());
    cluster.shutdown().await;
}

// ---------------------------------------------------------------------------------------
// 6. Relay

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nodes_that_never_connect_exchange_reports_through_a_third() {
    let started = Instant::now();
    let mut cluster = Cluster::new(3).await;
    let (a, b, c) = (0, 1, 2);
    cluster.proxy.cut(a, c);
    cluster.start_all().await;
    // A and C can never hear from a majority of their peers: the operator starts them.
    for i in [a, c] {
        cluster.ledger(i).finish_recovery().unwrap();
    }
    cluster.wait_authoring(&[b]).await;
    let oracle = Arc::new(Mutex::new(Oracle::default()));
    let mut reads = MonotonicReads::default();
    write_everywhere(&cluster, &[a, b, c], &oracle, "relayed", 10).await;
    cluster
        .check(&[a, b, c], &oracle, &mut reads, &Expect::default())
        .await;
    assert_eq!(cluster.proxy.forwarded(a, c), 0);
    assert_eq!(cluster.proxy.forwarded(c, a), 0);
    assert!(cluster.proxy.refused(a, c) > 0 && cluster.proxy.refused(c, a) > 0);
    for (from, to) in [(a, c), (c, a)] {
        let status = cluster
            .running_node(from)
            .peer_status()
            .into_iter()
            .find(|s| s.organization == cluster.codes[to])
            .unwrap();
        assert_eq!(status.connected_since_ms, 0, "{status:?}");
        assert_eq!(status.entries_applied, 0, "{status:?}");
    }
    eprintln!("relay: {:?}", started.elapsed());
    cluster.shutdown().await;
}

// ---------------------------------------------------------------------------------------
// 7. Tampering, withholding and replaying relays

/// A member's "node" that relays other organizations' entries but withholds one
/// organization, stating a frontier without it (the worst a relay can do: it cannot forge).
#[derive(Clone)]
struct WithholdingRelay {
    logs: Arc<Mutex<BTreeMap<String, Vec<Vec<u8>>>>>,
    withheld: String,
    membership_hash: String,
    changed: Arc<watch::Sender<u64>>,
}

impl WithholdingRelay {
    fn load(&self, entries: &[Vec<u8>]) {
        let mut logs = self.logs.lock().unwrap();
        for bytes in entries {
            let body = body_of(bytes);
            let log = logs.entry(body.organization).or_default();
            if body.sequence == log.len() as u64 + 1 {
                log.push(bytes.clone());
            }
        }
        drop(logs);
        self.changed.send_modify(|v| *v += 1);
    }

    fn batch_after(&self, positions: &mut BTreeMap<String, u64>) -> Vec<Vec<u8>> {
        let logs = self.logs.lock().unwrap();
        let mut batch = Vec::new();
        for (organization, log) in logs.iter().filter(|(o, _)| **o != self.withheld) {
            let position = positions.entry(organization.clone()).or_default();
            for bytes in log.iter().skip(*position as usize) {
                batch.push(bytes.clone());
            }
            *position = (*position).max(log.len() as u64);
        }
        batch
    }
}

type PullStream =
    Pin<Box<dyn futures_util::Stream<Item = Result<pb::PullMessage, tonic::Status>> + Send>>;

#[tonic::async_trait]
impl pb::replication_server::Replication for WithholdingRelay {
    type PullStream = PullStream;

    async fn pull(
        &self,
        request: tonic::Request<tonic::Streaming<pb::PullRequest>>,
    ) -> Result<tonic::Response<PullStream>, tonic::Status> {
        // The opening request states the caller's frontier; later ones (acknowledgements)
        // are ignored: a withholding relay does not care what its callers hold.
        let mut requests = request.into_inner();
        let request = requests
            .message()
            .await?
            .ok_or_else(|| tonic::Status::invalid_argument("no opening request"))?;
        tokio::spawn(async move { while let Ok(Some(_)) = requests.message().await {} });
        let mut positions: BTreeMap<String, u64> = request
            .frontier
            .iter()
            .map(|h| (h.organization.clone(), h.sequence))
            .collect();
        let heads: Vec<pb::FrontierHead> = self
            .logs
            .lock()
            .unwrap()
            .iter()
            .filter(|(o, log)| **o != self.withheld && !log.is_empty())
            .map(|(organization, log)| pb::FrontierHead {
                organization: organization.clone(),
                sequence: log.len() as u64,
                head_hash: hash_of(log.last().unwrap()).0.to_vec(),
                authored_at_unix_ms: body_of(log.last().unwrap()).authored_at_unix_ms,
            })
            .collect();
        let (sender, receiver) = mpsc::channel(4);
        let relay = self.clone();
        let mut changed = self.changed.subscribe();
        tokio::spawn(async move {
            let opening = pb::PullMessage {
                kind: Some(pb::pull_message::Kind::Frontier(pb::Frontier {
                    heads,
                    membership_hash: relay.membership_hash.clone(),
                    store_incarnation: "withholding-relay".into(),
                })),
            };
            if sender.send(Ok(opening)).await.is_err() {
                return;
            }
            let mut caught_up = false;
            loop {
                changed.borrow_and_update();
                let entries = relay.batch_after(&mut positions);
                if !entries.is_empty() {
                    let batch = pb::PullMessage {
                        kind: Some(pb::pull_message::Kind::Batch(pb::EntryBatch { entries })),
                    };
                    if sender.send(Ok(batch)).await.is_err() {
                        return;
                    }
                }
                if !caught_up {
                    caught_up = true;
                    let message = pb::PullMessage {
                        kind: Some(pb::pull_message::Kind::CaughtUp(pb::CaughtUp {})),
                    };
                    if sender.send(Ok(message)).await.is_err() {
                        return;
                    }
                }
                if !request.follow {
                    return;
                }
                tokio::select! {
                    result = changed.changed() => if result.is_err() { return },
                    () = sender.closed() => return,
                }
            }
        });
        Ok(tonic::Response::new(Box::pin(
            tokio_stream::wrappers::ReceiverStream::new(receiver),
        )))
    }

    async fn push(
        &self,
        _request: tonic::Request<pb::PushRequest>,
    ) -> Result<tonic::Response<pb::PushResponse>, tonic::Status> {
        Err(tonic::Status::unimplemented("this relay takes no pushes"))
    }
}

/// Serves `relay` as node `i` (its node certificate, mutual TLS) on `127.0.0.(10+i):0`.
async fn serve_relay(cluster: &Cluster, i: usize, relay: WithholdingRelay) -> SocketAddr {
    let tls = cluster.node_tls(i);
    let listener = tokio::net::TcpListener::bind(SocketAddr::new(node_ip(i), 0))
        .await
        .expect("bind the relay");
    let addr = listener.local_addr().unwrap();
    let server = tonic::transport::Server::builder()
        .tls_config(
            tonic::transport::ServerTlsConfig::new()
                .identity(tonic::transport::Identity::from_pem(
                    &tls.certificate_pem,
                    &tls.key_pem,
                ))
                .client_ca_root(tonic::transport::Certificate::from_pem(&tls.ca_pem)),
        )
        .expect("relay TLS")
        .add_service(pb::replication_server::ReplicationServer::new(relay));
    tokio::spawn(
        server.serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
    );
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tampered_withheld_and_replayed_entries_from_a_relay_change_nothing() {
    let started = Instant::now();
    let seed = seed("relay faults");
    let mut rng = Rng(seed);
    let mut cluster = Cluster::new(4).await;
    let (a, b, relay_index, c) = (0, 1, 2, 3);
    let (code_a, code_b) = (cluster.codes[a].clone(), cluster.codes[b].clone());
    // C hears only from the relay.
    cluster.proxy.cut(c, a);
    cluster.proxy.cut(c, b);
    let relay = WithholdingRelay {
        logs: Arc::default(),
        withheld: code_a.clone(),
        membership_hash: cluster.membership.hash_hex(),
        changed: Arc::new(watch::channel(0).0),
    };
    let relay_addr = serve_relay(&cluster, relay_index, relay.clone()).await;
    cluster.proxy.set_target(relay_index, Some(relay_addr));
    for i in [a, b, c] {
        cluster.start(i).await;
    }
    cluster.wait_authoring(&[a, b]).await;
    let oracle = Arc::new(Mutex::new(Oracle::default()));
    let mut reads = MonotonicReads::default();
    write_everywhere(&cluster, &[a, b], &oracle, "relay", 5).await;
    cluster
        .check(&[a, b], &oracle, &mut reads, &Expect::default())
        .await;
    let entries = cluster.entries(a).await;
    relay.load(&entries);

    // Withholding: C gets B's log through the relay, nothing of A's.
    let full = oracle.lock().unwrap().clone();
    let relayed_view = without_news_from(&full, &Oracle::default(), std::slice::from_ref(&code_a));
    cluster
        .check_against(&[c], &relayed_view, &mut reads, &Expect::default())
        .await;

    // Tampering: a byte of A's first entry flipped, pushed by a relay. First inside the
    // signature (still decodable): it no longer verifies. Then inside the content beside
    // the body (a title, still decodable): it no longer matches the digest the body
    // commits to.
    let first_of_a = log_of(&entries, &code_a)[0].clone();
    let signature = codec::decode_signed_entry(&first_of_a)
        .expect("entry")
        .signature;
    let at = first_of_a
        .windows(signature.len())
        .position(|w| w == signature)
        .expect("the signature is in the entry");
    let mut tampered = first_of_a.clone();
    tampered[at + 10] ^= 0x01;
    let outcome = cluster.push(c, relay_index, vec![tampered]).await;
    assert_eq!(outcome.applied, 0);
    assert_eq!(outcome.rejected.len(), 1, "{outcome:?}");
    assert_eq!(outcome.rejected[0].1, "SIGNATURE_INVALID", "{outcome:?}");
    // Entry 1 was revised since (its content is purged): take the first that carries one.
    let whole_of_a = log_of(&entries, &code_a)
        .into_iter()
        .find(|bytes| {
            codec::decode_signed_entry(bytes)
                .expect("entry")
                .content
                .is_some()
        })
        .expect("an entry of A with content");
    let title = format!("{code_a} relay ");
    let at = whole_of_a
        .windows(title.len())
        .position(|w| w == title.as_bytes())
        .expect("the title is in the entry's content");
    let mut tampered = whole_of_a.clone();
    tampered[at] ^= 0x01;
    let outcome = cluster.push(c, relay_index, vec![tampered]).await;
    assert_eq!(outcome.applied, 0);
    assert_eq!(outcome.rejected.len(), 1, "{outcome:?}");
    assert_eq!(outcome.rejected[0].1, "INVALID_CONTENT", "{outcome:?}");
    // Then anywhere at all: always refused, never stored.
    let mut reasons = BTreeMap::<String, usize>::new();
    for round in 0..60 {
        let mut tampered = if round % 2 == 0 {
            first_of_a.clone()
        } else {
            whole_of_a.clone()
        };
        let position = rng.below(tampered.len());
        tampered[position] ^= 1 << rng.below(8);
        let outcome = cluster.push(c, relay_index, vec![tampered]).await;
        assert_eq!(
            (outcome.applied, outcome.duplicates, outcome.rejected.len()),
            (0, 0, 1),
            "byte {position} flipped (seed {seed}): {outcome:?}"
        );
        *reasons.entry(outcome.rejected[0].1.clone()).or_default() += 1;
    }
    eprintln!("tampered entries refused: {reasons:?}");
    for reason in reasons.keys() {
        assert!(
            [
                "SIGNATURE_INVALID",
                "INVALID_CONTENT",
                "MALFORMED",
                "UNKNOWN_KEY",
                "NOT_A_MEMBER"
            ]
            .contains(&reason.as_str()),
            "unexpected reason {reason} (seed {seed})"
        );
    }
    assert!(
        !cluster.sequences(c).await.contains_key(&code_a),
        "a tampered entry was stored"
    );
    assert!(cluster.ledger(c).store().quarantines().unwrap().is_empty());

    // Replays: old entries again change nothing.
    let before_replay = all_reports(&cluster.probe(c)).await;
    let log_b = log_of(&entries, &code_b);
    let outcome = cluster.push(c, relay_index, log_b.clone()).await;
    assert_eq!(
        (outcome.applied, outcome.duplicates, outcome.rejected.len()),
        (0, log_b.len() as u32, 0),
        "{outcome:?}"
    );
    let outcome = cluster.push(a, relay_index, entries.clone()).await;
    assert_eq!(outcome.duplicates as usize, entries.len(), "{outcome:?}");
    assert_eq!(all_reports(&cluster.probe(c)).await, before_replay);

    // Another path appears: C converges, A's log included.
    cluster.proxy.heal(c, b);
    cluster
        .check(&[a, b, c], &oracle, &mut reads, &Expect::default())
        .await;
    eprintln!("relay faults: {:?}", started.elapsed());
    cluster.shutdown().await;
}

// ---------------------------------------------------------------------------------------
// 8. Duplicated and reordered delivery

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn duplicated_and_reordered_deliveries_from_many_peers_give_the_in_order_state() {
    let started = Instant::now();
    let seed = seed("reordered delivery");
    let mut cluster = Cluster::new(4).await;
    let (authors, target) = ([0, 1, 2], 3);
    cluster.proxy.isolate(target, cluster.n());
    cluster.start_all().await;
    cluster.wait_authoring(&authors).await;
    let oracle = Arc::new(Mutex::new(Oracle::default()));
    let mut reads = MonotonicReads::default();
    write_everywhere(&cluster, &authors, &oracle, "reordered", 8).await;
    cluster
        .check(&authors, &oracle, &mut reads, &Expect::default())
        .await;
    let entries = cluster.entries(0).await;
    let in_order = all_reports(&cluster.probe(0)).await;

    // A gap is refused, and filled later.
    let code = cluster.codes[0].clone();
    let log = log_of(&entries, &code);
    let outcome = cluster.push(target, 1, vec![log[2].clone()]).await;
    assert_eq!(outcome.applied, 0);
    assert_eq!(outcome.rejected[0].1, "GAP", "{outcome:?}");
    assert!(!cluster.sequences(target).await.contains_key(&code));
    let outcome = cluster.push(target, 1, log[..3].to_vec()).await;
    assert_eq!(outcome.applied, 3, "{outcome:?}");

    // Eight peers at once, each with every entry twice in its own shuffled order, pushed in
    // random slices, again and again until the target holds everything.
    let goal = cluster.sequences(0).await;
    let mut pushers = JoinSet::new();
    for pusher in 0..8u64 {
        let mut rng = Rng(seed ^ (pusher + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let mut mine: Vec<Vec<u8>> = entries.iter().chain(entries.iter()).cloned().collect();
        rng.shuffle(&mut mine);
        let client = PeerClient::connect(
            &cluster.endpoint(target),
            &cluster.node_tls(authors[pusher as usize % 3]),
            Duration::from_secs(10),
            Duration::from_secs(30),
            None,
        )
        .await
        .expect("connect as a peer");
        let hash = cluster.membership.hash_hex();
        let goal = goal.clone();
        pushers.spawn(async move {
            let mut reasons = BTreeMap::<String, usize>::new();
            let give_up = Instant::now() + PATIENCE;
            loop {
                let mut start = 0;
                let mut frontier = BTreeMap::new();
                while start < mine.len() {
                    let end = (start + 1 + rng.below(12)).min(mine.len());
                    let outcome = client.push(mine[start..end].to_vec(), &hash).await.unwrap();
                    for (_, reason, _) in &outcome.rejected {
                        *reasons.entry(reason.clone()).or_default() += 1;
                    }
                    frontier = outcome
                        .frontier
                        .iter()
                        .map(|(o, h)| (o.clone(), h.sequence))
                        .collect();
                    start = end;
                }
                if frontier == goal {
                    return reasons;
                }
                assert!(Instant::now() < give_up, "pushes never completed the logs");
                rng.shuffle(&mut mine);
            }
        });
    }
    let mut reasons = BTreeMap::<String, usize>::new();
    while let Some(result) = pushers.join_next().await {
        for (reason, count) in result.expect("pusher") {
            *reasons.entry(reason).or_default() += count;
        }
    }
    eprintln!("reordered delivery: rejections {reasons:?}");
    assert!(
        reasons.keys().all(|r| r == "GAP"),
        "only gaps may be refused (seed {seed}): {reasons:?}"
    );
    assert!(
        reasons.contains_key("GAP"),
        "the shuffle broke no order (seed {seed})"
    );
    assert_eq!(cluster.sequences(target).await, goal);
    assert_eq!(
        all_reports(&cluster.probe(target)).await,
        in_order,
        "reordered delivery gave another state (seed {seed})"
    );
    cluster.proxy.heal_all();
    cluster
        .check(&cluster.all(), &oracle, &mut reads, &Expect::default())
        .await;
    eprintln!("reordered delivery: {:?}", started.elapsed());
    cluster.shutdown().await;
}

// ---------------------------------------------------------------------------------------
// 9. Withdrawal across a long partition

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_withdrawn_report_stays_withdrawn_after_a_long_partition() {
    let started = Instant::now();
    let mut cluster = Cluster::new(4).await;
    let all = cluster.all();
    let (author_index, stale) = (0, 3);
    cluster.start_all().await;
    cluster.wait_authoring(&all).await;
    let oracle = Arc::new(Mutex::new(Oracle::default()));
    let mut reads = MonotonicReads::default();
    let author = cluster.author(author_index, &oracle);
    let report = author.submit("to be withdrawn", 0).await;
    write_everywhere(&cluster, &all, &oracle, "before", 2).await;
    cluster
        .check(&all, &oracle, &mut reads, &Expect::default())
        .await;

    cluster.proxy.isolate(stale, cluster.n());
    let revised = author.revise(&report, "revised while partitioned").await;
    let withdrawn = author.withdraw(&revised).await;
    assert_eq!((withdrawn.revision, withdrawn.withdrawn), (3, true));
    // A long partition: plenty happens meanwhile.
    write_everywhere(&cluster, &[0, 1, 2], &oracle, "meanwhile", 15).await;
    let full = oracle.lock().unwrap().clone();
    cluster
        .check_against(&[0, 1, 2], &full, &mut reads, &Expect::default())
        .await;
    // The stale node still shows revision 1, also after a restart; a live node restarted
    // meanwhile still shows the withdrawal.
    let stale_view = get(&cluster.reports(stale), &report.id).await;
    assert_eq!((stale_view.revision, stale_view.withdrawn), (1, false));
    cluster.stop(stale).await;
    cluster.start(stale).await;
    cluster.stop(1).await;
    cluster.start(1).await;
    let stale_view = get(&cluster.reports(stale), &report.id).await;
    assert_eq!((stale_view.revision, stale_view.withdrawn), (1, false));
    assert_eq!(get(&cluster.reports(1), &report.id).await, withdrawn);
    reads.observe(&cluster.codes[1], &all_reports(&cluster.probe(1)).await);
    reads.observe(
        &cluster.codes[stale],
        &all_reports(&cluster.probe(stale)).await,
    );

    cluster.proxy.heal_all();
    cluster
        .check(&all, &oracle, &mut reads, &Expect::default())
        .await;
    // Old entries pushed again resurrect nothing; the author cannot change it either.
    let log = log_of(&cluster.entries(0).await, &cluster.codes[author_index]);
    let old: Vec<Vec<u8>> = log
        .iter()
        .filter(|bytes| body_of(bytes).report_id.to_string() == report.id)
        .cloned()
        .collect();
    assert_eq!(old.len(), 3, "creation, revision, withdrawal");
    for target in [1, stale] {
        let outcome = cluster.push(target, 2, old[..2].to_vec()).await;
        assert_eq!((outcome.applied, outcome.duplicates), (0, 2), "{outcome:?}");
    }
    let refused = cluster
        .reports(author_index)
        .revise(pb::ReviseRequest {
            id: report.id.clone(),
            expected_revision: 3,
            content: Some(content(&cluster.codes[author_index], "resurrected", 9)),
        })
        .await
        .expect_err("a withdrawn report cannot change");
    assert_eq!(refused.code(), tonic::Code::FailedPrecondition);
    cluster
        .check(&all, &oracle, &mut reads, &Expect::default())
        .await;
    eprintln!("withdrawal across a partition: {:?}", started.elapsed());
    cluster.shutdown().await;
}

// ---------------------------------------------------------------------------------------
// 10. Clock skew

/// Ordering never depends on wall clocks: an organization whose clock is six hours ahead,
/// then six hours behind, still has its entries applied by sequence, and the later entry
/// (with the earlier timestamp) is the report's current state everywhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_clock_hours_off_changes_nothing_in_ordering() {
    let started = Instant::now();
    let mut cluster = Cluster::new(3).await;
    let all = cluster.all();
    let skewed = 2;
    let code = cluster.codes[skewed].clone();
    cluster.start_all().await;
    cluster.wait_authoring(&all).await;
    let oracle = Arc::new(Mutex::new(Oracle::default()));
    let mut reads = MonotonicReads::default();
    write_everywhere(&cluster, &[0, 1], &oracle, "honest clock", 2).await;

    let key = cluster.signing_key(skewed);
    let six_hours = 6 * 3600 * 1000;
    let id = Uuid::now_v7();
    let first = craft_entry(
        &key,
        &code,
        1,
        EntryHash::GENESIS,
        now_ms() + six_hours,
        id,
        1,
        content(&code, "clock six hours ahead", 1),
    );
    let second = craft_entry(
        &key,
        &code,
        2,
        hash_of(&first),
        now_ms() - six_hours,
        id,
        2,
        content(&code, "later entry, clock six hours behind", 2),
    );
    let outcome = cluster.push(0, skewed, vec![first.clone()]).await;
    assert_eq!(outcome.applied, 1, "{outcome:?}");
    let outcome = cluster.push(1, skewed, vec![first, second]).await;
    assert_eq!(outcome.applied + outcome.duplicates, 2, "{outcome:?}");
    assert!(outcome.rejected.is_empty(), "{outcome:?}");
    let current = get(&cluster.reports(1), &id.to_string()).await;
    oracle.lock().unwrap().acknowledged(&current);
    assert_eq!(current.revision, 2);
    assert_eq!(
        current.content,
        Some(content(&code, "later entry, clock six hours behind", 2))
    );
    let (created, updated) = (current.created_at.unwrap(), current.updated_at.unwrap());
    assert!(
        updated.seconds < created.seconds,
        "the current state carries the earlier timestamp: order came from the sequence"
    );
    // The skewed node's own next write follows the crafted ones.
    cluster.wait_authoring(&[skewed]).await;
    let (c, organization) = (&cluster, &code);
    poll(
        PATIENCE,
        "the skewed node to hold its two entries",
        move || async move { c.sequences(skewed).await.get(organization) == Some(&2) },
    )
    .await;
    let next = cluster.author(skewed, &oracle).submit("own clock", 3).await;
    assert_eq!(next.sequence, 3);
    cluster
        .check(&all, &oracle, &mut reads, &Expect::default())
        .await;
    // Everywhere the log is in sequence order, whatever the timestamps say.
    for i in all {
        let log = log_of(&cluster.entries(i).await, &code);
        let stamps: Vec<(u64, i64)> = log
            .iter()
            .map(|bytes| {
                let body = body_of(bytes);
                (body.sequence, body.authored_at_unix_ms)
            })
            .collect();
        assert_eq!(
            stamps.iter().map(|s| s.0).collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
        assert!(stamps[0].1 > stamps[1].1 && stamps[1].1 < stamps[2].1);
        assert_eq!(get(&cluster.reports(i), &id.to_string()).await, current);
    }
    eprintln!("clock skew: {:?}", started.elapsed());
    cluster.shutdown().await;
}

// ---------------------------------------------------------------------------------------
// 11. Fork

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_forked_log_is_detected_everywhere_and_never_silently_resolved() {
    let started = Instant::now();
    let mut cluster = Cluster::new(5).await;
    let all = cluster.all();
    let (x, y, forked, z, late) = (0, 1, 2, 3, 4);
    let code = cluster.codes[forked].clone();
    cluster.start_all().await;
    cluster.wait_authoring(&all).await;
    let oracle = Arc::new(Mutex::new(Oracle::default()));
    let mut reads = MonotonicReads::default();
    write_everywhere(&cluster, &all, &oracle, "before the fork", 3).await;
    cluster
        .check(&all, &oracle, &mut reads, &Expect::default())
        .await;
    let head = oracle.lock().unwrap().heads[&code];
    let log = log_of(&cluster.entries(forked).await, &code);
    assert_eq!(log.len() as u64, head);

    // Two different entries at the same position, both signed with the real key (a
    // restored backup, or a stolen key): X gets one and Y the other while both are cut off,
    // so each really holds its variant; a fifth node is away.
    let n = cluster.n();
    for i in [x, y, late] {
        cluster.proxy.isolate(i, n);
    }
    let key = cluster.signing_key(forked);
    let previous = hash_of(log.last().unwrap());
    let variant = |title: &str| {
        craft_entry(
            &key,
            &code,
            head + 1,
            previous,
            now_ms(),
            Uuid::now_v7(),
            1,
            content(&code, title, 1),
        )
    };
    let (one, two) = (variant("variant one"), variant("variant two"));
    let variants = [hash_of(&one).to_hex(), hash_of(&two).to_hex()];
    let to_x = cluster.push(x, forked, vec![one.clone()]).await;
    let to_y = cluster.push(y, forked, vec![two.clone()]).await;
    assert_eq!((to_x.applied, to_y.applied), (1, 1), "{to_x:?} {to_y:?}");
    // X's variant spreads first: F's own node and Z take it, nothing tells them yet that
    // another one exists.
    for i in [forked, z] {
        cluster.proxy.heal(x, i);
    }
    let holds = |i: usize, wanted: usize| {
        let probe = cluster.probe(i);
        let (code, hash) = (code.clone(), variants[wanted].clone());
        move || {
            let (probe, code, hash) = (probe.clone(), code.clone(), hash.clone());
            async move {
                node_info(&probe)
                    .await
                    .is_ok_and(|info| heads(&info).get(&code) == Some(&(head + 1, hash)))
            }
        }
    };
    for i in [forked, z] {
        poll(PATIENCE, "X's variant to spread", holds(i, 0)).await;
    }
    // Then Y is back with the other variant: every node must detect the fork.
    for i in [x, forked, z] {
        cluster.proxy.heal(y, i);
    }
    oracle.lock().unwrap().authored(&code, head + 1);
    let expect = Expect {
        forks: BTreeMap::from([(code.clone(), head + 1)]),
    };
    // The others keep syncing meanwhile.
    let connected: Vec<usize> = all.iter().copied().filter(|&i| i != late).collect();
    let others: Vec<usize> = connected.iter().copied().filter(|&i| i != forked).collect();
    write_everywhere(&cluster, &others, &oracle, "after the fork", 3).await;
    let full = oracle.lock().unwrap().clone();
    let connected_view = full.clone();
    cluster
        .check_against(&connected, &connected_view, &mut reads, &expect)
        .await;
    // Nobody picked a side: each node holds one of the two variants, quarantined.
    for &i in &connected {
        let info = node_info(&cluster.probe(i)).await.unwrap();
        let held = heads(&info)[&code].clone();
        assert_eq!(held.0, head + 1);
        assert!(variants.contains(&held.1), "{}: {held:?}", cluster.codes[i]);
    }
    // The late node comes back: first to Y only (it takes Y's variant), then to everyone;
    // it detects the fork too.
    cluster.proxy.heal(late, y);
    poll(
        PATIENCE,
        "Y's variant to reach the late node",
        holds(late, 1),
    )
    .await;
    cluster.proxy.heal_all();
    write_everywhere(&cluster, &[late], &oracle, "late", 2).await;
    cluster.check(&all, &oracle, &mut reads, &expect).await;
    // Liveness: the sessions carry on with the other organizations instead of failing
    // over and over on the quarantined log.
    let c = &cluster;
    poll(
        Duration::from_secs(10),
        "every peer session to stay connected",
        move || async move {
            (0..c.n()).all(|i| {
                c.running_node(i)
                    .peer_status()
                    .iter()
                    .all(|s| s.state == concord::replication::PeerState::Connected)
            })
        },
    )
    .await;
    eprintln!("fork: {:?}", started.elapsed());
    cluster.shutdown().await;
}

// ---------------------------------------------------------------------------------------
// 11. Purging superseded revisions

/// A report revised five times keeps one content in every log: the superseded revisions
/// keep their bodies and signatures (the chain verifies end to end) and lose their
/// content, at the author, at a replica that followed along, and at a node that was cut
/// off and receives the superseded revisions already purged.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn superseded_revisions_are_purged_everywhere_and_the_chain_still_verifies() {
    let started = Instant::now();
    let mut cluster = Cluster::new(3).await;
    let all = cluster.all();
    let (author_index, follower, latecomer) = (0, 1, 2);
    cluster.start_all().await;
    cluster.wait_authoring(&all).await;
    let oracle = Arc::new(Mutex::new(Oracle::default()));
    let mut reads = MonotonicReads::default();
    let author = cluster.author(author_index, &oracle);
    cluster.proxy.isolate(latecomer, cluster.n());
    let mut report = author.submit("revised often", 0).await;
    for round in 1..=5 {
        report = author
            .revise(&report, &format!("revision round {round}"))
            .await;
    }
    assert_eq!(report.revision, 6);
    cluster
        .check(
            &[author_index, follower],
            &oracle,
            &mut reads,
            &Expect::default(),
        )
        .await;
    let log = log_of(
        &cluster.entries(author_index).await,
        &cluster.codes[author_index],
    );
    let carrying: Vec<bool> = log
        .iter()
        .map(|bytes| {
            codec::decode_signed_entry(bytes)
                .expect("entry")
                .content
                .is_some()
        })
        .collect();
    assert_eq!(carrying, [false, false, false, false, false, true]);
    // A purged entry is as small as the current one stripped of its content.
    let current = codec::decode_signed_entry(&log[5]).expect("entry");
    let stripped = codec::encode_signed_entry(&current.purged()).len();
    let content = current.content.as_ref().map_or(0, Vec::len);
    for (sequence, bytes) in log[..5].iter().enumerate() {
        assert!(
            bytes.len() <= stripped + 8,
            "entry {} takes {} bytes purged; the current one takes {} with its {content} bytes of content",
            sequence + 1,
            bytes.len(),
            log[5].len()
        );
    }

    cluster.proxy.heal_all();
    cluster
        .check(&all, &oracle, &mut reads, &Expect::default())
        .await;
    assert_eq!(get(&cluster.reports(latecomer), &report.id).await, report);
    eprintln!("purge: {:?}", started.elapsed());
    cluster.shutdown().await;
}

// ---------------------------------------------------------------------------------------
// 12. Metrics

/// `GET path` on `addr` over plain HTTP/1.1: (status code, body).
async fn http_get(addr: SocketAddr, path: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .expect("connect to the metrics endpoint");
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .expect("send the request");
    let mut response = String::new();
    tokio::time::timeout(PATIENCE, stream.read_to_string(&mut response))
        .await
        .expect("the metrics endpoint answers in time")
        .expect("read the response");
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or_default();
    (status, body)
}

/// Samples of an OpenMetrics text: "name{labels}" (as written) to value.
fn samples(text: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .filter_map(|line| {
            let (name, value) = line.rsplit_once(' ')?;
            Some((name.to_string(), value.parse().ok()?))
        })
        .collect()
}

/// After traffic, each node's metrics state what `SyncStatus` and the logs say: every
/// organization's head, no lag, the peer up with the same membership, the reports held,
/// a store on disk and bytes on the wire.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn metrics_expose_heads_lag_peers_and_traffic_after_sync() {
    let mut cluster = Cluster::new(2).await;
    let all = cluster.all();
    cluster.start_all().await;
    cluster.wait_authoring(&all).await;
    let oracle = Arc::new(Mutex::new(Oracle::default()));
    let mut reads = MonotonicReads::default();
    write_everywhere(&cluster, &all, &oracle, "measured", 4).await;
    cluster
        .check(&all, &oracle, &mut reads, &Expect::default())
        .await;
    let reports = all_reports(&cluster.probe(0)).await.len() as f64;
    // One refused call per node, to be counted with its code.
    for i in all.clone() {
        let refused = cluster
            .reports(i)
            .get(pb::GetRequest {
                id: "not-an-id".into(),
            })
            .await
            .expect_err("a bad id");
        assert_eq!(refused.code(), tonic::Code::InvalidArgument);
    }
    for i in all.clone() {
        let addr = cluster
            .running_node(i)
            .metrics_addr()
            .expect("metrics are configured");
        let heads = cluster.sequences(i).await;
        let other = &cluster.codes[1 - i];
        let expected_peer_up = format!("concord_peer_up{{peer=\"{other}\"}}");
        // Peer sessions report "connected" a moment after the data flowed: wait for it.
        let give_up = Instant::now() + PATIENCE;
        let metrics = loop {
            let (status, body) = http_get(addr, "/metrics").await;
            assert_eq!(status, 200, "{body}");
            let metrics = samples(&body);
            if metrics.get(&expected_peer_up) == Some(&1.0) {
                break metrics;
            }
            assert!(
                Instant::now() < give_up,
                "the peer session never showed up in metrics: {metrics:#?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        for (organization, sequence) in &heads {
            let label = format!("{{organization=\"{organization}\"}}");
            assert_eq!(
                metrics.get(&format!("concord_log_local_sequence{label}")),
                Some(&(*sequence as f64)),
                "{metrics:#?}"
            );
            assert_eq!(
                metrics.get(&format!("concord_sync_lag_entries{label}")),
                Some(&0.0)
            );
            assert_eq!(
                metrics.get(&format!("concord_log_quarantined{label}")),
                Some(&0.0)
            );
        }
        assert_eq!(metrics.get("concord_peers_up"), Some(&1.0));
        assert_eq!(
            metrics.get(&format!(
                "concord_peer_membership_matches{{peer=\"{other}\"}}"
            )),
            Some(&1.0)
        );
        assert_eq!(metrics.get("concord_reports"), Some(&reports));
        assert_eq!(metrics.get("concord_node_recovering"), Some(&0.0));
        assert!(metrics["concord_store_size_bytes"] > 0.0);
        assert!(
            metrics[r#"concord_network_bytes_total{side="dialled",direction="out"}"#] > 0.0,
            "{metrics:#?}"
        );
        assert!(metrics[&format!("concord_peer_entries_applied_total{{peer=\"{other}\"}}")] > 0.0);
        assert!(
            metrics[r#"concord_requests_total{method="/concord.v1.Reports/Submit",code="Ok"}"#]
                >= 4.0,
            "{metrics:#?}"
        );
        assert_eq!(
            metrics.get(
                r#"concord_requests_total{method="/concord.v1.Reports/Get",code="InvalidArgument"}"#
            ),
            Some(&1.0),
            "{metrics:#?}"
        );
        assert!(
            metrics[r#"concord_request_duration_seconds_count{method="/concord.v1.Reports/Submit"}"#]
                >= 4.0
        );
        assert!(metrics["concord_certificate_expiry_timestamp_seconds"] > 1.7e9);
        assert_eq!(http_get(addr, "/other").await.0, 404);
    }
    cluster.shutdown().await;
}

// ---------------------------------------------------------------------------------------
// 13. Overlaps and co-chairs' reviews

/// A training on trafficking in Cambodia, as two agencies would report it.
fn training(title: &str, start: &str, end: &str) -> pb::ReportContent {
    let mut content = sample_content(title);
    content.summary[0].text =
        "Capacity building for front-line officers on identifying victims of trafficking.".into();
    content.activity_type = pb::ActivityType::Training as i32;
    content.countries = vec!["KH".into()];
    content.themes = vec![pb::Theme {
        vocabulary: "GCM".into(),
        code: "10".into(),
    }];
    content.participants.clear();
    content.location = "Phnom Penh".into();
    content.dates = Some(pb::ActivityDates {
        planned_start: start.into(),
        actual_start: start.into(),
        planned_end: end.into(),
        actual_end: end.into(),
    });
    content
}

fn view_client(cluster: &Cluster, i: usize) -> pb::view_client::ViewClient<Channel> {
    pb::view_client::ViewClient::new(lazy_channel(
        &cluster.endpoint(i),
        Some(client_tls_config(&cluster.client_tls(i))),
    ))
}

/// The pair of `a` and `b` in `i`'s inbox (decided ones included), if flagged there.
async fn inbox_pair(cluster: &Cluster, i: usize, a: &str, b: &str) -> Option<pb::OverlapPair> {
    let inbox = view_client(cluster, i)
        .overlaps(pb::OverlapsRequest {
            organizations: vec![],
            include_decided: true,
        })
        .await
        .expect("overlaps")
        .into_inner();
    inbox
        .pairs
        .into_iter()
        .find(|p| (p.first_id == a && p.second_id == b) || (p.first_id == b && p.second_id == a))
}

/// The submitter of a report that overlaps another agency's is told so in the reply; the
/// pair is in every node's inbox; a co-chair's decision (an entry of its own log)
/// replicates and holds everywhere, and is reopened when either report changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn overlaps_are_flagged_on_submit_and_reviews_replicate_and_reopen() {
    let mut cluster = Cluster::new(3).await;
    let all = cluster.all();
    let (co_chair, first_agency, second_agency) = (0, 1, 2);
    assert!(cluster.membership.is_co_chair(&cluster.codes[co_chair]));
    cluster.start_all().await;
    cluster.wait_authoring(&all).await;

    let first = cluster
        .reports(first_agency)
        .submit(pb::SubmitRequest {
            content: Some(training(
                "Training on identifying victims of trafficking",
                "2007-03-10",
                "2007-03-12",
            )),
            idempotency_key: String::new(),
        })
        .await
        .expect("submit")
        .into_inner()
        .report
        .expect("report");
    // The second agency's node must hold the first report before it can warn.
    poll(
        PATIENCE,
        "the first report reaches the second agency",
        || {
            let mut client = cluster.reports(second_agency);
            let id = first.id.clone();
            async move { client.get(pb::GetRequest { id }).await.is_ok() }
        },
    )
    .await;
    let second = cluster
        .reports(second_agency)
        .submit(pb::SubmitRequest {
            content: Some(training(
                "Workshop: victim identification for border officials",
                "2007-03-20",
                "2007-03-20",
            )),
            idempotency_key: String::new(),
        })
        .await
        .expect("submit")
        .into_inner();
    let second_report = second.report.clone().expect("report");
    let notice = second
        .overlaps
        .iter()
        .find(|p| p.first_id == first.id || p.second_id == first.id)
        .unwrap_or_else(|| panic!("no notice of the first report: {:?}", second.overlaps));
    assert_eq!(
        notice.kind,
        pb::OverlapKind::PotentialOverlap as i32,
        "{notice:?}"
    );
    assert!(!notice.reasons.is_empty(), "{notice:?}");
    assert_eq!(notice.review_state, pb::ReviewStateKind::Open as i32);

    // Every node flags the pair once it holds both reports.
    for i in all.clone() {
        let (a, b) = (first.id.clone(), second_report.id.clone());
        poll(PATIENCE, "the pair in every inbox", || {
            let (a, b) = (a.clone(), b.clone());
            let cluster = &cluster;
            async move { inbox_pair(cluster, i, &a, &b).await.is_some() }
        })
        .await;
    }

    // The co-chair dismisses it at its own node; the decision replicates.
    let mut coordination = pb::coordination_client::CoordinationClient::new(lazy_channel(
        &cluster.endpoint(co_chair),
        Some(client_tls_config(&cluster.client_tls(co_chair))),
    ));
    let reviewed = coordination
        .review(pb::ReviewRequest {
            first_report: first.id.clone(),
            second_report: second_report.id.clone(),
            decision: pb::ReviewDecisionKind::Dismissed as i32,
            note: "Different target groups; both agencies informed.".into(),
        })
        .await
        .expect("review")
        .into_inner()
        .pair
        .expect("the pair");
    assert_eq!(reviewed.review_state, pb::ReviewStateKind::Decided as i32);
    for i in all.clone() {
        let (a, b) = (first.id.clone(), second_report.id.clone());
        poll(PATIENCE, "the decision everywhere", || {
            let (a, b) = (a.clone(), b.clone());
            let cluster = &cluster;
            async move {
                inbox_pair(cluster, i, &a, &b).await.is_some_and(|p| {
                    p.review_state == pb::ReviewStateKind::Decided as i32
                        && p.decision == pb::ReviewDecisionKind::Dismissed as i32
                        && p.decided_by == cluster.codes[co_chair]
                })
            }
        })
        .await;
        // Decided pairs leave the default inbox.
        let open = view_client(&cluster, i)
            .overlaps(pb::OverlapsRequest::default())
            .await
            .expect("overlaps")
            .into_inner();
        assert!(
            !open
                .pairs
                .iter()
                .any(|p| p.first_id == first.id || p.second_id == first.id),
            "{open:?}"
        );
    }
    // A review bad input is refused naming the fields, and records nothing.
    let refused = coordination
        .review(pb::ReviewRequest {
            first_report: "not-an-id".into(),
            second_report: second_report.id.clone(),
            decision: 0,
            note: String::new(),
        })
        .await
        .expect_err("invalid review");
    assert_eq!(refused.code(), tonic::Code::InvalidArgument);

    // The second agency revises its report: the decision no longer holds anywhere.
    cluster
        .reports(second_agency)
        .revise(pb::ReviseRequest {
            id: second_report.id.clone(),
            expected_revision: 1,
            content: Some(training(
                "Workshop: victim identification for border and police officials",
                "2007-03-20",
                "2007-03-21",
            )),
        })
        .await
        .expect("revise");
    for i in all.clone() {
        let (a, b) = (first.id.clone(), second_report.id.clone());
        poll(PATIENCE, "the pair reopened everywhere", || {
            let (a, b) = (a.clone(), b.clone());
            let cluster = &cluster;
            async move {
                inbox_pair(cluster, i, &a, &b).await.is_some_and(|p| {
                    p.review_state == pb::ReviewStateKind::Reopened as i32
                        && p.decision == pb::ReviewDecisionKind::Dismissed as i32
                })
            }
        })
        .await;
    }
    cluster.shutdown().await;
}

// ---------------------------------------------------------------------------------------
// 14. Backup and restore

/// Runs the `concord` binary with `args`; panics with its output unless it succeeds.
async fn concord_command(args: &[&str]) -> String {
    let output = tokio::process::Command::new(crate::harness::concord_bin())
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .expect("run concord");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "concord {args:?} failed:\n{text}");
    text
}

/// A backup of a running node, restored on a "new machine" after the node wrote more,
/// gives back everything in the backup at once, then recovers what the backup missed
/// from the peers before authoring: the organization's log continues without a fork.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stale_backup_restored_on_a_new_machine_recovers_and_never_forks() {
    let mut cluster = Cluster::new(3).await;
    cluster.start_all().await;
    let all = cluster.all();
    let restored = 1;
    let code = cluster.codes[restored].clone();
    cluster.wait_authoring(&all).await;
    let oracle = Arc::new(Mutex::new(Oracle::default()));
    let mut reads = MonotonicReads::default();
    write_everywhere(&cluster, &all, &oracle, "before backup", 4).await;
    cluster
        .check(&all, &oracle, &mut reads, &Expect::default())
        .await;
    let at_backup = cluster.sequences(restored).await;

    let backup_file = cluster.root().join("iom.backup");
    let node_cert = cluster.certs_dir().join(format!(
        "{}.crt",
        concord::trust::certs::files::node_stem(&code)
    ));
    let path = |p: &std::path::Path| p.to_str().expect("UTF-8 path").to_string();
    let said = concord_command(&[
        "backup",
        "--endpoint",
        &cluster.endpoint(restored),
        "--certs-dir",
        &path(&cluster.certs_dir()),
        "--cert",
        &path(&node_cert),
        "--membership",
        &path(&cluster.root().join("membership.toml")),
        "--out",
        &path(&backup_file),
    ])
    .await;
    let total: u64 = at_backup.values().sum();
    assert!(said.contains(&format!("{total} entries")), "{said}");

    // The node writes on after the backup: those entries exist only on it and its peers.
    write_everywhere(&cluster, &[restored], &oracle, "after backup", 3).await;
    cluster
        .check(&all, &oracle, &mut reads, &Expect::default())
        .await;
    let own_head = oracle.lock().unwrap().heads[&code];
    assert!(own_head > at_backup[&code]);

    // The machine is lost; a new one gets the backup.
    cluster.stop(restored).await;
    std::fs::remove_dir_all(cluster.data_dir(restored)).expect("delete the data directory");
    let said = concord_command(&[
        "restore",
        "--from",
        &path(&backup_file),
        "--data-dir",
        &path(&cluster.data_dir(restored)),
        "--membership",
        &path(&cluster.root().join("membership.toml")),
    ])
    .await;
    assert!(
        said.contains(&format!("Restored {total} entries")),
        "{said}"
    );
    // A damaged backup is refused, and restoring over a store is refused too.
    let refused = tokio::process::Command::new(crate::harness::concord_bin())
        .args([
            "restore",
            "--from",
            &path(&backup_file),
            "--data-dir",
            &path(&cluster.data_dir(restored)),
            "--membership",
            &path(&cluster.root().join("membership.toml")),
        ])
        .output()
        .await
        .expect("run concord");
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("already holds a store"),
        "{refused:?}"
    );
    let damaged = cluster.root().join("damaged.backup");
    let bytes = std::fs::read(&backup_file).expect("read the backup");
    std::fs::write(&damaged, &bytes[..bytes.len() - 7]).expect("write a damaged copy");
    let refused = tokio::process::Command::new(crate::harness::concord_bin())
        .args([
            "restore",
            "--from",
            &path(&damaged),
            "--data-dir",
            &path(&cluster.root().join("elsewhere")),
            "--membership",
            &path(&cluster.root().join("membership.toml")),
        ])
        .output()
        .await
        .expect("run concord");
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("truncated"),
        "{refused:?}"
    );

    // Started, it holds the backup at once, and recovers the rest before authoring.
    cluster.proxy.isolate(restored, cluster.n());
    cluster.start(restored).await;
    reads.forget(&code);
    let ledger = cluster.ledger(restored);
    assert!(ledger.is_recovering(), "a restored store recovers first");
    assert_eq!(cluster.sequences(restored).await, at_backup);
    let refused = cluster
        .reports(restored)
        .submit(pb::SubmitRequest {
            content: Some(content(&code, "during recovery", 0)),
            idempotency_key: String::new(),
        })
        .await
        .expect_err("no authoring from a stale backup");
    assert_eq!(refused.code(), tonic::Code::Unavailable, "{refused:?}");
    cluster.proxy.heal_all();
    poll(PATIENCE, "the end of recovery", || {
        let ledger = ledger.clone();
        async move { !ledger.is_recovering() }
    })
    .await;
    let next = cluster
        .author(restored, &oracle)
        .submit("after restore", 0)
        .await;
    assert_eq!(next.sequence, own_head + 1, "the log continues: no fork");
    cluster
        .check(&all, &oracle, &mut reads, &Expect::default())
        .await;
    cluster.shutdown().await;
}
