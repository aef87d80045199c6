//! `concord bench sync`: replication, measured against baselines of the same run.
//!
//! The machine this runs on is small and shared (2 cores, other builds beside it), so every
//! figure is printed beside a baseline measured in the same run, and goals are ratios or
//! bounds checked on this run's figures. Real nodes are started in this process with
//! [`concord::node::start`], over mutual TLS, in working groups made like `concord demo`
//! makes its own ([`super::demo::start_local_group`] and its parts). Reports are written
//! through each node's [`Ledger`] (the path a `Submit` takes after its RPC), never built by
//! hand. In the order run:
//!
//! 1. posting alone: one node without peers stores `--per-node` reports (the baseline of 2);
//! 2. convergence: fifteen nodes in a full mesh each post `--per-node` reports at once; the
//!    time from the first post until every node's durable frontier holds all of them, beside
//!    the reference figure of the issue (a 15-instance PostgreSQL logical-replication mesh:
//!    about 36 s), beside posting alone, and beside the floor no protocol can beat on one
//!    machine: every node applying every other node's entries at the local ingest rate of
//!    5; with the CPU used and the bytes on the wire, which show where the time goes;
//! 3. idle traffic: the converged mesh is left alone for `--idle-seconds`; the bytes on the
//!    wire (under TLS, counted by [`concord::node::NodeTraffic`]) per link and per second,
//!    with a second-by-second timeline that shows what periodic traffic there is. The
//!    periodic traffic of an idle mesh is HTTP/2 keepalive pings (every 60 s by default),
//!    so a shorter window is reported but not judged against the goal;
//! 4. memory: peak and resident memory of this process while it runs the fifteen nodes;
//! 5. bootstrap: a node holding `--reports` reports of its own organization, then a new,
//!    empty node whose only peer it is; the time until the new node's durable frontier
//!    equals the first's, in reports/s and MB/s of signed entries, beside the fastest local
//!    path for the same bytes: `Ledger::ingest_batch` of the entries, read from the first
//!    node's store, into a fresh store (signature checks and durability included, no
//!    network), in batches of the size sessions ask for and in larger ones; the faster is
//!    the baseline. (Plain sled inserts are not measured: only `store/` may use sled.)
//!
//! Memory is measured before the bootstrap so that its 100,000 reports do not count in the
//! fifteen nodes' peak. Progress goes to standard error; the results (a table, or JSON with
//! `-o json`) to standard output. The sections print in the order.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use serde::Serialize;

use concord::config::NodeConfig;
use concord::ledger::{IngestOutcome, Ledger};
use concord::log::Frontier;
use concord::node::RunningNode;
use concord::replication::{PeerState, ReplicationOptions};
use concord::report::{Date, ReportDraft};
use concord::store::{Store, StoreOptions};
use concord::traffic::TrafficSnapshot;

use super::OutputFormat;
use super::bench::{
    Goal, Machine, duration_text, goal_row, grouped, machine, mib, percentile_us, print_machine,
    proc_status_bytes, progress, report_draft, today,
};
use super::demo::{
    DEFAULT_MEMBERS, bind_listeners, member_config, member_setups, start_local_group, wait_for,
};

/// `concord bench sync`.
#[derive(Args, Debug)]
pub struct SyncArgs {
    /// Reports the first node holds when the empty node bootstraps from it.
    #[arg(long, default_value_t = 100_000)]
    reports: usize,
    /// Reports each of the fifteen nodes posts for the convergence measurement.
    #[arg(long, default_value_t = 1_000)]
    per_node: usize,
    /// Seconds the converged mesh is left idle while its traffic is counted. The goal is
    /// judged only on a window at least as long as the 60 s keepalive interval; a whole
    /// number of intervals (120) gives the steady rate, since the pings of every connection
    /// come one interval after its last traffic, which convergence ended for all at once.
    #[arg(long, default_value_t = 30.0)]
    idle_seconds: f64,
    /// Concurrent submits filling the bootstrap node.
    #[arg(long, default_value_t = 256)]
    fill_concurrency: usize,
    /// Concurrent submits at each node while posting (mesh and alone).
    #[arg(long, default_value_t = 16)]
    post_concurrency: usize,
    /// Longest wait for any one phase to complete (recovery, convergence, bootstrap), s.
    #[arg(long, default_value_t = 900.0)]
    deadline_secs: f64,
    /// Where the nodes' data goes (a temporary directory is made inside it and removed at
    /// the end). Put it on the disk that will hold real data.
    #[arg(long, default_value = ".")]
    dir: PathBuf,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = OutputFormat::Table)]
    output: OutputFormat,
}

/// The working group the mesh runs in.
const MESH_GROUP: &str = "concord-bench-sync";
/// The working group of the bootstrap pair.
const BOOTSTRAP_GROUP: &str = "concord-bench-bootstrap";
/// The client certificate made for each member (never used: everything is in-process).
const BENCH_CLIENT: &str = "bench";
/// The member whose node holds the reports the new node bootstraps from.
const SOURCE_ORGANIZATION: &str = "IOM";
/// The member whose node starts empty.
const NEW_ORGANIZATION: &str = "ESCAP";
/// The node that posts alone (its organization).
const ALONE_ORGANIZATION: &str = "ILO";
/// Entries per `ingest_batch` in the local-ingest baseline. Batches go one after the other
/// (a batch's entries must reach the writer in log order, so two batches of one log cannot
/// be in flight at once); a large batch shares flushes as much as the API allows.
const BASELINE_BATCH: usize = 4096;
/// The reference of the issue: a 15-instance PostgreSQL logical-replication mesh converging
/// after each instance inserts 1,000 rows.
const POSTGRES_MESH_SECONDS: f64 = 36.0;
/// The goal: ten times faster than that.
const CONVERGENCE_GOAL_SECONDS: f64 = POSTGRES_MESH_SECONDS / 10.0;
/// What an idle PostgreSQL subscription costs, bytes per second; the goal per link.
const IDLE_GOAL_BYTES_PER_SECOND: f64 = 5.0;
/// The goal for the fifteen nodes together.
const MEMORY_GOAL_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// Bytes in a GiB, for printing.
const GIB: f64 = 1024.0 * 1024.0 * 1024.0;
/// Bootstrap goal: sync rate at least this share of the local ingest rate.
const BOOTSTRAP_GOAL_RATIO: f64 = 0.5;
/// Pause between convergence and the idle window: sessions acknowledge the durable
/// frontier 200 ms after it last moved, which is the tail of convergence, not idleness.
const SETTLE: Duration = Duration::from_secs(1);

