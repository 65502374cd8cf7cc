//! What an app's tests need from a transport: users, clients connected over it, and time.
//!
//! The scenarios ([`crate::scenarios`]) are app code written against
//! [`VmClient`]; each transport implements [`AppHarness`] once (the
//! emulated cluster in virtual time, the devnet over loopback gRPC with a clock the test moves,
//! a cluster running elsewhere) and runs every scenario unchanged.

use nilvm_client::VmClient;
use nilvm_core::drive::Driver;
use nilvm_core::payments::PaymentMode;
use nilvm_core::time::Duration;

/// Users, their clients and time, on one transport.
#[allow(async_fn_in_trait)]
pub trait AppHarness {
    /// What a client runs on.
    type Driver: Driver;
    /// A user: a key, and a chain account that pays for it (funded by the harness).
    type User: Clone;

    /// A new user.
    fn new_user(&mut self) -> Self::User;

    /// `user`'s client, connected over this transport, paying as `mode` says.
    async fn connect(&mut self, user: &Self::User, mode: PaymentMode) -> VmClient<Self::Driver>;

    /// Whether [`AppHarness::advance`] moves the clock the nodes and clients read (false for a
    /// cluster the test does not control).
    fn can_advance(&self) -> bool;

    /// Lets `by` pass for the nodes and the clients.
    async fn advance(&mut self, by: Duration);

    /// How many transactions `user`'s chain account has sent.
    fn chain_sequence(&self, user: &Self::User) -> u64;
}

/// A new user with a client paying from its balance (falling back to the chain).
pub async fn new_client<H: AppHarness>(h: &mut H) -> (H::User, VmClient<H::Driver>) {
    let user = h.new_user();
    let client = h.connect(&user, PaymentMode::FromBalance).await;
    (user, client)
}
