//! IATI interoperability: import `iati-activities` documents as report drafts, and export
//! reports as IATI 2.03 activity XML.
//!
//! Pure code: no gRPC, no storage, no clock (callers pass `today`). The command line
//! (`concord import iati`, `concord export --format iati`) does the talking to a node.
//!
//! - [`reader`]: a streaming reader over any `BufRead`, one `iati-activity` at a time, so a
//!   50 MB publisher file is never held whole (memory is bounded by the largest activity);
//! - [`map`]: one activity → a [`ReportDraft`] plus an [`ImportSummary`] of what went where,
//!   or every problem found, each naming the element, its line and the rule broken;
//! - [`writer`]: reports → an `iati-activities` 2.03 document, written as it goes, that
//!   validates against the IATI schema;
//! - [`codes`]: the IATI code lists and schema order the two directions share;
//! - `xml`: line counting, capture of one element with its verbatim text, escaping.
//!
//! # What nothing loses
//!
//! Every child of `iati-activity` is either mapped to a report field, kept verbatim in the
//! report's `iati_extra` (with the value it mapped to, when it also did), or listed in the
//! summary as dropped (only what IATI 2.03 does not define: unknown elements, attributes of
//! other namespaces on `iati-activity`, stray text). An export writes the kept elements back
//! in schema order, in place of the ones it would make from the report's fields while the
//! report still holds the values they mapped to. What Concord has and IATI has not (the
//! activity type, target groups, links to other reports, co-organiser and participant
//! roles) travels in elements and attributes of the [`codes::CONCORD_NAMESPACE`], which an
//! import reads back: import → export → import changes nothing.

pub mod codes;
pub mod map;
pub mod reader;
pub mod writer;
pub(crate) mod xml;

use std::collections::HashMap;
use std::io::BufRead;

use serde::Serialize;

use crate::report::{ActivityType, Date, ReportContent, ReportDraft};

pub use map::map_activity;
pub use reader::{ActivityReader, RawActivity};
pub use writer::{ExportedReport, IatiWriter, WriteError};

/// A member of the working group as the importer and exporter see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Member code ("IOM").
    pub code: String,
    /// Full name.
    pub name: String,
    /// IATI organisation identifiers ("XM-DAC-47066"); the first is the one an export uses.
    pub iati_identifiers: Vec<String>,
    /// Other names it is known by.
    pub aliases: Vec<String>,
}

/// The members, to recognise an IATI organisation (by identifier or by name) as one of them.
#[derive(Debug, Clone, Default)]
pub struct MemberDirectory {
    members: Vec<Member>,
    /// Per member, its code, name and aliases normalized (see [`normalized_name`]).
    names: Vec<Vec<String>>,
}

/// Lower case, runs of whitespace as one space, a trailing "(ACRONYM)" removed.
fn normalized_name(name: &str) -> String {
    let collapsed = collapse_whitespace(name).to_lowercase();
    match collapsed.rsplit_once(" (") {
        Some((head, tail)) if tail.ends_with(')') && !head.is_empty() => head.to_string(),
        _ => collapsed,
    }
}

