//! The Nada program runtime: decode compiled `.nada.bin` programs and evaluate them with the
//! nilVM nodes' semantics.
//!
//! - [`Program::decode`] turns MIR bytes (raw `nada_dsl.compile` output or the preprocessed form
//!   `nada build` writes) into a typed, validated [`Program`]: parties, inputs, literals,
//!   outputs, functions, and operations in topological order.
//! - [`lower()`] / [`lower_bytes`] rewrite raw MIR into the form the nodes accept (the official
//!   preprocessor's rewrites, deterministic and idempotent).
//! - The evaluator runs a program in the clear over the field of a given prime, with the
//!   semantics of the nodes' protocols (docs/nada.md §6–§8).
#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]
// No panic on what comes in (ARCHITECTURE.md, "Invariants"): library code neither indexes
// nor unwraps. Set here rather than in a `[lints]` table, which cannot add to
// `lints.workspace = true`; tests are exempt through clippy.toml.
#![deny(
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic
)]
#![deny(missing_docs)]

extern crate alloc;

#[cfg(feature = "arbitrary")]
pub mod arbitrary;
pub mod error;
pub mod lower;
pub mod program;
#[cfg(feature = "proptest")]
pub mod proptest;
pub mod types;

pub use error::{EvalError, ProgramError};
pub use lower::{LowerError, Lowered, lower, lower_bytes};
pub use nilvm_core::program::mir::MAX_VALUE_LEAVES;
pub use program::{
    BinaryOp, Function, FunctionArg, Graph, Input, Literal, LiteralValue, Node, NodeIndex,
    Operation, Output, Party, Program, TupleIndex, UnaryOp,
};
pub use types::{NadaType, ScalarKind};
pub mod eval;
pub use eval::{
    EvalConfig, Limits, OutputValue, Outputs, TruncPrMode, evaluate, evaluate_by_party,
};
