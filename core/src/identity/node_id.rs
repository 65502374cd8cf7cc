//! Node ids.

use alloc::vec::Vec;
use core::fmt;
use core::str::FromStr;

use nilvm_proto::nillion::membership::v1::cluster as proto;

use super::{IdentityError, id_from_public_key_bytes};

/// A node's id: `NodeId.contents` of the cluster definition. In practice it is 20 bytes (the
/// last 20 bytes of SHA-256 of the node's authentication key), but the protocol treats it as
/// opaque bytes, so any non-empty length is accepted.
///
/// It is also the node's party id for secret sharing, and the target of auth tokens.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(Vec<u8>);

impl NodeId {
    /// A node id from its bytes; empty ids are rejected.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<Self, IdentityError> {
        let bytes = bytes.into();
        if bytes.is_empty() {
            return Err(IdentityError::EmptyNodeId);
        }
        Ok(NodeId(bytes))
    }

    /// The node id a node derives from its authentication public key bytes.
    pub fn from_public_key_bytes(public_key: &[u8]) -> Self {
        NodeId(id_from_public_key_bytes(public_key).to_vec())
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The bytes, owned (e.g. as a masker party id).
    pub fn to_vec(&self) -> Vec<u8> {
        self.0.clone()
    }
}

impl FromStr for NodeId {
    type Err = IdentityError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bytes = hex::decode(s).map_err(|_| IdentityError::InvalidNodeIdHex)?;
        NodeId::new(bytes)
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in &self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NodeId({self})")
    }
}

impl From<&NodeId> for proto::NodeId {
    fn from(value: &NodeId) -> Self {
        proto::NodeId {
            contents: value.0.clone(),
        }
    }
}

impl From<NodeId> for proto::NodeId {
    fn from(value: NodeId) -> Self {
        proto::NodeId { contents: value.0 }
    }
}

impl TryFrom<&proto::NodeId> for NodeId {
    type Error = IdentityError;

    fn try_from(value: &proto::NodeId) -> Result<Self, Self::Error> {
        NodeId::new(value.contents.clone())
    }
}

impl TryFrom<proto::NodeId> for NodeId {
    type Error = IdentityError;

    fn try_from(value: proto::NodeId) -> Result<Self, Self::Error> {
        NodeId::new(value.contents)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::UserKey;

    #[test]
    fn devnet_node_ids() {
        // Devnet node i has the secret SHA-256("nillion-devnet:<i>") (docs/wire-protocol.md §3.4).
        let expected = [
            "d22edcf03c4c5b2b12b2b09bbae5c94dcb94dff0",
            "9d23f0f3ddb4f2ff2d122c0af7a9480503a304c6",
            "9d55591eeba5f7cf4a5bc508d09fd658f57b971d",
        ];
        for (i, want) in expected.iter().enumerate() {
            let secret = crate::identity::sha256(format!("nillion-devnet:{i}").as_bytes());
            let key = UserKey::from_bytes(&secret).unwrap();
            assert_eq!(key.node_id().to_string(), *want);
        }
    }

    #[test]
    fn hex_and_proto() {
        let id: NodeId = "00ff10".parse().unwrap();
        assert_eq!(id.as_bytes(), &[0, 0xff, 0x10]);
        assert_eq!(format!("{id:?}"), "NodeId(00ff10)");
        let proto: proto::NodeId = (&id).into();
        assert_eq!(NodeId::try_from(&proto), Ok(id));
        assert_eq!(
            NodeId::try_from(proto::NodeId {
                contents: Vec::new()
            }),
            Err(IdentityError::EmptyNodeId)
        );
        assert_eq!("".parse::<NodeId>(), Err(IdentityError::EmptyNodeId));
        assert_eq!("0g".parse::<NodeId>(), Err(IdentityError::InvalidNodeIdHex));
    }
}
