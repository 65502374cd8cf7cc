//! Signed quotes: signing (leader), verifying and validating (client, and the leader when it
//! gets a quote back in PaymentReceipt).

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use nilvm_proto::Message;
use nilvm_proto::nillion::payments::v1::quote::{
    AuxiliaryMaterialRequirement, PreprocessingRequirement, PriceQuote, PriceQuoteRequest,
    QuoteFees, SignedQuote,
};

use super::OperationKind;
use crate::identity::{IdentityError, UserKey, Verifier};
use crate::time::Timestamp;

/// Length of a quote nonce (the resource paid for on chain).
pub const QUOTE_NONCE_LENGTH: usize = 32;

/// Why a quote was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QuoteError {
    /// Signing failed (leader side).
    #[error("failed to sign quote")]
    SigningFailed,
    /// The leader's signature does not verify.
    #[error("invalid signature")]
    InvalidSignature(#[source] IdentityError),
    /// The quote bytes are not a `PriceQuote`.
    #[error("malformed quote: {0}")]
    Malformed(String),
    /// A required field is missing.
    #[error("malformed quote: '{0}' not set")]
    MissingField(&'static str),
    /// The nonce is not 32 bytes.
    #[error("malformed quote: nonce is {0} bytes, expected 32")]
    InvalidNonceLength(usize),
    /// The expiry is not a valid timestamp.
    #[error("malformed quote: invalid 'expires_at'")]
    InvalidExpiry,
    /// The quoted request names no operation.
    #[error("malformed quote: no operation")]
    NoOperation,
    /// The quote expired.
    #[error("quote expired at {expires_at} (now {now})")]
    Expired {
        /// The quote's expiry.
        expires_at: Timestamp,
        /// The time it was checked at.
        now: Timestamp,
    },
    /// The quoted request is not the one we asked for.
    #[error("the quote is for a different request ({quoted}) than the one asked for ({asked:?})")]
    RequestMismatch {
        /// What the quote is for.
        quoted: OperationKind,
        /// What we asked for.
        asked: Option<OperationKind>,
    },
    /// The fee is above the user's maximum.
    #[error("quoted fee of {quoted} {unit} is above the maximum of {max}")]
    OverMaxFee {
        /// `"unil"` or `"credits"`.
        unit: &'static str,
        /// The quoted amount.
        quoted: u64,
        /// The maximum.
        max: u64,
    },
}

/// The fee of a quote: `tokens` (unil, paid on chain) or `credits` (deducted from the balance).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Fees {
    /// unil to pay on chain when paying per operation.
    pub tokens: u64,
    /// Credits deducted when paying from the balance.
    pub credits: u64,
}

/// A user-set ceiling on fees; `None` means no limit on that unit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MaxFee {
    /// Maximum unil.
    pub tokens: Option<u64>,
    /// Maximum credits.
    pub credits: Option<u64>,
}

impl MaxFee {
    /// Whether `fees` is within the limits.
    pub fn check(&self, fees: &Fees) -> Result<(), QuoteError> {
        if let Some(max) = self.tokens.filter(|max| fees.tokens > *max) {
            return Err(QuoteError::OverMaxFee {
                unit: "unil",
                quoted: fees.tokens,
                max,
            });
        }
        if let Some(max) = self.credits.filter(|max| fees.credits > *max) {
            return Err(QuoteError::OverMaxFee {
                unit: "credits",
                quoted: fees.credits,
                max,
            });
        }
        Ok(())
    }
}

/// A decoded quote whose leader signature verified. It keeps the signed bytes, which go back to
/// the leader unchanged in the receipt request.
#[derive(Clone, Debug, PartialEq)]
pub struct Quote {
    nonce: [u8; QUOTE_NONCE_LENGTH],
    fees: Fees,
    request: PriceQuoteRequest,
    kind: OperationKind,
    expires_at: Timestamp,
    preprocessing_requirements: Vec<PreprocessingRequirement>,
    auxiliary_material_requirements: Vec<AuxiliaryMaterialRequirement>,
    signed: SignedQuote,
}

impl Quote {
    /// The nonce: the resource of the on-chain payment.
    pub fn nonce(&self) -> &[u8; QUOTE_NONCE_LENGTH] {
        &self.nonce
    }

