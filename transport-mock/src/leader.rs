//! The leader role: quotes and receipts signed with the leader's key, balances in credits, add
//! funds and the payments config (docs/wire-protocol.md §5, docs/payments-and-devnet.md §3).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use nilvm_core::identity::{
    MemoEntry, SignatureMemo, UserId, UserKey, VerifiedSignatures, Verifier,
};
use nilvm_core::payments::add_funds::{
    AddFundsError, check_resource, credits_for_payment, decode_add_funds_payload,
    minimum_payment_unil,
};
use nilvm_core::payments::quote::{Fees, price_quote};
use nilvm_core::payments::receipt::{new_receipt, operation_metadata};
use nilvm_core::payments::{QuoteError, sign_quote, sign_receipt, verify_signed_quote};
use nilvm_core::rpc::{Code, PRECONDITION_FAILURE_TYPE_URL, Status};
use nilvm_core::time::Timestamp;
use nilvm_proto::google::rpc::PreconditionFailure;
use nilvm_proto::google::rpc::precondition_failure::Violation;
use nilvm_proto::nillion::payments::v1::balance::{AccountBalanceResponse, AddFundsRequest};
use nilvm_proto::nillion::payments::v1::config::PaymentsConfigResponse;
use nilvm_proto::nillion::payments::v1::quote::{
    PriceQuoteRequest, SignedQuote, price_quote_request,
};
use nilvm_proto::nillion::payments::v1::receipt::{PaymentReceiptRequest, SignedReceipt};
use rand::Rng;

use crate::chain::Chain;
use crate::config::ClusterConfig;
use crate::programs::{Dkg, parse_program_id};
use crate::status;

/// A balance row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Balance {
    /// Credits.
    pub credits: u64,
    /// The last add or deduction.
    pub updated_at: Timestamp,
}

/// The leader's payment state.
#[derive(Debug)]
pub struct Leader {
    key: UserKey,
    /// Where the leader remembers what it signs, and checks quotes coming back.
    signatures: Arc<VerifiedSignatures>,
    config: ClusterConfig,
    balances: BTreeMap<UserId, Balance>,
    used_quotes: BTreeSet<Vec<u8>>,
    /// Processed add-funds transactions, by uppercase hash.
    transfers: BTreeSet<String>,
    /// The records changed since the cluster last took them (see [`crate::storage`]).
    changes: Vec<LeaderChange>,
}

/// A leader record a request changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum LeaderChange {
    /// A balance row.
    Balance(UserId),
    /// A quote nonce burned.
    Quote(Vec<u8>),
    /// An add-funds transaction processed.
    Transfer(String),
}

impl Leader {
    /// A leader signing with `key`, remembering its signatures in `signatures`.
    pub fn new(key: UserKey, signatures: Arc<VerifiedSignatures>, config: ClusterConfig) -> Self {
        Self {
            key,
            signatures,
            config,
            balances: BTreeMap::new(),
            used_quotes: BTreeSet::new(),
            transfers: BTreeSet::new(),
            changes: Vec::new(),
        }
    }

    /// The records changed since the last call.
    pub(crate) fn take_changes(&mut self) -> Vec<LeaderChange> {
        std::mem::take(&mut self.changes)
    }

    /// A balance row as stored (expired or not), for the state store.
    pub(crate) fn balance_record(&self, user: &UserId) -> Option<Balance> {
        self.balances.get(user).copied()
    }

    /// Brings back a balance row.
    pub(crate) fn restore_balance(&mut self, user: UserId, balance: Balance) {
        self.balances.insert(user, balance);
    }

    /// Brings back a burned quote nonce.
    pub(crate) fn restore_quote(&mut self, nonce: Vec<u8>) {
        self.used_quotes.insert(nonce);
    }

    /// Brings back a processed add-funds transaction.
    pub(crate) fn restore_transfer(&mut self, hash: String) {
        self.transfers.insert(hash);
    }

    /// A user's balance row, if it has one that has not expired at `now`.
    pub fn balance(&self, now: Timestamp, user: &UserId) -> Option<Balance> {
        self.balances
            .get(user)
            .copied()
            .filter(|b| b.updated_at.saturating_add(self.config.balance_expiration) > now)
    }

    /// Sets a balance directly (test setup; the network way is AddFunds).
    pub fn set_balance(&mut self, now: Timestamp, user: UserId, credits: u64) {
        self.changes.push(LeaderChange::Balance(user));
        self.balances.insert(
            user,
            Balance {
                credits,
                updated_at: now,
            },
        );
    }

