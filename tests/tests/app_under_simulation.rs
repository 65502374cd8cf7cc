//! The `app_under_simulation` example's app, over a few seeds of every fault profile it uses,
//! as a test (examples are built, not run, by CI).

#[allow(dead_code)]
#[path = "../examples/app_under_simulation.rs"]
mod example;

#[test]
fn the_app_keeps_its_invariants_and_replays() {
    for seed in 0..10 {
        let run = example::run_seed(seed).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(run.operations, 3 * 14, "seed {seed}");
        assert_eq!(example::run_seed(seed), Ok(run), "seed {seed} replays");
    }
}
