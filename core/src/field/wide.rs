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

macro_rules! wide_field {
    ($name:ident, $uint:ty, $modulus:ty, $prime:expr, $bytes:expr, $doc:expr) => {
        #[doc = $doc]
        #[derive(Clone, Copy, PartialEq, Eq)]
        pub struct $name(ConstMontyForm<$modulus, { <$uint>::LIMBS }>);

        impl $name {
            /// The element for an integer already below p.
            ///
            /// Returns `None` if `value >= p`.
            pub fn from_uint(value: &$uint) -> Option<Self> {
                let modulus = <ConstMontyForm<$modulus, { <$uint>::LIMBS }>>::MODULUS;
                if value.cmp_vartime(modulus.as_ref()).is_lt() {
                    Some($name(ConstMontyForm::new(value)))
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
                $name(ConstMontyForm::new(&v))
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
    "An element of the field of the 128-bit safe prime."
);
wide_field!(
    Fp256,
    U256,
    Modulus256,
    Prime::U256,
    32,
    "An element of the field of the 256-bit safe prime."
);
