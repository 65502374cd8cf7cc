//! One operation's evaluation, dispatched by operation family: leaves (inputs, literals,
//! arguments, random values), unary operations, the binary families (field arithmetic,
//! comparisons, division, shifts, array combinators, signatures), structure (tuples, arrays,
//! `if_else`) and the higher-order `map` / `reduce`.

use alloc::rc::Rc;
use alloc::vec::Vec;

use crypto_bigint::{Random, U512};
use nilvm_core::field::PrimeField;
use nilvm_core::values::ClearValue;
use rand_core::CryptoRng;

use super::value::{Value, bool_element};
use super::{Engine, TruncPrMode, arith, internal, sign};
use crate::error::EvalError;
use crate::program::{BinaryOp, Graph, Node, NodeIndex, Operation, TupleIndex, UnaryOp};
use crate::types::{NadaType, ScalarKind};

/// The already evaluated operands an operation reads, with their types.
struct Operands<'s, F> {
    graph: &'s Graph,
    node: &'s Node,
    slots: &'s [Value<F>],
}

impl<F: PrimeField> Operands<'_, F> {
    fn get(&self, i: NodeIndex) -> Result<&Value<F>, EvalError> {
        self.slots
            .get(i)
            .ok_or_else(|| internal(self.node, "operand not evaluated"))
    }

    fn scalar(&self, i: NodeIndex) -> Result<F, EvalError> {
        match self.slots.get(i) {
            Some(Value::Scalar(v)) => Ok(*v),
            _ => Err(internal(self.node, "operand is not a scalar")),
        }
    }

    fn ty(&self, i: NodeIndex) -> Option<&NadaType> {
        self.graph.nodes().get(i).map(|n| &n.ty)
    }

    fn secret(&self, i: NodeIndex) -> bool {
        self.ty(i).is_some_and(NadaType::is_secret)
    }

    fn signed(&self, i: NodeIndex) -> bool {
        self.ty(i).and_then(NadaType::scalar_kind) == Some(ScalarKind::Integer)
    }
}

