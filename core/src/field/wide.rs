//! The 128- and 256-bit safe prime fields, in Montgomery form (`crypto-bigint`).

use core::fmt;
use core::ops::{Add, AddAssign, Mul, MulAssign, Neg, Sub, SubAssign};

use crypto_bigint::modular::ConstMontyForm;
use crypto_bigint::{U128, U256, const_monty_params};

use super::{PrimeField, prime::Prime};

const_monty_params!(
    Modulus128,
    U128,
    "ffffffffffffffffffffffff61400003",
    "The 128-bit safe prime."
);
const_monty_params!(
    Modulus256,
    U256,
    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffff98c00003",
    "The 256-bit safe prime."
);

/// `a·k + b mod p` on little-endian 64-bit words, for p = 2^(64·N) − `c` with `c < 2^32`
/// (`modulus` is p's words). Inputs below 2^(64·N), result canonical (below p).
#[inline]
fn mul_small_add_words<const N: usize>(
    a: &[u64; N],
    k: u32,
    b: &[u64; N],
    c: u64,
    modulus: &[u64; N],
) -> [u64; N] {
    let mut out = [0u64; N];
    let mut carry = 0u64;
    for ((o, a), b) in out.iter_mut().zip(a).zip(b) {
        let t = *a as u128 * k as u128 + *b as u128 + carry as u128;
        *o = t as u64;
        carry = (t >> 64) as u64;
    }
    // a·k + b < 2^(64N + 32): the top word is below 2^32, and 2^(64N) ≡ c.
    let wrapped = add_word(&mut out, carry * c);
    // Wrapping past 2^(64N) leaves a value below 2^64: adding c once more cannot wrap again.
    add_word(&mut out, c & 0u64.wrapping_sub(wrapped));
    // out < 2^(64N) < 2p: subtract p once unless that borrows.
    let mut reduced = [0u64; N];
    let mut borrow = 0u64;
    for ((r, o), m) in reduced.iter_mut().zip(&out).zip(modulus) {
        let (d, b1) = o.overflowing_sub(*m);
        let (d, b2) = d.overflowing_sub(borrow);
        *r = d;
        borrow = u64::from(b1 | b2);
    }
    let keep = 0u64.wrapping_sub(borrow);
    for (o, r) in out.iter_mut().zip(&reduced) {
        *o = (*o & keep) | (*r & !keep);
    }
    out
}

/// Adds a word; returns the carry out (0 or 1).
#[inline]
fn add_word<const N: usize>(out: &mut [u64; N], word: u64) -> u64 {
    let mut carry = word;
    for o in out.iter_mut() {
        let (s, c) = o.overflowing_add(carry);
        *o = s;
        carry = u64::from(c);
    }
    carry
}

