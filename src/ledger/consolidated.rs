//! The consolidated view over every report this node holds: ranked queries with facets,
//! who-what-where matrices with their gaps, the calendar of upcoming events, and each
//! member's freshness.
//!
//! Everything is answered from the in-memory index ([`super::index::MemoryIndex`]): filter
//! values are posting lists, intersected smallest first; facets and matrix cells are counted
//! over the matching report numbers through the per-report key lists, never by reading the
//! store. Only the page of reports returned (and the handful of events of a calendar) are
//! read from the store. Exact conditions an index can only narrow (the activity interval,
//! how a report changed since a time) are checked on [`ReportFacts`] kept in memory.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use uuid::Uuid;

use super::index::{IndexKey, IndexKind, MemoryIndex, ReportFacts, intersect, participant_value};
use super::query::{DEFAULT_PAGE_SIZE, MAX_INDEXED_YEARS, MAX_PAGE_SIZE};
use super::{Ledger, LedgerError, ReportView, theme_index_value};
use crate::report::text::{compact_key, search_tokens};
use crate::report::vocabulary;
use crate::report::{ActivityStatus, ActivityType, Date, Theme};
use crate::store::ChangeKind;

/// Filters of the consolidated view: AND across filters, OR within one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ViewFilter {
    /// Authoring organizations (member codes).
    pub organizations: Vec<String>,
    /// Activity types.
    pub activity_types: Vec<ActivityType>,
    /// Statuses.
    pub statuses: Vec<ActivityStatus>,
    /// Countries, alpha-2.
    pub countries: Vec<String>,
    /// Regions (M49 codes or the group's, e.g. "ESCAP"): a report naming the region, a
    /// region inside it, or a country in it.
    pub regions: Vec<String>,
    /// Themes (canonical).
    pub themes: Vec<Theme>,
    /// Shared topics of the crosswalk.
    pub topics: Vec<String>,
    /// Target-group codes.
    pub target_groups: Vec<String>,
    /// Participating organizations, by code, name or alias (see [`AliasTable`]).
    pub participants: Vec<String>,
    /// Activity interval overlapping `[active_from, active_to]`.
    pub active_from: Option<Date>,
    /// See `active_from`.
    pub active_to: Option<Date>,
    /// Changed at or after this time (ms since the epoch)...
    pub changed_since_ms: Option<i64>,
    /// ...in one of these ways (empty: any).
    pub change_kinds: Vec<ChangeKind>,
    /// Free text (ranked).
    pub text: String,
    /// Include withdrawn reports.
    pub include_withdrawn: bool,
}

/// A dimension of facets and matrices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// Authoring organization.
    Organization,
    /// Activity type.
    ActivityType,
    /// Status.
    Status,
    /// Country (alpha-2).
    Country,
    /// Theme ("VOCABULARY:code").
    Theme,
    /// Shared topic of the crosswalk.
    Topic,
    /// Target group.
    TargetGroup,
    /// Calendar year the activity is active in.
    Year,
}

impl Dimension {
    fn index_kind(self) -> IndexKind {
        match self {
            Dimension::Organization => IndexKind::Organization,
            Dimension::ActivityType => IndexKind::ActivityType,
            Dimension::Status => IndexKind::Status,
            Dimension::Country => IndexKind::Country,
            Dimension::Theme => IndexKind::Theme,
            Dimension::Topic => IndexKind::Topic,
            Dimension::TargetGroup => IndexKind::TargetGroup,
            Dimension::Year => IndexKind::ActiveYear,
        }
    }

    /// The text of an indexed value of this dimension.
    fn value_text(self, value: &[u8]) -> String {
        match self {
            Dimension::Year if value.len() == 2 => {
                u16::from_be_bytes([value[0], value[1]]).to_string()
            }
            _ => String::from_utf8_lossy(value).into_owned(),
        }
    }

