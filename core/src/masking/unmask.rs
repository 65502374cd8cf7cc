//! Unmasking: regroup per name across parties, check the parties agree, recover.
//!
//! Deliberately stricter than the official unmask (docs/masking.md §13), which silently returns
//! wrong values in these cases; here each is an error:
//!
//! - parties that disagree about a value's kind or shape (array length or element type, blob
//!   chunk count or size) → [`UnmaskingError::InconsistentType`] naming the odd party out;
//! - fewer than t + 1 shares of a secret → [`UnmaskingError::NotEnoughShares`];
//! - a public value returned by fewer than min(t + 1, parties in the jar) parties (one node
//!   naming a value the others never returned) → [`UnmaskingError::NotEnoughShares`];
//! - more than t + 1 shares that do not lie on one degree-t polynomial →
//!   [`UnmaskingError::InconsistentShares`], naming the suspect when t + 3 or more shares make
//!   it identifiable;
//! - ECDSA signature shares with different r, or a missing signature share (the sum would be
//!   wrong) → [`UnmaskingError::SignatureRMismatch`] / [`UnmaskingError::NotEnoughShares`];
//! - a blob whose chunk count does not match `original_size`, or whose recovered chunk has
//!   non-zero bytes that would be dropped → [`UnmaskingError::InvalidBlob`];
//! - unknown or duplicate parties, field elements of another prime.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use curve25519_dalek::edwards::EdwardsPoint;
use k256::{ProjectivePoint, Scalar};

use super::shamir::{Interpolator, find_suspect};
use super::{JarError, MaskedValues, PartyId, SecretMasker, UnmaskingError, blob, ecdsa};
use crate::field::{FieldElement, Fp64, Fp128, Fp256, FromFieldElement, Prime, SmallMul};
use crate::values::{
    Array, BlobShares, ClearValue, EcdsaPrivateKey, EcdsaSignature, EddsaPrivateKey,
    EncryptedArray, EncryptedValue, FieldInteger, SecretBlob, SecretBoolean, SecretInteger,
    SecretUnsignedInteger, Tuple, ValueError, ed_base_mul,
};

/// The encrypted values returned by each party, to be unmasked together. A party may appear
/// only once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartyJar {
    parties: BTreeMap<PartyId, BTreeMap<String, EncryptedValue>>,
}

impl PartyJar {
    /// An empty jar.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one party's values.
    ///
    /// # Errors
    /// [`JarError::DuplicateParty`] if the party is already in the jar.
    pub fn add(
        &mut self,
        party: PartyId,
        values: BTreeMap<String, EncryptedValue>,
    ) -> Result<(), JarError> {
        if self.parties.contains_key(&party) {
            return Err(JarError::DuplicateParty(party));
        }
        self.parties.insert(party, values);
        Ok(())
    }

    /// The parties and their values, in party order.
    pub fn parties(&self) -> impl Iterator<Item = (&PartyId, &BTreeMap<String, EncryptedValue>)> {
        self.parties.iter()
    }

    /// Number of parties.
    pub fn len(&self) -> usize {
        self.parties.len()
    }

    /// Whether no party was added.
    pub fn is_empty(&self) -> bool {
        self.parties.is_empty()
    }
}

impl From<MaskedValues> for PartyJar {
    fn from(parties: MaskedValues) -> Self {
        PartyJar { parties }
    }
}

#[derive(Clone, Copy)]
pub(super) struct Entry<'a> {
    pub(super) rank: usize,
    pub(super) party: &'a PartyId,
    pub(super) value: &'a EncryptedValue,
}

pub(super) fn unmask(
    masker: &SecretMasker,
    jar: &PartyJar,
) -> Result<BTreeMap<String, ClearValue>, UnmaskingError> {
    match masker.prime() {
        Prime::U64 => unmask_in::<Fp64>(masker, jar),
        Prime::U128 => unmask_in::<Fp128>(masker, jar),
        Prime::U256 => unmask_in::<Fp256>(masker, jar),
    }
}

