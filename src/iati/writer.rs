//! The IATI 2.03 writer: reports → an `iati-activities` document, written activity by
//! activity to any [`Write`] (nothing but the current activity is held).
//!
//! Each report becomes one `iati-activity` whose children follow the schema's order
//! ([`super::codes::ACTIVITY_ELEMENTS`]). For every report field that IATI has, the writer
//! makes the element ("generates" it) unless the report keeps, in `iati_extra`, the element
//! an import mapped that same value from: then it writes the kept element, verbatim. Kept
//! elements Concord has no field for are written at their place in the order. What IATI
//! requires and a report may lack gets a placeholder marked in the Concord namespace, which
//! an import ignores: a `description` (the title) and a `participating-org` (the reporting
//! organisation). What only Concord has goes in `concord:*` elements at the end.
//!
//! The document declares `xmlns:concord`; the writer escapes every text and attribute it
//! makes. Kept elements were checked when their report was validated
//! (`crate::iati::check_extra`): each is one well-formed element.

use std::io::Write;

use uuid::Uuid;

use super::codes::{
    self, CONCORD_NAMESPACE, CONCORD_PREFIX, GCM_VOCABULARY_URI, GROUP_REGION_VOCABULARY_URI,
    IATI_VERSION, LINK_CATEGORY, RTWG_VOCABULARY_URI,
};
use super::xml::{Element, escape, escape_into};
use super::{MemberDirectory, mapped_to};
use crate::report::vocabulary::region;
use crate::report::{
    ActivityStatus, Contact, Date, IatiExtra, Link, LocalizedText, Participant, ParticipantRole,
    RelatedReport, ReportContent, Theme,
};

/// One report to write.
#[derive(Debug, Clone, Copy)]
pub struct ExportedReport<'a> {
    /// The report's id.
    pub id: Uuid,
    /// Its organization (member code).
    pub organization: &'a str,
    /// Its revision.
    pub revision: u64,
    /// Its content.
    pub content: &'a ReportContent,
}

/// Writing failed.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The output refused bytes.
    #[error("cannot write the IATI document: {0}")]
    Io(#[from] std::io::Error),
    /// IATI requires at least one activity in a document.
    #[error("no report to export: an iati-activities document needs at least one activity")]
    Empty,
}

/// Writes an `iati-activities` document; see the module documentation.
pub struct IatiWriter<W: Write> {
    out: W,
    members: MemberDirectory,
    generated_datetime: String,
    activities: u64,
}

/// `concord:NAME`.
fn concord(name: &str) -> String {
    format!("{CONCORD_PREFIX}:{name}")
}

impl<W: Write> IatiWriter<W> {
    /// A writer to `out`; `members` names the reporting organisations; `generated_datetime`
    /// (`xsd:dateTime`, such as "2026-11-27T10:00:00Z") stamps the document.
    pub fn new(out: W, members: MemberDirectory, generated_datetime: &str) -> IatiWriter<W> {
        IatiWriter {
            out,
            members,
            generated_datetime: generated_datetime.to_string(),
            activities: 0,
        }
    }

    /// Activities written so far.
    pub fn activities(&self) -> u64 {
        self.activities
    }

    /// Writes one report as an `iati-activity` (the document's start before the first).
    pub fn write_report(&mut self, report: &ExportedReport<'_>) -> Result<(), WriteError> {
        if self.activities == 0 {
            let mut header = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
            header.push_str(&format!(
                "<iati-activities version=\"{IATI_VERSION}\" generated-datetime=\"{}\" xmlns:{CONCORD_PREFIX}=\"{CONCORD_NAMESPACE}\">\n",
                escape(&self.generated_datetime, true)
            ));
            self.out.write_all(header.as_bytes())?;
        }
        let text = activity_xml(report, &self.members);
        self.out.write_all(text.as_bytes())?;
        self.activities += 1;
        Ok(())
    }

    /// Ends the document and returns the output; [`WriteError::Empty`] when no report was
    /// written (IATI requires at least one activity).
    pub fn finish(mut self) -> Result<W, WriteError> {
        if self.activities == 0 {
            return Err(WriteError::Empty);
        }
        self.out.write_all(b"</iati-activities>\n")?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Indentation of the children of `iati-activity`.
const CHILD_INDENT: usize = 2;

struct ActivityText<'a> {
    out: String,
    extras: &'a [IatiExtra],
}

impl ActivityText<'_> {
    fn element(&mut self, element: &Element) {
        self.out.push_str("  ");
        element.write_to(&mut self.out, CHILD_INDENT);
        self.out.push('\n');
    }

