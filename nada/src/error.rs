//! Errors of decoding, validating and evaluating programs.

use alloc::boxed::Box;
use alloc::string::String;

use crate::types::NadaType;

/// Why a `.nada.bin` could not be turned into a [`Program`](crate::Program).
///
/// Operations are named by their MIR id, inputs, outputs, literals and parties by name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProgramError {
    /// The bytes are not a `ProgramMIR` protobuf message.
    #[error("malformed program: {reason}")]
    Malformed {
        /// The protobuf decoder's message.
        reason: String,
    },
    /// An error with the place it was found.
    #[error("{context}: {source}")]
    In {
        /// Where: "operation 7", "input 'a'", "function 'f' (id 3)", …
        context: String,
        /// What.
        #[source]
        source: Box<ProgramError>,
    },
    /// A type field is absent or empty.
    #[error("type not set")]
    MissingType,
    /// Types nest deeper than [`MAX_TYPE_DEPTH`](crate::types::MAX_TYPE_DEPTH).
    #[error("type nests deeper than {max} levels")]
    TypeTooDeep {
        /// The bound.
        max: usize,
    },
    /// A value of this type would have more leaves than the runtime accepts.
    #[error("type {ty} has more than {max} elements")]
    TypeTooLarge {
        /// The type.
        ty: NadaType,
        /// The bound.
        max: u64,
    },
    /// An operation without a kind, or with a variant number this runtime does not know.
    #[error("unknown operation: {what}")]
    UnknownOperation {
        /// The offending variant.
        what: String,
    },
    /// A construct the nodes cannot execute (NTuple, Object, cast).
    #[error("unsupported: {what}")]
    Unsupported {
        /// The construct.
        what: String,
    },
    /// Two items of one kind share a name.
    #[error("duplicate {kind} name '{name}'")]
    DuplicateName {
        /// party, input, output, literal, function argument.
        kind: &'static str,
        /// The name.
        name: String,
    },
    /// Two operations (or functions) share an id.
    #[error("duplicate {kind} id {id}")]
    DuplicateId {
        /// operation or function.
        kind: &'static str,
        /// The id.
        id: u64,
    },
    /// The map entry's key differs from the operation's own id.
    #[error("operation table key {key} differs from the operation's id {id}")]
    IdMismatch {
        /// The map key.
        key: u64,
        /// The operation's id.
        id: u64,
    },
    /// A name refers to nothing.
    #[error("unknown {kind} '{name}'")]
    UnknownName {
        /// party, input, literal, function argument.
        kind: &'static str,
        /// The name.
        name: String,
    },
    /// A map or reduce refers to a function that does not exist.
    #[error("unknown function id {id}")]
    UnknownFunction {
        /// The function id.
        id: u64,
    },
    /// An operand id that names no operation in the same table.
    #[error("operand {operand} does not exist")]
    DanglingOperand {
        /// The missing id.
        operand: u64,
    },
    /// The operations depend on each other in a loop.
    #[error("operations form a cycle through operation {id}")]
    Cycle {
        /// One operation on the cycle.
        id: u64,
    },
    /// Functions call each other (through map/reduce) in a loop.
    #[error("function {id} calls itself through map/reduce")]
    RecursiveFunction {
        /// One function on the loop.
        id: u64,
    },
    /// An argument reference outside its function.
    #[error("argument reference to function {function} outside that function")]
    MisplacedArgument {
        /// The function id the reference names.
        function: u64,
    },
    /// Operand or result types do not fit the operation.
    #[error("type mismatch: {detail}")]
    TypeMismatch {
        /// What was expected and what was found.
        detail: String,
    },
    /// A literal whose text does not parse as its type.
    #[error("invalid literal value '{value}' for type {ty}")]
    InvalidLiteral {
        /// The text.
        value: String,
        /// The declared type.
        ty: NadaType,
    },
}

impl ProgramError {
    /// Wraps `self` with where it happened.
    pub(crate) fn at(self, context: impl Into<String>) -> ProgramError {
        ProgramError::In {
            context: context.into(),
            source: Box::new(self),
        }
    }

    /// The innermost error, without the contexts around it.
    pub fn root(&self) -> &ProgramError {
        match self {
            ProgramError::In { source, .. } => source.root(),
            other => other,
        }
    }
}

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