    /// The fees.
    pub fn fees(&self) -> Fees {
        self.fees
    }

    /// The quoted request (the leader's re-encoding of what was asked).
    pub fn request(&self) -> &PriceQuoteRequest {
        &self.request
    }

    /// The operation quoted.
    pub fn kind(&self) -> OperationKind {
        self.kind
    }

    /// When the quote expires.
    pub fn expires_at(&self) -> Timestamp {
        self.expires_at
    }

    /// Whether the quote is expired at `now` (`expires_at < now`, as the leader checks).
    pub fn is_expired(&self, now: Timestamp) -> bool {
        self.expires_at < now
    }

    /// Preprocessing elements the operation needs.
    pub fn preprocessing_requirements(&self) -> &[PreprocessingRequirement] {
        &self.preprocessing_requirements
    }

    /// Auxiliary material the operation needs.
    pub fn auxiliary_material_requirements(&self) -> &[AuxiliaryMaterialRequirement] {
        &self.auxiliary_material_requirements
    }

    /// The signed quote as received.
    pub fn signed(&self) -> &SignedQuote {
        &self.signed
    }

    /// Client checks: the quoted request equals `expected` exactly (field by field, `ttl_days`
    /// presence included), the quote is not expired at `now`, and the fees are within
    /// `max_fee`.
    pub fn check(
        &self,
        expected: &PriceQuoteRequest,
        now: Timestamp,
        max_fee: Option<&MaxFee>,
    ) -> Result<(), QuoteError> {
        if &self.request != expected {
            return Err(QuoteError::RequestMismatch {
                quoted: self.kind,
                asked: OperationKind::of_request(expected),
            });
        }
        if self.is_expired(now) {
            return Err(QuoteError::Expired {
                expires_at: self.expires_at,
                now,
            });
        }
        if let Some(max_fee) = max_fee {
            max_fee.check(&self.fees)?;
        }
        Ok(())
    }
}

/// The quote a leader gives for `request` (leader side).
pub fn price_quote(
    request: PriceQuoteRequest,
    fees: Fees,
    nonce: [u8; QUOTE_NONCE_LENGTH],
    expires_at: Timestamp,
) -> PriceQuote {
    PriceQuote {
        nonce: nonce.to_vec(),
        fees: Some(QuoteFees {
            tokens: fees.tokens,
            credits: fees.credits,
        }),
        request: Some(request),
        expires_at: Some(expires_at.into()),
        preprocessing_requirements: Vec::new(),
        auxiliary_material_requirements: Vec::new(),
    }
}

/// Encodes and signs a quote with the leader's key (leader side).
pub fn sign_quote(leader: &UserKey, quote: &PriceQuote) -> Result<SignedQuote, QuoteError> {
    let bytes = quote.encode_to_vec();
    let signature = leader.sign(&bytes).map_err(|_| QuoteError::SigningFailed)?;
    Ok(SignedQuote {
        quote: bytes,
        signature: signature.to_vec(),
    })
}

/// Verifies the leader's signature over the quote bytes (low-s only) and decodes them,
/// requiring the nonce (32 bytes), fees, request (with an operation) and expiry. Used by clients
/// and by the leader when a quote comes back in PaymentReceipt.
pub fn verify_signed_quote<'k>(
    signed: &SignedQuote,
    leader_key: impl Into<Verifier<'k>>,
) -> Result<Quote, QuoteError> {
    leader_key
        .into()
        .verify(&signed.quote, &signed.signature)
        .map_err(QuoteError::InvalidSignature)?;
    let quote = PriceQuote::decode(signed.quote.as_slice())
        .map_err(|e| QuoteError::Malformed(e.to_string()))?;
    let nonce = quote
        .nonce
        .as_slice()
        .try_into()
        .map_err(|_| QuoteError::InvalidNonceLength(quote.nonce.len()))?;
    let fees = quote.fees.ok_or(QuoteError::MissingField("fees"))?;
    let request = quote.request.ok_or(QuoteError::MissingField("request"))?;
    let kind = OperationKind::of_request(&request).ok_or(QuoteError::NoOperation)?;
    let expires_at = quote
        .expires_at
        .as_ref()
        .ok_or(QuoteError::MissingField("expires_at"))
        .and_then(|t| Timestamp::try_from(t).map_err(|_| QuoteError::InvalidExpiry))?;
    Ok(Quote {
        nonce,
        fees: Fees {
            tokens: fees.tokens,
            credits: fees.credits,
        },
        request,
        kind,
        expires_at,
        preprocessing_requirements: quote.preprocessing_requirements,
        auxiliary_material_requirements: quote.auxiliary_material_requirements,
        signed: signed.clone(),
    })
}

