//! The typed, validated program model and its decoder, re-exported from
//! [`nilvm_core::program::mir`]: the one reader of compiled programs, shared with the quote's
//! metadata analysis in the core (see that module's docs).

pub use nilvm_core::program::mir::{
    BinaryOp, Function, FunctionArg, Graph, Input, Literal, LiteralValue, Node, NodeIndex,
    Operation, Output, Party, Program, TupleIndex, UnaryOp,
};