    /// Every value this dimension can take in the group (what a gap is an absence of), or
    /// `None` when it has no fixed universe (years).
    fn universe(self, members: &[String], theme_vocabulary: Option<&str>) -> Option<Vec<String>> {
        match self {
            Dimension::Organization => Some(members.to_vec()),
            Dimension::ActivityType => Some(
                ActivityType::ALL
                    .iter()
                    .map(|t| t.name().to_string())
                    .collect(),
            ),
            Dimension::Status => Some(
                ActivityStatus::ALL
                    .iter()
                    .map(|s| s.name().to_string())
                    .collect(),
            ),
            // The group's region: ESCAP's members and associate members.
            Dimension::Country => Some(
                vocabulary::ESCAP_MEMBERS
                    .iter()
                    .chain(vocabulary::ESCAP_ASSOCIATE_MEMBERS)
                    .map(|c| c.to_string())
                    .collect(),
            ),
            Dimension::Theme => theme_vocabulary.map(|vocabulary| {
                vocabulary::theme_codes(vocabulary)
                    .into_iter()
                    .map(|(code, _)| theme_index_value(vocabulary, code))
                    .collect()
            }),
            Dimension::Topic => Some(
                crate::view::crosswalk::Concept::ALL
                    .iter()
                    .map(|concept| concept.code().to_string())
                    .collect(),
            ),
            Dimension::TargetGroup => Some(
                vocabulary::TARGET_GROUPS
                    .iter()
                    .map(|(code, _)| code.to_string())
                    .collect(),
            ),
            Dimension::Year => None,
        }
    }
}

/// Names by which members are known: resolves a participant filter ("International
/// Organization for Migration", "OIM", "IOM") to every name the member is indexed under.
#[derive(Debug, Clone, Default)]
pub struct AliasTable {
    /// Compact key of every known name → the member's code.
    code_of: HashMap<String, String>,
    /// Member code → every name (code, names, aliases).
    names_of: BTreeMap<String, Vec<String>>,
}

impl AliasTable {
    /// A table from (code, names and aliases) of each member.
    pub fn new<'a>(members: impl IntoIterator<Item = (&'a str, Vec<&'a str>)>) -> AliasTable {
        let mut table = AliasTable::default();
        for (code, names) in members {
            let mut all: Vec<String> = vec![code.to_string()];
            all.extend(names.iter().map(|n| n.to_string()));
            for name in &all {
                table.code_of.insert(compact_key(name), code.to_string());
            }
            table.names_of.insert(code.to_string(), all);
        }
        table
    }

    /// The member `name` designates, if it is a known code, name or alias.
    pub fn member(&self, name: &str) -> Option<&str> {
        self.code_of.get(&compact_key(name)).map(String::as_str)
    }

    /// Every participant index value `name` stands for: all names of its member, or the
    /// name itself when it is no member's.
    fn participant_values(&self, name: &str) -> Vec<String> {
        match self.member(name).and_then(|code| self.names_of.get(code)) {
            Some(names) => names.iter().map(|n| participant_value(n)).collect(),
            None => vec![participant_value(name)],
        }
    }
}

/// A query of the consolidated view.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewQuery {
    /// What to match.
    pub filter: ViewFilter,
    /// Facets to count over every match.
    pub facets: Vec<Dimension>,
    /// Page size (clamped to 1..=MAX_PAGE_SIZE).
    pub page_size: usize,
    /// Matches to skip (from a page token).
    pub offset: usize,
}

impl Default for ViewQuery {
    fn default() -> Self {
        ViewQuery {
            filter: ViewFilter::default(),
            facets: Vec::new(),
            page_size: DEFAULT_PAGE_SIZE,
            offset: 0,
        }
    }
}

/// One page of a view query.
#[derive(Debug, Clone)]
pub struct ViewPage {
    /// The page's reports, ranked.
    pub reports: Vec<ReportView>,
    /// Every match.
    pub total: usize,
    /// Offset of the next page, when there is one.
    pub next_offset: Option<usize>,
    /// Counts per value of each requested dimension over every match, most frequent first.
    pub facets: Vec<(Dimension, Vec<(String, u64)>)>,
}

/// One cell of a matrix.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MatrixCell {
    /// Row value.
    pub row: String,
    /// Column value.
    pub column: String,
    /// Reports counted.
    pub count: u64,
    /// Their organizations, sorted.
    pub organizations: Vec<String>,
}

/// A who-what-where matrix.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Matrix {
    /// Row values (the universe of the dimension, plus any value seen).
    pub rows: Vec<String>,
    /// Column values.
    pub columns: Vec<String>,
    /// Non-empty cells, by row then column.
    pub cells: Vec<MatrixCell>,
    /// Empty cells of the universe (count 0): the gaps.
    pub gaps: Vec<MatrixCell>,
}

