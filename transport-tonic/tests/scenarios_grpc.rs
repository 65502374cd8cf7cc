//! The transport-neutral scenario suite (`nilvm-tests`), unchanged, over loopback gRPC against
//! the devnet. Scenarios that need a virtual clock skip themselves (`can_advance` is false).
#![cfg(feature = "devnet")]
#![allow(clippy::unwrap_used)]

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
use nilvm_tests::scenarios;
use nilvm_transport_tonic::server::devnet::{Devnet, DevnetConfig, FUNDING_UNIL};
use nilvm_transport_tonic::{NilChainPayer, NoPayer, TlsRoots, Transport, wall_clock};

#[derive(Clone)]
struct GrpcUser {
    key: UserKey,
    chain_address: String,
    transport: Transport,
    payer: Arc<NilChainPayer>,
}

struct GrpcHarness {
    devnet: Devnet,
    bootstrap: Transport,
    cluster: Cluster,
    next_user: u64,
}

impl GrpcHarness {
    async fn start() -> Self {
        let devnet = Devnet::start(DevnetConfig::free_ports()).await.unwrap();
        let bootstrap = Transport::bootstrap(devnet.bootnode(), &TlsRoots::default()).unwrap();
        let cluster = bootstrap
            .drive(discover_cluster(wall_clock(), Default::default()), &NoPayer)
            .await
            .unwrap();
        Self {
            devnet,
            bootstrap,
            cluster,
            next_user: 0,
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
        let key = seeded_key(self.next_user, 0);
        let chain_key = seeded_key(self.next_user, 1);
        let chain_address = nillion_address(&chain_key.public_key()).unwrap();
        self.devnet.fund(&chain_address, FUNDING_UNIL);
        let payer = NilChainPayer::for_network(&self.devnet.network(), chain_key).unwrap();
        let tokens = TokenCache::new(key.clone(), [self.next_user as u8; 32]);
        let transport = self
            .bootstrap
            .for_cluster(&self.cluster, &TlsRoots::default(), tokens)
            .unwrap();
        GrpcUser {
            key,
            chain_address,
            transport,
            payer: Arc::new(payer),
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
        self.devnet
            .backend()
            .cluster()
            .chain()
            .account(&user.chain_address)
            .map(|a| a.sequence)
            .unwrap_or(0)
    }
}

macro_rules! scenario {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let mut harness = GrpcHarness::start().await;
            scenarios::$name(&mut harness).await;
            harness.devnet.stop().await;
        }
    )*};
}

nilvm_tests::for_each_scenario!(scenario);
