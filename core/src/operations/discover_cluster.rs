//! `cluster`: ask the bootnode for the cluster definition and validate it (free, no token).
//!
//! # Repeated requests
//!
//! A read without a token or receipt: a repeat is answered like the first; retries are safe.

use nilvm_proto::nillion::membership::v1::cluster::Cluster as ClusterReply;

use crate::cluster::Cluster;
use crate::rpc::{Method, Reply, Request};
use crate::time::Timestamp;

use super::fanout::{Free, NodeCall};
use super::{Misbehaviour, OperationError, RetryPolicy, Target};

/// Asks the bootnode for the cluster.
#[derive(Debug)]
pub struct DiscoverClusterCall;

/// Starts discovering the cluster through the bootnode.
pub fn discover_cluster(now: Timestamp, policy: RetryPolicy) -> Free<DiscoverClusterCall> {
    Free::start(now, DiscoverClusterCall, policy)
}

impl NodeCall for DiscoverClusterCall {
    type NodeReply = Cluster;
    type Output = Cluster;

    fn requests(&mut self) -> alloc::vec::Vec<(Target, Request)> {
        alloc::vec![(Target::Bootnode, Request::Cluster(()))]
    }

    fn parse(&mut self, node: &Target, reply: Reply) -> Result<Option<Cluster>, OperationError> {
        let Reply::Cluster(reply) = reply else {
            return Err(OperationError::unexpected_reply(
                node,
                Method::Cluster,
                reply.method(),
            ));
        };
        validate(node, &reply).map(Some)
    }

    fn finish(
        self,
        mut replies: alloc::vec::Vec<(Target, Cluster)>,
    ) -> Result<Cluster, OperationError> {
        replies
            .pop()
            .map(|(_, cluster)| cluster)
            .ok_or(OperationError::ApiMisuse("the bootnode did not reply"))
    }
}

fn validate(node: &Target, reply: &ClusterReply) -> Result<Cluster, OperationError> {
    Cluster::from_proto(reply)
        .map_err(|e| OperationError::misbehaving(node, Misbehaviour::InvalidCluster(e)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::{ClusterMember, Prime};
    use crate::identity::UserKey;
    use crate::operations::OperationContext;
    use crate::operations::testing::{drive, start};

    fn cluster() -> Cluster {
        let members: alloc::vec::Vec<ClusterMember> = (1..=3u8)
            .map(|i| {
                let key = UserKey::from_bytes(&[i; 32]).unwrap().public_key();
                ClusterMember::new(
                    key.node_id(),
                    alloc::format!("http://127.0.0.1:{}", 4000 + u16::from(i)),
                    key,
                )
            })
            .collect();
        Cluster::new(members.clone(), members[0].clone(), Prime::U256, 1, 0).unwrap()
    }

    #[test]
    fn a_valid_cluster_becomes_an_operation_context() {
        let expected = cluster();
        let found = drive(discover_cluster(start(), RetryPolicy::default()), |t| {
            assert_eq!(t.target, Target::Bootnode);
            Ok(Reply::Cluster(expected.to_proto()))
        })
        .unwrap();
        assert_eq!(found, expected);
        let context = OperationContext::new(&found).unwrap();
        assert_eq!(context.members.len(), 3);
        assert_eq!(context.masker.prime(), Prime::U256);
        assert_eq!(context.leader_key, *expected.leader().public_key());
    }

    #[test]
    fn an_invalid_cluster_is_the_bootnodes_fault() {
        let mut reply = cluster().to_proto();
        reply.polynomial_degree = 3;
        let error = drive(discover_cluster(start(), RetryPolicy::default()), |_| {
            Ok(Reply::Cluster(reply.clone()))
        })
        .unwrap_err();
        assert!(
            matches!(
                error,
                OperationError::Misbehaving {
                    node: Target::Bootnode,
                    ..
                }
            ),
            "{error:?}"
        );
    }
}
