//! Paying on nilchain: the [`Payer`] trait, [`NilChainPayer`] and [`NoPayer`].
//!
//! [`NilChainPayer`] makes the same three cosmos gRPC calls as the official Python SDK
//! (through cosmpy): `Account` for the account number and sequence, `BroadcastTx` in SYNC mode,
//! then `GetTx` until the transaction is committed (docs/payments-and-devnet.md §1.2).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use nilvm_core::identity::UserKey;
use nilvm_core::payments::chain_tx::{
    ChainTxError, DEFAULT_GAS_LIMIT, TxParams, nillion_address, pay_for_tx,
};
use nilvm_core::rpc::Status;
use nilvm_proto::Message;
use nilvm_proto::cosmos::auth::v1beta1::query_client::QueryClient as AuthClient;
use nilvm_proto::cosmos::auth::v1beta1::{BaseAccount, QueryAccountRequest};
use nilvm_proto::cosmos::bank::v1beta1::QueryBalanceRequest;
use nilvm_proto::cosmos::bank::v1beta1::query_client::QueryClient as BankClient;
use nilvm_proto::cosmos::tx::v1beta1::GetTxRequest;
use nilvm_proto::cosmos::tx::v1beta1::service_client::ServiceClient as TxClient;
use tonic::transport::Channel;

use crate::channel::{ChannelError, TlsRoots, connect_lazy};
use crate::network::Network;
use crate::status::from_tonic;

/// The type URL an `Account` reply must carry (cosmpy refuses any other).
pub const BASE_ACCOUNT_TYPE_URL: &str = "/cosmos.auth.v1beta1.BaseAccount";

/// A boxed, sendable future (what [`Payer::pay`] returns).
pub type PayFuture<'a> = Pin<Box<dyn Future<Output = Result<String, PayError>> + Send + 'a>>;

/// Pays for operations and add-funds on chain.
pub trait Payer: Send + Sync + fmt::Debug {
    /// Pays `amount_unil` for `resource` (a `MsgPayFor`) and returns the transaction hash once
    /// the transaction is committed.
    fn pay<'a>(&'a self, amount_unil: u64, resource: &'a [u8]) -> PayFuture<'a>;
}

/// Why a payment failed. The variants mirror cosmpy's errors.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PayError {
    /// This payer never pays ([`NoPayer`]).
    #[error("payments are disabled: this client has no payer (operation needs {amount_unil} unil)")]
    Refused {
        /// What the operation asked for.
        amount_unil: u64,
    },
    /// The payer is misconfigured (bad key).
    #[error("invalid payer configuration: {0}")]
    Config(String),
    /// The chain's endpoint is unusable (bad URL, bad TLS setup).
    #[error("invalid payer configuration: {0}")]
    Endpoint(#[from] ChannelError),
    /// The chain does not know the paying account.
    #[error("account {address} not found on chain")]
    AccountNotFound {
        /// The account's address.
        address: String,
    },
    /// The account query answered something other than a `BaseAccount`.
    #[error("unexpected account type {0:?}")]
    UnexpectedAccountType(String),
    /// A chain call failed.
    #[error("chain call {call} failed: {status}")]
    Chain {
        /// The cosmos method, e.g. `BroadcastTx`.
        call: &'static str,
        /// The chain's answer.
        status: Status,
    },
    /// The chain's reply could not be decoded.
    #[error("malformed reply to {call}: {reason}")]
    Malformed {
        /// The cosmos method.
        call: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// Building or signing the transaction failed.
    #[error("cannot build the transaction: {0}")]
    Transaction(#[from] ChainTxError),
    /// The transaction ran out of gas.
    #[error("transaction {hash} ran out of gas: {raw_log}")]
    OutOfGas {
        /// The transaction hash.
        hash: String,
        /// The chain's log.
        raw_log: String,
    },
    /// The fee was too low.
    #[error("transaction {hash} has insufficient fees: {raw_log}")]
    InsufficientFees {
        /// The transaction hash.
        hash: String,
        /// The chain's log.
        raw_log: String,
    },
    /// The chain refused the transaction when it was broadcast.
    #[error("broadcasting transaction {hash} failed with code {code}: {raw_log}")]
    Broadcast {
        /// The transaction hash.
        hash: String,
        /// The result code.
        code: u32,
        /// The chain's log.
        raw_log: String,
    },
    /// The transaction was committed with an error.
    #[error("transaction {hash} failed with code {code}: {raw_log}")]
    TxFailed {
        /// The transaction hash.
        hash: String,
        /// The result code.
        code: u32,
        /// The chain's log.
        raw_log: String,
    },
    /// The transaction was not committed in time.
    #[error("transaction {hash} not committed after {waited:?}")]
    Timeout {
        /// The transaction hash.
        hash: String,
        /// How long the payer waited.
        waited: Duration,
    },
}

/// A payer that refuses every payment: for clients that only use free operations (or pay from
/// a balance that never runs out).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoPayer;

impl Payer for NoPayer {
    fn pay<'a>(&'a self, amount_unil: u64, _resource: &'a [u8]) -> PayFuture<'a> {
        Box::pin(async move { Err(PayError::Refused { amount_unil }) })
    }
}

/// Pays with a nilchain key over the chain's cosmos gRPC endpoint.
///
/// Payments with one payer are serialized: each needs the account's next sequence number.
pub struct NilChainPayer {
    channel: Channel,
    key: UserKey,
    address: String,
    chain_id: String,
    gas_limit: u64,
    gas_price: f64,
    poll_interval: Duration,
    timeout: Duration,
    lock: tokio::sync::Mutex<()>,
}

impl fmt::Debug for NilChainPayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NilChainPayer")
            .field("address", &self.address)
            .field("chain_id", &self.chain_id)
            .field("gas_limit", &self.gas_limit)
            .field("gas_price", &self.gas_price)
            .finish_non_exhaustive()
    }
}

