//! `concord bench`: submit throughput and latency, listing, and their ceilings.
//!
//! One run measures, on this machine and in this order:
//! 1. the raw disk ceiling: 4 KiB appends each followed by `fdatasync` (`File::sync_data`),
//!    in the scratch directory where the nodes keep their data;
//! 2. the empty-RPC ceiling: `grpc.health.v1.Health/Check` against a real node (same server
//!    stack as `Reports`), at 1 client and at 64 concurrent clients;
//! 3. durable submits through the real gRPC `Submit` path at 1, 16 and 64 concurrent
//!    clients, each level against a fresh node, with realistic ~1 KiB reports;
//!
//!    3b. the same submits against a node with mutual TLS (a one-member working group made
//!    in the scratch directory, no per-member rate limit), with the cost of TLS as ratios
//!    to the plaintext run, and the cost of Ed25519 signing alone (every submit signs its
//!    log entry, in both runs) as a share of a 1-client submit;
//! 4. the goals, as ratios of the above, each marked PASS or MISS;
//! 5. listing: a node holding `--reports` reports of the whole working group, typical
//!    co-chair queries answered from the indexes (`Ledger::list`) beside a full scan of
//!    the same query (`Ledger::full_scan`);
//! 6. peak memory of the process and the size of the store on disk.
//!
//! Load is closed-loop: each client sends its next call when the previous one returns.
//! Every phase has a short warm-up that is not counted. Clients share HTTP/2 connections,
//! `--clients-per-connection` per connection (8 by default), so that one connection's
//! framing is not what limits 64 clients. Server and clients run in this one process,
//! on the same async runtime, for the ceilings and for the submits alike.
//!
//! Progress goes to standard error; the results (a table, or JSON with `-o json`) to
//! standard output.
//!
//! `concord bench sync` measures replication instead (see [`super::bench_sync`]), `concord
//! bench view` the consolidated view at scale (see [`super::bench_view`]); they share this
//! module's report generator, statistics and table helpers.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Args, Subcommand};
use serde::Serialize;

use concord::config::{NodeConfig, TlsConfig};
use concord::ledger::{Ledger, ListQuery};
use concord::node::RunningNode;
use concord::report::{
    ActivityStatus, ActivityType, Contact, Date, DraftDates, DraftParticipant, Link, ReportDraft,
    TextInput, Theme,
};
use concord::rpc::client::{Client, ClientTls};
use concord::trust::setup::{MemberSetup, create_working_group};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;

use super::OutputFormat;
use super::demo::DEFAULT_MEMBERS;

/// `concord bench`.
#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BenchArgs {
    #[command(subcommand)]
    command: Option<BenchCommand>,
    /// Reports stored for the listing measurements [default: 100000; 4000 with --quick].
    #[arg(long)]
    reports: Option<usize>,
    /// Seconds each throughput phase is measured, after a short warm-up [default: 5; 1
    /// with --quick].
    #[arg(long)]
    duration_secs: Option<f64>,
    /// A small, fast run (for CI): 4,000 reports, 1-second phases, fewer repetitions.
    #[arg(long)]
    quick: bool,
    /// Where the nodes' data and the fdatasync probe go (a temporary directory is made
    /// inside it and removed at the end). Put it on the disk that will hold real data.
    #[arg(long, default_value = ".")]
    dir: PathBuf,
    /// Concurrent clients sharing one HTTP/2 connection.
    #[arg(long, default_value_t = 8)]
    clients_per_connection: usize,
    /// Concurrent writers filling the listing node.
    #[arg(long, default_value_t = 256)]
    populate_concurrency: usize,
    /// Consecutive reports of one member while filling the listing node: 1 interleaves
    /// the members report by report; larger blocks store them as replicated log ranges
    /// would arrive.
    #[arg(long, default_value_t = 1)]
    populate_block: usize,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = OutputFormat::Table)]
    output: OutputFormat,
}

/// Benchmarks other than the default one.
#[derive(Subcommand, Debug)]
enum BenchCommand {
    /// Measure replication: bootstrap of an empty node, convergence of 15 nodes, idle
    /// traffic per link and memory, as ratios to baselines measured in the same run.
    Sync(super::bench_sync::SyncArgs),
    /// Measure IATI import: parse + map throughput (activities/s) and peak memory on a
    /// generated ~50 MB file, beside a raw XML scan of the same file.
    Iati(super::bench_iati::IatiBenchArgs),
    /// Measure the consolidated view over 100,000 and 1,000,000 reports: loading, typical
    /// co-chair queries and matrices beside full scans, the overlap inbox (from scratch
    /// and after one new report), peak memory and store size.
    View(super::bench_view::ViewBenchArgs),
}

/// Client counts of the empty-RPC phases.
const RPC_CLIENTS: [usize; 2] = [1, 64];
/// Client counts of the submit phases.
const SUBMIT_CLIENTS: [usize; 3] = [1, 16, 64];
/// The organization of the nodes that take the submits.
const SUBMIT_ORGANIZATION: &str = "IOM";
/// The organization of the listing node: a co-chair.
const LISTING_ORGANIZATION: &str = "ESCAP";
/// The organization of the mutual-TLS node: a co-chair, alone in its working group.
const TLS_ORGANIZATION: &str = "ESCAP";
/// The working group made for the mutual-TLS node.
const TLS_GROUP: &str = "concord-bench";
/// The client certificate the mutual-TLS submit clients present.
const TLS_CLIENT: &str = "bench";
/// Distinct drafts the submit clients cycle through.
const DRAFT_POOL: usize = 1024;
/// Size of one fdatasync probe write.
const PROBE_BLOCK: usize = 4096;

/// Resolved settings of one run.
#[derive(Debug, Clone, Serialize)]
struct Settings {
    quick: bool,
    reports: usize,
    phase_seconds: f64,
    warmup_seconds: f64,
    clients_per_connection: usize,
    populate_concurrency: usize,
    populate_block: usize,
    indexed_runs_max: usize,
    scan_runs: usize,
    /// Seconds the Ed25519 signing loop runs.
    signing_seconds: f64,
    release_build: bool,
}

#[derive(Debug, Serialize)]
pub(crate) struct Machine {
    pub(crate) cpus: usize,
    pub(crate) cpu_model: String,
    pub(crate) kernel: String,
    pub(crate) scratch_dir: String,
    pub(crate) filesystem: String,
}

/// One closed-loop measurement.
#[derive(Debug, Clone, Serialize)]
struct Throughput {
    what: String,
    clients: usize,
    connections: usize,
    operations: u64,
    seconds: f64,
    per_second: f64,
    p50_us: f64,
    p99_us: f64,
}

/// Mutual TLS against plaintext, at one level of clients.
#[derive(Debug, Serialize)]
struct TlsCost {
    clients: usize,
    /// TLS rate / plaintext rate.
    rate_ratio: f64,
    /// TLS p99 / plaintext p99.
    p99_ratio: f64,
    plaintext_per_second: f64,
    tls_per_second: f64,
    plaintext_p99_us: f64,
    tls_p99_us: f64,
}

/// Sealing a representative log entry alone, in a tight loop: SHA-256 of its content and
/// the Ed25519 signature over its body.
#[derive(Debug, Serialize)]
struct Signing {
    content_bytes: usize,
    body_bytes: usize,
    signs: u64,
    seconds: f64,
    per_second: f64,
    us_per_sign: f64,
    /// p50 of the plaintext 1-client durable submit.
    submit_p50_us: f64,
    /// `us_per_sign / submit_p50_us`.
    share_of_submit_p50: f64,
}

#[derive(Debug, Serialize)]
pub(crate) struct Goal {
    pub(crate) name: String,
    pub(crate) value: f64,
    pub(crate) goal: Option<String>,
    pub(crate) pass: Option<bool>,
    pub(crate) note: String,
}

#[derive(Debug, Serialize)]
struct QueryResult {
    name: String,
    matches: usize,
    page: usize,
    page_agrees_with_scan: bool,
    indexed_runs: usize,
    indexed_p50_us: f64,
    indexed_p99_us: f64,
    scan_runs: usize,
    scan_p50_us: f64,
    scan_p99_us: f64,
    indexed_over_scan: f64,
}

