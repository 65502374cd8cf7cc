//! The scenario suite on the emulated cluster, blocking driver.

use nilvm_tests::harness::{BlockingHarness, block_on};
use nilvm_tests::scenarios;

macro_rules! scenario {
    ($($name:ident),* $(,)?) => {$(
        #[test]
        fn $name() {
            let mut harness = BlockingHarness::new(0x5eed);
            block_on(scenarios::$name(&mut harness));
        }
    )*};
}

nilvm_tests::for_each_scenario!(scenario);
