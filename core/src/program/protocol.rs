//! The nodes' MPC protocol names and the preprocessing elements they consume.

use core::fmt;

use nilvm_proto::nillion::preprocessing::v1::element::PreprocessingElement;

macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $( $(#[$vmeta:meta])* $variant:ident ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum $name { $( $(#[$vmeta])* $variant ),+ }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The node's name for it (the key in the metadata maps).
            pub fn name(self) -> &'static str {
                match self { $($name::$variant => stringify!($variant)),+ }
            }

            /// The variant with this node name.
            pub fn from_name(name: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.name() == name)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

named_enum! {
    /// An MPC protocol of the nilVM, as counted in `ProgramMetadata.instructions`.
    pub enum Protocol {
        /// `a + b`, any modes.
        Addition,
        /// `a - b`, any modes.
        Subtraction,
        /// Public × public.
        MultiplicationPublic,
        /// Secret × public (either order).
        MultiplicationSharePublic,
        /// Secret × secret.
        MultiplicationShares,
        /// Public ÷ public.
        DivisionIntegerPublic,
        /// Secret ÷ public; one `Modulo` element.
        DivisionIntegerSecretDividendPublicDivisor,
        /// Any ÷ secret; one `DivisionIntegerSecret` element.
        DivisionIntegerSecretDivisor,
        /// Public % public.
        ModuloIntegerPublic,
        /// Secret % public; one `Modulo` element.
        ModuloIntegerSecretDividendPublicDivisor,
        /// Any % secret; one `DivisionIntegerSecret` element.
        ModuloIntegerSecretDivisor,
        /// `<` on public operands.
        LessThanPublic,
        /// `<` with a secret operand; one `Compare` element.
        LessThanShares,
        /// `==` on public operands (and `public_equals` on public operands).
        EqualsPublic,
        /// `==` with a secret operand; one `EqualsIntegerSecret` element.
        EqualsSecret,
        /// `public_equals` with a secret operand; one `PublicOutputEquality` element.
        PublicOutputEquality,
        /// Boolean negation.
        Not,
        /// `to_public()`.
        Reveal,
        /// Materialises an array used as a whole (output, `inner_product` operand, nested).
        NewArray,
        /// Materialises a tuple used as a whole.
        NewTuple,
        /// `if_else` with a secret condition and a secret branch.
        IfElse,
        /// `if_else` with a public condition.
        IfElsePublicCond,
        /// `if_else` with a secret condition and public branches.
        IfElsePublicBranches,
        /// `<<` on a public value.
        LeftShiftPublic,
        /// `<<` on a secret value.
        LeftShiftShares,
        /// `>>` on a public value.
        RightShiftPublic,
        /// `>>` on a secret value; one `Trunc` element.
        RightShiftShares,
        /// `trunc_pr`; one `TruncPr` element.
        TruncPr,
        /// `**` (public only).
        PowerPublicBasePublicExponent,
        /// Inner product of public arrays.
        InnerProductPublic,
        /// Inner product of a secret and a public array.
        InnerProductSharePublic,
        /// Inner product of secret arrays.
        InnerProductShares,
        /// `SecretInteger.random()` / `SecretUnsignedInteger.random()`; one `RandomInteger` element.
        RandomInteger,
        /// `SecretBoolean.random()`; one `RandomBoolean` element.
        RandomBoolean,
        /// Threshold ECDSA signing; needs the CGGMP21 auxiliary material.
        EcdsaSign,
        /// Threshold EdDSA signing.
        EddsaSign,
        /// Public key of a private key share.
        PublicKeyDerive,
    }
}

named_enum! {
    /// A runtime requirement of a protocol: a preprocessing element, or the ECDSA auxiliary
    /// material.
    pub enum RuntimeRequirement {
        /// Comparison element.
        Compare,
        /// Secret-divisor division element.
        DivisionIntegerSecret,
        /// Secret equality element.
        EqualsIntegerSecret,
        /// Modulo element (also used by secret ÷ public division).
        Modulo,
        /// Public-output equality element.
        PublicOutputEquality,
        /// Probabilistic truncation element.
        TruncPr,
        /// Deterministic truncation element (secret right shift).
        Trunc,
        /// Random integer element.
        RandomInteger,
        /// Random boolean element.
        RandomBoolean,
        /// ECDSA auxiliary information (CGGMP21); sent as auxiliary material, not as an element.
        EcdsaAuxInfo,
    }
}

impl Protocol {
    /// The runtime requirement one execution of this protocol consumes, if any.
    pub fn requirement(self) -> Option<RuntimeRequirement> {
        use Protocol as P;
        use RuntimeRequirement as R;
        Some(match self {
            P::DivisionIntegerSecretDividendPublicDivisor
            | P::ModuloIntegerSecretDividendPublicDivisor => R::Modulo,
            P::DivisionIntegerSecretDivisor | P::ModuloIntegerSecretDivisor => {
                R::DivisionIntegerSecret
            }
            P::LessThanShares => R::Compare,
            P::EqualsSecret => R::EqualsIntegerSecret,
            P::PublicOutputEquality => R::PublicOutputEquality,
            P::RightShiftShares => R::Trunc,
            P::TruncPr => R::TruncPr,
            P::RandomInteger => R::RandomInteger,
            P::RandomBoolean => R::RandomBoolean,
            P::EcdsaSign => R::EcdsaAuxInfo,
            _ => return None,
        })
    }
}

impl RuntimeRequirement {
    /// The preprocessing element sent in the quote (the Rust client's translation), or `None`
    /// for [`RuntimeRequirement::EcdsaAuxInfo`], which becomes an auxiliary material entry.
    pub fn preprocessing_element(self) -> Option<PreprocessingElement> {
        use PreprocessingElement as E;
        use RuntimeRequirement as R;
        Some(match self {
            R::Compare => E::Compare,
            R::DivisionIntegerSecret => E::DivisionSecretDivisor,
            R::EqualsIntegerSecret => E::EqualitySecretOutput,
            R::Modulo => E::Modulo,
            R::PublicOutputEquality => E::EqualityPublicOutput,
            R::TruncPr => E::TruncPr,
            R::Trunc => E::Trunc,
            R::RandomInteger => E::RandomInteger,
            R::RandomBoolean => E::RandomBoolean,
            R::EcdsaAuxInfo => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for p in Protocol::ALL {
            assert_eq!(Protocol::from_name(p.name()), Some(*p));
        }
        for r in RuntimeRequirement::ALL {
            assert_eq!(RuntimeRequirement::from_name(r.name()), Some(*r));
        }
        assert_eq!(Protocol::from_name("Nope"), None);
    }
}