/// An upcoming event of the calendar.
#[derive(Debug, Clone)]
pub struct CalendarEvent {
    /// The report.
    pub report: ReportView,
    /// Start and end.
    pub start: Date,
    /// End.
    pub end: Date,
    /// City or venue (empty when none).
    pub location: String,
    /// ISO week of the start ("2027-W07").
    pub week: String,
    /// Ids of events at the same place, within 30 days, sharing a topic or theme.
    pub clashes_with: Vec<Uuid>,
    /// What they share.
    pub shared_topics: Vec<String>,
}

/// How recently a member posted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FreshnessState {
    /// Posted within the fresh period.
    Fresh,
    /// Posted within the overdue threshold, not recently.
    Due,
    /// Nothing posted for longer than the overdue threshold.
    Overdue,
    /// Nothing ever posted (or received here).
    Silent,
}

/// The freshness state of a member whose newest entry was authored at `last_posted_ms`.
pub fn freshness_state(
    last_posted_ms: Option<i64>,
    now_ms: i64,
    fresh_days: u32,
    overdue_days: u32,
) -> FreshnessState {
    const DAY_MS: i64 = 86_400_000;
    match last_posted_ms {
        None => FreshnessState::Silent,
        Some(at) if now_ms - at <= i64::from(fresh_days) * DAY_MS => FreshnessState::Fresh,
        Some(at) if now_ms - at <= i64::from(overdue_days) * DAY_MS => FreshnessState::Due,
        Some(_) => FreshnessState::Overdue,
    }
}

/// Activity types that are events with a place and a date (what the calendar shows).
pub const EVENT_TYPES: &[ActivityType] = &[
    ActivityType::Meeting,
    ActivityType::Conference,
    ActivityType::Training,
    ActivityType::PolicyDialogue,
];

/// The ISO 8601 week of `date`, e.g. "2027-W07".
pub fn iso_week(date: Date) -> String {
    // Days since 1970-01-01 (a Thursday); ISO weekday 1 = Monday.
    let days = date.days_since_epoch();
    let weekday = (days + 3).rem_euclid(7) + 1;
    // The Thursday of this week decides the ISO year.
    let thursday = Date::from_days_since_epoch(days - weekday + 4);
    let year = thursday.year();
    let first_day = Date::from_ymd(year, 1, 1).unwrap_or(thursday);
    let week = (thursday.days_since_epoch() - first_day.days_since_epoch()) / 7 + 1;
    format!("{year}-W{week:02}")
}

/// Per matching report number: how many query words it contains, and its score.
type TextRanking = HashMap<u32, (usize, f64)>;

fn year_bound(date: Option<Date>, open: u16) -> u16 {
    date.map_or(open, |d| d.year().clamp(0, u16::MAX as i32) as u16)
}

