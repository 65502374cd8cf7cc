//! Arithmetic in the fields of the three nilVM safe primes.
//!
//! Two layers:
//!
//! - [`PrimeField`], implemented by the concrete [`Fp64`], [`Fp128`] and [`Fp256`]: `Copy`
//!   types with the usual operators, for code that is generic over the prime and wants it
//!   monomorphised (the masker and unmasker dispatch once per call, then run on these);
//! - [`FieldElement`], an enum over the three that carries its [`Prime`], for code that picks
//!   the prime at run time (values on the wire, the Nada runtime). Its binary operations are
//!   checked: mixing primes is an error, not a panic.
//!
//! Elements read as signed numbers by [`PrimeField::to_signed`] (docs/masking.md §2): `v ≤ h` is
//! `v`, above is `v − p`; booleans are 1/0. The conversions to and from the clear integer
//! types live with those types (`values::FieldInteger` and `FieldElement::from_integer` in
//! the values module), so this module does not depend on the values. Bytes are fixed-width
//! little-endian (§3).
//!
//! ```
//! use nilvm_core::field::{FieldElement, Prime};
//!
//! let one = FieldElement::from_u64(1, Prime::U64);
//! let minus_one = FieldElement::from_u64(0, Prime::U64).checked_sub(&one)?;
//! assert_eq!(hex::encode(minus_one.to_le_bytes()), "020020c0ffffffff");
//! let two = FieldElement::from_u64(2, Prime::U64);
//! assert_eq!(minus_one.checked_add(&two)?, one);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod prime;
mod u64;
mod wide;

use alloc::vec;
use alloc::vec::Vec;
use core::fmt::Debug;
use core::ops::{Add, AddAssign, Mul, MulAssign, Neg, Sub, SubAssign};

pub use crypto_bigint::U256;
use rand_core::CryptoRng;

pub use self::prime::Prime;
pub use self::u64::Fp64;
pub use self::wide::{Fp128, Fp256};

/// Errors of field arithmetic and conversions.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FieldError {
    /// The two operands belong to different fields.
    #[error("field elements of different primes: {left} and {right}")]
    PrimeMismatch {
        /// The left operand's prime.
        left: Prime,
        /// The right operand's prime.
        right: Prime,
    },
    /// A clear integer does not fit the field (docs/masking.md §2: `overflow`).
    #[error("overflow: the value does not fit the field of {prime}")]
    Overflow {
        /// The field.
        prime: Prime,
    },
    /// Encoded bytes have the wrong length for the field.
    #[error("invalid value length: expected {expected} bytes, got {actual}")]
    InvalidLength {
        /// The field's width.
        expected: usize,
        /// What was given.
        actual: usize,
    },
    /// Zero has no inverse.
    #[error("zero has no multiplicative inverse")]
    ZeroInverse,
}

