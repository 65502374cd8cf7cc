//! The emulated cluster: simulated store + retrieve of secret integers on 5 nodes over a
//! perfect in-memory network, paid from the balance.

use std::collections::BTreeMap;
use std::time::Instant;

use nilvm_core::operations::OperationContext;
use nilvm_core::operations::retrieve_values::retrieve_values;
use nilvm_core::operations::store_values::{StoreValuesInput, store_values};
use nilvm_core::payments::PaymentMode;
use nilvm_core::permissions::Permissions;
use nilvm_core::values::{ClearValue, SecretInteger};
use nilvm_transport_mock::{Client, ClusterConfig, Emulator, NetworkConfig};
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::table::Row;

/// A fresh 5-node emulated cluster (perfect network) and one client with a large balance.
#[derive(Debug)]
pub struct Cluster {
    emulator: Emulator,
    client: Client,
    context: OperationContext,
    rng: StdRng,
}

impl Cluster {
    /// The cluster, its client funded and its randomness seeded (the same run every time).
    pub fn new() -> Cluster {
        let config = ClusterConfig {
            node_count: 5,
            ..ClusterConfig::default()
        };
        let mut emulator =
            Emulator::new(config, NetworkConfig::default(), 1).expect("a valid cluster");
        let client = emulator.new_client();
        let now = emulator.now();
        emulator
            .cluster()
            .leader()
            .set_balance(now, client.user_id(), u64::MAX / 2);
        let context = emulator
            .cluster()
            .operation_context(PaymentMode::FromBalance);
        let rng = StdRng::seed_from_u64(2);
        Cluster {
            emulator,
            client,
            context,
            rng,
        }
    }

    /// Stores `count` secret integers (from `first` on) in one store, retrieves them and
    /// checks every value read back.
    pub fn pair(&mut self, first: usize, count: usize) {
        let values: BTreeMap<String, ClearValue> = (first..first + count)
            .map(|i| {
                let value = SecretInteger::from(i as i64);
                (format!("v{i:05}"), ClearValue::SecretInteger(value))
            })
            .collect();
        let input = StoreValuesInput {
            values: values.clone(),
            ttl_days: None,
            permissions: Some(Permissions::defaults_for_user(self.client.user_id())),
            update: None,
        };
        let (emulator, context) = (&mut self.emulator, &self.context);
        let op = store_values(emulator.now(), context, input, &mut self.rng).expect("valid input");
        let id = emulator.run(&self.client, op).expect("store works");
        let back = emulator
            .run(&self.client, retrieve_values(emulator.now(), context, id))
            .expect("retrieve works");
        assert_eq!(back, values, "the emulated cluster returned wrong values");
    }
}

impl Default for Cluster {
    fn default() -> Self {
        Cluster::new()
    }
}

/// Stores then retrieves one secret integer `pairs` times on a fresh 5-node emulated cluster
/// (perfect network, paid from the balance), checking every value read back.
pub fn store_retrieve_pairs(pairs: u32) {
    let mut cluster = Cluster::new();
    for i in 0..pairs {
        cluster.pair(i as usize, 1);
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
        growth: None,
    }]
}
