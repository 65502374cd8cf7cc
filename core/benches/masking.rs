//! Mask and unmask throughput: 10,000 secret integers and a 1 MiB blob, 5 parties (degree 2),
//! each prime. A plain `Instant` loop: `cargo bench -p nilvm-core --bench masking`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use nilvm_core::field::Prime;
use nilvm_core::masking::{PartyId, PartyJar, SecretMasker};
use nilvm_core::values::{ClearValue, SecretBlob, SecretInteger};
use rand::rngs::StdRng;
use rand::{Rng, RngExt, SeedableRng};

fn time<T>(runs: u32, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut last = None;
    let start = Instant::now();
    for _ in 0..runs {
        last = Some(std::hint::black_box(f()));
    }
    (start.elapsed() / runs, last.expect("at least one run"))
}

fn main() {
    let mut rng = StdRng::seed_from_u64(7);
    let parties: Vec<PartyId> = (0..5u8).map(|i| PartyId::new(vec![i; 33])).collect();

    let integers: BTreeMap<String, ClearValue> = (0..10_000)
        .map(|i| {
            let v: i64 = rng.random::<i32>().into();
            (format!("int{i:05}"), SecretInteger::from(v).into())
        })
        .collect();
    let mut blob_bytes = vec![0u8; 1 << 20];
    rng.fill_bytes(&mut blob_bytes);
    let blob: BTreeMap<String, ClearValue> =
        [("blob".to_string(), SecretBlob::new(blob_bytes).into())].into();

    println!(
        "{:<6} {:<22} {:>12} {:>16} {:>12} {:>16}",
        "prime", "workload", "mask", "mask rate", "unmask", "unmask rate"
    );
    for prime in Prime::ALL {
        let masker = SecretMasker::new(prime, 2, parties.clone()).expect("masker");
        for (label, values, unit, amount) in [
            ("10,000 secret integers", &integers, "values/s", 10_000.0),
            ("1 MiB blob", &blob, "MiB/s", 1.0),
        ] {
            let runs = 3;
            let (mask_time, masked) = time(runs, || masker.mask(values, &mut rng).expect("mask"));
            let jar = PartyJar::from(masked);
            let (unmask_time, clear) = time(runs, || masker.unmask(&jar).expect("unmask"));
            assert_eq!(&clear, values);
            println!(
                "{:<6} {:<22} {:>10.1}ms {:>11.0} {unit:<4} {:>10.1}ms {:>11.0} {unit}",
                format!("{prime:?}"),
                label,
                mask_time.as_secs_f64() * 1e3,
                amount / mask_time.as_secs_f64(),
                unmask_time.as_secs_f64() * 1e3,
                amount / unmask_time.as_secs_f64(),
            );
        }
    }
}
