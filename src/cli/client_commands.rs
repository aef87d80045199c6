//! Client commands: read arguments and report files, call the node, print the result.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use futures_util::StreamExt;

use concord::report::ReportDraft;
use concord::rpc::client::{Client, ClientTls, ListFilters};

use super::output::{print_change, print_page, print_report, print_saved};
use super::{ClientOptions, OutputFormat};

/// `concord submit`.
#[derive(Args, Debug)]
pub struct SubmitArgs {
    /// JSON report file ("-" reads standard input).
    #[arg(long, short = 'f')]
    file: PathBuf,
    /// Retry-safe key: submitting again with the same key returns the first report.
    #[arg(long)]
    idempotency_key: Option<String>,
    #[command(flatten)]
    client: ClientOptions,
}

/// `concord revise`.
#[derive(Args, Debug)]
pub struct ReviseArgs {
    /// Report id.
    id: String,
    /// JSON report file with the new content ("-" reads standard input).
    #[arg(long, short = 'f')]
    file: PathBuf,
    /// The revision you last saw; the node refuses the change if the report moved on.
    #[arg(long)]
    expected_revision: u64,
    #[command(flatten)]
    client: ClientOptions,
}

/// `concord withdraw`.
#[derive(Args, Debug)]
pub struct WithdrawArgs {
    /// Report id.
    id: String,
    /// Why (shown to every member).
    #[arg(long)]
    reason: String,
    /// Refuse if the report is no longer at this revision (default: any).
    #[arg(long, default_value_t = 0)]
    expected_revision: u64,
    #[command(flatten)]
    client: ClientOptions,
}

/// `concord get`.
#[derive(Args, Debug)]
pub struct GetArgs {
    /// Report id.
    id: String,
    #[command(flatten)]
    client: ClientOptions,
}

/// `concord list`.
#[derive(Args, Debug)]
pub struct ListArgs {
    /// Authoring organization (repeat for several).
    #[arg(long = "org")]
    organizations: Vec<String>,
    /// Activity type, e.g. TRAINING (repeatable).
    #[arg(long = "type")]
    activity_types: Vec<String>,
    /// Status name or IATI code (repeatable).
    #[arg(long = "status")]
    statuses: Vec<String>,
    /// Country, ISO alpha-2 or alpha-3 (repeatable).
    #[arg(long = "country")]
    countries: Vec<String>,
    /// Theme as VOCABULARY:CODE, e.g. GCM:10 or SDG:16.2 (repeatable).
    #[arg(long = "theme")]
    themes: Vec<String>,
    /// Target group, e.g. MIGRANT_WORKERS (repeatable).
    #[arg(long = "target-group")]
    target_groups: Vec<String>,
    /// Active on or after this date (YYYY-MM-DD).
    #[arg(long)]
    active_from: Option<String>,
    /// Active on or before this date (YYYY-MM-DD).
    #[arg(long)]
    active_to: Option<String>,
    /// Changed at or after this time (YYYY-MM-DD or RFC 3339).
    #[arg(long)]
    updated_since: Option<String>,
    /// Words that must all appear in the title or summary.
    #[arg(long)]
    text: Option<String>,
    /// Include withdrawn reports.
    #[arg(long)]
    include_withdrawn: bool,
    /// Reports per page (1-1000; default 50).
    #[arg(long, default_value_t = 0)]
    page_size: u32,
    /// Continue from a previous page.
    #[arg(long)]
    page_token: Option<String>,
    /// Fetch every page.
    #[arg(long)]
    all: bool,
    #[command(flatten)]
    client: ClientOptions,
}

/// `concord watch`.
#[derive(Args, Debug)]
pub struct WatchArgs {
    /// Resume after this change number.
    #[arg(long, default_value_t = 0)]
    after: u64,
    /// Replay every stored change first.
    #[arg(long)]
    replay: bool,
    /// Only these organizations (repeatable).
    #[arg(long = "org")]
    organizations: Vec<String>,
    /// Stop after this many changes (default: follow until interrupted).
    #[arg(long)]
    limit: Option<u64>,
    #[command(flatten)]
    client: ClientOptions,
}

