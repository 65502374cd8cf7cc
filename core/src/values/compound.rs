//! Arrays and tuples of clear values.

use alloc::boxed::Box;
use alloc::vec::Vec;

use super::{ClearValue, ValueError, ValueType};

/// The deepest type accepted, counting the leaf as one level (docs/masking.md §7).
pub const MAX_TYPE_DEPTH: usize = 100;

/// A non-empty, homogeneous array: every element has exactly the type of the first one
/// (for nested arrays that includes their size). Blobs cannot be elements.
///
/// ```
/// use nilvm_core::values::{Array, ClearValue, SecretInteger, ValueError};
/// let a = Array::new(vec![SecretInteger::from(1i64).into(), SecretInteger::from(2i64).into()])?;
/// assert_eq!(a.len(), 2);
/// let mixed = Array::new(vec![SecretInteger::from(1i64).into(), ClearValue::Boolean(true)]);
/// assert!(matches!(mixed, Err(ValueError::MixedArray { index: 1 })));
/// # Ok::<(), ValueError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Array {
    element_type: ValueType,
    values: Vec<ClearValue>,
}

impl Array {
    /// Builds and validates an array.
    ///
    /// # Errors
    /// [`ValueError::EmptyArray`], [`ValueError::MixedArray`], [`ValueError::BlobInCompound`],
    /// [`ValueError::TooDeep`].
    pub fn new(values: Vec<ClearValue>) -> Result<Self, ValueError> {
        let first = values.first().ok_or(ValueError::EmptyArray)?;
        let element_type = first.value_type();
        if element_type.contains_blob() {
            return Err(ValueError::BlobInCompound);
        }
        if element_type.depth() + 1 > MAX_TYPE_DEPTH {
            return Err(ValueError::TooDeep);
        }
        for (index, v) in values.iter().enumerate().skip(1) {
            if !v.has_type(&element_type) {
                return Err(ValueError::MixedArray { index });
            }
        }
        Ok(Array {
            element_type,
            values,
        })
    }

    /// The type of every element.
    pub fn element_type(&self) -> &ValueType {
        &self.element_type
    }

    /// The elements.
    pub fn values(&self) -> &[ClearValue] {
        &self.values
    }

    /// Unwraps the elements.
    pub fn into_values(self) -> Vec<ClearValue> {
        self.values
    }

    /// Number of elements (never 0).
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Always false: arrays are never empty.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// A pair of clear values (no blobs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tuple {
    left: Box<ClearValue>,
    right: Box<ClearValue>,
}

impl Tuple {
    /// Builds and validates a tuple.
    ///
    /// # Errors
    /// [`ValueError::BlobInCompound`], [`ValueError::TooDeep`].
    pub fn new(left: ClearValue, right: ClearValue) -> Result<Self, ValueError> {
        let (lt, rt) = (left.value_type(), right.value_type());
        if lt.contains_blob() || rt.contains_blob() {
            return Err(ValueError::BlobInCompound);
        }
        if lt.depth().max(rt.depth()) + 1 > MAX_TYPE_DEPTH {
            return Err(ValueError::TooDeep);
        }
        Ok(Tuple {
            left: Box::new(left),
            right: Box::new(right),
        })
    }

    /// The left value.
    pub fn left(&self) -> &ClearValue {
        &self.left
    }

    /// The right value.
    pub fn right(&self) -> &ClearValue {
        &self.right
    }

    /// Unwraps both values.
    pub fn into_parts(self) -> (ClearValue, ClearValue) {
        (*self.left, *self.right)
    }
}
