//! The cluster definition from `Membership/Cluster`, validated.
//!
//! A [`Cluster`] names the compute nodes (members), the leader (the only node serving
//! Payments and LeaderQueries, and the key that signs quotes and receipts), the prime of the
//! secret-sharing field and the polynomial degree. Party ids for the masker are the members'
//! node id bytes in ascending byte order ([`Cluster::party_ids`]).

use alloc::collections::BTreeSet;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

pub use crate::field::Prime;
use nilvm_proto::nillion::membership::v1::cluster as proto;

use crate::identity::{IdentityError, NodeId, PublicKey};

/// Where in the cluster reply a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MemberPosition {
    /// `members[i]`.
    Member(usize),
    /// `leader`.
    Leader,
}

impl fmt::Display for MemberPosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MemberPosition::Member(i) => write!(f, "member {i}"),
            MemberPosition::Leader => f.write_str("leader"),
        }
    }
}

/// Why a cluster definition was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClusterError {
    /// `members` is empty.
    #[error("cluster has no members")]
    NoMembers,
    /// `leader` is not set.
    #[error("'leader' not set")]
    MissingLeader,
    /// A member has no (or an empty) identity.
    #[error("{0}: 'identity' not set")]
    MissingIdentity(MemberPosition),
    /// A member has no `public_keys` or no `public_keys.authentication`.
    #[error("{0}: 'public_keys' not set")]
    MissingPublicKeys(MemberPosition),
    /// A member's authentication key is not a usable secp256k1 key.
    #[error("{position}: {source}")]
    InvalidPublicKey {
        /// The member.
        position: MemberPosition,
        /// What is wrong with the key.
        source: IdentityError,
    },
    /// A member's endpoint is not an `http://` or `https://` URL.
    #[error("{position}: invalid grpc endpoint '{endpoint}'")]
    InvalidEndpoint {
        /// The member.
        position: MemberPosition,
        /// The endpoint as received.
        endpoint: String,
    },
    /// Two members share a node id.
    #[error("duplicate member {0}")]
    DuplicateMember(NodeId),
    /// Two members share an endpoint.
    #[error("duplicate member endpoint '{0}'")]
    DuplicateEndpoint(String),
    /// The leader has the id of a member but another key.
    #[error("leader {0} has a different key than the member with its id")]
    LeaderKeyMismatch(NodeId),
    /// The prime enum value is unknown.
    #[error("unknown prime {0}")]
    UnknownPrime(i32),
    /// The polynomial degree needs more shares than there are members.
    #[error("polynomial degree {degree} needs more than {members} members")]
    DegreeTooHigh {
        /// The announced degree.
        degree: u32,
        /// The number of members.
        members: usize,
    },
}

/// One node of the cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterMember {
    node_id: NodeId,
    grpc_endpoint: String,
    public_key: PublicKey,
}

impl ClusterMember {
    /// A member (for building cluster definitions, e.g. in an emulated cluster).
    pub fn new(node_id: NodeId, grpc_endpoint: impl Into<String>, public_key: PublicKey) -> Self {
        ClusterMember {
            node_id,
            grpc_endpoint: grpc_endpoint.into(),
            public_key,
        }
    }

    /// The node id (`identity`): token target and party id.
    pub fn node_id(&self) -> &NodeId {
        &self.node_id
    }

    /// The full gRPC URL, e.g. `http://127.0.0.1:37939`.
    pub fn grpc_endpoint(&self) -> &str {
        &self.grpc_endpoint
    }

    /// The node's authentication key (for the leader, also the quote and receipt signing key).
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    fn from_proto(
        member: &proto::ClusterMember,
        position: MemberPosition,
    ) -> Result<Self, ClusterError> {
        let node_id = member
            .identity
            .as_ref()
            .and_then(|id| NodeId::try_from(id).ok())
            .ok_or(ClusterError::MissingIdentity(position))?;
        let key = member
            .public_keys
            .as_ref()
            .and_then(|keys| keys.authentication.as_ref())
            .ok_or(ClusterError::MissingPublicKeys(position))?;
        let public_key = PublicKey::try_from(key)
            .map_err(|source| ClusterError::InvalidPublicKey { position, source })?;
        let member = ClusterMember::new(node_id, member.grpc_endpoint.clone(), public_key);
        member.check_endpoint(position)?;
        Ok(member)
    }

    fn check_endpoint(&self, position: MemberPosition) -> Result<(), ClusterError> {
        let rest = self
            .grpc_endpoint
            .strip_prefix("http://")
            .or_else(|| self.grpc_endpoint.strip_prefix("https://"));
        match rest {
            Some(host) if !host.is_empty() && !host.starts_with('/') => Ok(()),
            _ => Err(ClusterError::InvalidEndpoint {
                position,
                endpoint: self.grpc_endpoint.clone(),
            }),
        }
    }