/// Runs of whitespace (line breaks included) as one space, trimmed.
pub(crate) fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl MemberDirectory {
    /// A directory of these members.
    pub fn new(members: Vec<Member>) -> MemberDirectory {
        let names = members
            .iter()
            .map(|m| {
                std::iter::once(&m.code)
                    .chain(std::iter::once(&m.name))
                    .chain(m.aliases.iter())
                    .map(|name| normalized_name(name))
                    .collect()
            })
            .collect();
        MemberDirectory { members, names }
    }

    /// The default members of `shared/docs/domain.md` (`trust::setup::DEFAULT_MEMBERS`).
    pub fn default_members() -> MemberDirectory {
        MemberDirectory::new(
            crate::trust::setup::DEFAULT_MEMBERS
                .iter()
                .map(|(code, name, identifiers, aliases)| Member {
                    code: code.to_string(),
                    name: name.to_string(),
                    iati_identifiers: identifiers.iter().map(|s| s.to_string()).collect(),
                    aliases: aliases.iter().map(|s| s.to_string()).collect(),
                })
                .collect(),
        )
    }

    /// The members of a membership file.
    pub fn from_membership(file: &crate::trust::membership::MembershipFile) -> MemberDirectory {
        MemberDirectory::new(
            file.members
                .iter()
                .map(|m| Member {
                    code: m.code.clone(),
                    name: m.name.clone(),
                    iati_identifiers: m.iati_identifiers.clone(),
                    aliases: m.aliases.clone(),
                })
                .collect(),
        )
    }

    /// The member with this code.
    pub fn get(&self, code: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.code == code)
    }

    /// The member with this IATI organisation identifier (case ignored).
    pub fn by_identifier(&self, reference: &str) -> Option<&Member> {
        let reference = reference.trim();
        if reference.is_empty() {
            return None;
        }
        self.members.iter().find(|m| {
            m.iati_identifiers
                .iter()
                .any(|id| id.trim().eq_ignore_ascii_case(reference))
        })
    }

    /// The member called `name`: its code, full name or an alias, case and spacing ignored,
    /// a trailing "(ACRONYM)" too ("International Organization for Migration (IOM)").
    pub fn by_name(&self, name: &str) -> Option<&Member> {
        let wanted = normalized_name(name);
        if wanted.is_empty() {
            return None;
        }
        let plain = collapse_whitespace(name).to_lowercase();
        self.members
            .iter()
            .zip(&self.names)
            .find(|(_, names)| {
                names
                    .iter()
                    .any(|known| *known == wanted || *known == plain)
            })
            .map(|(member, _)| member)
    }

    /// How an export names member `code` as an IATI organisation: its first IATI
    /// identifier (its code when it has none) and its full name (its code when unknown).
    pub fn organisation(&self, code: &str) -> (String, String) {
        match self.get(code) {
            Some(member) => (
                member
                    .iati_identifiers
                    .first()
                    .cloned()
                    .unwrap_or_else(|| member.code.clone()),
                member.name.clone(),
            ),
            None => (code.to_string(), code.to_string()),
        }
    }
}

/// What the importer needs besides the document.
#[derive(Debug, Clone)]
pub struct ImportContext {
    /// To recognise organisations.
    pub members: MemberDirectory,
    /// Actual dates after this day are refused (they record what has happened).
    pub today: Date,
    /// Reports known by IATI identifier: a `related-activity` naming one of them also
    /// becomes a link to that report.
    pub known_reports: HashMap<String, uuid::Uuid>,
}

/// A problem with one activity: the element, its line and the rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("line {line}: {element}: {rule}")]
pub struct ActivityError {
    /// 1-based line of the element (of `iati-activity` for something missing from it).
    pub line: u64,
    /// The element ("reporting-org", "sector"; "iati-activity" for the activity itself).
    pub element: String,
    /// What is wrong, and what IATI or Concord expects.
    pub rule: String,
}

/// A document that cannot be read on: the activities before it were handed out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    /// Reading failed.
    #[error("cannot read: {message}")]
    Io {
        /// The system's message.
        message: String,
    },
    /// Not well-formed XML.
    #[error("line {line}: {message}")]
    Xml {
        /// 1-based line.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// The root element is not `iati-activities` (nor a single `iati-activity`).
    #[error(
        "line {line}: the root element is <{element}>: an IATI activity file has <iati-activities> (or one <iati-activity>)"
    )]
    NotIati {
        /// Line of the root element.
        line: u64,
        /// Its name (empty for a document without elements).
        element: String,
    },
    /// Declared in an encoding other than UTF-8.
    #[error("the document is declared as {encoding}: only UTF-8 IATI files are read")]
    Encoding {
        /// The declared encoding.
        encoding: String,
    },
}

impl From<xml::XmlProblem> for FileError {
    fn from(problem: xml::XmlProblem) -> Self {
        if problem.message.contains("I/O error") {
            return FileError::Io {
                message: problem.message,
            };
        }
        FileError::Xml {
            line: problem.line,
            message: problem.message,
        }
    }
}

/// The organisation an activity names as its reporting organisation.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ReportingOrganisation {
    /// `reporting-org/@ref`.
    pub reference: String,
    /// Its first narrative.
    pub name: String,
    /// The member it is, by identifier or name.
    pub member: Option<String>,
}

