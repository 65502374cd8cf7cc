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

scenario!(
    free_operations,
    store_retrieve_delete,
    update_replaces_values,
    permissions,
    expired_quote,
    values_expire,
    balance_fallback_then_add_funds,
    multi_party_compute,
    ecdsa_dkg_then_sign,
);
