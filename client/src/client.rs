//! [`VmClient`]: the official Python SDK's operations, over any [`Driver`].

use std::collections::BTreeMap;
use std::fmt;

use nilvm_core::cluster::Cluster;
use nilvm_core::drive::{Driver, DriverRng, Endpoints, Session, drive};
use nilvm_core::identity::{UserId, UserKey};
use nilvm_core::operations::account_balance::{AccountBalance, account_balance};
use nilvm_core::operations::add_funds::add_funds;
use nilvm_core::operations::delete_values::delete_values;
use nilvm_core::operations::node_version::node_version;
use nilvm_core::operations::payments_config::{PaymentsConfig, payments_config};
use nilvm_core::operations::retrieve_results::retrieve_results;
use nilvm_core::operations::{Operation, OperationContext, Paid, PaidCall, Target};
use nilvm_core::permissions::{Permissions, PermissionsDelta};
use nilvm_core::program::{ProgramId, ProgramMetadata};
use nilvm_core::values::ClearValue;
use tracing::Instrument;

use crate::builder::VmClientBuilder;
use crate::error::ClientError;
use crate::ids::{ComputeId, ValuesId};
use crate::version::NodeVersion;
use nilvm_core::drive::UserTokens;

/// What the connect sequence hands the client.
pub(crate) struct Parts<D> {
    pub(crate) driver: D,
    pub(crate) key: UserKey,
    pub(crate) cluster: Cluster,
    pub(crate) endpoints: Endpoints,
    pub(crate) context: OperationContext,
    pub(crate) tokens: UserTokens,
    pub(crate) version: NodeVersion,
    pub(crate) bind_add_funds_to_leader: bool,
}

/// A client of one nilVM cluster, over any runtime's [`Driver`]: the gRPC driver of
/// `nilvm-transport-tonic` (the real network, a devnet), the emulated cluster's driver of
/// `nilvm-transport-mock` (deterministic simulation under faults), or your own. The same app
/// code runs on all of them:
///
/// ```no_run
/// use nilvm_client::{ClientError, ValuesId, VmClient};
/// use nilvm_core::drive::Driver;
/// use nilvm_core::values::ClearValue;
///
/// async fn app<D: Driver>(client: &VmClient<D>) -> Result<ValuesId, ClientError> {
///     let values = [("age".to_string(), ClearValue::Integer(42.into()))].into();
///     let id = client.store_values(values, Some(1), None).await?;
///     let back = client.retrieve_values(id).await?;
///     assert_eq!(back["age"], ClearValue::Integer(42.into()));
///     Ok(id)
/// }
/// ```
///
/// Operations may run concurrently on one client (`&self` everywhere); they share its tokens.
pub struct VmClient<D> {
    driver: D,
    key: UserKey,
    user_id: UserId,
    cluster: Cluster,
    endpoints: Endpoints,
    context: OperationContext,
    tokens: UserTokens,
    version: NodeVersion,
    bind_add_funds_to_leader: bool,
}

impl<D> fmt::Debug for VmClient<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VmClient")
            .field("user_id", &self.user_id)
            .field("members", &self.cluster.members().len())
            .field("payment_mode", &self.context.payment_mode)
            .finish_non_exhaustive()
    }
}

impl<D: Driver> VmClient<D> {
    /// A builder for `key`'s client over `driver`: set the payment mode, retry policy or fee
    /// limit, then `build().await` connects.
    pub fn builder(driver: D, key: UserKey) -> VmClientBuilder<D> {
        VmClientBuilder::new(driver, key)
    }

    /// Connects `key`'s client over `driver` with the defaults (the Python SDK's
    /// `VmClient.create`).
    pub async fn connect(driver: D, key: UserKey) -> Result<Self, ClientError> {
        Self::builder(driver, key).build().await
    }

    pub(crate) fn from_parts(parts: Parts<D>) -> Self {
        Self {
            user_id: parts.key.user_id(),
            driver: parts.driver,
            key: parts.key,
            cluster: parts.cluster,
            endpoints: parts.endpoints,
            context: parts.context,
            tokens: parts.tokens,
            version: parts.version,
            bind_add_funds_to_leader: parts.bind_add_funds_to_leader,
        }
    }

    /// The user this client acts as.
    pub fn user_id(&self) -> UserId {
        self.user_id
    }