#[derive(Debug, Serialize)]
struct Listing {
    reports: usize,
    organizations: usize,
    populate_concurrency: usize,
    populate_seconds: f64,
    populate_per_second: f64,
    /// Seconds a ledger took to rebuild its in-memory indexes from the store at start.
    index_rebuild_seconds: f64,
    average_draft_json_bytes: usize,
    queries: Vec<QueryResult>,
}

#[derive(Debug, Serialize)]
struct Memory {
    resident_before_listing_bytes: u64,
    peak_before_scans_bytes: u64,
    peak_end_bytes: u64,
    resident_end_bytes: u64,
    store_reports: usize,
    store_apparent_bytes: u64,
    store_allocated_bytes: u64,
    store_sled_estimate_bytes: u64,
}

#[derive(Debug, Serialize)]
struct Results {
    machine: Machine,
    settings: Settings,
    disk: Throughput,
    empty_rpc: Vec<Throughput>,
    submits: Vec<Throughput>,
    tls_submits: Vec<Throughput>,
    tls_cost: Vec<TlsCost>,
    signing: Signing,
    goals: Vec<Goal>,
    listing: Listing,
    memory: Memory,
}

pub async fn run(mut args: BenchArgs) -> anyhow::Result<()> {
    match args.command.take() {
        Some(BenchCommand::Sync(sync)) => return super::bench_sync::run(sync).await,
        Some(BenchCommand::Iati(iati)) => return super::bench_iati::run(iati).await,
        Some(BenchCommand::View(view)) => return super::bench_view::run(view).await,
        None => {}
    }
    let settings = resolve(&args)?;
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    let scratch = tempfile::Builder::new()
        .prefix("concord-bench-")
        .tempdir_in(&args.dir)
        .with_context(|| {
            format!(
                "cannot create a scratch directory in {}",
                args.dir.display()
            )
        })?;
    let machine = machine(scratch.path());
    if machine.filesystem.starts_with("tmpfs") || machine.filesystem.starts_with("ramfs") {
        progress(format!(
            "warning: {} is in memory ({}): fdatasync and durable-write figures mean nothing \
             there; pass --dir on the data disk",
            scratch.path().display(),
            machine.filesystem
        ));
    }
    progress(format!(
        "concord bench: {} reports, {} s per phase, scratch {}",
        settings.reports,
        settings.phase_seconds,
        scratch.path().display()
    ));
    let window = Window {
        warmup: Duration::from_secs_f64(settings.warmup_seconds),
        duration: Duration::from_secs_f64(settings.phase_seconds),
    };

    // 1. Raw disk ceiling.
    progress("1/6 fdatasync ceiling");
    let probe_dir = scratch.path().join("fdatasync");
    std::fs::create_dir_all(&probe_dir)?;
    let probe_window = window.clone();
    let disk = tokio::task::spawn_blocking(move || fdatasync_loop(&probe_dir, &probe_window))
        .await
        .context("fdatasync probe panicked")??;

    // 2. Empty-RPC ceiling.
    let mut empty_rpc = Vec::new();
    {
        let node = start_node(&scratch.path().join("rpc"), SUBMIT_ORGANIZATION).await?;
        for clients in RPC_CLIENTS {
            progress(format!("2/6 empty RPC, {clients} client(s)"));
            empty_rpc.push(health_phase(&node, clients, &settings, &window).await?);
        }
        node.shutdown().await?;
    }

    // 3. Durable submits, a fresh node for each level.
    let today = today();
    let pool: Arc<Vec<ReportDraft>> = Arc::new(
        (0..DRAFT_POOL as u64)
            .map(|seed| report_draft(seed ^ 0x5EED, SUBMIT_ORGANIZATION, today))
            .collect(),
    );
    let mut submits = Vec::new();
    for clients in SUBMIT_CLIENTS {
        progress(format!("3/6 durable submits, {clients} client(s)"));
        let dir = scratch.path().join(format!("submit-{clients}"));
        let node = start_node(&dir, SUBMIT_ORGANIZATION).await?;
        submits.push(submit_phase(&node, clients, &settings, &window, &pool).await?);
        let stored = node.ledger().store().report_count()?;
        node.shutdown().await?;
        anyhow::ensure!(
            stored >= submits.last().map_or(0, |t| t.operations),
            "the node holds {stored} reports, fewer than it acknowledged"
        );
        // The next level starts on a clean disk.
        std::fs::remove_dir_all(&dir).ok();
    }

    // 3b. The same submits over mutual TLS, and the cost of signing alone.
    let tls_pool: Arc<Vec<ReportDraft>> = Arc::new(
        (0..DRAFT_POOL as u64)
            .map(|seed| report_draft(seed ^ 0x5EED, TLS_ORGANIZATION, today))
            .collect(),
    );
    let tls_submits =
        tls_submit_phases(&scratch.path().join("tls"), &settings, &window, &tls_pool).await?;
    let tls_cost = tls_cost(&submits, &tls_submits);
    progress("3b/6 Ed25519 signing alone");
    let signing = {
        let draft = pool[0].clone();
        let seconds = settings.signing_seconds;
        tokio::task::spawn_blocking(move || signing_loop(&draft, today, seconds))
            .await
            .context("signing loop panicked")??
    };
    let signing = signing.with_submit(at(&submits, 1));

    // 4. Goals.
    let goals = goals(&disk, &empty_rpc, &submits);

    // 5. Listing.
    let (listing, memory) = listing_phase(scratch.path(), &settings, today).await?;

    let results = Results {
        machine,
        settings,
        disk,
        empty_rpc,
        submits,
        tls_submits,
        tls_cost,
        signing,
        goals,
        listing,
        memory,
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

fn resolve(args: &BenchArgs) -> anyhow::Result<Settings> {
    let reports = args
        .reports
        .unwrap_or(if args.quick { 4_000 } else { 100_000 });
    let phase_seconds = args
        .duration_secs
        .unwrap_or(if args.quick { 1.0 } else { 5.0 });
    anyhow::ensure!(reports >= 100, "--reports must be at least 100");
    anyhow::ensure!(
        phase_seconds.is_finite() && phase_seconds > 0.0 && phase_seconds <= 3600.0,
        "--duration-secs must be between 0 and 3600"
    );
    anyhow::ensure!(
        args.clients_per_connection >= 1,
        "--clients-per-connection must be at least 1"
    );
    anyhow::ensure!(
        args.populate_concurrency >= 1 && args.populate_block >= 1,
        "--populate-concurrency and --populate-block must be at least 1"
    );
    Ok(Settings {
        quick: args.quick,
        reports,
        phase_seconds,
        warmup_seconds: (phase_seconds * 0.2).min(0.5),
        clients_per_connection: args.clients_per_connection,
        populate_concurrency: args.populate_concurrency,
        populate_block: args.populate_block,
        indexed_runs_max: if args.quick { 50 } else { 300 },
        scan_runs: 2,
        signing_seconds: if args.quick {
            0.25
        } else {
            phase_seconds.min(2.0)
        },
        release_build: !cfg!(debug_assertions),
    })
}

pub(crate) fn progress(message: impl AsRef<str>) {
    eprintln!("[bench] {}", message.as_ref());
}

pub(crate) fn today() -> Date {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    Date::from_unix_seconds(seconds)
}

// ---------------------------------------------------------------------------------------
// Machine
// ---------------------------------------------------------------------------------------

pub(crate) fn machine(scratch: &Path) -> Machine {
    let cpu_model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, model)| model.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|text| text.trim().to_string())
        .unwrap_or_else(|_| std::env::consts::OS.to_string());
    Machine {
        cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
        cpu_model,
        kernel,
        scratch_dir: scratch.display().to_string(),
        filesystem: filesystem_of(scratch),
    }
}

/// "ext4 on /dev/vda (mounted at /)", from the longest mount point containing `path`.
fn filesystem_of(path: &Path) -> String {
    let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let Ok(mounts) = std::fs::read_to_string("/proc/self/mounts") else {
        return "unknown".into();
    };
    let unescape = |text: &str| text.replace("\\040", " ").replace("\\011", "\t");
    mounts
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let device = fields.next()?;
            let mount_point = unescape(fields.next()?);
            let kind = fields.next()?;
            path.starts_with(&mount_point)
                .then(|| (mount_point, kind.to_string(), device.to_string()))
        })
        .max_by_key(|(mount_point, _, _)| mount_point.len())
        .map(|(mount_point, kind, device)| format!("{kind} on {device} (mounted at {mount_point})"))
        .unwrap_or_else(|| "unknown".into())
}

