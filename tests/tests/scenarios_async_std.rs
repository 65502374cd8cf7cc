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
