//! Payment receipts: the request (client), signing (leader), validation (client) and the
//! per-node verification every paid RPC starts with (node).

use alloc::collections::BTreeSet;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use nilvm_proto::Message;
use nilvm_proto::nillion::payments::v1::quote::{PriceQuoteRequest, price_quote_request};
use nilvm_proto::nillion::payments::v1::receipt::{
    InvokeComputeMetadata, OperationMetadata, PaymentReceiptRequest, Receipt as ProtoReceipt,
    SelectedAuxiliaryMaterial, SelectedPreprocessingOffsets, SignedReceipt, operation_metadata,
};
use uuid::Uuid;

use super::OperationKind;
use super::quote::Quote;
use crate::identity::{IdentityError, UserKey, Verifier};
use crate::time::Timestamp;

/// Why a receipt was rejected by the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiptError {
    /// Signing failed (leader side).
    #[error("failed to sign receipt")]
    SigningFailed,
    /// The leader's signature does not verify.
    #[error("invalid signature")]
    InvalidSignature(#[source] IdentityError),
    /// The receipt bytes are not a `Receipt`.
    #[error("malformed receipt: {0}")]
    Malformed(String),
    /// A required field is missing.
    #[error("malformed receipt: '{0}' not set")]
    MissingField(&'static str),
    /// The identifier is not 16 bytes.
    #[error("malformed receipt: identifier is {0} bytes, expected 16")]
    InvalidIdentifier(usize),
    /// The expiry is not a valid timestamp.
    #[error("malformed receipt: invalid 'expires_at'")]
    InvalidExpiry,
    /// The metadata names no operation.
    #[error("malformed receipt: no operation")]
    NoOperation,
    /// The receipt is for another operation than the quote.
    #[error("the receipt is for another operation ({receipt}) than the quote ({quote})")]
    OperationMismatch {
        /// What the quote is for.
        quote: OperationKind,
        /// What the receipt is for.
        receipt: OperationKind,
    },
    /// The receipt names the quote's operation with other parameters.
    #[error("the receipt's {0} parameters differ from the quote's")]
    ParametersMismatch(OperationKind),
    /// The receipt expired.
    #[error("receipt expired at {expires_at} (now {now})")]
    Expired {
        /// The receipt's expiry.
        expires_at: Timestamp,
        /// The time it was checked at.
        now: Timestamp,
    },
}

/// A decoded receipt whose leader signature verified. It keeps the signed receipt, which the
/// operation requests carry unchanged.
#[derive(Clone, Debug, PartialEq)]
pub struct Receipt {
    identifier: Uuid,
    metadata: OperationMetadata,
    kind: OperationKind,
    expires_at: Timestamp,
    signed: SignedReceipt,
}

impl Receipt {
    /// The identifier: the values id of a new store, the compute id of a computation.
    pub fn identifier(&self) -> Uuid {
        self.identifier
    }

    /// The operation paid for, with its parameters.
    pub fn metadata(&self) -> &OperationMetadata {
        &self.metadata
    }

    /// The kind of operation paid for.
    pub fn kind(&self) -> OperationKind {
        self.kind
    }

    /// When the receipt expires.
    pub fn expires_at(&self) -> Timestamp {
        self.expires_at
    }

    /// Whether the receipt is expired at `now` (`expires_at < now`, as the nodes check).
    pub fn is_expired(&self, now: Timestamp) -> bool {
        self.expires_at < now
    }

    /// The signed receipt as received.
    pub fn signed(&self) -> &SignedReceipt {
        &self.signed
    }

    /// The values id the receipt names (retrieve values and the permissions operations).
    pub fn values_id(&self) -> Option<Uuid> {
        use operation_metadata::Operation as Op;
        let bytes = match self.metadata.operation.as_ref()? {
            Op::RetrieveValues(op) => &op.values_id,
            Op::RetrievePermissions(op) => &op.values_id,
            Op::OverwritePermissions(op) => &op.values_id,
            Op::UpdatePermissions(op) => &op.values_id,
            _ => return None,
        };
        Uuid::from_slice(bytes).ok()
    }
}

/// The PaymentReceipt request for a quote: `tx_hash` of the on-chain payment, or `None` to
/// pay from the balance.
pub fn receipt_request(quote: &Quote, tx_hash: Option<&str>) -> PaymentReceiptRequest {
    PaymentReceiptRequest {
        signed_quote: Some(quote.signed().clone()),
        tx_hash: tx_hash.unwrap_or_default().into(),
    }
}

/// The receipt metadata for a quoted request (leader side): the request's operation, with
/// invoke compute wrapped in `InvokeComputeMetadata` together with the reserved offsets.
pub fn operation_metadata(
    request: &PriceQuoteRequest,
    offsets: Vec<SelectedPreprocessingOffsets>,
    auxiliary_materials: Vec<SelectedAuxiliaryMaterial>,
) -> Option<OperationMetadata> {
    use operation_metadata::Operation as Meta;
    use price_quote_request::Operation as Op;
    let operation = match request.operation.clone()? {
        Op::PoolStatus(()) => Meta::PoolStatus(()),
        Op::StoreProgram(op) => Meta::StoreProgram(op),
        Op::RetrieveValues(op) => Meta::RetrieveValues(op),
        Op::RetrievePermissions(op) => Meta::RetrievePermissions(op),
        Op::StoreValues(op) => Meta::StoreValues(op),
        Op::InvokeCompute(op) => Meta::InvokeCompute(InvokeComputeMetadata {
            quote: Some(op),
            offsets,
            auxiliary_materials,
        }),
        Op::OverwritePermissions(op) => Meta::OverwritePermissions(op),
        Op::UpdatePermissions(op) => Meta::UpdatePermissions(op),
    };
    Some(OperationMetadata {
        operation: Some(operation),
    })
}

/// A receipt (leader side): the identifier is a UUID v4 made from 16 random bytes.
pub fn new_receipt(
    random_identifier: [u8; 16],
    metadata: OperationMetadata,
    expires_at: Timestamp,
) -> ProtoReceipt {
    let identifier = uuid::Builder::from_random_bytes(random_identifier).into_uuid();
    ProtoReceipt {
        identifier: identifier.as_bytes().to_vec(),
        metadata: Some(metadata),
        expires_at: Some(expires_at.into()),
    }
}

/// Encodes and signs a receipt with the leader's key (leader side).
pub fn sign_receipt(
    leader: &UserKey,
    receipt: &ProtoReceipt,
) -> Result<SignedReceipt, ReceiptError> {
    let bytes = receipt.encode_to_vec();
    let signature = leader
        .sign(&bytes)
        .map_err(|_| ReceiptError::SigningFailed)?;
    Ok(SignedReceipt {
        receipt: bytes,
        signature: signature.to_vec(),
    })
}

/// Verifies the leader's signature over the receipt bytes (low-s only) and decodes them,
/// requiring a 16-byte identifier, metadata with an operation, and an expiry.
pub fn verify_signed_receipt<'k>(
    signed: &SignedReceipt,
    leader_key: impl Into<Verifier<'k>>,
) -> Result<Receipt, ReceiptError> {
    leader_key
        .into()
        .verify(&signed.receipt, &signed.signature)
        .map_err(ReceiptError::InvalidSignature)?;
    decode_receipt(signed)
}

