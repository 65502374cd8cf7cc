//! Shared helpers for the integration test suites.
