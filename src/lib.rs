//! Concord: every member organization of a working group runs a node; each node authors its
//! own organization's activity reports as a signed, append-only log, and (in later layers)
//! replicates every organization's log to every node so that co-chairs see one
//! consolidated view without a central server.
//!
//! The crate in reading order:
//! - [`report`]: the activity report, its vocabularies and validation (pure);
//! - [`iati`]: IATI 2.03 import (a streaming reader that maps activities to report drafts)
//!   and export (a writer of schema-valid `iati-activities` documents) (pure);
//! - [`log`]: per-organization signed entries, hash chain, apply rule (pure);
//! - [`store`]: the durable sled store: logs, report state, indexes, change feed (the only
//!   module that imports sled);
//! - [`ledger`]: authoring (single writer, group commit) and reading (indexed listing);
//! - [`rpc`]: the gRPC API (the only module that knows generated protobuf types);
//! - [`replication`]: sessions with peer nodes that keep every log everywhere;
//! - [`trust`]: certificates, identities, the membership file, mutual TLS and the gate that
//!   authorizes every call;
//! - [`config`]: the node's configuration file;
//! - [`node`]: wiring a store, ledger and server into a running node;
//! - [`traffic`]: byte counters on the node's connections;
//! - [`metrics`]: Prometheus metrics read from all of the above at scrape time;
//! - [`view`]: the consolidated view's pure parts (crosswalk of vocabularies, text
//!   similarity, overlaps).
//!
//! The `concord` binary (`src/main.rs`, `src/cli/`) is a thin layer of commands over this
//! library.

pub mod config;
pub mod iati;
pub mod ledger;
pub mod log;
pub mod metrics;
pub mod node;
pub mod replication;
pub mod report;
pub mod rpc;
pub mod store;
pub mod traffic;
pub mod trust;
pub mod view;