    fn to_proto(&self) -> proto::ClusterMember {
        let key = nilvm_proto::nillion::auth::v1::public_key::PublicKey::from(&self.public_key);
        proto::ClusterMember {
            identity: Some((&self.node_id).into()),
            // Deprecated field, filled with the same key as the nodes do.
            public_key: Some(key.clone()),
            grpc_endpoint: self.grpc_endpoint.clone(),
            public_keys: Some(proto::PublicKeys {
                authentication: Some(key),
            }),
        }
    }
}

/// A validated cluster definition.
///
/// ```
/// use nilvm_core::cluster::{Cluster, ClusterMember, Prime};
/// use nilvm_core::identity::UserKey;
///
/// let members: Vec<_> = (1u8..=3)
///     .map(|i| {
///         let key = UserKey::from_bytes(&[i; 32]).unwrap();
///         ClusterMember::new(key.node_id(), format!("http://127.0.0.1:{}", 9000 + u16::from(i)), key.public_key())
///     })
///     .collect();
/// let leader = members[0].clone();
/// let cluster = Cluster::new(members, leader, Prime::U256, 1, 0).unwrap();
/// let ids = cluster.party_ids();
/// assert!(ids.windows(2).all(|w| w[0] < w[1]));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cluster {
    members: Vec<ClusterMember>,
    leader: ClusterMember,
    prime: Prime,
    polynomial_degree: u32,
    kappa: u32,
}

impl Cluster {
    /// A cluster from its parts, validated as [`Cluster::from_proto`] does.
    pub fn new(
        members: Vec<ClusterMember>,
        leader: ClusterMember,
        prime: Prime,
        polynomial_degree: u32,
        kappa: u32,
    ) -> Result<Self, ClusterError> {
        for (i, member) in members.iter().enumerate() {
            member.check_endpoint(MemberPosition::Member(i))?;
        }
        leader.check_endpoint(MemberPosition::Leader)?;
        let cluster = Cluster {
            members,
            leader,
            prime,
            polynomial_degree,
            kappa,
        };
        cluster.check()?;
        Ok(cluster)
    }

    /// Validates a `Membership/Cluster` reply: at least one member; every member and the leader
    /// with an identity, an authentication key (33-byte secp256k1) and an `http(s)://`
    /// endpoint; no duplicate ids or endpoints; a known prime; `degree < members`.
    pub fn from_proto(cluster: &proto::Cluster) -> Result<Self, ClusterError> {
        let members = cluster
            .members
            .iter()
            .enumerate()
            .map(|(i, m)| ClusterMember::from_proto(m, MemberPosition::Member(i)))
            .collect::<Result<Vec<_>, _>>()?;
        let leader = cluster
            .leader
            .as_ref()
            .ok_or(ClusterError::MissingLeader)
            .and_then(|l| ClusterMember::from_proto(l, MemberPosition::Leader))?;
        let prime = Prime::from_cluster_enum(cluster.prime)
            .ok_or(ClusterError::UnknownPrime(cluster.prime))?;
        let checked = Cluster {
            members,
            leader,
            prime,
            polynomial_degree: cluster.polynomial_degree,
            kappa: cluster.kappa,
        };
        checked.check()?;
        Ok(checked)
    }

    fn check(&self) -> Result<(), ClusterError> {
        if self.members.is_empty() {
            return Err(ClusterError::NoMembers);
        }
        let mut ids = BTreeSet::new();
        let mut endpoints = BTreeSet::new();
        for member in &self.members {
            if !ids.insert(&member.node_id) {
                return Err(ClusterError::DuplicateMember(member.node_id.clone()));
            }
            if !endpoints.insert(member.grpc_endpoint.as_str()) {
                return Err(ClusterError::DuplicateEndpoint(
                    member.grpc_endpoint.clone(),
                ));
            }
        }
        if let Some(member) = self.member(&self.leader.node_id) {
            if member.public_key != self.leader.public_key {
                return Err(ClusterError::LeaderKeyMismatch(self.leader.node_id.clone()));
            }
        }
        let degree_ok =
            usize::try_from(self.polynomial_degree).is_ok_and(|degree| degree < self.members.len());
        if !degree_ok {
            return Err(ClusterError::DegreeTooHigh {
                degree: self.polynomial_degree,
                members: self.members.len(),
            });
        }
        Ok(())
    }

    /// The members, in the order of the reply.
    pub fn members(&self) -> &[ClusterMember] {
        &self.members
    }

    /// The member with this id, if any.
    pub fn member(&self, node_id: &NodeId) -> Option<&ClusterMember> {
        self.members.iter().find(|m| &m.node_id == node_id)
    }

