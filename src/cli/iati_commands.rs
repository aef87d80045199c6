//! `concord import iati FILE...` and `concord export --format iati`: IATI activity files
//! into a member's node, and the node's reports out as IATI 2.03 XML, through the typed
//! client (`concord::rpc::client`). The mapping itself is `concord::iati`.
//!
//! Import: the node says whose node it is (`NodeInfo`); every activity whose reporting
//! organisation is that member becomes a new report, or revises the report an earlier
//! import made from the same `iati-identifier` (found by listing the member's reports), or
//! is skipped when nothing changed. Other members' activities are skipped, refused ones are
//! listed with each problem's element, line and rule; none stops the others.

use std::collections::HashMap;
use std::io::{BufReader, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;
use sha2::Digest;

use concord::iati::{
    ExportedReport, IatiWriter, ImportContext, ImportSummary, ImportedActivity, Importer,
    MemberDirectory, NoteKind,
};
use concord::report::{Date, ReportContent};
use concord::rpc::client::{Client, ListFilters, RemoteReport, format_rfc3339};
use concord::trust::membership::Membership;

use super::client_commands::connect;
use super::{ClientOptions, OutputFormat};

/// `concord import`.
#[derive(Args, Debug)]
pub struct ImportArgs {
    #[command(subcommand)]
    command: ImportCommand,
    #[command(flatten)]
    client: ClientOptions,
}

#[derive(Subcommand, Debug)]
enum ImportCommand {
    /// Import IATI activity files (iati-activities XML): create or revise the node's
    /// organization's reports from its activities.
    Iati(ImportIatiArgs),
}

/// `concord import iati`.
#[derive(Args, Debug)]
pub struct ImportIatiArgs {
    /// IATI activity files (UTF-8 `iati-activities` documents, any size).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Show what would be created, revised and skipped, and why; change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Membership file naming the members' IATI identifiers and aliases (default: the
    /// default working group's members).
    #[arg(long, env = "CONCORD_MEMBERSHIP_FILE")]
    membership: Option<PathBuf>,
}

/// Export formats.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// IATI 2.03 activity XML (`iati-activities`).
    Iati,
    /// CSV with a header row and an HXL hashtag row, streamed by the node.
    Csv,
    /// One JSON object per line (as `concord get -o json`), streamed by the node.
    Jsonl,
}

/// `concord export`.
#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Output format.
    #[arg(long, value_enum)]
    format: ExportFormat,
    /// Write to this file (complete or not at all) instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Membership file naming the members' IATI identifiers (default: the default working
    /// group's members).
    #[arg(long, env = "CONCORD_MEMBERSHIP_FILE")]
    membership: Option<PathBuf>,
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
    /// UN M49 region or the group's ("ESCAP"), by the report's regions or countries
    /// (repeatable).
    #[arg(long = "region")]
    regions: Vec<String>,
    /// Shared topic of the crosswalk, e.g. trafficking (repeatable).
    #[arg(long = "topic")]
    topics: Vec<String>,
    /// Participating organization, by code, name or alias (repeatable).
    #[arg(long = "participant")]
    participants: Vec<String>,
    /// csv and jsonl only: include withdrawn reports (marked in the `withdrawn` field).
    #[arg(long)]
    include_withdrawn: bool,
    #[command(flatten)]
    client: ClientOptions,
}

