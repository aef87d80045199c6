//! The overlap inbox: every pair of reports the overlap engine ([`crate::view::overlap`])
//! flags, kept up to date incrementally, with the co-chairs' review decisions.
//!
//! The book holds one [`OverlapCandidate`] per report and buckets them by candidate key
//! (country and month, see [`candidate_keys`]): only reports sharing a bucket are ever
//! compared, so a report costs comparisons with its neighbours in place and time, not with
//! everything. The book follows the store's change feed: [`Ledger::refresh_overlaps`] takes
//! the reports changed since it last looked, drops their old pairs and assesses them again
//! (computed from scratch the first time). Term frequencies for text similarity are those of
//! the reports held when a pair is assessed.
//!
//! Review decisions are entries of co-chairs' logs (see [`Ledger::review`]); a decision
//! applies to the pair at the revisions it names and is reopened when either report has
//! changed since. Only decisions of organizations that co-chair the group now count.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use uuid::Uuid;

use super::{Ledger, LedgerError};
use crate::log::Decision;
use crate::store::ReviewRecord;
use crate::view::overlap::{
    Assessment, CandidateKey, Flag, FlagKind, OverlapCandidate, OverlapContext, Suppression,
    assess, candidate_keys,
};
use crate::view::similarity::DocumentFrequencies;

/// How many change records the book reads from the store at a time.
const CHANGE_BATCH: usize = 4096;

/// The state of the inbox, derived from the reports held.
#[derive(Default)]
pub struct OverlapBook {
    /// The change number the book has caught up with.
    computed_through: u64,
    candidates: HashMap<Uuid, OverlapCandidate>,
    /// Each report's current revision (what review decisions are checked against).
    revisions: HashMap<Uuid, u64>,
    keys_of: HashMap<Uuid, Vec<CandidateKey>>,
    buckets: HashMap<CandidateKey, BTreeSet<Uuid>>,
    frequencies: DocumentFrequencies,
    /// Flagged or suppressed pairs, smaller id first.
    pairs: BTreeMap<(Uuid, Uuid), Verdict>,
}

/// What the engine said about a pair worth showing.
#[derive(Debug, Clone)]
pub enum Verdict {
    /// Flagged.
    Flagged(Flag),
    /// Declared joint or co-funded by the reports: not flagged, and said so.
    Suppressed(Suppression),
}

/// Where a co-chair review of a pair stands.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum ReviewState {
    /// Nobody decided.
    Open,
    /// Decided, and neither report changed since.
    Decided {
        /// The latest co-chair decision.
        decision: Decision,
        /// By which organization.
        by: String,
        /// When (author's clock, ms).
        at_ms: i64,
        /// Their note.
        note: String,
    },
    /// Decided, but a report changed since: to be looked at again.
    Reopened {
        /// The decision that no longer holds.
        previous: Decision,
        /// By which organization.
        by: String,
    },
}

/// One flagged (or suppressed) pair, ready to show.
#[derive(Debug, Clone)]
pub struct InboxPair {
    /// The smaller id.
    pub first: Uuid,
    /// The larger id.
    pub second: Uuid,
    /// Organizations of the two reports.
    pub first_organization: String,
    /// See `first_organization`.
    pub second_organization: String,
    /// First titles.
    pub first_title: String,
    /// See `first_title`.
    pub second_title: String,
    /// The verdict.
    pub verdict: Verdict,
    /// The co-chairs' review.
    pub review: ReviewState,
}

impl InboxPair {
    /// The flag, when flagged.
    pub fn flag(&self) -> Option<&Flag> {
        match &self.verdict {
            Verdict::Flagged(flag) => Some(flag),
            Verdict::Suppressed(_) => None,
        }
    }
}

/// The inbox, ranked.
#[derive(Debug, Clone, Default)]
pub struct Inbox {
    /// Probable duplicates and potential overlaps between organizations: duplicates first,
    /// then by score.
    pub pairs: Vec<InboxPair>,
    /// Reports of one organization that look like the same activity.
    pub self_duplicates: Vec<InboxPair>,
    /// Pairs the reports declare joint or co-funded (not flagged).
    pub suppressed: Vec<InboxPair>,
}

fn ordered(a: Uuid, b: Uuid) -> (Uuid, Uuid) {
    if a < b { (a, b) } else { (b, a) }
}

impl OverlapBook {
    fn remove(&mut self, id: Uuid) {
        if let Some(candidate) = self.candidates.remove(&id) {
            self.frequencies.remove(&candidate.terms);
        }
        self.revisions.remove(&id);
        for key in self.keys_of.remove(&id).unwrap_or_default() {
            if let Some(bucket) = self.buckets.get_mut(&key) {
                bucket.remove(&id);
                if bucket.is_empty() {
                    self.buckets.remove(&key);
                }
            }
        }
        self.pairs.retain(|(a, b), _| *a != id && *b != id);
    }