    /// The user's key (to build other clients for the same user).
    pub fn key(&self) -> &UserKey {
        &self.key
    }

    /// The cluster discovered at connection time.
    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }

    /// What operations see: members, leader, masker, payment mode, retry policy.
    pub fn context(&self) -> &OperationContext {
        &self.context
    }

    /// The driver this client runs on.
    pub fn driver(&self) -> &D {
        &self.driver
    }

    /// Closes the client (its driver's connections go when the last clone of the driver
    /// does). Dropping the client does the same.
    pub fn close(self) {
        drop(self);
    }

    /// The bootnode's version, as read at connection time.
    pub fn bootnode_version(&self) -> &NodeVersion {
        &self.version
    }

    /// Runs any `core` operation with this client's driver, endpoints and tokens.
    pub async fn run<O: Operation>(&self, op: O) -> Result<O::Output, ClientError> {
        let session = Session {
            endpoints: &self.endpoints,
            tokens: Some(&self.tokens),
        };
        Ok(drive(&self.driver, session, op).await?)
    }

    /// Runs `op` in a span named `name`, logging how it ended.
    pub(crate) async fn traced<O: Operation>(
        &self,
        name: &'static str,
        op: O,
    ) -> Result<O::Output, ClientError> {
        let span = tracing::info_span!("operation", name, user = %self.user_id);
        async move {
            let result = self.run(op).await;
            match &result {
                Ok(_) => tracing::debug!("done"),
                Err(error) => tracing::debug!(%error, "failed"),
            }
            result
        }
        .instrument(span)
        .await
    }

    /// Runs a paid operation's whole pipeline (quote, pay, receipt, invoke): the one path
    /// every paid method takes. The split steps are [`request_quote`](Self::request_quote),
    /// [`payment_receipt`](Self::payment_receipt) and [`invoke`](Self::invoke).
    pub(crate) async fn paid<C: PaidCall>(
        &self,
        name: &'static str,
        call: C,
    ) -> Result<C::Output, ClientError> {
        self.traced(name, Paid::start(self.now(), &self.context, call))
            .await
    }

    /// The driver's clock.
    pub(crate) fn now(&self) -> nilvm_core::time::Timestamp {
        self.driver.now()
    }

    /// The driver's randomness (for masking and payloads).
    pub(crate) fn rng(&self) -> DriverRng<'_> {
        DriverRng(&self.driver)
    }

    /// A node's version (the bootnode's, freshly asked).
    pub async fn node_version(&self) -> Result<NodeVersion, ClientError> {
        let op = node_version(self.now(), Target::Bootnode, self.context.retry.clone());
        let version = self.traced("node_version", op).await?;
        Ok(NodeVersion::from_proto(&version))
    }

    /// The leader's payments configuration (minimum add-funds payment, credits per NIL).
    pub async fn payments_config(&self) -> Result<PaymentsConfig, ClientError> {
        let op = payments_config(self.now(), &self.context.leader, self.context.retry.clone());
        self.traced("payments_config", op).await
    }

    /// This user's balance with the leader, in credits.
    pub async fn balance(&self) -> Result<AccountBalance, ClientError> {
        let op = account_balance(self.now(), &self.context.leader, self.context.retry.clone());
        self.traced("balance", op).await
    }

    /// Pays `amount_unil` on chain and credits it to `recipient`'s balance (this user's when
    /// `None`).
    pub async fn add_funds(
        &self,
        amount_unil: u64,
        recipient: Option<UserId>,
    ) -> Result<(), ClientError> {
        let op = add_funds(
            self.now(),
            &self.context,
            recipient.unwrap_or(self.user_id),
            amount_unil,
            self.bind_add_funds_to_leader,
            &mut self.rng(),
        );
        self.traced("add_funds", op).await
    }

    /// Stores values; returns their id. Without `permissions`, only this user may use them.
    pub async fn store_values(
        &self,
        values: BTreeMap<String, ClearValue>,
        ttl_days: Option<u32>,
        permissions: Option<Permissions>,
    ) -> Result<ValuesId, ClientError> {
        let call = self.store_values_call(values, ttl_days, permissions)?;
        self.paid("store_values", call).await.map(ValuesId::from)
    }

    /// Replaces the values stored under `values_id` (permissions are kept unless given).
    ///
    /// Given `permissions` replace the record's whole permissions, **owner included**: the
    /// nodes let anyone with the update permission do so (docs/node-checks.md §2). Pass `None`
    /// unless you mean to set every permission, and read the current ones first
    /// ([`VmClient::retrieve_permissions`]) to change only some.
    pub async fn update_values(
        &self,
        values_id: ValuesId,
        values: BTreeMap<String, ClearValue>,
        ttl_days: Option<u32>,
        permissions: Option<Permissions>,
    ) -> Result<ValuesId, ClientError> {
        let call = self.update_values_call(values_id, values, ttl_days, permissions)?;
        self.paid("update_values", call).await.map(ValuesId::from)
    }

    /// Retrieves and reconstructs the values stored under `values_id`.
    pub async fn retrieve_values(
        &self,
        values_id: ValuesId,
    ) -> Result<BTreeMap<String, ClearValue>, ClientError> {
        let call = self.retrieve_values_call(values_id);
        self.paid("retrieve_values", call).await
    }

    /// Deletes the values stored under `values_id` (free).
    pub async fn delete_values(&self, values_id: ValuesId) -> Result<(), ClientError> {
        let op = delete_values(
            self.now(),
            &self.context.members,
            values_id.as_uuid(),
            self.context.retry.clone(),
        );
        self.traced("delete_values", op).await
    }

    /// Who may do what with the values stored under `values_id`.
    pub async fn retrieve_permissions(
        &self,
        values_id: ValuesId,
    ) -> Result<Permissions, ClientError> {
        let call = self.retrieve_permissions_call(values_id);
        self.paid("retrieve_permissions", call).await
    }

    /// Replaces the permissions of `values_id`.
    pub async fn overwrite_permissions(
        &self,
        values_id: ValuesId,
        permissions: &Permissions,
    ) -> Result<(), ClientError> {
        let call = self.overwrite_permissions_call(values_id, permissions);
        self.paid("overwrite_permissions", call).await
    }

    /// Grants and revokes permissions of `values_id`.
    pub async fn update_permissions(
        &self,
        values_id: ValuesId,
        delta: PermissionsDelta,
    ) -> Result<(), ClientError> {
        let call = self.update_permissions_call(values_id, delta);
        self.paid("update_permissions", call).await
    }

    /// Stores a compiled Nada program (`.nada.bin` bytes) under `name`; returns its id
    /// (`<user>/<name>/sha256/<hash>`). Raw compiler output (`python -m nada_dsl.compile`) is
    /// first lowered to the form the nodes accept ([`nilvm_nada::lower_bytes`], logged), so
    /// the id is that of the lowered bytes. Bytes the nodes would refuse are refused before
    /// anything is paid.
    pub async fn store_program(
        &self,
        name: &str,
        program: Vec<u8>,
    ) -> Result<ProgramId, ClientError> {
        let call = self.store_program_call(name, program)?;
        self.paid("store_program", call).await
    }

    /// Stores a program with metadata the caller measured (e.g. with the official tools).
    pub async fn store_program_with_metadata(
        &self,
        name: &str,
        program: Vec<u8>,
        metadata: &ProgramMetadata,
    ) -> Result<ProgramId, ClientError> {
        let call = self.store_program_call_with_metadata(name, program, metadata)?;
        self.paid("store_program", call).await
    }

    /// Starts a computation; returns its id.
    pub async fn compute(&self, input: crate::ComputeInput) -> Result<ComputeId, ClientError> {
        let call = self.compute_call(input)?;
        self.paid("compute", call).await.map(ComputeId::from)
    }

    /// Waits for a computation and reconstructs this user's outputs.
    pub async fn retrieve_compute_results(
        &self,
        compute_id: ComputeId,
    ) -> Result<BTreeMap<String, ClearValue>, ClientError> {
        let op = retrieve_results(self.now(), &self.context, compute_id.as_uuid());
        self.traced("retrieve_compute_results", op).await
    }

    /// The leader's preprocessing pool (a paid query).
    pub async fn pool_status(&self) -> Result<crate::PoolStatus, ClientError> {
        let call = self.pool_status_call();
        let status = self.paid("pool_status", call).await?;
        Ok(crate::PoolStatus::from_proto(&status))
    }
}
