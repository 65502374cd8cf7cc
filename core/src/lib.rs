//! The sans-IO nilVM protocol core.
//!
//! Everything here is `no_std` + `alloc`: no sockets, no clock, no global randomness. Callers
//! pass the time and a random number generator in, and drive operations by feeding replies.
//!
//! - [`field`]: arithmetic in the three safe-prime fields;
//! - [`values`]: clear and encrypted values, protobuf conversion, classify and payload size;
//! - [`masking`]: the masker (Shamir and additive sharing) and the strict unmasker.
#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

extern crate alloc;

pub mod auth;
pub mod cluster;
pub mod field;
pub mod identity;
pub mod masking;
pub mod operations;
pub mod payments;
pub mod permissions;
pub mod rpc;
pub mod time;
pub mod values;
