//! Masking and unmasking: 10,000 secret integers and a 1 MiB blob, 3 and 5 parties, each
//! prime; ours vs the official masker (through its Python API) vs the field multiplications
//! the sharing needs.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Duration;

use nilvm_core::field::{Fp64, Fp128, Fp256, Prime, PrimeField};
use nilvm_core::masking::{PartyId, PartyJar, SecretMasker};
use nilvm_core::values::{ClearValue, SecretBlob, SecretInteger};
use rand::{Rng, RngExt};
use serde_json::{Value as Json, json};

use crate::table::Row;
use crate::timing::median;

/// One workload.
#[derive(Clone, Copy, Debug)]
pub struct Workload {
    prime: Prime,
    parties: usize,
    degree: usize,
    blob: bool,
}

const INTEGERS: usize = 10_000;
const BLOB_BYTES: usize = 1 << 20;

impl Workload {
    fn all() -> Vec<Workload> {
        let mut all = Vec::new();
        for prime in Prime::ALL {
            for (parties, degree) in [(3, 1), (5, 2)] {
                for blob in [false, true] {
                    all.push(Workload {
                        prime,
                        parties,
                        degree,
                        blob,
                    });
                }
            }
        }
        all
    }

    fn label(&self) -> String {
        let what = if self.blob {
            "1 MiB blob"
        } else {
            "10k secret integers"
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
            BLOB_BYTES.div_ceil(self.prime.blob_chunk_bytes())
        } else {
            INTEGERS
        }
    }

    fn values(&self, rng: &mut impl Rng) -> BTreeMap<String, ClearValue> {
        if self.blob {
            let mut bytes = vec![0u8; BLOB_BYTES];
            rng.fill_bytes(&mut bytes);
            BTreeMap::from([("blob".to_string(), SecretBlob::new(bytes).into())])
        } else {
            (0..INTEGERS)
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
            "count": if self.blob { BLOB_BYTES } else { INTEGERS }, "runs": runs,
        })
    }
}

/// Our mask and unmask times.
fn ours(workload: &Workload, runs: usize) -> (Duration, Duration) {
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
                .mask(&values, &mut rand::rng())
                .expect("masking works"),
        );
    });
    let jar = PartyJar::from(masker.mask(&values, &mut rng).expect("masking works"));
    let unmask = median(runs, || {
        black_box(masker.unmask(&jar).expect("unmasking works"));
    });
    (mask, unmask)
}

/// The time of one field multiplication on this machine, from a long run of independent ones.
fn multiplication<F: PrimeField>() -> Duration {
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
    total / N as u32
}

/// The multiplications sharing needs: evaluating a degree-t polynomial at n points (n·t) per
/// element to mask; a Lagrange combination of t+1 shares (t+1) per element to unmask.
fn bound(workload: &Workload, multiplication: Duration) -> (Duration, Duration) {
    let elements = workload.elements() as u32;
    let mask = multiplication * elements * (workload.parties * workload.degree) as u32;
    let unmask = multiplication * elements * (workload.degree + 1) as u32;
    (mask, unmask)
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
pub fn rows(python: Option<&str>, runs: usize) -> Vec<Row> {
    let workloads = Workload::all();
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
        });
        rows.push(Row {
            what: format!("unmask {}", workload.label()),
            ours: unmask,
            reference: official.map(|o| o.1),
            bound: Some(unmask_bound),
        });
    }
    rows
}
