//! Permissions on stored values, and deltas that grant or revoke them.
//!
//! The API follows the official Python SDK 0.2.0 (`Permissions.defaults_for_user`,
//! `allow_retrieve/update/delete/compute`, `PermissionsDelta` of grant/revoke commands), with
//! the nodes' semantics:
//!
//! | Action | Requirement |
//! |---|---|
//! | retrieve values, retrieve permissions | user in `retrieve` |
//! | update values | user in `update` |
//! | delete values | user in `delete` |
//! | overwrite or update permissions | user is the `owner` |
//! | compute with the values | `compute[user]` contains the exact program id |
//!
//! The owner has no other implicit rights. Lists on the wire are sets; the compute list is a map
//! keyed by user where, on a duplicate user, the last entry wins. Sets here are ordered, so the
//! encoding is deterministic.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::vec::Vec;

use nilvm_proto::nillion::auth::v1::user::UserId as ProtoUserId;
use nilvm_proto::nillion::payments::v1::receipt::SignedReceipt;
use nilvm_proto::nillion::permissions::v1::permissions as proto;
use nilvm_proto::nillion::permissions::v1::update as proto_update;

use crate::identity::{IdentityError, UserId};

/// Program ids per user: who may use the values in which programs.
pub type ComputePermissions = BTreeMap<UserId, BTreeSet<String>>;

/// Why a permissions message was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PermissionsError {
    /// `owner` is missing (the node's text, trailing space included).
    #[error("protobuf parsing error: 'owner' not set ")]
    MissingOwner,
    /// A compute entry has no user.
    #[error("protobuf parsing error: 'user' not set")]
    MissingComputeUser,
    /// A user id is not 20 bytes.
    #[error("protobuf parsing error: invalid user id length")]
    InvalidUserId(#[source] IdentityError),
}

/// The permissions record of a set of stored values.
///
/// ```
/// use nilvm_core::identity::UserId;
/// use nilvm_core::permissions::Permissions;
///
/// let me = UserId::from_bytes([1; 20]);
/// let friend = UserId::from_bytes([2; 20]);
/// let permissions = Permissions::defaults_for_user(me)
///     .allow_retrieve(friend)
///     .allow_compute(friend, "builtin/tecdsa_sign");
/// assert!(permissions.is_retrieve_allowed(&friend));
/// assert!(!permissions.is_delete_allowed(&friend));
/// assert!(permissions.is_compute_allowed(&friend, "builtin/tecdsa_sign"));
/// assert!(permissions.is_update_permissions_allowed(&me));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Permissions {
    /// The owner: the only user who may overwrite or update these permissions.
    pub owner: UserId,
    /// Users who may retrieve the values and their permissions.
    pub retrieve: BTreeSet<UserId>,
    /// Users who may update (replace) the values.
    pub update: BTreeSet<UserId>,
    /// Users who may delete the values.
    pub delete: BTreeSet<UserId>,
    /// Users who may use the values in computations, per program id.
    pub compute: ComputePermissions,
}

impl Permissions {
    /// Permissions owned by `owner` that allow nothing to anyone.
    pub fn new(owner: UserId) -> Self {
        Permissions {
            owner,
            retrieve: BTreeSet::new(),
            update: BTreeSet::new(),
            delete: BTreeSet::new(),
            compute: BTreeMap::new(),
        }
    }

    /// The defaults both SDKs use: owned by `user`, who may retrieve, update and delete; no
    /// compute permissions.
    pub fn defaults_for_user(user: UserId) -> Self {
        Permissions::new(user)
            .allow_retrieve(user)
            .allow_update(user)
            .allow_delete(user)
    }

    /// Also allows `user` to retrieve the values (and their permissions).
    #[must_use]
    pub fn allow_retrieve(mut self, user: UserId) -> Self {
        self.retrieve.insert(user);
        self
    }

    /// Also allows `user` to update the values.
    #[must_use]
    pub fn allow_update(mut self, user: UserId) -> Self {
        self.update.insert(user);
        self
    }

    /// Also allows `user` to delete the values.
    #[must_use]
    pub fn allow_delete(mut self, user: UserId) -> Self {
        self.delete.insert(user);
        self
    }

    /// Also allows `user` to use the values when invoking `program_id` (matched exactly).
    #[must_use]
    pub fn allow_compute(mut self, user: UserId, program_id: impl Into<String>) -> Self {
        self.compute
            .entry(user)
            .or_default()
            .insert(program_id.into());
        self
    }

    /// Whether `user` may retrieve the values.
    pub fn is_retrieve_allowed(&self, user: &UserId) -> bool {
        self.retrieve.contains(user)
    }

