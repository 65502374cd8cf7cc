//! The nilVM client's gRPC driver (tonic), the NilChain payer, and the devnet server.
//!
//! - [`GrpcDriver`]: the [`Driver`](nilvm_core::drive::Driver) that runs
//!   [`VmClient`] over one tonic channel per node; [`connect`] gives a
//!   connected client in one call.
//! - [`Network`]: where the bootnode and the chain are, from the official network files.
//! - [`Payer`]: [`NilChainPayer`] pays with the three cosmos gRPC calls cosmpy makes;
//!   [`NoPayer`] refuses.
//! - `server` (feature `server`, off by default): nodes served over real gRPC; with feature
//!   `devnet`, the emulated cluster of `nilvm-transport-mock` behind it
//!   (`server::devnet::Devnet`). A user who adds the client compiles neither.
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
pub mod clock;
#[doc(hidden)] // The raw-bytes codec, for tests that send hand-made requests.
pub mod codec;
mod connect;
mod driver;
mod error;
mod network;
mod payer;
mod status;

#[cfg(feature = "server")]
pub mod server;

pub use channel::{CONNECT_TIMEOUT, ChannelError, TlsRoots, connect_lazy};
pub use connect::{connect, driver_for};
pub use driver::GrpcDriver;

/// The client over gRPC: [`VmClient`] on the [`GrpcDriver`].
pub type GrpcClient = VmClient<GrpcDriver>;
pub use error::ConnectError;
pub use network::{
    DEVNET_BOOTNODE, DEVNET_CHAIN_GRPC_ENDPOINT, DEVNET_CHAIN_ID, Network, NetworkError,
};
pub use nilvm_client::{
    ClientError, ComputeId, ComputeInput, ProgramId, Receipt, ValuesId, VmClient,
};
pub use payer::{BASE_ACCOUNT_TYPE_URL, NilChainPayer, NoPayer, PayError, PayFuture, Payer};
