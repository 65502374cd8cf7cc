//! Simulated operations per second: store one secret integer, then retrieve it, on a 5-node
//! emulated cluster over a perfect in-memory network (paid from the balance).
//!
//! `cargo bench -p nilvm-transport-mock --bench store_retrieve` (`NILVM_BENCH_ITERATIONS` to
//! change the count).

use std::collections::BTreeMap;
use std::time::Instant;

use nilvm_core::operations::retrieve_values::retrieve_values;
use nilvm_core::operations::store_values::{StoreValuesInput, store_values};
use nilvm_core::payments::PaymentMode;
use nilvm_core::permissions::Permissions;
use nilvm_core::values::{ClearValue, SecretInteger};
use nilvm_transport_mock::{ClusterConfig, Emulator, NetworkConfig};
use rand::SeedableRng;
use rand::rngs::StdRng;

fn main() {
    let iterations: u64 = std::env::var("NILVM_BENCH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let config = ClusterConfig {
        node_count: 5,
        ..ClusterConfig::default()
    };
    let mut emulator = Emulator::new(config, NetworkConfig::default(), 1).expect("a valid cluster");
    let client = emulator.new_client();
    let now = emulator.now();
    emulator
        .cluster_mut()
        .leader_mut()
        .set_balance(now, client.user_id(), u64::MAX / 2);
    let context = emulator
        .cluster()
        .operation_context(PaymentMode::FromBalance);
    let mut rng = StdRng::seed_from_u64(2);
    let started = Instant::now();
    let virtual_start = emulator.now();
    for i in 0..iterations {
        let value = ClearValue::SecretInteger(SecretInteger::from(i as i64));
        let input = StoreValuesInput {
            values: BTreeMap::from([("x".to_string(), value.clone())]),
            ttl_days: None,
            permissions: Some(Permissions::defaults_for_user(client.user_id())),
            update: None,
        };
        let op = store_values(emulator.now(), &context, input, &mut rng).expect("input");
        let id = emulator.run(&client, op).expect("store");
        let op = retrieve_values(emulator.now(), &context, id);
        let back = emulator.run(&client, op).expect("retrieve");
        assert_eq!(back.get("x"), Some(&value));
    }
    let elapsed = started.elapsed().as_secs_f64();
    let operations = (iterations * 2) as f64;
    let virtual_elapsed = emulator
        .now()
        .duration_since(virtual_start)
        .unwrap_or_default()
        .as_secs_f64();
    println!(
        "store+retrieve of one secret integer, 5 nodes: {iterations} pairs in {elapsed:.3} s \
         = {:.0} simulated operations/s ({:.0} store+retrieve pairs/s); {:.1} s of virtual time",
        operations / elapsed,
        iterations as f64 / elapsed,
        virtual_elapsed
    );
}