    /// The leader.
    pub fn leader(&self) -> &ClusterMember {
        &self.leader
    }

    /// Whether the leader is also one of the members.
    pub fn leader_is_member(&self) -> bool {
        self.member(&self.leader.node_id).is_some()
    }

    /// The prime of the secret-sharing field (the wire's `SAFE_64_BITS`, `SAFE_128_BITS`, `SAFE_256_BITS`).
    pub fn prime(&self) -> Prime {
        self.prime
    }

    /// The prime's size in bits: 64, 128 or 256.
    pub fn prime_bits(&self) -> u32 {
        self.prime.bits()
    }

    /// The Shamir polynomial degree `t` (`t + 1` shares reconstruct a secret).
    pub fn polynomial_degree(&self) -> u32 {
        self.polynomial_degree
    }

    /// The security parameter kappa, passed through.
    pub fn kappa(&self) -> u32 {
        self.kappa
    }

    /// The masker's party ids: the members' node id bytes in ascending byte order, which is
    /// the order that assigns the Shamir x-coordinates 1, 2, …, n.
    pub fn party_ids(&self) -> Vec<Vec<u8>> {
        self.members_in_party_order()
            .into_iter()
            .map(|m| m.node_id.to_vec())
            .collect()
    }

    /// The members sorted by party id (node id bytes).
    pub fn members_in_party_order(&self) -> Vec<&ClusterMember> {
        let mut members: Vec<_> = self.members.iter().collect();
        members.sort_by(|a, b| a.node_id.as_bytes().cmp(b.node_id.as_bytes()));
        members
    }

    /// The cluster as the `Membership/Cluster` reply (for a node serving it).
    pub fn to_proto(&self) -> proto::Cluster {
        proto::Cluster {
            members: self.members.iter().map(ClusterMember::to_proto).collect(),
            leader: Some(self.leader.to_proto()),
            prime: self.prime.cluster_enum(),
            polynomial_degree: self.polynomial_degree,
            kappa: self.kappa,
        }
    }
}

impl TryFrom<&proto::Cluster> for Cluster {
    type Error = ClusterError;

    fn try_from(value: &proto::Cluster) -> Result<Self, Self::Error> {
        Cluster::from_proto(value)
    }
}

#[cfg(test)]
mod tests {
    use alloc::format;

    use super::*;
    use crate::identity::{UserKey, sha256};

    /// The default-seed devnet: node keys SHA-256("nillion-devnet:<i>"), leader node 1.
    fn devnet() -> proto::Cluster {
        let members: Vec<ClusterMember> = [37939, 54936, 44651]
            .iter()
            .enumerate()
            .map(|(i, port)| {
                let key =
                    UserKey::from_bytes(&sha256(format!("nillion-devnet:{i}").as_bytes())).unwrap();
                ClusterMember::new(
                    key.node_id(),
                    format!("http://127.0.0.1:{port}"),
                    key.public_key(),
                )
            })
            .collect();
        let leader = members[1].clone();
        Cluster::new(members, leader, Prime::U256, 1, 0)
            .unwrap()
            .to_proto()
    }

    #[test]
    fn devnet_cluster_and_party_order() {
        let cluster = Cluster::from_proto(&devnet()).unwrap();
        assert_eq!(cluster.members().len(), 3);
        assert_eq!(cluster.prime_bits(), 256);
        assert_eq!(cluster.polynomial_degree(), 1);
        assert_eq!(cluster.kappa(), 0);
        assert!(cluster.leader_is_member());
        assert_eq!(
            cluster.leader().node_id().to_string(),
            "9d23f0f3ddb4f2ff2d122c0af7a9480503a304c6"
        );
        // Fact sheet §3.4: the share x-coordinate order is nodes 1, 2, 0.
        let order: Vec<String> = cluster.party_ids().iter().map(hex::encode).collect();
        assert_eq!(
            order,
            [
                "9d23f0f3ddb4f2ff2d122c0af7a9480503a304c6",
                "9d55591eeba5f7cf4a5bc508d09fd658f57b971d",
                "d22edcf03c4c5b2b12b2b09bbae5c94dcb94dff0"
            ]
        );
        // Round trip, including the deprecated key field.
        let proto = cluster.to_proto();
        assert_eq!(
            proto.members[0].public_key,
            proto.members[0]
                .public_keys
                .as_ref()
                .unwrap()
                .authentication
        );
        assert_eq!(Cluster::try_from(&proto), Ok(cluster));
    }

