//! `.nada.bin` bytes: program metadata (what `store_program` quotes), decoding, and
//! evaluation with bounded steps over inputs of the declared types (values from a generator
//! seeded by the input). Nothing panics, a run never exceeds its step limit, and every
//! declared output comes back for its party.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use nilvm_core::field::Prime;
use nilvm_core::program::ProgramMetadata;
use nilvm_core::values::{
    Array, ClearValue, EcdsaDigestMessage, EcdsaPrivateKey, EcdsaSignature, EddsaMessage,
    EddsaPrivateKey, EddsaSignature, Integer, SecretBoolean, SecretInteger,
    SecretUnsignedInteger, Tuple, UnsignedInteger,
};
use nilvm_nada::{EvalConfig, EvalError, Limits, NadaType, Program, evaluate};
use rand::Rng;

const MAX_STEPS: u64 = 200_000;
const MAX_INPUT_LEAVES: u64 = 4_096;

fn value(ty: &NadaType, rng: &mut impl Rng) -> Option<ClearValue> {
    let small = |rng: &mut dyn FnMut() -> i64| rng() % 1_000;
    let mut next = || rng.next_u64() as i64;
    Some(match ty {
        NadaType::Integer => ClearValue::Integer(Integer::from(small(&mut next))),
        NadaType::UnsignedInteger => {
            ClearValue::UnsignedInteger(UnsignedInteger::from(small(&mut next).unsigned_abs()))
        }
        NadaType::Boolean => ClearValue::Boolean(next() & 1 == 1),
        NadaType::SecretInteger => {
            ClearValue::SecretInteger(SecretInteger::new(Integer::from(small(&mut next))))
        }
        NadaType::SecretUnsignedInteger => ClearValue::SecretUnsignedInteger(
            SecretUnsignedInteger::new(UnsignedInteger::from(small(&mut next).unsigned_abs())),
        ),
        NadaType::SecretBoolean => ClearValue::SecretBoolean(SecretBoolean::new(next() & 1 == 1)),
        NadaType::EcdsaPrivateKey => {
            ClearValue::EcdsaPrivateKey(EcdsaPrivateKey::from_be_bytes(&bytes::<32>(rng)).ok()?)
        }
        NadaType::EcdsaDigestMessage => {
            ClearValue::EcdsaDigestMessage(EcdsaDigestMessage::new(&bytes::<32>(rng)).ok()?)
        }
        NadaType::EcdsaSignature => ClearValue::EcdsaSignature(
            EcdsaSignature::from_be_bytes(&bytes::<32>(rng), &bytes::<32>(rng)).ok()?,
        ),
        NadaType::EcdsaPublicKey => ClearValue::EcdsaPublicKey(
            EcdsaPrivateKey::from_be_bytes(&bytes::<32>(rng)).ok()?.public_key(),
        ),
        NadaType::EddsaPrivateKey => {
            ClearValue::EddsaPrivateKey(EddsaPrivateKey::from_le_bytes(&bytes::<32>(rng)).ok()?)
        }
        NadaType::EddsaPublicKey => ClearValue::EddsaPublicKey(
            EddsaPrivateKey::from_le_bytes(&bytes::<32>(rng)).ok()?.public_key(),
        ),
        NadaType::EddsaMessage => ClearValue::EddsaMessage(EddsaMessage::new(bytes::<16>(rng).to_vec())),
        NadaType::EddsaSignature => {
            ClearValue::EddsaSignature(EddsaSignature::new(&bytes::<64>(rng)).ok()?)
        }
        NadaType::Array { element, size } => {
            let values = (0..*size).map(|_| value(element, rng)).collect::<Option<Vec<_>>>()?;
            ClearValue::Array(Array::new(values).ok()?)
        }
        NadaType::Tuple { left, right } => {
            ClearValue::Tuple(Tuple::new(value(left, rng)?, value(right, rng)?).ok()?)
        }
        _ => return None,
    })
}

fn bytes<const N: usize>(rng: &mut impl Rng) -> [u8; N] {
    let mut out = [0u8; N];
    rng.fill_bytes(&mut out);
    out
}

fuzz_target!(|data: &[u8]| {
    // The metadata is stricter than the runtime (it refuses what the nodes refuse, such as a
    // program without protocols), so the two are not compared.
    let _ = ProgramMetadata::from_program(data);
    let Ok(program) = Program::decode(data) else {
        return;
    };
    let leaves: u64 = program.inputs().iter().map(|i| i.ty.leaf_count()).sum();
    if leaves > MAX_INPUT_LEAVES {
        return;
    }
    let seed = data.iter().fold(0u64, |h, b| h.rotate_left(5) ^ u64::from(*b));
    let mut rng = nilvm_fuzz::rng(seed);
    let mut inputs = BTreeMap::new();
    for input in program.inputs() {
        let Some(v) = value(&input.ty, &mut rng) else { return };
        inputs.insert(input.name.clone(), v);
    }
    let prime = if seed & 1 == 0 { Prime::U64 } else { Prime::U256 };
    let config = EvalConfig {
        limits: Limits { max_steps: MAX_STEPS, ..Limits::default() },
        ..EvalConfig::new(prime)
    };
    match evaluate(&program, &inputs, &config, &mut rng) {
        Ok(outputs) => {
            assert!(outputs.steps() <= MAX_STEPS, "ran past the step limit");
            for output in program.outputs() {
                assert!(outputs.get(&output.name).is_some(), "output {} missing", output.name);
            }
        }
        Err(EvalError::StepLimit { .. }) | Err(_) => {}
    }
});