    fn kept(&mut self, extra: &IatiExtra) {
        self.out.push_str("  ");
        self.out.push_str(&extra.xml);
        self.out.push('\n');
    }

    /// Kept elements of `path` that map to `key` (or, for `None`, that map to nothing).
    fn kept_for(&self, path: &str, key: Option<&str>) -> Vec<&IatiExtra> {
        self.extras
            .iter()
            .filter(|e| e.path == path && e.mapped_to == key.unwrap_or(""))
            .collect()
    }

    /// For each value: the kept elements it was mapped from, else the generated one; then
    /// the kept elements of `path` that map to nothing. Returns how many were written.
    fn reconcile<T>(
        &mut self,
        path: &str,
        values: &[T],
        key: impl Fn(&T) -> String,
        generate: impl Fn(&T) -> Option<Element>,
    ) -> usize {
        let mut written = 0;
        for value in values {
            let key = key(value);
            let kept: Vec<IatiExtra> = self
                .kept_for(path, Some(&key))
                .into_iter()
                .cloned()
                .collect();
            if kept.is_empty() {
                if let Some(element) = generate(value) {
                    self.element(&element);
                    written += 1;
                }
            } else {
                for extra in &kept {
                    self.kept(extra);
                    written += 1;
                }
            }
        }
        let unmapped: Vec<IatiExtra> = self.kept_for(path, None).into_iter().cloned().collect();
        for extra in &unmapped {
            self.kept(extra);
            written += 1;
        }
        written
    }
}

