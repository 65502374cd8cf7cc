//! Property tests: mask → unmask round trips for every type, prime, party count and share
//! subset; protobuf round trips; tampered shares are detected.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeMap;

use nilvm_core::field::{Prime, U256};
use nilvm_core::masking::{MaskedValues, PartyId, PartyJar, SecretMasker, UnmaskingError};
use nilvm_core::values::proto::{from_named_values, to_named_values};
use nilvm_core::values::{
    Array, ClearValue, EcdsaDigestMessage, EcdsaPrivateKey, EcdsaPublicKey, EcdsaSignature,
    EddsaMessage, EddsaPrivateKey, EddsaPublicKey, EddsaSignature, EncryptedValue, Integer,
    SecretBlob, SecretBoolean, SecretInteger, SecretUnsignedInteger, StoreId, Tuple,
    UnsignedInteger,
};
use nilvm_proto::Message as _;
use nilvm_proto::nillion::values::v1::value as pb;
use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

fn prime_strategy() -> impl Strategy<Value = Prime> {
    prop_oneof![Just(Prime::U64), Just(Prime::U128), Just(Prime::U256)]
}

/// A magnitude that fits every field of `prime` (below 2^(bits−2) < h), or h itself.
fn magnitude(prime: Prime, bytes: [u8; 32], edge: bool) -> U256 {
    if edge {
        return prime.half();
    }
    let width = prime.share_bytes();
    let mut b = [0u8; 32];
    b[..width].copy_from_slice(&bytes[..width]);
    b[width - 1] &= 0x3f;
    U256::from_le_slice(&b)
}

/// A scalar (Shamir-shared or public) value.
fn scalar(prime: Prime) -> impl Strategy<Value = ClearValue> + Clone {
    (0u8..6, any::<[u8; 32]>(), any::<bool>(), any::<bool>()).prop_map(
        move |(kind, bytes, neg, edge)| {
            let m = magnitude(prime, bytes, edge);
            let int = Integer::from_sign_magnitude(neg, m).unwrap();
            let uint = UnsignedInteger::from_u256(m).unwrap();
            match kind {
                0 => SecretInteger::new(int).into(),
                1 => SecretUnsignedInteger::new(uint).into(),
                2 => SecretBoolean::new(neg).into(),
                3 => int.into(),
                4 => uint.into(),
                _ => ClearValue::Boolean(neg),
            }
        },
    )
}

/// Any value whose sharing is threshold (Shamir) or public.
fn threshold_value(prime: Prime) -> impl Strategy<Value = ClearValue> {
    let leaf = scalar(prime);
    prop_oneof![
        4 => leaf.clone(),
        1 => proptest::collection::vec(any::<u8>(), 1..100).prop_map(|b| SecretBlob::new(b).into()),
        1 => (leaf.clone(), 1usize..5).prop_map(|(v, n)| Array::new(vec![v; n]).unwrap().into()),
        1 => (leaf.clone(), 1usize..3, 1usize..3)
            .prop_map(|(v, n, m)| {
                let inner: ClearValue = Array::new(vec![v; n]).unwrap().into();
                Array::new(vec![inner; m]).unwrap().into()
            }),
        1 => (leaf.clone(), leaf).prop_map(|(l, r)| Tuple::new(l, r).unwrap().into()),
        1 => any::<[u8; 32]>().prop_map(|d| EcdsaDigestMessage::new(&d).unwrap().into()),
        1 => any::<[u8; 16]>().prop_map(|d| StoreId::new(&d).unwrap().into()),
        1 => any::<[u8; 32]>().prop_map(|d| {
            let mut k = [2u8; 33];
            k[1..].copy_from_slice(&d);
            EcdsaPublicKey::new(&k).unwrap().into()
        }),
        1 => proptest::collection::vec(any::<u8>(), 0..40).prop_map(|m| EddsaMessage::new(m).into()),
        1 => any::<[u8; 32]>().prop_map(|d| EddsaSignature::new(&[d, d].concat()).unwrap().into()),
        1 => any::<[u8; 32]>().prop_map(|d| EddsaPublicKey::new(&d).unwrap().into()),
    ]
}

/// Values shared additively (all parties needed).
fn additive_value() -> impl Strategy<Value = ClearValue> {
    prop_oneof![
        any::<[u8; 32]>().prop_filter_map("valid key", |b| EcdsaPrivateKey::from_be_bytes(&b)
            .ok()
            .map(Into::into)),
        (any::<[u8; 32]>(), any::<[u8; 32]>()).prop_filter_map("valid signature", |(r, s)| {
            // Combining normalises to low s: generate low-s signatures.
            let sig = EcdsaSignature::from_be_bytes(&r, &s).ok()?;
            let s = if s[0] >= 0x7f { None } else { Some(sig) };
            s.map(Into::into)
        }),
        any::<[u8; 32]>().prop_filter_map("valid key", |mut b| {
            b[31] &= 0x0f;
            EddsaPrivateKey::from_le_bytes(&b).ok().map(Into::into)
        }),
    ]
}

fn parties(n: usize, seed: u8) -> Vec<PartyId> {
    // Variable-length ids in scrambled order exercise the sorting rule.
    (0..n)
        .map(|i| {
            let mut id = vec![(i as u8).wrapping_mul(37).wrapping_add(seed)];
            id.extend(std::iter::repeat_n(i as u8, i % 3));
            PartyId::new(id)
        })
        .collect()
}

fn jar_of(masked: &MaskedValues, keep: &[bool]) -> PartyJar {
    let mut jar = PartyJar::new();
    for ((p, v), k) in masked.iter().zip(keep) {
        if *k {
            jar.add(p.clone(), v.clone()).unwrap();
        }
    }
    jar
}

