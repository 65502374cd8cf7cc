//! [`SimHandle`]: what code running inside a simulation may use of it (make users, read the
//! clock and the cluster) while the simulation itself runs that code.

use std::future::Future;
use std::sync::{Arc, Mutex};

use nilvm_core::identity::UserKey;
use nilvm_core::payments::nillion_address;
use nilvm_core::time::Timestamp;

use super::EmulatedDriver;
use crate::cluster::Cluster;
use crate::driver::Client;
use crate::emulator::Network;
use crate::lock;

/// What every new user's chain account starts with, in unil.
const FUNDING_UNIL: u64 = 1_000_000_000_000;

/// A handle on a [`super::Simulation`], cheap to clone and `Send`: hand it to the tasks.
#[derive(Clone)]
pub struct SimHandle {
    pub(super) net: Arc<Mutex<Network>>,
    pub(super) cluster: Arc<Cluster>,
}

impl std::fmt::Debug for SimHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimHandle").finish_non_exhaustive()
    }
}

impl SimHandle {
    /// The virtual clock.
    pub fn now(&self) -> Timestamp {
        lock(&self.net).now()
    }

    /// The cluster.
    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }

    /// 32 bytes from the seeded generator.
    pub fn random_bytes(&self) -> [u8; 32] {
        let mut bytes = [0u8; 32];
        lock(&self.net).fill_random(&mut bytes);
        bytes
    }

    /// Resolves once the virtual clock reads `at` (the clock moves there when nothing else
    /// is left to do before).
    pub fn sleep_until(&self, at: Timestamp) -> impl Future<Output = ()> + Send + 'static {
        super::driver::Sleep::new(Arc::clone(&self.net), at)
    }

    /// A new user with a funded chain account (10^12 unil), keys drawn from the seed.
    pub fn new_client(&self) -> Client {
        let client = Client::from_seed(self.random_bytes());
        if let Ok(address) = nillion_address(&client.chain_key().public_key()) {
            // Without a store nothing can fail to be written.
            let _ = self
                .cluster
                .chain_call(|chain| chain.fund(&address, FUNDING_UNIL));
        }
        client
    }

    /// A new funded user and its driver: hand both to a client built over any
    /// [`nilvm_core::drive::Driver`].
    pub fn new_user(&self) -> (EmulatedDriver, UserKey) {
        let client = self.new_client();
        let key = client.key().clone();
        (self.driver(&client), key)
    }

    /// A driver for `client` (its payments are signed with the client's chain key).
    pub fn driver(&self, client: &Client) -> EmulatedDriver {
        EmulatedDriver::new(Arc::clone(&self.net), &self.cluster, client.clone())
    }
}
