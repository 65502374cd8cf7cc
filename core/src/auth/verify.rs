//! Token verification (node side).

use alloc::string::ToString;

use nilvm_proto::Message;
use nilvm_proto::nillion::auth::v1::public_key::PublicKeyType;
use nilvm_proto::nillion::auth::v1::token::{SignedToken, Token};

use super::{AuthError, TOKEN_NONCE_LENGTH};
use crate::identity::{IdentityError, NodeId, SignatureMemo, UserId, verify_with_encoded_key};
use crate::time::Timestamp;

/// The longest token header the nodes accept, in base64 characters.
pub const MAX_ENCODED_TOKEN_LENGTH: usize = 512;

/// A token that passed [`verify_token`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifiedToken {
    user_id: UserId,
    expires_at: Timestamp,
}

impl VerifiedToken {
    /// The authenticated user: derived from the public key bytes carried in the token.
    pub fn user_id(&self) -> UserId {
        self.user_id
    }

    /// When the token expires (a node may cache the verification until then).
    pub fn expires_at(&self) -> Timestamp {
        self.expires_at
    }
}

/// Verifies an encoded `SignedToken` (the header value after base64 decoding) for the node
/// `own_id` at `now`, in the nodes' order: length, decoding, public key, signature (low-s
/// only), token fields, expiry (no leeway), target.
///
/// Errors display the nodes' texts; all of them are UNAUTHENTICATED on the wire.
pub fn verify_token(
    signed_token: &[u8],
    own_id: &NodeId,
    now: Timestamp,
) -> Result<VerifiedToken, AuthError> {
    verify_token_with(signed_token, own_id, now, None)
}

