//! Fuzzing generators (feature `arbitrary`): valid Nada programs and inputs for them.
//!
//! [`ProgramCase`] builds a MIR program that [`Program::decode`] accepts by construction:
//! parties, integer and boolean inputs (public and secret), literals, and a body of arithmetic,
//! comparisons and `if_else` whose every operand is an earlier operation, typed by the Nada
//! rules (secret if any operand is secret). [`inputs`] gives values of a program's declared
//! input types. Raw programs, for the decoder's error paths, are
//! `nilvm_proto::nillion::nada::mir::v1::ProgramMir` with `nilvm-proto`'s `arbitrary`.
//!
//! ```
//! use nilvm_core::arbitrary::{Arbitrary, Unstructured};
//! use nilvm_core::program::mir::arbitrary::{ProgramCase, inputs};
//! use nilvm_core::program::mir::Program;
//!
//! let mut u = Unstructured::new(b"any fuzzer input, a few bytes long");
//! let case = ProgramCase::arbitrary(&mut u).unwrap();
//! let program = Program::decode(&case.bytes).unwrap();
//! let values = inputs(&mut u, &program).unwrap();
//! assert_eq!(values.len(), program.inputs().len());
//! ```

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::arbitrary::{Arbitrary, Error, Result, Unstructured, value_of_type};
use crate::values::{ClearValue, ValueType};
use nilvm_proto::Message;
use nilvm_proto::nillion::nada::mir::v1 as mir;
use nilvm_proto::nillion::nada::operations::v1 as ops;

use super::Program;
use super::types::{NadaType, ScalarKind};

/// Most parties of a generated program.
pub const MAX_PARTIES: usize = 3;
/// Most inputs of a generated program.
pub const MAX_INPUTS: usize = 4;
/// Most body operations of a generated program (after its input and literal references).
pub const MAX_OPERATIONS: usize = 24;

/// A program made valid by construction: its MIR and the encoded bytes. Its first output is
/// the last operation, so it always runs at least one protocol (as the nodes require).
#[derive(Debug, Clone)]
pub struct ProgramCase {
    /// The MIR message.
    pub mir: mir::ProgramMir,
    /// `mir` encoded: what `Program::decode` and `ProgramMetadata::from_program` read.
    pub bytes: Vec<u8>,
}

/// The operations built so far, with their types.
struct Body {
    operations: Vec<mir::OperationMapEntry>,
    types: Vec<NadaType>,
}

impl Body {
    fn push(&mut self, ty: NadaType, operation: ops::operation::Operation) -> u64 {
        // Ids need not be dense: the MIR refers to operations by id only.
        let id = self.operations.len() as u64 * 3 + 1;
        self.operations.push(mir::OperationMapEntry {
            id,
            operation: Some(ops::Operation {
                id,
                r#type: Some(ty.to_proto()),
                source_ref_index: 0,
                operation: Some(operation),
            }),
        });
        self.types.push(ty);
        id
    }

    /// Whether the operation at `index` is secret.
    fn is_secret(&self, index: usize) -> bool {
        self.types.get(index).is_some_and(NadaType::is_secret)
    }

    fn id(&self, index: usize) -> u64 {
        index as u64 * 3 + 1
    }

    /// An earlier operation of scalar kind `kind`, if there is one.
    fn pick(&self, u: &mut Unstructured<'_>, kind: ScalarKind) -> Result<Option<usize>> {
        let found: Vec<usize> = self
            .types
            .iter()
            .enumerate()
            .filter(|(_, ty)| ty.scalar_kind() == Some(kind))
            .map(|(i, _)| i)
            .collect();
        if found.is_empty() {
            return Ok(None);
        }
        Ok(Some(*u.choose(&found)?))
    }
}

fn scalar_type(u: &mut Unstructured<'_>) -> Result<NadaType> {
    let kind = *u.choose(&[ScalarKind::Integer, ScalarKind::Boolean])?;
    Ok(NadaType::scalar(kind, u.arbitrary()?))
}

fn binary(
    variant: ops::BinaryOperationVariant,
    left: u64,
    right: u64,
) -> ops::operation::Operation {
    ops::operation::Operation::Binary(ops::BinaryOperation {
        variant: variant as i32,
        left,
        right,
    })
}

/// One body operation over earlier ones: arithmetic or a comparison on integers, or an
/// `if_else` on a boolean.
fn operation(u: &mut Unstructured<'_>, body: &mut Body) -> Result<()> {
    use ops::BinaryOperationVariant as V;
    let Some(left) = body.pick(u, ScalarKind::Integer)? else {
        return Ok(());
    };
    let right = body.pick(u, ScalarKind::Integer)?.unwrap_or(left);
    let secret = body.is_secret(left) || body.is_secret(right);
    let (l, r) = (body.id(left), body.id(right));
    match u.int_in_range(0u8..=4)? {
        0 => body.push(
            NadaType::scalar(ScalarKind::Integer, secret),
            binary(V::Addition, l, r),
        ),
        1 => body.push(
            NadaType::scalar(ScalarKind::Integer, secret),
            binary(V::Subtraction, l, r),
        ),
        2 => body.push(
            NadaType::scalar(ScalarKind::Integer, secret),
            binary(V::Multiplication, l, r),
        ),
        3 => body.push(
            NadaType::scalar(ScalarKind::Boolean, secret),
            binary(V::LessThan, l, r),
        ),
        _ => {
            let Some(cond) = body.pick(u, ScalarKind::Boolean)? else {
                return Ok(());
            };
            let secret = secret || body.is_secret(cond);
            let operation = ops::operation::Operation::Ifelse(ops::IfElseOperation {
                cond: body.id(cond),
                first: l,
                second: r,
            });
            body.push(NadaType::scalar(ScalarKind::Integer, secret), operation)
        }
    };
    Ok(())
}