/// The members from `--membership`, else the default ones.
fn members(membership: Option<&Path>) -> anyhow::Result<MemberDirectory> {
    match membership {
        None => Ok(MemberDirectory::default_members()),
        Some(path) => {
            let membership = Membership::load(path)
                .with_context(|| format!("cannot read the membership file {}", path.display()))?;
            Ok(MemberDirectory::from_membership(membership.file()))
        }
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Every report of `organization` at the node (withdrawn ones too).
async fn all_reports(client: &Client, organization: &str) -> anyhow::Result<Vec<RemoteReport>> {
    let mut filters = ListFilters {
        organizations: vec![organization.to_string()],
        include_withdrawn: true,
        page_size: 1000,
        ..ListFilters::default()
    };
    let mut reports = Vec::new();
    loop {
        let page = client.list(&filters).await?;
        reports.extend(page.reports);
        if page.next_page_token.is_empty() {
            return Ok(reports);
        }
        filters.page_token = Some(page.next_page_token);
    }
}

/// A report of the node's organization that an activity may be.
#[derive(Debug, Clone)]
struct Known {
    id: String,
    revision: u64,
    withdrawn: bool,
    content: Option<ReportContent>,
}

/// What became of one activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Action {
    Created,
    Revised,
    Unchanged,
    Skipped,
    Rejected,
    Failed,
}

impl Action {
    fn verb(self, dry_run: bool) -> &'static str {
        match (self, dry_run) {
            (Action::Created, false) => "created",
            (Action::Created, true) => "would create",
            (Action::Revised, false) => "revised",
            (Action::Revised, true) => "would revise",
            (Action::Unchanged, _) => "unchanged",
            (Action::Skipped, _) => "skipped",
            (Action::Rejected, _) => "rejected",
            (Action::Failed, _) => "failed",
        }
    }
}

/// One line of the import's output.
#[derive(Debug, Serialize)]
struct Outcome<'a> {
    file: String,
    line: u64,
    iati_identifier: &'a str,
    action: Action,
    dry_run: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    report_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    revision: Option<u64>,
    #[serde(skip_serializing_if = "String::is_empty")]
    reason: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    changed: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<concord::iati::ActivityError>,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<&'a ImportSummary>,
}

/// Counts for the closing line.
#[derive(Debug, Default, Serialize)]
struct Totals {
    files: usize,
    unreadable_files: usize,
    activities: usize,
    created: usize,
    revised: usize,
    unchanged: usize,
    skipped: usize,
    rejected: usize,
    failed: usize,
}

impl Totals {
    fn count(&mut self, action: Action) {
        self.activities += 1;
        match action {
            Action::Created => self.created += 1,
            Action::Revised => self.revised += 1,
            Action::Unchanged => self.unchanged += 1,
            Action::Skipped => self.skipped += 1,
            Action::Rejected => self.rejected += 1,
            Action::Failed => self.failed += 1,
        }
    }
}

/// The report fields that differ.
fn changed_fields(old: &ReportContent, new: &ReportContent) -> Vec<&'static str> {
    let mut changed = Vec::new();
    let mut check = |name: &'static str, differs: bool| {
        if differs {
            changed.push(name);
        }
    };
    check("title", old.title != new.title);
    check("summary", old.summary != new.summary);
    check("activity_type", old.activity_type != new.activity_type);
    check("status", old.status != new.status);
    check("dates", old.dates != new.dates);
    check("countries", old.countries != new.countries);
    check("regions", old.regions != new.regions);
    check("themes", old.themes != new.themes);
    check("target_groups", old.target_groups != new.target_groups);
    check("participants", old.participants != new.participants);
    check("related", old.related != new.related);
    check("links", old.links != new.links);
    check("contact", old.contact != new.contact);
    check("location", old.location != new.location);
    check(
        "iati_identifier",
        old.iati_identifier != new.iati_identifier,
    );
    check("iati_extra", old.iati_extra != new.iati_extra);
    changed
}

/// A one-line account of a summary: the type and why, then what was mapped, kept, dropped.
fn summary_line(summary: &ImportSummary) -> String {
    let dropped: Vec<&str> = summary
        .notes
        .iter()
        .filter(|n| n.kind == NoteKind::Dropped)
        .map(|n| n.element.as_str())
        .collect();
    let mut line = format!(
        "{} ({}); {} elements mapped, {} mapped and kept, {} kept verbatim",
        summary.activity_type.name(),
        summary.activity_type_reason,
        summary.count(NoteKind::Mapped),
        summary.count(NoteKind::MappedAndKept),
        summary.count(NoteKind::Kept),
    );
    let kept = summary.kept_elements();
    if !kept.is_empty() {
        line.push_str(&format!(" [{}]", kept.join(", ")));
    }
    if !dropped.is_empty() {
        line.push_str(&format!(
            "; dropped {} [{}]",
            dropped.len(),
            dropped.join(", ")
        ));
    }
    line
}

