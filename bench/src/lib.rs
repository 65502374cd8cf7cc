//! The benchmark runner's measurements, as a library so the profiling examples run the very
//! same workloads (`examples/profile*.rs`). See BENCHMARKS.md.

pub mod client;
pub mod cluster;
pub mod cpu;
pub mod e2e;
pub mod growth;
pub mod masking;
pub mod nada;
pub mod python;
pub mod scaling;
pub mod table;
pub mod timing;