    #[test]
    fn required_fields() {
        let mut c = devnet();
        c.leader = None;
        assert_eq!(Cluster::from_proto(&c), Err(ClusterError::MissingLeader));

        let mut c = devnet();
        c.members.clear();
        assert_eq!(Cluster::from_proto(&c), Err(ClusterError::NoMembers));

        let mut c = devnet();
        c.members[1].identity = None;
        assert_eq!(
            Cluster::from_proto(&c),
            Err(ClusterError::MissingIdentity(MemberPosition::Member(1)))
        );
        let mut c = devnet();
        c.members[1].identity = Some(proto::NodeId {
            contents: Vec::new(),
        });
        assert_eq!(
            Cluster::from_proto(&c),
            Err(ClusterError::MissingIdentity(MemberPosition::Member(1)))
        );

        let mut c = devnet();
        c.members[2].public_keys = None;
        let err = Cluster::from_proto(&c).unwrap_err();
        assert_eq!(
            err,
            ClusterError::MissingPublicKeys(MemberPosition::Member(2))
        );
        assert_eq!(err.to_string(), "member 2: 'public_keys' not set");

        let mut c = devnet();
        c.leader.as_mut().unwrap().public_keys = Some(proto::PublicKeys {
            authentication: None,
        });
        assert_eq!(
            Cluster::from_proto(&c),
            Err(ClusterError::MissingPublicKeys(MemberPosition::Leader))
        );
    }

    #[test]
    fn bad_keys_and_endpoints() {
        let mut c = devnet();
        c.members[0]
            .public_keys
            .as_mut()
            .unwrap()
            .authentication
            .as_mut()
            .unwrap()
            .contents
            .truncate(32);
        assert!(matches!(
            Cluster::from_proto(&c),
            Err(ClusterError::InvalidPublicKey {
                position: MemberPosition::Member(0),
                ..
            })
        ));
        for endpoint in ["", "127.0.0.1:1234", "grpc://x:1", "http://", "https:///x"] {
            let mut c = devnet();
            c.members[0].grpc_endpoint = endpoint.into();
            assert!(
                matches!(
                    Cluster::from_proto(&c),
                    Err(ClusterError::InvalidEndpoint { .. })
                ),
                "{endpoint}"
            );
        }
        let mut c = devnet();
        c.leader.as_mut().unwrap().grpc_endpoint = "ftp://x".into();
        assert!(matches!(
            Cluster::from_proto(&c),
            Err(ClusterError::InvalidEndpoint {
                position: MemberPosition::Leader,
                ..
            })
        ));
    }

    #[test]
    fn duplicates_and_leader_consistency() {
        let mut c = devnet();
        c.members[2].identity = c.members[0].identity.clone();
        assert!(matches!(
            Cluster::from_proto(&c),
            Err(ClusterError::DuplicateMember(_))
        ));

        let mut c = devnet();
        c.members[2].grpc_endpoint = c.members[0].grpc_endpoint.clone();
        assert!(matches!(
            Cluster::from_proto(&c),
            Err(ClusterError::DuplicateEndpoint(_))
        ));

        let mut c = devnet();
        let other = UserKey::from_bytes(&[9; 32]).unwrap().public_key();
        let key = nilvm_proto::nillion::auth::v1::public_key::PublicKey::from(other);
        c.leader.as_mut().unwrap().public_keys = Some(proto::PublicKeys {
            authentication: Some(key),
        });
        assert!(matches!(
            Cluster::from_proto(&c),
            Err(ClusterError::LeaderKeyMismatch(_))
        ));

        // A leader outside the member list is allowed.
        let mut c = devnet();
        let outside = UserKey::from_bytes(&[9; 32]).unwrap();
        c.leader = Some(
            ClusterMember::new(
                outside.node_id(),
                "https://leader.example:443",
                outside.public_key(),
            )
            .to_proto(),
        );
        let cluster = Cluster::from_proto(&c).unwrap();
        assert!(!cluster.leader_is_member());
    }

    #[test]
    fn prime_and_degree() {
        let mut c = devnet();
        c.prime = 3;
        assert_eq!(Cluster::from_proto(&c), Err(ClusterError::UnknownPrime(3)));
        c.prime = 0;
        assert_eq!(Cluster::from_proto(&c).unwrap().prime_bits(), 64);
        c.prime = 1;
        assert_eq!(Cluster::from_proto(&c).unwrap().prime(), Prime::U128);

        let mut c = devnet();
        c.polynomial_degree = 3;
        assert_eq!(
            Cluster::from_proto(&c),
            Err(ClusterError::DegreeTooHigh {
                degree: 3,
                members: 3
            })
        );
        c.polynomial_degree = 2;
        assert!(Cluster::from_proto(&c).is_ok());
        c.polynomial_degree = u32::MAX;
        assert!(Cluster::from_proto(&c).is_err());
    }
}