/// Everything a client checks on a quote before paying: [`verify_signed_quote`] and then
/// [`Quote::check`].
pub fn validate_quote<'k>(
    signed: &SignedQuote,
    leader_key: impl Into<Verifier<'k>>,
    expected: &PriceQuoteRequest,
    now: Timestamp,
    max_fee: Option<&MaxFee>,
) -> Result<Quote, QuoteError> {
    let quote = verify_signed_quote(signed, leader_key)?;
    quote.check(expected, now, max_fee)?;
    Ok(quote)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::payments::quote_request;
    use crate::payments::quote_request::StoreValuesCounts;

    pub(crate) fn leader() -> UserKey {
        UserKey::from_bytes(&[0x51; 32]).unwrap()
    }

    pub(crate) fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_seconds(seconds)
    }

    pub(crate) const FEES: Fees = Fees {
        tokens: 1_000_000,
        credits: 100,
    };

    pub(crate) fn store_request() -> PriceQuoteRequest {
        let counts = StoreValuesCounts {
            secret_shared: 1,
            public_values: 2,
            ..StoreValuesCounts::default()
        };
        quote_request::store_values(&counts, 64, Some(3))
    }

    pub(crate) fn signed_quote(request: PriceQuoteRequest, expires: i64) -> SignedQuote {
        sign_quote(&leader(), &price_quote(request, FEES, [4; 32], at(expires))).unwrap()
    }

    #[test]
    fn valid_quote() {
        let signed = signed_quote(store_request(), 1000);
        let quote = validate_quote(
            &signed,
            &leader().public_key(),
            &store_request(),
            at(1000),
            None,
        )
        .unwrap();
        assert_eq!(quote.fees(), FEES);
        assert_eq!(quote.nonce(), &[4; 32]);
        assert_eq!(quote.kind(), OperationKind::StoreValues);
        assert_eq!(quote.expires_at(), at(1000));
        assert_eq!(quote.signed(), &signed);
        assert!(quote.preprocessing_requirements().is_empty());
        assert!(quote.auxiliary_material_requirements().is_empty());
    }

    #[test]
    fn wrong_signature_or_altered_quote() {
        let signed = signed_quote(store_request(), 1000);
        let other = UserKey::from_bytes(&[0x52; 32]).unwrap().public_key();
        assert!(matches!(
            validate_quote(&signed, &other, &store_request(), at(0), None),
            Err(QuoteError::InvalidSignature(
                IdentityError::InvalidSignature
            ))
        ));
        // Lower the price in the quote bytes: the signature no longer matches.
        let mut quote = PriceQuote::decode(signed.quote.as_slice()).unwrap();
        quote.fees = Some(QuoteFees {
            tokens: 1,
            credits: 1,
        });
        let altered = SignedQuote {
            quote: quote.encode_to_vec(),
            signature: signed.signature.clone(),
        };
        let err = validate_quote(
            &altered,
            &leader().public_key(),
            &store_request(),
            at(0),
            None,
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "invalid signature");
        let mut truncated = signed.clone();
        truncated.signature.pop();
        assert!(matches!(
            verify_signed_quote(&truncated, &leader().public_key()),
            Err(QuoteError::InvalidSignature(
                IdentityError::InvalidSignatureLength(63)
            ))
        ));
        let mut high = signed;
        let sig: [u8; 64] = high.signature.as_slice().try_into().unwrap();
        high.signature = crate::identity::key_tests_high_s(&sig).to_vec();
        assert!(matches!(
            verify_signed_quote(&high, &leader().public_key()),
            Err(QuoteError::InvalidSignature(IdentityError::HighS))
        ));
    }

    #[test]
    fn quote_for_another_request() {
        let signed = signed_quote(store_request(), 1000);
        let key = leader().public_key();
        // Another operation.
        let err =
            validate_quote(&signed, &key, &quote_request::pool_status(), at(0), None).unwrap_err();
        assert_eq!(
            err,
            QuoteError::RequestMismatch {
                quoted: OperationKind::StoreValues,
                asked: Some(OperationKind::PoolStatus)
            }
        );
        // Same operation, other TTL presence.
        let counts = StoreValuesCounts {
            secret_shared: 1,
            public_values: 2,
            ..StoreValuesCounts::default()
        };
        for other in [
            quote_request::store_values(&counts, 64, None),
            quote_request::store_values(&counts, 65, Some(3)),
        ] {
            assert!(matches!(
                validate_quote(&signed, &key, &other, at(0), None),
                Err(QuoteError::RequestMismatch { .. })
            ));
        }
    }

    #[test]
    fn expired_quote() {
        let signed = signed_quote(store_request(), 1000);
        let err = validate_quote(
            &signed,
            &leader().public_key(),
            &store_request(),
            Timestamp::new(1000, 1).unwrap(),
            None,
        )
        .unwrap_err();
        assert!(matches!(err, QuoteError::Expired { .. }));
    }

    #[test]
    fn over_max_fee() {
        let signed = signed_quote(store_request(), 1000);
        let key = leader().public_key();
        let ok = MaxFee {
            tokens: Some(1_000_000),
            credits: Some(100),
        };
        assert!(validate_quote(&signed, &key, &store_request(), at(0), Some(&ok)).is_ok());
        let tokens = MaxFee {
            tokens: Some(999_999),
            credits: None,
        };
        assert_eq!(
            validate_quote(&signed, &key, &store_request(), at(0), Some(&tokens)),
            Err(QuoteError::OverMaxFee {
                unit: "unil",
                quoted: 1_000_000,
                max: 999_999
            })
        );
        let credits = MaxFee {
            tokens: None,
            credits: Some(99),
        };
        assert!(matches!(
            validate_quote(&signed, &key, &store_request(), at(0), Some(&credits)),
            Err(QuoteError::OverMaxFee {
                unit: "credits",
                ..
            })
        ));
    }

    fn sign_raw(quote: &PriceQuote) -> SignedQuote {
        sign_quote(&leader(), quote).unwrap()
    }

    #[test]
    fn malformed_quotes() {
        let key = leader().public_key();
        let good = price_quote(store_request(), FEES, [4; 32], at(10));

        let mut q = good.clone();
        q.nonce.pop();
        assert_eq!(
            verify_signed_quote(&sign_raw(&q), &key),
            Err(QuoteError::InvalidNonceLength(31))
        );
        let mut q = good.clone();
        q.fees = None;
        assert_eq!(
            verify_signed_quote(&sign_raw(&q), &key),
            Err(QuoteError::MissingField("fees"))
        );
        let mut q = good.clone();
        q.request = None;
        assert_eq!(
            verify_signed_quote(&sign_raw(&q), &key),
            Err(QuoteError::MissingField("request"))
        );
        let mut q = good.clone();
        q.request = Some(PriceQuoteRequest::default());
        assert_eq!(
            verify_signed_quote(&sign_raw(&q), &key),
            Err(QuoteError::NoOperation)
        );
        let mut q = good.clone();
        q.expires_at = None;
        assert_eq!(
            verify_signed_quote(&sign_raw(&q), &key),
            Err(QuoteError::MissingField("expires_at"))
        );
        let mut q = good;
        q.expires_at = Some(nilvm_proto::well_known::Timestamp {
            seconds: 0,
            nanos: -1,
        });
        assert_eq!(
            verify_signed_quote(&sign_raw(&q), &key),
            Err(QuoteError::InvalidExpiry)
        );

        let bytes = alloc::vec![0xff; 8];
        let signature = leader().sign(&bytes).unwrap().to_vec();
        let garbage = SignedQuote {
            quote: bytes,
            signature,
        };
        assert!(matches!(
            verify_signed_quote(&garbage, &key),
            Err(QuoteError::Malformed(_))
        ));
    }
}