/// A prime field with a fixed-width little-endian encoding.
///
/// Implemented by [`Fp64`], [`Fp128`] and [`Fp256`]. All values are kept reduced.
pub trait PrimeField:
    Copy
    + Eq
    + Debug
    + Send
    + Sync
    + 'static
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
{
    /// The field's prime.
    const PRIME: Prime;
    /// 0.
    const ZERO: Self;
    /// 1.
    const ONE: Self;

    /// `value mod p`.
    fn from_u64(value: u64) -> Self;

    /// Decodes exactly [`Prime::share_bytes`] little-endian bytes, reducing values ≥ p (the
    /// official reader accepts them, docs/masking.md §3). `None` for any other length.
    fn from_le_bytes_reduced(bytes: &[u8]) -> Option<Self>;

    /// Decodes exactly [`Prime::share_bytes`] little-endian bytes; `None` for another length or
    /// a value ≥ p.
    fn from_le_bytes_canonical(bytes: &[u8]) -> Option<Self>;

    /// Writes the canonical value as little-endian bytes into the first
    /// [`Prime::share_bytes`] bytes of `out`.
    fn write_le_bytes(&self, out: &mut [u8]);

    /// `self ^ exponent`, the exponent given as little-endian 64-bit limbs.
    fn pow_u64_limbs(&self, exponent: &[u64]) -> Self;

    /// The multiplicative inverse; `None` for zero.
    fn inv(&self) -> Option<Self>;

    /// Whether this is 0.
    fn is_zero(&self) -> bool;

    /// The fixed-width little-endian encoding (docs/masking.md §3).
    fn to_le_bytes(&self) -> Vec<u8> {
        let mut out = vec![0u8; Self::PRIME.share_bytes()];
        self.write_le_bytes(&mut out);
        out
    }

    /// `self ^ exponent`.
    fn pow(&self, exponent: u64) -> Self {
        self.pow_u64_limbs(&[exponent])
    }

    /// The canonical value as a 256-bit integer.
    fn to_u256(&self) -> U256 {
        let mut bytes = [0u8; 32];
        self.write_le_bytes(&mut bytes);
        U256::from_le_slice(&bytes)
    }

    /// The element for `value`, or `None` if `value >= p`.
    fn from_u256(value: &U256) -> Option<Self> {
        if value.cmp_vartime(&Self::PRIME.modulus()).is_ge() {
            return None;
        }
        let bytes = value.to_le_bytes();
        let width = Self::PRIME.share_bytes();
        bytes
            .as_slice()
            .get(..width)
            .and_then(Self::from_le_bytes_canonical)
    }

    /// A uniformly random element (rejection sampling on fixed-width bytes).
    // `share_bytes` is 8, 16 or 32: the prefix of the 32-byte buffer always exists.
    #[allow(clippy::indexing_slicing)]
    fn random<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut bytes = [0u8; 32];
        let width = Self::PRIME.share_bytes();
        loop {
            rng.fill_bytes(&mut bytes[..width]);
            // p is within 2^-30 of 2^bits: a rejection is rare.
            if let Some(v) = Self::from_le_bytes_canonical(&bytes[..width]) {
                return v;
            }
        }
    }

    /// The signed reading of docs/masking.md §2 as sign and magnitude: v ≤ h → (+, v), v > h →
    /// (−, p − v). The clear-integer conversions (`values::FieldInteger`) build on it.
    fn to_signed(&self) -> (bool, U256) {
        let v = self.to_u256();
        let prime = Self::PRIME;
        if v.cmp_vartime(&prime.half()).is_le() {
            (false, v)
        } else {
            (true, prime.modulus().wrapping_sub(&v))
        }
    }

    /// The element of the signed integer with this sign and magnitude (docs/masking.md §2); `None`
    /// when the magnitude exceeds h.
    fn from_signed(negative: bool, magnitude: &U256) -> Option<Self> {
        if magnitude.cmp_vartime(&Self::PRIME.half()).is_gt() {
            return None;
        }
        let v = Self::from_u256(magnitude)?;
        Some(if negative { -v } else { v })
    }
}

/// Multiplication by small integers, for the masking hot paths (crate-private, so the public
/// [`PrimeField`] does not grow).
///
/// All three primes are `2^bits − c` with `c < 2^32`, so `a·k + b` for `k < 2^32` needs one
/// limb-by-word product and a fold of the top word, instead of a full field multiplication.
/// Shamir abscissas (1..=n) and the Lagrange coefficients of consecutive abscissas are such
/// small integers. In Montgomery form the same holds: `(aR)·k + bR = (ak + b)R`.
pub(crate) trait SmallMul: PrimeField {
    /// `self · k + addend`.
    fn mul_small_add(self, k: u32, addend: Self) -> Self;

    /// `out[i] = Σ_j ±k_j · columns[j][i]` over `(k_j, minus_j)` in `coefficients` (a Lagrange
    /// combination of many points at once), column by column. Every column is at least as
    /// long as `out`.
    fn combine_small(coefficients: &[(u32, bool)], columns: &[&[Self]], out: &mut [Self]) {
        out.fill(Self::ZERO);
        for ((k, minus), column) in coefficients.iter().zip(columns) {
            // a − k·y = a + k·(−y): one accumulator.
            if *minus {
                for (a, y) in out.iter_mut().zip(column.iter()) {
                    *a = (-*y).mul_small_add(*k, *a);
                }
            } else {
                for (a, y) in out.iter_mut().zip(column.iter()) {
                    *a = y.mul_small_add(*k, *a);
                }
            }
        }
    }

    /// `Some(k)` if this element is the integer `k < 2^32`.
    fn as_small(&self) -> Option<u32> {
        let v = self.to_u256();
        (v.bit_width_vartime() <= 32).then(|| {
            let bytes = v.to_le_bytes();
            let mut low = [0u8; 4];
            for (l, b) in low.iter_mut().zip(bytes.as_slice()) {
                *l = *b;
            }
            u32::from_le_bytes(low)
        })
    }
}