// ---------------------------------------------------------------------------------------
// Closed-loop load
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Window {
    warmup: Duration,
    duration: Duration,
}

/// Latencies (ns) of the operations that finished within the measured window (after the
/// warm-up): their count over the window's length is the throughput.
struct Measured {
    latencies_ns: Vec<u64>,
    seconds: f64,
}

impl Measured {
    fn throughput(mut self, what: &str, clients: usize, connections: usize) -> Throughput {
        self.latencies_ns.sort_unstable();
        let operations = self.latencies_ns.len() as u64;
        Throughput {
            what: what.to_string(),
            clients,
            connections,
            operations,
            seconds: self.seconds,
            per_second: operations as f64 / self.seconds,
            p50_us: percentile_us(&self.latencies_ns, 50.0),
            p99_us: percentile_us(&self.latencies_ns, 99.0),
        }
    }
}

/// Nearest-rank percentile of sorted nanoseconds, in microseconds.
pub(crate) fn percentile_us(sorted_ns: &[u64], percent: f64) -> f64 {
    if sorted_ns.is_empty() {
        return f64::NAN;
    }
    let rank = ((percent / 100.0) * sorted_ns.len() as f64).ceil() as usize;
    sorted_ns[rank.clamp(1, sorted_ns.len()) - 1] as f64 / 1000.0
}

