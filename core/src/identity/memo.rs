//! Signatures already known to be valid, so that a process holding several parties (the
//! emulated nodes of a cluster, or a simulation's clients beside them) checks each signature's
//! curve arithmetic once rather than once per party.
//!
//! An entry names one exact (public key, message, signature) triple and is added only by a
//! successful verification ([`Verifier::verify`]) or by the signer itself, which remembers
//! the [`MemoEntry`] of what it just signed (the emulated leader does, for its quotes and
//! receipts). A lookup is by the exact triple, so a forged or altered signature
//! is never found and is verified, and refused, as without a memo. The same idea as a
//! signature cache in a blockchain node: it saves work, it never decides validity.

use alloc::sync::Arc;

use super::{IdentityError, PublicKey, sha256};

/// The digest naming one (public key, message, signature) triple.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MemoEntry([u8; 32]);

impl MemoEntry {
    /// The entry of `signature` by `key` over `message`.
    pub fn new(key: &PublicKey, message: &[u8], signature: &[u8]) -> MemoEntry {
        MemoEntry::of_encoded_key(&key.to_bytes(), message, signature)
    }

    /// The entry of `signature` over `message` by the key encoded (compressed SEC1) as
    /// `key_bytes`: the same entry as [`MemoEntry::new`] gives for that key.
    pub fn of_encoded_key(key_bytes: &[u8], message: &[u8], signature: &[u8]) -> MemoEntry {
        let mut bytes = alloc::vec::Vec::with_capacity(key_bytes.len() + 32 + signature.len());
        bytes.extend_from_slice(key_bytes);
        bytes.extend_from_slice(&sha256(message));
        bytes.extend_from_slice(signature);
        MemoEntry(sha256(&bytes))
    }
}

/// Runs `check` unless `memo` holds `entry`, remembering `entry` when the check passes.
fn through_memo(
    memo: Option<&dyn SignatureMemo>,
    entry: impl FnOnce() -> MemoEntry,
    check: impl FnOnce() -> Result<(), IdentityError>,
) -> Result<(), IdentityError> {
    let Some(memo) = memo else {
        return check();
    };
    let entry = entry();
    if memo.contains(&entry) {
        return Ok(());
    }
    check()?;
    memo.remember(entry);
    Ok(())
}

/// Checks `signature` over `message` by the key encoded as `key_bytes` (a token's key, as
/// carried): [`PublicKey::from_sec1_bytes`] then [`PublicKey::verify`], both skipped when
/// `memo` holds this exact triple (the bytes were parsed and verified before).
pub fn verify_with_encoded_key(
    key_bytes: &[u8],
    message: &[u8],
    signature: &[u8],
    memo: Option<&dyn SignatureMemo>,
) -> Result<(), IdentityError> {
    through_memo(
        memo,
        || MemoEntry::of_encoded_key(key_bytes, message, signature),
        || PublicKey::from_sec1_bytes(key_bytes)?.verify(message, signature),
    )
}

/// Where verified signatures are remembered. Implementations may forget entries at any time
/// (a forgotten signature is simply verified again).
pub trait SignatureMemo: Send + Sync + core::fmt::Debug {
    /// Whether `entry` was remembered.
    fn contains(&self, entry: &MemoEntry) -> bool;
    /// Remembers `entry`; only called for a signature known to be valid.
    fn remember(&self, entry: MemoEntry);
}

/// A public key to check signatures with, and the memo of signatures known to be valid, if
/// any. Functions that check a leader's signature take `impl Into<Verifier>`, so a plain
/// `&PublicKey` works wherever no memo is shared.
#[derive(Clone, Copy, Debug)]
pub struct Verifier<'a> {
    key: &'a PublicKey,
    memo: Option<&'a dyn SignatureMemo>,
}