/// A progress line on standard error for large files: rewritten in place on a terminal,
/// one line every few seconds otherwise.
struct Progress {
    file: String,
    size: u64,
    last: Instant,
    shown: bool,
    terminal: bool,
}

impl Progress {
    const LARGE: u64 = 1024 * 1024;

    fn new(file: &Path, size: u64) -> Progress {
        Progress {
            file: file.display().to_string(),
            size,
            last: Instant::now(),
            shown: false,
            terminal: std::io::stderr().is_terminal(),
        }
    }

    fn tick(&mut self, bytes: u64, activities: usize) {
        let every = if self.terminal {
            Duration::from_millis(250)
        } else {
            Duration::from_secs(5)
        };
        if self.size < Self::LARGE || self.last.elapsed() < every {
            return;
        }
        self.last = Instant::now();
        self.shown = true;
        let percent = bytes as f64 * 100.0 / self.size.max(1) as f64;
        let text = format!(
            "{}: {percent:5.1}% ({:.1} of {:.1} MB), {activities} activities",
            self.file,
            bytes as f64 / 1e6,
            self.size as f64 / 1e6
        );
        if self.terminal {
            eprint!("\r{text}");
        } else {
            eprintln!("{text}");
        }
    }

    fn done(&self, activities: usize) {
        if self.shown {
            let end = if self.terminal { "\r" } else { "" };
            eprintln!(
                "{end}{}: 100.0% ({:.1} MB), {activities} activities",
                self.file,
                self.size as f64 / 1e6
            );
        }
    }
}

/// The idempotency key of the report made from `iati_identifier` by `organization`: a
/// retried or concurrent import cannot create it twice.
fn idempotency_key(organization: &str, iati_identifier: &str) -> String {
    let digest = sha2::Sha256::digest(format!("{organization}\n{iati_identifier}").as_bytes());
    format!("iati-import-{}", hex::encode(&digest[..16]))
}

