//! Program ids: `builtin/<name>` or `<user id>/<name>/sha256/<hash>`.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::str::FromStr;

use k256::sha2::{Digest as _, Sha256};

use super::name::{ProgramName, ProgramNameError};

/// Length of a user id in bytes (printed as 40 hex characters).
pub const USER_ID_LENGTH: usize = 20;

/// The SHA-256 of a program's bytes: the `contents_sha256` of the StoreProgram quote and the
/// hash in the program id.
pub fn program_sha256(program: &[u8]) -> [u8; 32] {
    Sha256::digest(program).into()
}

/// The id a program is invoked by.
///
/// - An uploaded program's id is `"{user_id}/{name}/sha256/{hash}"`, with the uploader's user id
///   (the authenticated caller of StoreProgram) and the SHA-256 of the program bytes, both in
///   lowercase hex. Every node computes it the same way and returns it from StoreProgram.
/// - A builtin program's id is `"builtin/{name}"` (`builtin/tecdsa_sign`, `builtin/tecdsa_dkg`,
///   ...); builtins are resolved by name, never by hash.
///
/// Parsing follows the node (split at `/`, the node's error texts and their order), with two
/// stricter checks that only reject ids no node can ever resolve: the hash must be exactly 32
/// bytes, and the name must be a valid [`ProgramName`].
///
/// ```
/// use nilvm_core::program::{ProgramId, ProgramName};
///
/// let name = ProgramName::new("test").unwrap();
/// let id = ProgramId::uploaded([0x11; 20], name, b"program bytes");
/// let text = id.to_string();
/// assert!(text.starts_with("1111111111111111111111111111111111111111/test/sha256/"));
/// assert_eq!(text.parse::<ProgramId>().unwrap(), id);
/// assert_eq!("builtin/tecdsa_sign".parse::<ProgramId>().unwrap().name().as_str(), "tecdsa_sign");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProgramId {
    /// A program compiled into the nodes.
    Builtin(ProgramName),
    /// A program a user stored.
    Uploaded {
        /// The uploader's user id.
        user_id: [u8; USER_ID_LENGTH],
        /// The name it was stored under.
        name: ProgramName,
        /// SHA-256 of the program bytes.
        sha256: [u8; 32],
    },
}

/// Why a program id does not parse. The first six texts are the node's (it answers
/// `invalid program id: <text>`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProgramIdError {
    /// There is no `/` at all.
    #[error("no '/' prefix in program")]
    NoPrefix,
    /// The prefix is neither `builtin` nor 40 hex characters.
    #[error("invalid user id")]
    InvalidUserId,
    /// Nothing follows the name.
    #[error("no hash type")]
    NoHashType,
    /// Nothing follows the hash type.
    #[error("no hash")]
    NoHash,
    /// The hash is not hex, or not 32 bytes.
    #[error("invalid hash")]
    InvalidHash,
    /// The hash type is not `sha256`.
    #[error("invalid hash type")]
    InvalidHashType,
    /// The name part is not a valid program name.
    #[error("invalid program name: {0}")]
    InvalidName(#[from] ProgramNameError),
}

impl ProgramId {
    /// The id of a builtin program, `builtin/{name}`.
    pub fn builtin(name: ProgramName) -> Self {
        Self::Builtin(name)
    }

    /// The id the nodes give `program` when `user_id` stores it under `name`.
    pub fn uploaded(user_id: [u8; USER_ID_LENGTH], name: ProgramName, program: &[u8]) -> Self {
        Self::Uploaded {
            user_id,
            name,
            sha256: program_sha256(program),
        }
    }

    /// The id of an uploaded program whose SHA-256 is already known.
    pub fn from_hash(user_id: [u8; USER_ID_LENGTH], name: ProgramName, sha256: [u8; 32]) -> Self {
        Self::Uploaded {
            user_id,
            name,
            sha256,
        }
    }

    /// The program's name.
    pub fn name(&self) -> &ProgramName {
        match self {
            Self::Builtin(name) | Self::Uploaded { name, .. } => name,
        }
    }

    /// Whether this is a builtin program.
    pub fn is_builtin(&self) -> bool {
        matches!(self, Self::Builtin(_))
    }
}

impl fmt::Display for ProgramId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Builtin(name) => write!(f, "builtin/{name}"),
            Self::Uploaded {
                user_id,
                name,
                sha256,
            } => {
                write_hex(f, user_id)?;
                write!(f, "/{name}/sha256/")?;
                write_hex(f, sha256)
            }
        }
    }
}

impl FromStr for ProgramId {
    type Err = ProgramIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (prefix, rest) = s.split_once('/').ok_or(ProgramIdError::NoPrefix)?;
        if prefix == "builtin" {
            return Ok(Self::Builtin(ProgramName::new(rest)?));
        }
        let user_id = decode_hex(prefix)
            .and_then(|bytes| <[u8; USER_ID_LENGTH]>::try_from(bytes).ok())
            .ok_or(ProgramIdError::InvalidUserId)?;
        let (name, rest) = rest.split_once('/').ok_or(ProgramIdError::NoHashType)?;
        let (hash_type, hash) = rest.split_once('/').ok_or(ProgramIdError::NoHash)?;
        // The node decodes the hash before it looks at the hash type; keep that order so the
        // errors match.
        let sha256 = decode_hex(hash)
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .ok_or(ProgramIdError::InvalidHash)?;
        if hash_type != "sha256" {
            return Err(ProgramIdError::InvalidHashType);
        }
        Ok(Self::Uploaded {
            user_id,
            name: ProgramName::new(name)?,
            sha256,
        })
    }
}

impl TryFrom<&str> for ProgramId {
    type Error = ProgramIdError;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<&ProgramId> for String {
    fn from(id: &ProgramId) -> Self {
        alloc::format!("{id}")
    }
}

fn write_hex(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    bytes.iter().try_for_each(|b| write!(f, "{b:02x}"))
}

/// Hex in either case, an even number of digits; `None` otherwise.
fn decode_hex(text: &str) -> Option<Vec<u8>> {
    fn digit(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    let bytes = text.as_bytes();
    if bytes.len() % 2 != 0 {
        return None;
    }
    bytes
        .chunks_exact(2)
        .map(|pair| match pair {
            [hi, lo] => Some(digit(*hi)? << 4 | digit(*lo)?),
            _ => None,
        })
        .collect()
}

impl From<ProgramId> for String {
    fn from(id: ProgramId) -> Self {
        alloc::string::ToString::to_string(&id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn hex_round_trip() {
        assert_eq!(decode_hex("00fFaB"), Some(alloc::vec![0, 255, 171]));
        assert_eq!(decode_hex("abc"), None);
        assert_eq!(decode_hex("zz"), None);
    }

    #[test]
    fn node_example_round_trips() {
        let text = "1234567890abcdef1234567890abcdef12345678/test/sha256/\
                    0102030401020304010203040102030401020304010203040102030401020304";
        let id: ProgramId = text.parse().unwrap();
        assert_eq!(id.to_string(), text);
    }
}
