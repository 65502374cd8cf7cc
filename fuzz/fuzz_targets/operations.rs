//! Each operation's state machine against a cluster whose replies the fuzzer picks: honest,
//! failed, raw bytes, one byte flipped, another node's, forged ids, duplicates, stream ends,
//! payments and time. No panic, no stall, `Done` within a bounded number of timeouts, and no
//! wrong value from a read with at most one tampering member. See `nilvm_fuzz::ops`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nilvm_fuzz::ops::{Harness, Scenario};

fuzz_target!(|scenario: Scenario| {
    Harness::new().scenario(&scenario);
});
