//! Sequential store + retrieve pairs of one secret integer by one of our clients against an
//! in-process devnet (the e2e latency row's workload, `nilvm_bench::client`), on one thread,
//! for a profiler: `valgrind --tool=callgrind target/release/examples/profile_e2e 50`.

use nilvm_bench::client::{funded, integer, pair};
use nilvm_transport_tonic::server::devnet::{Devnet, DevnetConfig};

fn main() {
    let pairs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(50);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(run(pairs));
}

async fn run(pairs: usize) {
    let config = DevnetConfig {
        free_ports: true,
        ..DevnetConfig::default()
    };
    let devnet = Devnet::start(config).await.expect("the devnet starts");
    let client = funded(&devnet.network(), &Devnet::funded_keys()[0])
        .await
        .expect("a funded client");
    let started = std::time::Instant::now();
    for i in 0..pairs {
        pair(&client, integer(i)).await.expect("store + retrieve");
    }
    eprintln!("{:?} per pair", started.elapsed() / pairs.max(1) as u32);
    devnet.stop().await;
}
