//! `payments_config`: the leader's payment parameters (free).
//!
//! # Repeated requests
//!
//! A read without a receipt: a repeat is answered like the first; retries are safe.

use nilvm_proto::nillion::payments::v1::config::PaymentsConfigResponse;

use crate::identity::NodeId;
use crate::rpc::{Reply, Request};
use crate::time::Timestamp;

use super::fanout::Free;
use super::single::SingleCall;
use super::{RetryPolicy, Target};

/// The minimum add-funds payment (unil) and the credits one NIL buys.
pub type PaymentsConfig = PaymentsConfigResponse;

/// Asks the leader for its payment parameters.
pub fn payments_config(
    now: Timestamp,
    leader: &NodeId,
    policy: RetryPolicy,
) -> Free<SingleCall<PaymentsConfig>> {
    let call = SingleCall::new(
        Target::Node(leader.clone()),
        Request::PaymentsConfig(()),
        |reply| match reply {
            Reply::PaymentsConfig(config) => Some(config),
            _ => None,
        },
    );
    Free::start(now, call, policy)
}