impl NilChainPayer {
    /// A payer for `key` on the chain at `grpc_endpoint` (`http://` or `https://`, with a port).
    /// Defaults: gas limit 10,000,000, gas price 0, GetTx polled every second for 30 s (as the
    /// Python SDK). Must be called within a tokio runtime (the channel connects lazily).
    pub fn new(
        grpc_endpoint: &str,
        chain_id: impl Into<String>,
        key: UserKey,
        tls: &TlsRoots,
    ) -> Result<Self, PayError> {
        let channel = connect_lazy(grpc_endpoint, tls)?;
        let address = nillion_address(&key.public_key())?;
        Ok(Self {
            channel,
            key,
            address,
            chain_id: chain_id.into(),
            gas_limit: DEFAULT_GAS_LIMIT,
            gas_price: 0.0,
            poll_interval: Duration::from_secs(1),
            timeout: Duration::from_secs(30),
            lock: tokio::sync::Mutex::new(()),
        })
    }

    /// A payer for `network`'s chain with `key`.
    pub fn for_network(network: &Network, key: UserKey) -> Result<Self, PayError> {
        let mut payer = Self::new(
            &network.chain_grpc_endpoint,
            network.chain_id.clone(),
            key,
            &network.tls,
        )?;
        if let Some(price) = network.gas_price {
            payer = payer.with_gas_price(price);
        }
        Ok(payer)
    }

    /// A payer for `network`'s chain with the private key its network file names.
    pub fn from_network_key(network: &Network) -> Result<Self, PayError> {
        let hex_key = network.chain_private_key.as_deref().ok_or_else(|| {
            PayError::Config("the network file names no nilchain_private_key".into())
        })?;
        let key = UserKey::from_hex(hex_key.trim())
            .map_err(|_| PayError::Config("nilchain_private_key is not a valid key".into()))?;
        Self::for_network(network, key)
    }

    /// Sets the gas limit of every transaction.
    pub fn with_gas_limit(mut self, gas_limit: u64) -> Self {
        self.gas_limit = gas_limit;
        self
    }

    /// Sets the gas price (unil per gas unit); the fee is `ceil(gas_limit × gas_price)`.
    pub fn with_gas_price(mut self, gas_price: f64) -> Self {
        self.gas_price = if gas_price.is_finite() && gas_price > 0.0 {
            gas_price
        } else {
            0.0
        };
        self
    }

    /// Sets how often and how long to wait for the commit.
    pub fn with_commit_wait(mut self, poll_interval: Duration, timeout: Duration) -> Self {
        self.poll_interval = poll_interval;
        self.timeout = timeout;
        self
    }

    /// The paying account's address.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The paying account's balance in unil (a bank `Balance` query).
    pub async fn balance(&self) -> Result<u64, PayError> {
        let reply = BankClient::new(self.channel.clone())
            .balance(QueryBalanceRequest {
                address: self.address.clone(),
                denom: nilvm_core::payments::chain_tx::DENOM.into(),
            })
            .await
            .map_err(|s| chain_error("Balance", &s))?
            .into_inner();
        let amount = reply.balance.map(|c| c.amount).unwrap_or_default();
        if amount.is_empty() {
            return Ok(0);
        }
        amount.parse().map_err(|_| PayError::Malformed {
            call: "Balance",
            reason: format!("amount {amount:?} is not a number"),
        })
    }

