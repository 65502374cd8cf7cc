//! Secret scalars and blobs. Their `Debug` never shows the value.

use alloc::vec::Vec;
use core::fmt;

use super::{Integer, UnsignedInteger, ValueError};

/// A secret signed integer: shared among the nodes, never sent in the clear.
///
/// ```
/// use nilvm_core::values::SecretInteger;
/// let s = SecretInteger::from(-7i64);
/// assert_eq!(format!("{s:?}"), "SecretInteger(<redacted>)");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SecretInteger(Integer);

impl SecretInteger {
    /// Wraps a clear integer.
    pub fn new(value: Integer) -> Self {
        SecretInteger(value)
    }
    /// The secret value.
    pub fn value(&self) -> &Integer {
        &self.0
    }
}

impl<T: Into<Integer>> From<T> for SecretInteger {
    fn from(v: T) -> Self {
        SecretInteger(v.into())
    }
}

/// A secret unsigned integer.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SecretUnsignedInteger(UnsignedInteger);

impl SecretUnsignedInteger {
    /// Wraps a clear unsigned integer.
    pub fn new(value: UnsignedInteger) -> Self {
        SecretUnsignedInteger(value)
    }
    /// The secret value.
    pub fn value(&self) -> &UnsignedInteger {
        &self.0
    }
    /// From a signed integer.
    ///
    /// # Errors
    /// [`ValueError::NegativeUnsigned`] for negative values.
    pub fn from_i128(value: i128) -> Result<Self, ValueError> {
        UnsignedInteger::from_i128(value).map(SecretUnsignedInteger)
    }
}

impl<T: Into<UnsignedInteger>> From<T> for SecretUnsignedInteger {
    fn from(v: T) -> Self {
        SecretUnsignedInteger(v.into())
    }
}

/// A secret boolean.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SecretBoolean(bool);

impl SecretBoolean {
    /// Wraps a clear boolean.
    pub fn new(value: bool) -> Self {
        SecretBoolean(value)
    }
    /// The secret value.
    pub fn value(&self) -> bool {
        self.0
    }
}

impl From<bool> for SecretBoolean {
    fn from(v: bool) -> Self {
        SecretBoolean(v)
    }
}

/// A secret byte string, shared chunk by chunk (docs/masking.md §6). `Debug` shows only its length.
///
/// An empty blob can be built, but masking rejects it: the official masker silently drops it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SecretBlob(Vec<u8>);

impl SecretBlob {
    /// Wraps the bytes.
    pub fn new(bytes: Vec<u8>) -> Self {
        SecretBlob(bytes)
    }
    /// The secret bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
    /// Unwraps the bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// Whether the blob is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Vec<u8>> for SecretBlob {
    fn from(v: Vec<u8>) -> Self {
        SecretBlob(v)
    }
}

impl From<&[u8]> for SecretBlob {
    fn from(v: &[u8]) -> Self {
        SecretBlob(v.to_vec())
    }
}

macro_rules! redacted {
    ($($ty:ident),*) => {$(
        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($ty), "(<redacted>)"))
            }
        }
    )*};
}
redacted!(SecretInteger, SecretUnsignedInteger, SecretBoolean);

impl fmt::Debug for SecretBlob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBlob(<redacted {} bytes>)", self.0.len())
    }
}
