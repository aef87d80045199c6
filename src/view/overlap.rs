//! The overlap engine: does a pair of reports describe duplicated effort?
//!
//! Coordinators mean two things by an overlap (`shared/docs/domain.md`, "Potential
//! overlap"): a **probable duplicate**, one real activity reported twice (two co-organizers
//! of one conference, an agency reporting its part in another's event, a funder and its
//! implementer), and a **potential overlap**, two agencies independently doing the same kind
//! of work for the same place, subject and time. [`assess`] tells which, if either, a pair
//! of reports is, with a score in [0, 1] and the [`Reason`]s that made it, so that every
//! flag can be read and checked by a person.
//!
//! ## How a pair is judged
//!
//! 1. **Declared relations.** Reports that declare each other JOINT or CO_FUNDED (either
//!    side is enough) are [`Assessment::Suppressed`], never flagged: their authors already
//!    coordinate. The would-be flag rides along, for the curious. Another declared
//!    relation (parent, child, follow-up, supersedes) suppresses a flag the pair would
//!    have had, for the same reason, and is otherwise not mentioned.
//! 2. **Candidate rule** (domain.md's starting rule): neither report cancelled nor
//!    withdrawn; both dated; their intervals overlap (start = actual or planned start, end
//!    = actual or planned end, else the start), each widened by
//!    [`EVENT_WIDENING_DAYS`] when it is an event (meeting, conference, training, policy
//!    dialogue); their places intersect (a shared country, or a region of one containing
//!    a country of the other). Anything else is [`Assessment::None`] with the rule that
//!    stopped it.
//! 3. **Evidence** ([`PairEvidence`]): the subject (shared [`Concept`]s after the
//!    [crosswalk](super::crosswalk), and similar words after [normalisation, acronyms,
//!    synonyms and translation](super::similarity)), the place (how much of each report's
//!    place the other covers), the time (how the intervals coincide, and whether the two
//!    have the same scale: a one-day briefing is not the duplicate of a five-year
//!    programme), the activity types, the location, and whether either report names the
//!    other's organization (as a participant or in its text). Shared target groups are
//!    shown among the reasons but not scored (government officials are everyone's
//!    audience).
//! 4. **Scores.** The *subject similarity* joins concepts and words (concepts count fully
//!    only when some words back them). The *overlap score* is the subject similarity times
//!    factors for the place (a shared country: 1; a tie through a large region: far less),
//!    the scale, the time and the activity types. The *duplicate score* weighs signs of
//!    one single event (dates within days, or for long activities intervals that coincide;
//!    the same venue; naming each other) and needs some subject in common. A pair is
//!    flagged as a probable duplicate when the duplicate score reaches
//!    [`Thresholds::probable_duplicate`], else as a potential overlap when the overlap
//!    score reaches [`Thresholds::potential_overlap`]. The weights were tuned on the
//!    labelled pairs of `tests/data/overlap_pairs.json`
//!    (`tests/integration/overlap_quality.rs` prints precision and recall on them).
//!
//! Two reports of the **same organization** are judged apart: only a probable duplicate
//! counts ([`FlagKind::SelfDuplicate`]: the same activity entered twice), and only when
//! the dates themselves coincide, without widening: a course repeated a month later for
//! another province is a roll-out, not a duplicate.
//!
//! ## Finding candidates without comparing all pairs
//!
//! [`candidate_keys`] gives the keys (a country and a month) under which an index files a
//! report: every pair that can pass the candidate rule shares at least one key. The index
//! keeps, per key, the reports filed under it; to check a report, it collects the reports
//! filed under any of the report's keys, drops the report itself, and calls [`assess`] on
//! each once. See [`candidate_keys`] for the details.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::sync::OnceLock;

use uuid::Uuid;

use super::crosswalk::{Concept, display_theme, text_concepts, theme_concepts};
use super::similarity::{
    DocumentFrequencies, TermWeights, folded_words, organizations_named, similarity, transliterated,
};
use crate::report::vocabulary::{region, regions, target_group_label};
use crate::report::{
    ActivityStatus, ActivityType, Date, LocalizedText, Participant, RelatedReport, Relation,
    ReportContent, Theme,
};

/// Days by which an event's interval is widened on each side before intervals are
/// compared: two trainings on one subject in one country three weeks apart duplicate each
/// other as much as two on the same days.
pub const EVENT_WIDENING_DAYS: i64 = 30;

/// How much a concept found in a summary counts against one in a title or a theme code:
/// summaries mention many things in passing.
const SUMMARY_CONCEPT_FACTOR: f64 = 0.7;

// ---------------------------------------------------------------------------------------
// The candidate: a report as the engine sees it
// ---------------------------------------------------------------------------------------

/// A concept of a report, how strongly the report shows it, and where it shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ConceptEvidence {
    /// The concept.
    pub concept: Concept,
    /// The strongest source's strength, in (0, 1].
    pub strength: f64,
    /// What showed it: theme codes ("GCM-10", "SDG 16.2") and keywords (`"trafficking"`
    /// in title, `"remittances"` in summary).
    pub sources: Vec<String>,
}

/// A report as the overlap engine sees it: the fields that matter for overlaps, and what
/// is derived from them once (concepts, terms, places, the organizations it names).
#[derive(Debug, Clone)]
pub struct OverlapCandidate {
    /// The report's id.
    pub id: Uuid,
    /// The authoring member.
    pub organization: String,
    /// What kind of activity.
    pub activity_type: ActivityType,
    /// Where it stands.
    pub status: ActivityStatus,
    /// True once withdrawn.
    pub withdrawn: bool,
    /// Actual start, else planned start.
    pub start: Option<Date>,
    /// Actual end, else planned end, else the start.
    pub end: Option<Date>,
    /// ISO 3166-1 alpha-2 codes.
    pub countries: Vec<String>,
    /// Region codes (UN M49 or the group's own).
    pub regions: Vec<String>,
    /// Theme codes.
    pub themes: Vec<Theme>,
    /// Concepts from the themes and the texts, strongest first.
    pub concepts: Vec<ConceptEvidence>,
    /// Target-group codes.
    pub target_groups: Vec<String>,
    /// Other organizations taking part.
    pub participants: Vec<Participant>,
    /// Links to other reports.
    pub related: Vec<RelatedReport>,
    /// City or venue.
    pub location: String,
    /// Titles in every language.
    pub titles: Vec<LocalizedText>,
    /// Summaries in every language.
    pub summaries: Vec<LocalizedText>,
    /// Normalised terms of titles and summaries.
    pub terms: TermWeights,
    /// Countries the report's regions cover (empty without regions).
    region_countries: BTreeSet<&'static str>,
    /// Member organizations the report names (other than its own), and how ("as
    /// CO_ORGANISER", "in its summary").
    named_organizations: BTreeMap<String, String>,
    /// Normalised place names of the location ("port vila" → "portvila").
    location_names: Vec<String>,
}

impl OverlapCandidate {
    /// The candidate view of a stored report. Organization names are recognised from the
    /// default members' names in several languages; see
    /// [`OverlapCandidate::from_report_with_aliases`] to add a membership's own aliases.
    pub fn from_report(
        id: Uuid,
        organization: &str,
        withdrawn: bool,
        content: &ReportContent,
    ) -> OverlapCandidate {
        Self::from_report_with_aliases(id, organization, withdrawn, content, &[])
    }

    /// [`OverlapCandidate::from_report`], also recognising `aliases` (`(alias, member
    /// code)`, as in the membership file) when looking for the organizations a report
    /// names.
    pub fn from_report_with_aliases(
        id: Uuid,
        organization: &str,
        withdrawn: bool,
        content: &ReportContent,
        aliases: &[(String, String)],
    ) -> OverlapCandidate {
        let concepts = collect_concepts(content);
        let region_countries = content
            .regions
            .iter()
            .flat_map(|code| countries_of_region(code).iter().copied())
            .collect();
        let mut named_organizations = BTreeMap::new();
        for participant in &content.participants {
            for code in organizations_named(&participant.organization, aliases) {
                named_organizations
                    .entry(code)
                    .or_insert_with(|| format!("as {}", participant.role.name()));
            }
        }
        let texts = content
            .title
            .iter()
            .map(|t| ("its title", t))
            .chain(content.summary.iter().map(|s| ("its summary", s)));
        for (field, text) in texts {
            for code in organizations_named(&text.text, aliases) {
                named_organizations
                    .entry(code)
                    .or_insert_with(|| format!("in {field}"));
            }
        }
        named_organizations.remove(organization);
        OverlapCandidate {
            id,
            organization: organization.to_string(),
            activity_type: content.activity_type,
            status: content.status,
            withdrawn,
            start: content.dates.start(),
            end: content.dates.end(),
            countries: content.countries.clone(),
            regions: content.regions.clone(),
            themes: content.themes.clone(),
            concepts,
            target_groups: content.target_groups.clone(),
            participants: content.participants.clone(),
            related: content.related.clone(),
            location: content.location.clone(),
            titles: content.title.clone(),
            summaries: content.summary.clone(),
            terms: TermWeights::from_texts(&content.title, &content.summary),
            region_countries,
            named_organizations,
            location_names: location_names(&content.location),
        }
    }

