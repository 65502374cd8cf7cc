//! The masker: prime, polynomial degree and parties; turns clear values into per-party shares.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use rand_core::CryptoRng;

use super::source::{RandomnessSource, RngSource};
use super::{
    MaskerError, MaskingError, PartyId, PartyJar, UnmaskingError, blob, ecdsa, eddsa, shamir,
    unmask,
};
use crate::field::{FieldElement, Fp64, Fp128, Fp256, FromFieldElement, Prime, SmallMul};
use crate::values::{
    BlobShares, ClearValue, EncryptedArray, EncryptedValue, EncryptedValueType, FieldInteger,
    ValueType,
};

/// The largest supported party count (the official masker fails at 255).
pub const MAX_PARTIES: usize = 254;

/// Mask output: for each party, its encrypted value per name.
pub type MaskedValues = BTreeMap<PartyId, BTreeMap<String, EncryptedValue>>;

/// Shares clear values among a cluster's parties and recovers them.
///
/// Parties are sorted byte-wise; the party at sorted position k gets Shamir abscissa k + 1 and
/// additive-share index k (docs/masking.md §4, §8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretMasker {
    prime: Prime,
    degree: usize,
    parties: Vec<PartyId>,
}

impl SecretMasker {
    /// A masker for the cluster's prime, polynomial degree and party ids (any order).
    ///
    /// # Errors
    /// [`MaskerError::DegreeTooHigh`] if `polynomial_degree >= parties.len()`,
    /// [`MaskerError::TooManyParties`] above 254, [`MaskerError::DuplicateParty`].
    pub fn new(
        prime: Prime,
        polynomial_degree: u64,
        parties: impl IntoIterator<Item = PartyId>,
    ) -> Result<Self, MaskerError> {
        let mut parties: Vec<PartyId> = parties.into_iter().collect();
        parties.sort();
        let duplicate = parties.windows(2).find_map(|w| match w {
            [a, b] if a == b => Some(a),
            _ => None,
        });
        if let Some(party) = duplicate {
            return Err(MaskerError::DuplicateParty(party.clone()));
        }
        if parties.len() > MAX_PARTIES {
            return Err(MaskerError::TooManyParties(parties.len()));
        }
        let n = parties.len();
        let degree = usize::try_from(polynomial_degree)
            .ok()
            .filter(|d| *d < n)
            .ok_or(MaskerError::DegreeTooHigh {
                degree: polynomial_degree,
                parties: n,
            })?;
        Ok(SecretMasker {
            prime,
            degree,
            parties,
        })
    }

    /// The field's prime.
    pub fn prime(&self) -> Prime {
        self.prime
    }

    /// The polynomial degree t (t + 1 shares reconstruct).
    pub fn polynomial_degree(&self) -> usize {
        self.degree
    }

    /// The parties in sorted (abscissa) order.
    pub fn parties(&self) -> &[PartyId] {
        &self.parties
    }

    /// The party's position in sorted order (its additive-share index), if it is a member.
    pub fn rank(&self, party: &PartyId) -> Option<usize> {
        self.parties.binary_search(party).ok()
    }

    /// The party's Shamir abscissa (rank + 1), if it is a member.
    pub fn abscissa(&self, party: &PartyId) -> Option<u64> {
        self.rank(party).map(|r| r as u64 + 1)
    }

    /// Masks every value with randomness from `rng`.
    ///
    /// Returns one map per party (all parties, even for no values).
    ///
    /// # Errors
    /// See [`MaskingError`]; one bad value fails the whole call.
    pub fn mask<R: CryptoRng + ?Sized>(
        &self,
        values: &BTreeMap<String, ClearValue>,
        rng: &mut R,
    ) -> Result<MaskedValues, MaskingError> {
        self.mask_with_source(values, &mut RngSource(rng))
    }

    /// Masks every value, drawing randomness from `source` in the order documented on
    /// [`RandomnessSource`] (values in name order). Deterministic sources are for tests and
    /// simulations only.
    ///
    /// # Errors
    /// See [`MaskingError`].
    pub fn mask_with_source<S: RandomnessSource>(
        &self,
        values: &BTreeMap<String, ClearValue>,
        source: &mut S,
    ) -> Result<MaskedValues, MaskingError> {
        match self.prime {
            Prime::U64 => self.mask_in::<Fp64, S>(values, source),
            Prime::U128 => self.mask_in::<Fp128, S>(values, source),
            Prime::U256 => self.mask_in::<Fp256, S>(values, source),
        }
    }

