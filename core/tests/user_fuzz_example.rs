//! The user example of docs/fuzzing.md on the stable toolchain: the body of the `user_reply`
//! fuzz target (fuzz/fuzz_targets/user_reply.rs), and one over `ClearValue`, run over
//! pseudo-random byte strings as libFuzzer would feed them. A user's crate needs only
//! `nilvm-core = { features = ["arbitrary"] }`.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use nilvm_core::arbitrary::{Arbitrary, SeededRng, Unstructured};
use nilvm_core::field::Prime;
use nilvm_core::masking::{PartyId, SecretMasker};
use nilvm_core::rpc::Reply;
use nilvm_core::values::ClearValue;
use rand_core::Rng as _;

/// The `user_reply` target's body.
fn reply_body(data: &[u8]) {
    let Ok(reply) = Reply::arbitrary(&mut Unstructured::new(data)) else {
        return;
    };
    let bytes = reply.encode_to_vec();
    let decoded = Reply::decode(reply.method(), &bytes).expect("our own encoding decodes");
    assert_eq!(decoded, reply);
}

/// A target over `ClearValue`: whatever masks for three parties unmasks to itself.
fn clear_value_body(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(value) = ClearValue::arbitrary(&mut u) else {
        return;
    };
    let parties = (1..=3u8).map(|i| PartyId::new(vec![i; 20]));
    let masker = SecretMasker::new(Prime::U256, 1, parties).unwrap();
    let values = BTreeMap::from([("v".to_string(), value)]);
    let Ok(shares) = masker.mask(&values, &mut SeededRng::new(7)) else {
        return;
    };
    assert_eq!(masker.unmask(&shares.into()).unwrap(), values);
}

/// Byte strings of every length up to 1 KiB, as a fuzzer's first inputs.
fn inputs(count: usize) -> impl Iterator<Item = Vec<u8>> {
    let mut rng = SeededRng::new(2026);
    (0..count).map(move |_| {
        let mut bytes = vec![0u8; (rng.next_u32() % 1024) as usize];
        rng.fill_bytes(&mut bytes);
        bytes
    })
}

#[test]
fn reply_target_body_holds_on_random_inputs() {
    for data in inputs(2_000) {
        reply_body(&data);
    }
}

#[test]
fn clear_value_target_body_holds_on_random_inputs() {
    for data in inputs(300) {
        clear_value_body(&data);
    }
}
