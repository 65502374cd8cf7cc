//! [`VmClient`]: the nilVM client over gRPC, with the official Python SDK's operations.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use nilvm_core::auth::TokenCache;
use nilvm_core::cluster::Cluster;
use nilvm_core::identity::{UserId, UserKey};
use nilvm_core::operations::account_balance::{AccountBalance, account_balance};
use nilvm_core::operations::add_funds::add_funds;
use nilvm_core::operations::delete_values::delete_values;
use nilvm_core::operations::discover_cluster::discover_cluster;
use nilvm_core::operations::invoke_compute::{InvokeComputeCall, InvokeComputeInput};
use nilvm_core::operations::node_version::node_version;
use nilvm_core::operations::overwrite_permissions::OverwritePermissionsCall;
use nilvm_core::operations::payment_receipt::payment_receipt;
use nilvm_core::operations::payments_config::{PaymentsConfig, payments_config};
use nilvm_core::operations::pool_status::{PoolStatus, PoolStatusCall};
use nilvm_core::operations::request_quote::request_quote;
use nilvm_core::operations::retrieve_permissions::RetrievePermissionsCall;
use nilvm_core::operations::retrieve_results::retrieve_results;
use nilvm_core::operations::retrieve_values::RetrieveValuesCall;
use nilvm_core::operations::store_program::StoreProgramCall;
use nilvm_core::operations::store_values::{StoreValuesCall, StoreValuesInput};
use nilvm_core::operations::update_permissions::UpdatePermissionsCall;
use nilvm_core::operations::{
    Operation, OperationContext, OperationError, Paid, PaidCall, RetryPolicy, Target,
    invoke_with_receipt,
};
use nilvm_core::payments::mode::PaymentMode;
use nilvm_core::payments::quote::{MaxFee, Quote};
use nilvm_core::permissions::{Permissions, PermissionsDelta};
use nilvm_core::program::ProgramName;
use nilvm_core::values::ClearValue;
use nilvm_proto::nillion::membership::v1::version::NodeVersion;
use nilvm_proto::nillion::payments::v1::quote::{PriceQuoteRequest, ProgramMetadata, StoreProgram};
use nilvm_proto::nillion::payments::v1::receipt::SignedReceipt;
use sha2::Digest;
use tracing::Instrument;
use uuid::Uuid;

use crate::error::ClientError;
use crate::network::Network;
use crate::payer::{NoPayer, Payer};
use crate::transport::{Transport, wall_clock};

/// Builds a [`VmClient`]; see [`VmClient::builder`].
pub struct VmClientBuilder {
    key: Option<UserKey>,
    network: Option<Network>,
    payer: Option<Arc<dyn Payer>>,
    payment_mode: PaymentMode,
    retry: RetryPolicy,
    max_fee: Option<MaxFee>,
    bind_add_funds_to_leader: bool,
}

impl fmt::Debug for VmClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VmClientBuilder")
            .field("user_id", &self.key.as_ref().map(UserKey::user_id))
            .field("network", &self.network)
            .field("payer", &self.payer)
            .field("payment_mode", &self.payment_mode)
            .finish_non_exhaustive()
    }
}

impl VmClientBuilder {
    /// The user's key: it signs the auth tokens and owns what the client stores.
    pub fn key(mut self, key: UserKey) -> Self {
        self.key = Some(key);
        self
    }

    /// The network to connect to.
    pub fn network(mut self, network: Network) -> Self {
        self.network = Some(network);
        self
    }

    /// Who pays on chain (default: [`NoPayer`], which refuses).
    pub fn payer(mut self, payer: impl Payer + 'static) -> Self {
        self.payer = Some(Arc::new(payer));
        self
    }