    /// The first title, for display.
    pub fn display_title(&self) -> &str {
        self.titles.first().map(|t| t.text.as_str()).unwrap_or("")
    }

    /// The report's interval `[start, end]` in days since 1970, or `None` without dates.
    fn interval(&self) -> Option<(i64, i64)> {
        let start = self.start?.days_since_epoch();
        let end = self
            .end
            .map_or(start, |end| end.days_since_epoch())
            .max(start);
        Some((start, end))
    }

    /// The interval widened for events.
    fn widened_interval(&self) -> Option<(i64, i64)> {
        let (start, end) = self.interval()?;
        let widening = if self.activity_type.is_event() {
            EVENT_WIDENING_DAYS
        } else {
            0
        };
        Some((start - widening, end + widening))
    }

    /// Every country the report's place covers: its countries, or when it lists none,
    /// the countries of its regions.
    fn place_countries(&self) -> BTreeSet<&str> {
        if self.countries.is_empty() {
            self.region_countries.clone()
        } else {
            self.countries.iter().map(String::as_str).collect()
        }
    }

    /// How this report names `organization`, if it does: by one of its known names (see
    /// [`OverlapCandidate::from_report_with_aliases`]) in a participant or a text, or by
    /// a participant written exactly as the organization's code (any member, known names
    /// or not).
    fn names(&self, organization: &str) -> Option<String> {
        if let Some(how) = self.named_organizations.get(organization) {
            return Some(how.clone());
        }
        self.participants
            .iter()
            .find(|p| {
                p.organization
                    .trim()
                    .eq_ignore_ascii_case(organization.trim())
            })
            .map(|p| format!("as {}", p.role.name()))
    }

    fn concept(&self, concept: Concept) -> Option<&ConceptEvidence> {
        self.concepts.iter().find(|c| c.concept == concept)
    }
}

/// The countries (alpha-2) of a region, computed once per region code.
fn countries_of_region(code: &str) -> &'static [&'static str] {
    static BY_REGION: OnceLock<HashMap<&'static str, Vec<&'static str>>> = OnceLock::new();
    let by_region = BY_REGION.get_or_init(|| {
        regions()
            .map(|r| (r.code, r.countries().map(|c| c.alpha2).collect()))
            .collect()
    });
    region(code)
        .and_then(|r| by_region.get(r.code))
        .map_or(&[], Vec::as_slice)
}

/// Concepts of a report from its theme codes, titles and summaries.
fn collect_concepts(content: &ReportContent) -> Vec<ConceptEvidence> {
    let mut by_concept: BTreeMap<Concept, ConceptEvidence> = BTreeMap::new();
    let mut add = |concept: Concept, strength: f64, source: String| {
        let entry = by_concept.entry(concept).or_insert(ConceptEvidence {
            concept,
            strength: 0.0,
            sources: Vec::new(),
        });
        entry.strength = entry.strength.max(strength);
        if !entry.sources.contains(&source) {
            entry.sources.push(source);
        }
    };
    for theme in &content.themes {
        for mapping in theme_concepts(theme) {
            add(mapping.concept, mapping.strength, display_theme(theme));
        }
    }
    let texts = content.title.iter().map(|t| (t, 1.0, "title")).chain(
        content
            .summary
            .iter()
            .map(|s| (s, SUMMARY_CONCEPT_FACTOR, "summary")),
    );
    for (text, factor, field) in texts {
        for found in text_concepts(&text.text) {
            add(
                found.concept,
                found.strength * factor,
                format!("\"{}\" in {field}", found.keyword.trim_end_matches('*')),
            );
        }
    }
    let mut concepts: Vec<ConceptEvidence> = by_concept.into_values().collect();
    concepts.sort_by(|x, y| {
        (y.strength * y.concept.specificity())
            .total_cmp(&(x.strength * x.concept.specificity()))
            .then(x.concept.cmp(&y.concept))
    });
    concepts
}

/// The place names of a location, normalised so that spellings meet: split at commas and
/// slashes, folded, Cyrillic transliterated, spaces and hyphens removed ("Port-Vila" and
/// "Port Vila" → "portvila", "Алматы" → "almaty", "Ha Noi" → "hanoi").
fn location_names(location: &str) -> Vec<String> {
    location
        .split([',', '/', '(', ')', ';'])
        .map(|part| {
            folded_words(part)
                .iter()
                .map(|word| transliterated(word).unwrap_or_else(|| word.clone()))
                .filter(|word| !LOCATION_NOISE.contains(&word.as_str()))
                .collect::<String>()
        })
        .filter(|name| name.chars().count() >= 3)
        .collect()
}

/// Words of a location that name no place.
const LOCATION_NOISE: &[&str] = &[
    "hybrid",
    "virtual",
    "online",
    "province",
    "district",
    "city",
    "capital",
    "region",
    "state",
    "valley",
    "headquarters",
    "centre",
    "center",
    "convention",
    "conference",
    "united",
    "nations",
    "un",
    "sar",
    "north",
    "south",
    "and",
];

// ---------------------------------------------------------------------------------------
// The pair: evidence
// ---------------------------------------------------------------------------------------

/// Which report of a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The first report given to [`assess`].
    A,
    /// The second.
    B,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::A => "A",
            Side::B => "B",
        })
    }
}

/// A concept both reports show, and what showed it on each side.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedConcept {
    /// The concept.
    pub concept: Concept,
    /// Codes and keywords of report A.
    pub a_sources: Vec<String>,
    /// Codes and keywords of report B.
    pub b_sources: Vec<String>,
}

/// How the two reports' dates relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateEvidence {
    /// A's interval.
    pub a: (Date, Date),
    /// B's interval.
    pub b: (Date, Date),
    /// Days both intervals share, without widening (0 when they are apart).
    pub overlap_days: i64,
    /// Days between the intervals when they are apart, 0 otherwise.
    pub gap_days: i64,
}

/// How the two reports' places meet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlaceEvidence {
    /// Countries both list.
    SharedCountries(Vec<String>),
    /// A region of one report (which lists no countries itself, or whose countries the
    /// other does not share) contains countries of the other.
    RegionContains {
        /// The side whose region it is.
        side: Side,
        /// That side's organization.
        holder: String,
        /// Its regions that do.
        regions: Vec<String>,
        /// The other side's countries inside them.
        countries: Vec<String>,
    },
    /// Both are regional (no countries) and their regions share countries.
    RegionsIntersect {
        /// How many countries both regions cover.
        countries: usize,
    },
}

