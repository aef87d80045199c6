//! The consolidated view: what the co-chairs read across every member's reports.
//!
//! Pure code over validated report content (no IO, no storage, no gRPC): the callers (the
//! ledger's indexes, the RPC service, the CLI) feed it reports and show its answers.
//!
//! - [`overlap`]: the overlap engine: whether two reports are a probable duplicate, a
//!   potential overlap or a self-duplicate, with a score and the reasons; the candidate
//!   keys an index uses to find pairs worth assessing;
//! - [`crosswalk`]: theme codes of every vocabulary (GCM, SDG, DAC, RTWG) and words of free
//!   text in several languages, mapped onto shared concepts, so that reports coded
//!   differently still meet;
//! - [`similarity`]: text normalisation (case, accents, punctuation, stop words, stemming,
//!   synonyms, acronyms, translation of common words) and the weighted similarity of
//!   titles and summaries;
//! - [`export`]: reports rendered as CSV with an HXL hashtag row, or as JSON lines, one
//!   report at a time (what the node's streamed `Export` sends);
//! - [`sitrep`]: the situation report, one self-contained printable HTML page (heatmap,
//!   overlaps, gaps, calendar, changes, freshness) with every text escaped.

pub mod crosswalk;
pub mod export;
pub mod overlap;
pub mod similarity;
pub mod sitrep;