/// Runs each operation in its own task, back to back, for the warm-up and the window.
async fn drive<Op, Fut>(operations: Vec<Op>, window: &Window) -> anyhow::Result<Measured>
where
    Op: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
{
    let start = Instant::now();
    let measure_from = start + window.warmup;
    let end = measure_from + window.duration;
    let mut tasks = Vec::with_capacity(operations.len());
    for mut operation in operations {
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let began = Instant::now();
                if began >= end {
                    break;
                }
                operation().await?;
                let done = Instant::now();
                if done >= measure_from && done <= end {
                    latencies.push((done - began).as_nanos() as u64);
                }
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut latencies_ns = Vec::new();
    for task in tasks {
        latencies_ns.extend(task.await.context("a load task panicked")??);
    }
    Ok(Measured {
        latencies_ns,
        seconds: window.duration.as_secs_f64(),
    })
}

/// 4 KiB appends, each made durable with `fdatasync`, back to back.
fn fdatasync_loop(dir: &Path, window: &Window) -> anyhow::Result<Throughput> {
    use std::io::{Seek, SeekFrom, Write};
    const WRAP_BYTES: u64 = 256 * 1024 * 1024;
    let path = dir.join("probe");
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    let block = [0xA5u8; PROBE_BLOCK];
    let start = Instant::now();
    let measure_from = start + window.warmup;
    let end = measure_from + window.duration;
    let mut written = 0u64;
    let mut latencies_ns = Vec::new();
    loop {
        let began = Instant::now();
        if began >= end {
            break;
        }
        if written >= WRAP_BYTES {
            file.seek(SeekFrom::Start(0))?;
            written = 0;
        }
        file.write_all(&block)?;
        file.sync_data()?;
        written += PROBE_BLOCK as u64;
        let done = Instant::now();
        if done >= measure_from && done <= end {
            latencies_ns.push((done - began).as_nanos() as u64);
        }
    }
    drop(file);
    std::fs::remove_file(&path).ok();
    Ok(Measured {
        latencies_ns,
        seconds: window.duration.as_secs_f64(),
    }
    .throughput("4 KiB append + fdatasync", 1, 0))
}

// ---------------------------------------------------------------------------------------
// Nodes, ceilings and submits
// ---------------------------------------------------------------------------------------

pub(crate) async fn start_node(dir: &Path, organization: &str) -> anyhow::Result<RunningNode> {
    let config = NodeConfig {
        organization: organization.to_string(),
        listen: ([127, 0, 0, 1], 0).into(),
        data_dir: dir.to_path_buf(),
        ..NodeConfig::default()
    };
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .context("cannot listen on 127.0.0.1")?;
    concord::node::start(config, listener)
        .await
        .with_context(|| format!("cannot start a node in {}", dir.display()))
}

fn connections_for(clients: usize, settings: &Settings) -> usize {
    clients.div_ceil(settings.clients_per_connection)
}

async fn health_phase(
    node: &RunningNode,
    clients: usize,
    settings: &Settings,
    window: &Window,
) -> anyhow::Result<Throughput> {
    let connections = connections_for(clients, settings);
    let mut channels = Vec::new();
    for _ in 0..connections {
        channels.push(
            tonic::transport::Endpoint::from_shared(node.endpoint())?
                .tcp_nodelay(true)
                .connect_timeout(Duration::from_secs(10))
                .connect()
                .await
                .context("cannot connect to the node")?,
        );
    }
    let operations: Vec<_> = (0..clients)
        .map(|client| {
            let health = HealthClient::new(channels[client % connections].clone());
            move || {
                let mut health = health.clone();
                async move {
                    health
                        .check(HealthCheckRequest {
                            service: String::new(),
                        })
                        .await
                        .context("Health/Check failed")?;
                    Ok(())
                }
            }
        })
        .collect();
    Ok(drive(operations, window)
        .await?
        .throughput("Health/Check", clients, connections))
}

async fn submit_phase(
    node: &RunningNode,
    clients: usize,
    settings: &Settings,
    window: &Window,
    pool: &Arc<Vec<ReportDraft>>,
) -> anyhow::Result<Throughput> {
    submit_phase_with(
        &node.endpoint(),
        None,
        "Submit (durable)",
        clients,
        settings,
        window,
        pool,
    )
    .await
}

/// Closed-loop submits by `clients` clients at `endpoint`, with mutual TLS when `tls` is
/// given.
async fn submit_phase_with(
    endpoint: &str,
    tls: Option<&ClientTls>,
    what: &str,
    clients: usize,
    settings: &Settings,
    window: &Window,
    pool: &Arc<Vec<ReportDraft>>,
) -> anyhow::Result<Throughput> {
    let connections = connections_for(clients, settings);
    let mut connected = Vec::new();
    for _ in 0..connections {
        connected.push(
            Client::connect_with(endpoint, Duration::from_secs(30), tls)
                .await
                .with_context(|| format!("cannot connect to {endpoint}"))?,
        );
    }
    let operations: Vec<_> = (0..clients)
        .map(|client| {
            let connection = connected[client % connections].clone();
            let pool = pool.clone();
            let mut next = client * 7919;
            move || {
                next += 1;
                let connection = connection.clone();
                let pool = pool.clone();
                let index = next % pool.len();
                async move {
                    connection
                        .submit(&pool[index], None)
                        .await
                        .context("Submit failed")?;
                    Ok(())
                }
            }
        })
        .collect();
    Ok(drive(operations, window)
        .await?
        .throughput(what, clients, connections))
}

/// Durable submits at each level of clients against a node with mutual TLS: a one-member
/// working group (CA, certificates, signing key, membership) made under `root`, a fresh
/// store for each level, no per-member rate limit. The node has no peers (the membership
/// lists only itself), so it is never in recovery.
async fn tls_submit_phases(
    root: &Path,
    settings: &Settings,
    window: &Window,
    pool: &Arc<Vec<ReportDraft>>,
) -> anyhow::Result<Vec<Throughput>> {
    progress("3b/6 mutual TLS: making a one-member working group");
    let member = MemberSetup {
        code: TLS_ORGANIZATION.into(),
        name: "Economic and Social Commission for Asia and the Pacific".into(),
        hosts: vec!["127.0.0.1".into()],
        // Never dialled: a node alone in its working group has no peers.
        endpoint: "https://127.0.0.1:7400".into(),
        iati_identifiers: Vec::new(),
        aliases: Vec::new(),
    };
    let group_root = root.to_path_buf();
    let layout = tokio::task::spawn_blocking(move || {
        create_working_group(
            &group_root,
            TLS_GROUP,
            &[member],
            &[TLS_ORGANIZATION],
            TLS_CLIENT,
        )
    })
    .await
    .context("making the working group panicked")?
    .context("cannot make the bench's working group")?;
    let client_tls = ClientTls::load(
        &layout.certs_dir,
        &layout.client_cert(TLS_ORGANIZATION, TLS_CLIENT),
    )
    .context("cannot load the bench's client certificate")?;
    let signing_key = layout.data_dir(TLS_ORGANIZATION).join("signing.key");

    let mut results = Vec::new();
    for clients in SUBMIT_CLIENTS {
        progress(format!(
            "3b/6 durable submits over mutual TLS, {clients} client(s)"
        ));
        let dir = root.join(format!("submit-{clients}"));
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .context("cannot listen on 127.0.0.1")?;
        let mut config = NodeConfig {
            organization: TLS_ORGANIZATION.to_string(),
            listen: listener.local_addr()?,
            data_dir: dir.clone(),
            signing_key_file: Some(signing_key.clone()),
            tls: Some(TlsConfig {
                certs_dir: Some(layout.certs_dir.clone()),
                membership_file: layout.membership_file.clone(),
                ..TlsConfig::default()
            }),
            ..NodeConfig::default()
        };
        // One member making every call: its rate limit would measure the limit.
        config.limits.requests_per_second_per_member = 0.0;
        let node = concord::node::start(config, listener)
            .await
            .with_context(|| format!("cannot start the mutual-TLS node in {}", dir.display()))?;
        anyhow::ensure!(
            !node.ledger().is_recovering(),
            "the mutual-TLS node, alone in its working group, is in recovery"
        );
        let endpoint = format!("https://127.0.0.1:{}", node.local_addr().port());
        let measured = submit_phase_with(
            &endpoint,
            Some(&client_tls),
            "Submit (durable, mTLS)",
            clients,
            settings,
            window,
            pool,
        )
        .await;
        let stored = node.ledger().store().report_count();
        node.shutdown().await?;
        let measured = measured?;
        let stored = stored?;
        anyhow::ensure!(
            stored >= measured.operations,
            "the mutual-TLS node holds {stored} reports, fewer than it acknowledged"
        );
        results.push(measured);
        std::fs::remove_dir_all(&dir).ok();
    }
    Ok(results)
}

fn tls_cost(plaintext: &[Throughput], tls: &[Throughput]) -> Vec<TlsCost> {
    SUBMIT_CLIENTS
        .iter()
        .filter_map(|&clients| {
            let (plain, tls) = (at(plaintext, clients)?, at(tls, clients)?);
            Some(TlsCost {
                clients,
                rate_ratio: tls.per_second / plain.per_second,
                p99_ratio: tls.p99_us / plain.p99_us,
                plaintext_per_second: plain.per_second,
                tls_per_second: tls.per_second,
                plaintext_p99_us: plain.p99_us,
                tls_p99_us: tls.p99_us,
            })
        })
        .collect()
}

/// Seals the log entry that would create `draft` as a submit does (digest of the content,
/// signature over the body), back to back for `seconds`.
fn signing_loop(draft: &ReportDraft, today: Date, seconds: f64) -> anyhow::Result<Signing> {
    use concord::log::{Change, ContentDigest, EntryBody, EntryHash, SignedEntry};
    let content = concord::report::validate::validate_draft(draft, today)
        .map_err(|violations| anyhow::anyhow!("invalid bench draft: {violations:?}"))?;
    let body = EntryBody {
        organization: TLS_ORGANIZATION.to_string(),
        sequence: 1,
        previous_hash: EntryHash::GENESIS,
        authored_at_unix_ms: 1_780_000_000_000,
        report_id: uuid::Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001),
        revision: 1,
        epoch: 1,
        change: Change::Withdrawal {
            reason: String::new(),
        },
    };
    let content_bytes = concord::rpc::codec::encode_content(&content);
    let key = ed25519_dalek::SigningKey::generate(&mut rand_core::OsRng);
    let seal = |body: &EntryBody| {
        let body = EntryBody {
            change: Change::Content(ContentDigest::of(&content_bytes)),
            ..body.clone()
        };
        let body_bytes = concord::rpc::codec::encode_entry_body(&body);
        SignedEntry::sign(body_bytes, &key)
    };
    let body_bytes = seal(&body).body_bytes;
    // Warm-up.
    for _ in 0..64 {
        std::hint::black_box(seal(&body));
    }
    const BATCH: u64 = 32;
    let started = Instant::now();
    let end = started + Duration::from_secs_f64(seconds);
    let mut signs = 0u64;
    loop {
        for _ in 0..BATCH {
            std::hint::black_box(seal(std::hint::black_box(&body)));
        }
        signs += BATCH;
        if Instant::now() >= end {
            break;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    Ok(Signing {
        content_bytes: content_bytes.len(),
        body_bytes: body_bytes.len(),
        signs,
        seconds: elapsed,
        per_second: signs as f64 / elapsed,
        us_per_sign: elapsed * 1_000_000.0 / signs as f64,
        submit_p50_us: f64::NAN,
        share_of_submit_p50: f64::NAN,
    })
}

impl Signing {
    /// Relates the cost of a sign to the p50 of `submit` (the 1-client plaintext submit).
    fn with_submit(mut self, submit: Option<&Throughput>) -> Signing {
        if let Some(submit) = submit {
            self.submit_p50_us = submit.p50_us;
            self.share_of_submit_p50 = self.us_per_sign / submit.p50_us;
        }
        self
    }
}

fn at(list: &[Throughput], clients: usize) -> Option<&Throughput> {
    list.iter().find(|t| t.clients == clients)
}

fn goals(disk: &Throughput, empty_rpc: &[Throughput], submits: &[Throughput]) -> Vec<Goal> {
    let mut goals = Vec::new();
    if let (Some(submit), Some(rpc)) = (at(submits, 64), at(empty_rpc, 64)) {
        let value = submit.per_second / rpc.per_second;
        goals.push(Goal {
            name: "submit rate / empty-RPC rate @64 clients".into(),
            value,
            goal: Some(">= 0.5".into()),
            pass: Some(value >= 0.5),
            note: format!("{:.0} vs {:.0} calls/s", submit.per_second, rpc.per_second),
        });
    }
    if let Some(submit) = at(submits, 64) {
        goals.push(Goal {
            name: "submit rate / fdatasync rate @64 clients".into(),
            value: submit.per_second / disk.per_second,
            goal: None,
            pass: None,
            note: format!(
                "{:.0} vs {:.0}/s; above 1 means writes share flushes",
                submit.per_second, disk.per_second
            ),
        });
    }
    if let (Some(submit), Some(rpc)) = (at(submits, 1), at(empty_rpc, 1)) {
        let floor = disk.p99_us + rpc.p99_us;
        let value = submit.p99_us / floor;
        goals.push(Goal {
            name: "submit p99 / (fdatasync p99 + empty-RPC p99) @1 client".into(),
            value,
            goal: Some("<= 3".into()),
            pass: Some(value <= 3.0),
            note: format!(
                "{} vs {} + {}",
                duration_text(submit.p99_us),
                duration_text(disk.p99_us),
                duration_text(rpc.p99_us)
            ),
        });
    }
    goals
}

// ---------------------------------------------------------------------------------------
// Listing
// ---------------------------------------------------------------------------------------

/// Population share of each member, in percent (sums to 100); order of DEFAULT_MEMBERS.
const MEMBER_WEIGHTS: [u32; 15] = [10, 18, 12, 6, 7, 8, 6, 5, 6, 4, 4, 3, 3, 2, 6];

async fn listing_phase(
    scratch: &Path,
    settings: &Settings,
    today: Date,
) -> anyhow::Result<(Listing, Memory)> {
    let resident_before_listing = proc_status_bytes("VmRSS");
    let dir = scratch.join("listing");
    let node = start_node(&dir, LISTING_ORGANIZATION).await?;
    // A co-chair's node holds every member's log. Replication is not built yet, so each
    // other member's log is authored here by its own ledger over the same store: one
    // writer per organization's log, as on the members' own nodes.
    let mut ledgers: Vec<(String, Arc<Ledger>)> = Vec::new();
    for member in DEFAULT_MEMBERS {
        let ledger = if member == LISTING_ORGANIZATION {
            node.ledger().clone()
        } else {
            let key = ed25519_dalek::SigningKey::generate(&mut rand_core::OsRng);
            Arc::new(Ledger::start(
                node.ledger().store().clone(),
                member.to_string(),
                key,
            )?)
        };
        ledgers.push((member.to_string(), ledger));
    }
    let ledgers = Arc::new(ledgers);

    let total = settings.reports;
    progress(format!(
        "5/6 storing {total} reports of {} organizations ({} concurrent writers)",
        ledgers.len(),
        settings.populate_concurrency
    ));
    let next = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let json_bytes = Arc::new(AtomicUsize::new(0));
    let finished = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let ticker = {
        let done = done.clone();
        let finished = finished.clone();
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(Duration::from_secs(2));
            interval.tick().await;
            while !finished.load(Ordering::Relaxed) {
                interval.tick().await;
                let count = done.load(Ordering::Relaxed);
                let seconds = started.elapsed().as_secs_f64();
                if !finished.load(Ordering::Relaxed) {
                    progress(format!(
                        "    {count} / {total} stored ({:.0} reports/s)",
                        count as f64 / seconds
                    ));
                }
            }
        })
    };
    let mut writers = Vec::new();
    let block = settings.populate_block;
    for _ in 0..settings.populate_concurrency.min(total) {
        let (next, done, json_bytes, ledgers) = (
            next.clone(),
            done.clone(),
            json_bytes.clone(),
            ledgers.clone(),
        );
        writers.push(tokio::spawn(async move {
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= total {
                    break;
                }
                let seed = index as u64;
                let member = member_for((index / block) as u64);
                let (organization, ledger) = &ledgers[member];
                let draft = report_draft(seed, organization, today);
                if index % 64 == 0 {
                    json_bytes.fetch_add(
                        serde_json::to_vec(&draft).map_or(0, |b| b.len()),
                        Ordering::Relaxed,
                    );
                }
                ledger
                    .submit(&draft, None)
                    .await
                    .with_context(|| format!("storing report {index} of {organization}"))?;
                done.fetch_add(1, Ordering::Relaxed);
            }
            anyhow::Ok(())
        }));
    }
    for writer in writers {
        writer.await.context("a writer task panicked")??;
    }
    let populate_seconds = started.elapsed().as_secs_f64();
    finished.store(true, Ordering::Relaxed);
    ticker.abort();
    let sampled = total.div_ceil(64);
    progress(format!(
        "    {total} reports stored in {populate_seconds:.1} s ({:.0} reports/s)",
        total as f64 / populate_seconds
    ));

    let store_reports = node.ledger().store().report_count()? as usize;
    anyhow::ensure!(
        store_reports == total,
        "the listing node holds {store_reports} reports, not {total}"
    );
    // The other members' ledgers wrote into this store behind the node's back: stop them,
    // then read through a ledger started afresh over the store, as the node would after a
    // restart (it rebuilds its in-memory indexes from the store; that time is reported).
    let extra: Vec<Arc<Ledger>> = ledgers
        .iter()
        .filter(|(member, _)| member != LISTING_ORGANIZATION)
        .map(|(_, ledger)| ledger.clone())
        .collect();
    drop(ledgers);
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        for ledger in extra {
            ledger.shutdown()?;
        }
        Ok(())
    })
    .await
    .context("stopping the ledgers panicked")??;
    progress("5/6 rebuilding the indexes from the store");
    let store = node.ledger().store().clone();
    let rebuild_started = Instant::now();
    let ledger = Arc::new(
        tokio::task::spawn_blocking(move || {
            Ledger::start(
                store,
                LISTING_ORGANIZATION.to_string(),
                ed25519_dalek::SigningKey::generate(&mut rand_core::OsRng),
            )
        })
        .await
        .context("index rebuild panicked")??,
    );
    let index_rebuild_seconds = rebuild_started.elapsed().as_secs_f64();
    progress(format!(
        "    indexes of {total} reports rebuilt in {index_rebuild_seconds:.1} s"
    ));
    // Indexed listing of every query first, then the full scans: a scan holds its
    // matches in memory, which would hide the node's own peak.
    let mut indexed = Vec::new();
    for (name, query) in co_chair_queries()? {
        progress(format!("5/6 indexed listing: {name}"));
        let ledger = ledger.clone();
        let settings = settings.clone();
        indexed.push(
            tokio::task::spawn_blocking(move || {
                measure_indexed(&ledger, name.to_string(), query, &settings)
            })
            .await
            .context("query measurement panicked")??,
        );
    }
    let peak_before_scans = proc_status_bytes("VmHWM");
    let mut queries = Vec::new();
    for runs in indexed {
        progress(format!("5/6 full scan: {}", runs.name));
        let ledger = ledger.clone();
        let scan_runs = settings.scan_runs;
        queries.push(
            tokio::task::spawn_blocking(move || measure_scan(&ledger, runs, scan_runs))
                .await
                .context("scan measurement panicked")??,
        );
    }

    progress("6/6 memory and store size");
    // Everything is flushed when the ledgers stop; measure the store after.
    {
        let reader = ledger.clone();
        tokio::task::spawn_blocking(move || reader.shutdown())
            .await
            .context("stopping the reading ledger panicked")??;
    }
    let sled_estimate = node.ledger().store().size_on_disk();
    node.shutdown().await?;
    let (apparent, allocated) = directory_size(&dir.join("store"));
    let memory = Memory {
        resident_before_listing_bytes: resident_before_listing,
        peak_before_scans_bytes: peak_before_scans,
        peak_end_bytes: proc_status_bytes("VmHWM"),
        resident_end_bytes: proc_status_bytes("VmRSS"),
        store_reports,
        store_apparent_bytes: apparent,
        store_allocated_bytes: allocated,
        store_sled_estimate_bytes: sled_estimate,
    };
    let listing = Listing {
        reports: total,
        organizations: DEFAULT_MEMBERS.len(),
        populate_concurrency: settings.populate_concurrency,
        populate_seconds,
        populate_per_second: total as f64 / populate_seconds,
        index_rebuild_seconds,
        average_draft_json_bytes: json_bytes.load(Ordering::Relaxed) / sampled.max(1),
        queries,
    };
    Ok((listing, memory))
}

