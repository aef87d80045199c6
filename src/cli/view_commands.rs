//! The consolidated view from the command line: `concord query` (ranked, with facets),
//! `concord matrix` (who does what where, with the gaps), `concord freshness` (when each
//! member last posted) and `concord calendar` (upcoming events by place and week, clashes
//! marked). Every call goes through the typed client; bad values are reported with the flag
//! that carried them.

use std::collections::BTreeMap;

use clap::{Args, ValueEnum};

use concord::rpc::client::{
    ClientError, Dimension, FreshnessState, Matrix, RemoteCalendarEvent, RemoteMemberFreshness,
    RemoteViewPage, ViewFilters, ViewQueryRequest, format_rfc3339,
};

use super::client_commands::connect;
use super::output::{table_header, table_row};
use super::{ClientOptions, OutputFormat};

/// How a report changed since `--changed-since`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeArg {
    /// Created since then.
    Created,
    /// Its content revised since then.
    Revised,
    /// Withdrawn since then.
    Withdrawn,
}

impl ChangeArg {
    fn name(self) -> &'static str {
        match self {
            ChangeArg::Created => "CREATED",
            ChangeArg::Revised => "REVISED",
            ChangeArg::Withdrawn => "WITHDRAWN",
        }
    }
}

/// A dimension of facets and matrices, as typed on the command line.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DimensionArg {
    /// The authoring organization.
    #[value(alias = "org")]
    Organization,
    /// The activity type.
    #[value(alias = "activity-type")]
    Type,
    /// The status.
    Status,
    /// The country (alpha-2).
    Country,
    /// The theme, VOCABULARY:code (see --vocabulary).
    Theme,
    /// The shared topic of the crosswalk (any vocabulary, and the title's words).
    Topic,
    /// The target group.
    TargetGroup,
    /// Each calendar year the activity is active in.
    Year,
}

impl DimensionArg {
    fn dimension(self) -> Dimension {
        match self {
            DimensionArg::Organization => Dimension::Organization,
            DimensionArg::Type => Dimension::ActivityType,
            DimensionArg::Status => Dimension::Status,
            DimensionArg::Country => Dimension::Country,
            DimensionArg::Theme => Dimension::Theme,
            DimensionArg::Topic => Dimension::Topic,
            DimensionArg::TargetGroup => Dimension::TargetGroup,
            DimensionArg::Year => Dimension::Year,
        }
    }
}

fn dimension_label(dimension: Dimension) -> &'static str {
    match dimension {
        Dimension::Organization => "organization",
        Dimension::ActivityType => "activity type",
        Dimension::Status => "status",
        Dimension::Country => "country",
        Dimension::Theme => "theme",
        Dimension::Topic => "topic",
        Dimension::TargetGroup => "target group",
        Dimension::Year => "year",
    }
}

/// The filters of the consolidated view (shared by query, matrix and calendar).
#[derive(Args, Debug, Clone)]
pub struct ViewFilterArgs {
    /// Authoring organization (repeatable).
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
    /// Region: a UN M49 code such as 035, or ESCAP (repeatable); matches its countries too.
    #[arg(long = "region")]
    regions: Vec<String>,
    /// Theme as VOCABULARY:CODE, e.g. GCM:10 or SDG:16.2 (repeatable).
    #[arg(long = "theme")]
    themes: Vec<String>,
    /// Shared topic in any vocabulary, e.g. trafficking or remittances (repeatable).
    #[arg(long = "topic")]
    topics: Vec<String>,
    /// Target group, e.g. MIGRANT_WORKERS (repeatable).
    #[arg(long = "target-group")]
    target_groups: Vec<String>,
    /// Participating organization by code, name or alias (repeatable).
    #[arg(long = "participant")]
    participants: Vec<String>,
    /// Active on or after this date (YYYY-MM-DD; intervals overlapping count).
    #[arg(long)]
    active_from: Option<String>,
    /// Active on or before this date (YYYY-MM-DD).
    #[arg(long)]
    active_to: Option<String>,
    /// Changed at or after this time (YYYY-MM-DD or RFC 3339).
    #[arg(long, visible_alias = "updated-since")]
    changed_since: Option<String>,
    /// How they changed since --changed-since (repeatable; default: any).
    #[arg(long = "change", value_enum)]
    changes: Vec<ChangeArg>,
    /// Free text over titles and summaries; reports with the most words rank first.
    #[arg(long)]
    text: Option<String>,
    /// Include withdrawn reports (implied by --change withdrawn).
    #[arg(long)]
    include_withdrawn: bool,
}

