//! `balance`: the caller's balance with the leader, in credits (free).
//!
//! # Repeated requests
//!
//! A read without a receipt: a repeat is answered like the first; retries are safe.

use crate::identity::NodeId;
use crate::rpc::{Reply, Request};
use crate::time::Timestamp;

use super::fanout::Free;
use super::single::SingleCall;
use super::{RetryPolicy, Target};

/// A user's balance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccountBalance {
    /// In credits.
    pub balance: u64,
    /// When the balance last changed.
    pub last_updated: Timestamp,
    /// When the balance expires.
    pub expires_at: Timestamp,
}

/// Asks the leader for the authenticated caller's balance.
pub fn account_balance(
    now: Timestamp,
    leader: &NodeId,
    policy: RetryPolicy,
) -> Free<SingleCall<AccountBalance>> {
    let call = SingleCall::new(
        Target::Node(leader.clone()),
        Request::AccountBalance(()),
        |reply| match reply {
            // Both timestamps are required, as the official Rust client requires them.
            Reply::AccountBalance(reply) => Some(AccountBalance {
                balance: reply.balance,
                last_updated: Timestamp::try_from(reply.last_updated?).ok()?,
                expires_at: Timestamp::try_from(reply.expires_at?).ok()?,
            }),
            _ => None,
        },
    );
    Free::start(now, call, policy)
}
