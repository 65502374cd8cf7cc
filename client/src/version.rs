//! A node's version, as `NodeVersion` answers it.

use std::fmt;

use nilvm_proto::nillion::membership::v1::version as proto;

/// A node's software version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeVersion {
    /// The semantic version; `None` when the node sends none (devnet builds).
    pub version: Option<Semver>,
    /// The commit the node was built from.
    pub git_hash: String,
}

/// A semantic version.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Semver {
    /// Major.
    pub major: u64,
    /// Minor.
    pub minor: u64,
    /// Patch.
    pub patch: u64,
    /// The pre-release tag, empty for a release.
    pub pre_release: String,
}

impl NodeVersion {
    pub(crate) fn from_proto(version: &proto::NodeVersion) -> Self {
        Self {
            version: version.version.as_ref().map(|v| Semver {
                major: v.major,
                minor: v.minor,
                patch: v.patch,
                pre_release: v.pre_release.clone(),
            }),
            git_hash: version.git_hash.clone(),
        }
    }
}

impl fmt::Display for Semver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre_release.is_empty() {
            write!(f, "-{}", self.pre_release)?;
        }
        Ok(())
    }
}
