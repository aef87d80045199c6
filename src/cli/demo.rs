//! `concord demo`: a local working group on this machine.
//!
//! One node per default member (`shared/docs/domain.md`), each on loopback with its own
//! store, each authoring only its own organization's reports. The demo posts the activities
//! of the seed document (and plausible ones of the other members) at the node of the
//! organization that ran them, revises one, withdraws an accidental duplicate, then lists
//! every node's reports as one table, and stops every node cleanly. With `--dir` the
//! configuration and data stay in DIR (one `concord.toml` per member) so the nodes can be
//! started again with `concord node --config DIR/<ORG>/concord.toml`; re-running the demo
//! on the same DIR posts nothing twice (every post carries an idempotency key).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use serde::Deserialize;

use concord::config::NodeConfig;
use concord::report::ReportDraft;
use concord::rpc::client::{Client, ListFilters, RemoteReport};

use super::output::{table_header, table_row};

/// The default membership of the working group, co-chairs first.
pub const DEFAULT_MEMBERS: [&str; 15] = [
    "ESCAP",
    "IOM",
    "ILO",
    "UNHCR",
    "UNICEF",
    "UNODC",
    "UNDP",
    "UNFPA",
    "UN-Women",
    "UNESCO",
    "WHO",
    "UNAIDS",
    "OHCHR",
    "UN-Habitat",
    "UNIAP",
];

/// The reports the demo posts: the seed document's activities and the other members'.
const DEMO_REPORTS: &str = include_str!("demo_reports.json");

#[derive(Deserialize)]
struct DemoReport {
    organization: String,
    key: String,
    report: ReportDraft,
}

/// `concord demo`.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Keep configuration and data in this directory (default: a temporary one, removed
    /// at the end).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// First port of the nodes with --dir (member i listens on base-port + i).
    #[arg(long, default_value_t = 7400)]
    base_port: u16,
    /// Keep the nodes running after the demo until ctrl-c.
    #[arg(long)]
    serve: bool,
}

