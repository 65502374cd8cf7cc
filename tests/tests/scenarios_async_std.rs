//! The scenario suite on the emulated cluster, async driver under async-std.

use nilvm_tests::harness::AsyncHarness;
use nilvm_tests::scenarios;

macro_rules! scenario {
    ($($name:ident),* $(,)?) => {$(
        #[async_std::test]
        async fn $name() {
            let mut harness = AsyncHarness::new(0x5eed);
            scenarios::$name(&mut harness).await;
        }
    )*};
}

nilvm_tests::for_each_scenario!(scenario);