    /// `Payments/PaymentsConfig`.
    pub fn payments_config(&self) -> PaymentsConfigResponse {
        PaymentsConfigResponse {
            minimum_add_funds_payment: self.minimum_add_funds_unil(),
            credits_per_nil: self.config.credits_per_nil,
        }
    }

    fn minimum_add_funds_unil(&self) -> u64 {
        minimum_payment_unil(
            self.config.minimum_add_funds_credits,
            self.config.credits_per_nil,
        )
        .unwrap_or(u64::MAX)
    }

    /// `Payments/PriceQuote` (no auth). `program_exists` says whether the leader node stores
    /// a program id.
    pub fn price_quote<R: Rng + ?Sized>(
        &mut self,
        now: Timestamp,
        request: &PriceQuoteRequest,
        program_exists: impl Fn(&str) -> bool,
        rng: &mut R,
    ) -> Result<SignedQuote, Status> {
        use price_quote_request::Operation as Op;
        let max = self.config.max_payload_size;
        let too_big = |size: u64| {
            status(
                Code::InvalidArgument,
                format!("payload size ({size}) exceeds maximum ({max})"),
            )
        };
        match &request.operation {
            None => {
                return Err(status(
                    Code::InvalidArgument,
                    "protobuf parsing error: 'operation' not set",
                ));
            }
            Some(Op::StoreValues(q)) if q.payload_size > max => {
                return Err(too_big(q.payload_size));
            }
            Some(Op::InvokeCompute(q)) => {
                if q.values_payload_size > max {
                    return Err(too_big(q.values_payload_size));
                }
                let failed = |e: &str| {
                    status(
                        Code::InvalidArgument,
                        format!("processing target program failed: {e}"),
                    )
                };
                parse_program_id(&q.program_id).map_err(failed)?;
                if Dkg::of(&q.program_id).is_none() && !program_exists(&q.program_id) {
                    return Err(failed("not found"));
                }
            }
            Some(Op::StoreProgram(q)) => {
                let metadata = q.metadata.as_ref().ok_or_else(|| {
                    status(
                        Code::InvalidArgument,
                        "protobuf parsing error: 'metadata' not set",
                    )
                })?;
                if metadata.program_size > max {
                    return Err(too_big(metadata.program_size));
                }
            }
            Some(_) => {}
        }
        let fees = Fees {
            tokens: self.config.price_unil(),
            credits: self.config.price_credits,
        };
        let mut nonce = [0u8; 32];
        rng.fill_bytes(&mut nonce);
        let expires_at = now.saturating_add(self.config.quote_ttl);
        let quote = price_quote(request.clone(), fees, nonce, expires_at);
        let signed =
            sign_quote(&self.key, &quote).map_err(|_| status(Code::Internal, "internal error"))?;
        self.remember(&signed.quote, &signed.signature);
        Ok(signed)
    }

    /// Remembers a signature the leader just made, for the nodes and clients sharing the memo.
    fn remember(&self, message: &[u8], signature: &[u8]) {
        let entry = MemoEntry::new(&self.key.public_key(), message, signature);
        self.signatures.remember(entry);
    }

    /// `Payments/PaymentReceipt`: from the balance (empty `tx_hash`, needs `caller`) or against
    /// an on-chain payment.
    pub fn payment_receipt<R: Rng + ?Sized>(
        &mut self,
        now: Timestamp,
        caller: Option<UserId>,
        request: &PaymentReceiptRequest,
        chain: &Chain,
        rng: &mut R,
    ) -> Result<SignedReceipt, Status> {
        let signed = request.signed_quote.as_ref().ok_or_else(|| {
            status(
                Code::InvalidArgument,
                "protobuf parsing error: 'signed_quote' not set",
            )
        })?;
        let public_key = self.key.public_key();
        let verifier = Verifier::new(&public_key, Some(&*self.signatures));
        let quote = verify_signed_quote(signed, verifier).map_err(|e| match e {
            QuoteError::InvalidSignature(_) => status(Code::InvalidArgument, "invalid signature"),
            _ => status(Code::Internal, "internal error"),
        })?;
        let fees = quote.fees();
        let debit = if request.tx_hash.is_empty() {
            let user =
                caller.ok_or_else(|| status(Code::PermissionDenied, "permissions denied"))?;
            let enough = self
                .balance(now, &user)
                .is_some_and(|b| b.credits >= fees.credits);
            if !enough {
                return Err(not_enough_funds());
            }
            Some(user)
        } else {
            if quote.is_expired(now) {
                return Err(status(Code::FailedPrecondition, "quote expired"));
            }
            let tx = chain
                .tx(&request.tx_hash)
                .ok_or_else(|| status(Code::Unavailable, "transaction not found"))?;
            if tx.height == 0 {
                return Err(status(Code::Unavailable, "transaction not committed"));
            }
            if tx.pay_for.resource != quote.nonce() {
                return Err(status(
                    Code::InvalidArgument,
                    "nonce in payment doens't match nonce in quote",
                ));
            }
            if tx.pay_for.amount_unil < fees.tokens {
                return Err(status(Code::InvalidArgument, "insufficient payment"));
            }
            None
        };
        // One transaction: the nonce is recorded and the balance debited together.
        if self.used_quotes.contains(quote.nonce().as_slice()) {
            return Err(status(Code::FailedPrecondition, "nonce already used"));
        }
        self.used_quotes.insert(quote.nonce().to_vec());
        self.changes
            .push(LeaderChange::Quote(quote.nonce().to_vec()));
        if let Some(user) = debit {
            self.changes.push(LeaderChange::Balance(user));
            if let Some(row) = self.balances.get_mut(&user) {
                row.credits -= fees.credits.min(row.credits);
                row.updated_at = now;
            }
        }
        let metadata = operation_metadata(quote.request(), Vec::new(), Vec::new())
            .ok_or_else(|| status(Code::Internal, "internal error"))?;
        let mut identifier = [0u8; 16];
        rng.fill_bytes(&mut identifier);
        let receipt = new_receipt(
            identifier,
            metadata,
            now.saturating_add(self.config.receipt_ttl),
        );
        let signed = sign_receipt(&self.key, &receipt)
            .map_err(|_| status(Code::Internal, "internal error"))?;
        self.remember(&signed.receipt, &signed.signature);
        Ok(signed)
    }