/// What happened to one element (or attribute) of an activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    /// Mapped to a report field; nothing else in it.
    Mapped,
    /// Mapped to a report field and kept verbatim for what the field does not hold.
    MappedAndKept,
    /// Kept verbatim: the report has no field for it.
    Kept,
    /// Neither mapped nor kept (not IATI 2.03 activity content), with the reason.
    Dropped,
}

/// One line of an import summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportNote {
    /// Line of the element.
    pub line: u64,
    /// The element ("sector"), or "@" and an attribute of `iati-activity`.
    pub element: String,
    /// What happened.
    pub kind: NoteKind,
    /// Where it went or why ("themes: DAC 72010", "vocabulary 99: kept").
    pub detail: String,
}

/// What an import did with one activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    /// The activity type given to the report.
    pub activity_type: ActivityType,
    /// Why that type (IATI has no such field, so it is inferred).
    pub activity_type_reason: String,
    /// Every element and attribute, in document order.
    pub notes: Vec<ImportNote>,
}

impl ImportSummary {
    /// How many elements ended each way.
    pub fn count(&self, kind: NoteKind) -> usize {
        self.notes.iter().filter(|n| n.kind == kind).count()
    }

    /// The distinct names of the elements kept verbatim (mapped or not), in order.
    pub fn kept_elements(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for note in &self.notes {
            if matches!(note.kind, NoteKind::Kept | NoteKind::MappedAndKept)
                && !names.contains(&note.element.as_str())
            {
                names.push(&note.element);
            }
        }
        names
    }
}

/// A mapped activity: the draft to submit, the same content validated, the summary.
#[derive(Debug, Clone, PartialEq)]
pub struct MappedReport {
    /// What to submit (or revise with).
    pub draft: ReportDraft,
    /// The draft validated as the node will: to compare with a stored report.
    pub content: ReportContent,
    /// What went where.
    pub summary: ImportSummary,
}

/// One activity of a document, mapped or refused.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedActivity {
    /// Line of `<iati-activity>`.
    pub line: u64,
    /// Its `iati-identifier` (empty when missing).
    pub iati_identifier: String,
    /// Its reporting organisation.
    pub reporting_org: ReportingOrganisation,
    /// The Concord report it was exported from (`concord:report/@id`), if any.
    pub concord_report_id: Option<uuid::Uuid>,
    /// The report, or every problem found (sorted by line).
    pub outcome: Result<MappedReport, Vec<ActivityError>>,
}

/// Reads and maps a document activity by activity.
pub struct Importer<R> {
    reader: ActivityReader<R>,
    context: ImportContext,
    finished: bool,
}

impl<R: BufRead> Importer<R> {
    /// An importer of `input` with `context`.
    pub fn new(input: R, context: ImportContext) -> Importer<R> {
        Importer {
            reader: ActivityReader::new(input),
            context,
            finished: false,
        }
    }

    /// The context, to add reports as they are created (for `related-activity`).
    pub fn context_mut(&mut self) -> &mut ImportContext {
        &mut self.context
    }

    /// Bytes of the document read so far.
    pub fn bytes_read(&self) -> u64 {
        self.reader.bytes_read()
    }

    /// The document's declared IATI version.
    pub fn version(&self) -> &str {
        self.reader.version()
    }
}

impl<R: BufRead> Iterator for Importer<R> {
    type Item = Result<ImportedActivity, FileError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        match self.reader.next_activity() {
            Ok(Some(raw)) => Some(Ok(map_activity(&raw, &self.context))),
            Ok(None) => {
                self.finished = true;
                None
            }
            Err(error) => {
                self.finished = true;
                Some(Err(error))
            }
        }
    }
}

/// What is wrong with a kept element, for validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtraProblem {
    /// True when the path is wrong, false when the XML is.
    pub in_path: bool,
    /// A sentence saying what and why.
    pub message: String,
}

