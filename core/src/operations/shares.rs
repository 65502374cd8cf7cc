//! Masking values for the members: each member's own shares, ready for its request.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use nilvm_proto::nillion::values::v1::value::NamedValue;
use rand_core::CryptoRng;

use crate::masking::PartyId;
use crate::values::{ClearValue, payload_size, proto::to_named_values};

use super::{OperationContext, OperationError};

/// Every member's shares of some values, in member order.
pub(crate) struct MemberShares {
    /// One `NamedValue` list per member.
    pub(crate) shares: Vec<Vec<NamedValue>>,
    /// The quote's payload size: the largest member's (sizes differ by a byte or two between
    /// parties, e.g. the ECDSA share with index 0; the largest never under-declares).
    pub(crate) payload_size: u64,
}

/// Masks `values` for the context's members.
pub(crate) fn mask_for_members<R: CryptoRng + ?Sized>(
    context: &OperationContext,
    values: &BTreeMap<String, ClearValue>,
    rng: &mut R,
) -> Result<MemberShares, OperationError> {
    let mut masked = context
        .masker
        .mask(values, rng)
        .map_err(OperationError::invalid_input)?;
    let mut shares = Vec::with_capacity(context.members.len());
    let mut size = 0;
    for member in &context.members {
        // The masker makes one (possibly empty) map per party: a member without one is a
        // context whose masker was built for other parties.
        let values = masked
            .remove(&PartyId::new(member.as_bytes()))
            .ok_or_else(|| {
                OperationError::InvalidInput(alloc::format!("no shares for member {member}"))
            })?;
        size = size.max(payload_size(&values).map_err(OperationError::invalid_input)?);
        shares.push(to_named_values(&values).map_err(OperationError::invalid_input)?);
    }
    Ok(MemberShares {
        shares,
        payload_size: size,
    })
}
