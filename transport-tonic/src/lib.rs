//! The nilVM client over gRPC (tonic), the NilChain payer, and the devnet server.
//!
//! - [`VmClient`]: the official Python SDK's operations in idiomatic Rust, driving `core`'s
//!   sans-IO state machines over one tonic channel per node ([`Transport`]).
//! - [`Network`]: where the bootnode and the chain are, from the official network files.
//! - [`Payer`]: [`NilChainPayer`] pays with the three cosmos gRPC calls cosmpy makes;
//!   [`NoPayer`] refuses.
//! - `server` (feature `server`, on by default): the emulated cluster of
//!   `nilvm-transport-mock` served over real gRPC, and the `server::devnet::Devnet`.
//!
//! A transport moves bytes and time, nothing else: retries, back-off, payment fallbacks and
//! every check of what nodes answer are `core`'s decisions. Secrets (user keys, chain keys,
//! tokens) never appear in `Debug` output or logs.
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

mod channel;
mod client;
pub mod codec;
mod error;
mod network;
mod payer;
pub mod status;
mod transport;

#[cfg(feature = "server")]
pub mod server;

pub use channel::{CONNECT_TIMEOUT, ChannelError, TlsRoots, connect_lazy};
pub use client::{VmClient, VmClientBuilder};
pub use error::ClientError;
pub use network::{
    DEVNET_BOOTNODE, DEVNET_CHAIN_GRPC_ENDPOINT, DEVNET_CHAIN_ID, Network, NetworkError,
};
pub use payer::{BASE_ACCOUNT_TYPE_URL, NilChainPayer, NoPayer, PayError, PayFuture, Payer};
pub use transport::{Transport, wall_clock};
