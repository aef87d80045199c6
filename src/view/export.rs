//! Exports of reports, rendered without IO: CSV with an HXL hashtag row, and JSON lines.
//!
//! The renderers append to a byte buffer, one report at a time, so a caller streams any
//! number of reports in bounded memory (the node's `Export` call cuts the buffer into
//! chunks as it fills).
//!
//! - **CSV** (RFC 4180: UTF-8, CRLF line ends, a field quoted when it holds a comma, a
//!   double quote, CR or LF, its quotes doubled): a header row of column names, then the
//!   [HXL](https://hxlstandard.org/) hashtag row that lets HXL tools read the columns
//!   (`#org +code`, `#activity +name`, `#sector +code`, `#country +code`, `#date +start`,
//!   `#status`...), then one row per report. Multi-valued cells (countries, themes, target
//!   groups, participants, titles in several languages...) join their values with
//!   [`MULTI_VALUE_SEPARATOR`]; a title or summary in several languages is written
//!   `lang: text` for each language (the text alone when it has no language tag).
//! - **JSON lines**: one object per report and per line, in the shape `concord get -o
//!   json` prints: the report file's names plus `id`, `organization`, `revision`,
//!   `created_at`, `updated_at`, `withdrawn` (and `withdrawal_reason` when withdrawn).

use serde::Serialize;
use uuid::Uuid;

use crate::report::{Date, LocalizedText, ReportContent, ReportDraft, vocabulary};

/// Joins the values of a multi-valued CSV cell.
pub const MULTI_VALUE_SEPARATOR: &str = " | ";

/// One report as exported: the node's fields and the validated content.
#[derive(Debug, Clone, Copy)]
pub struct ExportRecord<'a> {
    /// Report id.
    pub id: Uuid,
    /// Authoring organization (member code).
    pub organization: &'a str,
    /// Current revision.
    pub revision: u64,
    /// Creation (author's clock, ms since the Unix epoch).
    pub created_at_ms: i64,
    /// Latest change (author's clock, ms since the Unix epoch).
    pub updated_at_ms: i64,
    /// Withdrawn for ever.
    pub withdrawn: bool,
    /// Why, when withdrawn (empty otherwise).
    pub withdrawal_reason: &'a str,
    /// The content of the latest revision.
    pub content: &'a ReportContent,
}

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// CSV with a header row and an HXL hashtag row.
    CsvHxl,
    /// One JSON object per line.
    JsonLines,
}

impl ExportFormat {
    /// Appends what comes before the first report (the two header rows of CSV; nothing for
    /// JSON lines).
    pub fn begin(self, out: &mut Vec<u8>) {
        if self == ExportFormat::CsvHxl {
            csv_header(out);
        }
    }

    /// Appends one report.
    pub fn record(self, out: &mut Vec<u8>, record: &ExportRecord<'_>) {
        match self {
            ExportFormat::CsvHxl => csv_row(out, record),
            ExportFormat::JsonLines => json_line(out, record),
        }
    }
}

/// The CSV columns: name (header row) and HXL hashtag with attributes (second row).
pub const CSV_COLUMNS: [(&str, &str); 34] = [
    ("id", "#activity +id"),
    ("organization", "#org +code"),
    ("revision", "#meta +revision"),
    ("created_at", "#date +created"),
    ("updated_at", "#date +updated"),
    ("withdrawn", "#status +withdrawn"),
    ("title", "#activity +name"),
    ("titles", "#activity +name +all_languages"),
    ("summary", "#description"),
    ("summaries", "#description +all_languages"),
    ("activity_type", "#activity +type"),
    ("status", "#status"),
    ("status_code", "#status +code"),
    ("start", "#date +start"),
    ("end", "#date +end"),
    ("planned_start", "#date +start +planned"),
    ("actual_start", "#date +start +actual"),
    ("planned_end", "#date +end +planned"),
    ("actual_end", "#date +end +actual"),
    ("countries", "#country +code"),
    ("country_names", "#country +name"),
    ("regions", "#region +code"),
    ("themes", "#sector +code"),
    ("target_groups", "#beneficiary +type"),
    ("participants", "#org +partner"),
    ("related", "#activity +related"),
    ("location", "#loc +name"),
    ("contact_organization", "#contact +org"),
    ("contact_unit", "#contact +unit"),
    ("contact_email", "#contact +email"),
    ("contact_person", "#contact +name"),
    ("links", "#meta +url"),
    ("iati_identifier", "#activity +code +iati"),
    ("withdrawal_reason", "#description +withdrawal"),
];

/// Appends one CSV field, quoted when RFC 4180 requires it.
pub fn csv_field(out: &mut Vec<u8>, text: &str) {
    if text.contains([',', '"', '\r', '\n']) {
        out.push(b'"');
        for part in text.split_inclusive('"') {
            out.extend_from_slice(part.as_bytes());
            if part.ends_with('"') {
                out.push(b'"');
            }
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(text.as_bytes());
    }
}

fn csv_line<'a>(out: &mut Vec<u8>, fields: impl IntoIterator<Item = &'a str>) {
    for (index, field) in fields.into_iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        csv_field(out, field);
    }
    out.extend_from_slice(b"\r\n");
}

/// Appends the header row and the HXL hashtag row.
pub fn csv_header(out: &mut Vec<u8>) {
    csv_line(out, CSV_COLUMNS.iter().map(|(name, _)| *name));
    csv_line(out, CSV_COLUMNS.iter().map(|(_, hxl)| *hxl));
}

