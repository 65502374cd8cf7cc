//! Values masked by the real masker for 1..=5 parties (the core's `SharedValues` generator), encode each party's shares as a node's
//! `RetrieveValuesResponse`, let the fuzzer tamper with what some parties send (flip or cut
//! bytes, swap in another party's reply, replace, drop a party or a value), then decode and
//! unmask as the client does.
//!
//! No panic ever; untouched parties give back exactly what was masked; and as long as the
//! untouched parties are at least t + 1 and the tampered ones at most t, the result is the
//! original values or an error — never a wrong value. (Additively shared ECDSA/EdDSA keys and
//! signatures are exempt from that last check: n-of-n shares carry no redundancy.)
#![no_main]

use std::collections::BTreeMap;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use nilvm_core::arbitrary::SharedValues;
use nilvm_core::masking::PartyJar;
use nilvm_core::values::proto::{from_named_values, to_named_values};
use nilvm_fuzz::values::uses_additive_sharing;
use nilvm_proto::Message;
use nilvm_proto::nillion::values::v1::retrieve::RetrieveValuesResponse;

#[derive(Arbitrary, Debug)]
enum Tamper {
    Flip { party: u8, at: u16, xor: u8 },
    Truncate { party: u8, len: u16 },
    Swap { from: u8, to: u8 },
    Replace { party: u8, bytes: Vec<u8> },
    DropParty { party: u8 },
    DropValue { party: u8, index: u8 },
}

#[derive(Arbitrary, Debug)]
struct Input {
    shared: SharedValues,
    tamper: Vec<Tamper>,
}

fuzz_target!(|input: Input| {
    let SharedValues { masker, values, shares: masked } = input.shared;
    let parties = masker.parties().to_vec();
    let n = parties.len();
    let degree = masker.polynomial_degree() as u64;
    let prime = masker.prime();

    // What each party sends: its encoded reply, or nothing.
    let mut sent: Vec<Option<Vec<u8>>> = parties
        .iter()
        .map(|p| {
            let shares = to_named_values(&masked[p]).expect("masked values encode");
            Some(RetrieveValuesResponse { values: shares }.encode_to_vec())
        })
        .collect();
    let honest = sent.clone();
    for tamper in input.tamper.iter().take(8) {
        let slot = |p: &u8| usize::from(*p) % n;
        match tamper {
            Tamper::Flip { party, at, xor } => {
                if let Some(bytes) = sent[slot(party)].as_mut().filter(|b| !b.is_empty()) {
                    let at = usize::from(*at) % bytes.len();
                    bytes[at] ^= (*xor).max(1);
                }
            }
            Tamper::Truncate { party, len } => {
                if let Some(bytes) = sent[slot(party)].as_mut() {
                    bytes.truncate(usize::from(*len));
                }
            }
            Tamper::Swap { from, to } => sent[slot(to)] = sent[slot(from)].clone(),
            Tamper::Replace { party, bytes } => sent[slot(party)] = Some(bytes.clone()),
            Tamper::DropParty { party } => sent[slot(party)] = None,
            Tamper::DropValue { party, index } => {
                if let Some(bytes) = sent[slot(party)].as_mut() {
                    if let Ok(mut reply) = RetrieveValuesResponse::decode(bytes.as_slice()) {
                        if !reply.values.is_empty() {
                            let i = usize::from(*index) % reply.values.len();
                            reply.values.remove(i);
                            *bytes = reply.encode_to_vec();
                        }
                    }
                }
            }
        }
    }

    // The client: decode each reply, jar the ones that decode, unmask.
    let mut jar = PartyJar::new();
    let (mut untouched, mut tampered) = (0usize, 0usize);
    for ((party, bytes), honest) in parties.iter().zip(&sent).zip(&honest) {
        let Some(bytes) = bytes else { continue };
        let Ok(reply) = RetrieveValuesResponse::decode(bytes.as_slice()) else {
            continue;
        };
        let Ok(shares) = from_named_values(&reply.values, prime) else {
            continue;
        };
        if Some(bytes) == honest.as_ref() {
            assert_eq!(shares, masked[party], "an untouched reply decodes to the masked shares");
            untouched += 1;
        } else {
            tampered += 1;
        }
        jar.add(party.clone(), shares).expect("each party once");
    }
    let result = masker.unmask(&jar);
    let degree = degree as usize;
    let nothing_tampered = tampered == 0 && untouched == n;
    if nothing_tampered {
        assert_eq!(result.as_ref(), Ok(&values), "an honest round trip gives the values back");
    }
    let redundant = untouched > degree && tampered <= degree;
    let additive = values.values().any(uses_additive_sharing);
    if redundant && !additive {
        if let Ok(recovered) = &result {
            let expected: BTreeMap<_, _> = values.clone();
            assert_eq!(recovered, &expected, "a wrong value was returned");
        }
    }
});
