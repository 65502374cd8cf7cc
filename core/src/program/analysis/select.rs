//! Protocol selection: which MPC protocol the nodes pick for an operation, from the
//! publicness of its operands (docs/nada.md §10.1), and the addresses a value reserves.

use alloc::vec;
use alloc::vec::Vec;

use crate::program::mir::{BinaryOp, NadaType, UnaryOp};
use crate::program::protocol::Protocol;

/// Whether the nodes hold a value of this type as shares: the `secret_*` types, the private
/// keys, and arrays or tuples containing one.
pub(super) fn is_share(ty: &NadaType) -> bool {
    match ty {
        NadaType::SecretInteger
        | NadaType::SecretUnsignedInteger
        | NadaType::SecretBoolean
        | NadaType::EcdsaPrivateKey
        | NadaType::EddsaPrivateKey => true,
        NadaType::Array { element, .. } => is_share(element),
        NadaType::Tuple { left, right } => is_share(left) || is_share(right),
        _ => false,
    }
}

/// Whether a value of this type is an array or a tuple.
pub(super) fn is_compound(ty: &NadaType) -> bool {
    matches!(ty, NadaType::Array { .. } | NadaType::Tuple { .. })
}

/// Addresses the nodes' protocol address provider reserves for a value of this type: one,
/// plus one pointer per direct element of an array or tuple.
pub(super) fn slots(ty: &NadaType) -> u64 {
    match ty {
        NadaType::Array { size, .. } => 1 + u64::from(*size),
        NadaType::Tuple { .. } => 3,
        _ => 1,
    }
}

/// `random` of a scalar type; `None` for arrays and tuples.
pub(super) fn random(ty: &NadaType) -> Option<Protocol> {
    match ty {
        NadaType::Boolean | NadaType::SecretBoolean => Some(Protocol::RandomBoolean),
        NadaType::Array { .. } | NadaType::Tuple { .. } => None,
        _ => Some(Protocol::RandomInteger),
    }
}

/// A unary operation; `None` for `unzip`, which is structural.
pub(super) fn unary(op: UnaryOp) -> Option<Protocol> {
    match op {
        UnaryOp::Reveal => Some(Protocol::Reveal),
        UnaryOp::Not => Some(Protocol::Not),
        UnaryOp::PublicKeyDerive => Some(Protocol::PublicKeyDerive),
        UnaryOp::Unzip => None,
    }
}

/// `if_else`: which of condition and branches are shares.
pub(super) fn if_else(cond: bool, first: bool, second: bool) -> Protocol {
    if !cond {
        Protocol::IfElsePublicCond
    } else if !first && !second {
        Protocol::IfElsePublicBranches
    } else {
        Protocol::IfElse
    }
}

/// The protocols of a binary operation on operands that are shares (`l`, `r`) or not, raw
/// operations lowered as the preprocessor does (docs/nada.md §5). `zip` is structural: none.
pub(super) fn binary(op: BinaryOp, l: bool, r: bool) -> Vec<Protocol> {
    use Protocol as P;
    let either = l || r;
    let multiplication = match (l, r) {
        (false, false) => P::MultiplicationPublic,
        (true, true) => P::MultiplicationShares,
        _ => P::MultiplicationSharePublic,
    };
    let less_than = if either {
        P::LessThanShares
    } else {
        P::LessThanPublic
    };
    let equals = if either {
        P::EqualsSecret
    } else {
        P::EqualsPublic
    };
    let one = |protocol| vec![protocol];
    match op {
        BinaryOp::Addition => one(P::Addition),
        BinaryOp::Subtraction => one(P::Subtraction),
        BinaryOp::Multiplication | BinaryOp::BoolAnd => one(multiplication),
        BinaryOp::LessThan | BinaryOp::GreaterThan => one(less_than),
        BinaryOp::LessEq | BinaryOp::GreaterEq => vec![less_than, P::Not],
        BinaryOp::Equals => one(equals),
        BinaryOp::NotEquals => vec![equals, P::Not],
        BinaryOp::EqualsPublicOutput => one(if either {
            P::PublicOutputEquality
        } else {
            P::EqualsPublic
        }),
        BinaryOp::Division => one(match (l, r) {
            (_, true) => P::DivisionIntegerSecretDivisor,
            (true, false) => P::DivisionIntegerSecretDividendPublicDivisor,
            (false, false) => P::DivisionIntegerPublic,
        }),
        BinaryOp::Modulo => one(match (l, r) {
            (_, true) => P::ModuloIntegerSecretDivisor,
            (true, false) => P::ModuloIntegerSecretDividendPublicDivisor,
            (false, false) => P::ModuloIntegerPublic,
        }),
        BinaryOp::Power => one(P::PowerPublicBasePublicExponent),
        BinaryOp::LeftShift => one(if l {
            P::LeftShiftShares
        } else {
            P::LeftShiftPublic
        }),
        BinaryOp::RightShift => one(if l {
            P::RightShiftShares
        } else {
            P::RightShiftPublic
        }),
        BinaryOp::TruncPr => one(P::TruncPr),
        // a | b = (a + b) - a*b
        BinaryOp::BoolOr => vec![P::Addition, multiplication, P::Subtraction],
        // a ^ b = (a + b) - (m + m), m = a*b
        BinaryOp::BoolXor => vec![P::Addition, multiplication, P::Addition, P::Subtraction],
        BinaryOp::InnerProduct => one(match (l, r) {
            (false, false) => P::InnerProductPublic,
            (true, true) => P::InnerProductShares,
            _ => P::InnerProductSharePublic,
        }),
        BinaryOp::EcdsaSign => one(P::EcdsaSign),
        BinaryOp::EddsaSign => one(P::EddsaSign),
        BinaryOp::Zip => Vec::new(),
    }
}