impl ViewFilterArgs {
    fn filters(&self) -> ViewFilters {
        ViewFilters {
            organizations: self.organizations.clone(),
            activity_types: self.activity_types.clone(),
            statuses: self.statuses.clone(),
            countries: self.countries.clone(),
            regions: self.regions.clone(),
            themes: self.themes.clone(),
            topics: self.topics.clone(),
            target_groups: self.target_groups.clone(),
            participants: self.participants.clone(),
            active_from: self.active_from.clone(),
            active_to: self.active_to.clone(),
            changed_since: self.changed_since.clone(),
            change_kinds: self.changes.iter().map(|c| c.name().to_string()).collect(),
            text: self.text.clone(),
            include_withdrawn: self.include_withdrawn,
        }
    }
}

/// `concord query`.
#[derive(Args, Debug)]
pub struct QueryArgs {
    #[command(flatten)]
    filters: ViewFilterArgs,
    /// Count matches per value of this dimension (repeatable; default: organization, type,
    /// country, topic).
    #[arg(long = "facet", value_enum)]
    facets: Vec<DimensionArg>,
    /// Reports per page (1-1000; default 50).
    #[arg(long, default_value_t = 0)]
    page_size: u32,
    /// Continue from a previous page (same filters).
    #[arg(long)]
    page_token: Option<String>,
    /// Fetch every page.
    #[arg(long)]
    all: bool,
    #[command(flatten)]
    client: ClientOptions,
}

/// `concord matrix`.
#[derive(Args, Debug)]
pub struct MatrixArgs {
    /// What the rows are.
    #[arg(long, value_enum)]
    rows: DimensionArg,
    /// What the columns are.
    #[arg(long = "cols", visible_alias = "columns", value_enum)]
    columns: DimensionArg,
    /// Only this vocabulary's themes (GCM, SDG, DAC, RTWG) for a theme dimension.
    #[arg(long)]
    vocabulary: Option<String>,
    /// First day of the period (activities overlapping it count); same as --active-from.
    #[arg(long)]
    from: Option<String>,
    /// Last day of the period; same as --active-to.
    #[arg(long)]
    to: Option<String>,
    #[command(flatten)]
    filters: ViewFilterArgs,
    #[command(flatten)]
    client: ClientOptions,
}

/// `concord freshness`.
#[derive(Args, Debug)]
pub struct FreshnessArgs {
    /// A member that posted within this many days is fresh (default 30).
    #[arg(long, default_value_t = 0)]
    fresh_days: u32,
    /// Beyond this many days it is overdue, in between due (default 90).
    #[arg(long, default_value_t = 0)]
    overdue_days: u32,
    #[command(flatten)]
    client: ClientOptions,
}

/// `concord calendar`.
#[derive(Args, Debug)]
pub struct CalendarArgs {
    /// First day (YYYY-MM-DD; default: today at the node).
    #[arg(long)]
    from: Option<String>,
    /// Days ahead (default 90).
    #[arg(long, default_value_t = 0)]
    days: u32,
    #[command(flatten)]
    filters: ViewFilterArgs,
    #[command(flatten)]
    client: ClientOptions,
}

