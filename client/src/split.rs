//! The split steps of a paid operation: build its call, ask for a quote, pay and get the
//! receipt (or bring the receipt of a payment made elsewhere), then invoke. Every paid
//! operation splits the same way: `*_call` builds it, [`VmClient::invoke`] runs it with a
//! receipt, and each `invoke_*` is that one line for its operation.

use std::collections::BTreeMap;

use nilvm_core::drive::Driver;
use nilvm_core::operations::invoke_compute::{InvokeComputeCall, InvokeComputeInput};
use nilvm_core::operations::overwrite_permissions::OverwritePermissionsCall;
use nilvm_core::operations::payment_receipt::{payment_receipt, receipt_for_transaction};
use nilvm_core::operations::pool_status::PoolStatusCall;
use nilvm_core::operations::request_quote::request_quote;
use nilvm_core::operations::retrieve_permissions::RetrievePermissionsCall;
use nilvm_core::operations::retrieve_values::RetrieveValuesCall;
use nilvm_core::operations::store_program::StoreProgramCall;
use nilvm_core::operations::store_values::{StoreValuesCall, StoreValuesInput};
use nilvm_core::operations::update_permissions::UpdatePermissionsCall;
use nilvm_core::operations::{PaidCall, invoke_with_receipt};
use nilvm_core::payments::quote::Quote;
use nilvm_core::permissions::{Permissions, PermissionsDelta};
use nilvm_core::program::{ProgramId, ProgramMetadata, ProgramName};
use nilvm_core::values::ClearValue;
use nilvm_proto::nillion::payments::v1::quote::StoreProgram;
use nilvm_proto::nillion::payments::v1::receipt::SignedReceipt;
use sha2::Digest;

use crate::client::VmClient;
use crate::error::ClientError;
use crate::ids::{ComputeId, ValuesId};
use crate::types::{ComputeInput, PoolStatus};

/// The leader's signed receipt for a paid quote: what the nodes accept as payment.
#[derive(Clone, Debug, PartialEq)]
pub struct Receipt(SignedReceipt);

impl Receipt {
    /// The receipt as it goes on the wire.
    pub fn signed(&self) -> &SignedReceipt {
        &self.0
    }
}

impl<D: Driver> VmClient<D> {
    /// Split step 1: asks the leader for a quote of `call` (checked: signature, request,
    /// expiry, fee limit).
    pub async fn request_quote(&self, call: &impl PaidCall) -> Result<Quote, ClientError> {
        let op = request_quote(
            self.now(),
            &self.context().leader,
            &self.context().leader_key,
            call.quote_request(),
            self.context().max_fee,
            self.context().retry.clone(),
        );
        self.traced("request_quote", op).await
    }

    /// Split step 2: pays for a quote as the payment mode says and returns the leader's
    /// receipt.
    pub async fn payment_receipt(&self, quote: Quote) -> Result<Receipt, ClientError> {
        let context = self.context();
        let op = payment_receipt(
            self.now(),
            &context.leader,
            &context.leader_key,
            quote,
            context.payment_mode,
            context.retry.clone(),
        );
        self.traced("payment_receipt", op).await.map(Receipt)
    }

    /// Split step 2 for a payment made outside the client (the SDK's
    /// `get_payment_receipt(signed_quote, tx_hash)`): the receipt of transaction `tx_hash`,
    /// which paid for `quote` on chain.
    pub async fn receipt_for_payment(
        &self,
        quote: Quote,
        tx_hash: impl Into<String>,
    ) -> Result<Receipt, ClientError> {
        let context = self.context();
        let op = receipt_for_transaction(
            self.now(),
            &context.leader,
            &context.leader_key,
            quote,
            tx_hash.into(),
            context.retry.clone(),
        );
        self.traced("receipt_for_payment", op).await.map(Receipt)
    }

    /// Split step 3: runs a paid operation's per-node calls with a receipt obtained earlier.
    pub async fn invoke<C: PaidCall>(
        &self,
        call: C,
        receipt: Receipt,
    ) -> Result<C::Output, ClientError> {
        let op = invoke_with_receipt(self.now(), self.context(), call, receipt.0);
        self.traced("invoke", op).await
    }

    /// Masks values for every member: the call of a store.
    pub fn store_values_call(
        &self,
        values: BTreeMap<String, ClearValue>,
        ttl_days: Option<u32>,
        permissions: Option<Permissions>,
    ) -> Result<StoreValuesCall, ClientError> {
        let input = StoreValuesInput {
            values,
            ttl_days,
            permissions: Some(
                permissions.unwrap_or_else(|| Permissions::defaults_for_user(self.user_id())),
            ),
            update: None,
        };
        Ok(StoreValuesCall::new(
            self.context(),
            input,
            &mut self.rng(),
        )?)
    }

    /// Masks values for every member: the call of an update of `values_id`.
    pub fn update_values_call(
        &self,
        values_id: ValuesId,
        values: BTreeMap<String, ClearValue>,
        ttl_days: Option<u32>,
        permissions: Option<Permissions>,
    ) -> Result<StoreValuesCall, ClientError> {
        let input = StoreValuesInput {
            values,
            ttl_days,
            permissions,
            update: Some(values_id.as_uuid()),
        };
        Ok(StoreValuesCall::new(
            self.context(),
            input,
            &mut self.rng(),
        )?)
    }

