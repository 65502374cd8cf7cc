//! Test helpers: drive an operation with scripted replies, on a virtual clock.

use alloc::vec::Vec;

use crate::identity::NodeId;
use crate::rpc::{Reply, Status};
use crate::time::Timestamp;

use super::{Operation, OperationError, Output, Transmit};

pub(crate) fn start() -> Timestamp {
    Timestamp::from_unix_seconds(1_700_000_000)
}

pub(crate) fn nodes(count: u8) -> Vec<NodeId> {
    (1..=count)
        .map(|i| NodeId::new(alloc::vec![i; 20]).expect("a 20-byte id"))
        .collect()
}

/// Drives `op` to completion, answering each request with `respond` at once and skipping
/// through timeouts. Payments are refused. Panics if the operation stalls.
pub(crate) fn drive<O: Operation>(
    op: O,
    respond: impl FnMut(&Transmit) -> Result<Reply, Status>,
) -> Result<O::Output, OperationError> {
    drive_with_payer(op, respond, |_| Err(super::PayerError::message("no payer")))
}

/// Like [`drive`], with `pay` answering payment requests.
pub(crate) fn drive_with_payer<O: Operation>(
    mut op: O,
    mut respond: impl FnMut(&Transmit) -> Result<Reply, Status>,
    mut pay: impl FnMut(&super::PaymentRequest) -> Result<alloc::string::String, super::PayerError>,
) -> Result<O::Output, OperationError> {
    let mut now = start();
    for _ in 0..10_000 {
        while let Some(output) = op.poll_output() {
            match output {
                Output::Transmit(transmit) => {
                    let reply = respond(&transmit);
                    op.handle_reply(now, transmit.id, reply);
                }
                Output::Pay(payment) => {
                    let result = pay(&payment);
                    op.handle_payment(now, result);
                }
                Output::Done(result) => return result,
            }
        }
        match op.poll_timeout() {
            Some(deadline) => {
                now = now.max(deadline);
                op.handle_timeout(now);
            }
            None => panic!("operation stalled: no output and no timeout"),
        }
    }
    panic!("operation did not finish in 10000 steps")
}

/// A scripted cluster for operation tests: a leader that signs quotes and receipts, and
/// members that keep each store's shares.
pub(crate) mod cluster {
    use alloc::collections::BTreeMap;
    use alloc::string::String;
    use alloc::vec::Vec;

    use nilvm_proto::Message;
    use nilvm_proto::nillion::payments::v1::quote::{PriceQuote, QuoteFees, SignedQuote};
    use nilvm_proto::nillion::payments::v1::receipt::{Receipt, SignedReceipt, operation_metadata};
    use nilvm_proto::nillion::values::v1::retrieve::RetrieveValuesResponse;
    use nilvm_proto::nillion::values::v1::store::StoreValuesResponse;
    use nilvm_proto::nillion::values::v1::value::NamedValue;

    use crate::field::Prime;
    use crate::identity::{NodeId, UserKey};
    use crate::masking::{PartyId, SecretMasker};
    use crate::operations::{OperationContext, RetryPolicy, Target, Transmit};
    use crate::payments::mode::PaymentMode;
    use crate::rpc::{Reply, Request, Status};
    use crate::time::Timestamp;

    pub(crate) struct ScriptedCluster {
        pub(crate) leader_key: UserKey,
        pub(crate) context: OperationContext,
        pub(crate) balance: u64,
        pub(crate) paid_on_chain: Vec<Vec<u8>>,
        pub(crate) stored: BTreeMap<(NodeId, Vec<u8>), Vec<NamedValue>>,
        pub(crate) receipts: u8,
        pub(crate) permissions: nilvm_proto::nillion::permissions::v1::permissions::Permissions,
        pub(crate) updates:
            Vec<nilvm_proto::nillion::permissions::v1::update::UpdatePermissionsRequest>,
        /// How many waiting messages each (node, compute id) stream has sent.
        pub(crate) waits: BTreeMap<(NodeId, Vec<u8>), u8>,
        /// Rewrites each reply before it is returned: the adversary's hook.
        pub(crate) tamper: fn(&Transmit, &mut Reply),
    }

