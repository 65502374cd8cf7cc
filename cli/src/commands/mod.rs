//! One module per command.

pub mod devnet;
pub mod run;