/// `concord status`.
#[derive(Args, Debug)]
pub struct StatusArgs {
    #[command(flatten)]
    client: ClientOptions,
}

/// `concord info`.
#[derive(Args, Debug)]
pub struct InfoArgs {
    #[command(flatten)]
    client: ClientOptions,
}

pub(super) async fn connect(options: &ClientOptions) -> anyhow::Result<Client> {
    if !(options.timeout > 0.0 && options.timeout.is_finite()) {
        anyhow::bail!("--timeout must be a positive number of seconds");
    }
    let timeout = Duration::from_secs_f64(options.timeout);
    let Some(certs_dir) = &options.certs_dir else {
        return Ok(Client::connect(&options.endpoint, timeout).await?);
    };
    let cert = match &options.cert {
        Some(cert) => cert.clone(),
        None => {
            let mut clients: Vec<PathBuf> = std::fs::read_dir(certs_dir)
                .with_context(|| format!("cannot read {}", certs_dir.display()))?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|path| {
                    path.extension().is_some_and(|e| e == "crt")
                        && path
                            .file_name()
                            .is_some_and(|n| n.to_string_lossy().starts_with("client."))
                })
                .collect();
            match clients.len() {
                1 => clients.remove(0),
                0 => anyhow::bail!(
                    "no client certificate in {}: create one with `concord cert create-client` \
                     or name it with --cert",
                    certs_dir.display()
                ),
                _ => anyhow::bail!(
                    "{} holds several client certificates: choose one with --cert",
                    certs_dir.display()
                ),
            }
        }
    };
    let tls = ClientTls::load(certs_dir, &cert)?;
    // With TLS the scheme is https, whatever the endpoint was written with.
    let endpoint = match options.endpoint.strip_prefix("http://") {
        Some(rest) => format!("https://{rest}"),
        None => options.endpoint.clone(),
    };
    Ok(Client::connect_with(&endpoint, timeout, Some(&tls)).await?)
}

/// Reads a JSON report file, naming the file and the position of any error.
pub fn read_report_file(path: &Path) -> anyhow::Result<ReportDraft> {
    let text = if path == Path::new("-") {
        std::io::read_to_string(std::io::stdin()).context("cannot read standard input")?
    } else {
        std::fs::read_to_string(path)
            .with_context(|| format!("cannot read report file {}", path.display()))?
    };
    serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a valid report file (see README, \"The report file\")",
            path.display()
        )
    })
}

pub async fn submit(args: SubmitArgs) -> anyhow::Result<()> {
    let draft = read_report_file(&args.file)?;
    let client = connect(&args.client).await?;
    let saved = client
        .submit(&draft, args.idempotency_key.as_deref())
        .await?;
    print_saved(
        args.client.output,
        if saved.replayed {
            "Already saved (same idempotency key)"
        } else {
            "Saved"
        },
        &saved,
    )
}

pub async fn revise(args: ReviseArgs) -> anyhow::Result<()> {
    let draft = read_report_file(&args.file)?;
    let client = connect(&args.client).await?;
    let saved = client
        .revise(&args.id, args.expected_revision, &draft)
        .await?;
    print_saved(args.client.output, "Revised", &saved)
}

pub async fn withdraw(args: WithdrawArgs) -> anyhow::Result<()> {
    let client = connect(&args.client).await?;
    let report = client
        .withdraw(&args.id, &args.reason, args.expected_revision)
        .await?;
    print_saved(
        args.client.output,
        "Withdrawn",
        &concord::rpc::client::Saved {
            report,
            replayed: false,
            overlaps: Vec::new(),
        },
    )
}

pub async fn get(args: GetArgs) -> anyhow::Result<()> {
    let client = connect(&args.client).await?;
    let report = client.get(&args.id).await?;
    print_report(args.client.output, &report)
}

pub async fn list(args: ListArgs) -> anyhow::Result<()> {
    let client = connect(&args.client).await?;
    let mut filters = ListFilters {
        organizations: args.organizations,
        activity_types: args.activity_types,
        statuses: args.statuses,
        countries: args.countries,
        themes: args.themes,
        target_groups: args.target_groups,
        active_from: args.active_from,
        active_to: args.active_to,
        updated_since: args.updated_since,
        text: args.text,
        include_withdrawn: args.include_withdrawn,
        page_size: args.page_size,
        page_token: args.page_token,
    };
    let mut first = true;
    loop {
        let page = client.list(&filters).await?;
        print_page(args.client.output, &page, first, args.all)?;
        first = false;
        if !args.all || page.next_page_token.is_empty() {
            return Ok(());
        }
        filters.page_token = Some(page.next_page_token);
    }
}

