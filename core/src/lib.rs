//! The sans-IO nilVM protocol core.
//!
//! Everything here is `no_std` + `alloc`: no sockets, no clock, no global randomness. Callers
//! pass the time and a random number generator in, and drive operations by feeding replies.
#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

extern crate alloc;

pub mod auth;
pub mod cluster;
pub mod identity;
pub mod payments;
pub mod permissions;
pub mod time;
