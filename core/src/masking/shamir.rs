//! Shamir sharing over a prime field: evaluation, Lagrange interpolation at 0, and the
//! consistency check that finds a tampered share when there is redundancy.

use alloc::vec::Vec;

use crate::field::{PrimeField, SmallMul};

/// f(x) = secret + a1·x + … + at·x^t for `coefficients` = a1..at, by Horner's rule. The
/// abscissa is a small integer (1..=254), so each step is a multiplication by a word, not a
/// full field multiplication.
#[inline]
pub(crate) fn evaluate<F: SmallMul>(secret: F, coefficients: &[F], x: u32) -> F {
    let mut rest = coefficients.iter().rev();
    // Horner starts from the top coefficient itself (0·x + at = at): one step fewer.
    let Some(top) = rest.next() else {
        return secret;
    };
    let mut acc = *top;
    for c in rest {
        acc = acc.mul_small_add(x, *c);
    }
    acc.mul_small_add(x, secret)
}

/// Writes f_i(x) for every secret i into `out[i]`, where f_i's coefficients a1..at are
/// `coefficients[i·t..(i+1)·t]`. Degrees 1 and 2 (3 and 5 parties) get loops of their own.
pub(crate) fn evaluate_many<F: SmallMul>(
    secrets: &[F],
    coefficients: &[F],
    t: usize,
    x: u32,
    out: &mut [F],
) {
    let out = out.iter_mut();
    match t {
        0 => out.zip(secrets).for_each(|(o, s)| *o = *s),
        1 => out
            .zip(secrets.iter().zip(coefficients))
            .for_each(|(o, (s, a1))| *o = a1.mul_small_add(x, *s)),
        2 => out
            .zip(secrets.iter().zip(coefficients.chunks_exact(2)))
            .for_each(|(o, (s, a))| {
                *o = match a {
                    [a1, a2] => a2.mul_small_add(x, *a1).mul_small_add(x, *s),
                    // Chunks of exactly two: never taken.
                    _ => evaluate(*s, a, x),
                }
            }),
        _ => out
            .zip(secrets.iter().zip(coefficients.chunks_exact(t)))
            .for_each(|(o, (s, a))| *o = evaluate(*s, a, x)),
    }
}

/// Elements recovered per block by [`Interpolator::recover_columns`] (its scratch lives on
/// the stack).
pub(crate) const BLOCK: usize = 256;

/// Evaluates f(x) = secret + a1·x + … + at·x^t (`coefficients` = a1..at) at the abscissas
/// 1..=n, appending to `out`.
#[inline]
pub(crate) fn share<F: SmallMul>(secret: F, coefficients: &[F], n: usize, out: &mut Vec<F>) {
    out.extend((1..=n as u32).map(|x| evaluate(secret, coefficients, x)));
}

/// One linear combination of the points' ordinates. When every coefficient is a small signed
/// integer — always the case for consecutive abscissas from 1, i.e. when all parties (or the
/// first t + 1) answer — the combination takes word multiplications instead of full field
/// multiplications.
#[derive(Debug, Clone)]
enum Combination<F> {
    /// `(|c|, c < 0)` per point.
    Small(Vec<(u32, bool)>),
    /// Arbitrary coefficients.
    Full(Vec<F>),
}

impl<F: SmallMul> Combination<F> {
    fn new(coefficients: Vec<F>) -> Self {
        let small: Option<Vec<(u32, bool)>> = coefficients
            .iter()
            .map(|c| {
                c.as_small()
                    .map(|k| (k, false))
                    .or_else(|| (-*c).as_small().map(|k| (k, true)))
            })
            .collect();
        match small {
            Some(small) => Combination::Small(small),
            None => Combination::Full(coefficients),
        }
    }

    fn len(&self) -> usize {
        match self {
            Combination::Small(c) => c.len(),
            Combination::Full(c) => c.len(),
        }
    }

    #[inline]
    fn apply(&self, ys: &[F]) -> F {
        match self {
            Combination::Small(coefficients) => {
                let mut positive = F::ZERO;
                let mut negative = F::ZERO;
                for ((k, minus), y) in coefficients.iter().zip(ys) {
                    if *minus {
                        negative = y.mul_small_add(*k, negative);
                    } else {
                        positive = y.mul_small_add(*k, positive);
                    }
                }
                positive - negative
            }
            Combination::Full(coefficients) => coefficients
                .iter()
                .zip(ys)
                .fold(F::ZERO, |acc, (x, y)| acc + *x * *y),
        }
    }

    /// The combination for many points at once: `out[i]` from `columns[j][i]`, point j's
    /// ordinates. Column by column, so each pass is a run of independent products with the
    /// same coefficient. Every column at least as long as `out`.
    fn apply_columns(&self, columns: &[&[F]], out: &mut [F]) {
        match self {
            Combination::Small(coefficients) => F::combine_small(coefficients, columns, out),
            Combination::Full(coefficients) => {
                out.fill(F::ZERO);
                for (c, column) in coefficients.iter().zip(columns) {
                    for (a, y) in out.iter_mut().zip(column.iter()) {
                        *a += *c * *y;
                    }
                }
            }
        }
    }
}

