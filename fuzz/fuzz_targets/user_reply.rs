//! The example for users: a fuzz target over `Reply` written as in a crate of one's own, with
//!
//! ```toml
//! [dependencies]
//! libfuzzer-sys = "0.4"
//! nilvm-core = { version = "0.1", features = ["arbitrary"] }
//! ```
//!
//! The core's generator gives well-formed replies of every RPC; the body here checks that our
//! encoding round-trips. A user's body would hand the reply to their own code instead (see
//! docs/fuzzing.md). The same body runs on stable in core/tests/user_fuzz_example.rs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nilvm_core::rpc::Reply;

fuzz_target!(|reply: Reply| {
    let bytes = reply.encode_to_vec();
    let decoded = Reply::decode(reply.method(), &bytes).expect("our own encoding decodes");
    assert_eq!(decoded, reply);
});