impl Ledger {
    /// The report numbers matching every indexed part of `filter`, and the text ranking
    /// (matched words, score) of each when `filter.text` is set.
    fn view_candidates(
        &self,
        index: &MemoryIndex,
        filter: &ViewFilter,
        aliases: &AliasTable,
    ) -> (Vec<u32>, Option<TextRanking>) {
        let mut sets: Vec<Vec<u32>> = Vec::new();
        let mut add_union = |keys: Vec<IndexKey>| {
            if !keys.is_empty() {
                sets.push(index.union(&keys));
            }
        };
        let keys = |kind: IndexKind, values: &mut dyn Iterator<Item = String>| -> Vec<IndexKey> {
            values.map(|v| IndexKey::new(kind, v)).collect()
        };
        add_union(keys(
            IndexKind::Organization,
            &mut filter.organizations.iter().cloned(),
        ));
        add_union(keys(
            IndexKind::ActivityType,
            &mut filter.activity_types.iter().map(|t| t.name().to_string()),
        ));
        add_union(keys(
            IndexKind::Status,
            &mut filter.statuses.iter().map(|s| s.name().to_string()),
        ));
        add_union(keys(
            IndexKind::Country,
            &mut filter.countries.iter().cloned(),
        ));
        add_union(keys(
            IndexKind::Theme,
            &mut filter
                .themes
                .iter()
                .map(|t| theme_index_value(&t.vocabulary, &t.code)),
        ));
        add_union(keys(IndexKind::Topic, &mut filter.topics.iter().cloned()));
        add_union(keys(
            IndexKind::TargetGroup,
            &mut filter.target_groups.iter().cloned(),
        ));
        add_union(keys(
            IndexKind::Participant,
            &mut filter
                .participants
                .iter()
                .flat_map(|p| aliases.participant_values(p)),
        ));
        if !filter.regions.is_empty() {
            // A region matches reports naming it or a region inside it, or a country in it.
            let mut region_keys = Vec::new();
            for wanted in &filter.regions {
                region_keys.push(IndexKey::new(IndexKind::Region, wanted));
                for region in vocabulary::regions() {
                    if region.code != wanted.as_str()
                        && vocabulary::region_contains_region(wanted, region.code)
                    {
                        region_keys.push(IndexKey::new(IndexKind::Region, region.code));
                    }
                }
                for country in vocabulary::countries() {
                    if vocabulary::region_contains_country(wanted, country.alpha2) {
                        region_keys.push(IndexKey::new(IndexKind::Country, country.alpha2));
                    }
                }
            }
            sets.push(index.union(&region_keys));
        }
        if filter.active_from.is_some() || filter.active_to.is_some() {
            let from = year_bound(filter.active_from, 0);
            let to = year_bound(filter.active_to, u16::MAX);
            // Long activities are indexed under their first MAX_INDEXED_YEARS years only
            // (see `query.rs`): include every start year that could still be running.
            let earliest = from.saturating_sub(MAX_INDEXED_YEARS as u16);
            sets.push(index.range(
                IndexKind::ActiveYear,
                &earliest.to_be_bytes(),
                &to.to_be_bytes(),
            ));
        }
        if let Some(since) = filter.changed_since_ms {
            sets.push(index.range(
                IndexKind::UpdatedAt,
                &IndexKey::updated_at(since).value,
                &IndexKey::updated_at(i64::MAX).value,
            ));
        }
        let words = search_tokens(&filter.text);
        let mut ranking = None;
        if !words.is_empty() {
            let postings: Vec<(&[u32], &[u32])> = words
                .iter()
                .map(|w| {
                    (
                        index.postings(&IndexKey::new(IndexKind::Word, w)),
                        index.postings(&IndexKey::new(IndexKind::TitleWord, w)),
                    )
                })
                .collect();
            let total = index.len().max(1) as f64;
            let mut scores: HashMap<u32, (usize, f64)> = HashMap::new();
            for (anywhere, in_title) in &postings {
                // Rare words weigh more; a word in the title counts double.
                let weight = (1.0 + total / (anywhere.len().max(1) as f64)).ln();
                for number in *anywhere {
                    let entry = scores.entry(*number).or_default();
                    entry.0 += 1;
                    entry.1 += weight;
                }
                for number in *in_title {
                    scores.entry(*number).or_default().1 += weight;
                }
            }
            let mut matched: Vec<u32> = scores.keys().copied().collect();
            matched.sort_unstable();
            sets.push(matched);
            ranking = Some(scores);
        }
        let numbers = if sets.is_empty() {
            index.all_numbers()
        } else {
            sets.sort_by_key(Vec::len);
            let mut numbers = sets.remove(0);
            for set in &sets {
                if numbers.is_empty() {
                    break;
                }
                numbers = intersect(&numbers, set);
            }
            numbers
        };
        // What the indexes narrow but do not decide: withdrawal, the exact interval and
        // how the report changed.
        let numbers = numbers
            .into_iter()
            .filter(|number| {
                index.facts(*number).is_some_and(|facts| {
                    facts_match(filter, facts, &|| {
                        self.content_changed_at(index.id(*number)?)
                    })
                })
            })
            .collect();
        (numbers, ranking)
    }

    /// Answers a query of the consolidated view: one ranked page, the total, and facets.
    pub fn view_query(
        &self,
        query: &ViewQuery,
        aliases: &AliasTable,
    ) -> Result<ViewPage, LedgerError> {
        let page_size = query.page_size.clamp(1, MAX_PAGE_SIZE);
        let (page_ids, total, facets) = {
            let index = self.index();
            let (numbers, ranking) = self.view_candidates(&index, &query.filter, aliases);
            let facets = query
                .facets
                .iter()
                .map(|dimension| (*dimension, facet(&index, &numbers, *dimension)))
                .collect();
            let ranked = rank(&index, &numbers, ranking.as_ref());
            let page: Vec<Uuid> = ranked
                .iter()
                .skip(query.offset)
                .take(page_size)
                .map(|(_, id)| *id)
                .collect();
            (page, ranked.len(), facets)
        };
        let mut reports = Vec::with_capacity(page_ids.len());
        for id in page_ids {
            match self.get(id) {
                Ok(view) => reports.push(view),
                // Changed under our feet into "pending" or gone: skip, the total is an
                // estimate at the time of the query anyway.
                Err(LedgerError::ContentPending { .. } | LedgerError::NotFound(_)) => {}
                Err(error) => return Err(error),
            }
        }
        let end = query.offset + page_size;
        Ok(ViewPage {
            reports,
            total,
            next_offset: (end < total).then_some(end),
            facets,
        })
    }

