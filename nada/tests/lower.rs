//! The MIR lowering against the facts: the official preprocessor's output for the three
//! fixtures that have one, every fixture's test cases, the metadata model, determinism and
//! idempotence.
#![allow(clippy::unwrap_used, clippy::panic, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;

use common::{case_inputs, clear, fixture_names, load_json, prime_of, programs_dir};
use nilvm_core::program::ProgramMetadata;
use nilvm_nada::{EvalConfig, LowerError, Program, ProgramError, evaluate, lower_bytes};
use nilvm_proto::Message;
use nilvm_proto::nillion::nada::mir::v1::ProgramMir;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::Value as Json;

const WITH_OFFICIAL: [&str; 3] = ["array_map_reduce", "boolean_logic", "compare_select"];

fn raw(name: &str) -> Vec<u8> {
    std::fs::read(programs_dir().join(format!("{name}.nada.bin"))).unwrap()
}

fn official(name: &str) -> Vec<u8> {
    std::fs::read(programs_dir().join(format!("{name}.preprocessed.nada.bin"))).unwrap()
}

fn lowered(name: &str) -> Vec<u8> {
    lower_bytes(&raw(name)).unwrap().bytes.into_owned()
}

/// Whether every expected output of a case is exact (no random or signature output).
fn deterministic(case: &Json) -> bool {
    case["expected_outputs"]
        .as_array()
        .unwrap()
        .iter()
        .all(|o| !o["value"].is_null())
}

/// Runs a case; the error text or the outputs by name.
fn run(program: &Program, json: &Json, case: &Json) -> Result<BTreeMap<String, String>, String> {
    let config = EvalConfig::new(prime_of(json));
    let mut rng = StdRng::seed_from_u64(7);
    evaluate(program, &case_inputs(case), &config, &mut rng)
        .map(|outputs| {
            outputs
                .values()
                .iter()
                .map(|o| (o.name.clone(), format!("{:?}", o.value)))
                .collect()
        })
        .map_err(|e| e.to_string())
}

