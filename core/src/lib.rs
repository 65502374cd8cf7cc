//! The sans-IO nilVM protocol core.
//!
//! Everything here is `no_std` + `alloc`: no sockets, no clock, no global randomness. Callers
//! pass the time and a random number generator in, and drive operations by feeding replies.
//!
//! - [`field`]: arithmetic in the three safe-prime fields;
//! - [`values`]: clear and encrypted values, protobuf conversion, classify and payload size;
//! - [`masking`]: the masker (Shamir and additive sharing) and the strict unmasker;
//! - [`identity`], [`auth`]: user keys and ids, node ids, auth tokens;
//! - [`cluster`], [`permissions`]: the cluster definition and the permissions model;
//! - [`rpc`]: one request and one reply enum for every nilVM RPC, and a transport-neutral status;
//! - [`program`]: program names, ids, and the store-program metadata computed from the MIR;
//! - [`operations`]: one state machine per operation, and the paid pipeline;
//! - [`drive`]: the one loop that runs any operation over any runtime's [`drive::Driver`].
//!
//! # Running on your own runtime
//!
//! Most embedders implement [`drive::Driver`] (send a request's bytes to a node and stream
//! back the reply's, pay, sleep until an instant, read the clock, draw random bytes) and let
//! [`drive::drive`] run operations over it: the token rule, reply decoding, what an
//! undecodable reply means and the cancellation of calls no longer awaited are decided there,
//! once. `nilvm-client`'s `VmClient<D>` runs on any such driver. Three exist: the tonic one
//! (`nilvm_transport_tonic::GrpcDriver`), the emulated cluster's in virtual time
//! (`nilvm_transport_mock`), and the `blocking_driver` example of `nilvm-tests`
//! (`tests/examples/blocking_driver/` in the repository, `driver.rs` there): a few hundred
//! lines over HTTP/1.1 gRPC-Web on plain `std` threads, with a hand-written `block_on`.
//!
//! # Driving an operation by hand
//!
//! A driver sends what the operation asks for, feeds back what comes in, and stops at
//! [`Output::Done`](operations::Output::Done). Here the "network" answers in-process:
//!
//! ```
//! use nilvm_core::identity::NodeId;
//! use nilvm_core::operations::{delete_values::delete_values, Operation, Output, RetryPolicy};
//! use nilvm_core::rpc::Reply;
//! use nilvm_core::time::Timestamp;
//!
//! let members = [NodeId::new(vec![1; 20]).unwrap(), NodeId::new(vec![2; 20]).unwrap()];
//! let mut now = Timestamp::from_unix_seconds(1_700_000_000);
//! let mut op = delete_values(now, &members, uuid::Uuid::nil(), RetryPolicy::default());
//! let result = loop {
//!     match op.poll_output() {
//!         // A real driver sends `transmit.request` to `transmit.target` and, later, hands the
//!         // reply (or the transport's failure as a `Status`) back with `transmit.id`.
//!         Some(Output::Transmit(transmit)) => op.handle_reply(now, transmit.id, Ok(Reply::DeleteValues(()))),
//!         Some(Output::Pay(_payment)) => unreachable!("deleting is free"),
//!         Some(Output::Done(result)) => break result,
//!         // Nothing to do until a reply arrives or the next timeout passes.
//!         None => {
//!             now = op.poll_timeout().expect("something is pending");
//!             op.handle_timeout(now);
//!         }
//!     }
//! };
//! assert_eq!(result, Ok(()));
//! ```
#![cfg_attr(not(feature = "std"), no_std)]
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
#![deny(missing_docs)]

extern crate alloc;

#[cfg(feature = "arbitrary")]
pub mod arbitrary;
pub mod auth;
pub mod cluster;
pub mod drive;
pub mod field;
pub mod identity;
pub mod masking;
pub mod operations;
pub mod payments;
pub mod permissions;
pub mod program;
#[cfg(feature = "proptest")]
pub mod proptest;
pub mod rpc;
pub mod time;
pub mod values;
