//! The one integration-test binary: real nodes on port 0 (in-process through
//! `concord::node::start`, or the real `concord` binary), talked to over gRPC and through
//! the command line.
//!
//! - `harness`: starting nodes, running the CLI, spawning `concord node`, waiting on
//!   conditions with deadlines;
//! - `rpc`: every RPC of `concord.v1.Reports`, health and reflection, through generated
//!   clients;
//! - `cli`: the `concord` client commands against an in-process node;
//! - `durability`: kill -9 while clients write, SIGTERM, refused data directories;
//! - `demo`: `concord demo`, including a re-run on the same directory.
//! - `group`: a test working group (CA, membership, signing keys) and its mutual-TLS nodes;
//! - `trust`: certificates refused, rights by role, audit log, start-up refusals, a silent
//!   TCP client, the per-member rate limit;
//! - `bad_input`: oversize, compressed, undecodable and invalid requests change nothing.
//! - `core_properties`: property tests of the pure apply/frontier core against an oracle
//!   (duplicates, reordering, crashes, forged entries, forks);
//! - `simulation`: 120 in-process nodes with bounded fan-out, seeded loss and pauses;
//! - `fuzz_corpus`: the cargo-fuzz corpus replayed on stable.
//! - `sync`: the sync scenarios of issue 4 (partitions, kill -9 mid-sync, a lost disk,
//!   relays, tampering, reordering, clock skew, forks) on groups of mutual-TLS nodes;
//! - `netproxy`: the fault-injecting TCP proxy between those nodes;
//! - `invariants`: the replication invariants every sync scenario ends by checking.

mod bad_input;
mod bench;
mod cli;
mod compose;
mod core_properties;
mod demo;
mod durability;
mod exports;
mod fuzz_corpus;
mod group;
mod harness;
mod iati;
mod invariants;
mod netproxy;
mod overlap_pairs_valid;
mod overlap_quality;
mod python_client;
mod rpc;
mod simulation;
mod sync;
mod trust;
mod view;
