//! The Nada runtime: operations per second on generated programs with thousands of
//! operations (there is no official clear-text runtime to compare with).

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Duration;

use nilvm_core::field::Prime;
use nilvm_core::values::{Array, ClearValue, Integer, SecretInteger};
use nilvm_nada::{EvalConfig, Limits, Program, evaluate};
use nilvm_proto::Message;
use nilvm_proto::nillion::nada::mir::v1 as mir;
use nilvm_proto::nillion::nada::operations::v1 as ops;
use nilvm_proto::nillion::nada::types::v1 as types;
use ops::BinaryOperationVariant as V;
use ops::operation::Operation as Op;
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::table::Row;
use crate::timing::median;

fn ty(kind: types::nada_type::NadaType) -> types::NadaType {
    types::NadaType {
        nada_type: Some(kind),
    }
}

fn secret() -> types::NadaType {
    ty(types::nada_type::NadaType::SecretInteger(()))
}

fn public() -> types::NadaType {
    ty(types::nada_type::NadaType::Integer(()))
}

fn secret_bool() -> types::NadaType {
    ty(types::nada_type::NadaType::SecretBoolean(()))
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

fn binary(variant: V, left: u64, right: u64) -> Op {
    Op::Binary(ops::BinaryOperation {
        variant: variant as i32,
        left,
        right,
    })
}

fn input(name: &str, t: types::NadaType) -> mir::Input {
    mir::Input {
        r#type: Some(t),
        party: "P".into(),
        name: name.into(),
        doc: String::new(),
        source_ref_index: 0,
    }
}

/// A chain of `n` arithmetic steps over secrets a, b and public c: +, ·, −, <-and-if_else,
/// ÷ and % by the public c, in turn. Every step feeds the next, so nothing is dead.
fn arithmetic_program(n: u64) -> Vec<u8> {
    let mut operations = vec![
        entry(
            0,
            secret(),
            Op::InputRef(ops::InputReference {
                refers_to: "a".into(),
            }),
        ),
        entry(
            1,
            secret(),
            Op::InputRef(ops::InputReference {
                refers_to: "b".into(),
            }),
        ),
        entry(
            2,
            public(),
            Op::InputRef(ops::InputReference {
                refers_to: "c".into(),
            }),
        ),
    ];
    let mut last = 0u64;
    let mut id = 3u64;
    for step in 0..n {
        let op = match step % 7 {
            0 => binary(V::Addition, last, 1),
            1 => binary(V::Multiplication, last, 2),
            2 => binary(V::Subtraction, last, 1),
            3 => {
                operations.push(entry(id, secret_bool(), binary(V::LessThan, last, 1)));
                id += 1;
                Op::Ifelse(ops::IfElseOperation {
                    cond: id - 1,
                    first: last,
                    second: 1,
                })
            }
            4 => binary(V::Division, last, 2),
            5 => binary(V::Modulo, last, 2),
            _ => binary(V::Addition, last, 0),
        };
        operations.push(entry(id, secret(), op));
        last = id;
        id += 1;
    }
    let program = mir::ProgramMir {
        parties: vec![mir::Party {
            name: "P".into(),
            source_ref_index: 0,
        }],
        inputs: vec![
            input("a", secret()),
            input("b", secret()),
            input("c", public()),
        ],
        outputs: vec![mir::Output {
            name: "out".into(),
            operation_id: last,
            party: "P".into(),
            r#type: Some(secret()),
            source_ref_index: 0,
        }],
        operations,
        ..Default::default()
    };
    program.encode_to_vec()
}

/// `map` of an 8-operation function over an array of `size` elements, then a `reduce` that
/// sums them: about 10·size operations evaluated, few in the MIR.
fn map_reduce_program(size: u32) -> Vec<u8> {
    let array = ty(types::nada_type::NadaType::Array(Box::new(types::Array {
        contained_type: Some(Box::new(secret())),
        size,
    })));
    let arg = |id: u64, function: u64, name: &str| {
        entry(
            id,
            secret(),
            Op::ArgRef(ops::NadaFunctionArgRef {
                function_id: function,
                refers_to: name.into(),
            }),
        )
    };
    let literal = |id: u64, name: &str| {
        entry(
            id,
            public(),
            Op::LiteralRef(ops::LiteralReference {
                refers_to: name.into(),
            }),
        )
    };
    let poly = mir::NadaFunction {
        id: 100,
        args: vec![mir::NadaFunctionArg {
            name: "x".into(),
            r#type: Some(secret()),
            source_ref_index: 0,
        }],
        name: "poly".into(),
        operations: vec![
            arg(101, 100, "x"),
            literal(102, "0"),
            literal(103, "1"),
            entry(104, secret(), binary(V::Multiplication, 101, 101)),
            entry(105, secret(), binary(V::Multiplication, 104, 102)),
            entry(106, secret(), binary(V::Addition, 105, 101)),
            entry(107, secret(), binary(V::Addition, 106, 103)),
            entry(108, secret(), binary(V::Modulo, 107, 102)),
        ],
        return_operation_id: 108,
        return_type: Some(secret()),
        source_ref_index: 0,
    };
    let add = mir::NadaFunction {
        id: 200,
        args: ["acc", "x"]
            .iter()
            .map(|n| mir::NadaFunctionArg {
                name: n.to_string(),
                r#type: Some(secret()),
                source_ref_index: 0,
            })
            .collect(),
        name: "add".into(),
        operations: vec![
            arg(201, 200, "acc"),
            arg(202, 200, "x"),
            entry(203, secret(), binary(V::Addition, 201, 202)),
        ],
        return_operation_id: 203,
        return_type: Some(secret()),
        source_ref_index: 0,
    };
    let program = mir::ProgramMir {
        functions: vec![poly, add],
        parties: vec![mir::Party {
            name: "P".into(),
            source_ref_index: 0,
        }],
        inputs: vec![input("xs", array.clone()), input("start", secret())],
        literals: vec![
            mir::Literal {
                name: "0".into(),
                value: "1000003".into(),
                r#type: Some(public()),
            },
            mir::Literal {
                name: "1".into(),
                value: "-7".into(),
                r#type: Some(public()),
            },
        ],
        outputs: vec![mir::Output {
            name: "total".into(),
            operation_id: 3,
            party: "P".into(),
            r#type: Some(secret()),
            source_ref_index: 0,
        }],
        operations: vec![
            entry(
                0,
                array.clone(),
                Op::InputRef(ops::InputReference {
                    refers_to: "xs".into(),
                }),
            ),
            entry(
                1,
                secret(),
                Op::InputRef(ops::InputReference {
                    refers_to: "start".into(),
                }),
            ),
            entry(
                2,
                array,
                Op::Map(ops::MapOperation {
                    r#fn: 100,
                    child: 0,
                }),
            ),
            entry(
                3,
                secret(),
                Op::Reduce(ops::ReduceOperation {
                    r#fn: 200,
                    child: 2,
                    initial: 1,
                }),
            ),
        ],
        ..Default::default()
    };
    program.encode_to_vec()
}

fn secret_int(v: i64) -> ClearValue {
    ClearValue::SecretInteger(SecretInteger::from(v))
}

/// Rows: the time per operation, as "ours"; no reference or bound.
pub fn rows(runs: usize) -> Vec<Row> {
    let mut rng = StdRng::seed_from_u64(1);
    let mut rows = Vec::new();
    let chain = Program::decode(&arithmetic_program(10_000)).expect("a valid program");
    let inputs = BTreeMap::from([
        ("a".to_string(), secret_int(123_456_789)),
        ("b".to_string(), secret_int(-987_654)),
        (
            "c".to_string(),
            ClearValue::Integer(Integer::from(1_000_003i64)),
        ),
    ]);
    for prime in Prime::ALL {
        let config = EvalConfig::new(prime);
        let mut steps = 1;
        let time = median(runs, || {
            let out = evaluate(&chain, &inputs, &config, &mut rng).expect("evaluation works");
            steps = out.steps();
            black_box(out);
        });
        rows.push(per_operation(
            format!("nada: 10k-operation arithmetic chain, {}-bit", prime.bits()),
            time,
            steps,
        ));
    }
    let program = Program::decode(&map_reduce_program(10_000)).expect("a valid program");
    let xs: Vec<ClearValue> = (0..10_000i64).map(|i| secret_int(i * 31 - 5000)).collect();
    let inputs = BTreeMap::from([
        (
            "xs".to_string(),
            ClearValue::Array(Array::new(xs).expect("an array")),
        ),
        ("start".to_string(), secret_int(0)),
    ]);
    let mut config = EvalConfig::new(Prime::U256);
    config.limits = Limits {
        max_steps: u64::MAX,
        ..Limits::default()
    };
    let mut steps = 1;
    let time = median(runs, || {
        let out = evaluate(&program, &inputs, &config, &mut rng).expect("evaluation works");
        steps = out.steps();
        black_box(out);
    });
    rows.push(per_operation(
        "nada: map + reduce over 10k elements, 256-bit".into(),
        time,
        steps,
    ));
    rows
}

fn per_operation(what: String, time: Duration, steps: u64) -> Row {
    let per_op = time / u32::try_from(steps.max(1)).unwrap_or(u32::MAX);
    let rate = steps as f64 / time.as_secs_f64();
    Row {
        ops_per_second: Some(rate),
        growth: None,
        ..Row::ours(format!("{what} ({rate:.0} ops/s), per operation"), per_op)
    }
}