    /// `Payments/AccountBalance` (needs `caller`).
    pub fn account_balance(
        &self,
        now: Timestamp,
        caller: Option<UserId>,
    ) -> Result<AccountBalanceResponse, Status> {
        let user = caller.ok_or_else(|| status(Code::PermissionDenied, "permissions denied"))?;
        let row = self.balance(now, &user).unwrap_or(Balance {
            credits: 0,
            updated_at: Timestamp::from_unix_seconds(0),
        });
        Ok(AccountBalanceResponse {
            balance: row.credits,
            last_updated: Some(row.updated_at.into()),
            expires_at: Some(
                row.updated_at
                    .saturating_add(self.config.balance_expiration)
                    .into(),
            ),
        })
    }

    /// `Payments/AddFunds` (no auth: the recipient is in the payload).
    pub fn add_funds(
        &mut self,
        now: Timestamp,
        request: &AddFundsRequest,
        chain: &Chain,
    ) -> Result<(), Status> {
        let invalid = |message: &str| status(Code::InvalidArgument, message);
        let payload = decode_add_funds_payload(&request.payload, &self.key.public_key()).map_err(
            |e| match e {
                AddFundsError::InvalidLeaderPublicKey => invalid("invalid leader public key"),
                _ => invalid("invalid payload"),
            },
        )?;
        let tx = chain
            .tx(&request.tx_hash)
            .ok_or_else(|| status(Code::Unavailable, "transaction not found"))?;
        check_resource(&tx.pay_for.resource, &request.payload)
            .map_err(|_| invalid("hash in payment does not match hash of payload"))?;
        let minimum = self.minimum_add_funds_unil();
        // 10 % leeway under the current minimum.
        if u128::from(tx.pay_for.amount_unil) * 10 < u128::from(minimum) * 9 {
            return Err(invalid("payment is too small"));
        }
        let credits = credits_for_payment(tx.pay_for.amount_unil, self.config.credits_per_nil);
        if !self.transfers.insert(tx.hash.to_ascii_uppercase()) {
            return Err(invalid("payment transaction has already been processed"));
        }
        self.changes
            .push(LeaderChange::Transfer(tx.hash.to_ascii_uppercase()));
        self.changes.push(LeaderChange::Balance(payload.recipient));
        let current = self
            .balance(now, &payload.recipient)
            .map_or(0, |b| b.credits);
        self.balances.insert(
            payload.recipient,
            Balance {
                credits: current.saturating_add(credits),
                updated_at: now,
            },
        );
        Ok(())
    }
}

/// FAILED_PRECONDITION "not enough funds" with the `PAYMENT`/`BALANCE` violation clients fall
/// back on.
pub fn not_enough_funds() -> Status {
    let detail = PreconditionFailure {
        violations: vec![Violation {
            r#type: "PAYMENT".into(),
            subject: "BALANCE".into(),
            description: "balance is not enough to cover for operation cost".into(),
        }],
    };
    Status::with_detail(
        Code::FailedPrecondition,
        "not enough funds",
        PRECONDITION_FAILURE_TYPE_URL,
        &detail,
    )
}
