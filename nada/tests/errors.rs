//! Malformed programs and bad inputs give clear errors, never a panic.
#![allow(clippy::unwrap_used, clippy::panic, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;

use nilvm_core::field::Prime;
use nilvm_core::values::{ClearValue, Integer, SecretInteger};
use nilvm_nada::{EvalConfig, EvalError, Limits, Program, ProgramError, evaluate};
use nilvm_proto::Message;
use nilvm_proto::nillion::nada::mir::v1 as mir;
use nilvm_proto::nillion::nada::operations::v1 as ops;
use nilvm_proto::nillion::nada::types::v1 as types;
use ops::operation::Operation as Op;
use rand::SeedableRng;
use rand::rngs::StdRng;

fn secret_integer() -> types::NadaType {
    types::NadaType {
        nada_type: Some(types::nada_type::NadaType::SecretInteger(())),
    }
}

fn public_integer() -> types::NadaType {
    types::NadaType {
        nada_type: Some(types::nada_type::NadaType::Integer(())),
    }
}

fn entry(id: u64, ty: types::NadaType, op: Op) -> mir::OperationMapEntry {
    mir::OperationMapEntry {
        id,
        operation: Some(ops::Operation {
            id,
            r#type: Some(ty),
            source_ref_index: 0,
            operation: Some(op),
        }),
    }
}

fn input_ref(name: &str) -> Op {
    Op::InputRef(ops::InputReference {
        refers_to: name.to_string(),
    })
}

fn binary(variant: ops::BinaryOperationVariant, left: u64, right: u64) -> Op {
    Op::Binary(ops::BinaryOperation {
        variant: variant as i32,
        left,
        right,
    })
}

/// `a + b` for party "P", output "sum" (operation 2).
fn sum_program() -> mir::ProgramMir {
    mir::ProgramMir {
        parties: vec![mir::Party {
            name: "P".into(),
            source_ref_index: 0,
        }],
        inputs: ["a", "b"]
            .iter()
            .map(|n| mir::Input {
                r#type: Some(secret_integer()),
                party: "P".into(),
                name: n.to_string(),
                doc: String::new(),
                source_ref_index: 0,
            })
            .collect(),
        outputs: vec![mir::Output {
            name: "sum".into(),
            operation_id: 2,
            party: "P".into(),
            r#type: Some(secret_integer()),
            source_ref_index: 0,
        }],
        operations: vec![
            entry(0, secret_integer(), input_ref("a")),
            entry(1, secret_integer(), input_ref("b")),
            entry(
                2,
                secret_integer(),
                binary(ops::BinaryOperationVariant::Addition, 0, 1),
            ),
        ],
        ..Default::default()
    }
}

fn root_of(result: Result<Program, ProgramError>) -> ProgramError {
    result
        .expect_err("the program must be rejected")
        .root()
        .clone()
}

#[test]
fn the_reference_program_is_valid() {
    Program::from_mir(&sum_program()).unwrap();
}

#[test]
fn garbage_bytes_are_malformed() {
    let err = Program::decode(&[0xff, 0xff, 0xff, 0x0f, 0x01]).unwrap_err();
    assert!(matches!(err, ProgramError::Malformed { .. }), "{err}");
}

#[test]
fn dangling_operand() {
    let mut p = sum_program();
    p.operations[2] = entry(
        2,
        secret_integer(),
        binary(ops::BinaryOperationVariant::Addition, 0, 9),
    );
    let err = Program::from_mir(&p).unwrap_err();
    assert_eq!(err.to_string(), "operation 2: operand 9 does not exist");
}

#[test]
fn dangling_output() {
    let mut p = sum_program();
    p.outputs[0].operation_id = 7;
    assert_eq!(
        root_of(Program::from_mir(&p)),
        ProgramError::DanglingOperand { operand: 7 }
    );
}

#[test]
fn cycle() {
    let mut p = sum_program();
    p.operations.push(entry(
        3,
        secret_integer(),
        binary(ops::BinaryOperationVariant::Addition, 2, 4),
    ));
    p.operations.push(entry(
        4,
        secret_integer(),
        binary(ops::BinaryOperationVariant::Addition, 3, 0),
    ));
    p.outputs[0].operation_id = 4;
    assert!(matches!(
        root_of(Program::from_mir(&p)),
        ProgramError::Cycle { .. }
    ));
    // A self-loop too.
    let mut p = sum_program();
    p.operations[2] = entry(
        2,
        secret_integer(),
        binary(ops::BinaryOperationVariant::Addition, 2, 1),
    );
    assert_eq!(
        root_of(Program::from_mir(&p)),
        ProgramError::Cycle { id: 2 }
    );
}