#[derive(Debug, Serialize)]
struct Settings {
    reports: usize,
    per_node: usize,
    nodes: usize,
    idle_seconds: f64,
    fill_concurrency: usize,
    post_concurrency: usize,
    release_build: bool,
}

/// Some reports stored by one node on its own.
#[derive(Debug, Serialize)]
struct Posting {
    reports: usize,
    seconds: f64,
    per_second: f64,
}

#[derive(Debug, Serialize)]
struct Convergence {
    nodes: usize,
    per_node: usize,
    entries: usize,
    /// Seconds from the first post until every node acknowledged its last post.
    posted_seconds: f64,
    /// Seconds from the first post until every node's durable frontier held every entry.
    converged_seconds: f64,
    /// The same per node: median and slowest.
    node_p50_seconds: f64,
    node_max_seconds: f64,
    /// Signed entry bytes every node had to receive (the other nodes' entries).
    entry_bytes_per_node: u64,
    /// Bytes on the wire between the first post and convergence, all connections.
    wire_bytes: u64,
    /// `wire_bytes / (entry_bytes_per_node * nodes)`.
    wire_over_needed: f64,
    /// Entries applied from peers, all nodes together (each node applies every other
    /// node's entries once).
    applied_from_peers: u64,
    /// CPU time of the process (all fifteen nodes) from the first post to convergence.
    cpu_seconds: f64,
    /// Share of the machine's CPU time that was busy meanwhile (any process): on a shared
    /// machine, what was left for the nodes.
    machine_busy: f64,
    /// The baseline: one node posting the same number of reports alone.
    alone: Posting,
}

#[derive(Debug, Serialize)]
struct Idle {
    seconds: f64,
    nodes: usize,
    /// Node pairs (each has two connections, one session dialled each way).
    links: usize,
    connections: usize,
    /// Counted where connections were dialled (every byte once).
    dialled: TrafficSnapshot,
    /// Counted where they were accepted (the same bytes, seen from the other end).
    accepted: TrafficSnapshot,
    bytes_per_second_per_link: f64,
    bytes_per_second_per_connection: f64,
    /// Bytes on the wire across the mesh in each second of the window.
    timeline: Vec<u64>,
    /// Peer sessions not connected at the end of the window.
    sessions_down: usize,
    /// The periodic timers of the nodes (their configuration's defaults), seconds: HTTP/2
    /// keepalive pings of the dialling side and of the accepting side, and anti-entropy.
    client_keepalive_secs: u64,
    server_keepalive_secs: u64,
    anti_entropy_secs: u64,
}

#[derive(Debug, Serialize)]
struct Memory {
    nodes: usize,
    resident_before_bytes: u64,
    resident_bytes: u64,
    peak_bytes: u64,
}

#[derive(Debug, Serialize)]
struct Bootstrap {
    reports: usize,
    entry_bytes: u64,
    fill_seconds: f64,
    fill_per_second: f64,
    /// Seconds from starting the empty node until its durable frontier equals the source's.
    sync_seconds: f64,
    sync_reports_per_second: f64,
    sync_mb_per_second: f64,
    /// Bytes the new node received on the wire (its session with the source).
    wire_bytes_received: u64,
    /// CPU time of the process while the new node caught up (both nodes run in it).
    sync_cpu_seconds: f64,
    /// The local ingests of the same entries, by batching.
    baselines: Vec<Baseline>,
    /// The fastest of them.
    baseline_reports_per_second: f64,
    /// `sync_reports_per_second / baseline_reports_per_second`.
    ratio: f64,
}

/// One local ingest of the bootstrap's entries: no network, no TLS.
#[derive(Debug, Serialize)]
struct Baseline {
    what: String,
    seconds: f64,
    reports_per_second: f64,
    mb_per_second: f64,
    cpu_seconds: f64,
}

#[derive(Debug, Serialize)]
struct Results {
    machine: Machine,
    settings: Settings,
    bootstrap: Bootstrap,
    convergence: Convergence,
    idle: Idle,
    memory: Memory,
    goals: Vec<Goal>,
}

pub async fn run(args: SyncArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.reports >= 1, "--reports must be at least 1");
    anyhow::ensure!(args.per_node >= 1, "--per-node must be at least 1");
    anyhow::ensure!(
        args.idle_seconds.is_finite() && args.idle_seconds >= 1.0 && args.idle_seconds <= 3600.0,
        "--idle-seconds must be between 1 and 3600"
    );
    anyhow::ensure!(
        args.fill_concurrency >= 1 && args.post_concurrency >= 1,
        "--fill-concurrency and --post-concurrency must be at least 1"
    );
    anyhow::ensure!(
        args.deadline_secs.is_finite() && args.deadline_secs > 0.0,
        "--deadline-secs must be positive"
    );
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    let scratch = tempfile::Builder::new()
        .prefix("concord-bench-sync-")
        .tempdir_in(&args.dir)
        .with_context(|| {
            format!(
                "cannot create a scratch directory in {}",
                args.dir.display()
            )
        })?;
    let machine = machine(scratch.path());
    let settings = Settings {
        reports: args.reports,
        per_node: args.per_node,
        nodes: DEFAULT_MEMBERS.len(),
        idle_seconds: args.idle_seconds,
        fill_concurrency: args.fill_concurrency,
        post_concurrency: args.post_concurrency,
        release_build: !cfg!(debug_assertions),
    };
    progress(format!(
        "concord bench sync: bootstrap of {} reports, {} nodes posting {} each, {} s idle; scratch {}",
        args.reports,
        settings.nodes,
        args.per_node,
        args.idle_seconds,
        scratch.path().display()
    ));
    let deadline = Duration::from_secs_f64(args.deadline_secs);
    let today = today();

    progress(format!(
        "1/5 posting alone: one node without peers stores {} reports",
        args.per_node
    ));
    let alone = posting_alone(&scratch.path().join("alone"), &args, today).await?;

    let resident_before = proc_status_bytes("VmRSS");
    progress(format!(
        "2/5 convergence: starting {} nodes (mutual TLS, full mesh)",
        DEFAULT_MEMBERS.len()
    ));
    let (_layout, nodes) = start_local_group(
        &scratch.path().join("mesh"),
        MESH_GROUP,
        BENCH_CLIENT,
        &DEFAULT_MEMBERS,
        None,
    )
    .await?;
    let measured = async {
        let convergence = convergence(&nodes, &args, today, deadline, alone).await?;
        progress(format!(
            "3/5 idle traffic: the converged mesh left alone for {} s",
            args.idle_seconds
        ));
        let idle = idle_traffic(&nodes, args.idle_seconds).await;
        progress("4/5 memory of the fifteen nodes");
        let memory = Memory {
            nodes: nodes.len(),
            resident_before_bytes: resident_before,
            resident_bytes: proc_status_bytes("VmRSS"),
            peak_bytes: proc_status_bytes("VmHWM"),
        };
        anyhow::Ok((convergence, idle, memory))
    }
    .await;
    shut_down(nodes).await?;
    let (convergence, idle, memory) = measured?;

    let bootstrap = bootstrap(&scratch.path().join("bootstrap"), &args, today, deadline).await?;

    let goals = goals(&bootstrap, &convergence, &idle, &memory);
    let results = Results {
        machine,
        settings,
        bootstrap,
        convergence,
        idle,
        memory,
        goals,
    };
    match args.output {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&results)?),
        OutputFormat::Table => print_table(&results),
    }
    scratch
        .close()
        .context("cannot remove the scratch directory")?;
    Ok(())
}

