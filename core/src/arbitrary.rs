//! Fuzzing generators (feature `arbitrary`): [`Arbitrary`] for the core's values, identities,
//! requests and replies, and for signed tokens, quotes and receipts.
//!
//! Everything generated here is *valid by construction* where the core checks validity:
//! arrays are homogeneous and shallow enough, keys and signatures are in range, an
//! [`EncryptedValue`] is a real share from the masker, a [`TokenCase`] verifies at its node and
//! time, a [`QuoteCase`] and a [`ReceiptCase`] pass `validate_quote` and `validate_receipt`.
//! Invalid input is what a fuzz target makes from these (flip bytes, swap fields) or what the
//! wire messages of `nilvm_proto` (feature `arbitrary`) give raw.
//!
//! A fuzz target over node replies, in a user's crate depending on `nilvm-core` with
//! `features = ["arbitrary"]`:
//!
//! ```
//! use nilvm_core::arbitrary::{Arbitrary, Unstructured};
//! use nilvm_core::rpc::Reply;
//!
//! fn fuzz_one(data: &[u8]) {
//!     let Ok(reply) = Reply::arbitrary(&mut Unstructured::new(data)) else { return };
//!     let bytes = reply.encode_to_vec();
//!     assert_eq!(Reply::decode(reply.method(), &bytes).as_ref(), Ok(&reply));
//! }
//! fuzz_one(b"some fuzzer input bytes");
//! ```
//!
//! The generators are deterministic functions of the input bytes (randomness for masking and
//! signing comes from the bytes too), so a crashing input replays exactly.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::convert::Infallible;

pub use ::arbitrary::{Arbitrary, Error, Result, Unstructured};
use crypto_bigint::U256;
use nilvm_proto::nillion::auth::v1::token::SignedToken;
use nilvm_proto::nillion::payments::v1::quote::{
    PriceQuote, PriceQuoteRequest, SignedQuote, price_quote_request,
};
use nilvm_proto::nillion::payments::v1::receipt::{Receipt as ProtoReceipt, SignedReceipt};

use crate::auth::{TOKEN_NONCE_LENGTH, create_token};
use crate::field::Prime;
use crate::identity::{NodeId, UserKey};
use crate::masking::{MaskedValues, PartyId, SecretMasker};
use crate::payments::quote::{Fees, Quote, price_quote, sign_quote, validate_quote};
use crate::payments::receipt::{
    Receipt, new_receipt, operation_metadata, sign_receipt, validate_receipt,
};
use crate::program::ProgramName;
use crate::rpc::{Method, Reply, Request};
use crate::time::{Duration, Timestamp};
use crate::values::{
    Array, ClearValue, EcdsaDigestMessage, EcdsaPrivateKey, EcdsaPublicKey, EcdsaSignature,
    EddsaMessage, EddsaPrivateKey, EddsaPublicKey, EddsaSignature, EncryptedValue, Integer,
    SecretBlob, SecretBoolean, SecretInteger, SecretUnsignedInteger, StoreId, Tuple,
    UnsignedInteger, ValueType,
};

/// Longest generated blob or EdDSA message: long enough for several chunks in every prime,
/// short enough that masking stays fast.
pub const MAX_BLOB_BYTES: usize = 256;
/// Most elements of a generated array.
pub const MAX_ARRAY_LEN: usize = 8;
/// Most parties of a generated [`SharedValues`].
pub const MAX_PARTIES: usize = 5;
/// Most values of a generated [`SharedValues`].
pub const MAX_VALUES: usize = 6;
/// Longest generated raw node id (real ids are 20 bytes; longer ones would make tokens longer
/// than the nodes accept).
pub const MAX_NODE_ID_BYTES: usize = 64;
/// Deepest generated value type (a leaf is depth one). The core allows far deeper
/// (`MAX_TYPE_DEPTH`); shallow values keep each input cheap.
pub const MAX_DEPTH: usize = 3;

/// A deterministic generator seeded from fuzz input. It is *not* secret: it only makes masking
/// and signing reproducible from the input bytes.
#[derive(Debug, Clone)]
pub struct SeededRng(u64);

