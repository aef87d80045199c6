//! The activity report: domain types, the vocabularies they use, and validation.
//!
//! Pure: no IO, no protobuf, no storage. Two shapes exist on purpose:
//! - [`ReportDraft`] is what a caller sent (from the JSON report file or from gRPC), with every
//!   coded value still a string, so that validation can name each bad field precisely;
//! - [`ReportContent`] is what [`validate::validate_draft`] returns: normalized (country codes
//!   in alpha-2, codes upper-cased, duplicates removed) and typed. Only validated content is
//!   ever written to a log entry.
//!
//! The serde names of both are the public JSON report format of `shared/docs/domain.md`
//! ("The report file people write"): do not rename them.

pub mod date;
pub mod text;
pub mod validate;
pub mod vocabulary;

pub use date::Date;

use serde::{Deserialize, Serialize};

/// A text in one language; `lang` empty means the organization's working language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct LocalizedText {
    /// BCP 47 language tag ("en", "fr", "zh-Hans") or empty.
    #[serde(default)]
    pub lang: String,
    /// The text itself.
    pub text: String,
}

/// A title or summary in the JSON report file: either one plain string, or a list of
/// `{lang, text}` when the report is written in several languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TextInput {
    /// `"title": "Policy dialogue ..."`.
    Plain(String),
    /// `"title": [{"lang": "en", "text": "..."}, {"lang": "fr", "text": "..."}]`.
    Translated(Vec<LocalizedText>),
}

impl Default for TextInput {
    fn default() -> Self {
        TextInput::Translated(Vec::new())
    }
}

impl TextInput {
    /// The texts, one per language (a plain string becomes one text with an empty tag).
    pub fn into_texts(self) -> Vec<LocalizedText> {
        match self {
            TextInput::Plain(text) => vec![LocalizedText {
                lang: String::new(),
                text,
            }],
            TextInput::Translated(texts) => texts,
        }
    }

    /// The JSON shape for `texts`: a plain string when there is one text without a
    /// language tag, the list otherwise.
    pub fn from_texts(texts: &[LocalizedText]) -> TextInput {
        match texts {
            [] => TextInput::Translated(Vec::new()),
            [only] if only.lang.is_empty() => TextInput::Plain(only.text.clone()),
            _ => TextInput::Translated(texts.to_vec()),
        }
    }
}

/// True when `input` names the coded value `canonical` ("POLICY_DIALOGUE"): case is ignored,
/// and spaces or hyphens stand for underscores ("policy dialogue", "co-organiser").
fn is_coded_name(canonical: &str, input: &str) -> bool {
    let input = input.trim();
    canonical.len() == input.len()
        && canonical.bytes().zip(input.bytes()).all(|(c, i)| {
            let i = if i == b' ' || i == b'-' { b'_' } else { i };
            c.eq_ignore_ascii_case(&i)
        })
}

/// What kind of activity a report describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(missing_docs)]
pub enum ActivityType {
    Meeting,
    Conference,
    Training,
    Research,
    Publication,
    PolicyDialogue,
    Agreement,
    TechnicalAssistance,
    Advocacy,
    DataCollection,
    Programme,
    Other,
}

impl ActivityType {
    /// Every type, in the order of their protobuf numbers (1..=12).
    pub const ALL: [ActivityType; 12] = [
        ActivityType::Meeting,
        ActivityType::Conference,
        ActivityType::Training,
        ActivityType::Research,
        ActivityType::Publication,
        ActivityType::PolicyDialogue,
        ActivityType::Agreement,
        ActivityType::TechnicalAssistance,
        ActivityType::Advocacy,
        ActivityType::DataCollection,
        ActivityType::Programme,
        ActivityType::Other,
    ];

