//! Paying for operations: quote requests, signed quotes, receipts, payment modes, add funds and
//! the nilchain `MsgPayFor` transaction.
//!
//! A paid operation goes quote -> pay -> receipt -> invoke:
//!
//! 1. build the [`PriceQuoteRequest`] for the operation ([`quote_request`]) and send it to the
//!    leader;
//! 2. check the signed quote it answers with ([`validate_quote`]): leader signature, the
//!    quoted request is exactly ours, not expired, not above the user's maximum fee;
//! 3. pay: from the balance, or on chain with a [`chain_tx`] transaction whose resource is the
//!    quote nonce ([`Payment`] drives this, including the fallback from balance to chain);
//! 4. ask for the receipt ([`receipt_request`]) and check it ([`validate_receipt`]); the
//!    operation request then carries the signed receipt unchanged.
//!
//! The leader and node sides live beside the client sides: [`sign_quote`], [`sign_receipt`],
//! [`verify_receipt_on_node`], [`decode_add_funds_payload`], [`decode_pay_for`].

pub mod add_funds;
pub mod chain_tx;
pub mod mode;
pub mod quote;
pub mod quote_request;
pub mod receipt;

use core::fmt;

use nilvm_proto::nillion::payments::v1::quote::{PriceQuoteRequest, price_quote_request};
use nilvm_proto::nillion::payments::v1::receipt::{OperationMetadata, operation_metadata};

pub use add_funds::{AddFundsError, AddFundsPayload, decode_add_funds_payload};
pub use chain_tx::{ChainTxError, SignedTx, TxParams, decode_pay_for, nillion_address, pay_for_tx};
pub use mode::{Payment, PaymentAction, PaymentError, PaymentMode};
pub use quote::{Fees, MaxFee, Quote, QuoteError, sign_quote, validate_quote, verify_signed_quote};
pub use receipt::{
    NodeReceiptError, Receipt, ReceiptError, UsedReceipts, receipt_request, sign_receipt,
    validate_receipt, verify_receipt_on_node, verify_signed_receipt,
};

/// The kinds of paid operations, as named in quotes and receipts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum OperationKind {
    /// Pool status (leader query).
    PoolStatus,
    /// Store a program.
    StoreProgram,
    /// Retrieve values.
    RetrieveValues,
    /// Retrieve permissions.
    RetrievePermissions,
    /// Store (or update) values.
    StoreValues,
    /// Invoke a computation.
    InvokeCompute,
    /// Overwrite permissions.
    OverwritePermissions,
    /// Update permissions.
    UpdatePermissions,
}

/// The one mapping from a paid-operation oneof to [`OperationKind`]: quote requests and
/// receipt metadata carry parallel oneofs with the same variant names.
macro_rules! operation_kind {
    ($oneof:path, $operation:expr) => {{
        use $oneof as Op;
        match $operation {
            Op::PoolStatus(()) => OperationKind::PoolStatus,
            Op::StoreProgram(_) => OperationKind::StoreProgram,
            Op::RetrieveValues(_) => OperationKind::RetrieveValues,
            Op::RetrievePermissions(_) => OperationKind::RetrievePermissions,
            Op::StoreValues(_) => OperationKind::StoreValues,
            Op::InvokeCompute(_) => OperationKind::InvokeCompute,
            Op::OverwritePermissions(_) => OperationKind::OverwritePermissions,
            Op::UpdatePermissions(_) => OperationKind::UpdatePermissions,
        }
    }};
}

impl OperationKind {
    /// The operation a quote request is for, if any is set.
    pub fn of_request(request: &PriceQuoteRequest) -> Option<Self> {
        Some(operation_kind!(
            price_quote_request::Operation,
            request.operation.as_ref()?
        ))
    }

    /// The operation a receipt is for, if any is set.
    pub fn of_metadata(metadata: &OperationMetadata) -> Option<Self> {
        Some(operation_kind!(
            operation_metadata::Operation,
            metadata.operation.as_ref()?
        ))
    }

    /// The name the nodes use in "receipt is not for a '`<name>`' operation".
    pub const fn name(self) -> &'static str {
        match self {
            OperationKind::PoolStatus => "pool status",
            OperationKind::StoreProgram => "store program",
            OperationKind::RetrieveValues => "retrieve values",
            OperationKind::RetrievePermissions => "retrieve permissions",
            OperationKind::StoreValues => "store values",
            OperationKind::InvokeCompute => "invoke compute",
            OperationKind::OverwritePermissions => "overwrite permissions",
            OperationKind::UpdatePermissions => "update permissions",
        }
    }
}

impl fmt::Display for OperationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use alloc::collections::BTreeSet;
    use alloc::vec::Vec;

    use nilvm_proto::nillion::payments::v1::quote::SignedQuote;
    use nilvm_proto::nillion::payments::v1::receipt::SignedReceipt;
    use proptest::prelude::*;

    use super::*;
    use crate::identity::UserKey;
    use crate::time::Timestamp;

    proptest! {
        /// Untrusted bytes never panic the decoders and verifiers.
        #[test]
        fn no_panic_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..300), sig in proptest::collection::vec(any::<u8>(), 0..80)) {
            let key = UserKey::from_bytes(&[0x51; 32]).unwrap();
            let leader = key.public_key();
            let now = Timestamp::from_unix_seconds(0);
            let quote = SignedQuote { quote: bytes.clone(), signature: sig.clone() };
            let _ = verify_signed_quote(&quote, &leader);
            // Correctly signed garbage exercises the decoding paths.
            let signed = key.sign(&bytes).unwrap().to_vec();
            let quote = SignedQuote { quote: bytes.clone(), signature: signed.clone() };
            let _ = verify_signed_quote(&quote, &leader);
            let receipt = SignedReceipt { receipt: bytes.clone(), signature: signed };
            let _ = verify_signed_receipt(&receipt, &leader);
            let mut used: BTreeSet<uuid::Uuid> = BTreeSet::new();
            let _ = verify_receipt_on_node(Some(&receipt), &leader, OperationKind::StoreValues, now, &mut used);
            let _ = decode_add_funds_payload(&bytes, &leader);
            let _ = chain_tx::decode_pay_for_body(&bytes);
            let _ = crate::auth::verify_token(&bytes, &crate::identity::NodeId::from_public_key_bytes(&sig), now);
            let mut status = crate::rpc::Status::new(crate::rpc::Code::FailedPrecondition, "x");
            status.details = bytes.clone();
            let _ = status.is_insufficient_balance();
            if let Ok(cluster) = <nilvm_proto::nillion::membership::v1::cluster::Cluster as nilvm_proto::Message>::decode(bytes.as_slice()) {
                let _ = crate::cluster::Cluster::from_proto(&cluster);
            }
            if let Ok(p) = <nilvm_proto::nillion::permissions::v1::permissions::Permissions as nilvm_proto::Message>::decode(bytes.as_slice()) {
                let _ = crate::permissions::Permissions::from_proto(&p);
            }
            let text: Vec<u8> = bytes.iter().map(|b| b % 128).collect();
            if let Ok(s) = core::str::from_utf8(&text) {
                let _ = chain_tx::parse_nillion_address(s);
                let _ = s.parse::<crate::identity::UserId>();
                let _ = crate::identity::UserKey::from_hex(s);
            }
        }
    }
}
