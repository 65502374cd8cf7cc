//! The price-quote request of each paid operation.
//!
//! Fees are flat per operation kind, but the leader checks payload sizes against its maximum,
//! and the nodes later take some facts from the receipt, which echoes this request: the values
//! id (retrieve values, permissions operations), the TTL (store values), the program name and
//! hash (store program), the program id (invoke compute).

use alloc::string::String;

use nilvm_proto::nillion::payments::v1::quote::{
    self as proto, PriceQuoteRequest, ProgramMetadata, price_quote_request::Operation,
};
use uuid::Uuid;

use crate::identity::sha256;

/// What a store-values quote counts, from classifying the values (done by the masking module).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StoreValuesCounts {
    /// Number of secret values (values, not shares).
    pub secret_shared: u64,
    /// Number of public values.
    pub public_values: u64,
    /// Number of ECDSA private key shares.
    pub ecdsa_private_key_shares: u64,
    /// Number of ECDSA signature shares.
    pub ecdsa_signature_shares: u64,
}

fn request(operation: Operation) -> PriceQuoteRequest {
    PriceQuoteRequest {
        operation: Some(operation),
    }
}

/// Store values. `payload_size` is Σ over the first party's named values of (name length in
/// UTF-8 bytes + encoded `Value` length). `ttl_days`: `None` leaves the field absent (the node
/// then keeps values for 3650 days); `Some(0)` is an explicit zero (values expire at once).
pub fn store_values(
    counts: &StoreValuesCounts,
    payload_size: u64,
    ttl_days: Option<u32>,
) -> PriceQuoteRequest {
    request(Operation::StoreValues(proto::StoreValues {
        secret_shared_count: counts.secret_shared,
        public_values_count: counts.public_values,
        ttl_days,
        payload_size,
        ecdsa_private_key_shares_count: counts.ecdsa_private_key_shares,
        ecdsa_signature_shares_count: counts.ecdsa_signature_shares,
    }))
}

/// Retrieve values; the values id travels in the receipt only.
pub fn retrieve_values(values_id: Uuid) -> PriceQuoteRequest {
    request(Operation::RetrieveValues(proto::RetrieveValues {
        values_id: values_id.as_bytes().to_vec(),
    }))
}

/// Retrieve permissions.
pub fn retrieve_permissions(values_id: Uuid) -> PriceQuoteRequest {
    request(Operation::RetrievePermissions(proto::RetrievePermissions {
        values_id: values_id.as_bytes().to_vec(),
    }))
}

/// Overwrite permissions.
pub fn overwrite_permissions(values_id: Uuid) -> PriceQuoteRequest {
    request(Operation::OverwritePermissions(
        proto::OverwritePermissions {
            values_id: values_id.as_bytes().to_vec(),
        },
    ))
}

/// Update permissions.
pub fn update_permissions(values_id: Uuid) -> PriceQuoteRequest {
    request(Operation::UpdatePermissions(proto::UpdatePermissions {
        values_id: values_id.as_bytes().to_vec(),
    }))
}

/// Invoke compute. `values_payload_size` uses the store-values formula over the compute-time
/// values.
pub fn invoke_compute(
    program_id: impl Into<String>,
    values_payload_size: u64,
) -> PriceQuoteRequest {
    request(Operation::InvokeCompute(proto::InvokeCompute {
        program_id: program_id.into(),
        values_payload_size,
    }))
}

/// Store a program, given the SHA-256 of its bytes.
pub fn store_program(
    metadata: ProgramMetadata,
    contents_sha256: [u8; 32],
    name: impl Into<String>,
) -> PriceQuoteRequest {
    request(Operation::StoreProgram(proto::StoreProgram {
        metadata: Some(metadata),
        contents_sha256: contents_sha256.to_vec(),
        name: name.into(),
    }))
}

/// Store a program, hashing its bytes (the compiled `.nada.bin`).
pub fn store_program_bytes(
    metadata: ProgramMetadata,
    program: &[u8],
    name: impl Into<String>,
) -> PriceQuoteRequest {
    store_program(metadata, sha256(program), name)
}

/// Pool status (encodes as `0a 00`: the empty message selected explicitly).
pub fn pool_status() -> PriceQuoteRequest {
    request(Operation::PoolStatus(()))
}

#[cfg(test)]
mod tests {
    use nilvm_proto::Message;

    use super::*;
    use crate::payments::OperationKind;

    #[test]
    fn pool_status_encodes_like_python() {
        assert_eq!(pool_status().encode_to_vec(), [0x0a, 0x00]);
        let decoded = PriceQuoteRequest::decode([0x0a, 0x00].as_slice()).unwrap();
        assert_eq!(decoded, pool_status());
    }

    #[test]
    fn store_values_keeps_ttl_presence() {
        let counts = StoreValuesCounts {
            secret_shared: 2,
            public_values: 1,
            ..StoreValuesCounts::default()
        };
        let absent = store_values(&counts, 100, None);
        let zero = store_values(&counts, 100, Some(0));
        assert_ne!(absent.encode_to_vec(), zero.encode_to_vec());
        let decoded = PriceQuoteRequest::decode(zero.encode_to_vec().as_slice()).unwrap();
        let Some(Operation::StoreValues(sv)) = decoded.operation else {
            panic!("store values expected");
        };
        assert_eq!(sv.ttl_days, Some(0));
        assert_eq!(
            (
                sv.secret_shared_count,
                sv.public_values_count,
                sv.payload_size
            ),
            (2, 1, 100)
        );
        assert_eq!(
            OperationKind::of_request(&absent),
            Some(OperationKind::StoreValues)
        );
    }

    #[test]
    fn values_id_operations() {
        let id = Uuid::from_bytes([7; 16]);
        for (request, kind) in [
            (retrieve_values(id), OperationKind::RetrieveValues),
            (retrieve_permissions(id), OperationKind::RetrievePermissions),
            (
                overwrite_permissions(id),
                OperationKind::OverwritePermissions,
            ),
            (update_permissions(id), OperationKind::UpdatePermissions),
        ] {
            assert_eq!(OperationKind::of_request(&request), Some(kind));
            // Field 1 = 16 raw bytes, inside the operation's oneof field.
            assert!(
                request
                    .encode_to_vec()
                    .ends_with(&[0x0a, 16, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7])
            );
        }
    }

    #[test]
    fn program_operations() {
        let request = store_program_bytes(ProgramMetadata::default(), b"abc", "main");
        let Some(Operation::StoreProgram(sp)) = &request.operation else {
            panic!("store program expected");
        };
        assert_eq!(
            hex::encode(&sp.contents_sha256),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(sp.name, "main");
        assert!(sp.metadata.is_some());
        let request = invoke_compute("builtin/tecdsa_sign", 12);
        assert_eq!(
            OperationKind::of_request(&request),
            Some(OperationKind::InvokeCompute)
        );
        assert_eq!(
            OperationKind::of_request(&PriceQuoteRequest::default()),
            None
        );
    }
}
