//! Masking and unmasking: 10,000 secret integers and a 1 MiB blob, 3 and 5 parties, each
//! prime; ours vs the official masker (through its Python API) vs the field multiplications
//! the sharing needs.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Duration;

use nilvm_core::field::{Fp64, Fp128, Fp256, Prime, PrimeField};
use nilvm_core::masking::{PartyId, SecretMasker};
use nilvm_core::values::{ClearValue, SecretBlob, SecretInteger};
use rand::{Rng, RngExt};
use serde_json::{Value as Json, json};

use crate::table::Row;
use crate::timing::median;

/// How much to mask.
#[derive(Clone, Copy, Debug)]
pub struct Sizes {
    /// Secret integers per call.
    pub integers: usize,
    /// Bytes of the blob.
    pub blob_bytes: usize,
}

impl Sizes {
    /// The table of BENCHMARKS.md.
    pub const FULL: Sizes = Sizes {
        integers: 10_000,
        blob_bytes: 1 << 20,
    };
    /// `--quick`: a smoke test.
    pub const QUICK: Sizes = Sizes {
        integers: 1_000,
        blob_bytes: 64 << 10,
    };
}

/// One workload.
#[derive(Clone, Copy, Debug)]
pub struct Workload {
    prime: Prime,
    parties: usize,
    degree: usize,
    blob: bool,
    sizes: Sizes,
}

impl Workload {
    /// Masking `sizes.blob_bytes` of blob (`blob`) or `sizes.integers` secret integers among
    /// `parties`, with polynomials of `degree`.
    pub fn new(prime: Prime, parties: usize, degree: usize, blob: bool, sizes: Sizes) -> Workload {
        Workload {
            prime,
            parties,
            degree,
            blob,
            sizes,
        }
    }

    fn all(sizes: Sizes) -> Vec<Workload> {
        let mut all = Vec::new();
        for prime in Prime::ALL {
            for (parties, degree) in [(3, 1), (5, 2)] {
                for blob in [false, true] {
                    all.push(Workload::new(prime, parties, degree, blob, sizes));
                }
            }
        }
        all
    }

    /// What is masked, e.g. "1 MiB blob, 3 parties, 64-bit".
    pub fn label(&self) -> String {
        let what = if self.blob {
            match self.sizes.blob_bytes {
                b if b % (1 << 20) == 0 => format!("{} MiB blob", b >> 20),
                b if b % (1 << 10) == 0 => format!("{} KiB blob", b >> 10),
                b => format!("{b}-byte blob"),
            }
        } else {
            match self.sizes.integers {
                n if n % 1000 == 0 => format!("{}k secret integers", n / 1000),
                n => format!("{n} secret integers"),
            }
        };
        format!(
            "{what}, {} parties, {}-bit",
            self.parties,
            self.prime.bits()
        )
    }

    /// Secret elements to share: one per integer, one per blob chunk.
    fn elements(&self) -> usize {
        if self.blob {
            self.sizes
                .blob_bytes
                .div_ceil(self.prime.blob_chunk_bytes())
        } else {
            self.sizes.integers
        }
    }

    fn values(&self, rng: &mut impl Rng) -> BTreeMap<String, ClearValue> {
        if self.blob {
            let mut bytes = vec![0u8; self.sizes.blob_bytes];
            rng.fill_bytes(&mut bytes);
            BTreeMap::from([("blob".to_string(), SecretBlob::new(bytes).into())])
        } else {
            (0..self.sizes.integers)
                .map(|i| {
                    let value = i64::from(rng.random::<i32>());
                    (
                        format!("v{i:05}"),
                        ClearValue::SecretInteger(SecretInteger::from(value)),
                    )
                })
                .collect()
        }
    }

    fn python_request(&self, runs: usize) -> Json {
        json!({
            "prime": self.prime.bits(), "parties": self.parties, "degree": self.degree,
            "kind": if self.blob { "blob" } else { "integers" },
            "count": if self.blob { self.sizes.blob_bytes } else { self.sizes.integers }, "runs": runs,
        })
    }

    /// The field multiplications sharing needs: evaluating a degree-t polynomial at n points
    /// (n·t) per element to mask; a Lagrange combination of t+1 shares (t+1) per element to
    /// unmask.
    pub fn multiplications(&self) -> (usize, usize) {
        let elements = self.elements();
        let (n, t) = (self.parties, self.degree);
        (elements * n * t, elements * (t + 1))
    }
}

