//! The checks a node makes on an `InvokeCompute` request's party bindings and inputs, with the
//! reference node's texts and order (docs/node-checks.md §4).
//!
//! Inputs are checked once every value is gathered (compute-time values and stored ones): the
//! type of each present input first (the first mismatch ends the check), then the missing
//! inputs, then the values no input asks for.

use std::collections::{BTreeMap, BTreeSet};

use nilvm_core::rpc::{Code, Status};
use nilvm_core::values::{EncryptedValue, EncryptedValueType};
use nilvm_nada::{NadaType, Program};

use crate::status;

fn invalid(message: String) -> Status {
    status(Code::InvalidArgument, message)
}

/// The party names bound by a request, checked against the parties the program declares for
/// `kind` ("input" or "output"). A name bound twice counts as undefined the second time (the
/// nodes consume each declared party once).
pub(crate) fn check_bindings<'a>(
    kind: &str,
    declared: &BTreeSet<String>,
    bound: impl IntoIterator<Item = &'a String>,
) -> Result<(), Status> {
    let mut unbound: BTreeSet<&String> = declared.iter().collect();
    for name in bound {
        if !unbound.remove(name) {
            return Err(invalid(format!(
                "{kind} party {name} is not defined in program"
            )));
        }
    }
    match unbound.len() {
        0 => Ok(()),
        1..=3 => {
            let list: Vec<String> = unbound.iter().map(|p| format!("{p:?}")).collect();
            Err(invalid(format!(
                "{kind} parties {{{}}} not bound",
                list.join(", ")
            )))
        }
        n => Err(invalid(format!("{n} {kind} parties not bound"))),
    }
}

/// The gathered inputs against the program's: types, then missing, then unexpected.
pub(crate) fn check_inputs(
    program: &Program,
    inputs: &BTreeMap<String, EncryptedValue>,
) -> Result<(), Status> {
    let failed = |detail: String| invalid(format!("input validation failed: {detail}"));
    let mut missing = Vec::new();
    for input in program.inputs() {
        match inputs.get(&input.name) {
            Some(value) => check_type(&input.ty, value).map_err(|(expected, found)| {
                failed(format!("types don't match: {expected} != {found}"))
            })?,
            None => missing.push(input.name.clone()),
        }
    }
    if !missing.is_empty() {
        return Err(failed(format!("missing values: {missing:?}")));
    }
    let expected: BTreeSet<&str> = program.inputs().iter().map(|i| i.name.as_str()).collect();
    let unexpected: Vec<&String> = inputs
        .keys()
        .filter(|name| !expected.contains(name.as_str()))
        .collect();
    if !unexpected.is_empty() {
        return Err(failed(format!("unexpected values found: {unexpected:?}")));
    }
    Ok(())
}

/// Whether a value fits an input type; on a mismatch, the innermost pair of type names (the
/// right side of a tuple is looked at before its left).
fn check_type(expected: &NadaType, value: &EncryptedValue) -> Result<(), (String, String)> {
    match value.value_type() {
        Some(found) => check_wire_type(expected, &found),
        None => Err((program_type_name(expected), "SecretBlob".into())),
    }
}

fn check_wire_type(
    expected: &NadaType,
    found: &EncryptedValueType,
) -> Result<(), (String, String)> {
    use EncryptedValueType as W;
    match (expected, found) {
        (NadaType::Integer, W::PublicInteger)
        | (NadaType::UnsignedInteger, W::PublicUnsignedInteger)
        | (NadaType::Boolean, W::PublicBoolean)
        | (NadaType::SecretInteger, W::ShamirShareInteger)
        | (NadaType::SecretUnsignedInteger, W::ShamirShareUnsignedInteger)
        | (NadaType::SecretBoolean, W::ShamirShareBoolean)
        | (NadaType::EcdsaPrivateKey, W::EcdsaPrivateKeyShare)
        | (NadaType::EcdsaDigestMessage, W::EcdsaMessageDigest)
        | (NadaType::EcdsaSignature, W::EcdsaSignatureShare)
        | (NadaType::EcdsaPublicKey, W::EcdsaPublicKey)
        | (NadaType::EddsaPrivateKey, W::EddsaPrivateKeyShare)
        | (NadaType::EddsaPublicKey, W::EddsaPublicKey)
        | (NadaType::EddsaMessage, W::EddsaMessage)
        | (NadaType::EddsaSignature, W::EddsaSignature) => Ok(()),
        // Array sizes are not compared here: only the element types.
        (NadaType::Array { element, .. }, W::Array { inner, .. }) => {
            check_wire_type(element, inner)
        }
        (
            NadaType::Tuple { left, right },
            W::Tuple {
                left: found_left,
                right: found_right,
            },
        ) => {
            check_wire_type(right, found_right)?;
            check_wire_type(left, found_left)
        }
        (expected, found) => Err((program_type_name(expected), wire_type_name(found))),
    }
}