impl SeededRng {
    /// A generator whose whole output follows from `seed`.
    pub fn new(seed: u64) -> Self {
        SeededRng(seed)
    }
}

impl rand_core::TryRng for SeededRng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> core::result::Result<u32, Infallible> {
        Ok(self.try_next_u64()? as u32)
    }

    // splitmix64: every seed gives a full-period, well-mixed stream.
    fn try_next_u64(&mut self) -> core::result::Result<u64, Infallible> {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Ok(z ^ (z >> 31))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> core::result::Result<(), Infallible> {
        for chunk in dst.chunks_mut(8) {
            let word = self.try_next_u64()?.to_le_bytes();
            chunk.iter_mut().zip(word).for_each(|(d, s)| *d = s);
        }
        Ok(())
    }
}

impl rand_core::TryCryptoRng for SeededRng {}

impl<'a> Arbitrary<'a> for Prime {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(*u.choose(&Prime::ALL)?)
    }
}

/// 32 bytes below 2^248 and non-zero: a valid secp256k1 scalar (big-endian) whatever the input.
fn secp256k1_bytes(u: &mut Unstructured<'_>) -> Result<[u8; 32]> {
    let mut bytes: [u8; 32] = u.arbitrary()?;
    if EcdsaPrivateKey::from_be_bytes(&bytes).is_err() {
        bytes[0] = 0;
        bytes[31] |= 1;
    }
    Ok(bytes)
}

/// 32 bytes below 2^252 and non-zero: a valid Ed25519 scalar (little-endian).
fn ed25519_bytes(u: &mut Unstructured<'_>) -> Result<[u8; 32]> {
    let mut bytes: [u8; 32] = u.arbitrary()?;
    if EddsaPrivateKey::from_le_bytes(&bytes).is_err() {
        bytes[31] &= 0x0f;
        bytes[0] |= 1;
    }
    Ok(bytes)
}

/// A magnitude up to 256 bits, mostly small (small values are the common case and fit every
/// prime; wide ones reach the "does not fit" paths of the masker).
fn magnitude(u: &mut Unstructured<'_>) -> Result<U256> {
    Ok(match u.int_in_range(0u8..=3)? {
        0 => U256::from_u64(u64::from(u.arbitrary::<u8>()?)),
        1 => U256::from_u64(u.arbitrary()?),
        2 => U256::from_u128(u.arbitrary()?),
        _ => U256::from_le_slice(&u.arbitrary::<[u8; 32]>()?),
    })
}

impl<'a> Arbitrary<'a> for Integer {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let negative = u.arbitrary()?;
        let magnitude = magnitude(u)?;
        Ok(Integer::from_sign_magnitude(negative, magnitude)
            .unwrap_or_else(|_| Integer::from(u.arbitrary::<i128>().unwrap_or_default())))
    }
}

impl<'a> Arbitrary<'a> for UnsignedInteger {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let value = magnitude(u)?;
        Ok(UnsignedInteger::from_u256(value)
            .unwrap_or_else(|_| UnsignedInteger::from(u.arbitrary::<u128>().unwrap_or_default())))
    }
}

macro_rules! wrapped {
    ($($ty:ident($inner:ty)),* $(,)?) => {$(
        impl<'a> Arbitrary<'a> for $ty {
            fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
                Ok($ty::new(<$inner>::arbitrary(u)?))
            }
        }
    )*};
}

wrapped!(
    SecretInteger(Integer),
    SecretUnsignedInteger(UnsignedInteger),
    SecretBoolean(bool)
);

/// Bytes of at most [`MAX_BLOB_BYTES`].
fn short_bytes(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
    let len = u.int_in_range(0..=MAX_BLOB_BYTES)?;
    Ok(u.bytes(len)?.to_vec())
}

impl<'a> Arbitrary<'a> for SecretBlob {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(SecretBlob::new(short_bytes(u)?))
    }
}

impl<'a> Arbitrary<'a> for EddsaMessage {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(EddsaMessage::new(short_bytes(u)?))
    }
}