    impl ScriptedCluster {
        pub(crate) fn new(members: usize, degree: u64) -> Self {
            let leader_key = UserKey::from_bytes(&[0x42; 32]).expect("a valid key");
            let members: Vec<NodeId> = super::nodes(u8::try_from(members).expect("few members"));
            let masker = SecretMasker::new(
                Prime::U64,
                degree,
                members.iter().map(|m| PartyId::new(m.as_bytes())),
            )
            .expect("a valid masker");
            let context = OperationContext {
                leader: members[0].clone(),
                leader_key: leader_key.public_key(),
                members,
                masker,
                payment_mode: PaymentMode::FromBalance,
                max_fee: None,
                retry: RetryPolicy::default(),
                signatures: None,
            };
            Self {
                leader_key,
                context,
                balance: 1_000,
                paid_on_chain: Vec::new(),
                stored: BTreeMap::new(),
                receipts: 0,
                permissions: Default::default(),
                updates: Vec::new(),
                waits: BTreeMap::new(),
                tamper: |_, _| {},
            }
        }

        fn expiry() -> Option<nilvm_proto::well_known::Timestamp> {
            Some(
                super::start()
                    .saturating_add(crate::time::Duration::from_secs(3600))
                    .into(),
            )
        }

        pub(crate) fn sign_quote(&self, quote: &PriceQuote) -> SignedQuote {
            let bytes = quote.encode_to_vec();
            let signature = self
                .leader_key
                .sign(&bytes)
                .expect("signing works")
                .to_vec();
            SignedQuote {
                quote: bytes,
                signature,
            }
        }

        pub(crate) fn sign_receipt(&self, receipt: &Receipt) -> SignedReceipt {
            let bytes = receipt.encode_to_vec();
            let signature = self
                .leader_key
                .sign(&bytes)
                .expect("signing works")
                .to_vec();
            SignedReceipt {
                receipt: bytes,
                signature,
            }
        }

        /// Answers one request as an honest cluster would.
        pub(crate) fn respond(&mut self, transmit: &Transmit) -> Result<Reply, Status> {
            let mut reply = self.honest(transmit)?;
            (self.tamper)(transmit, &mut reply);
            Ok(reply)
        }