#[test]
fn every_lowered_fixture_is_in_the_nodes_form_and_passes_its_cases() {
    let mut cases = 0;
    for name in fixture_names() {
        let json = load_json(&name);
        let bytes = lowered(&name);
        let program = Program::decode(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(program.is_preprocessed(), "{name}");
        let metadata = ProgramMetadata::from_program(&bytes).unwrap();
        assert!(metadata.accepted_by_nodes(), "{name}");
        let raw_program = Program::decode(&raw(&name)).unwrap();
        for case in json["test_cases"].as_array().unwrap() {
            if !deterministic(case) {
                continue;
            }
            let label = format!("{name} / {}", case["name"]);
            let got = run(&program, &json, case);
            assert_eq!(got, run(&raw_program, &json, case), "{label}");
            match case["expected_error"].as_str() {
                Some(expected) => assert!(got.unwrap_err().contains(expected), "{label}"),
                None => {
                    let got = got.unwrap();
                    for out in case["expected_outputs"].as_array().unwrap() {
                        let value = clear(out["type"].as_str().unwrap(), &out["value"]);
                        assert_eq!(
                            got[out["name"].as_str().unwrap()],
                            format!("{value:?}"),
                            "{label}"
                        );
                    }
                }
            }
            cases += 1;
        }
    }
    assert!(cases >= 30, "only {cases} cases ran");
}

#[test]
fn ours_and_the_official_lowering_agree_on_cases_and_metadata() {
    for name in WITH_OFFICIAL {
        let json = load_json(name);
        let ours_bytes = lowered(name);
        let official_bytes = official(name);
        let ours = Program::decode(&ours_bytes).unwrap();
        let theirs = Program::decode(&official_bytes).unwrap();
        for case in json["test_cases"].as_array().unwrap() {
            assert_eq!(
                run(&ours, &json, case),
                run(&theirs, &json, case),
                "{name} / {}",
                case["name"]
            );
        }
        let mut ours_meta = ProgramMetadata::from_program(&ours_bytes).unwrap();
        let theirs_meta = ProgramMetadata::from_program(&official_bytes).unwrap();
        assert_eq!(ours_meta.program_size, ours_bytes.len() as u64);
        ours_meta.program_size = theirs_meta.program_size;
        assert_eq!(ours_meta, theirs_meta, "{name}");
        // And the official metadata recorded with the fixture.
        let recorded = &json["preprocessed_binary"]["metadata"];
        assert_eq!(
            ours_meta.instruction_count,
            recorded["instruction_count"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(
            ours_meta.memory_size,
            recorded["memory_size"].as_u64().unwrap(),
            "{name}"
        );
    }
}

#[test]
fn lowering_keeps_everything_but_the_operations() {
    for name in WITH_OFFICIAL {
        let before = ProgramMir::decode(raw(name).as_slice()).unwrap();
        let after = ProgramMir::decode(lowered(name).as_slice()).unwrap();
        assert_eq!(after.parties, before.parties, "{name}");
        assert_eq!(after.inputs, before.inputs, "{name}");
        assert_eq!(after.literals, before.literals, "{name}");
        assert_eq!(after.outputs, before.outputs, "{name}");
        assert_eq!(after.functions, before.functions, "{name}");
        assert_eq!(after.source_files, before.source_files, "{name}");
        assert_eq!(after.source_refs, before.source_refs, "{name}");
        // Ids are sorted, unique, and new ones come after every id of the raw program.
        let largest = before
            .operations
            .iter()
            .map(|e| e.id)
            .chain(before.functions.iter().map(|f| f.id))
            .chain(
                before
                    .functions
                    .iter()
                    .flat_map(|f| f.operations.iter().map(|e| e.id)),
            )
            .max()
            .unwrap();
        let ids: Vec<u64> = after.operations.iter().map(|e| e.id).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{name}: {ids:?}");
        let old: Vec<u64> = before.operations.iter().map(|e| e.id).collect();
        for id in &ids {
            assert!(old.contains(id) || *id > largest, "{name}: id {id}");
        }
        for id in old {
            assert!(ids.contains(&id), "{name}: raw id {id} lost");
        }
    }
}

#[test]
fn one_input_ref_per_input_after_inlining() {
    let after = ProgramMir::decode(lowered("map_reduce_chain").as_slice()).unwrap();
    let mut refs = BTreeMap::new();
    for entry in &after.operations {
        if let Some(nilvm_proto::nillion::nada::operations::v1::operation::Operation::InputRef(r)) =
            &entry.operation.as_ref().unwrap().operation
        {
            *refs.entry(r.refers_to.clone()).or_insert(0) += 1;
        }
    }
    assert!(refs.values().all(|n| *n == 1), "{refs:?}");
    assert_eq!(refs.len(), after.inputs.len());
}

/// The nodes run an inner product only over two input arrays: one over a computed array (a
/// `new`, as `map` becomes) fails on the reference node with "illegal memory access" (it
/// assembles the array late, shifting memory an input array's copy already uses; see
/// `nilvm_nada::lower`). The lowering expands those into products and sums.
#[test]
fn inner_products_read_only_input_arrays_after_lowering() {
    use nilvm_proto::nillion::nada::operations::v1::BinaryOperationVariant as B;
    use nilvm_proto::nillion::nada::operations::v1::operation::Operation as Kind;
    for name in fixture_names() {
        let mir = ProgramMir::decode(lowered(&name).as_slice()).unwrap();
        let ops: BTreeMap<u64, &Kind> = mir
            .operations
            .iter()
            .filter_map(|e| e.operation.as_ref())
            .filter_map(|op| Some((op.id, op.operation.as_ref()?)))
            .collect();
        for kind in ops.values() {
            if let Kind::Binary(b) = kind {
                if b.variant == B::InnerProduct as i32 {
                    for operand in [b.left, b.right] {
                        assert!(
                            matches!(ops.get(&operand), Some(Kind::InputRef(_))),
                            "{name}: inner_product reads operation {operand}"
                        );
                    }
                }
            }
        }
    }
    // The raw map_reduce_chain has `xs.map(clamp).inner_product(ws)`: expanded, and reported.
    let chain_raw = raw("map_reduce_chain");
    let chain = lower_bytes(&chain_raw).unwrap();
    assert!(
        chain.rewritten.iter().any(|(_, n)| *n == "inner_product"),
        "{:?}",
        chain.rewritten
    );
    // inner_product.py multiplies two inputs: kept as one operation.
    let kept = ProgramMir::decode(lowered("inner_product").as_slice()).unwrap();
    let inner_products = kept
        .operations
        .iter()
        .filter_map(|e| e.operation.as_ref()?.operation.as_ref())
        .filter(|k| matches!(k, Kind::Binary(b) if b.variant == B::InnerProduct as i32))
        .count();
    assert!(inner_products >= 1);
}

/// A program already in the nodes' form whose only problem is an inner product over a
/// computed array is still rewritten (and the result is then stable).
#[test]
fn an_inner_product_over_a_computed_array_alone_is_rewritten() {
    use nilvm_proto::nillion::nada::operations::v1::BinaryOperationVariant as B;
    use nilvm_proto::nillion::nada::operations::v1::operation::Operation as Kind;
    let once = lowered("map_reduce_chain");
    let mut mir = ProgramMir::decode(once.as_slice()).unwrap();
    // Put back an inner product of the mapped array (the output `clamped`) and `ws`.
    let clamped = mir
        .outputs
        .iter()
        .find(|o| o.name == "clamped")
        .unwrap()
        .operation_id;
    let weighted = mir
        .outputs
        .iter()
        .find(|o| o.name == "weighted")
        .unwrap()
        .operation_id;
    let ws = mir
        .operations
        .iter()
        .filter_map(|e| e.operation.as_ref())
        .find(|op| matches!(&op.operation, Some(Kind::InputRef(r)) if r.refers_to == "ws"))
        .unwrap()
        .id;
    for entry in &mut mir.operations {
        let op = entry.operation.as_mut().unwrap();
        if op.id == weighted {
            op.operation = Some(Kind::Binary(
                nilvm_proto::nillion::nada::operations::v1::BinaryOperation {
                    variant: B::InnerProduct as i32,
                    left: clamped,
                    right: ws,
                },
            ));
        }
    }
    let bytes = mir.encode_to_vec();
    assert!(Program::decode(&bytes).unwrap().is_preprocessed());
    let relowered = lower_bytes(&bytes).unwrap();
    assert_eq!(relowered.rewritten, vec![(weighted, "inner_product")]);
    let again = lower_bytes(&relowered.bytes).unwrap();
    assert!(!again.changed());
    // Same outputs as the fixture's cases.
    let json = load_json("map_reduce_chain");
    let program = Program::decode(&relowered.bytes).unwrap();
    let original = Program::decode(&once).unwrap();
    for case in json["test_cases"].as_array().unwrap() {
        assert_eq!(run(&program, &json, case), run(&original, &json, case));
    }
}

#[test]
fn lowering_is_deterministic_and_idempotent() {
    for name in fixture_names() {
        let first = lowered(&name);
        assert_eq!(first, lowered(&name), "{name}: not deterministic");
        let again = lower_bytes(&first).unwrap();
        assert!(!again.changed(), "{name}");
        assert_eq!(
            again.bytes.as_ref(),
            first.as_slice(),
            "{name}: not idempotent"
        );
        if !Program::decode(&raw(&name)).unwrap().is_preprocessed() {
            assert!(lower_bytes(&raw(&name)).unwrap().changed(), "{name}");
        }
    }
    for name in WITH_OFFICIAL {
        let official = official(name);
        assert_eq!(lower_bytes(&official).unwrap().bytes.as_ref(), official);
    }
}

#[test]
fn the_rewritten_operations_are_reported() {
    let bytes = raw("compare_select");
    let lowered = lower_bytes(&bytes).unwrap();
    let names: Vec<&str> = lowered.rewritten.iter().map(|(_, n)| *n).collect();
    for expected in ["greater_than", "less_eq", "greater_eq", "not_equals"] {
        assert!(names.contains(&expected), "{names:?}");
    }
}

#[test]
fn bad_input_gives_typed_errors() {
    assert!(matches!(
        lower_bytes(b"\xff\xff\xff"),
        Err(LowerError::Invalid(ProgramError::Malformed { .. }))
    ));
    // An output pointing at an operation that does not exist.
    let mut mir = ProgramMir::decode(raw("compare_select").as_slice()).unwrap();
    mir.outputs[0].operation_id = 9_999;
    let bytes = mir.encode_to_vec();
    assert!(matches!(lower_bytes(&bytes), Err(LowerError::Invalid(_))));
}