    /// The call of a retrieval.
    pub fn retrieve_values_call(&self, values_id: ValuesId) -> RetrieveValuesCall {
        RetrieveValuesCall::new(self.context(), values_id.as_uuid())
    }

    /// The call of a permissions retrieval.
    pub fn retrieve_permissions_call(&self, values_id: ValuesId) -> RetrievePermissionsCall {
        RetrievePermissionsCall::new(self.context(), values_id.as_uuid())
    }

    /// The call of a permissions overwrite.
    pub fn overwrite_permissions_call(
        &self,
        values_id: ValuesId,
        permissions: &Permissions,
    ) -> OverwritePermissionsCall {
        OverwritePermissionsCall::new(self.context(), values_id.as_uuid(), permissions)
    }

    /// The call of a permissions update.
    pub fn update_permissions_call(
        &self,
        values_id: ValuesId,
        delta: PermissionsDelta,
    ) -> UpdatePermissionsCall {
        UpdatePermissionsCall::new(self.context(), values_id.as_uuid(), delta)
    }

    /// The call of a program store: raw compiler output is lowered first; the quote's
    /// metadata is measured from the bytes.
    pub fn store_program_call(
        &self,
        name: &str,
        program: Vec<u8>,
    ) -> Result<StoreProgramCall, ClientError> {
        let name = ProgramName::new(name)?;
        let program = lower_raw_program(&name, program)?;
        Ok(StoreProgramCall::new(self.context(), &name, program)?)
    }

    /// The call of a program store with metadata measured elsewhere.
    pub fn store_program_call_with_metadata(
        &self,
        name: &str,
        program: Vec<u8>,
        metadata: &ProgramMetadata,
    ) -> Result<StoreProgramCall, ClientError> {
        let name = ProgramName::new(name)?;
        let quote = StoreProgram {
            metadata: Some(metadata.to_proto()),
            contents_sha256: sha2::Sha256::digest(&program).to_vec(),
            name: name.as_str().to_owned(),
        };
        Ok(StoreProgramCall::with_quote(self.context(), quote, program))
    }

    /// Masks compute-time values for every member: the call of a computation.
    pub fn compute_call(&self, input: ComputeInput) -> Result<InvokeComputeCall, ClientError> {
        let input = InvokeComputeInput {
            program_id: input.program_id.to_string(),
            value_ids: input.value_ids.iter().map(ValuesId::as_uuid).collect(),
            input_bindings: input.input_bindings,
            output_bindings: input.output_bindings,
            values: input.values,
        };
        Ok(InvokeComputeCall::new(
            self.context(),
            input,
            &mut self.rng(),
        )?)
    }

    /// The call of a pool status query.
    pub fn pool_status_call(&self) -> PoolStatusCall {
        PoolStatusCall::new(self.context())
    }

    /// Split step 3 for stores and updates.
    pub async fn invoke_store_values(
        &self,
        call: StoreValuesCall,
        receipt: Receipt,
    ) -> Result<ValuesId, ClientError> {
        self.invoke(call, receipt).await.map(ValuesId::from)
    }

    /// Split step 3 for retrievals.
    pub async fn invoke_retrieve_values(
        &self,
        call: RetrieveValuesCall,
        receipt: Receipt,
    ) -> Result<BTreeMap<String, ClearValue>, ClientError> {
        self.invoke(call, receipt).await
    }

    /// Split step 3 for permissions retrievals.
    pub async fn invoke_retrieve_permissions(
        &self,
        call: RetrievePermissionsCall,
        receipt: Receipt,
    ) -> Result<Permissions, ClientError> {
        self.invoke(call, receipt).await
    }

    /// Split step 3 for permissions overwrites.
    pub async fn invoke_overwrite_permissions(
        &self,
        call: OverwritePermissionsCall,
        receipt: Receipt,
    ) -> Result<(), ClientError> {
        self.invoke(call, receipt).await
    }

    /// Split step 3 for permissions updates.
    pub async fn invoke_update_permissions(
        &self,
        call: UpdatePermissionsCall,
        receipt: Receipt,
    ) -> Result<(), ClientError> {
        self.invoke(call, receipt).await
    }

    /// Split step 3 for program stores.
    pub async fn invoke_store_program(
        &self,
        call: StoreProgramCall,
        receipt: Receipt,
    ) -> Result<ProgramId, ClientError> {
        self.invoke(call, receipt).await
    }

    /// Split step 3 for computations.
    pub async fn invoke_compute(
        &self,
        call: InvokeComputeCall,
        receipt: Receipt,
    ) -> Result<ComputeId, ClientError> {
        self.invoke(call, receipt).await.map(ComputeId::from)
    }

    /// Split step 3 for pool status.
    pub async fn invoke_pool_status(
        &self,
        call: PoolStatusCall,
        receipt: Receipt,
    ) -> Result<PoolStatus, ClientError> {
        let status = self.invoke(call, receipt).await?;
        Ok(PoolStatus::from_proto(&status))
    }
}

/// Raw MIR becomes the nodes' form; programs already in it are passed through unchanged.
fn lower_raw_program(name: &ProgramName, program: Vec<u8>) -> Result<Vec<u8>, ClientError> {
    let lowered = nilvm_nada::lower_bytes(&program)?;
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