macro_rules! wide_field {
    ($name:ident, $uint:ty, $modulus:ty, $prime:expr, $bytes:expr, $words:expr, $c:expr, $doc:expr) => {
        #[doc = $doc]
        #[derive(Clone, Copy, PartialEq, Eq)]
        pub struct $name(ConstMontyForm<$modulus, { <$uint>::LIMBS }>);

        impl $name {
            /// 2^bits − p.
            const C: u64 = $c;
            /// p as little-endian 64-bit words.
            const MODULUS_WORDS: [u64; $words] = {
                let mut words = [u64::MAX; $words];
                words[0] = 0u64.wrapping_sub(Self::C);
                words
            };

            /// Little-endian 64-bit words of an integer.
            #[inline]
            fn words_of(value: &$uint) -> [u64; $words] {
                let bytes = value.to_le_bytes();
                let mut words = [0u64; $words];
                for (w, chunk) in words.iter_mut().zip(bytes.as_slice().chunks_exact(8)) {
                    let mut b = [0u8; 8];
                    b.copy_from_slice(chunk);
                    *w = u64::from_le_bytes(b);
                }
                words
            }

            /// The integer of little-endian 64-bit words.
            #[inline]
            fn uint_of(words: &[u64; $words]) -> $uint {
                let mut bytes = [0u8; $bytes];
                for (chunk, w) in bytes.chunks_exact_mut(8).zip(words) {
                    chunk.copy_from_slice(&w.to_le_bytes());
                }
                <$uint>::from_le_slice(&bytes)
            }

            /// The element whose Montgomery representation is `words` (below p).
            #[inline]
            fn from_montgomery_words(words: &[u64; $words]) -> Self {
                $name(ConstMontyForm::from_montgomery(Self::uint_of(words)))
            }

            /// The Montgomery representation's words.
            #[inline]
            fn montgomery_words(&self) -> [u64; $words] {
                Self::words_of(self.0.as_montgomery())
            }

            /// Into Montgomery form: vR mod p = v·c mod p, since R = 2^bits ≡ c and c < 2^32
            /// (one limb-by-word product instead of a Montgomery multiplication by R²).
            #[inline]
            fn to_montgomery_form(value: &$uint) -> Self {
                let words = mul_small_add_words(
                    &Self::words_of(value),
                    Self::C as u32,
                    &[0u64; $words],
                    Self::C,
                    &Self::MODULUS_WORDS,
                );
                Self::from_montgomery_words(&words)
            }

            /// The element for an integer already below p.
            ///
            /// Returns `None` if `value >= p`.
            pub fn from_uint(value: &$uint) -> Option<Self> {
                let modulus = <ConstMontyForm<$modulus, { <$uint>::LIMBS }>>::MODULUS;
                if value.cmp_vartime(modulus.as_ref()).is_lt() {
                    Some(Self::to_montgomery_form(value))
                } else {
                    None
                }
            }

            /// `value mod p`.
            pub fn from_uint_reduced(value: &$uint) -> Self {
                let modulus = <ConstMontyForm<$modulus, { <$uint>::LIMBS }>>::MODULUS;
                let mut v = *value;
                // p > 2^(bits-1), so one subtraction suffices.
                if v.cmp_vartime(modulus.as_ref()).is_ge() {
                    v = v.wrapping_sub(modulus.as_ref());
                }
                Self::to_montgomery_form(&v)
            }

            /// The canonical representative in `[0, p)`.
            pub fn to_uint(&self) -> $uint {
                self.0.retrieve()
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::ZERO
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}(0x{})", stringify!($name), self.to_uint())
            }
        }

        impl Add for $name {
            type Output = Self;
            #[inline]
            fn add(self, rhs: Self) -> Self {
                $name(self.0.add(&rhs.0))
            }
        }
        impl Sub for $name {
            type Output = Self;
            #[inline]
            fn sub(self, rhs: Self) -> Self {
                $name(self.0.sub(&rhs.0))
            }
        }
        impl Mul for $name {
            type Output = Self;
            #[inline]
            fn mul(self, rhs: Self) -> Self {
                $name(self.0.mul(&rhs.0))
            }
        }
        impl Neg for $name {
            type Output = Self;
            #[inline]
            fn neg(self) -> Self {
                $name(self.0.neg())
            }
        }
        impl AddAssign for $name {
            fn add_assign(&mut self, rhs: Self) {
                *self = *self + rhs;
            }
        }
        impl SubAssign for $name {
            fn sub_assign(&mut self, rhs: Self) {
                *self = *self - rhs;
            }
        }
        impl MulAssign for $name {
            fn mul_assign(&mut self, rhs: Self) {
                *self = *self * rhs;
            }
        }

        impl super::SmallMul for $name {
            #[inline]
            fn mul_small_add(self, k: u32, addend: Self) -> Self {
                let words = mul_small_add_words(
                    &self.montgomery_words(),
                    k,
                    &addend.montgomery_words(),
                    Self::C,
                    &Self::MODULUS_WORDS,
                );
                Self::from_montgomery_words(&words)
            }
        }

        impl PrimeField for $name {
            const PRIME: Prime = $prime;
            const ZERO: Self = $name(ConstMontyForm::ZERO);
            const ONE: Self = $name(ConstMontyForm::ONE);

            fn from_u64(value: u64) -> Self {
                Self::from_uint_reduced(&<$uint>::from_u64(value))
            }

            fn from_le_bytes_reduced(bytes: &[u8]) -> Option<Self> {
                if bytes.len() != $bytes {
                    return None;
                }
                Some(Self::from_uint_reduced(&<$uint>::from_le_slice(bytes)))
            }

            fn from_le_bytes_canonical(bytes: &[u8]) -> Option<Self> {
                if bytes.len() != $bytes {
                    return None;
                }
                Self::from_uint(&<$uint>::from_le_slice(bytes))
            }

            fn write_le_bytes(&self, out: &mut [u8]) {
                let encoded = self.to_uint().to_le_bytes();
                for (o, b) in out.iter_mut().zip(encoded.as_slice()) {
                    *o = *b;
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
                if self.is_zero() {
                    return None;
                }
                Option::<ConstMontyForm<$modulus, { <$uint>::LIMBS }>>::from(
                    self.0.invert_vartime(),
                )
                .map($name)
            }

            fn is_zero(&self) -> bool {
                *self == Self::ZERO
            }
        }
    };
}

