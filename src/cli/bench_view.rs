//! `concord bench view`: the consolidated view at scale, beside full scans in the same run.
//!
//! For each size of `--sizes` (100,000 and 1,000,000 reports by default), in this process,
//! on one node's store in the scratch directory:
//!
//! 1. **Loading**: realistic reports (the generator of [`super::bench`], years 2005-2026)
//!    of the fifteen default members, weighted as in `concord bench`, each member's log
//!    signed with its own key (`rpc::codec::sign_content_entry`, as a member's node would)
//!    on a producer thread, and applied with `Ledger::ingest_batch` in large batches, as
//!    replicated log ranges arrive. Then the ledger is started afresh over the store (a
//!    node restarting: it rebuilds its in-memory indexes; that time is printed).
//! 2. **Queries**: typical co-chair queries through `Ledger::view_query` (with the facets
//!    the View service adds by default, a page of 50) and matrices through
//!    `Ledger::matrix`, repeated for p50 and p99; beside each, a full scan answering the
//!    same question by reading every report from the store and filtering, ranking,
//!    counting in Rust. The scan's answer is checked against the indexed one (total, page,
//!    facets; cells and gaps of a matrix). PostgreSQL 15 figures from issue 5 are printed
//!    for reference beside the largest size.
//! 3. **Overlap inbox**: first where its time would go (reading the reports, building the
//!    engine's candidates, candidate keys and buckets, neighbours per report and the cost
//!    of one `assess`, measured on samples, with a projection), then `Ledger::
//!    refresh_overlaps` from scratch on the restarted ledger (a watchdog abandons it past
//!    `--overlap-limit-secs` or when memory runs short, and says so), then again after one
//!    new report is submitted (the incremental case), and the inbox's size.
//! 4. **Memory and store**: peak memory (`VmHWM`, reset before each size) and the store's
//!    size on disk.
//!
//! Results as a table (each goal PASS or MISS), or JSON with `-o json`; progress on
//! standard error.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use serde::Serialize;

use concord::ledger::consolidated::{
    AliasTable, Dimension, Matrix, ViewFilter, ViewPage, ViewQuery, report_topics,
};
use concord::ledger::{IngestOutcome, Ledger, LedgerError, ReportView, theme_index_value};
use concord::log::{Change, EntryBody, EntryHash};
use concord::report::text::search_tokens;
use concord::report::{ActivityStatus, Date, Theme, vocabulary};
use concord::rpc::codec;
use concord::store::{Store, StoreOptions};
use concord::trust::setup::{DEFAULT_CO_CHAIRS, DEFAULT_MEMBERS};
use concord::view::overlap::{
    Assessment, CandidateKey, OverlapCandidate, OverlapContext, assess, candidate_keys,
};
use concord::view::similarity::DocumentFrequencies;

use super::OutputFormat;
use super::bench::{
    Goal, Machine, directory_size, duration_text, goal_row, grouped, machine, member_for, mib,
    percentile_us, print_machine, proc_status_bytes, progress, report_draft_in, today,
};

/// `concord bench view`.
#[derive(Args, Debug)]
pub struct ViewBenchArgs {
    /// Report counts to measure, comma-separated [default: 100000,1000000; 1500 with
    /// --quick].
    #[arg(long, value_delimiter = ',')]
    sizes: Option<Vec<usize>>,
    /// A small, fast run (for tests): 1,500 reports, short query phases, one scan each.
    #[arg(long)]
    quick: bool,
    /// Where the store goes (a temporary directory is made inside it and removed at the
    /// end). Put it on the disk that will hold real data.
    #[arg(long, default_value = ".")]
    dir: PathBuf,
    /// sled's page cache, MiB [default: 512; 64 with --quick]. A node's default is 64,
    /// sized for ~100,000 reports; the full scans read the whole store either way.
    #[arg(long)]
    cache_mib: Option<u64>,
    /// Entries per `Ledger::ingest_batch` while loading.
    #[arg(long, default_value_t = 4096)]
    batch: usize,
    /// Seconds each indexed query is repeated for its p50 and p99 (at least 20 runs)
    /// [default: 3; 0.2 with --quick].
    #[arg(long)]
    query_secs: Option<f64>,
    /// Full scans per query up to 100,000 reports (one above) [default: 3; 1 with
    /// --quick].
    #[arg(long)]
    scan_runs: Option<usize>,
    /// Longest the overlap inbox may take from scratch before the watchdog abandons it
    /// (and the run reports the figure as "more than").
    #[arg(long, default_value_t = 600.0)]
    overlap_limit_secs: f64,
    /// Reports sampled to find where the overlap inbox's time goes.
    #[arg(long, default_value_t = 400)]
    overlap_samples: usize,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = OutputFormat::Table)]
    output: OutputFormat,
}

/// The node's organization: a co-chair, whose inbox is the one that matters.
const NODE_ORGANIZATION: &str = "ESCAP";
/// Reports start in these years.
const FIRST_YEAR: i32 = 2005;
/// See [`FIRST_YEAR`].
const LAST_YEAR: i32 = 2026;
/// Reports were posted over this many days before the run (author's clock).
const POSTED_OVER_DAYS: i64 = 730;
/// "Changed since": this many days before the run.
const CHANGED_SINCE_DAYS: i64 = 30;
/// The year of the organization x theme matrix.
const MATRIX_YEAR: i32 = 2024;
/// Page size of the queries (the service's default).
const PAGE_SIZE: usize = 50;
/// Sizes up to this get `--scan-runs` full scans per query; larger ones one.
const MANY_SCANS_UP_TO: usize = 100_000;
/// Size the PostgreSQL reference figures are about.
const POSTGRES_REPORTS: usize = 1_000_000;
/// PostgreSQL 15 (GIN and btree indexes), issue 5: such a filter over 1,000,000 reports.
const POSTGRES_FILTER_MS: f64 = 150.0;
/// PostgreSQL 15, issue 5: an organization x theme matrix for one year.
const POSTGRES_MATRIX_MS: f64 = 250.0;
/// Goal: the full scan's p50 at least this many times the indexed p50.
const GOAL_SPEEDUP: f64 = 100.0;
/// The overlap inbox is computed from scratch only when projected within this many times
/// `--overlap-limit-secs` (once started it cannot be stopped, only abandoned).
const ATTEMPT_UP_TO: f64 = 2.0;
/// A size not computed from scratch is followed by one whose projection is this share of
/// the limit: the largest practical here, measured for real.
const PRACTICAL_SHARE: f64 = 0.3;
const MS_PER_DAY: i64 = 86_400_000;

/// Resolved settings of one run.
#[derive(Debug, Clone, Serialize)]
struct Settings {
    quick: bool,
    sizes: Vec<usize>,
    cache_mib: u64,
    batch: usize,
    query_seconds: f64,
    min_query_runs: usize,
    scan_runs: usize,
    overlap_limit_seconds: f64,
    overlap_samples: usize,
    release_build: bool,
}

#[derive(Debug, Serialize)]
struct Loading {
    reports: usize,
    organizations: usize,
    entry_bytes: u64,
    seconds: f64,
    per_second: f64,
    /// Seconds a ledger started afresh over the store took to rebuild its indexes.
    index_rebuild_seconds: f64,
}

#[derive(Debug, Serialize)]
struct QueryFigure {
    name: String,
    /// "query" or "matrix".
    kind: &'static str,
    /// Matching reports (a query) or non-empty cells (a matrix).
    matches: usize,
    /// Gaps of a matrix.
    gaps: usize,
    indexed_runs: usize,
    indexed_p50_us: f64,
    indexed_p99_us: f64,
    scan_runs: usize,
    scan_p50_us: f64,
    indexed_over_scan: f64,
    /// The scan's answer equals the indexed one.
    agrees: bool,
    /// PostgreSQL 15's figure for this kind of question over 1,000,000 reports (ms).
    postgres_ms: Option<f64>,
}

/// Where the time of the overlap inbox goes, measured phase by phase on the same reports
/// with the engine's public parts (the book's own code is not instrumented).
#[derive(Debug, Serialize)]
struct OverlapAnalysis {
    reports: usize,
    /// Reading every report from the store (what the book's first refresh does first).
    read_seconds: f64,
    /// `OverlapCandidate::from_report` for every report.
    candidates_seconds: f64,
    /// `candidate_keys` and document frequencies for every report.
    keys_seconds: f64,
    /// Reports with keys (withdrawn, cancelled and undated have none).
    reports_with_keys: usize,
    keys_total: u64,
    buckets: usize,
    largest_bucket: usize,
    /// Reports whose neighbours were gathered.
    sampled_reports: usize,
    /// Mean distinct neighbours (reports sharing a bucket) per report with keys, from
    /// the sample.
    mean_neighbours: f64,
    /// Mean bucket memberships gathered per report (with repeats), from the sample.
    mean_gathered: f64,
    /// Gathering one report's neighbours into a `BTreeSet<Uuid>`, as the book does.
    gather_us_per_report: f64,
    /// One `assess`, measured on sampled pairs of neighbours.
    assess_us: f64,
    assessed_pairs_sampled: usize,
    flagged_share: f64,
    /// Pairs a from-scratch refresh assesses: every report against each neighbour (each
    /// pair twice).
    projected_assessments: f64,
    projected_seconds: f64,
    /// After one new report: gathering its neighbours and assessing them.
    projected_incremental_seconds: f64,
    /// Flagged pairs the inbox would hold (distinct pairs: half the assessments).
    projected_pairs: f64,
}

