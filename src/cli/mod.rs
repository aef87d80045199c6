//! Command-line interface: clap definitions and dispatch. `anyhow` is allowed here only.

mod backup;
mod bench;
mod bench_iati;
mod bench_sync;
mod bench_view;
mod cert;
mod client_commands;
mod demo;
mod export_commands;
mod group_commands;
mod health_command;
mod iati_commands;
mod output;
mod overlap_commands;
mod report_commands;
mod store_admin;
mod view_commands;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Concord: activity reports shared by a working group's organizations, without a central
/// server.
#[derive(Parser, Debug)]
#[command(name = "concord", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a node: serve this organization's reports over gRPC.
    Node(NodeArgs),
    /// Submit a new report from a JSON report file.
    Submit(client_commands::SubmitArgs),
    /// Replace a report's content (needs the revision you last saw).
    Revise(client_commands::ReviseArgs),
    /// Withdraw a report for ever, with a reason.
    Withdraw(client_commands::WithdrawArgs),
    /// Show one report.
    Get(client_commands::GetArgs),
    /// List reports with filters.
    List(Box<client_commands::ListArgs>),
    /// Follow changes as they are saved.
    Watch(client_commands::WatchArgs),
    /// Query the consolidated view: every filter, ranked free text, facets.
    Query(Box<view_commands::QueryArgs>),
    /// Who does what where: a rows x columns matrix of report counts, with the gaps.
    Matrix(Box<view_commands::MatrixArgs>),
    /// When each member last posted, and whether it is fresh, due or overdue.
    Freshness(view_commands::FreshnessArgs),
    /// Upcoming events by place and week, clashes on a shared topic marked.
    Calendar(Box<view_commands::CalendarArgs>),
    /// The overlap inbox: pairs of reports flagged as probable duplicates or potential
    /// overlaps across all members, ranked, with their review state.
    Overlaps(overlap_commands::OverlapsArgs),
    /// Record a co-chair's decision on a flagged pair (confirmed, dismissed, joint).
    Review(overlap_commands::ReviewArgs),
    /// Show a node's replication status: peers, and per organization the local head, the
    /// highest head seen anywhere, the lag and what every member has.
    Status(client_commands::StatusArgs),
    /// Show a node's identity, store and log heads.
    Info(client_commands::InfoArgs),
    /// Import activities published in another standard (IATI) as the node's reports.
    Import(iati_commands::ImportArgs),
    /// Export the node's reports (with the list filters) as IATI 2.03 XML, CSV with an HXL
    /// hashtag row, or JSON lines.
    Export(Box<iati_commands::ExportArgs>),
    /// The situation report: one self-contained HTML page (matrix heatmap, overlaps, gaps,
    /// calendar, what changed since a date, freshness), readable offline and printable.
    Report(Box<report_commands::ReportArgs>),
    /// The working group's CA and certificates.
    Cert(cert::CertArgs),
    /// An organization's signing key.
    Key(cert::KeyArgs),
    /// Set up a whole working group for nodes on their own hosts (containers, servers).
    Group(group_commands::GroupArgs),
    /// Ask a node's gRPC health service whether it is serving (exit 0 only if so).
    Health(health_command::HealthArgs),
    /// Write a consistent snapshot of a running node (every log, as signed) to a file.
    Backup(backup::BackupArgs),
    /// Make a new node's store from a backup; it recovers its own log from peers before
    /// authoring.
    Restore(backup::RestoreArgs),
    /// The node's configuration: `concord config show` prints the effective one.
    Config(ConfigArgs),
    /// Offline operations on a stopped node's store.
    Store(store_admin::StoreArgs),
    /// Start a local working group, post the seed document's activities, show them.
    Demo(demo::DemoArgs),
    /// Measure submit throughput and latency, listing, and their ceilings on this machine.
    Bench(bench::BenchArgs),
}

/// `concord node`.
#[derive(Args, Debug)]
struct NodeArgs {
    /// TOML configuration file (see deploy/concord.example.toml).
    #[arg(long, env = "CONCORD_CONFIG")]
    config: Option<PathBuf>,
    /// The member this node authors for (overrides `organization`).
    #[arg(long, env = "CONCORD_ORG")]
    org: Option<String>,
    /// Listen address (overrides `listen`).
    #[arg(long, env = "CONCORD_LISTEN")]
    listen: Option<std::net::SocketAddr>,
    /// Node directory (overrides `data_dir`).
    #[arg(long, env = "CONCORD_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Signing key file (overrides `signing_key_file`).
    #[arg(long, env = "CONCORD_SIGNING_KEY_FILE")]
    signing_key_file: Option<PathBuf>,
    /// Log format.
    #[arg(long, value_enum, default_value_t = LogFormat::Text, env = "CONCORD_LOG_FORMAT")]
    log_format: LogFormat,
}

/// `concord config`.
#[derive(Args, Debug)]
struct ConfigArgs {
    #[command(subcommand)]
    command: ConfigCommand,
}

#[derive(Subcommand, Debug)]
enum ConfigCommand {
    /// The configuration `concord node` would run with (file, environment and flags
    /// merged, defaults filled in, derived paths resolved), as TOML. It names key files,
    /// never their contents.
    Show(NodeArgs),
}

