//! User ids.

use core::fmt;
use core::str::FromStr;

use nilvm_proto::nillion::auth::v1::user as proto;

use super::{IdentityError, id_from_public_key_bytes};

/// A user's id: the last 20 bytes of SHA-256 of the user's public key bytes (the 33-byte
/// compressed secp256k1 key, as carried in auth tokens).
///
/// Displayed and parsed as 40 hex characters (displayed lowercase, parsed in either case).
///
/// ```
/// use nilvm_core::identity::UserId;
///
/// let id = UserId::from_public_key_bytes(b"bob");
/// assert_eq!(id.to_string(), "3113a1170de795e4b725b84d1e0b4cfd9ec58ce9");
/// assert_eq!("3113A1170DE795E4B725B84D1E0B4CFD9EC58CE9".parse::<UserId>().unwrap(), id);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UserId([u8; UserId::LENGTH]);

impl UserId {
    /// Length of a user id in bytes.
    pub const LENGTH: usize = 20;

    /// The user id of a public key given as bytes.
    pub fn from_public_key_bytes(public_key: &[u8]) -> Self {
        UserId(id_from_public_key_bytes(public_key))
    }

    /// Wraps 20 bytes.
    pub const fn from_bytes(bytes: [u8; UserId::LENGTH]) -> Self {
        UserId(bytes)
    }

    /// The 20 bytes.
    pub const fn as_bytes(&self) -> &[u8; UserId::LENGTH] {
        &self.0
    }
}

impl TryFrom<&[u8]> for UserId {
    type Error = IdentityError;

    fn try_from(value: &[u8]) -> Result<Self, Self::Error> {
        let bytes = value
            .try_into()
            .map_err(|_| IdentityError::InvalidUserIdLength(value.len()))?;
        Ok(UserId(bytes))
    }
}

impl FromStr for UserId {
    type Err = IdentityError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // Hex of the wrong length is a length error (as Python's "length should be 20 bytes").
        if s.len() % 2 == 0 && s.len() != UserId::LENGTH * 2 && s.is_ascii() {
            if hex::decode(s).is_ok() {
                return Err(IdentityError::InvalidUserIdLength(s.len() / 2));
            }
            return Err(IdentityError::InvalidUserIdHex);
        }
        let mut bytes = [0u8; UserId::LENGTH];
        hex::decode_to_slice(s, &mut bytes).map_err(|_| IdentityError::InvalidUserIdHex)?;
        Ok(UserId(bytes))
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UserId({self})")
    }
}

impl From<UserId> for proto::UserId {
    fn from(value: UserId) -> Self {
        proto::UserId {
            contents: value.0.to_vec(),
        }
    }
}

impl From<&UserId> for proto::UserId {
    fn from(value: &UserId) -> Self {
        (*value).into()
    }
}

impl TryFrom<&proto::UserId> for UserId {
    type Error = IdentityError;

    fn try_from(value: &proto::UserId) -> Result<Self, Self::Error> {
        UserId::try_from(value.contents.as_slice())
    }
}

impl TryFrom<proto::UserId> for UserId {
    type Error = IdentityError;

    fn try_from(value: proto::UserId) -> Result<Self, Self::Error> {
        UserId::try_from(value.contents.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::UserKey;

    #[test]
    fn fact_sheet_vector() {
        assert_eq!(
            UserId::from_public_key_bytes(b"bob").to_string(),
            "3113a1170de795e4b725b84d1e0b4cfd9ec58ce9"
        );
    }

    #[test]
    fn derived_from_compressed_public_key() {
        let key = UserKey::from_bytes(&[3u8; 32]).unwrap();
        let expected = crate::identity::sha256(&key.public_key().to_bytes());
        assert_eq!(key.user_id().as_bytes(), &expected[12..]);
    }

    #[test]
    fn parse_and_display() {
        let id: UserId = "3113a1170de795e4b725b84d1e0b4cfd9ec58ce9".parse().unwrap();
        assert_eq!(
            format!("{id:?}"),
            "UserId(3113a1170de795e4b725b84d1e0b4cfd9ec58ce9)"
        );
        assert_eq!(
            "3113a1170de795e4b725b84d1e0b4cfd9ec58c".parse::<UserId>(),
            Err(IdentityError::InvalidUserIdLength(19))
        );
        assert_eq!(
            "3113a1170de795e4b725b84d1e0b4cfd9ec58ce900".parse::<UserId>(),
            Err(IdentityError::InvalidUserIdLength(21))
        );
        assert_eq!(
            "zz13a1170de795e4b725b84d1e0b4cfd9ec58ce9".parse::<UserId>(),
            Err(IdentityError::InvalidUserIdHex)
        );
        assert!("abc".parse::<UserId>().is_err());
        assert!("é".parse::<UserId>().is_err());
        assert!("".parse::<UserId>().is_err());
    }

    #[test]
    fn proto_conversion_checks_length() {
        let id = UserId::from_bytes([9; 20]);
        let proto: proto::UserId = id.into();
        assert_eq!(UserId::try_from(&proto), Ok(id));
        let short = proto::UserId {
            contents: alloc::vec![1; 19],
        };
        assert_eq!(
            UserId::try_from(short),
            Err(IdentityError::InvalidUserIdLength(19))
        );
        assert_eq!(
            IdentityError::InvalidUserIdLength(3).to_string(),
            "invalid user id length"
        );
    }
}