impl OverlapAnalysis {
    /// Seconds of the projection that grow with the number of reports (reading, candidates,
    /// keys) and those that grow with reports times neighbours (gathering, assessing).
    fn linear_and_quadratic_seconds(&self) -> (f64, f64) {
        let linear = self.read_seconds + self.candidates_seconds + self.keys_seconds;
        (linear, (self.projected_seconds - linear).max(0.0))
    }

    /// The size at which a from-scratch refresh is projected to take `seconds`, from this
    /// analysis of `self.reports` reports: neighbours grow with the density of reports, so
    /// the gathering and the assessments grow with its square.
    fn size_for(&self, seconds: f64) -> usize {
        let (linear, quadratic) = self.linear_and_quadratic_seconds();
        let share = if quadratic <= 0.0 {
            seconds / linear.max(1e-9)
        } else {
            (-linear + (linear * linear + 4.0 * quadratic * seconds).sqrt()) / (2.0 * quadratic)
        };
        (share.min(1.0) * self.reports as f64) as usize
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
enum FromScratch {
    Done {
        seconds: f64,
    },
    Abandoned {
        after_seconds: f64,
        reason: String,
    },
    /// Projected far beyond the limit: not run (it could not be stopped once started).
    NotAttempted {
        reason: String,
    },
}

#[derive(Debug, Serialize)]
struct Overlaps {
    analysis: OverlapAnalysis,
    from_scratch: FromScratch,
    /// Listing the whole inbox (`Ledger::overlap_inbox`) once it is computed.
    inbox_seconds: Option<f64>,
    pairs: Option<usize>,
    probable_duplicates: Option<usize>,
    self_duplicates: Option<usize>,
    suppressed: Option<usize>,
    /// `refresh_overlaps` after one more report was submitted.
    incremental_seconds: Option<f64>,
    /// Pairs the new report is part of.
    new_report_pairs: Option<usize>,
    peak_during_bytes: u64,
    /// Resident memory the from-scratch computation added (the book: candidates, buckets,
    /// pairs); less than the book holds when an earlier phase left freed memory that the
    /// allocator reuses.
    book_resident_bytes: u64,
}

#[derive(Debug, Serialize)]
struct Memory {
    peak_after_queries_bytes: u64,
    peak_end_bytes: u64,
    resident_end_bytes: u64,
    store_apparent_bytes: u64,
    store_allocated_bytes: u64,
    store_sled_estimate_bytes: u64,
}

#[derive(Debug, Serialize)]
struct SizeResult {
    reports: usize,
    loading: Loading,
    queries: Vec<QueryFigure>,
    overlaps: Overlaps,
    memory: Memory,
}

#[derive(Debug, Serialize)]
struct Results {
    machine: Machine,
    settings: Settings,
    sizes: Vec<SizeResult>,
    /// The overlap inbox at the largest size practical here, when a size was too slow.
    practical: Option<SizeResult>,
    goals: Vec<Goal>,
}

pub async fn run(args: ViewBenchArgs) -> anyhow::Result<()> {
    let settings = resolve(&args)?;
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    let scratch = tempfile::Builder::new()
        .prefix("concord-bench-view-")
        .tempdir_in(&args.dir)
        .with_context(|| {
            format!(
                "cannot create a scratch directory in {}",
                args.dir.display()
            )
        })?;
    let machine = machine(scratch.path());
    progress(format!(
        "concord bench view: sizes {}, scratch {}",
        settings
            .sizes
            .iter()
            .map(|n| grouped(*n as f64))
            .collect::<Vec<_>>()
            .join(", "),
        scratch.path().display()
    ));
    let now_ms = now_unix_ms();
    let mut sizes = Vec::new();
    let mut abandoned = false;
    for (step, &reports) in settings.sizes.iter().enumerate() {
        let dir = scratch.path().join(format!("size-{step}"));
        let result = measure_size(&dir, reports, &settings, now_ms, true).await?;
        abandoned |= matches!(result.overlaps.from_scratch, FromScratch::Abandoned { .. });
        sizes.push(result);
        if abandoned {
            // The abandoned computation still runs on its thread and holds its memory:
            // nothing measured after it would mean anything.
            for later in settings.sizes.iter().skip(step + 1) {
                progress(format!(
                    "skipping {} reports: the overlap inbox was abandoned at {}",
                    grouped(*later as f64),
                    grouped(reports as f64)
                ));
            }
            break;
        }
        std::fs::remove_dir_all(&dir).ok();
    }
    // Where the inbox was too slow to compute, measure it at the largest size practical
    // here: the projection says which.
    let mut practical = None;
    let too_slow = sizes
        .iter()
        .find(|s| matches!(s.overlaps.from_scratch, FromScratch::NotAttempted { .. }));
    if let (false, Some(too_slow)) = (abandoned, too_slow) {
        let target = settings.overlap_limit_seconds * PRACTICAL_SHARE;
        let reports = round_size(too_slow.overlaps.analysis.size_for(target));
        progress(format!(
            "the overlap inbox at the largest practical size: {} reports (projected {target:.0} s)",
            grouped(reports as f64)
        ));
        let dir = scratch.path().join("practical");
        let result = measure_size(&dir, reports, &settings, now_ms, false).await?;
        abandoned |= matches!(result.overlaps.from_scratch, FromScratch::Abandoned { .. });
        if !abandoned {
            std::fs::remove_dir_all(&dir).ok();
        }
        practical = Some(result);
    }
    let goals = goals(&sizes, practical.as_ref(), &settings);
    let results = Results {
        machine,
        settings,
        sizes,
        practical,
        goals,
    };
    match args.output {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&results)?),
        OutputFormat::Table => print_table(&results),
    }
    scratch
        .close()
        .context("cannot remove the scratch directory")?;
    if abandoned {
        // The abandoned refresh holds the ledger on its own thread: end the process here
        // rather than wait for it.
        use std::io::Write;
        std::io::stdout().flush().ok();
        std::process::exit(0);
    }
    Ok(())
}

fn resolve(args: &ViewBenchArgs) -> anyhow::Result<Settings> {
    let sizes = match &args.sizes {
        Some(sizes) => sizes.clone(),
        None if args.quick => vec![1_500],
        None => vec![100_000, 1_000_000],
    };
    anyhow::ensure!(!sizes.is_empty(), "--sizes needs at least one size");
    anyhow::ensure!(
        sizes.iter().all(|n| *n >= 100),
        "every size must be at least 100 reports"
    );
    let query_seconds = args
        .query_secs
        .unwrap_or(if args.quick { 0.2 } else { 3.0 });
    anyhow::ensure!(
        query_seconds.is_finite() && query_seconds > 0.0,
        "--query-secs must be positive"
    );
    anyhow::ensure!(args.batch >= 1, "--batch must be at least 1");
    anyhow::ensure!(
        args.overlap_limit_secs.is_finite() && args.overlap_limit_secs > 0.0,
        "--overlap-limit-secs must be positive"
    );
    Ok(Settings {
        quick: args.quick,
        sizes,
        cache_mib: args
            .cache_mib
            .unwrap_or(if args.quick { 64 } else { 512 })
            .max(1),
        batch: args.batch,
        query_seconds,
        min_query_runs: if args.quick { 5 } else { 20 },
        scan_runs: args
            .scan_runs
            .unwrap_or(if args.quick { 1 } else { 3 })
            .max(1),
        overlap_limit_seconds: args.overlap_limit_secs,
        overlap_samples: args.overlap_samples.max(10),
        release_build: !cfg!(debug_assertions),
    })
}

/// `reports` rounded down to two significant digits, at least 100.
fn round_size(reports: usize) -> usize {
    let mut unit = 1;
    while reports / unit >= 100 {
        unit *= 10;
    }
    (reports / unit * unit).max(100)
}

fn now_unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Resets the peak-memory mark (`VmHWM`) to the current resident size (Linux).
fn reset_peak_memory() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// `MemAvailable` of `/proc/meminfo`, bytes; 0 where unavailable.
fn memory_available() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|line| line.starts_with("MemAvailable:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse::<u64>().ok())
        })
        .map_or(0, |kib| kib * 1024)
}

/// Runs blocking work without stalling the runtime's other tasks.
fn blocking<T>(work: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(work)
}