/// A field element that knows its prime: one of [`Fp64`], [`Fp128`], [`Fp256`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldElement {
    /// In the 64-bit field.
    U64(Fp64),
    /// In the 128-bit field.
    U128(Fp128),
    /// In the 256-bit field.
    U256(Fp256),
}

/// Calls `$body` with `$v` bound to the concrete element.
macro_rules! each {
    ($e:expr, $v:ident => $body:expr) => {
        match $e {
            FieldElement::U64($v) => $body,
            FieldElement::U128($v) => $body,
            FieldElement::U256($v) => $body,
        }
    };
}

macro_rules! binary {
    ($name:ident, $op:tt, $doc:expr) => {
        #[doc = $doc]
        ///
        /// # Errors
        /// [`FieldError::PrimeMismatch`] if the operands belong to different fields.
        pub fn $name(&self, rhs: &FieldElement) -> Result<FieldElement, FieldError> {
            match (self, rhs) {
                (FieldElement::U64(a), FieldElement::U64(b)) => Ok(FieldElement::U64(*a $op *b)),
                (FieldElement::U128(a), FieldElement::U128(b)) => Ok(FieldElement::U128(*a $op *b)),
                (FieldElement::U256(a), FieldElement::U256(b)) => Ok(FieldElement::U256(*a $op *b)),
                _ => Err(FieldError::PrimeMismatch { left: self.prime(), right: rhs.prime() }),
            }
        }
    };
}

impl FieldElement {
    /// The element's prime.
    pub fn prime(&self) -> Prime {
        match self {
            FieldElement::U64(_) => Prime::U64,
            FieldElement::U128(_) => Prime::U128,
            FieldElement::U256(_) => Prime::U256,
        }
    }

    /// 0 in the field of `prime`.
    pub fn zero(prime: Prime) -> Self {
        Self::from_u64(0, prime)
    }

    /// 1 in the field of `prime`.
    pub fn one(prime: Prime) -> Self {
        Self::from_u64(1, prime)
    }

    /// `value mod p`.
    pub fn from_u64(value: u64, prime: Prime) -> Self {
        match prime {
            Prime::U64 => FieldElement::U64(Fp64::from_u64(value)),
            Prime::U128 => FieldElement::U128(Fp128::from_u64(value)),
            Prime::U256 => FieldElement::U256(Fp256::from_u64(value)),
        }
    }

    /// The element for `value < p`.
    ///
    /// # Errors
    /// [`FieldError::Overflow`] if `value >= p`.
    pub fn from_u256(value: &U256, prime: Prime) -> Result<Self, FieldError> {
        let e = match prime {
            Prime::U64 => Fp64::from_u256(value).map(FieldElement::U64),
            Prime::U128 => Fp128::from_u256(value).map(FieldElement::U128),
            Prime::U256 => Fp256::from_u256(value).map(FieldElement::U256),
        };
        e.ok_or(FieldError::Overflow { prime })
    }

    /// The canonical value as a 256-bit integer.
    pub fn to_u256(&self) -> U256 {
        each!(self, v => v.to_u256())
    }

    /// Decodes the fixed-width little-endian bytes of §3; values ≥ p are reduced, as the
    /// official reader does.
    ///
    /// # Errors
    /// [`FieldError::InvalidLength`] unless `bytes.len() == prime.share_bytes()`.
    pub fn from_le_bytes(bytes: &[u8], prime: Prime) -> Result<Self, FieldError> {
        let e = match prime {
            Prime::U64 => Fp64::from_le_bytes_reduced(bytes).map(FieldElement::U64),
            Prime::U128 => Fp128::from_le_bytes_reduced(bytes).map(FieldElement::U128),
            Prime::U256 => Fp256::from_le_bytes_reduced(bytes).map(FieldElement::U256),
        };
        e.ok_or(FieldError::InvalidLength {
            expected: prime.share_bytes(),
            actual: bytes.len(),
        })
    }

    /// Like [`FieldElement::from_le_bytes`] but also rejects values ≥ p.
    ///
    /// # Errors
    /// [`FieldError::InvalidLength`] for a wrong length, [`FieldError::Overflow`] for ≥ p.
    pub fn from_le_bytes_canonical(bytes: &[u8], prime: Prime) -> Result<Self, FieldError> {
        if bytes.len() != prime.share_bytes() {
            return Err(FieldError::InvalidLength {
                expected: prime.share_bytes(),
                actual: bytes.len(),
            });
        }
        let e = match prime {
            Prime::U64 => Fp64::from_le_bytes_canonical(bytes).map(FieldElement::U64),
            Prime::U128 => Fp128::from_le_bytes_canonical(bytes).map(FieldElement::U128),
            Prime::U256 => Fp256::from_le_bytes_canonical(bytes).map(FieldElement::U256),
        };
        e.ok_or(FieldError::Overflow { prime })
    }

