//! Shared input models for the fuzz targets: clear values built from `arbitrary` input, a seeded
//! RNG, and the operation harness (an emulated cluster answering, the fuzzer deciding what
//! each node actually sends back).
//!
//! Everything here goes through the crates' public APIs.

pub mod ops;
pub mod values;

use rand::SeedableRng;
use rand::rngs::StdRng;

/// A seeded generator: every random choice in a run comes from the fuzz input.
pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}