    /// A payer shared with other clients.
    pub fn shared_payer(mut self, payer: Arc<dyn Payer>) -> Self {
        self.payer = Some(payer);
        self
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

    /// Discovers the cluster from the bootnode and opens a channel per node.
    pub async fn build(self) -> Result<VmClient, ClientError> {
        let key = self.key.ok_or(ClientError::Incomplete("no user key"))?;
        let network = self.network.ok_or(ClientError::Incomplete("no network"))?;
        let payer = self.payer.unwrap_or_else(|| Arc::new(NoPayer));
        let span =
            tracing::info_span!("connect", bootnode = %network.bootnode, user = %key.user_id());
        async move {
            let bootstrap = Transport::bootstrap(&network.bootnode, &network.tls)?;
            let cluster = bootstrap
                .drive(discover_cluster(wall_clock(), self.retry.clone()), &NoPayer)
                .await?;
            let version = bootstrap
                .drive(
                    node_version(wall_clock(), Target::Bootnode, self.retry.clone()),
                    &NoPayer,
                )
                .await?;
            let mode = self.payment_mode.for_node_version(version.version.as_ref());
            let mut context = OperationContext::new(&cluster)?
                .with_payment_mode(mode)
                .with_retry(self.retry);
            if let Some(max) = self.max_fee {
                context = context.with_max_fee(max);
            }
            let tokens = TokenCache::from_rng(key.clone(), &mut rand::rng());
            let transport = bootstrap.for_cluster(&cluster, &network.tls, tokens)?;
            tracing::info!(
                members = cluster.members().len(),
                leader = %cluster.leader().node_id(),
                ?mode,
                "connected"
            );
            Ok(VmClient {
                user_id: key.user_id(),
                key,
                network,
                transport,
                cluster,
                context,
                payer,
                version,
                bind_add_funds_to_leader: self.bind_add_funds_to_leader,
            })
        }
        .instrument(span)
        .await
    }
}

/// A client of one nilVM cluster.
///
/// ```no_run
/// # async fn example() -> Result<(), nilvm_transport_tonic::ClientError> {
/// use nilvm_core::identity::UserKey;
/// use nilvm_core::values::ClearValue;
/// use nilvm_transport_tonic::{Network, NilChainPayer, VmClient};
///
/// let network = Network::from_config("devnet")?;
/// let payer = NilChainPayer::from_network_key(&network)?;
/// let key = UserKey::generate(&mut rand::rng());
/// let client = VmClient::create(key, network, payer).await?;
/// let values = [("x".to_string(), ClearValue::Boolean(true))].into();
/// let id = client.store_values(values, Some(1), None).await?;
/// let back = client.retrieve_values(id).await?;
/// client.delete_values(id).await?;
/// # let _ = back; Ok(()) }
/// ```
pub struct VmClient {
    key: UserKey,
    user_id: UserId,
    network: Network,
    transport: Transport,
    cluster: Cluster,
    context: OperationContext,
    payer: Arc<dyn Payer>,
    version: NodeVersion,
    bind_add_funds_to_leader: bool,
}

impl fmt::Debug for VmClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VmClient")
            .field("user_id", &self.user_id)
            .field("network", &self.network)
            .field("members", &self.cluster.members().len())
            .field("payment_mode", &self.context.payment_mode)
            .finish_non_exhaustive()
    }
}

impl VmClient {
    /// A builder: set the key and network (and optionally the payer, payment mode, retry
    /// policy and fee limit), then `build().await`.
    pub fn builder() -> VmClientBuilder {
        VmClientBuilder {
            key: None,
            network: None,
            payer: None,
            payment_mode: PaymentMode::default(),
            retry: RetryPolicy::default(),
            max_fee: None,
            bind_add_funds_to_leader: true,
        }
    }

    /// Connects `key`'s client to `network`, paying with `payer` (the Python SDK's
    /// `VmClient.create`).
    pub async fn create(
        key: UserKey,
        network: Network,
        payer: impl Payer + 'static,
    ) -> Result<Self, ClientError> {
        Self::builder()
            .key(key)
            .network(network)
            .payer(payer)
            .build()
            .await
    }

    /// The user this client acts as.
    pub fn user_id(&self) -> UserId {
        self.user_id
    }

