//! `nilvm-bench`: ours vs the official implementation and the hardware bound, in one table.
//! See BENCHMARKS.md for the method and the latest figures.

use clap::Parser;
use nilvm_bench::{cluster, e2e, masking, nada, table};

/// Benchmarks, printed as one Markdown table.
#[derive(Debug, Parser)]
struct Args {
    /// A Python with `nillion-client==0.2.0` installed, to time the official masker.
    #[arg(long, env = "NILVM_BENCH_PYTHON")]
    python: Option<String>,
    /// Timed runs per measurement (the median is reported).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Store + retrieve pairs per end-to-end latency measurement.
    #[arg(long, default_value_t = 200)]
    e2e_iterations: usize,
}

fn main() {
    let args = Args::parse();
    let mut rows = masking::rows(args.python.as_deref(), args.runs);
    rows.extend(nada::rows(args.runs));
    rows.extend(cluster::rows(200));
    let sizes = e2e::Sizes {
        iterations: args.e2e_iterations,
        blob_iterations: (args.e2e_iterations / 10).max(3),
        concurrent_pairs: (args.e2e_iterations / 10).max(3),
    };
    match e2e::rows(args.python.as_deref(), sizes) {
        Ok(e2e) => rows.extend(e2e),
        Err(error) => eprintln!("end-to-end rows not measured: {error}"),
    }
    table::print(&rows);
}
