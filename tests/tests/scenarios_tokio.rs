//! The scenario suite on the emulated cluster, async driver under tokio (multi-threaded, with
//! several scenarios sharing one emulator concurrently).

use nilvm_tests::harness::AsyncHarness;
use nilvm_tests::scenarios;

macro_rules! scenario {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let mut harness = AsyncHarness::new(0x5eed);
            scenarios::$name(&mut harness).await;
        }
    )*};
}

nilvm_tests::for_each_scenario!(scenario);

/// Tasks share one emulator and one virtual clock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_scenarios_share_one_emulator() {
    let harness = AsyncHarness::new(7);
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let mut h = harness.clone();
        tasks.push(tokio::spawn(async move {
            scenarios::store_retrieve_delete(&mut h).await;
            scenarios::multi_party_compute(&mut h).await;
        }));
    }
    for task in tasks {
        task.await.expect("scenario task");
    }
}
