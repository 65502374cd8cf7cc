//! proptest strategies (feature `proptest`) over the generators of [`crate::arbitrary`].
//!
//! ```
//! use nilvm_nada::proptest::program_with_inputs;
//! use proptest::prelude::*;
//!
//! proptest!(|((program, inputs) in program_with_inputs())| {
//!     prop_assert_eq!(inputs.len(), program.inputs().len());
//! });
//! ```

use alloc::collections::BTreeMap;
use alloc::string::String;

use ::proptest::collection::vec;
use ::proptest::prelude::*;
use nilvm_core::arbitrary::{Arbitrary, Unstructured};
use nilvm_core::proptest::{INPUT_BYTES, of};
use nilvm_core::values::ClearValue;

use crate::arbitrary::{ProgramCase, inputs};
use crate::program::Program;

/// Valid programs with their MIR and bytes.
pub fn program_case() -> impl Strategy<Value = ProgramCase> {
    of()
}

/// Valid decoded programs.
pub fn program() -> impl Strategy<Value = Program> {
    of()
}

/// A valid program and a value for each of its inputs.
pub fn program_with_inputs() -> impl Strategy<Value = (Program, BTreeMap<String, ClearValue>)> {
    vec(any::<u8>(), 0..=INPUT_BYTES).prop_filter_map("the generator refused the input", |bytes| {
        let mut u = Unstructured::new(&bytes);
        let program = Program::arbitrary(&mut u).ok()?;
        let values = inputs(&mut u, &program).ok()?;
        Some((program, values))
    })
}
