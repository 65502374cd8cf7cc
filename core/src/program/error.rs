//! Errors of the program analysis.

use alloc::string::String;
use core::fmt;

/// An operation of raw (not preprocessed) MIR that the nodes reject at StoreProgram.
///
/// `python -m nada_dsl.compile` emits these; `nada build` (nilvm's `pynadac`) lowers them with
/// the MIR preprocessor. The node's validator or bytecode compiler refuses them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum RawOperation {
    /// `a > b`.
    GreaterThan,
    /// `a >= b`.
    GreaterOrEqual,
    /// `a <= b`.
    LessOrEqual,
    /// `a != b`.
    NotEquals,
    /// `a & b` on booleans.
    BooleanAnd,
    /// `a | b` on booleans.
    BooleanOr,
    /// `a ^ b` on booleans.
    BooleanXor,
    /// `xs.zip(ys)`.
    Zip,
    /// `unzip(zs)`.
    Unzip,
    /// `xs.map(f)`.
    Map,
    /// `xs.reduce(f, initial)`.
    Reduce,
    /// A reference to a function argument outside a function body.
    FunctionArgument,
}

impl RawOperation {
    /// A short human-readable name.
    pub fn name(self) -> &'static str {
        match self {
            Self::GreaterThan => "greater than",
            Self::GreaterOrEqual => "greater or equal than",
            Self::LessOrEqual => "less or equal than",
            Self::NotEquals => "not equals",
            Self::BooleanAnd => "boolean and",
            Self::BooleanOr => "boolean or",
            Self::BooleanXor => "boolean xor",
            Self::Zip => "zip",
            Self::Unzip => "unzip",
            Self::Map => "map",
            Self::Reduce => "reduce",
            Self::FunctionArgument => "nada function argument reference",
        }
    }
}

impl fmt::Display for RawOperation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

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
}