    /// The public name ("POLICY_DIALOGUE").
    pub fn name(self) -> &'static str {
        match self {
            ActivityType::Meeting => "MEETING",
            ActivityType::Conference => "CONFERENCE",
            ActivityType::Training => "TRAINING",
            ActivityType::Research => "RESEARCH",
            ActivityType::Publication => "PUBLICATION",
            ActivityType::PolicyDialogue => "POLICY_DIALOGUE",
            ActivityType::Agreement => "AGREEMENT",
            ActivityType::TechnicalAssistance => "TECHNICAL_ASSISTANCE",
            ActivityType::Advocacy => "ADVOCACY",
            ActivityType::DataCollection => "DATA_COLLECTION",
            ActivityType::Programme => "PROGRAMME",
            ActivityType::Other => "OTHER",
        }
    }

    /// Parses a public name, case-insensitively ("training", "policy dialogue" and
    /// "POLICY_DIALOGUE" all work).
    pub fn from_name(name: &str) -> Option<ActivityType> {
        let wanted = name.trim();
        Self::ALL
            .into_iter()
            .find(|kind| is_coded_name(kind.name(), wanted))
    }

    /// The protobuf number (1..=12).
    pub fn number(self) -> i32 {
        Self::ALL.iter().position(|k| *k == self).unwrap_or(11) as i32 + 1
    }

    /// From the protobuf number; `None` for 0 and unknown numbers.
    pub fn from_number(number: i32) -> Option<ActivityType> {
        // `checked_sub`: i32::MIN comes over the wire as any other number.
        number
            .checked_sub(1)
            .and_then(|index| usize::try_from(index).ok())
            .and_then(|index| Self::ALL.get(index).copied())
    }

    /// Events: things that happen on given days at a place (meetings, conferences,
    /// trainings, policy dialogues).
    pub fn is_event(self) -> bool {
        matches!(
            self,
            ActivityType::Meeting
                | ActivityType::Conference
                | ActivityType::Training
                | ActivityType::PolicyDialogue
        )
    }
}

/// IATI ActivityStatus; [`ActivityStatus::code`] is the IATI code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(missing_docs)]
pub enum ActivityStatus {
    Pipeline,
    Implementation,
    Finalisation,
    Closed,
    Cancelled,
    Suspended,
}

impl ActivityStatus {
    /// Every status, in IATI code order (1..=6).
    pub const ALL: [ActivityStatus; 6] = [
        ActivityStatus::Pipeline,
        ActivityStatus::Implementation,
        ActivityStatus::Finalisation,
        ActivityStatus::Closed,
        ActivityStatus::Cancelled,
        ActivityStatus::Suspended,
    ];

    /// The public name ("CLOSED").
    pub fn name(self) -> &'static str {
        match self {
            ActivityStatus::Pipeline => "PIPELINE",
            ActivityStatus::Implementation => "IMPLEMENTATION",
            ActivityStatus::Finalisation => "FINALISATION",
            ActivityStatus::Closed => "CLOSED",
            ActivityStatus::Cancelled => "CANCELLED",
            ActivityStatus::Suspended => "SUSPENDED",
        }
    }

    /// The IATI ActivityStatus code, which is also the protobuf number.
    pub fn code(self) -> i32 {
        Self::ALL.iter().position(|s| *s == self).unwrap_or(0) as i32 + 1
    }

    /// From the IATI code / protobuf number.
    pub fn from_code(code: i32) -> Option<ActivityStatus> {
        // `checked_sub`: i32::MIN comes over the wire as any other number.
        code.checked_sub(1)
            .and_then(|index| usize::try_from(index).ok())
            .and_then(|index| Self::ALL.get(index).copied())
    }

    /// Parses a public name case-insensitively, or an IATI code given as text ("4").
    pub fn from_name(name: &str) -> Option<ActivityStatus> {
        let wanted = name.trim();
        if let Ok(code) = wanted.parse::<i32>() {
            return Self::from_code(code);
        }
        Self::ALL
            .into_iter()
            .find(|status| is_coded_name(status.name(), wanted))
    }
}

/// The part another organization plays in an activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(missing_docs)]
pub enum ParticipantRole {
    Funding,
    Accountable,
    Extending,
    Implementing,
    CoOrganiser,
    Participant,
}

impl ParticipantRole {
    /// Every role, in protobuf number order (1..=6); the first four are IATI's 1..=4.
    pub const ALL: [ParticipantRole; 6] = [
        ParticipantRole::Funding,
        ParticipantRole::Accountable,
        ParticipantRole::Extending,
        ParticipantRole::Implementing,
        ParticipantRole::CoOrganiser,
        ParticipantRole::Participant,
    ];

