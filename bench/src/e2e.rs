//! End to end over loopback gRPC against an in-process devnet: store + retrieve of one secret
//! integer and of a 1 MiB blob (median and p99 latency), and throughput with 16 concurrent
//! clients; our client vs the official Python SDK on the same devnet.

use std::collections::BTreeMap;
use std::time::Duration;

use nilvm_core::identity::UserKey;
use nilvm_core::values::{ClearValue, SecretBlob};
use nilvm_transport_tonic::server::devnet::Devnet;
use rand::Rng;
use serde_json::{Value as Json, json};

use crate::client::{concurrent_round, funded, integer, pair, process_request, with_devnet};
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

fn blob() -> BTreeMap<String, ClearValue> {
    let mut bytes = vec![0u8; 1 << 20];
    rand::rng().fill_bytes(&mut bytes);
    BTreeMap::from([(
        "b".to_string(),
        ClearValue::SecretBlob(SecretBlob::new(bytes)),
    )])
}

async fn ours(devnet: &Devnet, payer_key: &UserKey, sizes: Sizes) -> Result<Figures, String> {
    let network = devnet.network();
    let client = funded(&network, payer_key).await?;
    let mut integer_times = Vec::new();
    for i in 0..sizes.iterations {
        integer_times.push(pair(&client, integer(i)).await?);
    }
    let mut blob_times = Vec::new();
    for _ in 0..sizes.blob_iterations {
        blob_times.push(pair(&client, blob()).await?);
    }
    let round = concurrent_round(&network, payer_key, CONCURRENCY, sizes.concurrent_pairs).await?;
    let pairs_per_second = (CONCURRENCY * sizes.concurrent_pairs) as f64 / round.as_secs_f64();
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
    let mut request = process_request(devnet, payer_key);
    request["iterations"] = json!(sizes.iterations);
    request["blob_iterations"] = json!(sizes.blob_iterations);
    request["concurrency"] = json!(CONCURRENCY);
    request["concurrent_pairs"] = json!(sizes.concurrent_pairs);
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
    with_devnet(async |devnet| {
        let keys = Devnet::funded_keys();
        let ours = ours(devnet, &keys[0], sizes).await?;
        // The official SDK pays with another chain key: concurrent payers must not share one.
        let key_hex = nilvm_transport_tonic::server::devnet::FUNDED_KEYS[1];
        let reference = python.map(|python| official(python, devnet, key_hex, sizes));
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
                    growth: None,
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
            growth: None,
        });
        Ok(rows)
    })
}
