//! Permissions compared as the nodes treat them: user lists as sets, compute as a map.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::vec::Vec;

use nilvm_proto::nillion::permissions::v1::permissions::Permissions;

/// A canonical form of `Permissions` for comparing two members' answers.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct PermissionSets {
    owner: Option<Vec<u8>>,
    retrieve: BTreeSet<Vec<u8>>,
    update: BTreeSet<Vec<u8>>,
    delete: BTreeSet<Vec<u8>>,
    compute: BTreeMap<Vec<u8>, BTreeSet<String>>,
}

impl From<&Permissions> for PermissionSets {
    fn from(p: &Permissions) -> Self {
        let users = |list: &[nilvm_proto::nillion::auth::v1::user::UserId]| {
            list.iter()
                .map(|u| u.contents.clone())
                .collect::<BTreeSet<_>>()
        };
        let mut compute = BTreeMap::new();
        for entry in &p.compute {
            // On a duplicate user the last entry wins, as on the nodes.
            let user = entry
                .user
                .as_ref()
                .map(|u| u.contents.clone())
                .unwrap_or_default();
            compute.insert(user, entry.program_ids.iter().cloned().collect());
        }
        Self {
            owner: p.owner.as_ref().map(|u| u.contents.clone()),
            retrieve: users(&p.retrieve),
            update: users(&p.update),
            delete: users(&p.delete),
            compute,
        }
    }
}