/// Checks one kept IATI element (used by `report::validate`): the path names a child of
/// `iati-activity` in IATI 2.03, an element of another namespace, or "@" and an attribute of
/// `iati-activity`; an element's XML is exactly one well-formed element of that name,
/// declaring every namespace prefix it uses; an attribute's value has no control
/// characters.
pub fn check_extra(path: &str, xml: &str) -> Result<(), ExtraProblem> {
    let path_problem = |message: String| ExtraProblem {
        in_path: true,
        message,
    };
    let xml_problem = |message: String| ExtraProblem {
        in_path: false,
        message,
    };
    if let Some(attribute) = path.strip_prefix('@') {
        if attribute != "xml:lang" && !codes::ACTIVITY_ATTRIBUTES.contains(&attribute) {
            return Err(path_problem(format!(
                "{path:?} is not a kept attribute of iati-activity: expected \"@\" and one of xml:lang, {}",
                codes::ACTIVITY_ATTRIBUTES.join(", ")
            )));
        }
        if xml.chars().any(char::is_control) {
            return Err(xml_problem(
                "the attribute value contains control characters".into(),
            ));
        }
        return Ok(());
    }
    let known = xml::is_xml_name(path, true) && codes::element_position(path).is_some();
    if !known || path == "iati-activity" {
        return Err(path_problem(format!(
            "{:?} is not a child element of iati-activity in IATI 2.03 (nor an element of another namespace, written prefix:name)",
            path.chars().take(60).collect::<String>()
        )));
    }
    let name = xml::check_one(xml).map_err(|problem| {
        xml_problem(format!(
            "not one well-formed XML element (line {} of the kept text: {})",
            problem.line, problem.message
        ))
    })?;
    if name != path {
        return Err(xml_problem(format!(
            "the kept element is <{}>, not <{path}>",
            name.chars().take(60).collect::<String>()
        )));
    }
    Ok(())
}

