//! Decodes and validates every request and signed entry a node receives: the first byte
//! chooses the message, the rest is decoded and validated as the node does
//! (`concord::rpc::fuzzing::decode_and_validate`). It must never panic.
//!
//! Run: `cargo +nightly fuzz run decode_requests` (from the repository root). The seed
//! corpus is `fuzz/corpus/decode_requests/`; the stable test `fuzz_corpus` replays it.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = concord::rpc::fuzzing::decode_and_validate(data);
});
