//! The one list of raw-only operations: what `python -m nada_dsl.compile` emits and the
//! nodes refuse at StoreProgram until the preprocessor lowers it (docs/nada.md §5). The
//! lowering (`nilvm_nada::lower`), the quote analysis and [`Program::raw_only_operations`]
//! all read it from here.

use core::fmt;

use super::{BinaryOp, Operation, Program, UnaryOp};

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

impl BinaryOp {
    /// The raw-only operation this is, if the nodes refuse it in stored programs.
    pub fn raw_operation(self) -> Option<RawOperation> {
        Some(match self {
            BinaryOp::GreaterThan => RawOperation::GreaterThan,
            BinaryOp::GreaterEq => RawOperation::GreaterOrEqual,
            BinaryOp::LessEq => RawOperation::LessOrEqual,
            BinaryOp::NotEquals => RawOperation::NotEquals,
            BinaryOp::BoolAnd => RawOperation::BooleanAnd,
            BinaryOp::BoolOr => RawOperation::BooleanOr,
            BinaryOp::BoolXor => RawOperation::BooleanXor,
            BinaryOp::Zip => RawOperation::Zip,
            _ => return None,
        })
    }

    /// Whether the nodes refuse this operation in stored programs: it exists only in raw
    /// compiler output and must be lowered by the preprocessor (docs/nada.md §5).
    pub fn is_raw_only(self) -> bool {
        self.raw_operation().is_some()
    }
}

impl Operation {
    /// The raw-only operation this is, if the nodes refuse it in stored programs.
    pub fn raw_operation(&self) -> Option<RawOperation> {
        match self {
            Operation::Binary { op, .. } => op.raw_operation(),
            Operation::Unary {
                op: UnaryOp::Unzip, ..
            } => Some(RawOperation::Unzip),
            Operation::Map { .. } => Some(RawOperation::Map),
            Operation::Reduce { .. } => Some(RawOperation::Reduce),
            Operation::Argument(_) => Some(RawOperation::FunctionArgument),
            _ => None,
        }
    }

    /// Whether the nodes refuse this operation in stored programs (raw compiler output only,
    /// docs/nada.md §5).
    pub fn is_raw_only(&self) -> bool {
        self.raw_operation().is_some()
    }
}

impl Program {
    /// The raw-only operation of the program body with the smallest MIR id, if any.
    pub fn first_raw_operation(&self) -> Option<RawOperation> {
        self.body
            .nodes
            .iter()
            .filter_map(|n| Some((n.id, n.op.raw_operation()?)))
            .min_by_key(|(id, _)| *id)
            .map(|(_, raw)| raw)
    }
}