impl<F: PrimeField, R: CryptoRng + ?Sized> Engine<'_, F, R> {
    pub(super) fn eval_node(
        &mut self,
        graph: &Graph,
        node: &Node,
        slots: &[Value<F>],
        args: &[Value<F>],
        depth: usize,
    ) -> Result<Value<F>, EvalError> {
        let ops = Operands { graph, node, slots };
        match &node.op {
            Operation::Input(_)
            | Operation::Literal(_)
            | Operation::Argument(_)
            | Operation::Random => self.leaf(node, args),
            Operation::Unary { op, operand } => self.unary(&ops, *op, *operand),
            Operation::Binary { op, left, right } => self.binary(&ops, *op, *left, *right),
            Operation::IfElse { .. }
            | Operation::New(_)
            | Operation::ArrayAccess { .. }
            | Operation::TupleAccess { .. } => self.structure(&ops),
            Operation::Map { .. } | Operation::Reduce { .. } => self.higher_order(&ops, depth),
        }
    }

    /// Inputs, literals, function arguments and random values.
    fn leaf(&mut self, node: &Node, args: &[Value<F>]) -> Result<Value<F>, EvalError> {
        Ok(match &node.op {
            Operation::Input(i) => self
                .inputs
                .get(*i)
                .cloned()
                .ok_or_else(|| internal(node, "unknown input"))?,
            Operation::Literal(i) => Value::Scalar(
                *self
                    .literals
                    .get(*i)
                    .ok_or_else(|| internal(node, "unknown literal"))?,
            ),
            Operation::Argument(i) => args
                .get(*i)
                .cloned()
                .ok_or_else(|| internal(node, "missing argument"))?,
            Operation::Random => Value::Scalar(match node.ty {
                NadaType::SecretBoolean => {
                    let mut byte = [0u8; 1];
                    self.rng.fill_bytes(&mut byte);
                    bool_element(byte[0] & 1 == 1)
                }
                _ => F::random(self.rng),
            }),
            _ => return Err(internal(node, "not a leaf operation")),
        })
    }

    fn unary(
        &mut self,
        ops: &Operands<'_, F>,
        op: UnaryOp,
        operand: NodeIndex,
    ) -> Result<Value<F>, EvalError> {
        let node = ops.node;
        Ok(match op {
            UnaryOp::Not => Value::Scalar(F::ONE - ops.scalar(operand)?),
            UnaryOp::Reveal => ops.get(operand)?.clone(),
            UnaryOp::PublicKeyDerive => match ops.get(operand)? {
                Value::Opaque(v) => match v.as_ref() {
                    ClearValue::EcdsaPrivateKey(k) => {
                        Value::Opaque(Rc::new(ClearValue::EcdsaPublicKey(k.public_key())))
                    }
                    ClearValue::EddsaPrivateKey(k) => {
                        Value::Opaque(Rc::new(ClearValue::EddsaPublicKey(k.public_key())))
                    }
                    _ => return Err(internal(node, "not a private key")),
                },
                _ => return Err(internal(node, "not a private key")),
            },
            UnaryOp::Unzip => {
                let Value::Array(pairs) = ops.get(operand)? else {
                    return Err(internal(node, "unzip of a non-array"));
                };
                self.charge(pairs.len() as u64)?;
                let mut left = Vec::with_capacity(pairs.len());
                let mut right = Vec::with_capacity(pairs.len());
                for pair in pairs.iter() {
                    let Value::Tuple(pair) = pair else {
                        return Err(internal(node, "unzip of a non-tuple element"));
                    };
                    left.push(pair.0.clone());
                    right.push(pair.1.clone());
                }
                Value::Tuple(Rc::new((
                    Value::Array(left.into()),
                    Value::Array(right.into()),
                )))
            }
        })
    }

    fn binary(
        &mut self,
        ops: &Operands<'_, F>,
        op: BinaryOp,
        l: NodeIndex,
        r: NodeIndex,
    ) -> Result<Value<F>, EvalError> {
        match op {
            BinaryOp::Addition
            | BinaryOp::Subtraction
            | BinaryOp::Multiplication
            | BinaryOp::BoolAnd
            | BinaryOp::BoolOr
            | BinaryOp::BoolXor
            | BinaryOp::Power => field_arithmetic(ops, op, l, r),
            BinaryOp::LessThan
            | BinaryOp::GreaterThan
            | BinaryOp::LessEq
            | BinaryOp::GreaterEq
            | BinaryOp::Equals
            | BinaryOp::EqualsPublicOutput
            | BinaryOp::NotEquals => compare(ops, op, l, r),
            BinaryOp::Division | BinaryOp::Modulo => divide(ops, op, l, r),
            BinaryOp::LeftShift | BinaryOp::RightShift | BinaryOp::TruncPr => {
                self.shift(ops, op, l, r)
            }
            BinaryOp::InnerProduct | BinaryOp::Zip => self.combine_arrays(ops, op, l, r),
            BinaryOp::EcdsaSign | BinaryOp::EddsaSign => self.sign(ops, op, l, r),
        }
    }

    /// `<<`, `>>` and `trunc_pr`.
    fn shift(
        &mut self,
        ops: &Operands<'_, F>,
        op: BinaryOp,
        l: NodeIndex,
        r: NodeIndex,
    ) -> Result<Value<F>, EvalError> {
        Ok(Value::Scalar(match op {
            BinaryOp::LeftShift => arith::left_shift(&ops.scalar(l)?, &ops.scalar(r)?),
            BinaryOp::RightShift => {
                let m = arith::shift_amount(&ops.scalar(r)?);
                arith::floor_shift(&ops.scalar(l)?, m, ops.signed(l)).0
            }
            BinaryOp::TruncPr => {
                let m = arith::shift_amount(&ops.scalar(r)?);
                let (floor, low) = arith::floor_shift(&ops.scalar(l)?, m, ops.signed(l));
                if m == 0 || self.config.trunc_pr == TruncPrMode::Exact {
                    floor
                } else {
                    // c = 1 with probability low / 2^m: compare with a uniform draw
                    // below 2^m (m capped at 511 bits; beyond that low/2^m is 0 or ~1).
                    let bits = m.min(511);
                    let draw = U512::random_from_rng(self.rng).wrapping_shr_vartime(512 - bits);
                    let carry = draw.cmp_vartime(&low).is_lt();
                    floor - F::ONE + bool_element(carry)
                }
            }
            _ => return Err(internal(ops.node, "not a shift")),
        }))
    }

    /// `inner_product` and `zip`.
    fn combine_arrays(
        &mut self,
        ops: &Operands<'_, F>,
        op: BinaryOp,
        l: NodeIndex,
        r: NodeIndex,
    ) -> Result<Value<F>, EvalError> {
        let node = ops.node;
        let inner = op == BinaryOp::InnerProduct;
        let (Value::Array(xs), Value::Array(ys)) = (ops.get(l)?, ops.get(r)?) else {
            return Err(internal(
                node,
                if inner {
                    "inner product of non-arrays"
                } else {
                    "zip of non-arrays"
                },
            ));
        };
        self.charge(xs.len() as u64)?;
        if !inner {
            let pairs: Vec<Value<F>> = xs
                .iter()
                .zip(ys.iter())
                .map(|(x, y)| Value::Tuple(Rc::new((x.clone(), y.clone()))))
                .collect();
            return Ok(Value::Array(pairs.into()));
        }
        let mut sum = F::ZERO;
        for (x, y) in xs.iter().zip(ys.iter()) {
            let (Value::Scalar(x), Value::Scalar(y)) = (x, y) else {
                return Err(internal(node, "inner product of non-scalars"));
            };
            sum += *x * *y;
        }
        Ok(Value::Scalar(sum))
    }

    /// `ecdsa_sign` and `eddsa_sign`.
    fn sign(
        &mut self,
        ops: &Operands<'_, F>,
        op: BinaryOp,
        l: NodeIndex,
        r: NodeIndex,
    ) -> Result<Value<F>, EvalError> {
        let node = ops.node;
        let ecdsa = op == BinaryOp::EcdsaSign;
        let bad = || {
            internal(
                node,
                if ecdsa {
                    "ecdsa_sign operands"
                } else {
                    "eddsa_sign operands"
                },
            )
        };
        let (Value::Opaque(key), Value::Opaque(message)) = (ops.get(l)?, ops.get(r)?) else {
            return Err(bad());
        };
        let invalid_key = EvalError::InvalidKey { operation: node.id };
        let signature = match (key.as_ref(), message.as_ref()) {
            (ClearValue::EcdsaPrivateKey(key), ClearValue::EcdsaDigestMessage(digest)) if ecdsa => {
                ClearValue::EcdsaSignature(
                    sign::ecdsa_sign(key, digest, self.rng).ok_or(invalid_key)?,
                )
            }
            (ClearValue::EddsaPrivateKey(key), ClearValue::EddsaMessage(message)) if !ecdsa => {
                ClearValue::EddsaSignature(
                    sign::eddsa_sign(key, message, self.rng).ok_or(invalid_key)?,
                )
            }
            _ => return Err(bad()),
        };
        Ok(Value::Opaque(Rc::new(signature)))
    }

    /// `if_else`, tuple and array construction, and element access.
    fn structure(&mut self, ops: &Operands<'_, F>) -> Result<Value<F>, EvalError> {
        let node = ops.node;
        Ok(match &node.op {
            Operation::IfElse {
                cond,
                first,
                second,
            } => {
                if ops.scalar(*cond)?.is_zero() {
                    ops.get(*second)?.clone()
                } else {
                    ops.get(*first)?.clone()
                }
            }
            Operation::New(elements) => {
                self.charge(elements.len() as u64)?;
                match &node.ty {
                    NadaType::Tuple { .. } => match elements.as_slice() {
                        [a, b] => {
                            Value::Tuple(Rc::new((ops.get(*a)?.clone(), ops.get(*b)?.clone())))
                        }
                        _ => return Err(internal(node, "tuple of other than two elements")),
                    },
                    _ => {
                        let mut values = Vec::with_capacity(elements.len());
                        for &e in elements {
                            values.push(ops.get(e)?.clone());
                        }
                        Value::Array(values.into())
                    }
                }
            }
            Operation::ArrayAccess { source, index } => match ops.get(*source)? {
                Value::Array(values) => values
                    .get(*index as usize)
                    .cloned()
                    .ok_or_else(|| internal(node, "array index out of range"))?,
                _ => return Err(internal(node, "array access on a non-array")),
            },
            Operation::TupleAccess { source, index } => match ops.get(*source)? {
                Value::Tuple(pair) => match index {
                    TupleIndex::Left => pair.0.clone(),
                    TupleIndex::Right => pair.1.clone(),
                },
                _ => return Err(internal(node, "tuple access on a non-tuple")),
            },
            _ => return Err(internal(node, "not a structure operation")),
        })
    }

    /// `map` and `reduce`: call a function per element.
    fn higher_order(&mut self, ops: &Operands<'_, F>, depth: usize) -> Result<Value<F>, EvalError> {
        let node = ops.node;
        match &node.op {
            Operation::Map { function, array } => {
                let Value::Array(values) = ops.get(*array)?.clone() else {
                    return Err(internal(node, "map over a non-array"));
                };
                let mut out = Vec::with_capacity(values.len());
                for v in values.iter() {
                    out.push(self.call(*function, core::slice::from_ref(v), depth)?);
                }
                Ok(Value::Array(out.into()))
            }
            Operation::Reduce {
                function,
                array,
                initial,
            } => {
                let Value::Array(values) = ops.get(*array)?.clone() else {
                    return Err(internal(node, "reduce over a non-array"));
                };
                let mut acc = ops.get(*initial)?.clone();
                for v in values.iter() {
                    acc = self.call(*function, &[acc, v.clone()], depth)?;
                }
                Ok(acc)
            }
            _ => Err(internal(node, "not a higher-order operation")),
        }
    }
}