impl<'a> Verifier<'a> {
    /// Checks `key`'s signatures, skipping the curve arithmetic for those `memo` holds and
    /// remembering there the ones that verify.
    pub fn new(key: &'a PublicKey, memo: Option<&'a dyn SignatureMemo>) -> Verifier<'a> {
        Verifier { key, memo }
    }

    /// [`PublicKey::verify`], through the memo.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), IdentityError> {
        through_memo(
            self.memo,
            || MemoEntry::new(self.key, message, signature),
            || self.key.verify(message, signature),
        )
    }
}

impl<'a> From<&'a PublicKey> for Verifier<'a> {
    fn from(key: &'a PublicKey) -> Self {
        Verifier { key, memo: None }
    }
}

/// A [`Verifier`] that owns its key and shares its memo: what an operation keeps to check
/// its leader's quotes and receipts.
#[derive(Clone, Debug)]
pub struct SharedVerifier {
    key: PublicKey,
    memo: Option<Arc<dyn SignatureMemo>>,
}

impl SharedVerifier {
    /// `key`, checked through `memo` when there is one.
    pub fn new(key: PublicKey, memo: Option<Arc<dyn SignatureMemo>>) -> SharedVerifier {
        SharedVerifier { key, memo }
    }

    /// The borrowed form, to check a signature with.
    pub fn verifier(&self) -> Verifier<'_> {
        Verifier::new(&self.key, self.memo.as_deref())
    }
}

impl From<&PublicKey> for SharedVerifier {
    fn from(key: &PublicKey) -> Self {
        SharedVerifier::new(*key, None)
    }
}

impl<'a> From<&'a SharedVerifier> for Verifier<'a> {
    fn from(shared: &'a SharedVerifier) -> Self {
        shared.verifier()
    }
}

#[cfg(feature = "std")]
pub use bounded::VerifiedSignatures;

#[cfg(feature = "std")]
mod bounded {
    use std::collections::{HashSet, VecDeque};
    use std::sync::Mutex;

    use super::{MemoEntry, SignatureMemo};

    /// A [`SignatureMemo`] holding at most `capacity` entries, forgetting the oldest first;
    /// shareable between threads.
    #[derive(Debug)]
    pub struct VerifiedSignatures {
        capacity: usize,
        entries: Mutex<Entries>,
    }

    #[derive(Debug, Default)]
    struct Entries {
        known: HashSet<MemoEntry>,
        oldest_first: VecDeque<MemoEntry>,
    }

    impl VerifiedSignatures {
        /// The default capacity: enough for the tokens, quotes and receipts of many thousand
        /// operations in flight, about 5 MiB at most.
        pub const DEFAULT_CAPACITY: usize = 65_536;

        /// An empty memo of at most `capacity` entries (at least one).
        pub fn with_capacity(capacity: usize) -> VerifiedSignatures {
            VerifiedSignatures {
                capacity: capacity.max(1),
                entries: Mutex::new(Entries::default()),
            }
        }

        /// How many entries are held.
        pub fn len(&self) -> usize {
            self.lock().known.len()
        }

        /// Whether no entry is held.
        pub fn is_empty(&self) -> bool {
            self.len() == 0
        }

        fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
            // The entries stay consistent across a panic elsewhere: each change is one insert
            // or one removal from both collections.
            self.entries
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        }
    }

    impl Default for VerifiedSignatures {
        fn default() -> Self {
            VerifiedSignatures::with_capacity(Self::DEFAULT_CAPACITY)
        }
    }

    impl SignatureMemo for VerifiedSignatures {
        fn contains(&self, entry: &MemoEntry) -> bool {
            self.lock().known.contains(entry)
        }

        fn remember(&self, entry: MemoEntry) {
            let mut entries = self.lock();
            if !entries.known.insert(entry) {
                return;
            }
            entries.oldest_first.push_back(entry);
            while entries.oldest_first.len() > self.capacity {
                if let Some(old) = entries.oldest_first.pop_front() {
                    entries.known.remove(&old);
                }
            }
        }
    }
}

#[cfg(test)]
#[cfg(feature = "std")]
mod tests {
    use super::*;

    use crate::identity::{Signature, UserKey};

