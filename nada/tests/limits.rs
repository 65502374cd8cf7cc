//! Programs that run away are stopped by the evaluation limits with a clear error and no
//! outputs. (A cycle in the graph, a huge array type and a long chain over the step limit are
//! in `errors.rs`; here the limits are hit by real compiled programs.)
#![allow(clippy::unwrap_used, clippy::panic, clippy::expect_used)]

mod common;

use common::{binaries, case_inputs, load_json, prime_of};
use nilvm_nada::{EvalConfig, EvalError, Limits, Program, evaluate};
use rand::SeedableRng;
use rand::rngs::StdRng;

fn run(name: &str, limits: Limits) -> Result<nilvm_nada::Outputs, EvalError> {
    let json = load_json(name);
    let (_, bytes) = binaries(name).into_iter().next().unwrap();
    let program = Program::decode(&bytes).unwrap();
    let case = &json["test_cases"][0];
    let config = EvalConfig {
        limits,
        ..EvalConfig::new(prime_of(&json))
    };
    evaluate(
        &program,
        &case_inputs(case),
        &config,
        &mut StdRng::seed_from_u64(1),
    )
}

#[test]
fn map_reduce_over_the_step_limit_is_stopped() {
    let error = run(
        "array_map_reduce",
        Limits {
            max_steps: 3,
            ..Limits::default()
        },
    )
    .unwrap_err();
    assert_eq!(error, EvalError::StepLimit { limit: 3 });
    assert_eq!(
        error.to_string(),
        "evaluation exceeded the limit of 3 steps"
    );
    // The same program within the default limits runs, and counts its steps.
    let outputs = run("array_map_reduce", Limits::default()).unwrap();
    assert!(outputs.steps() > 3);
}

#[test]
fn function_calls_nesting_past_the_depth_limit_are_stopped() {
    for name in ["array_map_reduce", "map_reduce_chain"] {
        let error = run(
            name,
            Limits {
                max_call_depth: 0,
                ..Limits::default()
            },
        )
        .unwrap_err();
        assert_eq!(error, EvalError::DepthLimit { limit: 0 }, "{name}");
        assert_eq!(error.to_string(), "function calls nest deeper than 0");
    }
}
