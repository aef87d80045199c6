//! One `iati-activity` → a report draft and an import summary, or every problem found.
//!
//! | IATI | report field | notes |
//! |---|---|---|
//! | `iati-identifier` | `iati_identifier` | required, one |
//! | `reporting-org` | (the report's organization) | required, one; the member is found by `@ref` among the members' IATI identifiers, else by name or alias |
//! | `title/narrative` | `title`, one per language | required; `xml:lang`, else the activity's, else the document's |
//! | `description` (no type, or type 1) | `summary`, one per language | the first one; other descriptions are kept |
//! | `participating-org` | `participants` | role 1-4 → FUNDING, ACCOUNTABLE, EXTENDING, IMPLEMENTING; the organisation is a member code (by `@ref` or name), else its name, else its `@ref` |
//! | `activity-status` | `status` | required, code 1-6 |
//! | `activity-date` | `dates` | type 1 planned start, 2 actual start, 3 planned end, 4 actual end; one of each |
//! | `contact-info` (the first) | `contact` | organisation, department → unit, person-name, email |
//! | `recipient-country` | `countries` | ISO 3166-1 alpha-2 |
//! | `recipient-region` | `regions` | vocabulary 2 (UN M49); vocabulary 1 (OECD DAC) where a DAC region is exactly an M49 area; vocabulary 99 with Concord's region URI |
//! | `location` (the first) | `location` | its name |
//! | `sector` | `themes` DAC | vocabulary 1 (5-digit purpose codes) and 2 (3-digit categories); other vocabularies kept |
//! | `tag` | `themes` SDG, GCM, RTWG | vocabulary 2 (SDG goals), 3 (SDG targets), 99 with the GCM or RTWG vocabulary URI; others kept |
//! | `document-link` | `links` | when its URL is one Concord accepts (http, https, mailto) |
//! | `related-activity` | `related` | kept; also a link when the identifier is a report Concord knows (type 1 parent, 2 child, 4 co-funded) |
//! | `concord:*` | activity type, target groups, related reports | written by Concord's own export |
//!
//! An element that maps to a field but carries more than the field holds (a narrative in an
//! `activity-date`, a percentage, an identifier of a participating organisation...) is also
//! kept verbatim, with the value it gave (`mapped_to`). Every other IATI 2.03 element
//! (budgets, transactions, results, policy markers...) and the attributes of `iati-activity`
//! (`default-currency`, `humanitarian`...) are kept verbatim. Nothing is dropped silently:
//! the summary says what happened to each element.
//!
//! The activity type is not an IATI field: it comes from `concord:report`, else from the
//! aid type (`default-aid-type`, else the transactions' when they agree), else PROGRAMME for
//! an activity with budgets or transactions, else OTHER; the summary says which.
//!
//! The draft is validated as the node will validate it (`report::validate`); a violation is
//! reported on the element its value came from.

use std::collections::HashSet;

use uuid::Uuid;

use super::codes::{
    self, CONCORD_NAMESPACE, GCM_VOCABULARY_URI, GROUP_REGION_VOCABULARY_URI, RTWG_VOCABULARY_URI,
};
use super::reader::RawActivity;
use super::writer;
use super::xml::{Captured, Element, Scope};
use super::{
    ActivityError, ImportContext, ImportNote, ImportSummary, ImportedActivity, MappedReport,
    NoteKind, ReportingOrganisation, collapse_whitespace,
};
use crate::report::validate::validate_draft;
use crate::report::vocabulary::{country_alpha2, normalize_theme, region};
use crate::report::{
    ActivityStatus, ActivityType, Contact, Date, DraftParticipant, DraftRelated, IatiExtra, Link,
    LocalizedText, Participant, ParticipantRole, RelatedReport, ReportDraft, TextInput, Theme,
};

/// Maps one activity; see the module documentation.
pub fn map_activity(raw: &RawActivity, context: &ImportContext) -> ImportedActivity {
    let mut mapper = Mapper {
        raw,
        context,
        lang: &raw.default_lang,
        errors: Vec::new(),
        notes: Vec::new(),
        draft: ReportDraft::default(),
        titles: Vec::new(),
        summary: Vec::new(),
        extras: Vec::new(),
        origins: Vec::new(),
        covered: HashSet::new(),
        identifier: String::new(),
        reporting: ReportingOrganisation::default(),
        concord_id: None,
        concord_type: None,
        default_aid_types: Vec::new(),
        transaction_aid_types: Vec::new(),
        has_finance: false,
    };
    mapper.run();
    mapper.finish()
}

/// Where a draft field's value came from.
struct Origin {
    field: String,
    element: String,
    line: u64,
}

struct Mapper<'a> {
    raw: &'a RawActivity,
    context: &'a ImportContext,
    lang: &'a str,
    errors: Vec<ActivityError>,
    notes: Vec<ImportNote>,
    draft: ReportDraft,
    titles: Vec<LocalizedText>,
    summary: Vec<LocalizedText>,
    extras: Vec<IatiExtra>,
    origins: Vec<Origin>,
    /// Draft fields whose problem an IATI rule already reported.
    covered: HashSet<&'static str>,
    identifier: String,
    reporting: ReportingOrganisation,
    concord_id: Option<Uuid>,
    concord_type: Option<ActivityType>,
    default_aid_types: Vec<String>,
    transaction_aid_types: Vec<String>,
    has_finance: bool,
}

/// The extras of one kind, with the value each mapped to, before they are put in the
/// order an export writes them.
#[derive(Default)]
struct Group {
    /// Keys of the values this kind gave, distinct, in order.
    keys: Vec<String>,
    /// Kept elements and the key of the value each mapped to.
    kept: Vec<(Option<String>, IatiExtra)>,
}

impl Group {
    fn value(&mut self, key: &str) {
        if !self.keys.iter().any(|k| k == key) {
            self.keys.push(key.to_string());
        }
    }

    /// The kept elements in export order: for each value, the elements mapped to it; then
    /// the elements mapped to nothing.
    fn into_ordered(self) -> Vec<IatiExtra> {
        let mut kept = self.kept;
        let mut out = Vec::with_capacity(kept.len());
        for key in &self.keys {
            let (mine, rest): (Vec<_>, Vec<_>) = kept
                .into_iter()
                .partition(|(k, _)| k.as_deref() == Some(key.as_str()));
            out.extend(mine.into_iter().map(|(_, e)| e));
            kept = rest;
        }
        out.extend(kept.into_iter().map(|(_, e)| e));
        out
    }
}

