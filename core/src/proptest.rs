//! proptest strategies (feature `proptest`) over the same generators as
//! [`crate::arbitrary`], so property tests and fuzz targets share one model of each input.
//!
//! Each strategy draws a byte string and runs the type's `Arbitrary` implementation over it;
//! shrinking shrinks the bytes, which shortens arrays, drops values and moves numbers
//! towards zero. Two kinds of strategy:
//!
//! - *valid values*: [`of`] for any generated type ([`clear_value`], [`shared_values`],
//!   [`token_case`], [`quote_case`], [`receipt_case`], ...);
//! - *bytes that decode*: [`decodable`] for a protobuf message, [`reply_bytes`] for the reply
//!   of one RPC — encodings of generated messages mixed with raw bytes that happen to decode.
//!
//! ```
//! use nilvm_core::proptest::clear_value;
//! use proptest::prelude::*;
//!
//! proptest!(|(value in clear_value())| {
//!     prop_assert!(value.has_type(&value.value_type()));
//! });
//! ```

use alloc::vec::Vec;
use core::fmt::Debug;

use ::proptest::collection::vec;
use ::proptest::prelude::*;
use nilvm_proto::Message;

use crate::arbitrary::{
    Arbitrary, QuoteCase, ReceiptCase, SharedValues, TokenCase, Unstructured, reply_for,
};
use crate::rpc::{Method, Reply, Request};
use crate::values::{ClearValue, EncryptedValue};

/// Input bytes per generated value: enough for several values with keys and blobs.
pub const INPUT_BYTES: usize = 2048;

/// Values of `T` from its `Arbitrary` implementation.
pub fn of<T>() -> impl Strategy<Value = T>
where
    T: for<'a> Arbitrary<'a> + Debug,
{
    vec(any::<u8>(), 0..=INPUT_BYTES).prop_filter_map("the generator refused the input", |bytes| {
        T::arbitrary(&mut Unstructured::new(&bytes)).ok()
    })
}

/// Valid clear values of every type.
pub fn clear_value() -> impl Strategy<Value = ClearValue> {
    of()
}

/// Values masked by the real masker, with the masker and the clear values.
pub fn shared_values() -> impl Strategy<Value = SharedValues> {
    of()
}

/// One party's real share of a value.
pub fn encrypted_value() -> impl Strategy<Value = EncryptedValue> {
    of()
}

/// A request of any RPC.
pub fn request() -> impl Strategy<Value = Request> {
    of()
}

/// A reply of any RPC.
pub fn reply() -> impl Strategy<Value = Reply> {
    of()
}

/// A token that verifies at its node and time.
pub fn token_case() -> impl Strategy<Value = TokenCase> {
    of()
}

/// A quote that validates.
pub fn quote_case() -> impl Strategy<Value = QuoteCase> {
    of()
}

/// A receipt that validates against its quote.
pub fn receipt_case() -> impl Strategy<Value = ReceiptCase> {
    of()
}

/// Bytes that decode as `M`: encodings of generated messages, and raw bytes that decode.
pub fn decodable<M>() -> impl Strategy<Value = Vec<u8>>
where
    M: Message + Default + for<'a> Arbitrary<'a> + Debug,
{
    prop_oneof![
        3 => of::<M>().prop_map(|m| m.encode_to_vec()),
        1 => vec(any::<u8>(), 0..64).prop_filter("does not decode", |b| M::decode(b.as_slice()).is_ok()),
    ]
}

/// Bytes that decode as the reply of `method`.
pub fn reply_bytes(method: Method) -> impl Strategy<Value = Vec<u8>> {
    let encoded = vec(any::<u8>(), 0..=INPUT_BYTES).prop_filter_map(
        "the generator refused the input",
        move |bytes| {
            let reply = reply_for(&mut Unstructured::new(&bytes), method).ok()?;
            Some(reply.encode_to_vec())
        },
    );
    let raw = vec(any::<u8>(), 0..64)
        .prop_filter("does not decode", move |b| Reply::decode(method, b).is_ok());
    prop_oneof![3 => encoded, 1 => raw]
}
