//! Packed shares: the output of one mask call held as columns, one per party, with the names
//! held once (borrowed from the caller's map) instead of a named map per party.
//! See [`PackedShares`].

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use nilvm_proto::nillion::values::v1::value as pb;

use super::masker::MaskCtx;
use super::shamir::{BLOCK, Interpolator, find_suspect};
use super::source::{RandomnessSource, RngSource};
use super::unmask::{Ctx, Entry, named_value};
use super::{MaskedValues, MaskingError, PartyId, SecretMasker, UnmaskingError, blob, shamir};
use crate::field::{FieldElement, Fp64, Fp128, Fp256, FromFieldElement, Prime, SmallMul};
use crate::values::proto::value_to_proto;
use crate::values::{
    BlobShares, ClearValue, EncryptedValue, FieldInteger, SecretBlob, SecretBoolean, SecretInteger,
    SecretUnsignedInteger, ValueError,
};

/// Field elements of one prime, each at its own width.
#[derive(Clone, PartialEq, Eq)]
enum Column {
    U64(Vec<Fp64>),
    U128(Vec<Fp128>),
    U256(Vec<Fp256>),
}

impl Column {
    fn len(&self) -> usize {
        match self {
            Column::U64(v) => v.len(),
            Column::U128(v) => v.len(),
            Column::U256(v) => v.len(),
        }
    }

    fn get(&self, index: usize) -> Option<FieldElement> {
        match self {
            Column::U64(v) => v.get(index).map(|e| e.into_element()),
            Column::U128(v) => v.get(index).map(|e| e.into_element()),
            Column::U256(v) => v.get(index).map(|e| e.into_element()),
        }
    }

    /// Elements `start..end` (none if out of range).
    fn to_elements(&self, start: usize, end: usize) -> Vec<FieldElement> {
        fn range<F: Packed>(v: &[F], start: usize, end: usize) -> Vec<FieldElement> {
            let part = v.get(start..end).unwrap_or_default();
            part.iter().map(|e| e.into_element()).collect()
        }
        match self {
            Column::U64(v) => range(v, start, end),
            Column::U128(v) => range(v, start, end),
            Column::U256(v) => range(v, start, end),
        }
    }
}

/// The concrete fields, with their column.
trait Packed: SmallMul + FromFieldElement {
    fn column(c: &Column) -> Option<&[Self]>;
    fn wrap(v: Vec<Self>) -> Column;
}

macro_rules! packed {
    ($ty:ty, $variant:ident) => {
        impl Packed for $ty {
            #[inline]
            fn column(c: &Column) -> Option<&[Self]> {
                match c {
                    Column::$variant(v) => Some(v),
                    _ => None,
                }
            }
            fn wrap(v: Vec<Self>) -> Column {
                Column::$variant(v)
            }
        }
    };
}
packed!(Fp64, U64);
packed!(Fp128, U128);
packed!(Fp256, U256);

/// How one value is held: the scalar kinds take the next element of the party's column, a
/// blob the next blob, anything else the next encrypted value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    SecretInteger,
    SecretUnsignedInteger,
    SecretBoolean,
    PublicInteger,
    PublicUnsignedInteger,
    PublicBoolean,
    Blob,
    Other,
}

impl Slot {
    fn is_secret(self) -> bool {
        matches!(
            self,
            Slot::SecretInteger | Slot::SecretUnsignedInteger | Slot::SecretBoolean
        )
    }

    /// The clear value of a recovered secret of this kind.
    fn secret<F: Packed>(self, secret: &F) -> ClearValue {
        match self {
            Slot::SecretInteger => {
                ClearValue::SecretInteger(SecretInteger::new(secret.to_integer()))
            }
            Slot::SecretUnsignedInteger => {
                ClearValue::SecretUnsignedInteger(SecretUnsignedInteger::new(secret.to_unsigned()))
            }
            _ => ClearValue::SecretBoolean(SecretBoolean::new(!secret.is_zero())),
        }
    }

    fn wrap(self, e: FieldElement) -> Option<EncryptedValue> {
        Some(match self {
            Slot::SecretInteger => EncryptedValue::ShamirShareInteger(e),
            Slot::SecretUnsignedInteger => EncryptedValue::ShamirShareUnsignedInteger(e),
            Slot::SecretBoolean => EncryptedValue::ShamirShareBoolean(e),
            Slot::PublicInteger => EncryptedValue::PublicInteger(e),
            Slot::PublicUnsignedInteger => EncryptedValue::PublicUnsignedInteger(e),
            Slot::PublicBoolean => EncryptedValue::PublicBoolean(e),
            Slot::Blob | Slot::Other => return None,
        })
    }
}

