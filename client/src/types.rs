//! The facade's own types for what the nodes answer, free of wire (prost) types.

use std::collections::BTreeMap;

use nilvm_core::identity::UserId;
use nilvm_core::program::ProgramId;
use nilvm_core::values::ClearValue;
use nilvm_proto::nillion::leader_queries::v1::pool_status::PoolStatusResponse;
use nilvm_proto::nillion::preprocessing::v1::element::PreprocessingElement;

use crate::ids::ValuesId;

/// What a computation needs: the program, its stored and compute-time inputs, and who plays
/// which party.
#[derive(Clone, Debug, PartialEq)]
pub struct ComputeInput {
    /// The stored program (or a builtin, e.g. `builtin/tecdsa_sign`).
    pub program_id: ProgramId,
    /// Stored values the program reads.
    pub value_ids: Vec<ValuesId>,
    /// Which user plays each input party.
    pub input_bindings: Vec<(String, UserId)>,
    /// Which users receive each output party's results.
    pub output_bindings: Vec<(String, Vec<UserId>)>,
    /// Values given at compute time.
    pub values: BTreeMap<String, ClearValue>,
}

/// The leader's preprocessing pool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolStatus {
    /// For each kind of preprocessing element, the available range `[start, end)`.
    pub offsets: Vec<(PreprocessingElement, u64, u64)>,
    /// Whether the leader is generating more.
    pub preprocessing_active: bool,
    /// Whether the auxiliary material (for ECDSA) is available.
    pub auxiliary_material_available: bool,
}

impl PoolStatus {
    pub(crate) fn from_proto(status: &PoolStatusResponse) -> Self {
        Self {
            offsets: status
                .offsets
                .iter()
                .map(|o| (o.element(), o.start, o.end))
                .collect(),
            preprocessing_active: status.preprocessing_active,
            auxiliary_material_available: status.auxiliary_material_available,
        }
    }
}
