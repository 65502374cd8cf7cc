//! End to end over loopback gRPC against an in-process devnet: store + retrieve of one secret
//! integer and of a 1 MiB blob (median and p99 latency), and throughput with 16 concurrent
//! clients; our client vs the official Python SDK on the same devnet.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use nilvm_core::identity::UserKey;
use nilvm_core::values::{ClearValue, SecretBlob, SecretInteger};
use nilvm_transport_tonic::server::devnet::{Devnet, DevnetConfig};
use nilvm_transport_tonic::{GrpcDriver, NilChainPayer, VmClient, connect};
use rand::Rng;
use serde_json::{Value as Json, json};

use crate::table::Row;

const CONCURRENCY: usize = 16;

/// How much to measure.
#[derive(Clone, Copy, Debug)]
pub struct Sizes {
    /// Store + retrieve pairs of one integer (latency).
    pub iterations: usize,
    /// Store + retrieve pairs of a 1 MiB blob (latency).
    pub blob_iterations: usize,
    /// Pairs per concurrent client (throughput).
    pub concurrent_pairs: usize,
}

struct Figures {
    integer: Vec<Duration>,
    blob: Vec<Duration>,
    pairs_per_second: f64,
}

fn percentile(times: &[Duration], p: f64) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(index).copied().unwrap_or_default()
}

async fn funded_client(
    devnet: &Devnet,
    payer_key: &UserKey,
) -> Result<VmClient<GrpcDriver>, String> {
    let network = devnet.network();
    let payer =
        NilChainPayer::for_network(&network, payer_key.clone()).map_err(|e| e.to_string())?;
    let client = connect(UserKey::generate(&mut rand::rng()), &network, payer)
        .await
        .map_err(|e| e.to_string())?;
    client
        .add_funds(100_000_000, None)
        .await
        .map_err(|e| e.to_string())?;
    Ok(client)
}

async fn pair(
    client: &VmClient<GrpcDriver>,
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

fn integer(i: usize) -> BTreeMap<String, ClearValue> {
    BTreeMap::from([(
        "x".to_string(),
        ClearValue::SecretInteger(SecretInteger::from(i as i64)),
    )])
}

fn blob() -> BTreeMap<String, ClearValue> {
    let mut bytes = vec![0u8; 1 << 20];
    rand::rng().fill_bytes(&mut bytes);
    BTreeMap::from([(
        "b".to_string(),
        ClearValue::SecretBlob(SecretBlob::new(bytes)),
    )])
}

async fn ours(devnet: &Devnet, payer_key: &UserKey, sizes: Sizes) -> Result<Figures, String> {
    let client = funded_client(devnet, payer_key).await?;
    let mut integer_times = Vec::new();
    for i in 0..sizes.iterations {
        integer_times.push(pair(&client, integer(i)).await?);
    }
    let mut blob_times = Vec::new();
    for _ in 0..sizes.blob_iterations {
        blob_times.push(pair(&client, blob()).await?);
    }
    let mut clients = Vec::new();
    for _ in 0..CONCURRENCY {
        clients.push(Arc::new(funded_client(devnet, payer_key).await?));
    }
    let start = Instant::now();
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|client| {
            tokio::spawn(async move {
                for i in 0..sizes.concurrent_pairs {
                    pair(&client, integer(i)).await?;
                }
                Ok::<_, String>(())
            })
        })
        .collect();
    for task in tasks {
        task.await.map_err(|e| e.to_string())??;
    }
    let pairs_per_second =
        (CONCURRENCY * sizes.concurrent_pairs) as f64 / start.elapsed().as_secs_f64();
    Ok(Figures {
        integer: integer_times,
        blob: blob_times,
        pairs_per_second,
    })
}

fn official(
    python: &str,
    devnet: &Devnet,
    payer_key: &str,
    sizes: Sizes,
) -> Result<Figures, String> {
    let request = json!({
        "bootnode": devnet.bootnode(), "chain": devnet.chain_grpc_endpoint(), "payer_key": payer_key,
        "iterations": sizes.iterations, "blob_iterations": sizes.blob_iterations,
        "concurrency": CONCURRENCY, "concurrent_pairs": sizes.concurrent_pairs,
    });
    let answer = crate::python::run(python, "official_client.py", &request)?;
    let times = |key: &str| -> Vec<Duration> {
        answer[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(Json::as_f64)
                    .map(Duration::from_secs_f64)
                    .collect()
            })
            .unwrap_or_default()
    };
    Ok(Figures {
        integer: times("integer"),
        blob: times("blob"),
        pairs_per_second: answer["pairs_per_second"].as_f64().unwrap_or(0.0),
    })
}

/// The end-to-end rows; the reference column is the official Python SDK when `python` is set.
pub fn rows(python: Option<&str>, sizes: Sizes) -> Result<Vec<Row>, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let devnet = Devnet::start(DevnetConfig {
            free_ports: true,
            ..DevnetConfig::default()
        })
        .await
        .map_err(|e| e.to_string())?;
        let keys = Devnet::funded_keys();
        let ours = ours(&devnet, &keys[0], sizes).await;
        // The official SDK pays with another chain key: concurrent payers must not share one.
        let key_hex = nilvm_transport_tonic::server::devnet::FUNDED_KEYS[1];
        let reference = python.map(|python| official(python, &devnet, key_hex, sizes));
        devnet.stop().await;
        let ours = ours?;
        let reference = match reference {
            Some(Ok(figures)) => Some(figures),
            Some(Err(error)) => {
                eprintln!("official SDK not measured: {error}");
                None
            }
            None => None,
        };
        let pick = |f: &Figures, blob: bool, p: f64| {
            percentile(if blob { &f.blob } else { &f.integer }, p)
        };
        let mut rows = Vec::new();
        for (blob, label) in [(false, "1 secret integer"), (true, "1 MiB blob")] {
            for (p, name) in [(0.5, "median"), (0.99, "p99")] {
                rows.push(Row {
                    what: format!("e2e store + retrieve, {label}, {name} latency"),
                    ours: pick(&ours, blob, p),
                    reference: reference.as_ref().map(|r| pick(r, blob, p)),
                    bound: None,
                    ops_per_second: None,
                });
            }
        }
        let per_pair = |rate: f64| Duration::from_secs_f64(1.0 / rate.max(f64::MIN_POSITIVE));
        rows.push(Row {
            what: format!(
                "e2e throughput, {CONCURRENCY} clients ({:.0} vs {} pairs/s), time per pair",
                ours.pairs_per_second,
                reference
                    .as_ref()
                    .map_or("n/a".into(), |r| format!("{:.0}", r.pairs_per_second))
            ),
            ours: per_pair(ours.pairs_per_second),
            reference: reference.as_ref().map(|r| per_pair(r.pairs_per_second)),
            bound: None,
            ops_per_second: Some(ours.pairs_per_second),
        });
        Ok(rows)
    })
}
