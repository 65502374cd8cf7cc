//! Adding funds to a balance: the payload paid for on chain, and the leader's checks.
//!
//! The client encodes `AddFundsPayload{recipient, nonce (32 random bytes), leader_public_key}`,
//! pays `MsgPayFor{resource = SHA-256(payload bytes)}` and sends `AddFunds{payload, tx_hash}`
//! with the same bytes. The leader hashes the bytes as received.

use alloc::vec::Vec;

use nilvm_proto::Message;
use nilvm_proto::nillion::payments::v1::balance::{
    AddFundsPayload as ProtoPayload, AddFundsRequest,
};
use nilvm_proto::nillion::payments::v1::config::PaymentsConfigResponse;
use rand_core::CryptoRng;

use crate::identity::{PublicKey, UserId, sha256};

/// unil per NIL.
pub const UNIL_PER_NIL: u64 = 1_000_000;

/// Why adding funds was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AddFundsError {
    /// Amount zero (refused locally).
    #[error("amount must be > 0")]
    ZeroAmount,
    /// Amount below the leader's minimum (refused locally).
    #[error("amount {amount} unil is below the minimum of {minimum} unil")]
    BelowMinimum {
        /// The amount asked for.
        amount: u64,
        /// `PaymentsConfig.minimum_add_funds_payment`.
        minimum: u64,
    },
    /// The payload does not decode, lacks a 20-byte recipient, or its nonce is not 32 bytes
    /// (leader side).
    #[error("invalid payload")]
    InvalidPayload,
    /// The payload names another leader key (leader side).
    #[error("invalid leader public key")]
    InvalidLeaderPublicKey,
    /// The payment's resource is not the payload's hash (leader side).
    #[error("hash in payment does not match hash of payload")]
    HashMismatch,
}

/// An encoded add-funds payload and the resource to pay for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddFundsPayload {
    payload: Vec<u8>,
    resource: [u8; 32],
}

impl AddFundsPayload {
    /// A payload crediting `recipient`, with a fresh 32-byte nonce from `rng`.
    /// `leader_public_key` binds the payment to one leader (the official Rust client sets it;
    /// Python 0.2.0 does not know the field).
    pub fn new<R: CryptoRng + ?Sized>(
        recipient: UserId,
        leader_public_key: Option<&PublicKey>,
        rng: &mut R,
    ) -> Self {
        let mut nonce = [0u8; 32];
        rng.fill_bytes(&mut nonce);
        Self::with_nonce(recipient, leader_public_key, nonce)
    }

    /// A payload with a given nonce.
    pub fn with_nonce(
        recipient: UserId,
        leader_public_key: Option<&PublicKey>,
        nonce: [u8; 32],
    ) -> Self {
        let payload = ProtoPayload {
            recipient: Some(recipient.into()),
            nonce: nonce.to_vec(),
            leader_public_key: leader_public_key.map(Into::into),
        }
        .encode_to_vec();
        let resource = sha256(&payload);
        AddFundsPayload { payload, resource }
    }

    /// The encoded payload: send these exact bytes.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// SHA-256 of the payload: the `MsgPayFor` resource.
    pub fn resource(&self) -> &[u8; 32] {
        &self.resource
    }

    /// The AddFunds request once paid.
    pub fn request(&self, tx_hash: impl Into<alloc::string::String>) -> AddFundsRequest {
        AddFundsRequest {
            payload: self.payload.clone(),
            tx_hash: tx_hash.into(),
        }
    }
}

/// The local check before paying: the amount is positive and at least the leader's minimum.
pub fn check_amount(
    amount_unil: u64,
    config: &PaymentsConfigResponse,
) -> Result<(), AddFundsError> {
    if amount_unil == 0 {
        return Err(AddFundsError::ZeroAmount);
    }
    if amount_unil < config.minimum_add_funds_payment {
        return Err(AddFundsError::BelowMinimum {
            amount: amount_unil,
            minimum: config.minimum_add_funds_payment,
        });
    }
    Ok(())
}

/// A decoded add-funds payload (leader side).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodedAddFunds {
    /// Who gets the credits.
    pub recipient: UserId,
    /// The payload nonce.
    pub nonce: [u8; 32],
}

/// Decodes a payload as the leader does: it must decode, name a 20-byte recipient and carry a
/// 32-byte nonce; a leader key, if present, must be `leader_key`.
pub fn decode_add_funds_payload(
    payload: &[u8],
    leader_key: &PublicKey,
) -> Result<DecodedAddFunds, AddFundsError> {
    let decoded = ProtoPayload::decode(payload).map_err(|_| AddFundsError::InvalidPayload)?;
    let recipient = decoded
        .recipient
        .as_ref()
        .and_then(|r| UserId::try_from(r).ok())
        .ok_or(AddFundsError::InvalidPayload)?;
    let nonce = decoded
        .nonce
        .as_slice()
        .try_into()
        .map_err(|_| AddFundsError::InvalidPayload)?;
    if let Some(key) = &decoded.leader_public_key {
        if PublicKey::try_from(key).ok().as_ref() != Some(leader_key) {
            return Err(AddFundsError::InvalidLeaderPublicKey);
        }
    }
    Ok(DecodedAddFunds { recipient, nonce })
}

