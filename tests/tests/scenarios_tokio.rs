//! Scenarios sharing one simulation: tasks of one executor, several users at once on one
//! virtual clock; and a simulation run from inside a tokio test (it needs no runtime).

use nilvm_tests::scenarios;
use nilvm_tests::sim_app::{SimHarness, on_simulation};
use nilvm_transport_mock::{ClusterConfig, NetworkConfig, Simulation};

/// Four tasks run two scenarios each on one cluster, concurrently.
#[test]
fn concurrent_scenarios_share_one_simulation() {
    let mut sim =
        Simulation::new(ClusterConfig::default(), NetworkConfig::default(), 7).expect("cluster");
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let mut h = SimHarness { sim: sim.handle() };
            sim.spawn(async move {
                scenarios::store_retrieve_delete(&mut h).await;
                scenarios::multi_party_compute(&mut h).await;
            })
        })
        .collect();
    sim.run().expect("every task finishes");
    assert!(tasks.iter().all(|task| sim.is_finished(*task)));
}

#[tokio::test]
async fn inside_a_tokio_test() {
    on_simulation(3, |mut h| async move {
        let (_, client) = nilvm_tests::app::new_client(&mut h).await;
        let balance = client.balance().await.expect("balance");
        assert_eq!(balance.balance, 0);
    });
}
