//! The 64-bit safe prime field, on plain `u64`/`u128` arithmetic.

use core::fmt;
use core::ops::{Add, AddAssign, Mul, MulAssign, Neg, Sub, SubAssign};

use crypto_bigint::U256;

use super::{PrimeField, prime::Prime};

/// p = 2^64 − C.
const P: u64 = 0xffff_ffff_c020_0003;
const C: u64 = 0u64.wrapping_sub(P);

/// An element of the field of the 64-bit safe prime, always reduced (< p).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Fp64(u64);

impl Fp64 {
    /// The prime p.
    pub const MODULUS: u64 = P;

    /// `value mod p`.
    pub const fn new(value: u64) -> Self {
        Fp64(if value >= P { value - P } else { value })
    }

    /// The canonical representative in `[0, p)`.
    pub const fn value(self) -> u64 {
        self.0
    }

    /// Reduces a 128-bit product: x = hi·2^64 + lo ≡ hi·C + lo (mod p), twice, then subtracts.
    #[inline]
    fn reduce(x: u128) -> u64 {
        let c = C as u128;
        let t = (x >> 64) * c + (x as u64 as u128);
        let t = (t >> 64) * c + (t as u64 as u128);
        // t < 2^64 + 2^62, so at most two subtractions.
        let mut r = t;
        if r >= P as u128 {
            r -= P as u128;
        }
        if r >= P as u128 {
            r -= P as u128;
        }
        r as u64
    }
}

impl fmt::Debug for Fp64 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fp64({})", self.0)
    }
}

impl Add for Fp64 {
    type Output = Self;
    #[inline]
    fn add(self, rhs: Self) -> Self {
        let (s, carry) = self.0.overflowing_add(rhs.0);
        // Both < p < 2^64: a carry means s + 2^64 ≥ p.
        if carry || s >= P {
            Fp64(s.wrapping_sub(P))
        } else {
            Fp64(s)
        }
    }
}

impl Sub for Fp64 {
    type Output = Self;
    #[inline]
    fn sub(self, rhs: Self) -> Self {
        let (d, borrow) = self.0.overflowing_sub(rhs.0);
        if borrow {
            Fp64(d.wrapping_add(P))
        } else {
            Fp64(d)
        }
    }
}

impl Mul for Fp64 {
    type Output = Self;
    #[inline]
    fn mul(self, rhs: Self) -> Self {
        Fp64(Self::reduce(self.0 as u128 * rhs.0 as u128))
    }
}

impl Neg for Fp64 {
    type Output = Self;
    #[inline]
    fn neg(self) -> Self {
        if self.0 == 0 { self } else { Fp64(P - self.0) }
    }
}

impl AddAssign for Fp64 {
    fn add_assign(&mut self, rhs: Self) {
        *self = *self + rhs;
    }
}
impl SubAssign for Fp64 {
    fn sub_assign(&mut self, rhs: Self) {
        *self = *self - rhs;
    }
}
impl MulAssign for Fp64 {
    fn mul_assign(&mut self, rhs: Self) {
        *self = *self * rhs;
    }
}

impl super::SmallMul for Fp64 {
    #[inline]
    fn mul_small_add(self, k: u32, addend: Self) -> Self {
        // < 2^96 + 2^64: the top word is below 2^32 + 1, so top·C < 2^63.
        let x = self.0 as u128 * k as u128 + addend.0 as u128;
        let (lo, hi) = (x as u64, (x >> 64) as u64);
        let (mut r, carry) = lo.overflowing_add(hi * C);
        if carry {
            // 2^64 ≡ C; r wrapped below hi·C < 2^63, so this cannot overflow.
            r += C;
        }
        // r < 2^64 < 2p: one subtraction.
        Fp64::new(r)
    }
}

impl PrimeField for Fp64 {
    const PRIME: Prime = Prime::U64;
    const ZERO: Self = Fp64(0);
    const ONE: Self = Fp64(1);

    fn from_u64(value: u64) -> Self {
        Fp64::new(value)
    }

    fn from_le_bytes_reduced(bytes: &[u8]) -> Option<Self> {
        let array: [u8; 8] = bytes.try_into().ok()?;
        Some(Fp64::new(u64::from_le_bytes(array)))
    }

    fn from_le_bytes_canonical(bytes: &[u8]) -> Option<Self> {
        let array: [u8; 8] = bytes.try_into().ok()?;
        let v = u64::from_le_bytes(array);
        (v < P).then_some(Fp64(v))
    }

    fn write_le_bytes(&self, out: &mut [u8]) {
        for (o, b) in out.iter_mut().zip(self.0.to_le_bytes()) {
            *o = b;
        }
    }

    fn pow_u64_limbs(&self, exponent: &[u64]) -> Self {
        let mut result = Self::ONE;
        for limb in exponent.iter().rev() {
            for bit in (0..64).rev() {
                result = result * result;
                if (limb >> bit) & 1 == 1 {
                    result *= *self;
                }
            }
        }
        result
    }

    fn inv(&self) -> Option<Self> {
        if self.0 == 0 {
            return None;
        }
        Some(self.pow_u64_limbs(&[P - 2]))
    }

