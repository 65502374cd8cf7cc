//! The exported generators (features `arbitrary`, `proptest`): generated programs decode, the
//! metadata of the core accepts them, and they evaluate over generated inputs.
#![allow(clippy::unwrap_used)]

use nilvm_core::arbitrary::SeededRng;
use nilvm_core::field::Prime;
use nilvm_core::program::ProgramMetadata;
use nilvm_nada::proptest::{program_case, program_with_inputs};
use nilvm_nada::{EvalConfig, Program, evaluate};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn generated_programs_decode(case in program_case()) {
        let program = Program::decode(&case.bytes).unwrap();
        prop_assert_eq!(program.outputs().len(), case.mir.outputs.len());
        // The metadata the store-program quote needs is computable for every generated program.
        ProgramMetadata::from_program(&case.bytes).unwrap();
    }

    #[test]
    fn generated_programs_evaluate(
        (program, inputs) in program_with_inputs(),
        seed in any::<u64>(),
    ) {
        let config = EvalConfig::new(Prime::U256);
        let outputs = evaluate(&program, &inputs, &config, &mut SeededRng::new(seed)).unwrap();
        for output in program.outputs() {
            prop_assert!(outputs.get(&output.name).is_some(), "{} missing", output.name);
        }
    }
}
