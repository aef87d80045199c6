//! Secondary indexes for listing, held in memory and derived from the store.
//!
//! The store holds the truth: logs, report states and the content they point at. The
//! indexes are a function of it, rebuilt when the ledger starts and updated by the writer
//! right after each atomic store write, so they can never disagree with the data after a
//! crash, and a write costs a handful of store inserts instead of one per indexed value
//! (about sixty for a report with a summary).
//!
//! Layout: each report gets a dense number when first seen; each distinct index key
//! (filter and value) gets a number too; a posting list is the sorted list of report
//! numbers under one key. Intersections run on those lists; only the final candidates are
//! mapped back to report ids and sorted in id (creation) order for paging. Memory is about
//! four bytes per (report, key) pair plus the keys themselves.

use std::collections::{BTreeMap, HashMap};

use uuid::Uuid;

/// A secondary-index key: which filter (`kind`) and the value indexed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IndexKey {
    /// Which filter.
    pub kind: IndexKind,
    /// The value (at most 255 bytes; longer values are cut by [`IndexKey::new`]).
    pub value: Vec<u8>,
}

/// The filters that have an index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IndexKind {
    /// Authoring organization.
    Organization,
    /// Activity type name.
    ActivityType,
    /// Status name.
    Status,
    /// Country alpha-2.
    Country,
    /// Region code.
    Region,
    /// "VOCABULARY:code".
    Theme,
    /// Target-group code.
    TargetGroup,
    /// Each calendar year the activity is active in (u16 BE), for interval queries.
    ActiveYear,
    /// A normalized word of a title or summary.
    Word,
    /// When the report last changed (ms since the epoch, order-preserving 8 bytes).
    UpdatedAt,
    /// A participating organization's name, normalized (see [`participant_value`]).
    Participant,
    /// A normalized word of a title (also indexed as [`IndexKind::Word`]): ranking.
    TitleWord,
    /// A shared topic of the crosswalk that one of the report's themes or words maps to.
    Topic,
}

/// What the consolidated view needs of a report without reading the store: the fields
/// facets, matrices, exact filters and the calendar look at.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportFacts {
    /// Authoring organization.
    pub organization: String,
    /// Created (author's clock, ms since the epoch).
    pub created_at_ms: i64,
    /// Last changed (author's clock).
    pub updated_at_ms: i64,
    /// Current revision.
    pub revision: u64,
    /// Withdrawn for ever.
    pub withdrawn: bool,
    /// Start of the activity (actual, else planned).
    pub start: Option<crate::report::Date>,
    /// End of the activity (actual, else planned, else the start).
    pub end: Option<crate::report::Date>,
}

/// The value a participant's name is indexed under: lower case, accents, spaces and
/// punctuation dropped (so "U.N. Women" and "UN-Women" meet).
pub fn participant_value(name: &str) -> String {
    crate::report::text::compact_key(name)
}

impl IndexKey {
    /// A key for `value`, cut to 255 bytes.
    pub fn new(kind: IndexKind, value: impl AsRef<[u8]>) -> IndexKey {
        let value = value.as_ref();
        IndexKey {
            kind,
            value: value[..value.len().min(255)].to_vec(),
        }
    }

    /// An [`IndexKind::UpdatedAt`] key.
    pub fn updated_at(unix_ms: i64) -> IndexKey {
        IndexKey::new(IndexKind::UpdatedAt, order_preserving_i64(unix_ms))
    }

    /// An [`IndexKind::ActiveYear`] key.
    pub fn active_year(year: u16) -> IndexKey {
        IndexKey::new(IndexKind::ActiveYear, year.to_be_bytes())
    }
}

/// Maps an i64 onto 8 bytes whose byte order is the numeric order.
pub fn order_preserving_i64(value: i64) -> [u8; 8] {
    ((value as u64) ^ (1 << 63)).to_be_bytes()
}

