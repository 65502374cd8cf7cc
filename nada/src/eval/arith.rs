//! Integer semantics on field elements (docs/nada.md §7.1): signed values in the symmetric
//! range, unsigned values raw, floor division and modulo, shifts, truncation.

use crypto_bigint::{NonZero, U256, U512};
use nilvm_core::field::PrimeField;

/// A field element read as a true integer: sign and magnitude.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Signed {
    pub negative: bool,
    pub magnitude: U256,
}

/// Reads `v` as signed (symmetric range) or unsigned (raw).
pub(crate) fn read<F: PrimeField>(v: &F, signed: bool) -> Signed {
    let raw = v.to_u256();
    if signed && raw.cmp_vartime(&F::PRIME.half()).is_gt() {
        Signed {
            negative: true,
            magnitude: F::PRIME.modulus().wrapping_sub(&raw),
        }
    } else {
        Signed {
            negative: false,
            magnitude: raw,
        }
    }
}

/// The element of a true integer. Callers pass magnitudes below p (results of division,
/// modulo and shifts never grow); anything larger is reduced, so no input can panic here.
pub(crate) fn write<F: PrimeField>(value: Signed) -> F {
    let magnitude = match F::from_u256(&value.magnitude) {
        Some(m) => m,
        None => {
            let modulus = NonZero::new(F::PRIME.modulus()).into_option();
            let reduced = match modulus {
                Some(m) => value.magnitude.rem_vartime(&m),
                None => U256::ZERO,
            };
            F::from_u256(&reduced).unwrap_or(F::ZERO)
        }
    };
    if value.negative {
        -magnitude
    } else {
        magnitude
    }
}

/// Orders two elements as integers of the given signedness.
pub(crate) fn less_than<F: PrimeField>(a: &F, b: &F, signed: bool) -> bool {
    let (a, b) = (read(a, signed), read(b, signed));
    match (a.negative, b.negative) {
        (true, false) => true,
        (false, true) => false,
        (false, false) => a.magnitude.cmp_vartime(&b.magnitude).is_lt(),
        (true, true) => a.magnitude.cmp_vartime(&b.magnitude).is_gt(),
    }
}

/// The nodes' secret comparison (docs/nada.md §7.2), for `a < b` when either operand is secret:
/// the protocol takes the lowest bit of 2·(a − b), so `a < b` exactly when a − b, reduced mod p,
/// lies in the upper half of the field (reads as negative), whatever the operands' signedness.
/// This is the true order only while the operands are less than p/2 apart: an unsigned
/// difference that wrapped below zero (3 − 10 = p − 7) is *below* every small value.
pub(crate) fn less_than_secret<F: PrimeField>(a: &F, b: &F) -> bool {
    (*a - *b).to_u256().cmp_vartime(&F::PRIME.half()).is_gt()
}

/// Floor division and floor modulo (Python's `//` and `%`): `None` for a zero divisor.
pub(crate) fn div_mod<F: PrimeField>(a: &F, b: &F, signed: bool) -> Option<(F, F)> {
    let (a, b) = (read(a, signed), read(b, signed));
    let divisor = NonZero::new(b.magnitude).into_option()?;
    let (q0, r0) = a.magnitude.div_rem_vartime(&divisor);
    let exact = bool::from(r0.is_zero());
    let (quotient, remainder) = if a.negative == b.negative {
        // Same signs: the truncated quotient is the floor; the remainder takes the sign of b.
        (
            Signed {
                negative: false,
                magnitude: q0,
            },
            Signed {
                negative: b.negative,
                magnitude: r0,
            },
        )
    } else if exact {
        (
            Signed {
                negative: true,
                magnitude: q0,
            },
            Signed {
                negative: false,
                magnitude: U256::ZERO,
            },
        )
    } else {
        // Opposite signs, inexact: round away from zero; remainder |b| − |r| with b's sign.
        (
            Signed {
                negative: true,
                magnitude: q0.wrapping_add(&U256::ONE),
            },
            Signed {
                negative: b.negative,
                magnitude: b.magnitude.wrapping_sub(&r0),
            },
        )
    };
    Some((write(quotient), write(remainder)))
}

/// Reads a shift amount (a raw unsigned element) as a bit count, saturating at `u32::MAX`.
pub(crate) fn shift_amount<F: PrimeField>(m: &F) -> u32 {
    let raw = m.to_u256();
    if raw.bit_width_vartime() > 32 {
        u32::MAX
    } else {
        u32::try_from(exponent_limbs(&raw)[0]).unwrap_or(u32::MAX)
    }
}

/// `a · 2^m mod p` for any `m`: the exponent is taken as its raw value.
pub(crate) fn left_shift<F: PrimeField>(a: &F, m: &F) -> F {
    let two = F::from_u64(2);
    *a * two.pow_u64_limbs(&exponent_limbs(&m.to_u256()))
}

/// `base ^ exponent` with the exponent taken as its raw field value (so `2 ** −1` is
/// `2^(p−1) = 1`, docs/nada.md §7.1).
pub(crate) fn power<F: PrimeField>(base: &F, exponent: &F) -> F {
    base.pow_u64_limbs(&exponent_limbs(&exponent.to_u256()))
}

