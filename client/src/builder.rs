//! The connect sequence: discover the cluster from the bootnode, read its version, choose the
//! payment mode, and set up the user's tokens. Written once, for every driver.

use std::fmt;

use nilvm_core::auth::TokenCache;
use nilvm_core::drive::{Driver, DriverRng, Endpoints, Session, drive};
use nilvm_core::identity::UserKey;
use nilvm_core::operations::discover_cluster::discover_cluster;
use nilvm_core::operations::node_version::node_version;
use nilvm_core::operations::{OperationContext, RetryPolicy, Target};
use nilvm_core::payments::mode::PaymentMode;
use nilvm_core::payments::quote::MaxFee;
use tracing::Instrument;

use crate::client::VmClient;
use crate::error::ClientError;
use crate::version::NodeVersion;
use nilvm_core::drive::UserTokens;

/// Builds a [`VmClient`]; see [`VmClient::builder`].
pub struct VmClientBuilder<D> {
    driver: D,
    key: UserKey,
    payment_mode: PaymentMode,
    retry: RetryPolicy,
    max_fee: Option<MaxFee>,
    bind_add_funds_to_leader: bool,
}

impl<D> fmt::Debug for VmClientBuilder<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VmClientBuilder")
            .field("user_id", &self.key.user_id())
            .field("payment_mode", &self.payment_mode)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl<D: Driver> VmClientBuilder<D> {
    pub(crate) fn new(driver: D, key: UserKey) -> Self {
        Self {
            driver,
            key,
            payment_mode: PaymentMode::default(),
            retry: RetryPolicy::default(),
            max_fee: None,
            bind_add_funds_to_leader: true,
        }
    }

    /// How operations are paid (default: from the balance, falling back to the chain). Nodes
    /// older than 0.8 have no balances: the client then pays per operation.
    pub fn payment_mode(mut self, mode: PaymentMode) -> Self {
        self.payment_mode = mode;
        self
    }

    /// When to re-send failed requests (default: the official Rust client's policy).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Refuse quotes above `max`.
    pub fn max_fee(mut self, max: MaxFee) -> Self {
        self.max_fee = Some(max);
        self
    }

    /// Whether add-funds payloads name the leader's key (default: yes; leaders older than
    /// March 2025 ignore it).
    pub fn bind_add_funds_to_leader(mut self, bind: bool) -> Self {
        self.bind_add_funds_to_leader = bind;
        self
    }

    /// Connects: discovers the cluster from the driver's bootnode, reads the bootnode's
    /// version (which decides whether balances exist), and sets up the user's tokens.
    pub async fn build(self) -> Result<VmClient<D>, ClientError> {
        let span = tracing::info_span!("connect", user = %self.key.user_id());
        async move {
            let bootstrap = Endpoints::bootstrap();
            let session = Session {
                endpoints: &bootstrap,
                tokens: None,
            };
            let now = self.driver.now();
            let cluster = drive(
                &self.driver,
                session,
                discover_cluster(now, self.retry.clone()),
            )
            .await?;
            let now = self.driver.now();
            let version = drive(
                &self.driver,
                session,
                node_version(now, Target::Bootnode, self.retry.clone()),
            )
            .await?;
            let mode = self.payment_mode.for_node_version(version.version.as_ref());
            let mut context = OperationContext::new(&cluster)?
                .with_payment_mode(mode)
                .with_retry(self.retry);
            context.signatures = self.driver.signature_memo();
            if let Some(max) = self.max_fee {
                context = context.with_max_fee(max);
            }
            let tokens = TokenCache::from_rng(self.key.clone(), &mut DriverRng(&self.driver));
            tracing::info!(
                members = cluster.members().len(),
                leader = %cluster.leader().node_id(),
                ?mode,
                "connected"
            );
            Ok(VmClient::from_parts(crate::client::Parts {
                endpoints: Endpoints::of(&cluster),
                driver: self.driver,
                key: self.key,
                cluster,
                context,
                tokens: UserTokens::new(tokens),
                version: NodeVersion::from_proto(&version),
                bind_add_funds_to_leader: self.bind_add_funds_to_leader,
            }))
        }
        .instrument(span)
        .await
    }
}
