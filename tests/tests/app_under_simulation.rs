//! The `app_under_simulation` example's app as tests: over a few seeds of every fault profile
//! it uses (examples are built, not run, by CI), and unchanged over gRPC against a devnet.
#![allow(clippy::unwrap_used, clippy::panic)]

#[allow(dead_code)]
#[path = "../examples/app_under_simulation.rs"]
mod example;

use std::sync::mpsc;
use std::time::Duration;

use nilvm_core::identity::UserKey;
use nilvm_core::payments::nillion_address;
use nilvm_transport_tonic::server::devnet::{Devnet, DevnetConfig, FUNDING_UNIL};
use nilvm_transport_tonic::{NilChainPayer, connect};

#[test]
fn the_app_keeps_its_invariants_and_replays() {
    for seed in 0..10 {
        let run = example::run_seed(seed).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(run.operations, 3 * 14, "seed {seed}");
        assert_eq!(example::run_seed(seed), Ok(run), "seed {seed} replays");
    }
}

/// The same `app` function, over `GrpcDriver`s, against a devnet on loopback (within a time
/// limit: a hang fails the test).
#[test]
fn the_same_app_runs_against_a_devnet() {
    let (done, result) = mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let outcome = runtime.block_on(async {
            let devnet = Devnet::start(DevnetConfig::free_ports()).await.unwrap();
            let mut clients = Vec::new();
            for seed in [31u8, 32] {
                let chain_key = UserKey::from_bytes(&[seed + 100; 32]).unwrap();
                let address = nillion_address(&chain_key.public_key()).unwrap();
                devnet.fund(&address, FUNDING_UNIL);
                let payer = NilChainPayer::for_network(&devnet.network(), chain_key).unwrap();
                let key = UserKey::from_bytes(&[seed; 32]).unwrap();
                clients.push(connect(key, &devnet.network(), payer).await.unwrap());
            }
            let outcome = example::app(&clients[0], &clients[1], -17, 5)
                .await
                .map_err(|e| e.to_string());
            devnet.stop().await;
            outcome
        });
        let _ = done.send(outcome);
    });
    let outcome = result
        .recv_timeout(Duration::from_secs(120))
        .expect("the app ends within two minutes");
    assert_eq!(outcome, Ok(10));
}