/// One reason for a flag (or for the lack of one).
#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// Concepts both show, through the crosswalk.
    SharedConcepts(Vec<SharedConcept>),
    /// Words (after normalisation) both titles or summaries use, most telling first.
    SharedWords(Vec<String>),
    /// The dates.
    Dates(DateEvidence),
    /// The places.
    Place(PlaceEvidence),
    /// The same city or venue.
    SameLocation {
        /// A's location.
        a: String,
        /// B's location.
        b: String,
    },
    /// One report names the other's organization.
    NamesOther {
        /// The report that names.
        side: Side,
        /// That report's organization.
        by: String,
        /// The organization named (the other report's author).
        organization: String,
        /// How: "as CO_ORGANISER", "in its summary".
        how: String,
    },
    /// The same kind of activity, or kinds that describe one activity differently.
    ActivityTypes {
        /// A's type.
        a: ActivityType,
        /// B's type.
        b: ActivityType,
    },
    /// Target groups both name.
    SharedTargetGroups(Vec<String>),
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::SharedConcepts(shared) => {
                let parts: Vec<String> = shared
                    .iter()
                    .map(|s| {
                        format!(
                            "{} ({} / {})",
                            s.concept,
                            s.a_sources.join(", "),
                            s.b_sources.join(", ")
                        )
                    })
                    .collect();
                write!(f, "shared concepts: {}", parts.join("; "))
            }
            Reason::SharedWords(words) => write!(f, "shared words: {}", words.join(", ")),
            Reason::Dates(dates) => {
                if dates.overlap_days > 0 {
                    write!(
                        f,
                        "dates overlap by {} day{} ({}..{} / {}..{})",
                        dates.overlap_days,
                        if dates.overlap_days == 1 { "" } else { "s" },
                        dates.a.0,
                        dates.a.1,
                        dates.b.0,
                        dates.b.1
                    )
                } else {
                    write!(
                        f,
                        "dates {} days apart ({}..{} / {}..{})",
                        dates.gap_days, dates.a.0, dates.a.1, dates.b.0, dates.b.1
                    )
                }
            }
            Reason::Place(PlaceEvidence::SharedCountries(countries)) => {
                write!(f, "shared countries: {}", countries.join(", "))
            }
            Reason::Place(PlaceEvidence::RegionContains {
                holder,
                regions,
                countries,
                ..
            }) => write!(
                f,
                "{holder}'s region {} contains {}",
                regions.join(", "),
                countries.join(", ")
            ),
            Reason::Place(PlaceEvidence::RegionsIntersect { countries }) => {
                write!(f, "regions share {countries} countries")
            }
            Reason::SameLocation { a, b } if a == b => write!(f, "same location: {a}"),
            Reason::SameLocation { a, b } => write!(f, "same location: {a} / {b}"),
            Reason::NamesOther {
                by,
                organization,
                how,
                ..
            } => write!(f, "{by} names {organization} {how}"),
            Reason::ActivityTypes { a, b } if a == b => {
                write!(f, "both {}", a.name())
            }
            Reason::ActivityTypes { a, b } => write!(f, "{} / {}", a.name(), b.name()),
            Reason::SharedTargetGroups(groups) => {
                write!(f, "shared target groups: {}", groups.join(", "))
            }
        }
    }
}

/// Everything the engine measured about a pair that passed the candidate rule; the
/// scores are computed from it.
#[derive(Debug, Clone, PartialEq)]
pub struct PairEvidence {
    /// Concepts both show.
    pub shared_concepts: Vec<SharedConcept>,
    /// Weighted cosine of the two concept vectors (strength × specificity), in [0, 1].
    pub concept_similarity: f64,
    /// Cosine of the two term vectors, in [0, 1].
    pub text_similarity: f64,
    /// Shared terms, most telling first.
    pub shared_words: Vec<String>,
    /// The dates.
    pub dates: DateEvidence,
    /// How the intervals coincide, in [0, 1]: shared days over the shorter interval's
    /// days; for intervals apart (events within the widening), half at most, less as the
    /// gap grows.
    pub time_similarity: f64,
    /// Shorter duration over longer duration, in (0, 1]: 1 for two activities of the same
    /// length, 0.001 for a day against three years.
    pub scale_ratio: f64,
    /// The places.
    pub place: PlaceEvidence,
    /// How much of each report's place the other covers, in [0, 1].
    pub place_similarity: f64,
    /// Both name the same city or venue.
    pub same_location: bool,
    /// How A names B's organization, if it does.
    pub a_names_b: Option<String>,
    /// How B names A's organization, if it does.
    pub b_names_a: Option<String>,
    /// Target groups both name.
    pub shared_target_groups: Vec<String>,
    /// 1 for the same activity type, 0.6 for types that describe one activity differently
    /// (a conference and a meeting; a study and a data collection), 0.2 otherwise.
    pub type_similarity: f64,
}

impl PairEvidence {
    fn measure(
        a: &OverlapCandidate,
        b: &OverlapCandidate,
        dates: DateEvidence,
        place: PlaceEvidence,
        place_similarity: f64,
        frequencies: Option<&DocumentFrequencies>,
    ) -> PairEvidence {
        let (shared_concepts, concept_similarity) = compare_concepts(a, b);
        let text = similarity(&a.terms, &b.terms, frequencies);
        let shared_words = text
            .shared
            .iter()
            .filter(|(_, share)| *share >= 0.01)
            .take(8)
            .map(|(term, _)| a.terms.display(term))
            .collect();
        let (a_start, a_end) = (dates.a.0.days_since_epoch(), dates.a.1.days_since_epoch());
        let (b_start, b_end) = (dates.b.0.days_since_epoch(), dates.b.1.days_since_epoch());
        let a_days = (a_end - a_start + 1) as f64;
        let b_days = (b_end - b_start + 1) as f64;
        let scale_ratio = a_days.min(b_days) / a_days.max(b_days);
        let time_similarity = time_similarity(&dates, a_days, b_days);
        let same_location = a
            .location_names
            .iter()
            .any(|x| b.location_names.iter().any(|y| places_match(x, y)));
        let shared_target_groups = a
            .target_groups
            .iter()
            .filter(|g| b.target_groups.contains(g))
            .cloned()
            .collect();
        PairEvidence {
            shared_concepts,
            concept_similarity,
            text_similarity: text.score,
            shared_words,
            dates,
            time_similarity,
            scale_ratio,
            place,
            place_similarity,
            same_location,
            a_names_b: a.names(&b.organization),
            b_names_a: b.names(&a.organization),
            shared_target_groups,
            type_similarity: type_similarity(a.activity_type, b.activity_type),
        }
    }
}

/// Two location names meet when equal or when one contains the other as a whole name part
/// ("bangkok" in "unconferencecentrebangkok" was split at the comma already, so this is
/// for "kathmandu" / "kathmanduvalley"-like variants).
fn places_match(x: &str, y: &str) -> bool {
    x == y || (x.len() >= 4 && y.starts_with(x)) || (y.len() >= 4 && x.starts_with(y))
}

/// 1 for the same type; 0.6 for types that the same activity is often reported under; 0.2
/// otherwise.
fn type_similarity(a: ActivityType, b: ActivityType) -> f64 {
    use ActivityType as T;
    let family = |t: ActivityType| match t {
        T::Meeting | T::Conference | T::Training | T::PolicyDialogue | T::Advocacy => 0,
        T::Research | T::Publication | T::DataCollection => 1,
        T::Programme | T::TechnicalAssistance => 2,
        T::Agreement => 3,
        T::Other => 4,
    };
    if a == b {
        1.0
    } else if family(a) == family(b) {
        0.6
    } else {
        0.2
    }
}

/// How the intervals coincide, in [0, 1]: shared days over the shorter interval's days
/// when they overlap; otherwise decaying with the gap (events only pass the candidate rule
/// within twice [`EVENT_WIDENING_DAYS`]).
fn time_similarity(dates: &DateEvidence, a_days: f64, b_days: f64) -> f64 {
    if dates.overlap_days > 0 {
        dates.overlap_days as f64 / a_days.min(b_days)
    } else {
        let window = (2 * EVENT_WIDENING_DAYS) as f64;
        (0.5 * (1.0 - dates.gap_days as f64 / window)).max(0.0)
    }
}

/// Shared concepts and the weighted cosine of the concept vectors.
fn compare_concepts(a: &OverlapCandidate, b: &OverlapCandidate) -> (Vec<SharedConcept>, f64) {
    let weight = |c: &ConceptEvidence| c.strength * c.concept.specificity();
    let norm = |candidate: &OverlapCandidate| {
        candidate
            .concepts
            .iter()
            .map(|c| weight(c).powi(2))
            .sum::<f64>()
            .sqrt()
    };
    let mut dot = 0.0;
    let mut shared = Vec::new();
    for left in &a.concepts {
        if let Some(right) = b.concept(left.concept) {
            dot += weight(left) * weight(right);
            shared.push((
                weight(left) * weight(right),
                SharedConcept {
                    concept: left.concept,
                    a_sources: left.sources.clone(),
                    b_sources: right.sources.clone(),
                },
            ));
        }
    }
    shared.sort_by(|x, y| y.0.total_cmp(&x.0));
    let denominator = norm(a) * norm(b);
    let cosine = if denominator > 0.0 {
        (dot / denominator).clamp(0.0, 1.0)
    } else {
        0.0
    };
    (shared.into_iter().map(|(_, s)| s).collect(), cosine)
}