/// [`verify_token`], checking the signature through `memo` (see [`crate::identity::Verifier`]): a node that
/// shares a memo checks each token's curve arithmetic once, not on every request.
pub fn verify_token_with(
    signed_token: &[u8],
    own_id: &NodeId,
    now: Timestamp,
    memo: Option<&dyn SignatureMemo>,
) -> Result<VerifiedToken, AuthError> {
    // The limit applies to the base64 text (sent unpadded by both SDKs).
    if signed_token.len().saturating_mul(4).div_ceil(3) > MAX_ENCODED_TOKEN_LENGTH {
        return Err(AuthError::TooLong);
    }
    let signed = SignedToken::decode(signed_token)
        .map_err(|e| AuthError::InvalidSignedToken(e.to_string()))?;
    let Some(public_key) = signed.public_key else {
        return Err(AuthError::InvalidSignedToken(
            "'public_key' not set".to_string(),
        ));
    };
    match PublicKeyType::try_from(public_key.key_type) {
        Ok(PublicKeyType::Secp256k1) => {}
        Ok(PublicKeyType::Ed25519) => {
            if public_key.contents.len() != 32 {
                return Err(AuthError::InvalidPublicKey);
            }
            return Err(AuthError::UnsupportedKeyType);
        }
        Err(_) => {
            return Err(AuthError::InvalidSignedToken(
                "invalid public key type".to_string(),
            ));
        }
    }
    verify_with_encoded_key(
        &public_key.contents,
        &signed.serialized_token,
        &signed.signature,
        memo,
    )
    .map_err(|e| match e {
        IdentityError::InvalidPublicKey => AuthError::InvalidPublicKey,
        _ => AuthError::InvalidSignature,
    })?;

    let token = Token::decode(signed.serialized_token.as_slice())
        .map_err(|e| AuthError::InvalidToken(e.to_string()))?;
    if token.nonce.len() != TOKEN_NONCE_LENGTH {
        return Err(AuthError::InvalidToken(
            "'nonce' must be 32 bytes long".to_string(),
        ));
    }
    let Some(target) = token.target_identity else {
        return Err(AuthError::InvalidToken(
            "'target_identity' not set".to_string(),
        ));
    };
    let Some(expires_at) = token.expires_at else {
        return Err(AuthError::InvalidToken("'expires_at' not set".to_string()));
    };
    let expires_at = Timestamp::try_from(&expires_at)
        .map_err(|_| AuthError::InvalidToken("invalid 'expires_at'".to_string()))?;

    if expires_at < now {
        return Err(AuthError::Expired);
    }
    if target.contents != own_id.as_bytes() {
        return Err(AuthError::WrongTarget);
    }
    Ok(VerifiedToken {
        // The identity is derived from the key bytes exactly as carried.
        user_id: UserId::from_public_key_bytes(&public_key.contents),
        expires_at,
    })
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    use nilvm_proto::nillion::auth::v1::public_key::PublicKey as ProtoPublicKey;

    use super::*;
    use crate::auth::create_token;
    use crate::identity::UserKey;

    fn key() -> UserKey {
        UserKey::from_bytes(&[0x21; 32]).unwrap()
    }

    fn node() -> NodeId {
        NodeId::new(alloc::vec![0xab; 20]).unwrap()
    }

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_seconds(seconds)
    }

    fn signed(expires: i64) -> SignedToken {
        create_token(&key(), &node(), [3; 32], at(expires)).unwrap()
    }

    /// Signs arbitrary token bytes with our key.
    fn signed_raw(token: &Token) -> Vec<u8> {
        let serialized_token = token.encode_to_vec();
        let signature = key().sign(&serialized_token).unwrap().to_vec();
        SignedToken {
            serialized_token,
            public_key: Some(key().public_key().into()),
            signature,
        }
        .encode_to_vec()
    }

    fn good_token() -> Token {
        Token {
            nonce: alloc::vec![3; 32],
            target_identity: Some(node().into()),
            expires_at: Some(at(100).into()),
        }
    }

    #[test]
    fn valid_token_gives_user_id() {
        let verified = verify_token(&signed(100).encode_to_vec(), &node(), at(100)).unwrap();
        assert_eq!(verified.user_id(), key().user_id());
        assert_eq!(verified.expires_at(), at(100));
    }

    #[test]
    fn expired_token() {
        let err = verify_token(&signed(100).encode_to_vec(), &node(), at(101)).unwrap_err();
        assert_eq!(err, AuthError::Expired);
        assert_eq!(err.to_string(), "token is expired");
        // One nanosecond late is late: no leeway.
        let late = Timestamp::new(100, 1).unwrap();
        assert_eq!(
            verify_token(&signed(100).encode_to_vec(), &node(), late),
            Err(AuthError::Expired)
        );
    }

    #[test]
    fn wrong_target() {
        let other = NodeId::new(alloc::vec![0xac; 20]).unwrap();
        let err = verify_token(&signed(100).encode_to_vec(), &other, at(0)).unwrap_err();
        assert_eq!(err.to_string(), "invalid token target identity");
    }

    #[test]
    fn altered_token_or_signature() {
        let mut token = signed(100);
        token.serialized_token[40] ^= 1;
        assert_eq!(
            verify_token(&token.encode_to_vec(), &node(), at(0)),
            Err(AuthError::InvalidSignature)
        );
        let mut token = signed(100);
        token.signature[0] ^= 1;
        assert_eq!(
            verify_token(&token.encode_to_vec(), &node(), at(0)),
            Err(AuthError::InvalidSignature)
        );
        let mut token = signed(100);
        token.signature.truncate(63);
        assert_eq!(
            verify_token(&token.encode_to_vec(), &node(), at(0)),
            Err(AuthError::InvalidSignature)
        );
        // Someone else's key over our token bytes.
        let mut token = signed(100);
        token.public_key = Some(UserKey::from_bytes(&[5; 32]).unwrap().public_key().into());
        assert_eq!(
            verify_token(&token.encode_to_vec(), &node(), at(0)),
            Err(AuthError::InvalidSignature)
        );
    }

    #[test]
    fn high_s_signature_is_rejected() {
        let mut token = signed(100);
        let sig: [u8; 64] = token.signature.as_slice().try_into().unwrap();
        token.signature = crate::identity::key_tests_high_s(&sig).to_vec();
        let err = verify_token(&token.encode_to_vec(), &node(), at(0)).unwrap_err();
        assert_eq!(err.to_string(), "invalid signature");
    }

    #[test]
    fn public_key_problems() {
        let mut token = signed(100);
        token.public_key = None;
        assert!(matches!(
            verify_token(&token.encode_to_vec(), &node(), at(0)),
            Err(AuthError::InvalidSignedToken(_))
        ));
        for len in [32, 34, 65] {
            let mut token = signed(100);
            token.public_key = Some(ProtoPublicKey {
                key_type: 1,
                contents: alloc::vec![2; len],
            });
            assert_eq!(
                verify_token(&token.encode_to_vec(), &node(), at(0)),
                Err(AuthError::InvalidPublicKey),
                "length {len}"
            );
        }
        let mut token = signed(100);
        token.public_key = Some(ProtoPublicKey {
            key_type: 0,
            contents: alloc::vec![2; 33],
        });
        assert_eq!(
            verify_token(&token.encode_to_vec(), &node(), at(0)),
            Err(AuthError::InvalidPublicKey)
        );
        token.public_key = Some(ProtoPublicKey {
            key_type: 0,
            contents: alloc::vec![2; 32],
        });
        assert_eq!(
            verify_token(&token.encode_to_vec(), &node(), at(0)),
            Err(AuthError::UnsupportedKeyType)
        );
        token.public_key = Some(ProtoPublicKey {
            key_type: 7,
            contents: alloc::vec![2; 33],
        });
        assert!(matches!(
            verify_token(&token.encode_to_vec(), &node(), at(0)),
            Err(AuthError::InvalidSignedToken(_))
        ));
    }

    #[test]
    fn token_field_problems() {
        let mut token = good_token();
        token.nonce.truncate(31);
        let err = verify_token(&signed_raw(&token), &node(), at(0)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid token: protobuf parsing error: 'nonce' must be 32 bytes long"
        );
        let mut token = good_token();
        token.target_identity = None;
        let err = verify_token(&signed_raw(&token), &node(), at(0)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid token: protobuf parsing error: 'target_identity' not set"
        );
        let mut token = good_token();
        token.expires_at = None;
        let err = verify_token(&signed_raw(&token), &node(), at(0)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid token: protobuf parsing error: 'expires_at' not set"
        );
        let mut token = good_token();
        token.expires_at = Some(nilvm_proto::well_known::Timestamp {
            seconds: 100,
            nanos: -5,
        });
        assert!(matches!(
            verify_token(&signed_raw(&token), &node(), at(0)),
            Err(AuthError::InvalidToken(_))
        ));
        // The signed bytes are not a Token at all.
        let serialized_token = alloc::vec![0xff, 0xff, 0xff];
        let signature = key().sign(&serialized_token).unwrap().to_vec();
        let raw = SignedToken {
            serialized_token,
            public_key: Some(key().public_key().into()),
            signature,
        };
        assert!(matches!(
            verify_token(&raw.encode_to_vec(), &node(), at(0)),
            Err(AuthError::InvalidToken(_))
        ));
        // Signed with a target of another length.
        let mut token = good_token();
        token.target_identity = Some(nilvm_proto::nillion::membership::v1::cluster::NodeId {
            contents: alloc::vec![0xab; 19],
        });
        assert_eq!(
            verify_token(&signed_raw(&token), &node(), at(0)),
            Err(AuthError::WrongTarget)
        );
    }

    #[test]
    fn garbage_and_oversized_input() {
        assert!(matches!(
            verify_token(&[0xff; 10], &node(), at(0)),
            Err(AuthError::InvalidSignedToken(_))
        ));
        assert!(matches!(
            verify_token(&[], &node(), at(0)),
            Err(AuthError::InvalidSignedToken(_))
        ));
        assert_eq!(
            verify_token(&[0; 385], &node(), at(0)),
            Err(AuthError::TooLong)
        );
        // A real token is far below the limit.
        assert!(signed(1).encode_to_vec().len() * 4 / 3 < 300);
    }
}