/// Which member authors report `seed`, by [`MEMBER_WEIGHTS`] (an index into
/// `DEFAULT_MEMBERS`).
pub(crate) fn member_for(seed: u64) -> usize {
    let mut roll = (splitmix(seed ^ 0x0A11_CE55) % 100) as u32;
    for (index, weight) in MEMBER_WEIGHTS.iter().enumerate() {
        if roll < *weight {
            return index;
        }
        roll -= weight;
    }
    0
}

fn co_chair_queries() -> anyhow::Result<Vec<(&'static str, ListQuery)>> {
    let date = |y, m, d| Date::from_ymd(y, m, d).context("bad query date");
    Ok(vec![
        (
            "country KH|TH|LA, theme GCM:10, active in 2007",
            ListQuery {
                countries: vec!["KH".into(), "TH".into(), "LA".into()],
                themes: vec![Theme {
                    vocabulary: "GCM".into(),
                    code: "10".into(),
                }],
                active_from: Some(date(2007, 1, 1)?),
                active_to: Some(date(2007, 12, 31)?),
                page_size: 50,
                ..ListQuery::default()
            },
        ),
        (
            "organization IOM",
            ListQuery {
                organizations: vec!["IOM".into()],
                page_size: 50,
                ..ListQuery::default()
            },
        ),
        (
            "text \"recruitment fees\"",
            ListQuery {
                text: "recruitment fees".into(),
                page_size: 50,
                ..ListQuery::default()
            },
        ),
        (
            "status CLOSED",
            ListQuery {
                statuses: vec![ActivityStatus::Closed],
                page_size: 50,
                ..ListQuery::default()
            },
        ),
    ])
}

/// A query and its indexed-listing timings.
struct IndexedRuns {
    name: String,
    query: ListQuery,
    first_page: Vec<uuid::Uuid>,
    sorted_ns: Vec<u64>,
}

fn measure_indexed(
    ledger: &Ledger,
    name: String,
    query: ListQuery,
    settings: &Settings,
) -> anyhow::Result<IndexedRuns> {
    // One untimed run warms the cache the way a node in use has it warm.
    let first_page = ledger
        .list(&query)?
        .reports
        .iter()
        .map(|view| view.state.id)
        .collect();
    let budget = Duration::from_secs_f64((settings.phase_seconds / 2.0).max(0.2));
    let started = Instant::now();
    let mut sorted_ns = Vec::new();
    while sorted_ns.len() < settings.indexed_runs_max
        && (sorted_ns.len() < 5 || started.elapsed() < budget)
    {
        let began = Instant::now();
        let page = ledger.list(&query)?;
        sorted_ns.push(began.elapsed().as_nanos() as u64);
        std::hint::black_box(page);
    }
    sorted_ns.sort_unstable();
    Ok(IndexedRuns {
        name,
        query,
        first_page,
        sorted_ns,
    })
}

