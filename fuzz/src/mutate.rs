//! A structure-aware libFuzzer mutator for protobuf inputs: every mutated input still decodes,
//! so the fuzzer spends its time in the checks behind a successful decode instead of in the
//! decoder's first error.

use arbitrary::{Arbitrary, Unstructured};
use nilvm_proto::Message;
use rand::{Rng, SeedableRng};

/// Bytes of noise each structural mutation draws from.
const NOISE: usize = 512;

/// Mutates the encoded `M` in `data[..size]` (any bytes that do not decode count as the empty
/// message) and returns the new size. One of, chosen by `seed`:
///
/// - libFuzzer's own byte mutation, kept only if the result still decodes;
/// - a protobuf merge with a generated message (scalars replaced, repeated fields appended,
///   sub-messages merged);
/// - a valid message from `valid` (a real share, a signed quote), when it gives one;
/// - a fresh generated message.
pub fn mutate<M, V>(data: &mut [u8], size: usize, max_size: usize, seed: u32, valid: V) -> usize
where
    M: Message + Default + for<'a> Arbitrary<'a>,
    V: Fn(&mut Unstructured<'_>) -> Option<M>,
{
    let current = M::decode(&data[..size]).unwrap_or_default();
    let mut noise = [0u8; NOISE];
    rand::rngs::StdRng::seed_from_u64(u64::from(seed)).fill_bytes(&mut noise);
    let mut u = Unstructured::new(&noise);
    let next = match seed % 4 {
        0 => {
            let new_size = libfuzzer_sys::fuzzer_mutate(data, size, max_size);
            if M::decode(&data[..new_size]).is_ok() {
                return new_size;
            }
            current
        }
        1 => match M::arbitrary(&mut u) {
            Ok(patch) => {
                let mut bytes = current.encode_to_vec();
                bytes.extend(patch.encode_to_vec());
                M::decode(bytes.as_slice()).unwrap_or(current)
            }
            Err(_) => current,
        },
        2 => valid(&mut u).unwrap_or(current),
        _ => M::arbitrary(&mut u).unwrap_or(current),
    };
    let bytes = next.encode_to_vec();
    if bytes.len() > max_size {
        return size.min(max_size);
    }
    data[..bytes.len()].copy_from_slice(&bytes);
    bytes.len()
}
