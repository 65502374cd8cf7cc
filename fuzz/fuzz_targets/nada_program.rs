//! `.nada.bin` bytes: program metadata (what `store_program` quotes), decoding, and
//! evaluation with bounded steps over inputs of the declared types (values from
//! `nilvm_nada::arbitrary::inputs` over the same bytes). Nothing panics, a run never exceeds
//! its step limit, and every declared output comes back for its party.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nilvm_core::field::Prime;
use nilvm_core::program::ProgramMetadata;
use nilvm_core::arbitrary::Unstructured;
use nilvm_nada::arbitrary::inputs;
use nilvm_nada::{EvalConfig, EvalError, Limits, Program, evaluate};

const MAX_STEPS: u64 = 200_000;
const MAX_INPUT_LEAVES: u64 = 4_096;

fuzz_target!(|data: &[u8]| {
    // The metadata is stricter than the runtime (it refuses what the nodes refuse, such as a
    // program without protocols), so the two are not compared.
    let _ = ProgramMetadata::from_program(data);
    let Ok(program) = Program::decode(data) else {
        return;
    };
    let leaves: u64 = program.inputs().iter().map(|i| i.ty.leaf_count()).sum();
    if leaves > MAX_INPUT_LEAVES {
        return;
    }
    let seed = data.iter().fold(0u64, |h, b| h.rotate_left(5) ^ u64::from(*b));
    let mut rng = nilvm_fuzz::rng(seed);
    let Ok(inputs) = inputs(&mut Unstructured::new(data), &program) else { return };
    let prime = if seed & 1 == 0 { Prime::U64 } else { Prime::U256 };
    let config = EvalConfig {
        limits: Limits { max_steps: MAX_STEPS, ..Limits::default() },
        ..EvalConfig::new(prime)
    };
    match evaluate(&program, &inputs, &config, &mut rng) {
        Ok(outputs) => {
            assert!(outputs.steps() <= MAX_STEPS, "ran past the step limit");
            for output in program.outputs() {
                assert!(outputs.get(&output.name).is_some(), "output {} missing", output.name);
            }
        }
        Err(EvalError::StepLimit { .. }) | Err(_) => {}
    }
});
