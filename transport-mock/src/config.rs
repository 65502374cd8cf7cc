//! Settings of an emulated cluster. The defaults are the official devnet's
//! (docs/payments-and-devnet.md §3, §4).

use nilvm_core::cluster::Prime;
use nilvm_core::time::Duration;

/// Everything that shapes an emulated cluster's behaviour (not the network: see
/// [`NetworkConfig`](crate::NetworkConfig)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterConfig {
    /// How many nodes (the devnet allows 3..=99; one node is allowed here for unit tests).
    pub node_count: usize,
    /// The field secrets are shared in.
    pub prime: Prime,
    /// The Shamir degree `t` (the devnet uses 1).
    pub polynomial_degree: u32,
    /// Node key `i` is SHA-256(`"<key_seed>:<i>"`), as in the devnet.
    pub key_seed: String,
    /// The chain id transactions are signed for.
    pub chain_id: String,
    /// Price of every paid operation, in US cents (= credits).
    pub price_credits: u64,
    /// Credits per NIL (= the token price in US cents).
    pub credits_per_nil: u64,
    /// The smallest add-funds payment, in credits.
    pub minimum_add_funds_credits: u64,
    /// How long a quote stays valid.
    pub quote_ttl: Duration,
    /// How long a receipt stays valid.
    pub receipt_ttl: Duration,
    /// A balance row is dropped this long after its last change.
    pub balance_expiration: Duration,
    /// The largest payload a quote may declare (bytes).
    pub max_payload_size: u64,
    /// How long a computation runs once every node has its inputs (virtual time).
    pub compute_duration: Duration,
    /// How long a computation waits for every node's inputs before failing.
    pub compute_gather_timeout: Duration,
    /// Results are forgotten this long after the computation was invoked.
    pub results_ttl: Duration,
    /// A results stream repeats `waiting_computation` this often.
    pub waiting_interval: Duration,
}

/// One day.
pub const DAY: Duration = Duration::from_secs(24 * 3600);

impl Default for ClusterConfig {
    fn default() -> Self {
        Self {
            node_count: 3,
            prime: Prime::U256,
            polynomial_degree: 1,
            key_seed: "nillion-devnet".into(),
            chain_id: nilvm_core::payments::chain_tx::DEVNET_CHAIN_ID.into(),
            price_credits: 100,
            credits_per_nil: 100,
            minimum_add_funds_credits: 1,
            quote_ttl: DAY,
            receipt_ttl: DAY,
            balance_expiration: Duration::from_secs(365 * 24 * 3600),
            max_payload_size: 6 * 1024 * 1024,
            compute_duration: Duration::ZERO,
            compute_gather_timeout: Duration::from_secs(120),
            results_ttl: DAY,
            waiting_interval: Duration::from_secs(30),
        }
    }
}

impl ClusterConfig {
    /// The on-chain price of an operation in unil: `price_cents / credits_per_nil × 10^6`.
    pub fn price_unil(&self) -> u64 {
        let unil = u128::from(self.price_credits) * 1_000_000;
        u64::try_from(unil / u128::from(self.credits_per_nil.max(1))).unwrap_or(u64::MAX)
    }
}
