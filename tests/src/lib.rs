//! Shared helpers for the integration test suites: the transport-neutral [`harness`], the
//! [`scenarios`] written against it, the deterministic [`simulation`], and the JSON form of
//! the masking vectors the interop suite speaks ([`vector_json`]).

// Test support: a scenario that finds the cluster misbehaving fails by panicking.
#![allow(clippy::panic)]

pub mod harness;
pub mod scenarios;
pub mod simulation;
pub mod vector_json;