pub async fn import(args: ImportArgs) -> anyhow::Result<()> {
    let options = args.client;
    let ImportCommand::Iati(args) = args.command;
    let members = members(args.membership.as_deref())?;
    let client = connect(&options).await?;
    let organization = client.node_info().await?.organization;
    let json = options.output == OutputFormat::Json;

    let mut by_identifier: HashMap<String, Known> = HashMap::new();
    let mut by_id: HashMap<String, Known> = HashMap::new();
    let mut known_reports = HashMap::new();
    for report in all_reports(&client, &organization).await? {
        let known = Known {
            id: report.id.clone(),
            revision: report.revision,
            withdrawn: report.withdrawn,
            content: Some(report.stored_content.clone()),
        };
        let identifier = &report.stored_content.iati_identifier;
        if !identifier.is_empty() {
            if let Ok(id) = uuid::Uuid::parse_str(&report.id) {
                known_reports.insert(identifier.clone(), id);
            }
            by_identifier.insert(identifier.clone(), known.clone());
        }
        by_id.insert(report.id.clone(), known);
    }
    if !json {
        eprintln!(
            "importing into the node of {organization} ({} of its reports came from IATI){}",
            by_identifier.len(),
            if args.dry_run {
                "; dry run: nothing will change"
            } else {
                ""
            }
        );
    }
    let context = ImportContext {
        members,
        today: Date::from_unix_seconds(now_ms() / 1000),
        known_reports,
    };

    let mut totals = Totals::default();
    for path in &args.files {
        totals.files += 1;
        let file = match std::fs::File::open(path) {
            Ok(file) => file,
            Err(error) => {
                eprintln!("error: cannot open {}: {error}", path.display());
                totals.unreadable_files += 1;
                continue;
            }
        };
        let size = file.metadata().map_or(0, |m| m.len());
        let mut progress = Progress::new(path, size);
        let mut importer =
            Importer::new(BufReader::with_capacity(256 * 1024, file), context.clone());
        let mut in_file = 0usize;
        while let Some(item) = importer.next() {
            let activity = match item {
                Ok(activity) => activity,
                Err(error) => {
                    eprintln!("error: {}: {error}", path.display());
                    totals.unreadable_files += 1;
                    break;
                }
            };
            in_file += 1;
            let decision = decide(&activity, &organization, &by_identifier, &by_id);
            let (action, known, reason, changed) = decision;
            let mut outcome = Outcome {
                file: path.display().to_string(),
                line: activity.line,
                iati_identifier: &activity.iati_identifier,
                action,
                dry_run: args.dry_run,
                report_id: known.as_ref().map(|k| k.id.clone()).unwrap_or_default(),
                revision: known.as_ref().map(|k| k.revision),
                reason,
                changed,
                errors: activity.outcome.as_ref().err().cloned().unwrap_or_default(),
                summary: activity.outcome.as_ref().ok().map(|m| &m.summary),
            };
            if let Ok(mapped) = &activity.outcome
                && matches!(action, Action::Created | Action::Revised)
            {
                let saved = if args.dry_run {
                    Ok(None)
                } else if action == Action::Created {
                    let key = idempotency_key(&organization, &activity.iati_identifier);
                    client
                        .submit(&mapped.draft, Some(&key))
                        .await
                        .map(|saved| Some(saved.report))
                } else {
                    let known = known.as_ref().expect("a revision has its report");
                    client
                        .revise(&known.id, known.revision, &mapped.draft)
                        .await
                        .map(|saved| Some(saved.report))
                };
                match saved {
                    Ok(report) => {
                        let known = Known {
                            id: report
                                .as_ref()
                                .map_or_else(|| outcome.report_id.clone(), |r| r.id.clone()),
                            revision: report.as_ref().map_or(0, |r| r.revision),
                            withdrawn: false,
                            content: Some(mapped.content.clone()),
                        };
                        outcome.report_id = known.id.clone();
                        outcome.revision = report.as_ref().map(|r| r.revision);
                        if let Ok(id) = uuid::Uuid::parse_str(&known.id) {
                            importer
                                .context_mut()
                                .known_reports
                                .insert(activity.iati_identifier.clone(), id);
                        }
                        by_id.insert(known.id.clone(), known.clone());
                        by_identifier.insert(activity.iati_identifier.clone(), known);
                    }
                    Err(error) => {
                        outcome.action = Action::Failed;
                        outcome.reason = format!("the node refused it: {error}");
                    }
                }
            }
            totals.count(outcome.action);
            print_outcome(&outcome, json, &activity)?;
            progress.tick(importer.bytes_read(), in_file);
        }
        progress.done(in_file);
    }

    if json {
        println!("{}", serde_json::json!({ "totals": totals }));
    } else {
        let would = if args.dry_run { "would be " } else { "" };
        println!(
            "{organization}: {} file(s), {} activities: {} {would}created, {} {would}revised, {} unchanged, {} skipped, {} rejected, {} failed{}",
            totals.files,
            totals.activities,
            totals.created,
            totals.revised,
            totals.unchanged,
            totals.skipped,
            totals.rejected,
            totals.failed,
            if totals.unreadable_files > 0 {
                format!(
                    "; {} file(s) could not be read to the end",
                    totals.unreadable_files
                )
            } else {
                String::new()
            }
        );
    }
    let problems = totals.rejected + totals.failed + totals.unreadable_files;
    if problems > 0 {
        anyhow::bail!(
            "{} activities rejected, {} refused by the node, {} file(s) unreadable (see above); {}",
            totals.rejected,
            totals.failed,
            totals.unreadable_files,
            if args.dry_run {
                "dry run: nothing was changed"
            } else {
                "the other activities were imported"
            }
        );
    }
    Ok(())
}

