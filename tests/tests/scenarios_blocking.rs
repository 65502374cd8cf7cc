//! The scenario suite (app code over `VmClient`) on the emulated cluster, in virtual time:
//! each scenario is the future a `Simulation` runs, its clients on `EmulatedDriver`s.

use nilvm_tests::scenarios;
use nilvm_tests::sim_app::on_simulation;

macro_rules! scenario {
    ($($name:ident),* $(,)?) => {$(
        #[test]
        fn $name() {
            on_simulation(0x5eed, |mut h| async move { scenarios::$name(&mut h).await });
        }
    )*};
}

nilvm_tests::for_each_scenario!(scenario);
