//! Putting the members' shares back together.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use nilvm_proto::nillion::values::v1::value::NamedValue;

use crate::masking::{PartyId, PartyJar, SecretMasker};
use crate::values::ClearValue;
use crate::values::proto::from_named_values;

use super::{Misbehaviour, OperationError, Target};

/// Decodes each member's values and unmasks them together. A member whose values do not
/// decode is named; disagreements between members are reported by the unmasker.
pub(crate) fn unmask_replies(
    masker: &SecretMasker,
    replies: Vec<(Target, Vec<NamedValue>)>,
) -> Result<BTreeMap<String, ClearValue>, OperationError> {
    let mut jar = PartyJar::new();
    for (target, values) in replies {
        let Target::Node(node) = &target else {
            return Err(OperationError::ApiMisuse(
                "shares must come from cluster members",
            ));
        };
        let decoded = from_named_values(&values, masker.prime()).map_err(|e| {
            OperationError::misbehaving(&target, Misbehaviour::UndecodableValues(e))
        })?;
        jar.add(PartyId::new(node.as_bytes()), decoded)
            .map_err(|e| OperationError::misbehaving(&target, Misbehaviour::Shares(e)))?;
    }
    masker.unmask(&jar).map_err(OperationError::Unmask)
}