/// Lagrange coefficients for one set of abscissas: `at_zero` recovers f(0) from the first
/// t + 1 points; `checks[j]` predicts point t + 1 + j from them.
#[derive(Debug, Clone)]
pub(crate) struct Interpolator<F> {
    at_zero: Combination<F>,
    checks: Vec<Combination<F>>,
}

/// A recovered value disagreed with the shares at these positions (index into the points).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Inconsistent {
    /// The position of the single share whose removal makes the rest consistent, if unique.
    pub suspect: Option<usize>,
}

/// 1 / Π_{j≠i}(x_i − x_j) for each i: the part of every λ_i that does not depend on the
/// point, with one field inversion for all of them (Montgomery's trick). `None` if two
/// abscissas are equal.
fn inverse_denominators<F: PrimeField>(xs: &[F]) -> Option<Vec<F>> {
    let denominators: Vec<F> = xs
        .iter()
        .enumerate()
        .map(|(i, xi)| {
            xs.iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .fold(F::ONE, |den, (_, xj)| den * (*xi - *xj))
        })
        .collect();
    let mut prefixes = Vec::with_capacity(denominators.len());
    let mut product = F::ONE;
    for den in &denominators {
        prefixes.push(product);
        product *= *den;
    }
    let mut inverse = product.inv()?;
    let mut out = alloc::vec![F::ZERO; denominators.len()];
    // Walking back: `inverse` is 1 / (d_0 ⋯ d_i) when it meets entry i.
    for ((slot, prefix), den) in out.iter_mut().zip(&prefixes).zip(&denominators).rev() {
        *slot = inverse * *prefix;
        inverse *= *den;
    }
    Some(out)
}

/// λ_i(at) over `xs`: Π_{j≠i} (at − x_j) times `inverse_denominators[i]`.
fn lagrange<F: PrimeField>(xs: &[F], inverse_denominators: &[F], at: F) -> Vec<F> {
    xs.iter()
        .enumerate()
        .zip(inverse_denominators)
        .map(|((i, _), inv)| {
            let num = xs
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .fold(F::ONE, |num, (_, xj)| num * (at - *xj));
            num * *inv
        })
        .collect()
}

impl<F: SmallMul> Interpolator<F> {
    /// For distinct abscissas `xs` (at least `degree + 1`). `None` if they are not distinct.
    pub(crate) fn new(xs: &[F], degree: usize) -> Option<Self> {
        let base = xs.get(..degree + 1)?;
        let inverses = inverse_denominators(base)?;
        let at_zero = Combination::new(lagrange(base, &inverses, F::ZERO));
        let checks = xs
            .iter()
            .skip(degree + 1)
            .map(|x| Combination::new(lagrange(base, &inverses, *x)))
            .collect();
        Some(Interpolator { at_zero, checks })
    }

    /// f(0) from the points' ordinates (same order as the abscissas given to `new`), after
    /// checking every extra point lies on the polynomial through the first t + 1. Each check
    /// is one evaluation of that polynomial (t + 1 products), not a re-interpolation.
    #[inline]
    pub(crate) fn recover(&self, ys: &[F]) -> Result<F, ()> {
        let t1 = self.at_zero.len();
        let (base, extra) = ys.split_at(t1.min(ys.len()));
        for (check, y) in self.checks.iter().zip(extra) {
            if check.apply(base) != *y {
                return Err(());
            }
        }
        Ok(self.at_zero.apply(base))
    }

    /// [`Interpolator::recover`] for many secrets: `columns[j]` holds point j's ordinates
    /// (same order as the abscissas), all of length `out.len()`. `Err(i)` for the first
    /// secret whose extra points disagree.
    pub(crate) fn recover_columns(&self, columns: &[&[F]], out: &mut [F]) -> Result<(), usize> {
        let t1 = self.at_zero.len().min(columns.len());
        let (base, extra) = columns.split_at(t1);
        let mut predicted = [F::ZERO; BLOCK];
        let mut start = 0;
        for block in out.chunks_mut(BLOCK) {
            let end = start + block.len();
            let base_block: Vec<&[F]> = base
                .iter()
                .map(|c| c.get(start..end).unwrap_or_default())
                .collect();
            for (check, column) in self.checks.iter().zip(extra) {
                let predicted = predicted.get_mut(..block.len()).unwrap_or_default();
                check.apply_columns(&base_block, predicted);
                let actual = column.get(start..end).unwrap_or_default();
                if let Some(i) = predicted.iter().zip(actual).position(|(p, y)| p != y) {
                    return Err(start + i);
                }
                if actual.len() != predicted.len() {
                    return Err(start + actual.len());
                }
            }
            self.at_zero.apply_columns(&base_block, block);
            start = end;
        }
        Ok(())
    }
}

