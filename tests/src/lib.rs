//! Shared helpers for the integration test suites: the transport-neutral [`harness`], the
//! [`scenarios`] written against it, and the vector JSON reader.

// Test helpers: a failed expectation is a test failure.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

pub mod harness;
pub mod scenarios;
pub mod simulation;
pub mod vector_json;