/// The command-line flag behind a field the node (or the client) named, with the value
/// given when the field is one of a list (`filter.countries[1]` → `--country`, 2nd value).
fn flag_of(field: &str) -> Option<(&'static str, Option<usize>)> {
    let (name, index) = match field.split_once('[') {
        Some((name, rest)) => (name, rest.trim_end_matches(']').parse::<usize>().ok()),
        None => (field, None),
    };
    let flag = match name {
        "filter.organizations" => "--org",
        "filter.activity_types" => "--type",
        "filter.statuses" => "--status",
        "filter.countries" => "--country",
        "filter.regions" => "--region",
        "filter.themes" => "--theme",
        "filter.topics" => "--topic",
        "filter.target_groups" => "--target-group",
        "filter.participants" => "--participant",
        "filter.active_from" => "--active-from",
        "filter.active_to" => "--active-to",
        "filter.changed_since" => "--changed-since",
        "filter.change_kinds" => "--change",
        "filter.text" => "--text",
        "page_size" => "--page-size",
        "page_token" => "--page-token",
        "theme_vocabulary" => "--vocabulary",
        "from" => "--from",
        "days" => "--days",
        "fresh_days" => "--fresh-days",
        "overdue_days" => "--overdue-days",
        _ => return None,
    };
    Some((flag, index))
}

/// The value given for `flag` (the `index`-th when repeated).
fn value_of(filters: &ViewFilters, flag: &str, index: Option<usize>) -> Option<String> {
    let list = |values: &[String]| index.and_then(|i| values.get(i).cloned());
    match flag {
        "--org" => list(&filters.organizations),
        "--type" => list(&filters.activity_types),
        "--status" => list(&filters.statuses),
        "--country" => list(&filters.countries),
        "--region" => list(&filters.regions),
        "--theme" => list(&filters.themes),
        "--topic" => list(&filters.topics),
        "--target-group" => list(&filters.target_groups),
        "--participant" => list(&filters.participants),
        "--change" => list(&filters.change_kinds),
        "--active-from" => filters.active_from.clone(),
        "--active-to" => filters.active_to.clone(),
        "--changed-since" => filters.changed_since.clone(),
        _ => None,
    }
}

