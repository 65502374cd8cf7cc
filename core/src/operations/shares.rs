//! Masking values for the members: each member's own shares, ready for its request.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use nilvm_proto::nillion::values::v1::value::NamedValue;
use rand_core::CryptoRng;

use crate::masking::PartyId;
use crate::values::{ClearValue, named_payload_size};

use super::{OperationContext, OperationError};

/// Every member's shares of some values, in member order.
pub(crate) struct MemberShares {
    /// One `NamedValue` list per member.
    pub(crate) shares: Vec<Vec<NamedValue>>,
    /// The quote's payload size: the largest member's (sizes differ by a byte or two between
    /// parties, e.g. the ECDSA share with index 0; the largest never under-declares).
    pub(crate) payload_size: u64,
}

/// Masks `values` for the context's members (packed: the names once, one column of shares per
/// member, each member's request list built from its column).
pub(crate) fn mask_for_members<R: CryptoRng + ?Sized>(
    context: &OperationContext,
    values: &BTreeMap<String, ClearValue>,
    rng: &mut R,
) -> Result<MemberShares, OperationError> {
    let masked = context
        .masker
        .mask_packed(values, rng)
        .map_err(OperationError::invalid_input)?;
    let mut shares = Vec::with_capacity(context.members.len());
    let mut size = 0;
    for member in &context.members {
        // The masker makes shares for every party: a member without any is a context whose
        // masker was built for other parties.
        let named = masked
            .to_named_values(&PartyId::new(member.as_bytes()))
            .map_err(OperationError::invalid_input)?
            .ok_or_else(|| {
                OperationError::InvalidInput(alloc::format!("no shares for member {member}"))
            })?;
        size = size.max(named_payload_size(&named));
        shares.push(named);
    }
    Ok(MemberShares {
        shares,
        payload_size: size,
    })
}