    /// Every report matching `filter`, in the order [`Ledger::view_query`] pages them
    /// (ranked by text, else newest first), decided once: what an export walks.
    pub fn view_ids(&self, filter: &ViewFilter, aliases: &AliasTable) -> Vec<Uuid> {
        let index = self.index();
        let (numbers, ranking) = self.view_candidates(&index, filter, aliases);
        rank(&index, &numbers, ranking.as_ref())
            .into_iter()
            .map(|(_, id)| id)
            .collect()
    }

    /// A matrix of `rows` x `columns` over the reports matching `filter`: each cell counts
    /// reports and names their organizations; the empty cells of the dimensions' universes
    /// (the group's countries, its members, a vocabulary's codes, the crosswalk's topics)
    /// are the gaps.
    pub fn matrix(
        &self,
        rows: Dimension,
        columns: Dimension,
        filter: &ViewFilter,
        theme_vocabulary: Option<&str>,
        members: &[String],
        aliases: &AliasTable,
    ) -> Matrix {
        let index = self.index();
        let (numbers, _) = self.view_candidates(&index, filter, aliases);
        let in_vocabulary = |dimension: Dimension, value: &str| {
            dimension != Dimension::Theme
                || theme_vocabulary.is_none_or(|v| value.starts_with(&format!("{v}:")))
        };
        let in_interval = |dimension: Dimension, value: &str| {
            dimension != Dimension::Year
                || value.parse::<i32>().is_ok_and(|year| {
                    filter.active_from.is_none_or(|from| year >= from.year())
                        && filter.active_to.is_none_or(|to| year <= to.year())
                })
        };
        let values_of = |number: u32, dimension: Dimension| -> Vec<String> {
            let mut values: Vec<String> = index
                .values_of(number, dimension.index_kind())
                .map(|v| dimension.value_text(v))
                .filter(|v| in_vocabulary(dimension, v) && in_interval(dimension, v))
                .collect();
            values.sort();
            values.dedup();
            values
        };
        let mut cells: BTreeMap<(String, String), (u64, BTreeSet<String>)> = BTreeMap::new();
        for number in &numbers {
            let Some(facts) = index.facts(*number) else {
                continue;
            };
            let row_values = values_of(*number, rows);
            let column_values = values_of(*number, columns);
            for row in &row_values {
                for column in &column_values {
                    let cell = cells.entry((row.clone(), column.clone())).or_default();
                    cell.0 += 1;
                    cell.1.insert(facts.organization.clone());
                }
            }
        }
        let universe = |dimension: Dimension, seen: &mut dyn Iterator<Item = String>| {
            let mut values: BTreeSet<String> = dimension
                .universe(members, theme_vocabulary)
                .unwrap_or_default()
                .into_iter()
                .collect();
            values.extend(seen);
            values.into_iter().collect::<Vec<_>>()
        };
        let row_values = universe(rows, &mut cells.keys().map(|(r, _)| r.clone()));
        let column_values = universe(columns, &mut cells.keys().map(|(_, c)| c.clone()));
        // The gaps are the group's: the empty cells of the universes only. A value seen
        // outside its universe (a country outside the region, a former member) has its row
        // or column, but its empty cells are no gaps.
        let universe_set = |dimension: Dimension| {
            dimension
                .universe(members, theme_vocabulary)
                .map(|values| values.into_iter().collect::<BTreeSet<String>>())
        };
        let mut gaps = Vec::new();
        if let (Some(row_universe), Some(column_universe)) =
            (universe_set(rows), universe_set(columns))
        {
            for row in row_values.iter().filter(|r| row_universe.contains(*r)) {
                for column in column_values
                    .iter()
                    .filter(|c| column_universe.contains(*c))
                {
                    if !cells.contains_key(&(row.clone(), column.clone())) {
                        gaps.push(MatrixCell {
                            row: row.clone(),
                            column: column.clone(),
                            count: 0,
                            organizations: Vec::new(),
                        });
                    }
                }
            }
        }
        Matrix {
            rows: row_values,
            columns: column_values,
            cells: cells
                .into_iter()
                .map(|((row, column), (count, organizations))| MatrixCell {
                    row,
                    column,
                    count,
                    organizations: organizations.into_iter().collect(),
                })
                .collect(),
            gaps,
        }
    }

