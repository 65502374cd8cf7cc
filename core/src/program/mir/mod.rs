//! The typed, validated program model: the one reader of compiled `.nada.bin` programs.
//! `nilvm_nada` re-exports it (its lowering, evaluator and users see it as
//! `nilvm_nada::Program`), and the quote's metadata analysis ([`crate::program`]) walks it. The
//! list of raw-only operations is in the `raw` child module, the type checks in `validate`.
//!
//! A [`Program`] is built from MIR bytes by [`Program::decode`] (or from an already decoded
//! message by [`Program::from_mir`]), both in the `decode` child module: every check happens
//! there (names resolve, operands exist, there are no cycles, types agree). This module holds
//! only the model. The operations of the program body and of every function are stored in a
//! topological order with dense indices ([`NodeIndex`]): an operand's index is always smaller
//! than its user's, so evaluation is one forward pass over a `Vec`.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use crypto_bigint::U256;

#[cfg(feature = "arbitrary")]
pub mod arbitrary;
mod decode;
mod error;
mod raw;
mod type_decode;
pub mod types;
mod validate;

pub use error::{MirError, Place, Unknown};
pub use raw::RawOperation;
pub use types::{MAX_TYPE_DEPTH, NadaType, ScalarKind};
pub use validate::MAX_VALUE_LEAVES;

/// Index of an operation in its [`Graph`]. Operands always have smaller indices than their
/// users.
pub type NodeIndex = usize;

/// A decoded, validated Nada program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program {
    pub(crate) parties: Vec<Party>,
    pub(crate) inputs: Vec<Input>,
    pub(crate) literals: Vec<Literal>,
    pub(crate) outputs: Vec<Output>,
    pub(crate) body: Graph,
    pub(crate) functions: Vec<Function>,
}

/// A program party: provides inputs, receives outputs, or both.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Party {
    /// The party's name.
    pub name: String,
}

/// A program input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    /// The input's name (unique in the program); values are bound to inputs by this name.
    pub name: String,
    /// Index into [`Program::parties`] of the party that provides it.
    pub party: usize,
    /// Its type.
    pub ty: NadaType,
    /// The documentation string, if the program gave one.
    pub doc: String,
}

/// A program literal (a constant of the Python source).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Literal {
    /// The literal's name ("0", "1", … as nada-dsl assigns them).
    pub name: String,
    /// Its type: `Integer`, `UnsignedInteger` or `Boolean`.
    pub ty: NadaType,
    /// Its value.
    pub value: LiteralValue,
}

/// The value of a literal, independent of the field it will be used in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiteralValue {
    /// A signed integer: `negative` and the magnitude.
    Integer {
        /// Whether the value is below zero.
        negative: bool,
        /// The absolute value.
        magnitude: U256,
    },
    /// An unsigned integer.
    UnsignedInteger(U256),
    /// A boolean.
    Boolean(bool),
}

/// A program output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    /// The output's name.
    pub name: String,
    /// Index into [`Program::parties`] of the receiving party.
    pub party: usize,
    /// The operation of the program body that computes it.
    pub node: NodeIndex,
    /// Its type (equal to the operation's type).
    pub ty: NadaType,
}

/// A Nada function used by `map` and `reduce`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Function {
    /// The MIR id (from the same counter as operation ids).
    pub id: u64,
    /// The Python function name.
    pub name: String,
    /// The parameters, in order.
    pub args: Vec<FunctionArg>,
    /// The body.
    pub body: Graph,
    /// The body operation whose value is returned.
    pub result: NodeIndex,
    /// The return type.
    pub return_type: NadaType,
}

/// A function parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionArg {
    /// The parameter name.
    pub name: String,
    /// Its type.
    pub ty: NadaType,
}

/// A table of operations in topological order.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Graph {
    pub(crate) nodes: Vec<Node>,
    /// `nodes[..live]` are the operations the outputs (or the function result) depend on.
    pub(crate) live: usize,
}

impl Graph {
    /// All operations, operands before users.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The operations the result depends on; the remaining ones are validated but never
    /// evaluated.
    pub fn live_nodes(&self) -> &[Node] {
        self.nodes.get(..self.live).unwrap_or(&self.nodes)
    }
}

/// One operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// The MIR operation id (ids have gaps; used in error messages).
    pub id: u64,
    /// The result type.
    pub ty: NadaType,
    /// What it computes.
    pub op: Operation,
}

