//! Shared helpers for the integration test suites: the transport-neutral [`harness`] and the
//! [`scenarios`] written against it.

// Test support: a scenario that finds the cluster misbehaving fails by panicking.
#![allow(clippy::panic)]

pub mod harness;
pub mod scenarios;
pub mod simulation;
