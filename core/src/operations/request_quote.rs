//! `request_quote`: ask the leader what an operation costs, and check what it signed.
//!
//! The official clients trust the quote blindly; we check that the leader signed it, that it
//! quotes exactly what we asked, that it has not expired, and (optionally) that it costs no
//! more than the caller allows.

use alloc::string::String;
use alloc::vec::Vec;

use nilvm_proto::Message;
use nilvm_proto::nillion::payments::v1::quote::{PriceQuote, PriceQuoteRequest, SignedQuote};

use crate::identity::{NodeId, PublicKey};
use crate::rpc::{Reply, Request};
use crate::time::Timestamp;

use super::fanout::{Free, NodeCall};
use super::{OperationError, RetryPolicy, Target};

/// A quote the leader signed, checked against what was asked.
#[derive(Clone, Debug, PartialEq)]
pub struct Quote {
    /// The quote exactly as signed; the receipt request sends it back unchanged.
    pub signed: SignedQuote,
    /// The decoded quote.
    pub quote: PriceQuote,
}

impl Quote {
    /// The nonce a pay-per-operation payment names as its resource.
    pub fn nonce(&self) -> &[u8] {
        &self.quote.nonce
    }

    /// The price on chain, in unil.
    pub fn tokens(&self) -> u64 {
        self.quote.fees.as_ref().map_or(0, |fees| fees.tokens)
    }

    /// The price from the balance, in credits.
    pub fn credits(&self) -> u64 {
        self.quote.fees.as_ref().map_or(0, |fees| fees.credits)
    }

    /// When the quote stops being accepted.
    pub fn expires_at(&self) -> Option<Timestamp> {
        self.quote
            .expires_at
            .and_then(|t| Timestamp::try_from(t).ok())
    }
}

/// Checks a signed quote: the leader's signature, the request it quotes, expiry, and price.
pub fn check_quote(
    signed: SignedQuote,
    asked: &PriceQuoteRequest,
    leader_key: &PublicKey,
    now: Timestamp,
    max_tokens: Option<u64>,
) -> Result<Quote, String> {
    leader_key
        .verify(&signed.quote, &signed.signature)
        .map_err(|e| {
            alloc::format!("quote signature does not verify with the leader's key: {e}")
        })?;
    let quote = PriceQuote::decode(signed.quote.as_slice())
        .map_err(|e| alloc::format!("undecodable quote: {e}"))?;
    if quote.request.as_ref() != Some(asked) {
        return Err("the quote is for a different request than the one asked".into());
    }
    if quote.fees.is_none() {
        return Err("the quote has no fees".into());
    }
    let quote = Quote { signed, quote };
    match quote.expires_at() {
        None => return Err("the quote has no valid expiry".into()),
        Some(expiry) if expiry <= now => return Err("the quote has already expired".into()),
        Some(_) => {}
    }
    if let Some(max) = max_tokens {
        if quote.tokens() > max {
            return Err(alloc::format!(
                "the quote asks {} unil, more than the maximum of {max}",
                quote.tokens()
            ));
        }
    }
    Ok(quote)
}

/// Quote request, checking the reply.
#[derive(Debug)]
pub struct RequestQuoteCall {
    leader: NodeId,
    leader_key: PublicKey,
    request: PriceQuoteRequest,
    max_tokens: Option<u64>,
    now: Timestamp,
}

/// Asks the leader for a quote for `request`; the result is checked with [`check_quote`].
pub fn request_quote(
    now: Timestamp,
    leader: &NodeId,
    leader_key: &PublicKey,
    request: PriceQuoteRequest,
    max_tokens: Option<u64>,
    policy: RetryPolicy,
) -> Free<RequestQuoteCall> {
    let call = RequestQuoteCall {
        leader: leader.clone(),
        leader_key: *leader_key,
        request,
        max_tokens,
        now,
    };
    Free::start(now, call, policy)
}

impl NodeCall for RequestQuoteCall {
    type NodeReply = Quote;
    type Output = Quote;

    fn requests(&mut self) -> Vec<(Target, Request)> {
        alloc::vec![(
            Target::Node(self.leader.clone()),
            Request::PriceQuote(self.request.clone())
        )]
    }

    fn parse(&mut self, node: &Target, reply: Reply) -> Result<Option<Quote>, OperationError> {
        let Reply::PriceQuote(signed) = reply else {
            return Err(OperationError::misbehaving(
                node,
                "unexpected reply to a quote request",
            ));
        };
        check_quote(
            signed,
            &self.request,
            &self.leader_key,
            self.now,
            self.max_tokens,
        )
        .map(Some)
        .map_err(|reason| {
            OperationError::Payment(alloc::format!("{node} sent a bad quote: {reason}"))
        })
    }

    fn finish(self, mut replies: Vec<(Target, Quote)>) -> Result<Quote, OperationError> {
        replies
            .pop()
            .map(|(_, quote)| quote)
            .ok_or(OperationError::ApiMisuse("no quote"))
    }
}