    /// The public name ("CO_ORGANISER").
    pub fn name(self) -> &'static str {
        match self {
            ParticipantRole::Funding => "FUNDING",
            ParticipantRole::Accountable => "ACCOUNTABLE",
            ParticipantRole::Extending => "EXTENDING",
            ParticipantRole::Implementing => "IMPLEMENTING",
            ParticipantRole::CoOrganiser => "CO_ORGANISER",
            ParticipantRole::Participant => "PARTICIPANT",
        }
    }

    /// Parses a public name (case ignored; spaces or hyphens for underscores).
    pub fn from_name(name: &str) -> Option<ParticipantRole> {
        let wanted = name.trim();
        Self::ALL
            .into_iter()
            .find(|role| is_coded_name(role.name(), wanted))
    }

    /// The protobuf number (1..=6).
    pub fn number(self) -> i32 {
        Self::ALL.iter().position(|r| *r == self).unwrap_or(5) as i32 + 1
    }

    /// From the protobuf number.
    pub fn from_number(number: i32) -> Option<ParticipantRole> {
        // `checked_sub`: i32::MIN comes over the wire as any other number.
        number
            .checked_sub(1)
            .and_then(|index| usize::try_from(index).ok())
            .and_then(|index| Self::ALL.get(index).copied())
    }
}

/// How a report relates to another report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(missing_docs)]
pub enum Relation {
    Parent,
    Child,
    CoFunded,
    Joint,
    FollowUp,
    Supersedes,
}

impl Relation {
    /// Every relation, in protobuf number order (1..=6).
    pub const ALL: [Relation; 6] = [
        Relation::Parent,
        Relation::Child,
        Relation::CoFunded,
        Relation::Joint,
        Relation::FollowUp,
        Relation::Supersedes,
    ];

    /// The public name ("CO_FUNDED").
    pub fn name(self) -> &'static str {
        match self {
            Relation::Parent => "PARENT",
            Relation::Child => "CHILD",
            Relation::CoFunded => "CO_FUNDED",
            Relation::Joint => "JOINT",
            Relation::FollowUp => "FOLLOW_UP",
            Relation::Supersedes => "SUPERSEDES",
        }
    }

    /// Parses a public name (case ignored; spaces or hyphens for underscores).
    pub fn from_name(name: &str) -> Option<Relation> {
        let wanted = name.trim();
        Self::ALL
            .into_iter()
            .find(|relation| is_coded_name(relation.name(), wanted))
    }

    /// The protobuf number (1..=6).
    pub fn number(self) -> i32 {
        Self::ALL.iter().position(|r| *r == self).unwrap_or(0) as i32 + 1
    }

    /// From the protobuf number.
    pub fn from_number(number: i32) -> Option<Relation> {
        // `checked_sub`: i32::MIN comes over the wire as any other number.
        number
            .checked_sub(1)
            .and_then(|index| usize::try_from(index).ok())
            .and_then(|index| Self::ALL.get(index).copied())
    }
}

/// A theme code in a named vocabulary (see [`vocabulary`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Theme {
    /// "GCM", "SDG", "DAC" or "RTWG".
    pub vocabulary: String,
    /// The code inside the vocabulary ("10", "16.2", "15190", "trafficking").
    pub code: String,
}

/// A link, as sent (the role is still text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct DraftParticipant {
    /// Member code, organization name or IATI organisation identifier.
    #[serde(default)]
    pub organization: String,
    /// Role name (see [`ParticipantRole`]).
    #[serde(default)]
    pub role: String,
}

/// Another organization taking part in the activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    /// Member code, organization name or IATI organisation identifier.
    pub organization: String,
    /// Its part in the activity.
    pub role: ParticipantRole,
}

/// A related report, as sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct DraftRelated {
    /// The other report's id (UUID).
    #[serde(default)]
    pub report_id: String,
    /// Relation name (see [`Relation`]).
    #[serde(default)]
    pub relation: String,
}

/// A link to another report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelatedReport {
    /// The other report's id.
    pub report_id: uuid::Uuid,
    /// How this report relates to it.
    pub relation: Relation,
}

/// A document or web page about the activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Link {
    /// http, https or mailto URL.
    pub url: String,
    /// Human-readable title.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    /// Free-form kind ("report", "agenda", "webpage").
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
}

/// Whom to ask about the activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Contact {
    /// Organization (usually the author).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub organization: String,
    /// Unit or department.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub unit: String,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub email: String,
    /// Person's name (optional on purpose).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub person: String,
}

impl Contact {
    /// True when no field is set.
    pub fn is_empty(&self) -> bool {
        self.organization.is_empty()
            && self.unit.is_empty()
            && self.email.is_empty()
            && self.person.is_empty()
    }
}