    fn fee_unil(&self) -> u64 {
        // u64 -> f64 loses precision above 2^53 gas, far beyond any real limit.
        let fee = (self.gas_limit as f64 * self.gas_price).ceil();
        if fee.is_finite() && fee > 0.0 {
            fee as u64
        } else {
            0
        }
    }

    async fn account(&self) -> Result<BaseAccount, PayError> {
        let reply = AuthClient::new(self.channel.clone())
            .account(QueryAccountRequest {
                address: self.address.clone(),
            })
            .await
            .map_err(|status| {
                if status.code() == tonic::Code::NotFound {
                    PayError::AccountNotFound {
                        address: self.address.clone(),
                    }
                } else {
                    chain_error("Account", &status)
                }
            })?
            .into_inner();
        let any = reply.account.ok_or_else(|| PayError::Malformed {
            call: "Account",
            reason: "no account in the reply".into(),
        })?;
        if any.type_url != BASE_ACCOUNT_TYPE_URL {
            return Err(PayError::UnexpectedAccountType(any.type_url));
        }
        BaseAccount::decode(any.value.as_slice()).map_err(|e| PayError::Malformed {
            call: "Account",
            reason: e.to_string(),
        })
    }

    async fn pay_now(&self, amount_unil: u64, resource: &[u8]) -> Result<String, PayError> {
        let _one_at_a_time = self.lock.lock().await;
        let account = self.account().await?;
        let params = TxParams {
            chain_id: self.chain_id.clone(),
            account_number: account.account_number,
            sequence: account.sequence,
            gas_limit: self.gas_limit,
            fee_unil: self.fee_unil(),
            memo: String::new(),
        };
        let tx = pay_for_tx(&self.key, &params, resource, amount_unil)?;
        let mut client = TxClient::new(self.channel.clone());
        let response = client
            .broadcast_tx(tx.broadcast_request())
            .await
            .map_err(|s| chain_error("BroadcastTx", &s))?
            .into_inner()
            .tx_response
            .ok_or_else(|| PayError::Malformed {
                call: "BroadcastTx",
                reason: "no tx_response".into(),
            })?;
        // Kept verbatim (uppercase on a real chain): it is what GetTx and the leader look up.
        let hash = if response.txhash.is_empty() {
            tx.tx_hash.clone()
        } else {
            response.txhash.clone()
        };
        if response.code != 0 {
            let raw_log = response.raw_log;
            return Err(if raw_log.contains("out of gas") {
                PayError::OutOfGas { hash, raw_log }
            } else if raw_log.contains("insufficient fees") {
                PayError::InsufficientFees { hash, raw_log }
            } else {
                PayError::Broadcast {
                    hash,
                    code: response.code,
                    raw_log,
                }
            });
        }
        tracing::debug!(%hash, amount_unil, "payment broadcast");
        self.wait_for_commit(&mut client, hash).await
    }

    async fn wait_for_commit(
        &self,
        client: &mut TxClient<Channel>,
        hash: String,
    ) -> Result<String, PayError> {
        let started = tokio::time::Instant::now();
        loop {
            match client.get_tx(GetTxRequest { hash: hash.clone() }).await {
                Ok(reply) => {
                    if let Some(response) = reply.into_inner().tx_response {
                        if response.code != 0 {
                            return Err(PayError::TxFailed {
                                hash,
                                code: response.code,
                                raw_log: response.raw_log,
                            });
                        }
                        return Ok(hash);
                    }
                }
                // "Not committed yet" is an error whose text says "not found" (as cosmpy reads it).
                Err(status) if status.message().contains("not found") => {}
                Err(status) => return Err(chain_error("GetTx", &status)),
            }
            if started.elapsed() >= self.timeout {
                return Err(PayError::Timeout {
                    hash,
                    waited: started.elapsed(),
                });
            }
            tokio::time::sleep(self.poll_interval).await;
        }
    }
}

fn chain_error(call: &'static str, status: &tonic::Status) -> PayError {
    PayError::Chain {
        call,
        status: from_tonic(status),
    }
}

impl Payer for NilChainPayer {
    fn pay<'a>(&'a self, amount_unil: u64, resource: &'a [u8]) -> PayFuture<'a> {
        Box::pin(self.pay_now(amount_unil, resource))
    }
}