/// Roughly an e-mail address (Concord's validation has the last word).
fn email_shaped(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !text.chars().any(char::is_whitespace)
}

/// A URL Concord's links accept: http, https or mailto, a host, no whitespace.
fn link_url_ok(url: &str) -> bool {
    if url.is_empty() || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let lower = url.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("mailto:") {
        return !rest.is_empty();
    }
    ["http://", "https://"].iter().any(|scheme| {
        lower
            .strip_prefix(scheme)
            .is_some_and(|rest| !rest.is_empty() && !rest.starts_with(['/', '?', '#']))
    })
}

impl<'a> Mapper<'a> {
    fn error(&mut self, line: u64, element: &str, rule: impl Into<String>) {
        self.errors.push(ActivityError {
            line,
            element: element.to_string(),
            rule: rule.into(),
        });
    }

    fn note(&mut self, line: u64, element: &str, kind: NoteKind, detail: impl Into<String>) {
        self.notes.push(ImportNote {
            line,
            element: element.to_string(),
            kind,
            detail: detail.into(),
        });
    }

    fn origin(&mut self, field: impl Into<String>, element: &str, line: u64) {
        self.origins.push(Origin {
            field: field.into(),
            element: element.to_string(),
            line,
        });
    }

    /// The narratives of `element` as texts: language from `xml:lang` or the default;
    /// text trimmed, and with whitespace collapsed when `single_line`.
    fn narratives(&self, element: &Element, single_line: bool) -> Vec<(u64, LocalizedText)> {
        element
            .children_named("narrative")
            .map(|narrative| {
                let lang = narrative
                    .attr_value("xml:lang")
                    .unwrap_or(self.lang)
                    .to_string();
                let text = if single_line {
                    collapse_whitespace(&narrative.text)
                } else {
                    narrative.text.trim().to_string()
                };
                (narrative.line, LocalizedText { lang, text })
            })
            .collect()
    }

    /// The first non-empty narrative of `element`, whitespace collapsed.
    fn first_name(&self, element: &Element) -> Option<String> {
        element
            .children_named("narrative")
            .map(|n| collapse_whitespace(&n.text))
            .find(|t| !t.is_empty())
    }

    /// True when `captured` says nothing more than `generated`, the element an export
    /// makes from the value it maps to.
    fn is_plain(&self, captured: &Captured, generated: &Element) -> bool {
        captured.element.canonical(self.lang) == generated.canonical(self.lang)
    }

    fn keep(captured: &Captured, mapped_to: &str) -> IatiExtra {
        IatiExtra {
            path: captured.element.name.clone(),
            xml: captured.xml.clone(),
            mapped_to: mapped_to.to_string(),
        }
    }

    /// Keeps `captured` under `key` unless it is plain; notes what happened.
    fn mapped(
        &mut self,
        group: &mut Group,
        captured: &Captured,
        generated: Option<&Element>,
        key: &str,
        detail: String,
    ) {
        group.value(key);
        let element = &captured.element;
        if generated.is_some_and(|g| self.is_plain(captured, g)) {
            self.note(element.line, &element.name, NoteKind::Mapped, detail);
        } else {
            group
                .kept
                .push((Some(key.to_string()), Self::keep(captured, key)));
            self.note(
                element.line,
                &element.name,
                NoteKind::MappedAndKept,
                format!("{detail}; kept verbatim for what the field does not hold"),
            );
        }
    }

    fn kept_unmapped(&mut self, group: &mut Group, captured: &Captured, detail: String) {
        group.kept.push((None, Self::keep(captured, "")));
        let element = &captured.element;
        self.note(element.line, &element.name, NoteKind::Kept, detail);
    }

