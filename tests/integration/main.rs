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

mod bad_input;
mod bench;
mod cli;
mod demo;
mod durability;
mod group;
mod harness;
mod python_client;
mod rpc;
mod trust;
