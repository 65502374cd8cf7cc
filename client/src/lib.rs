//! The nilVM client: the official Python SDK's operations (`nillion-client` 0.2.0) in
//! idiomatic Rust, over any runtime.
//!
//! [`VmClient<D>`](VmClient) is one type for every transport: `D` is a
//! [`Driver`], which moves bytes and time and nothing else.
//!
//! - `nilvm_transport_tonic::GrpcDriver`: the real network or a devnet, over tonic;
//! - `nilvm_transport_mock::EmulatedDriver`: the emulated cluster in virtual time, under
//!   seeded faults (deterministic simulation of the app you ship);
//! - your own: the `blocking_driver` example of `nilvm-tests` is a third, over HTTP/1.1
//!   gRPC-Web on plain `std` threads.
//!
//! What lives here, once, above every driver: the connect sequence (discover the cluster,
//! read the bootnode's version, pick the payment mode), the defaults (owner-only permissions),
//! the user's tokens, and the facade's typed ids and errors. What goes on the wire and how an
//! operation is driven is `nilvm_core`'s (`core::operations`, `core::drive`).
#![deny(missing_docs)]
#![forbid(unsafe_code)]
// No panic on what comes in (ARCHITECTURE.md, "Invariants"); tests are exempt (clippy.toml).
#![deny(
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic
)]

mod builder;
mod client;
mod error;
mod ids;
mod split;
mod types;
mod version;

pub use builder::VmClientBuilder;
pub use client::VmClient;
pub use error::ClientError;
pub use ids::{ComputeId, InvalidId, ValuesId};
pub use nilvm_core::drive::UserTokens;
pub use split::Receipt;
pub use types::{ComputeInput, PoolStatus};
pub use version::{NodeVersion, Semver};

/// The core's types the facade's signatures use, so that an app needs one import path.
pub use nilvm_core::drive::Driver;
pub use nilvm_core::identity::{UserId, UserKey};
pub use nilvm_core::operations::{OperationError, PaymentFailure};
pub use nilvm_core::payments::mode::PaymentMode;
pub use nilvm_core::permissions::{Permissions, PermissionsDelta};
pub use nilvm_core::program::{ProgramId, ProgramMetadata};
pub use nilvm_core::values::ClearValue;
