//! An emulated nilVM cluster for deterministic simulation tests.
//!
//! This is a test double, never a secure deployment: compute gathers the input shares and
//! evaluates programs in the clear.
#![deny(missing_docs)]
