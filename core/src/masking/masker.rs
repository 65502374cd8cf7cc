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
use crate::field::{FieldElement, Fp64, Fp128, Fp256, FromFieldElement, Prime, PrimeField};
use crate::values::{
    BlobShares, ClearValue, EncryptedArray, EncryptedValue, EncryptedValueType, ValueType,
};

/// The largest supported party count (the official masker fails at 255).
pub const MAX_PARTIES: usize = 254;

/// Mask output: for each party, its encrypted value per name.
pub type MaskedValues = BTreeMap<PartyId, BTreeMap<String, EncryptedValue>>;

/// Shares clear values among a cluster's parties and recovers them.
///
/// Parties are sorted byte-wise; the party at sorted position k gets Shamir abscissa k + 1 and
/// additive-share index k (masking.md §4, §8).
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
        if let Some(w) = parties.windows(2).find(|w| w[0] == w[1]) {
            return Err(MaskerError::DuplicateParty(w[0].clone()));
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

    fn mask_in<F: PrimeField + FromFieldElement, S: RandomnessSource>(
        &self,
        values: &BTreeMap<String, ClearValue>,
        source: &mut S,
    ) -> Result<MaskedValues, MaskingError> {
        let mut ctx = MaskCtx::<F, S>::new(self, source);
        let mut per_party: Vec<BTreeMap<String, EncryptedValue>> =
            self.parties.iter().map(|_| BTreeMap::new()).collect();
        for (name, value) in values {
            let shares = ctx.value(name, value)?;
            for (map, share) in per_party.iter_mut().zip(shares) {
                map.insert(name.clone(), share);
            }
        }
        Ok(self.parties.iter().cloned().zip(per_party).collect())
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

/// State of one mask call over field `F`.
pub(super) struct MaskCtx<'a, F, S> {
    masker: &'a SecretMasker,
    source: &'a mut S,
    xs: Vec<F>,
    coefficients: Vec<F>,
    buffer: Vec<F>,
}

impl<'a, F: PrimeField + FromFieldElement, S: RandomnessSource> MaskCtx<'a, F, S> {
    fn new(masker: &'a SecretMasker, source: &'a mut S) -> Self {
        let xs = (1..=masker.parties.len() as u64).map(F::from_u64).collect();
        MaskCtx {
            masker,
            source,
            xs,
            coefficients: Vec::new(),
            buffer: Vec::new(),
        }
    }

    fn n(&self) -> usize {
        self.masker.parties.len()
    }

    /// Shares one field element: n elements in party order.
    pub(super) fn share(&mut self, secret: F) -> &[F] {
        let source = &mut *self.source;
        shamir::share(
            secret,
            self.masker.degree,
            &self.xs,
            &mut self.coefficients,
            || source.coefficient::<F>(),
            &mut self.buffer,
        );
        &self.buffer
    }

    fn shares_of(
        &mut self,
        secret: F,
        wrap: fn(FieldElement) -> EncryptedValue,
    ) -> Vec<EncryptedValue> {
        self.share(secret)
            .iter()
            .map(|s| wrap(s.into_element()))
            .collect()
    }

    fn public(&self, v: EncryptedValue) -> Vec<EncryptedValue> {
        alloc::vec![v; self.n()]
    }

    fn value(
        &mut self,
        name: &str,
        value: &ClearValue,
    ) -> Result<Vec<EncryptedValue>, MaskingError> {
        let overflow = || MaskingError::Overflow {
            name: String::from(name),
            prime: F::PRIME,
        };
        Ok(match value {
            ClearValue::Integer(v) => {
                let e = F::from_integer(v).map_err(|_| overflow())?;
                self.public(EncryptedValue::PublicInteger(e.into_element()))
            }
            ClearValue::UnsignedInteger(v) => {
                let e = F::from_unsigned(v).map_err(|_| overflow())?;
                self.public(EncryptedValue::PublicUnsignedInteger(e.into_element()))
            }
            ClearValue::Boolean(b) => {
                let e = if *b { F::ONE } else { F::ZERO };
                self.public(EncryptedValue::PublicBoolean(e.into_element()))
            }
            ClearValue::SecretInteger(v) => {
                let e = F::from_integer(v.value()).map_err(|_| overflow())?;
                self.shares_of(e, EncryptedValue::ShamirShareInteger)
            }
            ClearValue::SecretUnsignedInteger(v) => {
                let e = F::from_unsigned(v.value()).map_err(|_| overflow())?;
                self.shares_of(e, EncryptedValue::ShamirShareUnsignedInteger)
            }
            ClearValue::SecretBoolean(b) => {
                let e = if b.value() { F::ONE } else { F::ZERO };
                self.shares_of(e, EncryptedValue::ShamirShareBoolean)
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
                let chunks = blob::chunks::<F>(b.as_bytes());
                let mut per_party: Vec<Vec<FieldElement>> = (0..self.n())
                    .map(|_| Vec::with_capacity(chunks.len()))
                    .collect();
                for chunk in chunks {
                    for (party, s) in per_party.iter_mut().zip(self.share(chunk)) {
                        party.push(s.into_element());
                    }
                }
                per_party
                    .into_iter()
                    .map(|shares| {
                        EncryptedValue::ShamirSharesBlob(BlobShares {
                            shares,
                            original_size,
                        })
                    })
                    .collect()
            }
            ClearValue::Array(a) => {
                let inner_type =
                    encrypted_type(a.element_type()).ok_or_else(|| MaskingError::TooLarge {
                        name: String::from(name),
                    })?;
                let mut per_party: Vec<Vec<EncryptedValue>> =
                    (0..self.n()).map(|_| Vec::with_capacity(a.len())).collect();
                for element in a.values() {
                    for (party, e) in per_party.iter_mut().zip(self.value(name, element)?) {
                        party.push(e);
                    }
                }
                per_party
                    .into_iter()
                    .map(|values| {
                        EncryptedValue::Array(EncryptedArray {
                            inner_type: inner_type.clone(),
                            values,
                        })
                    })
                    .collect()
            }
            ClearValue::Tuple(t) => {
                let left = self.value(name, t.left())?;
                let right = self.value(name, t.right())?;
                left.into_iter()
                    .zip(right)
                    .map(|(l, r)| EncryptedValue::Tuple(l.into(), r.into()))
                    .collect()
            }
            ClearValue::EcdsaPrivateKey(k) => {
                if self.n() < 2 {
                    return Err(MaskingError::KeyNeedsTwoParties {
                        name: String::from(name),
                    });
                }
                ecdsa::split_key(k, self.n(), &mut *self.source)
                    .into_iter()
                    .map(EncryptedValue::EcdsaPrivateKeyShare)
                    .collect()
            }
            ClearValue::EcdsaSignature(s) => ecdsa::split_signature(s, self.n(), &mut *self.source)
                .into_iter()
                .map(EncryptedValue::EcdsaSignatureShare)
                .collect(),
            ClearValue::EddsaPrivateKey(k) => {
                if self.n() < 2 {
                    return Err(MaskingError::KeyNeedsTwoParties {
                        name: String::from(name),
                    });
                }
                eddsa::split_key(k, self.n(), &mut *self.source)
                    .into_iter()
                    .map(EncryptedValue::EddsaPrivateKeyShare)
                    .collect()
            }
            ClearValue::EcdsaDigestMessage(d) => {
                self.public(EncryptedValue::EcdsaMessageDigest(*d))
            }
            ClearValue::EcdsaPublicKey(k) => self.public(EncryptedValue::EcdsaPublicKey(*k)),
            ClearValue::StoreId(id) => self.public(EncryptedValue::StoreId(*id)),
            ClearValue::EddsaMessage(m) => self.public(EncryptedValue::EddsaMessage(m.clone())),
            ClearValue::EddsaSignature(s) => self.public(EncryptedValue::EddsaSignature(*s)),
            ClearValue::EddsaPublicKey(k) => self.public(EncryptedValue::EddsaPublicKey(*k)),
        })
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