fn proto_round_trip(masker: &SecretMasker, masked: &MaskedValues) {
    for values in masked.values() {
        let named = to_named_values(values).unwrap();
        let bytes: Vec<Vec<u8>> = named.iter().map(|nv| nv.encode_to_vec()).collect();
        let decoded: Vec<pb::NamedValue> = bytes
            .iter()
            .map(|b| pb::NamedValue::decode(b.as_slice()).unwrap())
            .collect();
        let back = from_named_values(&decoded, masker.prime()).unwrap();
        assert_eq!(&back, values);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn threshold_round_trip(
        prime in prime_strategy(),
        n in 1usize..=12,
        degree_seed in any::<u64>(),
        seed in any::<u64>(),
        id_seed in any::<u8>(),
        subset in any::<u64>(),
        values in proptest::collection::vec(threshold_value(Prime::U64), 1..4),
        wide in proptest::collection::vec(threshold_value(Prime::U256), 0..2),
    ) {
        let degree = (degree_seed % n as u64) as usize;
        let masker = SecretMasker::new(prime, degree as u64, parties(n, id_seed)).unwrap();
        let mut clear: BTreeMap<String, ClearValue> =
            values.into_iter().enumerate().map(|(i, v)| (format!("v{i}"), v)).collect();
        if prime == Prime::U256 {
            for (i, v) in wide.into_iter().enumerate() {
                clear.insert(format!("w{i}"), v);
            }
        }
        let masked = masker.mask(&clear, &mut StdRng::seed_from_u64(seed)).unwrap();
        proto_round_trip(&masker, &masked);
        // Any subset of at least degree + 1 parties.
        let mut keep: Vec<bool> = (0..n).map(|i| subset >> i & 1 == 1).collect();
        let mut count = keep.iter().filter(|k| **k).count();
        for k in keep.iter_mut() {
            if count > degree { break; }
            if !*k { *k = true; count += 1; }
        }
        prop_assert_eq!(masker.unmask(&jar_of(&masked, &keep)).unwrap(), clear);
    }

    #[test]
    fn additive_round_trip(
        prime in prime_strategy(),
        n in 2usize..=12,
        seed in any::<u64>(),
        value in additive_value(),
    ) {
        let masker = SecretMasker::new(prime, seed % n as u64, parties(n, 3)).unwrap();
        let clear: BTreeMap<String, ClearValue> = [("k".to_string(), value)].into();
        let masked = masker.mask(&clear, &mut StdRng::seed_from_u64(seed)).unwrap();
        proto_round_trip(&masker, &masked);
        prop_assert_eq!(masker.unmask(&masked.clone().into()).unwrap(), clear);
        // One share missing: rejected, never a wrong value.
        let mut keep = vec![true; n];
        keep[(seed as usize) % n] = false;
        prop_assert!(masker.unmask(&jar_of(&masked, &keep)).is_err());
    }

    #[test]
    fn tampered_share_is_detected(
        prime in prime_strategy(),
        n in 2usize..=12,
        degree_seed in any::<u64>(),
        seed in any::<u64>(),
        victim_seed in any::<usize>(),
        x in any::<i64>(),
    ) {
        // Redundancy: at least degree + 2 shares.
        let degree = (degree_seed % (n as u64 - 1)) as usize;
        let masker = SecretMasker::new(prime, degree as u64, parties(n, 9)).unwrap();
        let clear: BTreeMap<String, ClearValue> =
            [("x".to_string(), SecretInteger::from(x).into())].into();
        let mut masked = masker.mask(&clear, &mut StdRng::seed_from_u64(seed)).unwrap();
        let victim = masker.parties()[victim_seed % n].clone();
        let share = masked.get_mut(&victim).unwrap().get_mut("x").unwrap();
        let EncryptedValue::ShamirShareInteger(e) = share else { panic!() };
        *e = e.checked_add(&nilvm_core::field::FieldElement::one(prime)).unwrap();
        match masker.unmask(&masked.into()) {
            Err(UnmaskingError::InconsistentShares { suspect, .. }) => {
                if n >= degree + 3 {
                    prop_assert_eq!(suspect, Some(victim));
                }
            }
            other => prop_assert!(false, "not detected: {:?}", other),
        }
    }
}

#[test]
fn secret_debug_is_redacted() {
    let key = EcdsaPrivateKey::from_be_bytes(&[7u8; 32]).unwrap();
    let values: Vec<ClearValue> = vec![
        SecretInteger::from(123456789i64).into(),
        SecretUnsignedInteger::from(987654321u64).into(),
        SecretBlob::new(b"hunter2".to_vec()).into(),
        key.clone().into(),
        EddsaPrivateKey::from_le_bytes(&[5u8; 32]).unwrap().into(),
    ];
    for v in &values {
        let s = format!("{v:?}");
        assert!(
            !s.contains("123456789") && !s.contains("987654321") && !s.contains("hunter2"),
            "{s}"
        );
        assert!(!s.contains("0707"), "{s}");
    }
    let masker = SecretMasker::new(Prime::U64, 0, parties(3, 1)).unwrap();
    let clear: BTreeMap<String, ClearValue> = [
        ("x".to_string(), values[0].clone()),
        ("k".to_string(), key.into()),
    ]
    .into();
    let masked = masker.mask(&clear, &mut StdRng::seed_from_u64(1)).unwrap();
    let s = format!("{masked:?}");
    // Degree 0: each share equals the secret; Debug must not print it.
    assert!(!s.contains("123456789") && !s.contains("75bcd15"), "{s}");
}
