//! Masking (secret sharing) of clear values into per-party encrypted values, and unmasking.
//!
//! ```
//! use std::collections::BTreeMap;
//! use nilvm_core::field::Prime;
//! use nilvm_core::masking::{PartyId, PartyJar, SecretMasker};
//! use nilvm_core::values::{ClearValue, SecretInteger};
//!
//! let parties: Vec<PartyId> = (1u8..=3).map(|i| PartyId::new(vec![i])).collect();
//! let masker = SecretMasker::new(Prime::U256, 1, parties)?;
//! let mut values = BTreeMap::new();
//! values.insert("x".to_string(), ClearValue::from(SecretInteger::from(-42i64)));
//! let mut rng = rand::rng();
//! let shares = masker.mask(&values, &mut rng)?;
//! let mut jar = PartyJar::new();
//! for (party, named) in shares.into_iter().take(2) {
//!     jar.add(party, named)?;
//! }
//! assert_eq!(masker.unmask(&jar)?, values);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod blob;
mod ecdsa;
mod eddsa;
mod masker;
mod packed;
mod party;
mod shamir;
mod source;
mod unmask;

use alloc::string::String;

pub use self::masker::{MAX_PARTIES, MaskedValues, SecretMasker};
pub use self::packed::{PackedShares, PartyShares};
pub use self::party::PartyId;
pub use self::source::{RandomnessSource, RngSource};
pub use self::unmask::PartyJar;
use crate::field::Prime;
use crate::values::ValueError;

/// Why a masker could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MaskerError {
    /// t ≥ n (also for n = 0).
    #[error("polynomial degree too high for provided parties: degree {degree}, {parties} parties")]
    DegreeTooHigh {
        /// The requested degree.
        degree: u64,
        /// The number of parties.
        parties: usize,
    },
    /// More than [`MAX_PARTIES`] parties.
    #[error("too many parties: {0} (at most 254)")]
    TooManyParties(usize),
    /// The same id twice (the official masker silently shifts abscissas; we refuse).
    #[error("duplicate party id {0}")]
    DuplicateParty(PartyId),
}

/// Why a set of values could not be masked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MaskingError {
    /// An integer outside the field's range (docs/masking.md §2).
    #[error("overflow: value '{name}' does not fit the field of {prime}")]
    Overflow {
        /// The value's name.
        name: String,
        /// The masker's prime.
        prime: Prime,
    },
    /// An empty blob (the official masker silently drops it; we refuse).
    #[error("value '{name}' is an empty blob, which cannot be stored")]
    EmptyBlob {
        /// The value's name.
        name: String,
    },
    /// Key sharing needs at least two parties.
    #[error("creating shares of the private key '{name}' failed: at least 2 parties are needed")]
    KeyNeedsTwoParties {
        /// The value's name.
        name: String,
    },
    /// A blob is too long for its size to be recorded.
    #[error("value '{name}' is too large")]
    TooLarge {
        /// The value's name.
        name: String,
    },
}

/// Why a set of encrypted values could not be unmasked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UnmaskingError {
    /// The jar has a party the masker does not know.
    #[error("party {0} is not in the masker's party set")]
    UnknownParty(PartyId),
    /// Field elements of another prime than the masker's.
    #[error("value '{name}' from party {party} uses another prime than {expected}")]
    PrimeMismatch {
        /// The value's name.
        name: String,
        /// The party.
        party: PartyId,
        /// The masker's prime.
        expected: Prime,
    },
    /// Parties disagree about a value's kind or shape (variant, array length or element type,
    /// blob chunk count or size). The named party differs from the majority.
    #[error(
        "value '{name}': party {party} returned a {kind} that does not match the other parties"
    )]
    InconsistentType {
        /// The value's name.
        name: String,
        /// The odd party out.
        party: PartyId,
        /// The kind that party returned.
        kind: &'static str,
    },
    /// Fewer shares than the reconstruction needs.
    #[error("value '{name}': not enough shares ({got} of {needed} needed)")]
    NotEnoughShares {
        /// The value's name.
        name: String,
        /// Required shares.
        needed: usize,
        /// Available shares.
        got: usize,
    },
    /// The shares do not lie on one polynomial of the masker's degree.
    #[error("value '{name}': inconsistent shares{}", suspect.as_ref().map(|p| alloc::format!(", suspect party {p}")).unwrap_or_default())]
    InconsistentShares {
        /// The value's name.
        name: String,
        /// The party whose share disagrees, when the redundancy is enough to tell.
        suspect: Option<PartyId>,
    },
    /// Copies of a public value differ.
    #[error("value '{name}': public value from party {party} differs from the other parties'")]
    PublicValueMismatch {
        /// The value's name.
        name: String,
        /// The party whose copy differs.
        party: PartyId,
    },
    /// ECDSA signature shares with different r.
    #[error("value '{name}': signature share of party {party} has a different r")]
    SignatureRMismatch {
        /// The value's name.
        name: String,
        /// The party.
        party: PartyId,
    },
    /// Key shares that do not form one key.
    #[error("value '{name}': invalid key shares: {reason}")]
    InvalidKeyShares {
        /// The value's name.
        name: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// A blob whose chunks do not match its size, or whose recovered chunk has stray bytes.
    #[error("value '{name}': invalid blob: {reason}")]
    InvalidBlob {
        /// The value's name.
        name: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// The recovered value is not a valid clear value.
    #[error("value '{name}': {source}")]
    InvalidValue {
        /// The value's name.
        name: String,
        /// Why.
        source: ValueError,
    },
}

/// Why a party's values could not be added to a [`PartyJar`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JarError {
    /// The party is already in the jar.
    #[error("party {0} already provided element")]
    DuplicateParty(PartyId),
}
