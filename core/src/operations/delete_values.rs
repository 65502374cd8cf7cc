//! `delete_values`: delete stored values on every member (free; needs `delete` permission).

use alloc::vec::Vec;

use nilvm_proto::nillion::values::v1::delete::DeleteValuesRequest;
use uuid::Uuid;

use crate::identity::NodeId;
use crate::rpc::{Reply, Request};
use crate::time::Timestamp;

use super::fanout::{Free, NodeCall, members};
use super::{OperationError, RetryPolicy, Target};

/// Deletes one set of values on every member.
#[derive(Debug)]
pub struct DeleteValuesCall {
    members: Vec<NodeId>,
    values_id: Uuid,
}

/// Starts deleting `values_id` on every member. Every member must succeed.
pub fn delete_values(
    now: Timestamp,
    members: &[NodeId],
    values_id: Uuid,
    policy: RetryPolicy,
) -> Free<DeleteValuesCall> {
    Free::start(
        now,
        DeleteValuesCall {
            members: members.to_vec(),
            values_id,
        },
        policy,
    )
}

impl NodeCall for DeleteValuesCall {
    type NodeReply = ();
    type Output = ();

    fn requests(&mut self) -> Vec<(Target, Request)> {
        let request = DeleteValuesRequest {
            values_id: self.values_id.as_bytes().to_vec(),
        };
        members(&self.members)
            .map(|node| (node, Request::DeleteValues(request.clone())))
            .collect()
    }

    fn parse(&mut self, node: &Target, reply: Reply) -> Result<Option<()>, OperationError> {
        match reply {
            Reply::DeleteValues(()) => Ok(Some(())),
            other => Err(OperationError::misbehaving(
                node,
                alloc::format!("unexpected {:?} reply", other.method()),
            )),
        }
    }

    fn finish(self, _replies: Vec<(Target, ())>) -> Result<(), OperationError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operations::testing::{drive, nodes, start};
    use crate::rpc::{Code, Status};

    #[test]
    fn every_member_is_asked_and_must_succeed() {
        let members = nodes(3);
        let id = Uuid::from_bytes([9; 16]);
        let mut seen = Vec::new();
        let result = drive(
            delete_values(start(), &members, id, RetryPolicy::default()),
            |t| {
                seen.push(t.target.clone());
                let Request::DeleteValues(request) = &t.request else {
                    panic!("unexpected {t:?}")
                };
                assert_eq!(request.values_id, id.as_bytes());
                Ok(Reply::DeleteValues(()))
            },
        );
        assert_eq!(result, Ok(()));
        assert_eq!(
            seen,
            members
                .iter()
                .cloned()
                .map(Target::Node)
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn one_refusal_fails_the_operation_with_the_node_named() {
        let members = nodes(3);
        let result = drive(
            delete_values(start(), &members, Uuid::nil(), RetryPolicy::default()),
            |t| {
                if t.target == Target::Node(members[1].clone()) {
                    Err(Status::new(Code::NotFound, "value not found"))
                } else {
                    Ok(Reply::DeleteValues(()))
                }
            },
        );
        let error = result.unwrap_err();
        assert!(error.is_not_found(), "{error:?}");
        assert!(alloc::format!("{error}").contains(&alloc::format!("{}", members[1])));
    }

    #[test]
    fn a_wrong_reply_kind_is_misbehaviour() {
        let members = nodes(2);
        let result = drive(
            delete_values(start(), &members, Uuid::nil(), RetryPolicy::default()),
            |_| Ok(Reply::NodeVersion(Default::default())),
        );
        assert!(matches!(
            result,
            Err(OperationError::Refused { .. } | OperationError::Misbehaving { .. })
        ));
    }
}
