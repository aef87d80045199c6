//! `concord demo`: a local working group on this machine.
//!
//! It creates the working group's CA, a node and a client certificate, a signing key per
//! default member (`shared/docs/domain.md`) and the membership file, starts one node per
//! member on loopback with mutual TLS (a full mesh of replication sessions), posts the
//! activities of the seed document (and plausible ones of the other members) at the node of
//! the organization that ran them, revises one, withdraws an accidental duplicate, shows the
//! entries arriving at every node, prints the consolidated view from one node, and stops
//! every node cleanly. With `--dir` everything stays in DIR (one `concord.toml` per member)
//! so the nodes can be started again with `concord node --config DIR/<ORG>/concord.toml`;
//! re-running the demo on the same DIR posts nothing twice (every post carries an
//! idempotency key).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use serde::Deserialize;

use concord::config::{NodeConfig, TlsConfig};
use concord::node::RunningNode;
use concord::report::ReportDraft;
use concord::rpc::client::{Client, ClientTls, ListFilters, RemoteReport};
use concord::trust::setup::{self, MemberSetup};

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

/// The demo group's name (its certificates' trust domain).
const DEMO_GROUP: &str = "rtwg-migration";
/// The client certificate made for each member.
const DEMO_CLIENT: &str = "demo";

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

    let base_port = args.dir.is_some().then_some(args.base_port);
    let (layout, nodes) =
        start_local_group(&base, DEMO_GROUP, DEMO_CLIENT, &DEFAULT_MEMBERS, base_port).await?;
    println!(
        "Working group {DEMO_GROUP:?}: CA, certificates, signing keys and membership in {}",
        base.display()
    );
    println!(
        "Started {} nodes on loopback, mutual TLS, full mesh",
        DEFAULT_MEMBERS.len()
    );

    let outcome = post_and_show(&args, &layout, &nodes, &reports).await;

    if args.serve && outcome.is_ok() {
        println!();
        for (member, node) in &nodes {
            println!("  {member:<11} https://{}", node.local_addr());
        }
        println!(
            "Nodes running. Talk to one with\n  concord list --certs-dir {} --cert {} --endpoint https://{}\nctrl-c stops them.",
            layout.certs_dir.display(),
            layout.client_cert("ESCAP", DEMO_CLIENT).display(),
            nodes[0].1.local_addr()
        );
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
            "Data and configuration kept in {dir}; start a member's node again with\n  \
             concord node --config {dir}/ESCAP/concord.toml\nand talk to it with\n  \
             concord list --certs-dir {dir}/certs --cert {cert} --endpoint https://127.0.0.1:{port}",
            dir = dir.display(),
            cert = layout.client_cert("ESCAP", DEMO_CLIENT).display(),
            port = args.base_port
        );
    }
    drop(temporary);
    outcome
}

/// Binds one loopback listener per member: member i on `base_port + i`, or each on a free
/// port without `base_port`. Listeners come first because the membership file names every
/// node's endpoint.
pub(crate) async fn bind_listeners(
    members: &[&str],
    base_port: Option<u16>,
) -> anyhow::Result<Vec<tokio::net::TcpListener>> {
    let mut listeners = Vec::new();
    for (index, member) in members.iter().enumerate() {
        let port = match base_port {
            Some(base) => base
                .checked_add(index as u16)
                .context("--base-port too high")?,
            None => 0,
        };
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .with_context(|| format!("cannot listen on 127.0.0.1:{port} for {member}"))?;
        listeners.push(listener);
    }
    Ok(listeners)
}

/// Each member's setup (the default members' names, IATI identifiers and aliases), dialled
/// at its listener's address.
pub(crate) fn member_setups(
    members: &[&str],
    listeners: &[tokio::net::TcpListener],
) -> Vec<MemberSetup> {
    members
        .iter()
        .zip(listeners)
        .map(|(code, listener)| {
            let (name, iati, aliases) = setup::DEFAULT_MEMBERS
                .iter()
                .find(|(member, ..)| member == code)
                .map(|(_, name, iati, aliases)| (*name, *iati, *aliases))
                .unwrap_or((code, &[], &[]));
            let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
            MemberSetup {
                code: code.to_string(),
                name: name.to_string(),
                hosts: vec!["127.0.0.1".into(), "localhost".into()],
                endpoint: format!("https://127.0.0.1:{port}"),
                iati_identifiers: iati.iter().map(|s| s.to_string()).collect(),
                aliases: aliases.iter().map(|s| s.to_string()).collect(),
            }
        })
        .collect()
}

