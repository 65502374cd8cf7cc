//! What every operation needs to know about the cluster and the caller's choices.

use alloc::vec::Vec;

use crate::identity::{NodeId, PublicKey};
use crate::masking::SecretMasker;

use super::RetryPolicy;
use super::payment_receipt::PaymentMode;

/// The cluster as operations see it, and how the caller wants to pay and retry.
#[derive(Clone, Debug)]
pub struct OperationContext {
    /// Every member, in the cluster's order; data operations call all of them.
    pub members: Vec<NodeId>,
    /// The leader: quotes, receipts, balances and pool status.
    pub leader: NodeId,
    /// The key the leader signs quotes and receipts with.
    pub leader_key: PublicKey,
    /// Shares values among the members and puts them back together.
    pub masker: SecretMasker,
    /// How paid operations are paid for.
    pub payment_mode: PaymentMode,
    /// Refuse quotes above this many unil.
    pub max_tokens: Option<u64>,
    /// When to re-send failed requests.
    pub retry: RetryPolicy,
}