/// Every party's shares of a blob, party after party (`chunks` each), in one allocation: n
/// separate megabyte-sized vectors were each returned to the system when dropped, and paid
/// their page faults again at the next call.
#[derive(Clone, PartialEq, Eq)]
struct Blob {
    original_size: u64,
    chunks: usize,
    shares: Column,
}

/// One party's shares of the values of a [`PackedShares`] other than blobs (which the
/// [`PackedShares`] holds for every party at once), in name order.
#[derive(Clone, PartialEq, Eq)]
pub struct PartyShares {
    party: PartyId,
    /// The party's position at masking: its part of every [`Blob`].
    index: usize,
    elements: Column,
    others: Vec<EncryptedValue>,
}

impl PartyShares {
    /// The party.
    pub fn party(&self) -> &PartyId {
        &self.party
    }
}

impl core::fmt::Debug for PartyShares {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Shares are secret (with degree 0 a share is the value): only the counts.
        f.debug_struct("PartyShares")
            .field("party", &self.party)
            .field("elements", &self.elements.len())
            .field("others", &self.others.len())
            .finish()
    }
}

/// The shares of one mask call for every party, packed. `'v` is the lifetime of the masked
/// map, whose names are kept by reference.
///
/// [`SecretMasker::mask`] returns, for every party, a map from an owned name to an
/// [`EncryptedValue`]: per value and party that is a string allocation, a map node and an enum
/// sized for its largest variant, which costs far more than the sharing's arithmetic. Here a
/// scalar share is one field element in a vector of its own width (8 bytes at 64 bits), a
/// blob's shares are one such vector for all parties, and only the rare other values (arrays, tuples, keys,
/// signatures, public opaque values) are kept as encrypted values. The same values reach the
/// wire: [`PackedShares::to_named_values`] and [`PackedShares::to_masked_values`] give exactly
/// what [`SecretMasker::mask`] would have given for the same randomness.
///
/// ```
/// use std::collections::BTreeMap;
/// use nilvm_core::field::Prime;
/// use nilvm_core::masking::{PartyId, SecretMasker};
/// use nilvm_core::values::{ClearValue, SecretInteger};
///
/// let parties: Vec<PartyId> = (1u8..=3).map(|i| PartyId::new(vec![i])).collect();
/// let masker = SecretMasker::new(Prime::U64, 1, parties)?;
/// let values = BTreeMap::from([
///     ("a".to_string(), ClearValue::from(SecretInteger::from(7i64))),
///     ("b".to_string(), ClearValue::from(SecretInteger::from(-8i64))),
/// ]);
/// let mut shares = masker.mask_packed(&values, &mut rand::rng())?;
/// assert_eq!(shares.names(), ["a", "b"]);
/// // Any two of the three parties recover the values, in name order.
/// shares.retain_parties(|party| party.as_bytes() != [2]);
/// let clear = masker.unmask_packed(&shares)?;
/// assert_eq!(clear, values.into_values().collect::<Vec<_>>());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct PackedShares<'v> {
    prime: Prime,
    names: Vec<&'v str>,
    /// The kind of each value, the same for every party.
    slots: Vec<Slot>,
    /// The blobs, in name order.
    blobs: Vec<Blob>,
    /// In party (= abscissa) order.
    parties: Vec<PartyShares>,
}

impl core::fmt::Debug for PackedShares<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PackedShares")
            .field("prime", &self.prime)
            .field("names", &self.names.len())
            .field("blobs", &self.blobs.len())
            .field("parties", &self.parties)
            .finish()
    }
}

impl<'v> PackedShares<'v> {
    /// The field's prime.
    pub fn prime(&self) -> Prime {
        self.prime
    }

    /// The names of the values, sorted.
    pub fn names(&self) -> &[&'v str] {
        &self.names
    }

    /// The parties, in sorted (abscissa) order.
    pub fn parties(&self) -> impl Iterator<Item = &PartyId> {
        self.parties.iter().map(|p| &p.party)
    }

    /// Keeps only the parties for which `keep` is true (e.g. the nodes that answered).
    pub fn retain_parties(&mut self, mut keep: impl FnMut(&PartyId) -> bool) {
        self.parties.retain(|p| keep(&p.party));
    }