fn parties(u: &mut Unstructured<'_>) -> Result<Vec<mir::Party>> {
    let n = u.int_in_range(1..=MAX_PARTIES)?;
    Ok((0..n)
        .map(|i| mir::Party {
            name: format!("Party{i}"),
            source_ref_index: 0,
        })
        .collect())
}

impl<'a> Arbitrary<'a> for ProgramCase {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let parties = parties(u)?;
        let mut body = Body {
            operations: Vec::new(),
            types: Vec::new(),
        };
        let mut inputs = Vec::new();
        for i in 0..u.int_in_range(1..=MAX_INPUTS)? {
            // The first input is an integer, so the body always has an operand.
            let ty = match i {
                0 => NadaType::scalar(ScalarKind::Integer, u.arbitrary()?),
                _ => scalar_type(u)?,
            };
            let name = format!("x{i}");
            inputs.push(mir::Input {
                r#type: Some(ty.to_proto()),
                party: u.choose(&parties)?.name.clone(),
                name: name.clone(),
                doc: String::new(),
                source_ref_index: 0,
            });
            let reference = ops::InputReference { refers_to: name };
            body.push(ty, ops::operation::Operation::InputRef(reference));
        }
        let mut literals = Vec::new();
        for i in 0..u.int_in_range(0..=2)? {
            let name = i.to_string();
            literals.push(mir::Literal {
                name: name.clone(),
                value: u.int_in_range(-1000i64..=1000)?.to_string(),
                r#type: Some(NadaType::Integer.to_proto()),
            });
            let reference = ops::LiteralReference { refers_to: name };
            body.push(
                NadaType::Integer,
                ops::operation::Operation::LiteralRef(reference),
            );
        }
        let references = body.types.len();
        for _ in 0..u.int_in_range(1..=MAX_OPERATIONS)? {
            operation(u, &mut body)?;
        }
        // At least one operation: the nodes refuse a program that runs no protocol.
        if body.types.len() == references {
            if let Some(ty) = body.types.first().cloned() {
                let first = body.id(0);
                body.push(
                    ty,
                    binary(ops::BinaryOperationVariant::Addition, first, first),
                );
            }
        }
        let mut outputs = Vec::new();
        let last = body.types.len() - 1;
        for i in 0..u.int_in_range(1..=3)? {
            let index = if i == 0 {
                last
            } else {
                u.int_in_range(0..=last)?
            };
            outputs.push(mir::Output {
                name: format!("out{i}"),
                operation_id: body.id(index),
                party: u.choose(&parties)?.name.clone(),
                r#type: body.types.get(index).map(NadaType::to_proto),
                source_ref_index: 0,
            });
        }
        let mir = mir::ProgramMir {
            parties,
            inputs,
            literals,
            outputs,
            operations: body.operations,
            ..Default::default()
        };
        let bytes = mir.encode_to_vec();
        Ok(ProgramCase { mir, bytes })
    }
}

impl<'a> Arbitrary<'a> for Program {
    /// A decoded [`ProgramCase`].
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Program::decode(&ProgramCase::arbitrary(u)?.bytes).map_err(|_| Error::IncorrectFormat)
    }
}

/// The core's value type for a Nada type.
fn value_type(ty: &NadaType) -> Result<ValueType> {
    Ok(match ty {
        NadaType::Integer => ValueType::Integer,
        NadaType::UnsignedInteger => ValueType::UnsignedInteger,
        NadaType::Boolean => ValueType::Boolean,
        NadaType::SecretInteger => ValueType::SecretInteger,
        NadaType::SecretUnsignedInteger => ValueType::SecretUnsignedInteger,
        NadaType::SecretBoolean => ValueType::SecretBoolean,
        NadaType::EcdsaPrivateKey => ValueType::EcdsaPrivateKey,
        NadaType::EcdsaDigestMessage => ValueType::EcdsaDigestMessage,
        NadaType::EcdsaSignature => ValueType::EcdsaSignature,
        NadaType::EcdsaPublicKey => ValueType::EcdsaPublicKey,
        NadaType::EddsaPrivateKey => ValueType::EddsaPrivateKey,
        NadaType::EddsaPublicKey => ValueType::EddsaPublicKey,
        NadaType::EddsaMessage => ValueType::EddsaMessage,
        NadaType::EddsaSignature => ValueType::EddsaSignature,
        NadaType::Array { element, size } => ValueType::Array {
            inner: alloc::boxed::Box::new(value_type(element)?),
            size: *size as usize,
        },
        NadaType::Tuple { left, right } => ValueType::Tuple {
            left: alloc::boxed::Box::new(value_type(left)?),
            right: alloc::boxed::Box::new(value_type(right)?),
        },
    })
}

/// A value of the Nada type `ty`.
///
/// # Errors
/// [`Error::IncorrectFormat`] for types no clear value has (an empty array).
pub fn value(u: &mut Unstructured<'_>, ty: &NadaType) -> Result<ClearValue> {
    value_of_type(u, &value_type(ty)?)
}

/// A value for every input of `program`, by input name.
///
/// # Errors
/// As [`value`].
pub fn inputs(u: &mut Unstructured<'_>, program: &Program) -> Result<BTreeMap<String, ClearValue>> {
    program
        .inputs()
        .iter()
        .map(|input| Ok((input.name.clone(), value(u, &input.ty)?)))
        .collect()
}
