//! Shared helpers for the integration test suites: the transport-neutral [`harness`] and the
//! [`scenarios`] written against it.

pub mod harness;
pub mod scenarios;
pub mod simulation;
