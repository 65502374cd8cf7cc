//! Errors of decoding and validating programs.

use alloc::boxed::Box;
use alloc::string::String;
use core::fmt;

use super::types::NadaType;

/// Why a `.nada.bin` could not be turned into a [`Program`](super::Program).
///
/// Operations are named by their MIR id, inputs, outputs, literals and parties by name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MirError {
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
        context: Place,
        /// What.
        #[source]
        source: Box<MirError>,
    },
    /// A type field is absent or empty.
    #[error("type not set")]
    MissingType,
    /// Types nest deeper than [`MAX_TYPE_DEPTH`](super::types::MAX_TYPE_DEPTH).
    #[error("type nests deeper than {max} levels")]
    TypeTooDeep {
        /// The bound.
        max: usize,
    },
    /// A declared input that no operation refers to (checked by
    /// [`Program::from_mir_unvalidated`](super::Program::from_mir_unvalidated): the nodes'
    /// bytecode planner needs one reference per input).
    #[error("input '{name}' is not referenced by any operation")]
    UnreferencedInput {
        /// The input's name.
        name: String,
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
        /// What is missing or unknown.
        what: Unknown,
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

impl MirError {
    /// Wraps `self` with where it happened.
    pub(crate) fn at(self, context: Place) -> MirError {
        MirError::In {
            context,
            source: Box::new(self),
        }
    }

    /// The innermost error, without the contexts around it.
    pub fn root(&self) -> &MirError {
        match self {
            MirError::In { source, .. } => source.root(),
            other => other,
        }
    }
}

/// Where in a program an error was found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Place {
    /// An operation, by MIR id.
    Operation(u64),
    /// An operation, by MIR id, with its MIR name.
    NamedOperation {
        /// The MIR id.
        id: u64,
        /// The MIR name (`addition`, `map`, ...).
        name: &'static str,
    },
    /// An input, by name.
    Input(String),
    /// A literal, by name.
    Literal(String),
    /// An output, by name.
    Output(String),
    /// A function, by name and id.
    Function {
        /// The Python name.
        name: String,
        /// The MIR id.
        id: u64,
    },
    /// A function parameter, by name.
    Argument(String),
    /// A function's return type.
    ReturnType,
}

impl Place {
    /// The MIR id, when the place is an operation.
    pub fn operation(&self) -> Option<u64> {
        match self {
            Place::Operation(id) | Place::NamedOperation { id, .. } => Some(*id),
            _ => None,
        }
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Operation(id) => write!(f, "operation {id}"),
            Place::NamedOperation { id, name } => write!(f, "operation {id} ({name})"),
            Place::Input(name) => write!(f, "input '{name}'"),
            Place::Literal(name) => write!(f, "literal '{name}'"),
            Place::Output(name) => write!(f, "output '{name}'"),
            Place::Function { name, id } => write!(f, "function '{name}' (id {id})"),
            Place::Argument(name) => write!(f, "argument '{name}'"),
            Place::ReturnType => f.write_str("return type"),
        }
    }
}

/// What [`MirError::UnknownOperation`] found missing or unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unknown {
    /// A table entry without its operation.
    MissingOperation,
    /// An operation without its kind.
    MissingKind,
    /// A `BinaryOperationVariant` number this schema does not know.
    BinaryVariant(i32),
    /// A `UnaryOperationVariant` number this schema does not know.
    UnaryVariant(i32),
    /// A `TupleIndex` number this schema does not know.
    TupleIndex(i32),
}

impl fmt::Display for Unknown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unknown::MissingOperation => f.write_str("operation missing from its table entry"),
            Unknown::MissingKind => f.write_str("operation kind not set"),
            Unknown::BinaryVariant(v) => write!(f, "binary operation variant {v}"),
            Unknown::UnaryVariant(v) => write!(f, "unary operation variant {v}"),
            Unknown::TupleIndex(v) => write!(f, "tuple index {v}"),
        }
    }
}