/// The in-memory indexes of every report a node holds.
#[derive(Debug, Default)]
pub struct MemoryIndex {
    /// Report number → report id.
    ids: Vec<Uuid>,
    /// Report id → report number.
    numbers: HashMap<Uuid, u32>,
    /// Index key → key number (ordered, for range queries).
    key_numbers: BTreeMap<IndexKey, u32>,
    /// Key number → sorted report numbers.
    postings: Vec<Vec<u32>>,
    /// Report number → the key numbers it is indexed under.
    keys_of: Vec<Vec<u32>>,
    /// Key number → the key.
    keys: Vec<IndexKey>,
    /// Report number → its facts (`None` while its content is pending).
    facts: Vec<Option<ReportFacts>>,
}

/// Sorted intersection of two sorted lists.
pub fn intersect(left: &[u32], right: &[u32]) -> Vec<u32> {
    let (mut i, mut j) = (0, 0);
    let mut both = Vec::with_capacity(left.len().min(right.len()));
    while i < left.len() && j < right.len() {
        match left[i].cmp(&right[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both.push(left[i]);
                i += 1;
                j += 1;
            }
        }
    }
    both
}

impl MemoryIndex {
    /// Number of reports indexed.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    fn key_number(&mut self, key: &IndexKey) -> u32 {
        if let Some(number) = self.key_numbers.get(key) {
            return *number;
        }
        let number = self.postings.len() as u32;
        self.postings.push(Vec::new());
        self.keys.push(key.clone());
        self.key_numbers.insert(key.clone(), number);
        number
    }

    /// Makes `keys` and `facts` what report `id` is indexed under and known by; `None`
    /// facts (content not held) leave it in no posting list.
    pub fn set_report(&mut self, id: Uuid, keys: &[IndexKey], facts: Option<ReportFacts>) {
        self.set(id, keys);
        if let Some(number) = self.numbers.get(&id) {
            self.facts[*number as usize] = facts;
        }
    }

    /// The facts of report `number`.
    pub fn facts(&self, number: u32) -> Option<&ReportFacts> {
        self.facts.get(number as usize).and_then(Option::as_ref)
    }

    /// The id of report `number`.
    pub fn id(&self, number: u32) -> Option<Uuid> {
        self.ids.get(number as usize).copied()
    }

    /// Every report number that has facts (content held).
    pub fn all_numbers(&self) -> Vec<u32> {
        (0..self.ids.len() as u32)
            .filter(|number| self.facts[*number as usize].is_some())
            .collect()
    }

    /// The values of `kind` report `number` is indexed under.
    pub fn values_of(&self, number: u32, kind: IndexKind) -> impl Iterator<Item = &[u8]> {
        self.keys_of
            .get(number as usize)
            .into_iter()
            .flatten()
            .map(|key| &self.keys[*key as usize])
            .filter(move |key| key.kind == kind)
            .map(|key| key.value.as_slice())
    }

    /// Every indexed value of `kind` with its posting list.
    pub fn values(&self, kind: IndexKind) -> impl Iterator<Item = (&[u8], &[u32])> {
        let start = IndexKey::new(kind, []);
        self.key_numbers
            .range(start..)
            .take_while(move |(key, _)| key.kind == kind)
            .map(|(key, number)| {
                (
                    key.value.as_slice(),
                    self.postings[*number as usize].as_slice(),
                )
            })
    }

    /// Makes `keys` the keys report `id` is indexed under (replacing what it had).
    pub fn set(&mut self, id: Uuid, keys: &[IndexKey]) {
        let report = match self.numbers.get(&id) {
            Some(number) => *number,
            None => {
                let number = self.ids.len() as u32;
                self.ids.push(id);
                self.numbers.insert(id, number);
                self.keys_of.push(Vec::new());
                self.facts.push(None);
                number
            }
        };
        let mut new_keys: Vec<u32> = keys.iter().map(|key| self.key_number(key)).collect();
        new_keys.sort_unstable();
        new_keys.dedup();
        let old_keys = std::mem::take(&mut self.keys_of[report as usize]);
        for key in &old_keys {
            if new_keys.binary_search(key).is_err() {
                let list = &mut self.postings[*key as usize];
                if let Ok(position) = list.binary_search(&report) {
                    list.remove(position);
                }
            }
        }
        for key in &new_keys {
            if old_keys.binary_search(key).is_err() {
                let list = &mut self.postings[*key as usize];
                match list.last() {
                    // New reports have the highest number: appending keeps the list sorted.
                    Some(last) if *last < report => list.push(report),
                    None => list.push(report),
                    _ => {
                        if let Err(position) = list.binary_search(&report) {
                            list.insert(position, report);
                        }
                    }
                }
            }
        }
        self.keys_of[report as usize] = new_keys;
    }

    /// Reports under `key`.
    pub fn postings(&self, key: &IndexKey) -> &[u32] {
        self.key_numbers
            .get(key)
            .map(|number| self.postings[*number as usize].as_slice())
            .unwrap_or(&[])
    }

    /// Reports under any of `keys`, sorted.
    pub fn union(&self, keys: &[IndexKey]) -> Vec<u32> {
        self.union_of(keys.iter().map(|key| self.postings(key)))
    }

    /// Reports under any value of `kind` between `from` and `to` inclusive (values of the
    /// same length compare byte-wise), sorted.
    pub fn range(&self, kind: IndexKind, from: &[u8], to: &[u8]) -> Vec<u32> {
        let start = IndexKey::new(kind, from);
        let end = IndexKey::new(kind, to);
        if start > end {
            return Vec::new();
        }
        self.union_of(
            self.key_numbers
                .range(start..=end)
                .map(|(_, number)| self.postings[*number as usize].as_slice()),
        )
    }

    fn union_of<'a>(&self, lists: impl Iterator<Item = &'a [u32]>) -> Vec<u32> {
        let lists: Vec<&[u32]> = lists.collect();
        match lists.as_slice() {
            [] => Vec::new(),
            [only] => only.to_vec(),
            _ => {
                let mut all: Vec<u32> = lists.iter().flat_map(|l| l.iter().copied()).collect();
                all.sort_unstable();
                all.dedup();
                all
            }
        }
    }

    /// The report ids of `numbers`, in id order.
    pub fn ids_sorted(&self, numbers: &[u32]) -> Vec<Uuid> {
        let mut ids: Vec<Uuid> = numbers
            .iter()
            .filter_map(|number| self.ids.get(*number as usize).copied())
            .collect();
        ids.sort_unstable();
        ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_replaced_when_a_report_changes() {
        let mut index = MemoryIndex::default();
        let (first, second) = (Uuid::now_v7(), Uuid::now_v7());
        let th = IndexKey::new(IndexKind::Country, "TH");
        let kh = IndexKey::new(IndexKind::Country, "KH");
        index.set(first, &[th.clone(), kh.clone()]);
        index.set(second, std::slice::from_ref(&th));
        assert_eq!(index.ids_sorted(index.postings(&th)), vec![first, second]);
        index.set(first, std::slice::from_ref(&kh));
        assert_eq!(index.ids_sorted(index.postings(&th)), vec![second]);
        assert_eq!(index.ids_sorted(index.postings(&kh)), vec![first]);
        assert_eq!(
            index.ids_sorted(&index.union(&[th, kh])),
            vec![first, second]
        );
        assert_eq!(index.len(), 2);
    }

    #[test]
    fn ranges_cover_every_value_between_their_bounds() {
        let mut index = MemoryIndex::default();
        let ids: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
        index.set(ids[0], &[IndexKey::active_year(2006)]);
        index.set(
            ids[1],
            &[IndexKey::active_year(2007), IndexKey::active_year(2008)],
        );
        index.set(ids[2], &[IndexKey::active_year(2010)]);
        let years = |from: u16, to: u16| {
            index.ids_sorted(&index.range(
                IndexKind::ActiveYear,
                &from.to_be_bytes(),
                &to.to_be_bytes(),
            ))
        };
        assert_eq!(years(2007, 2009), vec![ids[1]]);
        assert_eq!(years(2000, 2100), ids);
        assert!(years(2011, 2020).is_empty());
        assert!(years(2009, 2008).is_empty());
        assert!(order_preserving_i64(-1) < order_preserving_i64(0));
    }

    #[test]
    fn intersection_keeps_common_numbers_in_order() {
        assert_eq!(intersect(&[0, 2, 3, 5], &[1, 2, 5]), vec![2, 5]);
        assert!(intersect(&[1], &[]).is_empty());
    }
}