/// Measures one size: loading, then (with `with_queries`) the questions beside full
/// scans, then the overlap inbox, memory and store.
async fn measure_size(
    dir: &Path,
    reports: usize,
    settings: &Settings,
    now_ms: i64,
    with_queries: bool,
) -> anyhow::Result<SizeResult> {
    let label = grouped(reports as f64);
    reset_peak_memory();
    let store_dir = dir.join("store");
    let store = Arc::new(
        Store::open(
            &store_dir,
            &StoreOptions {
                cache_capacity_bytes: settings.cache_mib * 1024 * 1024,
                recover_if_created: false,
            },
        )
        .with_context(|| format!("cannot open a store in {}", store_dir.display()))?,
    );

    // 1. Loading.
    progress(format!("[{label}] 1/4 loading {label} reports"));
    let (mut loading, keys) = load(&store, reports, settings, now_ms).await?;
    progress(format!(
        "[{label}]     loaded in {:.1} s ({:.0} reports/s); restarting the ledger",
        loading.seconds, loading.per_second
    ));
    let rebuild_started = Instant::now();
    let ledger = Arc::new(blocking(|| {
        Ledger::start(
            store.clone(),
            NODE_ORGANIZATION.to_string(),
            keys[0].clone(),
        )
    })?);
    loading.index_rebuild_seconds = rebuild_started.elapsed().as_secs_f64();
    progress(format!(
        "[{label}]     indexes rebuilt in {:.1} s",
        loading.index_rebuild_seconds
    ));
    let held = ledger.reports_per_organization().values().sum::<u64>() as usize;
    anyhow::ensure!(
        held == reports,
        "the ledger indexes {held} reports, not {reports}"
    );

    // 2. Queries and matrices, indexed then scanned.
    let (members, aliases) = members_and_aliases();
    let mut indexed = Vec::new();
    let questions = if with_queries {
        questions(now_ms)?
    } else {
        Vec::new()
    };
    for question in questions {
        progress(format!("[{label}] 2/4 indexed: {}", question.name));
        indexed.push(blocking(|| {
            measure_indexed(&ledger, question, &members, &aliases, settings)
        })?);
    }
    let peak_after_queries = proc_status_bytes("VmHWM");
    let scan_runs = if reports <= MANY_SCANS_UP_TO {
        settings.scan_runs
    } else {
        1
    };
    let mut queries = Vec::new();
    for runs in indexed {
        progress(format!("[{label}] 2/4 full scan: {}", runs.question.name));
        queries.push(blocking(|| {
            measure_scan(&ledger, runs, scan_runs, &members)
        })?);
    }

    // The store's size, everything flushed.
    blocking(|| store.flush_blocking())?;
    let (store_apparent, store_allocated) = directory_size(&store_dir);
    let store_sled_estimate = store.size_on_disk();

    // 3. The overlap inbox.
    progress(format!(
        "[{label}] 3/4 overlap inbox: where its time goes (sampled)"
    ));
    let analysis = blocking(|| analyse_overlaps(&ledger, settings.overlap_samples))?;
    progress(format!(
        "[{label}]     {:.1} distinct neighbours per report, {:.1} µs per assess: projected {:.0} s from scratch",
        analysis.mean_neighbours, analysis.assess_us, analysis.projected_seconds
    ));
    let limit = settings.overlap_limit_seconds;
    let overlaps = if analysis.projected_seconds > limit * ATTEMPT_UP_TO {
        progress(format!(
            "[{label}]     not computing it from scratch: projected {:.0} s, more than {ATTEMPT_UP_TO} x the limit of {limit:.0} s",
            analysis.projected_seconds
        ));
        Overlaps {
            analysis,
            from_scratch: FromScratch::NotAttempted {
                reason: format!("projected more than {ATTEMPT_UP_TO} x the limit of {limit:.0} s"),
            },
            inbox_seconds: None,
            pairs: None,
            probable_duplicates: None,
            self_duplicates: None,
            suppressed: None,
            incremental_seconds: None,
            new_report_pairs: None,
            peak_during_bytes: proc_status_bytes("VmHWM"),
            book_resident_bytes: 0,
        }
    } else {
        overlap_inbox(&ledger, analysis, settings, &label).await?
    };
    let abandoned = matches!(overlaps.from_scratch, FromScratch::Abandoned { .. });

    // 4. Memory.
    let memory = Memory {
        peak_after_queries_bytes: peak_after_queries,
        peak_end_bytes: proc_status_bytes("VmHWM"),
        resident_end_bytes: proc_status_bytes("VmRSS"),
        store_apparent_bytes: store_apparent,
        store_allocated_bytes: store_allocated,
        store_sled_estimate_bytes: store_sled_estimate,
    };
    if !abandoned {
        blocking(|| ledger.shutdown())?;
    }
    progress(format!(
        "[{label}] 4/4 peak memory {}, store {}",
        mib(memory.peak_end_bytes),
        mib(memory.store_allocated_bytes)
    ));
    Ok(SizeResult {
        reports,
        loading,
        queries,
        overlaps,
        memory,
    })
}

// ---------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------

/// Makes every member's log: report `index` is authored by `member_for(index)`, posted at
/// a time spread over the [`POSTED_OVER_DAYS`] before `now_ms` in index order.
struct LogMaker {
    today: Date,
    now_ms: i64,
    reports: usize,
    keys: Vec<ed25519_dalek::SigningKey>,
    /// Per member: the last sequence and hash of its log.
    heads: Vec<(u64, EntryHash)>,
}

impl LogMaker {
    fn authored_at(&self, index: usize) -> i64 {
        let span = POSTED_OVER_DAYS * MS_PER_DAY;
        self.now_ms - span + (span as f64 * index as f64 / self.reports as f64) as i64
    }

    /// The signed entry creating report `index`, next in its member's log.
    fn entry(&mut self, index: usize) -> anyhow::Result<Vec<u8>> {
        let member = member_for(index as u64);
        let organization = DEFAULT_MEMBERS[member].0;
        let draft = report_draft_in(
            index as u64,
            organization,
            self.today,
            FIRST_YEAR,
            LAST_YEAR,
        );
        let content = concord::report::validate::validate_draft(&draft, self.today)
            .map_err(|violations| anyhow::anyhow!("generated report {index}: {violations:?}"))?;
        let authored_at = self.authored_at(index);
        // UUID v7 of the posting time, unique by the report's index.
        let mut tail = [0u8; 10];
        tail[2..].copy_from_slice(&(index as u64).to_be_bytes());
        let report_id =
            uuid::Builder::from_unix_timestamp_millis(authored_at as u64, &tail).into_uuid();
        let (sequence, previous_hash) = self.heads[member];
        let body = EntryBody {
            organization: organization.to_string(),
            sequence: sequence + 1,
            previous_hash,
            authored_at_unix_ms: authored_at,
            report_id,
            revision: 1,
            epoch: 1,
            // Replaced by the content's digest when signed.
            change: Change::Withdrawal {
                reason: String::new(),
            },
        };
        let entry = codec::sign_content_entry(body, &content, &self.keys[member]);
        self.heads[member] = (sequence + 1, entry.hash());
        Ok(codec::encode_signed_entry(&entry))
    }
}

