//! The drivers: blocking, and async under tokio and async-std (the crate needs no runtime).

use nilvm_core::operations::Target;
use nilvm_core::operations::node_version::node_version;
use nilvm_core::operations::pool_status::pool_status;
use nilvm_core::payments::PaymentMode;
use nilvm_transport_mock::{ClusterConfig, Emulator, NetworkConfig, SharedEmulator};

fn emulator() -> Emulator {
    Emulator::new(ClusterConfig::default(), NetworkConfig::default(), 3).expect("cluster")
}

async fn pool_status_twice(shared: SharedEmulator) {
    let client = shared.lock().new_client();
    let context = shared
        .lock()
        .cluster()
        .operation_context(PaymentMode::FromBalance);
    let now = shared.lock().now();
    let status = shared
        .run(&client, pool_status(now, &context))
        .await
        .expect("pool status");
    assert!(!status.offsets.is_empty());
    let now = shared.lock().now();
    let version = shared
        .run(
            &client,
            node_version(now, Target::Bootnode, Default::default()),
        )
        .await
        .expect("version");
    assert_eq!(version.git_hash, "nilvm-transport-mock");
}

#[test]
fn blocking() {
    let mut emulator = emulator();
    let client = emulator.new_client();
    let context = emulator
        .cluster()
        .operation_context(PaymentMode::FromBalance);
    let status = emulator
        .run(&client, pool_status(emulator.now(), &context))
        .expect("pool status");
    assert!(!status.offsets.is_empty());
}

#[tokio::test]
async fn tokio_current_thread() {
    pool_status_twice(SharedEmulator::new(emulator())).await;
}

#[async_std::test]
async fn async_std() {
    pool_status_twice(SharedEmulator::new(emulator())).await;
}

#[test]
fn same_seed_same_trace() {
    let run = || {
        let mut emulator = Emulator::new(
            ClusterConfig::default(),
            NetworkConfig {
                max_latency: std::time::Duration::from_millis(300),
                reordering: 0.5,
                duplication: 0.3,
                ..NetworkConfig::default()
            },
            11,
        )
        .expect("cluster");
        emulator.enable_trace();
        let client = emulator.new_client();
        let context = emulator
            .cluster()
            .operation_context(PaymentMode::FromBalance);
        let _ = emulator.run(&client, pool_status(emulator.now(), &context));
        (emulator.trace_hash(), emulator.trace())
    };
    assert_eq!(run(), run());
}