fn decode_receipt(signed: &SignedReceipt) -> Result<Receipt, ReceiptError> {
    let receipt = ProtoReceipt::decode(signed.receipt.as_slice())
        .map_err(|e| ReceiptError::Malformed(e.to_string()))?;
    let identifier = Uuid::from_slice(&receipt.identifier)
        .map_err(|_| ReceiptError::InvalidIdentifier(receipt.identifier.len()))?;
    let metadata = receipt
        .metadata
        .ok_or(ReceiptError::MissingField("metadata"))?;
    let kind = OperationKind::of_metadata(&metadata).ok_or(ReceiptError::NoOperation)?;
    let expires_at = receipt
        .expires_at
        .as_ref()
        .ok_or(ReceiptError::MissingField("expires_at"))
        .and_then(|t| Timestamp::try_from(t).map_err(|_| ReceiptError::InvalidExpiry))?;
    Ok(Receipt {
        identifier,
        metadata,
        kind,
        expires_at,
        signed: signed.clone(),
    })
}

/// Whether receipt metadata names exactly the operation a quote request asked for. For
/// invoke compute, the quoted part is compared and the reserved offsets are the leader's.
fn metadata_matches(metadata: &OperationMetadata, request: &PriceQuoteRequest) -> bool {
    use operation_metadata::Operation as Meta;
    use price_quote_request::Operation as Op;
    match (&metadata.operation, &request.operation) {
        (Some(Meta::PoolStatus(())), Some(Op::PoolStatus(()))) => true,
        (Some(Meta::StoreProgram(a)), Some(Op::StoreProgram(b))) => a == b,
        (Some(Meta::RetrieveValues(a)), Some(Op::RetrieveValues(b))) => a == b,
        (Some(Meta::RetrievePermissions(a)), Some(Op::RetrievePermissions(b))) => a == b,
        (Some(Meta::StoreValues(a)), Some(Op::StoreValues(b))) => a == b,
        (Some(Meta::InvokeCompute(a)), Some(Op::InvokeCompute(b))) => a.quote.as_ref() == Some(b),
        (Some(Meta::OverwritePermissions(a)), Some(Op::OverwritePermissions(b))) => a == b,
        (Some(Meta::UpdatePermissions(a)), Some(Op::UpdatePermissions(b))) => a == b,
        _ => false,
    }
}