/// The configuration of `member`'s node in a local working group made by
/// [`setup::create_working_group`]: mutual TLS with the group's certificates and
/// membership, listening on `listen`.
pub(crate) fn member_config(
    layout: &setup::GroupLayout,
    member: &str,
    listen: SocketAddr,
) -> NodeConfig {
    let mut config = NodeConfig {
        organization: member.to_string(),
        listen,
        data_dir: layout.data_dir(member),
        tls: Some(TlsConfig {
            certs_dir: Some(layout.certs_dir.clone()),
            membership_file: layout.membership_file.clone(),
            ..TlsConfig::default()
        }),
        ..NodeConfig::default()
    };
    // Fifteen nodes share one machine: a small cache each.
    config.store.cache_mib = 16;
    config.shutdown.grace_secs = 5;
    config.replication.reconnect_max_secs = 2;
    config
}

/// Makes a working group of `members` under `base` (CA, certificates, signing keys,
/// membership; `client` names each member's client certificate) and starts one node per
/// member on loopback with mutual TLS: a full mesh of replication sessions. Each node's
/// configuration is also written to `base/<ORG>/concord.toml`, so that it can be started
/// again with `concord node --config`.
pub(crate) async fn start_local_group(
    base: &Path,
    group: &str,
    client: &str,
    members: &[&str],
    base_port: Option<u16>,
) -> anyhow::Result<(setup::GroupLayout, Vec<(String, RunningNode)>)> {
    let listeners = bind_listeners(members, base_port).await?;
    let setups = member_setups(members, &listeners);
    let layout =
        setup::create_working_group(base, group, &setups, setup::DEFAULT_CO_CHAIRS, client)?;
    let mut nodes = Vec::new();
    for (setup, listener) in setups.iter().zip(listeners) {
        let config = member_config(&layout, &setup.code, listener.local_addr()?);
        std::fs::write(
            config.data_dir.join("concord.toml"),
            toml::to_string(&config).context("cannot write node configuration")?,
        )?;
        let node = concord::node::start(config, listener)
            .await
            .with_context(|| format!("cannot start {}'s node", setup.code))?;
        nodes.push((setup.code.clone(), node));
    }
    Ok((layout, nodes))
}

