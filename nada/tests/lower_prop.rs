//! Property: for random raw programs (every raw operation the lowering rewrites, mixed with
//! the operations the nodes run), the raw and the lowered program give the same outputs, and
//! the lowered one is in the nodes' form.
#![allow(clippy::unwrap_used, clippy::panic, clippy::expect_used)]

use std::collections::BTreeMap;

use nilvm_core::values::{Array, ClearValue, Integer, SecretBoolean, SecretInteger};
use nilvm_nada::{EvalConfig, NadaType, Program, evaluate, lower_bytes};
use nilvm_proto::Message;
use nilvm_proto::nillion::nada::mir::v1 as mir;
use nilvm_proto::nillion::nada::operations::v1 as ops;
use ops::BinaryOperationVariant as B;
use ops::operation::Operation as Kind;
use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

const SIZE: u32 = 3;

/// What a generated value is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Class {
    Int { secret: bool },
    Bool { secret: bool },
    Array,
}

impl Class {
    fn ty(self) -> NadaType {
        match self {
            Class::Int { secret: true } => NadaType::SecretInteger,
            Class::Int { secret: false } => NadaType::Integer,
            Class::Bool { secret: true } => NadaType::SecretBoolean,
            Class::Bool { secret: false } => NadaType::Boolean,
            Class::Array => array(NadaType::SecretInteger),
        }
    }

    fn secret(self) -> bool {
        matches!(
            self,
            Class::Int { secret: true } | Class::Bool { secret: true } | Class::Array
        )
    }
}

fn array(element: NadaType) -> NadaType {
    NadaType::Array {
        element: Box::new(element),
        size: SIZE,
    }
}

/// Builds a raw MIR the way nada-dsl numbers it: one counter for operations and functions.
struct Builder {
    next: u64,
    operations: Vec<ops::Operation>,
    values: Vec<(u64, Class)>,
    functions: Vec<mir::NadaFunction>,
}

fn op(id: u64, ty: &NadaType, kind: Kind) -> ops::Operation {
    ops::Operation {
        id,
        r#type: Some(ty.to_proto()),
        source_ref_index: 0,
        operation: Some(kind),
    }
}

fn binary(variant: B, left: u64, right: u64) -> Kind {
    Kind::Binary(ops::BinaryOperation {
        variant: variant as i32,
        left,
        right,
    })
}

impl Builder {
    fn id(&mut self) -> u64 {
        self.next += 1;
        self.next
    }

    fn push(&mut self, class: Class, ty: NadaType, kind: Kind) -> u64 {
        let id = self.id();
        self.operations.push(op(id, &ty, kind));
        self.values.push((id, class));
        id
    }

    /// The `pick`-th value (cyclically) among those matching `want`.
    fn pick(&self, pick: u8, want: impl Fn(Class) -> bool) -> (u64, Class) {
        let matching: Vec<_> = self.values.iter().filter(|(_, c)| want(*c)).collect();
        *matching[pick as usize % matching.len()]
    }

    /// A function of `arity` secret integer arguments; `body` gets the argument ids and
    /// returns the body operations and the result id.
    fn function(
        &mut self,
        name: &str,
        arity: usize,
        body: impl Fn(&mut Self, &[u64]) -> u64,
    ) -> u64 {
        let id = self.id();
        let names = ["acc", "x"];
        let args: Vec<&str> = names[names.len() - arity..].to_vec();
        let saved = std::mem::take(&mut self.operations);
        let mut arg_ids = Vec::new();
        for arg in &args {
            let arg_id = self.id();
            let kind = Kind::ArgRef(ops::NadaFunctionArgRef {
                function_id: id,
                refers_to: (*arg).into(),
            });
            self.operations
                .push(op(arg_id, &NadaType::SecretInteger, kind));
            arg_ids.push(arg_id);
        }
        let result = body(self, &arg_ids);
        let operations = std::mem::replace(&mut self.operations, saved);
        self.functions.push(mir::NadaFunction {
            id,
            args: args
                .iter()
                .map(|a| mir::NadaFunctionArg {
                    name: (*a).into(),
                    r#type: Some(NadaType::SecretInteger.to_proto()),
                    source_ref_index: 0,
                })
                .collect(),
            name: name.into(),
            operations: operations
                .into_iter()
                .map(|o| mir::OperationMapEntry {
                    id: o.id,
                    operation: Some(o),
                })
                .collect(),
            return_operation_id: result,
            return_type: Some(NadaType::SecretInteger.to_proto()),
            source_ref_index: 0,
        });
        id
    }

    /// Function bodies push operations without recording them as program values.
    fn inner(&mut self, ty: &NadaType, kind: Kind) -> u64 {
        let id = self.id();
        self.operations.push(op(id, ty, kind));
        id
    }