/// A call error, each bad field named by the flag that carried it.
fn flag_error(error: ClientError, filters: &ViewFilters) -> anyhow::Error {
    if error.violations.is_empty() {
        return error.into();
    }
    let mut text = format!("{}: {}", error.code_name(), error.message);
    for violation in &error.violations {
        match flag_of(&violation.field) {
            Some((flag, index)) => {
                let value = value_of(filters, flag, index)
                    .map(|v| format!(" {v:?}"))
                    .unwrap_or_default();
                text.push_str(&format!(
                    "\n  {flag}{value} ({}): {}",
                    violation.field, violation.description
                ));
            }
            None => text.push_str(&format!(
                "\n  {}: {}",
                violation.field, violation.description
            )),
        }
    }
    anyhow::anyhow!(text)
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn print_facets(page: &RemoteViewPage) {
    const SHOWN: usize = 12;
    for facet in &page.facets {
        let mut line = format!("by {}:", dimension_label(facet.dimension));
        if facet.values.is_empty() {
            line.push_str(" -");
        }
        for value in facet.values.iter().take(SHOWN) {
            line.push_str(&format!(" {} {} ·", value.value, thousands(value.count)));
        }
        let line = line.trim_end_matches(" ·").to_string();
        match facet.values.len().checked_sub(SHOWN) {
            Some(more) if more > 0 => println!("{line}  (+{more} more)"),
            _ => println!("{line}"),
        }
    }
}

pub async fn query(args: QueryArgs) -> anyhow::Result<()> {
    let filters = args.filters.filters();
    let client = connect(&args.client).await?;
    let mut request = ViewQueryRequest {
        filters: filters.clone(),
        facets: args.facets.iter().map(|f| f.dimension()).collect(),
        page_size: args.page_size,
        page_token: args.page_token.clone(),
    };
    let first = client
        .query(&request)
        .await
        .map_err(|e| flag_error(e, &filters))?;
    let mut reports = first.reports.clone();
    let mut next = first.next_page_token.clone();
    if args.all {
        while !next.is_empty() {
            request.page_token = Some(next);
            let page = client
                .query(&request)
                .await
                .map_err(|e| flag_error(e, &filters))?;
            reports.extend(page.reports);
            next = page.next_page_token;
        }
    }
    if args.client.output == OutputFormat::Json {
        let all = RemoteViewPage {
            reports,
            next_page_token: next,
            ..first
        };
        println!("{}", serde_json::to_string_pretty(&all)?);
        return Ok(());
    }
    println!("{}", table_header());
    for report in &reports {
        println!("{}", table_row(report));
    }
    println!();
    if filters
        .text
        .as_deref()
        .is_some_and(|t| !t.trim().is_empty())
    {
        println!(
            "{} reports match, ranked: most of the words first, then rarer words and words in titles",
            thousands(first.total)
        );
    } else {
        println!("{} reports match, newest first", thousands(first.total));
    }
    print_facets(&first);
    if !next.is_empty() {
        eprintln!("more: repeat with --page-token {next} (or use --all)");
    }
    Ok(())
}

pub async fn matrix(args: MatrixArgs) -> anyhow::Result<()> {
    let mut filters = args.filters.filters();
    for (period, active, flags) in [
        (
            &args.from,
            &mut filters.active_from,
            "--from and --active-from",
        ),
        (&args.to, &mut filters.active_to, "--to and --active-to"),
    ] {
        if let Some(date) = period {
            if active.is_some() {
                anyhow::bail!("{flags} say the same thing: give only one");
            }
            *active = Some(date.clone());
        }
    }
    let (rows, columns) = (args.rows.dimension(), args.columns.dimension());
    let client = connect(&args.client).await?;
    let matrix = client
        .matrix(rows, columns, &filters, args.vocabulary.as_deref())
        .await
        .map_err(|e| flag_error(e, &filters))?;
    if args.client.output == OutputFormat::Json {
        println!("{}", serde_json::to_string_pretty(&matrix)?);
        return Ok(());
    }
    print_matrix(&matrix, rows, columns);
    Ok(())
}

/// Orders names with numbers as people do: "GCM:2" before "GCM:10".
fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    fn runs(text: &str) -> Vec<&str> {
        let mut runs = Vec::new();
        let mut start = 0;
        for (i, c) in text.char_indices().skip(1) {
            let previous = text[..i].chars().next_back().unwrap_or(c);
            if previous.is_ascii_digit() != c.is_ascii_digit() {
                runs.push(&text[start..i]);
                start = i;
            }
        }
        runs.push(&text[start..]);
        runs
    }
    let (ra, rb) = (runs(a), runs(b));
    for (x, y) in ra.iter().zip(&rb) {
        let order =
            if x.bytes().all(|c| c.is_ascii_digit()) && y.bytes().all(|c| c.is_ascii_digit()) {
                let (x, y) = (x.trim_start_matches('0'), y.trim_start_matches('0'));
                x.len().cmp(&y.len()).then(x.cmp(y))
            } else {
                x.cmp(y)
            };
        if order.is_ne() {
            return order;
        }
    }
    ra.len().cmp(&rb.len()).then(a.cmp(b))
}