type Decision = (Action, Option<Known>, String, Vec<&'static str>);

/// What to do with one activity at the node of `organization`.
fn decide(
    activity: &ImportedActivity,
    organization: &str,
    by_identifier: &HashMap<String, Known>,
    by_id: &HashMap<String, Known>,
) -> Decision {
    let mapped = match &activity.outcome {
        Err(errors) => {
            return (
                Action::Rejected,
                None,
                format!("{} problem(s)", errors.len()),
                Vec::new(),
            );
        }
        Ok(mapped) => mapped,
    };
    let reporting = &activity.reporting_org;
    if reporting.member.as_deref() != Some(organization) {
        let who = match &reporting.member {
            Some(member) => format!("member {member}"),
            None => "not a member of the working group".into(),
        };
        return (
            Action::Skipped,
            None,
            format!(
                "reporting-org {:?} ({}) is {who}, not {organization}: import it at its own node",
                reporting.reference, reporting.name
            ),
            Vec::new(),
        );
    }
    let known = by_identifier
        .get(&activity.iati_identifier)
        .filter(|_| !activity.iati_identifier.is_empty())
        .or_else(|| {
            activity
                .concord_report_id
                .and_then(|id| by_id.get(&id.to_string()))
        });
    let Some(known) = known else {
        return (Action::Created, None, String::new(), Vec::new());
    };
    if known.withdrawn {
        return (
            Action::Skipped,
            Some(known.clone()),
            format!(
                "report {} made from this activity was withdrawn: a withdrawn report never changes",
                known.id
            ),
            Vec::new(),
        );
    }
    match &known.content {
        Some(content) if *content == mapped.content => (
            Action::Unchanged,
            Some(known.clone()),
            "the report already says all of it".into(),
            Vec::new(),
        ),
        Some(content) => {
            let changed = changed_fields(content, &mapped.content);
            (Action::Revised, Some(known.clone()), String::new(), changed)
        }
        None => (
            Action::Revised,
            Some(known.clone()),
            String::new(),
            Vec::new(),
        ),
    }
}

fn print_outcome(
    outcome: &Outcome<'_>,
    json: bool,
    activity: &ImportedActivity,
) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string(outcome)?);
        return Ok(());
    }
    let identifier = if outcome.iati_identifier.is_empty() {
        "(no iati-identifier)"
    } else {
        outcome.iati_identifier
    };
    let mut line = format!(
        "{:<14} {identifier}  ({} line {})",
        outcome.action.verb(outcome.dry_run),
        outcome.file,
        outcome.line
    );
    if !outcome.report_id.is_empty() {
        line.push_str(&format!("  report {}", outcome.report_id));
        if let Some(revision) = outcome.revision.filter(|r| *r > 0) {
            line.push_str(&format!(" revision {revision}"));
        }
    }
    println!("{line}");
    if !outcome.changed.is_empty() {
        println!("    changed: {}", outcome.changed.join(", "));
    }
    if !outcome.reason.is_empty() && outcome.action != Action::Rejected {
        println!("    {}", outcome.reason);
    }
    for error in &outcome.errors {
        println!("    {error}");
    }
    if let (Ok(mapped), Action::Created | Action::Revised) = (&activity.outcome, outcome.action) {
        println!("    {}", summary_line(&mapped.summary));
    }
    Ok(())
}

/// Where an export goes: standard output, or a file completed by renaming.
enum Sink {
    Stdout(std::io::BufWriter<std::io::Stdout>),
    File {
        writer: std::io::BufWriter<std::fs::File>,
    },
}

