//! Fuzzing generators (feature `arbitrary`): valid Nada programs and inputs for them,
//! re-exported from [`nilvm_core::program::mir::arbitrary`] (they live beside the program
//! model, which implements `Arbitrary`).
//!
//! ```
//! use nilvm_core::arbitrary::{Arbitrary, Unstructured};
//! use nilvm_nada::arbitrary::{ProgramCase, inputs};
//! use nilvm_nada::Program;
//!
//! let mut u = Unstructured::new(b"any fuzzer input, a few bytes long");
//! let case = ProgramCase::arbitrary(&mut u).unwrap();
//! let program = Program::decode(&case.bytes).unwrap();
//! let values = inputs(&mut u, &program).unwrap();
//! assert_eq!(values.len(), program.inputs().len());
//! ```

pub use nilvm_core::program::mir::arbitrary::{
    MAX_INPUTS, MAX_OPERATIONS, MAX_PARTIES, ProgramCase, inputs, value,
};