fn print_matrix(matrix: &Matrix, rows: Dimension, columns: Dimension) {
    let mut ordered = matrix.clone();
    ordered.rows.sort_by(|a, b| natural_cmp(a, b));
    ordered.columns.sort_by(|a, b| natural_cmp(a, b));
    ordered
        .gaps
        .sort_by(|a, b| natural_cmp(&a.row, &b.row).then(natural_cmp(&a.column, &b.column)));
    let matrix = &ordered;
    let counts: BTreeMap<(&str, &str), u64> = matrix
        .cells
        .iter()
        .map(|c| ((c.row.as_str(), c.column.as_str()), c.count))
        .collect();
    let corner = format!("{} \\ {}", dimension_label(rows), dimension_label(columns));
    let row_width = matrix
        .rows
        .iter()
        .map(|r| r.chars().count())
        .chain([corner.chars().count()])
        .max()
        .unwrap_or(0);
    let count_width = |column: &str| {
        matrix
            .cells
            .iter()
            .filter(|c| c.column == column)
            .map(|c| c.count.to_string().len())
            .max()
            .unwrap_or(1)
    };
    // Full column names when they fit a wide terminal, else numbers and a legend.
    let full_width: usize = matrix
        .columns
        .iter()
        .map(|c| c.chars().count().max(count_width(c)) + 1)
        .sum();
    let numbered = row_width + full_width > 200;
    let labels: Vec<String> = matrix
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if numbered {
                format!("{}", i + 1)
            } else {
                c.clone()
            }
        })
        .collect();
    let widths: Vec<usize> = matrix
        .columns
        .iter()
        .zip(&labels)
        .map(|(c, l)| l.chars().count().max(count_width(c)))
        .collect();
    let mut header = format!("{corner:<row_width$}");
    for (label, width) in labels.iter().zip(&widths) {
        header.push_str(&format!(" {label:>width$}"));
    }
    println!("{header}");
    for row in &matrix.rows {
        let mut line = format!("{row:<row_width$}");
        for (column, width) in matrix.columns.iter().zip(&widths) {
            let cell = match counts.get(&(row.as_str(), column.as_str())) {
                Some(count) => count.to_string(),
                None => ".".to_string(),
            };
            line.push_str(&format!(" {cell:>width$}"));
        }
        println!("{line}");
    }
    if numbered {
        println!();
        println!("columns:");
        for (i, column) in matrix.columns.iter().enumerate() {
            println!("  {:>3} {column}", i + 1);
        }
    }
    let reports_in_cells: u64 = matrix.cells.iter().map(|c| c.count).sum();
    println!();
    println!(
        "{} non-empty cells ({} report-cell pairs; cells name their organizations with -o json)",
        matrix.cells.len(),
        thousands(reports_in_cells)
    );
    if matrix.gaps.is_empty() {
        println!(
            "gaps: none listed (gaps are the empty cells of the group's countries, members, topics, \
             a vocabulary's themes, types, statuses or target groups)"
        );
        return;
    }
    println!(
        "GAPS: {} empty cells, by {}:",
        matrix.gaps.len(),
        dimension_label(rows)
    );
    let mut by_row: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for gap in &matrix.gaps {
        by_row.entry(&gap.row).or_default().push(&gap.column);
    }
    for row in &matrix.rows {
        if let Some(columns) = by_row.get(row.as_str()) {
            if columns.len() == matrix.columns.len() {
                println!("  {row}: nothing at all");
            } else {
                println!("  {row}: {}", columns.join(", "));
            }
        }
    }
}

fn days_ago(ms: Option<i64>, now_ms: i64) -> String {
    match ms {
        None => "-".to_string(),
        Some(ms) => {
            let days = (now_ms - ms).div_euclid(86_400_000);
            let when = format_rfc3339(ms);
            let date = when.split('T').next().unwrap_or_default().to_string();
            match days {
                d if d < 0 => format!("{date} (in the future)"),
                0 => format!("{date} (today)"),
                1 => format!("{date} (1 day ago)"),
                d => format!("{date} ({d} days ago)"),
            }
        }
    }
}

pub async fn freshness(args: FreshnessArgs) -> anyhow::Result<()> {
    let client = connect(&args.client).await?;
    let members = client
        .freshness(args.fresh_days, args.overdue_days)
        .await
        .map_err(|e| flag_error(e, &ViewFilters::default()))?;
    if args.client.output == OutputFormat::Json {
        println!("{}", serde_json::to_string_pretty(&members)?);
        return Ok(());
    }
    print_freshness(&members, args.fresh_days, args.overdue_days);
    Ok(())
}

fn print_freshness(members: &[RemoteMemberFreshness], fresh_days: u32, overdue_days: u32) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    println!(
        "{:<12} {:<9} {:<28} {:<28} {:>8} {:>6}",
        "MEMBER", "STATE", "LAST POSTED", "LAST RECEIVED HERE", "REPORTS", "LAG"
    );
    for member in members {
        let state = match member.state {
            FreshnessState::Fresh => "fresh",
            FreshnessState::Due => "due",
            FreshnessState::Overdue => "OVERDUE",
            FreshnessState::Silent => "SILENT",
        };
        println!(
            "{:<12} {:<9} {:<28} {:<28} {:>8} {:>6}",
            truncate(&member.organization, 12),
            state,
            days_ago(member.last_posted_ms, now),
            days_ago(member.last_received_ms, now),
            thousands(member.reports),
            member.lag_entries
        );
    }
    let days = |value: u32, default: &str| {
        if value == 0 {
            default.to_string()
        } else {
            value.to_string()
        }
    };
    println!();
    println!(
        "fresh: posted within {} days; due: within {} days; OVERDUE: longer ago; SILENT: never",
        days(fresh_days, "30"),
        days(overdue_days, "90")
    );
}

