//! Nada types as the MIR declares them (docs/nada.md §3.3).

use alloc::boxed::Box;
use alloc::string::String;
use core::fmt;

use nilvm_proto::nillion::nada::types::v1 as proto;
use proto::nada_type::NadaType as ProtoKind;

/// How deep types may nest (arrays of tuples of arrays …). Real programs use two or three
/// levels; the bound keeps hostile programs from exhausting the stack.
pub const MAX_TYPE_DEPTH: usize = 16;

/// The type of a program value: inputs, literals, operation results and outputs.
///
/// There is no separate literal type: a literal `Integer(3)` and a `PublicInteger` input both
/// have type [`NadaType::Integer`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum NadaType {
    /// Public signed integer (`Integer`, `PublicInteger`).
    Integer,
    /// Public unsigned integer (`UnsignedInteger`, `PublicUnsignedInteger`).
    UnsignedInteger,
    /// Public boolean (`Boolean`, `PublicBoolean`).
    Boolean,
    /// Secret signed integer.
    SecretInteger,
    /// Secret unsigned integer.
    SecretUnsignedInteger,
    /// Secret boolean.
    SecretBoolean,
    /// secp256k1 private key (secret).
    EcdsaPrivateKey,
    /// 32-byte digest to sign (public).
    EcdsaDigestMessage,
    /// ECDSA signature.
    EcdsaSignature,
    /// Compressed secp256k1 public key (public).
    EcdsaPublicKey,
    /// Ed25519 signing scalar (secret).
    EddsaPrivateKey,
    /// Ed25519 public key (public).
    EddsaPublicKey,
    /// Message to sign with EdDSA (public).
    EddsaMessage,
    /// Ed25519 signature (public).
    EddsaSignature,
    /// Fixed-size homogeneous array.
    Array {
        /// Element type.
        element: Box<NadaType>,
        /// Number of elements.
        size: u32,
    },
    /// Pair.
    Tuple {
        /// Left element type.
        left: Box<NadaType>,
        /// Right element type.
        right: Box<NadaType>,
    },
}

/// The numeric family of a scalar type, ignoring whether it is secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScalarKind {
    /// Signed integers: decoded in the symmetric range of the field.
    Integer,
    /// Unsigned integers: decoded as the raw representative.
    UnsignedInteger,
    /// Booleans: 0 or 1 (intermediate results of lowered logic may hold other values).
    Boolean,
}

impl NadaType {
    /// The MIR encoding of this type.
    pub fn to_proto(&self) -> proto::NadaType {
        let kind = match self {
            NadaType::Integer => ProtoKind::Integer(()),
            NadaType::UnsignedInteger => ProtoKind::UnsignedInteger(()),
            NadaType::Boolean => ProtoKind::Boolean(()),
            NadaType::SecretInteger => ProtoKind::SecretInteger(()),
            NadaType::SecretUnsignedInteger => ProtoKind::SecretUnsignedInteger(()),
            NadaType::SecretBoolean => ProtoKind::SecretBoolean(()),
            NadaType::EcdsaPrivateKey => ProtoKind::EcdsaPrivateKey(()),
            NadaType::EcdsaDigestMessage => ProtoKind::EcdsaDigestMessage(()),
            NadaType::EcdsaSignature => ProtoKind::EcdsaSignature(()),
            NadaType::EcdsaPublicKey => ProtoKind::EcdsaPublicKey(()),
            NadaType::EddsaPrivateKey => ProtoKind::EddsaPrivateKey(()),
            NadaType::EddsaPublicKey => ProtoKind::EddsaPublicKey(()),
            NadaType::EddsaMessage => ProtoKind::EddsaMessage(()),
            NadaType::EddsaSignature => ProtoKind::EddsaSignature(()),
            NadaType::Array { element, size } => ProtoKind::Array(Box::new(proto::Array {
                contained_type: Some(Box::new(element.to_proto())),
                size: *size,
            })),
            NadaType::Tuple { left, right } => ProtoKind::Tuple(Box::new(proto::Tuple {
                left: Some(Box::new(left.to_proto())),
                right: Some(Box::new(right.to_proto())),
            })),
        };
        proto::NadaType {
            nada_type: Some(kind),
        }
    }