/// The `iati-activity` element of one report, indented for the document, with its newline.
pub(crate) fn activity_xml(report: &ExportedReport<'_>, members: &MemberDirectory) -> String {
    let content = report.content;
    let (reference, name) = members.organisation(report.organization);
    let mut text = ActivityText {
        out: String::with_capacity(4096),
        extras: &content.iati_extra,
    };
    text.out.push_str(" <iati-activity");
    for extra in content.iati_extra.iter() {
        if let Some(attribute) = extra.path.strip_prefix('@') {
            text.out.push(' ');
            text.out.push_str(attribute);
            text.out.push_str("=\"");
            escape_into(&mut text.out, &extra.xml, true);
            text.out.push('"');
        }
    }
    text.out.push_str(">\n");

    // iati-identifier
    let identifier = if content.iati_identifier.is_empty() {
        generated_identifier(&reference, report.id)
    } else {
        content.iati_identifier.clone()
    };
    text.element(&Element::new("iati-identifier").text(&identifier));

    // reporting-org
    match text
        .kept_for("reporting-org", None)
        .first()
        .cloned()
        .cloned()
    {
        Some(extra) => text.kept(&extra),
        None => text.element(&reporting_org(&reference, &name)),
    }

    // title, description
    text.element(&title(&content.title));
    let mut descriptions = 0;
    if !content.summary.is_empty() {
        text.element(&description(&content.summary));
        descriptions += 1;
    }
    descriptions += text.reconcile("description", &[] as &[()], |_| String::new(), |_| None);
    if descriptions == 0 {
        // IATI requires a description: the title stands in, marked so an import skips it.
        let mut placeholder = description(&content.title);
        placeholder
            .attributes
            .push((concord("from"), "title".into()));
        text.element(&placeholder);
    }

    // participating-org
    let participants = text.reconcile(
        "participating-org",
        &content.participants,
        participant_key,
        |p| Some(participant(p, members)),
    );
    if participants == 0 {
        // IATI requires one: the reporting organisation, accountable, marked as a stand-in.
        let placeholder = Element::new("participating-org")
            .with("ref", &reference)
            .with("role", "2")
            .with(&concord("from"), "reporting-org")
            .child_element(narrative("", &name));
        text.element(&placeholder);
    }

    text.reconcile(
        "other-identifier",
        &[] as &[()],
        |_| String::new(),
        |_| None,
    );

    // activity-status
    text.reconcile(
        "activity-status",
        &[content.status],
        |s| status_key(*s),
        |s| Some(status(*s)),
    );

    // activity-date, in type order
    let dates: Vec<(u8, Date)> = [
        (1, content.dates.planned_start),
        (2, content.dates.actual_start),
        (3, content.dates.planned_end),
        (4, content.dates.actual_end),
    ]
    .into_iter()
    .filter_map(|(kind, date)| date.map(|d| (kind, d)))
    .collect();
    text.reconcile(
        "activity-date",
        &dates,
        |(kind, date)| date_key(*kind, *date),
        |(kind, date)| Some(activity_date(*kind, *date)),
    );

    // contact-info
    let contacts: Vec<&Contact> = content.contact.iter().collect();
    text.reconcile(
        "contact-info",
        &contacts,
        |c| contact_key(c),
        |c| Some(contact(c)),
    );

    text.reconcile("activity-scope", &[] as &[()], |_| String::new(), |_| None);
    text.reconcile(
        "recipient-country",
        &content.countries,
        |c| country_key(c),
        |c| Some(country(c)),
    );
    text.reconcile(
        "recipient-region",
        &content.regions,
        |r| region_key(r),
        |r| recipient_region(r),
    );
    let locations: Vec<&String> = std::iter::once(&content.location)
        .filter(|l| !l.is_empty())
        .collect();
    text.reconcile(
        "location",
        &locations,
        |l| location_key(l),
        |l| Some(location(l)),
    );

    let (sector_themes, tag_themes): (Vec<&Theme>, Vec<&Theme>) =
        content.themes.iter().partition(|t| t.vocabulary == "DAC");
    text.reconcile("sector", &sector_themes, |t| theme_key(t), |t| theme(t));
    text.reconcile("tag", &tag_themes, |t| theme_key(t), |t| theme(t));

    for path in &codes::ACTIVITY_ELEMENTS[15..27] {
        text.reconcile(path, &[] as &[()], |_| String::new(), |_| None);
    }
    text.reconcile("document-link", &content.links, link_key, |l| Some(link(l)));
    text.reconcile("related-activity", &content.related, related_key, |_| None);
    for path in &codes::ACTIVITY_ELEMENTS[29..34] {
        text.reconcile(path, &[] as &[()], |_| String::new(), |_| None);
    }
    // Elements of other namespaces, in their order.
    let foreign: Vec<IatiExtra> = content
        .iati_extra
        .iter()
        .filter(|e| e.path.contains(':') && !e.path.starts_with('@'))
        .cloned()
        .collect();
    for extra in &foreign {
        text.kept(extra);
    }

    // What only Concord has.
    text.element(
        &Element::new(&concord("report"))
            .with("id", &report.id.to_string())
            .with("organization", report.organization)
            .with("revision", &report.revision.to_string())
            .with("activity-type", content.activity_type.name()),
    );
    for group in &content.target_groups {
        text.element(&Element::new(&concord("target-group")).with("code", group));
    }
    for related in &content.related {
        text.element(
            &Element::new(&concord("related"))
                .with("report-id", &related.report_id.to_string())
                .with("relation", related.relation.name()),
        );
    }
    text.out.push_str(" </iati-activity>\n");
    text.out
}

/// The identifier an export gives a report that has none: the reporting organisation's
/// identifier, a hyphen, the report id (IATI's rule: prefix, then the publisher's own id).
pub fn generated_identifier(reporting_reference: &str, id: Uuid) -> String {
    format!("{reporting_reference}-{id}")
}

// ---------------------------------------------------------------------------------------
// The elements made from report fields (also what an import compares with: an element
// equal to the one made from the value it maps to carries nothing more, and is not kept).
// ---------------------------------------------------------------------------------------

pub(crate) fn narrative(lang: &str, text: &str) -> Element {
    let element = Element::new("narrative");
    let element = if lang.is_empty() {
        element
    } else {
        element.with("xml:lang", lang)
    };
    element.text(text)
}

pub(crate) fn reporting_org(reference: &str, name: &str) -> Element {
    Element::new("reporting-org")
        .with("ref", reference)
        .with("type", "40")
        .child_element(narrative("", name))
}

