//! Typed ids: what the nodes hand back for stored values and computations.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(Uuid);

        impl $name {
            /// The id as the nodes send it.
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl fmt::Display for $name {
            /// The hyphenated form the official SDK prints.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;

            fn from_str(text: &str) -> Result<Self, InvalidId> {
                Uuid::parse_str(text).map(Self).map_err(|_| InvalidId {
                    kind: $what,
                    text: text.to_owned(),
                })
            }
        }
    };
}

uuid_id!(
    /// The id of stored values (returned by `store_values`).
    ValuesId,
    "values id"
);
uuid_id!(
    /// The id of a computation (returned by `compute`).
    ComputeId,
    "compute id"
);

/// Text that is not an id.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind} '{text}': expected a UUID")]
pub struct InvalidId {
    kind: &'static str,
    text: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text_and_refuse_garbage() {
        let id: ValuesId = "6f6b7c8e-1a2b-4c3d-8e9f-0a1b2c3d4e5f".parse().unwrap();
        assert_eq!(id.to_string(), "6f6b7c8e-1a2b-4c3d-8e9f-0a1b2c3d4e5f");
        assert_eq!(ValuesId::from(id.as_uuid()), id);
        let error = "nope".parse::<ComputeId>().unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid compute id 'nope': expected a UUID"
        );
    }
}
