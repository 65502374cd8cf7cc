//! Nada types as the MIR declares them (docs/nada.md §3.3), re-exported from
//! [`nilvm_core::program::mir::types`].

pub use nilvm_core::program::mir::types::{MAX_TYPE_DEPTH, NadaType, ScalarKind};