pub(crate) fn title(texts: &[LocalizedText]) -> Element {
    let mut element = Element::new("title");
    for text in texts {
        element.children.push(narrative(&text.lang, &text.text));
    }
    element
}

pub(crate) fn description(texts: &[LocalizedText]) -> Element {
    let mut element = Element::new("description").with("type", "1");
    for text in texts {
        element.children.push(narrative(&text.lang, &text.text));
    }
    element
}

/// True for text shaped like an IATI organisation identifier ("XM-DAC-41114", "GB-COH-123"):
/// an export writes it as `@ref` rather than as a name.
pub(crate) fn looks_like_identifier(text: &str) -> bool {
    let mut parts = text.splitn(3, '-');
    let (Some(country), Some(agency), Some(number)) = (parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    country.len() == 2
        && country.bytes().all(|b| b.is_ascii_uppercase())
        && !agency.is_empty()
        && agency.bytes().all(|b| b.is_ascii_alphanumeric())
        && !number.is_empty()
        && !text.chars().any(char::is_whitespace)
}

pub(crate) fn participant(participant: &Participant, members: &MemberDirectory) -> Element {
    let mut element = Element::new("participating-org");
    let mut name = None;
    if let Some(member) = members.get(&participant.organization) {
        if let Some(reference) = member.iati_identifiers.first() {
            element = element.with("ref", reference);
        }
        name = Some(member.name.clone());
    } else if looks_like_identifier(&participant.organization) {
        element = element.with("ref", &participant.organization);
    } else {
        name = Some(participant.organization.clone());
    }
    element = element.with("role", codes::role_code(participant.role));
    if matches!(
        participant.role,
        ParticipantRole::CoOrganiser | ParticipantRole::Participant
    ) {
        element = element.with(&concord("role"), participant.role.name());
    }
    if let Some(name) = name {
        element = element.child_element(narrative("", &name));
    }
    element
}

pub(crate) fn status(status: ActivityStatus) -> Element {
    Element::new("activity-status").with("code", &status.code().to_string())
}

pub(crate) fn activity_date(kind: u8, date: Date) -> Element {
    Element::new("activity-date")
        .with("type", &kind.to_string())
        .with("iso-date", &date.to_string())
}

pub(crate) fn contact(contact: &Contact) -> Element {
    let mut element = Element::new("contact-info");
    for (name, value) in [
        ("organisation", &contact.organization),
        ("department", &contact.unit),
        ("person-name", &contact.person),
    ] {
        if !value.is_empty() {
            element
                .children
                .push(Element::new(name).child_element(narrative("", value)));
        }
    }
    if !contact.email.is_empty() {
        element
            .children
            .push(Element::new("email").text(&contact.email));
    }
    element
}

pub(crate) fn country(code: &str) -> Element {
    Element::new("recipient-country").with("code", code)
}

/// A region as IATI writes it: UN M49 areas in vocabulary 2, the working group's own
/// regions in vocabulary 99.
pub(crate) fn recipient_region(code: &str) -> Option<Element> {
    let known = region(code)?;
    let element = Element::new("recipient-region").with("code", known.code);
    Some(if known.is_m49() {
        element.with("vocabulary", "2")
    } else {
        element
            .with("vocabulary", "99")
            .with("vocabulary-uri", GROUP_REGION_VOCABULARY_URI)
    })
}

pub(crate) fn location(name: &str) -> Element {
    Element::new("location").child_element(Element::new("name").child_element(narrative("", name)))
}

/// A theme as IATI writes it: DAC purpose codes as sectors of vocabulary 1 (5 digits) or 2
/// (3-digit categories); SDG goals and targets as tags of vocabulary 2 and 3; GCM objectives
/// and the group's topics as tags of vocabulary 99 with their vocabulary URI.
pub(crate) fn theme(theme: &Theme) -> Option<Element> {
    let code = theme.code.as_str();
    let element = match theme.vocabulary.as_str() {
        "DAC" => Element::new("sector")
            .with("vocabulary", if code.len() == 5 { "1" } else { "2" })
            .with("code", code),
        "SDG" => Element::new("tag")
            .with("vocabulary", if code.contains('.') { "3" } else { "2" })
            .with("code", code),
        "GCM" => Element::new("tag")
            .with("vocabulary", "99")
            .with("vocabulary-uri", GCM_VOCABULARY_URI)
            .with("code", code),
        "RTWG" => Element::new("tag")
            .with("vocabulary", "99")
            .with("vocabulary-uri", RTWG_VOCABULARY_URI)
            .with("code", code),
        _ => return None,
    };
    Some(element)
}

pub(crate) fn link(link: &Link) -> Element {
    let mut element = Element::new("document-link")
        .with("url", &link.url)
        .with("format", codes::format_of_url(&link.url));
    if !link.kind.is_empty() {
        element = element.with(&concord("kind"), &link.kind);
    }
    let title = if link.title.is_empty() {
        Element::new("title")
            .with(&concord("from"), "url")
            .child_element(narrative("", &link.url))
    } else {
        Element::new("title").child_element(narrative("", &link.title))
    };
    element
        .child_element(title)
        .child_element(Element::new("category").with("code", LINK_CATEGORY))
}

// ---------------------------------------------------------------------------------------
// The `mapped_to` of each field's values.
// ---------------------------------------------------------------------------------------

pub(crate) fn participant_key(participant: &Participant) -> String {
    mapped_to("participants", participant)
}

pub(crate) fn status_key(status: ActivityStatus) -> String {
    mapped_to("status", status.name())
}

/// The report field of IATI activity-date type 1 to 4.
pub(crate) fn date_field(kind: u8) -> &'static str {
    match kind {
        1 => "dates.planned_start",
        2 => "dates.actual_start",
        3 => "dates.planned_end",
        _ => "dates.actual_end",
    }
}