#[test]
fn unknown_operation_variant() {
    let mut p = sum_program();
    p.operations[2] = entry(
        2,
        secret_integer(),
        Op::Binary(ops::BinaryOperation {
            variant: 99,
            left: 0,
            right: 1,
        }),
    );
    let err = Program::from_mir(&p).unwrap_err();
    assert!(
        matches!(err.root(), ProgramError::UnknownOperation { .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("binary operation variant 99"),
        "{err}"
    );
}

#[test]
fn unsupported_operations() {
    let mut p = sum_program();
    p.operations[2] = entry(
        2,
        secret_integer(),
        Op::Cast(ops::CastOperation {
            target: 0,
            cast_to: Some(public_integer()),
        }),
    );
    assert!(matches!(
        root_of(Program::from_mir(&p)),
        ProgramError::Unsupported { .. }
    ));
}

#[test]
fn type_mismatches() {
    // Declared public, computed secret.
    let mut p = sum_program();
    p.operations[2] = entry(
        2,
        public_integer(),
        binary(ops::BinaryOperationVariant::Addition, 0, 1),
    );
    p.outputs[0].r#type = Some(public_integer());
    let err = Program::from_mir(&p).unwrap_err();
    assert!(
        matches!(err.root(), ProgramError::TypeMismatch { .. }),
        "{err}"
    );
    assert!(
        err.to_string().starts_with("operation 2 (addition)"),
        "{err}"
    );

    // Output type differs from its operation's.
    let mut p = sum_program();
    p.outputs[0].r#type = Some(public_integer());
    let err = Program::from_mir(&p).unwrap_err();
    assert!(err.to_string().starts_with("output 'sum'"), "{err}");

    // Power of secrets.
    let mut p = sum_program();
    p.operations[2] = entry(
        2,
        secret_integer(),
        binary(ops::BinaryOperationVariant::Power, 0, 1),
    );
    assert!(matches!(
        root_of(Program::from_mir(&p)),
        ProgramError::TypeMismatch { .. }
    ));

    // An input reference whose type disagrees with the input.
    let mut p = sum_program();
    p.operations[0] = entry(0, public_integer(), input_ref("a"));
    assert!(matches!(
        root_of(Program::from_mir(&p)),
        ProgramError::TypeMismatch { .. }
    ));
}

#[test]
fn duplicates_and_unknown_names() {
    let mut p = sum_program();
    p.inputs[1].name = "a".into();
    assert_eq!(
        root_of(Program::from_mir(&p)),
        ProgramError::DuplicateName {
            kind: "input",
            name: "a".into()
        }
    );

    let mut p = sum_program();
    p.parties.push(p.parties[0].clone());
    assert!(matches!(
        root_of(Program::from_mir(&p)),
        ProgramError::DuplicateName { kind: "party", .. }
    ));

    let mut p = sum_program();
    p.outputs.push(p.outputs[0].clone());
    assert!(matches!(
        root_of(Program::from_mir(&p)),
        ProgramError::DuplicateName { kind: "output", .. }
    ));

    let mut p = sum_program();
    p.operations.push(p.operations[2].clone());
    assert_eq!(
        root_of(Program::from_mir(&p)),
        ProgramError::DuplicateId {
            kind: "operation",
            id: 2
        }
    );

    let mut p = sum_program();
    p.operations[1] = entry(1, secret_integer(), input_ref("nope"));
    assert_eq!(
        root_of(Program::from_mir(&p)),
        ProgramError::UnknownName {
            kind: "input",
            name: "nope".into()
        }
    );

    let mut p = sum_program();
    p.inputs[0].party = "Q".into();
    let err = Program::from_mir(&p).unwrap_err();
    assert_eq!(err.to_string(), "input 'a': unknown party 'Q'");
}

#[test]
fn misplaced_argument_and_recursive_functions() {
    let mut p = sum_program();
    p.operations[1] = entry(
        1,
        secret_integer(),
        Op::ArgRef(ops::NadaFunctionArgRef {
            function_id: 5,
            refers_to: "x".into(),
        }),
    );
    assert_eq!(
        root_of(Program::from_mir(&p)),
        ProgramError::MisplacedArgument { function: 5 }
    );

    // f(x) = map(f, x): a function that maps itself.
    let array = types::NadaType {
        nada_type: Some(types::nada_type::NadaType::Array(Box::new(types::Array {
            contained_type: Some(Box::new(secret_integer())),
            size: 2,
        }))),
    };
    let mut p = sum_program();
    p.functions.push(mir::NadaFunction {
        id: 10,
        args: vec![mir::NadaFunctionArg {
            name: "x".into(),
            r#type: Some(array.clone()),
            source_ref_index: 0,
        }],
        name: "f".into(),
        operations: vec![
            entry(
                11,
                array.clone(),
                Op::ArgRef(ops::NadaFunctionArgRef {
                    function_id: 10,
                    refers_to: "x".into(),
                }),
            ),
            entry(
                12,
                array.clone(),
                Op::Map(ops::MapOperation {
                    r#fn: 10,
                    child: 11,
                }),
            ),
        ],
        return_operation_id: 12,
        return_type: Some(array),
        source_ref_index: 0,
    });
    assert_eq!(
        root_of(Program::from_mir(&p)),
        ProgramError::RecursiveFunction { id: 10 }
    );
}

#[test]
fn huge_array_types_are_refused() {
    let mut p = sum_program();
    p.inputs[0].r#type = Some(types::NadaType {
        nada_type: Some(types::nada_type::NadaType::Array(Box::new(types::Array {
            contained_type: Some(Box::new(secret_integer())),
            size: u32::MAX,
        }))),
    });
    assert!(matches!(
        root_of(Program::from_mir(&p)),
        ProgramError::TypeTooLarge { .. }
    ));
}