/// Loads `reports` reports into `store` through a ledger's `ingest_batch`; returns the
/// figures and each member's signing key (order of `DEFAULT_MEMBERS`).
async fn load(
    store: &Arc<Store>,
    reports: usize,
    settings: &Settings,
    now_ms: i64,
) -> anyhow::Result<(Loading, Vec<ed25519_dalek::SigningKey>)> {
    let keys: Vec<ed25519_dalek::SigningKey> = DEFAULT_MEMBERS
        .iter()
        .map(|_| ed25519_dalek::SigningKey::generate(&mut rand_core::OsRng))
        .collect();
    let verifying: HashMap<String, ed25519_dalek::VerifyingKey> = DEFAULT_MEMBERS
        .iter()
        .zip(&keys)
        .map(|((code, ..), key)| (code.to_string(), key.verifying_key()))
        .collect();
    let ledger = Arc::new(blocking(|| {
        Ledger::start(
            store.clone(),
            NODE_ORGANIZATION.to_string(),
            keys[0].clone(),
        )
    })?);

    // The producer signs batches while the ledger verifies and applies the previous ones.
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<anyhow::Result<Vec<Vec<u8>>>>(4);
    let mut maker = LogMaker {
        today: today(),
        now_ms,
        reports,
        keys: keys.clone(),
        heads: vec![(0, EntryHash::GENESIS); DEFAULT_MEMBERS.len()],
    };
    let batch = settings.batch;
    let producer = std::thread::Builder::new()
        .name("bench-view-signer".into())
        .spawn(move || {
            let mut index = 0;
            while index < reports {
                let end = (index + batch).min(reports);
                let entries: anyhow::Result<Vec<Vec<u8>>> =
                    (index..end).map(|i| maker.entry(i)).collect();
                let failed = entries.is_err();
                if sender.blocking_send(entries).is_err() || failed {
                    return;
                }
                index = end;
            }
        })
        .context("cannot start the signing thread")?;

    let started = Instant::now();
    let mut last_progress = Instant::now();
    let mut applied = 0usize;
    let mut entry_bytes = 0u64;
    while let Some(entries) = receiver.recv().await {
        let entries = entries?;
        entry_bytes += entries.iter().map(|e| e.len() as u64).sum::<u64>();
        let keys_of = |organization: &str| verifying.get(organization).map(|key| vec![*key]);
        for outcome in ledger.ingest_batch(entries, keys_of).await {
            match outcome {
                Ok(IngestOutcome::Applied) => applied += 1,
                other => anyhow::bail!("entry {applied} was not applied: {other:?}"),
            }
        }
        if last_progress.elapsed() >= Duration::from_secs(5) {
            last_progress = Instant::now();
            progress(format!(
                "    {} / {} applied ({:.0} reports/s)",
                grouped(applied as f64),
                grouped(reports as f64),
                applied as f64 / started.elapsed().as_secs_f64()
            ));
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    producer
        .join()
        .map_err(|_| anyhow::anyhow!("the signing thread panicked"))?;
    anyhow::ensure!(
        applied == reports,
        "{applied} entries applied, not {reports}"
    );
    blocking(|| ledger.shutdown())?;
    drop(ledger);
    Ok((
        Loading {
            reports,
            organizations: DEFAULT_MEMBERS.len(),
            entry_bytes,
            seconds,
            per_second: reports as f64 / seconds,
            index_rebuild_seconds: f64::NAN,
        },
        keys,
    ))
}

// ---------------------------------------------------------------------------------------
// Queries and matrices
// ---------------------------------------------------------------------------------------

/// Member codes and the alias table, as the View service makes them for a standalone node.
fn members_and_aliases() -> (Vec<String>, AliasTable) {
    let members: Vec<String> = DEFAULT_MEMBERS
        .iter()
        .map(|(code, ..)| code.to_string())
        .collect();
    let aliases = AliasTable::new(DEFAULT_MEMBERS.iter().map(|(code, name, _, aliases)| {
        let mut names: Vec<&str> = aliases.to_vec();
        names.push(name);
        (*code, names)
    }));
    (members, aliases)
}

/// What is asked: a query (page and facets) or a matrix.
#[derive(Debug, Clone)]
enum Ask {
    Query,
    Matrix {
        rows: Dimension,
        columns: Dimension,
        theme_vocabulary: Option<&'static str>,
    },
}

#[derive(Debug, Clone)]
struct Question {
    name: String,
    filter: ViewFilter,
    ask: Ask,
    postgres_ms: Option<f64>,
}

/// The facets the View service counts when a query names none.
const DEFAULT_FACETS: [Dimension; 4] = [
    Dimension::Organization,
    Dimension::ActivityType,
    Dimension::Country,
    Dimension::Topic,
];

fn questions(now_ms: i64) -> anyhow::Result<Vec<Question>> {
    let date = |y, m, d| Date::from_ymd(y, m, d).context("bad query date");
    let theme = |vocabulary: &str, code: &str| Theme {
        vocabulary: vocabulary.into(),
        code: code.into(),
    };
    let query = |name: &str, filter: ViewFilter| Question {
        name: name.to_string(),
        filter,
        ask: Ask::Query,
        postgres_ms: Some(POSTGRES_FILTER_MS),
    };
    Ok(vec![
        query(
            "country KH|TH|LA, theme SDG:16.2|GCM:10, active in 2007",
            ViewFilter {
                countries: vec!["KH".into(), "TH".into(), "LA".into()],
                themes: vec![theme("SDG", "16.2"), theme("GCM", "10")],
                active_from: Some(date(2007, 1, 1)?),
                active_to: Some(date(2007, 12, 31)?),
                ..ViewFilter::default()
            },
        ),
        query(
            "organization IOM",
            ViewFilter {
                organizations: vec!["IOM".into()],
                ..ViewFilter::default()
            },
        ),
        query(
            "text \"recruitment fees\" (ranked)",
            ViewFilter {
                text: "recruitment fees".into(),
                ..ViewFilter::default()
            },
        ),
        query(
            "status CLOSED, topic trafficking",
            ViewFilter {
                statuses: vec![ActivityStatus::Closed],
                topics: vec!["trafficking".into()],
                ..ViewFilter::default()
            },
        ),
        query(
            &format!("region ESCAP, changed in the last {CHANGED_SINCE_DAYS} days"),
            ViewFilter {
                regions: vec!["ESCAP".into()],
                changed_since_ms: Some(now_ms - CHANGED_SINCE_DAYS * MS_PER_DAY),
                ..ViewFilter::default()
            },
        ),
        Question {
            name: format!("matrix organization x theme (GCM), {MATRIX_YEAR}"),
            filter: ViewFilter {
                active_from: Some(date(MATRIX_YEAR, 1, 1)?),
                active_to: Some(date(MATRIX_YEAR, 12, 31)?),
                ..ViewFilter::default()
            },
            ask: Ask::Matrix {
                rows: Dimension::Organization,
                columns: Dimension::Theme,
                theme_vocabulary: Some("GCM"),
            },
            postgres_ms: Some(POSTGRES_MATRIX_MS),
        },
        Question {
            name: "matrix country x topic, all years".into(),
            filter: ViewFilter::default(),
            ask: Ask::Matrix {
                rows: Dimension::Country,
                columns: Dimension::Topic,
                theme_vocabulary: None,
            },
            postgres_ms: None,
        },
    ])
}

/// The answer to a question, in a form both ways of answering produce.
#[derive(Debug, Clone, PartialEq)]
enum Answer {
    Query {
        total: usize,
        page: Vec<uuid::Uuid>,
        facets: Vec<(Dimension, Vec<(String, u64)>)>,
    },
    Matrix {
        /// (row, column) → (count, organizations).
        cells: BTreeMap<(String, String), (u64, Vec<String>)>,
        gaps: usize,
    },
}

impl Answer {
    fn from_page(page: &ViewPage) -> Answer {
        Answer::Query {
            total: page.total,
            page: page.reports.iter().map(|r| r.state.id).collect(),
            facets: page.facets.clone(),
        }
    }

    fn from_matrix(matrix: &Matrix) -> Answer {
        Answer::Matrix {
            cells: matrix
                .cells
                .iter()
                .map(|c| {
                    (
                        (c.row.clone(), c.column.clone()),
                        (c.count, c.organizations.clone()),
                    )
                })
                .collect(),
            gaps: matrix.gaps.len(),
        }
    }

    fn matches(&self) -> (usize, usize) {
        match self {
            Answer::Query { total, .. } => (*total, 0),
            Answer::Matrix { cells, gaps } => (cells.len(), *gaps),
        }
    }
}

fn ask_indexed(
    ledger: &Ledger,
    question: &Question,
    members: &[String],
    aliases: &AliasTable,
) -> anyhow::Result<Answer> {
    Ok(match &question.ask {
        Ask::Query => {
            let query = ViewQuery {
                filter: question.filter.clone(),
                facets: DEFAULT_FACETS.to_vec(),
                page_size: PAGE_SIZE,
                offset: 0,
            };
            Answer::from_page(&ledger.view_query(&query, aliases)?)
        }
        Ask::Matrix {
            rows,
            columns,
            theme_vocabulary,
        } => Answer::from_matrix(&ledger.matrix(
            *rows,
            *columns,
            &question.filter,
            *theme_vocabulary,
            members,
            aliases,
        )),
    })
}

/// A question and its indexed timings.
struct IndexedRuns {
    question: Question,
    answer: Answer,
    sorted_ns: Vec<u64>,
}

fn measure_indexed(
    ledger: &Ledger,
    question: Question,
    members: &[String],
    aliases: &AliasTable,
    settings: &Settings,
) -> anyhow::Result<IndexedRuns> {
    // One untimed run warms the caches the way a node in use has them warm.
    let answer = ask_indexed(ledger, &question, members, aliases)?;
    let budget = Duration::from_secs_f64(settings.query_seconds);
    let started = Instant::now();
    let mut sorted_ns = Vec::new();
    while sorted_ns.len() < settings.min_query_runs || started.elapsed() < budget {
        let began = Instant::now();
        let answer = ask_indexed(ledger, &question, members, aliases)?;
        sorted_ns.push(began.elapsed().as_nanos() as u64);
        std::hint::black_box(answer);
    }
    sorted_ns.sort_unstable();
    Ok(IndexedRuns {
        question,
        answer,
        sorted_ns,
    })
}

fn measure_scan(
    ledger: &Ledger,
    indexed: IndexedRuns,
    scan_runs: usize,
    members: &[String],
) -> anyhow::Result<QueryFigure> {
    let mut scans = Vec::new();
    let mut answer = None;
    for _ in 0..scan_runs {
        let began = Instant::now();
        answer = Some(scan_answer(ledger, &indexed.question, members)?);
        scans.push(began.elapsed().as_nanos() as u64);
    }
    scans.sort_unstable();
    let scanned = answer.context("no scan ran")?;
    let agrees = scanned == indexed.answer;
    if !agrees {
        progress(format!(
            "    THE SCAN DISAGREES with the indexed answer to {:?}: indexed {:?}, scan {:?}",
            indexed.question.name,
            indexed.answer.matches(),
            scanned.matches()
        ));
    }
    let (matches, gaps) = indexed.answer.matches();
    let indexed_p50_us = percentile_us(&indexed.sorted_ns, 50.0);
    let scan_p50_us = percentile_us(&scans, 50.0);
    Ok(QueryFigure {
        name: indexed.question.name,
        kind: match indexed.question.ask {
            Ask::Query => "query",
            Ask::Matrix { .. } => "matrix",
        },
        matches,
        gaps,
        indexed_runs: indexed.sorted_ns.len(),
        indexed_p50_us,
        indexed_p99_us: percentile_us(&indexed.sorted_ns, 99.0),
        scan_runs: scans.len(),
        scan_p50_us,
        indexed_over_scan: indexed_p50_us / scan_p50_us,
        agrees,
        postgres_ms: indexed.question.postgres_ms,
    })
}

/// Calls `visit` with every report the store holds (content held), reading them all.
fn scan_store(ledger: &Ledger, mut visit: impl FnMut(ReportView)) -> anyhow::Result<()> {
    let mut after = None;
    loop {
        let batch = ledger.store().reports_after(after, 1024)?;
        let Some(last) = batch.last() else { break };
        after = Some(last.id);
        for state in batch {
            match ledger.view(state) {
                Ok(view) => visit(view),
                Err(LedgerError::ContentPending { .. }) => {}
                Err(error) => return Err(error.into()),
            }
        }
    }
    Ok(())
}

/// Whether a report satisfies every filter the benchmark's questions use, field by field.
fn filter_matches(filter: &ViewFilter, view: &ReportView, words: &[String]) -> bool {
    let content = &view.content;
    fn any(wanted: &[String], mut has: impl Iterator<Item = String>) -> bool {
        wanted.is_empty() || has.any(|value| wanted.contains(&value))
    }
    if view.state.withdrawn && !filter.include_withdrawn {
        return false;
    }
    let themes: Vec<String> = filter
        .themes
        .iter()
        .map(|t| theme_index_value(&t.vocabulary, &t.code))
        .collect();
    any(
        &filter.organizations,
        std::iter::once(view.state.organization.clone()),
    ) && (filter.statuses.is_empty() || filter.statuses.contains(&content.status))
        && (filter.activity_types.is_empty()
            || filter.activity_types.contains(&content.activity_type))
        && any(&filter.countries, content.countries.iter().cloned())
        && any(
            &themes,
            content
                .themes
                .iter()
                .map(|t| theme_index_value(&t.vocabulary, &t.code)),
        )
        && any(
            &filter.topics,
            report_topics(content).into_iter().map(str::to_string),
        )
        && (filter.regions.is_empty()
            || filter.regions.iter().any(|wanted| {
                content
                    .regions
                    .iter()
                    .any(|r| vocabulary::region_contains_region(wanted, r))
                    || content
                        .countries
                        .iter()
                        .any(|c| vocabulary::region_contains_country(wanted, c))
            }))
        && (filter.active_from.is_none() && filter.active_to.is_none() || {
            match (content.dates.start(), content.dates.end()) {
                (Some(start), Some(end)) => {
                    filter.active_from.is_none_or(|from| end >= from)
                        && filter.active_to.is_none_or(|to| start <= to)
                }
                _ => false,
            }
        })
        && filter
            .changed_since_ms
            .is_none_or(|since| view.state.updated_at_ms >= since)
        && (words.is_empty() || {
            let mut found = report_words(view);
            found.retain(|w| words.contains(w));
            !found.is_empty()
        })
}

/// The search words of a report's titles and summaries.
fn report_words(view: &ReportView) -> Vec<String> {
    let mut words = Vec::new();
    for text in view.content.title.iter().chain(view.content.summary.iter()) {
        for token in search_tokens(&text.text) {
            if !words.contains(&token) {
                words.push(token);
            }
        }
    }
    words
}

/// The search words of a report's titles.
fn title_words(view: &ReportView) -> Vec<String> {
    let mut words = Vec::new();
    for text in &view.content.title {
        for token in search_tokens(&text.text) {
            if !words.contains(&token) {
                words.push(token);
            }
        }
    }
    words
}

/// The values of `dimension` a report has.
fn dimension_values(view: &ReportView, dimension: Dimension) -> Vec<String> {
    let content = &view.content;
    let mut values: Vec<String> = match dimension {
        Dimension::Organization => vec![view.state.organization.clone()],
        Dimension::ActivityType => vec![content.activity_type.name().to_string()],
        Dimension::Status => vec![content.status.name().to_string()],
        Dimension::Country => content.countries.clone(),
        Dimension::Theme => content
            .themes
            .iter()
            .map(|t| theme_index_value(&t.vocabulary, &t.code))
            .collect(),
        Dimension::Topic => report_topics(content)
            .into_iter()
            .map(str::to_string)
            .collect(),
        Dimension::TargetGroup => content.target_groups.clone(),
        Dimension::Year => Vec::new(),
    };
    values.sort();
    values.dedup();
    values
}

/// Every value of `dimension` a gap can be an absence of (the group's universe).
fn universe(
    dimension: Dimension,
    members: &[String],
    theme_vocabulary: Option<&str>,
) -> Vec<String> {
    match dimension {
        Dimension::Organization => members.to_vec(),
        Dimension::Country => vocabulary::ESCAP_MEMBERS
            .iter()
            .chain(vocabulary::ESCAP_ASSOCIATE_MEMBERS)
            .map(|c| c.to_string())
            .collect(),
        Dimension::Theme => theme_vocabulary.map_or_else(Vec::new, |v| {
            vocabulary::theme_codes(v)
                .into_iter()
                .map(|(code, _)| theme_index_value(v, code))
                .collect()
        }),
        Dimension::Topic => concord::view::crosswalk::Concept::ALL
            .iter()
            .map(|c| c.code().to_string())
            .collect(),
        _ => Vec::new(),
    }
}

/// Answers `question` by reading every report.
fn scan_answer(ledger: &Ledger, question: &Question, members: &[String]) -> anyhow::Result<Answer> {
    let filter = &question.filter;
    let words = search_tokens(&filter.text);
    match &question.ask {
        Ask::Query => {
            // Matches with, for ranked text, the words each has anywhere and in its title.
            let mut matched: Vec<(uuid::Uuid, Vec<bool>, Vec<bool>)> = Vec::new();
            let mut counts: Vec<BTreeMap<String, u64>> = vec![BTreeMap::new(); 4];
            let mut documents = 0u64;
            let mut word_documents = vec![0u64; words.len()];
            scan_store(ledger, |view| {
                documents += 1;
                let anywhere: Vec<bool> = if words.is_empty() {
                    Vec::new()
                } else {
                    let found = report_words(&view);
                    words.iter().map(|w| found.contains(w)).collect()
                };
                for (count, has) in word_documents.iter_mut().zip(&anywhere) {
                    *count += u64::from(*has);
                }
                if !filter_matches(filter, &view, &words) {
                    return;
                }
                for (facet, dimension) in counts.iter_mut().zip(DEFAULT_FACETS) {
                    for value in dimension_values(&view, dimension) {
                        *facet.entry(value).or_default() += 1;
                    }
                }
                let in_title = if words.is_empty() {
                    Vec::new()
                } else {
                    let found = title_words(&view);
                    words.iter().map(|w| found.contains(w)).collect()
                };
                matched.push((view.state.id, anywhere, in_title));
            })?;
            let total = matched.len();
            let page = if words.is_empty() {
                matched.sort_by_key(|(id, _, _)| std::cmp::Reverse(*id));
                matched.iter().take(PAGE_SIZE).map(|(id, ..)| *id).collect()
            } else {
                // The ranking of the view: most words matched, then the score (rare words
                // weigh more, a word in the title counts twice), then newest.
                let weights: Vec<f64> = word_documents
                    .iter()
                    .map(|n| (1.0 + documents.max(1) as f64 / (*n).max(1) as f64).ln())
                    .collect();
                let mut ranked: Vec<(usize, f64, uuid::Uuid)> = matched
                    .iter()
                    .map(|(id, anywhere, in_title)| {
                        let mut score = 0.0;
                        for (index, weight) in weights.iter().enumerate() {
                            if anywhere[index] {
                                score += weight;
                            }
                            if in_title[index] {
                                score += weight;
                            }
                        }
                        (anywhere.iter().filter(|h| **h).count(), score, *id)
                    })
                    .collect();
                ranked.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)).then(b.2.cmp(&a.2)));
                ranked.iter().take(PAGE_SIZE).map(|(.., id)| *id).collect()
            };
            let facets = DEFAULT_FACETS
                .iter()
                .zip(counts)
                .map(|(dimension, counts)| {
                    let mut counts: Vec<(String, u64)> = counts.into_iter().collect();
                    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                    (*dimension, counts)
                })
                .collect();
            Ok(Answer::Query {
                total,
                page,
                facets,
            })
        }
        Ask::Matrix {
            rows,
            columns,
            theme_vocabulary,
        } => {
            let mut cells: BTreeMap<(String, String), (u64, BTreeSet<String>)> = BTreeMap::new();
            let in_vocabulary = |dimension: Dimension, value: &String| {
                dimension != Dimension::Theme
                    || theme_vocabulary.is_none_or(|v| value.starts_with(&format!("{v}:")))
            };
            scan_store(ledger, |view| {
                if !filter_matches(filter, &view, &words) {
                    return;
                }
                let row_values = dimension_values(&view, *rows);
                let column_values = dimension_values(&view, *columns);
                for row in row_values.iter().filter(|v| in_vocabulary(*rows, v)) {
                    for column in column_values.iter().filter(|v| in_vocabulary(*columns, v)) {
                        let cell = cells.entry((row.clone(), column.clone())).or_default();
                        cell.0 += 1;
                        cell.1.insert(view.state.organization.clone());
                    }
                }
            })?;
            let row_universe = universe(*rows, members, *theme_vocabulary);
            let column_universe = universe(*columns, members, *theme_vocabulary);
            let gaps = row_universe
                .iter()
                .flat_map(|row| column_universe.iter().map(move |column| (row, column)))
                .filter(|(row, column)| !cells.contains_key(&((*row).clone(), (*column).clone())))
                .count();
            Ok(Answer::Matrix {
                cells: cells
                    .into_iter()
                    .map(|(key, (count, organizations))| {
                        (key, (count, organizations.into_iter().collect()))
                    })
                    .collect(),
                gaps,
            })
        }
    }
}

