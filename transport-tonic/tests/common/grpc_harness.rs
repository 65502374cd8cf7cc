//! The transport-neutral [`Harness`] over loopback gRPC: against an in-process devnet, or
//! against a cluster already running elsewhere whose users are prefunded (the reference node,
//! for a local check: docs/node-checks.md §1).
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;

use nilvm_core::auth::TokenCache;
use nilvm_core::cluster::Cluster;
use nilvm_core::identity::{UserId, UserKey};
use nilvm_core::operations::add_funds::add_funds;
use nilvm_core::operations::discover_cluster::discover_cluster;
use nilvm_core::operations::{Operation, OperationContext, OperationError};
use nilvm_core::payments::PaymentMode;
use nilvm_core::payments::chain_tx::nillion_address;
use nilvm_core::time::{Duration, Timestamp};
use nilvm_tests::harness::Harness;
use nilvm_transport_tonic::server::devnet::{Devnet, DevnetConfig, FUNDING_UNIL};
use nilvm_transport_tonic::{NilChainPayer, NoPayer, Payer, TlsRoots, Transport, wall_clock};

/// A user: its key, and how it pays (on the devnet's chain, or never: from its balance).
#[derive(Clone)]
pub struct GrpcUser {
    key: UserKey,
    chain_address: String,
    transport: Transport,
    payer: Arc<dyn Payer>,
}

/// The harness: a devnet it started and stops, or an external cluster with prefunded keys.
pub struct GrpcHarness {
    /// The devnet, when the harness started one.
    pub devnet: Option<Devnet>,
    bootstrap: Transport,
    cluster: Cluster,
    next_user: u64,
    prefunded: Vec<UserKey>,
}

impl GrpcHarness {
    /// A devnet on free ports.
    pub async fn start() -> Self {
        let devnet = Devnet::start(DevnetConfig::free_ports()).await.unwrap();
        let mut harness = Self::connect(devnet.bootnode(), Vec::new()).await;
        harness.devnet = Some(devnet);
        harness
    }

    /// A running cluster reached at `bootnode`, whose users are `prefunded` (they pay from
    /// their balance; nothing is paid on chain).
    pub async fn connect(bootnode: &str, prefunded: Vec<UserKey>) -> Self {
        let bootstrap = Transport::bootstrap(bootnode, &TlsRoots::default()).unwrap();
        let cluster = bootstrap
            .drive(discover_cluster(wall_clock(), Default::default()), &NoPayer)
            .await
            .unwrap();
        Self {
            devnet: None,
            bootstrap,
            cluster,
            next_user: 0,
            prefunded,
        }
    }

    /// Stops the devnet, if the harness started one.
    pub async fn stop(self) {
        if let Some(devnet) = self.devnet {
            devnet.stop().await;
        }
    }
}

fn seeded_key(seed: u64, salt: u8) -> UserKey {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    hasher.update(seed.to_le_bytes());
    hasher.update([salt]);
    UserKey::from_bytes(&hasher.finalize().into()).unwrap()
}

impl Harness for GrpcHarness {
    type User = GrpcUser;

    fn new_user(&mut self) -> GrpcUser {
        self.next_user += 1;
        let (key, chain_address, payer): (UserKey, String, Arc<dyn Payer>) = match &self.devnet {
            Some(devnet) => {
                let chain_key = seeded_key(self.next_user, 1);
                let chain_address = nillion_address(&chain_key.public_key()).unwrap();
                devnet.fund(&chain_address, FUNDING_UNIL);
                let payer = NilChainPayer::for_network(&devnet.network(), chain_key).unwrap();
                (
                    seeded_key(self.next_user, 0),
                    chain_address,
                    Arc::new(payer),
                )
            }
            None => {
                let index = usize::try_from(self.next_user - 1).unwrap();
                let key = self
                    .prefunded
                    .get(index)
                    .expect("a prefunded key per user")
                    .clone();
                (key, String::new(), Arc::new(NoPayer))
            }
        };
        let tokens = TokenCache::new(key.clone(), [self.next_user as u8; 32]);
        let transport = self
            .bootstrap
            .for_cluster(&self.cluster, &TlsRoots::default(), tokens)
            .unwrap();
        GrpcUser {
            key,
            chain_address,
            transport,
            payer,
        }
    }

    fn user_id(&self, user: &GrpcUser) -> UserId {
        user.key.user_id()
    }

    fn context(&self, mode: PaymentMode) -> OperationContext {
        OperationContext::new(&self.cluster)
            .unwrap()
            .with_payment_mode(mode)
    }

    fn now(&self) -> Timestamp {
        wall_clock()
    }

    fn can_advance(&self) -> bool {
        false
    }

    async fn advance(&mut self, _by: Duration) {}

    async fn run<O>(&mut self, user: &GrpcUser, op: O) -> Result<O::Output, OperationError>
    where
        O: Operation + Send + 'static,
        O::Output: Send + 'static,
    {
        user.transport.drive(op, user.payer.as_ref()).await
    }

    async fn add_funds(&mut self, user: &GrpcUser, amount_unil: u64) -> Result<(), OperationError> {
        let context = self.context(PaymentMode::FromBalance);
        let op = add_funds(
            wall_clock(),
            &context,
            user.key.user_id(),
            amount_unil,
            true,
            &mut rand::rng(),
        );
        self.run(user, op).await
    }

    fn chain_sequence(&self, user: &GrpcUser) -> u64 {
        let Some(devnet) = &self.devnet else {
            return 0;
        };
        devnet
            .backend()
            .cluster()
            .chain()
            .account(&user.chain_address)
            .map(|a| a.sequence)
            .unwrap_or(0)
    }
}