/// A constructor from fixed-size bytes that accepts every value of that size.
fn from_fixed<T, const N: usize, E>(
    u: &mut Unstructured<'_>,
    make: fn(&[u8]) -> core::result::Result<T, E>,
) -> Result<T> {
    let bytes: [u8; N] = u.arbitrary()?;
    make(&bytes).map_err(|_| Error::IncorrectFormat)
}

impl<'a> Arbitrary<'a> for EcdsaDigestMessage {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        from_fixed::<_, 32, _>(u, EcdsaDigestMessage::new)
    }
}

impl<'a> Arbitrary<'a> for StoreId {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        from_fixed::<_, 16, _>(u, StoreId::new)
    }
}

impl<'a> Arbitrary<'a> for EddsaSignature {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        from_fixed::<_, 64, _>(u, EddsaSignature::new)
    }
}

impl<'a> Arbitrary<'a> for EcdsaPrivateKey {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        EcdsaPrivateKey::from_be_bytes(&secp256k1_bytes(u)?).map_err(|_| Error::IncorrectFormat)
    }
}

impl<'a> Arbitrary<'a> for EcdsaPublicKey {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(EcdsaPrivateKey::arbitrary(u)?.public_key())
    }
}

impl<'a> Arbitrary<'a> for EcdsaSignature {
    /// In low-s form, as unmasking gives signatures back.
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        use k256::elliptic_curve::scalar::IsHigh as _;
        let (r, s) = (secp256k1_bytes(u)?, secp256k1_bytes(u)?);
        let signature =
            EcdsaSignature::from_be_bytes(&r, &s).map_err(|_| Error::IncorrectFormat)?;
        let s = *signature.s();
        let s = if bool::from(s.is_high()) { -s } else { s };
        EcdsaSignature::from_scalars(*signature.r(), s).map_err(|_| Error::IncorrectFormat)
    }
}

impl<'a> Arbitrary<'a> for EddsaPrivateKey {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        EddsaPrivateKey::from_le_bytes(&ed25519_bytes(u)?).map_err(|_| Error::IncorrectFormat)
    }
}

impl<'a> Arbitrary<'a> for EddsaPublicKey {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(EddsaPrivateKey::arbitrary(u)?.public_key())
    }
}

/// A value that may sit in an array or tuple at nesting `depth`. Compounds refuse blobs, so a
/// drawn blob (or a compound holding one) becomes a secret boolean.
fn element(u: &mut Unstructured<'_>, depth: usize) -> Result<ClearValue> {
    let value = clear_value(u, depth)?;
    if value.value_type().contains_blob() {
        return Ok(ClearValue::SecretBoolean(u.arbitrary()?));
    }
    Ok(value)
}

/// A value of type `t` (inputs of a declared type, array elements after the first).
///
/// # Errors
/// [`Error::IncorrectFormat`] for an array of size zero or a compound holding a blob (the core
/// has no such values).
pub fn value_of_type(u: &mut Unstructured<'_>, t: &ValueType) -> Result<ClearValue> {
    Ok(match t {
        ValueType::Integer => ClearValue::Integer(u.arbitrary()?),
        ValueType::UnsignedInteger => ClearValue::UnsignedInteger(u.arbitrary()?),
        ValueType::Boolean => ClearValue::Boolean(u.arbitrary()?),
        ValueType::SecretInteger => ClearValue::SecretInteger(u.arbitrary()?),
        ValueType::SecretUnsignedInteger => ClearValue::SecretUnsignedInteger(u.arbitrary()?),
        ValueType::SecretBoolean => ClearValue::SecretBoolean(u.arbitrary()?),
        ValueType::SecretBlob => ClearValue::SecretBlob(u.arbitrary()?),
        ValueType::EcdsaPrivateKey => ClearValue::EcdsaPrivateKey(u.arbitrary()?),
        ValueType::EcdsaDigestMessage => ClearValue::EcdsaDigestMessage(u.arbitrary()?),
        ValueType::EcdsaSignature => ClearValue::EcdsaSignature(u.arbitrary()?),
        ValueType::EcdsaPublicKey => ClearValue::EcdsaPublicKey(u.arbitrary()?),
        ValueType::StoreId => ClearValue::StoreId(u.arbitrary()?),
        ValueType::EddsaPrivateKey => ClearValue::EddsaPrivateKey(u.arbitrary()?),
        ValueType::EddsaMessage => ClearValue::EddsaMessage(u.arbitrary()?),
        ValueType::EddsaSignature => ClearValue::EddsaSignature(u.arbitrary()?),
        ValueType::EddsaPublicKey => ClearValue::EddsaPublicKey(u.arbitrary()?),
        ValueType::Array { inner, size } => {
            let values = (0..*size)
                .map(|_| value_of_type(u, inner))
                .collect::<Result<Vec<_>>>()?;
            ClearValue::Array(Array::new(values).map_err(|_| Error::IncorrectFormat)?)
        }
        ValueType::Tuple { left, right } => {
            let (left, right) = (value_of_type(u, left)?, value_of_type(u, right)?);
            ClearValue::Tuple(Tuple::new(left, right).map_err(|_| Error::IncorrectFormat)?)
        }
    })
}

