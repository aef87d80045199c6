//! The gRPC layer: the only code that knows the generated protobuf types.
//!
//! - [`pb`]: generated from `proto/` (private to this module tree);
//! - [`codec`]: domain types ↔ protobuf bytes, used by the ledger for log entries;
//! - [`convert`]: requests and responses ↔ ledger types;
//! - [`status`]: errors → gRPC statuses with `google.rpc` details;
//! - [`service`]: the `concord.v1.Reports` service;
//! - [`replication`]: the `concord.v1.Replication` service (node-to-node);
//! - [`view`]: the `concord.v1.View` service (the consolidated view);
//! - [`peer`]: its client side, for the replication driver;
//! - [`client`]: a typed client for the `concord` command and tests;
//! - [`fuzzing`]: one entry point decoding and validating any request or entry, for the fuzz
//!   target and its corpus test.

pub mod client;
pub mod codec;
pub mod convert;
pub mod fuzzing;
pub mod pb;
pub mod peer;
pub mod replication;
pub mod service;
pub mod status;
pub mod view;

pub use pb::FILE_DESCRIPTOR_SET;
