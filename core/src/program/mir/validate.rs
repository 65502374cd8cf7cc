//! Type checking (docs/nada.md §6.2) and structural checks on a built program.
//!
//! Every operation's declared result type must be the type its operands produce. The rules
//! follow the DSL, widened where the preprocessor relies on the nodes being more lenient:
//! `+ - *` and `<` also take booleans (lowered `&`, `|`, `^`, docs/nada.md §5).

use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use super::error::{MirError, Place};
use super::types::{self, NadaType, ScalarKind};
use super::{BinaryOp, Function, Graph, Node, Operation, Program, TupleIndex, UnaryOp};

/// The most leaves a value of any type may have.
pub const MAX_VALUE_LEAVES: u64 = 1 << 20;

pub(crate) fn check_size(ty: &NadaType) -> Result<(), MirError> {
    if ty.leaf_count() > MAX_VALUE_LEAVES {
        return Err(MirError::TypeTooLarge {
            ty: ty.clone(),
            max: MAX_VALUE_LEAVES,
        });
    }
    Ok(())
}

pub(crate) fn check_program(program: &Program) -> Result<(), MirError> {
    check_recursion(program)?;
    for function in &program.functions {
        let context = || Place::Function {
            name: function.name.clone(),
            id: function.id,
        };
        check_graph(program, &function.body, Some(function)).map_err(|e| e.at(context()))?;
        let result = node(&function.body, function.result).map_err(|e| e.at(context()))?;
        if result.ty != function.return_type {
            return Err(mismatch(format!(
                "returns {} but is declared to return {}",
                result.ty, function.return_type
            ))
            .at(context()));
        }
    }
    check_graph(program, &program.body, None)?;
    for output in &program.outputs {
        let n = node(&program.body, output.node)?;
        if n.ty != output.ty {
            return Err(mismatch(format!(
                "operation {} is {} but the output is declared {}",
                n.id, n.ty, output.ty
            ))
            .at(Place::Output(output.name.clone())));
        }
    }
    Ok(())
}

/// Functions call other functions through map/reduce; a loop would never end.
fn check_recursion(program: &Program) -> Result<(), MirError> {
    let calls: Vec<Vec<usize>> = program
        .functions
        .iter()
        .map(|f| {
            f.body
                .nodes
                .iter()
                .filter_map(|n| match n.op {
                    Operation::Map { function, .. } | Operation::Reduce { function, .. } => {
                        Some(function)
                    }
                    _ => None,
                })
                .collect()
        })
        .collect();
    // Each function's state (0 unseen, 1 on the stack, 2 done) and id.
    let mut state: Vec<(u8, u64)> = program.functions.iter().map(|f| (0, f.id)).collect();
    for start in 0..calls.len() {
        match state.get_mut(start) {
            Some((s @ 0, _)) => *s = 1,
            _ => continue,
        }
        let mut stack = vec![(start, 0usize)];
        while let Some(top) = stack.last_mut() {
            let (f, next) = *top;
            if let Some(&callee) = calls.get(f).and_then(|c| c.get(next)) {
                top.1 += 1;
                match state.get_mut(callee) {
                    Some((s @ 0, _)) => {
                        *s = 1;
                        stack.push((callee, 0));
                    }
                    Some((1, id)) => {
                        return Err(MirError::RecursiveFunction { id: *id });
                    }
                    _ => {}
                }
            } else {
                if let Some((s, _)) = state.get_mut(f) {
                    *s = 2;
                }
                stack.pop();
            }
        }
    }
    Ok(())
}

fn node(graph: &Graph, index: usize) -> Result<&Node, MirError> {
    graph.nodes.get(index).ok_or(MirError::DanglingOperand {
        operand: index as u64,
    })
}

fn mismatch(detail: String) -> MirError {
    MirError::TypeMismatch { detail }
}

