//! Listing reports with filters, answered from the secondary indexes.
//!
//! Plan: every filter that has an index yields a sorted set of report ids (the union of its
//! values' postings; for free text, the intersection of its words'); the sets are
//! intersected smallest first; only the surviving ids are loaded, in id order (UUID v7, so
//! creation order), from just after the page token, until the page is full. Filters an
//! index can only narrow (the activity interval, indexed by calendar year) are checked
//! exactly on the loaded report. Without any filter the report table is read in id order
//! from the page token. So a page costs the postings of the filters used plus one page of
//! reports, never a scan of everything.

use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::index::{IndexKey, IndexKind, MemoryIndex, intersect};
use super::{Ledger, LedgerError, ReportView, theme_index_value};
use crate::report::text::search_tokens;
use crate::report::{ActivityStatus, ActivityType, Date, FieldViolation, Theme};

/// An activity spanning more calendar years than this is indexed under its first years
/// only; interval queries beyond them fall back to checking candidates exactly.
pub const MAX_INDEXED_YEARS: usize = 100;

/// Default and maximum page sizes.
pub const DEFAULT_PAGE_SIZE: usize = 50;
/// The largest page a caller may ask for.
pub const MAX_PAGE_SIZE: usize = 1000;

/// A validated list query. Filters combine with AND, values within one filter with OR.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListQuery {
    /// Authoring organizations.
    pub organizations: Vec<String>,
    /// Activity types.
    pub activity_types: Vec<ActivityType>,
    /// Statuses.
    pub statuses: Vec<ActivityStatus>,
    /// Country alpha-2 codes.
    pub countries: Vec<String>,
    /// Themes (canonical).
    pub themes: Vec<Theme>,
    /// Target-group codes.
    pub target_groups: Vec<String>,
    /// Interval start (inclusive), open when `None`.
    pub active_from: Option<Date>,
    /// Interval end (inclusive), open when `None`.
    pub active_to: Option<Date>,
    /// Only reports changed at or after this time (ms since the epoch).
    pub updated_since_ms: Option<i64>,
    /// Free text; every word must occur in a title or summary.
    pub text: String,
    /// Include withdrawn reports.
    pub include_withdrawn: bool,
    /// Page size (1..=MAX_PAGE_SIZE).
    pub page_size: usize,
    /// Continue after this report id (from a page token).
    pub after: Option<Uuid>,
}

/// One page of results.
#[derive(Debug, Clone)]
pub struct ListPage {
    /// The reports, in id order.
    pub reports: Vec<ReportView>,
    /// Token for the next page, when there is one.
    pub next_page_token: Option<String>,
}

impl ListQuery {
    /// A fingerprint of the filters (not the paging), bound into page tokens so that a
    /// token cannot be replayed against another query.
    fn filter_fingerprint(&self) -> [u8; 8] {
        let mut hasher = Sha256::new();
        let description = format!(
            "{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{}",
            self.organizations,
            self.activity_types,
            self.statuses,
            self.countries,
            self.themes,
            self.target_groups,
            self.active_from,
            self.active_to,
            self.updated_since_ms,
            search_tokens(&self.text),
            self.include_withdrawn
        );
        hasher.update(description.as_bytes());
        let mut fingerprint = [0u8; 8];
        fingerprint.copy_from_slice(&hasher.finalize()[..8]);
        fingerprint
    }

    /// The token that continues this query after `last`.
    pub fn page_token_after(&self, last: Uuid) -> String {
        use base64::Engine;
        let mut bytes = Vec::with_capacity(24);
        bytes.extend_from_slice(last.as_bytes());
        bytes.extend_from_slice(&self.filter_fingerprint());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    /// Reads a page token given with this query; the error names `page_token`.
    pub fn resume_from_token(&mut self, token: &str) -> Result<(), FieldViolation> {
        use base64::Engine;
        if token.is_empty() {
            self.after = None;
            return Ok(());
        }
        let invalid = || {
            FieldViolation::new(
                "page_token",
                "not a page token returned by this node for this query: pass back \
                 next_page_token unchanged, with the same filters",
            )
        };
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token)
            .map_err(|_| invalid())?;
        if bytes.len() != 24 || bytes[16..] != self.filter_fingerprint() {
            return Err(invalid());
        }
        self.after = Some(Uuid::from_slice(&bytes[..16]).map_err(|_| invalid())?);
        Ok(())
    }
}