    /// One step: `choice` picks the operation, `a`, `b`, `c` the operands.
    fn step(&mut self, choice: u8, a: u8, b: u8, c: u8) {
        let int = |c: Class| matches!(c, Class::Int { .. });
        let boolean = |c: Class| matches!(c, Class::Bool { .. });
        let secret_int = |c: Class| c == Class::Int { secret: true };
        match choice % 12 {
            0..=2 => {
                let (l, lc) = self.pick(a, int);
                let (r, rc) = self.pick(b, int);
                let class = Class::Int {
                    secret: lc.secret() || rc.secret(),
                };
                let variant = [B::Addition, B::Subtraction, B::Multiplication][choice as usize % 3];
                self.push(class, class.ty(), binary(variant, l, r));
            }
            3 | 4 => {
                let (l, lc) = self.pick(a, int);
                let (r, rc) = self.pick(b, int);
                let class = Class::Bool {
                    secret: lc.secret() || rc.secret(),
                };
                let variants = [
                    B::LessThan,
                    B::GreaterThan,
                    B::LessEq,
                    B::GreaterEq,
                    B::Equals,
                    B::NotEquals,
                ];
                let variant = variants[c as usize % variants.len()];
                self.push(class, class.ty(), binary(variant, l, r));
            }
            5 => {
                let (l, lc) = self.pick(a, boolean);
                let (r, rc) = self.pick(b, boolean);
                let class = Class::Bool {
                    secret: lc.secret() || rc.secret(),
                };
                let variants = [B::BoolAnd, B::BoolOr, B::BoolXor, B::Equals, B::NotEquals];
                let variant = variants[c as usize % variants.len()];
                self.push(class, class.ty(), binary(variant, l, r));
            }
            6 => {
                let (x, class) = self.pick(a, boolean);
                let kind = Kind::Unary(ops::UnaryOperation {
                    variant: ops::UnaryOperationVariant::Not as i32,
                    this: x,
                });
                self.push(class, class.ty(), kind);
            }
            7 => {
                let (cond, cc) = self.pick(a, boolean);
                let (first, fc) = self.pick(b, int);
                let (second, sc) = self.pick(c, int);
                let class = Class::Int {
                    secret: cc.secret() || fc.secret() || sc.secret(),
                };
                let kind = Kind::Ifelse(ops::IfElseOperation {
                    cond,
                    first,
                    second,
                });
                self.push(class, class.ty(), kind);
            }
            8 => {
                // map with a comparison and a selection inside the function.
                let (xs, _) = self.pick(a, |c| c == Class::Array);
                let literal = u64::from(b % 2);
                let f = self.function("pick", 1, |s, args| {
                    let lit = s.inner(
                        &NadaType::Integer,
                        Kind::LiteralRef(ops::LiteralReference {
                            refers_to: literal.to_string(),
                        }),
                    );
                    let gt = s.inner(
                        &NadaType::SecretBoolean,
                        binary(B::GreaterThan, args[0], lit),
                    );
                    let twice = s.inner(
                        &NadaType::SecretInteger,
                        binary(B::Addition, args[0], args[0]),
                    );
                    s.inner(
                        &NadaType::SecretInteger,
                        Kind::Ifelse(ops::IfElseOperation {
                            cond: gt,
                            first: twice,
                            second: lit,
                        }),
                    )
                });
                // `if_else(secret, secret, literal)` is secret.
                let kind = Kind::Map(ops::MapOperation { r#fn: f, child: xs });
                self.push(Class::Array, Class::Array.ty(), kind);
            }
            9 => {
                // reduce: a running maximum (with `>=`) or a sum.
                let (xs, _) = self.pick(a, |c| c == Class::Array);
                let (initial, _) = self.pick(b, secret_int);
                let max = c % 2 == 0;
                let f = self.function("fold", 2, |s, args| {
                    if max {
                        let ge = s.inner(
                            &NadaType::SecretBoolean,
                            binary(B::GreaterEq, args[0], args[1]),
                        );
                        s.inner(
                            &NadaType::SecretInteger,
                            Kind::Ifelse(ops::IfElseOperation {
                                cond: ge,
                                first: args[0],
                                second: args[1],
                            }),
                        )
                    } else {
                        s.inner(
                            &NadaType::SecretInteger,
                            binary(B::Addition, args[0], args[1]),
                        )
                    }
                });
                let kind = Kind::Reduce(ops::ReduceOperation {
                    r#fn: f,
                    child: xs,
                    initial,
                });
                self.push(Class::Int { secret: true }, NadaType::SecretInteger, kind);
            }
            10 => {
                // zip, unzip, then one side of the pair of arrays.
                let (xs, _) = self.pick(a, |c| c == Class::Array);
                let (ys, _) = self.pick(b, |c| c == Class::Array);
                let pair = NadaType::Tuple {
                    left: Box::new(NadaType::SecretInteger),
                    right: Box::new(NadaType::SecretInteger),
                };
                let zipped = self.inner(&array(pair), binary(B::Zip, xs, ys));
                let arrays = NadaType::Tuple {
                    left: Box::new(Class::Array.ty()),
                    right: Box::new(Class::Array.ty()),
                };
                let unzipped = self.inner(
                    &arrays,
                    Kind::Unary(ops::UnaryOperation {
                        variant: ops::UnaryOperationVariant::Unzip as i32,
                        this: zipped,
                    }),
                );
                let index = if c % 2 == 0 {
                    ops::TupleIndex::Left
                } else {
                    ops::TupleIndex::Right
                };
                let kind = Kind::TupleAccessor(ops::TupleAccessor {
                    index: index as i32,
                    source: unzipped,
                });
                self.push(Class::Array, Class::Array.ty(), kind);
            }
            _ => {
                let (xs, _) = self.pick(a, |c| c == Class::Array);
                let kind = Kind::ArrayAccessor(ops::ArrayAccessor {
                    index: u32::from(b) % SIZE,
                    source: xs,
                });
                self.push(Class::Int { secret: true }, NadaType::SecretInteger, kind);
            }
        }
    }
}

const INPUTS: [(&str, Class); 6] = [
    ("a", Class::Int { secret: true }),
    ("b", Class::Int { secret: true }),
    ("c", Class::Int { secret: false }),
    ("d", Class::Bool { secret: true }),
    ("e", Class::Bool { secret: false }),
    ("xs", Class::Array),
];

/// A raw program from the steps; its outputs are the last `outputs` values.
fn build(steps: &[(u8, u8, u8, u8)], outputs: usize) -> Vec<u8> {
    program(outputs, |b| {
        for &(choice, x, y, z) in steps {
            b.step(choice, x, y, z);
        }
    })
}

/// A raw program whose body `body` adds after the inputs; its outputs are the last `outputs`
/// values.
fn program(outputs: usize, body: impl FnOnce(&mut Builder)) -> Vec<u8> {
    let mut b = Builder {
        next: 0,
        operations: Vec::new(),
        values: Vec::new(),
        functions: Vec::new(),
    };
    for (name, class) in INPUTS {
        let kind = Kind::InputRef(ops::InputReference {
            refers_to: name.into(),
        });
        b.push(class, class.ty(), kind);
    }
    body(&mut b);
    let outputs = b
        .values
        .iter()
        .rev()
        .take(outputs)
        .enumerate()
        .map(|(i, (id, class))| mir::Output {
            name: format!("out{i}"),
            operation_id: *id,
            party: "P".into(),
            r#type: Some(class.ty().to_proto()),
            source_ref_index: 0,
        })
        .collect();
    let literal = |name: &str, value: &str| mir::Literal {
        name: name.into(),
        value: value.into(),
        r#type: Some(NadaType::Integer.to_proto()),
    };
    mir::ProgramMir {
        functions: b.functions,
        parties: vec![mir::Party {
            name: "P".into(),
            source_ref_index: 0,
        }],
        inputs: INPUTS
            .iter()
            .map(|(name, class)| mir::Input {
                r#type: Some(class.ty().to_proto()),
                party: "P".into(),
                name: (*name).into(),
                doc: String::new(),
                source_ref_index: 0,
            })
            .collect(),
        literals: vec![literal("0", "-2"), literal("1", "5")],
        outputs,
        operations: b
            .operations
            .into_iter()
            .map(|o| mir::OperationMapEntry {
                id: o.id,
                operation: Some(o),
            })
            .collect(),
        source_files: Default::default(),
        source_refs: Vec::new(),
    }
    .encode_to_vec()
}

fn inputs(ints: [i64; 3], bools: [bool; 2], xs: [i64; 3]) -> BTreeMap<String, ClearValue> {
    let secret = |v: i64| ClearValue::SecretInteger(SecretInteger::new(Integer::from(v)));
    let mut values = BTreeMap::new();
    values.insert("a".into(), secret(ints[0]));
    values.insert("b".into(), secret(ints[1]));
    values.insert("c".into(), ClearValue::Integer(Integer::from(ints[2])));
    values.insert(
        "d".into(),
        ClearValue::SecretBoolean(SecretBoolean::new(bools[0])),
    );
    values.insert("e".into(), ClearValue::Boolean(bools[1]));
    let xs = xs.iter().map(|v| secret(*v)).collect();
    values.insert("xs".into(), ClearValue::Array(Array::new(xs).unwrap()));
    values
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn raw_and_lowered_programs_agree(
        steps in prop::collection::vec(any::<(u8, u8, u8, u8)>(), 1..24),
        outputs in 1usize..4,
        ints in any::<[i16; 3]>(),
        bools in any::<[bool; 2]>(),
        xs in any::<[i16; 3]>(),
    ) {
        let bytes = build(&steps, outputs);
        let raw = Program::decode(&bytes).unwrap();
        let lowered_bytes = lower_bytes(&bytes).unwrap().bytes.into_owned();
        let lowered = Program::decode(&lowered_bytes).unwrap();
        prop_assert!(lowered.is_preprocessed());
        let again = lower_bytes(&bytes).unwrap().bytes.into_owned();
        prop_assert_eq!(&again, &lowered_bytes);
        let twice = lower_bytes(&lowered_bytes).unwrap().bytes.into_owned();
        prop_assert_eq!(&twice, &lowered_bytes);
        let values = inputs(ints.map(i64::from), bools, xs.map(i64::from));
        let config = EvalConfig::new(nilvm_core::field::Prime::U256);
        let run = |p: &Program| evaluate(p, &values, &config, &mut StdRng::seed_from_u64(1)).unwrap();
        let (expected, got) = (run(&raw), run(&lowered));
        prop_assert_eq!(expected.values(), got.values());
        // Our metadata model measures it like a node would (a program that only picks an
        // element out of an input runs no protocol, which the nodes refuse).
        match nilvm_core::program::ProgramMetadata::from_program(&lowered_bytes) {
            Ok(metadata) => prop_assert!(metadata.accepted_by_nodes()),
            Err(nilvm_core::program::ProgramError::NoProtocols) => {}
            Err(e) => prop_assert!(false, "metadata: {e}"),
        }
    }
}

/// Functions that return an argument unchanged (the call's value is then another operation's)
/// and functions that read a program input directly.
#[test]
fn identity_functions_and_inputs_read_inside_functions() {
    let bytes = program(3, |b| {
        let (xs, _) = b.pick(0, |c| c == Class::Array);
        let (a, _) = b.pick(0, |c| c == Class::Int { secret: true });
        let same = b.function("same", 1, |_, args| args[0]);
        b.push(
            Class::Array,
            Class::Array.ty(),
            Kind::Map(ops::MapOperation {
                r#fn: same,
                child: xs,
            }),
        );
        let keep = b.function("keep", 2, |_, args| args[0]);
        let kind = Kind::Reduce(ops::ReduceOperation {
            r#fn: keep,
            child: xs,
            initial: a,
        });
        b.push(Class::Int { secret: true }, NadaType::SecretInteger, kind);
        let plus_b = b.function("plus_b", 1, |s, args| {
            let input = s.inner(
                &NadaType::SecretInteger,
                Kind::InputRef(ops::InputReference {
                    refers_to: "b".into(),
                }),
            );
            s.inner(
                &NadaType::SecretInteger,
                binary(B::Addition, args[0], input),
            )
        });
        b.push(
            Class::Array,
            Class::Array.ty(),
            Kind::Map(ops::MapOperation {
                r#fn: plus_b,
                child: xs,
            }),
        );
    });
    let lowered_bytes = lower_bytes(&bytes).unwrap().bytes.into_owned();
    let lowered = Program::decode(&lowered_bytes).unwrap();
    assert!(lowered.is_preprocessed());
    let mir = mir::ProgramMir::decode(lowered_bytes.as_slice()).unwrap();
    let input_refs = mir
        .operations
        .iter()
        .filter(|e| {
            matches!(
                e.operation.as_ref().unwrap().operation,
                Some(Kind::InputRef(_))
            )
        })
        .count();
    assert_eq!(input_refs, INPUTS.len(), "one input_ref per input");
    let values = inputs([4, 10, 0], [true, false], [1, -2, 3]);
    let config = EvalConfig::new(nilvm_core::field::Prime::U256);
    let run = |p: &Program| evaluate(p, &values, &config, &mut StdRng::seed_from_u64(1)).unwrap();
    let raw = Program::decode(&bytes).unwrap();
    let (expected, got) = (run(&raw), run(&lowered));
    assert_eq!(expected.values(), got.values());
    let secret = |v: i64| ClearValue::SecretInteger(SecretInteger::new(Integer::from(v)));
    // out0 = xs + b, out1 = a (reduce keeping the accumulator), out2 = xs.
    assert_eq!(got.get("out1"), Some(&secret(4)));
    let plus_b = ClearValue::Array(Array::new(vec![secret(11), secret(8), secret(13)]).unwrap());
    assert_eq!(got.get("out0"), Some(&plus_b));
}