fn check_graph(
    program: &Program,
    graph: &Graph,
    function: Option<&Function>,
) -> Result<(), MirError> {
    for n in &graph.nodes {
        check_size(&n.ty).map_err(|e| e.at(Place::Operation(n.id)))?;
        let expected = result_type(program, graph, function, n).map_err(|e| {
            e.at(Place::NamedOperation {
                id: n.id,
                name: n.op.name(),
            })
        })?;
        if let Some(expected) = expected {
            if expected != n.ty {
                return Err(mismatch(format!(
                    "result is {expected} but the operation is declared {}",
                    n.ty
                ))
                .at(Place::NamedOperation {
                    id: n.id,
                    name: n.op.name(),
                }));
            }
        }
    }
    Ok(())
}

fn scalar(ty: &NadaType, what: &str) -> Result<ScalarKind, MirError> {
    ty.scalar_kind()
        .ok_or_else(|| mismatch(format!("{what} must be an integer or boolean, not {ty}")))
}

fn numeric(ty: &NadaType, what: &str) -> Result<ScalarKind, MirError> {
    match ty.scalar_kind() {
        Some(kind @ (ScalarKind::Integer | ScalarKind::UnsignedInteger)) => Ok(kind),
        _ => Err(mismatch(format!("{what} must be an integer, not {ty}"))),
    }
}

fn same_kind(left: &NadaType, right: &NadaType, allow_bool: bool) -> Result<ScalarKind, MirError> {
    let l = if allow_bool {
        scalar(left, "left operand")?
    } else {
        numeric(left, "left operand")?
    };
    let r = if allow_bool {
        scalar(right, "right operand")?
    } else {
        numeric(right, "right operand")?
    };
    if l != r {
        return Err(mismatch(format!(
            "operands {left} and {right} differ in kind"
        )));
    }
    Ok(l)
}

