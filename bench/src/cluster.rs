//! The emulated cluster: simulated store + retrieve of one secret integer on 5 nodes over a
//! perfect in-memory network, paid from the balance.

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

use crate::table::Row;

/// Stores then retrieves one secret integer `pairs` times on a fresh 5-node emulated cluster
/// (perfect network, paid from the balance), checking every value read back.
pub fn store_retrieve_pairs(pairs: u32) {
    let config = ClusterConfig {
        node_count: 5,
        ..ClusterConfig::default()
    };
    let mut emulator = Emulator::new(config, NetworkConfig::default(), 1).expect("a valid cluster");
    let client = emulator.new_client();
    let now = emulator.now();
    emulator
        .cluster()
        .leader()
        .set_balance(now, client.user_id(), u64::MAX / 2);
    let context = emulator
        .cluster()
        .operation_context(PaymentMode::FromBalance);
    let mut rng = StdRng::seed_from_u64(2);
    for i in 0..pairs {
        let value = ClearValue::SecretInteger(SecretInteger::from(i64::from(i)));
        let input = StoreValuesInput {
            values: BTreeMap::from([("x".to_string(), value.clone())]),
            ttl_days: None,
            permissions: Some(Permissions::defaults_for_user(client.user_id())),
            update: None,
        };
        let op = store_values(emulator.now(), &context, input, &mut rng).expect("valid input");
        let id = emulator.run(&client, op).expect("store works");
        let back = emulator
            .run(&client, retrieve_values(emulator.now(), &context, id))
            .expect("retrieve works");
        assert_eq!(
            back.get("x"),
            Some(&value),
            "the emulated cluster returned a wrong value"
        );
    }
}

/// One row: time per simulated operation (store or retrieve).
pub fn rows(pairs: u32) -> Vec<Row> {
    let started = Instant::now();
    store_retrieve_pairs(pairs);
    let per_operation = started.elapsed() / (2 * pairs.max(1));
    let rate = 1.0 / per_operation.as_secs_f64();
    vec![Row {
        what: format!(
            "emulated cluster: store or retrieve, 1 secret integer, 5 nodes ({rate:.0} ops/s), per operation"
        ),
        ours: per_operation,
        reference: None,
        bound: None,
        ops_per_second: Some(rate),
    }]
}