/// The `mapped_to` of an element that gave report field `field` the value `value`: the
/// field and the value in the JSON report file's notation (`countries: "SO"`).
pub fn mapped_to<T: Serialize + ?Sized>(field: &str, value: &T) -> String {
    let json = serde_json::to_string(value).unwrap_or_default();
    format!("{field}: {json}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_by_identifier_and_name() {
        let members = MemberDirectory::default_members();
        assert_eq!(
            members
                .by_identifier("xm-dac-47066")
                .map(|m| m.code.as_str()),
            Some("IOM")
        );
        assert_eq!(
            members
                .by_name("International Organization for Migration (IOM)")
                .map(|m| m.code.as_str()),
            Some("IOM")
        );
        assert_eq!(
            members.by_name("  oim ").map(|m| m.code.as_str()),
            Some("IOM")
        );
        assert_eq!(members.by_name("Test Org"), None);
        assert_eq!(
            members.organisation("IOM"),
            (
                "XM-DAC-47066".to_string(),
                "International Organization for Migration".to_string()
            )
        );
        assert_eq!(members.organisation("ESCAP").0, "ESCAP");
    }

    #[test]
    fn kept_elements_are_checked() {
        assert!(check_extra("budget", "<budget><value>1</value></budget>").is_ok());
        assert!(check_extra("@default-currency", "USD").is_ok());
        assert!(check_extra("@xml:lang", "en").is_ok());
        assert!(check_extra("usg:x", "<usg:x xmlns:usg=\"urn:u\"/>").is_ok());
        assert!(check_extra("@color", "red").unwrap_err().in_path);
        assert!(check_extra("website", "<website/>").unwrap_err().in_path);
        assert!(
            check_extra("iati-activity", "<iati-activity/>")
                .unwrap_err()
                .in_path
        );
        assert!(!check_extra("budget", "<transaction/>").unwrap_err().in_path);
        assert!(!check_extra("budget", "<budget>").unwrap_err().in_path);
        assert!(
            !check_extra("budget", "<budget/><budget/>")
                .unwrap_err()
                .in_path
        );
        assert!(!check_extra("usg:x", "<usg:x/>").unwrap_err().in_path);
        assert!(check_extra("budget", "<budget/></iati-activity><iati-activity>").is_err());
    }

    /// The files of `shared/data/iati` that map (with a directory where IOM also answers to
    /// the identifiers of the two test publishers) go through import → export → import
    /// unchanged.
    #[test]
    fn shared_files_round_trip() {
        // `shared/data/iati` of the workplace: CONCORD_SHARED_DIR (set by .ci/run), else
        // beside the repository or above it.
        let dir = std::env::var_os("CONCORD_SHARED_DIR")
            .map(|shared| std::path::PathBuf::from(shared).join("data/iati"))
            .into_iter()
            .chain(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .ancestors()
                    .map(|ancestor| ancestor.join("shared/data/iati")),
            )
            .find(|dir| dir.is_dir())
            .expect(
                "shared/data/iati: set CONCORD_SHARED_DIR or put shared/ beside the repository",
            );
        let dir = dir.display();
        let mut list = MemberDirectory::default_members().members;
        for member in &mut list {
            if member.code == "IOM" {
                member.iati_identifiers.push("AA-AAA-123456789".into());
                member.iati_identifiers.push("XM-DAC-00000".into());
            }
        }
        let members = MemberDirectory::new(list);
        let context = ImportContext {
            members: members.clone(),
            today: Date::from_ymd(2026, 1, 1).unwrap(),
            known_reports: HashMap::new(),
        };
        let mut contents = Vec::new();
        for name in [
            "diterator-activity-01.xml",
            "diterator-activity-02.xml",
            "iati-activity-standard-example-annotated-2.03.xml",
        ] {
            let file = std::fs::File::open(format!("{dir}/{name}")).expect("shared data");
            for activity in Importer::new(std::io::BufReader::new(file), context.clone()) {
                let mapped = activity.unwrap().outcome.expect("maps");
                contents.push(mapped.content);
            }
        }
        assert_eq!(contents.len(), 3);
        let mut writer = IatiWriter::new(Vec::new(), members, "2026-01-01T00:00:00Z");
        let ids: Vec<uuid::Uuid> = (0..contents.len()).map(|_| uuid::Uuid::now_v7()).collect();
        for (content, id) in contents.iter().zip(&ids) {
            writer
                .write_report(&ExportedReport {
                    id: *id,
                    organization: "IOM",
                    revision: 1,
                    content,
                })
                .unwrap();
        }
        let xml = writer.finish().unwrap();
        let again: Vec<ImportedActivity> = Importer::new(xml.as_slice(), context)
            .map(|a| a.unwrap())
            .collect();
        assert_eq!(again.len(), contents.len());
        for ((activity, content), id) in again.iter().zip(&contents).zip(&ids) {
            assert_eq!(activity.concord_report_id, Some(*id));
            let mapped = activity.outcome.as_ref().expect("the export maps");
            assert_eq!(&mapped.content, content);
        }
    }

    #[test]
    fn validation_names_a_bad_kept_element() {
        let draft = ReportDraft {
            title: crate::report::TextInput::Plain("Training".into()),
            activity_type: "TRAINING".into(),
            status: "CLOSED".into(),
            dates: crate::report::DraftDates {
                planned_start: "2007-03-10".into(),
                ..Default::default()
            },
            iati_identifier: "XM-DAC-47066-1".into(),
            iati_extra: vec![
                crate::report::IatiExtra {
                    path: "budget".into(),
                    xml: "<budget><value>1</value></budget>".into(),
                    mapped_to: String::new(),
                },
                crate::report::IatiExtra {
                    path: "budget".into(),
                    xml: "<budget><value>1</budget>".into(),
                    mapped_to: String::new(),
                },
                crate::report::IatiExtra {
                    path: "website".into(),
                    xml: "<website/>".into(),
                    mapped_to: String::new(),
                },
            ],
            ..ReportDraft::default()
        };
        let today = Date::from_ymd(2026, 1, 1).unwrap();
        let violations = crate::report::validate::validate_draft(&draft, today).unwrap_err();
        let fields: Vec<&str> = violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["iati_extra[1].xml", "iati_extra[2].path"]);
        let mut good = draft.clone();
        good.iati_extra.truncate(1);
        let content = crate::report::validate::validate_draft(&good, today).unwrap();
        assert_eq!(content.iati_extra, good.iati_extra);
        assert_eq!(content.to_draft(), good);
    }

    #[test]
    fn mapped_to_is_the_field_and_json_value() {
        assert_eq!(mapped_to("countries", "SO"), "countries: \"SO\"");
    }
}