/// After a failed check, looks for the one share whose removal leaves a consistent set.
/// This needs at least t + 3 points: then t + 2 honest points remain to vouch for each other.
pub(crate) fn find_suspect<F: SmallMul>(xs: &[F], ys: &[F], degree: usize) -> Inconsistent {
    if xs.len() < degree + 3 {
        return Inconsistent { suspect: None };
    }
    let mut found = None;
    for k in 0..xs.len() {
        let sub_x: Vec<F> = xs
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != k)
            .map(|(_, x)| *x)
            .collect();
        let sub_y: Vec<F> = ys
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != k)
            .map(|(_, y)| *y)
            .collect();
        let consistent = Interpolator::new(&sub_x, degree)
            .map(|ip| ip.recover(&sub_y).is_ok())
            .unwrap_or(false);
        if consistent {
            if found.is_some() {
                return Inconsistent { suspect: None };
            }
            found = Some(k);
        }
    }
    Inconsistent { suspect: found }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::Fp64;

    #[test]
    fn share_and_recover() {
        let xs: Vec<Fp64> = (1..=5).map(Fp64::from_u64).collect();
        let coefficients = [Fp64::from_u64(8_000_024), Fp64::from_u64(9_000_027)];
        let mut out = Vec::new();
        share(Fp64::from_u64(42), &coefficients, 5, &mut out);
        for (x, y) in xs.iter().zip(&out) {
            let expected = Fp64::from_u64(42) + coefficients[0] * *x + coefficients[1] * *x * *x;
            assert_eq!(*y, expected);
        }
        let ip = Interpolator::new(&xs, 2).unwrap();
        assert_eq!(ip.recover(&out), Ok(Fp64::from_u64(42)));
        // A missing party: abscissas 1, 3, 4, 5 give fractional Lagrange coefficients (the
        // full-multiplication path); 1, 2, 3 small integers.
        for keep in [
            [0usize, 2, 3, 4].as_slice(),
            &[0, 1, 2],
            &[1, 3, 4],
            &[4, 2, 0],
        ] {
            let sub_x: Vec<Fp64> = keep.iter().map(|i| xs[*i]).collect();
            let sub_y: Vec<Fp64> = keep.iter().map(|i| out[*i]).collect();
            let ip = Interpolator::new(&sub_x, 2).unwrap();
            assert_eq!(ip.recover(&sub_y), Ok(Fp64::from_u64(42)), "{keep:?}");
            let mut bad = sub_y.clone();
            bad[0] += Fp64::ONE;
            assert_eq!(ip.recover(&bad).is_err(), keep.len() > 3, "{keep:?}");
        }
        out[3] += Fp64::ONE;
        assert!(ip.recover(&out).is_err());
        assert_eq!(find_suspect(&xs, &out, 2).suspect, Some(3));
    }

    /// Column-wise recovery agrees with point-wise recovery, over more than one block, on
    /// both the small-integer and the full-multiplication paths, and finds the first bad one.
    #[test]
    fn columns_recover_like_points() {
        let count = BLOCK + 37;
        let secrets: Vec<Fp64> = (0..count as u64)
            .map(|i| Fp64::from_u64(i * 7919))
            .collect();
        for keep in [[0usize, 1, 2, 3, 4].as_slice(), &[0, 2, 3, 4], &[1, 2, 4]] {
            let mut columns: Vec<Vec<Fp64>> = keep.iter().map(|_| Vec::new()).collect();
            for (i, secret) in secrets.iter().enumerate() {
                let a = [Fp64::from_u64(i as u64 + 3), Fp64::from_u64(1 << 40)];
                for (column, k) in columns.iter_mut().zip(keep) {
                    column.push(evaluate(*secret, &a, *k as u32 + 1));
                }
            }
            let xs: Vec<Fp64> = keep.iter().map(|k| Fp64::from_u64(*k as u64 + 1)).collect();
            let ip = Interpolator::new(&xs, 2).unwrap();
            let slices: Vec<&[Fp64]> = columns.iter().map(Vec::as_slice).collect();
            let mut out = vec![Fp64::ZERO; count];
            assert_eq!(ip.recover_columns(&slices, &mut out), Ok(()), "{keep:?}");
            assert_eq!(out, secrets, "{keep:?}");
            let last = columns.len() - 1;
            columns[last][BLOCK + 5] += Fp64::ONE;
            let slices: Vec<&[Fp64]> = columns.iter().map(Vec::as_slice).collect();
            let expected = if keep.len() > 3 {
                Err(BLOCK + 5)
            } else {
                Ok(())
            };
            assert_eq!(ip.recover_columns(&slices, &mut out), expected, "{keep:?}");
        }
    }
}
