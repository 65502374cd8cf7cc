//! Encoded `NamedValue`s under a structure-aware mutator (`nilvm_fuzz::mutate`): every input
//! the fuzzer tries decodes, mixing real shares from the masker, generated messages, merges
//! of the two and byte mutations that still decode. The body is the client's conversion of a
//! node's value for each prime: no panic, and whatever converts re-encodes to the same value.
#![no_main]

use libfuzzer_sys::{fuzz_mutator, fuzz_target};
use nilvm_core::arbitrary::{Arbitrary, SharedValues, Unstructured};
use nilvm_core::field::Prime;
use nilvm_core::values::proto::{from_named_values, to_named_values, value_from_proto, value_to_proto};
use nilvm_proto::Message;
use nilvm_proto::nillion::values::v1::value::NamedValue;

/// A real share: the first value of one party, as a node would send it.
fn share(u: &mut Unstructured<'_>) -> Option<NamedValue> {
    let shared = SharedValues::arbitrary(u).ok()?;
    let party = shared.shares.values().next()?;
    to_named_values(party).ok()?.into_iter().next()
}

fuzz_target!(|data: &[u8]| {
    let Ok(named) = NamedValue::decode(data) else { return };
    let Some(value) = &named.value else { return };
    for prime in Prime::ALL {
        let Ok(decoded) = value_from_proto(value, prime) else { continue };
        let again = value_to_proto(&decoded).expect("a decoded value encodes");
        assert_eq!(value_from_proto(&again, prime).as_ref(), Ok(&decoded));
        let values = from_named_values(std::slice::from_ref(&named), prime)
            .expect("a value that converts alone converts as a named value");
        assert_eq!(values.get(&named.name), Some(&decoded));
    }
});

fuzz_mutator!(|data: &mut [u8], size: usize, max_size: usize, seed: u32| {
    nilvm_fuzz::mutate::mutate::<NamedValue, _>(data, size, max_size, seed, share)
});