/// An IATI element (or attribute of `iati-activity`) kept verbatim with a report, so that
/// an IATI export reproduces what the report has no field for (see `crate::iati`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct IatiExtra {
    /// The element's name under `iati-activity` ("budget", "usg:treasury-account"), or "@"
    /// and an attribute name ("@default-currency").
    pub path: String,
    /// The element as written (one well-formed element with the namespace declarations it
    /// uses), or the attribute's value.
    pub xml: String,
    /// Empty when the element maps to no report field; otherwise `field: JSON value`
    /// (`countries: "SO"`): an export writes the element in place of the one it would make
    /// from that value, while the report still holds the value.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub mapped_to: String,
}

/// Dates as sent: ISO 8601 calendar dates, or empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct DraftDates {
    /// Planned start (IATI activity-date type 1).
    pub planned_start: String,
    /// Actual start (type 2).
    pub actual_start: String,
    /// Planned end (type 3).
    pub planned_end: String,
    /// Actual end (type 4).
    pub actual_end: String,
}

/// The four IATI activity dates, validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ActivityDates {
    /// Planned start (IATI activity-date type 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned_start: Option<Date>,
    /// Actual start (type 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual_start: Option<Date>,
    /// Planned end (type 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned_end: Option<Date>,
    /// Actual end (type 4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual_end: Option<Date>,
}

impl ActivityDates {
    /// When the activity starts: the actual start if known, else the planned one.
    pub fn start(&self) -> Option<Date> {
        self.actual_start.or(self.planned_start)
    }

    /// When it ends: the actual end if known, else the planned end, else the start
    /// (a one-day event).
    pub fn end(&self) -> Option<Date> {
        self.actual_end
            .or(self.planned_end)
            .or_else(|| self.start())
    }

    /// True when the activity's interval `[start, end]` overlaps `[from, to]` (either bound
    /// may be open). A report without dates overlaps nothing.
    pub fn overlaps(&self, from: Option<Date>, to: Option<Date>) -> bool {
        let (Some(start), Some(end)) = (self.start(), self.end()) else {
            return false;
        };
        from.is_none_or(|from| end >= from) && to.is_none_or(|to| start <= to)
    }
}

/// A report as a caller sent it: every coded value still text, nothing checked yet.
/// This is also the JSON report file (`concord submit --file report.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct ReportDraft {
    /// One title, or one per language.
    pub title: TextInput,
    /// One summary, or one per language.
    pub summary: TextInput,
    /// Activity type name.
    pub activity_type: String,
    /// Status name or IATI code.
    pub status: String,
    /// The four IATI dates.
    pub dates: DraftDates,
    /// ISO 3166-1 alpha-2 or alpha-3 codes.
    pub countries: Vec<String>,
    /// UN M49 codes or the group's own regions.
    pub regions: Vec<String>,
    /// Theme codes.
    pub themes: Vec<Theme>,
    /// Target-group codes.
    pub target_groups: Vec<String>,
    /// Other organizations taking part.
    pub participants: Vec<DraftParticipant>,
    /// Links to other reports.
    pub related: Vec<DraftRelated>,
    /// Documents and web pages.
    pub links: Vec<Link>,
    /// Whom to ask.
    pub contact: Option<Contact>,
    /// City or venue.
    pub location: String,
    /// The IATI activity identifier, when the report is (or came from) an IATI activity.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub iati_identifier: String,
    /// IATI elements kept verbatim for export.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub iati_extra: Vec<IatiExtra>,
}

/// Validated, normalized report content: what an organization says about an activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportContent {
    /// At least one title.
    pub title: Vec<LocalizedText>,
    /// Zero or more summaries.
    pub summary: Vec<LocalizedText>,
    /// What kind of activity.
    pub activity_type: ActivityType,
    /// Where it stands.
    pub status: ActivityStatus,
    /// When.
    pub dates: ActivityDates,
    /// ISO 3166-1 alpha-2 codes, upper case, without duplicates.
    pub countries: Vec<String>,
    /// Region codes, without duplicates.
    pub regions: Vec<String>,
    /// Theme codes with canonical vocabulary names and codes.
    pub themes: Vec<Theme>,
    /// Target-group codes, upper case.
    pub target_groups: Vec<String>,
    /// Other organizations taking part.
    pub participants: Vec<Participant>,
    /// Links to other reports.
    pub related: Vec<RelatedReport>,
    /// Documents and web pages.
    pub links: Vec<Link>,
    /// Whom to ask.
    pub contact: Option<Contact>,
    /// City or venue.
    pub location: String,
    /// The IATI activity identifier, or empty.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub iati_identifier: String,
    /// IATI elements kept verbatim for export.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub iati_extra: Vec<IatiExtra>,
}