    /// Whether `user` may update the values.
    pub fn is_update_allowed(&self, user: &UserId) -> bool {
        self.update.contains(user)
    }

    /// Whether `user` may delete the values.
    pub fn is_delete_allowed(&self, user: &UserId) -> bool {
        self.delete.contains(user)
    }

    /// Whether `user` may use the values when invoking `program_id`.
    pub fn is_compute_allowed(&self, user: &UserId, program_id: &str) -> bool {
        self.compute
            .get(user)
            .is_some_and(|programs| programs.contains(program_id))
    }

    /// Whether `user` may retrieve these permissions (the `retrieve` set).
    pub fn is_retrieve_permissions_allowed(&self, user: &UserId) -> bool {
        self.is_retrieve_allowed(user)
    }

    /// Whether `user` may overwrite or update these permissions (only the owner).
    pub fn is_update_permissions_allowed(&self, user: &UserId) -> bool {
        &self.owner == user
    }

    /// Applies a delta as the nodes do: all grants first (compute grants create the user's
    /// entry even when empty), then all revokes (a compute entry left empty is removed), so a
    /// revoke wins over a grant of the same thing. The owner never changes.
    pub fn apply(&mut self, delta: &PermissionsDelta) {
        self.retrieve.extend(delta.retrieve.grant.iter().copied());
        self.update.extend(delta.update.grant.iter().copied());
        self.delete.extend(delta.delete.grant.iter().copied());
        for (user, programs) in &delta.compute.grant {
            self.compute
                .entry(*user)
                .or_default()
                .extend(programs.iter().cloned());
        }
        for user in &delta.retrieve.revoke {
            self.retrieve.remove(user);
        }
        for user in &delta.update.revoke {
            self.update.remove(user);
        }
        for user in &delta.delete.revoke {
            self.delete.remove(user);
        }
        for (user, programs) in &delta.compute.revoke {
            if let Some(held) = self.compute.get_mut(user) {
                for program in programs {
                    held.remove(program);
                }
                if held.is_empty() {
                    self.compute.remove(user);
                }
            }
        }
    }

    /// The protobuf message.
    pub fn to_proto(&self) -> proto::Permissions {
        proto::Permissions {
            owner: Some(self.owner.into()),
            retrieve: users_to_proto(&self.retrieve),
            update: users_to_proto(&self.update),
            delete: users_to_proto(&self.delete),
            compute: compute_to_proto(&self.compute),
        }
    }

    /// Parses the protobuf message: owner required, user ids 20 bytes, duplicates collapse.
    pub fn from_proto(message: &proto::Permissions) -> Result<Self, PermissionsError> {
        let owner = message
            .owner
            .as_ref()
            .ok_or(PermissionsError::MissingOwner)
            .and_then(user_from_proto)?;
        Ok(Permissions {
            owner,
            retrieve: users_from_proto(&message.retrieve)?,
            update: users_from_proto(&message.update)?,
            delete: users_from_proto(&message.delete)?,
            compute: compute_from_proto(&message.compute)?,
        })
    }
}

impl From<&Permissions> for proto::Permissions {
    fn from(value: &Permissions) -> Self {
        value.to_proto()
    }
}

impl TryFrom<&proto::Permissions> for Permissions {
    type Error = PermissionsError;

    fn try_from(value: &proto::Permissions) -> Result<Self, Self::Error> {
        Permissions::from_proto(value)
    }
}

/// Users to grant and to revoke one permission.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PermissionCommand {
    /// Users who gain the permission.
    pub grant: BTreeSet<UserId>,
    /// Users who lose it.
    pub revoke: BTreeSet<UserId>,
}

impl PermissionCommand {
    /// The protobuf message.
    pub fn to_proto(&self) -> proto_update::PermissionCommand {
        proto_update::PermissionCommand {
            grant: users_to_proto(&self.grant),
            revoke: users_to_proto(&self.revoke),
        }
    }

    /// Parses the protobuf message.
    pub fn from_proto(message: &proto_update::PermissionCommand) -> Result<Self, PermissionsError> {
        Ok(PermissionCommand {
            grant: users_from_proto(&message.grant)?,
            revoke: users_from_proto(&message.revoke)?,
        })
    }

    fn is_empty(&self) -> bool {
        self.grant.is_empty() && self.revoke.is_empty()
    }
}

/// Program ids to grant and to revoke per user.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ComputePermissionCommand {
    /// Program ids users gain.
    pub grant: ComputePermissions,
    /// Program ids users lose.
    pub revoke: ComputePermissions,
}

