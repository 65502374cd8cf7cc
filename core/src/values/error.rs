//! Errors of value construction and decoding.

use alloc::string::String;

/// Why a clear or encrypted value could not be built or decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValueError {
    /// A negative number for an unsigned type.
    #[error("negative value for an unsigned integer")]
    NegativeUnsigned,
    /// The integer is outside the widest range any prime supports.
    #[error("integer out of range for every supported prime")]
    IntegerOutOfRange,
    /// Not a decimal integer.
    #[error("not a decimal integer")]
    InvalidDecimal,
    /// Arrays need at least one element (the element type comes from it).
    #[error("array must have at least one element")]
    EmptyArray,
    /// An array element's type differs from the first element's.
    #[error(
        "only a vector with homogeneous types is allowed: element {index} differs from element 0"
    )]
    MixedArray {
        /// The first differing element.
        index: usize,
    },
    /// A blob inside an array or tuple (there is no wire type for it).
    #[error("a secret blob cannot be nested in an array or tuple")]
    BlobInCompound,
    /// The type is nested more than 100 levels deep (the leaf counts as one).
    #[error("maximum recursion depth of 100 exceeded")]
    TooDeep,
    /// A fixed-size byte value with the wrong length.
    #[error("{what} must be exactly {expected} bytes long, got {actual}")]
    WrongLength {
        /// Which value.
        what: &'static str,
        /// The required length.
        expected: usize,
        /// The given length.
        actual: usize,
    },
    /// A secp256k1 or Ed25519 scalar that is zero or not below the group order.
    #[error("invalid {what}: zero or not below the group order")]
    InvalidScalar {
        /// Which value.
        what: &'static str,
    },
    /// Bytes that do not decode to a curve point.
    #[error("invalid {what}: not a point on the curve")]
    InvalidPoint {
        /// Which value.
        what: &'static str,
    },
    /// A key share that fails its consistency checks.
    #[error("invalid key share: {reason}")]
    InvalidKeyShare {
        /// What failed.
        reason: &'static str,
    },
    /// A protobuf value that cannot be represented.
    #[error("invalid protobuf value: {reason}")]
    InvalidProto {
        /// What is wrong.
        reason: String,
    },
    /// A field element of the wrong width.
    #[error("invalid value length: expected {expected} bytes, got {actual}")]
    InvalidValueLength {
        /// The width of the prime.
        expected: usize,
        /// What was given.
        actual: usize,
    },
}