fn measure_scan(
    ledger: &Ledger,
    indexed: IndexedRuns,
    scan_runs: usize,
) -> anyhow::Result<QueryResult> {
    let mut scans = Vec::new();
    let mut matches = Vec::new();
    for _ in 0..scan_runs.max(1) {
        let began = Instant::now();
        matches = ledger.full_scan(&indexed.query)?;
        scans.push(began.elapsed().as_nanos() as u64);
    }
    scans.sort_unstable();
    let page_agrees_with_scan = indexed.first_page.len()
        == matches.len().min(indexed.query.page_size)
        && indexed
            .first_page
            .iter()
            .zip(&matches)
            .all(|(listed, scanned)| *listed == scanned.state.id);
    let indexed_p50_us = percentile_us(&indexed.sorted_ns, 50.0);
    let scan_p50_us = percentile_us(&scans, 50.0);
    Ok(QueryResult {
        name: indexed.name,
        matches: matches.len(),
        page: indexed.first_page.len(),
        page_agrees_with_scan,
        indexed_runs: indexed.sorted_ns.len(),
        indexed_p50_us,
        indexed_p99_us: percentile_us(&indexed.sorted_ns, 99.0),
        scan_runs: scans.len(),
        scan_p50_us,
        scan_p99_us: percentile_us(&scans, 99.0),
        indexed_over_scan: indexed_p50_us / scan_p50_us,
    })
}

/// A `/proc/self/status` value in bytes (`VmHWM`, `VmRSS`); 0 where unavailable.
pub(crate) fn proc_status_bytes(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|line| line.starts_with(field) && line[field.len()..].starts_with(':'))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse::<u64>().ok())
        })
        .map_or(0, |kib| kib * 1024)
}

/// (apparent bytes, allocated bytes) of every file under `dir`.
pub(crate) fn directory_size(dir: &Path) -> (u64, u64) {
    let mut apparent = 0;
    let mut allocated = 0;
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&current) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(metadata) = entry.metadata() else {
                continue;
            };
            if metadata.is_dir() {
                pending.push(entry.path());
            } else {
                apparent += metadata.len();
                #[cfg(unix)]
                {
                    use std::os::unix::fs::MetadataExt;
                    allocated += metadata.blocks() * 512;
                }
                #[cfg(not(unix))]
                {
                    allocated += metadata.len();
                }
            }
        }
    }
    (apparent, allocated)
}

// ---------------------------------------------------------------------------------------
// Realistic reports
// ---------------------------------------------------------------------------------------

fn splitmix(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A small deterministic generator (splitmix64), so every run stores the same reports.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        splitmix(self.0)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn weighted<'a, T>(&mut self, items: &'a [(T, u32)]) -> &'a T {
        let total: u32 = items.iter().map(|(_, w)| w).sum();
        let mut roll = (self.next() % u64::from(total.max(1))) as u32;
        for (item, weight) in items {
            if roll < *weight {
                return item;
            }
            roll -= weight;
        }
        &items[0].0
    }
}

/// Countries of the region's migration corridors, by how often reports name them.
const COUNTRIES: [(&str, &str, u32); 20] = [
    ("TH", "Bangkok", 15),
    ("KH", "Phnom Penh", 10),
    ("LA", "Vientiane", 8),
    ("MM", "Yangon", 8),
    ("VN", "Hanoi", 8),
    ("PH", "Manila", 7),
    ("ID", "Jakarta", 7),
    ("MY", "Kuala Lumpur", 5),
    ("BD", "Dhaka", 5),
    ("NP", "Kathmandu", 4),
    ("IN", "New Delhi", 4),
    ("LK", "Colombo", 3),
    ("PK", "Islamabad", 3),
    ("CN", "Kunming", 3),
    ("MN", "Ulaanbaatar", 2),
    ("TL", "Dili", 2),
    ("SG", "Singapore", 2),
    ("JP", "Tokyo", 2),
    ("KR", "Seoul", 2),
    ("AF", "Kabul", 1),
];

const ACTIVITY_TYPES: [(ActivityType, u32); 12] = [
    (ActivityType::Meeting, 18),
    (ActivityType::Conference, 6),
    (ActivityType::Training, 16),
    (ActivityType::Research, 9),
    (ActivityType::Publication, 8),
    (ActivityType::PolicyDialogue, 8),
    (ActivityType::Agreement, 3),
    (ActivityType::TechnicalAssistance, 10),
    (ActivityType::Advocacy, 7),
    (ActivityType::DataCollection, 5),
    (ActivityType::Programme, 7),
    (ActivityType::Other, 3),
];

fn activity_names(kind: ActivityType) -> &'static [&'static str] {
    match kind {
        ActivityType::Meeting => &[
            "Regional meeting",
            "Inter-agency coordination meeting",
            "Technical working group meeting",
        ],
        ActivityType::Conference => &[
            "Regional conference",
            "Ministerial conference",
            "Asia-Pacific forum",
        ],
        ActivityType::Training => &[
            "Training of trainers",
            "Capacity-building workshop",
            "Training course for labour inspectors",
        ],
        ActivityType::Research => &["Research study", "Rapid assessment", "Baseline survey"],
        ActivityType::Publication => &[
            "Policy brief",
            "Situation report",
            "Practitioners' handbook",
        ],
        ActivityType::PolicyDialogue => &[
            "Policy dialogue",
            "National consultation",
            "Bilateral dialogue",
        ],
        ActivityType::Agreement => &[
            "Memorandum of understanding",
            "Bilateral labour agreement",
            "Joint plan of action",
        ],
        ActivityType::TechnicalAssistance => &[
            "Technical assistance",
            "Advisory mission",
            "Support to the national plan of action",
        ],
        ActivityType::Advocacy => &[
            "Awareness-raising campaign",
            "Public information campaign",
            "Advocacy event",
        ],
        ActivityType::DataCollection => &[
            "Labour migration statistics collection",
            "Household survey",
            "Data collection round",
        ],
        ActivityType::Programme => &["Programme", "Regional programme", "Joint programme"],
        ActivityType::Other => &["Study visit", "Exchange visit", "Expert group activity"],
    }
}

/// Topics, with the themes they are usually coded with.
const TOPICS: [(&str, &[(&str, &str)]); 20] = [
    (
        "labour migration governance",
        &[("GCM", "5"), ("RTWG", "labour-migration")],
    ),
    (
        "fair recruitment and recruitment fees",
        &[("GCM", "6"), ("SDG", "10.7"), ("RTWG", "labour-migration")],
    ),
    (
        "trafficking in persons",
        &[("GCM", "10"), ("SDG", "16.2"), ("RTWG", "trafficking")],
    ),
    (
        "safe migration for domestic workers",
        &[("GCM", "6"), ("SDG", "8.8"), ("RTWG", "gender")],
    ),
    (
        "remittances and financial inclusion",
        &[("GCM", "20"), ("SDG", "10.c"), ("RTWG", "remittances")],
    ),
    (
        "return and reintegration of migrant workers",
        &[("GCM", "21"), ("RTWG", "labour-migration")],
    ),
    (
        "migration statistics",
        &[
            ("GCM", "1"),
            ("SDG", "17.18"),
            ("RTWG", "statistics-and-data"),
        ],
    ),
    (
        "children on the move",
        &[("GCM", "7"), ("RTWG", "family-and-children")],
    ),
    ("migrant health", &[("GCM", "15"), ("RTWG", "health")]),
    ("integrated border management", &[("GCM", "11")]),
    (
        "international marriage migration",
        &[("RTWG", "international-marriage"), ("RTWG", "gender")],
    ),
    (
        "the rights of women migrant workers",
        &[("GCM", "6"), ("SDG", "5.2"), ("RTWG", "gender")],
    ),
    ("skills recognition", &[("GCM", "18"), ("DAC", "16010")]),
    (
        "smuggling of migrants",
        &[("GCM", "9"), ("RTWG", "trafficking")],
    ),
    (
        "victim identification and referral",
        &[("GCM", "10"), ("SDG", "8.7"), ("RTWG", "trafficking")],
    ),
    (
        "social protection for migrant workers",
        &[("GCM", "22"), ("DAC", "16010")],
    ),
    (
        "the reduction of recruitment fees and related costs",
        &[("GCM", "6"), ("SDG", "10.7")],
    ),
    ("consular assistance to migrants", &[("GCM", "14")]),
    (
        "alternatives to immigration detention",
        &[("GCM", "13"), ("DAC", "15160")],
    ),
    (
        "regional cooperation on migration",
        &[
            ("GCM", "23"),
            ("RTWG", "regional-cooperation"),
            ("RTWG", "policy-coherence"),
        ],
    ),
];

