//! Shared helpers for the integration test suites: the transport-neutral [`harness`], the
//! [`scenarios`] written against it, the deterministic [`simulation`], and the JSON form of
//! the masking vectors the interop suite speaks ([`vector_json`]), and the [`parity`] probes.

// Test helpers: a failed expectation is a test failure.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

pub mod app;
pub mod harness;
pub mod parity;
pub mod scenarios;
pub mod simulation;
pub mod vector_json;