/// Stops every node, all at once (each waits out its own grace period).
async fn shut_down(nodes: Vec<(String, RunningNode)>) -> anyhow::Result<()> {
    let stops = nodes.into_iter().map(|(member, node)| async move {
        node.shutdown()
            .await
            .with_context(|| format!("stopping {member}'s node"))
    });
    for outcome in futures_util::future::join_all(stops).await {
        outcome?;
    }
    Ok(())
}

/// Stores `count` reports of the ledger's organization, `concurrency` submits at a time,
/// made by `draft(index)`; returns when every one is durable.
async fn post(
    ledger: Arc<Ledger>,
    count: usize,
    concurrency: usize,
    draft: Arc<dyn Fn(usize) -> ReportDraft + Send + Sync>,
    done: Arc<AtomicUsize>,
) -> anyhow::Result<()> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut writers = Vec::new();
    for _ in 0..concurrency.min(count) {
        let (ledger, next, done, draft) =
            (ledger.clone(), next.clone(), done.clone(), draft.clone());
        writers.push(tokio::spawn(async move {
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= count {
                    return anyhow::Ok(());
                }
                ledger.submit(&draft(index), None).await.with_context(|| {
                    format!("storing report {index} of {}", ledger.organization())
                })?;
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for writer in writers {
        writer.await.context("a writer task panicked")??;
    }
    Ok(())
}

/// Prints `message()` every two seconds until the returned task is aborted.
fn ticker(message: impl Fn() -> String + Send + 'static) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_secs(2));
        interval.tick().await;
        loop {
            interval.tick().await;
            progress(message());
        }
    })
}

/// Waits until `condition` holds for the node's durable frontier; the instant it did.
async fn frontier_reaches(
    mut frontier: tokio::sync::watch::Receiver<Frontier>,
    deadline: tokio::time::Instant,
    condition: impl Fn(&Frontier) -> bool,
) -> anyhow::Result<Instant> {
    tokio::time::timeout_at(deadline, frontier.wait_for(|f| condition(f)))
        .await
        .context("the deadline passed")?
        .context("the node stopped")?;
    Ok(Instant::now())
}

// ---------------------------------------------------------------------------------------
// 1 and 2: posting alone, convergence
// ---------------------------------------------------------------------------------------

/// One node without peers (plaintext on loopback: no peer means no TLS is needed, and the
/// posts go through the ledger anyway) stores `--per-node` reports: the mesh's work at one
/// node, without replication.
async fn posting_alone(dir: &Path, args: &SyncArgs, today: Date) -> anyhow::Result<Posting> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .context("cannot listen on 127.0.0.1")?;
    let mut config = NodeConfig {
        organization: ALONE_ORGANIZATION.to_string(),
        listen: listener.local_addr()?,
        data_dir: dir.to_path_buf(),
        ..NodeConfig::default()
    };
    // As in the mesh, so that only replication differs.
    config.store.cache_mib = 16;
    let node = concord::node::start(config, listener)
        .await
        .context("cannot start the node that posts alone")?;
    let drafts = drafts(ALONE_ORGANIZATION, 0, args.per_node, today);
    let started = Instant::now();
    let posted = post(
        node.ledger().clone(),
        args.per_node,
        args.post_concurrency,
        Arc::new(move |index| drafts[index].clone()),
        Arc::new(AtomicUsize::new(0)),
    )
    .await;
    let seconds = started.elapsed().as_secs_f64();
    node.shutdown().await?;
    posted?;
    std::fs::remove_dir_all(dir).ok();
    progress(format!(
        "    {} reports stored in {}",
        args.per_node,
        duration_text(seconds * 1e6)
    ));
    Ok(Posting {
        reports: args.per_node,
        seconds,
        per_second: args.per_node as f64 / seconds,
    })
}

/// `count` drafts of `organization`, made before any clock starts.
fn drafts(organization: &str, member: usize, count: usize, today: Date) -> Vec<ReportDraft> {
    (0..count)
        .map(|index| report_draft(((member as u64) << 32) | index as u64, organization, today))
        .collect()
}

/// Sum of the wire bytes of every node's dialled connections (each byte counted once).
fn mesh_dialled(nodes: &[(String, RunningNode)]) -> TrafficSnapshot {
    nodes
        .iter()
        .map(|(_, node)| node.traffic().dialled.snapshot())
        .fold(TrafficSnapshot::default(), |sum, s| sum + s)
}

fn mesh_accepted(nodes: &[(String, RunningNode)]) -> TrafficSnapshot {
    nodes
        .iter()
        .map(|(_, node)| node.traffic().accepted.snapshot())
        .fold(TrafficSnapshot::default(), |sum, s| sum + s)
}

fn sessions_down(nodes: &[(String, RunningNode)]) -> usize {
    nodes
        .iter()
        .flat_map(|(_, node)| node.peer_status())
        .filter(|peer| peer.state != PeerState::Connected)
        .count()
}

