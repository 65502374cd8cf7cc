//! Inputs the fuzz targets (`fuzz/`) found, replayed on the stable toolchain. Each test names
//! its target and says what went wrong before the fix.

#![allow(clippy::unwrap_used, clippy::panic, clippy::expect_used)]

use std::collections::BTreeMap;

use nilvm_core::field::Prime;
use nilvm_core::masking::{PartyId, PartyJar, SecretMasker, UnmaskingError};
use nilvm_core::values::{ClearValue, EddsaMessage, Integer};
use rand::SeedableRng;

fn parties(n: u8) -> Vec<PartyId> {
    (1..=n).map(|i| PartyId::new(vec![i; 20])).collect()
}

/// `unmask`: one of five parties (degree 3) returned its public `EddsaMessage` under another
/// name; the unmasker returned both names, so the caller got a value nobody stored, vouched
/// for by a single node. A public value now needs as many copies as a secret needs shares.
#[test]
fn unmask_a_public_value_from_one_party_of_many_is_refused() {
    let masker = SecretMasker::new(Prime::U64, 3, parties(5)).unwrap();
    let mut values = BTreeMap::new();
    values.insert(
        "v0".to_string(),
        ClearValue::EddsaMessage(EddsaMessage::new(vec![0xff, 0xc6])),
    );
    let masked = masker
        .mask(&values, &mut rand::rngs::StdRng::seed_from_u64(1))
        .unwrap();
    let mut jar = PartyJar::new();
    for (i, (party, mut shares)) in masked.into_iter().enumerate() {
        if i == 4 {
            let value = shares.remove("v0").unwrap();
            shares.insert("v1".to_string(), value);
        }
        jar.add(party, shares).unwrap();
    }
    let error = masker.unmask(&jar).unwrap_err();
    assert_eq!(
        error,
        UnmaskingError::NotEnoughShares {
            name: "v1".into(),
            needed: 4,
            got: 1
        }
    );
    assert_eq!(
        error.to_string(),
        "value 'v1': not enough shares (1 of 4 needed)"
    );
}

/// The same rule with three parties and degree 1: one lying node cannot add a public integer.
#[test]
fn unmask_an_extra_public_integer_from_one_node_is_refused() {
    let masker = SecretMasker::new(Prime::U64, 1, parties(3)).unwrap();
    let mut values = BTreeMap::new();
    values.insert("b".to_string(), ClearValue::Integer(Integer::from(7i64)));
    let masked = masker
        .mask(&values, &mut rand::rngs::StdRng::seed_from_u64(2))
        .unwrap();
    let mut jar = PartyJar::new();
    for (i, (party, mut shares)) in masked.into_iter().enumerate() {
        if i == 0 {
            let extra = shares["b"].clone();
            shares.insert("injected".to_string(), extra);
        }
        jar.add(party, shares).unwrap();
    }
    assert!(matches!(
        masker.unmask(&jar),
        Err(UnmaskingError::NotEnoughShares { ref name, needed: 2, got: 1 }) if name == "injected"
    ));
    // Every party's copy of a public value present: read as before.
    let masked = masker
        .mask(&values, &mut rand::rngs::StdRng::seed_from_u64(2))
        .unwrap();
    assert_eq!(masker.unmask(&PartyJar::from(masked)).unwrap(), values);
}
