//! Protobuf messages of the nilVM client protocol, the Nada MIR, and the cosmos subset the
//! payment flow needs.
//!
//! The `.proto` files under `proto/` are ours, written from the protocol facts in `docs/` with the
//! exact package names and field numbers the nodes use. Messages are `no_std` + `alloc`; the
//! tonic client and server stubs exist only with the `grpc` feature.
//!
//! With the `arbitrary` feature every message, enum and oneof implements
//! `arbitrary::Arbitrary`, for fuzzing (that feature needs std: the derive macro keeps its
//! recursion counter in a thread-local). Enum fields are plain `i32`, so generated messages
//! carry unknown enum values too, as a peer may send them. Recursive messages (values in
//! tuples and arrays) may come out nested deeper than prost's decoding recursion limit (100):
//! they encode, but do not decode; `nilvm_core::arbitrary::{request_for, reply_for}` refuse
//! those.
//!
//! Modules follow the protobuf packages: `nillion::values::v1::value::Value` is
//! `nillion.values.v1.value.Value`.
#![cfg_attr(not(any(feature = "grpc", feature = "arbitrary")), no_std)]
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

#[allow(
    missing_docs,
    clippy::all,
    clippy::pedantic,
    rust_2018_idioms,
    missing_debug_implementations
)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/packages.rs"));
}

pub use generated::*;

/// The Google well-known types used by the messages (`Empty`, `Timestamp`, `Any`).
pub use prost_types as well_known;

/// Re-exported so users can encode and decode without a direct `prost` dependency.
pub use prost::Message;

/// The `prost` version the messages are built with (for `DecodeError` and friends).
pub use prost;