    /// Masks one value: the encrypted value of each party, in sorted party order.
    ///
    /// # Errors
    /// See [`MaskingError`].
    pub fn mask_value<S: RandomnessSource>(
        &self,
        name: &str,
        value: &ClearValue,
        source: &mut S,
    ) -> Result<Vec<EncryptedValue>, MaskingError> {
        match self.prime {
            Prime::U64 => MaskCtx::<Fp64, S>::new(self, source).value(name, value),
            Prime::U128 => MaskCtx::<Fp128, S>::new(self, source).value(name, value),
            Prime::U256 => MaskCtx::<Fp256, S>::new(self, source).value(name, value),
        }
    }

    fn mask_in<F: SmallMul + FromFieldElement, S: RandomnessSource>(
        &self,
        values: &BTreeMap<String, ClearValue>,
        source: &mut S,
    ) -> Result<MaskedValues, MaskingError> {
        let mut ctx = MaskCtx::<F, S>::new(self, source);
        let mut per_party: Vec<Vec<(String, EncryptedValue)>> = self
            .parties
            .iter()
            .map(|_| Vec::with_capacity(values.len()))
            .collect();
        let mut shares = Vec::with_capacity(self.parties.len());
        for (name, value) in values {
            if let Some((secret, wrap)) = ctx.secret_scalar(name, value)? {
                // The common case, straight into the parties' entries (an encrypted value is
                // 224 bytes: each move through a scratch vector is a copy).
                for (entries, share) in per_party.iter_mut().zip(ctx.share(secret)) {
                    entries.push((name.clone(), wrap(share.into_element())));
                }
                continue;
            }
            shares.clear();
            ctx.value_into(name, value, &mut shares)?;
            for (entries, share) in per_party.iter_mut().zip(shares.drain(..)) {
                entries.push((name.clone(), share));
            }
        }
        // The names come sorted and unique (from a map): collecting bulk-builds each map in
        // linear time, where inserting one by one costs a root-to-leaf search of string
        // comparisons per name and party.
        Ok(self
            .parties
            .iter()
            .cloned()
            .zip(per_party.into_iter().map(BTreeMap::from_iter))
            .collect())
    }

    /// Recovers the clear values from the parties' encrypted values.
    ///
    /// Stricter than the official unmask: see [`UnmaskingError`] and the crate docs.
    ///
    /// # Errors
    /// See [`UnmaskingError`].
    pub fn unmask(&self, jar: &PartyJar) -> Result<BTreeMap<String, ClearValue>, UnmaskingError> {
        unmask::unmask(self, jar)
    }
}

/// Blob chunks whose coefficients are drawn from the source in one call.
const BLOB_BATCH: usize = 128;

/// State of one mask call over field `F`.
pub(super) struct MaskCtx<'a, F, S> {
    masker: &'a SecretMasker,
    source: &'a mut S,
    coefficients: Vec<F>,
    buffer: Vec<F>,
}

impl<'a, F: SmallMul + FromFieldElement, S: RandomnessSource> MaskCtx<'a, F, S> {
    pub(super) fn new(masker: &'a SecretMasker, source: &'a mut S) -> Self {
        MaskCtx {
            masker,
            source,
            coefficients: Vec::new(),
            buffer: Vec::new(),
        }
    }

    fn n(&self) -> usize {
        self.masker.parties.len()
    }

    /// Shares one field element: n elements in party order (abscissas 1..=n).
    pub(super) fn share(&mut self, secret: F) -> &[F] {
        self.coefficients.clear();
        self.coefficients.resize(self.masker.degree, F::ZERO);
        self.source.coefficients(&mut self.coefficients);
        self.buffer.clear();
        shamir::share(secret, &self.coefficients, self.n(), &mut self.buffer);
        &self.buffer
    }

    /// The field element and wrapper of a secret scalar; `None` for other values.
    #[allow(clippy::type_complexity)]
    fn secret_scalar(
        &self,
        name: &str,
        value: &ClearValue,
    ) -> Result<Option<(F, fn(FieldElement) -> EncryptedValue)>, MaskingError> {
        let overflow = || MaskingError::Overflow {
            name: String::from(name),
            prime: F::PRIME,
        };
        Ok(Some(match value {
            ClearValue::SecretInteger(v) => (
                F::from_integer(v.value()).map_err(|_| overflow())?,
                EncryptedValue::ShamirShareInteger,
            ),
            ClearValue::SecretUnsignedInteger(v) => (
                F::from_unsigned(v.value()).map_err(|_| overflow())?,
                EncryptedValue::ShamirShareUnsignedInteger,
            ),
            ClearValue::SecretBoolean(b) => (
                if b.value() { F::ONE } else { F::ZERO },
                EncryptedValue::ShamirShareBoolean,
            ),
            _ => return Ok(None),
        }))
    }

    fn shares_into(
        &mut self,
        secret: F,
        wrap: fn(FieldElement) -> EncryptedValue,
        out: &mut Vec<EncryptedValue>,
    ) {
        out.extend(self.share(secret).iter().map(|s| wrap(s.into_element())));
    }