    /// One party's values as encrypted values, in name order; `None` for a party not here.
    pub fn encrypted_values(&self, party: &PartyId) -> Option<Vec<(&'v str, EncryptedValue)>> {
        let shares = self.parties.iter().find(|p| p.party == *party)?;
        Some(self.expand(shares))
    }

    fn expand(&self, shares: &PartyShares) -> Vec<(&'v str, EncryptedValue)> {
        let mut elements = 0;
        let mut blobs = self.blobs.iter();
        let mut others = shares.others.iter();
        let mut out = Vec::with_capacity(self.names.len());
        for (name, slot) in self.names.iter().zip(&self.slots) {
            // The columns were filled in slot order, so each cursor always has an item.
            let value = match slot {
                Slot::Blob => blobs.next().map(|b| {
                    EncryptedValue::ShamirSharesBlob(BlobShares {
                        shares: b
                            .shares
                            .to_elements(shares.index * b.chunks, (shares.index + 1) * b.chunks),
                        original_size: b.original_size,
                    })
                }),
                Slot::Other => others.next().cloned(),
                scalar => {
                    elements += 1;
                    shares
                        .elements
                        .get(elements - 1)
                        .and_then(|e| scalar.wrap(e))
                }
            };
            if let Some(value) = value {
                out.push((*name, value));
            }
        }
        out
    }

    /// Every party's named map: what [`SecretMasker::mask`] returns for the same randomness.
    pub fn to_masked_values(&self) -> MaskedValues {
        self.parties
            .iter()
            .map(|p| {
                let named = self
                    .expand(p)
                    .into_iter()
                    .map(|(name, v)| (String::from(name), v))
                    .collect();
                (p.party.clone(), named)
            })
            .collect()
    }

    /// One party's values as the `NamedValue` list of a store-values or invoke-compute request,
    /// byte for byte what [`crate::values::proto::to_named_values`] gives for that party's map of
    /// [`SecretMasker::mask`]; `Ok(None)` for a party not here.
    ///
    /// # Errors
    /// See [`value_to_proto`].
    pub fn to_named_values(
        &self,
        party: &PartyId,
    ) -> Result<Option<Vec<nilvm_proto::nillion::values::v1::value::NamedValue>>, ValueError> {
        let Some(values) = self.encrypted_values(party) else {
            return Ok(None);
        };
        values
            .into_iter()
            .map(|(name, v)| {
                Ok(pb::NamedValue {
                    name: String::from(name),
                    value: Some(value_to_proto(&v)?),
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }
}

/// Consecutive secret scalars whose coefficients are drawn in one call.
const SCALAR_BATCH: usize = 256;

impl SecretMasker {
    /// Masks every value with randomness from `rng`, into packed shares ([`PackedShares`]):
    /// the same shares as [`SecretMasker::mask`] would give for the same randomness.
    ///
    /// # Errors
    /// See [`MaskingError`]; one bad value fails the whole call.
    pub fn mask_packed<'v, R: rand_core::CryptoRng + ?Sized>(
        &self,
        values: &'v BTreeMap<String, ClearValue>,
        rng: &mut R,
    ) -> Result<PackedShares<'v>, MaskingError> {
        self.mask_packed_with_source(values, &mut RngSource(rng))
    }

    /// [`SecretMasker::mask_packed`] drawing from `source`, in the order documented on
    /// [`RandomnessSource`] (the same draws as [`SecretMasker::mask_with_source`]).
    ///
    /// # Errors
    /// See [`MaskingError`].
    pub fn mask_packed_with_source<'v, S: RandomnessSource>(
        &self,
        values: &'v BTreeMap<String, ClearValue>,
        source: &mut S,
    ) -> Result<PackedShares<'v>, MaskingError> {
        match self.prime() {
            Prime::U64 => self.mask_packed_in::<Fp64, S>(values, source),
            Prime::U128 => self.mask_packed_in::<Fp128, S>(values, source),
            Prime::U256 => self.mask_packed_in::<Fp256, S>(values, source),
        }
    }

