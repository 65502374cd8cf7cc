//! The transport-neutral harness the scenarios are written against, and its implementations
//! over the emulated cluster (blocking and async drivers).
//!
//! A gRPC implementation needs the same five things: make a user (with a funded chain key),
//! the operation context, the clock, run an operation, and add funds. `advance` moves a virtual
//! clock; a real-time transport may skip scenarios that need it ([`Harness::can_advance`]).

use nilvm_core::identity::UserId;
use nilvm_core::operations::{Operation, OperationContext, OperationError};
use nilvm_core::payments::PaymentMode;
use nilvm_core::time::{Duration, Timestamp};
use nilvm_transport_mock::{
    AddFunds, Client, ClusterConfig, Emulator, NetworkConfig, SharedEmulator,
};

/// What a scenario needs from a transport.
#[allow(async_fn_in_trait)]
pub trait Harness {
    /// A user: the key behind its auth tokens and a funded chain key.
    type User: Clone;

    /// A new user.
    fn new_user(&mut self) -> Self::User;

    /// The user's id.
    fn user_id(&self, user: &Self::User) -> UserId;

    /// The operation context for the cluster, paying as `mode` says.
    fn context(&self, mode: PaymentMode) -> OperationContext;

    /// The client's clock.
    fn now(&self) -> Timestamp;

    /// Whether [`Harness::advance`] moves time (virtual clocks only).
    fn can_advance(&self) -> bool;

    /// Lets time pass.
    async fn advance(&mut self, by: Duration);

    /// Runs an operation as `user`.
    async fn run<O>(&mut self, user: &Self::User, op: O) -> Result<O::Output, OperationError>
    where
        O: Operation + Send + 'static,
        O::Output: Send + 'static;

    /// Adds `amount_unil` worth of credits to `user`'s balance (paid on chain by `user`).
    async fn add_funds(
        &mut self,
        user: &Self::User,
        amount_unil: u64,
    ) -> Result<(), OperationError>;

    /// How many transactions the user's chain account has sent.
    fn chain_sequence(&self, user: &Self::User) -> u64;
}

fn add_funds_op(emulator: &mut Emulator, user: &Client, amount_unil: u64) -> AddFunds {
    let cluster = emulator.cluster();
    let leader = cluster.leader_id().clone();
    let key = cluster.leader_key();
    let nonce = emulator.random_bytes();
    AddFunds::new(
        emulator.now(),
        &leader,
        &key,
        user.user_id(),
        amount_unil,
        nonce,
    )
}

fn sequence(emulator: &Emulator, user: &Client) -> u64 {
    nilvm_core::payments::nillion_address(&user.chain_key().public_key())
        .ok()
        .and_then(|a| emulator.cluster().chain().account(&a).map(|a| a.sequence))
        .unwrap_or(0)
}

/// The emulated cluster, driven by the blocking driver.
#[derive(Debug)]
pub struct BlockingHarness {
    /// The emulator.
    pub emulator: Emulator,
}

impl BlockingHarness {
    /// A healthy 3-node cluster on a perfect network.
    pub fn new(seed: u64) -> Self {
        Self::with(ClusterConfig::default(), NetworkConfig::default(), seed)
    }

    /// A cluster and network of your choice.
    pub fn with(config: ClusterConfig, network: NetworkConfig, seed: u64) -> Self {
        let emulator = Emulator::new(config, network, seed).expect("a valid cluster config");
        Self { emulator }
    }
}

impl Harness for BlockingHarness {
    type User = Client;

    fn new_user(&mut self) -> Client {
        self.emulator.new_client()
    }

    fn user_id(&self, user: &Client) -> UserId {
        user.user_id()
    }

    fn context(&self, mode: PaymentMode) -> OperationContext {
        self.emulator.cluster().operation_context(mode)
    }

    fn now(&self) -> Timestamp {
        self.emulator.now()
    }

    fn can_advance(&self) -> bool {
        true
    }

    async fn advance(&mut self, by: Duration) {
        self.emulator.advance(by);
    }

    async fn run<O>(&mut self, user: &Client, op: O) -> Result<O::Output, OperationError>
    where
        O: Operation + Send + 'static,
        O::Output: Send + 'static,
    {
        self.emulator.run(user, op)
    }

    async fn add_funds(&mut self, user: &Client, amount_unil: u64) -> Result<(), OperationError> {
        let op = add_funds_op(&mut self.emulator, user, amount_unil);
        self.emulator.run(user, op)
    }

    fn chain_sequence(&self, user: &Client) -> u64 {
        sequence(&self.emulator, user)
    }
}

/// The emulated cluster, driven by the async driver (any executor).
#[derive(Clone, Debug)]
pub struct AsyncHarness {
    /// The shared emulator.
    pub emulator: SharedEmulator,
}

impl AsyncHarness {
    /// A healthy 3-node cluster on a perfect network.
    pub fn new(seed: u64) -> Self {
        let emulator = Emulator::new(ClusterConfig::default(), NetworkConfig::default(), seed)
            .expect("a valid cluster config");
        Self {
            emulator: SharedEmulator::new(emulator),
        }
    }
}

impl Harness for AsyncHarness {
    type User = Client;

    fn new_user(&mut self) -> Client {
        self.emulator.lock().new_client()
    }

    fn user_id(&self, user: &Client) -> UserId {
        user.user_id()
    }

    fn context(&self, mode: PaymentMode) -> OperationContext {
        self.emulator.lock().cluster().operation_context(mode)
    }

    fn now(&self) -> Timestamp {
        self.emulator.lock().now()
    }

    fn can_advance(&self) -> bool {
        true
    }

    async fn advance(&mut self, by: Duration) {
        self.emulator.lock().advance(by);
    }

    async fn run<O>(&mut self, user: &Client, op: O) -> Result<O::Output, OperationError>
    where
        O: Operation + Send + 'static,
        O::Output: Send + 'static,
    {
        self.emulator.run(user, op).await
    }

    async fn add_funds(&mut self, user: &Client, amount_unil: u64) -> Result<(), OperationError> {
        let op = add_funds_op(&mut self.emulator.lock(), user, amount_unil);
        self.emulator.run(user, op).await
    }

    fn chain_sequence(&self, user: &Client) -> u64 {
        sequence(&self.emulator.lock(), user)
    }
}

/// Runs a future to completion on the current thread, without a runtime (the scenarios under
/// the blocking driver never wait on anything external).
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
}