    fn public_into(&self, v: EncryptedValue, out: &mut Vec<EncryptedValue>) {
        out.extend(core::iter::repeat_n(v, self.n()));
    }

    /// Each party's shares of a blob's chunks, as field elements.
    fn blob_shares(&mut self, bytes: &[u8]) -> Vec<Vec<FieldElement>> {
        let (shares, chunks) = self.blob_columns(bytes);
        shares
            .chunks(chunks.max(1))
            .map(|party| party.iter().map(|e| e.into_element()).collect())
            .collect()
    }

    /// Every party's shares of a blob's chunks, party after party in one vector, and the
    /// number of chunks. The coefficients of [`BLOB_BATCH`] chunks are drawn at once, in the
    /// documented order (chunk by chunk, a1..at within a chunk).
    pub(super) fn blob_columns(&mut self, bytes: &[u8]) -> (Vec<F>, usize) {
        let c = F::PRIME.blob_chunk_bytes();
        let count = bytes.len().div_ceil(c);
        let n = self.n();
        let t = self.masker.degree;
        let mut out = alloc::vec![F::ZERO; n * count];
        // Chunks are read a batch at a time: no vector of the whole blob's chunks.
        let mut secrets = Vec::with_capacity(BLOB_BATCH);
        let mut coefficients = alloc::vec![F::ZERO; BLOB_BATCH * t];
        let mut done = 0;
        for batch in bytes.chunks(c * BLOB_BATCH) {
            secrets.clear();
            blob::chunks_into::<F>(batch, &mut secrets);
            let Some(drawn) = coefficients.get_mut(..secrets.len() * t) else {
                break;
            };
            self.source.coefficients(drawn);
            // Party by party: each part grows by one run of independent evaluations.
            for (x, party) in (1..=n as u32).zip(out.chunks_mut(count.max(1))) {
                let part = party
                    .get_mut(done..done + secrets.len())
                    .unwrap_or_default();
                shamir::evaluate_many(&secrets, drawn, t, x, part);
            }
            done += secrets.len();
        }
        (out, count)
    }

    fn value(
        &mut self,
        name: &str,
        value: &ClearValue,
    ) -> Result<Vec<EncryptedValue>, MaskingError> {
        let mut out = Vec::with_capacity(self.n());
        self.value_into(name, value, &mut out)?;
        Ok(out)
    }