impl Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        match self {
            Sink::Stdout(out) => out.write(bytes),
            Sink::File { writer } => writer.write(bytes),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Sink::Stdout(out) => out.flush(),
            Sink::File { writer } => writer.flush(),
        }
    }
}

pub async fn export(args: ExportArgs) -> anyhow::Result<()> {
    if args.include_withdrawn && matches!(args.format, ExportFormat::Iati) {
        anyhow::bail!(
            "--include-withdrawn works with --format csv or jsonl (which mark withdrawals), not iati: an IATI file would present a withdrawn report as a live activity"
        );
    }
    // Every format takes the consolidated view's filters.
    let filters = concord::rpc::client::ViewFilters {
        organizations: args.organizations,
        activity_types: args.activity_types,
        statuses: args.statuses,
        countries: args.countries,
        regions: args.regions,
        themes: args.themes,
        topics: args.topics,
        target_groups: args.target_groups,
        participants: args.participants,
        active_from: args.active_from,
        active_to: args.active_to,
        changed_since: args.updated_since,
        change_kinds: Vec::new(),
        text: args.text,
        include_withdrawn: args.include_withdrawn,
    };
    let streamed = match args.format {
        ExportFormat::Iati => None,
        ExportFormat::Csv => Some(concord::rpc::client::ExportFormat::CsvHxl),
        ExportFormat::Jsonl => Some(concord::rpc::client::ExportFormat::JsonLines),
    };
    if let Some(format) = streamed {
        return super::export_commands::stream(format, filters, args.out.as_deref(), &args.client)
            .await;
    }
    let members = members(args.membership.as_deref())?;
    let client = connect(&args.client).await?;
    let partial = args.out.as_ref().map(|out| {
        let mut name = out.file_name().unwrap_or_default().to_os_string();
        name.push(".partial");
        out.with_file_name(name)
    });
    let sink = match &partial {
        None => Sink::Stdout(std::io::BufWriter::new(std::io::stdout())),
        Some(partial) => Sink::File {
            writer: std::io::BufWriter::new(
                std::fs::File::create(partial)
                    .with_context(|| format!("cannot create {}", partial.display()))?,
            ),
        },
    };
    let result = write_export(&client, filters, sink, members).await;
    match (&partial, &args.out, result) {
        (Some(partial), Some(out), Ok(count)) => {
            std::fs::rename(partial, out)
                .with_context(|| format!("cannot write {}", out.display()))?;
            eprintln!(
                "exported {count} report(s) as IATI 2.03 activities to {}",
                out.display()
            );
            Ok(())
        }
        (_, _, Ok(count)) => {
            eprintln!("exported {count} report(s) as IATI 2.03 activities");
            Ok(())
        }
        (partial, _, Err(error)) => {
            if let Some(partial) = partial {
                let _ = std::fs::remove_file(partial);
            }
            Err(error)
        }
    }
}

/// Writes the reports `filters` select, page by page through the consolidated view's
/// query, as IATI activities.
async fn write_export(
    client: &Client,
    filters: concord::rpc::client::ViewFilters,
    sink: Sink,
    members: MemberDirectory,
) -> anyhow::Result<u64> {
    let mut writer = IatiWriter::new(sink, members, &format_rfc3339(now_ms()));
    let mut request = concord::rpc::client::ViewQueryRequest {
        filters,
        facets: Vec::new(),
        page_size: 1000,
        page_token: None,
    };
    loop {
        let page = client.query(&request).await?;
        for report in &page.reports {
            let id = uuid::Uuid::parse_str(&report.id)
                .with_context(|| format!("the node sent a report id {:?}", report.id))?;
            writer.write_report(&ExportedReport {
                id,
                organization: &report.organization,
                revision: report.revision,
                content: &report.stored_content,
            })?;
        }
        if page.next_page_token.is_empty() {
            break;
        }
        request.page_token = Some(page.next_page_token);
    }
    let count = writer.activities();
    writer.finish()?;
    Ok(count)
}