const SENTENCES: [&str; 14] = [
    "Participants reviewed progress since the last regional meeting and agreed on priorities for the coming year.",
    "Government officials from countries of origin and destination shared practices on bilateral cooperation and the protection of migrant workers.",
    "The activity drew on findings from field research in border provinces and on consultations with migrant workers' associations.",
    "Discussions covered the costs migrants pay to obtain work abroad, including recruitment fees charged by private agencies and brokers.",
    "A set of recommendations was adopted for submission to the senior officials' meeting.",
    "Trainers were drawn from the labour, police, social welfare and immigration authorities, and each will train colleagues in their province.",
    "Civil society organizations presented case studies on victim assistance, shelters and access to justice.",
    "The methodology follows international standards so that the results can be compared across the subregion.",
    "Employers' and workers' organizations joined the discussion on codes of conduct for recruitment agencies.",
    "Data were disaggregated by sex, age and migration status, as called for in the Global Compact for Migration.",
    "Follow-up support will be provided through the country offices and the regional thematic working group.",
    "The outcome document stresses the need to eliminate recruitment fees for workers and to regulate labour brokers.",
    "Health ministries described screening, treatment and referral services available to migrants regardless of status.",
    "Participants agreed to share information through the working group's reporting system and to meet again next year.",
];

const TARGET_GROUPS: [&str; 10] = [
    "MIGRANT_WORKERS",
    "TRAFFICKING_SURVIVORS",
    "CHILDREN_ON_THE_MOVE",
    "WOMEN_AND_GIRLS",
    "RETURNEES",
    "DIASPORA",
    "REFUGEES_AND_ASYLUM_SEEKERS",
    "GOVERNMENT_OFFICIALS",
    "EMPLOYERS_AND_RECRUITERS",
    "CIVIL_SOCIETY",
];

/// A plausible report of `organization`, ~1 KiB as JSON, different for every `seed`; it
/// passes validation on `today`. It starts between 2000 and last year.
pub(crate) fn report_draft(seed: u64, organization: &str, today: Date) -> ReportDraft {
    report_draft_in(seed, organization, today, 2000, today.year() - 1)
}

/// [`report_draft`] starting in a year of `first_year..=last_year` (activities starting
/// after `today` are in the pipeline).
pub(crate) fn report_draft_in(
    seed: u64,
    organization: &str,
    today: Date,
    first_year: i32,
    last_year: i32,
) -> ReportDraft {
    let mut rng = Rng(splitmix(seed));
    let kind = *rng.weighted(&ACTIVITY_TYPES);
    let activity = *rng.pick(activity_names(kind));
    let (topic, topic_themes) = *rng.pick(&TOPICS);

    let mut countries: Vec<(&str, &str)> = Vec::new();
    let wanted = 1 + rng.below(if kind.is_event() { 2 } else { 4 });
    while countries.len() < wanted {
        let (code, city, weight) = COUNTRIES[rng.below(COUNTRIES.len())];
        // Accept by weight, so frequent corridors come up more often.
        if rng.below(15) < weight as usize && !countries.iter().any(|(c, _)| *c == code) {
            countries.push((code, city));
        }
    }
    let names: Vec<&str> = countries
        .iter()
        .map(|(code, _)| concord::report::vocabulary::country_name(code).unwrap_or(code))
        .collect();

    // Start in one of the years; events last days, the rest months or years.
    let years = (last_year - first_year + 1).max(1) as usize;
    let start = Date::from_ymd(
        first_year + rng.below(years) as i32,
        1 + rng.below(12) as u32,
        1 + rng.below(28) as u32,
    )
    .unwrap_or(today);
    let length_days = if kind.is_event() {
        rng.below(5) as i64
    } else {
        30 + rng.below(1100) as i64
    };
    let end = start.add_days(length_days);
    let mut dates = DraftDates {
        planned_start: start.to_string(),
        planned_end: end.to_string(),
        ..DraftDates::default()
    };
    let status = if start > today {
        ActivityStatus::Pipeline
    } else {
        dates.actual_start = start.to_string();
        if end > today {
            ActivityStatus::Implementation
        } else {
            dates.actual_end = end.to_string();
            match rng.below(100) {
                0..=2 => ActivityStatus::Cancelled,
                3..=6 => ActivityStatus::Finalisation,
                _ => ActivityStatus::Closed,
            }
        }
    };

    let mut themes: Vec<Theme> = topic_themes
        .iter()
        .filter(|_| rng.chance(85))
        .map(|(vocabulary, code)| Theme {
            vocabulary: (*vocabulary).into(),
            code: (*code).into(),
        })
        .collect();
    if themes.is_empty() || rng.chance(30) {
        themes.push(Theme {
            vocabulary: "GCM".into(),
            code: (1 + rng.below(23)).to_string(),
        });
    }

    let place = countries[0].1;
    let title = format!("{activity} on {topic} ({place}, {})", start.year());
    let mut summary = format!(
        "{organization} {} a {} on {topic} covering {}.",
        if start > today { "plans" } else { "held" },
        activity.to_lowercase(),
        names.join(", ")
    );
    for _ in 0..3 + rng.below(2) {
        summary.push(' ');
        let sentence = *rng.pick(&SENTENCES);
        summary.push_str(sentence);
    }

    let target_groups = (0..rng.below(3))
        .map(|_| rng.pick(&TARGET_GROUPS).to_string())
        .collect();
    let participants = (0..rng.below(3))
        .map(|_| DraftParticipant {
            organization: rng.pick(&DEFAULT_MEMBERS).to_string(),
            role: rng
                .pick(&["CO_ORGANISER", "FUNDING", "PARTICIPANT", "IMPLEMENTING"])
                .to_string(),
        })
        .filter(|p| p.organization != organization)
        .collect();
    let regions = if rng.chance(25) {
        vec![rng.pick(&["035", "034", "ESCAP"]).to_string()]
    } else {
        Vec::new()
    };
    ReportDraft {
        title: TextInput::Plain(title),
        summary: TextInput::Plain(summary),
        activity_type: kind.name().into(),
        status: status.name().into(),
        dates,
        countries: countries.iter().map(|(code, _)| code.to_string()).collect(),
        regions,
        themes,
        target_groups,
        participants,
        related: Vec::new(),
        links: vec![Link {
            url: format!(
                "https://www.example.org/{}/activities/{seed}",
                organization.to_lowercase()
            ),
            title: "Activity page".into(),
            kind: "webpage".into(),
        }],
        contact: Some(Contact {
            organization: organization.into(),
            unit: "Regional Office for Asia and the Pacific".into(),
            email: format!("migration@{}.example.org", organization.to_lowercase()),
            person: String::new(),
        }),
        location: place.into(),
        iati_identifier: String::new(),
        iati_extra: Vec::new(),
    }
}

// ---------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------

/// "850 µs", "12.3 ms", "1.20 s".
pub(crate) fn duration_text(us: f64) -> String {
    if !us.is_finite() {
        "-".into()
    } else if us < 1000.0 {
        format!("{us:.0} µs")
    } else if us < 1_000_000.0 {
        format!("{:.2} ms", us / 1000.0)
    } else {
        format!("{:.2} s", us / 1_000_000.0)
    }
}

/// 12345.6 → "12,346".
pub(crate) fn grouped(value: f64) -> String {
    if !value.is_finite() {
        return "-".into();
    }
    let digits = format!("{:.0}", value.abs());
    let mut out = String::new();
    for (index, c) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if value < 0.0 { format!("-{out}") } else { out }
}

pub(crate) fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn throughput_row(t: &Throughput, unit: &str) -> String {
    let connections = if t.connections == 0 {
        "-".to_string()
    } else {
        t.connections.to_string()
    };
    format!(
        "  {:<26} {:>7} {:>11} {:>12} {:>10} {:>10} {:>10}",
        t.what,
        t.clients,
        connections,
        format!("{} {unit}", grouped(t.per_second)),
        duration_text(t.p50_us),
        duration_text(t.p99_us),
        grouped(t.operations as f64),
    )
}