impl ComputePermissionCommand {
    /// The protobuf message.
    pub fn to_proto(&self) -> proto_update::ComputePermissionCommand {
        proto_update::ComputePermissionCommand {
            grant: compute_to_proto(&self.grant),
            revoke: compute_to_proto(&self.revoke),
        }
    }

    /// Parses the protobuf message (duplicate users: the last entry wins).
    pub fn from_proto(
        message: &proto_update::ComputePermissionCommand,
    ) -> Result<Self, PermissionsError> {
        Ok(ComputePermissionCommand {
            grant: compute_from_proto(&message.grant)?,
            revoke: compute_from_proto(&message.revoke)?,
        })
    }

    fn is_empty(&self) -> bool {
        self.grant.is_empty() && self.revoke.is_empty()
    }
}

/// Changes to apply to a permissions record (UpdatePermissions; owner only).
///
/// ```
/// use nilvm_core::identity::UserId;
/// use nilvm_core::permissions::{Permissions, PermissionsDelta};
///
/// let me = UserId::from_bytes([1; 20]);
/// let friend = UserId::from_bytes([2; 20]);
/// let delta = PermissionsDelta::new().grant_retrieve(friend).revoke_delete(me);
/// let mut permissions = Permissions::defaults_for_user(me);
/// permissions.apply(&delta);
/// assert!(permissions.is_retrieve_allowed(&friend));
/// assert!(!permissions.is_delete_allowed(&me));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PermissionsDelta {
    /// Changes to `retrieve`.
    pub retrieve: PermissionCommand,
    /// Changes to `update`.
    pub update: PermissionCommand,
    /// Changes to `delete`.
    pub delete: PermissionCommand,
    /// Changes to `compute`.
    pub compute: ComputePermissionCommand,
}

impl PermissionsDelta {
    /// A delta that changes nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Grants `user` retrieve.
    #[must_use]
    pub fn grant_retrieve(mut self, user: UserId) -> Self {
        self.retrieve.grant.insert(user);
        self
    }

    /// Revokes retrieve from `user`.
    #[must_use]
    pub fn revoke_retrieve(mut self, user: UserId) -> Self {
        self.retrieve.revoke.insert(user);
        self
    }

    /// Grants `user` update.
    #[must_use]
    pub fn grant_update(mut self, user: UserId) -> Self {
        self.update.grant.insert(user);
        self
    }

    /// Revokes update from `user`.
    #[must_use]
    pub fn revoke_update(mut self, user: UserId) -> Self {
        self.update.revoke.insert(user);
        self
    }

    /// Grants `user` delete.
    #[must_use]
    pub fn grant_delete(mut self, user: UserId) -> Self {
        self.delete.grant.insert(user);
        self
    }

    /// Revokes delete from `user`.
    #[must_use]
    pub fn revoke_delete(mut self, user: UserId) -> Self {
        self.delete.revoke.insert(user);
        self
    }

    /// Grants `user` compute with `program_id`.
    #[must_use]
    pub fn grant_compute(mut self, user: UserId, program_id: impl Into<String>) -> Self {
        self.compute
            .grant
            .entry(user)
            .or_default()
            .insert(program_id.into());
        self
    }

    /// Revokes compute with `program_id` from `user`.
    #[must_use]
    pub fn revoke_compute(mut self, user: UserId, program_id: impl Into<String>) -> Self {
        self.compute
            .revoke
            .entry(user)
            .or_default()
            .insert(program_id.into());
        self
    }

    /// Whether the delta changes nothing.
    pub fn is_empty(&self) -> bool {
        self.retrieve.is_empty()
            && self.update.is_empty()
            && self.delete.is_empty()
            && self.compute.is_empty()
    }

    /// The UpdatePermissions request carrying this delta. All four commands are sent, possibly
    /// empty, as both SDKs do.
    pub fn to_request(
        &self,
        signed_receipt: SignedReceipt,
    ) -> proto_update::UpdatePermissionsRequest {
        proto_update::UpdatePermissionsRequest {
            signed_receipt: Some(signed_receipt),
            retrieve: Some(self.retrieve.to_proto()),
            update: Some(self.update.to_proto()),
            delete: Some(self.delete.to_proto()),
            compute: Some(self.compute.to_proto()),
        }
    }

    /// The delta of an UpdatePermissions request (node side). Absent commands change nothing.
    pub fn from_request(
        request: &proto_update::UpdatePermissionsRequest,
    ) -> Result<Self, PermissionsError> {
        let command = |c: &Option<proto_update::PermissionCommand>| {
            c.as_ref()
                .map(PermissionCommand::from_proto)
                .transpose()
                .map(Option::unwrap_or_default)
        };
        Ok(PermissionsDelta {
            retrieve: command(&request.retrieve)?,
            update: command(&request.update)?,
            delete: command(&request.delete)?,
            compute: request
                .compute
                .as_ref()
                .map(ComputePermissionCommand::from_proto)
                .transpose()?
                .unwrap_or_default(),
        })
    }
}