// ---------------------------------------------------------------------------------------
// The overlap inbox
// ---------------------------------------------------------------------------------------

/// Measures, on the reports `ledger` holds, each phase a from-scratch refresh of the
/// overlap book goes through, with the engine's public parts: reading every report,
/// building candidates, their keys and document frequencies (every report), then, on
/// `samples` reports, gathering neighbours from the buckets and assessing pairs.
fn analyse_overlaps(ledger: &Ledger, samples: usize) -> anyhow::Result<OverlapAnalysis> {
    let mut ids = Vec::new();
    let started = Instant::now();
    let mut views = 0usize;
    let mut read_ns = 0u128;
    let mut candidates_ns = 0u128;
    let mut keys_ns = 0u128;
    let mut frequencies = DocumentFrequencies::new();
    let mut key_numbers: HashMap<CandidateKey, u32> = HashMap::new();
    let mut buckets: Vec<Vec<u32>> = Vec::new();
    let mut keys_of_sample: Vec<(u32, Vec<u32>)> = Vec::new();
    let mut keys_total = 0u64;
    let mut with_keys = 0usize;
    let total = ledger.reports_per_organization().values().sum::<u64>() as usize;
    let every = (total / samples.max(1)).max(1);
    let mut read_started = Instant::now();
    scan_store(ledger, |view| {
        read_ns += read_started.elapsed().as_nanos();
        let number = views as u32;
        views += 1;
        ids.push(view.state.id);
        let began = Instant::now();
        let candidate = OverlapCandidate::from_report(
            view.state.id,
            &view.state.organization,
            view.state.withdrawn,
            &view.content,
        );
        let built = Instant::now();
        candidates_ns += (built - began).as_nanos();
        frequencies.add(&candidate.terms);
        let keys = candidate_keys(&candidate);
        let mut numbers = Vec::with_capacity(keys.len());
        for key in keys {
            let next = key_numbers.len() as u32;
            let key_number = *key_numbers.entry(key).or_insert(next);
            if key_number as usize == buckets.len() {
                buckets.push(Vec::new());
            }
            buckets[key_number as usize].push(number);
            numbers.push(key_number);
        }
        keys_ns += built.elapsed().as_nanos();
        keys_total += numbers.len() as u64;
        if !numbers.is_empty() {
            with_keys += 1;
            if views.is_multiple_of(every) {
                keys_of_sample.push((number, numbers));
            }
        }
        read_started = Instant::now();
    })?;
    let scan_seconds = started.elapsed().as_secs_f64();
    let read_seconds = read_ns as f64 / 1e9;

    // Neighbours of the sampled reports, gathered as the book does (a BTreeSet of ids
    // over the report's buckets).
    let mut gathered = 0u64;
    let mut distinct = 0u64;
    let gather_started = Instant::now();
    let mut neighbour_lists: Vec<(u32, Vec<u32>)> = Vec::new();
    for (number, keys) in &keys_of_sample {
        let mut neighbours: BTreeSet<uuid::Uuid> = BTreeSet::new();
        for key in keys {
            let bucket = &buckets[*key as usize];
            gathered += bucket.len() as u64;
            neighbours.extend(
                bucket
                    .iter()
                    .filter(|other| *other != number)
                    .map(|other| ids[*other as usize]),
            );
        }
        distinct += neighbours.len() as u64;
        std::hint::black_box(&neighbours);
    }
    let gather_seconds = gather_started.elapsed().as_secs_f64();
    // The same neighbours as report numbers, for the assessments.
    for (number, keys) in keys_of_sample.iter().take(40) {
        let mut neighbours: HashSet<u32> = HashSet::new();
        for key in keys {
            neighbours.extend(buckets[*key as usize].iter().filter(|o| *o != number));
        }
        let mut neighbours: Vec<u32> = neighbours.into_iter().collect();
        neighbours.sort_unstable();
        neighbour_lists.push((*number, neighbours));
    }
    let largest_bucket = buckets.iter().map(Vec::len).max().unwrap_or(0);
    drop(buckets);
    let sampled = keys_of_sample.len().max(1) as f64;
    let mean_neighbours = distinct as f64 / sampled;
    let mean_gathered = gathered as f64 / sampled;
    let gather_us_per_report = gather_seconds * 1e6 / sampled;

    // Assessments: each sampled report against up to 100 of its neighbours, spread over
    // its neighbour list.
    let context = OverlapContext {
        document_frequencies: Some(&frequencies),
        ..OverlapContext::default()
    };
    let candidate_of = |number: u32| -> anyhow::Result<Option<OverlapCandidate>> {
        match ledger.get(ids[number as usize]) {
            Ok(view) => Ok(Some(OverlapCandidate::from_report(
                view.state.id,
                &view.state.organization,
                view.state.withdrawn,
                &view.content,
            ))),
            Err(LedgerError::ContentPending { .. } | LedgerError::NotFound(_)) => Ok(None),
            Err(error) => Err(error.into()),
        }
    };
    let mut assess_ns = 0u128;
    let mut assessed = 0usize;
    let mut flagged = 0usize;
    for (number, neighbours) in &neighbour_lists {
        let Some(candidate) = candidate_of(*number)? else {
            continue;
        };
        let step = (neighbours.len() / 100).max(1);
        let others: Vec<OverlapCandidate> = neighbours
            .iter()
            .step_by(step)
            .take(100)
            .map(|n| candidate_of(*n))
            .collect::<anyhow::Result<Vec<_>>>()?
            .into_iter()
            .flatten()
            .collect();
        let began = Instant::now();
        for other in &others {
            let (first, second) = if candidate.id < other.id {
                (&candidate, other)
            } else {
                (other, &candidate)
            };
            if matches!(assess(first, second, &context), Assessment::Flagged(_)) {
                flagged += 1;
            }
        }
        assess_ns += began.elapsed().as_nanos();
        assessed += others.len();
    }
    let assess_us = if assessed == 0 {
        0.0
    } else {
        assess_ns as f64 / 1e3 / assessed as f64
    };
    let projected_assessments = with_keys as f64 * mean_neighbours;
    let projected_seconds = read_seconds
        + candidates_ns as f64 / 1e9
        + keys_ns as f64 / 1e9
        + with_keys as f64 * gather_us_per_report / 1e6
        + projected_assessments * assess_us / 1e6;
    progress(format!(
        "    analysis itself took {:.1} s (scan with candidates and keys {scan_seconds:.1} s)",
        started.elapsed().as_secs_f64()
    ));
    Ok(OverlapAnalysis {
        reports: views,
        read_seconds,
        candidates_seconds: candidates_ns as f64 / 1e9,
        keys_seconds: keys_ns as f64 / 1e9,
        reports_with_keys: with_keys,
        keys_total,
        buckets: key_numbers.len(),
        largest_bucket,
        sampled_reports: keys_of_sample.len(),
        mean_neighbours,
        mean_gathered,
        gather_us_per_report,
        assess_us,
        assessed_pairs_sampled: assessed,
        flagged_share: if assessed == 0 {
            0.0
        } else {
            flagged as f64 / assessed as f64
        },
        projected_assessments,
        projected_seconds,
        projected_incremental_seconds: (gather_us_per_report + mean_neighbours * assess_us) / 1e6,
        projected_pairs: projected_assessments / 2.0
            * if assessed == 0 {
                0.0
            } else {
                flagged as f64 / assessed as f64
            },
    })
}

