//! Programs from the Nada generator (`nilvm_nada::arbitrary::ProgramCase`) with our metadata,
//! for the interop suite's differential run against the official `extract_program_metadata`.
//!
//! `program_gen SEED COUNT` prints COUNT JSON lines `{"bytes": hex, "metadata": {...}}` (or
//! `"error"` instead of `"metadata"` when our analysis refuses the program). The metadata is
//! `memory_size`, `total_instructions`, `instructions` (protocol name → count) and
//! `requirements` (runtime element name → count).

use nilvm_core::arbitrary::{Arbitrary, SeededRng, Unstructured};
use nilvm_core::program::ProgramMetadata;
use nilvm_nada::arbitrary::ProgramCase;
use rand_core::Rng as _;
use serde_json::{Map, Value as Json, json};

fn metadata(bytes: &[u8]) -> Json {
    match ProgramMetadata::from_program(bytes) {
        Ok(m) => {
            let instructions: Map<String, Json> = m
                .instructions
                .iter()
                .map(|(p, n)| (p.name().to_string(), json!(n)))
                .collect();
            let requirements: Map<String, Json> = m
                .requirements
                .iter()
                .map(|(r, n)| (r.name().to_string(), json!(n)))
                .collect();
            json!({
                "memory_size": m.memory_size,
                "total_instructions": m.instruction_count,
                "instructions": instructions,
                "requirements": requirements,
            })
        }
        Err(e) => json!(e.to_string()),
    }
}

fn main() -> std::process::ExitCode {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let [seed, count] = args[..] else {
        eprintln!("program_gen: usage: program_gen SEED COUNT");
        return std::process::ExitCode::FAILURE;
    };
    let mut rng = SeededRng::new(seed);
    let mut made = 0;
    while made < count {
        let mut noise = vec![0u8; 64 + (rng.next_u32() % 512) as usize];
        rng.fill_bytes(&mut noise);
        let Ok(case) = ProgramCase::arbitrary(&mut Unstructured::new(&noise)) else {
            continue;
        };
        let key = if ProgramMetadata::from_program(&case.bytes).is_ok() {
            "metadata"
        } else {
            "error"
        };
        println!(
            "{}",
            json!({"bytes": hex::encode(&case.bytes), key: metadata(&case.bytes)})
        );
        made += 1;
    }
    std::process::ExitCode::SUCCESS
}