pub async fn calendar(args: CalendarArgs) -> anyhow::Result<()> {
    let filters = args.filters.filters();
    let client = connect(&args.client).await?;
    let events = client
        .calendar(args.from.as_deref(), args.days, &filters)
        .await
        .map_err(|e| flag_error(e, &filters))?;
    if args.client.output == OutputFormat::Json {
        println!("{}", serde_json::to_string_pretty(&events)?);
        return Ok(());
    }
    print_calendar(&events);
    Ok(())
}

fn print_calendar(events: &[RemoteCalendarEvent]) {
    if events.is_empty() {
        println!("no events in this period");
        return;
    }
    // By place (events without a city by their countries), then start.
    let place = |e: &RemoteCalendarEvent| {
        (
            e.location.to_lowercase(),
            if e.location.is_empty() {
                e.report.content.countries.join(", ")
            } else {
                String::new()
            },
        )
    };
    let mut sorted: Vec<&RemoteCalendarEvent> = events.iter().collect();
    sorted.sort_by(|a, b| place(a).cmp(&place(b)).then(a.start.cmp(&b.start)));
    let by_id: BTreeMap<&str, &RemoteCalendarEvent> =
        events.iter().map(|e| (e.report.id.as_str(), e)).collect();
    let mut current: Option<(String, String)> = None;
    let mut week: Option<&str> = None;
    let mut clashing = 0;
    for event in sorted {
        if current.as_ref() != Some(&place(event)) {
            println!();
            if event.location.is_empty() {
                println!(
                    "(no city given: {})",
                    if event.report.content.countries.is_empty() {
                        "-".to_string()
                    } else {
                        event.report.content.countries.join(", ")
                    }
                );
            } else {
                println!("{}", event.location);
            }
            current = Some(place(event));
            week = None;
        }
        if week != Some(event.week.as_str()) {
            println!("  {}", event.week);
            week = Some(&event.week);
        }
        let when = if event.end == event.start {
            event.start.clone()
        } else {
            format!("{}..{}", event.start, event.end)
        };
        println!(
            "    {when:<22} {:<16} {:<10} {}",
            truncate(&event.report.content.activity_type, 16),
            truncate(&event.report.organization, 10),
            truncate(&event.report.title(), 70)
        );
        if !event.clashes_with.is_empty() {
            clashing += 1;
            for other in &event.clashes_with {
                let described = match by_id.get(other.as_str()) {
                    Some(o) => format!(
                        "{} {:?} ({})",
                        o.report.organization,
                        truncate(&o.report.title(), 60),
                        o.start
                    ),
                    None => other.clone(),
                };
                println!("      !! CLASH with {described}");
            }
            println!("         sharing {}", event.shared_topics.join(", "));
        }
    }
    println!();
    println!(
        "{} events; {} of them CLASH with another event in the same place within 30 days on a shared topic",
        events.len(),
        clashing
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_named_by_their_flags() {
        assert_eq!(flag_of("filter.countries[1]"), Some(("--country", Some(1))));
        assert_eq!(flag_of("filter.active_to"), Some(("--active-to", None)));
        assert_eq!(flag_of("theme_vocabulary"), Some(("--vocabulary", None)));
        assert_eq!(flag_of("something.else"), None);
        let filters = ViewFilters {
            countries: vec!["TH".into(), "XX".into()],
            ..ViewFilters::default()
        };
        assert_eq!(
            value_of(&filters, "--country", Some(1)).as_deref(),
            Some("XX")
        );
    }

    #[test]
    fn numbers_in_names_sort_as_numbers() {
        let mut names = vec![
            "GCM:10", "GCM:2", "GCM:1", "SDG:10.c", "SDG:10.7", "2012", "2010",
        ];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            names,
            [
                "2010", "2012", "GCM:1", "GCM:2", "GCM:10", "SDG:10.7", "SDG:10.c"
            ]
        );
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
