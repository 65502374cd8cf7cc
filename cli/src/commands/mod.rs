//! One module per command.

pub mod demo;
pub mod devnet;
pub mod run;
