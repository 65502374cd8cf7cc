//! An emulated nilVM cluster for tests: nodes, the leader role and a nilchain stub, on an
//! in-memory network with a virtual clock, fault injection and one seed.
//!
//! # This is a test double, not a secure deployment
//!
//! The emulated cluster implements the nodes' *observable* behaviour (docs/wire-protocol.md §4–§6,
//! down to the error texts the official SDKs look for), but **compute is a simulation**: when
//! every node has its part of a computation, the cluster gathers all the input shares, unmasks
//! them, evaluates the program *in the clear* with `nilvm-nada`, and masks the outputs back to
//! the nodes. Anyone with access to the process sees every secret. Use it to test applications
//! and clients, never to protect data.
//!
//! # Layers
//!
//! - [`Cluster`]: the node semantics, written once and sans-IO. A transport hands it
//!   `(now, node, token bytes, Request)` and gets a [`Response`] (a reply or a results stream
//!   to poll) or a [`Status`]. The gRPC devnet wraps the same type.
//!   [`Node`], [`Leader`] and [`Chain`] are its parts.
//! - [`Emulator`]: the cluster on an in-memory network with a virtual clock, a seeded RNG and
//!   the fault knobs of [`NetworkConfig`]; it runs any number of core
//!   [`Operation`](nilvm_core::operations::Operation)s at once.
//! - Drivers: [`Emulator::run`] (blocking) and [`SharedEmulator::run`] (async, any executor: no
//!   runtime needed).
#![deny(missing_docs)]
#![forbid(unsafe_code)]
// No panic on what comes in (ARCHITECTURE.md, "Invariants"): library code neither indexes
// nor unwraps. Set here rather than in a `[lints]` table, which cannot add to
// `lints.workspace = true`; tests are exempt through clippy.toml.
#![deny(
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic
)]

pub mod chain;
pub mod cluster;
pub mod config;
mod driver;
mod emulator;
mod input_check;
pub mod leader;
pub mod node;
pub mod programs;
pub mod records;
mod sim;
pub mod storage;

pub use chain::Chain;
pub use cluster::{BuildError, ClockSkew, Cluster};
pub use config::ClusterConfig;
pub use driver::{Client, OpHandle, SharedEmulator};
pub use emulator::{ChainPaymentError, NetworkConfig, NodeOutage};
pub use leader::Leader;
pub use node::{Node, Response, ResultsStream, StreamPoll};
pub use sim::{EmulatedDriver, Emulator, OpReport, SimError, Simulation, TaskId};
pub use storage::{DiskStore, MemoryStore, StateStore, StoreError};

use nilvm_core::rpc::{Code, Status};

/// Locks `mutex`; a panic elsewhere while holding it leaves the state usable for inspection.
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub(crate) fn status(code: Code, message: impl Into<String>) -> Status {
    Status::new(code, message)
}

pub(crate) use nilvm_core::identity::sha256;