async fn convergence(
    nodes: &[(String, RunningNode)],
    args: &SyncArgs,
    today: Date,
    limit: Duration,
    alone: Posting,
) -> anyhow::Result<Convergence> {
    // New stores recover from their peers before they author; then every session is up, so
    // that posting starts on a settled mesh.
    let settled = wait_for(limit, || {
        nodes.iter().all(|(_, node)| !node.ledger().is_recovering()) && sessions_down(nodes) == 0
    })
    .await;
    anyhow::ensure!(
        settled,
        "the nodes did not recover and connect to every peer within {} s",
        limit.as_secs()
    );
    let per_node = args.per_node;
    let all_drafts: Vec<Arc<Vec<ReportDraft>>> = nodes
        .iter()
        .enumerate()
        .map(|(member, (organization, _))| Arc::new(drafts(organization, member, per_node, today)))
        .collect();
    let total = per_node * nodes.len();
    progress(format!(
        "2/5 convergence: {} nodes post {per_node} reports each ({} concurrent submits per node)",
        nodes.len(),
        args.post_concurrency
    ));

    let deadline = tokio::time::Instant::now() + limit;
    let organizations: Vec<String> = nodes.iter().map(|(member, _)| member.clone()).collect();
    let complete = move |frontier: &Frontier| {
        organizations.iter().all(|organization| {
            frontier
                .get(organization)
                .is_some_and(|head| head.sequence >= per_node as u64)
        })
    };
    let wire_before = mesh_dialled(nodes);
    let done = Arc::new(AtomicUsize::new(0));
    let cpu_before = cpu_seconds();
    let machine_before = machine_cpu_ticks();
    let started = Instant::now();
    let mut watchers = Vec::new();
    for (_, node) in nodes {
        watchers.push(tokio::spawn(frontier_reaches(
            node.ledger().durable_frontier(),
            deadline,
            complete.clone(),
        )));
    }
    let mut posters = Vec::new();
    for ((_, node), drafts) in nodes.iter().zip(&all_drafts) {
        let drafts = drafts.clone();
        let poster = post(
            node.ledger().clone(),
            per_node,
            args.post_concurrency,
            Arc::new(move |index| drafts[index].clone()),
            done.clone(),
        );
        posters.push(tokio::spawn(async move {
            poster.await?;
            anyhow::Ok(Instant::now())
        }));
    }
    let tick = {
        let done = done.clone();
        let frontiers: Vec<_> = nodes
            .iter()
            .map(|(_, node)| node.ledger().durable_frontier())
            .collect();
        ticker(move || {
            let held: u64 = frontiers
                .iter()
                .map(|f| f.borrow().values().map(|h| h.sequence).sum::<u64>())
                .sum();
            format!(
                "    {} / {total} posted; {held} / {} entries held across the nodes",
                done.load(Ordering::Relaxed),
                total * total / per_node
            )
        })
    };
    let mut posted_at = Vec::new();
    for poster in posters {
        posted_at.push(poster.await.context("a poster panicked")??);
    }
    let mut converged_at = Vec::new();
    for (watcher, (member, _)) in watchers.into_iter().zip(nodes) {
        converged_at.push(
            watcher
                .await
                .context("a watcher panicked")?
                .with_context(|| format!("{member}'s node did not receive every entry"))?,
        );
    }
    let cpu_seconds = cpu_seconds() - cpu_before;
    let machine_busy = machine_cpu_ticks().busy_share_since(&machine_before);
    tick.abort();
    let wire_bytes = mesh_dialled(nodes).since(&wire_before).bytes();
    // A session counts what it applied once its batch is durable, a moment after the durable
    // frontier the watchers saw: wait (briefly, outside the timing) for the last counts.
    let applied = || -> u64 {
        nodes
            .iter()
            .flat_map(|(_, node)| node.peer_status())
            .map(|peer| peer.entries_applied)
            .sum()
    };
    let expected = (nodes.len() * (total - per_node)) as u64;
    wait_for(Duration::from_secs(5), || applied() >= expected).await;
    let applied_from_peers = applied();
    let seconds = |at: &Instant| at.duration_since(started).as_secs_f64();
    let posted_seconds = posted_at.iter().map(seconds).fold(0.0, f64::max);
    let mut node_ns: Vec<u64> = converged_at
        .iter()
        .map(|at| at.duration_since(started).as_nanos() as u64)
        .collect();
    node_ns.sort_unstable();
    let converged_seconds = node_ns.last().copied().unwrap_or(0) as f64 / 1e9;

    // Every node holds the same logs, and the bytes each had to receive.
    let reference = nodes[0].1.ledger().durable_frontier().borrow().clone();
    for (member, node) in nodes {
        anyhow::ensure!(
            *node.ledger().durable_frontier().borrow() == reference,
            "{member}'s node holds other logs than {}'s",
            nodes[0].0
        );
    }
    let store = nodes[0].1.ledger().store().clone();
    let all_bytes: u64 = tokio::task::spawn_blocking(move || -> anyhow::Result<u64> {
        let mut bytes = 0;
        for organization in reference.keys() {
            bytes += log_entries(&store, organization)?
                .iter()
                .map(|e| e.len() as u64)
                .sum::<u64>();
        }
        Ok(bytes)
    })
    .await
    .context("reading the entries panicked")??;
    let entry_bytes_per_node = all_bytes - all_bytes / nodes.len() as u64;
    progress(format!(
        "    all {} nodes hold all {total} entries, {:.2} s after the first post",
        nodes.len(),
        converged_seconds
    ));
    Ok(Convergence {
        nodes: nodes.len(),
        per_node,
        entries: total,
        posted_seconds,
        converged_seconds,
        node_p50_seconds: percentile_us(&node_ns, 50.0) / 1e6,
        node_max_seconds: converged_seconds,
        entry_bytes_per_node,
        wire_bytes,
        wire_over_needed: wire_bytes as f64 / (entry_bytes_per_node * nodes.len() as u64) as f64,
        applied_from_peers,
        cpu_seconds,
        machine_busy,
        alone,
    })
}

/// Every signed entry of `organization`'s log in `store`, in order.
fn log_entries(store: &Store, organization: &str) -> anyhow::Result<Vec<Vec<u8>>> {
    let mut entries = Vec::new();
    let mut after = 0;
    loop {
        let chunk = store.entries_after(organization, after, 4096)?;
        let Some((last, _)) = chunk.last() else {
            return Ok(entries);
        };
        after = *last;
        entries.extend(chunk.into_iter().map(|(_, bytes)| bytes));
    }
}

// ---------------------------------------------------------------------------------------
// 3: idle traffic
// ---------------------------------------------------------------------------------------

