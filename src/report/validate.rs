//! Validation: from what a caller sent ([`ReportDraft`]) to what may be stored
//! ([`ReportContent`]).
//!
//! [`validate_draft`] checks every field and returns either the normalized content or
//! **all** the problems at once, each as a [`FieldViolation`] whose `field` is the path of
//! the field in the JSON report file (`title`, `title[1].lang`, `dates.actual_end`,
//! `countries[2]`, `themes[1].code`, `participants[0].role`, `contact.email`...) and whose
//! `description` is a sentence saying what is wrong and what was expected. It never panics,
//! whatever the input.
//!
//! Normalization: every text is trimmed; codes become canonical (alpha-3 country codes
//! become alpha-2, region codes are zero-padded, theme vocabularies upper-cased, activity
//! types, statuses, roles and relations parsed); duplicate countries, regions, themes,
//! target groups, participants and related reports are dropped, keeping the first; an
//! all-empty contact becomes `None`. The IATI fields: `iati_identifier` is one line of at most
//! 255 characters; each `iati_extra` entry names an `iati-activity` child (or "@" and one of
//! its attributes) and holds one well-formed element of that name (`crate::iati::check_extra`),
//! kept exactly as sent. Validating the content's own draft
//! ([`ReportContent::to_draft`]) gives the same content back.

use std::collections::HashSet;

use super::text::has_control_characters;
use super::vocabulary::{
    TARGET_GROUPS, country_alpha2, normalize_theme, region, target_group, theme_vocabulary,
};
use super::{
    ActivityDates, ActivityStatus, ActivityType, Contact, Date, FieldViolation, IatiExtra, Link,
    LocalizedText, Participant, ParticipantRole, RelatedReport, Relation, ReportContent,
    ReportDraft, TextInput,
};

/// Size limits of a report. Lengths count Unicode characters (not bytes); counts limit the
/// entries of a list as sent, duplicates included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Characters in one title.
    pub title_chars: usize,
    /// Characters in one summary.
    pub summary_chars: usize,
    /// Characters in the location.
    pub location_chars: usize,
    /// Characters in an organization name (participants, contact).
    pub organization_chars: usize,
    /// Characters in other short labels: link kinds, contact units and person names.
    pub label_chars: usize,
    /// Characters in a link URL.
    pub url_chars: usize,
    /// Characters in the contact e-mail address.
    pub email_chars: usize,
    /// Characters in a language tag.
    pub lang_chars: usize,
    /// Languages of the title, and of the summary.
    pub translations: usize,
    /// Entries in `countries`.
    pub countries: usize,
    /// Entries in `regions`.
    pub regions: usize,
    /// Entries in `themes`.
    pub themes: usize,
    /// Entries in `target_groups`.
    pub target_groups: usize,
    /// Entries in `participants`.
    pub participants: usize,
    /// Entries in `related`.
    pub related: usize,
    /// Entries in `links`.
    pub links: usize,
    /// Characters in the IATI activity identifier.
    pub iati_identifier_chars: usize,
    /// Entries in `iati_extra`.
    pub iati_extras: usize,
    /// Bytes of all `iati_extra` entries together (paths, XML and `mapped_to`): what keeps
    /// one log entry well under the node's message size.
    pub iati_extra_bytes: usize,
    /// Characters in one `iati_extra[].mapped_to`.
    pub iati_mapped_to_chars: usize,
}

impl Limits {
    /// The limits that [`validate_draft`] applies.
    pub const DEFAULT: Limits = Limits {
        title_chars: 500,
        summary_chars: 20_000,
        location_chars: 200,
        organization_chars: 200,
        label_chars: 200,
        url_chars: 2_000,
        email_chars: 254,
        lang_chars: 35,
        translations: 20,
        countries: 300,
        regions: 50,
        themes: 50,
        target_groups: 20,
        participants: 100,
        related: 100,
        links: 100,
        iati_identifier_chars: 255,
        iati_extras: 5_000,
        iati_extra_bytes: 2_000_000,
        iati_mapped_to_chars: 2_000,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// Validates and normalizes a draft with [`Limits::DEFAULT`]; `today` is the date after
/// which actual dates are refused (they record what has happened).
///
/// Returns the content, or every violation found (never only the first).
pub fn validate_draft(
    draft: &ReportDraft,
    today: Date,
) -> Result<ReportContent, Vec<FieldViolation>> {
    validate_draft_with_limits(draft, today, &Limits::DEFAULT)
}

/// [`validate_draft`] with other limits.
pub fn validate_draft_with_limits(
    draft: &ReportDraft,
    today: Date,
    limits: &Limits,
) -> Result<ReportContent, Vec<FieldViolation>> {
    let mut check = Checker {
        limits,
        violations: Vec::new(),
    };
    let title = check.texts("title", "title", &draft.title, true);
    let summary = check.texts("summary", "summary", &draft.summary, false);
    let activity_type = check.activity_type(&draft.activity_type);
    let status = check.status(&draft.status);
    let dates = check.dates(draft, today);
    let countries = check.countries(&draft.countries);
    let regions = check.regions(&draft.regions);
    let themes = check.themes(draft);
    let target_groups = check.target_groups(&draft.target_groups);
    let participants = check.participants(draft);
    let related = check.related(draft);
    let links = check.links(&draft.links);
    let contact = check.contact(draft.contact.as_ref());
    let location = check
        .line(
            "location",
            "the location",
            &draft.location,
            limits.location_chars,
        )
        .unwrap_or_default();
    let iati_identifier = check
        .line(
            "iati_identifier",
            "the IATI identifier",
            &draft.iati_identifier,
            limits.iati_identifier_chars,
        )
        .unwrap_or_default();
    let iati_extra = check.iati_extra(&draft.iati_extra);

    let violations = check.violations;
    let (true, Some(activity_type), Some(status)) = (violations.is_empty(), activity_type, status)
    else {
        return Err(violations);
    };
    Ok(ReportContent {
        title,
        summary,
        activity_type,
        status,
        dates,
        countries,
        regions,
        themes,
        target_groups,
        participants,
        related,
        links,
        contact,
        location,
        iati_identifier,
        iati_extra,
    })
}

/// Shows a value from the input in a message: quoted and escaped, cut after 60 characters.
fn shown(value: &str) -> String {
    const MAX: usize = 60;
    match value.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{:?}…", &value[..cut]),
        None => format!("{value:?}"),
    }
}

struct Checker<'a> {
    limits: &'a Limits,
    violations: Vec<FieldViolation>,
}

