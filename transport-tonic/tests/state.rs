//! The devnet with a state directory: stop, start again with the same directory, and
//! everything is back (same endpoints, values, permissions, programs, results, balances,
//! chain accounts); a directory from another cluster configuration is refused.
#![cfg(feature = "devnet")]
#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use nilvm_core::identity::UserKey;
use nilvm_core::payments::chain_tx::nillion_address;
use nilvm_core::permissions::{Permissions, PermissionsDelta};
use nilvm_core::values::{ClearValue, SecretInteger};
use nilvm_transport_mock::StoreError;
use nilvm_transport_tonic::ComputeInput;
use nilvm_transport_tonic::server::devnet::{Devnet, DevnetConfig, DevnetError, FUNDING_UNIL};
use nilvm_transport_tonic::{GrpcDriver, NilChainPayer, VmClient, connect};

const PROGRAM: &[u8] = include_bytes!("../../testdata/programs/multi_party_sum.nada.bin");

fn values(pairs: &[(&str, i64)]) -> BTreeMap<String, ClearValue> {
    pairs
        .iter()
        .map(|(k, v)| {
            (
                (*k).to_string(),
                ClearValue::SecretInteger(SecretInteger::from(*v)),
            )
        })
        .collect()
}

/// A fresh directory under the system's temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "nilvm-state-{name}-{}-{}",
            std::process::id(),
            rand::random::<u32>()
        ));
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn chain_key(seed: u8) -> UserKey {
    UserKey::from_bytes(&[seed.wrapping_add(100); 32]).unwrap()
}

/// User `seed` paying with its own chain key (funded by the caller, once).
async fn client(devnet: &Devnet, seed: u8) -> VmClient<GrpcDriver> {
    let payer = NilChainPayer::for_network(&devnet.network(), chain_key(seed)).unwrap();
    let key = UserKey::from_bytes(&[seed; 32]).unwrap();
    connect(key, &devnet.network(), payer).await.unwrap()
}

fn chain_account(devnet: &Devnet, seed: u8) -> Option<(u64, u64)> {
    let address = nillion_address(&chain_key(seed).public_key()).unwrap();
    devnet
        .backend()
        .cluster()
        .chain()
        .account(&address)
        .map(|a| (a.sequence, a.balance))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_with_the_same_state_directory_brings_everything_back() {
    let dir = TempDir::new("restart");
    let config = DevnetConfig {
        state_directory: Some(dir.0.clone()),
        ..DevnetConfig::free_ports()
    };
    let devnet = Devnet::start(config.clone()).await.unwrap();
    for seed in [20, 21] {
        devnet.fund(
            &nillion_address(&chain_key(seed).public_key()).unwrap(),
            FUNDING_UNIL,
        );
    }
    let owner = client(&devnet, 20).await;
    let other = client(&devnet, 21).await;
    let me = owner.user_id();

    let shared = owner
        .store_values(values(&[("x", 5)]), None, None)
        .await
        .unwrap();
    owner
        .update_permissions(
            shared,
            PermissionsDelta::new().grant_retrieve(other.user_id()),
        )
        .await
        .unwrap();
    let program_id = owner
        .store_program("multi_party_sum", PROGRAM.to_vec())
        .await
        .unwrap();
    let x_id = owner
        .store_values(
            values(&[("x", 20)]),
            None,
            Some(Permissions::defaults_for_user(me).allow_compute(me, &program_id)),
        )
        .await
        .unwrap();
    let input = |y| ComputeInput {
        program_id: program_id.clone(),
        value_ids: vec![x_id],
        input_bindings: vec![("Dealer1".into(), me), ("Dealer2".into(), me)],
        output_bindings: vec![("Receiver".into(), vec![me])],
        values: values(&[("y", y)]),
    };
    let compute_id = owner.compute(input(3)).await.unwrap();
    let outputs = owner.retrieve_compute_results(compute_id).await.unwrap();
    owner.add_funds(2_000_000, None).await.unwrap();
    let balance = owner.balance().await.unwrap().balance;
    assert_eq!(balance, 200);
    let account = chain_account(&devnet, 20).unwrap();
    let endpoints = devnet.node_endpoints().to_vec();
    let chain = devnet.chain_grpc_endpoint();
    let funded = devnet.network();
    owner.close();
    other.close();
    devnet.stop().await;

    let devnet = Devnet::start(config).await.unwrap();
    assert_eq!(devnet.node_endpoints(), endpoints.as_slice());
    assert_eq!(devnet.chain_grpc_endpoint(), chain);
    assert_eq!(chain_account(&devnet, 20), Some(account));
    // Genesis funding is not repeated: funded key 0 still holds exactly its funding.
    let payer = NilChainPayer::for_network(&funded, Devnet::funded_keys()[0].clone()).unwrap();
    assert_eq!(payer.balance().await.unwrap(), FUNDING_UNIL);
    let owner = client(&devnet, 20).await;
    let other = client(&devnet, 21).await;
    assert_eq!(owner.balance().await.unwrap().balance, balance);
    assert_eq!(
        owner.retrieve_values(shared).await.unwrap(),
        values(&[("x", 5)])
    );
    assert_eq!(
        other.retrieve_values(shared).await.unwrap(),
        values(&[("x", 5)])
    );
    assert!(
        owner
            .retrieve_permissions(shared)
            .await
            .unwrap()
            .is_retrieve_allowed(&other.user_id())
    );
    assert_eq!(
        owner.retrieve_compute_results(compute_id).await.unwrap(),
        outputs
    );
    // The program and the compute permission are still there: compute again.
    let again = owner.compute(input(4)).await.unwrap();
    assert_eq!(
        owner.retrieve_compute_results(again).await.unwrap(),
        values(&[("sum", 24), ("product", 80)])
    );
    owner.close();
    other.close();
    devnet.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_directory_of_another_cluster_is_refused() {
    let dir = TempDir::new("other");
    let config = DevnetConfig {
        state_directory: Some(dir.0.clone()),
        ..DevnetConfig::free_ports()
    };
    Devnet::start(config.clone()).await.unwrap().stop().await;
    for other in [
        DevnetConfig {
            seed: "another-seed".into(),
            ..config.clone()
        },
        DevnetConfig {
            node_count: 4,
            ..config.clone()
        },
        DevnetConfig {
            prime: nilvm_core::cluster::Prime::U64,
            ..config.clone()
        },
    ] {
        let error = Devnet::start(other).await.unwrap_err();
        assert!(
            matches!(
                &error,
                DevnetError::State {
                    source: StoreError::OtherCluster { .. },
                    ..
                }
            ),
            "{error}"
        );
        assert!(
            error
                .to_string()
                .contains("belongs to another cluster configuration"),
            "{error}"
        );
    }
    // The same settings still open it.
    Devnet::start(config).await.unwrap().stop().await;
}
