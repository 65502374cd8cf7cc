//! Clear integers: signed [`Integer`] and [`UnsignedInteger`], up to the 256-bit prime's range.

use core::fmt;
use core::str::FromStr;

use crypto_bigint::U256;

use super::ValueError;
use crate::field::Prime;

/// A clear signed integer with |x| ≤ h of the 256-bit prime (the widest range any cluster
/// accepts). Whether it fits a smaller prime is checked when masking (docs/masking.md §2).
///
/// ```
/// use nilvm_core::values::Integer;
/// let x: Integer = "-42".parse()?;
/// assert_eq!(x, Integer::from(-42i64));
/// assert_eq!(x.to_i128(), Some(-42));
/// assert_eq!(x.to_string(), "-42");
/// # Ok::<(), nilvm_core::values::ValueError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Integer {
    negative: bool,
    magnitude: U256,
}

impl Integer {
    /// Zero.
    pub const ZERO: Integer = Integer {
        negative: false,
        magnitude: U256::ZERO,
    };

    /// From a sign and a magnitude.
    ///
    /// # Errors
    /// [`ValueError::IntegerOutOfRange`] if the magnitude exceeds h of the 256-bit prime.
    pub fn from_sign_magnitude(negative: bool, magnitude: U256) -> Result<Self, ValueError> {
        if magnitude.cmp_vartime(&Prime::U256.half()).is_gt() {
            return Err(ValueError::IntegerOutOfRange);
        }
        Ok(Self::from_sign_magnitude_unchecked(negative, magnitude))
    }

    /// Callers guarantee |x| ≤ h(U256); zero is normalised to non-negative.
    pub(crate) fn from_sign_magnitude_unchecked(negative: bool, magnitude: U256) -> Self {
        Integer {
            negative: negative && !bool::from(magnitude.is_zero()),
            magnitude,
        }
    }

    /// Whether x < 0.
    pub fn is_negative(&self) -> bool {
        self.negative
    }

    /// |x|.
    pub fn magnitude(&self) -> &U256 {
        &self.magnitude
    }

    /// The value as `i128`, if it fits.
    pub fn to_i128(&self) -> Option<i128> {
        let m = u128_of(&self.magnitude)?;
        if self.negative {
            if m == 1u128 << 127 {
                Some(i128::MIN)
            } else {
                i128::try_from(m).ok().map(|v| -v)
            }
        } else {
            i128::try_from(m).ok()
        }
    }

    /// The value as `i64`, if it fits.
    pub fn to_i64(&self) -> Option<i64> {
        self.to_i128().and_then(|v| i64::try_from(v).ok())
    }

    /// Whether the value fits the signed range of `prime` (−h ≤ x ≤ h).
    pub fn fits(&self, prime: Prime) -> bool {
        self.magnitude.cmp_vartime(&prime.half()).is_le()
    }
}

fn u128_of(v: &U256) -> Option<u128> {
    let bytes = v.to_le_bytes();
    let s = bytes.as_slice();
    if s.get(16..)?.iter().any(|b| *b != 0) {
        return None;
    }
    let mut low = [0u8; 16];
    low.copy_from_slice(s.get(..16)?);
    Some(u128::from_le_bytes(low))
}

impl From<i64> for Integer {
    fn from(v: i64) -> Self {
        Integer::from_sign_magnitude_unchecked(v < 0, U256::from_u64(v.unsigned_abs()))
    }
}

impl From<i128> for Integer {
    fn from(v: i128) -> Self {
        Integer::from_sign_magnitude_unchecked(v < 0, U256::from_u128(v.unsigned_abs()))
    }
}

impl From<i32> for Integer {
    fn from(v: i32) -> Self {
        Integer::from(i64::from(v))
    }
}

impl FromStr for Integer {
    type Err = ValueError;

    /// Parses an optionally signed decimal integer.
    fn from_str(s: &str) -> Result<Self, ValueError> {
        let (negative, digits) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s.strip_prefix('+').unwrap_or(s)),
        };
        let magnitude = parse_decimal(digits)?;
        Integer::from_sign_magnitude(negative, magnitude)
    }
}