impl Checker<'_> {
    fn fail(&mut self, field: impl Into<String>, description: impl Into<String>) {
        self.violations
            .push(FieldViolation::new(field, description));
    }

    /// False (and a violation on `field`) when a list has more than `max` entries.
    fn count_ok(&mut self, field: &str, len: usize, max: usize, noun: &str) -> bool {
        if len <= max {
            return true;
        }
        self.fail(
            field,
            format!("{field} lists {len} {noun}; at most {max} are allowed"),
        );
        false
    }

    /// The trimmed text when it has no control characters and at most `max_chars`
    /// characters; `None` (and a violation) otherwise. `single_line` also refuses tabs
    /// and line breaks.
    fn text(
        &mut self,
        field: &str,
        what: &str,
        raw: &str,
        max_chars: usize,
        single_line: bool,
    ) -> Option<String> {
        let text = raw.trim();
        if let Some(c) = text
            .chars()
            .find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        {
            debug_assert!(has_control_characters(text));
            self.fail(
                field,
                format!(
                    "{what} contains the control character U+{:04X}: remove it",
                    u32::from(c)
                ),
            );
            return None;
        }
        if single_line && text.contains(['\t', '\n', '\r']) {
            self.fail(
                field,
                format!("{what} must be a single line, without tabs or line breaks"),
            );
            return None;
        }
        let length = text.chars().count();
        if length > max_chars {
            self.fail(
                field,
                format!("{what} is {length} characters long; at most {max_chars} are allowed"),
            );
            return None;
        }
        Some(text.to_string())
    }

    /// A single-line text.
    fn line(&mut self, field: &str, what: &str, raw: &str, max_chars: usize) -> Option<String> {
        self.text(field, what, raw, max_chars, true)
    }

    /// Title or summary: one plain text or a list of `{lang, text}`.
    fn texts(
        &mut self,
        field: &str,
        noun: &str,
        input: &TextInput,
        required: bool,
    ) -> Vec<LocalizedText> {
        let (max_chars, single_line) = if noun == "title" {
            (self.limits.title_chars, true)
        } else {
            (self.limits.summary_chars, false)
        };
        let missing = format!(
            "a report needs a {noun}: give \"{field}\" as a text, or as a list of {{\"lang\", \"text\"}}"
        );
        let mut out = Vec::new();
        match input {
            TextInput::Plain(raw) => {
                let what = format!("the {noun}");
                if let Some(text) = self.text(field, &what, raw, max_chars, single_line) {
                    if !text.is_empty() {
                        out.push(LocalizedText {
                            lang: String::new(),
                            text,
                        });
                    } else if required {
                        self.fail(field, missing);
                    }
                }
            }
            TextInput::Translated(list) => {
                if !self.count_ok(field, list.len(), self.limits.translations, "languages") {
                    return out;
                }
                if list.is_empty() && required {
                    self.fail(field, missing);
                }
                let mut seen_langs: HashSet<String> = HashSet::new();
                for (index, entry) in list.iter().enumerate() {
                    let lang_field = format!("{field}[{index}].lang");
                    let text_field = format!("{field}[{index}].text");
                    let lang = self.lang(&lang_field, &entry.lang);
                    let what = format!("the {noun}");
                    let text = self.text(&text_field, &what, &entry.text, max_chars, single_line);
                    if text.as_deref() == Some("") {
                        self.fail(
                            &text_field,
                            format!("the {noun} is blank: give the text or remove the entry"),
                        );
                        continue;
                    }
                    let (Some(lang), Some(text)) = (lang, text) else {
                        continue;
                    };
                    if !seen_langs.insert(lang.to_ascii_lowercase()) {
                        let language = if lang.is_empty() {
                            "the working language (no tag)".to_string()
                        } else {
                            format!("language {lang:?}")
                        };
                        self.fail(
                            &lang_field,
                            format!("a second {noun} in {language}: give one {noun} per language"),
                        );
                        continue;
                    }
                    out.push(LocalizedText { lang, text });
                }
            }
        }
        out
    }

    /// A BCP 47 language tag, or empty; returned with the usual case ("zh-hans" →
    /// "zh-Hans", "en-gb" → "en-GB").
    fn lang(&mut self, field: &str, raw: &str) -> Option<String> {
        let tag = raw.trim();
        if tag.is_empty() {
            return Some(String::new());
        }
        let max = self.limits.lang_chars;
        let canonical = canonical_language_tag(tag).filter(|_| tag.len() <= max);
        if canonical.is_none() {
            self.fail(
                field,
                format!(
                    "{} is not a language tag: expected a BCP 47 tag of at most {max} characters such as \"en\", \"fr\" or \"zh-Hans\"",
                    shown(tag)
                ),
            );
        }
        canonical
    }

    fn activity_type(&mut self, raw: &str) -> Option<ActivityType> {
        let names: Vec<&str> = ActivityType::ALL.iter().map(|t| t.name()).collect();
        let expected = format!("expected one of {}", names.join(", "));
        let value = raw.trim();
        if value.is_empty() {
            self.fail(
                "activity_type",
                format!("the activity type is missing: {expected}"),
            );
            return None;
        }
        let parsed = ActivityType::from_name(value);
        if parsed.is_none() {
            self.fail(
                "activity_type",
                format!("unknown activity type {}: {expected}", shown(value)),
            );
        }
        parsed
    }

    fn status(&mut self, raw: &str) -> Option<ActivityStatus> {
        let names: Vec<&str> = ActivityStatus::ALL.iter().map(|s| s.name()).collect();
        let expected = format!(
            "expected one of {}, or an IATI activity status code from 1 to 6",
            names.join(", ")
        );
        let value = raw.trim();
        if value.is_empty() {
            self.fail("status", format!("the status is missing: {expected}"));
            return None;
        }
        let parsed = ActivityStatus::from_name(value);
        if parsed.is_none() {
            self.fail(
                "status",
                format!("unknown status {}: {expected}", shown(value)),
            );
        }
        parsed
    }

    fn date(&mut self, field: &str, raw: &str) -> Option<Date> {
        if raw.trim().is_empty() {
            return None;
        }
        match Date::parse(raw) {
            Ok(date) => Some(date),
            Err(message) => {
                // Date::parse quotes the whole input; keep messages short for huge inputs.
                let message = if raw.chars().count() > 60 {
                    format!("expected a date as YYYY-MM-DD, got {}", shown(raw.trim()))
                } else {
                    message
                };
                self.fail(field, message);
                None
            }
        }
    }

    fn dates(&mut self, draft: &ReportDraft, today: Date) -> ActivityDates {
        let raw = &draft.dates;
        let dates = ActivityDates {
            planned_start: self.date("dates.planned_start", &raw.planned_start),
            actual_start: self.date("dates.actual_start", &raw.actual_start),
            planned_end: self.date("dates.planned_end", &raw.planned_end),
            actual_end: self.date("dates.actual_end", &raw.actual_end),
        };
        if raw.planned_start.trim().is_empty() && raw.actual_start.trim().is_empty() {
            self.fail(
                "dates",
                "a report needs a start date: give dates.planned_start, dates.actual_start or both, as YYYY-MM-DD",
            );
        }
        if let (Some(start), Some(end)) = (dates.planned_start, dates.planned_end)
            && end < start
        {
            self.fail(
                "dates.planned_end",
                format!("the planned end {end} is before the planned start {start}: the end must be on or after the start"),
            );
        }
        if let (Some(start), Some(end)) = (dates.actual_start, dates.actual_end)
            && end < start
        {
            self.fail(
                "dates.actual_end",
                format!("the actual end {end} is before the actual start {start}: the end must be on or after the start"),
            );
        }
        for (field, date, planned) in [
            (
                "dates.actual_start",
                dates.actual_start,
                "dates.planned_start",
            ),
            ("dates.actual_end", dates.actual_end, "dates.planned_end"),
        ] {
            if let Some(date) = date.filter(|date| *date > today) {
                self.fail(
                    field,
                    format!("{date} is in the future (today is {today}): actual dates record what has happened; give a date to come as {planned}"),
                );
            }
        }
        dates
    }

    fn countries(&mut self, list: &[String]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        if !self.count_ok("countries", list.len(), self.limits.countries, "countries") {
            return out;
        }
        const EXPECTED: &str =
            "expected an ISO 3166-1 alpha-2 or alpha-3 code such as \"TH\" or \"THA\"";
        for (index, raw) in list.iter().enumerate() {
            let field = format!("countries[{index}]");
            let value = raw.trim();
            if value.is_empty() {
                self.fail(field, format!("the country code is empty: {EXPECTED}"));
                continue;
            }
            match country_alpha2(value) {
                Some(code) if out.iter().any(|c| c == code) => {}
                Some(code) => out.push(code.to_string()),
                None => self.fail(
                    field,
                    format!("unknown country code {}: {EXPECTED}", shown(value)),
                ),
            }
        }
        out
    }

    fn regions(&mut self, list: &[String]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        if !self.count_ok("regions", list.len(), self.limits.regions, "regions") {
            return out;
        }
        const EXPECTED: &str = "expected a UN M49 area code such as \"035\" (South-eastern Asia) or \"142\" (Asia), or \"ESCAP\"";
        for (index, raw) in list.iter().enumerate() {
            let field = format!("regions[{index}]");
            let value = raw.trim();
            if value.is_empty() {
                self.fail(field, format!("the region code is empty: {EXPECTED}"));
                continue;
            }
            match region(value) {
                Some(r) if out.iter().any(|c| c == r.code) => {}
                Some(r) => out.push(r.code.to_string()),
                None => self.fail(
                    field,
                    format!("unknown region {}: {EXPECTED}", shown(value)),
                ),
            }
        }
        out
    }

    fn themes(&mut self, draft: &ReportDraft) -> Vec<super::Theme> {
        let mut out: Vec<super::Theme> = Vec::new();
        if !self.count_ok("themes", draft.themes.len(), self.limits.themes, "themes") {
            return out;
        }
        for (index, theme) in draft.themes.iter().enumerate() {
            match normalize_theme(&theme.vocabulary, &theme.code) {
                Ok(normalized) if out.contains(&normalized) => {}
                Ok(normalized) => out.push(normalized),
                Err(message) => {
                    let part = if theme_vocabulary(&theme.vocabulary).is_some() {
                        "code"
                    } else {
                        "vocabulary"
                    };
                    self.fail(format!("themes[{index}].{part}"), shorten(message));
                }
            }
        }
        out
    }

    fn target_groups(&mut self, list: &[String]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        if !self.count_ok(
            "target_groups",
            list.len(),
            self.limits.target_groups,
            "target groups",
        ) {
            return out;
        }
        let codes: Vec<&str> = TARGET_GROUPS.iter().map(|(code, _)| *code).collect();
        let expected = format!("expected one of {}", codes.join(", "));
        for (index, raw) in list.iter().enumerate() {
            let field = format!("target_groups[{index}]");
            let value = raw.trim();
            if value.is_empty() {
                self.fail(field, format!("the target group is empty: {expected}"));
                continue;
            }
            match target_group(value) {
                Some(code) if out.iter().any(|c| c == code) => {}
                Some(code) => out.push(code.to_string()),
                None => self.fail(
                    field,
                    format!("unknown target group {}: {expected}", shown(value)),
                ),
            }
        }
        out
    }

    fn participants(&mut self, draft: &ReportDraft) -> Vec<Participant> {
        let mut out: Vec<Participant> = Vec::new();
        let list = &draft.participants;
        let max = self.limits.participants;
        if !self.count_ok("participants", list.len(), max, "participants") {
            return out;
        }
        let names: Vec<&str> = ParticipantRole::ALL.iter().map(|r| r.name()).collect();
        let expected = format!("expected one of {}", names.join(", "));
        for (index, entry) in list.iter().enumerate() {
            let org_field = format!("participants[{index}].organization");
            let role_field = format!("participants[{index}].role");
            let organization = self.line(
                &org_field,
                "the organization",
                &entry.organization,
                self.limits.organization_chars,
            );
            if organization.as_deref() == Some("") {
                self.fail(
                    &org_field,
                    "the organization is missing: give a member code, an organization name or an IATI organisation identifier",
                );
            }
            let role_text = entry.role.trim();
            let role = if role_text.is_empty() {
                self.fail(&role_field, format!("the role is missing: {expected}"));
                None
            } else {
                let role = ParticipantRole::from_name(role_text);
                if role.is_none() {
                    self.fail(
                        &role_field,
                        format!("unknown role {}: {expected}", shown(role_text)),
                    );
                }
                role
            };
            if let (Some(organization), Some(role)) = (organization, role) {
                let participant = Participant { organization, role };
                if !participant.organization.is_empty() && !out.contains(&participant) {
                    out.push(participant);
                }
            }
        }
        out
    }

    fn related(&mut self, draft: &ReportDraft) -> Vec<RelatedReport> {
        let mut out: Vec<RelatedReport> = Vec::new();
        let list = &draft.related;
        if !self.count_ok(
            "related",
            list.len(),
            self.limits.related,
            "related reports",
        ) {
            return out;
        }
        let names: Vec<&str> = Relation::ALL.iter().map(|r| r.name()).collect();
        let expected = format!("expected one of {}", names.join(", "));
        for (index, entry) in list.iter().enumerate() {
            let id_field = format!("related[{index}].report_id");
            let relation_field = format!("related[{index}].relation");
            let id_text = entry.report_id.trim();
            let report_id = if id_text.is_empty() {
                self.fail(
                    &id_field,
                    "the report id is missing: expected the UUID of another report",
                );
                None
            } else {
                match uuid::Uuid::parse_str(id_text) {
                    Ok(id) if id.is_nil() => {
                        self.fail(
                            &id_field,
                            "the nil UUID is not a report id: expected the UUID of another report",
                        );
                        None
                    }
                    Ok(id) => Some(id),
                    Err(_) => {
                        self.fail(
                            &id_field,
                            format!(
                                "{} is not a report id: expected a UUID such as \"0190a5c4-7b1e-7d2a-9c3f-2e4d5a6b7c8d\"",
                                shown(id_text)
                            ),
                        );
                        None
                    }
                }
            };
            let relation_text = entry.relation.trim();
            let relation = if relation_text.is_empty() {
                self.fail(
                    &relation_field,
                    format!("the relation is missing: {expected}"),
                );
                None
            } else {
                let relation = Relation::from_name(relation_text);
                if relation.is_none() {
                    self.fail(
                        &relation_field,
                        format!("unknown relation {}: {expected}", shown(relation_text)),
                    );
                }
                relation
            };
            if let (Some(report_id), Some(relation)) = (report_id, relation) {
                let related = RelatedReport {
                    report_id,
                    relation,
                };
                if !out.contains(&related) {
                    out.push(related);
                }
            }
        }
        out
    }

    fn links(&mut self, list: &[Link]) -> Vec<Link> {
        let mut out: Vec<Link> = Vec::new();
        if !self.count_ok("links", list.len(), self.limits.links, "links") {
            return out;
        }
        for (index, link) in list.iter().enumerate() {
            let url_field = format!("links[{index}].url");
            let url = self
                .line(&url_field, "the URL", &link.url, self.limits.url_chars)
                .filter(|url| self.url_ok(&url_field, url));
            let title = self.line(
                &format!("links[{index}].title"),
                "the link title",
                &link.title,
                self.limits.title_chars,
            );
            let kind = self.line(
                &format!("links[{index}].kind"),
                "the link kind",
                &link.kind,
                self.limits.label_chars,
            );
            if let (Some(url), Some(title), Some(kind)) = (url, title, kind) {
                out.push(Link { url, title, kind });
            }
        }
        out
    }

    /// True when `url` (trimmed, single line) is an http, https or mailto URL without
    /// whitespace; a violation otherwise.
    fn url_ok(&mut self, field: &str, url: &str) -> bool {
        const EXPECTED: &str = "expected a URL starting with http://, https:// or mailto:, such as \"https://www.unescap.org/\"";
        if url.is_empty() {
            self.fail(field, format!("the URL is missing: {EXPECTED}"));
            return false;
        }
        if url.chars().any(char::is_whitespace) {
            self.fail(
                field,
                format!(
                    "the URL {} contains whitespace: write spaces as %20",
                    shown(url)
                ),
            );
            return false;
        }
        let lower = url.to_ascii_lowercase();
        let rest = ["http://", "https://", "mailto:"]
            .iter()
            .find_map(|scheme| lower.strip_prefix(scheme).map(|rest| (*scheme, rest)));
        let ok = match rest {
            Some(("mailto:", rest)) => !rest.is_empty(),
            Some((_, rest)) => !rest.is_empty() && !rest.starts_with(['/', '?', '#']),
            None => false,
        };
        if !ok {
            self.fail(
                field,
                format!("{} is not a supported link: {EXPECTED}", shown(url)),
            );
        }
        ok
    }

    fn contact(&mut self, contact: Option<&Contact>) -> Option<Contact> {
        let contact = contact?;
        let organization = self.line(
            "contact.organization",
            "the contact organization",
            &contact.organization,
            self.limits.organization_chars,
        );
        let unit = self.line(
            "contact.unit",
            "the contact unit",
            &contact.unit,
            self.limits.label_chars,
        );
        let email = self
            .line(
                "contact.email",
                "the e-mail address",
                &contact.email,
                self.limits.email_chars,
            )
            .filter(|email| email.is_empty() || self.email_ok(email));
        let person = self.line(
            "contact.person",
            "the contact person",
            &contact.person,
            self.limits.label_chars,
        );
        let (Some(organization), Some(unit), Some(email), Some(person)) =
            (organization, unit, email, person)
        else {
            return None;
        };
        let contact = Contact {
            organization,
            unit,
            email,
            person,
        };
        (!contact.is_empty()).then_some(contact)
    }

    /// IATI elements kept verbatim: each path an `iati-activity` child or attribute, each
    /// element well-formed (checked by `crate::iati::check_extra`), within the limits. Kept
    /// as sent: verbatim means verbatim.
    fn iati_extra(&mut self, list: &[IatiExtra]) -> Vec<IatiExtra> {
        if !self.count_ok(
            "iati_extra",
            list.len(),
            self.limits.iati_extras,
            "kept IATI elements",
        ) {
            return Vec::new();
        }
        let bytes: usize = list
            .iter()
            .map(|e| e.path.len() + e.xml.len() + e.mapped_to.len())
            .sum();
        if bytes > self.limits.iati_extra_bytes {
            self.fail(
                "iati_extra",
                format!(
                    "the kept IATI elements take {bytes} bytes; at most {} are allowed",
                    self.limits.iati_extra_bytes
                ),
            );
            return Vec::new();
        }
        let mut out = Vec::with_capacity(list.len());
        for (index, extra) in list.iter().enumerate() {
            let mut ok = true;
            if let Err(problem) = crate::iati::check_extra(&extra.path, &extra.xml) {
                let part = if problem.in_path { "path" } else { "xml" };
                self.fail(format!("iati_extra[{index}].{part}"), problem.message);
                ok = false;
            }
            let mapped_field = format!("iati_extra[{index}].mapped_to");
            if self
                .line(
                    &mapped_field,
                    "mapped_to",
                    &extra.mapped_to,
                    self.limits.iati_mapped_to_chars,
                )
                .is_none()
            {
                ok = false;
            }
            if ok {
                out.push(IatiExtra {
                    path: extra.path.clone(),
                    xml: extra.xml.clone(),
                    mapped_to: extra.mapped_to.trim().to_string(),
                });
            }
        }
        out
    }

    fn email_ok(&mut self, email: &str) -> bool {
        if is_email_shaped(email) {
            return true;
        }
        self.fail(
            "contact.email",
            format!(
                "{} is not an e-mail address: expected the form name@domain.tld, such as \"migration@example.org\"",
                shown(email)
            ),
        );
        false
    }
}