/// An array: the first element fixes the type, the others are fresh values of that type.
fn array(u: &mut Unstructured<'_>, depth: usize) -> Result<Array> {
    let first = element(u, depth + 1)?;
    let element_type = first.value_type();
    let len = u.int_in_range(1..=MAX_ARRAY_LEN)?;
    let mut values = alloc::vec![first];
    for _ in 1..len {
        values.push(value_of_type(u, &element_type)?);
    }
    Array::new(values).map_err(|_| Error::IncorrectFormat)
}

/// A clear value nested at `depth`: compounds only while [`MAX_DEPTH`] allows another level.
fn clear_value(u: &mut Unstructured<'_>, depth: usize) -> Result<ClearValue> {
    let choices = if depth + 1 < MAX_DEPTH { 18 } else { 16 };
    Ok(match u.int_in_range(0..=choices - 1)? {
        0 => ClearValue::Integer(u.arbitrary()?),
        1 => ClearValue::UnsignedInteger(u.arbitrary()?),
        2 => ClearValue::Boolean(u.arbitrary()?),
        3 => ClearValue::SecretInteger(u.arbitrary()?),
        4 => ClearValue::SecretUnsignedInteger(u.arbitrary()?),
        5 => ClearValue::SecretBoolean(u.arbitrary()?),
        6 => ClearValue::SecretBlob(u.arbitrary()?),
        7 => ClearValue::EcdsaPrivateKey(u.arbitrary()?),
        8 => ClearValue::EcdsaDigestMessage(u.arbitrary()?),
        9 => ClearValue::EcdsaSignature(u.arbitrary()?),
        10 => ClearValue::EcdsaPublicKey(u.arbitrary()?),
        11 => ClearValue::StoreId(u.arbitrary()?),
        12 => ClearValue::EddsaPrivateKey(u.arbitrary()?),
        13 => ClearValue::EddsaMessage(u.arbitrary()?),
        14 => ClearValue::EddsaSignature(u.arbitrary()?),
        15 => ClearValue::EddsaPublicKey(u.arbitrary()?),
        16 => ClearValue::Array(array(u, depth)?),
        _ => {
            let left = element(u, depth + 1)?;
            let right = element(u, depth + 1)?;
            ClearValue::Tuple(Tuple::new(left, right).map_err(|_| Error::IncorrectFormat)?)
        }
    })
}

impl<'a> Arbitrary<'a> for ClearValue {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        clear_value(u, 0)
    }
}

impl<'a> Arbitrary<'a> for Array {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        array(u, 0)
    }
}

impl<'a> Arbitrary<'a> for Tuple {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let (left, right) = (element(u, 1)?, element(u, 1)?);
        Tuple::new(left, right).map_err(|_| Error::IncorrectFormat)
    }
}

