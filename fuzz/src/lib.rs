//! Shared harnesses of the fuzz targets (their inputs come from the crates' exported
//! generators, `nilvm_core::arbitrary` and `nilvm_nada::arbitrary`): a structure-aware
//! mutator for protobuf inputs, a seeded RNG, and the operation harness (an emulated cluster
//! answering, the fuzzer deciding what each node actually sends back).
//!
//! Everything here goes through the crates' public APIs.

pub mod mutate;
pub mod ops;
pub mod values;

use rand::SeedableRng;
use rand::rngs::StdRng;

/// A seeded generator: every random choice in a run comes from the fuzz input.
pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}