/// The type an operation produces from its operands; `None` where the declared type itself
/// decides (random, new) and was checked here.
fn result_type(
    program: &Program,
    graph: &Graph,
    function: Option<&Function>,
    n: &Node,
) -> Result<Option<NadaType>, MirError> {
    let ty = |i: usize| node(graph, i).map(|n| &n.ty);
    Ok(Some(match &n.op {
        Operation::Input(i) => program
            .inputs
            .get(*i)
            .map(|input| input.ty.clone())
            .ok_or(MirError::MissingType)?,
        Operation::Literal(i) => program
            .literals
            .get(*i)
            .map(|literal| literal.ty.clone())
            .ok_or(MirError::MissingType)?,
        Operation::Argument(i) => function
            .and_then(|f| f.args.get(*i))
            .map(|arg| arg.ty.clone())
            .ok_or(MirError::MissingType)?,
        Operation::Random => {
            if !matches!(
                n.ty,
                NadaType::SecretInteger | NadaType::SecretUnsignedInteger | NadaType::SecretBoolean
            ) {
                return Err(mismatch(format!("cannot draw a random {}", n.ty)));
            }
            return Ok(None);
        }
        Operation::Unary { op, operand } => {
            let t = ty(*operand)?;
            match op {
                UnaryOp::Not => {
                    if scalar(t, "operand")? != ScalarKind::Boolean {
                        return Err(mismatch(format!("not needs a boolean, not {t}")));
                    }
                    t.clone()
                }
                UnaryOp::Reveal => NadaType::scalar(scalar(t, "operand")?, false),
                UnaryOp::PublicKeyDerive => match t {
                    NadaType::EcdsaPrivateKey => NadaType::EcdsaPublicKey,
                    NadaType::EddsaPrivateKey => NadaType::EddsaPublicKey,
                    other => {
                        return Err(mismatch(format!("cannot derive a public key from {other}")));
                    }
                },
                UnaryOp::Unzip => match t {
                    NadaType::Array { element, size } => match element.as_ref() {
                        NadaType::Tuple { left, right } => NadaType::Tuple {
                            left: alloc::boxed::Box::new(NadaType::Array {
                                element: left.clone(),
                                size: *size,
                            }),
                            right: alloc::boxed::Box::new(NadaType::Array {
                                element: right.clone(),
                                size: *size,
                            }),
                        },
                        other => {
                            return Err(mismatch(format!(
                                "unzip needs an array of tuples, not of {other}"
                            )));
                        }
                    },
                    other => return Err(mismatch(format!("unzip needs an array, not {other}"))),
                },
            }
        }
        Operation::Binary { op, left, right } => {
            let (l, r) = (ty(*left)?, ty(*right)?);
            let secret = l.is_secret() || r.is_secret();
            match op {
                BinaryOp::Addition | BinaryOp::Subtraction | BinaryOp::Multiplication => {
                    NadaType::scalar(same_kind(l, r, true)?, secret)
                }
                BinaryOp::Division | BinaryOp::Modulo => {
                    NadaType::scalar(same_kind(l, r, false)?, secret)
                }
                BinaryOp::Power => {
                    let kind = same_kind(l, r, false)?;
                    if secret {
                        return Err(mismatch(String::from("power needs public operands")));
                    }
                    NadaType::scalar(kind, false)
                }
                BinaryOp::LeftShift | BinaryOp::RightShift | BinaryOp::TruncPr => {
                    let kind = numeric(l, "left operand")?;
                    if *r != NadaType::UnsignedInteger {
                        return Err(mismatch(format!(
                            "the shift amount must be a public UnsignedInteger, not {r}"
                        )));
                    }
                    NadaType::scalar(kind, l.is_secret())
                }
                BinaryOp::LessThan
                | BinaryOp::LessEq
                | BinaryOp::GreaterThan
                | BinaryOp::GreaterEq
                | BinaryOp::Equals
                | BinaryOp::NotEquals => {
                    same_kind(l, r, true)?;
                    NadaType::scalar(ScalarKind::Boolean, secret)
                }
                BinaryOp::EqualsPublicOutput => {
                    same_kind(l, r, true)?;
                    NadaType::Boolean
                }
                BinaryOp::BoolAnd | BinaryOp::BoolOr | BinaryOp::BoolXor => {
                    if same_kind(l, r, true)? != ScalarKind::Boolean {
                        return Err(mismatch(format!("{} needs booleans", n.op.name())));
                    }
                    NadaType::scalar(ScalarKind::Boolean, secret)
                }
                BinaryOp::Zip => match (l, r) {
                    (
                        NadaType::Array {
                            element: a,
                            size: m,
                        },
                        NadaType::Array {
                            element: b,
                            size: k,
                        },
                    ) if m == k => NadaType::Array {
                        element: alloc::boxed::Box::new(NadaType::Tuple {
                            left: a.clone(),
                            right: b.clone(),
                        }),
                        size: *m,
                    },
                    _ => {
                        return Err(mismatch(format!(
                            "zip needs two arrays of one size, not {l} and {r}"
                        )));
                    }
                },
                BinaryOp::InnerProduct => match (l, r) {
                    (
                        NadaType::Array {
                            element: a,
                            size: m,
                        },
                        NadaType::Array {
                            element: b,
                            size: k,
                        },
                    ) if m == k => {
                        let kind = same_kind(a, b, false)?;
                        NadaType::scalar(kind, a.is_secret() || b.is_secret())
                    }
                    _ => {
                        return Err(mismatch(format!(
                            "inner product needs two arrays of one size, not {l} and {r}"
                        )));
                    }
                },
                BinaryOp::EcdsaSign => {
                    if *l != NadaType::EcdsaPrivateKey || *r != NadaType::EcdsaDigestMessage {
                        return Err(mismatch(format!(
                            "ecdsa_sign needs EcdsaPrivateKey and EcdsaDigestMessage, not {l} and {r}"
                        )));
                    }
                    NadaType::EcdsaSignature
                }
                BinaryOp::EddsaSign => {
                    if *l != NadaType::EddsaPrivateKey || *r != NadaType::EddsaMessage {
                        return Err(mismatch(format!(
                            "eddsa_sign needs EddsaPrivateKey and EddsaMessage, not {l} and {r}"
                        )));
                    }
                    NadaType::EddsaSignature
                }
            }
        }
        Operation::IfElse {
            cond,
            first,
            second,
        } => {
            let c = ty(*cond)?;
            if scalar(c, "condition")? != ScalarKind::Boolean {
                return Err(mismatch(format!(
                    "the condition must be a boolean, not {c}"
                )));
            }
            let (a, b) = (ty(*first)?, ty(*second)?);
            let kind = same_kind(a, b, true)?;
            NadaType::scalar(kind, c.is_secret() || a.is_secret() || b.is_secret())
        }
        Operation::Map { function: f, array } => {
            let f = program.functions.get(*f).ok_or(MirError::MissingType)?;
            let t = ty(*array)?;
            let NadaType::Array { element, size } = t else {
                return Err(mismatch(format!("map needs an array, not {t}")));
            };
            if !matches!(f.args.as_slice(), [arg] if arg.ty == **element) {
                return Err(mismatch(format!(
                    "function '{}' takes ({}), cannot be mapped over elements of {}",
                    f.name,
                    types::list(&f.args.iter().map(|a| a.ty.clone()).collect::<Vec<_>>()),
                    element
                )));
            }
            NadaType::Array {
                element: alloc::boxed::Box::new(f.return_type.clone()),
                size: *size,
            }
        }
        Operation::Reduce {
            function: f,
            array,
            initial,
        } => {
            let f = program.functions.get(*f).ok_or(MirError::MissingType)?;
            let t = ty(*array)?;
            let init = ty(*initial)?;
            let NadaType::Array { element, .. } = t else {
                return Err(mismatch(format!("reduce needs an array, not {t}")));
            };
            let takes = |acc: &NadaType, el: &NadaType| acc == &f.return_type && el == &**element;
            if !matches!(f.args.as_slice(), [acc, el] if takes(&acc.ty, &el.ty))
                || *init != f.return_type
            {
                return Err(mismatch(format!(
                    "function '{}' takes ({}) and returns {}; cannot reduce {} from {}",
                    f.name,
                    types::list(&f.args.iter().map(|a| a.ty.clone()).collect::<Vec<_>>()),
                    f.return_type,
                    t,
                    init
                )));
            }
            f.return_type.clone()
        }
        Operation::New(elements) => {
            match &n.ty {
                NadaType::Array { element, size } => {
                    if elements.len() != *size as usize {
                        return Err(mismatch(format!(
                            "{} elements for an array of size {size}",
                            elements.len()
                        )));
                    }
                    for &e in elements {
                        let t = ty(e)?;
                        if t != element.as_ref() {
                            return Err(mismatch(format!("element {t} in an array of {element}")));
                        }
                    }
                }
                NadaType::Tuple { left, right } => {
                    let [l, r] = elements.as_slice() else {
                        return Err(mismatch(format!("{} elements for a tuple", elements.len())));
                    };
                    if ty(*l)? != left.as_ref() || ty(*r)? != right.as_ref() {
                        return Err(mismatch(format!(
                            "elements {} and {} for a {}",
                            ty(*l)?,
                            ty(*r)?,
                            n.ty
                        )));
                    }
                }
                other => return Err(mismatch(format!("new cannot build a {other}"))),
            }
            return Ok(None);
        }
        Operation::ArrayAccess { source, index } => match ty(*source)? {
            NadaType::Array { element, size } => {
                if index >= size {
                    return Err(mismatch(format!(
                        "index {index} out of an array of size {size}"
                    )));
                }
                element.as_ref().clone()
            }
            other => return Err(mismatch(format!("array accessor on {other}"))),
        },
        Operation::TupleAccess { source, index } => match ty(*source)? {
            NadaType::Tuple { left, right } => match index {
                TupleIndex::Left => left.as_ref().clone(),
                TupleIndex::Right => right.as_ref().clone(),
            },
            other => return Err(mismatch(format!("tuple accessor on {other}"))),
        },
    }))
}