/// Cuts over-long quoted input out of a vocabulary message (messages quote what was sent).
fn shorten(message: String) -> String {
    if message.chars().count() <= 400 {
        return message;
    }
    let cut: String = message.chars().take(400).collect();
    format!("{cut}…")
}

/// `local@domain.tld`: one `@`, a local part of at most 64 characters without whitespace,
/// a domain of dot-separated labels of ASCII letters, digits, inner hyphens or non-ASCII
/// characters (internationalized domain names), and a top-level
/// label of at least two characters that is not all digits.
fn is_email_shaped(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    if local.is_empty()
        || local.chars().count() > 64
        || local
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '@')
        || local.starts_with('.')
        || local.ends_with('.')
        || local.contains("..")
    {
        return false;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return false;
    }
    let labels_ok = labels.iter().all(|label| {
        !label.is_empty()
            && label.chars().count() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| {
                c == '-'
                    || c.is_ascii_alphanumeric()
                    || (!c.is_ascii() && !c.is_whitespace() && !c.is_control())
            })
    });
    let tld = labels.last().copied().unwrap_or_default();
    labels_ok && tld.chars().count() >= 2 && !tld.chars().all(|c| c.is_ascii_digit())
}

/// A BCP 47-shaped language tag with the usual case, or `None`: subtags of 1 to 8 ASCII
/// letters or digits separated by hyphens, the first being a language (2 to 8 letters) or
/// the private-use / grandfathered singleton "x" or "i" followed by more subtags.
fn canonical_language_tag(tag: &str) -> Option<String> {
    let subtags: Vec<&str> = tag.split('-').collect();
    let ok_subtag =
        |s: &&str| (1..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric());
    if !subtags.iter().all(ok_subtag) {
        return None;
    }
    let first = subtags[0];
    let first_ok = if first.len() == 1 {
        matches!(first, "x" | "X" | "i" | "I") && subtags.len() > 1
    } else {
        first.len() >= 2 && first.bytes().all(|b| b.is_ascii_alphabetic())
    };
    if !first_ok {
        return None;
    }
    let mut out: Vec<String> = Vec::with_capacity(subtags.len());
    let mut after_singleton = first.len() == 1;
    out.push(first.to_ascii_lowercase());
    for subtag in &subtags[1..] {
        let canonical = if after_singleton {
            subtag.to_ascii_lowercase()
        } else if subtag.len() == 1 {
            after_singleton = true;
            subtag.to_ascii_lowercase()
        } else if subtag.len() == 4 && subtag.bytes().all(|b| b.is_ascii_alphabetic()) {
            // Script: title case.
            let lower = subtag.to_ascii_lowercase();
            let mut chars = lower.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        } else if subtag.len() == 2 && subtag.bytes().all(|b| b.is_ascii_alphabetic()) {
            // Region: upper case.
            subtag.to_ascii_uppercase()
        } else {
            subtag.to_ascii_lowercase()
        };
        out.push(canonical);
    }
    Some(out.join("-"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{DraftDates, DraftParticipant, DraftRelated, Theme};

    fn today() -> Date {
        Date::from_ymd(2008, 1, 15).unwrap()
    }

    const EXAMPLE: &str = r#"{
      "title": "Policy dialogue on international migration and development in Eastern and South-eastern Asia",
      "summary": "Lectures by resource persons and country overviews; senior officials of 12 countries.",
      "activity_type": "POLICY_DIALOGUE",
      "status": "CLOSED",
      "dates": { "planned_start": "2007-11-08", "planned_end": "2007-11-09",
                 "actual_start": "2007-11-08", "actual_end": "2007-11-09" },
      "countries": ["TH"],
      "regions": ["ESCAP"],
      "themes": [ { "vocabulary": "GCM", "code": "23" }, { "vocabulary": "SDG", "code": "10.7" },
                  { "vocabulary": "RTWG", "code": "regional-cooperation" } ],
      "target_groups": ["GOVERNMENT_OFFICIALS"],
      "participants": [ { "organization": "IOM", "role": "PARTICIPANT" } ],
      "related": [],
      "location": "Bangkok",
      "links": [ { "url": "https://www.unescap.org/", "title": "ESCAP" } ],
      "contact": { "organization": "ESCAP", "email": "migration@example.org" }
    }"#;

    fn example() -> ReportDraft {
        serde_json::from_str(EXAMPLE).unwrap()
    }

    fn minimal() -> ReportDraft {
        ReportDraft {
            title: TextInput::Plain("Training on victim identification".into()),
            activity_type: "TRAINING".into(),
            status: "IMPLEMENTATION".into(),
            dates: DraftDates {
                planned_start: "2007-03-10".into(),
                ..DraftDates::default()
            },
            ..ReportDraft::default()
        }
    }

    fn violations(draft: &ReportDraft) -> Vec<FieldViolation> {
        validate_draft(draft, today()).expect_err("expected violations")
    }

    fn fields(draft: &ReportDraft) -> Vec<String> {
        violations(draft).into_iter().map(|v| v.field).collect()
    }

    fn description_of(draft: &ReportDraft, field: &str) -> String {
        violations(draft)
            .into_iter()
            .find(|v| v.field == field)
            .unwrap_or_else(|| panic!("no violation on {field}"))
            .description
    }

    fn assert_round_trip(content: &ReportContent) {
        assert_eq!(
            validate_draft(&content.to_draft(), today()).as_ref(),
            Ok(content),
            "validating the content's draft gives the content back"
        );
    }

    #[test]
    fn the_documented_example_is_valid() {
        let content = validate_draft(&example(), today()).unwrap();
        assert_eq!(
            content.display_title(),
            "Policy dialogue on international migration and development in Eastern and South-eastern Asia"
        );
        assert_eq!(content.activity_type, ActivityType::PolicyDialogue);
        assert_eq!(content.status, ActivityStatus::Closed);
        assert_eq!(content.dates.start(), Date::from_ymd(2007, 11, 8));
        assert_eq!(content.dates.end(), Date::from_ymd(2007, 11, 9));
        assert_eq!(content.countries, ["TH"]);
        assert_eq!(content.regions, ["ESCAP"]);
        assert_eq!(content.themes.len(), 3);
        assert_eq!(content.target_groups, ["GOVERNMENT_OFFICIALS"]);
        assert_eq!(
            content.participants,
            [Participant {
                organization: "IOM".into(),
                role: ParticipantRole::Participant
            }]
        );
        assert_eq!(content.location, "Bangkok");
        assert_eq!(content.links.len(), 1);
        assert_eq!(
            content.contact.as_ref().unwrap().email,
            "migration@example.org"
        );
        assert_round_trip(&content);
    }

    #[test]
    fn minimal_report_is_valid() {
        let content = validate_draft(&minimal(), today()).unwrap();
        assert!(content.summary.is_empty());
        assert!(content.contact.is_none());
        assert_eq!(content.location, "");
        assert_round_trip(&content);
    }

    #[test]
    fn normalizes_codes_and_texts() {
        let draft = ReportDraft {
            title: TextInput::Translated(vec![
                LocalizedText {
                    lang: " EN ".into(),
                    text: "  Regional consultation  ".into(),
                },
                LocalizedText {
                    lang: "zh-hans".into(),
                    text: "区域协商".into(),
                },
            ]),
            summary: TextInput::Plain("  Line one.\nLine two.\t  ".into()),
            activity_type: "policy dialogue".into(),
            status: "4".into(),
            countries: vec!["tha".into(), "KH".into(), " th ".into(), "LAO".into()],
            regions: vec!["35".into(), "escap".into(), "035".into()],
            themes: vec![
                Theme {
                    vocabulary: "gcm".into(),
                    code: "GCM-10".into(),
                },
                Theme {
                    vocabulary: "GCM".into(),
                    code: "10".into(),
                },
                Theme {
                    vocabulary: "sdg".into(),
                    code: "16.2".into(),
                },
                Theme {
                    vocabulary: "rtwg".into(),
                    code: "Labour_Migration".into(),
                },
            ],
            target_groups: vec![
                "migrant workers".into(),
                "MIGRANT_WORKERS".into(),
                "women-and-girls".into(),
            ],
            participants: vec![
                DraftParticipant {
                    organization: " UNODC ".into(),
                    role: "co-organiser".into(),
                },
                DraftParticipant {
                    organization: "UNODC".into(),
                    role: "CO_ORGANISER".into(),
                },
            ],
            related: vec![DraftRelated {
                report_id: "0190A5C4-7B1E-7D2A-9C3F-2E4D5A6B7C8D".into(),
                relation: "follow up".into(),
            }],
            location: "  Vientiane ".into(),
            contact: Some(Contact {
                email: " focal@iom.int ".into(),
                ..Contact::default()
            }),
            ..minimal()
        };
        let content = validate_draft(&draft, today()).unwrap();
        assert_eq!(
            content.title[0],
            LocalizedText {
                lang: "en".into(),
                text: "Regional consultation".into()
            }
        );
        assert_eq!(content.title[1].lang, "zh-Hans");
        assert_eq!(content.summary[0].text, "Line one.\nLine two.");
        assert_eq!(content.activity_type, ActivityType::PolicyDialogue);
        assert_eq!(content.status, ActivityStatus::Closed);
        assert_eq!(content.countries, ["TH", "KH", "LA"]);
        assert_eq!(content.regions, ["035", "ESCAP"]);
        assert_eq!(
            content.themes,
            [
                Theme {
                    vocabulary: "GCM".into(),
                    code: "10".into()
                },
                Theme {
                    vocabulary: "SDG".into(),
                    code: "16.2".into()
                },
                Theme {
                    vocabulary: "RTWG".into(),
                    code: "labour-migration".into()
                },
            ]
        );
        assert_eq!(
            content.target_groups,
            ["MIGRANT_WORKERS", "WOMEN_AND_GIRLS"]
        );
        assert_eq!(content.participants.len(), 1);
        assert_eq!(content.participants[0].role, ParticipantRole::CoOrganiser);
        assert_eq!(content.related[0].relation, Relation::FollowUp);
        assert_eq!(
            content.related[0].report_id.to_string(),
            "0190a5c4-7b1e-7d2a-9c3f-2e4d5a6b7c8d"
        );
        assert_eq!(content.location, "Vientiane");
        assert_eq!(content.contact.as_ref().unwrap().email, "focal@iom.int");
        assert_round_trip(&content);
    }

    #[test]
    fn reports_every_violation_at_once() {
        let draft = ReportDraft {
            title: TextInput::Plain("   ".into()),
            activity_type: "PARTY".into(),
            status: String::new(),
            dates: DraftDates {
                planned_start: "2007-02-30".into(),
                actual_start: "2007-03-12".into(),
                actual_end: "2007-03-10".into(),
                ..DraftDates::default()
            },
            countries: vec!["TH".into(), "KH".into(), "XX".into()],
            regions: vec!["999".into()],
            themes: vec![
                Theme {
                    vocabulary: "GCM".into(),
                    code: "10".into(),
                },
                Theme {
                    vocabulary: "GCM".into(),
                    code: "42".into(),
                },
                Theme {
                    vocabulary: "UNICEF".into(),
                    code: "1".into(),
                },
            ],
            target_groups: vec!["aliens".into()],
            participants: vec![DraftParticipant {
                organization: String::new(),
                role: "SPONSOR".into(),
            }],
            related: vec![DraftRelated {
                report_id: "not-a-uuid".into(),
                relation: "COUSIN".into(),
            }],
            links: vec![Link {
                url: "ftp://example.org/file".into(),
                ..Link::default()
            }],
            contact: Some(Contact {
                email: "nobody".into(),
                ..Contact::default()
            }),
            location: "Phnom\nPenh".into(),
            ..ReportDraft::default()
        };
        assert_eq!(
            fields(&draft),
            [
                "title",
                "activity_type",
                "status",
                "dates.planned_start",
                "dates.actual_end",
                "countries[2]",
                "regions[0]",
                "themes[1].code",
                "themes[2].vocabulary",
                "target_groups[0]",
                "participants[0].organization",
                "participants[0].role",
                "related[0].report_id",
                "related[0].relation",
                "links[0].url",
                "contact.email",
                "location",
            ]
        );
        assert_eq!(
            description_of(&draft, "countries[2]"),
            "unknown country code \"XX\": expected an ISO 3166-1 alpha-2 or alpha-3 code such as \"TH\" or \"THA\""
        );
        assert_eq!(
            description_of(&draft, "dates.planned_start"),
            "\"2007-02-30\" is not a valid date: February 2007 has 28 days"
        );
        assert_eq!(
            description_of(&draft, "dates.actual_end"),
            "the actual end 2007-03-10 is before the actual start 2007-03-12: the end must be on or after the start"
        );
        assert!(
            description_of(&draft, "activity_type").starts_with(
                "unknown activity type \"PARTY\": expected one of MEETING, CONFERENCE,"
            )
        );
        assert!(
            description_of(&draft, "status")
                .starts_with("the status is missing: expected one of PIPELINE,")
        );
        assert!(
            description_of(&draft, "themes[1].code")
                .starts_with("unknown code \"42\" in vocabulary GCM")
        );
        assert!(
            description_of(&draft, "themes[2].vocabulary")
                .starts_with("unknown theme vocabulary \"UNICEF\"")
        );
        assert!(
            description_of(&draft, "related[0].report_id")
                .starts_with("\"not-a-uuid\" is not a report id")
        );
        assert!(
            description_of(&draft, "links[0].url")
                .starts_with("\"ftp://example.org/file\" is not a supported link")
        );
        assert!(
            description_of(&draft, "contact.email")
                .starts_with("\"nobody\" is not an e-mail address")
        );
        assert_eq!(
            description_of(&draft, "location"),
            "the location must be a single line, without tabs or line breaks"
        );
        for v in violations(&draft) {
            assert!(v.description.len() > 20, "{v}");
        }
    }

    #[test]
    fn title_rules() {
        let mut draft = minimal();
        draft.title = TextInput::Translated(vec![]);
        assert_eq!(fields(&draft), ["title"]);
        assert!(description_of(&draft, "title").starts_with("a report needs a title"));

        draft.title = TextInput::Translated(vec![
            LocalizedText {
                lang: "en".into(),
                text: "Workshop".into(),
            },
            LocalizedText {
                lang: "en_US".into(),
                text: " ".into(),
            },
            LocalizedText {
                lang: "EN".into(),
                text: "Atelier".into(),
            },
            LocalizedText {
                lang: "fr".into(),
                text: "Atelier\u{7}".into(),
            },
        ]);
        assert_eq!(
            fields(&draft),
            [
                "title[1].lang",
                "title[1].text",
                "title[2].lang",
                "title[3].text"
            ]
        );
        assert_eq!(
            description_of(&draft, "title[2].lang"),
            "a second title in language \"en\": give one title per language"
        );
        assert_eq!(
            description_of(&draft, "title[3].text"),
            "the title contains the control character U+0007: remove it"
        );
        assert!(
            description_of(&draft, "title[1].lang").starts_with("\"en_US\" is not a language tag")
        );

        draft.title = TextInput::Plain("x".repeat(501));
        assert_eq!(
            description_of(&draft, "title"),
            "the title is 501 characters long; at most 500 are allowed"
        );
        draft.title = TextInput::Plain("é".repeat(500));
        assert!(
            validate_draft(&draft, today()).is_ok(),
            "limits count characters, not bytes"
        );
        draft.title = TextInput::Plain("Two\nlines".into());
        assert_eq!(fields(&draft), ["title"]);

        // Two titles without a language tag.
        draft.title = TextInput::Translated(vec![
            LocalizedText {
                lang: String::new(),
                text: "One".into(),
            },
            LocalizedText {
                lang: " ".into(),
                text: "Two".into(),
            },
        ]);
        assert_eq!(fields(&draft), ["title[1].lang"]);

        draft.title = TextInput::Translated(
            (0..21)
                .map(|i| LocalizedText {
                    lang: format!("x-l{i}"),
                    text: "T".into(),
                })
                .collect(),
        );
        assert_eq!(
            description_of(&draft, "title"),
            "title lists 21 languages; at most 20 are allowed"
        );
    }

    #[test]
    fn summary_rules() {
        let mut draft = minimal();
        draft.summary = TextInput::Plain("Paragraph one.\r\n\r\n\tParagraph two.".into());
        let content = validate_draft(&draft, today()).unwrap();
        assert_eq!(
            content.summary[0].text,
            "Paragraph one.\r\n\r\n\tParagraph two."
        );
        draft.summary = TextInput::Plain("   ".into());
        assert!(validate_draft(&draft, today()).unwrap().summary.is_empty());
        draft.summary = TextInput::Plain("s".repeat(20_001));
        assert_eq!(fields(&draft), ["summary"]);
        draft.summary = TextInput::Plain("nul\u{0}".into());
        assert_eq!(fields(&draft), ["summary"]);
        draft.summary = TextInput::Translated(vec![LocalizedText {
            lang: "fr".into(),
            text: String::new(),
        }]);
        assert_eq!(fields(&draft), ["summary[0].text"]);
        assert_eq!(
            description_of(&draft, "summary[0].text"),
            "the summary is blank: give the text or remove the entry"
        );
    }

    #[test]
    fn language_tags() {
        for (tag, canonical) in [
            ("en", "en"),
            ("EN", "en"),
            ("fr", "fr"),
            ("zh-hans", "zh-Hans"),
            ("ZH-HANT-tw", "zh-Hant-TW"),
            ("en-gb", "en-GB"),
            ("es-419", "es-419"),
            ("th", "th"),
            ("fil", "fil"),
            ("sr-Latn-RS", "sr-Latn-RS"),
            ("de-CH-1901", "de-CH-1901"),
            ("en-US-x-twain", "en-US-x-twain"),
            ("x-private", "x-private"),
            ("i-klingon", "i-klingon"),
        ] {
            assert_eq!(
                canonical_language_tag(tag).as_deref(),
                Some(canonical),
                "{tag}"
            );
        }
        for bad in [
            "e",
            "en_US",
            "en-",
            "-en",
            "en--us",
            "english language",
            "e1",
            "x",
            "12",
            "toolongtag",
            "en-toolongsub",
            "日本",
        ] {
            assert_eq!(canonical_language_tag(bad), None, "{bad}");
        }
        let mut draft = minimal();
        draft.title = TextInput::Translated(vec![LocalizedText {
            lang: "en-".to_string() + &"abcdefgh-".repeat(4) + "x",
            text: "T".into(),
        }]);
        assert_eq!(
            fields(&draft),
            ["title[0].lang"],
            "longer than 35 characters"
        );
    }

    #[test]
    fn activity_type_and_status() {
        let mut draft = minimal();
        for (raw, expected) in [
            ("meeting", ActivityType::Meeting),
            (" Technical-Assistance ", ActivityType::TechnicalAssistance),
            ("DATA COLLECTION", ActivityType::DataCollection),
        ] {
            draft.activity_type = raw.into();
            assert_eq!(
                validate_draft(&draft, today()).unwrap().activity_type,
                expected
            );
        }
        draft.activity_type = "  ".into();
        assert!(description_of(&draft, "activity_type").starts_with(
            "the activity type is missing: expected one of MEETING, CONFERENCE, TRAINING,"
        ));
        draft.activity_type = "TRAINING".into();
        for (raw, expected) in [
            ("1", ActivityStatus::Pipeline),
            ("pipeline", ActivityStatus::Pipeline),
            ("6", ActivityStatus::Suspended),
            ("Cancelled", ActivityStatus::Cancelled),
        ] {
            draft.status = raw.into();
            assert_eq!(validate_draft(&draft, today()).unwrap().status, expected);
        }
        for bad in ["0", "7", "-1", "DONE", "CANCELED"] {
            draft.status = bad.into();
            assert_eq!(fields(&draft), ["status"], "{bad}");
        }
        assert!(
            description_of(&draft, "status")
                .ends_with("or an IATI activity status code from 1 to 6")
        );
    }

    #[test]
    fn date_rules() {
        let mut draft = minimal();
        draft.dates = DraftDates::default();
        assert_eq!(fields(&draft), ["dates"]);
        assert!(description_of(&draft, "dates").starts_with("a report needs a start date"));

        // An actual start alone is enough; a time part is ignored.
        draft.dates = DraftDates {
            actual_start: "2007-03-10T00:00:00Z".into(),
            ..DraftDates::default()
        };
        let content = validate_draft(&draft, today()).unwrap();
        assert_eq!(content.dates.actual_start, Date::from_ymd(2007, 3, 10));

        // An unparsable start is reported once, not also as a missing start.
        draft.dates = DraftDates {
            planned_start: "12/03/2007".into(),
            ..DraftDates::default()
        };
        assert_eq!(fields(&draft), ["dates.planned_start"]);
        assert_eq!(
            description_of(&draft, "dates.planned_start"),
            "expected a date as YYYY-MM-DD, got \"12/03/2007\""
        );

        draft.dates = DraftDates {
            planned_start: "2007-11-09".into(),
            planned_end: "2007-11-08".into(),
            ..DraftDates::default()
        };
        assert_eq!(fields(&draft), ["dates.planned_end"]);

        // Same-day events are fine.
        draft.dates = DraftDates {
            planned_start: "2007-11-08".into(),
            planned_end: "2007-11-08".into(),
            actual_start: "2007-11-08".into(),
            actual_end: "2007-11-08".into(),
        };
        assert!(validate_draft(&draft, today()).is_ok());

        // Planned dates may be in the future; actual dates may not.
        draft.dates = DraftDates {
            planned_start: "2030-01-01".into(),
            planned_end: "2030-01-02".into(),
            ..DraftDates::default()
        };
        assert!(validate_draft(&draft, today()).is_ok());
        draft.dates = DraftDates {
            actual_start: "2008-01-16".into(),
            actual_end: "2008-01-20".into(),
            ..DraftDates::default()
        };
        assert_eq!(fields(&draft), ["dates.actual_start", "dates.actual_end"]);
        assert_eq!(
            description_of(&draft, "dates.actual_start"),
            "2008-01-16 is in the future (today is 2008-01-15): actual dates record what has happened; give a date to come as dates.planned_start"
        );
        draft.dates.actual_start = "2008-01-15".into();
        draft.dates.actual_end = "2008-01-15".into();
        assert!(
            validate_draft(&draft, today()).is_ok(),
            "today is not the future"
        );

        // An absurdly long date is quoted briefly.
        draft.dates = DraftDates {
            planned_start: "9".repeat(10_000),
            ..DraftDates::default()
        };
        assert!(description_of(&draft, "dates.planned_start").len() < 150);
    }

    #[test]
    fn list_limits() {
        let mut draft = minimal();
        draft.countries = vec!["TH".to_string(); 301];
        assert_eq!(fields(&draft), ["countries"]);
        assert_eq!(
            description_of(&draft, "countries"),
            "countries lists 301 countries; at most 300 are allowed"
        );
        draft.countries = vec!["TH".to_string(); 300];
        assert_eq!(validate_draft(&draft, today()).unwrap().countries, ["TH"]);

        let mut draft = minimal();
        draft.regions = vec!["035".to_string(); 51];
        draft.themes = vec![
            Theme {
                vocabulary: "GCM".into(),
                code: "10".into()
            };
            51
        ];
        draft.target_groups = vec!["DIASPORA".to_string(); 21];
        draft.participants = vec![
            DraftParticipant {
                organization: "ILO".into(),
                role: "FUNDING".into()
            };
            101
        ];
        draft.related = vec![DraftRelated::default(); 101];
        draft.links = vec![Link::default(); 101];
        assert_eq!(
            fields(&draft),
            [
                "regions",
                "themes",
                "target_groups",
                "participants",
                "related",
                "links"
            ]
        );

        let custom = Limits {
            countries: 1,
            ..Limits::DEFAULT
        };
        let mut draft = minimal();
        draft.countries = vec!["TH".into(), "KH".into()];
        assert!(validate_draft_with_limits(&draft, today(), &custom).is_err());
        assert!(validate_draft(&draft, today()).is_ok());
        assert_eq!(Limits::default(), Limits::DEFAULT);
    }

    #[test]
    fn empty_entries_in_lists() {
        let mut draft = minimal();
        draft.countries = vec![" ".into()];
        draft.regions = vec![String::new()];
        draft.themes = vec![
            Theme {
                vocabulary: "SDG".into(),
                code: String::new(),
            },
            Theme {
                vocabulary: String::new(),
                code: String::new(),
            },
        ];
        draft.target_groups = vec![String::new()];
        assert_eq!(
            fields(&draft),
            [
                "countries[0]",
                "regions[0]",
                "themes[0].code",
                "themes[1].vocabulary",
                "target_groups[0]"
            ]
        );
        assert!(description_of(&draft, "countries[0]").starts_with("the country code is empty"));
        assert!(description_of(&draft, "themes[0].code").starts_with("the theme code is missing"));
        assert!(
            description_of(&draft, "themes[1].vocabulary")
                .starts_with("the theme vocabulary is missing")
        );
    }

    #[test]
    fn participants_related_and_links() {
        let mut draft = minimal();
        draft.participants = vec![
            DraftParticipant {
                organization: "XM-DAC-47066".into(),
                role: "implementing".into(),
            },
            DraftParticipant {
                organization: "ILO".into(),
                role: String::new(),
            },
            DraftParticipant {
                organization: "o".repeat(201),
                role: "FUNDING".into(),
            },
        ];
        draft.related = vec![
            DraftRelated {
                report_id: "00000000-0000-0000-0000-000000000000".into(),
                relation: "JOINT".into(),
            },
            DraftRelated {
                report_id: String::new(),
                relation: "joint".into(),
            },
            DraftRelated {
                report_id: "0190a5c47b1e7d2a9c3f2e4d5a6b7c8d".into(),
                relation: "co-funded".into(),
            },
        ];
        draft.links = vec![
            Link {
                url: "https://www.iom.int/".into(),
                title: "IOM".into(),
                kind: "webpage".into(),
            },
            Link {
                url: "mailto:focal@iom.int".into(),
                ..Link::default()
            },
            Link {
                url: "HTTP://EXAMPLE.ORG".into(),
                ..Link::default()
            },
            Link {
                url: "https://example.org/a file.pdf".into(),
                ..Link::default()
            },
            Link {
                url: "https://".into(),
                ..Link::default()
            },
            Link {
                url: "javascript:alert(1)".into(),
                ..Link::default()
            },
            Link {
                url: String::new(),
                title: "No URL".into(),
                ..Link::default()
            },
            Link {
                url: format!("https://example.org/{}", "a".repeat(2_000)),
                ..Link::default()
            },
            Link {
                url: "mailto:".into(),
                ..Link::default()
            },
            Link {
                url: "https:///path".into(),
                ..Link::default()
            },
        ];
        assert_eq!(
            fields(&draft),
            [
                "participants[1].role",
                "participants[2].organization",
                "related[0].report_id",
                "related[1].report_id",
                "links[3].url",
                "links[4].url",
                "links[5].url",
                "links[6].url",
                "links[7].url",
                "links[8].url",
                "links[9].url",
            ]
        );
        assert_eq!(
            description_of(&draft, "links[3].url"),
            "the URL \"https://example.org/a file.pdf\" contains whitespace: write spaces as %20"
        );
        assert!(description_of(&draft, "links[6].url").starts_with("the URL is missing"));
        assert!(
            description_of(&draft, "links[7].url").starts_with("the URL is 2020 characters long")
        );
        assert!(description_of(&draft, "related[0].report_id").starts_with("the nil UUID"));
        assert!(description_of(&draft, "participants[1].role").starts_with("the role is missing: expected one of FUNDING, ACCOUNTABLE, EXTENDING, IMPLEMENTING, CO_ORGANISER, PARTICIPANT"));

        draft.participants.truncate(1);
        draft.related = vec![DraftRelated {
            report_id: "0190a5c47b1e7d2a9c3f2e4d5a6b7c8d".into(),
            relation: "co-funded".into(),
        }];
        draft.links.truncate(3);
        let content = validate_draft(&draft, today()).unwrap();
        assert_eq!(content.participants[0].role, ParticipantRole::Implementing);
        assert_eq!(content.related[0].relation, Relation::CoFunded);
        assert_eq!(content.links.len(), 3);
        assert_round_trip(&content);
    }

    #[test]
    fn contact_rules() {
        let mut draft = minimal();
        draft.contact = Some(Contact {
            organization: "  ".into(),
            unit: String::new(),
            email: " ".into(),
            person: String::new(),
        });
        assert_eq!(
            validate_draft(&draft, today()).unwrap().contact,
            None,
            "an all-empty contact is no contact"
        );

        draft.contact = Some(Contact {
            unit: "Social Development Division".into(),
            ..Contact::default()
        });
        assert_eq!(
            validate_draft(&draft, today())
                .unwrap()
                .contact
                .unwrap()
                .unit,
            "Social Development Division"
        );

        for good in [
            "migration@example.org",
            "first.last+tag@sub.example.co.th",
            "x@ex-ample.org",
            "ทดสอบ@ตัวอย่าง.ไทย",
            "a@b.xn--p1ai",
        ] {
            draft.contact = Some(Contact {
                email: good.into(),
                ..Contact::default()
            });
            assert!(validate_draft(&draft, today()).is_ok(), "{good}");
        }
        for bad in [
            "migration",
            "migration@",
            "@example.org",
            "a@example",
            "a@b@example.org",
            "a b@example.org",
            "a@example.o",
            "a@-example.org",
            "a@example-.org",
            "a@example..org",
            "a@1.2.3.4",
            ".a@example.org",
            "a..b@example.org",
            "a@exa_mple.org",
        ] {
            draft.contact = Some(Contact {
                email: bad.into(),
                ..Contact::default()
            });
            assert_eq!(fields(&draft), ["contact.email"], "{bad}");
        }
        draft.contact = Some(Contact {
            email: format!("{}@example.org", "a".repeat(65)),
            ..Contact::default()
        });
        assert_eq!(fields(&draft), ["contact.email"]);
        draft.contact = Some(Contact {
            email: format!("a@{}.org", "b".repeat(250)),
            ..Contact::default()
        });
        assert!(description_of(&draft, "contact.email").contains("at most 254"));
        draft.contact = Some(Contact {
            organization: "o".repeat(201),
            unit: "u\u{1b}".into(),
            person: "Two\nLines".into(),
            email: String::new(),
        });
        assert_eq!(
            fields(&draft),
            ["contact.organization", "contact.unit", "contact.person"]
        );
    }

    #[test]
    fn location_rules() {
        let mut draft = minimal();
        draft.location = "l".repeat(201);
        assert_eq!(
            description_of(&draft, "location"),
            "the location is 201 characters long; at most 200 are allowed"
        );
        draft.location = "Se\u{85}oul".into();
        assert_eq!(fields(&draft), ["location"]);
    }

    #[test]
    fn json_drafts_with_odd_shapes() {
        // Translated title and summary, no contact.
        let draft: ReportDraft = serde_json::from_str(
            r#"{"title": [{"lang": "en", "text": "Survey"}, {"lang": "th", "text": "การสำรวจ"}],
                "summary": [{"text": "Household survey."}],
                "activity_type": "data_collection", "status": "2",
                "dates": {"actual_start": "2007-05-01"}}"#,
        )
        .unwrap();
        let content = validate_draft(&draft, today()).unwrap();
        assert_eq!(content.title.len(), 2);
        assert_eq!(
            content.summary,
            [LocalizedText {
                lang: String::new(),
                text: "Household survey.".into()
            }]
        );
        assert_round_trip(&content);
    }

    /// A small deterministic generator (xorshift), to try many odd inputs without a
    /// property-testing dependency.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0 = x;
            x
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        fn text(&mut self) -> String {
            const PIECES: &[&str] = &[
                "",
                " ",
                "a",
                "Z",
                "é",
                "中",
                "\u{0}",
                "\n",
                "\t",
                "\r",
                "-",
                "_",
                ".",
                "@",
                ":",
                "/",
                "0",
                "1",
                "9",
                "T",
                "x",
                "http://",
                "https://",
                "mailto:",
                "2007-03-10",
                "2008-02-29",
                "9999-12-31",
                "TH",
                "tha",
                "035",
                "ESCAP",
                "GCM",
                "SDG",
                "DAC",
                "RTWG",
                "10.7",
                "10.c",
                "15190",
                "MEETING",
                "CLOSED",
                "4",
                "en",
                "zh-Hans",
                "\u{301}",
                "ไทย",
                "\u{7f}",
                "\u{2028}",
                "👍",
                "0190a5c4-7b1e-7d2a-9c3f-2e4d5a6b7c8d",
                "example.org",
                "JOINT",
                "PARTICIPANT",
                "DIASPORA",
                "\u{FEFF}",
                "ß",
                "İ",
            ];
            let pieces = self.below(6);
            (0..pieces)
                .map(|_| PIECES[self.below(PIECES.len())])
                .collect()
        }

        fn list(&mut self) -> Vec<String> {
            let n = self.below(4);
            (0..n).map(|_| self.text()).collect()
        }

        fn text_input(&mut self) -> TextInput {
            if self.below(2) == 0 {
                TextInput::Plain(self.text())
            } else {
                let n = self.below(3);
                TextInput::Translated(
                    (0..n)
                        .map(|_| LocalizedText {
                            lang: self.text(),
                            text: self.text(),
                        })
                        .collect(),
                )
            }
        }

        fn draft(&mut self) -> ReportDraft {
            let themes = (0..self.below(3))
                .map(|_| Theme {
                    vocabulary: self.text(),
                    code: self.text(),
                })
                .collect();
            let participants = (0..self.below(3))
                .map(|_| DraftParticipant {
                    organization: self.text(),
                    role: self.text(),
                })
                .collect();
            let related = (0..self.below(2))
                .map(|_| DraftRelated {
                    report_id: self.text(),
                    relation: self.text(),
                })
                .collect();
            let links = (0..self.below(3))
                .map(|_| Link {
                    url: self.text(),
                    title: self.text(),
                    kind: self.text(),
                })
                .collect();
            let contact = (self.below(2) == 0).then(|| Contact {
                organization: self.text(),
                unit: self.text(),
                email: self.text(),
                person: self.text(),
            });
            ReportDraft {
                title: self.text_input(),
                summary: self.text_input(),
                activity_type: self.text(),
                status: self.text(),
                dates: DraftDates {
                    planned_start: self.text(),
                    actual_start: self.text(),
                    planned_end: self.text(),
                    actual_end: self.text(),
                },
                countries: self.list(),
                regions: self.list(),
                themes,
                target_groups: self.list(),
                participants,
                related,
                links,
                contact,
                location: self.text(),
                iati_identifier: String::new(),
                iati_extra: Vec::new(),
            }
        }
    }

    const TOP_LEVEL_FIELDS: &[&str] = &[
        "title",
        "summary",
        "activity_type",
        "status",
        "dates",
        "countries",
        "regions",
        "themes",
        "target_groups",
        "participants",
        "related",
        "links",
        "contact",
        "location",
    ];

    #[test]
    fn never_panics_on_random_drafts() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let mut accepted = 0;
        for _ in 0..3_000 {
            let draft = rng.draft();
            match validate_draft(&draft, today()) {
                Ok(content) => {
                    accepted += 1;
                    assert_round_trip(&content);
                }
                Err(violations) => {
                    assert!(!violations.is_empty());
                    for v in violations {
                        let top = v.field.split(['.', '[']).next().unwrap_or_default();
                        assert!(TOP_LEVEL_FIELDS.contains(&top), "{v}");
                        assert!(!v.description.is_empty());
                    }
                }
            }
        }
        // Mostly rejected, as expected of random text; the point is that nothing panicked.
        assert!(accepted < 3_000);
    }

    #[test]
    fn never_panics_on_mostly_valid_drafts() {
        // Perturb one field of a valid report at a time: the rest stays valid, so the
        // violations must all be about that one field.
        let mut rng = Rng(42);
        for round in 0..2_000 {
            let mut draft = example();
            let noise = rng.draft();
            let field = TOP_LEVEL_FIELDS[round % TOP_LEVEL_FIELDS.len()];
            match field {
                "title" => draft.title = noise.title,
                "summary" => draft.summary = noise.summary,
                "activity_type" => draft.activity_type = noise.activity_type,
                "status" => draft.status = noise.status,
                "dates" => draft.dates = noise.dates,
                "countries" => draft.countries = noise.countries,
                "regions" => draft.regions = noise.regions,
                "themes" => draft.themes = noise.themes,
                "target_groups" => draft.target_groups = noise.target_groups,
                "participants" => draft.participants = noise.participants,
                "related" => draft.related = noise.related,
                "links" => draft.links = noise.links,
                "contact" => draft.contact = noise.contact,
                _ => draft.location = noise.location,
            }
            match validate_draft(&draft, today()) {
                Ok(content) => assert_round_trip(&content),
                Err(violations) => {
                    for v in violations {
                        let top = v.field.split(['.', '[']).next().unwrap_or_default();
                        assert_eq!(top, field, "{v}");
                    }
                }
            }
        }
    }
}