    /// The fixed-width little-endian encoding (8, 16 or 32 bytes).
    pub fn to_le_bytes(&self) -> Vec<u8> {
        each!(self, v => v.to_le_bytes())
    }

    /// A uniformly random element of the field of `prime`.
    pub fn random<R: CryptoRng + ?Sized>(prime: Prime, rng: &mut R) -> Self {
        match prime {
            Prime::U64 => FieldElement::U64(Fp64::random(rng)),
            Prime::U128 => FieldElement::U128(Fp128::random(rng)),
            Prime::U256 => FieldElement::U256(Fp256::random(rng)),
        }
    }

    binary!(checked_add, +, "`self + rhs`.");
    binary!(checked_sub, -, "`self − rhs`.");
    binary!(checked_mul, *, "`self · rhs`.");

    /// `−self`.
    #[must_use]
    pub fn neg(&self) -> Self {
        match self {
            FieldElement::U64(v) => FieldElement::U64(-*v),
            FieldElement::U128(v) => FieldElement::U128(-*v),
            FieldElement::U256(v) => FieldElement::U256(-*v),
        }
    }

    /// The multiplicative inverse.
    ///
    /// # Errors
    /// [`FieldError::ZeroInverse`] for zero.
    pub fn inv(&self) -> Result<Self, FieldError> {
        let e = match self {
            FieldElement::U64(v) => v.inv().map(FieldElement::U64),
            FieldElement::U128(v) => v.inv().map(FieldElement::U128),
            FieldElement::U256(v) => v.inv().map(FieldElement::U256),
        };
        e.ok_or(FieldError::ZeroInverse)
    }

    /// `self ^ exponent` for any 256-bit exponent.
    #[must_use]
    pub fn pow(&self, exponent: &U256) -> Self {
        let bytes = exponent.to_le_bytes();
        let mut limbs = [0u64; 4];
        for (limb, chunk) in limbs.iter_mut().zip(bytes.as_slice().chunks(8)) {
            let mut b = [0u8; 8];
            b.iter_mut().zip(chunk).for_each(|(d, s)| *d = *s);
            *limb = u64::from_le_bytes(b);
        }
        match self {
            FieldElement::U64(v) => FieldElement::U64(v.pow_u64_limbs(&limbs)),
            FieldElement::U128(v) => FieldElement::U128(v.pow_u64_limbs(&limbs)),
            FieldElement::U256(v) => FieldElement::U256(v.pow_u64_limbs(&limbs)),
        }
    }

    /// Whether this is 0.
    pub fn is_zero(&self) -> bool {
        each!(self, v => v.is_zero())
    }

    /// 1 for true, 0 for false.
    pub fn from_bool(value: bool, prime: Prime) -> Self {
        Self::from_u64(u64::from(value), prime)
    }

    /// Any non-zero value is true (docs/masking.md §2).
    pub fn to_bool(&self) -> bool {
        !self.is_zero()
    }
}

impl From<Fp64> for FieldElement {
    fn from(v: Fp64) -> Self {
        FieldElement::U64(v)
    }
}
impl From<Fp128> for FieldElement {
    fn from(v: Fp128) -> Self {
        FieldElement::U128(v)
    }
}
impl From<Fp256> for FieldElement {
    fn from(v: Fp256) -> Self {
        FieldElement::U256(v)
    }
}

/// Access to the concrete element of a [`FieldElement`], for generic code.
pub trait FromFieldElement: PrimeField {
    /// The concrete element, if `e` belongs to this field.
    fn from_element(e: &FieldElement) -> Option<Self>;
    /// Wraps into a [`FieldElement`].
    fn into_element(self) -> FieldElement;
}

macro_rules! from_element {
    ($ty:ty, $variant:ident) => {
        impl FromFieldElement for $ty {
            #[inline]
            fn from_element(e: &FieldElement) -> Option<Self> {
                match e {
                    FieldElement::$variant(v) => Some(*v),
                    _ => None,
                }
            }
            #[inline]
            fn into_element(self) -> FieldElement {
                FieldElement::$variant(self)
            }
        }
    };
}
from_element!(Fp64, U64);
from_element!(Fp128, U128);
from_element!(Fp256, U256);
