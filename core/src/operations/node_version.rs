//! `node_version`: which version a node runs (free, no token).
//!
//! # Repeated requests
//!
//! A read without a token or receipt: a repeat is answered like the first; retries are safe.

use nilvm_proto::nillion::membership::v1::version::NodeVersion;

use crate::rpc::{Reply, Request};
use crate::time::Timestamp;

use super::fanout::Free;
use super::single::SingleCall;
use super::{RetryPolicy, Target};

/// Asks `target` (usually the bootnode) for its version; `version` is unset on local builds.
pub fn node_version(
    now: Timestamp,
    target: Target,
    policy: RetryPolicy,
) -> Free<SingleCall<NodeVersion>> {
    let call = SingleCall::new(target, Request::NodeVersion(()), |reply| match reply {
        Reply::NodeVersion(version) => Some(version),
        _ => None,
    });
    Free::start(now, call, policy)
}