/// The places of a pair, and how much they coincide, or `None` when they do not meet.
fn compare_places(a: &OverlapCandidate, b: &OverlapCandidate) -> Option<(PlaceEvidence, f64)> {
    let shared: Vec<String> = a
        .countries
        .iter()
        .filter(|c| b.countries.contains(c))
        .cloned()
        .collect();
    if !shared.is_empty() {
        let smaller = a.countries.len().min(b.countries.len()) as f64;
        let similarity = shared.len() as f64 / smaller;
        return Some((PlaceEvidence::SharedCountries(shared), similarity));
    }
    let (a_place, b_place) = (a.place_countries(), b.place_countries());
    match (a.countries.is_empty(), b.countries.is_empty()) {
        (true, true) => {
            let common = a_place.intersection(&b_place).count();
            let union = a_place.union(&b_place).count();
            (common > 0).then(|| {
                (
                    PlaceEvidence::RegionsIntersect { countries: common },
                    common as f64 / union as f64,
                )
            })
        }
        (true, false) => region_contains(Side::A, a, b, 1.0),
        (false, true) => region_contains(Side::B, b, a, 1.0),
        // Both list countries and share none: a region that one lists beside its
        // countries may still contain the other's (the domain's rule), but that is a
        // much weaker tie than a shared country.
        (false, false) => {
            let by_a = region_contains(Side::A, a, b, WEAK_REGION_FACTOR);
            let by_b = region_contains(Side::B, b, a, WEAK_REGION_FACTOR);
            // The stronger tie, whichever side holds the region, so that the pair is
            // judged the same whichever report comes first.
            match (by_a, by_b) {
                (Some(x), Some(y)) if y.1 > x.1 => Some(y),
                (Some(x), _) => Some(x),
                (None, y) => y,
            }
        }
    }
}

/// Place similarity left when both reports list countries, share none, and only a region
/// of one contains a country of the other.
const WEAK_REGION_FACTOR: f64 = 0.1;

/// When `holder`'s regions contain countries of `other`: the evidence and the place
/// similarity (the contained countries over all the countries of both places, times
/// `factor`).
fn region_contains(
    side: Side,
    holder: &OverlapCandidate,
    other: &OverlapCandidate,
    factor: f64,
) -> Option<(PlaceEvidence, f64)> {
    let inside: Vec<String> = other
        .countries
        .iter()
        .filter(|c| holder.region_countries.contains(c.as_str()))
        .cloned()
        .collect();
    if inside.is_empty() {
        return None;
    }
    let regions: Vec<String> = holder
        .regions
        .iter()
        .filter(|code| region(code).is_some_and(|r| inside.iter().any(|c| r.contains_country(c))))
        .cloned()
        .collect();
    let holder_place = holder.place_countries();
    let union: HashSet<&str> = holder_place
        .iter()
        .copied()
        .chain(other.countries.iter().map(String::as_str))
        .collect();
    let similarity = factor * inside.len() as f64 / union.len().max(1) as f64;
    Some((
        PlaceEvidence::RegionContains {
            side,
            holder: holder.organization.clone(),
            regions,
            countries: inside,
        },
        similarity,
    ))
}

// ---------------------------------------------------------------------------------------
// The verdict
// ---------------------------------------------------------------------------------------

/// What a flag says the pair is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FlagKind {
    /// One real activity reported by two organizations.
    ProbableDuplicate,
    /// Two organizations independently doing the same work for the same place and time.
    PotentialOverlap,
    /// One organization reported the same activity twice.
    SelfDuplicate,
}

impl FlagKind {
    /// The public name ("PROBABLE_DUPLICATE").
    pub fn name(self) -> &'static str {
        match self {
            FlagKind::ProbableDuplicate => "PROBABLE_DUPLICATE",
            FlagKind::PotentialOverlap => "POTENTIAL_OVERLAP",
            FlagKind::SelfDuplicate => "SELF_DUPLICATE",
        }
    }

    fn phrase(self) -> &'static str {
        match self {
            FlagKind::ProbableDuplicate => "probable duplicate",
            FlagKind::PotentialOverlap => "potential overlap",
            FlagKind::SelfDuplicate => "self-duplicate",
        }
    }
}

/// A flagged pair.
#[derive(Debug, Clone, PartialEq)]
pub struct Flag {
    /// What it is.
    pub kind: FlagKind,
    /// How sure, in [0, 1]: the duplicate score for duplicates, the overlap score for
    /// overlaps.
    pub score: f64,
    /// Why, strongest evidence first; never empty.
    pub reasons: Vec<Reason>,
    /// One line for a person.
    pub explanation: String,
    /// The measurements behind it.
    pub evidence: Box<PairEvidence>,
}

/// Why a pair is not flagged.
#[derive(Debug, Clone, PartialEq)]
pub enum QuietReason {
    /// Both sides are the same report.
    SameReport,
    /// A report was cancelled.
    Cancelled(Side),
    /// A report was withdrawn.
    Withdrawn(Side),
    /// A report has no dates, so nothing can be said about time.
    Undated(Side),
    /// The intervals do not meet, even widened.
    TimesApart {
        /// Days between the widened intervals.
        gap_days: i64,
    },
    /// No shared country and no region containing the other's country.
    PlacesApart,
    /// A candidate, but the evidence is too weak.
    BelowThreshold {
        /// The higher of the two scores.
        score: f64,
        /// What was measured.
        evidence: Box<PairEvidence>,
    },
    /// Two reports of one organization that are not the same activity.
    DifferentActivities {
        /// The duplicate score.
        score: f64,
        /// What was measured.
        evidence: Box<PairEvidence>,
    },
}

/// A pair that is not flagged, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Quiet {
    /// Why.
    pub why: QuietReason,
    /// One line for a person.
    pub explanation: String,
}

/// A pair whose reports declare each other joint or co-funded (or otherwise related).
#[derive(Debug, Clone, PartialEq)]
pub struct Suppression {
    /// The relation declared.
    pub relation: Relation,
    /// Which report declares it (the first found).
    pub declared_by: Side,
    /// The flag the pair would have had without the declaration.
    pub would_be: Option<Box<Flag>>,
    /// One line for a person.
    pub explanation: String,
}

/// The engine's answer about one pair.
#[derive(Debug, Clone, PartialEq)]
pub enum Assessment {
    /// Nothing to flag.
    None(Quiet),
    /// A probable duplicate, potential overlap or self-duplicate.
    Flagged(Flag),
    /// Would be flagged (or is related anyway), but the reports declare each other.
    Suppressed(Suppression),
}

impl Assessment {
    /// The flag, when there is one.
    pub fn flag(&self) -> Option<&Flag> {
        match self {
            Assessment::Flagged(flag) => Some(flag),
            _ => None,
        }
    }

    /// The kind of flag, when there is one.
    pub fn kind(&self) -> Option<FlagKind> {
        self.flag().map(|f| f.kind)
    }

    /// The one-line explanation.
    pub fn explanation(&self) -> &str {
        match self {
            Assessment::None(quiet) => &quiet.explanation,
            Assessment::Flagged(flag) => &flag.explanation,
            Assessment::Suppressed(suppression) => &suppression.explanation,
        }
    }
}

/// Score thresholds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// Overlap score from which a pair of two organizations is a potential overlap.
    pub potential_overlap: f64,
    /// Duplicate score from which a pair of two organizations is a probable duplicate.
    pub probable_duplicate: f64,
    /// Duplicate score from which two reports of one organization are a self-duplicate.
    pub self_duplicate: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            potential_overlap: 0.4,
            probable_duplicate: 0.6,
            self_duplicate: 0.6,
        }
    }
}

/// What [`assess`] needs beyond the two reports.
#[derive(Debug, Clone, Copy, Default)]
pub struct OverlapContext<'a> {
    /// Document frequencies of terms over the reports the caller holds; without it, every
    /// term weighs the same except a built-in list of generic words.
    pub document_frequencies: Option<&'a DocumentFrequencies>,
    /// The thresholds.
    pub thresholds: Thresholds,
}

