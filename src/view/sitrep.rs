//! The situation report: one self-contained HTML page for the co-chairs, rendered without
//! IO from data the caller fetched (the `concord report` command asks a node's `View`
//! service).
//!
//! The page holds, in order: key figures; the country x topic matrix as a heatmap (cell
//! colour by report count, the organizations in each cell's tooltip, the busiest cells
//! listed with their organizations so a printout names them too); the overlaps to review
//! (pairs, kind, score, reasons, review state); the gaps (empty cells of the group's
//! region x topics, per topic); the calendar of upcoming events with clashes highlighted;
//! what changed since the report's start date per organization; and each member's
//! freshness.
//!
//! Self-contained and safe: inline CSS only, no script, no external resource (a
//! Content-Security-Policy forbids any), readable offline, and printable (`@media print`,
//! landscape pages, colours kept). Every text that comes from data is HTML-escaped
//! ([`escape`]), in element content and in attributes alike, so a report title cannot
//! inject markup.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use crate::report::vocabulary;

/// Everything the page shows. Texts are plain text (escaped when rendered).
#[derive(Debug, Clone, Default)]
pub struct SituationReport {
    /// Heading of the page ("Situation report").
    pub title: String,
    /// The working group's name (may be empty).
    pub group: String,
    /// The organization whose node answered (its replica is what the page shows).
    pub node: String,
    /// When the data was fetched (RFC 3339).
    pub generated_at: String,
    /// Start of the period (YYYY-MM-DD): changes since then, activities active since then.
    pub since: String,
    /// End of the period, if bounded.
    pub until: Option<String>,
    /// Reports active in the period, per organization (most first).
    pub active_reports: Vec<(String, u64)>,
    /// Total reports active in the period.
    pub active_total: u64,
    /// Countries x topics over the reports active in the period.
    pub matrix: Heatmap,
    /// The overlap inbox: pairs across organizations, ranked.
    pub overlaps: Vec<FlaggedPair>,
    /// Pairs within one organization.
    pub self_duplicates: Vec<FlaggedPair>,
    /// Pairs the reports declare joint or co-funded (not flagged).
    pub declared_joint: usize,
    /// First day of the calendar (YYYY-MM-DD).
    pub calendar_from: String,
    /// Days the calendar covers.
    pub calendar_days: u32,
    /// Upcoming events, by place then start.
    pub events: Vec<UpcomingEvent>,
    /// What changed since `since`.
    pub changes: Vec<ChangeItem>,
    /// Each member's freshness.
    pub freshness: Vec<MemberFreshness>,
}

/// A rows x columns matrix of report counts.
#[derive(Debug, Clone, Default)]
pub struct Heatmap {
    /// Row values (country codes).
    pub rows: Vec<String>,
    /// Column values (topic codes).
    pub columns: Vec<String>,
    /// Non-empty cells.
    pub cells: Vec<HeatmapCell>,
    /// Empty cells of the group's region x topics: (row, column).
    pub gaps: Vec<(String, String)>,
}

/// One non-empty cell.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeatmapCell {
    /// Row value.
    pub row: String,
    /// Column value.
    pub column: String,
    /// Reports counted.
    pub count: u64,
    /// Their organizations.
    pub organizations: Vec<String>,
}

/// One report of a pair.
#[derive(Debug, Clone, Default)]
pub struct PairSide {
    /// Report id.
    pub id: String,
    /// Its organization.
    pub organization: String,
    /// Its title.
    pub title: String,
}

/// A flagged pair of the overlap inbox.
#[derive(Debug, Clone, Default)]
pub struct FlaggedPair {
    /// PROBABLE_DUPLICATE, POTENTIAL_OVERLAP or SELF_DUPLICATE.
    pub kind: String,
    /// In [0, 1].
    pub score: f64,
    /// One report.
    pub first: PairSide,
    /// The other.
    pub second: PairSide,
    /// Why, strongest first.
    pub reasons: Vec<String>,
    /// OPEN, DECIDED or REOPENED.
    pub review_state: String,
    /// The latest decision (CONFIRMED, DISMISSED, JOINT), if any.
    pub decision: String,
    /// Which co-chair decided.
    pub decided_by: String,
    /// Their note.
    pub note: String,
}