impl Ledger {
    /// The candidate sets (report numbers of the memory index) of every indexed filter in
    /// `query`; empty when no filter applies (every report is a candidate).
    fn candidate_sets(&self, index: &MemoryIndex, query: &ListQuery) -> Vec<Vec<u32>> {
        let mut sets = Vec::new();
        let mut add_union = |keys: Vec<IndexKey>| {
            if !keys.is_empty() {
                sets.push(index.union(&keys));
            }
        };
        add_union(
            query
                .organizations
                .iter()
                .map(|o| IndexKey::new(IndexKind::Organization, o))
                .collect(),
        );
        add_union(
            query
                .activity_types
                .iter()
                .map(|t| IndexKey::new(IndexKind::ActivityType, t.name()))
                .collect(),
        );
        add_union(
            query
                .statuses
                .iter()
                .map(|s| IndexKey::new(IndexKind::Status, s.name()))
                .collect(),
        );
        add_union(
            query
                .countries
                .iter()
                .map(|c| IndexKey::new(IndexKind::Country, c))
                .collect(),
        );
        add_union(
            query
                .themes
                .iter()
                .map(|t| IndexKey::new(IndexKind::Theme, theme_index_value(&t.vocabulary, &t.code)))
                .collect(),
        );
        add_union(
            query
                .target_groups
                .iter()
                .map(|g| IndexKey::new(IndexKind::TargetGroup, g))
                .collect(),
        );
        for word in search_tokens(&query.text) {
            sets.push(
                index
                    .postings(&IndexKey::new(IndexKind::Word, &word))
                    .to_vec(),
            );
        }
        if query.active_from.is_some() || query.active_to.is_some() {
            let from = query
                .active_from
                .map_or(0, |d| d.year().clamp(0, u16::MAX as i32) as u16);
            let to = query
                .active_to
                .map_or(u16::MAX, |d| d.year().clamp(0, u16::MAX as i32) as u16);
            let mut numbers = index.range(
                IndexKind::ActiveYear,
                &from.to_be_bytes(),
                &to.to_be_bytes(),
            );
            // An activity is indexed under its first MAX_INDEXED_YEARS years only. One that
            // starts after `from - MAX_INDEXED_YEARS` and is still running in `from` is
            // indexed under `from` itself, so the range above finds it. One that starts
            // earlier may be running in `from` without being indexed anywhere near it; its
            // start year is at most `from - MAX_INDEXED_YEARS`, so the years up to there are
            // added, however long it runs (the exact check decides). That range is empty
            // unless reports begin a century before `from`.
            if let Some(latest_start) = from.checked_sub(MAX_INDEXED_YEARS as u16) {
                let earlier = index.range(
                    IndexKind::ActiveYear,
                    &0u16.to_be_bytes(),
                    &latest_start.to_be_bytes(),
                );
                if !earlier.is_empty() {
                    numbers.extend(earlier);
                    numbers.sort_unstable();
                    numbers.dedup();
                }
            }
            sets.push(numbers);
        }
        if let Some(since) = query.updated_since_ms {
            sets.push(index.range(
                IndexKind::UpdatedAt,
                &IndexKey::updated_at(since).value,
                &IndexKey::updated_at(i64::MAX).value,
            ));
        }
        sets
    }

