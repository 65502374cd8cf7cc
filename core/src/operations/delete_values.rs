//! `delete_values`: delete stored values on every member (free; needs `delete` permission).
//!
//! # Repeated requests
//!
//! A delete carries no receipt, so a retry after a lost reply (or a copy of the request) is
//! processed again, and a member that deleted the values the first time answers NOT_FOUND.
//! What a client may conclude from a member's NOT_FOUND: the values are not on that member,
//! which is the delete's goal, whether an earlier attempt deleted them, they expired, or they
//! never reached it. So:
//! - a member's NOT_FOUND counts as "absent there", not as a failure;
//! - the operation succeeds when every member deleted the values or has none of them, as
//!   long as one member deleted them, or a NOT_FOUND came after a retry (the earlier attempt
//!   may have deleted them);
//! - when every member answers NOT_FOUND to its first attempt, nothing was there: the
//!   operation fails with the first member's NOT_FOUND, as the official clients do.
//!
//! Any other refusal (e.g. PERMISSION_DENIED) fails the operation, naming the node.

use alloc::vec::Vec;

use nilvm_proto::nillion::values::v1::delete::DeleteValuesRequest;
use uuid::Uuid;

use crate::identity::NodeId;
use crate::rpc::{Code, Method, Reply, Request, Status};
use crate::time::Timestamp;

use super::fanout::{Free, NodeCall, members};
use super::{OperationError, RetryPolicy, Target};

/// Deletes one set of values on every member.
#[derive(Debug)]
pub struct DeleteValuesCall {
    members: Vec<NodeId>,
    values_id: Uuid,
    /// The first member's NOT_FOUND, if any, to report when no member had the values.
    not_found: Option<(Target, Status)>,
}

/// What one member did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deleted {
    /// It deleted the values.
    Here,
    /// It had none of them (NOT_FOUND); `after_retry` when an earlier attempt may have
    /// deleted them.
    Absent {
        /// Whether the NOT_FOUND answered a retry.
        after_retry: bool,
    },
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
            not_found: None,
        },
        policy,
    )
}

impl NodeCall for DeleteValuesCall {
    type NodeReply = Deleted;
    type Output = ();

    fn requests(&mut self) -> Vec<(Target, Request)> {
        let request = DeleteValuesRequest {
            values_id: self.values_id.as_bytes().to_vec(),
        };
        members(&self.members)
            .map(|node| (node, Request::DeleteValues(request.clone())))
            .collect()
    }

    fn parse(&mut self, node: &Target, reply: Reply) -> Result<Option<Deleted>, OperationError> {
        match reply {
            Reply::DeleteValues(()) => Ok(Some(Deleted::Here)),
            other => Err(OperationError::unexpected_reply(
                node,
                Method::DeleteValues,
                other.method(),
            )),
        }
    }

    fn refused(
        &mut self,
        node: &Target,
        status: Status,
        retries: u32,
    ) -> Result<Deleted, OperationError> {
        if status.code != Code::NotFound {
            return Err(OperationError::from_failed_call(
                node.clone(),
                status,
                retries,
            ));
        }
        self.not_found.get_or_insert((node.clone(), status));
        Ok(Deleted::Absent {
            after_retry: retries > 0,
        })
    }

    fn finish(self, replies: Vec<(Target, Deleted)>) -> Result<(), OperationError> {
        let gone = replies.iter().any(|(_, deleted)| {
            matches!(
                deleted,
                Deleted::Here | Deleted::Absent { after_retry: true }
            )
        });
        match self.not_found {
            Some((node, status)) if !gone => Err(OperationError::Refused { node, status }),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operations::testing::{drive, nodes, start};

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
                    Err(Status::new(Code::PermissionDenied, "permission denied"))
                } else {
                    Ok(Reply::DeleteValues(()))
                }
            },
        );
        let error = result.unwrap_err();
        assert!(error.is_permission_denied(), "{error:?}");
        assert!(alloc::format!("{error}").contains(&alloc::format!("{}", members[1])));
    }

    #[test]
    fn a_member_without_the_values_is_where_the_delete_wanted_them() {
        // Member 1 already deleted them (an earlier copy of the request): NOT_FOUND now.
        let members = nodes(3);
        let result = drive(
            delete_values(start(), &members, Uuid::nil(), RetryPolicy::default()),
            |t| {
                if t.target == Target::Node(members[1].clone()) {
                    Err(Status::new(Code::NotFound, "values not found"))
                } else {
                    Ok(Reply::DeleteValues(()))
                }
            },
        );
        assert_eq!(result, Ok(()));
    }

    #[test]
    fn not_found_after_a_lost_reply_is_success_and_on_first_attempts_is_not_found() {
        let members = nodes(2);
        // Every first attempt's reply is lost after the node deleted (the transport reports
        // UNAVAILABLE); each retry then gets NOT_FOUND.
        let mut attempts: Vec<Target> = Vec::new();
        let result = drive(
            delete_values(start(), &members, Uuid::nil(), RetryPolicy::default()),
            |t| {
                let first = !attempts.contains(&t.target);
                attempts.push(t.target.clone());
                if first {
                    Err(Status::new(Code::Unavailable, "reply lost"))
                } else {
                    Err(Status::new(Code::NotFound, "values not found"))
                }
            },
        );
        assert_eq!(result, Ok(()));
        let result = drive(
            delete_values(start(), &members, Uuid::nil(), RetryPolicy::default()),
            |_| Err(Status::new(Code::NotFound, "values not found")),
        );
        let error = result.unwrap_err();
        assert!(error.is_not_found(), "{error:?}");
        assert!(alloc::format!("{error}").contains(&alloc::format!("{}", members[0])));
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