pub async fn watch(args: WatchArgs) -> anyhow::Result<()> {
    let client = connect(&args.client).await?;
    let mut stream = client
        .watch(args.after, args.replay, args.organizations)
        .await?;
    if args.client.output == OutputFormat::Table {
        eprintln!("watching {} (ctrl-c to stop)", args.client.endpoint);
    }
    let mut seen = 0u64;
    loop {
        tokio::select! {
            next = stream.next() => match next {
                Some(change) => {
                    print_change(args.client.output, &change?)?;
                    seen += 1;
                    if args.limit.is_some_and(|limit| seen >= limit) {
                        return Ok(());
                    }
                }
                None => anyhow::bail!("the node closed the watch stream"),
            },
            () = super::wait_for_stop_signal() => return Ok(()),
        }
    }
}

pub async fn info(args: InfoArgs) -> anyhow::Result<()> {
    let client = connect(&args.client).await?;
    let info = client.node_info().await?;
    match args.client.output {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&info)?),
        OutputFormat::Table => {
            println!("organization        {}", info.organization);
            println!("version             {}", info.version);
            println!("store incarnation   {}", info.store_incarnation);
            println!("store format        {}", info.store_format_version);
            println!("reports             {}", info.report_count);
            println!("last change         {}", info.last_change);
            println!("signing key         {}", info.signing_public_key);
            println!("logs held:");
            for (organization, sequence, hash) in &info.frontier {
                println!(
                    "  {organization:<12} entry {sequence:>8}  head {}",
                    &hash[..16.min(hash.len())]
                );
            }
        }
    }
    Ok(())
}

pub async fn status(args: StatusArgs) -> anyhow::Result<()> {
    let client = connect(&args.client).await?;
    let status = client.sync_status().await?;
    if args.client.output == OutputFormat::Json {
        println!("{}", serde_json::to_string_pretty(&status)?);
        return Ok(());
    }
    println!(
        "node of {}{}",
        status.organization,
        if status.recovering {
            "  (RECOVERING its own log from peers: not authoring yet)"
        } else {
            ""
        }
    );
    if !status.membership_hash.is_empty() {
        println!("membership {}", status.membership_hash);
    }
    if status.peers.is_empty() {
        println!("no peers (standalone node)");
    } else {
        println!();
        println!(
            "{:<12} {:<11} {:<9} {:>9}  {:<24} NOTE",
            "PEER", "STATE", "CAUGHT-UP", "APPLIED", "LAST HEARD"
        );
        for peer in &status.peers {
            let note = match (peer.same_membership, peer.last_error.is_empty()) {
                (Some(false), _) => "MEMBERSHIP DIFFERS".to_string(),
                (_, false) => peer.last_error.clone(),
                _ => String::new(),
            };
            println!(
                "{:<12} {:<11} {:<9} {:>9}  {:<24} {}",
                peer.organization,
                peer.state,
                if peer.caught_up { "yes" } else { "no" },
                peer.entries_applied,
                if peer.last_heard.is_empty() {
                    "-"
                } else {
                    &peer.last_heard
                },
                note
            );
        }
    }
    println!();
    println!(
        "{:<12} {:>8} {:>8} {:>7} {:>9} {:>10}  NOTE",
        "LOG", "LOCAL", "HIGHEST", "LAG", "LAG (s)", "EVERYONE"
    );
    for log in &status.logs {
        println!(
            "{:<12} {:>8} {:>8} {:>7} {:>9.1} {:>10}  {}",
            log.organization,
            log.local_sequence,
            log.highest_sequence_seen,
            log.lag_entries,
            log.lag_seconds,
            log.delivered_to_every_member,
            log.quarantined_at
                .map(|at| format!("FORKED at {at}: quarantined"))
                .unwrap_or_default()
        );
    }
    Ok(())
}