/// `+`, `-`, `*`, the boolean connectives over {0, 1} and `**`.
fn field_arithmetic<F: PrimeField>(
    ops: &Operands<'_, F>,
    op: BinaryOp,
    l: NodeIndex,
    r: NodeIndex,
) -> Result<Value<F>, EvalError> {
    let (a, b) = (ops.scalar(l)?, ops.scalar(r)?);
    Ok(Value::Scalar(match op {
        BinaryOp::Addition => a + b,
        BinaryOp::Subtraction => a - b,
        BinaryOp::Multiplication | BinaryOp::BoolAnd => a * b,
        BinaryOp::BoolOr => a + b - a * b,
        BinaryOp::BoolXor => {
            let m = a * b;
            a + b - (m + m)
        }
        BinaryOp::Power => arith::power(&a, &b),
        _ => return Err(internal(ops.node, "not a field operation")),
    }))
}

/// The order comparisons and equality: public operands compare as integers (signed when the
/// left operand is an `Integer`), secret ones as the nodes' protocol does
/// ([`arith::less_than_secret`]).
fn compare<F: PrimeField>(
    ops: &Operands<'_, F>,
    op: BinaryOp,
    l: NodeIndex,
    r: NodeIndex,
) -> Result<Value<F>, EvalError> {
    let (a, b) = (ops.scalar(l)?, ops.scalar(r)?);
    let signed = ops.signed(l);
    let secret = ops.secret(l) || ops.secret(r);
    let less = |x: &F, y: &F| {
        if secret {
            arith::less_than_secret(x, y)
        } else {
            arith::less_than(x, y, signed)
        }
    };
    Ok(Value::Scalar(bool_element(match op {
        BinaryOp::LessThan => less(&a, &b),
        BinaryOp::GreaterThan => less(&b, &a),
        BinaryOp::LessEq => !less(&b, &a),
        BinaryOp::GreaterEq => !less(&a, &b),
        BinaryOp::Equals | BinaryOp::EqualsPublicOutput => a == b,
        BinaryOp::NotEquals => a != b,
        _ => return Err(internal(ops.node, "not a comparison")),
    })))
}

/// `/` and `%`: a public zero divisor is an error, a secret one gives quotient 0.
fn divide<F: PrimeField>(
    ops: &Operands<'_, F>,
    op: BinaryOp,
    l: NodeIndex,
    r: NodeIndex,
) -> Result<Value<F>, EvalError> {
    let (a, b) = (ops.scalar(l)?, ops.scalar(r)?);
    let divisor_secret = ops.ty(r).is_some_and(NadaType::is_secret);
    let quotient = op == BinaryOp::Division;
    Ok(Value::Scalar(match arith::div_mod(&a, &b, ops.signed(l)) {
        Some((q, m)) => {
            if quotient {
                q
            } else {
                m
            }
        }
        // Secret zero divisor: quotient 0, and a − b·0 = a for modulo.
        None if divisor_secret => {
            if quotient {
                F::ZERO
            } else {
                a
            }
        }
        None => {
            return Err(EvalError::DivisionByZero {
                operation: ops.node.id,
            });
        }
    }))
}
