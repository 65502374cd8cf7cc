//! The harnesses over loopback gRPC, against an in-process devnet (on a clock the test moves)
//! or against a cluster already running elsewhere whose users are prefunded (the reference
//! node, for a local check: docs/node-checks.md §1).
//!
//! - [`AppHarness`]: clients ([`VmClient`] on the [`GrpcDriver`]) for the scenarios;
//! - [`Harness`]: raw core operations driven by the same driver, for the parity probes.
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;

use nilvm_client::{UserTokens, VmClient};
use nilvm_core::auth::TokenCache;
use nilvm_core::cluster::Cluster;
use nilvm_core::drive::{Endpoints, Session, drive};
use nilvm_core::identity::{UserId, UserKey};
use nilvm_core::operations::add_funds::add_funds;
use nilvm_core::operations::discover_cluster::discover_cluster;
use nilvm_core::operations::{Operation, OperationContext, OperationError};
use nilvm_core::payments::PaymentMode;
use nilvm_core::payments::chain_tx::nillion_address;
use nilvm_core::time::{Duration, Timestamp};
use nilvm_tests::app::AppHarness;
use nilvm_tests::harness::Harness;
use nilvm_transport_tonic::clock::{AdvancingClock, Clock};
use nilvm_transport_tonic::server::devnet::{Devnet, DevnetConfig, FUNDING_UNIL};
use nilvm_transport_tonic::{GrpcDriver, NilChainPayer, NoPayer, Payer, TlsRoots};

/// A user: its key, its driver (which pays on the devnet's chain, or never), its tokens.
#[derive(Clone)]
pub struct GrpcUser {
    key: UserKey,
    chain_address: String,
    driver: GrpcDriver,
    tokens: Arc<UserTokens>,
}

/// The harness: a devnet it started and stops, or an external cluster with prefunded keys.
pub struct GrpcHarness {
    /// The devnet, when the harness started one.
    pub devnet: Option<Devnet>,
    bootnode: String,
    clock: AdvancingClock,
    cluster: Cluster,
    endpoints: Endpoints,
    next_user: u64,
    prefunded: Vec<UserKey>,
}

impl GrpcHarness {
    /// A devnet on free ports, on a clock the harness moves.
    pub async fn start() -> Self {
        let clock = AdvancingClock::new();
        let devnet = Devnet::start(DevnetConfig {
            clock: clock.clock(),
            ..DevnetConfig::free_ports()
        })
        .await
        .unwrap();
        let mut harness = Self::connect_with(devnet.bootnode(), Vec::new(), clock).await;
        harness.devnet = Some(devnet);
        harness
    }

    /// A running cluster reached at `bootnode`, whose users are `prefunded` (they pay from
    /// their balance; nothing is paid on chain).
    pub async fn connect(bootnode: &str, prefunded: Vec<UserKey>) -> Self {
        Self::connect_with(bootnode, prefunded, AdvancingClock::new()).await
    }

    async fn connect_with(bootnode: &str, prefunded: Vec<UserKey>, clock: AdvancingClock) -> Self {
        let driver = GrpcDriver::without_payer(bootnode, TlsRoots::default())
            .unwrap()
            .with_clock(clock.clock());
        let bootstrap = Endpoints::bootstrap();
        let session = Session {
            endpoints: &bootstrap,
            tokens: None,
        };
        let now = clock.clock().now();
        let cluster = drive(&driver, session, discover_cluster(now, Default::default()))
            .await
            .unwrap();
        Self {
            devnet: None,
            bootnode: bootnode.to_owned(),
            endpoints: Endpoints::of(&cluster),
            clock,
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

    fn clock(&self) -> Clock {
        self.clock.clock()
    }

    fn make_user(&mut self) -> GrpcUser {
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
        let driver = GrpcDriver::new(&self.bootnode, TlsRoots::default(), payer)
            .unwrap()
            .with_clock(self.clock());
        let tokens = TokenCache::new(key.clone(), [self.next_user as u8; 32]);
        GrpcUser {
            key,
            chain_address,
            driver,
            tokens: Arc::new(UserTokens::new(tokens)),
        }
    }

    fn sequence_of(&self, user: &GrpcUser) -> u64 {
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

fn seeded_key(seed: u64, salt: u8) -> UserKey {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    hasher.update(seed.to_le_bytes());
    hasher.update([salt]);
    UserKey::from_bytes(&hasher.finalize().into()).unwrap()
}

impl AppHarness for GrpcHarness {
    type Driver = GrpcDriver;
    type User = GrpcUser;

    fn new_user(&mut self) -> GrpcUser {
        self.make_user()
    }

    async fn connect(&mut self, user: &GrpcUser, mode: PaymentMode) -> VmClient<GrpcDriver> {
        VmClient::builder(user.driver.clone(), user.key.clone())
            .payment_mode(mode)
            .build()
            .await
            .unwrap()
    }

    fn can_advance(&self) -> bool {
        self.devnet.is_some()
    }

    async fn advance(&mut self, by: Duration) {
        self.clock.advance(by);
    }

    fn chain_sequence(&self, user: &GrpcUser) -> u64 {
        self.sequence_of(user)
    }
}

impl Harness for GrpcHarness {
    type User = GrpcUser;

    fn new_user(&mut self) -> GrpcUser {
        self.make_user()
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
        self.clock().now()
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
        let session = Session {
            endpoints: &self.endpoints,
            tokens: Some(user.tokens.as_ref()),
        };
        drive(&user.driver, session, op).await
    }

    async fn add_funds(&mut self, user: &GrpcUser, amount_unil: u64) -> Result<(), OperationError> {
        let context = self.context(PaymentMode::FromBalance);
        let op = add_funds(
            self.clock().now(),
            &context,
            user.key.user_id(),
            amount_unil,
            true,
            &mut rand::rng(),
        );
        self.run(user, op).await
    }

    fn chain_sequence(&self, user: &GrpcUser) -> u64 {
        self.sequence_of(user)
    }
}
