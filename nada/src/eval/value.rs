//! The evaluator's value representation and its conversion to and from core's clear values.

use alloc::format;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;

use nilvm_core::field::PrimeField;
use nilvm_core::values::{Array, ClearValue, FieldInteger, Tuple};

use crate::types::NadaType;

/// A value during evaluation. Integers and booleans are field elements (their Nada type says
/// how to read them); compound values share their elements, so passing an array along is a
/// reference-count increment.
#[derive(Clone, Debug)]
pub(crate) enum Value<F> {
    /// Integer, unsigned integer or boolean.
    Scalar(F),
    /// Array elements.
    Array(Rc<[Value<F>]>),
    /// Pair.
    Tuple(Rc<(Value<F>, Value<F>)>),
    /// Keys, digests, signatures, messages: kept as core's clear values.
    Opaque(Rc<ClearValue>),
}

/// Why a clear value does not fit the declared type.
pub(crate) enum IntoValueError {
    /// The value has another type; the string names what was found.
    Type(String),
    /// The value has the type but not a value the field can hold.
    Range(String),
}

impl<F: PrimeField> Value<F> {
    /// Converts a clear input of type `ty`.
    pub(crate) fn from_clear(value: &ClearValue, ty: &NadaType) -> Result<Self, IntoValueError> {
        let range = |e: nilvm_core::field::FieldError| IntoValueError::Range(format!("{e}"));
        let found = || IntoValueError::Type(format!("{:?}", value.value_type()));
        Ok(match (ty, value) {
            (NadaType::Integer, ClearValue::Integer(v)) => {
                Value::Scalar(F::from_integer(v).map_err(range)?)
            }
            (NadaType::SecretInteger, ClearValue::SecretInteger(v)) => {
                Value::Scalar(F::from_integer(v.value()).map_err(range)?)
            }
            (NadaType::UnsignedInteger, ClearValue::UnsignedInteger(v)) => {
                Value::Scalar(F::from_unsigned(v).map_err(range)?)
            }
            (NadaType::SecretUnsignedInteger, ClearValue::SecretUnsignedInteger(v)) => {
                Value::Scalar(F::from_unsigned(v.value()).map_err(range)?)
            }
            (NadaType::Boolean, ClearValue::Boolean(b)) => Value::Scalar(bool_element(*b)),
            (NadaType::SecretBoolean, ClearValue::SecretBoolean(b)) => {
                Value::Scalar(bool_element(b.value()))
            }
            (NadaType::Array { element, size }, ClearValue::Array(array)) => {
                if array.len() != *size as usize {
                    return Err(IntoValueError::Type(format!(
                        "an array of {} elements (expected {size})",
                        array.len()
                    )));
                }
                let mut out = Vec::with_capacity(array.len());
                for v in array.values() {
                    out.push(Self::from_clear(v, element)?);
                }
                Value::Array(out.into())
            }
            (NadaType::Tuple { left, right }, ClearValue::Tuple(t)) => Value::Tuple(Rc::new((
                Self::from_clear(t.left(), left)?,
                Self::from_clear(t.right(), right)?,
            ))),
            (NadaType::EcdsaPrivateKey, ClearValue::EcdsaPrivateKey(_))
            | (NadaType::EcdsaDigestMessage, ClearValue::EcdsaDigestMessage(_))
            | (NadaType::EcdsaSignature, ClearValue::EcdsaSignature(_))
            | (NadaType::EcdsaPublicKey, ClearValue::EcdsaPublicKey(_))
            | (NadaType::EddsaPrivateKey, ClearValue::EddsaPrivateKey(_))
            | (NadaType::EddsaPublicKey, ClearValue::EddsaPublicKey(_))
            | (NadaType::EddsaMessage, ClearValue::EddsaMessage(_))
            | (NadaType::EddsaSignature, ClearValue::EddsaSignature(_)) => {
                Value::Opaque(Rc::new(value.clone()))
            }
            _ => return Err(found()),
        })
    }

    /// Converts a result of type `ty` to a clear value.
    pub(crate) fn to_clear(&self, ty: &NadaType) -> Result<ClearValue, String> {
        let boolean = |v: &F| -> Result<bool, String> {
            if v.is_zero() {
                Ok(false)
            } else if *v == F::ONE {
                Ok(true)
            } else {
                Err(String::from("a boolean that is neither 0 nor 1"))
            }
        };
        Ok(match (ty, self) {
            (NadaType::Integer, Value::Scalar(v)) => ClearValue::Integer(v.to_integer()),
            (NadaType::SecretInteger, Value::Scalar(v)) => {
                ClearValue::SecretInteger(v.to_integer().into())
            }
            (NadaType::UnsignedInteger, Value::Scalar(v)) => {
                ClearValue::UnsignedInteger(v.to_unsigned())
            }
            (NadaType::SecretUnsignedInteger, Value::Scalar(v)) => {
                ClearValue::SecretUnsignedInteger(v.to_unsigned().into())
            }
            (NadaType::Boolean, Value::Scalar(v)) => ClearValue::Boolean(boolean(v)?),
            (NadaType::SecretBoolean, Value::Scalar(v)) => {
                ClearValue::SecretBoolean(boolean(v)?.into())
            }
            (NadaType::Array { element, .. }, Value::Array(values)) => {
                let mut out = Vec::with_capacity(values.len());
                for v in values.iter() {
                    out.push(v.to_clear(element)?);
                }
                ClearValue::Array(Array::new(out).map_err(|e| format!("{e}"))?)
            }
            (NadaType::Tuple { left, right }, Value::Tuple(pair)) => ClearValue::Tuple(
                Tuple::new(pair.0.to_clear(left)?, pair.1.to_clear(right)?)
                    .map_err(|e| format!("{e}"))?,
            ),
            (_, Value::Opaque(v)) => v.as_ref().clone(),
            _ => return Err(format!("value does not have type {ty}")),
        })
    }
}

pub(crate) fn bool_element<F: PrimeField>(b: bool) -> F {
    if b { F::ONE } else { F::ZERO }
}
