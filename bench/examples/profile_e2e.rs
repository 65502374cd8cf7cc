//! Sequential store + retrieve pairs of one secret integer by one of our clients against an
//! in-process devnet (the e2e latency row), for a profiler:
//! `valgrind --tool=callgrind target/release/examples/profile_e2e 50`.

use std::collections::BTreeMap;

use nilvm_core::identity::UserKey;
use nilvm_core::values::{ClearValue, SecretInteger};
use nilvm_transport_tonic::server::devnet::{Devnet, DevnetConfig};
use nilvm_transport_tonic::{NilChainPayer, connect};

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(run());
}

async fn run() {
    let pairs: i64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(50);
    let config = DevnetConfig {
        free_ports: true,
        ..DevnetConfig::default()
    };
    let devnet = Devnet::start(config).await.expect("the devnet starts");
    let network = devnet.network();
    let payer_key = Devnet::funded_keys()[0].clone();
    let payer = NilChainPayer::for_network(&network, payer_key).expect("a payer");
    let key = UserKey::from_bytes(&[9; 32]).expect("a key");
    let client = connect(key, &network, payer).await.expect("connects");
    client.add_funds(100_000_000, None).await.expect("funded");
    let started = std::time::Instant::now();
    for i in 0..pairs {
        let values = BTreeMap::from([(
            "x".to_string(),
            ClearValue::SecretInteger(SecretInteger::from(i)),
        )]);
        let id = client
            .store_values(values.clone(), Some(1), None)
            .await
            .expect("stored");
        let back = client.retrieve_values(id).await.expect("retrieved");
        assert_eq!(back, values, "the devnet returned other values");
    }
    eprintln!("{:?} per pair", started.elapsed() / pairs.max(1) as u32);
    devnet.stop().await;
}
