//! The differential probes (docs/node-checks.md) over gRPC: against the devnet, and, when
//! `NILVM_PARITY_BOOTNODE` names a running cluster (the reference node, run locally as
//! docs/node-checks.md §1 says), against it. `NILVM_PARITY_KEYS` lists that cluster's
//! prefunded private keys in hex, comma-separated (two are needed).
#![cfg(feature = "devnet")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::grpc_harness::GrpcHarness;
use nilvm_core::identity::UserKey;
use nilvm_tests::parity::{assert_all_agree, run_probes};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_devnet_refuses_as_the_reference_node_does() {
    let mut harness = GrpcHarness::start().await;
    let outcomes = run_probes(&mut harness).await;
    harness.stop().await;
    assert_all_agree(&outcomes);
}

fn keys(list: &str) -> Vec<UserKey> {
    list.split(',')
        .map(|hex_key| {
            let bytes: [u8; 32] = hex::decode(hex_key.trim()).unwrap().try_into().unwrap();
            UserKey::from_bytes(&bytes).unwrap()
        })
        .collect()
}

/// A one-off local check against a cluster we did not write; skipped unless asked for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_external_cluster_refuses_as_the_reference_node_does() {
    let Ok(bootnode) = std::env::var("NILVM_PARITY_BOOTNODE") else {
        eprintln!("skipped: NILVM_PARITY_BOOTNODE is not set");
        return;
    };
    let keys = keys(&std::env::var("NILVM_PARITY_KEYS").expect("NILVM_PARITY_KEYS"));
    let mut harness = GrpcHarness::connect(&bootnode, keys).await;
    let outcomes = run_probes(&mut harness).await;
    for outcome in &outcomes {
        let mark = if outcome.agrees() { "same" } else { "DIFF" };
        println!("{mark} | {} | {}", outcome.name, outcome.got);
    }
    assert_all_agree(&outcomes);
}