    fn is_zero(&self) -> bool {
        self.0 == 0
    }

    // The conversions below are the provided ones on plain `u64`s instead of 256-bit integers.

    fn from_u256(value: &U256) -> Option<Self> {
        match low_u64(value) {
            Some(v) if v < P => Some(Fp64(v)),
            _ => None,
        }
    }

    fn to_signed(&self) -> (bool, U256) {
        if self.0 <= H {
            (false, U256::from_u64(self.0))
        } else {
            (true, U256::from_u64(P - self.0))
        }
    }

    fn from_signed(negative: bool, magnitude: &U256) -> Option<Self> {
        match low_u64(magnitude) {
            Some(m) if m <= H => {
                let v = Fp64(m);
                Some(if negative { -v } else { v })
            }
            _ => None,
        }
    }
}

/// h = (p − 1) / 2.
const H: u64 = (P - 1) / 2;

/// The value if it fits 64 bits.
#[inline]
fn low_u64(value: &U256) -> Option<u64> {
    if value.bit_width_vartime() > 64 {
        return None;
    }
    let bytes = value.to_le_bytes();
    let mut low = [0u8; 8];
    for (l, b) in low.iter_mut().zip(bytes.as_slice()) {
        *l = *b;
    }
    Some(u64::from_le_bytes(low))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::SmallMul;

    /// Column-wise combinations give what one step per term gives, with extreme values,
    /// large coefficients, both signs and more than one block.
    #[test]
    fn combine_small_matches_term_by_term() {
        let len = 300;
        let columns: Vec<Vec<Fp64>> = (0..5u64)
            .map(|j| {
                (0..len as u64)
                    .map(|i| match (i + j) % 4 {
                        0 => Fp64::new(0),
                        1 => Fp64::new(P - 1),
                        _ => Fp64::new(i.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ j),
                    })
                    .collect()
            })
            .collect();
        let slices: Vec<&[Fp64]> = columns.iter().map(Vec::as_slice).collect();
        let coefficients = [
            (u32::MAX, false),
            (3, true),
            (u32::MAX, true),
            (1, false),
            (0, true),
        ];
        let mut out = vec![Fp64::ZERO; len];
        Fp64::combine_small(&coefficients, &slices, &mut out);
        for (i, got) in out.iter().enumerate() {
            let mut expected = Fp64::ZERO;
            for ((k, minus), column) in coefficients.iter().zip(&columns) {
                let term = Fp64::ZERO
                    .mul_small_add(1, column[i])
                    .mul_small_add(*k, Fp64::ZERO);
                expected = if *minus {
                    expected - term
                } else {
                    expected + term
                };
            }
            assert_eq!(*got, expected, "{i}");
        }
    }

    #[test]
    fn reduce_matches_u128_remainder() {
        let samples = [
            0u64,
            1,
            2,
            P - 1,
            P - 2,
            u64::MAX,
            1 << 63,
            C,
            C + 7,
            0x1234_5678_9abc_def0,
        ];
        for &a in &samples {
            for &b in &samples {
                let expected =
                    ((a as u128 % P as u128) * (b as u128 % P as u128) % P as u128) as u64;
                assert_eq!((Fp64::new(a) * Fp64::new(b)).value(), expected, "{a} * {b}");
                let sum = ((a as u128 % P as u128) + (b as u128 % P as u128)) % P as u128;
                assert_eq!((Fp64::new(a) + Fp64::new(b)).value() as u128, sum);
            }
        }
        assert_eq!(Fp64::reduce(u128::MAX), (u128::MAX % P as u128) as u64);
    }

    #[test]
    fn integer_conversions_match_the_generic_ones() {
        use crate::field::Fp128;
        use crate::values::{FieldInteger, Integer, UnsignedInteger};
        for v in [
            0i128,
            1,
            -1,
            42,
            -42,
            H as i128,
            -(H as i128),
            H as i128 + 1,
            -(H as i128) - 1,
        ] {
            let x = Integer::from(v);
            let ours = Fp64::from_integer(&x).map(|e| e.value());
            let generic = Fp128::from_integer(&x)
                .ok()
                .filter(|_| v.unsigned_abs() <= H as u128);
            assert_eq!(ours.is_ok(), generic.is_some(), "{v}");
            if let Ok(e) = Fp64::from_integer(&x) {
                assert_eq!(e.to_integer(), x);
            }
        }
        assert_eq!(Fp64::new(P - 1).to_integer(), Integer::from(-1i64));
        for v in [
            0u128,
            1,
            P as u128 - 1,
            P as u128,
            u64::MAX as u128,
            1 << 64,
        ] {
            let x = UnsignedInteger::from(v);
            assert_eq!(Fp64::from_unsigned(&x).is_ok(), v < P as u128, "{v}");
        }
    }

    #[test]
    fn inverse() {
        for v in [1u64, 2, 3, 12345, P - 1] {
            let x = Fp64::new(v);
            assert_eq!(x * x.inv().unwrap(), Fp64::ONE);
        }
        assert!(Fp64::ZERO.inv().is_none());
    }
}
