//! Facts about clear values the targets' invariants need. The values themselves come from the
//! core's exported generators (`nilvm_core::arbitrary`).

use nilvm_core::values::ClearValue;

/// Whether recovering `value` uses additive (n-of-n) sharing: ECDSA and EdDSA keys and
/// signatures. One corrupted additive share cannot be told from an honest one.
pub fn uses_additive_sharing(value: &ClearValue) -> bool {
    match value {
        ClearValue::EcdsaPrivateKey(_)
        | ClearValue::EcdsaSignature(_)
        | ClearValue::EddsaPrivateKey(_) => true,
        ClearValue::Array(a) => a.values().iter().any(uses_additive_sharing),
        ClearValue::Tuple(t) => uses_additive_sharing(t.left()) || uses_additive_sharing(t.right()),
        _ => false,
    }
}