/// A 100 000-operation chain decodes without recursion (no stack overflow) and evaluates.
#[test]
fn long_chains_are_fine() {
    let mut p = sum_program();
    let n = 100_000u64;
    for id in 3..n {
        p.operations.push(entry(
            id,
            secret_integer(),
            binary(ops::BinaryOperationVariant::Addition, id - 1, 0),
        ));
    }
    p.outputs[0].operation_id = n - 1;
    let program = Program::decode(&p.encode_to_vec()).unwrap();
    let outputs = evaluate(
        &program,
        &sum_inputs(1, 2),
        &EvalConfig::new(Prime::U64),
        &mut StdRng::seed_from_u64(0),
    )
    .unwrap();
    // b + a·(n − 2): the chain adds a once per operation after the first sum.
    assert_eq!(
        outputs.get("sum"),
        Some(&ClearValue::SecretInteger(SecretInteger::from(
            2 + (n as i64 - 2)
        )))
    );

    // The same program under a small step limit fails cleanly.
    let mut config = EvalConfig::new(Prime::U64);
    config.limits = Limits {
        max_steps: 1000,
        ..Limits::default()
    };
    let err = evaluate(
        &program,
        &sum_inputs(1, 2),
        &config,
        &mut StdRng::seed_from_u64(0),
    )
    .unwrap_err();
    assert_eq!(err, EvalError::StepLimit { limit: 1000 });
}

fn sum_inputs(a: i64, b: i64) -> BTreeMap<String, ClearValue> {
    BTreeMap::from([
        (
            "a".to_string(),
            ClearValue::SecretInteger(SecretInteger::from(a)),
        ),
        (
            "b".to_string(),
            ClearValue::SecretInteger(SecretInteger::from(b)),
        ),
    ])
}

#[test]
fn missing_extra_and_mistyped_inputs() {
    let program = Program::from_mir(&sum_program()).unwrap();
    let config = EvalConfig::new(Prime::U256);
    let mut rng = StdRng::seed_from_u64(0);

    let mut inputs = sum_inputs(1, 2);
    inputs.remove("b");
    let err = evaluate(&program, &inputs, &config, &mut rng).unwrap_err();
    assert_eq!(err.to_string(), "missing value for input 'b' of party 'P'");

    let mut inputs = sum_inputs(1, 2);
    inputs.insert("c".into(), ClearValue::Integer(Integer::from(1i64)));
    let err = evaluate(&program, &inputs, &config, &mut rng).unwrap_err();
    assert_eq!(err, EvalError::UnexpectedInput { name: "c".into() });

    let mut inputs = sum_inputs(1, 2);
    inputs.insert("a".into(), ClearValue::Integer(Integer::from(1i64)));
    let err = evaluate(&program, &inputs, &config, &mut rng).unwrap_err();
    assert!(
        matches!(err, EvalError::InputType { ref input, ref party, .. } if input == "a" && party == "P"),
        "{err}"
    );

    // Too large for the 64-bit prime.
    let big: Integer = "100000000000000000000000".parse().unwrap();
    let mut inputs = sum_inputs(1, 2);
    inputs.insert(
        "a".into(),
        ClearValue::SecretInteger(SecretInteger::new(big)),
    );
    let err = evaluate(&program, &inputs, &EvalConfig::new(Prime::U64), &mut rng).unwrap_err();
    assert!(matches!(err, EvalError::InvalidInput { .. }), "{err}");
}

#[test]
fn values_under_the_wrong_party_are_refused() {
    let program = Program::from_mir(&sum_program()).unwrap();
    let inputs = BTreeMap::from([("Q".to_string(), sum_inputs(1, 2))]);
    let err = nilvm_nada::evaluate_by_party(
        &program,
        &inputs,
        &EvalConfig::new(Prime::U256),
        &mut StdRng::seed_from_u64(0),
    )
    .unwrap_err();
    assert!(matches!(err, EvalError::WrongParty { .. }), "{err}");
}

/// Random corruptions of every fixture decode to a program or an error; evaluation of
/// whatever decodes never panics.
#[test]
fn corrupted_fixtures_never_panic() {
    use rand::RngExt;
    let mut rng = StdRng::seed_from_u64(42);
    let mut decoded = 0;
    for name in common::fixture_names() {
        for (_, bytes) in common::binaries(&name) {
            for _ in 0..300 {
                let mut corrupted = bytes.clone();
                for _ in 0..rng.random_range(1..4) {
                    let at = rng.random_range(0..corrupted.len());
                    corrupted[at] = rng.random();
                }
                if let Ok(program) = Program::decode(&corrupted) {
                    decoded += 1;
                    let json = common::load_json(&name);
                    let case = &json["test_cases"][0];
                    let _ = evaluate(
                        &program,
                        &common::case_inputs(case),
                        &EvalConfig::new(Prime::U256),
                        &mut rng,
                    );
                }
            }
        }
    }
    assert!(decoded > 0);
}
