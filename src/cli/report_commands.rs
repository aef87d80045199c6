//! `concord report --since DATE [--until DATE] [--out FILE.html]`: the situation report,
//! one self-contained HTML page (rendered by `concord::view::sitrep`) from what a node's
//! consolidated view answers: the country x topic matrix of the reports active in the
//! period with its gaps, the overlap inbox, the upcoming events, what changed since DATE
//! per organization, and each member's freshness.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;

use concord::report::Date;
use concord::rpc::client::{
    Client, Dimension, FreshnessState, RemoteOverlap, ViewFilters, ViewQueryRequest,
    format_rfc3339, parse_time,
};
use concord::view::sitrep::{
    self, ChangeItem, ChangeKind, FlaggedPair, Heatmap, HeatmapCell, MemberFreshness, PairSide,
    SituationReport, UpcomingEvent,
};

use super::ClientOptions;
use super::client_commands::connect;

/// `concord report`.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Start of the period (YYYY-MM-DD), e.g. the last meeting: what changed since then,
    /// and the activities active since then.
    #[arg(long)]
    since: String,
    /// End of the period (YYYY-MM-DD; default: open). Bounds the activities of the matrix
    /// and the changes (a report counts by the time of its latest change).
    #[arg(long)]
    until: Option<String>,
    /// Write the page to this file (complete or not at all) instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Days of upcoming events in the calendar, from today.
    #[arg(long, default_value_t = 90)]
    calendar_days: u32,
    /// Heading of the page.
    #[arg(long, default_value = "Situation report")]
    title: String,
    /// The working group's name, shown under the heading.
    #[arg(long, default_value = "")]
    group: String,
    #[command(flatten)]
    client: ClientOptions,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn pair(overlap: &RemoteOverlap) -> FlaggedPair {
    FlaggedPair {
        kind: overlap.kind.clone(),
        score: overlap.score,
        first: PairSide {
            id: overlap.first_id.clone(),
            organization: overlap.first_organization.clone(),
            title: overlap.first_title.clone(),
        },
        second: PairSide {
            id: overlap.second_id.clone(),
            organization: overlap.second_organization.clone(),
            title: overlap.second_title.clone(),
        },
        reasons: overlap.reasons.clone(),
        review_state: overlap.review_state.clone(),
        decision: overlap.decision.clone(),
        decided_by: overlap.decided_by.clone(),
        note: overlap.note.clone(),
    }
}

/// Every report changed since `since` in the way `kind` says (withdrawn ones included),
/// up to `until_ms` by the time the change is dated.
async fn changes(
    client: &Client,
    since: &str,
    until_ms: Option<i64>,
    kind: ChangeKind,
) -> anyhow::Result<Vec<ChangeItem>> {
    let name = match kind {
        ChangeKind::Created => "CREATED",
        ChangeKind::Revised => "REVISED",
        ChangeKind::Withdrawn => "WITHDRAWN",
    };
    let mut request = ViewQueryRequest {
        filters: ViewFilters {
            changed_since: Some(since.to_string()),
            change_kinds: vec![name.to_string()],
            include_withdrawn: true,
            ..ViewFilters::default()
        },
        facets: vec![Dimension::Organization],
        page_size: 1000,
        page_token: None,
    };
    let mut found = Vec::new();
    loop {
        let page = client.query(&request).await?;
        for report in page.reports {
            let at = match kind {
                ChangeKind::Created => report.created_at.clone(),
                ChangeKind::Revised | ChangeKind::Withdrawn => report.updated_at.clone(),
            };
            let at_ms = parse_time(&at).unwrap_or(i64::MIN);
            if until_ms.is_some_and(|until| at_ms >= until) {
                continue;
            }
            found.push(ChangeItem {
                kind,
                title: report.title(),
                organization: report.organization,
                id: report.id,
                revision: report.revision,
                at,
            });
        }
        if page.next_page_token.is_empty() {
            return Ok(found);
        }
        request.page_token = Some(page.next_page_token);
    }
}

