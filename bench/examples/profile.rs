//! One masking workload, for a profiler (`valgrind --tool=callgrind`): deterministic inputs and
//! randomness, and the measured call in a function of its own (`profile_target`), so that
//! `--collect-atstart=no --toggle-collect=*profile_target*` counts only it.
//!
//! ```text
//! cargo build --release -p nilvm-bench --example profile
//! valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*profile_target*' \
//!     target/release/examples/profile mask 64 3 ints
//! ```
//!
//! Arguments: `mask|unmask`, prime bits (64, 128, 256), parties (3 or 5; degree 1 or 2),
//! `ints|blob`, optionally a repeat count, and `named` for the named maps of
//! `SecretMasker::mask` / `unmask` instead of the packed shares the bench times.

use std::collections::BTreeMap;
use std::hint::black_box;

use nilvm_core::field::Prime;
use nilvm_core::masking::{PackedShares, PartyId, PartyJar, SecretMasker};
use nilvm_core::values::{ClearValue, SecretBlob, SecretInteger};
use rand::rngs::StdRng;
use rand::{Rng, RngExt, SeedableRng};

/// What the unmask reads: the named maps, or the packed shares.
enum Input<'v> {
    Named(PartyJar),
    Packed(PackedShares<'v>),
}

#[inline(never)]
fn profile_target(
    op: &str,
    masker: &SecretMasker,
    values: &BTreeMap<String, ClearValue>,
    input: &Input<'_>,
    rng: &mut StdRng,
) {
    match (op, input) {
        ("mask", Input::Named(_)) => {
            black_box(masker.mask(values, rng).expect("masking works"));
        }
        ("mask", Input::Packed(_)) => {
            black_box(masker.mask_packed(values, rng).expect("masking works"));
        }
        (_, Input::Named(jar)) => {
            black_box(masker.unmask(jar).expect("unmasking works"));
        }
        (_, Input::Packed(shares)) => {
            black_box(masker.unmask_packed(shares).expect("unmasking works"));
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize, default: &str| args.get(i).cloned().unwrap_or_else(|| default.into());
    let op = arg(1, "mask");
    let prime = match arg(2, "64").as_str() {
        "64" => Prime::U64,
        "128" => Prime::U128,
        _ => Prime::U256,
    };
    let parties: usize = arg(3, "3").parse().expect("a party count");
    let degree = if parties >= 5 { 2 } else { 1 };
    let blob = arg(4, "ints") == "blob";
    let repeat: usize = arg(5, "1").parse().expect("a repeat count");
    let named = arg(6, "packed") == "named";

    let mut rng = StdRng::seed_from_u64(7);
    let ids: Vec<PartyId> = (0..parties)
        .map(|_| PartyId::new(rng.random::<[u8; 20]>().to_vec()))
        .collect();
    let masker = SecretMasker::new(prime, degree, ids).expect("a valid masker");
    let values: BTreeMap<String, ClearValue> = if blob {
        let mut bytes = vec![0u8; 1 << 20];
        rng.fill_bytes(&mut bytes);
        BTreeMap::from([("blob".to_string(), SecretBlob::new(bytes).into())])
    } else {
        (0..10_000)
            .map(|i| {
                let value = i64::from(rng.random::<i32>());
                (
                    format!("v{i:05}"),
                    ClearValue::SecretInteger(SecretInteger::from(value)),
                )
            })
            .collect()
    };
    let input = match (named, op == "mask") {
        (true, true) => Input::Named(PartyJar::new()),
        (true, false) => Input::Named(PartyJar::from(
            masker.mask(&values, &mut rng).expect("masking works"),
        )),
        (false, _) => Input::Packed(
            masker
                .mask_packed(&values, &mut rng)
                .expect("masking works"),
        ),
    };
    for _ in 0..repeat {
        profile_target(&op, &masker, &values, &input, &mut rng);
    }
}
