//! The emulated-cluster row of the runner (store + retrieve of one secret integer on 5 nodes),
//! for a profiler: `valgrind --tool=callgrind target/release/examples/profile_cluster 20`.

use std::collections::BTreeMap;

use nilvm_core::operations::retrieve_values::retrieve_values;
use nilvm_core::operations::store_values::{StoreValuesInput, store_values};
use nilvm_core::payments::PaymentMode;
use nilvm_core::permissions::Permissions;
use nilvm_core::values::{ClearValue, SecretInteger};
use nilvm_transport_mock::{ClusterConfig, Emulator, NetworkConfig};
use rand::SeedableRng;
use rand::rngs::StdRng;

fn main() {
    let pairs: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20);
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
        assert_eq!(back.get("x"), Some(&value));
    }
}