impl<'a> Arbitrary<'a> for UserKey {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        UserKey::from_bytes(&secp256k1_bytes(u)?).map_err(|_| Error::IncorrectFormat)
    }
}

impl<'a> Arbitrary<'a> for NodeId {
    /// A node id as nodes derive them (from a key), or, one time in four, 1 to
    /// [`MAX_NODE_ID_BYTES`] bytes of any value.
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        if u.ratio(1, 4)? {
            let len = u.int_in_range(1..=MAX_NODE_ID_BYTES)?;
            return NodeId::new(u.bytes(len)?.to_vec()).map_err(|_| Error::IncorrectFormat);
        }
        Ok(UserKey::arbitrary(u)?.node_id())
    }
}

impl<'a> Arbitrary<'a> for PartyId {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(PartyId::new(NodeId::arbitrary(u)?.to_vec()))
    }
}

impl<'a> Arbitrary<'a> for Timestamp {
    /// A time between 2001 and 2033, whole seconds or not.
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let seconds = u.int_in_range(1_000_000_000i64..=2_000_000_000)?;
        let nanos = u.int_in_range(0u32..=999_999_999)?;
        Timestamp::new(seconds, nanos).map_err(|_| Error::IncorrectFormat)
    }
}

impl<'a> Arbitrary<'a> for ProgramName {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        const ALLOWED: &[u8] =
            b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.:_-";
        let len = u.int_in_range(1..=ProgramName::MAX_LENGTH)?;
        let name: String = (0..len)
            .map(|_| u.choose(ALLOWED).map(|c| char::from(*c)))
            .collect::<Result<_>>()?;
        ProgramName::new(name).map_err(|_| Error::IncorrectFormat)
    }
}

impl<'a> Arbitrary<'a> for Method {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(*u.choose(Method::ALL)?)
    }
}

/// The arbitrary request or reply message of `method`, as its enum variant.
macro_rules! per_method {
    ($enum:ident, $u:expr, $method:expr, [$($variant:ident),* $(,)?]) => {
        match $method {
            $(Method::$variant => $enum::$variant($u.arbitrary()?),)*
        }
    };
}

/// An arbitrary (well-formed, not necessarily meaningful) request of `method`; its encoding
/// always decodes.
///
/// # Errors
/// When the input runs out in a way `arbitrary` reports, or the message came out nested
/// deeper than the decoder's recursion limit.
pub fn request_for(u: &mut Unstructured<'_>, method: Method) -> Result<Request> {
    let request = per_method!(
        Request,
        u,
        method,
        [
            Cluster,
            NodeVersion,
            PriceQuote,
            PaymentReceipt,
            PaymentsConfig,
            AccountBalance,
            AddFunds,
            StoreValues,
            RetrieveValues,
            DeleteValues,
            RetrievePermissions,
            OverwritePermissions,
            UpdatePermissions,
            StoreProgram,
            InvokeCompute,
            RetrieveResults,
            PoolStatus,
        ]
    );
    decodes(&request.encode_to_vec(), |b| {
        Request::decode(method, b).is_ok()
    })?;
    Ok(request)
}

/// Refuses a generated message whose encoding does not decode: nested values deeper than
/// prost's recursion limit (100) encode, but no decoder takes them back.
fn decodes(bytes: &[u8], decode: impl Fn(&[u8]) -> bool) -> Result<()> {
    if decode(bytes) {
        Ok(())
    } else {
        Err(Error::IncorrectFormat)
    }
}

/// An arbitrary (well-formed, not necessarily meaningful) reply of `method`; its encoding
/// always decodes.
///
/// # Errors
/// When the input runs out in a way `arbitrary` reports, or the message came out nested
/// deeper than the decoder's recursion limit.
pub fn reply_for(u: &mut Unstructured<'_>, method: Method) -> Result<Reply> {
    let reply = per_method!(
        Reply,
        u,
        method,
        [
            Cluster,
            NodeVersion,
            PriceQuote,
            PaymentReceipt,
            PaymentsConfig,
            AccountBalance,
            AddFunds,
            StoreValues,
            RetrieveValues,
            DeleteValues,
            RetrievePermissions,
            OverwritePermissions,
            UpdatePermissions,
            StoreProgram,
            InvokeCompute,
            RetrieveResults,
            PoolStatus,
        ]
    );
    decodes(&reply.encode_to_vec(), |b| Reply::decode(method, b).is_ok())?;
    Ok(reply)
}