    /// Events (meetings, conferences, trainings, policy dialogues) starting within
    /// `[from, from + days)`, neither withdrawn nor cancelled, by place then start, with
    /// clashes: events at the same place within 30 days sharing a topic or theme.
    pub fn calendar(
        &self,
        from: Date,
        days: u32,
        filter: &ViewFilter,
        aliases: &AliasTable,
    ) -> Result<Vec<CalendarEvent>, LedgerError> {
        let to = from.add_days(i64::from(days.max(1)) - 1);
        let filter = ViewFilter {
            activity_types: if filter.activity_types.is_empty() {
                EVENT_TYPES.to_vec()
            } else {
                filter.activity_types.clone()
            },
            active_from: Some(filter.active_from.map_or(from, |f| f.max(from))),
            active_to: Some(filter.active_to.map_or(to, |t| t.min(to))),
            include_withdrawn: false,
            ..filter.clone()
        };
        let ids: Vec<Uuid> = {
            let index = self.index();
            let (numbers, _) = self.view_candidates(&index, &filter, aliases);
            numbers
                .into_iter()
                .filter(|n| {
                    index
                        .facts(*n)
                        .and_then(|f| f.start)
                        .is_some_and(|start| start >= from && start <= to)
                })
                .filter_map(|n| index.id(n))
                .collect()
        };
        let mut events = Vec::new();
        for id in ids {
            let report = match self.get(id) {
                Ok(report) => report,
                Err(LedgerError::ContentPending { .. } | LedgerError::NotFound(_)) => continue,
                Err(error) => return Err(error),
            };
            if report.content.status == ActivityStatus::Cancelled {
                continue;
            }
            let (Some(start), Some(end)) =
                (report.content.dates.start(), report.content.dates.end())
            else {
                continue;
            };
            events.push(CalendarEvent {
                location: report.content.location.trim().to_string(),
                week: iso_week(start),
                start,
                end,
                report,
                clashes_with: Vec::new(),
                shared_topics: Vec::new(),
            });
        }
        let topics: Vec<BTreeSet<String>> = events
            .iter()
            .map(|event| {
                let mut topics: BTreeSet<String> = report_topics(&event.report.content)
                    .into_iter()
                    .map(|t| t.to_string())
                    .collect();
                topics.extend(
                    event
                        .report
                        .content
                        .themes
                        .iter()
                        .map(|t| theme_index_value(&t.vocabulary, &t.code)),
                );
                topics
            })
            .collect();
        let place = |event: &CalendarEvent| {
            let location = compact_key(&event.location);
            if location.is_empty() {
                // Without a city, the only country named stands for the place.
                match event.report.content.countries.as_slice() {
                    [only] => format!("country:{only}"),
                    _ => String::new(),
                }
            } else {
                location
            }
        };
        for i in 0..events.len() {
            for j in 0..events.len() {
                if i == j {
                    continue;
                }
                let (a, b) = (&events[i], &events[j]);
                let same_place = !place(a).is_empty() && place(a) == place(b);
                let near = (a.start.days_since_epoch() - b.start.days_since_epoch()).abs() <= 30;
                let shared: Vec<String> = topics[i].intersection(&topics[j]).cloned().collect();
                if same_place && near && !shared.is_empty() {
                    let other = b.report.state.id;
                    events[i].clashes_with.push(other);
                    for topic in shared {
                        if !events[i].shared_topics.contains(&topic) {
                            events[i].shared_topics.push(topic);
                        }
                    }
                }
            }
        }
        events.sort_by(|a, b| {
            a.location
                .to_lowercase()
                .cmp(&b.location.to_lowercase())
                .then(a.start.cmp(&b.start))
                .then(a.report.state.id.cmp(&b.report.state.id))
        });
        Ok(events)
    }

    /// When the entry holding report `id`'s current content was authored (author's clock).
    fn content_changed_at(&self, id: Uuid) -> Option<i64> {
        let state = self.store.report_state(id).ok()??;
        self.head_authored_at(&state.organization, state.content_sequence)
    }