fn unmask_in<F: SmallMul + FromFieldElement>(
    masker: &SecretMasker,
    jar: &PartyJar,
) -> Result<BTreeMap<String, ClearValue>, UnmaskingError> {
    // Every party must be known before any value is looked at.
    let mut parties = Vec::with_capacity(jar.parties.len());
    for (party, values) in &jar.parties {
        let rank = masker
            .rank(party)
            .ok_or_else(|| UnmaskingError::UnknownParty(party.clone()))?;
        parties.push((rank, party, values.iter().peekable()));
    }
    let mut ctx = Ctx::<F>::new(masker);
    // Each party's map is sorted by name: merge them, one name at a time in name order, with
    // the entries in party (= rank) order. This replaces a map from name to entries, which
    // cost a search of string comparisons and a vector per name.
    let mut out = Vec::new();
    let mut entries: Vec<Entry<'_>> = Vec::with_capacity(parties.len());
    loop {
        let next = parties
            .iter_mut()
            .filter_map(|(_, _, values)| values.peek().map(|&(name, _)| name.as_str()))
            .min();
        let Some(name) = next else {
            break;
        };
        entries.clear();
        for (rank, party, values) in &mut parties {
            if let Some((_, value)) = values.next_if(|(n, _)| n.as_str() == name) {
                entries.push(Entry {
                    rank: *rank,
                    party,
                    value,
                });
            }
        }
        let value = named_value(&mut ctx, name, &entries, jar.parties.len())?;
        out.push((String::from(name), value));
    }
    // Sorted and unique: bulk-built in linear time.
    Ok(out.into_iter().collect())
}

/// One name's value from the entries of the parties that returned it (in rank order), after
/// the checks that do not depend on the value's kind; `jar_len` parties were asked.
pub(super) fn named_value<F: SmallMul + FromFieldElement>(
    ctx: &mut Ctx<'_, F>,
    name: &str,
    entries: &[Entry<'_>],
    jar_len: usize,
) -> Result<ClearValue, UnmaskingError> {
    let masker = ctx.masker;
    if let Some(party) = odd_one_out(entries, same_shape) {
        return Err(UnmaskingError::InconsistentType {
            name: String::from(name),
            party: party.party.clone(),
            kind: party.value.kind(),
        });
    }
    // A public value has no redundancy of its own: without this, one party could add a
    // value under a name the others never returned. Require as many copies as a secret
    // needs shares, capped by the jar's size (a one-party jar still reads public values,
    // as the official unmask does).
    let needed = (masker.polynomial_degree() + 1).min(jar_len);
    if entries.len() < needed && entries.iter().all(|e| is_public(e.value)) {
        return Err(UnmaskingError::NotEnoughShares {
            name: String::from(name),
            needed,
            got: entries.len(),
        });
    }
    ctx.value(name, entries)
}

/// Whether a value is sent in the clear to every party (nothing secret inside).
fn is_public(value: &EncryptedValue) -> bool {
    use EncryptedValue as E;
    match value {
        E::PublicInteger(_)
        | E::PublicUnsignedInteger(_)
        | E::PublicBoolean(_)
        | E::EcdsaMessageDigest(_)
        | E::EcdsaPublicKey(_)
        | E::StoreId(_)
        | E::EddsaSignature(_)
        | E::EddsaMessage(_)
        | E::EddsaPublicKey(_) => true,
        E::Array(a) => a.values.iter().all(is_public),
        E::Tuple(left, right) => is_public(left) && is_public(right),
        E::ShamirShareInteger(_)
        | E::ShamirShareUnsignedInteger(_)
        | E::ShamirShareBoolean(_)
        | E::ShamirSharesBlob(_)
        | E::EcdsaPrivateKeyShare(_)
        | E::EcdsaSignatureShare(_)
        | E::EddsaPrivateKeyShare(_) => false,
    }
}

/// The entry that disagrees with the majority under `eq`, or `None` if all agree.
fn odd_one_out<'a, 'b>(
    entries: &'b [Entry<'a>],
    eq: impl Fn(&EncryptedValue, &EncryptedValue) -> bool,
) -> Option<&'b Entry<'a>> {
    let first = entries.first()?;
    if entries.iter().all(|e| eq(first.value, e.value)) {
        return None;
    }
    let reference = entries
        .iter()
        .max_by_key(|a| entries.iter().filter(|b| eq(a.value, b.value)).count())?;
    entries.iter().find(|e| !eq(reference.value, e.value))
}