/// Everything a client checks on a receipt: the leader's signature, the operation and its
/// parameters match the quote's, and it is not expired at `now`.
pub fn validate_receipt<'k>(
    signed: &SignedReceipt,
    leader_key: impl Into<Verifier<'k>>,
    quote: &Quote,
    now: Timestamp,
) -> Result<Receipt, ReceiptError> {
    let receipt = verify_signed_receipt(signed, leader_key)?;
    if receipt.kind != quote.kind() {
        return Err(ReceiptError::OperationMismatch {
            quote: quote.kind(),
            receipt: receipt.kind,
        });
    }
    if !metadata_matches(&receipt.metadata, quote.request()) {
        return Err(ReceiptError::ParametersMismatch(receipt.kind));
    }
    if receipt.is_expired(now) {
        return Err(ReceiptError::Expired {
            expires_at: receipt.expires_at,
            now,
        });
    }
    Ok(receipt)
}

/// A node's table of receipt identifiers already used (one per node: a receipt works once per
/// node).
pub trait UsedReceipts {
    /// Records `identifier` as used until `expires_at`; returns `false` if it already was.
    fn mark_used(&mut self, identifier: Uuid, expires_at: Option<Timestamp>) -> bool;
}

impl UsedReceipts for BTreeSet<Uuid> {
    fn mark_used(&mut self, identifier: Uuid, _expires_at: Option<Timestamp>) -> bool {
        self.insert(identifier)
    }
}

/// Why a node refused a receipt. `Display` gives the node's text and
/// [`NodeReceiptError::grpc_code`] its status code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NodeReceiptError {
    /// No receipt in the request (`field` is `signed_receipt`, or `receipt` for pool status).
    #[error("protobuf parsing error: '{field}' not set")]
    Missing {
        /// The request field.
        field: &'static str,
    },
    /// The leader's signature does not verify.
    #[error("invalid signature")]
    InvalidSignature,
    /// The receipt does not decode.
    #[error("internal error")]
    Undecodable,
    /// This node has seen the receipt before.
    #[error("nonce already used")]
    AlreadyUsed,
    /// The receipt expired (the nodes say "quote" here too).
    #[error("quote expired")]
    Expired,
    /// The receipt is for another operation.
    #[error("receipt is not for a '{0}' operation")]
    WrongOperation(OperationKind),
}