fn throughput_header() -> String {
    format!(
        "  {:<26} {:>7} {:>11} {:>12} {:>10} {:>10} {:>10}",
        "", "clients", "connections", "rate", "p50", "p99", "calls"
    )
}

/// The "== Machine ==" section's lines (without the settings line each benchmark adds).
pub(crate) fn print_machine(m: &Machine, release_build: bool) {
    println!("== Machine ==");
    println!("  cpus         {} ({})", m.cpus, m.cpu_model);
    println!("  kernel       {}", m.kernel);
    println!("  scratch      {}", m.scratch_dir);
    println!("  filesystem   {}", m.filesystem);
    println!(
        "  build        {}",
        if release_build {
            "release"
        } else {
            "debug (figures are not representative: use --release)"
        }
    );
}

/// One line of a goals table: name, value, the goal, PASS or MISS, and a note.
pub(crate) fn goal_row(goal: &Goal) -> String {
    let verdict = match goal.pass {
        Some(true) => "PASS",
        Some(false) => "MISS",
        None => "",
    };
    let target = goal
        .goal
        .as_deref()
        .map_or_else(|| "(no goal)".to_string(), |g| format!("(goal {g})"));
    format!(
        "  {:<57} {:>7.2}  {:<12} {:<4}  {}",
        goal.name, goal.value, target, verdict, goal.note
    )
}

fn print_table(results: &Results) {
    let m = &results.machine;
    let s = &results.settings;
    print_machine(m, s.release_build);
    println!(
        "  settings     {} s per phase after a {} s warm-up, {} clients per HTTP/2 connection{}",
        s.phase_seconds,
        s.warmup_seconds,
        s.clients_per_connection,
        if s.quick { ", --quick" } else { "" }
    );
    println!();

    println!("== 1. Raw disk ceiling (fdatasync) ==");
    println!("{}", throughput_header());
    println!("{}", throughput_row(&results.disk, "/s"));
    println!();

    println!("== 2. Empty-RPC ceiling (grpc.health.v1 Health/Check, in-process node) ==");
    println!("{}", throughput_header());
    for t in &results.empty_rpc {
        println!("{}", throughput_row(t, "/s"));
    }
    println!();

    println!("== 3. Durable submits (gRPC Submit, ~1 KiB reports, fresh node per level) ==");
    println!("{}", throughput_header());
    for t in &results.submits {
        println!("{}", throughput_row(t, "/s"));
    }
    println!();

    println!(
        "== 3b. Durable submits over mutual TLS (gRPC Submit, one-member working group, fresh node per level) =="
    );
    println!("{}", throughput_header());
    for t in &results.tls_submits {
        println!("{}", throughput_row(t, "/s"));
    }
    let levels = |value: fn(&TlsCost) -> f64| {
        results
            .tls_cost
            .iter()
            .map(|c| format!("{:.2}", value(c)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let counts = results
        .tls_cost
        .iter()
        .map(|c| c.clients.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    println!(
        "  cost of mutual TLS: TLS rate / plaintext rate at {counts} clients: {}",
        levels(|c| c.rate_ratio)
    );
    println!(
        "  TLS p99 / plaintext p99 at {counts} clients: {}",
        levels(|c| c.p99_ratio)
    );
    let sign = &results.signing;
    println!(
        "  sealing an entry alone (SHA-256 of {} B content, Ed25519 over a {} B body): {} signs/s, {:.1} µs per sign",
        grouped(sign.content_bytes as f64),
        grouped(sign.body_bytes as f64),
        grouped(sign.per_second),
        sign.us_per_sign
    );
    println!(
        "  signing share of a 1-client submit = µs per sign / submit p50: {:.4}  ({:.1} µs / {}; every submit signs, in both runs)",
        sign.share_of_submit_p50,
        sign.us_per_sign,
        duration_text(sign.submit_p50_us)
    );
    println!();

    println!("== 4. Goals ==");
    for goal in &results.goals {
        println!("{}", goal_row(goal));
    }
    println!();

    let l = &results.listing;
    println!(
        "== 5. Listing over {} reports ({} organizations) ==",
        grouped(l.reports as f64),
        l.organizations
    );
    println!(
        "  stored in {:.1} s: {} reports/s through the ledgers ({} concurrent writers, ~{} B per report as JSON)",
        l.populate_seconds,
        grouped(l.populate_per_second),
        l.populate_concurrency,
        l.average_draft_json_bytes
    );
    println!(
        "  a node starting on this store rebuilds its in-memory indexes in {:.1} s",
        l.index_rebuild_seconds
    );
    println!(
        "  {:<47} {:>7} {:>4} {:>10} {:>10} {:>10} {:>10} {:>12}",
        "query (page of 50)",
        "matches",
        "page",
        "index p50",
        "index p99",
        "scan p50",
        "scan p99",
        "index/scan"
    );
    for q in &l.queries {
        println!(
            "  {:<47} {:>7} {:>4} {:>10} {:>10} {:>10} {:>10} {:>12}{}",
            q.name,
            grouped(q.matches as f64),
            q.page,
            duration_text(q.indexed_p50_us),
            duration_text(q.indexed_p99_us),
            duration_text(q.scan_p50_us),
            duration_text(q.scan_p99_us),
            format!("1/{}", grouped(1.0 / q.indexed_over_scan)),
            if q.page_agrees_with_scan {
                ""
            } else {
                "  PAGE DIFFERS FROM SCAN"
            }
        );
    }
    if let Some(q) = l.queries.first() {
        println!(
            "  ({} indexed runs and {} full scans per query; goal for reference: index p50 at most 1/100 of the scan)",
            q.indexed_runs, q.scan_runs
        );
    }
    println!();

    let mem = &results.memory;
    println!("== 6. Memory and store ==");
    let line = |label: &str, value: String| println!("  {label:<46} {value}");
    line(
        "resident memory (VmRSS) before the listing node",
        format!(
            "{}  (what the earlier phases' nodes left)",
            mib(mem.resident_before_listing_bytes)
        ),
    );
    line(
        "peak memory (VmHWM) before the full scans",
        mib(mem.peak_before_scans_bytes),
    );
    line(
        "peak memory (VmHWM) at the end",
        format!(
            "{}  (full scans hold their matches in memory)",
            mib(mem.peak_end_bytes)
        ),
    );
    line(
        "resident memory (VmRSS) at the end",
        mib(mem.resident_end_bytes),
    );
    line(
        &format!(
            "store on disk, {} reports",
            grouped(mem.store_reports as f64)
        ),
        format!(
            "{} apparent, {} allocated ({} B/report); sled's estimate {}",
            mib(mem.store_apparent_bytes),
            mib(mem.store_allocated_bytes),
            grouped(mem.store_allocated_bytes as f64 / mem.store_reports.max(1) as f64),
            mib(mem.store_sled_estimate_bytes)
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_reports_are_valid_and_about_one_kib() {
        let today = Date::from_ymd(2026, 6, 1).unwrap();
        let mut total = 0;
        for seed in 0..500 {
            let draft = report_draft(seed, DEFAULT_MEMBERS[member_for(seed)], today);
            if let Err(violations) = concord::report::validate::validate_draft(&draft, today) {
                panic!("seed {seed}: {violations:?}");
            }
            total += serde_json::to_vec(&draft).unwrap().len();
        }
        let average = total / 500;
        assert!((700..=1600).contains(&average), "average {average} bytes");
    }

    #[test]
    fn percentiles_use_nearest_rank() {
        let sorted: Vec<u64> = (1..=100).map(|n| n * 1000).collect();
        assert_eq!(percentile_us(&sorted, 50.0), 50.0);
        assert_eq!(percentile_us(&sorted, 99.0), 99.0);
        assert_eq!(percentile_us(&[7000], 99.0), 7.0);
        assert!(percentile_us(&[], 50.0).is_nan());
    }

    #[test]
    fn member_weights_cover_every_member() {
        assert_eq!(MEMBER_WEIGHTS.iter().sum::<u32>(), 100);
        assert_eq!(MEMBER_WEIGHTS.len(), DEFAULT_MEMBERS.len());
    }

    #[test]
    fn numbers_are_grouped() {
        assert_eq!(grouped(1234567.4), "1,234,567");
        assert_eq!(grouped(999.0), "999");
        assert_eq!(duration_text(850.0), "850 µs");
        assert_eq!(duration_text(12_345.0), "12.35 ms");
    }
}