/// Waits until `condition` holds, checking every 50 ms, for at most `limit`.
pub(crate) async fn wait_for(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < deadline {
        if condition() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    condition()
}

async fn post_and_show(
    _args: &DemoArgs,
    layout: &setup::GroupLayout,
    nodes: &[(String, concord::node::RunningNode)],
    reports: &[DemoReport],
) -> anyhow::Result<()> {
    // New stores first recover their organization's log from their peers.
    let recovered = wait_for(Duration::from_secs(60), || {
        nodes.iter().all(|(_, node)| !node.ledger().is_recovering())
    })
    .await;
    anyhow::ensure!(
        recovered,
        "the nodes did not finish recovering from their peers within 60 s"
    );

    let mut clients = Vec::new();
    for (member, node) in nodes {
        let tls = ClientTls::load(&layout.certs_dir, &layout.client_cert(member, DEMO_CLIENT))?;
        let endpoint = format!("https://{}", node.local_addr());
        clients.push((
            member.clone(),
            Client::connect_with(&endpoint, Duration::from_secs(10), Some(&tls)).await?,
        ));
    }
    let client_of = |organization: &str| {
        clients
            .iter()
            .find(|(member, _)| member == organization)
            .map(|(_, client)| client)
            .with_context(|| format!("demo report of {organization}, which is not a member"))
    };

    println!(
        "Posting {} reports, each at its own organization's node",
        reports.len()
    );
    let started = std::time::Instant::now();
    // Every organization posts at its own node at the same time, its own reports in order.
    let per_organization = clients.iter().map(|(member, client)| {
        let own: Vec<&DemoReport> = reports
            .iter()
            .filter(|item| &item.organization == member)
            .collect();
        async move {
            let mut posted = Vec::new();
            for item in own {
                let saved = client
                    .submit(&item.report, Some(&format!("demo:{}", item.key)))
                    .await
                    .with_context(|| format!("posting {} ({})", item.key, item.organization))?;
                posted.push((item.key.as_str(), saved.report, saved.replayed));
            }
            anyhow::Ok(posted)
        }
    });
    let mut posted = 0;
    let mut already = 0;
    let mut seoul_escap = None;
    for outcome in futures_util::future::join_all(per_organization).await {
        for (key, report, replayed) in outcome? {
            if replayed {
                already += 1;
            } else {
                posted += 1;
            }
            if key.contains("seoul") && report.organization == "ESCAP" {
                seoul_escap = Some(report);
            }
        }
    }
    let unknown: Vec<&str> = reports
        .iter()
        .filter(|item| {
            !clients
                .iter()
                .any(|(member, _)| member == &item.organization)
        })
        .map(|item| item.key.as_str())
        .collect();
    anyhow::ensure!(
        unknown.is_empty(),
        "demo reports of non-members: {unknown:?}"
    );
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
            revised.report.revision
        );
    }
    // A withdrawal: a report posted twice by mistake.
    let duplicate = &reports[0];
    let copy = client_of(&duplicate.organization)?
        .submit(&duplicate.report, Some("demo:accidental-copy"))
        .await?
        .report;
    if !copy.withdrawn {
        client_of(&duplicate.organization)?
            .withdraw(&copy.id, "posted twice by mistake", copy.revision)
            .await?;
        println!("Withdrew an accidental second copy of {:?}", copy.title());
    }

    // Everything arrives everywhere.
    let target = {
        let mut union = concord::log::Frontier::new();
        for (_, node) in nodes {
            for (organization, head) in node.ledger().durable_frontier().borrow().iter() {
                let entry = union.entry(organization.clone()).or_insert(*head);
                if head.sequence > entry.sequence {
                    *entry = *head;
                }
            }
        }
        union
    };
    let total: u64 = target.values().map(|h| h.sequence).sum();
    println!(
        "Replicating {total} log entries of {} organizations to all {} nodes...",
        target.len(),
        nodes.len()
    );
    let complete =
        |node: &concord::node::RunningNode| *node.ledger().durable_frontier().borrow() == target;
    let mut last_report = std::time::Instant::now();
    let converged = wait_for(Duration::from_secs(120), || {
        let done = nodes.iter().filter(|(_, node)| complete(node)).count();
        if last_report.elapsed() > Duration::from_millis(500) && done < nodes.len() {
            println!("  {done}/{} nodes hold everything", nodes.len());
            last_report = std::time::Instant::now();
        }
        done == nodes.len()
    })
    .await;
    anyhow::ensure!(
        converged,
        "the nodes did not converge within 120 s: {}",
        nodes
            .iter()
            .filter(|(_, node)| !complete(node))
            .map(|(member, _)| member.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "  all {} nodes hold all {total} entries ({:.1} s after the first post)",
        nodes.len(),
        started.elapsed().as_secs_f64()
    );

    // The consolidated view, from one node: ESCAP's (a co-chair's).
    let (viewer, client) = &clients[0];
    let mut everything: Vec<RemoteReport> = Vec::new();
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
    let mut organizations: Vec<_> = everything.iter().map(|r| r.organization.as_str()).collect();
    organizations.sort_unstable();
    organizations.dedup();
    println!();
    println!(
        "The consolidated view at {viewer}'s node: {} live reports from {} organizations, by start date",
        everything.len(),
        organizations.len()
    );
    println!("{}", table_header());
    for report in &everything {
        println!("{}", table_row(report));
    }
    println!();

    // What the group exists for: work reported twice, or done twice.
    let inbox = client.overlaps(Vec::new(), true).await?;
    println!(
        "Overlaps flagged at {viewer}'s node: {} between organizations, {} within one, {} declared joint (`concord overlaps`)",
        inbox.pairs.len(),
        inbox.self_duplicates.len(),
        inbox.declared_joint.len()
    );
    for pair in inbox.pairs.iter().take(8) {
        println!(
            "  {} ({:.2}): {} \"{}\" / {} \"{}\"",
            pair.kind.replace('_', " ").to_lowercase(),
            pair.score,
            pair.first_organization,
            truncate_title(&pair.first_title),
            pair.second_organization,
            truncate_title(&pair.second_title)
        );
        if let Some(reason) = pair.reasons.first() {
            println!("      {reason}");
        }
    }
    println!();
    Ok(())
}

fn truncate_title(title: &str) -> String {
    const WIDTH: usize = 48;
    if title.chars().count() <= WIDTH {
        title.to_string()
    } else {
        format!("{}...", title.chars().take(WIDTH - 3).collect::<String>())
    }
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