/// Judges a pair of reports: see the module documentation. Symmetric up to the naming of
/// sides: `assess(b, a)` flags exactly when `assess(a, b)` does, with the same score.
pub fn assess(a: &OverlapCandidate, b: &OverlapCandidate, context: &OverlapContext) -> Assessment {
    if a.id == b.id {
        return quiet(QuietReason::SameReport, "the same report".to_string());
    }
    let same_organization = a.organization == b.organization;
    let judged = judge(a, b, same_organization, context);
    if let Some((relation, side)) = declared_relation(a, b) {
        let would_be = match &judged {
            Assessment::Flagged(flag) => Some(Box::new(flag.clone())),
            _ => None,
        };
        let joint = matches!(relation, Relation::Joint | Relation::CoFunded);
        // Joint and co-funded reports are suppressed in any case: their authors already
        // coordinate. Other declared relations (a follow-up, a parent programme) only
        // suppress a flag there would have been.
        if joint || would_be.is_some() {
            let declarer = match side {
                Side::A => &a.organization,
                Side::B => &b.organization,
            };
            let explanation = match &would_be {
                Some(flag) => format!(
                    "not flagged: {declarer}'s report declares the other {} (would be a {}, score {:.2})",
                    relation.name(),
                    flag.kind.phrase(),
                    flag.score
                ),
                None => format!(
                    "not flagged: {declarer}'s report declares the other {}",
                    relation.name()
                ),
            };
            return Assessment::Suppressed(Suppression {
                relation,
                declared_by: side,
                would_be,
                explanation,
            });
        }
    }
    judged
}

/// The first relation either report declares to the other, JOINT and CO_FUNDED first.
fn declared_relation(a: &OverlapCandidate, b: &OverlapCandidate) -> Option<(Relation, Side)> {
    let declared = |from: &OverlapCandidate, to: &OverlapCandidate| {
        from.related
            .iter()
            .filter(|r| r.report_id == to.id)
            .map(|r| r.relation)
            .collect::<Vec<_>>()
    };
    let all: Vec<(Relation, Side)> = declared(a, b)
        .into_iter()
        .map(|r| (r, Side::A))
        .chain(declared(b, a).into_iter().map(|r| (r, Side::B)))
        .collect();
    all.iter()
        .find(|(r, _)| matches!(r, Relation::Joint | Relation::CoFunded))
        .or_else(|| all.first())
        .copied()
}

fn quiet(why: QuietReason, explanation: String) -> Assessment {
    Assessment::None(Quiet { why, explanation })
}

/// The candidate rule, the evidence and the verdict, without declared relations.
fn judge(
    a: &OverlapCandidate,
    b: &OverlapCandidate,
    same_organization: bool,
    context: &OverlapContext,
) -> Assessment {
    for (side, report) in [(Side::A, a), (Side::B, b)] {
        if report.withdrawn {
            return quiet(
                QuietReason::Withdrawn(side),
                format!(
                    "not a candidate: {side} ({}) is withdrawn",
                    report.organization
                ),
            );
        }
        if report.status == ActivityStatus::Cancelled {
            return quiet(
                QuietReason::Cancelled(side),
                format!(
                    "not a candidate: {side} ({}) is cancelled",
                    report.organization
                ),
            );
        }
    }
    let (Some(a_interval), Some(b_interval)) = (a.interval(), b.interval()) else {
        let side = if a.interval().is_none() {
            Side::A
        } else {
            Side::B
        };
        return quiet(
            QuietReason::Undated(side),
            format!("not a candidate: {side} has no dates"),
        );
    };
    // Self-duplicates must coincide in time as reported; other pairs within the widening.
    let (a_window, b_window) = if same_organization {
        (a_interval, b_interval)
    } else {
        (
            a.widened_interval().unwrap_or(a_interval),
            b.widened_interval().unwrap_or(b_interval),
        )
    };
    let window_gap = a_window.0.max(b_window.0) - a_window.1.min(b_window.1);
    if window_gap > 0 {
        return quiet(
            QuietReason::TimesApart {
                gap_days: window_gap,
            },
            format!("not a candidate: the dates are {window_gap} days apart"),
        );
    }
    let Some((place, place_similarity)) = compare_places(a, b) else {
        return quiet(
            QuietReason::PlacesApart,
            "not a candidate: no shared country and no region containing the other's country"
                .to_string(),
        );
    };
    let raw_overlap = a_interval.1.min(b_interval.1) - a_interval.0.max(b_interval.0) + 1;
    let dates = DateEvidence {
        a: (
            Date::from_days_since_epoch(a_interval.0),
            Date::from_days_since_epoch(a_interval.1),
        ),
        b: (
            Date::from_days_since_epoch(b_interval.0),
            Date::from_days_since_epoch(b_interval.1),
        ),
        overlap_days: raw_overlap.max(0),
        gap_days: (1 - raw_overlap).max(0),
    };
    let evidence = PairEvidence::measure(
        a,
        b,
        dates,
        place,
        place_similarity,
        context.document_frequencies,
    );
    let scores = Scores::of(&evidence, same_organization);
    let thresholds = context.thresholds;
    let kind = if same_organization {
        (scores.duplicate >= thresholds.self_duplicate).then_some(FlagKind::SelfDuplicate)
    } else if scores.duplicate >= thresholds.probable_duplicate {
        Some(FlagKind::ProbableDuplicate)
    } else if scores.overlap >= thresholds.potential_overlap {
        Some(FlagKind::PotentialOverlap)
    } else {
        None
    };
    match kind {
        Some(kind) => {
            let score = match kind {
                FlagKind::PotentialOverlap => scores.overlap,
                _ => scores.duplicate,
            };
            let reasons = reasons_of(a, b, &evidence);
            let explanation = explain(kind, score, a, b, &evidence);
            Assessment::Flagged(Flag {
                kind,
                score,
                reasons,
                explanation,
                evidence: Box::new(evidence),
            })
        }
        None => {
            let best = scores.overlap.max(scores.duplicate);
            let explanation = if same_organization {
                format!(
                    "not flagged: two activities of {} (duplicate score {:.2}); {}",
                    a.organization,
                    scores.duplicate,
                    summary_of(&evidence)
                )
            } else {
                format!(
                    "not flagged: overlap score {:.2}, duplicate score {:.2}; {}",
                    scores.overlap,
                    scores.duplicate,
                    summary_of(&evidence)
                )
            };
            let why = if same_organization {
                QuietReason::DifferentActivities {
                    score: scores.duplicate,
                    evidence: Box::new(evidence),
                }
            } else {
                QuietReason::BelowThreshold {
                    score: best,
                    evidence: Box::new(evidence),
                }
            };
            quiet(why, explanation)
        }
    }
}

/// The two scores of a candidate pair.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Scores {
    overlap: f64,
    duplicate: f64,
}

/// Activities of at most this many days are compared as events, by how close their dates
/// are; longer ones by how much their intervals coincide.
const SHORT_ACTIVITY_DAYS: f64 = 31.0;

impl Scores {
    fn of(evidence: &PairEvidence, same_organization: bool) -> Scores {
        let subject = subject_similarity(evidence);
        Scores {
            overlap: overlap_score(evidence, subject),
            duplicate: duplicate_score(evidence, subject, same_organization),
        }
    }
}

/// Independent work overlaps when subject, place and time coincide: the subject carries
/// the score; a place tied only through a large region, a scale mismatch (a day against
/// years), dates weeks apart and different kinds of activity weaken it.
fn overlap_score(evidence: &PairEvidence, subject: f64) -> f64 {
    let place = evidence.place_similarity.sqrt();
    let scale = scale_factor(evidence.scale_ratio);
    let time = 0.8 + 0.2 * evidence.time_similarity;
    let kind = 0.85 + 0.15 * evidence.type_similarity;
    (subject * place * scale * time * kind).clamp(0.0, 1.0)
}

/// 1 while the shorter activity lasts at least a quarter of the longer one, falling to 0
/// (on a log scale) at a hundredth: a one-day briefing is not the same effort as a
/// five-year programme, whatever their subjects.
fn scale_factor(ratio: f64) -> f64 {
    const FULL: f64 = 0.25;
    const NONE: f64 = 0.01;
    if ratio >= FULL {
        return 1.0;
    }
    ((ratio.max(f64::MIN_POSITIVE).log10() - NONE.log10()) / (FULL.log10() - NONE.log10()))
        .clamp(0.0, 1.0)
}