impl NodeReceiptError {
    /// The gRPC status code: INVALID_ARGUMENT (3), FAILED_PRECONDITION (9) or INTERNAL (13).
    pub const fn grpc_code(&self) -> i32 {
        match self {
            NodeReceiptError::Missing { .. }
            | NodeReceiptError::InvalidSignature
            | NodeReceiptError::WrongOperation(_) => 3,
            NodeReceiptError::AlreadyUsed | NodeReceiptError::Expired => 9,
            NodeReceiptError::Undecodable => 13,
        }
    }
}

/// A node's receipt check for an RPC of kind `expected`, in the nodes' order: presence,
/// signature, decoding, **marking the identifier used** (before any other check, so a request
/// failing later still burns the receipt on this node), expiry, operation kind.
pub fn verify_receipt_on_node<'k, U: UsedReceipts + ?Sized>(
    signed: Option<&SignedReceipt>,
    leader_key: impl Into<Verifier<'k>>,
    expected: OperationKind,
    now: Timestamp,
    used: &mut U,
) -> Result<Receipt, NodeReceiptError> {
    let field = match expected {
        OperationKind::PoolStatus => "receipt",
        _ => "signed_receipt",
    };
    let signed = signed.ok_or(NodeReceiptError::Missing { field })?;
    leader_key
        .into()
        .verify(&signed.receipt, &signed.signature)
        .map_err(|_| NodeReceiptError::InvalidSignature)?;
    let receipt = decode_receipt(signed).map_err(|_| NodeReceiptError::Undecodable)?;
    if !used.mark_used(receipt.identifier, Some(receipt.expires_at)) {
        return Err(NodeReceiptError::AlreadyUsed);
    }
    if receipt.is_expired(now) {
        return Err(NodeReceiptError::Expired);
    }
    if receipt.kind != expected {
        return Err(NodeReceiptError::WrongOperation(expected));
    }
    Ok(receipt)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payments::quote::tests::{at, leader, signed_quote, store_request};
    use crate::payments::quote::verify_signed_quote;
    use crate::payments::quote_request;

    fn quote_for(request: PriceQuoteRequest) -> Quote {
        verify_signed_quote(&signed_quote(request, 1000), &leader().public_key()).unwrap()
    }

    fn signed_receipt_for(request: &PriceQuoteRequest, expires: i64) -> SignedReceipt {
        let metadata = operation_metadata(request, Vec::new(), Vec::new()).unwrap();
        sign_receipt(&leader(), &new_receipt([8; 16], metadata, at(expires))).unwrap()
    }

    #[test]
    fn request_carries_the_signed_quote() {
        let quote = quote_for(store_request());
        let from_balance = receipt_request(&quote, None);
        assert_eq!(from_balance.tx_hash, "");
        assert_eq!(from_balance.signed_quote.as_ref(), Some(quote.signed()));
        assert_eq!(receipt_request(&quote, Some("ABC")).tx_hash, "ABC");
    }

    #[test]
    fn valid_receipt() {
        let quote = quote_for(store_request());
        let signed = signed_receipt_for(&store_request(), 2000);
        let receipt = validate_receipt(&signed, &leader().public_key(), &quote, at(2000)).unwrap();
        assert_eq!(receipt.kind(), OperationKind::StoreValues);
        assert_eq!(receipt.identifier().get_version_num(), 4);
        assert_eq!(receipt.expires_at(), at(2000));
        assert_eq!(receipt.signed(), &signed);
        assert_eq!(receipt.values_id(), None);
    }

    #[test]
    fn invoke_compute_metadata_wraps_the_quote() {
        let request = quote_request::invoke_compute("builtin/tecdsa_sign", 10);
        let offsets = alloc::vec![SelectedPreprocessingOffsets {
            element: 2,
            start: 0,
            end: 5,
            batch_size: 1,
        }];
        let metadata = operation_metadata(&request, offsets, Vec::new()).unwrap();
        let signed = sign_receipt(&leader(), &new_receipt([1; 16], metadata, at(10))).unwrap();
        let quote = quote_for(request);
        let receipt = validate_receipt(&signed, &leader().public_key(), &quote, at(0)).unwrap();
        assert_eq!(receipt.kind(), OperationKind::InvokeCompute);
        // Another program in the receipt.
        let other = quote_request::invoke_compute("builtin/teddsa_sign", 10);
        let signed = signed_receipt_for(&other, 10);
        assert_eq!(
            validate_receipt(&signed, &leader().public_key(), &quote, at(0)),
            Err(ReceiptError::ParametersMismatch(
                OperationKind::InvokeCompute
            ))
        );
    }

    #[test]
    fn receipt_for_another_operation() {
        let quote = quote_for(store_request());
        let signed = signed_receipt_for(&quote_request::pool_status(), 2000);
        assert_eq!(
            validate_receipt(&signed, &leader().public_key(), &quote, at(0)),
            Err(ReceiptError::OperationMismatch {
                quote: OperationKind::StoreValues,
                receipt: OperationKind::PoolStatus
            })
        );
        // Same kind, another values id.
        let id = Uuid::from_bytes([1; 16]);
        let quote = quote_for(quote_request::retrieve_values(id));
        let signed = signed_receipt_for(
            &quote_request::retrieve_values(Uuid::from_bytes([2; 16])),
            2000,
        );
        let err = validate_receipt(&signed, &leader().public_key(), &quote, at(0)).unwrap_err();
        assert_eq!(
            err,
            ReceiptError::ParametersMismatch(OperationKind::RetrieveValues)
        );
        let signed = signed_receipt_for(&quote_request::retrieve_values(id), 2000);
        let receipt = validate_receipt(&signed, &leader().public_key(), &quote, at(0)).unwrap();
        assert_eq!(receipt.values_id(), Some(id));
    }

    #[test]
    fn expired_receipt() {
        let quote = quote_for(store_request());
        let signed = signed_receipt_for(&store_request(), 2000);
        assert!(matches!(
            validate_receipt(&signed, &leader().public_key(), &quote, at(2001)),
            Err(ReceiptError::Expired { .. })
        ));
    }

    #[test]
    fn wrong_signature_and_malformed() {
        let quote = quote_for(store_request());
        let mut signed = signed_receipt_for(&store_request(), 2000);
        signed.receipt[3] ^= 1;
        assert!(matches!(
            validate_receipt(&signed, &leader().public_key(), &quote, at(0)),
            Err(ReceiptError::InvalidSignature(_))
        ));
        let other = UserKey::from_bytes(&[3; 32]).unwrap().public_key();
        let signed = signed_receipt_for(&store_request(), 2000);
        assert!(matches!(
            validate_receipt(&signed, &other, &quote, at(0)),
            Err(ReceiptError::InvalidSignature(_))
        ));

        let key = leader().public_key();
        let metadata = operation_metadata(&store_request(), Vec::new(), Vec::new()).unwrap();
        let good = new_receipt([8; 16], metadata, at(5));
        let sign = |r: &ProtoReceipt| sign_receipt(&leader(), r).unwrap();

        let mut r = good.clone();
        r.identifier.pop();
        assert_eq!(
            verify_signed_receipt(&sign(&r), &key),
            Err(ReceiptError::InvalidIdentifier(15))
        );
        let mut r = good.clone();
        r.metadata = None;
        assert_eq!(
            verify_signed_receipt(&sign(&r), &key),
            Err(ReceiptError::MissingField("metadata"))
        );
        let mut r = good.clone();
        r.metadata = Some(OperationMetadata::default());
        assert_eq!(
            verify_signed_receipt(&sign(&r), &key),
            Err(ReceiptError::NoOperation)
        );
        let mut r = good.clone();
        r.expires_at = None;
        assert_eq!(
            verify_signed_receipt(&sign(&r), &key),
            Err(ReceiptError::MissingField("expires_at"))
        );
        let mut r = good;
        r.expires_at = Some(nilvm_proto::well_known::Timestamp {
            seconds: 1,
            nanos: 2_000_000_000,
        });
        assert_eq!(
            verify_signed_receipt(&sign(&r), &key),
            Err(ReceiptError::InvalidExpiry)
        );
        let bytes = alloc::vec![0xff; 4];
        let signature = leader().sign(&bytes).unwrap().to_vec();
        assert!(matches!(
            verify_signed_receipt(
                &SignedReceipt {
                    receipt: bytes,
                    signature
                },
                &key
            ),
            Err(ReceiptError::Malformed(_))
        ));
    }

    #[test]
    fn node_verification_order_and_texts() {
        let key = leader().public_key();
        let mut used = BTreeSet::new();
        let signed = signed_receipt_for(&store_request(), 100);

        let err = verify_receipt_on_node(None, &key, OperationKind::StoreValues, at(0), &mut used)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "protobuf parsing error: 'signed_receipt' not set"
        );
        assert_eq!(err.grpc_code(), 3);
        let err = verify_receipt_on_node(None, &key, OperationKind::PoolStatus, at(0), &mut used)
            .unwrap_err();
        assert_eq!(err.to_string(), "protobuf parsing error: 'receipt' not set");

        // Wrong operation: rejected, but the receipt is burnt on this node.
        let err = verify_receipt_on_node(
            Some(&signed),
            &key,
            OperationKind::RetrieveValues,
            at(0),
            &mut used,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "receipt is not for a 'retrieve values' operation"
        );
        assert_eq!(err.grpc_code(), 3);
        let err = verify_receipt_on_node(
            Some(&signed),
            &key,
            OperationKind::StoreValues,
            at(0),
            &mut used,
        )
        .unwrap_err();
        assert_eq!(err, NodeReceiptError::AlreadyUsed);
        assert_eq!(
            (err.to_string().as_str(), err.grpc_code()),
            ("nonce already used", 9)
        );

        // Another node (its own table) accepts it once.
        let mut other_node = BTreeSet::new();
        let receipt = verify_receipt_on_node(
            Some(&signed),
            &key,
            OperationKind::StoreValues,
            at(100),
            &mut other_node,
        )
        .unwrap();
        assert_eq!(receipt.kind(), OperationKind::StoreValues);

        // Expired: also burnt first.
        let mut fresh = BTreeSet::new();
        let err = verify_receipt_on_node(
            Some(&signed),
            &key,
            OperationKind::StoreValues,
            at(101),
            &mut fresh,
        )
        .unwrap_err();
        assert_eq!(
            (err.to_string().as_str(), err.grpc_code()),
            ("quote expired", 9)
        );
        assert_eq!(fresh.len(), 1);

        // Bad signature: nothing is burnt.
        let mut bad = signed.clone();
        bad.signature[10] ^= 1;
        let mut untouched = BTreeSet::new();
        let err = verify_receipt_on_node(
            Some(&bad),
            &key,
            OperationKind::StoreValues,
            at(0),
            &mut untouched,
        )
        .unwrap_err();
        assert_eq!(
            (err.to_string().as_str(), err.grpc_code()),
            ("invalid signature", 3)
        );
        assert!(untouched.is_empty());

        // Signed garbage.
        let bytes = alloc::vec![0xff; 4];
        let signature = leader().sign(&bytes).unwrap().to_vec();
        let garbage = SignedReceipt {
            receipt: bytes,
            signature,
        };
        let err = verify_receipt_on_node(
            Some(&garbage),
            &key,
            OperationKind::StoreValues,
            at(0),
            &mut untouched,
        )
        .unwrap_err();
        assert_eq!(
            (err.to_string().as_str(), err.grpc_code()),
            ("internal error", 13)
        );
    }
}