/// An operation with its operands resolved to [`NodeIndex`]es of the same graph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Operation {
    /// The value of an input (index into [`Program::inputs`]).
    Input(usize),
    /// The value of a literal (index into [`Program::literals`]).
    Literal(usize),
    /// The value of a function parameter (index into [`Function::args`]).
    Argument(usize),
    /// A fresh uniformly random value of the node's type.
    Random,
    /// A one-operand operation.
    Unary {
        /// Which.
        op: UnaryOp,
        /// Operand.
        operand: NodeIndex,
    },
    /// A two-operand operation.
    Binary {
        /// Which.
        op: BinaryOp,
        /// Left operand.
        left: NodeIndex,
        /// Right operand.
        right: NodeIndex,
    },
    /// `cond ? first : second`.
    IfElse {
        /// Condition (boolean).
        cond: NodeIndex,
        /// Taken when the condition is true.
        first: NodeIndex,
        /// Taken otherwise.
        second: NodeIndex,
    },
    /// Applies a function to every element of an array.
    Map {
        /// Index into [`Program::functions`].
        function: usize,
        /// The array.
        array: NodeIndex,
    },
    /// Folds an array from the left with a two-parameter function.
    Reduce {
        /// Index into [`Program::functions`].
        function: usize,
        /// The array.
        array: NodeIndex,
        /// The initial accumulator.
        initial: NodeIndex,
    },
    /// Builds an array or a tuple (the node's type says which).
    New(Vec<NodeIndex>),
    /// An element of an array.
    ArrayAccess {
        /// The array.
        source: NodeIndex,
        /// Element index.
        index: u32,
    },
    /// An element of a tuple.
    TupleAccess {
        /// The tuple.
        source: NodeIndex,
        /// Which side.
        index: TupleIndex,
    },
}

/// One-operand operations (`UnaryOperationVariant`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// Array of pairs to pair of arrays (raw MIR only).
    Unzip,
    /// Secret to public, value unchanged.
    Reveal,
    /// Boolean negation, `1 − x`.
    Not,
    /// Private key to public key (ECDSA or EdDSA).
    PublicKeyDerive,
}

/// Two-operand operations (`BinaryOperationVariant`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `+`, wraps mod p.
    Addition,
    /// `-`, wraps mod p.
    Subtraction,
    /// `*`, wraps mod p.
    Multiplication,
    /// `<`.
    LessThan,
    /// `<=` (raw MIR only).
    LessEq,
    /// `>` (raw MIR only).
    GreaterThan,
    /// `>=` (raw MIR only).
    GreaterEq,
    /// `public_equals`: equality with a public result.
    EqualsPublicOutput,
    /// `==`.
    Equals,
    /// `%`, floor modulo.
    Modulo,
    /// `**`.
    Power,
    /// `/`, floor division.
    Division,
    /// `<<`.
    LeftShift,
    /// `>>`, floor division by a power of two.
    RightShift,
    /// Probabilistic truncation.
    TruncPr,
    /// `!=` (raw MIR only).
    NotEquals,
    /// `&` on booleans (raw MIR only).
    BoolAnd,
    /// `|` on booleans (raw MIR only).
    BoolOr,
    /// `^` on booleans (raw MIR only).
    BoolXor,
    /// Pairs up two arrays (raw MIR only).
    Zip,
    /// Σ xᵢ·yᵢ.
    InnerProduct,
    /// secp256k1 ECDSA signature of a digest with a private key.
    EcdsaSign,
    /// Ed25519 signature of a message with a private scalar.
    EddsaSign,
}

/// Side of a tuple.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TupleIndex {
    /// The first element.
    Left,
    /// The second element.
    Right,
}

impl Operation {
    /// The operands, in order.
    pub fn operands(&self) -> Vec<NodeIndex> {
        match self {
            Operation::Input(_)
            | Operation::Literal(_)
            | Operation::Argument(_)
            | Operation::Random => Vec::new(),
            Operation::Unary { operand, .. } => vec![*operand],
            Operation::Binary { left, right, .. } => vec![*left, *right],
            Operation::IfElse {
                cond,
                first,
                second,
            } => vec![*cond, *first, *second],
            Operation::Map { array, .. } => vec![*array],
            Operation::Reduce { array, initial, .. } => vec![*array, *initial],
            Operation::New(elements) => elements.clone(),
            Operation::ArrayAccess { source, .. } | Operation::TupleAccess { source, .. } => {
                vec![*source]
            }
        }
    }