/// One activity reported twice shows as the same dates (for events, within days; for
/// longer activities, intervals that coincide), the same venue, and each report naming the
/// other's organization, on top of some subject in common. Two reports of one
/// organization cannot name each other: the dates and the venue weigh more there, and a
/// long activity must have the same dates to the day or two.
fn duplicate_score(evidence: &PairEvidence, subject: f64, same_organization: bool) -> f64 {
    let dates = &evidence.dates;
    let a_days = (dates.a.1.days_since_epoch() - dates.a.0.days_since_epoch() + 1) as f64;
    let b_days = (dates.b.1.days_since_epoch() - dates.b.0.days_since_epoch() + 1) as f64;
    let short = a_days.max(b_days) <= SHORT_ACTIVITY_DAYS;
    let days_off = days_off(dates);
    let intersection_over_union =
        dates.overlap_days as f64 / (a_days + b_days - dates.overlap_days as f64);
    let close_dates = (1.0 - (days_off - 2.0).max(0.0) / 12.0).clamp(0.0, 1.0);
    let location = if evidence.same_location { 1.0 } else { 0.0 };
    let event_evidence = if same_organization {
        let coincidence = if short {
            close_dates
        } else if days_off <= 2.0 {
            1.0
        } else {
            0.5 * intersection_over_union
        };
        0.7 * coincidence + 0.3 * location
    } else {
        let naming = match (&evidence.a_names_b, &evidence.b_names_a) {
            (Some(_), Some(_)) => 1.0,
            (Some(_), None) | (None, Some(_)) => 0.6,
            (None, None) => 0.0,
        };
        let coincidence = if short {
            close_dates
        } else {
            intersection_over_union
        };
        let evidence = 0.4 * coincidence + 0.35 * naming + 0.25 * location;
        // Two long programmes on the same dates in the same capital are common; without
        // one naming the other they are at most an overlap.
        if !short && naming == 0.0 {
            0.6 * evidence
        } else {
            evidence
        }
    };
    // Some subject in common is needed; once a third of it is there, the event evidence
    // decides.
    let subject_factor = ((subject - 0.05) / 0.3).clamp(0.0, 1.0);
    (event_evidence * subject_factor).clamp(0.0, 1.0)
}

/// The larger of the differences between the two starts and between the two ends, in
/// days.
fn days_off(dates: &DateEvidence) -> f64 {
    let start = (dates.a.0.days_since_epoch() - dates.b.0.days_since_epoch()).abs();
    let end = (dates.a.1.days_since_epoch() - dates.b.1.days_since_epoch()).abs();
    start.max(end) as f64
}

/// How similar the subjects are, in [0, 1]: concepts after the crosswalk and words after
/// normalisation, each able to carry the pair (reports coded in different vocabularies
/// share concepts; reports with few codes share words). Concepts count fully only when
/// some words back them (a quarter of the text similarity is enough): two reports whose
/// codes agree but whose titles and summaries share no word at all rarely describe the
/// same work (a shared GCM-15 hides health and schooling).
fn subject_similarity(evidence: &PairEvidence) -> f64 {
    let text = evidence.text_similarity.clamp(0.0, 1.0);
    let corroboration = (0.4 + 0.6 * text / 0.25).min(1.0);
    let concepts = evidence.concept_similarity.clamp(0.0, 1.0) * corroboration;
    1.0 - (1.0 - concepts) * (1.0 - text)
}

/// The reasons of a flag, strongest first.
fn reasons_of(a: &OverlapCandidate, b: &OverlapCandidate, evidence: &PairEvidence) -> Vec<Reason> {
    let mut reasons = Vec::new();
    if let Some(how) = &evidence.a_names_b {
        reasons.push(Reason::NamesOther {
            side: Side::A,
            by: a.organization.clone(),
            organization: b.organization.clone(),
            how: how.clone(),
        });
    }
    if let Some(how) = &evidence.b_names_a {
        reasons.push(Reason::NamesOther {
            side: Side::B,
            by: b.organization.clone(),
            organization: a.organization.clone(),
            how: how.clone(),
        });
    }
    if !evidence.shared_concepts.is_empty() {
        reasons.push(Reason::SharedConcepts(evidence.shared_concepts.clone()));
    }
    if !evidence.shared_words.is_empty() {
        reasons.push(Reason::SharedWords(evidence.shared_words.clone()));
    }
    reasons.push(Reason::Dates(evidence.dates));
    reasons.push(Reason::Place(evidence.place.clone()));
    if evidence.same_location {
        reasons.push(Reason::SameLocation {
            a: a.location.clone(),
            b: b.location.clone(),
        });
    }
    if evidence.type_similarity >= 0.6 {
        reasons.push(Reason::ActivityTypes {
            a: a.activity_type,
            b: b.activity_type,
        });
    }
    if !evidence.shared_target_groups.is_empty() {
        reasons.push(Reason::SharedTargetGroups(
            evidence
                .shared_target_groups
                .iter()
                .map(|g| target_group_label(g).unwrap_or(g).to_string())
                .collect(),
        ));
    }
    reasons
}

/// A short summary of the evidence, for one-line explanations.
fn summary_of(evidence: &PairEvidence) -> String {
    let mut parts = Vec::new();
    let concepts: Vec<&str> = evidence
        .shared_concepts
        .iter()
        .take(3)
        .map(|s| s.concept.code())
        .collect();
    if !concepts.is_empty() {
        parts.push(concepts.join(", "));
    }
    if !evidence.shared_words.is_empty() {
        let words: Vec<&str> = evidence
            .shared_words
            .iter()
            .take(3)
            .map(String::as_str)
            .collect();
        parts.push(format!("words {}", words.join(", ")));
    }
    parts.push(Reason::Place(evidence.place.clone()).to_string());
    parts.push(Reason::Dates(evidence.dates).to_string());
    parts.join("; ")
}

fn explain(
    kind: FlagKind,
    score: f64,
    a: &OverlapCandidate,
    b: &OverlapCandidate,
    evidence: &PairEvidence,
) -> String {
    let mut line = format!(
        "{} ({score:.2}): {} \"{}\" and {} \"{}\"",
        kind.phrase(),
        a.organization,
        a.display_title(),
        b.organization,
        b.display_title()
    );
    let mut parts = vec![summary_of(evidence)];
    if evidence.same_location {
        parts.push(format!("both in {}", a.location));
    }
    match (&evidence.a_names_b, &evidence.b_names_a) {
        (Some(_), Some(_)) => parts.push("each names the other".to_string()),
        (Some(how), None) => {
            parts.push(format!("{} names {} {how}", a.organization, b.organization))
        }
        (None, Some(how)) => {
            parts.push(format!("{} names {} {how}", b.organization, a.organization))
        }
        (None, None) => {}
    }
    line.push_str(" — ");
    line.push_str(&parts.join("; "));
    line
}

// ---------------------------------------------------------------------------------------
// Candidate keys
// ---------------------------------------------------------------------------------------

/// A key under which an index files a report to find overlap candidates: a country and a
/// month of the report's (widened) interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CandidateKey {
    /// ISO 3166-1 alpha-2 code.
    pub country: &'static str,
    /// Year.
    pub year: i32,
    /// Month, 1..=12.
    pub month: u32,
}