/// Same variant, and for compound values the same structure.
fn same_shape(a: &EncryptedValue, b: &EncryptedValue) -> bool {
    use EncryptedValue as E;
    match (a, b) {
        (E::ShamirSharesBlob(x), E::ShamirSharesBlob(y)) => {
            x.shares.len() == y.shares.len() && x.original_size == y.original_size
        }
        (E::Array(x), E::Array(y)) => {
            x.inner_type == y.inner_type
                && x.values.len() == y.values.len()
                && x.values
                    .iter()
                    .zip(&y.values)
                    .all(|(p, q)| same_shape(p, q))
        }
        (E::Tuple(a1, a2), E::Tuple(b1, b2)) => same_shape(a1, b1) && same_shape(a2, b2),
        _ => core::mem::discriminant(a) == core::mem::discriminant(b),
    }
}

/// The parties of a leaf's shares, as a set of ranks (at most 254 parties).
type RankSet = [u64; 4];

fn rank_set(entries: &[Entry<'_>]) -> RankSet {
    let mut set = [0u64; 4];
    for e in entries {
        if let Some(word) = set.get_mut(e.rank / 64) {
            *word |= 1 << (e.rank % 64);
        }
    }
    set
}

pub(super) struct Ctx<'m, F> {
    masker: &'m SecretMasker,
    /// One interpolator per set of answering parties (entries come in rank order, so the set
    /// determines the abscissas); usually there is only one.
    interpolators: Vec<(RankSet, Interpolator<F>)>,
    /// Scratch ordinates.
    ys: Vec<F>,
}

impl<'m, F: SmallMul + FromFieldElement> Ctx<'m, F> {
    pub(super) fn new(masker: &'m SecretMasker) -> Self {
        Ctx {
            masker,
            interpolators: Vec::new(),
            ys: Vec::new(),
        }
    }

    #[inline]
    fn element(
        &self,
        name: &str,
        entry: &Entry<'_>,
        e: &FieldElement,
    ) -> Result<F, UnmaskingError> {
        F::from_element(e).ok_or_else(|| UnmaskingError::PrimeMismatch {
            name: String::from(name),
            party: entry.party.clone(),
            expected: F::PRIME,
        })
    }