    /// Answers one page of `query`.
    pub fn list(&self, query: &ListQuery) -> Result<ListPage, LedgerError> {
        let page_size = query.page_size.clamp(1, MAX_PAGE_SIZE);
        // Candidates are decided under the index's read lock, then released: reading the
        // page's reports from the store does not hold up the writer.
        let candidates: Option<Vec<Uuid>> = {
            let index = self.index();
            let mut sets = self.candidate_sets(&index, query);
            if sets.is_empty() {
                None
            } else {
                sets.sort_by_key(|set| set.len());
                let mut numbers = sets.remove(0);
                for set in &sets {
                    if numbers.is_empty() {
                        break;
                    }
                    numbers = intersect(&numbers, set);
                }
                Some(index.ids_sorted(&numbers))
            }
        };
        let mut reports = Vec::with_capacity(page_size + 1);
        // What the indexes cannot decide exactly: withdrawal and the precise interval.
        let accepts = |view: &ReportView| {
            (query.include_withdrawn || !view.state.withdrawn)
                && (query.active_from.is_none() && query.active_to.is_none()
                    || view
                        .content
                        .dates
                        .overlaps(query.active_from, query.active_to))
        };

        if let Some(candidates) = candidates {
            let start = match query.after {
                Some(after) => candidates.partition_point(|id| *id <= after),
                None => 0,
            };
            for id in &candidates[start..] {
                let Some(state) = self.store.report_state(*id)? else {
                    continue;
                };
                if !query.include_withdrawn && state.withdrawn {
                    continue;
                }
                let view = self.view(state)?;
                if accepts(&view) {
                    reports.push(view);
                }
                if reports.len() > page_size {
                    break;
                }
            }
        } else {
            let mut after = query.after;
            'scan: loop {
                let batch = self.store.reports_after(after, page_size + 1)?;
                if batch.is_empty() {
                    break;
                }
                after = batch.last().map(|s| s.id);
                for state in batch {
                    if !query.include_withdrawn && state.withdrawn {
                        continue;
                    }
                    let view = self.view(state)?;
                    if accepts(&view) {
                        reports.push(view);
                    }
                    if reports.len() > page_size {
                        break 'scan;
                    }
                }
            }
        }

        let next_page_token = if reports.len() > page_size {
            reports.truncate(page_size);
            reports
                .last()
                .map(|last| query.page_token_after(last.state.id))
        } else {
            None
        };
        Ok(ListPage {
            reports,
            next_page_token,
        })
    }

    /// Every report matching `query`, reading the whole store: the baseline the benchmark
    /// compares indexed listing against, and an oracle for tests.
    pub fn full_scan(&self, query: &ListQuery) -> Result<Vec<ReportView>, LedgerError> {
        let words = search_tokens(&query.text);
        let mut matches = Vec::new();
        let mut after = None;
        loop {
            let batch = self.store.reports_after(after, 1024)?;
            let Some(last) = batch.last() else { break };
            after = Some(last.id);
            for state in batch {
                let view = self.view(state)?;
                if query_matches(query, &words, &view) {
                    matches.push(view);
                }
            }
        }
        Ok(matches)
    }
}

/// Whether one report satisfies every filter of `query` (checked field by field, without
/// indexes).
pub fn query_matches(query: &ListQuery, words: &[String], view: &ReportView) -> bool {
    let content = &view.content;
    let any_or_empty = |wanted: bool, empty: bool| empty || wanted;
    (query.include_withdrawn || !view.state.withdrawn)
        && any_or_empty(
            query.organizations.contains(&view.state.organization),
            query.organizations.is_empty(),
        )
        && any_or_empty(
            query.activity_types.contains(&content.activity_type),
            query.activity_types.is_empty(),
        )
        && any_or_empty(
            query.statuses.contains(&content.status),
            query.statuses.is_empty(),
        )
        && any_or_empty(
            content
                .countries
                .iter()
                .any(|c| query.countries.contains(c)),
            query.countries.is_empty(),
        )
        && any_or_empty(
            content.themes.iter().any(|t| query.themes.contains(t)),
            query.themes.is_empty(),
        )
        && any_or_empty(
            content
                .target_groups
                .iter()
                .any(|g| query.target_groups.contains(g)),
            query.target_groups.is_empty(),
        )
        && (query.active_from.is_none() && query.active_to.is_none()
            || content.dates.overlaps(query.active_from, query.active_to))
        && query
            .updated_since_ms
            .is_none_or(|since| view.state.updated_at_ms >= since)
        && (words.is_empty() || {
            let mut report_words = Vec::new();
            for text in content.title.iter().chain(content.summary.iter()) {
                report_words.extend(search_tokens(&text.text));
            }
            words.iter().all(|w| report_words.contains(w))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_are_bound_to_their_query() {
        let query = ListQuery {
            countries: vec!["KH".into()],
            ..ListQuery::default()
        };
        let last = Uuid::now_v7();
        let token = query.page_token_after(last);
        let mut same = query.clone();
        same.resume_from_token(&token).unwrap();
        assert_eq!(same.after, Some(last));
        let mut other = ListQuery {
            countries: vec!["TH".into()],
            ..ListQuery::default()
        };
        assert_eq!(
            other.resume_from_token(&token).unwrap_err().field,
            "page_token"
        );
        assert!(other.resume_from_token("%%%").is_err());
    }
}