        fn honest(&mut self, transmit: &Transmit) -> Result<Reply, Status> {
            let Target::Node(node) = &transmit.target else {
                panic!("no bootnode here")
            };
            match &transmit.request {
                Request::PriceQuote(request) => {
                    let quote = PriceQuote {
                        nonce: alloc::vec![7; 32],
                        fees: Some(QuoteFees {
                            tokens: 1_000_000,
                            credits: 100,
                        }),
                        request: Some(request.clone()),
                        expires_at: Self::expiry(),
                        ..Default::default()
                    };
                    Ok(Reply::PriceQuote(self.sign_quote(&quote)))
                }
                Request::PaymentReceipt(request) => {
                    let signed = request.signed_quote.as_ref().expect("a quote");
                    let quote = PriceQuote::decode(signed.quote.as_slice()).expect("our quote");
                    let credits = quote.fees.as_ref().map_or(0, |f| f.credits);
                    if request.tx_hash.is_empty() {
                        if self.balance < credits {
                            return Err(Status::insufficient_balance());
                        }
                        self.balance -= credits;
                    } else {
                        self.paid_on_chain.push(quote.nonce.clone());
                    }
                    self.receipts += 1;
                    // The leader's own mapping from quoted request to receipt metadata.
                    let request = quote.request.as_ref().expect("a quoted request");
                    let metadata = crate::payments::receipt::operation_metadata(
                        request,
                        Vec::new(),
                        Vec::new(),
                    )
                    .expect("an operation");
                    let receipt = Receipt {
                        identifier: alloc::vec![self.receipts; 16],
                        metadata: Some(metadata),
                        expires_at: Self::expiry(),
                    };
                    Ok(Reply::PaymentReceipt(self.sign_receipt(&receipt)))
                }
                Request::StoreValues(request) => {
                    let receipt = receipt_of(request.signed_receipt.as_ref());
                    let id = if request.update_identifier.is_empty() {
                        receipt.identifier
                    } else {
                        request.update_identifier.clone()
                    };
                    self.stored
                        .insert((node.clone(), id.clone()), request.values.clone());
                    Ok(Reply::StoreValues(StoreValuesResponse { values_id: id }))
                }
                Request::RetrieveValues(request) => {
                    let receipt = receipt_of(request.signed_receipt.as_ref());
                    let Some(operation_metadata::Operation::RetrieveValues(q)) =
                        receipt.metadata.and_then(|m| m.operation)
                    else {
                        panic!("not a retrieve receipt")
                    };
                    let values = self.stored.get(&(node.clone(), q.values_id)).cloned();
                    let values = values.ok_or_else(|| {
                        Status::new(crate::rpc::Code::NotFound, "value not found")
                    })?;
                    Ok(Reply::RetrieveValues(RetrieveValuesResponse { values }))
                }
                Request::RetrievePermissions(_) => {
                    Ok(Reply::RetrievePermissions(self.permissions.clone()))
                }
                Request::OverwritePermissions(request) => {
                    self.permissions = request.permissions.clone().unwrap_or_default();
                    Ok(Reply::OverwritePermissions(()))
                }
                Request::UpdatePermissions(request) => {
                    self.updates.push(request.clone());
                    Ok(Reply::UpdatePermissions(()))
                }
                Request::StoreProgram(request) => {
                    let receipt = receipt_of(request.signed_receipt.as_ref());
                    let Some(operation_metadata::Operation::StoreProgram(q)) =
                        receipt.metadata.and_then(|m| m.operation)
                    else {
                        panic!("not a store-program receipt")
                    };
                    Ok(Reply::StoreProgram(
                        nilvm_proto::nillion::programs::v1::store::StoreProgramResponse {
                            program_id: crate::operations::testing::scripted_program_id(&q.name)
                                .to_string(),
                        },
                    ))
                }
                Request::InvokeCompute(request) => {
                    let receipt = receipt_of(request.signed_receipt.as_ref());
                    // The "computation" echoes the compute-time shares back as its results.
                    self.stored.insert(
                        (node.clone(), receipt.identifier.clone()),
                        request.values.clone(),
                    );
                    Ok(Reply::InvokeCompute(
                        nilvm_proto::nillion::compute::v1::invoke::InvokeComputeResponse {
                            compute_id: receipt.identifier,
                        },
                    ))
                }
                Request::RetrieveResults(request) => {
                    use nilvm_proto::nillion::compute::v1::retrieve::{
                        ComputationResult, RetrieveResultsResponse,
                        retrieve_results_response::State,
                    };
                    let key = (node.clone(), request.compute_id.clone());
                    let state = if self.waits.get(&key).copied().unwrap_or(0) < 2 {
                        *self.waits.entry(key).or_insert(0) += 1;
                        State::WaitingComputation(())
                    } else {
                        let values = self
                            .stored
                            .get(&(node.clone(), request.compute_id.clone()))
                            .cloned();
                        match values {
                            Some(values) => State::Success(ComputationResult { values }),
                            None => State::Error("computation failed: division by zero".into()),
                        }
                    };
                    Ok(Reply::RetrieveResults(RetrieveResultsResponse {
                        state: Some(state),
                    }))
                }
                Request::PoolStatus(_) => Ok(Reply::PoolStatus(Default::default())),
                other => panic!("the scripted cluster does not serve {:?}", other.method()),
            }
        }
    }

    fn receipt_of(signed: Option<&SignedReceipt>) -> Receipt {
        Receipt::decode(signed.expect("a receipt").receipt.as_slice()).expect("our receipt")
    }

    /// A payer that records what it paid and returns a fake hash.
    pub(crate) fn chain_payer(
        paid: &mut Vec<(u64, Vec<u8>)>,
    ) -> impl FnMut(
        &crate::operations::PaymentRequest,
    ) -> Result<String, crate::operations::PayerError>
    + '_ {
        move |payment| {
            paid.push((payment.amount_unil, payment.resource.clone()));
            Ok("ABCDEF".into())
        }
    }

    #[allow(dead_code)]
    pub(crate) fn now() -> Timestamp {
        super::start()
    }
}

/// The program id the scripted cluster gives a program stored under `name`.
pub(crate) fn scripted_program_id(name: &str) -> crate::program::ProgramId {
    let name = crate::program::ProgramName::new(name).unwrap();
    crate::program::ProgramId::from_hash([0x11; crate::program::USER_ID_LENGTH], name, [0x22; 32])
}
