//! Party ids.

use alloc::vec::Vec;
use core::fmt;

/// The id of a party (a node): an opaque byte string, e.g. the node's compressed public key.
///
/// Ordering is byte-wise lexicographic (a prefix sorts first), which is the order that assigns
/// Shamir abscissas (docs/masking.md §4).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartyId(Vec<u8>);

impl PartyId {
    /// Wraps the bytes.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        PartyId(bytes.into())
    }
    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl From<Vec<u8>> for PartyId {
    fn from(v: Vec<u8>) -> Self {
        PartyId(v)
    }
}

impl From<&[u8]> for PartyId {
    fn from(v: &[u8]) -> Self {
        PartyId(v.to_vec())
    }
}

impl fmt::Display for PartyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in &self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for PartyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PartyId({self})")
    }
}
