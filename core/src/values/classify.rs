//! `classify` counts and `payload_size` for the store-values quote (docs/masking.md §14).

use alloc::collections::BTreeMap;
use alloc::string::String;

use nilvm_proto::nillion::values::v1::value::NamedValue;

use super::{ClearValue, EncryptedValue, ValueError};
use crate::field::Prime;

/// What a set of clear values costs to store, as the quote request counts it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Classification {
    /// Secret scalars (array elements included) plus ⌈len / chunk⌉ per blob
    /// (`StoreValues.secret_shared_count`).
    pub shares: u64,
    /// Public integers, unsigned integers, booleans and ECDSA digests
    /// (`StoreValues.public_values_count`).
    pub public: u64,
    /// ECDSA private keys, one per key (`StoreValues.ecdsa_private_key_shares_count`).
    pub ecdsa_private_key_shares: u64,
    /// ECDSA signatures (`StoreValues.ecdsa_signature_shares_count`; the 0.2.0 Python client
    /// leaves it unset).
    pub ecdsa_signature_shares: u64,
}

/// Counts the values as the official `classify_values` does (docs/masking.md §14), for the
/// cluster's `prime` (it fixes the blob chunk size).
///
/// EdDSA values, ECDSA public keys and store ids count in none of the counters (the nodes'
/// classify has no counter for them). Compound values cannot contain blobs here (the
/// constructors reject it), so the official "a compound with a blob counts nothing" rule
/// never applies.
pub fn classify<'a>(
    values: impl IntoIterator<Item = &'a ClearValue>,
    prime: Prime,
) -> Classification {
    let mut c = Classification::default();
    for v in values {
        count(v, prime, &mut c);
    }
    c
}

fn count(v: &ClearValue, prime: Prime, c: &mut Classification) {
    match v {
        ClearValue::SecretInteger(_)
        | ClearValue::SecretUnsignedInteger(_)
        | ClearValue::SecretBoolean(_) => c.shares += 1,
        ClearValue::SecretBlob(b) => {
            c.shares += (b.len() as u64).div_ceil(prime.blob_chunk_bytes() as u64);
        }
        ClearValue::Integer(_)
        | ClearValue::UnsignedInteger(_)
        | ClearValue::Boolean(_)
        | ClearValue::EcdsaDigestMessage(_) => c.public += 1,
        ClearValue::EcdsaPrivateKey(_) => c.ecdsa_private_key_shares += 1,
        ClearValue::EcdsaSignature(_) => c.ecdsa_signature_shares += 1,
        ClearValue::Array(a) => a.values().iter().for_each(|e| count(e, prime, c)),
        ClearValue::Tuple(t) => {
            count(t.left(), prime, c);
            count(t.right(), prime, c);
        }
        ClearValue::EcdsaPublicKey(_)
        | ClearValue::StoreId(_)
        | ClearValue::EddsaPrivateKey(_)
        | ClearValue::EddsaMessage(_)
        | ClearValue::EddsaSignature(_)
        | ClearValue::EddsaPublicKey(_) => {}
    }
}

/// The quote's `payload_size` for one party's values: Σ len(name in UTF-8 bytes) +
/// len(serialized `Value`). The `NamedValue` framing is not counted (docs/masking.md §14).
///
/// # Errors
/// [`ValueError`] if a value cannot be put on the wire (a blob inside a compound).
pub fn payload_size(values: &BTreeMap<String, EncryptedValue>) -> Result<u64, ValueError> {
    Ok(named_payload_size(&super::proto::to_named_values(values)?))
}

/// [`payload_size`] of values already in their wire form (a request's `NamedValue` list).
pub fn named_payload_size(values: &[NamedValue]) -> u64 {
    values
        .iter()
        .map(|named| {
            let value = named.value.as_ref().map_or(0, prost::Message::encoded_len);
            (named.name.len() + value) as u64
        })
        .sum()
}