    /// The value of a Concord-namespace attribute of `element` (inside `outer`).
    fn concord_attr<'e>(
        &self,
        element: &'e Element,
        local: &str,
        outer: &Scope,
    ) -> Option<&'e str> {
        element.attr_in(CONCORD_NAMESPACE, local, outer)
    }

    fn run(&mut self) {
        let raw = self.raw;
        self.activity_attributes();
        for &line in &raw.stray_text_lines {
            self.note(
                line,
                "iati-activity",
                NoteKind::Dropped,
                "text directly inside iati-activity: IATI has none there",
            );
        }
        // Group the children by their place in the schema (document order inside a group).
        let mut groups: Vec<Vec<&Captured>> = vec![Vec::new(); codes::ACTIVITY_ELEMENTS.len()];
        for child in &raw.children {
            let name = child.element.name.as_str();
            match codes::element_position(name) {
                Some(position) => groups[position].push(child),
                None => self.note(
                    child.element.line,
                    name,
                    NoteKind::Dropped,
                    format!("<{name}> is not an element of iati-activity in IATI 2.03"),
                ),
            }
        }
        for (position, group) in groups.into_iter().enumerate() {
            let kind = codes::ACTIVITY_ELEMENTS[position];
            self.kind(kind, &group);
        }
    }

    fn activity_attributes(&mut self) {
        let raw = self.raw;
        let mut group = Group::default();
        for (name, value) in &raw.attributes {
            let keepable =
                name == "xml:lang" || codes::ACTIVITY_ATTRIBUTES.contains(&name.as_str());
            if name == "xmlns" || name.starts_with("xmlns:") {
                continue;
            }
            let path = format!("@{name}");
            if keepable {
                group.kept.push((
                    None,
                    IatiExtra {
                        path: path.clone(),
                        xml: value.clone(),
                        mapped_to: String::new(),
                    },
                ));
                self.note(
                    raw.line,
                    &path,
                    NoteKind::Kept,
                    "attribute of iati-activity",
                );
            } else if name.contains(':') {
                self.note(
                    raw.line,
                    &path,
                    NoteKind::Dropped,
                    "an attribute of another namespace on iati-activity (such as a portal's harvest data), not activity content",
                );
            } else {
                self.note(
                    raw.line,
                    &path,
                    NoteKind::Dropped,
                    "not an attribute of iati-activity in IATI 2.03",
                );
            }
        }
        self.extras.extend(group.into_ordered());
    }

    fn kind(&mut self, kind: &str, group: &[&Captured]) {
        match kind {
            "iati-identifier" => self.identifier(group),
            "reporting-org" => self.reporting_org(group),
            "title" => self.title(group),
            "description" => self.descriptions(group),
            "participating-org" => self.participants(group),
            "activity-status" => self.status(group),
            "activity-date" => self.dates(group),
            "contact-info" => self.contacts(group),
            "recipient-country" => self.countries(group),
            "recipient-region" => self.regions(group),
            "location" => self.locations(group),
            "sector" => self.sectors(group),
            "tag" => self.tags(group),
            "document-link" => self.links(group),
            "related-activity" => self.related(group),
            "##other" => self.foreign(group),
            _ => {
                let mut kept = Group::default();
                for captured in group {
                    self.inspect_finance(&captured.element);
                    self.kept_unmapped(
                        &mut kept,
                        captured,
                        "kept verbatim: the report has no field for it".into(),
                    );
                }
                self.extras.extend(kept.into_ordered());
            }
        }
    }

    /// Aid types and financial elements, for the activity type.
    fn inspect_finance(&mut self, element: &Element) {
        match element.name.as_str() {
            "default-aid-type" => {
                if element.attr_value("vocabulary").is_none_or(|v| v == "1")
                    && let Some(code) = element.attr_value("code")
                {
                    self.default_aid_types.push(code.to_string());
                }
            }
            "transaction" => {
                self.has_finance = true;
                for aid in element.children_named("aid-type") {
                    if aid.attr_value("vocabulary").is_none_or(|v| v == "1")
                        && let Some(code) = aid.attr_value("code")
                    {
                        self.transaction_aid_types.push(code.to_string());
                    }
                }
            }
            "budget" | "planned-disbursement" => self.has_finance = true,
            _ => {}
        }
    }

    fn identifier(&mut self, group: &[&Captured]) {
        let Some(first) = group.first() else {
            self.error(
                self.raw.line,
                "iati-activity",
                "no iati-identifier: IATI requires the activity's globally unique identifier, and Concord uses it to revise the report on the next import",
            );
            self.covered.insert("iati_identifier");
            return;
        };
        for extra in &group[1..] {
            self.error(
                extra.element.line,
                "iati-identifier",
                format!(
                    "a second iati-identifier (the first is on line {}): IATI allows exactly one per activity",
                    first.element.line
                ),
            );
        }
        let text = first.element.text.trim().to_string();
        if text.is_empty() {
            self.error(
                first.element.line,
                "iati-identifier",
                "the iati-identifier is empty: IATI requires the activity's globally unique identifier, and Concord uses it to revise the report on the next import",
            );
            self.covered.insert("iati_identifier");
        } else {
            self.note(
                first.element.line,
                "iati-identifier",
                NoteKind::Mapped,
                format!("iati_identifier: {text}"),
            );
        }
        self.origin("iati_identifier", "iati-identifier", first.element.line);
        self.identifier = text;
    }

    fn reporting_org(&mut self, group: &[&Captured]) {
        let Some(first) = group.first() else {
            self.error(
                self.raw.line,
                "iati-activity",
                "no reporting-org: IATI requires the organisation that reports the activity",
            );
            return;
        };
        for extra in &group[1..] {
            self.error(
                extra.element.line,
                "reporting-org",
                format!(
                    "a second reporting-org (the first is on line {}): IATI allows exactly one per activity",
                    first.element.line
                ),
            );
        }
        let element = &first.element;
        let reference = element.attr_value("ref").unwrap_or("").to_string();
        let name = self.first_name(element).unwrap_or_default();
        if reference.is_empty() {
            self.error(
                element.line,
                "reporting-org",
                "reporting-org without @ref: IATI requires the reporting organisation's identifier",
            );
        }
        let members = &self.context.members;
        let member = members.by_identifier(&reference).or_else(|| {
            element
                .children_named("narrative")
                .find_map(|n| members.by_name(&n.text))
        });
        let member_code = member.map(|m| m.code.clone());
        let mut kept = Group::default();
        match &member_code {
            Some(code) => {
                let (member_reference, member_name) = members.organisation(code);
                let generated = writer::reporting_org(&member_reference, &member_name);
                if self.is_plain(first, &generated) {
                    self.note(
                        element.line,
                        "reporting-org",
                        NoteKind::Mapped,
                        format!("the report's organization: member {code}"),
                    );
                } else {
                    self.kept_unmapped(
                        &mut kept,
                        first,
                        format!("the report's organization: member {code}; kept verbatim for export"),
                    );
                    if let Some(note) = self.notes.last_mut() {
                        note.kind = NoteKind::MappedAndKept;
                    }
                }
            }
            None => self.kept_unmapped(
                &mut kept,
                first,
                format!(
                    "not a member of the working group (ref {reference:?}, name {name:?}); kept verbatim"
                ),
            ),
        }
        self.extras.extend(kept.into_ordered());
        self.reporting = ReportingOrganisation {
            reference,
            name,
            member: member_code,
        };
    }

    fn title(&mut self, group: &[&Captured]) {
        let Some(first) = group.first() else {
            self.error(
                self.raw.line,
                "iati-activity",
                "no title: IATI requires one, and Concord needs it",
            );
            self.covered.insert("title");
            return;
        };
        for extra in &group[1..] {
            self.error(
                extra.element.line,
                "title",
                format!(
                    "a second title (the first is on line {}): IATI allows one title per activity, with a narrative per language",
                    first.element.line
                ),
            );
        }
        let element = &first.element;
        let narratives = self.narratives(element, true);
        if narratives.is_empty() {
            self.error(
                element.line,
                "title",
                "title without narrative: IATI requires at least one narrative (the title's text) in a title",
            );
            self.covered.insert("title");
        }
        for (line, text) in narratives {
            if text.text.is_empty() {
                self.error(
                    line,
                    "narrative",
                    "an empty narrative in title: give the title's text or remove the narrative",
                );
                self.covered.insert("title");
            } else {
                self.titles.push(text);
            }
        }
        let langs: Vec<String> = self
            .titles
            .iter()
            .map(|t| {
                if t.lang.is_empty() {
                    "-".to_string()
                } else {
                    t.lang.clone()
                }
            })
            .collect();
        self.note(
            element.line,
            "title",
            NoteKind::Mapped,
            format!("title ({})", langs.join(", ")),
        );
        self.origin("title", "title", element.line);
    }

    fn descriptions(&mut self, group: &[&Captured]) {
        let mut kept = Group::default();
        let scope = self.raw.scope.clone();
        for captured in group {
            let element = &captured.element;
            if self.concord_attr(element, "from", &scope) == Some("title") {
                self.note(
                    element.line,
                    "description",
                    NoteKind::Dropped,
                    "a stand-in a Concord export wrote (the title, as IATI requires a description): ignored",
                );
                continue;
            }
            let general = element.attr_value("type").is_none_or(|t| t == "1");
            if general && self.summary.is_empty() {
                let narratives = self.narratives(element, false);
                if narratives.is_empty() {
                    self.error(
                        element.line,
                        "description",
                        "description without narrative: IATI requires at least one narrative in a description",
                    );
                    self.covered.insert("summary");
                }
                for (line, text) in narratives {
                    if text.text.is_empty() {
                        self.error(
                            line,
                            "narrative",
                            "an empty narrative in description: give the text or remove the narrative",
                        );
                        self.covered.insert("summary");
                    } else {
                        self.summary.push(text);
                    }
                }
                self.note(element.line, "description", NoteKind::Mapped, "summary");
                self.origin("summary", "description", element.line);
            } else {
                let kind = element.attr_value("type").unwrap_or("1");
                self.kept_unmapped(
                    &mut kept,
                    captured,
                    format!(
                        "description of type {kind}: kept verbatim (the summary holds the first general description)"
                    ),
                );
            }
        }
        self.extras.extend(kept.into_ordered());
    }

    fn participants(&mut self, group: &[&Captured]) {
        let mut kept = Group::default();
        let scope = self.raw.scope.clone();
        for captured in group {
            let element = &captured.element;
            let line = element.line;
            if self.concord_attr(element, "from", &scope) == Some("reporting-org") {
                self.note(
                    line,
                    "participating-org",
                    NoteKind::Dropped,
                    "a stand-in a Concord export wrote (IATI requires a participating-org): ignored",
                );
                continue;
            }
            let concord_role = self
                .concord_attr(element, "role", &scope)
                .and_then(ParticipantRole::from_name);
            let role = match element.attr_value("role") {
                None => {
                    self.error(
                        line,
                        "participating-org",
                        "participating-org without @role: IATI requires the organisation's role (1 funding, 2 accountable, 3 extending, 4 implementing)",
                    );
                    None
                }
                Some(code) => match codes::role_from_code(code) {
                    Some(role) => Some(concord_role.unwrap_or(role)),
                    None => {
                        self.error(
                            line,
                            "participating-org",
                            format!(
                                "role {code:?} is not an IATI OrganisationRole code: expected 1 (funding), 2 (accountable), 3 (extending) or 4 (implementing)"
                            ),
                        );
                        None
                    }
                },
            };
            let reference = element.attr_value("ref").map(str::to_string);
            let members = &self.context.members;
            let member = reference
                .as_deref()
                .and_then(|r| members.by_identifier(r))
                .or_else(|| {
                    element
                        .children_named("narrative")
                        .find_map(|n| members.by_name(&n.text))
                });
            let organization = match (member, self.first_name(element), reference) {
                (Some(member), _, _) => Some(member.code.clone()),
                (None, Some(name), _) => Some(name),
                (None, None, Some(reference)) => Some(reference),
                (None, None, None) => {
                    self.error(
                        line,
                        "participating-org",
                        "participating-org with neither @ref nor a narrative: IATI requires the organisation's identifier or its name",
                    );
                    None
                }
            };
            let (Some(organization), Some(role)) = (organization, role) else {
                continue;
            };
            let participant = Participant { organization, role };
            let generated = writer::participant(&participant, &self.context.members);
            let key = writer::participant_key(&participant);
            let index = self.draft.participants.len();
            self.origin(format!("participants[{index}]"), "participating-org", line);
            self.mapped(
                &mut kept,
                captured,
                Some(&generated),
                &key,
                format!(
                    "participants: {} {}",
                    participant.organization,
                    participant.role.name()
                ),
            );
            self.draft.participants.push(DraftParticipant {
                organization: participant.organization,
                role: participant.role.name().to_string(),
            });
        }
        self.extras.extend(kept.into_ordered());
    }

    fn status(&mut self, group: &[&Captured]) {
        let Some(first) = group.first() else {
            self.error(
                self.raw.line,
                "iati-activity",
                "no activity-status: IATI requires one, and Concord needs the status",
            );
            self.covered.insert("status");
            return;
        };
        for extra in &group[1..] {
            self.error(
                extra.element.line,
                "activity-status",
                format!(
                    "a second activity-status (the first is on line {}): IATI allows exactly one",
                    first.element.line
                ),
            );
        }
        let element = &first.element;
        let code = element.attr_value("code");
        let status = code.and_then(|c| c.parse::<i32>().ok().and_then(ActivityStatus::from_code));
        let Some(status) = status else {
            let rule = match code {
                None => "activity-status without @code: IATI requires the status code".to_string(),
                Some(code) => format!(
                    "code {code:?} is not an IATI ActivityStatus code: expected 1 (pipeline), 2 (implementation), 3 (finalisation), 4 (closed), 5 (cancelled) or 6 (suspended)"
                ),
            };
            self.error(element.line, "activity-status", rule);
            self.covered.insert("status");
            return;
        };
        let mut kept = Group::default();
        self.mapped(
            &mut kept,
            first,
            Some(&writer::status(status)),
            &writer::status_key(status),
            format!("status: {}", status.name()),
        );
        self.extras.extend(kept.into_ordered());
        self.draft.status = status.name().to_string();
        self.origin("status", "activity-status", element.line);
    }

    fn dates(&mut self, group: &[&Captured]) {
        let mut found: [Option<(u64, Date, &Captured)>; 4] = [None; 4];
        let mut failed = false;
        for captured in group {
            let element = &captured.element;
            let line = element.line;
            let kind = match element.attr_value("type") {
                None => {
                    self.error(
                        line,
                        "activity-date",
                        "activity-date without @type: IATI requires the type (1 planned start, 2 actual start, 3 planned end, 4 actual end)",
                    );
                    failed = true;
                    continue;
                }
                Some(kind) => match kind {
                    "1" => 1u8,
                    "2" => 2,
                    "3" => 3,
                    "4" => 4,
                    other => {
                        self.error(
                            line,
                            "activity-date",
                            format!(
                                "type {other:?} is not an IATI ActivityDateType code: expected 1 (planned start), 2 (actual start), 3 (planned end) or 4 (actual end)"
                            ),
                        );
                        failed = true;
                        continue;
                    }
                },
            };
            let date = match element.attr_value("iso-date") {
                None => {
                    self.error(
                        line,
                        "activity-date",
                        "activity-date without @iso-date: IATI requires the date, as YYYY-MM-DD",
                    );
                    failed = true;
                    continue;
                }
                Some(text) => match Date::parse(text) {
                    Ok(date) => date,
                    Err(message) => {
                        self.error(
                            line,
                            "activity-date",
                            format!("impossible date in @iso-date: {message}"),
                        );
                        failed = true;
                        continue;
                    }
                },
            };
            let slot = &mut found[usize::from(kind - 1)];
            if let Some((first_line, _, _)) = slot {
                let first_line = *first_line;
                self.error(
                    line,
                    "activity-date",
                    format!(
                        "a second activity-date of type {kind} (the first is on line {first_line}): a report holds one date of each type"
                    ),
                );
                failed = true;
                continue;
            }
            *slot = Some((line, date, captured));
        }
        if failed {
            self.covered.insert("dates");
        }
        if group.is_empty() {
            self.error(
                self.raw.line,
                "iati-activity",
                "no activity-date: IATI requires at least one, and Concord needs a start date (type 1 planned start or 2 actual start)",
            );
            self.covered.insert("dates");
        } else if !failed && found[0].is_none() && found[1].is_none() {
            self.error(
                group[0].element.line,
                "activity-date",
                "no activity-date of type 1 (planned start) or 2 (actual start): Concord needs a start date",
            );
            self.covered.insert("dates");
        }
        let mut kept = Group::default();
        for (index, slot) in found.iter().enumerate() {
            let Some((line, date, captured)) = slot else {
                continue;
            };
            let kind = index as u8 + 1;
            let field = writer::date_field(kind);
            self.mapped(
                &mut kept,
                captured,
                Some(&writer::activity_date(kind, *date)),
                &writer::date_key(kind, *date),
                format!("{field}: {date}"),
            );
            self.origin(field, "activity-date", *line);
            let text = date.to_string();
            match kind {
                1 => self.draft.dates.planned_start = text,
                2 => self.draft.dates.actual_start = text,
                3 => self.draft.dates.planned_end = text,
                _ => self.draft.dates.actual_end = text,
            }
        }
        let first_line = group.first().map_or(self.raw.line, |c| c.element.line);
        self.origin("dates", "activity-date", first_line);
        self.extras.extend(kept.into_ordered());
    }

    fn contacts(&mut self, group: &[&Captured]) {
        let mut kept = Group::default();
        for (index, captured) in group.iter().enumerate() {
            let element = &captured.element;
            if index > 0 || self.draft.contact.is_some() {
                self.kept_unmapped(
                    &mut kept,
                    captured,
                    "another contact-info: kept verbatim (the report holds one contact)".into(),
                );
                continue;
            }
            let name_of = |child: &str| {
                element
                    .child(child)
                    .and_then(|c| self.first_name(c))
                    .unwrap_or_default()
            };
            let (organization, unit, person) = (
                name_of("organisation"),
                name_of("department"),
                name_of("person-name"),
            );
            let email = element
                .children_named("email")
                .map(|e| e.text.trim().to_string())
                .find(|e| !e.is_empty())
                .unwrap_or_default();
            let email = if email.is_empty() || email_shaped(&email) {
                email
            } else {
                self.note(
                    element.line,
                    "contact-info",
                    NoteKind::Kept,
                    format!("email {email:?} is not an e-mail address Concord accepts: not mapped"),
                );
                String::new()
            };
            let contact = Contact {
                organization,
                unit,
                person,
                email,
            };
            if contact.is_empty() {
                self.kept_unmapped(
                    &mut kept,
                    captured,
                    "no organisation, department, person or e-mail: kept verbatim".into(),
                );
                continue;
            }
            self.mapped(
                &mut kept,
                captured,
                Some(&writer::contact(&contact)),
                &writer::contact_key(&contact),
                "contact".into(),
            );
            self.origin("contact", "contact-info", element.line);
            self.draft.contact = Some(contact);
        }
        self.extras.extend(kept.into_ordered());
    }

    fn countries(&mut self, group: &[&Captured]) {
        let mut kept = Group::default();
        for captured in group {
            let element = &captured.element;
            let Some(code) = element.attr_value("code") else {
                self.error(
                    element.line,
                    "recipient-country",
                    "recipient-country without @code: IATI requires the ISO 3166-1 alpha-2 code",
                );
                continue;
            };
            let Some(alpha2) = country_alpha2(code) else {
                self.kept_unmapped(
                    &mut kept,
                    captured,
                    format!("{code:?} is not an ISO 3166-1 code Concord knows: kept verbatim, not mapped"),
                );
                continue;
            };
            let index = self.draft.countries.len();
            self.origin(
                format!("countries[{index}]"),
                "recipient-country",
                element.line,
            );
            self.mapped(
                &mut kept,
                captured,
                Some(&writer::country(alpha2)),
                &writer::country_key(alpha2),
                format!("countries: {alpha2}"),
            );
            self.draft.countries.push(alpha2.to_string());
        }
        self.extras.extend(kept.into_ordered());
    }

    fn regions(&mut self, group: &[&Captured]) {
        let mut kept = Group::default();
        for captured in group {
            let element = &captured.element;
            let Some(code) = element.attr_value("code") else {
                self.error(
                    element.line,
                    "recipient-region",
                    "recipient-region without @code: IATI requires the region's code",
                );
                continue;
            };
            let vocabulary = element.attr_value("vocabulary").unwrap_or("1");
            let mapped: Result<&'static str, String> = match vocabulary {
                "1" => codes::m49_of_dac_region(code).ok_or_else(|| {
                    format!("OECD DAC region {code} has no exact UN M49 equivalent")
                }),
                "2" => region(code)
                    .filter(|r| r.is_m49() && code.bytes().all(|b| b.is_ascii_digit()))
                    .map(|r| r.code)
                    .ok_or_else(|| format!("{code:?} is not a UN M49 area Concord knows")),
                "99" if element.attr_value("vocabulary-uri")
                    == Some(GROUP_REGION_VOCABULARY_URI) =>
                {
                    region(code)
                        .filter(|r| !r.is_m49())
                        .map(|r| r.code)
                        .ok_or_else(|| format!("{code:?} is not a region of the working group"))
                }
                other => Err(format!("region vocabulary {other} is not one Concord maps")),
            };
            match mapped {
                Ok(region_code) => {
                    let index = self.draft.regions.len();
                    self.origin(
                        format!("regions[{index}]"),
                        "recipient-region",
                        element.line,
                    );
                    let generated = writer::recipient_region(region_code);
                    self.mapped(
                        &mut kept,
                        captured,
                        generated.as_ref(),
                        &writer::region_key(region_code),
                        format!("regions: {region_code}"),
                    );
                    self.draft.regions.push(region_code.to_string());
                }
                Err(why) => self.kept_unmapped(
                    &mut kept,
                    captured,
                    format!("{why}: kept verbatim, not mapped"),
                ),
            }
        }
        self.extras.extend(kept.into_ordered());
    }

    fn locations(&mut self, group: &[&Captured]) {
        let mut kept = Group::default();
        for captured in group {
            let element = &captured.element;
            let name = element.child("name").and_then(|n| self.first_name(n));
            match name {
                Some(name) if self.draft.location.is_empty() => {
                    self.mapped(
                        &mut kept,
                        captured,
                        Some(&writer::location(&name)),
                        &writer::location_key(&name),
                        format!("location: {name}"),
                    );
                    self.origin("location", "location", element.line);
                    self.draft.location = name;
                }
                _ => self.kept_unmapped(
                    &mut kept,
                    captured,
                    "kept verbatim (the report's location is the first location's name)".into(),
                ),
            }
        }
        self.extras.extend(kept.into_ordered());
    }

    /// A theme from a sector or tag: added to the draft, noted, kept if it says more.
    fn theme(&mut self, group: &mut Group, captured: &Captured, theme: Theme) {
        let index = self.draft.themes.len();
        let element = &captured.element;
        self.origin(format!("themes[{index}]"), &element.name, element.line);
        let generated = writer::theme(&theme);
        self.mapped(
            group,
            captured,
            generated.as_ref(),
            &writer::theme_key(&theme),
            format!("themes: {} {}", theme.vocabulary, theme.code),
        );
        self.draft.themes.push(theme);
    }

    fn sectors(&mut self, group: &[&Captured]) {
        let mut kept = Group::default();
        for captured in group {
            let element = &captured.element;
            let Some(code) = element.attr_value("code") else {
                self.error(
                    element.line,
                    "sector",
                    "sector without @code: IATI requires the sector's code",
                );
                continue;
            };
            let vocabulary = element.attr_value("vocabulary").unwrap_or("1");
            let digits = match vocabulary {
                "1" => Some(5),
                "2" => Some(3),
                _ => None,
            };
            let theme = digits
                .filter(|&n| code.len() == n)
                .and_then(|_| normalize_theme("DAC", code).ok());
            match theme {
                Some(theme) => self.theme(&mut kept, captured, theme),
                None => {
                    let why = match digits {
                        Some(_) => format!(
                            "{code:?} is not a DAC code Concord knows in vocabulary {vocabulary}"
                        ),
                        None => format!(
                            "sector vocabulary {vocabulary} is not a Concord theme vocabulary"
                        ),
                    };
                    self.kept_unmapped(&mut kept, captured, format!("{why}: kept verbatim"));
                }
            }
        }
        self.extras.extend(kept.into_ordered());
    }

    fn tags(&mut self, group: &[&Captured]) {
        let mut kept = Group::default();
        for captured in group {
            let element = &captured.element;
            let (Some(code), Some(vocabulary)) =
                (element.attr_value("code"), element.attr_value("vocabulary"))
            else {
                self.error(
                    element.line,
                    "tag",
                    "tag without @code or @vocabulary: IATI requires both",
                );
                continue;
            };
            let uri = element.attr_value("vocabulary-uri");
            let theme = match (vocabulary, uri) {
                ("2", _) => normalize_theme("SDG", code)
                    .ok()
                    .filter(|t| !t.code.contains('.')),
                ("3", _) => normalize_theme("SDG", code)
                    .ok()
                    .filter(|t| t.code.contains('.')),
                ("99", Some(GCM_VOCABULARY_URI)) => normalize_theme("GCM", code).ok(),
                ("99", Some(RTWG_VOCABULARY_URI)) => normalize_theme("RTWG", code).ok(),
                _ => None,
            };
            match theme {
                Some(theme) => self.theme(&mut kept, captured, theme),
                None => self.kept_unmapped(
                    &mut kept,
                    captured,
                    format!("tag vocabulary {vocabulary}, code {code:?}: not a Concord theme; kept verbatim"),
                ),
            }
        }
        self.extras.extend(kept.into_ordered());
    }

    fn links(&mut self, group: &[&Captured]) {
        let mut kept = Group::default();
        let scope = self.raw.scope.clone();
        for captured in group {
            let element = &captured.element;
            let Some(url) = element.attr_value("url") else {
                self.error(
                    element.line,
                    "document-link",
                    "document-link without @url: IATI requires the document's URL",
                );
                continue;
            };
            if !link_url_ok(url) {
                self.kept_unmapped(
                    &mut kept,
                    captured,
                    format!("URL {url:?} is not an http, https or mailto URL Concord links accept: kept verbatim, not a link"),
                );
                continue;
            }
            let element_scope = element.scope(&scope);
            let title = element
                .child("title")
                .filter(|t| self.concord_attr(t, "from", &element_scope) != Some("url"))
                .and_then(|t| self.first_name(t))
                .unwrap_or_default();
            let kind = self
                .concord_attr(element, "kind", &scope)
                .map(collapse_whitespace)
                .unwrap_or_default();
            let link = Link {
                url: url.to_string(),
                title,
                kind,
            };
            let index = self.draft.links.len();
            self.origin(format!("links[{index}]"), "document-link", element.line);
            self.mapped(
                &mut kept,
                captured,
                Some(&writer::link(&link)),
                &writer::link_key(&link),
                format!("links: {}", link.url),
            );
            self.draft.links.push(link);
        }
        self.extras.extend(kept.into_ordered());
    }

    fn related(&mut self, group: &[&Captured]) {
        let mut kept = Group::default();
        for captured in group {
            let element = &captured.element;
            let (Some(reference), Some(kind)) =
                (element.attr_value("ref"), element.attr_value("type"))
            else {
                self.error(
                    element.line,
                    "related-activity",
                    "related-activity without @ref or @type: IATI requires both",
                );
                continue;
            };
            let relation = match codes::relation_from_code(kind) {
                Some(relation) => relation,
                None => {
                    self.error(
                        element.line,
                        "related-activity",
                        format!(
                            "type {kind:?} is not an IATI RelatedActivityType code: expected 1 (parent), 2 (child), 3 (sibling), 4 (co-funded) or 5 (third party)"
                        ),
                    );
                    continue;
                }
            };
            let known = self.context.known_reports.get(reference).copied();
            match (relation, known) {
                (Some(relation), Some(report_id)) => {
                    let related = RelatedReport {
                        report_id,
                        relation,
                    };
                    let index = self.draft.related.len();
                    self.origin(format!("related[{index}]"), "related-activity", element.line);
                    // Never plain: an export writes Concord links as concord:related.
                    self.mapped(
                        &mut kept,
                        captured,
                        None,
                        &writer::related_key(&related),
                        format!("related: {} {}", relation.name(), report_id),
                    );
                    self.draft.related.push(DraftRelated {
                        report_id: report_id.to_string(),
                        relation: relation.name().to_string(),
                    });
                }
                _ => self.kept_unmapped(
                    &mut kept,
                    captured,
                    format!("activity {reference}: not a report Concord knows (or a relation Concord has not); kept verbatim"),
                ),
            }
        }
        self.extras.extend(kept.into_ordered());
    }

    fn foreign(&mut self, group: &[&Captured]) {
        let mut kept = Group::default();
        let scope = self.raw.scope.clone();
        for captured in group {
            let element = &captured.element;
            let prefix = element.name.split(':').next().unwrap_or("");
            let namespace = element
                .declared(prefix)
                .or_else(|| scope.get(prefix).map(String::as_str))
                .unwrap_or("");
            if namespace != CONCORD_NAMESPACE {
                self.kept_unmapped(
                    &mut kept,
                    captured,
                    format!("an element of namespace {namespace}: kept verbatim"),
                );
                continue;
            }
            self.concord_element(element);
        }
        self.extras.extend(kept.into_ordered());
    }

    /// `concord:report`, `concord:target-group`, `concord:related`: what a Concord export
    /// wrote of the fields IATI has not.
    fn concord_element(&mut self, element: &Element) {
        let local = element.name.split_once(':').map_or("", |(_, l)| l);
        let line = element.line;
        match local {
            "report" => {
                if let Some(id) = element
                    .attr_value("id")
                    .and_then(|id| Uuid::parse_str(id).ok())
                {
                    self.concord_id = Some(id);
                }
                if let Some(kind) = element.attr_value("activity-type") {
                    match ActivityType::from_name(kind) {
                        Some(kind) => self.concord_type = Some(kind),
                        None => self.error(
                            line,
                            &element.name,
                            format!("unknown activity type {kind:?}"),
                        ),
                    }
                }
                self.note(
                    line,
                    &element.name,
                    NoteKind::Mapped,
                    "activity type and report id",
                );
            }
            "target-group" => {
                let code = element.attr_value("code").unwrap_or("").to_string();
                let index = self.draft.target_groups.len();
                self.origin(format!("target_groups[{index}]"), &element.name, line);
                self.note(
                    line,
                    &element.name,
                    NoteKind::Mapped,
                    format!("target_groups: {code}"),
                );
                self.draft.target_groups.push(code);
            }
            "related" => {
                let index = self.draft.related.len();
                self.origin(format!("related[{index}]"), &element.name, line);
                let related = DraftRelated {
                    report_id: element.attr_value("report-id").unwrap_or("").to_string(),
                    relation: element.attr_value("relation").unwrap_or("").to_string(),
                };
                self.note(
                    line,
                    &element.name,
                    NoteKind::Mapped,
                    format!("related: {} {}", related.relation, related.report_id),
                );
                self.draft.related.push(related);
            }
            _ => self.note(
                line,
                &element.name,
                NoteKind::Dropped,
                "not an element Concord writes",
            ),
        }
    }

    /// The activity type and why.
    fn activity_type(&self) -> (ActivityType, String) {
        if let Some(kind) = self.concord_type {
            return (kind, "from concord:report (a Concord export)".into());
        }
        if let Some(code) = self.default_aid_types.first()
            && let Some((kind, what)) = codes::activity_type_of_aid_type(code)
        {
            return (
                kind,
                format!("inferred from default-aid-type {code} ({what})"),
            );
        }
        if let Some(code) = self.transaction_aid_types.first()
            && self
                .transaction_aid_types
                .iter()
                .all(|c| c.eq_ignore_ascii_case(code))
            && let Some((kind, what)) = codes::activity_type_of_aid_type(code)
        {
            return (
                kind,
                format!("inferred from the transactions' aid-type {code} ({what})"),
            );
        }
        if self.has_finance {
            return (
                ActivityType::Programme,
                "a project (it has budgets or transactions) without an aid type that says more: PROGRAMME by default".into(),
            );
        }
        (
            ActivityType::Other,
            "unclear: no aid type, budget or transaction says what kind of activity this is".into(),
        )
    }

    /// Where a violation of `field` came from: the longest recorded field it starts with.
    fn origin_of(&self, field: &str) -> (String, u64) {
        self.origins
            .iter()
            .filter(|o| {
                field == o.field
                    || (field.starts_with(&o.field)
                        && matches!(field.as_bytes().get(o.field.len()), Some(b'.' | b'[')))
            })
            .max_by_key(|o| o.field.len())
            .map_or(("iati-activity".to_string(), self.raw.line), |o| {
                (o.element.clone(), o.line)
            })
    }

    fn finish(mut self) -> ImportedActivity {
        let (activity_type, reason) = self.activity_type();
        self.draft.activity_type = activity_type.name().to_string();
        self.draft.title = TextInput::Translated(std::mem::take(&mut self.titles));
        self.draft.summary = TextInput::Translated(std::mem::take(&mut self.summary));
        // An identifier an export made up for a report without one is not the report's.
        let made_up = self.concord_id.is_some_and(|id| {
            self.identifier == writer::generated_identifier(&self.reporting.reference, id)
        });
        self.draft.iati_identifier = if made_up {
            String::new()
        } else {
            self.identifier.clone()
        };
        self.draft.iati_extra = std::mem::take(&mut self.extras);
        for (index, _) in self.draft.iati_extra.iter().enumerate() {
            self.origins.push(Origin {
                field: format!("iati_extra[{index}]"),
                element: "iati-activity".into(),
                line: self.raw.line,
            });
        }
        let validated = validate_draft(&self.draft, self.context.today);
        let content = match validated {
            Ok(content) => Some(content),
            Err(violations) => {
                for violation in violations {
                    let top = violation
                        .field
                        .split(['.', '['])
                        .next()
                        .unwrap_or_default()
                        .to_string();
                    if self.covered.contains(top.as_str()) {
                        continue;
                    }
                    let (element, line) = self.origin_of(&violation.field);
                    self.errors.push(ActivityError {
                        line,
                        element,
                        rule: format!(
                            "Concord cannot store {}: {}",
                            violation.field, violation.description
                        ),
                    });
                }
                None
            }
        };
        self.errors.sort_by_key(|e| e.line);
        let outcome = match content {
            Some(content) if self.errors.is_empty() => Ok(MappedReport {
                draft: self.draft,
                content,
                summary: ImportSummary {
                    activity_type,
                    activity_type_reason: reason,
                    notes: self.notes,
                },
            }),
            _ => Err(self.errors),
        };
        ImportedActivity {
            line: self.raw.line,
            iati_identifier: self.identifier,
            reporting_org: self.reporting,
            concord_report_id: self.concord_id,
            outcome,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::iati::{Importer, MemberDirectory};

    fn context() -> ImportContext {
        ImportContext {
            members: MemberDirectory::default_members(),
            today: Date::from_ymd(2026, 1, 1).unwrap(),
            known_reports: HashMap::new(),
        }
    }

    fn import(xml: &str) -> Vec<ImportedActivity> {
        Importer::new(xml.as_bytes(), context())
            .map(|a| a.expect("the document reads"))
            .collect()
    }

    fn activity(body: &str) -> String {
        format!(
            "<iati-activities version=\"2.03\">\n<iati-activity xml:lang=\"en\" default-currency=\"USD\">\n{body}\n</iati-activity>\n</iati-activities>\n"
        )
    }

    const MINIMAL: &str = r#"<iati-identifier>XM-DAC-47066-T1</iati-identifier>
<reporting-org ref="XM-DAC-47066" type="40"><narrative>International Organization for Migration</narrative></reporting-org>
<title><narrative>Training on victim identification</narrative><narrative xml:lang="fr">Formation</narrative></title>
<description><narrative>Three days.</narrative></description>
<participating-org ref="XM-DAC-47066" role="2"><narrative>International Organization for Migration</narrative></participating-org>
<activity-status code="4"/>
<activity-date type="1" iso-date="2007-03-10"/>"#;

    fn errors_of(xml: &str) -> Vec<String> {
        let activities = import(xml);
        assert_eq!(activities.len(), 1);
        match &activities[0].outcome {
            Ok(_) => Vec::new(),
            Err(errors) => errors.iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn a_minimal_activity_maps_without_keeping_plain_elements() {
        let activities = import(&activity(MINIMAL));
        let activity = &activities[0];
        assert_eq!(activity.iati_identifier, "XM-DAC-47066-T1");
        assert_eq!(activity.reporting_org.member.as_deref(), Some("IOM"));
        let mapped = activity.outcome.as_ref().expect("maps");
        let draft = &mapped.draft;
        assert_eq!(
            draft.title,
            TextInput::Translated(vec![
                LocalizedText {
                    lang: "en".into(),
                    text: "Training on victim identification".into()
                },
                LocalizedText {
                    lang: "fr".into(),
                    text: "Formation".into()
                },
            ])
        );
        assert_eq!(draft.status, "CLOSED");
        assert_eq!(draft.dates.planned_start, "2007-03-10");
        assert_eq!(
            draft.participants,
            vec![DraftParticipant {
                organization: "IOM".into(),
                role: "ACCOUNTABLE".into()
            }]
        );
        assert_eq!(draft.activity_type, "OTHER");
        // Only the activity's own attributes are kept: every element above is plain.
        let paths: Vec<&str> = draft.iati_extra.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["@xml:lang", "@default-currency"]);
    }

    #[test]
    fn rules_are_reported_with_element_and_line() {
        let two_orgs = activity(&MINIMAL.replace(
            "<title>",
            "<reporting-org ref=\"XM-DAC-47066\" type=\"40\"><narrative>IOM</narrative></reporting-org>\n<title>",
        ));
        assert_eq!(
            errors_of(&two_orgs),
            [
                "line 5: reporting-org: a second reporting-org (the first is on line 4): IATI allows exactly one per activity"
            ]
        );
        let sector = activity(&format!("{MINIMAL}\n<sector vocabulary=\"1\"/>"));
        assert_eq!(
            errors_of(&sector),
            ["line 10: sector: sector without @code: IATI requires the sector's code"]
        );
        let impossible = activity(&MINIMAL.replace("2007-03-10", "2007-02-30"));
        assert_eq!(
            errors_of(&impossible),
            [
                "line 9: activity-date: impossible date in @iso-date: \"2007-02-30\" is not a valid date: February 2007 has 28 days"
            ]
        );
        let future = activity(&format!(
            "{MINIMAL}\n<activity-date type=\"2\" iso-date=\"2030-01-01\"/>"
        ));
        let errors = errors_of(&future);
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].starts_with("line 10: activity-date: Concord cannot store dates.actual_start: 2030-01-01 is in the future"),
            "{errors:?}"
        );
    }

    #[test]
    fn one_bad_activity_does_not_stop_the_others() {
        let xml = format!(
            "<iati-activities version=\"2.03\"><iati-activity>{}</iati-activity><iati-activity>{MINIMAL}</iati-activity></iati-activities>",
            MINIMAL.replace("code=\"4\"", "code=\"9\"")
        );
        let activities = import(&xml);
        assert_eq!(activities.len(), 2);
        assert!(activities[0].outcome.is_err());
        assert!(activities[1].outcome.is_ok());
    }

    #[test]
    fn richer_elements_are_mapped_and_kept() {
        let body = format!(
            "{MINIMAL}\n<recipient-country code=\"KH\" percentage=\"100\"/>\n<sector code=\"15190\" vocabulary=\"1\"><narrative>Migration</narrative></sector>\n<sector code=\"A1\" vocabulary=\"99\"/>\n<tag vocabulary=\"3\" code=\"10.7\"/>\n<budget type=\"1\"><value>1</value></budget>"
        );
        let activities = import(&activity(&body));
        let mapped = activities[0].outcome.as_ref().expect("maps");
        let draft = &mapped.draft;
        assert_eq!(draft.countries, ["KH"]);
        assert_eq!(
            draft.themes,
            [
                Theme {
                    vocabulary: "DAC".into(),
                    code: "15190".into()
                },
                Theme {
                    vocabulary: "SDG".into(),
                    code: "10.7".into()
                }
            ]
        );
        let kept: Vec<(&str, &str)> = draft
            .iati_extra
            .iter()
            .filter(|e| !e.path.starts_with('@'))
            .map(|e| (e.path.as_str(), e.mapped_to.as_str()))
            .collect();
        assert_eq!(
            kept,
            [
                ("recipient-country", "countries: \"KH\""),
                (
                    "sector",
                    "themes: {\"vocabulary\":\"DAC\",\"code\":\"15190\"}"
                ),
                ("sector", ""),
                ("budget", ""),
            ]
        );
        assert_eq!(mapped.summary.activity_type, ActivityType::Programme);
    }
}