/// `lang: text` for each text (the text alone without a language tag), joined.
fn all_languages(texts: &[LocalizedText]) -> String {
    texts
        .iter()
        .map(|t| {
            if t.lang.is_empty() {
                t.text.clone()
            } else {
                format!("{}: {}", t.lang, t.text)
            }
        })
        .collect::<Vec<_>>()
        .join(MULTI_VALUE_SEPARATOR)
}

fn joined<T>(values: &[T], show: impl Fn(&T) -> String) -> String {
    values
        .iter()
        .map(show)
        .collect::<Vec<_>>()
        .join(MULTI_VALUE_SEPARATOR)
}

fn date(date: Option<Date>) -> String {
    date.map(|d| d.to_string()).unwrap_or_default()
}

/// Appends one report as a CSV row (columns as [`CSV_COLUMNS`]).
pub fn csv_row(out: &mut Vec<u8>, record: &ExportRecord<'_>) {
    let content = record.content;
    let dates = &content.dates;
    let contact = content.contact.clone().unwrap_or_default();
    let fields: [String; CSV_COLUMNS.len()] = [
        record.id.to_string(),
        record.organization.to_string(),
        record.revision.to_string(),
        rfc3339(record.created_at_ms),
        rfc3339(record.updated_at_ms),
        record.withdrawn.to_string(),
        content.display_title().to_string(),
        all_languages(&content.title),
        content
            .summary
            .first()
            .map(|s| s.text.clone())
            .unwrap_or_default(),
        all_languages(&content.summary),
        content.activity_type.name().to_string(),
        content.status.name().to_string(),
        content.status.code().to_string(),
        date(dates.start()),
        date(dates.end()),
        date(dates.planned_start),
        date(dates.actual_start),
        date(dates.planned_end),
        date(dates.actual_end),
        content.countries.join(MULTI_VALUE_SEPARATOR),
        joined(&content.countries, |code| {
            vocabulary::country(code)
                .map(|c| c.name.to_string())
                .unwrap_or_else(|| code.clone())
        }),
        content.regions.join(MULTI_VALUE_SEPARATOR),
        joined(&content.themes, |t| format!("{}:{}", t.vocabulary, t.code)),
        content.target_groups.join(MULTI_VALUE_SEPARATOR),
        joined(&content.participants, |p| {
            format!("{} ({})", p.organization, p.role.name())
        }),
        joined(&content.related, |r| {
            format!("{} {}", r.relation.name(), r.report_id)
        }),
        content.location.clone(),
        contact.organization,
        contact.unit,
        contact.email,
        contact.person,
        joined(&content.links, |l| l.url.clone()),
        content.iati_identifier.clone(),
        record.withdrawal_reason.to_string(),
    ];
    csv_line(out, fields.iter().map(String::as_str));
}

/// One JSON line: the fields `concord get -o json` prints, in its order.
#[derive(Serialize)]
struct JsonRecord<'a> {
    id: String,
    organization: &'a str,
    revision: u64,
    created_at: String,
    updated_at: String,
    withdrawn: bool,
    #[serde(skip_serializing_if = "str::is_empty")]
    withdrawal_reason: &'a str,
    #[serde(flatten)]
    content: ReportDraft,
}

/// Appends one report as a line of JSON.
pub fn json_line(out: &mut Vec<u8>, record: &ExportRecord<'_>) {
    let line = JsonRecord {
        id: record.id.to_string(),
        organization: record.organization,
        revision: record.revision,
        created_at: rfc3339(record.created_at_ms),
        updated_at: rfc3339(record.updated_at_ms),
        withdrawn: record.withdrawn,
        withdrawal_reason: record.withdrawal_reason,
        content: record.content.to_draft(),
    };
    // Strings, numbers, booleans and lists only: serialization into memory cannot fail.
    serde_json::to_writer(&mut *out, &line).expect("a report serializes as JSON");
    out.push(b'\n');
}

/// Milliseconds since the epoch as RFC 3339 UTC with milliseconds
/// ("2007-06-25T09:30:00.000Z"), as the client prints times.
pub fn rfc3339(unix_ms: i64) -> String {
    let seconds = unix_ms.div_euclid(1000);
    let day = Date::from_unix_seconds(seconds);
    let of_day = seconds.rem_euclid(86_400);
    format!(
        "{day}T{:02}:{:02}:{:02}.{:03}Z",
        of_day / 3600,
        (of_day / 60) % 60,
        of_day % 60,
        unix_ms.rem_euclid(1000)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(text: &str) -> String {
        let mut out = Vec::new();
        csv_field(&mut out, text);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn fields_are_quoted_as_rfc_4180_says() {
        assert_eq!(field("plain text"), "plain text");
        assert_eq!(field(""), "");
        assert_eq!(field("a, b"), "\"a, b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("\""), "\"\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        assert_eq!(field("cr\r"), "\"cr\r\"");
        assert_eq!(field("ສະບາຍດີ"), "ສະບາຍດີ");
    }

    #[test]
    fn the_hxl_row_has_one_hashtag_per_column() {
        let mut out = Vec::new();
        csv_header(&mut out);
        let text = String::from_utf8(out).unwrap();
        let rows: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(rows.len(), 3, "two rows and the final line end");
        assert!(rows[0].starts_with("id,organization,revision,"));
        assert!(rows[1].starts_with("#activity +id,#org +code,#meta +revision,"));
        assert_eq!(rows[0].split(',').count(), CSV_COLUMNS.len());
        assert!(rows[1].split(',').all(|tag| tag.starts_with('#')));
    }

    #[test]
    fn times_are_rfc_3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_182_763_800_123), "2007-06-25T09:30:00.123Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59.999Z");
    }
}
