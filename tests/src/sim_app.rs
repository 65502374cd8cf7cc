//! [`AppHarness`] on the emulated cluster in virtual time: every client runs over its user's
//! [`EmulatedDriver`], and the scenario itself is the future the [`Simulation`] runs.

use std::future::Future;

use nilvm_client::VmClient;
use nilvm_core::payments::{PaymentMode, nillion_address};
use nilvm_core::time::Duration;
use nilvm_transport_mock::{
    Client, ClusterConfig, EmulatedDriver, NetworkConfig, SimHandle, Simulation,
};

use crate::app::AppHarness;

/// Users and clients of one simulation (made through its handle, so usable while it runs).
#[derive(Clone, Debug)]
pub struct SimHarness {
    /// The simulation's handle.
    pub sim: SimHandle,
}

impl AppHarness for SimHarness {
    type Driver = EmulatedDriver;
    type User = Client;

    fn new_user(&mut self) -> Client {
        self.sim.new_client()
    }

    async fn connect(&mut self, user: &Client, mode: PaymentMode) -> VmClient<EmulatedDriver> {
        VmClient::builder(self.sim.driver(user), user.key().clone())
            .payment_mode(mode)
            .build()
            .await
            .expect("connects to the emulated cluster")
    }

    fn can_advance(&self) -> bool {
        true
    }

    async fn advance(&mut self, by: Duration) {
        let at = self.sim.now().saturating_add(by);
        self.sim.sleep_until(at).await;
    }

    fn chain_sequence(&self, user: &Client) -> u64 {
        nillion_address(&user.chain_key().public_key())
            .ok()
            .and_then(|a| self.sim.cluster().chain().account(&a).map(|a| a.sequence))
            .unwrap_or(0)
    }
}

/// Runs `scenario` on a healthy 3-node cluster on a perfect network, in virtual time.
pub fn on_simulation<F, Fut>(seed: u64, scenario: F) -> Fut::Output
where
    F: FnOnce(SimHarness) -> Fut,
    Fut: Future,
{
    let mut sim = Simulation::new(ClusterConfig::default(), NetworkConfig::default(), seed)
        .expect("a valid cluster config");
    let harness = SimHarness { sim: sim.handle() };
    sim.block_on(scenario(harness))
        .expect("the scenario neither deadlocks nor runs out of time")
}
