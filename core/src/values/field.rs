//! Clear integers as field elements (docs/masking.md §2): signed integers in `[−h, h]` map to `x`
//! or `p + x`, unsigned integers in `[0, p)` map to themselves.
//!
//! The conversions live here, with the integer types, so the field module knows nothing of
//! the values ([`PrimeField::to_signed`] / [`PrimeField::from_signed`] are its side).
//!
//! ```
//! use nilvm_core::field::{FieldElement, Prime};
//! use nilvm_core::values::Integer;
//!
//! let minus_one = FieldElement::from_integer(&Integer::from(-1i64), Prime::U64)?;
//! assert_eq!(hex::encode(minus_one.to_le_bytes()), "020020c0ffffffff");
//! let two = FieldElement::from_u64(2, Prime::U64);
//! assert_eq!(minus_one.checked_add(&two)?.to_integer(), Integer::from(1i64));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use super::integer::{Integer, UnsignedInteger};
use crate::field::{FieldElement, FieldError, Fp64, Fp128, Fp256, Prime, PrimeField};

/// The clear-integer conversions of every [`PrimeField`] (implemented for all of them).
pub trait FieldInteger: PrimeField {
    /// The signed clear integer of docs/masking.md §2: v ≤ h → v, v > h → v − p.
    fn to_integer(&self) -> Integer {
        let (negative, magnitude) = self.to_signed();
        Integer::from_sign_magnitude_unchecked(negative, magnitude)
    }

    /// The element of a signed clear integer (docs/masking.md §2): −h ≤ x ≤ h, else
    /// [`FieldError::Overflow`].
    fn from_integer(value: &Integer) -> Result<Self, FieldError> {
        Self::from_signed(value.is_negative(), value.magnitude())
            .ok_or(FieldError::Overflow { prime: Self::PRIME })
    }

    /// The element of an unsigned clear integer: 0 ≤ x < p, else [`FieldError::Overflow`].
    fn from_unsigned(value: &UnsignedInteger) -> Result<Self, FieldError> {
        Self::from_u256(value.as_u256()).ok_or(FieldError::Overflow { prime: Self::PRIME })
    }

    /// The unsigned clear integer of this element.
    fn to_unsigned(&self) -> UnsignedInteger {
        UnsignedInteger::from_u256_unchecked(self.to_u256())
    }
}

impl<F: PrimeField> FieldInteger for F {}

impl FieldElement {
    /// The element of a signed clear integer (−h ≤ x ≤ h).
    ///
    /// # Errors
    /// [`FieldError::Overflow`] outside that range.
    pub fn from_integer(value: &Integer, prime: Prime) -> Result<Self, FieldError> {
        Ok(match prime {
            Prime::U64 => FieldElement::U64(Fp64::from_integer(value)?),
            Prime::U128 => FieldElement::U128(Fp128::from_integer(value)?),
            Prime::U256 => FieldElement::U256(Fp256::from_integer(value)?),
        })
    }

    /// The element of an unsigned clear integer (x < p).
    ///
    /// # Errors
    /// [`FieldError::Overflow`] for x ≥ p.
    pub fn from_unsigned(value: &UnsignedInteger, prime: Prime) -> Result<Self, FieldError> {
        Ok(match prime {
            Prime::U64 => FieldElement::U64(Fp64::from_unsigned(value)?),
            Prime::U128 => FieldElement::U128(Fp128::from_unsigned(value)?),
            Prime::U256 => FieldElement::U256(Fp256::from_unsigned(value)?),
        })
    }

    /// The signed clear integer (v ≤ h → v, else v − p).
    pub fn to_integer(&self) -> Integer {
        match self {
            FieldElement::U64(v) => v.to_integer(),
            FieldElement::U128(v) => v.to_integer(),
            FieldElement::U256(v) => v.to_integer(),
        }
    }

    /// The unsigned clear integer (the canonical value).
    pub fn to_unsigned(&self) -> UnsignedInteger {
        match self {
            FieldElement::U64(v) => v.to_unsigned(),
            FieldElement::U128(v) => v.to_unsigned(),
            FieldElement::U256(v) => v.to_unsigned(),
        }
    }
}