    /// The operation's name as the MIR spells it, for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Operation::Input(_) => "input_ref",
            Operation::Literal(_) => "literal_ref",
            Operation::Argument(_) => "arg_ref",
            Operation::Random => "random",
            Operation::Unary { op, .. } => match op {
                UnaryOp::Unzip => "unzip",
                UnaryOp::Reveal => "reveal",
                UnaryOp::Not => "not",
                UnaryOp::PublicKeyDerive => "public_key_derive",
            },
            Operation::Binary { op, .. } => match op {
                BinaryOp::Addition => "addition",
                BinaryOp::Subtraction => "subtraction",
                BinaryOp::Multiplication => "multiplication",
                BinaryOp::LessThan => "less_than",
                BinaryOp::LessEq => "less_eq",
                BinaryOp::GreaterThan => "greater_than",
                BinaryOp::GreaterEq => "greater_eq",
                BinaryOp::EqualsPublicOutput => "equals_public_output",
                BinaryOp::Equals => "equals",
                BinaryOp::Modulo => "modulo",
                BinaryOp::Power => "power",
                BinaryOp::Division => "division",
                BinaryOp::LeftShift => "left_shift",
                BinaryOp::RightShift => "right_shift",
                BinaryOp::TruncPr => "trunc_pr",
                BinaryOp::NotEquals => "not_equals",
                BinaryOp::BoolAnd => "bool_and",
                BinaryOp::BoolOr => "bool_or",
                BinaryOp::BoolXor => "bool_xor",
                BinaryOp::Zip => "zip",
                BinaryOp::InnerProduct => "inner_product",
                BinaryOp::EcdsaSign => "ecdsa_sign",
                BinaryOp::EddsaSign => "eddsa_sign",
            },
            Operation::IfElse { .. } => "ifelse",
            Operation::Map { .. } => "map",
            Operation::Reduce { .. } => "reduce",
            Operation::New(_) => "new",
            Operation::ArrayAccess { .. } => "array_accessor",
            Operation::TupleAccess { .. } => "tuple_accessor",
        }
    }
}

impl Program {
    /// The parties, in MIR order (sorted by name by the compiler).
    pub fn parties(&self) -> &[Party] {
        &self.parties
    }

    /// The inputs, in MIR order (sorted by party, then name, by the compiler).
    pub fn inputs(&self) -> &[Input] {
        &self.inputs
    }

    /// The literals.
    pub fn literals(&self) -> &[Literal] {
        &self.literals
    }

    /// The outputs, in the order `nada_main` returned them.
    pub fn outputs(&self) -> &[Output] {
        &self.outputs
    }

    /// The program body's operations.
    pub fn body(&self) -> &Graph {
        &self.body
    }

    /// The functions used by `map` and `reduce`.
    pub fn functions(&self) -> &[Function] {
        &self.functions
    }

    /// The party with this name.
    pub fn party(&self, name: &str) -> Option<usize> {
        self.parties.iter().position(|p| p.name == name)
    }

    /// The input with this name.
    pub fn input(&self, name: &str) -> Option<&Input> {
        self.inputs.iter().find(|i| i.name == name)
    }

    /// Operations of the program body that only raw compiler output contains (`>`, `<=`,
    /// `map`, …): the nodes refuse to store such a program (docs/nada.md §5). Empty for
    /// preprocessed MIR. Each entry is the operation id and its MIR name.
    pub fn raw_only_operations(&self) -> Vec<(u64, &'static str)> {
        self.body
            .nodes
            .iter()
            .filter(|n| n.op.is_raw_only())
            .map(|n| (n.id, n.op.name()))
            .collect()
    }

    /// Whether the program is in the form the nodes accept (no raw-only operations).
    pub fn is_preprocessed(&self) -> bool {
        !self.body.nodes.iter().any(|n| n.op.is_raw_only())
    }

    /// Number of operations evaluated per run, counting each function body once per call
    /// would need the input sizes; this counts the program body plus every function body
    /// once.
    pub fn operation_count(&self) -> usize {
        self.body.nodes.len()
            + self
                .functions
                .iter()
                .map(|f| f.body.nodes.len())
                .sum::<usize>()
    }
}