    fn key(byte: u8) -> UserKey {
        UserKey::from_bytes(&[byte; 32]).unwrap()
    }

    /// Signs `message` and remembers the signature, as a signer sharing `memo` does.
    fn sign_remembered(signer: &UserKey, message: &[u8], memo: &VerifiedSignatures) -> Signature {
        let signature = signer.sign(message).unwrap();
        memo.remember(MemoEntry::new(
            &signer.public_key(),
            message,
            signature.as_bytes(),
        ));
        signature
    }

    #[test]
    fn a_verified_signature_is_remembered_and_found() {
        let memo = VerifiedSignatures::default();
        let signer = key(7);
        let signature = signer.sign(b"quote").unwrap();
        let public = signer.public_key();
        Verifier::new(&public, Some(&memo))
            .verify(b"quote", signature.as_bytes())
            .unwrap();
        assert_eq!(memo.len(), 1);
        assert!(memo.contains(&MemoEntry::new(&public, b"quote", signature.as_bytes())));
    }

    #[test]
    fn a_verifier_finds_what_the_signer_remembered() {
        let memo = VerifiedSignatures::default();
        let signer = key(7);
        let signature = sign_remembered(&signer, b"receipt", &memo);
        let public = signer.public_key();
        Verifier::new(&public, Some(&memo))
            .verify(b"receipt", signature.as_bytes())
            .unwrap();
        // The verification found the signer's entry: it added none of its own.
        assert_eq!(memo.len(), 1);
    }

    #[test]
    fn forged_or_altered_signatures_are_refused_with_a_memo() {
        let memo = VerifiedSignatures::default();
        let signer = key(7);
        let public = signer.public_key();
        let signature = sign_remembered(&signer, b"receipt", &memo);
        let mut altered = *signature.as_bytes();
        altered[10] ^= 1;
        let verifier = Verifier::new(&public, Some(&memo));
        assert!(verifier.verify(b"receipt", &altered).is_err());
        assert_eq!(
            verifier.verify(b"receipt!", signature.as_bytes()),
            Err(IdentityError::InvalidSignature)
        );
        let other = key(8).public_key();
        assert_eq!(
            Verifier::new(&other, Some(&memo)).verify(b"receipt", signature.as_bytes()),
            Err(IdentityError::InvalidSignature)
        );
        // Only the one genuine signature is held: failures are never remembered.
        assert_eq!(memo.len(), 1);
    }

    #[test]
    fn an_encoded_key_finds_the_entry_of_its_parsed_key() {
        let memo = VerifiedSignatures::default();
        let signer = key(7);
        let signature = sign_remembered(&signer, b"token", &memo);
        let bytes = signer.public_key().to_bytes();
        verify_with_encoded_key(&bytes, b"token", signature.as_bytes(), Some(&memo)).unwrap();
        assert_eq!(memo.len(), 1);
        // Not a point: refused as without a memo, and not remembered.
        let mut bad = bytes;
        bad[0] = 0x04;
        assert_eq!(
            verify_with_encoded_key(&bad, b"token", signature.as_bytes(), Some(&memo)),
            Err(IdentityError::InvalidPublicKey)
        );
        assert_eq!(memo.len(), 1);
    }

    #[test]
    fn the_oldest_entries_are_forgotten_beyond_capacity() {
        let memo = VerifiedSignatures::with_capacity(2);
        let signer = key(7);
        let first = sign_remembered(&signer, b"1", &memo);
        sign_remembered(&signer, b"2", &memo);
        sign_remembered(&signer, b"3", &memo);
        assert_eq!(memo.len(), 2);
        let public = signer.public_key();
        assert!(!memo.contains(&MemoEntry::new(&public, b"1", first.as_bytes())));
        // A forgotten signature still verifies, the slow way, and is remembered again.
        Verifier::new(&public, Some(&memo))
            .verify(b"1", first.as_bytes())
            .unwrap();
        assert!(memo.contains(&MemoEntry::new(&public, b"1", first.as_bytes())));
    }
}
