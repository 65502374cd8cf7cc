//! Raw bytes as the `RetrieveValuesResponse` of 1..=5 parties: decode, convert with the
//! cluster's prime (`from_named_values`), jar and unmask. Nothing may panic, and a value that
//! converts must convert back to the same value.
//!
//! Input layout (so seeds can be written from the test vectors): one byte `prime | degree << 2`
//! (prime 0 = U64, 1 = U128, else U256), then per party a little-endian `u16` length and that
//! many bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nilvm_core::masking::{PartyId, PartyJar, SecretMasker};
use nilvm_core::values::proto::{from_named_values, to_named_values, value_from_proto};
use nilvm_core::field::Prime;
use nilvm_proto::Message;
use nilvm_proto::nillion::values::v1::retrieve::RetrieveValuesResponse;

fn frames(mut data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while data.len() >= 2 && out.len() < 5 {
        let len = usize::from(u16::from_le_bytes([data[0], data[1]]));
        let rest = &data[2..];
        let (frame, tail) = rest.split_at(len.min(rest.len()));
        out.push(frame);
        data = tail;
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&header, rest)) = data.split_first() else { return };
    let prime = match header & 3 {
        0 => Prime::U64,
        1 => Prime::U128,
        _ => Prime::U256,
    };
    let replies = frames(rest);
    if replies.is_empty() {
        return;
    }
    let n = replies.len();
    let parties: Vec<PartyId> = (0..n).map(|i| PartyId::new(vec![i as u8 + 1; 20])).collect();
    let degree = u64::from(header >> 2) % n as u64;
    let masker = SecretMasker::new(prime, degree, parties.iter().cloned()).expect("valid masker");
    let mut jar = PartyJar::new();
    for (party, bytes) in parties.iter().zip(replies) {
        let Ok(reply) = RetrieveValuesResponse::decode(bytes) else {
            continue;
        };
        for named in &reply.values {
            if let Some(value) = &named.value {
                if let Ok(decoded) = value_from_proto(value, prime) {
                    // What decodes re-encodes to something that decodes to the same value.
                    let again = nilvm_core::values::proto::value_to_proto(&decoded)
                        .expect("a decoded value encodes");
                    assert_eq!(value_from_proto(&again, prime).as_ref(), Ok(&decoded));
                }
            }
        }
        let Ok(shares) = from_named_values(&reply.values, prime) else {
            continue;
        };
        let back = to_named_values(&shares).expect("decoded shares encode");
        assert_eq!(from_named_values(&back, prime).as_ref(), Ok(&shares));
        jar.add(party.clone(), shares).expect("each party once");
    }
    let _ = masker.unmask(&jar);
});