fn user_from_proto(user: &ProtoUserId) -> Result<UserId, PermissionsError> {
    UserId::try_from(user).map_err(PermissionsError::InvalidUserId)
}

fn users_from_proto(users: &[ProtoUserId]) -> Result<BTreeSet<UserId>, PermissionsError> {
    users.iter().map(user_from_proto).collect()
}

fn users_to_proto(users: &BTreeSet<UserId>) -> Vec<ProtoUserId> {
    users.iter().map(ProtoUserId::from).collect()
}

fn compute_to_proto(compute: &ComputePermissions) -> Vec<proto::ComputePermissions> {
    compute
        .iter()
        .map(|(user, programs)| proto::ComputePermissions {
            user: Some(user.into()),
            program_ids: programs.iter().cloned().collect(),
        })
        .collect()
}

fn compute_from_proto(
    entries: &[proto::ComputePermissions],
) -> Result<ComputePermissions, PermissionsError> {
    let mut compute = BTreeMap::new();
    for entry in entries {
        let user = entry
            .user
            .as_ref()
            .ok_or(PermissionsError::MissingComputeUser)
            .and_then(user_from_proto)?;
        // A map keyed by user: a later entry for the same user replaces the earlier one.
        compute.insert(user, entry.program_ids.iter().cloned().collect());
    }
    Ok(compute)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(byte: u8) -> UserId {
        UserId::from_bytes([byte; 20])
    }

    #[test]
    fn defaults_and_builders() {
        let p = Permissions::defaults_for_user(user(1));
        assert_eq!(p.owner, user(1));
        assert!(p.is_retrieve_allowed(&user(1)));
        assert!(p.is_update_allowed(&user(1)));
        assert!(p.is_delete_allowed(&user(1)));
        assert!(p.compute.is_empty());
        assert!(!p.is_retrieve_allowed(&user(2)));

        let p = Permissions::new(user(1))
            .allow_retrieve(user(2))
            .allow_update(user(3))
            .allow_delete(user(4))
            .allow_compute(user(5), "p1")
            .allow_compute(user(5), "p2");
        // The owner has no implicit rights.
        assert!(!p.is_retrieve_allowed(&user(1)));
        assert!(p.is_retrieve_permissions_allowed(&user(2)));
        assert!(!p.is_update_permissions_allowed(&user(2)));
        assert!(p.is_update_permissions_allowed(&user(1)));
        assert!(p.is_update_allowed(&user(3)));
        assert!(p.is_delete_allowed(&user(4)));
        assert!(p.is_compute_allowed(&user(5), "p1"));
        assert!(p.is_compute_allowed(&user(5), "p2"));
        assert!(!p.is_compute_allowed(&user(5), "p3"));
        assert!(!p.is_compute_allowed(&user(4), "p1"));
    }

    #[test]
    fn proto_round_trip_is_deterministic() {
        let p = Permissions::defaults_for_user(user(9))
            .allow_retrieve(user(2))
            .allow_compute(user(3), "b")
            .allow_compute(user(3), "a");
        let message = p.to_proto();
        assert_eq!(message.retrieve.len(), 2);
        assert_eq!(message.retrieve[0].contents, [2; 20]);
        assert_eq!(message.compute[0].program_ids, ["a", "b"]);
        assert_eq!(Permissions::from_proto(&message), Ok(p));
    }

    #[test]
    fn proto_sets_and_map_semantics() {
        let mut message = Permissions::new(user(1)).to_proto();
        message.retrieve = alloc::vec![user(2).into(), user(3).into(), user(2).into()];
        message.compute = alloc::vec![
            proto::ComputePermissions {
                user: Some(user(4).into()),
                program_ids: alloc::vec!["x".into(), "x".into()],
            },
            proto::ComputePermissions {
                user: Some(user(4).into()),
                program_ids: alloc::vec!["y".into()],
            },
            proto::ComputePermissions {
                user: Some(user(5).into()),
                program_ids: Vec::new(),
            },
        ];
        let p = Permissions::from_proto(&message).unwrap();
        assert_eq!(p.retrieve.len(), 2);
        // The last entry for a user wins; an empty entry is kept.
        assert!(p.is_compute_allowed(&user(4), "y"));
        assert!(!p.is_compute_allowed(&user(4), "x"));
        assert_eq!(p.compute.get(&user(5)).map(BTreeSet::len), Some(0));

        // Order does not matter for equality.
        let mut reordered = message.clone();
        reordered.retrieve.reverse();
        assert_eq!(Permissions::from_proto(&reordered), Ok(p));
    }

    #[test]
    fn proto_validation() {
        let mut message = Permissions::new(user(1)).to_proto();
        message.owner = None;
        let err = Permissions::from_proto(&message).unwrap_err();
        assert_eq!(err.to_string(), "protobuf parsing error: 'owner' not set ");

        let mut message = Permissions::new(user(1)).to_proto();
        message.owner = Some(ProtoUserId {
            contents: alloc::vec![1; 21],
        });
        let err = Permissions::from_proto(&message).unwrap_err();
        assert_eq!(
            err.to_string(),
            "protobuf parsing error: invalid user id length"
        );

        let mut message = Permissions::new(user(1)).to_proto();
        message.delete = alloc::vec![ProtoUserId {
            contents: Vec::new()
        }];
        assert!(matches!(
            Permissions::from_proto(&message),
            Err(PermissionsError::InvalidUserId(_))
        ));

        let mut message = Permissions::new(user(1)).to_proto();
        message.compute = alloc::vec![proto::ComputePermissions {
            user: None,
            program_ids: Vec::new(),
        }];
        assert_eq!(
            Permissions::from_proto(&message),
            Err(PermissionsError::MissingComputeUser)
        );
    }

    #[test]
    fn apply_grants_then_revokes() {
        let mut p = Permissions::defaults_for_user(user(1)).allow_compute(user(2), "keep");
        let delta = PermissionsDelta::new()
            .grant_retrieve(user(3))
            .revoke_retrieve(user(3)) // same user granted and revoked: revoke wins
            .grant_update(user(4))
            .revoke_delete(user(1))
            .revoke_delete(user(8)) // not held: no effect
            .grant_compute(user(2), "new")
            .revoke_compute(user(2), "keep")
            .grant_compute(user(6), "p")
            .revoke_compute(user(6), "p") // entry created by the grant, then emptied: removed
            .revoke_compute(user(7), "none");
        p.apply(&delta);
        assert!(!p.is_retrieve_allowed(&user(3)));
        assert!(p.is_update_allowed(&user(4)));
        assert!(!p.is_delete_allowed(&user(1)));
        assert!(p.is_compute_allowed(&user(2), "new"));
        assert!(!p.is_compute_allowed(&user(2), "keep"));
        assert!(!p.compute.contains_key(&user(6)));
        assert!(!p.compute.contains_key(&user(7)));
        assert_eq!(p.owner, user(1));

        // A compute grant with no programs still creates the entry.
        let mut delta = PermissionsDelta::new();
        delta.compute.grant.insert(user(9), BTreeSet::new());
        p.apply(&delta);
        assert!(p.compute.contains_key(&user(9)));
    }

    #[test]
    fn delta_request_round_trip() {
        let delta = PermissionsDelta::new()
            .grant_retrieve(user(1))
            .revoke_update(user(2))
            .grant_delete(user(3))
            .grant_compute(user(4), "p")
            .revoke_compute(user(5), "q");
        let request = delta.to_request(SignedReceipt::default());
        assert!(request.retrieve.is_some() && request.compute.is_some());
        assert_eq!(PermissionsDelta::from_request(&request), Ok(delta));

        let empty = PermissionsDelta::new();
        assert!(empty.is_empty());
        let request = empty.to_request(SignedReceipt::default());
        // All four commands are present even when empty.
        assert!(request.update.is_some() && request.delete.is_some());
        assert_eq!(PermissionsDelta::from_request(&request), Ok(empty.clone()));

        // Absent commands mean no change.
        let bare = proto_update::UpdatePermissionsRequest::default();
        assert_eq!(PermissionsDelta::from_request(&bare), Ok(empty));

        let mut bad = request.clone();
        bad.retrieve = Some(proto_update::PermissionCommand {
            grant: alloc::vec![ProtoUserId {
                contents: alloc::vec![0; 5]
            }],
            revoke: Vec::new(),
        });
        assert!(PermissionsDelta::from_request(&bad).is_err());
        let mut bad = request;
        bad.compute = Some(proto_update::ComputePermissionCommand {
            grant: Vec::new(),
            revoke: alloc::vec![proto::ComputePermissions {
                user: None,
                program_ids: Vec::new()
            }],
        });
        assert_eq!(
            PermissionsDelta::from_request(&bad),
            Err(PermissionsError::MissingComputeUser)
        );
    }
}