    /// The index of the interpolator for these entries' parties, built on first use.
    fn interpolator(&mut self, name: &str, entries: &[Entry<'_>]) -> Result<usize, UnmaskingError> {
        let degree = self.masker.polynomial_degree();
        let not_enough = || UnmaskingError::NotEnoughShares {
            name: String::from(name),
            needed: degree + 1,
            got: entries.len(),
        };
        if entries.len() < degree + 1 {
            return Err(not_enough());
        }
        let set = rank_set(entries);
        if let Some(index) = self.interpolators.iter().position(|(s, _)| *s == set) {
            return Ok(index);
        }
        let xs: Vec<F> = entries
            .iter()
            .map(|e| F::from_u64(e.rank as u64 + 1))
            .collect();
        let ip = Interpolator::new(&xs, degree).ok_or_else(not_enough)?;
        self.interpolators.push((set, ip));
        Ok(self.interpolators.len() - 1)
    }

    /// Recovers f(0) from one share per entry with interpolator `index`.
    #[inline]
    fn recover_with(
        &self,
        index: usize,
        name: &str,
        entries: &[Entry<'_>],
        ys: &[F],
    ) -> Result<F, UnmaskingError> {
        match self.interpolators.get(index).map(|(_, ip)| ip.recover(ys)) {
            Some(Ok(v)) => Ok(v),
            _ => {
                let xs: Vec<F> = entries
                    .iter()
                    .map(|e| F::from_u64(e.rank as u64 + 1))
                    .collect();
                let suspect = find_suspect(&xs, ys, self.masker.polynomial_degree())
                    .suspect
                    .and_then(|k| entries.get(k))
                    .map(|e| e.party.clone());
                Err(UnmaskingError::InconsistentShares {
                    name: String::from(name),
                    suspect,
                })
            }
        }
    }

    fn shares(&mut self, name: &str, entries: &[Entry<'_>]) -> Result<F, UnmaskingError> {
        let mut ys = core::mem::take(&mut self.ys);
        ys.clear();
        let result = self
            .ordinates(name, entries, &mut ys)
            .and_then(|()| self.interpolator(name, entries))
            .and_then(|index| self.recover_with(index, name, entries, &ys));
        self.ys = ys;
        result
    }

    fn ordinates(
        &self,
        name: &str,
        entries: &[Entry<'_>],
        ys: &mut Vec<F>,
    ) -> Result<(), UnmaskingError> {
        for entry in entries {
            let e = match entry.value {
                EncryptedValue::ShamirShareInteger(e)
                | EncryptedValue::ShamirShareUnsignedInteger(e)
                | EncryptedValue::ShamirShareBoolean(e) => e,
                other => {
                    return Err(UnmaskingError::InconsistentType {
                        name: String::from(name),
                        party: entry.party.clone(),
                        kind: other.kind(),
                    });
                }
            };
            ys.push(self.element(name, entry, e)?);
        }
        Ok(())
    }

    fn public(&self, name: &str, entries: &[Entry<'_>]) -> Result<FieldElement, UnmaskingError> {
        if let Some(odd) = odd_one_out(entries, |a, b| a == b) {
            return Err(UnmaskingError::PublicValueMismatch {
                name: String::from(name),
                party: odd.party.clone(),
            });
        }
        let first = entries.first().ok_or_else(|| not_enough(name, 1, 0))?;
        let e = match first.value {
            EncryptedValue::PublicInteger(e)
            | EncryptedValue::PublicUnsignedInteger(e)
            | EncryptedValue::PublicBoolean(e) => e,
            other => {
                return Err(UnmaskingError::InconsistentType {
                    name: String::from(name),
                    party: first.party.clone(),
                    kind: other.kind(),
                });
            }
        };
        Ok(self.element(name, first, e)?.into_element())
    }

    fn value(&mut self, name: &str, entries: &[Entry<'_>]) -> Result<ClearValue, UnmaskingError> {
        let first = entries.first().ok_or_else(|| not_enough(name, 1, 0))?;
        Ok(match first.value {
            EncryptedValue::ShamirShareInteger(_) => ClearValue::SecretInteger(SecretInteger::new(
                self.shares(name, entries)?.to_integer(),
            )),
            EncryptedValue::ShamirShareUnsignedInteger(_) => ClearValue::SecretUnsignedInteger(
                SecretUnsignedInteger::new(self.shares(name, entries)?.to_unsigned()),
            ),
            EncryptedValue::ShamirShareBoolean(_) => ClearValue::SecretBoolean(SecretBoolean::new(
                !self.shares(name, entries)?.is_zero(),
            )),
            EncryptedValue::PublicInteger(_) => {
                ClearValue::Integer(self.public(name, entries)?.to_integer())
            }
            EncryptedValue::PublicUnsignedInteger(_) => {
                ClearValue::UnsignedInteger(self.public(name, entries)?.to_unsigned())
            }
            EncryptedValue::PublicBoolean(_) => {
                ClearValue::Boolean(self.public(name, entries)?.to_bool())
            }
            EncryptedValue::ShamirSharesBlob(b) => self.blob(name, entries, b)?,
            EncryptedValue::Array(a) => self.array(name, entries, a)?,
            EncryptedValue::Tuple(..) => self.tuple(name, entries)?,
            EncryptedValue::EcdsaPrivateKeyShare(_) => {
                self.key::<crate::values::EcdsaPrivateKeyShare>(name, entries)?
            }
            EncryptedValue::EcdsaSignatureShare(_) => self.ecdsa_signature(name, entries)?,
            EncryptedValue::EddsaPrivateKeyShare(_) => {
                self.key::<crate::values::EddsaPrivateKeyShare>(name, entries)?
            }
            EncryptedValue::EcdsaMessageDigest(_)
            | EncryptedValue::EcdsaPublicKey(_)
            | EncryptedValue::StoreId(_)
            | EncryptedValue::EddsaSignature(_)
            | EncryptedValue::EddsaMessage(_)
            | EncryptedValue::EddsaPublicKey(_) => self.public_opaque(name, entries, first)?,
        })
    }

    /// A blob: one recovery per chunk, all with the same interpolator.
    fn blob(
        &mut self,
        name: &str,
        entries: &[Entry<'_>],
        b: &BlobShares,
    ) -> Result<ClearValue, UnmaskingError> {
        let c = F::PRIME.blob_chunk_bytes();
        if blob::chunk_count(b.original_size, c) != b.shares.len() as u64 {
            return Err(UnmaskingError::InvalidBlob {
                name: String::from(name),
                reason: "chunk count does not match original_size",
            });
        }
        let mut out = Vec::with_capacity(b.shares.len() * c);
        let mut remaining = b.shares.len() * c;
        remaining = remaining.min(usize::try_from(b.original_size).unwrap_or(usize::MAX));
        let mut ys = Vec::with_capacity(entries.len());
        let mut interpolator = None;
        for k in 0..b.shares.len() {
            ys.clear();
            for entry in entries {
                let share = match entry.value {
                    EncryptedValue::ShamirSharesBlob(x) => x.shares.get(k),
                    _ => None,
                };
                let share = share.ok_or_else(|| UnmaskingError::InconsistentType {
                    name: String::from(name),
                    party: entry.party.clone(),
                    kind: entry.value.kind(),
                })?;
                ys.push(self.element(name, entry, share)?);
            }
            let index = match interpolator {
                Some(index) => index,
                None => *interpolator.insert(self.interpolator(name, entries)?),
            };
            let chunk = self.recover_with(index, name, entries, &ys)?;
            let keep = remaining.min(c);
            remaining -= keep;
            if !blob::push_chunk(&mut out, &chunk, keep) {
                return Err(UnmaskingError::InvalidBlob {
                    name: String::from(name),
                    reason: "a recovered chunk has bytes beyond the blob's size",
                });
            }
        }
        Ok(ClearValue::SecretBlob(SecretBlob::new(out)))
    }

    /// An array: each element unmasked across the parties.
    fn array(
        &mut self,
        name: &str,
        entries: &[Entry<'_>],
        a: &EncryptedArray,
    ) -> Result<ClearValue, UnmaskingError> {
        let invalid = |source: ValueError| UnmaskingError::InvalidValue {
            name: String::from(name),
            source,
        };
        for v in &a.values {
            if v.value_type().as_ref() != Some(&a.inner_type) {
                return Err(invalid(ValueError::MixedArray { index: 0 }));
            }
        }
        let mut values = Vec::with_capacity(a.values.len());
        for k in 0..a.values.len() {
            let sub = sub_entries(name, entries, |v| match v {
                EncryptedValue::Array(x) => x.values.get(k),
                _ => None,
            })?;
            values.push(self.value(name, &sub)?);
        }
        Ok(ClearValue::Array(Array::new(values).map_err(invalid)?))
    }

    /// A pair: each side unmasked across the parties.
    fn tuple(&mut self, name: &str, entries: &[Entry<'_>]) -> Result<ClearValue, UnmaskingError> {
        let left = sub_entries(name, entries, |v| match v {
            EncryptedValue::Tuple(l, _) => Some(l.as_ref()),
            _ => None,
        })?;
        let right = sub_entries(name, entries, |v| match v {
            EncryptedValue::Tuple(_, r) => Some(r.as_ref()),
            _ => None,
        })?;
        let l = self.value(name, &left)?;
        let r = self.value(name, &right)?;
        Tuple::new(l, r)
            .map(ClearValue::Tuple)
            .map_err(|source| UnmaskingError::InvalidValue {
                name: String::from(name),
                source,
            })
    }

    /// A public value of the threshold-signature types, which every party must return alike.
    fn public_opaque(
        &self,
        name: &str,
        entries: &[Entry<'_>],
        first: &Entry<'_>,
    ) -> Result<ClearValue, UnmaskingError> {
        self.same_public(name, entries)?;
        Ok(match first.value {
            EncryptedValue::EcdsaMessageDigest(v) => ClearValue::EcdsaDigestMessage(*v),
            EncryptedValue::EcdsaPublicKey(v) => ClearValue::EcdsaPublicKey(*v),
            EncryptedValue::StoreId(v) => ClearValue::StoreId(*v),
            EncryptedValue::EddsaSignature(v) => ClearValue::EddsaSignature(*v),
            EncryptedValue::EddsaMessage(v) => ClearValue::EddsaMessage(v.clone()),
            EncryptedValue::EddsaPublicKey(v) => ClearValue::EddsaPublicKey(*v),
            other => {
                return Err(UnmaskingError::InconsistentType {
                    name: String::from(name),
                    party: first.party.clone(),
                    kind: other.kind(),
                });
            }
        })
    }

    fn same_public(&self, name: &str, entries: &[Entry<'_>]) -> Result<(), UnmaskingError> {
        match odd_one_out(entries, |a, b| a == b) {
            Some(odd) => Err(UnmaskingError::PublicValueMismatch {
                name: String::from(name),
                party: odd.party.clone(),
            }),
            None => Ok(()),
        }
    }

    fn all_parties(&self, name: &str, entries: &[Entry<'_>]) -> Result<(), UnmaskingError> {
        let n = self.masker.parties().len();
        if entries.len() != n {
            return Err(not_enough(name, n, entries.len()));
        }
        Ok(())
    }

    /// An ECDSA or EdDSA private key: the sum of every party's additive share, checked against
    /// the shared public key.
    fn key<S: AdditiveKeyShare>(
        &self,
        name: &str,
        entries: &[Entry<'_>],
    ) -> Result<ClearValue, UnmaskingError> {
        self.all_parties(name, entries)?;
        let bad = |reason| UnmaskingError::InvalidKeyShares {
            name: String::from(name),
            reason,
        };
        let shares: Vec<&S> = entries.iter().filter_map(|e| S::of(e.value)).collect();
        let first = consistent_key_shares(name, &shares)?;
        let sum = S::sum(&shares);
        if !S::opens_to(&sum, first.shared_key()) {
            return Err(bad("shares do not sum to the shared key"));
        }
        S::private_key(sum).ok_or_else(|| bad("the key is zero"))
    }

    fn ecdsa_signature(
        &self,
        name: &str,
        entries: &[Entry<'_>],
    ) -> Result<ClearValue, UnmaskingError> {
        self.all_parties(name, entries)?;
        let r_of = |v: &EncryptedValue| match v {
            EncryptedValue::EcdsaSignatureShare(s) => Some(s.r),
            _ => None,
        };
        if let Some(odd) = odd_one_out(entries, |a, b| r_of(a) == r_of(b)) {
            return Err(UnmaskingError::SignatureRMismatch {
                name: String::from(name),
                party: odd.party.clone(),
            });
        }
        let shares: Vec<_> = entries
            .iter()
            .filter_map(|e| match e.value {
                EncryptedValue::EcdsaSignatureShare(s) => Some(s),
                _ => None,
            })
            .collect();
        let r = shares
            .first()
            .map(|s| s.r)
            .ok_or_else(|| not_enough(name, 1, 0))?;
        let s = ecdsa::combine_sigma(shares.iter().map(|s| &s.sigma)).ok_or(
            UnmaskingError::InvalidKeyShares {
                name: String::from(name),
                reason: "signature shares sum to zero",
            },
        )?;
        EcdsaSignature::from_scalars(r, s)
            .map(ClearValue::EcdsaSignature)
            .map_err(|source| UnmaskingError::InvalidValue {
                name: String::from(name),
                source,
            })
    }
}

fn not_enough(name: &str, needed: usize, got: usize) -> UnmaskingError {
    UnmaskingError::NotEnoughShares {
        name: String::from(name),
        needed,
        got,
    }
}

fn sub_entries<'a>(
    name: &str,
    entries: &[Entry<'a>],
    pick: impl Fn(&'a EncryptedValue) -> Option<&'a EncryptedValue>,
) -> Result<Vec<Entry<'a>>, UnmaskingError> {
    entries
        .iter()
        .map(|e| {
            pick(e.value)
                .map(|value| Entry { value, ..*e })
                .ok_or_else(|| UnmaskingError::InconsistentType {
                    name: String::from(name),
                    party: e.party.clone(),
                    kind: e.value.kind(),
                })
        })
        .collect()
}

/// What the additive key shares of ECDSA and EdDSA have in common for unmasking.
trait AdditiveKeyShare {
    type Point: PartialEq;
    type Secret;
    /// The share carried by `value`, if it is this kind of share.
    fn of(value: &EncryptedValue) -> Option<&Self>;
    fn shared_key(&self) -> &Self::Point;
    fn public_points(&self) -> &[Self::Point];
    fn share_index(&self) -> u32;
    /// The sum of the parties' secret shares.
    fn sum(shares: &[&Self]) -> Self::Secret;
    /// Whether `secret` is the private key of `shared_key`.
    fn opens_to(secret: &Self::Secret, shared_key: &Self::Point) -> bool;
    /// The private key; `None` for zero.
    fn private_key(secret: Self::Secret) -> Option<ClearValue>;
}

impl AdditiveKeyShare for crate::values::EcdsaPrivateKeyShare {
    type Point = k256::AffinePoint;
    type Secret = Scalar;
    fn of(value: &EncryptedValue) -> Option<&Self> {
        match value {
            EncryptedValue::EcdsaPrivateKeyShare(s) => Some(s),
            _ => None,
        }
    }
    fn shared_key(&self) -> &Self::Point {
        self.shared_public_key()
    }
    fn public_points(&self) -> &[Self::Point] {
        self.public_shares()
    }
    fn share_index(&self) -> u32 {
        self.index()
    }
    fn sum(shares: &[&Self]) -> Scalar {
        shares.iter().fold(Scalar::ZERO, |acc, s| acc + s.x())
    }
    fn opens_to(secret: &Scalar, shared_key: &Self::Point) -> bool {
        ProjectivePoint::GENERATOR * secret == ProjectivePoint::from(*shared_key)
    }
    fn private_key(secret: Scalar) -> Option<ClearValue> {
        EcdsaPrivateKey::from_scalar(secret)
            .ok()
            .map(ClearValue::EcdsaPrivateKey)
    }
}

impl AdditiveKeyShare for crate::values::EddsaPrivateKeyShare {
    type Point = EdwardsPoint;
    type Secret = curve25519_dalek::Scalar;
    fn of(value: &EncryptedValue) -> Option<&Self> {
        match value {
            EncryptedValue::EddsaPrivateKeyShare(s) => Some(s),
            _ => None,
        }
    }
    fn shared_key(&self) -> &Self::Point {
        self.shared_public_key()
    }
    fn public_points(&self) -> &[Self::Point] {
        self.public_shares()
    }
    fn share_index(&self) -> u32 {
        self.index()
    }
    fn sum(shares: &[&Self]) -> Self::Secret {
        shares.iter().map(|s| *s.x()).sum()
    }
    fn opens_to(secret: &Self::Secret, shared_key: &Self::Point) -> bool {
        ed_base_mul(secret) == *shared_key
    }
    fn private_key(secret: Self::Secret) -> Option<ClearValue> {
        EddsaPrivateKey::from_scalar(secret)
            .ok()
            .map(ClearValue::EddsaPrivateKey)
    }
}

/// Checks that every party's key share names the same shared key and public shares, one
/// public share per party, and indices 0..n; returns the first share.
fn consistent_key_shares<'a, S: AdditiveKeyShare>(
    name: &str,
    shares: &[&'a S],
) -> Result<&'a S, UnmaskingError> {
    let bad = |reason| UnmaskingError::InvalidKeyShares {
        name: String::from(name),
        reason,
    };
    let first = *shares.first().ok_or_else(|| not_enough(name, 1, 0))?;
    if shares
        .iter()
        .any(|s| s.shared_key() != first.shared_key() || s.public_points() != first.public_points())
    {
        return Err(bad("parties disagree on the public key or public shares"));
    }
    if first.public_points().len() != shares.len() {
        return Err(bad(
            "number of public shares differs from the number of parties",
        ));
    }
    let mut indices: Vec<u32> = shares.iter().map(|s| s.share_index()).collect();
    indices.sort_unstable();
    if indices.iter().enumerate().any(|(i, x)| *x as usize != i) {
        return Err(bad("share indices are not 0..n"));
    }
    Ok(first)
}
