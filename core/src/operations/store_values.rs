//! `store_values`: share values among the members and store them (paid).
//!
//! The values are masked once, at the start; each member then receives only its own shares
//! (and the public values). Every member must answer with the same values id.
//!
//! # Repeated requests
//!
//! Each member burns the receipt when it first sees it, before any other check, and answers
//! every later request carrying it with FAILED_PRECONDITION "nonce already used". A retry
//! after a lost reply, or a copy of the request, therefore gets that answer. The calls first
//! wait, until the attempt's deadline, for the reply of the attempt the member processed
//! (a successful reply to any attempt of the same request settles the call). If none comes,
//! nothing can be concluded: the first attempt may have stored the shares or been refused
//! (e.g. "entity already exists", a permission check on update), and a member that did not
//! store them cannot be told apart from one that did without paying for a retrieve. The
//! operation fails with [`OperationError::ReplyLost`]
//! naming the member; an update that ends so may have left either version on that member.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use nilvm_proto::nillion::payments::v1::quote::PriceQuoteRequest;
use nilvm_proto::nillion::payments::v1::receipt::SignedReceipt;
use nilvm_proto::nillion::values::v1::store::StoreValuesRequest;
use nilvm_proto::nillion::values::v1::value::NamedValue;
use rand_core::CryptoRng;
use uuid::Uuid;

use crate::payments::quote_request::{self, StoreValuesCounts};
use crate::permissions::Permissions;
use crate::rpc::{Method, Reply, Request};
use crate::time::Timestamp;
use crate::values::{ClearValue, classify};

use super::fanout::{NodeCall, all_equal};
use super::shares::{MemberShares, mask_for_members};
use super::{Misbehaviour, OperationContext, OperationError, Paid, PaidCall, Target};

/// What to store.
#[derive(Clone, Debug, Default)]
pub struct StoreValuesInput {
    /// The values, by name.
    pub values: BTreeMap<String, ClearValue>,
    /// How many days the nodes keep them; `None` leaves it to the nodes.
    pub ttl_days: Option<u32>,
    /// Who may do what; required for a new store, optional for an update. On an update they
    /// replace the record's whole permissions, owner included (docs/node-checks.md §2).
    pub permissions: Option<Permissions>,
    /// Overwrite these stored values instead of storing new ones.
    pub update: Option<Uuid>,
}

/// Stores one set of values on every member.
#[derive(Debug)]
pub struct StoreValuesCall {
    members: Vec<Target>,
    shares: Vec<Vec<NamedValue>>,
    quote: PriceQuoteRequest,
    permissions: Option<nilvm_proto::nillion::permissions::v1::permissions::Permissions>,
    update: Option<Uuid>,
    receipt: Option<SignedReceipt>,
}

impl StoreValuesCall {
    /// Masks the values for every member and prepares the quote request.
    pub fn new<R: CryptoRng + ?Sized>(
        context: &OperationContext,
        input: StoreValuesInput,
        rng: &mut R,
    ) -> Result<Self, OperationError> {
        if input.values.is_empty() {
            return Err(OperationError::InvalidInput("no values to store".into()));
        }
        if input.update.is_none() && input.permissions.is_none() {
            return Err(OperationError::InvalidInput(
                "permissions are required to store new values".into(),
            ));
        }
        let MemberShares {
            shares,
            payload_size,
        } = mask_for_members(context, &input.values, rng)?;
        let counts = classify(input.values.values(), context.masker.prime());
        let counts = StoreValuesCounts {
            secret_shared: counts.shares,
            public_values: counts.public,
            ecdsa_private_key_shares: counts.ecdsa_private_key_shares,
            ecdsa_signature_shares: counts.ecdsa_signature_shares,
        };
        let quote = quote_request::store_values(&counts, payload_size, input.ttl_days);
        Ok(Self {
            members: context.member_targets(),
            shares,
            quote,
            permissions: input.permissions.as_ref().map(Permissions::to_proto),
            update: input.update,
            receipt: None,
        })
    }
}

/// Starts storing values: quote, payment, receipt, then every member's shares.
pub fn store_values<R: CryptoRng + ?Sized>(
    now: Timestamp,
    context: &OperationContext,
    input: StoreValuesInput,
    rng: &mut R,
) -> Result<Paid<StoreValuesCall>, OperationError> {
    Ok(Paid::start(
        now,
        context,
        StoreValuesCall::new(context, input, rng)?,
    ))
}

impl PaidCall for StoreValuesCall {
    fn quote_request(&self) -> PriceQuoteRequest {
        self.quote.clone()
    }

    fn set_receipt(&mut self, receipt: SignedReceipt) {
        self.receipt = Some(receipt);
    }
}

impl NodeCall for StoreValuesCall {
    type NodeReply = Uuid;
    type Output = Uuid;

    fn requests(&mut self) -> Vec<(Target, Request)> {
        let update_identifier = self
            .update
            .map(|id| id.as_bytes().to_vec())
            .unwrap_or_default();
        let shares = core::mem::take(&mut self.shares);
        self.members
            .iter()
            .cloned()
            .zip(shares)
            .map(|(member, values)| {
                let request = StoreValuesRequest {
                    signed_receipt: self.receipt.clone(),
                    permissions: self.permissions.clone(),
                    update_identifier: update_identifier.clone(),
                    values,
                };
                (member, Request::StoreValues(request))
            })
            .collect()
    }

    fn parse(&mut self, node: &Target, reply: Reply) -> Result<Option<Uuid>, OperationError> {
        let Reply::StoreValues(reply) = reply else {
            return Err(OperationError::unexpected_reply(
                node,
                Method::StoreValues,
                reply.method(),
            ));
        };
        Uuid::from_slice(&reply.values_id).map(Some).map_err(|_| {
            OperationError::misbehaving(node, Misbehaviour::MalformedId { field: "values_id" })
        })
    }

    fn finish(self, replies: Vec<(Target, Uuid)>) -> Result<Uuid, OperationError> {
        all_equal("values id", &replies)?;
        let (_, id) = replies
            .into_iter()
            .next()
            .ok_or(OperationError::ApiMisuse("no member replied"))?;
        if let Some(update) = self.update {
            if id != update {
                return Err(OperationError::Inconsistent(alloc::format!(
                    "the nodes updated values {id} instead of {update}"
                )));
            }
        }
        Ok(id)
    }
}
