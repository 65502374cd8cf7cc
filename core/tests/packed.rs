//! Packed shares (`SecretMasker::mask_packed`) against the named maps of `SecretMasker::mask`:
//! the same randomness gives the same shares and the same wire bytes, and unmasking gives the
//! same values or the same error, for every value type, prime, party count and subset.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;

use common::*;
use nilvm_core::field::Prime;
use nilvm_core::masking::{PartyId, PartyJar, RngSource, SecretMasker, UnmaskingError};
use nilvm_core::values::proto::{to_named_values, value_to_proto};
use nilvm_core::values::{ClearValue, SecretBlob, SecretInteger};
use nilvm_proto::Message as _;
use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

/// The recorded official shares, from the packed form: the same bytes per party and name.
#[test]
fn packed_reproduces_the_vectors_byte_for_byte() {
    check_recorded_shares(|masker, clear, source| {
        let packed = masker.mask_packed_with_source(clear, source).unwrap();
        let hex = packed
            .parties()
            .map(|p| {
                let named = packed.to_named_values(p).unwrap().unwrap();
                let values = named
                    .iter()
                    .map(|nv| {
                        let bytes = nv.value.as_ref().unwrap().encode_to_vec();
                        (nv.name.clone(), hex::encode(bytes))
                    })
                    .collect();
                (p.clone(), values)
            })
            .collect();
        let values = masker.unmask_packed(&packed).unwrap();
        let unmasked = clear.keys().cloned().zip(values).collect();
        MaskedCase { hex, unmasked }
    });
}

/// A tampered share is found, and named, as the named-map unmask names it.
#[test]
fn packed_unmask_refuses_what_it_cannot_recover() {
    let parties: Vec<PartyId> = (1u8..=5).map(|i| PartyId::new(vec![i])).collect();
    let masker = SecretMasker::new(Prime::U64, 2, parties).unwrap();
    let values = BTreeMap::from([
        ("a".to_string(), ClearValue::from(SecretInteger::from(5i64))),
        ("b".to_string(), SecretBlob::new(vec![9u8; 20]).into()),
    ]);
    let mut packed = masker.mask_packed(&values, &mut rand::rng()).unwrap();
    // Another party set: refused before any value is read.
    let other = SecretMasker::new(Prime::U64, 2, (6u8..=10).map(|i| PartyId::new(vec![i])));
    assert!(matches!(
        other.unwrap().unmask_packed(&packed),
        Err(UnmaskingError::UnknownParty(_))
    ));
    // Another prime.
    let wider = SecretMasker::new(Prime::U128, 2, masker.parties().to_vec()).unwrap();
    assert!(matches!(
        wider.unmask_packed(&packed),
        Err(UnmaskingError::PrimeMismatch { .. })
    ));
    // Two of the t + 1 = 3 shares needed.
    packed.retain_parties(|p| p.as_bytes()[0] <= 2);
    assert_eq!(
        masker.unmask_packed(&packed),
        Err(UnmaskingError::NotEnoughShares {
            name: "a".into(),
            needed: 3,
            got: 2
        })
    );
}

fn masker_strategy() -> impl Strategy<Value = SecretMasker> {
    (
        prop_oneof![Just(Prime::U64), Just(Prime::U128), Just(Prime::U256)],
        1usize..=6,
        any::<u64>(),
    )
        .prop_map(|(prime, n, degree)| {
            let parties = (0..n).map(|i| PartyId::new(vec![i as u8 * 7 + 1]));
            SecretMasker::new(prime, degree % n as u64, parties).unwrap()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Same seed, same shares: packed and named maps agree value for value and byte for byte,
    /// and unmasking any subset of parties gives the same values or the same error.
    #[test]
    fn packed_equals_named_maps(
        masker in masker_strategy(),
        values in proptest::collection::btree_map(
            "[a-c]{1,3}",
            nilvm_core::proptest::clear_value(),
            0..6,
        ),
        seed in any::<u64>(),
        keep in any::<u8>(),
    ) {
        let named = masker.mask_with_source(&values, &mut RngSource(&mut StdRng::seed_from_u64(seed)));
        let packed =
            masker.mask_packed_with_source(&values, &mut RngSource(&mut StdRng::seed_from_u64(seed)));
        let (named, mut packed) = match (named, packed) {
            (Ok(named), Ok(packed)) => (named, packed),
            (named, packed) => {
                prop_assert_eq!(named.err(), packed.err());
                return Ok(());
            }
        };
        prop_assert_eq!(packed.to_masked_values(), named.clone());
        for (party, map) in &named {
            let ours: Vec<Vec<u8>> = packed
                .to_named_values(party)
                .unwrap()
                .unwrap()
                .iter()
                .map(|nv| nv.encode_to_vec())
                .collect();
            let theirs: Vec<Vec<u8>> =
                to_named_values(map).unwrap().iter().map(|nv| nv.encode_to_vec()).collect();
            prop_assert_eq!(ours, theirs);
            for (name, v) in map {
                prop_assert!(value_to_proto(v).is_ok(), "{}", name);
            }
        }
        // A subset of the parties, chosen by the bits of `keep`.
        let kept: Vec<PartyId> = masker
            .parties()
            .iter()
            .enumerate()
            .filter(|(i, _)| keep >> (i % 8) & 1 == 1)
            .map(|(_, p)| p.clone())
            .collect();
        packed.retain_parties(|p| kept.contains(p));
        let mut jar = PartyJar::new();
        for (party, map) in named {
            if kept.contains(&party) {
                jar.add(party, map).unwrap();
            }
        }
        let from_packed = masker.unmask_packed(&packed);
        if kept.is_empty() {
            // No party at all: the named unmask sees no names; the packed one still knows
            // the names, and that nobody answered.
            prop_assert_eq!(from_packed.is_ok(), values.is_empty());
        } else {
            let from_jar = masker.unmask(&jar).map(|m| m.into_values().collect::<Vec<_>>());
            prop_assert_eq!(from_packed, from_jar);
        }
    }
}
