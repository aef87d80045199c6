//! Code generated from `proto/` by `build.rs` (prost + tonic). Private to `rpc`.
#![allow(missing_docs, clippy::all, clippy::pedantic)]

tonic::include_proto!("concord.v1");

/// The encoded descriptor set of every Concord proto file, for server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/concord_descriptor.bin"));