/// The leader's check that a payment's resource is SHA-256 of the payload bytes as received.
pub fn check_resource(resource: &[u8], payload: &[u8]) -> Result<(), AddFundsError> {
    if resource == sha256(payload) {
        Ok(())
    } else {
        Err(AddFundsError::HashMismatch)
    }
}

/// Credits bought by a payment: `ceil(paid_unil / 10^6 × credits_per_nil)` (devnet:
/// `ceil(paid_unil / 10_000)`). Saturates at `u64::MAX`.
pub fn credits_for_payment(paid_unil: u64, credits_per_nil: u64) -> u64 {
    let product = u128::from(paid_unil) * u128::from(credits_per_nil);
    let credits = product.div_ceil(u128::from(UNIL_PER_NIL));
    u64::try_from(credits).unwrap_or(u64::MAX)
}

/// The minimum add-funds payment in unil for a minimum in credits:
/// `minimum_credits × 10^6 / credits_per_nil` (devnet: 1 credit = 10,000 unil). `None` if
/// `credits_per_nil` is zero or the result overflows.
pub fn minimum_payment_unil(minimum_credits: u64, credits_per_nil: u64) -> Option<u64> {
    let unil = u128::from(minimum_credits).checked_mul(u128::from(UNIL_PER_NIL))?;
    u64::try_from(unil.checked_div(u128::from(credits_per_nil))?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::UserKey;

    fn leader() -> PublicKey {
        UserKey::from_bytes(&[0x33; 32]).unwrap().public_key()
    }

    #[test]
    fn payload_round_trip_and_resource() {
        use rand::SeedableRng;
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let user = UserId::from_bytes([7; 20]);
        let a = AddFundsPayload::new(user, Some(&leader()), &mut rng);
        let b = AddFundsPayload::new(user, Some(&leader()), &mut rng);
        assert_ne!(a.payload(), b.payload(), "fresh nonce each time");
        assert_eq!(a.resource(), &sha256(a.payload()));
        check_resource(a.resource(), a.payload()).unwrap();
        assert_eq!(
            check_resource(b.resource(), a.payload()),
            Err(AddFundsError::HashMismatch)
        );
        let decoded = decode_add_funds_payload(a.payload(), &leader()).unwrap();
        assert_eq!(decoded.recipient, user);
        let request = a.request("TX");
        assert_eq!(
            (request.payload.as_slice(), request.tx_hash.as_str()),
            (a.payload(), "TX")
        );

        // Python 0.2.0 payloads have no leader key.
        let python = AddFundsPayload::with_nonce(user, None, [1; 32]);
        assert_eq!(
            decode_add_funds_payload(python.payload(), &leader())
                .unwrap()
                .nonce,
            [1; 32]
        );
    }

    #[test]
    fn leader_rejections() {
        let user = UserId::from_bytes([7; 20]);
        let other = UserKey::from_bytes(&[0x34; 32]).unwrap().public_key();
        let payload = AddFundsPayload::with_nonce(user, Some(&other), [1; 32]);
        let err = decode_add_funds_payload(payload.payload(), &leader()).unwrap_err();
        assert_eq!(err.to_string(), "invalid leader public key");

        let bad = |p: ProtoPayload| decode_add_funds_payload(&p.encode_to_vec(), &leader());
        let good = ProtoPayload {
            recipient: Some(user.into()),
            nonce: alloc::vec![1; 32],
            leader_public_key: None,
        };
        let mut p = good.clone();
        p.recipient = None;
        assert_eq!(bad(p), Err(AddFundsError::InvalidPayload));
        let mut p = good.clone();
        p.recipient = Some(nilvm_proto::nillion::auth::v1::user::UserId {
            contents: alloc::vec![1; 19],
        });
        assert_eq!(bad(p), Err(AddFundsError::InvalidPayload));
        let mut p = good;
        p.nonce.pop();
        assert_eq!(bad(p), Err(AddFundsError::InvalidPayload));
        assert_eq!(
            decode_add_funds_payload(&[0xff, 0xff], &leader())
                .unwrap_err()
                .to_string(),
            "invalid payload"
        );
    }

    #[test]
    fn amounts_and_credits() {
        let config = PaymentsConfigResponse {
            minimum_add_funds_payment: 10_000,
            credits_per_nil: 100,
        };
        assert_eq!(check_amount(0, &config), Err(AddFundsError::ZeroAmount));
        assert!(matches!(
            check_amount(9_999, &config),
            Err(AddFundsError::BelowMinimum { .. })
        ));
        check_amount(10_000, &config).unwrap();
        // The SDK's test_use_balance: 1,000,000 unil at 100 credits per NIL = 100 credits.
        assert_eq!(credits_for_payment(1_000_000, 100), 100);
        assert_eq!(credits_for_payment(1, 100), 1, "rounded up");
        assert_eq!(credits_for_payment(u64::MAX, u64::MAX), u64::MAX);
        assert_eq!(minimum_payment_unil(1, 100), Some(10_000));
        assert_eq!(minimum_payment_unil(1000, 100), Some(10_000_000));
        assert_eq!(minimum_payment_unil(1, 0), None);
    }
}