pub(crate) fn date_key(kind: u8, date: Date) -> String {
    mapped_to(date_field(kind), &date.to_string())
}

pub(crate) fn contact_key(contact: &Contact) -> String {
    mapped_to("contact", contact)
}

pub(crate) fn country_key(code: &str) -> String {
    mapped_to("countries", code)
}

pub(crate) fn region_key(code: &str) -> String {
    mapped_to("regions", code)
}

pub(crate) fn location_key(name: &str) -> String {
    mapped_to("location", name)
}

pub(crate) fn theme_key(theme: &Theme) -> String {
    mapped_to("themes", theme)
}

pub(crate) fn link_key(link: &Link) -> String {
    mapped_to("links", link)
}

pub(crate) fn related_key(related: &RelatedReport) -> String {
    mapped_to("related", related)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{ActivityDates, ActivityType};

    fn content() -> ReportContent {
        ReportContent {
            title: vec![LocalizedText {
                lang: "en".into(),
                text: "Training on victim identification".into(),
            }],
            summary: vec![],
            activity_type: ActivityType::Training,
            status: ActivityStatus::Closed,
            dates: ActivityDates {
                planned_start: Date::from_ymd(2007, 3, 10),
                ..ActivityDates::default()
            },
            countries: vec!["KH".into()],
            regions: vec!["ESCAP".into()],
            themes: vec![
                Theme {
                    vocabulary: "GCM".into(),
                    code: "10".into(),
                },
                Theme {
                    vocabulary: "DAC".into(),
                    code: "15190".into(),
                },
            ],
            target_groups: vec!["GOVERNMENT_OFFICIALS".into()],
            participants: vec![],
            related: vec![],
            links: vec![],
            contact: None,
            location: String::new(),
            iati_identifier: String::new(),
            iati_extra: vec![],
        }
    }

    #[test]
    fn writes_schema_order_and_placeholders() {
        let content = content();
        let id = Uuid::nil();
        let mut writer = IatiWriter::new(
            Vec::new(),
            MemberDirectory::default_members(),
            "2026-01-01T00:00:00Z",
        );
        writer
            .write_report(&ExportedReport {
                id,
                organization: "IOM",
                revision: 1,
                content: &content,
            })
            .unwrap();
        let xml = String::from_utf8(writer.finish().unwrap()).unwrap();
        let order = [
            "<iati-identifier>XM-DAC-47066-00000000-0000-0000-0000-000000000000<",
            "<reporting-org ref=\"XM-DAC-47066\" type=\"40\">",
            "<title>",
            "<description type=\"1\" concord:from=\"title\">",
            "<participating-org ref=\"XM-DAC-47066\" role=\"2\" concord:from=\"reporting-org\">",
            "<activity-status code=\"4\"/>",
            "<activity-date type=\"1\" iso-date=\"2007-03-10\"/>",
            "<recipient-country code=\"KH\"/>",
            "<recipient-region code=\"ESCAP\" vocabulary=\"99\"",
            "<sector vocabulary=\"1\" code=\"15190\"/>",
            "<tag vocabulary=\"99\" vocabulary-uri=\"https://undocs.org/A/RES/73/195\" code=\"10\"/>",
            "<concord:report id=\"00000000-0000-0000-0000-000000000000\" organization=\"IOM\" revision=\"1\" activity-type=\"TRAINING\"/>",
            "<concord:target-group code=\"GOVERNMENT_OFFICIALS\"/>",
        ];
        let mut at = 0;
        for piece in order {
            let found = xml[at..]
                .find(piece)
                .unwrap_or_else(|| panic!("{piece} missing or out of order in\n{xml}"));
            at += found + piece.len();
        }
    }

    /// A report that never was IATI comes back from its own export unchanged: every field
    /// IATI lacks travels in the Concord namespace, and the stand-ins are ignored.
    #[test]
    fn a_concord_report_survives_its_export() {
        use crate::iati::{ImportContext, Importer};
        let mut content = content();
        content.title.push(LocalizedText {
            lang: "fr".into(),
            text: "Formation".into(),
        });
        content.themes.push(Theme {
            vocabulary: "RTWG".into(),
            code: "trafficking".into(),
        });
        content.themes.push(Theme {
            vocabulary: "SDG".into(),
            code: "16.2".into(),
        });
        content.participants = vec![
            Participant {
                organization: "ESCAP".into(),
                role: ParticipantRole::CoOrganiser,
            },
            Participant {
                organization: "Royal Thai Police".into(),
                role: ParticipantRole::Participant,
            },
            Participant {
                organization: "XM-DAC-701-2".into(),
                role: ParticipantRole::Funding,
            },
        ];
        content.links = vec![
            Link {
                url: "https://www.example.org/agenda.pdf".into(),
                title: String::new(),
                kind: "agenda".into(),
            },
            Link {
                url: "https://www.example.org/".into(),
                title: "Page & more".into(),
                kind: String::new(),
            },
        ];
        content.related = vec![RelatedReport {
            report_id: Uuid::now_v7(),
            relation: crate::report::Relation::Joint,
        }];
        content.contact = Some(Contact {
            organization: "IOM".into(),
            unit: "Regional Office".into(),
            email: "ro@example.org".into(),
            person: String::new(),
        });
        content.location = "Phnom Penh".into();
        let members = MemberDirectory::default_members();
        let mut writer = IatiWriter::new(Vec::new(), members.clone(), "2026-01-01T00:00:00Z");
        let id = Uuid::now_v7();
        writer
            .write_report(&ExportedReport {
                id,
                organization: "IOM",
                revision: 4,
                content: &content,
            })
            .unwrap();
        let xml = writer.finish().unwrap();
        let context = ImportContext {
            members,
            today: Date::from_ymd(2026, 1, 1).unwrap(),
            known_reports: Default::default(),
        };
        let activities: Vec<_> = Importer::new(xml.as_slice(), context)
            .map(|a| a.unwrap())
            .collect();
        assert_eq!(activities.len(), 1);
        assert_eq!(activities[0].concord_report_id, Some(id));
        let mapped = activities[0].outcome.as_ref().expect("maps");
        // DAC themes are sectors, written before the tags.
        let mut expected = content.clone();
        expected.themes.sort_by_key(|t| t.vocabulary != "DAC");
        assert_eq!(
            mapped.content,
            expected,
            "{}",
            String::from_utf8_lossy(&xml)
        );
    }

    #[test]
    fn an_empty_document_is_refused() {
        let writer = IatiWriter::new(Vec::new(), MemberDirectory::default(), "x");
        assert!(matches!(writer.finish(), Err(WriteError::Empty)));
    }

    #[test]
    fn identifiers_are_recognised() {
        assert!(looks_like_identifier("XM-DAC-701-2"));
        assert!(looks_like_identifier("GB-COH-123456"));
        assert!(!looks_like_identifier(
            "Japan - Ministry of Foreign Affairs"
        ));
        assert!(!looks_like_identifier("IOM"));
    }
}
