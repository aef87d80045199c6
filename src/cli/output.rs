//! Printing reports as readable tables or as JSON (the report file's names plus the node's
//! fields, so `-o json` output can be edited and submitted again).

use concord::report::TextInput;
use concord::rpc::client::{RemoteChange, RemoteOverlap, RemotePage, RemoteReport, Saved};

use super::OutputFormat;

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

fn when(report: &RemoteReport) -> String {
    let dates = &report.content.dates;
    let start = [&dates.actual_start, &dates.planned_start]
        .into_iter()
        .find(|d| !d.is_empty())
        .cloned()
        .unwrap_or_default();
    let end = [&dates.actual_end, &dates.planned_end]
        .into_iter()
        .find(|d| !d.is_empty())
        .cloned()
        .unwrap_or_default();
    match (start.is_empty(), end.is_empty() || end == start) {
        (true, _) => "-".into(),
        (false, true) => start,
        (false, false) => format!("{start}..{end}"),
    }
}

/// Prints the result of a write, and, prominently, the existing reports it would
/// duplicate or overlap.
pub fn print_saved(format: OutputFormat, verb: &str, saved: &Saved) -> anyhow::Result<()> {
    let report = &saved.report;
    match format {
        OutputFormat::Json => {
            /// The report's JSON with the overlaps beside its fields.
            #[derive(serde::Serialize)]
            struct WithOverlaps<'a> {
                #[serde(flatten)]
                report: &'a RemoteReport,
                overlaps: &'a [RemoteOverlap],
            }
            println!(
                "{}",
                serde_json::to_string_pretty(&WithOverlaps {
                    report,
                    overlaps: &saved.overlaps,
                })?
            )
        }
        OutputFormat::Table => {
            println!(
                "{verb}: report {} of {}, revision {}",
                report.id, report.organization, report.revision
            );
            println!("  {}", report.title());
            print_overlap_notices(&report.id, &saved.overlaps);
        }
    }
    Ok(())
}

/// The "look before you duplicate" notice after a write.
pub fn print_overlap_notices(id: &str, overlaps: &[RemoteOverlap]) {
    let flagged: Vec<&RemoteOverlap> = overlaps
        .iter()
        .filter(|o| o.kind != "DECLARED_JOINT")
        .collect();
    if !flagged.is_empty() {
        println!();
        println!(
            "!! {} existing report{} may already cover this activity:",
            flagged.len(),
            if flagged.len() == 1 { "" } else { "s" }
        );
        for overlap in flagged {
            let (other_id, organization, title) = overlap.other_than(id);
            println!(
                "!!  {} ({:.2}) {organization} {other_id}",
                overlap.kind.replace('_', " ").to_lowercase(),
                overlap.score
            );
            println!("!!    \"{}\"", truncate(title, 70));
            for reason in overlap.reasons.iter().take(4) {
                println!("!!    - {reason}");
            }
        }
        println!(
            "!! Talk to them before you duplicate work; co-chairs see this pair in `concord overlaps`."
        );
    }
    for joint in overlaps.iter().filter(|o| o.kind == "DECLARED_JOINT") {
        let (other_id, organization, _) = joint.other_than(id);
        println!("  declared joint with {organization} {other_id}: not flagged");
    }
}

/// Prints one report in full.
pub fn print_report(format: OutputFormat, report: &RemoteReport) -> anyhow::Result<()> {
    if format == OutputFormat::Json {
        println!("{}", serde_json::to_string_pretty(report)?);
        return Ok(());
    }
    let content = &report.content;
    let line = |label: &str, value: String| {
        if !value.is_empty() {
            println!("{label:<15} {value}");
        }
    };
    line("id", report.id.clone());
    line("organization", report.organization.clone());
    line(
        "revision",
        format!(
            "{}{}",
            report.revision,
            if report.withdrawn { " (WITHDRAWN)" } else { "" }
        ),
    );
    line("withdrawn for", report.withdrawal_reason.clone());
    let texts = |input: &TextInput| input.clone().into_texts();
    for title in texts(&content.title) {
        let label = if title.lang.is_empty() {
            "title".to_string()
        } else {
            format!("title [{}]", title.lang)
        };
        line(&label, title.text);
    }
    line("type", content.activity_type.clone());
    line("status", content.status.clone());
    line("when", when(report));
    line("location", content.location.clone());
    line("countries", content.countries.join(", "));
    line("regions", content.regions.join(", "));
    line(
        "themes",
        content
            .themes
            .iter()
            .map(|t| format!("{}:{}", t.vocabulary, t.code))
            .collect::<Vec<_>>()
            .join(", "),
    );
    line("target groups", content.target_groups.join(", "));
    line(
        "participants",
        content
            .participants
            .iter()
            .map(|p| format!("{} ({})", p.organization, p.role))
            .collect::<Vec<_>>()
            .join(", "),
    );
    line(
        "related",
        content
            .related
            .iter()
            .map(|r| format!("{} {}", r.relation, r.report_id))
            .collect::<Vec<_>>()
            .join(", "),
    );
    for link in &content.links {
        line("link", format!("{} {}", link.url, link.title));
    }
    if let Some(contact) = &content.contact {
        line(
            "contact",
            [
                &contact.organization,
                &contact.unit,
                &contact.person,
                &contact.email,
            ]
            .into_iter()
            .filter(|s| !s.is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join(", "),
        );
    }
    line("created", report.created_at.clone());
    line("updated", report.updated_at.clone());
    for summary in texts(&content.summary) {
        println!();
        println!("{}", summary.text);
    }
    Ok(())
}

/// The table header and row layout of report listings.
pub fn table_header() -> String {
    format!(
        "{:<36}  {:<10} {:>3}  {:<19} {:<14} {:<22} {:<12} {}",
        "ID", "ORG", "REV", "TYPE", "STATUS", "WHEN", "COUNTRIES", "TITLE"
    )
}

/// One listing row.
pub fn table_row(report: &RemoteReport) -> String {
    let status = if report.withdrawn {
        "WITHDRAWN".to_string()
    } else {
        report.content.status.clone()
    };
    format!(
        "{:<36}  {:<10} {:>3}  {:<19} {:<14} {:<22} {:<12} {}",
        report.id,
        truncate(&report.organization, 10),
        report.revision,
        truncate(&report.content.activity_type, 19),
        status,
        when(report),
        truncate(&report.content.countries.join(","), 12),
        truncate(&report.title(), 70)
    )
}

/// Prints one page of a listing (JSON: one report per line).
pub fn print_page(
    format: OutputFormat,
    page: &RemotePage,
    first: bool,
    all_pages: bool,
) -> anyhow::Result<()> {
    match format {
        OutputFormat::Json => {
            for report in &page.reports {
                println!("{}", serde_json::to_string(report)?);
            }
        }
        OutputFormat::Table => {
            if first {
                println!("{}", table_header());
            }
            for report in &page.reports {
                println!("{}", table_row(report));
            }
            if !all_pages && !page.next_page_token.is_empty() {
                eprintln!(
                    "more: repeat with --page-token {} (or use --all)",
                    page.next_page_token
                );
            }
        }
    }
    Ok(())
}

/// Prints one watched change.
pub fn print_change(format: OutputFormat, change: &RemoteChange) -> anyhow::Result<()> {
    match format {
        OutputFormat::Json => println!("{}", serde_json::to_string(change)?),
        OutputFormat::Table => println!(
            "#{:<6} {:<9} {} {} rev {}  {}",
            change.change,
            change.kind,
            change.report.organization,
            change.report.id,
            change.revision,
            truncate(&change.report.title(), 60)
        ),
    }
    Ok(())
}
