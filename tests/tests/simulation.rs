//! Deterministic simulation: many seeds × fault profiles, invariants checked after each run.
//!
//! Besides the invariants, it asserts liveness and prints a per-profile table (operations,
//! successes, failures by cause): see `nilvm_tests::simulation`.
//!
//! - `cargo test -p nilvm-tests --test simulation`: 200 seeds (`NILVM_SIM_SEEDS` to change,
//!   `NILVM_SIM_FIRST_SEED` to start elsewhere).
//! - `NILVM_SIM_SEED=<seed> cargo test -p nilvm-tests --test simulation -- --nocapture`:
//!   replays one seed and prints its event trace.

use std::panic::{AssertUnwindSafe, catch_unwind};

use nilvm_tests::simulation::{
    PROFILES, ProfileRow, SeedOutcome, format_table, run_seed, survivable,
};

/// A seed and its outcome, or the broken invariant.
type SeedResult = (u64, Result<SeedOutcome, String>);

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

fn replay_command(seed: u64) -> String {
    format!("NILVM_SIM_SEED={seed} cargo test -p nilvm-tests --test simulation -- --nocapture")
}

/// Runs one seed, turning a panic into an error.
fn check(seed: u64, trace: bool) -> (Result<SeedOutcome, String>, Vec<String>) {
    match catch_unwind(AssertUnwindSafe(|| run_seed(seed, trace))) {
        Ok(result) => result,
        Err(panic) => (
            Err(format!(
                "panicked: {}",
                panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default()
            )),
            Vec::new(),
        ),
    }
}

#[test]
fn seeds_keep_the_invariants() {
    if let Some(seed) = env_u64("NILVM_SIM_SEED") {
        let (result, trace) = check(seed, true);
        for line in &trace {
            println!("{line}");
        }
        match result {
            Ok(outcome) => println!("seed {seed}: {outcome:?}"),
            Err(error) => panic!(
                "seed {seed} ({}) broke an invariant: {error}",
                PROFILES[(seed % 8) as usize]
            ),
        }
        return;
    }
    let count = env_u64("NILVM_SIM_SEEDS").unwrap_or(200);
    let first = env_u64("NILVM_SIM_FIRST_SEED").unwrap_or(0);
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(4) as u64;
    let results: Vec<SeedResult> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    (first..first + count)
                        .filter(|s| s % threads == t)
                        .map(|seed| (seed, check(seed, false).0))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    });
    assert_eq!(results.len() as u64, count, "every seed ran");
    let mut rows = vec![ProfileRow::default(); PROFILES.len()];
    let mut broken = Vec::new();
    for (seed, result) in &results {
        match result {
            Ok(outcome) => rows[(seed % 8) as usize].add(outcome),
            Err(error) => broken.push(format!(
                "seed {seed} ({}): {error}\n  replay: {}",
                PROFILES[(seed % 8) as usize],
                replay_command(*seed)
            )),
        }
    }
    println!("{count} seeds from {first}:\n{}", format_table(&rows));
    assert!(
        broken.is_empty(),
        "{} seeds broke invariants:\n{}",
        broken.len(),
        broken.join("\n")
    );
    check_liveness(&rows);
}

/// Survivable profiles: every operation meets its expectation, so none fails that would not
/// fail on a clean network. Every profile: an operation that misses it says which node failed.
fn check_liveness(rows: &[ProfileRow]) {
    for (profile, row) in rows.iter().enumerate() {
        let name = PROFILES[profile];
        if survivable(profile) {
            assert!(
                row.unexpected.is_empty(),
                "{name}: {} operations failed that a correct client survives:\n{}",
                row.failed_unexpectedly(),
                row.unexpected.join("\n")
            );
        }
        assert!(
            row.unclear.is_empty(),
            "{name}: {} failures do not name the node:\n{}",
            row.unclear.len(),
            row.unclear.join("\n")
        );
    }
}

#[test]
fn same_seed_same_trace() {
    for seed in [3, 7, 12, 15] {
        let (a, trace_a) = run_seed(seed, true);
        let (b, trace_b) = run_seed(seed, true);
        assert_eq!(a.expect("seed runs"), b.expect("seed runs"), "seed {seed}");
        assert_eq!(trace_a, trace_b, "seed {seed}");
        assert!(!trace_a.is_empty());
    }
    let a = run_seed(1, false).0.expect("seed runs");
    let b = run_seed(2, false).0.expect("seed runs");
    assert_ne!(a.trace_hash, b.trace_hash, "different seeds differ");
}