    fn insert(&mut self, candidate: OverlapCandidate, revision: u64) {
        let id = candidate.id;
        self.revisions.insert(id, revision);
        let keys = candidate_keys(&candidate);
        for key in &keys {
            self.buckets.entry(*key).or_default().insert(id);
        }
        self.frequencies.add(&candidate.terms);
        self.keys_of.insert(id, keys);
        self.candidates.insert(id, candidate);
    }

    /// Assesses `id` against every report sharing a bucket with it.
    fn assess_neighbours(&mut self, id: Uuid) {
        let Some(candidate) = self.candidates.get(&id) else {
            return;
        };
        let mut neighbours = BTreeSet::new();
        for key in self.keys_of.get(&id).into_iter().flatten() {
            if let Some(bucket) = self.buckets.get(key) {
                neighbours.extend(bucket.iter().copied().filter(|other| *other != id));
            }
        }
        let context = OverlapContext {
            document_frequencies: Some(&self.frequencies),
            ..OverlapContext::default()
        };
        let mut found = Vec::new();
        for other in neighbours {
            let Some(other_candidate) = self.candidates.get(&other) else {
                continue;
            };
            // Always the smaller id first, so a pair gets the same verdict whichever of
            // its reports changed last.
            let (first, second) = if candidate.id < other {
                (candidate, other_candidate)
            } else {
                (other_candidate, candidate)
            };
            match assess(first, second, &context) {
                Assessment::Flagged(flag) => {
                    found.push((ordered(id, other), Verdict::Flagged(flag)));
                }
                Assessment::Suppressed(suppression) if suppression.would_be.is_some() => {
                    found.push((ordered(id, other), Verdict::Suppressed(suppression)));
                }
                Assessment::Suppressed(_) | Assessment::None(_) => {}
            }
        }
        self.pairs.extend(found);
    }
}