/// An upcoming event.
#[derive(Debug, Clone, Default)]
pub struct UpcomingEvent {
    /// Report id.
    pub id: String,
    /// Organization.
    pub organization: String,
    /// Title.
    pub title: String,
    /// Activity type name.
    pub activity_type: String,
    /// First day (YYYY-MM-DD).
    pub start: String,
    /// Last day.
    pub end: String,
    /// City or venue.
    pub location: String,
    /// ISO week of the start.
    pub week: String,
    /// Ids of events it clashes with (same place, near in time, a shared topic).
    pub clashes_with: Vec<String>,
    /// What they share.
    pub shared_topics: Vec<String>,
}

/// How a report changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChangeKind {
    /// Created in the period.
    Created,
    /// Revised in the period.
    Revised,
    /// Withdrawn in the period.
    Withdrawn,
}

impl ChangeKind {
    fn label(self) -> &'static str {
        match self {
            ChangeKind::Created => "created",
            ChangeKind::Revised => "revised",
            ChangeKind::Withdrawn => "withdrawn",
        }
    }
}

/// One report that changed in the period.
#[derive(Debug, Clone)]
pub struct ChangeItem {
    /// How.
    pub kind: ChangeKind,
    /// Organization.
    pub organization: String,
    /// Report id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Revision now.
    pub revision: u64,
    /// When (RFC 3339).
    pub at: String,
}

/// A member's freshness.
#[derive(Debug, Clone, Default)]
pub struct MemberFreshness {
    /// Member code.
    pub organization: String,
    /// FRESH, DUE, OVERDUE or SILENT.
    pub state: String,
    /// Newest entry of its log (author's clock, RFC 3339), empty when none.
    pub last_posted: String,
    /// When this node last received from it (RFC 3339), empty when never.
    pub last_received: String,
    /// Reports held.
    pub reports: u64,
    /// Entries this node is behind.
    pub lag_entries: u64,
}

/// Most changed reports listed per organization and kind (the counts are always whole).
pub const MAX_CHANGES_LISTED: usize = 25;
/// Most pairs listed in the overlaps section.
pub const MAX_PAIRS_LISTED: usize = 300;
/// Busiest heatmap cells listed with their organizations.
pub const BUSIEST_CELLS: usize = 12;

/// Escapes text for HTML element content and double- or single-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than tab and line ends have no place in a page.
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
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

fn plural(n: usize, one: &str, many: &str) -> String {
    format!(
        "{} {}",
        thousands(n as u64),
        if n == 1 { one } else { many }
    )
}

fn topic_label(code: &str) -> &str {
    crate::view::crosswalk::Concept::ALL
        .iter()
        .find(|c| c.code() == code)
        .map_or(code, |c| c.label())
}

fn country_name(code: &str) -> &str {
    vocabulary::country(code).map_or(code, |c| c.name)
}

/// The heatmap level (1..=5) of `count` when the busiest cell holds `max`: logarithmic, so
/// a few very busy cells do not wash out the rest.
fn level(count: u64, max: u64) -> u8 {
    if count == 0 {
        return 0;
    }
    if max <= 1 {
        return 5;
    }
    let ratio = (count as f64).ln() / (max as f64).ln();
    (1 + (ratio * 4.0).round() as u8).min(5)
}