    /// The cluster discovered at connection time.
    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }

    /// The network this client connected to.
    pub fn network(&self) -> &Network {
        &self.network
    }

    /// What operations see: members, leader, masker, payment mode, retry policy.
    pub fn context(&self) -> &OperationContext {
        &self.context
    }

    /// The bootnode's version, as read at connection time.
    pub fn bootnode_version(&self) -> &NodeVersion {
        &self.version
    }

    /// Runs any `core` operation on this client's transport and payer.
    pub async fn run<O: Operation>(&self, op: O) -> Result<O::Output, ClientError> {
        Ok(self.transport.drive(op, self.payer.as_ref()).await?)
    }

    /// Runs a paid operation's whole pipeline (quote, pay, receipt, invoke) in a span: the one
    /// path every paid operation's method takes. Its split steps need no method of their own:
    /// [`request_quote`](Self::request_quote) of `call.quote_request()`,
    /// [`payment_receipt`](Self::payment_receipt), then [`invoke`](Self::invoke) of the same
    /// call.
    async fn paid<C: PaidCall>(
        &self,
        name: &'static str,
        call: C,
    ) -> Result<C::Output, ClientError> {
        self.traced(name, Paid::start(wall_clock(), &self.context, call))
            .await
    }

    /// Builds a call that masks values, with this client's context and a fresh RNG.
    fn masked<C>(
        &self,
        new: impl FnOnce(&OperationContext, &mut rand::rngs::ThreadRng) -> Result<C, OperationError>,
    ) -> Result<C, ClientError> {
        Ok(new(&self.context, &mut rand::rng())?)
    }

    async fn traced<O: Operation>(
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

    /// A node's version (the bootnode's, freshly asked).
    pub async fn node_version(&self) -> Result<NodeVersion, ClientError> {
        let op = node_version(wall_clock(), Target::Bootnode, self.context.retry.clone());
        self.traced("node_version", op).await
    }

    /// The leader's payments configuration (minimum add-funds payment, credits per NIL).
    pub async fn payments_config(&self) -> Result<PaymentsConfig, ClientError> {
        let op = payments_config(
            wall_clock(),
            &self.context.leader,
            self.context.retry.clone(),
        );
        self.traced("payments_config", op).await
    }

    /// This user's balance with the leader, in credits.
    pub async fn balance(&self) -> Result<AccountBalance, ClientError> {
        let op = account_balance(
            wall_clock(),
            &self.context.leader,
            self.context.retry.clone(),
        );
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
            wall_clock(),
            &self.context,
            recipient.unwrap_or(self.user_id),
            amount_unil,
            self.bind_add_funds_to_leader,
            &mut rand::rng(),
        );
        self.traced("add_funds", op).await
    }

    /// Stores values; returns their id. Without `permissions`, only this user may use them.
    pub async fn store_values(
        &self,
        values: BTreeMap<String, ClearValue>,
        ttl_days: Option<u32>,
        permissions: Option<Permissions>,
    ) -> Result<Uuid, ClientError> {
        let input = StoreValuesInput {
            values,
            ttl_days,
            permissions: Some(
                permissions.unwrap_or_else(|| Permissions::defaults_for_user(self.user_id)),
            ),
            update: None,
        };
        self.paid("store_values", self.store_values_call(input)?)
            .await
    }

    /// Replaces the values stored under `values_id` (permissions are kept unless given).
    ///
    /// Given `permissions` replace the record's whole permissions, **owner included**: the
    /// nodes let anyone with the update permission do so (docs/node-checks.md §2). Pass `None`
    /// unless you mean to set every permission, and read the current ones first
    /// ([`VmClient::retrieve_permissions`]) to change only some.
    pub async fn update_values(
        &self,
        values_id: Uuid,
        values: BTreeMap<String, ClearValue>,
        ttl_days: Option<u32>,
        permissions: Option<Permissions>,
    ) -> Result<Uuid, ClientError> {
        let input = StoreValuesInput {
            values,
            ttl_days,
            permissions,
            update: Some(values_id),
        };
        self.paid("update_values", self.store_values_call(input)?)
            .await
    }

    /// Retrieves and reconstructs the values stored under `values_id`.
    pub async fn retrieve_values(
        &self,
        values_id: Uuid,
    ) -> Result<BTreeMap<String, ClearValue>, ClientError> {
        self.paid(
            "retrieve_values",
            RetrieveValuesCall::new(&self.context, values_id),
        )
        .await
    }

    /// Deletes the values stored under `values_id` (free).
    pub async fn delete_values(&self, values_id: Uuid) -> Result<(), ClientError> {
        let op = delete_values(
            wall_clock(),
            &self.context.members,
            values_id,
            self.context.retry.clone(),
        );
        self.traced("delete_values", op).await
    }

    /// Who may do what with the values stored under `values_id`.
    pub async fn retrieve_permissions(&self, values_id: Uuid) -> Result<Permissions, ClientError> {
        let call = RetrievePermissionsCall::new(&self.context, values_id);
        self.paid("retrieve_permissions", call).await
    }

    /// Replaces the permissions of `values_id`.
    pub async fn overwrite_permissions(
        &self,
        values_id: Uuid,
        permissions: &Permissions,
    ) -> Result<(), ClientError> {
        let call = OverwritePermissionsCall::new(&self.context, values_id, permissions);
        self.paid("overwrite_permissions", call).await
    }

    /// Grants and revokes permissions of `values_id`.
    pub async fn update_permissions(
        &self,
        values_id: Uuid,
        delta: PermissionsDelta,
    ) -> Result<(), ClientError> {
        let call = UpdatePermissionsCall::new(&self.context, values_id, delta);
        self.paid("update_permissions", call).await
    }

    /// Stores a compiled Nada program (`.nada.bin` bytes) under `name`; returns the program id
    /// (`<user>/<name>/sha256/<hash>`). Raw compiler output (`python -m nada_dsl.compile`) is
    /// first lowered to the form the nodes accept ([`nilvm_nada::lower_bytes`], logged), so the
    /// id is that of the lowered bytes. The quote's metadata is computed from the bytes; bytes
    /// the nodes would refuse (not a valid program) are refused before anything is paid.
    pub async fn store_program(&self, name: &str, program: Vec<u8>) -> Result<String, ClientError> {
        let name = ProgramName::new(name).map_err(|e| ClientError::InvalidInput(e.to_string()))?;
        let program = lower_raw_program(&name, program)?;
        let call = StoreProgramCall::new(&self.context, &name, program)?;
        self.paid("store_program", call).await
    }

    /// Stores a program with metadata the caller measured (e.g. with the official tools).
    pub async fn store_program_with_metadata(
        &self,
        name: &str,
        program: Vec<u8>,
        metadata: ProgramMetadata,
    ) -> Result<String, ClientError> {
        let quote = StoreProgram {
            metadata: Some(metadata),
            contents_sha256: sha2::Sha256::digest(&program).to_vec(),
            name: name.to_owned(),
        };
        let call = StoreProgramCall::with_quote(&self.context, quote, program);
        self.paid("store_program", call).await
    }

    /// Starts a computation; returns its id.
    pub async fn compute(&self, input: InvokeComputeInput) -> Result<Uuid, ClientError> {
        self.paid("compute", self.compute_call(input)?).await
    }

    /// Waits for a computation and reconstructs this user's outputs.
    pub async fn retrieve_compute_results(
        &self,
        compute_id: Uuid,
    ) -> Result<BTreeMap<String, ClearValue>, ClientError> {
        let op = retrieve_results(wall_clock(), &self.context, compute_id);
        self.traced("retrieve_compute_results", op).await
    }

    /// The leader's preprocessing pool (a paid query).
    pub async fn pool_status(&self) -> Result<PoolStatus, ClientError> {
        self.paid("pool_status", PoolStatusCall::new(&self.context))
            .await
    }

    /// Split step 1: asks the leader for a quote (checked: signature, request, expiry, fee
    /// limit).
    pub async fn request_quote(&self, request: PriceQuoteRequest) -> Result<Quote, ClientError> {
        let op = request_quote(
            wall_clock(),
            &self.context.leader,
            &self.context.leader_key,
            request,
            self.context.max_fee,
            self.context.retry.clone(),
        );
        self.traced("request_quote", op).await
    }

    /// Split step 2: pays for a quote as the payment mode says and returns the leader's
    /// receipt.
    pub async fn payment_receipt(&self, quote: Quote) -> Result<SignedReceipt, ClientError> {
        let op = payment_receipt(
            wall_clock(),
            &self.context.leader,
            &self.context.leader_key,
            quote,
            self.context.payment_mode,
            self.context.retry.clone(),
        );
        self.traced("payment_receipt", op).await
    }

    /// Split step 3: runs a paid operation's per-node calls with a receipt obtained earlier.
    /// `call.quote_request()` is what to quote in step 1. Every paid operation splits this way:
    /// build its call as its method does (e.g. `RetrieveValuesCall::new(client.context(), id)`)
    /// and pass it here.
    pub async fn invoke<C: PaidCall>(
        &self,
        call: C,
        receipt: SignedReceipt,
    ) -> Result<C::Output, ClientError> {
        let op = invoke_with_receipt(wall_clock(), &self.context, call, receipt);
        self.traced("invoke", op).await
    }

    /// The user's key (to build other clients for the same user).
    pub fn key(&self) -> &UserKey {
        &self.key
    }

    /// Closes every channel. Dropping the client does the same.
    pub fn close(self) {
        drop(self);
    }
}