/// Gathers the page's data from the node.
async fn gather(client: &Client, args: &ReportArgs) -> anyhow::Result<SituationReport> {
    let since = Date::parse(args.since.trim())
        .map_err(|error| anyhow::anyhow!("--since {:?}: {error}", args.since))?;
    let until = match &args.until {
        Some(text) => {
            let until = Date::parse(text.trim())
                .map_err(|error| anyhow::anyhow!("--until {text:?}: {error}"))?;
            if until < since {
                anyhow::bail!("--until {until} is before --since {since}");
            }
            Some(until)
        }
        None => None,
    };
    // Changes are dated to the millisecond: "until" includes its whole day.
    let until_ms = until.map(|u| u.add_days(1).days_since_epoch() * 86_400_000);
    let info = client.node_info().await?;
    let period = ViewFilters {
        active_from: Some(since.to_string()),
        active_to: until.map(|u| u.to_string()),
        ..ViewFilters::default()
    };
    let active = client
        .query(&ViewQueryRequest {
            filters: period.clone(),
            facets: vec![Dimension::Organization],
            page_size: 1,
            page_token: None,
        })
        .await?;
    let matrix = client
        .matrix(Dimension::Country, Dimension::Topic, &period, None)
        .await?;
    let inbox = client.overlaps(Vec::new(), true).await?;
    let events = client
        .calendar(None, args.calendar_days, &ViewFilters::default())
        .await?;
    let mut changed = Vec::new();
    for kind in [
        ChangeKind::Created,
        ChangeKind::Revised,
        ChangeKind::Withdrawn,
    ] {
        changed.extend(changes(client, &since.to_string(), until_ms, kind).await?);
    }
    let freshness = client.freshness(0, 0).await?;
    let now = now_ms();
    Ok(SituationReport {
        title: args.title.clone(),
        group: args.group.clone(),
        node: info.organization,
        generated_at: format_rfc3339(now),
        since: since.to_string(),
        until: until.map(|u| u.to_string()),
        active_reports: active
            .facets
            .iter()
            .filter(|f| f.dimension == Dimension::Organization)
            .flat_map(|f| f.values.iter().map(|v| (v.value.clone(), v.count)))
            .collect(),
        active_total: active.total,
        matrix: Heatmap {
            rows: matrix.rows,
            columns: matrix.columns,
            cells: matrix
                .cells
                .into_iter()
                .map(|c| HeatmapCell {
                    row: c.row,
                    column: c.column,
                    count: c.count,
                    organizations: c.organizations,
                })
                .collect(),
            gaps: matrix.gaps.into_iter().map(|c| (c.row, c.column)).collect(),
        },
        overlaps: inbox.pairs.iter().map(pair).collect(),
        self_duplicates: inbox.self_duplicates.iter().map(pair).collect(),
        declared_joint: inbox.declared_joint.len(),
        calendar_from: Date::from_unix_seconds(now / 1000).to_string(),
        calendar_days: if args.calendar_days == 0 {
            90
        } else {
            args.calendar_days
        },
        events: events
            .into_iter()
            .map(|event| UpcomingEvent {
                title: event.report.title(),
                id: event.report.id,
                organization: event.report.organization,
                activity_type: event.report.content.activity_type,
                start: event.start,
                end: event.end,
                location: event.location,
                week: event.week,
                clashes_with: event.clashes_with,
                shared_topics: event.shared_topics,
            })
            .collect(),
        changes: changed,
        freshness: freshness
            .into_iter()
            .map(|member| MemberFreshness {
                organization: member.organization,
                state: match member.state {
                    FreshnessState::Fresh => "FRESH",
                    FreshnessState::Due => "DUE",
                    FreshnessState::Overdue => "OVERDUE",
                    FreshnessState::Silent => "SILENT",
                }
                .to_string(),
                last_posted: member.last_posted,
                last_received: member.last_received,
                reports: member.reports,
                lag_entries: member.lag_entries,
            })
            .collect(),
    })
}

/// Writes `bytes` to `out` under a temporary name, then renames it: all or nothing.
fn write_whole(out: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut temporary = super::export_commands::temporary_beside(out)?;
    temporary
        .write_all(bytes)
        .and_then(|()| temporary.as_file().sync_all())
        .with_context(|| format!("cannot write {}", out.display()))?;
    temporary
        .persist(out)
        .map_err(|error| error.error)
        .with_context(|| format!("cannot write {}", out.display()))?;
    Ok(())
}

/// `concord report`.
pub async fn report(args: ReportArgs) -> anyhow::Result<()> {
    let client = connect(&args.client).await?;
    let data = gather(&client, &args).await?;
    let page = sitrep::render(&data);
    match &args.out {
        Some(out) => {
            write_whole(out, page.as_bytes())?;
            eprintln!(
                "situation report written to {} ({} flagged pairs, {} gaps, {} upcoming events, {} changes)",
                out.display(),
                data.overlaps.len(),
                data.matrix.gaps.len(),
                data.events.len(),
                data.changes.len()
            );
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(page.as_bytes())
                .and_then(|()| stdout.flush())
                .context("cannot write to standard output")?;
        }
    }
    Ok(())
}