fn parse_decimal(digits: &str) -> Result<U256, ValueError> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ValueError::InvalidDecimal);
    }
    U256::from_str_radix_vartime(digits, 10).map_err(|_| ValueError::IntegerOutOfRange)
}

impl fmt::Display for Integer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negative {
            f.write_str("-")?;
        }
        f.write_str(&self.magnitude.to_string_radix_vartime(10))
    }
}

impl fmt::Debug for Integer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Integer({self})")
    }
}

/// A clear unsigned integer below the 256-bit prime. Whether it fits a smaller prime is
/// checked when masking (docs/masking.md §2).
///
/// ```
/// use nilvm_core::values::UnsignedInteger;
/// let x: UnsignedInteger = "18446744072637906946".parse()?;
/// assert_eq!(x.to_u128(), Some(18446744072637906946));
/// assert!("-1".parse::<UnsignedInteger>().is_err());
/// # Ok::<(), nilvm_core::values::ValueError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct UnsignedInteger(U256);

impl UnsignedInteger {
    /// From a 256-bit integer.
    ///
    /// # Errors
    /// [`ValueError::IntegerOutOfRange`] if it is not below the 256-bit prime.
    pub fn from_u256(value: U256) -> Result<Self, ValueError> {
        if value.cmp_vartime(&Prime::U256.modulus()).is_ge() {
            return Err(ValueError::IntegerOutOfRange);
        }
        Ok(UnsignedInteger(value))
    }

    pub(crate) fn from_u256_unchecked(value: U256) -> Self {
        UnsignedInteger(value)
    }

    /// From a signed integer.
    ///
    /// # Errors
    /// [`ValueError::NegativeUnsigned`] for negative values.
    pub fn from_i128(value: i128) -> Result<Self, ValueError> {
        u128::try_from(value)
            .map(Self::from)
            .map_err(|_| ValueError::NegativeUnsigned)
    }

    /// The value.
    pub fn as_u256(&self) -> &U256 {
        &self.0
    }

    /// The value as `u128`, if it fits.
    pub fn to_u128(&self) -> Option<u128> {
        u128_of(&self.0)
    }

    /// The value as `u64`, if it fits.
    pub fn to_u64(&self) -> Option<u64> {
        self.to_u128().and_then(|v| u64::try_from(v).ok())
    }

    /// Whether the value fits the field of `prime` (x < p).
    pub fn fits(&self, prime: Prime) -> bool {
        self.0.cmp_vartime(&prime.modulus()).is_lt()
    }
}

impl From<u64> for UnsignedInteger {
    fn from(v: u64) -> Self {
        UnsignedInteger(U256::from_u64(v))
    }
}

impl From<u128> for UnsignedInteger {
    fn from(v: u128) -> Self {
        UnsignedInteger(U256::from_u128(v))
    }
}

impl From<u32> for UnsignedInteger {
    fn from(v: u32) -> Self {
        UnsignedInteger::from(u64::from(v))
    }
}

impl FromStr for UnsignedInteger {
    type Err = ValueError;

    /// Parses a decimal integer; a leading `-` gives [`ValueError::NegativeUnsigned`].
    fn from_str(s: &str) -> Result<Self, ValueError> {
        if let Some(rest) = s.strip_prefix('-') {
            // "-0" is still zero.
            let m = parse_decimal(rest)?;
            if bool::from(m.is_zero()) {
                return Ok(UnsignedInteger(U256::ZERO));
            }
            return Err(ValueError::NegativeUnsigned);
        }
        UnsignedInteger::from_u256(parse_decimal(s.strip_prefix('+').unwrap_or(s))?)
    }
}

impl fmt::Display for UnsignedInteger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_string_radix_vartime(10))
    }
}

impl fmt::Debug for UnsignedInteger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UnsignedInteger({self})")
    }
}
