//! Fixed binary encodings of the store's own records (report state, change records, heads).
//!
//! These are private to the store: they never leave the node and are versioned by the
//! store's format version. Report content is not in here: it lives in log entries.

use uuid::Uuid;

use super::StoreError;
use crate::log::{Decision, EntryHash, LogHead};

/// What the store keeps about one report besides its log entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportState {
    /// The report's id.
    pub id: Uuid,
    /// Authoring organization.
    pub organization: String,
    /// Current revision.
    pub revision: u64,
    /// Author's time of the creating entry (ms since the Unix epoch).
    pub created_at_ms: i64,
    /// Author's time of the latest entry.
    pub updated_at_ms: i64,
    /// Sequence (in the organization's log) of the entry holding the current content.
    pub content_sequence: u64,
    /// Sequence of the latest entry about this report.
    pub latest_sequence: u64,
    /// Withdrawn reports stay, marked, for ever.
    pub withdrawn: bool,
    /// Reason given at withdrawal (empty otherwise).
    pub withdrawal_reason: String,
}

/// How a change altered a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// Revision 1.
    Created,
    /// A later revision with content.
    Revised,
    /// Withdrawn.
    Withdrawn,
}

/// One entry of the node's change feed (what `Watch` streams).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRecord {
    /// This node's change number (strictly increasing, starting at 1).
    pub change: u64,
    /// The report changed.
    pub report_id: Uuid,
    /// Its organization.
    pub organization: String,
    /// The entry's sequence in that organization's log.
    pub sequence: u64,
    /// The revision the change produced.
    pub revision: u64,
    /// What happened.
    pub kind: ChangeKind,
}

/// A co-chair's review decision about a pair, as the store keeps it: one record per pair
/// and deciding organization (the latest decision of that organization).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewRecord {
    /// The smaller report id of the pair.
    pub first_report: Uuid,
    /// The larger report id.
    pub second_report: Uuid,
    /// Revisions the co-chair saw.
    pub first_revision: u64,
    /// See `first_revision`.
    pub second_revision: u64,
    /// What was decided.
    pub decision: Decision,
    /// Why.
    pub note: String,
    /// The deciding (co-chair) organization.
    pub organization: String,
    /// Author's clock of the decision (ms since the epoch).
    pub decided_at_ms: i64,
    /// The decision's entry in that organization's log.
    pub sequence: u64,
}

impl ReviewRecord {
    pub(super) fn encode(&self) -> Vec<u8> {
        let mut writer = RecordWriter::default();
        writer.0.extend_from_slice(self.first_report.as_bytes());
        writer.0.extend_from_slice(self.second_report.as_bytes());
        writer
            .u64(self.first_revision)
            .u64(self.second_revision)
            .u8(match self.decision {
                Decision::Confirmed => 1,
                Decision::Dismissed => 2,
                Decision::Joint => 3,
            })
            .bytes(self.note.as_bytes())
            .bytes(self.organization.as_bytes())
            .i64(self.decided_at_ms)
            .u64(self.sequence);
        writer.0
    }

    pub(super) fn decode(bytes: &[u8]) -> Result<ReviewRecord, StoreError> {
        let mut reader = RecordReader::new(bytes, "review");
        Ok(ReviewRecord {
            first_report: reader.uuid()?,
            second_report: reader.uuid()?,
            first_revision: reader.u64()?,
            second_revision: reader.u64()?,
            decision: match reader.u8()? {
                1 => Decision::Confirmed,
                2 => Decision::Dismissed,
                3 => Decision::Joint,
                other => {
                    return Err(StoreError::Corrupt(format!(
                        "unknown decision {other} in review record"
                    )));
                }
            },
            note: reader.string()?,
            organization: reader.string()?,
            decided_at_ms: reader.i64()?,
            sequence: reader.u64()?,
        })
    }
}

/// A little-endian-free, length-prefixed writer (all integers big-endian).
#[derive(Default)]
pub(super) struct RecordWriter(pub Vec<u8>);

impl RecordWriter {
    pub fn u8(&mut self, value: u8) -> &mut Self {
        self.0.push(value);
        self
    }
    pub fn u64(&mut self, value: u64) -> &mut Self {
        self.0.extend_from_slice(&value.to_be_bytes());
        self
    }
    pub fn i64(&mut self, value: i64) -> &mut Self {
        self.0.extend_from_slice(&value.to_be_bytes());
        self
    }
    pub fn bytes(&mut self, value: &[u8]) -> &mut Self {
        self.u64(value.len() as u64);
        self.0.extend_from_slice(value);
        self
    }
}

/// Reads what [`RecordWriter`] wrote; any short or malformed record is corruption.
pub(super) struct RecordReader<'a> {
    rest: &'a [u8],
    what: &'static str,
}

