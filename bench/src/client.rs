//! Our client against a devnet, shared by the end-to-end, client CPU and scaling rows: the
//! devnet's lifetime, a funded client, one store + retrieve pair, and rounds of concurrent
//! clients. One copy, so every row measures the same operations.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use nilvm_core::identity::UserKey;
use nilvm_core::values::{ClearValue, SecretInteger};
use nilvm_transport_tonic::Network;
use nilvm_transport_tonic::server::devnet::{Devnet, DevnetConfig};
use nilvm_transport_tonic::{GrpcDriver, NilChainPayer, VmClient, connect};
use serde_json::{Value as Json, json};

/// Our client, over gRPC.
pub type Client = VmClient<GrpcDriver>;

/// Starts an in-process devnet (free ports) on a multi-thread runtime, runs `body` with it,
/// and stops it, whatever `body` returned.
pub fn with_devnet<T>(body: impl AsyncFnOnce(&Devnet) -> Result<T, String>) -> Result<T, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let config = DevnetConfig {
            free_ports: true,
            ..DevnetConfig::default()
        };
        let devnet = Devnet::start(config).await.map_err(|e| e.to_string())?;
        let result = body(&devnet).await;
        devnet.stop().await;
        result
    })
}

/// The devnet's endpoints and the funded chain key (hex) a client process in another process
/// pays with: the request `official_client.py` and our client process (`crate::cpu`) read.
pub fn process_request(devnet: &Devnet, payer_key: &str) -> Json {
    json!({
        "bootnode": devnet.bootnode(),
        "chain": devnet.chain_grpc_endpoint(),
        "payer_key": payer_key,
    })
}

/// A client with a fresh identity, its balance funded from `payer_key` (before any timer).
pub async fn funded(network: &Network, payer_key: &UserKey) -> Result<Client, String> {
    let payer =
        NilChainPayer::for_network(network, payer_key.clone()).map_err(|e| e.to_string())?;
    let client = connect(UserKey::generate(&mut rand::rng()), network, payer)
        .await
        .map_err(|e| e.to_string())?;
    client
        .add_funds(100_000_000, None)
        .await
        .map_err(|e| e.to_string())?;
    Ok(client)
}

/// Stores `values`, retrieves them and checks they came back: the pair's wall time.
pub async fn pair(
    client: &Client,
    values: BTreeMap<String, ClearValue>,
) -> Result<Duration, String> {
    let start = Instant::now();
    let id = client
        .store_values(values.clone(), Some(1), None)
        .await
        .map_err(|e| e.to_string())?;
    let back = client
        .retrieve_values(id)
        .await
        .map_err(|e| e.to_string())?;
    let elapsed = start.elapsed();
    if back != values {
        return Err("the devnet returned different values".into());
    }
    Ok(elapsed)
}

/// One secret integer, `x = i`.
pub fn integer(i: usize) -> BTreeMap<String, ClearValue> {
    BTreeMap::from([(
        "x".to_string(),
        ClearValue::SecretInteger(SecretInteger::from(i as i64)),
    )])
}

/// `clients` funded clients (funded before the timer) each running `pairs` integer pairs at
/// once: the round's wall time.
pub async fn concurrent_round(
    network: &Network,
    payer_key: &UserKey,
    clients: usize,
    pairs: usize,
) -> Result<Duration, String> {
    let mut funded_clients = Vec::new();
    for _ in 0..clients {
        funded_clients.push(Arc::new(funded(network, payer_key).await?));
    }
    let start = Instant::now();
    let tasks: Vec<_> = funded_clients
        .into_iter()
        .map(|client| {
            tokio::spawn(async move {
                for i in 0..pairs {
                    pair(&client, integer(i)).await?;
                }
                Ok::<_, String>(())
            })
        })
        .collect();
    for task in tasks {
        task.await.map_err(|e| e.to_string())??;
    }
    Ok(start.elapsed())
}
