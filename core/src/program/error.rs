//! Errors of the program analysis.

use alloc::format;
use alloc::string::{String, ToString};

pub use super::mir::RawOperation;
use super::mir::{MirError, Place, Unknown};

/// Why a program cannot be analysed (or, for [`ProgramError::RequiresPreprocessing`] and
/// [`ProgramError::NoProtocols`], would be refused by the nodes).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProgramError {
    /// The bytes are not a protobuf `ProgramMIR`.
    #[error("malformed program (not a Nada MIR): {0}")]
    Malformed(String),
    /// An operation entry has no operation.
    #[error("operation {0} has no operation kind")]
    MissingOperation(u64),
    /// An operation map entry's key differs from its operation's id.
    #[error("operation entry {entry} holds operation {operation}")]
    MismatchedOperationId {
        /// The entry's id.
        entry: u64,
        /// The operation's own id.
        operation: u64,
    },
    /// Two operations (or two functions) in one table share an id.
    #[error("duplicate id {0} in an operation or function table")]
    DuplicateId(u64),
    /// Two inputs share a name.
    #[error("duplicate input '{0}'")]
    DuplicateInput(String),
    /// A type is absent where one is needed.
    #[error("{0} has no type")]
    MissingType(String),
    /// A reference to an operation that does not exist.
    #[error("{referrer} refers to operation {operand}, which does not exist")]
    DanglingOperand {
        /// Who refers to it: `operation 5`, `output 'sum'`, `function 3`.
        referrer: String,
        /// The missing operation id.
        operand: u64,
    },
    /// An input reference names an input the program does not declare.
    #[error("operation {operation} refers to unknown input '{input}'")]
    UnknownInput {
        /// The input reference.
        operation: u64,
        /// The input name.
        input: String,
    },
    /// A declared input is never referenced (the node requires one reference per input).
    #[error("input '{0}' is not referenced by any operation")]
    InputNotReferenced(String),
    /// A literal reference names a literal the program does not declare.
    #[error("operation {operation} refers to unknown literal '{literal}'")]
    UnknownLiteral {
        /// The literal reference.
        operation: u64,
        /// The literal name.
        literal: String,
    },
    /// A map or reduce names a function the program does not declare.
    #[error("operation {operation} refers to unknown function {function}")]
    UnknownFunction {
        /// The map or reduce.
        operation: u64,
        /// The function id.
        function: u64,
    },
    /// A function argument reference outside its function, or to an unknown argument.
    #[error(
        "operation {operation} refers to argument '{argument}' of function {function}, which is not in scope"
    )]
    UnknownArgument {
        /// The argument reference.
        operation: u64,
        /// The function id.
        function: u64,
        /// The argument name.
        argument: String,
    },
    /// An enum field holds a value this schema does not know.
    #[error("operation {operation} has an unknown {field} value {value}")]
    UnknownVariant {
        /// The operation.
        operation: u64,
        /// The field (`binary variant`, `unary variant`, `tuple index`).
        field: &'static str,
        /// The raw value.
        value: i32,
    },
    /// Operations depend on themselves.
    #[error("operation {0} depends on itself")]
    Cycle(u64),
    /// Operand or result types do not fit the operation.
    #[error("operation {operation}: {reason}")]
    TypeMismatch {
        /// The operation.
        operation: u64,
        /// What is wrong.
        reason: &'static str,
    },
    /// An operation or type the nodes cannot compile (cast, ntuple, object).
    #[error("{0} is not supported by the nodes")]
    Unsupported(String),
    /// The analysis would exceed its work bounds (hostile or absurdly large program).
    #[error("program too large to analyse: {0}")]
    TooLarge(&'static str),
    /// The program compiles to no protocol at all; the nodes refuse it.
    #[error("This program is insecure because it has 0 operations and therefore leaks the input")]
    NoProtocols,
    /// Raw MIR the nodes reject; lower it first (`nilvm build`, `nilvm_nada::lower_bytes`, or
    /// the official `nada build`).
    #[error(
        "the program contains raw MIR ({0}) that the nodes reject; lower it first with `nilvm build --mir` (or `nada build`)"
    )]
    RequiresPreprocessing(RawOperation),
    /// Another reason the program's structure cannot be read (an invalid literal, a duplicate
    /// name, types nested too deeply, ...).
    #[error(transparent)]
    Invalid(MirError),
}

impl From<MirError> for ProgramError {
    /// The structural errors of [`Program::from_mir_unvalidated`](super::mir::Program) under
    /// the names this error has always given them; the others as [`ProgramError::Invalid`].
    fn from(error: MirError) -> Self {
        let (place, root) = innermost(error);
        let operation = place
            .as_ref()
            .and_then(|p| p.operation())
            .unwrap_or_default();
        let at = || place.as_ref().map(|p| p.to_string()).unwrap_or_default();
        match root {
            MirError::Malformed { reason } => ProgramError::Malformed(reason),
            MirError::MissingType => ProgramError::MissingType(at()),
            MirError::TypeTooDeep { .. } => ProgramError::TooLarge("types nested too deeply"),
            MirError::UnknownOperation { what } => match what {
                Unknown::BinaryVariant(value) => variant(operation, "binary variant", value),
                Unknown::UnaryVariant(value) => variant(operation, "unary variant", value),
                Unknown::TupleIndex(value) => variant(operation, "tuple index", value),
                _ => ProgramError::MissingOperation(operation),
            },
            MirError::Unsupported { what } => {
                ProgramError::Unsupported(format!("{} ({what})", at()))
            }
            MirError::DuplicateName {
                kind: "input",
                name,
            } => ProgramError::DuplicateInput(name),
            MirError::DuplicateId { id, .. } => ProgramError::DuplicateId(id),
            MirError::IdMismatch { key, id } => ProgramError::MismatchedOperationId {
                entry: key,
                operation: id,
            },
            MirError::UnknownName {
                kind: "input",
                name,
            } => ProgramError::UnknownInput {
                operation,
                input: name,
            },
            MirError::UnknownName {
                kind: "literal",
                name,
            } => ProgramError::UnknownLiteral {
                operation,
                literal: name,
            },
            MirError::UnknownFunction { id } => ProgramError::UnknownFunction {
                operation,
                function: id,
            },
            MirError::DanglingOperand { operand } => ProgramError::DanglingOperand {
                referrer: at(),
                operand,
            },
            MirError::Cycle { id } => ProgramError::Cycle(id),
            MirError::UnreferencedInput { name } => ProgramError::InputNotReferenced(name),
            other => ProgramError::Invalid(match place {
                Some(place) => other.at(place),
                None => other,
            }),
        }
    }
}

/// The innermost place and the root error.
fn innermost(error: MirError) -> (Option<Place>, MirError) {
    let mut place = None;
    let mut error = error;
    while let MirError::In { context, source } = error {
        place = Some(context);
        error = *source;
    }
    (place, error)
}

fn variant(operation: u64, field: &'static str, value: i32) -> ProgramError {
    ProgramError::UnknownVariant {
        operation,
        field,
        value,
    }
}