impl<'a> Arbitrary<'a> for Request {
    /// Any RPC's request ([`request_for`] a generated method).
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let method = Method::arbitrary(u)?;
        request_for(u, method)
    }
}

impl<'a> Arbitrary<'a> for Reply {
    /// Any RPC's reply ([`reply_for`] a generated method).
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let method = Method::arbitrary(u)?;
        reply_for(u, method)
    }
}

/// Named clear values shared among parties by the real masker: the input of unmasking tests.
#[derive(Debug, Clone)]
pub struct SharedValues {
    /// The masker (prime, degree, parties).
    pub masker: SecretMasker,
    /// What was masked (only values that fit the prime are kept).
    pub values: BTreeMap<String, ClearValue>,
    /// Each party's encrypted values.
    pub shares: MaskedValues,
}

impl<'a> Arbitrary<'a> for SharedValues {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let prime = Prime::arbitrary(u)?;
        let n = u.int_in_range(1..=MAX_PARTIES)?;
        let degree = u.int_in_range(0..=n as u64 - 1)?;
        let parties = (0..n).map(|i| PartyId::new(alloc::vec![i as u8 + 1; 20]));
        let masker =
            SecretMasker::new(prime, degree, parties).map_err(|_| Error::IncorrectFormat)?;
        let mut rng = SeededRng::new(u.arbitrary()?);
        let mut values = BTreeMap::new();
        for _ in 0..u.int_in_range(0..=MAX_VALUES)? {
            let name = format!("v{}", u.int_in_range(0u8..=15)?);
            let value = ClearValue::arbitrary(u)?;
            let single = BTreeMap::from([(name.clone(), value.clone())]);
            // Values that do not fit the prime are the masker's errors, not input to unmask.
            if masker.mask(&single, &mut rng).is_ok() {
                values.insert(name, value);
            }
        }
        let shares = masker
            .mask(&values, &mut rng)
            .map_err(|_| Error::IncorrectFormat)?;
        Ok(SharedValues {
            masker,
            values,
            shares,
        })
    }
}

impl<'a> Arbitrary<'a> for EncryptedValue {
    /// One party's share of an arbitrary value, as the masker makes it.
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let shared = SharedValues::arbitrary(u)?;
        let party = u.choose(shared.masker.parties())?;
        let share = shared.shares.get(party).and_then(|m| m.values().next());
        match share {
            Some(share) => Ok(share.clone()),
            None => {
                let value = BTreeMap::from([(String::from("v"), ClearValue::Boolean(true))]);
                let mut rng = SeededRng::new(0);
                let masked = shared
                    .masker
                    .mask(&value, &mut rng)
                    .map_err(|_| Error::IncorrectFormat)?;
                masked
                    .get(party)
                    .and_then(|m| m.values().next().cloned())
                    .ok_or(Error::IncorrectFormat)
            }
        }
    }
}

/// A signed auth token that verifies at `target` at `now` (`verify_token`).
#[derive(Debug, Clone)]
pub struct TokenCase {
    /// The user.
    pub key: UserKey,
    /// The node the token is for.
    pub target: NodeId,
    /// A time at which the token is valid.
    pub now: Timestamp,
    /// The token.
    pub token: SignedToken,
}

impl<'a> Arbitrary<'a> for TokenCase {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let key = UserKey::arbitrary(u)?;
        let target = NodeId::arbitrary(u)?;
        let now = Timestamp::arbitrary(u)?;
        let nonce: [u8; TOKEN_NONCE_LENGTH] = u.arbitrary()?;
        let lifetime = Duration::from_secs(u.int_in_range(1..=3600)?);
        let token = create_token(&key, &target, nonce, now.saturating_add(lifetime))
            .map_err(|_| Error::IncorrectFormat)?;
        Ok(TokenCase {
            key,
            target,
            now,
            token,
        })
    }
}