const STYLE: &str = r#"
:root { --ink: #1f2933; --muted: #616e7c; --line: #d9dee3; --accent: #0b5394; }
* { box-sizing: border-box; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font: 14px/1.45 "Segoe UI", "Noto Sans", "DejaVu Sans", Arial, sans-serif; color: var(--ink); margin: 0; padding: 24px 32px 48px; max-width: 1400px; }
header { border-bottom: 3px solid var(--accent); padding-bottom: 12px; margin-bottom: 16px; }
header h1 { margin: 0 0 4px; font-size: 26px; color: var(--accent); }
header p { margin: 2px 0; color: var(--muted); }
nav { margin: 12px 0 20px; font-size: 13px; }
nav a { color: var(--accent); margin-right: 14px; text-decoration: none; }
section { margin: 28px 0; }
h2 { font-size: 19px; border-bottom: 1px solid var(--line); padding-bottom: 4px; margin: 0 0 10px; color: var(--accent); }
h3 { font-size: 15px; margin: 16px 0 6px; }
p.note { color: var(--muted); font-size: 12.5px; margin: 4px 0 10px; }
table { border-collapse: collapse; }
table.list { width: 100%; font-size: 13px; }
table.list th, table.list td { border-bottom: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
table.list th { background: #f1f4f7; font-weight: 600; }
table.list .num, td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.list .when { white-space: nowrap; }
.figures { display: flex; flex-wrap: wrap; gap: 10px; }
.figure { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 150px; }
.figure b { display: block; font-size: 22px; color: var(--accent); }
.figure span { color: var(--muted); font-size: 12px; }
table.heatmap { font-size: 10px; table-layout: fixed; }
table.heatmap th.col { height: 150px; width: 21px; padding: 0 0 4px; vertical-align: bottom; font-weight: 500; }
table.heatmap th.col div { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap; margin: 0 auto; }
table.heatmap th.row { text-align: left; white-space: nowrap; padding: 0 8px 0 0; font-weight: 500; max-width: 190px; overflow: hidden; text-overflow: ellipsis; }
table.heatmap td { width: 21px; height: 17px; text-align: center; border: 1px solid #fff; padding: 0; }
.gap { background: #f3f3f3; }
.l1 { background: #deebf7; } .l2 { background: #9ecae1; } .l3 { background: #6baed6; }
.l4 { background: #3182bd; color: #fff; } .l5 { background: #08519c; color: #fff; }
.legend { display: flex; gap: 4px; align-items: center; font-size: 12px; color: var(--muted); margin: 8px 0; flex-wrap: wrap; }
.legend i { display: inline-block; width: 28px; height: 14px; border: 1px solid var(--line); }
.badge { display: inline-block; padding: 1px 7px; border-radius: 10px; font-size: 11.5px; font-weight: 600; white-space: nowrap; }
.k-probable-duplicate { background: #fde0dc; color: #9b1c1c; }
.k-potential-overlap { background: #fff1c2; color: #7a5300; }
.k-self-duplicate { background: #e8e2f7; color: #4b2c91; }
.s-open { background: #e1effe; color: #1e429f; } .s-reopened { background: #fde8d7; color: #8a3c00; } .s-decided { background: #def7ec; color: #03543f; }
.f-fresh { background: #def7ec; color: #03543f; } .f-due { background: #fff1c2; color: #7a5300; }
.f-overdue { background: #fde0dc; color: #9b1c1c; } .f-silent { background: #eceff1; color: #52606d; }
ul.reasons { margin: 0; padding-left: 16px; color: var(--muted); font-size: 12px; }
tr.clash td { background: #fff4e5; }
tr.place th { background: #e9eef3; text-align: left; padding: 6px 8px; }
.clash-note { color: #8a3c00; font-size: 12px; font-weight: 600; }
.codes { font-family: "DejaVu Sans Mono", Consolas, monospace; font-size: 12px; }
.id { font-family: "DejaVu Sans Mono", Consolas, monospace; font-size: 10.5px; color: var(--muted); }
.empty { color: var(--muted); font-style: italic; }
footer { margin-top: 36px; border-top: 1px solid var(--line); padding-top: 8px; color: var(--muted); font-size: 12px; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { padding: 0; font-size: 11px; max-width: none; }
  nav { display: none; }
  section { margin: 14px 0; }
  h2 { break-after: avoid; }
  tr, .figure, li { break-inside: avoid; }
  table.heatmap { font-size: 8px; }
  table.heatmap th.col, table.heatmap td { width: 15px; }
  table.heatmap td { height: 12px; }
  #calendar, #changes { break-before: page; }
}
"#;

/// Renders the whole page.
pub fn render(report: &SituationReport) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let title = if report.title.trim().is_empty() {
        "Situation report"
    } else {
        report.title.trim()
    };
    let period = match &report.until {
        Some(until) => format!("{} to {}", report.since, until),
        None => format!("since {}", report.since),
    };
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n",
    );
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(out, "<title>{} {}</title>", escape(title), escape(&period));
    let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>");
    out.push_str("<header>\n");
    let _ = writeln!(out, "<h1>{}</h1>", escape(title));
    if !report.group.trim().is_empty() {
        let _ = writeln!(out, "<p>{}</p>", escape(&report.group));
    }
    let _ = writeln!(
        out,
        "<p>Period: <b>{}</b> &middot; from the replica at {}&#39;s node &middot; generated {}</p>",
        escape(&period),
        escape(&report.node),
        escape(&report.generated_at)
    );
    out.push_str("</header>\n");
    out.push_str(
        "<nav><a href=\"#summary\">Summary</a><a href=\"#matrix\">Who works where</a><a href=\"#overlaps\">Overlaps</a><a href=\"#gaps\">Gaps</a><a href=\"#calendar\">Calendar</a><a href=\"#changes\">What changed</a><a href=\"#freshness\">Freshness</a></nav>\n",
    );
    summary(&mut out, report);
    heatmap(&mut out, report);
    overlaps(&mut out, report);
    gaps(&mut out, report);
    calendar(&mut out, report);
    changes(&mut out, report);
    freshness(&mut out, report);
    let _ = writeln!(
        out,
        "<footer>Concord situation report &middot; {} &middot; every figure comes from the reports the members posted and this node holds; a member&#39;s freshness says how current its part is.</footer>",
        escape(&report.generated_at)
    );
    out.push_str("</body>\n</html>\n");
    out
}

fn summary(out: &mut String, report: &SituationReport) {
    let probable = report
        .overlaps
        .iter()
        .filter(|p| p.kind == "PROBABLE_DUPLICATE")
        .count();
    let open = report
        .overlaps
        .iter()
        .filter(|p| p.review_state != "DECIDED")
        .count();
    let clashes = report
        .events
        .iter()
        .filter(|e| !e.clashes_with.is_empty())
        .count();
    let overdue = report
        .freshness
        .iter()
        .filter(|m| m.state == "OVERDUE" || m.state == "SILENT")
        .count();
    let figures = [
        (
            thousands(report.active_total),
            format!(
                "reports active in the period, by {}",
                plural(report.active_reports.len(), "organization", "organizations")
            ),
        ),
        (
            thousands(report.overlaps.len() as u64),
            format!("flagged pairs ({probable} probable duplicates, {open} not decided)"),
        ),
        (
            thousands(report.matrix.gaps.len() as u64),
            "gaps: country x topic cells of the region nobody reports on".to_string(),
        ),
        (
            thousands(report.events.len() as u64),
            format!(
                "upcoming events in {} days ({clashes} in a clash)",
                report.calendar_days
            ),
        ),
        (
            thousands(report.changes.len() as u64),
            "changes since the start of the period".to_string(),
        ),
        (
            thousands(overdue as u64),
            "members overdue or silent".to_string(),
        ),
    ];
    out.push_str("<section id=\"summary\">\n<h2>Summary</h2>\n<div class=\"figures\">\n");
    for (figure, label) in figures {
        let _ = writeln!(
            out,
            "<div class=\"figure\"><b>{}</b><span>{}</span></div>",
            escape(&figure),
            escape(&label)
        );
    }
    out.push_str("</div>\n");
    if !report.active_reports.is_empty() {
        let list: Vec<String> = report
            .active_reports
            .iter()
            .map(|(org, count)| format!("{} {}", escape(org), thousands(*count)))
            .collect();
        let _ = writeln!(
            out,
            "<p class=\"note\">Reports active in the period per organization: {}.</p>",
            list.join(", ")
        );
    }
    out.push_str("</section>\n");
}

fn heatmap(out: &mut String, report: &SituationReport) {
    let matrix = &report.matrix;
    out.push_str("<section id=\"matrix\">\n<h2>Who works where, on what</h2>\n");
    out.push_str("<p class=\"note\">Countries (rows) x topics (columns) of the reports active in the period; the colour says how many reports, a cell&#39;s tooltip names the organizations. Pale grey cells are gaps of the group&#39;s region.</p>\n");
    if matrix.rows.is_empty() || matrix.columns.is_empty() {
        out.push_str("<p class=\"empty\">No matrix.</p>\n</section>\n");
        return;
    }
    let cells: HashMap<(&str, &str), &HeatmapCell> = matrix
        .cells
        .iter()
        .map(|c| ((c.row.as_str(), c.column.as_str()), c))
        .collect();
    let gaps: BTreeSet<(&str, &str)> = matrix
        .gaps
        .iter()
        .map(|(r, c)| (r.as_str(), c.as_str()))
        .collect();
    let max = matrix.cells.iter().map(|c| c.count).max().unwrap_or(0);
    // Topics in the order of their labels, as a reader looks for them.
    let mut columns: Vec<&String> = matrix.columns.iter().collect();
    columns.sort_by_key(|c| topic_label(c));
    out.push_str("<table class=\"heatmap\">\n<thead><tr><th></th>");
    for column in &columns {
        let _ = write!(
            out,
            "<th class=\"col\" title=\"{}\"><div>{}</div></th>",
            escape(column),
            escape(topic_label(column))
        );
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &matrix.rows {
        let _ = write!(
            out,
            "<tr><th class=\"row\" title=\"{}\">{} {}</th>",
            escape(country_name(row)),
            escape(row),
            escape(country_name(row))
        );
        for column in &columns {
            match cells.get(&(row.as_str(), column.as_str())) {
                Some(cell) => {
                    let _ = write!(
                        out,
                        "<td class=\"l{}\" title=\"{} x {}: {} by {}\">{}</td>",
                        level(cell.count, max),
                        escape(country_name(row)),
                        escape(topic_label(column)),
                        escape(&plural(cell.count as usize, "report", "reports")),
                        escape(&cell.organizations.join(", ")),
                        cell.count
                    );
                }
                None if gaps.contains(&(row.as_str(), column.as_str())) => {
                    let _ = write!(
                        out,
                        "<td class=\"gap\" title=\"gap: no report on {} in {}\"></td>",
                        escape(topic_label(column)),
                        escape(country_name(row))
                    );
                }
                None => out.push_str("<td></td>"),
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    // The legend: the count range of each level.
    let mut ranges: BTreeMap<u8, (u64, u64)> = BTreeMap::new();
    for count in 1..=max {
        let entry = ranges.entry(level(count, max)).or_insert((count, count));
        entry.1 = count;
    }
    out.push_str(
        "<div class=\"legend\"><span>Reports per cell:</span><i class=\"gap\"></i><span>gap</span>",
    );
    for (level, (low, high)) in &ranges {
        let range = if low == high {
            low.to_string()
        } else {
            format!("{low}&ndash;{high}")
        };
        let _ = write!(out, "<i class=\"l{level}\"></i><span>{range}</span>");
    }
    out.push_str("</div>\n");
    let mut busiest: Vec<&HeatmapCell> = matrix.cells.iter().collect();
    busiest.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(a.row.cmp(&b.row))
            .then(a.column.cmp(&b.column))
    });
    if !busiest.is_empty() {
        out.push_str("<h3>Busiest cells</h3>\n<table class=\"list\" id=\"busiest\"><thead><tr><th>Country</th><th>Topic</th><th class=\"num\">Reports</th><th>Organizations</th></tr></thead><tbody>\n");
        for cell in busiest.iter().take(BUSIEST_CELLS) {
            let _ = writeln!(
                out,
                "<tr><td>{} {}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                escape(&cell.row),
                escape(country_name(&cell.row)),
                escape(topic_label(&cell.column)),
                thousands(cell.count),
                escape(&cell.organizations.join(", "))
            );
        }
        out.push_str("</tbody></table>\n");
    }
    out.push_str("</section>\n");
}

fn kind_class(kind: &str) -> String {
    format!("k-{}", kind.to_lowercase().replace('_', "-"))
}

fn words(code: &str) -> String {
    code.to_lowercase().replace('_', " ")
}

fn pair_rows(out: &mut String, pairs: &[FlaggedPair]) {
    out.push_str("<table class=\"list\"><thead><tr><th>Kind</th><th class=\"num\">Score</th><th>Report</th><th>Report</th><th>Why</th><th>Review</th></tr></thead><tbody>\n");
    for pair in pairs.iter().take(MAX_PAIRS_LISTED) {
        let side = |side: &PairSide| {
            format!(
                "<b>{}</b> {}<br><span class=\"id\">{}</span>",
                escape(&side.organization),
                escape(&side.title),
                escape(&side.id)
            )
        };
        let reasons: String = pair
            .reasons
            .iter()
            .map(|r| format!("<li>{}</li>", escape(r)))
            .collect();
        let mut review = format!(
            "<span class=\"badge s-{}\">{}</span>",
            escape(&pair.review_state.to_lowercase()),
            escape(&words(&pair.review_state))
        );
        if !pair.decision.is_empty() {
            let _ = write!(
                review,
                "<br>{} by {}",
                escape(&words(&pair.decision)),
                escape(&pair.decided_by)
            );
            if !pair.note.is_empty() {
                let _ = write!(review, "<br><i>{}</i>", escape(&pair.note));
            }
        }
        let _ = writeln!(
            out,
            "<tr><td><span class=\"badge {}\">{}</span></td><td class=\"num\">{:.2}</td><td>{}</td><td>{}</td><td><ul class=\"reasons\">{}</ul></td><td>{}</td></tr>",
            escape(&kind_class(&pair.kind)),
            escape(&words(&pair.kind)),
            pair.score,
            side(&pair.first),
            side(&pair.second),
            reasons,
            review
        );
    }
    out.push_str("</tbody></table>\n");
    if pairs.len() > MAX_PAIRS_LISTED {
        let _ = writeln!(
            out,
            "<p class=\"note\">{} more: see <code>concord overlaps</code>.</p>",
            thousands((pairs.len() - MAX_PAIRS_LISTED) as u64)
        );
    }
}

fn overlaps(out: &mut String, report: &SituationReport) {
    out.push_str("<section id=\"overlaps\">\n<h2>Overlaps to review</h2>\n");
    let _ = writeln!(
        out,
        "<p class=\"note\">Pairs of reports of different organizations flagged as probable duplicates (the same activity reported twice) or potential overlaps (similar work, same place and time), ranked; co-chairs record decisions with <code>concord review</code>. {} declared joint or co-funded by the reports themselves are not flagged.</p>",
        escape(&plural(report.declared_joint, "pair", "pairs"))
    );
    if report.overlaps.is_empty() {
        out.push_str("<p class=\"empty\">No flagged pair.</p>\n");
    } else {
        pair_rows(out, &report.overlaps);
    }
    if !report.self_duplicates.is_empty() {
        let _ = writeln!(
            out,
            "<h3>Self-duplicates ({})</h3>\n<p class=\"note\">One organization reported the same activity more than once.</p>",
            report.self_duplicates.len()
        );
        pair_rows(out, &report.self_duplicates);
    }
    out.push_str("</section>\n");
}

fn gaps(out: &mut String, report: &SituationReport) {
    let matrix = &report.matrix;
    out.push_str("<section id=\"gaps\">\n<h2>Gaps</h2>\n");
    out.push_str("<p class=\"note\">Country x topic cells of the group&#39;s region without any report active in the period: the countries nobody reports on at all, the topics nobody works on anywhere, then per topic the countries where members work on other topics but not on this one.</p>\n");
    if matrix.gaps.is_empty() {
        out.push_str("<p class=\"empty\">No gap: every country of the region has a report on every topic.</p>\n</section>\n");
        return;
    }
    let mut per_topic: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut per_country: BTreeMap<&str, usize> = BTreeMap::new();
    for (row, column) in &matrix.gaps {
        per_topic.entry(column).or_default().push(row);
        *per_country.entry(row).or_default() += 1;
    }
    let mut covered: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    for cell in &matrix.cells {
        covered.entry(&cell.column).or_default().insert(&cell.row);
    }
    // Countries whose every topic is a gap: nobody reports anything there.
    let untouched: BTreeSet<&str> = per_country
        .iter()
        .filter(|(_, n)| **n == matrix.columns.len())
        .map(|(c, _)| *c)
        .collect();
    let _ = writeln!(
        out,
        "<p>{} in {} of {} topics.</p>",
        escape(&plural(matrix.gaps.len(), "gap", "gaps")),
        per_topic.len(),
        matrix.columns.len()
    );
    if !untouched.is_empty() {
        let names: Vec<String> = untouched
            .iter()
            .map(|c| format!("{} {}", escape(c), escape(country_name(c))))
            .collect();
        let _ = writeln!(
            out,
            "<p id=\"untouched-countries\"><b>No report on any topic in {}:</b> {}.</p>",
            plural(untouched.len(), "country", "countries"),
            names.join(", ")
        );
    }
    // Topics without a report anywhere in the region.
    let mut unworked: Vec<&str> = per_topic
        .keys()
        .copied()
        .filter(|topic| covered.get(topic).is_none_or(BTreeSet::is_empty))
        .collect();
    unworked.sort_by_key(|topic| topic_label(topic));
    if !unworked.is_empty() {
        let labels: Vec<String> = unworked.iter().map(|t| escape(topic_label(t))).collect();
        let _ = writeln!(
            out,
            "<p id=\"unworked-topics\"><b>No report anywhere in the region on {}:</b> {}.</p>",
            plural(unworked.len(), "topic", "topics"),
            labels.join(", ")
        );
    }
    // The rest: topics someone works on, and the countries with other work but not this.
    let mut topics: Vec<(&str, Vec<&str>)> = per_topic
        .into_iter()
        .filter(|(topic, _)| !unworked.contains(topic))
        .map(|(topic, countries)| {
            let countries: Vec<&str> = countries
                .into_iter()
                .filter(|c| !untouched.contains(c))
                .collect();
            (topic, countries)
        })
        .filter(|(_, countries)| !countries.is_empty())
        .collect();
    topics.sort_by(|a, b| {
        b.1.len()
            .cmp(&a.1.len())
            .then(topic_label(a.0).cmp(topic_label(b.0)))
    });
    if topics.is_empty() {
        out.push_str("</section>\n");
        return;
    }
    out.push_str("<table class=\"list\" id=\"gap-list\"><thead><tr><th>Topic</th><th class=\"num\">Countries with reports</th><th class=\"num\">Gaps</th><th>Countries with other work but none on the topic</th></tr></thead><tbody>\n");
    for (topic, countries) in &topics {
        let codes: Vec<String> = countries
            .iter()
            .map(|c| {
                format!(
                    "<span title=\"{}\">{}</span>",
                    escape(country_name(c)),
                    escape(c)
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"codes\">{}</td></tr>",
            escape(topic_label(topic)),
            covered.get(topic).map_or(0, BTreeSet::len),
            countries.len(),
            codes.join(" ")
        );
    }
    out.push_str("</tbody></table>\n</section>\n");
}

fn calendar(out: &mut String, report: &SituationReport) {
    out.push_str("<section id=\"calendar\">\n<h2>Upcoming events</h2>\n");
    let _ = writeln!(
        out,
        "<p class=\"note\">Meetings, conferences, trainings and policy dialogues starting in the {} days from {}, by place then date. Highlighted rows clash: another event at the same place within 30 days shares a topic.</p>",
        report.calendar_days,
        escape(&report.calendar_from)
    );
    if report.events.is_empty() {
        out.push_str("<p class=\"empty\">No upcoming event.</p>\n</section>\n");
        return;
    }
    let by_id: HashMap<&str, &UpcomingEvent> =
        report.events.iter().map(|e| (e.id.as_str(), e)).collect();
    out.push_str("<table class=\"list\"><thead><tr><th>Dates</th><th>Week</th><th>Organization</th><th>Event</th><th>Type</th></tr></thead><tbody>\n");
    let mut place: Option<&str> = None;
    for event in &report.events {
        if place != Some(event.location.as_str()) {
            place = Some(event.location.as_str());
            let shown = if event.location.is_empty() {
                "(no place given)"
            } else {
                event.location.as_str()
            };
            let _ = writeln!(
                out,
                "<tr class=\"place\"><th colspan=\"5\">{}</th></tr>",
                escape(shown)
            );
        }
        let dates = if event.start == event.end {
            escape(&event.start)
        } else {
            format!("{} &ndash; {}", escape(&event.start), escape(&event.end))
        };
        let mut what = escape(&event.title);
        if !event.clashes_with.is_empty() {
            let others: Vec<String> = event
                .clashes_with
                .iter()
                .map(|id| match by_id.get(id.as_str()) {
                    Some(other) => format!(
                        "{} &ldquo;{}&rdquo; ({})",
                        escape(&other.organization),
                        escape(&other.title),
                        escape(&other.start)
                    ),
                    None => escape(id),
                })
                .collect();
            let _ = write!(
                what,
                "<br><span class=\"clash-note\">Clash with {} on {}</span>",
                others.join("; "),
                escape(&event.shared_topics.join(", "))
            );
        }
        let _ = writeln!(
            out,
            "<tr{}><td class=\"when\">{}</td><td class=\"when\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            if event.clashes_with.is_empty() {
                ""
            } else {
                " class=\"clash\""
            },
            dates,
            escape(&event.week),
            escape(&event.organization),
            what,
            escape(&words(&event.activity_type))
        );
    }
    out.push_str("</tbody></table>\n</section>\n");
}

fn changes(out: &mut String, report: &SituationReport) {
    let _ = writeln!(
        out,
        "<section id=\"changes\">\n<h2>What changed since {}</h2>",
        escape(&report.since)
    );
    if report.changes.is_empty() {
        out.push_str("<p class=\"empty\">Nothing changed.</p>\n</section>\n");
        return;
    }
    let mut per_org: BTreeMap<&str, BTreeMap<ChangeKind, Vec<&ChangeItem>>> = BTreeMap::new();
    for change in &report.changes {
        per_org
            .entry(&change.organization)
            .or_default()
            .entry(change.kind)
            .or_default()
            .push(change);
    }
    out.push_str("<table class=\"list\" id=\"change-counts\"><thead><tr><th>Organization</th><th class=\"num\">Created</th><th class=\"num\">Revised</th><th class=\"num\">Withdrawn</th></tr></thead><tbody>\n");
    let count =
        |kinds: &BTreeMap<ChangeKind, Vec<&ChangeItem>>, kind| kinds.get(&kind).map_or(0, Vec::len);
    for (org, kinds) in &per_org {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(org),
            count(kinds, ChangeKind::Created),
            count(kinds, ChangeKind::Revised),
            count(kinds, ChangeKind::Withdrawn)
        );
    }
    out.push_str("</tbody></table>\n");
    let _ = writeln!(
        out,
        "<h3>The reports</h3>\n<table class=\"list\" id=\"change-list\"><thead><tr><th>Change</th><th>Date</th><th>Report</th></tr></thead><tbody>"
    );
    for (org, kinds) in &per_org {
        let _ = writeln!(
            out,
            "<tr class=\"place\"><th colspan=\"3\">{}</th></tr>",
            escape(org)
        );
        for (kind, items) in kinds {
            let mut items = items.clone();
            items.sort_by(|a, b| b.at.cmp(&a.at).then(a.id.cmp(&b.id)));
            for item in items.iter().take(MAX_CHANGES_LISTED) {
                let _ = writeln!(
                    out,
                    "<tr><td>{}</td><td class=\"when\">{}</td><td>{} <span class=\"id\">{} rev. {}</span></td></tr>",
                    kind.label(),
                    escape(item.at.get(..10).unwrap_or(&item.at)),
                    escape(&item.title),
                    escape(&item.id),
                    item.revision
                );
            }
            if items.len() > MAX_CHANGES_LISTED {
                let _ = writeln!(
                    out,
                    "<tr><td colspan=\"3\" class=\"empty\">and {} more {}</td></tr>",
                    items.len() - MAX_CHANGES_LISTED,
                    kind.label()
                );
            }
        }
    }
    out.push_str("</tbody></table>\n</section>\n");
}

fn freshness(out: &mut String, report: &SituationReport) {
    out.push_str("<section id=\"freshness\">\n<h2>Freshness of members&#39; data</h2>\n");
    out.push_str("<p class=\"note\">When each member last posted (its clock), when this node last received from it, and how many entries of its log this node is behind.</p>\n");
    if report.freshness.is_empty() {
        out.push_str("<p class=\"empty\">No member.</p>\n</section>\n");
        return;
    }
    out.push_str("<table class=\"list\"><thead><tr><th>Member</th><th>State</th><th>Last posted</th><th>Last received here</th><th class=\"num\">Reports</th><th class=\"num\">Behind (entries)</th></tr></thead><tbody>\n");
    for member in &report.freshness {
        let or_never = |text: &str| {
            if text.is_empty() {
                "never".to_string()
            } else {
                escape(text)
            }
        };
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td><span class=\"badge f-{}\">{}</span></td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&member.organization),
            escape(&member.state.to_lowercase()),
            escape(&member.state.to_lowercase()),
            or_never(&member.last_posted),
            or_never(&member.last_received),
            thousands(member.reports),
            thousands(member.lag_entries)
        );
    }
    out.push_str("</tbody></table>\n</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_quotes() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(escape("a\u{0}b"), "a\u{FFFD}b");
        assert_eq!(escape("Hà Nội"), "Hà Nội");
    }

    #[test]
    fn levels_grow_with_the_count() {
        assert_eq!(level(0, 10), 0);
        assert_eq!(level(1, 1), 5);
        assert_eq!(level(1, 100), 1);
        assert_eq!(level(100, 100), 5);
        assert!(level(10, 100) > level(2, 100));
    }

    #[test]
    fn numbers_have_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
