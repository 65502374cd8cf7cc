//! Helpers shared by the integration tests.

pub mod grpc_harness;
