//! Auth tokens for the `x-nillion-token-bin` header.
//!
//! A client sends each node a [`SignedToken`](nilvm_proto::nillion::auth::v1::token::SignedToken)
//! naming that node as its target. [`TokenCache`] creates them, reuses them, and renews them
//! before they expire; [`verify_token`] is the node side, returning the authenticated
//! [`UserId`](crate::identity::UserId).
//!
//! The header value is the encoded `SignedToken`; gRPC transports base64 it because the key ends
//! in `-bin`.

mod token;
mod verify;

use alloc::string::String;

pub use token::{TOKEN_NONCE_LENGTH, TokenCache, TokenConfig, create_token};
pub use verify::{MAX_ENCODED_TOKEN_LENGTH, VerifiedToken, verify_token, verify_token_with};

/// The metadata key of the token header.
pub const TOKEN_HEADER: &str = "x-nillion-token-bin";

/// Errors of the auth layer.
///
/// The verification variants display the nodes' own texts; every one of them is an
/// UNAUTHENTICATED status on the wire.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The token configuration is unusable (zero lifetime, or renewal after expiry).
    #[error("invalid token configuration: {0}")]
    InvalidConfig(&'static str),
    /// `now + lifetime` does not fit in a timestamp.
    #[error("token expiry overflows")]
    ExpiryOverflow,
    /// Signing the token failed.
    #[error("failed to sign token")]
    SigningFailed,
    /// The encoded token is longer than the nodes accept.
    #[error("token exceeds max length (512)")]
    TooLong,
    /// The `SignedToken` could not be decoded or lacks its public key.
    #[error("invalid signed token: protobuf parsing error: {0}")]
    InvalidSignedToken(String),
    /// The public key has the wrong length or is not a valid point.
    #[error("invalid public key")]
    InvalidPublicKey,
    /// The public key type is valid but not supported by this implementation (Ed25519).
    #[error("unsupported public key type")]
    UnsupportedKeyType,
    /// The signature does not verify (wrong key, altered token, high-s, wrong length).
    #[error("invalid signature")]
    InvalidSignature,
    /// The signed `Token` could not be decoded or lacks a required field.
    #[error("invalid token: protobuf parsing error: {0}")]
    InvalidToken(String),
    /// `expires_at` is before `now`.
    #[error("token is expired")]
    Expired,
    /// The token names another node.
    #[error("invalid token target identity")]
    WrongTarget,
}