    fn mask_packed_in<'v, F: Packed, S: RandomnessSource>(
        &self,
        values: &'v BTreeMap<String, ClearValue>,
        source: &mut S,
    ) -> Result<PackedShares<'v>, MaskingError> {
        let n = self.parties().len();
        let t = self.polynomial_degree();
        let mut columns: Vec<Vec<F>> = (0..n).map(|_| Vec::with_capacity(values.len())).collect();
        let mut blobs = Vec::new();
        let mut others: Vec<Vec<EncryptedValue>> = (0..n).map(|_| Vec::new()).collect();
        let mut slots = Vec::with_capacity(values.len());
        let mut names = Vec::with_capacity(values.len());
        // Secret scalars waiting for their coefficients, drawn for a whole run at once: the
        // same values, in the same order, as one draw per value.
        let mut pending: Vec<F> = Vec::with_capacity(SCALAR_BATCH);
        let mut coefficients = alloc::vec![F::ZERO; SCALAR_BATCH * t];
        let mut scratch = Vec::with_capacity(n);
        for (name, value) in values {
            names.push(name.as_str());
            let overflow = || MaskingError::Overflow {
                name: String::from(name),
                prime: F::PRIME,
            };
            let secret = match value {
                ClearValue::SecretInteger(v) => Some((
                    F::from_integer(v.value()).map_err(|_| overflow())?,
                    Slot::SecretInteger,
                )),
                ClearValue::SecretUnsignedInteger(v) => Some((
                    F::from_unsigned(v.value()).map_err(|_| overflow())?,
                    Slot::SecretUnsignedInteger,
                )),
                ClearValue::SecretBoolean(b) => Some((
                    if b.value() { F::ONE } else { F::ZERO },
                    Slot::SecretBoolean,
                )),
                _ => None,
            };
            if let Some((e, slot)) = secret {
                slots.push(slot);
                pending.push(e);
                if pending.len() == SCALAR_BATCH {
                    share_batch(&mut pending, &mut coefficients, t, &mut columns, source);
                }
                continue;
            }
            // Anything else may draw randomness: the pending scalars draw first.
            share_batch(&mut pending, &mut coefficients, t, &mut columns, source);
            let public = match value {
                ClearValue::Integer(v) => Some((
                    F::from_integer(v).map_err(|_| overflow())?,
                    Slot::PublicInteger,
                )),
                ClearValue::UnsignedInteger(v) => Some((
                    F::from_unsigned(v).map_err(|_| overflow())?,
                    Slot::PublicUnsignedInteger,
                )),
                ClearValue::Boolean(b) => {
                    Some((if *b { F::ONE } else { F::ZERO }, Slot::PublicBoolean))
                }
                _ => None,
            };
            if let Some((e, slot)) = public {
                slots.push(slot);
                columns.iter_mut().for_each(|c| c.push(e));
                continue;
            }
            let mut ctx = MaskCtx::<F, S>::new(self, source);
            if let ClearValue::SecretBlob(b) = value {
                let original_size = blob_size(name, b)?;
                slots.push(Slot::Blob);
                let (shares, chunks) = ctx.blob_columns(b.as_bytes());
                blobs.push(Blob {
                    original_size,
                    chunks,
                    shares: F::wrap(shares),
                });
                continue;
            }
            scratch.clear();
            ctx.value_into(name, value, &mut scratch)?;
            slots.push(Slot::Other);
            for (party, v) in others.iter_mut().zip(scratch.drain(..)) {
                party.push(v);
            }
        }
        share_batch(&mut pending, &mut coefficients, t, &mut columns, source);
        let parties = self
            .parties()
            .iter()
            .zip(columns.into_iter().zip(others))
            .enumerate()
            .map(|(index, (party, (elements, others)))| PartyShares {
                party: party.clone(),
                index,
                elements: F::wrap(elements),
                others,
            })
            .collect();
        Ok(PackedShares {
            prime: F::PRIME,
            names,
            slots,
            blobs,
            parties,
        })
    }

    /// Recovers the clear values of packed shares, in [`PackedShares::names`] order, from the
    /// parties they still hold. The same checks as [`SecretMasker::unmask`].
    ///
    /// # Errors
    /// See [`UnmaskingError`].
    pub fn unmask_packed(
        &self,
        shares: &PackedShares<'_>,
    ) -> Result<Vec<ClearValue>, UnmaskingError> {
        match self.prime() {
            Prime::U64 => self.unmask_packed_in::<Fp64>(shares),
            Prime::U128 => self.unmask_packed_in::<Fp128>(shares),
            Prime::U256 => self.unmask_packed_in::<Fp256>(shares),
        }
    }

    fn unmask_packed_in<F: Packed>(
        &self,
        shares: &PackedShares<'_>,
    ) -> Result<Vec<ClearValue>, UnmaskingError> {
        let names = &shares.names;
        let name_at = |i: usize| names.get(i).copied().unwrap_or_default();
        let mut parties = Vec::with_capacity(shares.parties.len());
        for p in &shares.parties {
            let rank = self
                .rank(&p.party)
                .ok_or_else(|| UnmaskingError::UnknownParty(p.party.clone()))?;
            let column = F::column(&p.elements).ok_or_else(|| UnmaskingError::PrimeMismatch {
                name: String::from(name_at(0)),
                party: p.party.clone(),
                expected: F::PRIME,
            })?;
            parties.push((rank, p, column));
        }
        parties.sort_by_key(|(rank, _, _)| *rank);
        let degree = self.polynomial_degree();
        let xs: Vec<F> = parties
            .iter()
            .map(|(rank, _, _)| F::from_u64(*rank as u64 + 1))
            .collect();
        // One interpolator for every secret: every party holds every value.
        let interpolator = Interpolator::new(&xs, degree);
        let not_enough = |name: &str| UnmaskingError::NotEnoughShares {
            name: String::from(name),
            needed: degree + 1,
            got: parties.len(),
        };
        let inconsistent = |name: &str, ys: &[F]| UnmaskingError::InconsistentShares {
            name: String::from(name),
            suspect: find_suspect(&xs, ys, degree)
                .suspect
                .and_then(|k| parties.get(k))
                .map(|(_, p, _)| p.party.clone()),
        };
        let mut ctx = Ctx::<F>::new(self);
        let mut out = Vec::with_capacity(names.len());
        // Runs of secrets are recovered a block at a time, in cache.
        let mut recovered = [F::ZERO; BLOCK];
        let mut blob_chunks: Vec<F> = Vec::with_capacity(BLOCK);
        let mut columns: Vec<&[F]> = Vec::with_capacity(parties.len());
        let mut element = 0;
        let mut blob_index = 0;
        let mut other = 0;
        let mut i = 0;
        while let Some(slot) = shares.slots.get(i) {
            let name = name_at(i);
            if slot.is_secret() {
                // A run of secret scalars: their shares are consecutive in every column, and
                // are recovered column by column.
                let run = shares
                    .slots
                    .get(i..)
                    .unwrap_or_default()
                    .iter()
                    .take(BLOCK)
                    .take_while(|s| s.is_secret())
                    .count();
                let ip = interpolator.as_ref().ok_or_else(|| not_enough(name))?;
                columns.clear();
                for (_, p, column) in &parties {
                    let shares = column.get(element..element + run).ok_or_else(|| {
                        UnmaskingError::InconsistentType {
                            name: String::from(name),
                            party: p.party.clone(),
                            kind: "shamir_share_integer",
                        }
                    })?;
                    columns.push(shares);
                }
                let block = recovered.get_mut(..run).unwrap_or_default();
                if let Err(k) = ip.recover_columns(&columns, block) {
                    let ys: Vec<F> = columns.iter().filter_map(|c| c.get(k).copied()).collect();
                    return Err(inconsistent(name_at(i + k), &ys));
                }
                let run_slots = shares.slots.get(i..i + run).unwrap_or_default();
                out.extend(
                    run_slots
                        .iter()
                        .zip(block.iter())
                        .map(|(slot, secret)| slot.secret(secret)),
                );
                element += run;
                i += run;
                continue;
            }
            let value = match slot {
                Slot::PublicInteger | Slot::PublicUnsignedInteger | Slot::PublicBoolean => {
                    let at = element;
                    element += 1;
                    let mut copies = parties.iter().map(|(_, p, c)| (p, c.get(at)));
                    let (_, first) = copies.next().ok_or_else(|| not_enough(name))?;
                    let first = first.ok_or_else(|| not_enough(name))?;
                    if let Some((p, _)) = copies.find(|(_, e)| *e != Some(first)) {
                        return Err(UnmaskingError::PublicValueMismatch {
                            name: String::from(name),
                            party: p.party.clone(),
                        });
                    }
                    match slot {
                        Slot::PublicInteger => ClearValue::Integer(first.to_integer()),
                        Slot::PublicUnsignedInteger => {
                            ClearValue::UnsignedInteger(first.to_unsigned())
                        }
                        _ => ClearValue::Boolean(!first.is_zero()),
                    }
                }
                Slot::Blob => {
                    let b = shares.blobs.get(blob_index);
                    blob_index += 1;
                    let ip = interpolator.as_ref().ok_or_else(|| not_enough(name))?;
                    let holders: Vec<&PartyShares> = parties.iter().map(|(_, p, _)| *p).collect();
                    recover_blob(name, b, &holders, ip, &mut blob_chunks, &inconsistent)?
                }
                _ => {
                    let entries: Vec<Entry<'_>> = parties
                        .iter()
                        .filter_map(|(rank, p, _)| {
                            p.others.get(other).map(|value| Entry {
                                rank: *rank,
                                party: &p.party,
                                value,
                            })
                        })
                        .collect();
                    other += 1;
                    named_value(&mut ctx, name, &entries, parties.len())?
                }
            };
            out.push(value);
            i += 1;
        }
        Ok(out)
    }
}

