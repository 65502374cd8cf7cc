//! Shared helpers for the integration suites.

pub mod vector_json;