/// The overlap inbox from scratch (under a watchdog), listed, then after one new report.
async fn overlap_inbox(
    ledger: &Arc<Ledger>,
    analysis: OverlapAnalysis,
    settings: &Settings,
    label: &str,
) -> anyhow::Result<Overlaps> {
    progress(format!(
        "[{label}] 3/4 overlap inbox from scratch (limit {:.0} s)",
        settings.overlap_limit_seconds
    ));
    let resident = proc_status_bytes("VmRSS");
    // What the computation may add before the watchdog stops waiting: most of what the
    // machine has free (other processes need the rest).
    let memory_budget = memory_available() / 10 * 7;
    let (sender, receiver) = std::sync::mpsc::channel();
    let worker = ledger.clone();
    let started = Instant::now();
    std::thread::Builder::new()
        .name("bench-view-overlaps".into())
        .spawn(move || {
            let began = Instant::now();
            let outcome = worker.refresh_overlaps().map(|_| ());
            let _ = sender.send((outcome, began.elapsed().as_secs_f64()));
        })
        .context("cannot start the overlap thread")?;
    let limit = Duration::from_secs_f64(settings.overlap_limit_seconds);
    let mut last_progress = Instant::now();
    let from_scratch = loop {
        match receiver.recv_timeout(Duration::from_millis(200)) {
            Ok((outcome, seconds)) => {
                outcome?;
                break FromScratch::Done { seconds };
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                anyhow::bail!("the overlap computation panicked")
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
        }
        let elapsed = started.elapsed();
        let grown = proc_status_bytes("VmRSS").saturating_sub(resident);
        if elapsed >= limit {
            break FromScratch::Abandoned {
                after_seconds: elapsed.as_secs_f64(),
                reason: format!(
                    "not finished after the limit of {:.0} s",
                    limit.as_secs_f64()
                ),
            };
        }
        if memory_budget > 0 && grown > memory_budget {
            break FromScratch::Abandoned {
                after_seconds: elapsed.as_secs_f64(),
                reason: format!(
                    "memory grew by {} (more than 70% of what was available)",
                    mib(grown)
                ),
            };
        }
        if last_progress.elapsed() >= Duration::from_secs(30) {
            last_progress = Instant::now();
            progress(format!(
                "    still computing after {:.0} s, resident {}",
                elapsed.as_secs_f64(),
                mib(proc_status_bytes("VmRSS"))
            ));
        }
    };
    let peak_during = proc_status_bytes("VmHWM");
    let mut overlaps = Overlaps {
        analysis,
        from_scratch,
        inbox_seconds: None,
        pairs: None,
        probable_duplicates: None,
        self_duplicates: None,
        suppressed: None,
        incremental_seconds: None,
        new_report_pairs: None,
        peak_during_bytes: peak_during,
        book_resident_bytes: proc_status_bytes("VmRSS").saturating_sub(resident),
    };
    match &overlaps.from_scratch {
        FromScratch::Abandoned {
            after_seconds,
            reason,
        } => {
            progress(format!(
                "    ABANDONED after {after_seconds:.0} s: {reason}"
            ));
            return Ok(overlaps);
        }
        FromScratch::NotAttempted { .. } => return Ok(overlaps),
        FromScratch::Done { seconds } => {
            progress(format!("    computed in {seconds:.1} s"));
        }
    }
    let co_chairs: Vec<String> = DEFAULT_CO_CHAIRS.iter().map(|c| c.to_string()).collect();
    let began = Instant::now();
    let inbox = blocking(|| ledger.overlap_inbox(&co_chairs))?;
    overlaps.inbox_seconds = Some(began.elapsed().as_secs_f64());
    overlaps.pairs = Some(inbox.pairs.len());
    overlaps.probable_duplicates = Some(
        inbox
            .pairs
            .iter()
            .filter(|p| {
                p.flag()
                    .is_some_and(|f| f.kind == concord::view::overlap::FlagKind::ProbableDuplicate)
            })
            .count(),
    );
    overlaps.self_duplicates = Some(inbox.self_duplicates.len());
    overlaps.suppressed = Some(inbox.suppressed.len());
    drop(inbox);

    progress(format!("[{label}] 3/4 overlap inbox after one new report"));
    // A new report of the node's own organization, like one a co-chair would post.
    let draft = report_draft_in(
        u64::MAX / 3,
        NODE_ORGANIZATION,
        today(),
        FIRST_YEAR,
        LAST_YEAR,
    );
    let written = ledger.submit(&draft, None).await?;
    let id = written
        .report
        .map(|r| r.state.id)
        .context("the submit returned no report")?;
    let began = Instant::now();
    blocking(|| ledger.refresh_overlaps().map(|_| ()))?;
    overlaps.incremental_seconds = Some(began.elapsed().as_secs_f64());
    overlaps.new_report_pairs = Some(blocking(|| ledger.overlaps_of(id, None))?.len());
    Ok(overlaps)
}

// ---------------------------------------------------------------------------------------
// Goals and output
// ---------------------------------------------------------------------------------------

fn goals(sizes: &[SizeResult], practical: Option<&SizeResult>, settings: &Settings) -> Vec<Goal> {
    let mut goals = Vec::new();
    for size in sizes {
        let n = grouped(size.reports as f64);
        for q in &size.queries {
            let speedup = q.scan_p50_us / q.indexed_p50_us;
            goals.push(Goal {
                name: format!("{n}: {}", q.name),
                value: speedup,
                goal: Some(format!(">= {GOAL_SPEEDUP:.0}")),
                pass: Some(speedup >= GOAL_SPEEDUP && q.agrees),
                note: format!(
                    "scan p50 {} / index p50 {}{}",
                    duration_text(q.scan_p50_us),
                    duration_text(q.indexed_p50_us),
                    if q.agrees { "" } else { "; ANSWERS DIFFER" }
                ),
            });
        }
    }
    for size in sizes.iter().chain(practical) {
        let n = grouped(size.reports as f64);
        let o = &size.overlaps;
        let projected = o.analysis.projected_seconds;
        let (value, pass, note) = match &o.from_scratch {
            FromScratch::Done { seconds } => (
                *seconds,
                *seconds <= settings.overlap_limit_seconds,
                format!("measured; projected {}", duration_text(projected * 1e6)),
            ),
            FromScratch::Abandoned {
                after_seconds,
                reason,
            } => (
                *after_seconds,
                false,
                format!(
                    "ABANDONED ({reason}): more than this; projected {}",
                    duration_text(projected * 1e6)
                ),
            ),
            FromScratch::NotAttempted { .. } => (
                projected,
                false,
                "PROJECTED, not run (see the phases above)".to_string(),
            ),
        };
        goals.push(Goal {
            name: format!("{n}: overlap inbox from scratch, seconds"),
            value,
            goal: Some(format!("<= {:.0}", settings.overlap_limit_seconds)),
            pass: Some(pass),
            note,
        });
    }
    goals
}

fn print_table(results: &Results) {
    let s = &results.settings;
    print_machine(&results.machine, s.release_build);
    println!(
        "  settings     sled cache {} MiB, batches of {} entries, {} s of indexed runs per question (at least {}), {} full scan(s) per question up to {} reports (1 above), overlap limit {} s{}",
        s.cache_mib,
        grouped(s.batch as f64),
        s.query_seconds,
        s.min_query_runs,
        s.scan_runs,
        grouped(MANY_SCANS_UP_TO as f64),
        s.overlap_limit_seconds,
        if s.quick { ", --quick" } else { "" }
    );
    println!();
    for size in &results.sizes {
        print_size(size);
    }
    if let Some(size) = &results.practical {
        print_size(size);
    }
    println!(
        "== Goals (queries: full-scan p50 / indexed p50, goal >= 100, i.e. index <= 1/100 of the scan; overlap inbox: this bench's limit, not the issue's) =="
    );
    for goal in &results.goals {
        println!("{}", goal_row(goal));
    }
    let measured: Vec<usize> = results.sizes.iter().map(|s| s.reports).collect();
    for size in results.sizes.iter().chain(&results.practical) {
        let n = grouped(size.reports as f64);
        match &size.overlaps.from_scratch {
            FromScratch::Abandoned { .. } => println!(
                "  NOTE: the overlap inbox over {n} reports was abandoned before it finished: its figure is a lower bound."
            ),
            FromScratch::NotAttempted { .. } => println!(
                "  NOTE: the overlap inbox over {n} reports was NOT computed: its figure is a projection from the measured phases."
            ),
            FromScratch::Done { .. } => {}
        }
    }
    let skipped: Vec<String> = s
        .sizes
        .iter()
        .filter(|n| !measured.contains(n))
        .map(|n| grouped(*n as f64))
        .collect();
    if !skipped.is_empty() {
        println!(
            "  NOTE: not measured (skipped after the abandoned overlap computation): {} reports.",
            skipped.join(", ")
        );
    }
}

fn print_size(size: &SizeResult) {
    let n = grouped(size.reports as f64);
    let l = &size.loading;
    if size.queries.is_empty() {
        println!(
            "== {n} reports: the overlap inbox at the largest size practical here ({} organizations, years {FIRST_YEAR}-{LAST_YEAR}) ==",
            l.organizations
        );
    } else {
        println!(
            "== {n} reports ({} organizations, years {FIRST_YEAR}-{LAST_YEAR}) ==",
            l.organizations
        );
    }
    println!(
        "  loading: {} reports/s ({:.1} s, {} of signed entries through Ledger::ingest_batch, signed on another thread meanwhile)",
        grouped(l.per_second),
        l.seconds,
        mib(l.entry_bytes)
    );
    println!(
        "  restart: a ledger started afresh over the store rebuilt its indexes in {:.1} s",
        l.index_rebuild_seconds
    );
    if !size.queries.is_empty() {
        print_questions(size);
    }

    let o = &size.overlaps;
    let a = &o.analysis;
    let figure =
        |value: Option<usize>| value.map_or_else(|| "-".to_string(), |v| grouped(v as f64));
    let time = |seconds: f64| duration_text(seconds * 1e6);
    match &o.from_scratch {
        FromScratch::Done { seconds } => println!(
            "  overlap inbox from scratch (Ledger::refresh_overlaps, fresh ledger): {} (projected {}: measured / projected {:.2}); resident memory grew by {} (an underestimate after a larger size: freed memory is reused)",
            time(*seconds),
            time(a.projected_seconds),
            seconds / a.projected_seconds,
            mib(o.book_resident_bytes)
        ),
        FromScratch::Abandoned {
            after_seconds,
            reason,
        } => println!(
            "  overlap inbox from scratch (Ledger::refresh_overlaps, fresh ledger): NOT FINISHED, abandoned after {} ({reason}); projected {}",
            time(*after_seconds),
            time(a.projected_seconds)
        ),
        FromScratch::NotAttempted { reason } => println!(
            "  overlap inbox from scratch (Ledger::refresh_overlaps, fresh ledger): NOT RUN ({reason}); projected {} from the phases below",
            time(a.projected_seconds)
        ),
    }
    match o.incremental_seconds {
        Some(seconds) => println!(
            "  overlap inbox after one new report (submit, then refresh_overlaps): {} (projected {}; the new report is in {} pair(s))",
            time(seconds),
            time(a.projected_incremental_seconds),
            figure(o.new_report_pairs)
        ),
        None => println!(
            "  overlap inbox after one new report: not measured (no inbox to update); projected {}",
            time(a.projected_incremental_seconds)
        ),
    }
    match o.pairs {
        Some(_) => println!(
            "  inbox size: {} pairs ({} probable duplicates), {} self-duplicates, {} suppressed as joint; listing it took {}",
            figure(o.pairs),
            figure(o.probable_duplicates),
            figure(o.self_duplicates),
            figure(o.suppressed),
            o.inbox_seconds.map_or_else(|| "-".to_string(), time)
        ),
        None => println!(
            "  inbox size: not computed; projected {} flagged pairs ({:.1}% of {} assessments)",
            grouped(a.projected_pairs),
            a.flagged_share * 100.0,
            grouped(a.projected_assessments)
        ),
    }
    println!(
        "  where the inbox's time goes (phases measured apart with the engine's public parts; neighbours sampled on {} reports, assess on {} pairs):",
        grouped(a.sampled_reports as f64),
        grouped(a.assessed_pairs_sampled as f64)
    );
    println!(
        "    read every report {}; build candidates (OverlapCandidate::from_report) {}; candidate keys and term frequencies {}",
        time(a.read_seconds),
        time(a.candidates_seconds),
        time(a.keys_seconds)
    );
    println!(
        "    {} reports with keys, {} keys ({:.0} per report) in {} buckets (country x month, largest {})",
        grouped(a.reports_with_keys as f64),
        grouped(a.keys_total as f64),
        a.keys_total as f64 / a.reports_with_keys.max(1) as f64,
        grouped(a.buckets as f64),
        grouped(a.largest_bucket as f64)
    );
    println!(
        "    per report: {} bucket entries gathered, {} distinct neighbours ({:.0} µs to gather into a BTreeSet)",
        grouped(a.mean_gathered),
        grouped(a.mean_neighbours),
        a.gather_us_per_report
    );
    println!(
        "    assess: {:.1} µs per pair, {:.1}% flagged; from scratch {} assessments (every report x its neighbours)",
        a.assess_us,
        a.flagged_share * 100.0,
        grouped(a.projected_assessments)
    );
    println!(
        "    projected from scratch {} = reading, candidates, keys {} + gathering {} + assessing {}",
        time(a.projected_seconds),
        time(a.read_seconds + a.candidates_seconds + a.keys_seconds),
        time(a.reports_with_keys as f64 * a.gather_us_per_report / 1e6),
        time(a.projected_assessments * a.assess_us / 1e6)
    );

    let m = &size.memory;
    println!(
        "  peak memory (VmHWM): {} after loading{}, {} at the end (overlap book included); resident {}",
        mib(m.peak_after_queries_bytes),
        if size.queries.is_empty() {
            ""
        } else {
            " and the indexed queries"
        },
        mib(m.peak_end_bytes),
        mib(m.resident_end_bytes)
    );
    println!(
        "  store on disk: {} apparent, {} allocated ({} B/report); sled's estimate {}",
        mib(m.store_apparent_bytes),
        mib(m.store_allocated_bytes),
        grouped(m.store_allocated_bytes as f64 / size.reports.max(1) as f64),
        mib(m.store_sled_estimate_bytes)
    );
    println!();
}

fn print_questions(size: &SizeResult) {
    println!(
        "  {:<58} {:>10} {:>10} {:>10} {:>10} {:>11} {:>6}",
        "question (a query: page of 50 with 4 facets)",
        "matches",
        "index p50",
        "index p99",
        "scan p50",
        "index/scan",
        "agrees"
    );
    for q in &size.queries {
        let matches = match q.kind {
            "matrix" => format!("{} cells", grouped(q.matches as f64)),
            _ => grouped(q.matches as f64),
        };
        println!(
            "  {:<58} {:>10} {:>10} {:>10} {:>10} {:>11} {:>6}",
            q.name,
            matches,
            duration_text(q.indexed_p50_us),
            duration_text(q.indexed_p99_us),
            duration_text(q.scan_p50_us),
            format!("1/{}", grouped(1.0 / q.indexed_over_scan)),
            if q.agrees { "yes" } else { "NO" }
        );
    }
    println!(
        "  ({} to {} indexed runs and {} full scan(s) per question; a scan reads every report from the store and answers in Rust, checked equal to the indexed answer)",
        size.queries
            .iter()
            .map(|q| q.indexed_runs)
            .min()
            .unwrap_or(0),
        size.queries
            .iter()
            .map(|q| q.indexed_runs)
            .max()
            .unwrap_or(0),
        size.queries.first().map_or(0, |q| q.scan_runs)
    );
    if size.reports == POSTGRES_REPORTS {
        for q in size.queries.iter().filter(|q| q.postgres_ms.is_some()) {
            let pg = q.postgres_ms.unwrap_or(f64::NAN);
            println!(
                "  reference PostgreSQL 15 (issue 5): ~{pg:.0} ms for {}; here {}: p50 {} ({:.2} of it)",
                if q.kind == "matrix" {
                    "an organization x theme matrix for one year"
                } else {
                    "such a filter over 1,000,000 reports"
                },
                q.name,
                duration_text(q.indexed_p50_us),
                q.indexed_p50_us / 1000.0 / pg
            );
        }
    } else {
        println!(
            "  reference PostgreSQL 15 (issue 5, over 1,000,000 reports): ~{POSTGRES_FILTER_MS:.0} ms for such a filter, ~{POSTGRES_MATRIX_MS:.0} ms for an organization x theme matrix for one year"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_round_to_two_digits() {
        assert_eq!(round_size(23_456), 23_000);
        assert_eq!(round_size(987), 980);
        assert_eq!(round_size(12), 100);
    }

    #[test]
    fn the_practical_size_solves_the_projection() {
        let analysis = |linear: f64, quadratic: f64| OverlapAnalysis {
            reports: 100_000,
            read_seconds: linear,
            candidates_seconds: 0.0,
            keys_seconds: 0.0,
            reports_with_keys: 100_000,
            keys_total: 0,
            buckets: 0,
            largest_bucket: 0,
            sampled_reports: 0,
            mean_neighbours: 0.0,
            mean_gathered: 0.0,
            gather_us_per_report: 0.0,
            assess_us: 0.0,
            assessed_pairs_sampled: 0,
            flagged_share: 0.0,
            projected_assessments: 0.0,
            projected_seconds: linear + quadratic,
            projected_incremental_seconds: 0.0,
            projected_pairs: 0.0,
        };
        // All quadratic: a quarter of the time at half the size.
        assert_eq!(analysis(0.0, 400.0).size_for(100.0), 50_000);
        // All linear: proportional.
        assert_eq!(analysis(400.0, 0.0).size_for(100.0), 25_000);
        // Never above the size analysed.
        assert_eq!(analysis(1.0, 1.0).size_for(100.0), 100_000);
    }

    #[test]
    fn the_generated_logs_verify_and_their_reports_start_in_the_years() {
        let today = Date::from_ymd(2026, 11, 27).unwrap();
        let mut maker = LogMaker {
            today,
            now_ms: 1_795_000_000_000,
            reports: 200,
            keys: DEFAULT_MEMBERS
                .iter()
                .map(|_| ed25519_dalek::SigningKey::generate(&mut rand_core::OsRng))
                .collect(),
            heads: vec![(0, EntryHash::GENESIS); DEFAULT_MEMBERS.len()],
        };
        let mut last_id = None;
        for index in 0..200 {
            let bytes = maker.entry(index).unwrap();
            let entry = codec::decode_signed_entry(&bytes).unwrap();
            let body = codec::decode_entry_body(&entry.body_bytes).unwrap();
            let member = DEFAULT_MEMBERS
                .iter()
                .position(|(code, ..)| *code == body.organization)
                .unwrap();
            entry.verify(&maker.keys[member].verifying_key()).unwrap();
            assert_eq!(maker.heads[member], (body.sequence, entry.hash()));
            let content = codec::entry_content(&entry, &body).unwrap().unwrap();
            let start = content.dates.start().unwrap();
            assert!((FIRST_YEAR..=LAST_YEAR).contains(&start.year()), "{start}");
            // Ids follow the posting order (UUID v7).
            assert!(last_id < Some(body.report_id));
            last_id = Some(body.report_id);
        }
    }

    #[test]
    fn every_question_is_named_once() {
        let questions = questions(1_780_000_000_000).unwrap();
        let mut names: Vec<&str> = questions.iter().map(|q| q.name.as_str()).collect();
        assert_eq!(names.len(), 7);
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 7);
    }
}
