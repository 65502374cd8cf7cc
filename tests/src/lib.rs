//! Shared helpers for the integration test suites: the transport-neutral [`harness`], the
//! [`scenarios`] written against it, and the vector JSON reader.

pub mod harness;
pub mod scenarios;
pub mod simulation;
pub mod vector_json;