    /// Reports held per organization (content held, withdrawn included).
    pub fn reports_per_organization(&self) -> BTreeMap<String, u64> {
        let index = self.index();
        index
            .values(IndexKind::Organization)
            .map(|(value, postings)| {
                (
                    String::from_utf8_lossy(value).into_owned(),
                    postings.len() as u64,
                )
            })
            .collect()
    }
}

/// The shared topics of a report: what its themes stand for in the crosswalk (codes that
/// are about a topic, not those that merely touch it), and what its title says in words
/// (so a report coded in no vocabulary still has topics).
pub fn report_topics(content: &crate::report::ReportContent) -> BTreeSet<&'static str> {
    use crate::view::crosswalk::{text_concepts, theme_concepts};
    let mut topics = BTreeSet::new();
    for theme in &content.themes {
        for mapping in theme_concepts(theme) {
            if mapping.strength >= 1.0 {
                topics.insert(mapping.concept.code());
            }
        }
    }
    for title in &content.title {
        for found in text_concepts(&title.text) {
            if found.strength >= 1.0 {
                topics.insert(found.concept.code());
            }
        }
    }
    topics
}

/// Whether `facts` satisfy the parts of `filter` the indexes cannot decide.
/// `content_changed_at` tells when the report's current content was authored; it is asked
/// only for a withdrawn report revised before its withdrawal, when "revised since" must
/// look past the withdrawal.
fn facts_match(
    filter: &ViewFilter,
    facts: &ReportFacts,
    content_changed_at: &dyn Fn() -> Option<i64>,
) -> bool {
    // Asking what was withdrawn since a time shows withdrawn reports without more ado.
    let asks_for_withdrawals =
        filter.changed_since_ms.is_some() && filter.change_kinds.contains(&ChangeKind::Withdrawn);
    if facts.withdrawn && !filter.include_withdrawn && !asks_for_withdrawals {
        return false;
    }
    if filter.active_from.is_some() || filter.active_to.is_some() {
        let (Some(start), Some(end)) = (facts.start, facts.end) else {
            return false;
        };
        if filter.active_from.is_some_and(|from| end < from)
            || filter.active_to.is_some_and(|to| start > to)
        {
            return false;
        }
    }
    if let Some(since) = filter.changed_since_ms {
        if facts.updated_at_ms < since {
            return false;
        }
        if !filter.change_kinds.is_empty() {
            let created = facts.created_at_ms >= since;
            let withdrawn = facts.withdrawn;
            // Revised since: a content change after the creation, at or after `since`. A
            // report still standing last changed by a revision (when revision > 1), at
            // `updated_at_ms`, known to be since; a withdrawn one last changed by its
            // withdrawal, and its last revision may be older than `since`.
            let revised = if withdrawn {
                facts.revision > 2 && content_changed_at().is_some_and(|at| at >= since)
            } else {
                facts.revision > 1
            };
            let kind_matches = filter.change_kinds.iter().any(|kind| match kind {
                ChangeKind::Created => created,
                ChangeKind::Revised => revised,
                ChangeKind::Withdrawn => withdrawn,
            });
            if !kind_matches {
                return false;
            }
        }
    }
    true
}

/// `numbers` with their ids, most words matched first, then highest score, then newest
/// (without text: newest first; ids are UUID v7).
fn rank(index: &MemoryIndex, numbers: &[u32], ranking: Option<&TextRanking>) -> Vec<(u32, Uuid)> {
    let mut ranked: Vec<(u32, Uuid)> = numbers
        .iter()
        .filter_map(|n| index.id(*n).map(|id| (*n, id)))
        .collect();
    match ranking {
        Some(scores) => ranked.sort_by(|a, b| {
            let (sa, sb) = (scores[&a.0], scores[&b.0]);
            sb.0.cmp(&sa.0)
                .then(sb.1.total_cmp(&sa.1))
                .then(b.1.cmp(&a.1))
        }),
        None => ranked.sort_by_key(|entry| std::cmp::Reverse(entry.1)),
    }
    ranked
}