/// The little-endian 64-bit limbs of a 256-bit integer (independent of the target's word size).
fn exponent_limbs(value: &U256) -> [u64; 4] {
    let bytes = value.to_le_bytes();
    let mut limbs = [0u64; 4];
    for (limb, chunk) in limbs.iter_mut().zip(bytes.as_slice().chunks(8)) {
        let mut b = [0u8; 8];
        b.iter_mut().zip(chunk).for_each(|(d, s)| *d = *s);
        *limb = u64::from_le_bytes(b);
    }
    limbs
}

/// `floor(a / 2^m)` as an integer of the given signedness, plus `a mod 2^m` (non-negative,
/// below 2^m) as a 512-bit integer for the truncation's carry probability.
pub(crate) fn floor_shift<F: PrimeField>(a: &F, m: u32, signed: bool) -> (F, U512) {
    let v = read(a, signed);
    if m == 0 {
        return (*a, U512::ZERO);
    }
    let mag = v.magnitude;
    let (q0, low) = if m >= 256 {
        (U256::ZERO, mag)
    } else {
        let low_mask = U256::MAX.wrapping_shr_vartime(256 - m);
        (mag.wrapping_shr_vartime(m), mag.bitand(&low_mask))
    };
    let exact = bool::from(low.is_zero());
    if !v.negative {
        let q = write::<F>(Signed {
            negative: false,
            magnitude: q0,
        });
        return (q, low.resize());
    }
    if exact {
        let q = write::<F>(Signed {
            negative: true,
            magnitude: q0,
        });
        return (q, U512::ZERO);
    }
    // Negative and inexact: floor rounds away from zero; the remainder is 2^m − low.
    let q = write::<F>(Signed {
        negative: true,
        magnitude: q0.wrapping_add(&U256::ONE),
    });
    let rem = if m >= 512 {
        // 2^m − low does not fit; the probability it stands for is 1 − low/2^m ≈ 1.
        U512::MAX
    } else {
        U512::ONE
            .wrapping_shl_vartime(m)
            .wrapping_sub(&low.resize())
    };
    (q, rem)
}

#[cfg(test)]
mod tests {
    use nilvm_core::field::{Fp64, Fp256};

    use super::*;

    fn s(v: i64) -> Fp256 {
        let e = Fp256::from_u64(v.unsigned_abs());
        if v < 0 { -e } else { e }
    }

    fn signed_value(v: Fp256) -> i64 {
        read(&v, true).magnitude.to_words()[0] as i64 * if read(&v, true).negative { -1 } else { 1 }
    }

    #[test]
    fn floor_division_and_modulo_follow_python() {
        for a in -60i64..=60 {
            for b in -13i64..=13 {
                if b == 0 {
                    assert!(div_mod(&s(a), &s(b), true).is_none());
                    continue;
                }
                let (q, r) = div_mod(&s(a), &s(b), true).unwrap();
                let (eq, er) = (a.div_euclid(b), a.rem_euclid(b));
                // Python floor semantics from Euclid's: adjust when b < 0.
                let (pq, pr) = if b < 0 && er != 0 {
                    (eq - 1, er + b)
                } else {
                    (eq, er)
                };
                assert_eq!((signed_value(q), signed_value(r)), (pq, pr), "{a} {b}");
            }
        }
    }

    #[test]
    fn shifts_floor() {
        for a in -70i64..=70 {
            for m in 0..8u32 {
                let (q, _) = floor_shift(&s(a), m, true);
                assert_eq!(signed_value(q), a.div_euclid(1 << m), "{a} >> {m}");
            }
        }
        let (q, low) = floor_shift(&s(-13), 2, true);
        assert_eq!(signed_value(q), -4);
        assert_eq!(low, U512::from_u64(3));
        let (q, _) = floor_shift(&s(-13), 300, true);
        assert_eq!(signed_value(q), -1);
    }

    #[test]
    fn comparisons_and_powers() {
        assert!(less_than(&s(-4), &s(3), true));
        assert!(!less_than(&s(-4), &s(3), false));
        assert!(less_than(&s(-9), &s(-4), true));
        // The nodes' secret comparison: the sign of the difference, signedness aside.
        let wrapped = s(3) - s(10);
        assert!(less_than(&s(5), &wrapped, false), "public: raw order");
        assert!(
            !less_than_secret(&s(5), &wrapped),
            "secret: 5 - (p - 7) = 12 > 0"
        );
        assert!(less_than_secret(&wrapped, &s(5)));
        assert!(less_than_secret(&s(-4), &s(3)) && !less_than_secret(&s(3), &s(-4)));
        assert!(!less_than_secret(&s(7), &s(7)));
        assert_eq!(power(&s(2), &s(-1)), Fp256::ONE);
        assert_eq!(power(&s(3), &s(4)), s(81));
        assert_eq!(left_shift(&s(-17), &s(4)), s(-272));
        let x = Fp64::from_u64(5);
        assert_eq!(power(&x, &Fp64::from_u64(3)), Fp64::from_u64(125));
    }
}