impl Ledger {
    /// Brings the overlap book up to date with the durable change feed and returns it
    /// locked. The first call computes everything; later calls only what changed.
    pub fn refresh_overlaps(&self) -> Result<std::sync::MutexGuard<'_, OverlapBook>, LedgerError> {
        let mut book = self
            .overlaps
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let durable = *self.durable_change.borrow();
        let mut changed = BTreeSet::new();
        let mut after = book.computed_through;
        while after < durable {
            let records = self.store.changes_after(after, CHANGE_BATCH)?;
            let Some(last) = records.last() else { break };
            after = last.change;
            changed.extend(
                records
                    .iter()
                    .filter(|r| r.change <= durable)
                    .map(|r| r.report_id),
            );
        }
        for id in &changed {
            book.remove(*id);
            let view = match self.get(*id) {
                Ok(view) => view,
                Err(LedgerError::ContentPending { .. } | LedgerError::NotFound(_)) => continue,
                Err(error) => return Err(error),
            };
            book.insert(
                OverlapCandidate::from_report(
                    view.state.id,
                    &view.state.organization,
                    view.state.withdrawn,
                    &view.content,
                ),
                view.state.revision,
            );
        }
        for id in &changed {
            book.assess_neighbours(*id);
        }
        book.computed_through = durable.max(book.computed_through);
        Ok(book)
    }

    /// The flagged and suppressed pairs `id` is part of (what its author is shown on
    /// submit and revise).
    ///
    /// Bounded by the report's neighbourhood, not by the whole store: the reports sharing
    /// a country (or a region containing one) and a year with it are found through the
    /// index, and only they are assessed, in a book of their own. The inbox's book is not
    /// touched, so a submit never pays for computing the whole inbox.
    ///
    /// `co_chairs`: whose review decisions count (`None`: any held).
    pub fn overlaps_of(
        &self,
        id: Uuid,
        co_chairs: Option<&[String]>,
    ) -> Result<Vec<InboxPair>, LedgerError> {
        use super::index::{IndexKey, IndexKind, intersect};
        let view = self.get(id)?;
        let candidate = OverlapCandidate::from_report(
            view.state.id,
            &view.state.organization,
            view.state.withdrawn,
            &view.content,
        );
        let keys = candidate_keys(&candidate);
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let countries: BTreeSet<&str> = keys.iter().map(|k| k.country).collect();
        let first_year = keys.iter().map(|k| k.year).min().unwrap_or(0);
        let last_year = keys.iter().map(|k| k.year).max().unwrap_or(0);
        let neighbours: Vec<Uuid> = {
            let index = self.index();
            let mut places: Vec<IndexKey> = countries
                .iter()
                .map(|c| IndexKey::new(IndexKind::Country, c))
                .collect();
            for region in crate::report::vocabulary::regions() {
                if countries
                    .iter()
                    .any(|c| crate::report::vocabulary::region_contains_country(region.code, c))
                {
                    places.push(IndexKey::new(IndexKind::Region, region.code));
                }
            }
            let year = |y: i32| y.clamp(0, i32::from(u16::MAX)) as u16;
            // Long activities are indexed under their first years only: look back.
            let from = year(first_year).saturating_sub(super::query::MAX_INDEXED_YEARS as u16);
            let in_time = index.range(
                IndexKind::ActiveYear,
                &from.to_be_bytes(),
                &year(last_year).to_be_bytes(),
            );
            intersect(&index.union(&places), &in_time)
                .into_iter()
                .filter_map(|number| index.id(number))
                .filter(|other| *other != id)
                .collect()
        };
        let mut book = OverlapBook::default();
        book.insert(candidate, view.state.revision);
        for other in neighbours {
            let view = match self.get(other) {
                Ok(view) => view,
                Err(LedgerError::ContentPending { .. } | LedgerError::NotFound(_)) => continue,
                Err(error) => return Err(error),
            };
            book.insert(
                OverlapCandidate::from_report(
                    view.state.id,
                    &view.state.organization,
                    view.state.withdrawn,
                    &view.content,
                ),
                view.state.revision,
            );
        }
        book.assess_neighbours(id);
        let reviews = self.store.reviews()?;
        Ok(book
            .pairs
            .iter()
            .filter_map(|(pair, verdict)| inbox_pair(&book, *pair, verdict, &reviews, co_chairs))
            .collect())
    }

    /// The whole inbox, ranked, with the review decisions of `co_chairs`.
    pub fn overlap_inbox(&self, co_chairs: &[String]) -> Result<Inbox, LedgerError> {
        let book = self.refresh_overlaps()?;
        let reviews = self.store.reviews()?;
        let mut inbox = Inbox::default();
        for (pair, verdict) in &book.pairs {
            let Some(entry) = inbox_pair(&book, *pair, verdict, &reviews, Some(co_chairs)) else {
                continue;
            };
            match &entry.verdict {
                Verdict::Flagged(flag) if flag.kind == FlagKind::SelfDuplicate => {
                    inbox.self_duplicates.push(entry)
                }
                Verdict::Flagged(_) => inbox.pairs.push(entry),
                Verdict::Suppressed(_) => inbox.suppressed.push(entry),
            }
        }
        let rank = |p: &InboxPair| {
            p.flag().map_or((2, 0.0), |flag| {
                (
                    u8::from(flag.kind != FlagKind::ProbableDuplicate),
                    -flag.score,
                )
            })
        };
        for list in [
            &mut inbox.pairs,
            &mut inbox.self_duplicates,
            &mut inbox.suppressed,
        ] {
            list.sort_by(|a, b| {
                let (ka, kb) = (rank(a), rank(b));
                ka.0.cmp(&kb.0)
                    .then(ka.1.total_cmp(&kb.1))
                    .then((a.first, a.second).cmp(&(b.first, b.second)))
            });
        }
        Ok(inbox)
    }
}

/// A pair of the book with its titles and review state (`co_chairs`: whose decisions
/// count; `None`: any decision held).
fn inbox_pair(
    book: &OverlapBook,
    (first, second): (Uuid, Uuid),
    verdict: &Verdict,
    reviews: &[ReviewRecord],
    co_chairs: Option<&[String]>,
) -> Option<InboxPair> {
    let a = book.candidates.get(&first)?;
    let b = book.candidates.get(&second)?;
    let revision = |id: Uuid| book.revisions.get(&id).copied();
    let latest = reviews
        .iter()
        .filter(|r| r.first_report == first && r.second_report == second)
        .filter(|r| co_chairs.is_none_or(|chairs| chairs.contains(&r.organization)))
        .max_by(|x, y| {
            x.decided_at_ms
                .cmp(&y.decided_at_ms)
                .then(x.organization.cmp(&y.organization))
        });
    let review = match latest {
        None => ReviewState::Open,
        Some(record)
            if Some(record.first_revision) == revision(first)
                && Some(record.second_revision) == revision(second) =>
        {
            ReviewState::Decided {
                decision: record.decision,
                by: record.organization.clone(),
                at_ms: record.decided_at_ms,
                note: record.note.clone(),
            }
        }
        Some(record) => ReviewState::Reopened {
            previous: record.decision,
            by: record.organization.clone(),
        },
    };
    Some(InboxPair {
        first,
        second,
        first_organization: a.organization.clone(),
        second_organization: b.organization.clone(),
        first_title: a.display_title().to_string(),
        second_title: b.display_title().to_string(),
        verdict: verdict.clone(),
        review,
    })
}
