//! Errors of decoding and validating programs (the core's) and of evaluating them.

use alloc::string::String;

use crate::types::NadaType;

/// Why a `.nada.bin` could not be turned into a [`Program`](crate::Program): the core's
/// [`MirError`](nilvm_core::program::mir::MirError), under the name this crate has always used.
pub use nilvm_core::program::mir::MirError as ProgramError;

/// Why an evaluation failed. Any failure fails the whole computation: there are no partial
/// outputs (docs/nada.md §6.3).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    /// A program input has no value.
    #[error("missing value for input '{input}' of party '{party}'")]
    MissingInput {
        /// Input name.
        input: String,
        /// The party that provides it.
        party: String,
    },
    /// A value was given that no input of the program takes.
    #[error("unexpected value '{name}': the program has no such input")]
    UnexpectedInput {
        /// The value's name.
        name: String,
    },
    /// A value was given under a party that does not provide that input.
    #[error("input '{input}' belongs to party '{expected}', not '{found}'")]
    WrongParty {
        /// Input name.
        input: String,
        /// The party the program says.
        expected: String,
        /// The party it came with.
        found: String,
    },
    /// A value of the wrong type.
    #[error("input '{input}' of party '{party}' must be {expected}, got {found}")]
    InputType {
        /// Input name.
        input: String,
        /// The party that provides it.
        party: String,
        /// The program's type.
        expected: NadaType,
        /// What was given.
        found: String,
    },
    /// An input value that does not fit the field or its type's range.
    #[error("input '{input}' of party '{party}': {reason}")]
    InvalidInput {
        /// Input name.
        input: String,
        /// The party that provides it.
        party: String,
        /// Why.
        reason: String,
    },
    /// A literal that does not fit the field.
    #[error("literal '{name}' does not fit the field")]
    LiteralOverflow {
        /// The literal's name.
        name: String,
    },
    /// Public divisor of zero (division or modulo). The nodes fail the whole computation.
    #[error("division by zero in operation {operation}")]
    DivisionByZero {
        /// The operation id.
        operation: u64,
    },
    /// A signing key that is zero or out of range.
    #[error("invalid signing key in operation {operation}")]
    InvalidKey {
        /// The operation id.
        operation: u64,
    },
    /// An output that cannot be turned into a value of its type (for instance a boolean that
    /// is neither 0 nor 1 after hand-written arithmetic on booleans).
    #[error("output '{output}': {reason}")]
    InvalidOutput {
        /// Output name.
        output: String,
        /// Why.
        reason: String,
    },
    /// The evaluation took more steps than allowed.
    #[error("evaluation exceeded the limit of {limit} steps")]
    StepLimit {
        /// The configured limit.
        limit: u64,
    },
    /// Map/reduce nested deeper than allowed.
    #[error("function calls nest deeper than {limit}")]
    DepthLimit {
        /// The configured limit.
        limit: usize,
    },
    /// A value had a shape its type does not allow. Validation rules this out; seeing it
    /// means a bug in this crate, reported instead of a panic.
    #[error("internal error in operation {operation}: {detail}")]
    Internal {
        /// The operation id.
        operation: u64,
        /// What went wrong.
        detail: &'static str,
    },
}