async fn idle_traffic(nodes: &[(String, RunningNode)], seconds: f64) -> Idle {
    tokio::time::sleep(SETTLE).await;
    let dialled_before = mesh_dialled(nodes);
    let accepted_before = mesh_accepted(nodes);
    let started = tokio::time::Instant::now();
    let end = started + Duration::from_secs_f64(seconds);
    let mut timeline = Vec::new();
    let mut last = dialled_before;
    let mut second = started;
    // One sample per second (the last one shorter if the window is not whole seconds).
    while second < end {
        second = (second + Duration::from_secs(1)).min(end);
        tokio::time::sleep_until(second).await;
        let now = mesh_dialled(nodes);
        timeline.push(now.since(&last).bytes());
        last = now;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let dialled = mesh_dialled(nodes).since(&dialled_before);
    let accepted = mesh_accepted(nodes).since(&accepted_before);
    let count = nodes.len();
    let links = count * (count - 1) / 2;
    // `member_config` leaves these at their defaults.
    let defaults = NodeConfig::default();
    let connections = count * (count - 1);
    Idle {
        seconds: elapsed,
        nodes: count,
        links,
        connections,
        dialled,
        accepted,
        bytes_per_second_per_link: dialled.bytes() as f64 / links as f64 / elapsed,
        bytes_per_second_per_connection: dialled.bytes() as f64 / connections as f64 / elapsed,
        timeline,
        sessions_down: sessions_down(nodes),
        client_keepalive_secs: defaults.replication.keepalive_secs,
        server_keepalive_secs: defaults.limits.keepalive_interval_secs,
        anti_entropy_secs: defaults.replication.anti_entropy_secs,
    }
}

// ---------------------------------------------------------------------------------------
// 5: bootstrap
// ---------------------------------------------------------------------------------------

async fn bootstrap(
    root: &Path,
    args: &SyncArgs,
    today: Date,
    limit: Duration,
) -> anyhow::Result<Bootstrap> {
    progress(format!(
        "5/5 bootstrap: a working group of two, {SOURCE_ORGANIZATION} and {NEW_ORGANIZATION}"
    ));
    let members = [SOURCE_ORGANIZATION, NEW_ORGANIZATION];
    let listeners = bind_listeners(&members, None).await?;
    let setups = member_setups(&members, &listeners);
    let group_root = root.to_path_buf();
    let layout = tokio::task::spawn_blocking(move || {
        concord::trust::setup::create_working_group(
            &group_root,
            BOOTSTRAP_GROUP,
            &setups,
            &[SOURCE_ORGANIZATION],
            BENCH_CLIENT,
        )
    })
    .await
    .context("making the working group panicked")?
    .context("cannot make the bootstrap working group")?;
    let mut listeners = listeners.into_iter();
    let (Some(source_listener), Some(new_listener)) = (listeners.next(), listeners.next()) else {
        anyhow::bail!("two listeners were bound, not fewer");
    };
    // These nodes hold 100,000 reports: a production node's cache, not the mesh's small one.
    let cache_mib = NodeConfig::default().store.cache_mib;
    let mut source_config =
        member_config(&layout, SOURCE_ORGANIZATION, source_listener.local_addr()?);
    source_config.store.cache_mib = cache_mib;
    let mut new_config = member_config(&layout, NEW_ORGANIZATION, new_listener.local_addr()?);
    new_config.store.cache_mib = cache_mib;

    let source = concord::node::start(source_config, source_listener)
        .await
        .with_context(|| format!("cannot start {SOURCE_ORGANIZATION}'s node"))?;
    // A new store with a peer waits for that peer before it authors (amnesia rule). Here the
    // group is new and its other node is started only once this one is full: ending the
    // recovery is the operator's decision `concord store new-writer-epoch` stands for.
    source.ledger().finish_recovery()?;
    let measured = bootstrap_from(&source, new_config, new_listener, args, today, limit).await;
    source.shutdown().await?;
    let (mut bootstrap, entries, source_key) = measured?;

    let keys_of =
        move |organization: &str| (organization == SOURCE_ORGANIZATION).then(|| vec![source_key]);
    // Two batchings of the same entries, each into its own fresh store; the faster is the
    // baseline. The first is what a session asks its peer for, so the two paths differ only
    // by the network; the second shares flushes more.
    let max_batch_bytes = ReplicationOptions::default().max_batch_bytes as usize;
    let by_bytes = split_by_bytes(&entries, max_batch_bytes);
    let by_count: Vec<Vec<Vec<u8>>> = entries
        .chunks(BASELINE_BATCH)
        .map(|chunk| chunk.to_vec())
        .collect();
    drop(entries);
    for (what, batches) in [
        (
            format!("{} KiB batches (as sessions ask)", max_batch_bytes / 1024),
            by_bytes,
        ),
        (
            format!("batches of {} entries", grouped(BASELINE_BATCH as f64)),
            by_count,
        ),
    ] {
        progress(format!(
            "5/5 baseline: Ledger::ingest_batch of the same {} entries into a fresh store, {what}",
            bootstrap.reports
        ));
        let store_dir = root
            .join(format!("baseline-{}", bootstrap.baselines.len()))
            .join("store");
        let ingest = local_ingest(&store_dir, cache_mib, batches, keys_of).await?;
        std::fs::remove_dir_all(root.join(format!("baseline-{}", bootstrap.baselines.len()))).ok();
        progress(format!(
            "    ingested in {:.2} s ({:.0} reports/s)",
            ingest.seconds,
            bootstrap.reports as f64 / ingest.seconds
        ));
        bootstrap.baselines.push(Baseline {
            what,
            seconds: ingest.seconds,
            reports_per_second: bootstrap.reports as f64 / ingest.seconds,
            mb_per_second: bootstrap.entry_bytes as f64 / 1e6 / ingest.seconds,
            cpu_seconds: ingest.cpu_seconds,
        });
    }
    let fastest = bootstrap
        .baselines
        .iter()
        .map(|b| b.reports_per_second)
        .fold(0.0, f64::max);
    bootstrap.baseline_reports_per_second = fastest;
    bootstrap.ratio = bootstrap.sync_reports_per_second / fastest;
    Ok(bootstrap)
}

/// Consecutive batches of `entries` of about `max_bytes` each, cut the way the replication
/// service fills a batch (an entry that reaches the cap ends its batch).
fn split_by_bytes(entries: &[Vec<u8>], max_bytes: usize) -> Vec<Vec<Vec<u8>>> {
    let mut batches = Vec::new();
    let mut batch = Vec::new();
    let mut bytes = 0;
    for entry in entries {
        bytes += entry.len();
        batch.push(entry.clone());
        if bytes >= max_bytes {
            batches.push(std::mem::take(&mut batch));
            bytes = 0;
        }
    }
    if !batch.is_empty() {
        batches.push(batch);
    }
    batches
}

/// Time and CPU of one local ingest.
struct Ingest {
    seconds: f64,
    cpu_seconds: f64,
}

/// Ingests `batches`, one after the other, through a ledger over a fresh store in
/// `store_dir`: each batch is verified, applied and made durable before the next goes (the
/// entries of one log must reach the writer in order).
async fn local_ingest(
    store_dir: &Path,
    cache_mib: u64,
    batches: Vec<Vec<Vec<u8>>>,
    keys_of: impl Fn(&str) -> Option<Vec<ed25519_dalek::VerifyingKey>> + Copy,
) -> anyhow::Result<Ingest> {
    let store_dir = store_dir.to_path_buf();
    let ledger = Arc::new(
        tokio::task::spawn_blocking(move || -> anyhow::Result<Ledger> {
            let store = Store::open(
                &store_dir,
                &StoreOptions {
                    cache_capacity_bytes: cache_mib * 1024 * 1024,
                    recover_if_created: false,
                },
            )?;
            Ok(Ledger::start(
                Arc::new(store),
                NEW_ORGANIZATION.to_string(),
                ed25519_dalek::SigningKey::generate(&mut rand_core::OsRng),
            )?)
        })
        .await
        .context("opening the baseline store panicked")??,
    );
    let cpu_before = cpu_seconds();
    let started = Instant::now();
    for batch in batches {
        for outcome in ledger.ingest_batch(batch, keys_of).await {
            anyhow::ensure!(
                matches!(outcome, Ok(IngestOutcome::Applied)),
                "the baseline ingest did not apply an entry: {outcome:?}"
            );
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let cpu_seconds = cpu_seconds() - cpu_before;
    tokio::task::spawn_blocking(move || ledger.shutdown())
        .await
        .context("stopping the baseline ledger panicked")??;
    Ok(Ingest {
        seconds,
        cpu_seconds,
    })
}

/// The machine's CPU time, all processes, from the first line of `/proc/stat` (ticks).
#[derive(Debug, Clone, Copy, Default)]
struct MachineTicks {
    busy: u64,
    total: u64,
}

impl MachineTicks {
    /// The busy share of the time since `earlier` (NaN without `/proc`).
    fn busy_share_since(&self, earlier: &MachineTicks) -> f64 {
        (self.busy - earlier.busy) as f64 / (self.total - earlier.total) as f64
    }
}

fn machine_cpu_ticks() -> MachineTicks {
    let Some(line) = std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|text| text.lines().next().map(str::to_string))
    else {
        return MachineTicks::default();
    };
    // cpu user nice system idle iowait irq softirq steal ...: idle and iowait are not busy.
    let ticks: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .take(8)
        .filter_map(|v| v.parse().ok())
        .collect();
    let total: u64 = ticks.iter().sum();
    let idle = ticks.get(3).copied().unwrap_or(0) + ticks.get(4).copied().unwrap_or(0);
    MachineTicks {
        busy: total - idle,
        total,
    }
}

/// CPU time this process has used (user and system, every thread), seconds; 0 where
/// `/proc` is missing. The clock-tick unit of `/proc/self/stat` is USER_HZ, 100 on Linux.
fn cpu_seconds() -> f64 {
    const USER_HZ: f64 = 100.0;
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which may hold spaces, so it ends at the last ')'):
    // state is field 3, utime field 14, stime field 15.
    let Some((_, fields)) = stat.rsplit_once(')') else {
        return 0.0;
    };
    let fields: Vec<&str> = fields.split_whitespace().collect();
    let ticks = |index: usize| {
        fields
            .get(index)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (ticks(11) + ticks(12)) as f64 / USER_HZ
}

/// Fills `source`, then starts the empty node and times it until it holds everything.
/// Returns the figures (baseline still to fill in), the source's entries and its key.
async fn bootstrap_from(
    source: &RunningNode,
    new_config: NodeConfig,
    new_listener: tokio::net::TcpListener,
    args: &SyncArgs,
    today: Date,
    limit: Duration,
) -> anyhow::Result<(Bootstrap, Vec<Vec<u8>>, ed25519_dalek::VerifyingKey)> {
    let total = args.reports;
    progress(format!(
        "5/5 bootstrap: {SOURCE_ORGANIZATION}'s node stores {total} reports ({} concurrent submits)",
        args.fill_concurrency
    ));
    let done = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let tick = {
        let done = done.clone();
        ticker(move || {
            let count = done.load(Ordering::Relaxed);
            format!(
                "    {count} / {total} stored ({:.0} reports/s)",
                count as f64 / started.elapsed().as_secs_f64()
            )
        })
    };
    let filled = post(
        source.ledger().clone(),
        total,
        args.fill_concurrency,
        Arc::new(move |index| report_draft(index as u64 ^ 0xB007, SOURCE_ORGANIZATION, today)),
        done,
    )
    .await;
    tick.abort();
    filled?;
    let fill_seconds = started.elapsed().as_secs_f64();
    progress(format!(
        "    {total} reports stored in {fill_seconds:.1} s ({:.0} reports/s)",
        total as f64 / fill_seconds
    ));
    let store = source.ledger().store().clone();
    let entries = tokio::task::spawn_blocking(move || log_entries(&store, SOURCE_ORGANIZATION))
        .await
        .context("reading the entries panicked")??;
    anyhow::ensure!(
        entries.len() == total,
        "{SOURCE_ORGANIZATION}'s log holds {} entries, not {total}",
        entries.len()
    );
    let entry_bytes: u64 = entries.iter().map(|e| e.len() as u64).sum();
    let target = source.ledger().durable_frontier().borrow().clone();

    progress(format!(
        "5/5 bootstrap: {NEW_ORGANIZATION}'s empty node pulls {total} entries ({:.1} MB) from its one peer",
        entry_bytes as f64 / 1e6
    ));
    let cpu_before = cpu_seconds();
    let started = Instant::now();
    let new = concord::node::start(new_config, new_listener)
        .await
        .with_context(|| format!("cannot start {NEW_ORGANIZATION}'s node"))?;
    let tick = {
        let frontier = new.ledger().durable_frontier();
        ticker(move || {
            let held = frontier
                .borrow()
                .get(SOURCE_ORGANIZATION)
                .map_or(0, |head| head.sequence);
            format!(
                "    {held} / {total} entries ({:.0} reports/s)",
                held as f64 / started.elapsed().as_secs_f64()
            )
        })
    };
    let reached = frontier_reaches(
        new.ledger().durable_frontier(),
        tokio::time::Instant::now() + limit,
        move |frontier| *frontier == target,
    )
    .await;
    let sync_cpu_seconds = cpu_seconds() - cpu_before;
    tick.abort();
    let wire_bytes_received = new.traffic().dialled.snapshot().bytes_in;
    new.shutdown().await?;
    let sync_seconds = reached
        .with_context(|| format!("{NEW_ORGANIZATION}'s node did not catch up with its peer"))?
        .duration_since(started)
        .as_secs_f64();
    progress(format!(
        "    caught up in {sync_seconds:.2} s ({:.0} reports/s)",
        total as f64 / sync_seconds
    ));
    Ok((
        Bootstrap {
            reports: total,
            entry_bytes,
            fill_seconds,
            fill_per_second: total as f64 / fill_seconds,
            sync_seconds,
            sync_reports_per_second: total as f64 / sync_seconds,
            sync_mb_per_second: entry_bytes as f64 / 1e6 / sync_seconds,
            wire_bytes_received,
            sync_cpu_seconds,
            baselines: Vec::new(),
            baseline_reports_per_second: f64::NAN,
            ratio: f64::NAN,
        },
        entries,
        source.ledger().public_key(),
    ))
}

// ---------------------------------------------------------------------------------------
// Goals and output
// ---------------------------------------------------------------------------------------

fn goals(
    bootstrap: &Bootstrap,
    convergence: &Convergence,
    idle: &Idle,
    memory: &Memory,
) -> Vec<Goal> {
    vec![
        Goal {
            name: "bootstrap: sync rate / local ingest rate".into(),
            value: bootstrap.ratio,
            goal: Some(format!(">= {BOOTSTRAP_GOAL_RATIO}")),
            pass: Some(bootstrap.ratio >= BOOTSTRAP_GOAL_RATIO),
            note: format!(
                "{} vs {} reports/s",
                grouped(bootstrap.sync_reports_per_second),
                grouped(bootstrap.baseline_reports_per_second)
            ),
        },
        Goal {
            name: format!(
                "convergence of {} nodes, seconds (PostgreSQL mesh: {POSTGRES_MESH_SECONDS:.0} s)",
                convergence.nodes
            ),
            value: convergence.converged_seconds,
            goal: Some(format!("<= {CONVERGENCE_GOAL_SECONDS}")),
            pass: Some(convergence.converged_seconds <= CONVERGENCE_GOAL_SECONDS),
            note: if convergence.converged_seconds <= POSTGRES_MESH_SECONDS {
                format!(
                    "{:.1}x faster than the reference",
                    POSTGRES_MESH_SECONDS / convergence.converged_seconds
                )
            } else {
                format!(
                    "{:.1}x slower than the reference",
                    convergence.converged_seconds / POSTGRES_MESH_SECONDS
                )
            },
        },
        Goal {
            name: "convergence time / posting alone at one node".into(),
            value: convergence.converged_seconds / convergence.alone.seconds,
            goal: None,
            pass: None,
            note: format!(
                "{:.2} s vs {:.2} s for {} reports",
                convergence.converged_seconds, convergence.alone.seconds, convergence.alone.reports
            ),
        },
        {
            // The work no protocol can avoid: every node verifies and applies every other
            // node's entries, at best at the rate one node ingests locally (measured in 1).
            let applies = (convergence.nodes * (convergence.entries - convergence.per_node)) as f64;
            let floor = applies / bootstrap.baseline_reports_per_second;
            Goal {
                name: "convergence time / apply floor at local ingest rate".into(),
                value: convergence.converged_seconds / floor,
                goal: None,
                pass: None,
                note: format!(
                    "floor {floor:.1} s: {} applies at {} reports/s",
                    grouped(applies),
                    grouped(bootstrap.baseline_reports_per_second)
                ),
            }
        },
        {
            // The keepalive pings are the idle mesh's periodic traffic: a window that cannot
            // contain one would pass for the wrong reason.
            let longest = idle.client_keepalive_secs.max(idle.server_keepalive_secs) as f64;
            let judged = idle.seconds >= longest;
            let bytes = format!(
                "{} B in {:.0} s over {} links",
                grouped(idle.dialled.bytes() as f64),
                idle.seconds,
                idle.links
            );
            Goal {
                name: "idle traffic, bytes/s per link".into(),
                value: idle.bytes_per_second_per_link,
                goal: Some(format!("<= {IDLE_GOAL_BYTES_PER_SECOND}")),
                pass: judged
                    .then_some(idle.bytes_per_second_per_link <= IDLE_GOAL_BYTES_PER_SECOND),
                note: if judged {
                    bytes
                } else {
                    format!(
                        "NOT JUDGED: {bytes}, a window shorter than the {longest:.0} s keepalive interval"
                    )
                },
            }
        },
        Goal {
            name: format!("peak memory of the {} nodes, GiB", memory.nodes),
            value: memory.peak_bytes as f64 / GIB,
            goal: Some("< 2".into()),
            pass: Some(memory.peak_bytes < MEMORY_GOAL_BYTES),
            note: format!("VmHWM of the process: {}", mib(memory.peak_bytes)),
        },
    ]
}

/// Megabytes (10^6 bytes), as rates are usually given.
fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

fn print_table(results: &Results) {
    let s = &results.settings;
    print_machine(&results.machine, s.release_build);
    println!(
        "  settings     bootstrap of {} reports; {} nodes posting {} each ({} concurrent submits per node); {} s idle window",
        grouped(s.reports as f64),
        s.nodes,
        grouped(s.per_node as f64),
        s.post_concurrency,
        s.idle_seconds
    );
    println!();

    let b = &results.bootstrap;
    println!("== 1. Bootstrap of an empty node from one peer (mutual TLS) ==");
    println!(
        "  source: {SOURCE_ORGANIZATION}'s node holding {} reports ({} of signed entries, {} B each), stored in {:.1} s ({} reports/s, {} concurrent submits)",
        grouped(b.reports as f64),
        mb(b.entry_bytes),
        grouped(b.entry_bytes as f64 / b.reports.max(1) as f64),
        b.fill_seconds,
        grouped(b.fill_per_second),
        s.fill_concurrency
    );
    println!(
        "  {:<58} {:>10} {:>11} {:>9} {:>12}",
        "", "time", "reports/s", "MB/s", "CPU used"
    );
    let row = |what: &str, seconds: f64, rate: f64, mb_per_second: f64, cpu: f64| {
        println!(
            "  {what:<58} {:>10} {:>11} {:>9.2} {:>12}",
            duration_text(seconds * 1e6),
            grouped(rate),
            mb_per_second,
            format!("{:.2} cores", cpu / seconds)
        );
    };
    row(
        "sync: empty node until its frontier equals its peer's",
        b.sync_seconds,
        b.sync_reports_per_second,
        b.sync_mb_per_second,
        b.sync_cpu_seconds,
    );
    for baseline in &b.baselines {
        row(
            &format!("baseline: ingest_batch, {}", baseline.what),
            baseline.seconds,
            baseline.reports_per_second,
            baseline.mb_per_second,
            baseline.cpu_seconds,
        );
    }
    println!(
        "  (baselines: Ledger::ingest_batch of the same entries into a fresh store in this process, no network; plain sled inserts are not measured, only store/ may use sled)"
    );
    println!(
        "  sync rate / local ingest rate (the faster baseline): {:.2}",
        b.ratio
    );
    println!(
        "  bytes the new node received on the wire: {} ({:.2} x the entry bytes)",
        mb(b.wire_bytes_received),
        b.wire_bytes_received as f64 / b.entry_bytes.max(1) as f64
    );
    println!();

    let c = &results.convergence;
    println!(
        "== 2. Convergence of {} nodes (mutual TLS, full mesh) ==",
        c.nodes
    );
    println!(
        "  each node posts {} reports at once ({} concurrent submits per node): {} entries to hold everywhere",
        grouped(c.per_node as f64),
        s.post_concurrency,
        grouped(c.entries as f64)
    );
    let line = |label: &str, value: String| println!("  {label:<52} {value}");
    line(
        "every post acknowledged after",
        format!("{:.2} s", c.posted_seconds),
    );
    line(
        "every node holds every entry after",
        format!(
            "{:.2} s  (per node: p50 {:.2} s, slowest {:.2} s)",
            c.converged_seconds, c.node_p50_seconds, c.node_max_seconds
        ),
    );
    line(
        &format!(
            "baseline: one node posting {} reports alone",
            grouped(c.alone.reports as f64)
        ),
        format!(
            "{:.2} s  ({} reports/s)",
            c.alone.seconds,
            grouped(c.alone.per_second)
        ),
    );
    line(
        "reference: PostgreSQL mesh of 15 instances",
        format!("{POSTGRES_MESH_SECONDS:.0} s"),
    );
    line(
        "CPU used until convergence",
        format!(
            "{:.1} CPU-seconds: {:.2} of the {} cores on average; the machine was {:.0}% busy (other processes: {:.2} cores)",
            c.cpu_seconds,
            c.cpu_seconds / c.converged_seconds,
            results.machine.cpus,
            c.machine_busy * 100.0,
            (c.machine_busy * results.machine.cpus as f64 - c.cpu_seconds / c.converged_seconds)
                .max(0.0)
        ),
    );
    line(
        "entries applied from peers, all nodes",
        format!(
            "{}  (= nodes x other nodes' entries: {} x {})",
            grouped(c.applied_from_peers as f64),
            c.nodes,
            grouped((c.entries - c.per_node) as f64)
        ),
    );
    line(
        "bytes on the wire until convergence",
        format!(
            "{}  ({:.1} x the {} of entries each node needed, summed over the nodes)",
            mb(c.wire_bytes),
            c.wire_over_needed,
            mb(c.entry_bytes_per_node)
        ),
    );
    println!();

    let i = &results.idle;
    println!("== 3. Idle traffic of the converged mesh ==");
    println!(
        "  window {:.1} s, {} s after convergence; {} links (node pairs), {} connections (one replication session dialled each way)",
        i.seconds,
        SETTLE.as_secs(),
        i.links,
        i.connections
    );
    println!(
        "  bytes on the wire: {} counted where dialled ({} sent, {} received), {} where accepted; {} connections opened; {} sessions down at the end",
        grouped(i.dialled.bytes() as f64),
        grouped(i.dialled.bytes_out as f64),
        grouped(i.dialled.bytes_in as f64),
        grouped(i.accepted.bytes() as f64),
        i.dialled.connections,
        i.sessions_down
    );
    println!(
        "  per link: {:.2} B/s; per connection: {:.2} B/s",
        i.bytes_per_second_per_link, i.bytes_per_second_per_connection
    );
    println!(
        "  periodic timers: HTTP/2 keepalive ping every {} s from the dialling side and every {} s from the accepting side of each connection; anti-entropy check every {} s",
        i.client_keepalive_secs, i.server_keepalive_secs, i.anti_entropy_secs
    );
    let longest = i.client_keepalive_secs.max(i.server_keepalive_secs) as f64;
    if i.seconds < longest {
        println!(
            "  NOTE: the window is shorter than the {longest:.0} s keepalive interval, so it can miss the pings (pass --idle-seconds {:.0}: whole intervals give the steady rate)",
            2.0 * longest
        );
    }
    println!(
        "  bytes per second across the mesh, second by second: {}",
        i.timeline
            .iter()
            .map(|b| grouped(*b as f64))
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!();

    let m = &results.memory;
    println!("== 4. Memory of the {} nodes (one process) ==", m.nodes);
    line(
        "resident memory (VmRSS) before starting them",
        mib(m.resident_before_bytes),
    );
    line(
        "resident memory (VmRSS) after convergence and idle",
        format!(
            "{}  (~{} per node above the process's own)",
            mib(m.resident_bytes),
            mib(m.resident_bytes.saturating_sub(m.resident_before_bytes) / m.nodes.max(1) as u64)
        ),
    );
    line("peak memory (VmHWM) of the process", mib(m.peak_bytes));
    println!();

    println!("== Goals ==");
    for goal in &results.goals {
        println!("{}", goal_row(goal));
    }
}
