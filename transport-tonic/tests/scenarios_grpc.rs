//! The scenario suite (`nilvm-tests`), the same app code as on the emulated cluster, over
//! loopback gRPC against the devnet; the time-dependent scenarios move the clock the devnet
//! and the clients share (`AdvancingClock`).
#![cfg(feature = "devnet")]
#![allow(clippy::unwrap_used)]

mod common;

use common::grpc_harness::GrpcHarness;
use nilvm_tests::scenarios;

macro_rules! scenario {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let mut harness = GrpcHarness::start().await;
            scenarios::$name(&mut harness).await;
            harness.stop().await;
        }
    )*};
}

nilvm_tests::for_each_scenario!(scenario);