impl ReportContent {
    /// The title to show when only one fits: the first one.
    pub fn display_title(&self) -> &str {
        self.title.first().map(|t| t.text.as_str()).unwrap_or("")
    }

    /// Turns validated content back into the JSON report file shape, so that `concord get
    /// -o json` prints what `concord submit --file` reads.
    pub fn to_draft(&self) -> ReportDraft {
        let date = |d: Option<Date>| d.map(|d| d.to_string()).unwrap_or_default();
        ReportDraft {
            title: TextInput::from_texts(&self.title),
            summary: TextInput::from_texts(&self.summary),
            activity_type: self.activity_type.name().to_string(),
            status: self.status.name().to_string(),
            dates: DraftDates {
                planned_start: date(self.dates.planned_start),
                actual_start: date(self.dates.actual_start),
                planned_end: date(self.dates.planned_end),
                actual_end: date(self.dates.actual_end),
            },
            countries: self.countries.clone(),
            regions: self.regions.clone(),
            themes: self.themes.clone(),
            target_groups: self.target_groups.clone(),
            participants: self
                .participants
                .iter()
                .map(|p| DraftParticipant {
                    organization: p.organization.clone(),
                    role: p.role.name().to_string(),
                })
                .collect(),
            related: self
                .related
                .iter()
                .map(|r| DraftRelated {
                    report_id: r.report_id.to_string(),
                    relation: r.relation.name().to_string(),
                })
                .collect(),
            links: self.links.clone(),
            contact: self.contact.clone(),
            location: self.location.clone(),
            iati_identifier: self.iati_identifier.clone(),
            iati_extra: self.iati_extra.clone(),
        }
    }
}

/// One problem with one field, named by its path in the report (`dates.actual_end`,
/// `countries[2]`, `themes[1].code`). Becomes a `google.rpc.BadRequest` field violation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldViolation {
    /// Path of the field, as in the JSON report file.
    pub field: String,
    /// What is wrong and what is expected.
    pub description: String,
}

impl FieldViolation {
    /// A violation of `field`.
    pub fn new(field: impl Into<String>, description: impl Into<String>) -> Self {
        FieldViolation {
            field: field.into(),
            description: description.into(),
        }
    }
}

impl std::fmt::Display for FieldViolation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.description)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coded_names_accept_case_spaces_and_hyphens() {
        assert_eq!(
            ActivityType::from_name("policy dialogue"),
            Some(ActivityType::PolicyDialogue)
        );
        assert_eq!(
            ParticipantRole::from_name(" co-organiser "),
            Some(ParticipantRole::CoOrganiser)
        );
        assert_eq!(ActivityStatus::from_name("4"), Some(ActivityStatus::Closed));
        assert_eq!(ActivityType::from_name("policy  dialogue"), None);
        assert_eq!(Relation::from_name("joint venture"), None);
    }

    #[test]
    fn numbers_round_trip() {
        for kind in ActivityType::ALL {
            assert_eq!(ActivityType::from_number(kind.number()), Some(kind));
        }
        for status in ActivityStatus::ALL {
            assert_eq!(ActivityStatus::from_code(status.code()), Some(status));
        }
        assert_eq!(ActivityType::from_number(0), None);
        assert_eq!(Relation::from_number(7), None);
    }

    #[test]
    fn extreme_numbers_are_unknown_not_a_panic() {
        // Found by fuzzing: `i32::MIN - 1` overflowed (a panic in debug builds) for a
        // status, type, role or relation sent as i32::MIN (over gRPC, in a relayed entry or
        // as "-2147483648" in a JSON report file).
        for number in [i32::MIN, i32::MIN + 1, -1, i32::MAX] {
            assert_eq!(ActivityType::from_number(number), None);
            assert_eq!(ActivityStatus::from_code(number), None);
            assert_eq!(ParticipantRole::from_number(number), None);
            assert_eq!(Relation::from_number(number), None);
        }
        assert_eq!(ActivityStatus::from_name("-2147483648"), None);
    }
}
