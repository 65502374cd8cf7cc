//! The Nada program runtime: decode compiled `.nada.bin` programs and evaluate them with the
//! nilVM nodes' semantics.
#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