/// The configuration `args` give: the file (or defaults), then environment and flags.
fn effective_config(args: &NodeArgs) -> anyhow::Result<concord::config::NodeConfig> {
    let mut config = match &args.config {
        Some(path) => concord::config::NodeConfig::load(path)?,
        None => concord::config::NodeConfig::default(),
    };
    if let Some(org) = &args.org {
        config.organization = org.clone();
    }
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    if let Some(data_dir) = &args.data_dir {
        config.data_dir = data_dir.clone();
    }
    if let Some(key) = &args.signing_key_file {
        config.signing_key_file = Some(key.clone());
    }
    config.validate()?;
    Ok(config)
}

fn show_config(args: ConfigArgs) -> anyhow::Result<()> {
    let ConfigCommand::Show(node_args) = args.command;
    let mut config = effective_config(&node_args)?;
    // Derived paths, resolved, so what the node will read and write is plain to see.
    config.signing_key_file = Some(config.signing_key_path());
    config.audit_log = Some(config.audit_log_path());
    println!("{}", toml::to_string_pretty(&config)?.trim_end());
    Ok(())
}

/// How `concord node` writes its log.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Output format of client commands.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum OutputFormat {
    /// A readable table.
    #[default]
    Table,
    /// JSON, for scripts (same names as the report file).
    Json,
}

/// Options every client command takes.
#[derive(Args, Debug, Clone)]
pub struct ClientOptions {
    /// The node to talk to.
    #[arg(
        long,
        env = "CONCORD_ENDPOINT",
        default_value = "http://127.0.0.1:7400",
        global = true
    )]
    pub endpoint: String,
    /// Seconds to wait for the node (connecting and each call).
    #[arg(long, default_value_t = 10.0, global = true)]
    pub timeout: f64,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = OutputFormat::Table, global = true)]
    pub output: OutputFormat,
    /// Certificates directory (holds ca.crt): talk to the node over mutual TLS.
    #[arg(long, env = "CONCORD_CERTS_DIR", global = true)]
    pub certs_dir: Option<PathBuf>,
    /// The client certificate to present (its key is the same path ending in .key).
    /// Default: the only client.*.crt in --certs-dir.
    #[arg(long, env = "CONCORD_CERT", global = true)]
    pub cert: Option<PathBuf>,
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CONCORD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Node(args) => run_node(args).await,
            Command::Submit(args) => client_commands::submit(args).await,
            Command::Revise(args) => client_commands::revise(args).await,
            Command::Withdraw(args) => client_commands::withdraw(args).await,
            Command::Get(args) => client_commands::get(args).await,
            Command::List(args) => client_commands::list(*args).await,
            Command::Watch(args) => client_commands::watch(args).await,
            Command::Query(args) => view_commands::query(*args).await,
            Command::Matrix(args) => view_commands::matrix(*args).await,
            Command::Freshness(args) => view_commands::freshness(args).await,
            Command::Calendar(args) => view_commands::calendar(*args).await,
            Command::Overlaps(args) => overlap_commands::overlaps(args).await,
            Command::Review(args) => overlap_commands::review(args).await,
            Command::Info(args) => client_commands::info(args).await,
            Command::Import(args) => iati_commands::import(args).await,
            Command::Export(args) => iati_commands::export(*args).await,
            Command::Report(args) => report_commands::report(*args).await,
            Command::Status(args) => client_commands::status(args).await,
            Command::Cert(args) => cert::run(args),
            Command::Key(args) => cert::run_key(args),
            Command::Group(args) => group_commands::run(args),
            Command::Health(args) => health_command::health(args).await,
            Command::Backup(args) => backup::backup(args).await,
            Command::Restore(args) => backup::restore(args).await,
            Command::Config(args) => show_config(args),
            Command::Store(args) => store_admin::run(args),
            Command::Demo(args) => demo::run(args).await,
            Command::Bench(args) => bench::run(args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // A call error prints as "CODE: message" plus every field violation.
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run_node(args: NodeArgs) -> anyhow::Result<()> {
    init_logging(args.log_format);
    let config = effective_config(&args)?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|error| anyhow::anyhow!("cannot listen on {}: {error}", config.listen))?;
    let node = concord::node::start(config, listener).await?;
    // Scripts and tests read this line to learn the bound port.
    println!("concord node listening on {}", node.local_addr());
    // SIGHUP re-reads certificates and membership (rotation without a restart).
    let mut hangups = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        .map_err(|error| anyhow::anyhow!("cannot listen for SIGHUP: {error}"))?;
    let stop = wait_for_stop_signal();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => break,
            _ = hangups.recv() => match node.reload() {
                Ok(reloaded) => tracing::info!(
                    identity = %reloaded.identity,
                    certificate_expires = reloaded.certificate_expires.as_deref().unwrap_or("unknown"),
                    membership = %reloaded.membership_hash,
                    "SIGHUP: certificates and membership reloaded"
                ),
                Err(error) => tracing::error!(
                    %error,
                    "SIGHUP: reload refused; the node goes on with what it had"
                ),
            },
        }
    }
    tracing::info!("stop requested; shutting down gracefully");
    node.shutdown().await?;
    Ok(())
}

/// Resolves on ctrl-c or SIGTERM.
pub async fn wait_for_stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