/// Counts per value of `dimension` over `numbers`, most frequent first.
fn facet(index: &MemoryIndex, numbers: &[u32], dimension: Dimension) -> Vec<(String, u64)> {
    let mut counts: Vec<(String, u64)> = index
        .values(dimension.index_kind())
        .map(|(value, postings)| {
            (
                dimension.value_text(value),
                intersect(postings, numbers).len() as u64,
            )
        })
        .filter(|(_, count)| *count > 0)
        .collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_weeks_follow_the_standard() {
        for (date, week) in [
            ("2007-03-10", "2007-W10"),
            ("2021-01-03", "2020-W53"),
            ("2021-01-04", "2021-W01"),
            ("2026-11-27", "2026-W48"),
            ("2024-12-30", "2025-W01"),
        ] {
            assert_eq!(iso_week(Date::parse(date).unwrap()), week, "{date}");
        }
    }

    #[test]
    fn freshness_has_four_states() {
        let day = 86_400_000;
        let now = 1_000 * day;
        assert_eq!(freshness_state(None, now, 30, 90), FreshnessState::Silent);
        assert_eq!(
            freshness_state(Some(now - 30 * day), now, 30, 90),
            FreshnessState::Fresh
        );
        assert_eq!(
            freshness_state(Some(now - 31 * day), now, 30, 90),
            FreshnessState::Due
        );
        assert_eq!(
            freshness_state(Some(now - 91 * day), now, 30, 90),
            FreshnessState::Overdue
        );
    }

    #[test]
    fn aliases_resolve_names_to_every_name_of_the_member() {
        let table = AliasTable::new([
            (
                "IOM",
                vec!["International Organization for Migration", "OIM"],
            ),
            ("UN-Women", vec!["UN Women"]),
        ]);
        assert_eq!(
            table.member("international organization for migration"),
            Some("IOM")
        );
        assert_eq!(table.member("U.N. Women"), Some("UN-Women"));
        assert_eq!(table.member("ASEAN"), None);
        assert_eq!(table.participant_values("oim").len(), 3);
        assert_eq!(table.participant_values("ASEAN"), vec!["asean".to_string()]);
    }

    fn facts(created: i64, updated: i64, revision: u64, withdrawn: bool) -> ReportFacts {
        ReportFacts {
            organization: "IOM".into(),
            created_at_ms: created,
            updated_at_ms: updated,
            revision,
            withdrawn,
            start: None,
            end: None,
        }
    }

    #[test]
    fn change_kinds_since_a_time_are_told_apart() {
        let since = |kinds: &[ChangeKind]| ViewFilter {
            changed_since_ms: Some(100),
            change_kinds: kinds.to_vec(),
            include_withdrawn: true,
            ..ViewFilter::default()
        };
        let created_now = facts(150, 150, 1, false);
        let revised_now = facts(50, 150, 2, false);
        let withdrawn_now = facts(50, 150, 2, true);
        let old = facts(50, 60, 3, false);
        let created = since(&[ChangeKind::Created]);
        let revised = since(&[ChangeKind::Revised]);
        let withdrawn = since(&[ChangeKind::Withdrawn]);
        let never = || None;
        assert!(facts_match(&created, &created_now, &never));
        assert!(!facts_match(&created, &revised_now, &never));
        assert!(facts_match(&revised, &revised_now, &never));
        assert!(!facts_match(&revised, &created_now, &never));
        assert!(!facts_match(&revised, &withdrawn_now, &never));
        assert!(facts_match(&withdrawn, &withdrawn_now, &never));
        assert!(!facts_match(&since(&[]), &old, &never));
        assert!(facts_match(&since(&[]), &created_now, &never));
        // Revised, then withdrawn since: "revised since" asks when the revision was.
        let revised_then_withdrawn = facts(50, 150, 3, true);
        assert!(!facts_match(&revised, &revised_then_withdrawn, &|| Some(
            60
        )));
        assert!(facts_match(&revised, &revised_then_withdrawn, &|| Some(
            120
        )));
        assert!(facts_match(&withdrawn, &revised_then_withdrawn, &never));
        // Asking for withdrawals shows withdrawn reports; other kinds need the flag.
        let without_flag = |kinds: &[ChangeKind]| ViewFilter {
            include_withdrawn: false,
            ..since(kinds)
        };
        assert!(facts_match(
            &without_flag(&[ChangeKind::Withdrawn]),
            &withdrawn_now,
            &never
        ));
        assert!(!facts_match(
            &without_flag(&[ChangeKind::Revised]),
            &revised_then_withdrawn,
            &|| Some(120)
        ));
        assert!(!facts_match(&without_flag(&[]), &withdrawn_now, &never));
    }
}