/// Shares the pending secrets: draws their coefficients (secret by secret, a1..at within
/// one) and appends each party's share to its column.
fn share_batch<F: Packed, S: RandomnessSource>(
    pending: &mut Vec<F>,
    coefficients: &mut [F],
    t: usize,
    columns: &mut [Vec<F>],
    source: &mut S,
) {
    if pending.is_empty() {
        return;
    }
    let Some(drawn) = coefficients.get_mut(..pending.len() * t) else {
        return;
    };
    source.coefficients(drawn);
    for (x, column) in (1u32..).zip(columns.iter_mut()) {
        let start = column.len();
        column.resize(start + pending.len(), F::ZERO);
        let out = column.get_mut(start..).unwrap_or_default();
        shamir::evaluate_many(pending, drawn, t, x, out);
    }
    pending.clear();
}

fn blob_size(name: &str, b: &SecretBlob) -> Result<u64, MaskingError> {
    if b.is_empty() {
        return Err(MaskingError::EmptyBlob {
            name: String::from(name),
        });
    }
    u64::try_from(b.len()).map_err(|_| MaskingError::TooLarge {
        name: String::from(name),
    })
}

/// A blob from every party's shares of it, with the checks of [`SecretMasker::unmask`].
fn recover_blob<F: Packed>(
    name: &str,
    b: Option<&Blob>,
    parties: &[&PartyShares],
    ip: &Interpolator<F>,
    recovered: &mut Vec<F>,
    inconsistent: &impl Fn(&str, &[F]) -> UnmaskingError,
) -> Result<ClearValue, UnmaskingError> {
    let odd = |party: &PartyId| UnmaskingError::InconsistentType {
        name: String::from(name),
        party: party.clone(),
        kind: "shamir_shares_blob",
    };
    let first = parties.first().map(|p| &p.party);
    let (Some(b), Some(first)) = (b, first) else {
        return Err(UnmaskingError::NotEnoughShares {
            name: String::from(name),
            needed: 1,
            got: 0,
        });
    };
    let all = F::column(&b.shares).ok_or_else(|| UnmaskingError::PrimeMismatch {
        name: String::from(name),
        party: first.clone(),
        expected: F::PRIME,
    })?;
    let mut columns = Vec::with_capacity(parties.len());
    for p in parties {
        let part = p.index * b.chunks..(p.index + 1) * b.chunks;
        columns.push(all.get(part).ok_or_else(|| odd(&p.party))?);
    }
    let (original_size, chunks) = (b.original_size, b.chunks);
    let c = F::PRIME.blob_chunk_bytes();
    if blob::chunk_count(original_size, c) != chunks as u64 {
        return Err(UnmaskingError::InvalidBlob {
            name: String::from(name),
            reason: "chunk count does not match original_size",
        });
    }
    let mut remaining = usize::try_from(original_size)
        .unwrap_or(usize::MAX)
        .min(chunks * c);
    let mut out = Vec::with_capacity(remaining);
    // A block of chunks at a time, through a buffer that stays in cache.
    let mut start = 0;
    while start < chunks {
        let end = (start + BLOCK).min(chunks);
        let block: Vec<&[F]> = columns
            .iter()
            .map(|column| column.get(start..end).unwrap_or_default())
            .collect();
        recovered.clear();
        recovered.resize(end - start, F::ZERO);
        if let Err(k) = ip.recover_columns(&block, recovered) {
            let ys: Vec<F> = block.iter().filter_map(|c| c.get(k).copied()).collect();
            return Err(inconsistent(name, &ys));
        }
        for chunk in recovered.iter() {
            let keep = remaining.min(c);
            remaining -= keep;
            if !blob::push_chunk(&mut out, chunk, keep) {
                return Err(UnmaskingError::InvalidBlob {
                    name: String::from(name),
                    reason: "a recovered chunk has bytes beyond the blob's size",
                });
            }
        }
        start = end;
    }
    Ok(ClearValue::SecretBlob(SecretBlob::new(out)))
}