/// A leader-signed quote for `request` that passes `validate_quote` at `now`.
#[derive(Debug, Clone)]
pub struct QuoteCase {
    /// The leader's key.
    pub leader: UserKey,
    /// The quoted request (it always names an operation).
    pub request: PriceQuoteRequest,
    /// The quote before signing.
    pub quote: PriceQuote,
    /// The signed quote, as the leader sends it.
    pub signed: SignedQuote,
    /// A time before the quote expires.
    pub now: Timestamp,
}

impl QuoteCase {
    /// The quote validated as a client does.
    ///
    /// # Errors
    /// None for a generated case; the error is there for cases a test modified.
    pub fn validated(&self) -> core::result::Result<Quote, crate::payments::quote::QuoteError> {
        validate_quote(
            &self.signed,
            &self.leader.public_key(),
            &self.request,
            self.now,
            None,
        )
    }
}

impl<'a> Arbitrary<'a> for QuoteCase {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let leader = UserKey::arbitrary(u)?;
        let mut request = PriceQuoteRequest::arbitrary(u)?;
        if request.operation.is_none() {
            request.operation = Some(price_quote_request::Operation::PoolStatus(()));
        }
        let fees = Fees {
            tokens: u.arbitrary()?,
            credits: u.arbitrary()?,
        };
        let now = Timestamp::arbitrary(u)?;
        let expires_at = now.saturating_add(Duration::from_secs(u.int_in_range(1..=3600)?));
        let quote = price_quote(request.clone(), fees, u.arbitrary()?, expires_at);
        let signed = sign_quote(&leader, &quote).map_err(|_| Error::IncorrectFormat)?;
        Ok(QuoteCase {
            leader,
            request,
            quote,
            signed,
            now,
        })
    }
}

impl<'a> Arbitrary<'a> for Quote {
    /// A validated quote (from a [`QuoteCase`]).
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        QuoteCase::arbitrary(u)?
            .validated()
            .map_err(|_| Error::IncorrectFormat)
    }
}

/// A leader-signed receipt for the quote of `quote` that passes `validate_receipt` at
/// `quote.now`.
#[derive(Debug, Clone)]
pub struct ReceiptCase {
    /// The quote it pays for.
    pub quote: QuoteCase,
    /// The receipt before signing.
    pub receipt: ProtoReceipt,
    /// The signed receipt, as the leader sends it.
    pub signed: SignedReceipt,
}

impl ReceiptCase {
    /// The receipt validated as a client does.
    ///
    /// # Errors
    /// None for a generated case; the error is there for cases a test modified.
    pub fn validated(
        &self,
    ) -> core::result::Result<Receipt, crate::payments::receipt::ReceiptError> {
        let quote = self
            .quote
            .validated()
            .map_err(|_| crate::payments::receipt::ReceiptError::MissingField("quote"))?;
        validate_receipt(
            &self.signed,
            &self.quote.leader.public_key(),
            &quote,
            self.quote.now,
        )
    }
}

impl<'a> Arbitrary<'a> for ReceiptCase {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let quote = QuoteCase::arbitrary(u)?;
        let metadata = operation_metadata(&quote.request, u.arbitrary()?, u.arbitrary()?)
            .ok_or(Error::IncorrectFormat)?;
        let lifetime = Duration::from_secs(u.int_in_range(1..=3600)?);
        let receipt = new_receipt(u.arbitrary()?, metadata, quote.now.saturating_add(lifetime));
        let signed = sign_receipt(&quote.leader, &receipt).map_err(|_| Error::IncorrectFormat)?;
        Ok(ReceiptCase {
            quote,
            receipt,
            signed,
        })
    }
}

impl<'a> Arbitrary<'a> for Receipt {
    /// A validated receipt (from a [`ReceiptCase`]).
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        ReceiptCase::arbitrary(u)?
            .validated()
            .map_err(|_| Error::IncorrectFormat)
    }
}