    /// The scalar family, for integer and boolean types (public or secret).
    pub fn scalar_kind(&self) -> Option<ScalarKind> {
        match self {
            NadaType::Integer | NadaType::SecretInteger => Some(ScalarKind::Integer),
            NadaType::UnsignedInteger | NadaType::SecretUnsignedInteger => {
                Some(ScalarKind::UnsignedInteger)
            }
            NadaType::Boolean | NadaType::SecretBoolean => Some(ScalarKind::Boolean),
            _ => None,
        }
    }

    /// The integer or boolean type of `kind`, secret or public.
    pub fn scalar(kind: ScalarKind, secret: bool) -> Self {
        match (kind, secret) {
            (ScalarKind::Integer, false) => NadaType::Integer,
            (ScalarKind::Integer, true) => NadaType::SecretInteger,
            (ScalarKind::UnsignedInteger, false) => NadaType::UnsignedInteger,
            (ScalarKind::UnsignedInteger, true) => NadaType::SecretUnsignedInteger,
            (ScalarKind::Boolean, false) => NadaType::Boolean,
            (ScalarKind::Boolean, true) => NadaType::SecretBoolean,
        }
    }

    /// Whether values of this type are secret at the top level (held as shares by the nodes).
    /// Compound types are neither: look at their elements.
    pub fn is_secret(&self) -> bool {
        matches!(
            self,
            NadaType::SecretInteger
                | NadaType::SecretUnsignedInteger
                | NadaType::SecretBoolean
                | NadaType::EcdsaPrivateKey
                | NadaType::EddsaPrivateKey
                | NadaType::EcdsaSignature
        )
    }

    /// Whether this type or any element of it is secret.
    pub fn contains_secret(&self) -> bool {
        match self {
            NadaType::Array { element, .. } => element.contains_secret(),
            NadaType::Tuple { left, right } => left.contains_secret() || right.contains_secret(),
            other => other.is_secret(),
        }
    }

    /// Number of leaf values in a value of this type (saturating), used to bound memory.
    pub fn leaf_count(&self) -> u64 {
        match self {
            NadaType::Array { element, size } => element.leaf_count().saturating_mul(*size as u64),
            NadaType::Tuple { left, right } => left.leaf_count().saturating_add(right.leaf_count()),
            _ => 1,
        }
    }
}

impl fmt::Display for NadaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NadaType::Integer => f.write_str("Integer"),
            NadaType::UnsignedInteger => f.write_str("UnsignedInteger"),
            NadaType::Boolean => f.write_str("Boolean"),
            NadaType::SecretInteger => f.write_str("SecretInteger"),
            NadaType::SecretUnsignedInteger => f.write_str("SecretUnsignedInteger"),
            NadaType::SecretBoolean => f.write_str("SecretBoolean"),
            NadaType::EcdsaPrivateKey => f.write_str("EcdsaPrivateKey"),
            NadaType::EcdsaDigestMessage => f.write_str("EcdsaDigestMessage"),
            NadaType::EcdsaSignature => f.write_str("EcdsaSignature"),
            NadaType::EcdsaPublicKey => f.write_str("EcdsaPublicKey"),
            NadaType::EddsaPrivateKey => f.write_str("EddsaPrivateKey"),
            NadaType::EddsaPublicKey => f.write_str("EddsaPublicKey"),
            NadaType::EddsaMessage => f.write_str("EddsaMessage"),
            NadaType::EddsaSignature => f.write_str("EddsaSignature"),
            NadaType::Array { element, size } => write!(f, "Array<{element}; {size}>"),
            NadaType::Tuple { left, right } => write!(f, "Tuple<{left}, {right}>"),
        }
    }
}

/// Types of a list, for messages.
pub(crate) fn list(types: &[NadaType]) -> String {
    use core::fmt::Write;
    let mut out = String::new();
    for (i, t) in types.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{t}");
    }
    out
}