/// Parses the embedded demo reports.
fn demo_reports() -> anyhow::Result<Vec<DemoReport>> {
    serde_json::from_str(DEMO_REPORTS).context("embedded demo reports are not valid")
}

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let temporary = match &args.dir {
        Some(_) => None,
        None => Some(tempfile::tempdir().context("cannot create a temporary directory")?),
    };
    let base = match (&args.dir, &temporary) {
        (Some(dir), _) => dir.clone(),
        (None, Some(temp)) => temp.path().to_path_buf(),
        (None, None) => unreachable!("either --dir or a temporary directory"),
    };
    std::fs::create_dir_all(&base).with_context(|| format!("cannot create {}", base.display()))?;
    let reports = demo_reports()?;

    println!(
        "Starting {} nodes of the working group in {}",
        DEFAULT_MEMBERS.len(),
        base.display()
    );
    let mut nodes = Vec::new();
    for (index, member) in DEFAULT_MEMBERS.iter().enumerate() {
        let port = if args.dir.is_some() {
            args.base_port
                .checked_add(index as u16)
                .context("--base-port too high")?
        } else {
            0
        };
        let mut config = NodeConfig {
            organization: member.to_string(),
            listen: ([127, 0, 0, 1], port).into(),
            data_dir: base.join(member),
            ..NodeConfig::default()
        };
        // Fifteen nodes share one machine: a small cache each.
        config.store.cache_mib = 16;
        config.shutdown.grace_secs = 5;
        std::fs::create_dir_all(&config.data_dir)?;
        std::fs::write(
            config.data_dir.join("concord.toml"),
            toml::to_string(&config).context("cannot write node configuration")?,
        )?;
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {} for {member}", config.listen))?;
        let node = concord::node::start(config, listener)
            .await
            .with_context(|| format!("cannot start {member}'s node"))?;
        nodes.push((member.to_string(), node));
    }
    let mut clients = Vec::new();
    for (member, node) in &nodes {
        clients.push((
            member.clone(),
            Client::connect(&node.endpoint(), Duration::from_secs(10)).await?,
        ));
    }
    let client_of = |organization: &str| {
        clients
            .iter()
            .find(|(member, _)| member == organization)
            .map(|(_, client)| client)
            .with_context(|| format!("demo report of {organization}, which is not a member"))
    };

    let outcome = async {
        println!(
            "Posting {} reports, each at its own organization's node",
            reports.len()
        );
        let mut posted = 0;
        let mut already = 0;
        let mut seoul_escap = None;
        for item in &reports {
            let client = client_of(&item.organization)?;
            let (report, replayed) = client
                .submit(&item.report, Some(&format!("demo:{}", item.key)))
                .await
                .with_context(|| format!("posting {} ({})", item.key, item.organization))?;
            if replayed {
                already += 1;
            } else {
                posted += 1;
            }
            if item.key.contains("seoul") && item.organization == "ESCAP" {
                seoul_escap = Some(report);
            }
        }
        println!("  {posted} new, {already} already there from an earlier run");

        // A revision: the ESCAP conference report gains its outcome document.
        if let Some(report) = seoul_escap.filter(|r| r.revision == 1 && !r.withdrawn) {
            let mut draft = report.content.clone();
            draft.links.push(concord::report::Link {
                url: "https://www.unescap.org/events/apcimd".into(),
                title: "Chairman's Summary, forwarded to the Global Forum".into(),
                kind: "outcome".into(),
            });
            let revised = client_of("ESCAP")?
                .revise(&report.id, report.revision, &draft)
                .await?;
            println!(
                "Revised ESCAP's Seoul conference report (now revision {})",
                revised.revision
            );
        }
        // A withdrawal: a report posted twice by mistake.
        let duplicate = &reports[0];
        let (copy, _) = client_of(&duplicate.organization)?
            .submit(&duplicate.report, Some("demo:accidental-copy"))
            .await?;
        if !copy.withdrawn {
            client_of(&duplicate.organization)?
                .withdraw(&copy.id, "posted twice by mistake", copy.revision)
                .await?;
            println!("Withdrew an accidental second copy of {:?}", copy.title());
        }

        let mut everything: Vec<RemoteReport> = Vec::new();
        for (_, client) in &clients {
            let mut filters = ListFilters {
                page_size: 200,
                ..ListFilters::default()
            };
            loop {
                let page = client.list(&filters).await?;
                everything.extend(page.reports);
                if page.next_page_token.is_empty() {
                    break;
                }
                filters.page_token = Some(page.next_page_token);
            }
        }
        everything.sort_by(|a, b| {
            let start = |r: &RemoteReport| {
                [
                    &r.content.dates.actual_start,
                    &r.content.dates.planned_start,
                ]
                .into_iter()
                .find(|d| !d.is_empty())
                .cloned()
                .unwrap_or_default()
            };
            start(a)
                .cmp(&start(b))
                .then(a.organization.cmp(&b.organization))
        });
        println!();
        println!(
            "The working group's reports ({} live, from {} organizations), by start date:",
            everything.len(),
            {
                let mut organizations: Vec<_> =
                    everything.iter().map(|r| r.organization.as_str()).collect();
                organizations.sort_unstable();
                organizations.dedup();
                organizations.len()
            }
        );
        println!("{}", table_header());
        for report in &everything {
            println!("{}", table_row(report));
        }
        println!();
        println!(
            "Each node holds its own organization's reports; replication between nodes \
             comes with the sync layer."
        );
        anyhow::Ok(())
    }
    .await;

    if args.serve && outcome.is_ok() {
        println!();
        for (member, node) in &nodes {
            println!("  {member:<11} {}", node.endpoint());
        }
        println!("Nodes running; try `concord list --endpoint <address>`. ctrl-c stops them.");
        super::wait_for_stop_signal().await;
    }
    for (member, node) in nodes {
        node.shutdown()
            .await
            .with_context(|| format!("stopping {member}'s node"))?;
    }
    println!("All nodes stopped cleanly.");
    if let Some(dir) = &args.dir {
        println!(
            "Data and configuration kept in {}; start a member's node again with\n  \
             concord node --config {}/ESCAP/concord.toml\nand talk to it with\n  \
             concord list --endpoint http://127.0.0.1:{}",
            dir.display(),
            dir.display(),
            args.base_port
        );
    }
    drop(temporary);
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_report_is_valid_and_from_a_member() {
        let today = concord::report::Date::from_ymd(2026, 1, 1).unwrap();
        let reports = demo_reports().unwrap();
        assert!(reports.len() >= 40);
        let mut keys = std::collections::HashSet::new();
        for item in &reports {
            assert!(
                DEFAULT_MEMBERS.contains(&item.organization.as_str()),
                "{}",
                item.key
            );
            assert!(keys.insert(item.key.clone()), "duplicate key {}", item.key);
            if let Err(violations) = concord::report::validate::validate_draft(&item.report, today)
            {
                panic!("{}: {violations:?}", item.key);
            }
        }
    }
}
