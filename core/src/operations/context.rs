//! What every operation needs to know about the cluster and the caller's choices.

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::cluster::Cluster;
use crate::identity::{NodeId, PublicKey, SharedVerifier, SignatureMemo};
use crate::masking::{PartyId, SecretMasker};

use super::{OperationError, RetryPolicy, Target};
use crate::payments::mode::PaymentMode;
use crate::payments::quote::MaxFee;

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
    /// Refuse quotes above these fees.
    pub max_fee: Option<MaxFee>,
    /// When to re-send failed requests.
    pub retry: RetryPolicy,
    /// Signatures known to be valid, shared with the leader when both live in one process
    /// (an emulated cluster); `None` checks every quote and receipt in full.
    pub signatures: Option<Arc<dyn SignatureMemo>>,
}

impl OperationContext {
    /// The context for a discovered cluster, paying from the balance with the official
    /// clients' retry policy and no price limit.
    pub fn new(cluster: &Cluster) -> Result<Self, OperationError> {
        let members: Vec<NodeId> = cluster
            .members()
            .iter()
            .map(|m| m.node_id().clone())
            .collect();
        let parties = members.iter().map(|m| PartyId::new(m.as_bytes()));
        let masker = SecretMasker::new(
            cluster.prime(),
            u64::from(cluster.polynomial_degree()),
            parties,
        )
        .map_err(|e| OperationError::InvalidInput(alloc::format!("unusable cluster: {e}")))?;
        Ok(Self {
            members,
            leader: cluster.leader().node_id().clone(),
            leader_key: *cluster.leader().public_key(),
            masker,
            payment_mode: PaymentMode::default(),
            max_fee: None,
            retry: RetryPolicy::default(),
            signatures: None,
        })
    }

    /// The leader's key, checked through [`OperationContext::signatures`].
    pub fn leader_verifier(&self) -> SharedVerifier {
        SharedVerifier::new(self.leader_key, self.signatures.clone())
    }

    /// Every member as a request target, in the cluster's order.
    pub fn member_targets(&self) -> Vec<Target> {
        self.members.iter().cloned().map(Target::Node).collect()
    }

    /// Pays as `mode` says.
    pub fn with_payment_mode(mut self, mode: PaymentMode) -> Self {
        self.payment_mode = mode;
        self
    }

    /// Refuses quotes above `max`.
    pub fn with_max_fee(mut self, max: MaxFee) -> Self {
        self.max_fee = Some(max);
        self
    }

    /// Retries as `policy` says.
    pub fn with_retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }
}