/// The keys under which an index files `candidate` so that any report it could overlap
/// shares at least one key with it.
///
/// Keys are (country, month) for every country of the report's place and every month of
/// its interval widened by [`EVENT_WIDENING_DAYS`] on each side (widened for every report,
/// events or not, so that keys never miss a pair that the candidate rule accepts). The
/// place is the report's countries **and** every country of its regions: a regional report
/// must meet the national reports inside its region.
///
/// How to use it: keep a map from key to the ids filed under it; when a report arrives
/// (or changes), file it under its keys (and remove its old keys), then collect the ids
/// filed under any of its keys, without duplicates and without itself, and call
/// [`assess`] on each pair. Withdrawn, cancelled and undated reports have no keys (they
/// overlap nothing). Reports with long intervals and large regions have many keys (a
/// five-year programme across ESCAP: 62 countries × 62 months); that is the price of
/// never missing a candidate and stays far below comparing all pairs.
pub fn candidate_keys(candidate: &OverlapCandidate) -> Vec<CandidateKey> {
    if candidate.withdrawn || candidate.status == ActivityStatus::Cancelled {
        return Vec::new();
    }
    let Some((start, end)) = candidate.interval() else {
        return Vec::new();
    };
    let from = Date::from_days_since_epoch(start - EVENT_WIDENING_DAYS);
    let to = Date::from_days_since_epoch(end + EVENT_WIDENING_DAYS);
    let mut countries: BTreeSet<&'static str> = candidate.region_countries.clone();
    for code in &candidate.countries {
        if let Some(country) = crate::report::vocabulary::country(code) {
            countries.insert(country.alpha2);
        }
    }
    let mut months = Vec::new();
    let (mut year, mut month) = (from.year(), from.month());
    while (year, month) <= (to.year(), to.month()) {
        months.push((year, month));
        (year, month) = if month == 12 {
            (year + 1, 1)
        } else {
            (year, month + 1)
        };
    }
    countries
        .into_iter()
        .flat_map(|country| {
            months.iter().map(move |&(year, month)| CandidateKey {
                country,
                year,
                month,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::validate::validate_draft;
    use crate::report::{DraftDates, DraftParticipant, DraftRelated, ReportDraft, TextInput};

    fn today() -> Date {
        Date::from_ymd(2030, 1, 1).unwrap()
    }

    struct Spec<'a> {
        organization: &'a str,
        title: &'a str,
        summary: &'a str,
        activity_type: &'a str,
        status: &'a str,
        dates: (&'a str, &'a str),
        countries: &'a [&'a str],
        regions: &'a [&'a str],
        themes: &'a [(&'a str, &'a str)],
        participants: &'a [(&'a str, &'a str)],
        location: &'a str,
    }

    const TRAINING: Spec<'static> = Spec {
        organization: "IOM",
        title: "Counter-trafficking training for Cambodian police, prosecutors and judges",
        summary: "Three-day training on identification of victims, investigation and prosecution of trafficking cases.",
        activity_type: "TRAINING",
        status: "CLOSED",
        dates: ("2007-03-10", "2007-03-12"),
        countries: &["KH"],
        regions: &[],
        themes: &[("GCM", "10")],
        participants: &[],
        location: "Phnom Penh",
    };

    fn candidate(id: u128, spec: &Spec, related: &[(u128, &str)]) -> OverlapCandidate {
        let draft = ReportDraft {
            title: TextInput::Plain(spec.title.to_string()),
            summary: TextInput::Plain(spec.summary.to_string()),
            activity_type: spec.activity_type.to_string(),
            status: spec.status.to_string(),
            dates: DraftDates {
                actual_start: spec.dates.0.to_string(),
                actual_end: spec.dates.1.to_string(),
                ..DraftDates::default()
            },
            countries: spec.countries.iter().map(|c| c.to_string()).collect(),
            regions: spec.regions.iter().map(|r| r.to_string()).collect(),
            themes: spec
                .themes
                .iter()
                .map(|(v, c)| Theme {
                    vocabulary: v.to_string(),
                    code: c.to_string(),
                })
                .collect(),
            participants: spec
                .participants
                .iter()
                .map(|(o, r)| DraftParticipant {
                    organization: o.to_string(),
                    role: r.to_string(),
                })
                .collect(),
            related: related
                .iter()
                .map(|(other, relation)| DraftRelated {
                    report_id: Uuid::from_u128(*other).to_string(),
                    relation: relation.to_string(),
                })
                .collect(),
            location: spec.location.to_string(),
            ..ReportDraft::default()
        };
        let content = validate_draft(&draft, today()).expect("a valid report");
        OverlapCandidate::from_report(Uuid::from_u128(id), spec.organization, false, &content)
    }

    fn unodc_training<'a>(countries: &'a [&'a str], location: &'a str) -> Spec<'a> {
        Spec {
            organization: "UNODC",
            title: "Training workshop on investigating human trafficking for law enforcement officers",
            summary: "One-day workshop for police and border officials on the investigation of trafficking in persons cases.",
            dates: ("2007-03-20", "2007-03-20"),
            countries,
            location,
            ..TRAINING
        }
    }

    fn assess_default(a: &OverlapCandidate, b: &OverlapCandidate) -> Assessment {
        assess(a, b, &OverlapContext::default())
    }

    #[test]
    fn domain_vector_flagged_same_country() {
        let iom = candidate(1, &TRAINING, &[]);
        let unodc = candidate(2, &unodc_training(&["KH"], "Phnom Penh"), &[]);
        let assessment = assess_default(&iom, &unodc);
        let flag = assessment
            .flag()
            .unwrap_or_else(|| panic!("{}", assessment.explanation()));
        assert_eq!(
            flag.kind,
            FlagKind::PotentialOverlap,
            "{}",
            flag.explanation
        );
        assert!(!flag.reasons.is_empty());
        assert!(flag.reasons.iter().any(|r| matches!(r, Reason::SharedConcepts(s)
            if s.iter().any(|c| c.concept == Concept::Trafficking && c.a_sources.contains(&"GCM-10".to_string())))));
        assert!(
            flag.reasons
                .contains(&Reason::Place(PlaceEvidence::SharedCountries(vec![
                    "KH".into()
                ])))
        );
        // Symmetric.
        let reverse = assess_default(&unodc, &iom);
        assert_eq!(reverse.kind(), Some(FlagKind::PotentialOverlap));
        assert!((reverse.flag().unwrap().score - flag.score).abs() < 1e-9);
    }

    #[test]
    fn a_report_coded_only_by_words_meets_one_coded_by_gcm() {
        let coded = candidate(1, &TRAINING, &[]);
        let words_only = candidate(
            2,
            &Spec {
                themes: &[],
                ..unodc_training(&["KH"], "Phnom Penh")
            },
            &[],
        );
        let assessment = assess_default(&coded, &words_only);
        let flag = assessment
            .flag()
            .unwrap_or_else(|| panic!("{}", assessment.explanation()));
        let Some(Reason::SharedConcepts(shared)) = flag
            .reasons
            .iter()
            .find(|r| matches!(r, Reason::SharedConcepts(_)))
        else {
            panic!("{:?}", flag.reasons);
        };
        let trafficking = shared
            .iter()
            .find(|s| s.concept == Concept::Trafficking)
            .expect("trafficking is shared");
        assert!(trafficking.a_sources.contains(&"GCM-10".to_string()));
        assert!(
            trafficking
                .b_sources
                .contains(&"\"trafficking\" in title".to_string()),
            "{:?}",
            trafficking.b_sources
        );
    }

    #[test]
    fn domain_vector_not_flagged_other_country() {
        let iom = candidate(1, &TRAINING, &[]);
        let unodc = candidate(2, &unodc_training(&["TH"], "Bangkok"), &[]);
        let assessment = assess_default(&iom, &unodc);
        assert!(
            matches!(
                &assessment,
                Assessment::None(Quiet {
                    why: QuietReason::PlacesApart,
                    ..
                })
            ),
            "{assessment:?}"
        );
    }

    #[test]
    fn domain_vector_suppressed_as_joint() {
        let iom = candidate(1, &TRAINING, &[(2, "JOINT")]);
        let unodc = candidate(2, &unodc_training(&["KH"], "Phnom Penh"), &[(1, "JOINT")]);
        let assessment = assess_default(&iom, &unodc);
        let Assessment::Suppressed(suppression) = &assessment else {
            panic!("{assessment:?}");
        };
        assert_eq!(suppression.relation, Relation::Joint);
        assert!(suppression.would_be.is_some());
        assert!(
            suppression.explanation.contains("JOINT"),
            "{}",
            suppression.explanation
        );
        // One side declaring it is enough, co-funded too.
        let unodc_silent = candidate(2, &unodc_training(&["KH"], "Phnom Penh"), &[]);
        let iom_cofunded = candidate(1, &TRAINING, &[(2, "CO_FUNDED")]);
        assert!(matches!(
            assess_default(&unodc_silent, &iom_cofunded),
            Assessment::Suppressed(Suppression {
                relation: Relation::CoFunded,
                declared_by: Side::B,
                ..
            })
        ));
    }

    #[test]
    fn domain_vector_seoul_conference_is_a_probable_duplicate() {
        let escap = Spec {
            organization: "ESCAP",
            title: "Asia-Pacific Conference on International Migration and Development",
            summary: "Regional preparatory meeting for the first Global Forum on Migration and Development, hosted by the Ministry of Justice of the Republic of Korea in collaboration with ESCAP and IOM; remittances, diaspora and policy coherence.",
            activity_type: "CONFERENCE",
            status: "CLOSED",
            dates: ("2007-06-25", "2007-06-26"),
            countries: &["KR"],
            regions: &["ESCAP"],
            themes: &[("GCM", "19"), ("GCM", "20"), ("GCM", "23")],
            participants: &[("IOM", "CO_ORGANISER")],
            location: "Seoul",
        };
        let iom = Spec {
            organization: "IOM",
            title: "Asia-Pacific Regional Conference on Migration and Development, Seoul",
            summary: "Regional consultation ahead of the GFMD in Brussels, hosted by the Korean Ministry of Justice with IOM and UNESCAP: diaspora resources, remittances, policy coherence.",
            themes: &[("SDG", "10.7"), ("SDG", "10.c"), ("DAC", "15190")],
            countries: &[
                "AU", "BD", "BT", "KH", "CN", "FJ", "IN", "ID", "JP", "KZ", "KG", "LA", "MY", "MV",
                "MN", "MM", "NP", "PK", "PH", "KR", "RU", "LK", "TJ", "TH", "TL", "VN",
            ],
            regions: &["142", "009"],
            participants: &[("ESCAP", "CO_ORGANISER")],
            ..escap
        };
        let a = candidate(10, &escap, &[]);
        let b = candidate(11, &iom, &[]);
        let assessment = assess_default(&a, &b);
        assert_eq!(
            assessment.kind(),
            Some(FlagKind::ProbableDuplicate),
            "{}",
            assessment.explanation()
        );
        let flag = assessment.flag().unwrap();
        assert!(
            flag.reasons
                .iter()
                .any(|r| matches!(r, Reason::NamesOther { .. }))
        );
        assert!(
            flag.reasons
                .iter()
                .any(|r| matches!(r, Reason::SameLocation { .. }))
        );
    }

    #[test]
    fn domain_vector_three_identical_reports_are_self_duplicates() {
        let copies: Vec<OverlapCandidate> =
            (20..23).map(|id| candidate(id, &TRAINING, &[])).collect();
        for (i, first) in copies.iter().enumerate() {
            for second in &copies[i + 1..] {
                let assessment = assess_default(first, second);
                assert_eq!(
                    assessment.kind(),
                    Some(FlagKind::SelfDuplicate),
                    "{}",
                    assessment.explanation()
                );
            }
        }
        // A report against itself is nothing.
        assert!(matches!(
            assess_default(&copies[0], &copies[0]),
            Assessment::None(Quiet {
                why: QuietReason::SameReport,
                ..
            })
        ));
    }

    #[test]
    fn same_organization_a_month_apart_is_quiet() {
        let first = candidate(30, &TRAINING, &[]);
        let later = Spec {
            dates: ("2007-04-10", "2007-04-12"),
            ..TRAINING
        };
        let second = candidate(31, &later, &[]);
        assert!(matches!(
            assess_default(&first, &second),
            Assessment::None(Quiet {
                why: QuietReason::TimesApart { .. },
                ..
            })
        ));
    }

    #[test]
    fn cancelled_withdrawn_and_far_apart_are_not_candidates() {
        let iom = candidate(1, &TRAINING, &[]);
        let cancelled = candidate(
            2,
            &Spec {
                status: "CANCELLED",
                ..unodc_training(&["KH"], "Phnom Penh")
            },
            &[],
        );
        assert!(matches!(
            assess_default(&iom, &cancelled),
            Assessment::None(Quiet {
                why: QuietReason::Cancelled(Side::B),
                ..
            })
        ));
        let mut withdrawn = candidate(3, &unodc_training(&["KH"], "Phnom Penh"), &[]);
        withdrawn.withdrawn = true;
        assert!(matches!(
            assess_default(&withdrawn, &iom),
            Assessment::None(Quiet {
                why: QuietReason::Withdrawn(Side::A),
                ..
            })
        ));
        let next_year = candidate(
            4,
            &Spec {
                dates: ("2008-03-20", "2008-03-20"),
                ..unodc_training(&["KH"], "Phnom Penh")
            },
            &[],
        );
        assert!(matches!(
            assess_default(&iom, &next_year),
            Assessment::None(Quiet {
                why: QuietReason::TimesApart { .. },
                ..
            })
        ));
    }

    #[test]
    fn events_are_widened_but_programmes_are_not() {
        let iom = candidate(1, &TRAINING, &[]);
        // 40 days after the end: inside 2 x 30 days of widening for two events.
        let later = candidate(
            2,
            &Spec {
                dates: ("2007-04-21", "2007-04-21"),
                ..unodc_training(&["KH"], "Phnom Penh")
            },
            &[],
        );
        assert!(!matches!(
            assess_default(&iom, &later),
            Assessment::None(Quiet {
                why: QuietReason::TimesApart { .. },
                ..
            })
        ));
        let programme = |id, start, end| {
            candidate(
                id,
                &Spec {
                    activity_type: "PROGRAMME",
                    dates: (start, end),
                    ..TRAINING
                },
                &[],
            )
        };
        let p1 = programme(3, "2007-01-01", "2007-03-31");
        let mut p2 = programme(4, "2007-05-01", "2007-12-31");
        p2.organization = "UNODC".into();
        assert!(matches!(
            assess_default(&p1, &p2),
            Assessment::None(Quiet {
                why: QuietReason::TimesApart { gap_days: 31 },
                ..
            })
        ));
    }

    #[test]
    fn a_region_contains_a_country() {
        let regional = candidate(
            1,
            &Spec {
                countries: &[],
                regions: &["035"],
                ..TRAINING
            },
            &[],
        );
        let national = candidate(2, &unodc_training(&["KH"], "Phnom Penh"), &[]);
        let assessment = assess_default(&regional, &national);
        assert!(!matches!(
            &assessment,
            Assessment::None(Quiet {
                why: QuietReason::PlacesApart,
                ..
            })
        ));
        let (place, similarity) = compare_places(&regional, &national).unwrap();
        assert_eq!(
            place,
            PlaceEvidence::RegionContains {
                side: Side::A,
                holder: "IOM".into(),
                regions: vec!["035".into()],
                countries: vec!["KH".into()]
            }
        );
        assert!(similarity > 0.0 && similarity < 0.2, "{similarity}");
    }

    #[test]
    fn candidate_keys_cover_every_candidate_pair() {
        let iom = candidate(1, &TRAINING, &[]);
        let unodc = candidate(2, &unodc_training(&["KH"], "Phnom Penh"), &[]);
        let keys: HashSet<CandidateKey> = candidate_keys(&iom).into_iter().collect();
        assert!(candidate_keys(&unodc).iter().any(|k| keys.contains(k)));
        assert!(keys.contains(&CandidateKey {
            country: "KH",
            year: 2007,
            month: 2
        }));
        let regional = candidate(
            3,
            &Spec {
                countries: &[],
                regions: &["ESCAP"],
                ..TRAINING
            },
            &[],
        );
        let regional_keys = candidate_keys(&regional);
        assert!(regional_keys.iter().any(|k| k.country == "KH"));
        assert!(regional_keys.iter().any(|k| k.country == "TH"));
        let mut withdrawn = iom.clone();
        withdrawn.withdrawn = true;
        assert!(candidate_keys(&withdrawn).is_empty());
    }

    #[test]
    fn location_names_meet_across_spellings() {
        assert_eq!(location_names("Port-Vila"), location_names("Port Vila"));
        assert_eq!(location_names("Алматы"), ["almaty"]);
        assert_eq!(location_names("Bangkok (hybrid)"), ["bangkok"]);
        assert!(location_names("Kathmandu, Nepal").contains(&"kathmandu".to_string()));
        assert!(places_match("kathmandu", "kathmanduvalley"));
        assert!(!places_match("bali", "bangkok"));
    }

    #[test]
    fn reasons_display() {
        let shared = Reason::SharedConcepts(vec![SharedConcept {
            concept: Concept::Trafficking,
            a_sources: vec!["GCM-10".into()],
            b_sources: vec!["SDG 16.2".into(), "\"trafficking\" in title".into()],
        }]);
        assert_eq!(
            shared.to_string(),
            "shared concepts: trafficking (GCM-10 / SDG 16.2, \"trafficking\" in title)"
        );
        let place = Reason::Place(PlaceEvidence::SharedCountries(vec!["KH".into()]));
        assert_eq!(place.to_string(), "shared countries: KH");
    }
}