    /// Appends the n parties' encrypted values of `value` to `out`, in party order.
    pub(super) fn value_into(
        &mut self,
        name: &str,
        value: &ClearValue,
        out: &mut Vec<EncryptedValue>,
    ) -> Result<(), MaskingError> {
        let overflow = || MaskingError::Overflow {
            name: String::from(name),
            prime: F::PRIME,
        };
        match value {
            ClearValue::Integer(v) => {
                let e = F::from_integer(v).map_err(|_| overflow())?;
                self.public_into(EncryptedValue::PublicInteger(e.into_element()), out);
            }
            ClearValue::UnsignedInteger(v) => {
                let e = F::from_unsigned(v).map_err(|_| overflow())?;
                self.public_into(EncryptedValue::PublicUnsignedInteger(e.into_element()), out);
            }
            ClearValue::Boolean(b) => {
                let e = if *b { F::ONE } else { F::ZERO };
                self.public_into(EncryptedValue::PublicBoolean(e.into_element()), out);
            }
            ClearValue::SecretInteger(v) => {
                let e = F::from_integer(v.value()).map_err(|_| overflow())?;
                self.shares_into(e, EncryptedValue::ShamirShareInteger, out);
            }
            ClearValue::SecretUnsignedInteger(v) => {
                let e = F::from_unsigned(v.value()).map_err(|_| overflow())?;
                self.shares_into(e, EncryptedValue::ShamirShareUnsignedInteger, out);
            }
            ClearValue::SecretBoolean(b) => {
                let e = if b.value() { F::ONE } else { F::ZERO };
                self.shares_into(e, EncryptedValue::ShamirShareBoolean, out);
            }
            ClearValue::SecretBlob(b) => {
                if b.is_empty() {
                    return Err(MaskingError::EmptyBlob {
                        name: String::from(name),
                    });
                }
                let original_size = u64::try_from(b.len()).map_err(|_| MaskingError::TooLarge {
                    name: String::from(name),
                })?;
                out.extend(self.blob_shares(b.as_bytes()).into_iter().map(|shares| {
                    EncryptedValue::ShamirSharesBlob(BlobShares {
                        shares,
                        original_size,
                    })
                }));
            }
            ClearValue::Array(a) => {
                let inner_type =
                    encrypted_type(a.element_type()).ok_or_else(|| MaskingError::TooLarge {
                        name: String::from(name),
                    })?;
                let mut per_party: Vec<Vec<EncryptedValue>> =
                    (0..self.n()).map(|_| Vec::with_capacity(a.len())).collect();
                let mut element_shares = Vec::with_capacity(self.n());
                for element in a.values() {
                    element_shares.clear();
                    self.value_into(name, element, &mut element_shares)?;
                    for (party, e) in per_party.iter_mut().zip(element_shares.drain(..)) {
                        party.push(e);
                    }
                }
                out.extend(per_party.into_iter().map(|values| {
                    EncryptedValue::Array(EncryptedArray {
                        inner_type: inner_type.clone(),
                        values,
                    })
                }));
            }
            ClearValue::Tuple(t) => {
                let left = self.value(name, t.left())?;
                let right = self.value(name, t.right())?;
                out.extend(
                    left.into_iter()
                        .zip(right)
                        .map(|(l, r)| EncryptedValue::Tuple(l.into(), r.into())),
                );
            }
            ClearValue::EcdsaPrivateKey(k) => {
                if self.n() < 2 {
                    return Err(MaskingError::KeyNeedsTwoParties {
                        name: String::from(name),
                    });
                }
                out.extend(
                    ecdsa::split_key(k, self.n(), &mut *self.source)
                        .into_iter()
                        .map(EncryptedValue::EcdsaPrivateKeyShare),
                );
            }
            ClearValue::EcdsaSignature(s) => out.extend(
                ecdsa::split_signature(s, self.n(), &mut *self.source)
                    .into_iter()
                    .map(EncryptedValue::EcdsaSignatureShare),
            ),
            ClearValue::EddsaPrivateKey(k) => {
                if self.n() < 2 {
                    return Err(MaskingError::KeyNeedsTwoParties {
                        name: String::from(name),
                    });
                }
                out.extend(
                    eddsa::split_key(k, self.n(), &mut *self.source)
                        .into_iter()
                        .map(EncryptedValue::EddsaPrivateKeyShare),
                );
            }
            ClearValue::EcdsaDigestMessage(d) => {
                self.public_into(EncryptedValue::EcdsaMessageDigest(*d), out);
            }
            ClearValue::EcdsaPublicKey(k) => {
                self.public_into(EncryptedValue::EcdsaPublicKey(*k), out);
            }
            ClearValue::StoreId(id) => self.public_into(EncryptedValue::StoreId(*id), out),
            ClearValue::EddsaMessage(m) => {
                self.public_into(EncryptedValue::EddsaMessage(m.clone()), out);
            }
            ClearValue::EddsaSignature(s) => {
                self.public_into(EncryptedValue::EddsaSignature(*s), out);
            }
            ClearValue::EddsaPublicKey(k) => {
                self.public_into(EncryptedValue::EddsaPublicKey(*k), out);
            }
        }
        Ok(())
    }
}

/// The encrypted type of a clear type (`None` for blobs, which have no wire type).
pub(crate) fn encrypted_type(t: &ValueType) -> Option<EncryptedValueType> {
    Some(match t {
        ValueType::Integer => EncryptedValueType::PublicInteger,
        ValueType::UnsignedInteger => EncryptedValueType::PublicUnsignedInteger,
        ValueType::Boolean => EncryptedValueType::PublicBoolean,
        ValueType::SecretInteger => EncryptedValueType::ShamirShareInteger,
        ValueType::SecretUnsignedInteger => EncryptedValueType::ShamirShareUnsignedInteger,
        ValueType::SecretBoolean => EncryptedValueType::ShamirShareBoolean,
        ValueType::SecretBlob => return None,
        ValueType::Array { inner, size } => EncryptedValueType::Array {
            inner: alloc::boxed::Box::new(encrypted_type(inner)?),
            size: *size as u64,
        },
        ValueType::Tuple { left, right } => EncryptedValueType::Tuple {
            left: alloc::boxed::Box::new(encrypted_type(left)?),
            right: alloc::boxed::Box::new(encrypted_type(right)?),
        },
        ValueType::EcdsaPrivateKey => EncryptedValueType::EcdsaPrivateKeyShare,
        ValueType::EcdsaDigestMessage => EncryptedValueType::EcdsaMessageDigest,
        ValueType::EcdsaSignature => EncryptedValueType::EcdsaSignatureShare,
        ValueType::EcdsaPublicKey => EncryptedValueType::EcdsaPublicKey,
        ValueType::StoreId => EncryptedValueType::StoreId,
        ValueType::EddsaPrivateKey => EncryptedValueType::EddsaPrivateKeyShare,
        ValueType::EddsaMessage => EncryptedValueType::EddsaMessage,
        ValueType::EddsaSignature => EncryptedValueType::EddsaSignature,
        ValueType::EddsaPublicKey => EncryptedValueType::EddsaPublicKey,
        #[allow(unreachable_patterns)]
        _ => return None,
    })
}