/// Our mask and unmask times: packed shares (one column per party, names once), the form
/// `SecretMasker::mask_packed` returns, with the strict checks of the unmask included.
pub fn ours(workload: &Workload, runs: usize) -> (Duration, Duration) {
    let mut rng = rand::rng();
    let parties: Vec<PartyId> = (0..workload.parties)
        .map(|_| PartyId::new(rng.random::<[u8; 20]>().to_vec()))
        .collect();
    let masker =
        SecretMasker::new(workload.prime, workload.degree as u64, parties).expect("a valid masker");
    let values = workload.values(&mut rng);
    let mask = median(runs, || {
        black_box(
            masker
                .mask_packed(&values, &mut rand::rng())
                .expect("masking works"),
        );
    });
    let shares = masker
        .mask_packed(&values, &mut rng)
        .expect("masking works");
    let clear = masker.unmask_packed(&shares).expect("unmasking works");
    assert!(
        clear.iter().eq(values.values()),
        "unmasking gave other values"
    );
    let unmask = median(runs, || {
        black_box(masker.unmask_packed(&shares).expect("unmasking works"));
    });
    (mask, unmask)
}

/// The time of one field multiplication on this machine, in seconds, from a long run of
/// independent ones. A float: at 64 bits one takes 1-3 ns, and a `Duration` divided down to
/// one multiplication would round that to whole nanoseconds (a 2.5 ns product read as 2 ns
/// made every 64-bit bound 20% short, or 50% long at 3 ns).
fn multiplication<F: PrimeField>() -> f64 {
    const N: usize = 1 << 16;
    let mut rng = rand::rng();
    let a: Vec<F> = (0..N).map(|_| F::random(&mut rng)).collect();
    let b: Vec<F> = (0..N).map(|_| F::random(&mut rng)).collect();
    let mut out = vec![F::ZERO; N];
    let total = median(9, || {
        for ((o, x), y) in out.iter_mut().zip(&a).zip(&b) {
            *o = *x * *y;
        }
        black_box(&out);
    });
    total.as_secs_f64() / N as f64
}

/// The time of the multiplications sharing needs ([`Workload::multiplications`]).
fn bound(workload: &Workload, multiplication: f64) -> (Duration, Duration) {
    let (mask, unmask) = workload.multiplications();
    let time = |count: usize| Duration::from_secs_f64(multiplication * count as f64);
    (time(mask), time(unmask))
}

/// The official masker's times, from `official_masker.py` run with `python`.
fn official(
    python: &str,
    workloads: &[Workload],
    runs: usize,
) -> Result<Vec<(Duration, Duration)>, String> {
    let request =
        json!({"workloads": workloads.iter().map(|w| w.python_request(runs)).collect::<Vec<_>>()});
    let answer = crate::python::run(python, "official_masker.py", &request)?;
    let answers = answer
        .as_array()
        .ok_or("official_masker.py: expected a list")?;
    let seconds = |v: &Json, k: &str| {
        v[k].as_f64()
            .map(Duration::from_secs_f64)
            .ok_or(format!("no '{k}' time"))
    };
    answers
        .iter()
        .map(|a| Ok((seconds(a, "mask")?, seconds(a, "unmask")?)))
        .collect()
}

/// All masking rows.
pub fn rows(python: Option<&str>, runs: usize, sizes: Sizes) -> Vec<Row> {
    let workloads = Workload::all(sizes);
    let multiplications = [
        (Prime::U64, multiplication::<Fp64>()),
        (Prime::U128, multiplication::<Fp128>()),
        (Prime::U256, multiplication::<Fp256>()),
    ];
    let reference = python.map(|python| {
        official(python, &workloads, runs).unwrap_or_else(|error| {
            eprintln!("official masker not measured: {error}");
            Vec::new()
        })
    });
    let mut rows = Vec::new();
    for (index, workload) in workloads.iter().enumerate() {
        let (mask, unmask) = ours(workload, runs);
        let per_mult = multiplications
            .iter()
            .find(|(p, _)| *p == workload.prime)
            .map(|(_, d)| *d)
            .unwrap_or_default();
        let (mask_bound, unmask_bound) = bound(workload, per_mult);
        let official = reference.as_ref().and_then(|r| r.get(index).copied());
        rows.push(Row {
            what: format!("mask {}", workload.label()),
            ours: mask,
            reference: official.map(|o| o.0),
            bound: Some(mask_bound),
            ops_per_second: None,
            growth: None,
        });
        rows.push(Row {
            what: format!("unmask {}", workload.label()),
            ours: unmask,
            reference: official.map(|o| o.1),
            bound: Some(unmask_bound),
            ops_per_second: None,
            growth: None,
        });
    }
    rows
}
