//! An emulated nilVM cluster for tests: nodes, the leader role and a nilchain stub, on an
//! in-memory network with a virtual clock, fault injection and one seed.
//!
//! # Test the app you ship under deterministic simulation
//!
//! Write the app once against `nilvm_client::VmClient<D>` for any driver; run it here with an
//! [`EmulatedDriver`] per user, inside a [`Simulation`]: faults and every random choice come
//! from the seed, time is virtual (a 30 s retry back-off takes no wall time), and the same
//! seed replays the same run ([`Simulation::trace_hash`]).
//!
//! ```
//! use std::collections::BTreeMap;
//! use nilvm_client::{ClearValue, ClientError, Driver, VmClient};
//! use nilvm_core::values::Integer;
//! use nilvm_transport_mock::{ClusterConfig, NetworkConfig, Simulation};
//!
//! // The app: the same code runs over gRPC (`GrpcDriver`) and here.
//! async fn app<D: Driver>(client: &VmClient<D>) -> Result<(), ClientError> {
//!     let values = BTreeMap::from([("x".to_string(), ClearValue::Integer(Integer::from(42i64)))]);
//!     let id = client.store_values(values.clone(), Some(1), None).await?;
//!     assert_eq!(client.retrieve_values(id).await?, values);
//!     Ok(())
//! }
//!
//! let network = NetworkConfig { duplication: 0.2, reordering: 0.3, ..NetworkConfig::default() };
//! let mut sim = Simulation::new(ClusterConfig::default(), network, 7)?;
//! let (driver, key) = sim.new_user();
//! sim.block_on(async {
//!     let client = VmClient::connect(driver, key).await?;
//!     app(&client).await
//! })??;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Many seeds, several users at once and invariant checks: the `app_under_simulation` example
//! of `nilvm-tests` (`cargo run --release -p nilvm-tests --example app_under_simulation --
//! --seeds 500`).
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
//! - the network (`emulator/`): the cluster's nodes on an in-memory network with a virtual
//!   clock, a seeded RNG and the fault knobs of [`NetworkConfig`]; it moves encoded bytes.
//! - [`Simulation`] (`sim/`): a deterministic executor in virtual time over that network, and
//!   [`EmulatedDriver`], core's [`Driver`](nilvm_core::drive::Driver) for one user. Every
//!   operation runs through core's one driving loop (`nilvm_core::drive::drive`), which
//!   attaches the tokens and decodes the replies.
//! - [`Emulator`]: a [`Simulation`] running raw core
//!   [`Operation`](nilvm_core::operations::Operation)s by handle (spawn, step, take), and
//!   [`SharedEmulator`] to await them from any executor.
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
pub use sim::{EmulatedDriver, Emulator, OpReport, SimError, SimHandle, Simulation, TaskId};
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