/// Shorthands over the generic split steps, kept for their callers: each is one line over
/// [`VmClient::invoke`] or the builder its operation's method uses. A new paid operation needs
/// none of these: its one method, over `paid`, and [`VmClient::invoke`] cover it.
impl VmClient {
    /// Masks values for every member (the per-node calls of a store, for the split steps).
    pub fn store_values_call(
        &self,
        input: StoreValuesInput,
    ) -> Result<StoreValuesCall, ClientError> {
        self.masked(|context, rng| StoreValuesCall::new(context, input, rng))
    }

    /// Masks compute-time values for every member (the per-node calls of a computation, for
    /// the split steps).
    pub fn compute_call(
        &self,
        input: InvokeComputeInput,
    ) -> Result<InvokeComputeCall, ClientError> {
        self.masked(|context, rng| InvokeComputeCall::new(context, input, rng))
    }

    /// Split step 3 for stores.
    pub async fn invoke_store_values(
        &self,
        call: StoreValuesCall,
        receipt: SignedReceipt,
    ) -> Result<Uuid, ClientError> {
        self.invoke(call, receipt).await
    }

    /// Split step 3 for retrievals.
    pub async fn invoke_retrieve_values(
        &self,
        values_id: Uuid,
        receipt: SignedReceipt,
    ) -> Result<BTreeMap<String, ClearValue>, ClientError> {
        self.invoke(RetrieveValuesCall::new(&self.context, values_id), receipt)
            .await
    }

    /// Split step 3 for computations.
    pub async fn invoke_compute(
        &self,
        call: InvokeComputeCall,
        receipt: SignedReceipt,
    ) -> Result<Uuid, ClientError> {
        self.invoke(call, receipt).await
    }

    /// Split step 3 for pool status.
    pub async fn invoke_pool_status(
        &self,
        receipt: SignedReceipt,
    ) -> Result<PoolStatus, ClientError> {
        self.invoke(PoolStatusCall::new(&self.context), receipt)
            .await
    }
}

/// Raw MIR becomes the nodes' form; programs already in it are passed through unchanged.
fn lower_raw_program(name: &ProgramName, program: Vec<u8>) -> Result<Vec<u8>, ClientError> {
    let lowered =
        nilvm_nada::lower_bytes(&program).map_err(|e| ClientError::InvalidInput(e.to_string()))?;
    if !lowered.changed() {
        return Ok(program);
    }
    tracing::info!(
        program = name.as_str(),
        rewritten = lowered.rewritten.len(),
        "store_program: lowering raw MIR to the form the nodes accept"
    );
    Ok(lowered.bytes.into_owned())
}
