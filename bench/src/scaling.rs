//! How cost grows: five series, each row compared with its series' first row
//! (`crate::growth`), so whether the time grows like the work shows in the row itself.
//!
//! - values per store on the emulated cluster, and blob size when masking: linear expected;
//! - parties when masking: the sharing's multiplications grow as n·t + t + 1 per value (the
//!   work column counts them), so linear means a constant time per multiplication;
//! - concurrent clients on one devnet: throughput saturates (at the cores), so the round's
//!   time grows slower than the work until then, and like it after;
//! - seeds of the deterministic simulation: linear expected (seeds are independent).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use nilvm_core::field::Prime;
use nilvm_tests::simulation::run_seed;
use nilvm_transport_tonic::server::devnet::Devnet;

use crate::client::{concurrent_round, with_devnet};
use crate::cluster::Cluster;
use crate::growth::{Point, series, thousands};
use crate::masking::{self, Sizes, Workload};
use crate::table::Row;

/// All scaling rows: `quick` drops the largest points and repeats less; `runs` masking runs.
pub fn rows(quick: bool, runs: usize) -> Vec<Row> {
    let mut rows = values_per_store(quick);
    rows.extend(blob_size(quick, runs));
    rows.extend(parties(runs));
    rows.extend(or_report("concurrent clients", concurrent_clients(quick)));
    rows.extend(or_report("simulated seeds", seeds(quick)));
    rows
}

fn or_report(series: &str, rows: Result<Vec<Row>, String>) -> Vec<Row> {
    rows.unwrap_or_else(|error| {
        eprintln!("scaling rows ({series}) not measured: {error}");
        Vec::new()
    })
}

/// 1, 100 and 10,000 secret integers per store + retrieve on the 5-node emulated cluster:
/// the time per pair (after one warm-up pair).
fn values_per_store(quick: bool) -> Vec<Row> {
    let points: [(usize, u32); 3] = if quick {
        [(1, 3), (100, 2), (10_000, 1)]
    } else {
        [(1, 50), (100, 20), (10_000, 3)]
    };
    let mut cluster = Cluster::new();
    cluster.pair(0, 1);
    series(
        points
            .iter()
            .map(|&(values, pairs)| {
                let start = Instant::now();
                for pair in 0..pairs as usize {
                    cluster.pair(pair * values, values);
                }
                Point {
                    what: format!(
                        "scaling, values per store: store + retrieve of {} secret integer{}, \
                         5 emulated nodes, per pair",
                        thousands(values),
                        if values == 1 { "" } else { "s" }
                    ),
                    work: values as f64,
                    ours: start.elapsed() / pairs,
                    ops_per_second: None,
                }
            })
            .collect(),
    )
}

/// One masking point: mask + unmask (packed, medians of `runs`).
fn masking_point(workload: Workload, runs: usize, work: f64, note: &str) -> Point {
    let (mask, unmask) = masking::ours(&workload, runs);
    Point {
        what: format!("scaling, mask + unmask {}{note}", workload.label()),
        work,
        ours: mask + unmask,
        ops_per_second: None,
    }
}

/// A 1 KiB to 5 MiB blob (5 MiB not with `quick`), 3 parties, 64-bit: work = bytes.
fn blob_size(quick: bool, runs: usize) -> Vec<Row> {
    let sizes: &[usize] = if quick {
        &[1 << 10, 64 << 10, 1 << 20]
    } else {
        &[1 << 10, 64 << 10, 1 << 20, 5 << 20]
    };
    series(
        sizes
            .iter()
            .map(|&blob_bytes| {
                let sizes = Sizes {
                    integers: 0,
                    blob_bytes,
                };
                let workload = Workload::new(Prime::U64, 3, 1, true, sizes);
                masking_point(workload, runs, blob_bytes as f64, "")
            })
            .collect(),
    )
}

/// 10,000 secret integers among 3, 5 and 9 parties (degree (n−1)/2), 64-bit: work = the
/// sharing's field multiplications.
fn parties(runs: usize) -> Vec<Row> {
    let sizes = Sizes {
        integers: 10_000,
        blob_bytes: 0,
    };
    series(
        [(3, 1), (5, 2), (9, 4)]
            .into_iter()
            .map(|(parties, degree)| {
                let workload = Workload::new(Prime::U64, parties, degree, false, sizes);
                let (mask, unmask) = workload.multiplications();
                let note =
                    format!(", degree {degree}, work = n·t + t + 1 multiplications per value");
                masking_point(workload, runs, (mask + unmask) as f64, &note)
            })
            .collect(),
    )
}

/// 1 to 64 of our clients (64 not with `quick`) at once on one devnet, each running the same
/// pairs: the round's wall time (work = clients) and pairs per second.
fn concurrent_clients(quick: bool) -> Result<Vec<Row>, String> {
    let (counts, pairs): (&[usize], usize) = if quick {
        (&[1, 4, 16], 2)
    } else {
        (&[1, 4, 16, 64], 20)
    };
    with_devnet(async |devnet| {
        let (network, payer_key) = (devnet.network(), &Devnet::funded_keys()[0]);
        let mut points = Vec::new();
        for &clients in counts {
            let round = concurrent_round(&network, payer_key, clients, pairs).await?;
            let rate = (clients * pairs) as f64 / round.as_secs_f64();
            points.push(Point {
                what: format!(
                    "scaling, concurrent clients: {clients} × {pairs} store + retrieve pairs on \
                     one devnet ({rate:.0} pairs/s), the round's wall time"
                ),
                work: clients as f64,
                ours: round,
                ops_per_second: Some(rate),
            });
        }
        Ok(series(points))
    })
}

/// Runs simulation seed `seed` (`nilvm-tests`' `run_seed`): an error if it broke an
/// invariant or panicked.
fn simulate(seed: u64) -> Result<(), String> {
    match catch_unwind(AssertUnwindSafe(|| run_seed(seed, false).0)) {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(error)) => Err(format!("seed {seed} broke an invariant: {error}")),
        Err(_) => Err(format!("seed {seed} panicked")),
    }
}

/// Seeds 0..N of the deterministic simulation, N = 10, 100, 1000 (5, 10, 20 with `quick`):
/// the batch's time (work = seeds) and seeds per second.
fn seeds(quick: bool) -> Result<Vec<Row>, String> {
    let counts: [u64; 3] = if quick { [5, 10, 20] } else { [10, 100, 1000] };
    let mut points = Vec::new();
    for count in counts {
        let start = Instant::now();
        for seed in 0..count {
            simulate(seed)?;
        }
        let time = start.elapsed();
        let rate = count as f64 / time.as_secs_f64();
        points.push(Point {
            what: format!("scaling, simulated seeds: {count} seeds ({rate:.0} seeds/s), all seeds"),
            work: count as f64,
            ours: time,
            ops_per_second: Some(rate),
        });
    }
    Ok(series(points))
}
