//! Decoding MIR types: apart from the type model ([`super::types`]), so the model does not
//! depend on the decoder's errors, which themselves carry types.

use alloc::boxed::Box;
use alloc::string::String;

use nilvm_proto::nillion::nada::types::v1 as proto;
use proto::nada_type::NadaType as ProtoKind;

use super::error::MirError;
use super::types::{MAX_TYPE_DEPTH, NadaType};

impl NadaType {
    /// Decodes a MIR type, bounding nesting depth. `NTuple` and `Object` are refused: the nodes
    /// cannot decode their accessors (docs/nada.md §4).
    pub fn from_proto(ty: &proto::NadaType) -> Result<Self, MirError> {
        Self::from_proto_at(ty, 1)
    }

    fn from_proto_at(ty: &proto::NadaType, depth: usize) -> Result<Self, MirError> {
        if depth > MAX_TYPE_DEPTH {
            return Err(MirError::TypeTooDeep {
                max: MAX_TYPE_DEPTH,
            });
        }
        let kind = ty.nada_type.as_ref().ok_or(MirError::MissingType)?;
        Ok(match kind {
            ProtoKind::Integer(_) => NadaType::Integer,
            ProtoKind::UnsignedInteger(_) => NadaType::UnsignedInteger,
            ProtoKind::Boolean(_) => NadaType::Boolean,
            ProtoKind::SecretInteger(_) => NadaType::SecretInteger,
            ProtoKind::SecretUnsignedInteger(_) => NadaType::SecretUnsignedInteger,
            ProtoKind::SecretBoolean(_) => NadaType::SecretBoolean,
            ProtoKind::EcdsaPrivateKey(_) => NadaType::EcdsaPrivateKey,
            ProtoKind::EcdsaDigestMessage(_) => NadaType::EcdsaDigestMessage,
            ProtoKind::EcdsaSignature(_) => NadaType::EcdsaSignature,
            ProtoKind::EcdsaPublicKey(_) => NadaType::EcdsaPublicKey,
            ProtoKind::EddsaPrivateKey(_) => NadaType::EddsaPrivateKey,
            ProtoKind::EddsaPublicKey(_) => NadaType::EddsaPublicKey,
            ProtoKind::EddsaMessage(_) => NadaType::EddsaMessage,
            ProtoKind::EddsaSignature(_) => NadaType::EddsaSignature,
            ProtoKind::Array(array) => {
                let element = array.contained_type.as_ref().ok_or(MirError::MissingType)?;
                NadaType::Array {
                    element: Box::new(Self::from_proto_at(element, depth + 1)?),
                    size: array.size,
                }
            }
            ProtoKind::Tuple(tuple) => {
                let left = tuple.left.as_ref().ok_or(MirError::MissingType)?;
                let right = tuple.right.as_ref().ok_or(MirError::MissingType)?;
                NadaType::Tuple {
                    left: Box::new(Self::from_proto_at(left, depth + 1)?),
                    right: Box::new(Self::from_proto_at(right, depth + 1)?),
                }
            }
            ProtoKind::Ntuple(_) => {
                return Err(MirError::Unsupported {
                    what: String::from("NTuple type"),
                });
            }
            ProtoKind::Object(_) => {
                return Err(MirError::Unsupported {
                    what: String::from("Object type"),
                });
            }
        })
    }
}
