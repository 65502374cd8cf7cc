//! `nilvm-bench`: ours vs the official implementation and the hardware bound, in one table.
//! See BENCHMARKS.md for the method and the latest figures.

use std::io::Write;

use clap::{Parser, ValueEnum};
use nilvm_bench::{cluster, cpu, e2e, masking, nada, scaling, table};

/// A group of rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Group {
    /// Masking and unmasking.
    Masking,
    /// The Nada runtime.
    Nada,
    /// The emulated cluster.
    Cluster,
    /// End to end on the in-process devnet (with the client CPU time row).
    E2e,
    /// How cost grows with values, blob size, parties, clients and simulated seeds.
    Scaling,
}

/// Benchmarks, printed as one Markdown table (or as JSON with `--json`).
#[derive(Debug, Parser)]
struct Args {
    /// A Python with `nillion-client==0.2.0` installed, to time the official masker.
    #[arg(long, env = "NILVM_BENCH_PYTHON")]
    python: Option<String>,
    /// Timed runs per measurement (the median is reported); default 5, 1 with `--quick`.
    #[arg(long)]
    runs: Option<usize>,
    /// Store + retrieve pairs per end-to-end latency measurement; default 200, 10 with
    /// `--quick`.
    #[arg(long)]
    e2e_iterations: Option<usize>,
    /// Only these groups of rows (comma-separated); all by default.
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Group>,
    /// A reduced set for a smoke test: smaller sizes, one run.
    #[arg(long)]
    quick: bool,
    /// Writes `{"rows": [...]}` instead of the table: to stdout, or to FILE if given.
    #[arg(long, value_name = "FILE", num_args = 0..=1, default_missing_value = "-")]
    json: Option<String>,
    /// Internal: be our client process for the client CPU row (`cpu::client_process`).
    #[arg(long = &cpu::CLIENT_PROCESS_FLAG[2..], hide = true)]
    client_process: bool,
}

fn main() -> Result<(), String> {
    let args = Args::parse();
    if args.client_process {
        return cpu::client_process();
    }
    let runs = args.runs.unwrap_or(if args.quick { 1 } else { 5 });
    let e2e_iterations = args
        .e2e_iterations
        .unwrap_or(if args.quick { 10 } else { 200 });
    let wanted = |group| args.only.is_empty() || args.only.contains(&group);
    let mut rows = Vec::new();
    if wanted(Group::Masking) {
        let sizes = if args.quick {
            masking::Sizes::QUICK
        } else {
            masking::Sizes::FULL
        };
        rows.extend(masking::rows(args.python.as_deref(), runs, sizes));
    }
    if wanted(Group::Nada) {
        rows.extend(nada::rows(runs));
    }
    if wanted(Group::Cluster) {
        rows.extend(cluster::rows(if args.quick { 20 } else { 200 }));
    }
    if wanted(Group::E2e) {
        let sizes = e2e::Sizes {
            iterations: e2e_iterations,
            blob_iterations: (e2e_iterations / 10).max(3),
            concurrent_pairs: (e2e_iterations / 10).max(3),
        };
        match e2e::rows(args.python.as_deref(), sizes) {
            Ok(e2e) => rows.extend(e2e),
            Err(error) => eprintln!("end-to-end rows not measured: {error}"),
        }
        match cpu::rows(args.python.as_deref(), e2e_iterations) {
            Ok(cpu) => rows.extend(cpu),
            Err(error) => eprintln!("client CPU row not measured: {error}"),
        }
    }
    if wanted(Group::Scaling) {
        rows.extend(scaling::rows(args.quick, runs));
    }
    match args.json.as_deref() {
        None => table::print(&rows),
        Some(path) => {
            let text = table::json(&rows).to_string();
            if path == "-" {
                println!("{text}");
            } else {
                let mut file = std::fs::File::create(path).map_err(|e| format!("{path}: {e}"))?;
                writeln!(file, "{text}").map_err(|e| format!("{path}: {e}"))?;
            }
        }
    }
    Ok(())
}
