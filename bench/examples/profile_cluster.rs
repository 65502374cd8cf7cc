//! The emulated-cluster row of the runner (store + retrieve of one secret integer on 5 nodes),
//! for a profiler: `valgrind --tool=callgrind target/release/examples/profile_cluster 20`.

fn main() {
    let pairs: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20);
    nilvm_bench::cluster::store_retrieve_pairs(pairs);
}