impl<'a> RecordReader<'a> {
    pub fn new(bytes: &'a [u8], what: &'static str) -> Self {
        RecordReader { rest: bytes, what }
    }
    fn take(&mut self, count: usize) -> Result<&'a [u8], StoreError> {
        if self.rest.len() < count {
            return Err(StoreError::Corrupt(format!(
                "truncated {} record",
                self.what
            )));
        }
        let (head, tail) = self.rest.split_at(count);
        self.rest = tail;
        Ok(head)
    }
    pub fn u8(&mut self) -> Result<u8, StoreError> {
        Ok(self.take(1)?[0])
    }
    pub fn u64(&mut self) -> Result<u64, StoreError> {
        let mut buffer = [0u8; 8];
        buffer.copy_from_slice(self.take(8)?);
        Ok(u64::from_be_bytes(buffer))
    }
    pub fn i64(&mut self) -> Result<i64, StoreError> {
        Ok(self.u64()? as i64)
    }
    pub fn bytes(&mut self) -> Result<&'a [u8], StoreError> {
        let length = usize::try_from(self.u64()?)
            .map_err(|_| StoreError::Corrupt(format!("oversized {} record", self.what)))?;
        self.take(length)
    }
    pub fn string(&mut self) -> Result<String, StoreError> {
        String::from_utf8(self.bytes()?.to_vec())
            .map_err(|_| StoreError::Corrupt(format!("non-UTF-8 text in {} record", self.what)))
    }
    pub fn uuid(&mut self) -> Result<Uuid, StoreError> {
        Uuid::from_slice(self.take(16)?)
            .map_err(|_| StoreError::Corrupt(format!("bad id in {} record", self.what)))
    }
}

impl ReportState {
    pub(super) fn encode(&self) -> Vec<u8> {
        let mut writer = RecordWriter::default();
        writer.0.extend_from_slice(self.id.as_bytes());
        writer
            .bytes(self.organization.as_bytes())
            .u64(self.revision)
            .i64(self.created_at_ms)
            .i64(self.updated_at_ms)
            .u64(self.content_sequence)
            .u64(self.latest_sequence)
            .u8(u8::from(self.withdrawn))
            .bytes(self.withdrawal_reason.as_bytes());
        writer.0
    }

    pub(super) fn decode(bytes: &[u8]) -> Result<ReportState, StoreError> {
        let mut reader = RecordReader::new(bytes, "report state");
        Ok(ReportState {
            id: reader.uuid()?,
            organization: reader.string()?,
            revision: reader.u64()?,
            created_at_ms: reader.i64()?,
            updated_at_ms: reader.i64()?,
            content_sequence: reader.u64()?,
            latest_sequence: reader.u64()?,
            withdrawn: reader.u8()? != 0,
            withdrawal_reason: reader.string()?,
        })
    }
}

impl ChangeKind {
    fn tag(self) -> u8 {
        match self {
            ChangeKind::Created => 1,
            ChangeKind::Revised => 2,
            ChangeKind::Withdrawn => 3,
        }
    }
    fn from_tag(tag: u8) -> Result<ChangeKind, StoreError> {
        match tag {
            1 => Ok(ChangeKind::Created),
            2 => Ok(ChangeKind::Revised),
            3 => Ok(ChangeKind::Withdrawn),
            other => Err(StoreError::Corrupt(format!("unknown change kind {other}"))),
        }
    }
}

impl ChangeRecord {
    pub(super) fn encode(&self) -> Vec<u8> {
        let mut writer = RecordWriter::default();
        writer.0.extend_from_slice(self.report_id.as_bytes());
        writer
            .bytes(self.organization.as_bytes())
            .u64(self.sequence)
            .u64(self.revision)
            .u8(self.kind.tag());
        writer.0
    }

    pub(super) fn decode(change: u64, bytes: &[u8]) -> Result<ChangeRecord, StoreError> {
        let mut reader = RecordReader::new(bytes, "change");
        Ok(ChangeRecord {
            change,
            report_id: reader.uuid()?,
            organization: reader.string()?,
            sequence: reader.u64()?,
            revision: reader.u64()?,
            kind: ChangeKind::from_tag(reader.u8()?)?,
        })
    }
}

pub(super) fn encode_head(head: &LogHead) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(40);
    bytes.extend_from_slice(&head.sequence.to_be_bytes());
    bytes.extend_from_slice(&head.hash.0);
    bytes
}

pub(super) fn decode_head(bytes: &[u8]) -> Result<LogHead, StoreError> {
    if bytes.len() != 40 {
        return Err(StoreError::Corrupt(
            "log head record has the wrong size".into(),
        ));
    }
    let mut sequence = [0u8; 8];
    sequence.copy_from_slice(&bytes[..8]);
    Ok(LogHead {
        sequence: u64::from_be_bytes(sequence),
        hash: EntryHash::from_slice(&bytes[8..]).unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_state_round_trips() {
        let state = ReportState {
            id: Uuid::now_v7(),
            organization: "UN-Women".into(),
            revision: 3,
            created_at_ms: -5,
            updated_at_ms: 1_700_000_000_000,
            content_sequence: 7,
            latest_sequence: 9,
            withdrawn: true,
            withdrawal_reason: "posted twice".into(),
        };
        assert_eq!(ReportState::decode(&state.encode()), Ok(state.clone()));
        let encoded = state.encode();
        assert!(ReportState::decode(&encoded[..encoded.len() - 1]).is_err());
    }

    #[test]
    fn change_record_round_trips() {
        let record = ChangeRecord {
            change: 12,
            report_id: Uuid::now_v7(),
            organization: "IOM".into(),
            sequence: 4,
            revision: 2,
            kind: ChangeKind::Revised,
        };
        assert_eq!(ChangeRecord::decode(12, &record.encode()), Ok(record));
    }
}