wide_field!(
    Fp128,
    U128,
    Modulus128,
    Prime::U128,
    16,
    2,
    0x9ebf_fffd,
    "An element of the field of the 128-bit safe prime."
);
wide_field!(
    Fp256,
    U256,
    Modulus256,
    Prime::U256,
    32,
    4,
    0x673f_fffd,
    "An element of the field of the 256-bit safe prime."
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::SmallMul;

    fn samples<F: PrimeField>() -> alloc::vec::Vec<F> {
        let mut out = alloc::vec![F::ZERO, F::ONE, -F::ONE, -F::ONE - F::ONE];
        let mut x = F::from_u64(0x1234_5678_9abc_def1);
        for _ in 0..40 {
            x = x * x + F::from_u64(7);
            out.push(x);
            out.push(-x);
        }
        out
    }

    fn check<F: PrimeField + SmallMul>() {
        let ks = [
            0u32,
            1,
            2,
            3,
            254,
            0x9ebf_fffd,
            0x673f_fffd,
            u32::MAX - 1,
            u32::MAX,
        ];
        for a in samples::<F>() {
            for b in samples::<F>().into_iter().take(12) {
                for k in ks {
                    let expected = a * F::from_u64(u64::from(k)) + b;
                    assert_eq!(a.mul_small_add(k, b), expected, "{a:?}·{k} + {b:?}");
                }
            }
            let v = a.to_u256();
            assert_eq!(F::from_u256(&v), Some(a));
        }
        assert_eq!(F::from_u64(u32::MAX as u64).as_small(), Some(u32::MAX));
        assert_eq!(F::from_u64(1 << 32).as_small(), None);
        assert_eq!((-F::ONE).as_small(), None);
    }

    #[test]
    fn small_multiplication_matches_full_multiplication() {
        check::<Fp128>();
        check::<Fp256>();
        check::<crate::field::Fp64>();
    }

    #[test]
    fn montgomery_conversion_matches_crypto_bigint() {
        for v in [
            U256::ZERO,
            U256::ONE,
            Prime::U256.modulus().wrapping_sub(&U256::ONE),
        ] {
            let ours = Fp256::from_uint(&v).map(|x| x.0);
            assert_eq!(ours, Some(ConstMontyForm::new(&v)));
        }
        let p128 = U128::from_be_hex("ffffffffffffffffffffffff61400003");
        for v in [
            U128::ZERO,
            U128::ONE,
            p128.wrapping_sub(&U128::ONE),
            U128::MAX,
        ] {
            assert_eq!(
                Fp128::from_uint_reduced(&v).0,
                ConstMontyForm::new(&v.wrapping_sub(&p128).min(v))
            );
        }
    }
}
