//! `nilvm-bench`: ours vs the official implementation and the hardware bound, in one table.
//! See BENCHMARKS.md for the method and the latest figures.

mod cluster;
mod masking;
mod nada;
mod table;
mod timing;

use clap::Parser;

/// Benchmarks, printed as one Markdown table.
#[derive(Debug, Parser)]
struct Args {
    /// A Python with `nillion-client==0.2.0` installed, to time the official masker.
    #[arg(long, env = "NILVM_BENCH_PYTHON")]
    python: Option<String>,
    /// Timed runs per measurement (the median is reported).
    #[arg(long, default_value_t = 5)]
    runs: usize,
}

fn main() {
    let args = Args::parse();
    let mut rows = masking::rows(args.python.as_deref(), args.runs);
    rows.extend(nada::rows(args.runs));
    rows.extend(cluster::rows(200));
    table::print(&rows);
}