/// A program type as the nodes name it in errors.
pub(crate) fn program_type_name(ty: &NadaType) -> String {
    match ty {
        NadaType::Array { element, size } => {
            format!("Array [{}:{size}]", program_type_name(element))
        }
        NadaType::Tuple { left, right } => format!(
            "Tuple ({}, {})",
            program_type_name(left),
            program_type_name(right)
        ),
        other => format!("{other:?}"),
    }
}

/// A stored value's type as the nodes name it in errors.
pub(crate) fn wire_type_name(ty: &EncryptedValueType) -> String {
    use EncryptedValueType as W;
    let name = match ty {
        W::PublicInteger => "Integer",
        W::PublicUnsignedInteger => "UnsignedInteger",
        W::PublicBoolean => "Boolean",
        W::ShamirShareInteger => "ShamirShareInteger",
        W::ShamirShareUnsignedInteger => "ShamirShareUnsignedInteger",
        W::ShamirShareBoolean => "ShamirShareBoolean",
        W::EcdsaPrivateKeyShare => "EcdsaPrivateKey",
        W::EcdsaMessageDigest => "EcdsaDigestMessage",
        W::EcdsaSignatureShare => "EcdsaSignature",
        W::EcdsaPublicKey => "EcdsaPublicKey",
        W::StoreId => "StoreId",
        W::EddsaPrivateKeyShare => "EddsaPrivateKey",
        W::EddsaSignature => "EddsaSignature",
        W::EddsaMessage => "EddsaMessage",
        W::EddsaPublicKey => "EddsaPublicKey",
        W::Array { inner, size } => return format!("Array [{}:{size}]", wire_type_name(inner)),
        W::Tuple { left, right } => {
            return format!(
                "Tuple ({}, {})",
                wire_type_name(left),
                wire_type_name(right)
            );
        }
        // A type added to core later: its debug name.
        other => return format!("{other:?}"),
    };
    name.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|s| (*s).to_string()).collect()
    }

    fn message(result: Result<(), Status>) -> String {
        result.unwrap_err().message
    }

    #[test]
    fn a_party_bound_twice_reads_as_undefined() {
        let declared = names(&["Dealer"]);
        let bound = ["Dealer".to_string(), "Dealer".to_string()];
        assert_eq!(
            message(check_bindings("input", &declared, &bound)),
            "input party Dealer is not defined in program"
        );
    }

    #[test]
    fn unbound_parties_are_listed_up_to_three_then_counted() {
        let declared = names(&["A", "B"]);
        assert_eq!(
            message(check_bindings("output", &declared, &[])),
            r#"output parties {"A", "B"} not bound"#
        );
        let declared = names(&["A", "B", "C", "D"]);
        assert_eq!(
            message(check_bindings("input", &declared, &[])),
            "4 input parties not bound"
        );
    }

    #[test]
    fn tuples_report_their_right_side_first() {
        let expected = NadaType::Tuple {
            left: Box::new(NadaType::SecretInteger),
            right: Box::new(NadaType::SecretBoolean),
        };
        let found = EncryptedValueType::Tuple {
            left: Box::new(EncryptedValueType::PublicInteger),
            right: Box::new(EncryptedValueType::PublicBoolean),
        };
        assert_eq!(
            check_wire_type(&expected, &found),
            Err(("SecretBoolean".into(), "Boolean".into()))
        );
    }

    #[test]
    fn arrays_compare_element_types_and_name_their_size() {
        let expected = NadaType::Array {
            element: Box::new(NadaType::SecretInteger),
            size: 3,
        };
        let found = EncryptedValueType::Array {
            inner: Box::new(EncryptedValueType::ShamirShareInteger),
            size: 2,
        };
        assert_eq!(check_wire_type(&expected, &found), Ok(()));
        assert_eq!(
            check_wire_type(&NadaType::Integer, &found),
            Err(("Integer".into(), "Array [ShamirShareInteger:2]".into()))
        );
    }
}
