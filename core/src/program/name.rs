//! Program names, validated the way the node validates them at StoreProgram.

use alloc::string::String;
use core::fmt;
use core::str::FromStr;

/// A validated program name: 1 to [`ProgramName::MAX_LENGTH`] characters from
/// `[A-Za-z0-9+.:_-]`.
///
/// The node checks the name taken from the paid receipt at StoreProgram time, after payment, so
/// checking it here first saves a wasted payment. The checks and their order are the node's:
/// empty, then length in bytes, then the first disallowed character.
///
/// ```
/// use nilvm_core::program::{ProgramName, ProgramNameError};
///
/// let name = ProgramName::new("my-program.v2").unwrap();
/// assert_eq!(name.as_str(), "my-program.v2");
/// assert_eq!(ProgramName::new("main/nope"), Err(ProgramNameError::DisallowedCharacter('/')));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProgramName(String);

/// Why a program name is invalid. The texts are the node's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProgramNameError {
    /// The name is empty.
    #[error("empty program names are not allowed")]
    Empty,
    /// The name is longer than [`ProgramName::MAX_LENGTH`] bytes.
    #[error("program name is too long")]
    TooLong,
    /// The name contains a character outside `[A-Za-z0-9+.:_-]` (the first one is reported).
    #[error("'{0}' is not allowed in program names")]
    DisallowedCharacter(char),
}

impl ProgramName {
    /// The maximum length of a name, in bytes (every allowed character is one byte).
    pub const MAX_LENGTH: usize = 128;

    /// Validates a program name.
    pub fn new(name: impl Into<String>) -> Result<Self, ProgramNameError> {
        let name = name.into();
        Self::validate(&name)?;
        Ok(Self(name))
    }

    /// Checks a name without keeping it.
    pub fn validate(name: &str) -> Result<(), ProgramNameError> {
        if name.is_empty() {
            return Err(ProgramNameError::Empty);
        }
        if name.len() > Self::MAX_LENGTH {
            return Err(ProgramNameError::TooLong);
        }
        match name.chars().find(|c| !is_allowed(*c)) {
            Some(c) => Err(ProgramNameError::DisallowedCharacter(c)),
            None => Ok(()),
        }
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name as an owned string.
    pub fn into_string(self) -> String {
        self.0
    }
}

fn is_allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | ':' | '_' | '-')
}

impl fmt::Display for ProgramName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for ProgramName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromStr for ProgramName {
    type Err = ProgramNameError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl TryFrom<String> for ProgramName {
    type Error = ProgramNameError;

    fn try_from(name: String) -> Result<Self, Self::Error> {
        Self::new(name)
    }
}

impl TryFrom<&str> for ProgramName {
    type Error = ProgramNameError;

    fn try_from(name: &str) -> Result<Self, Self::Error> {
        Self::new(name)
    }
}

impl From<ProgramName> for String {
    fn from(name: ProgramName) -> Self {
        name.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn valid_names() {
        for name in ["a", "main", "A-Z_0.9:+", "tecdsa_sign", &"x".repeat(128)] {
            assert_eq!(
                ProgramName::new(name).map(|n| n.to_string()),
                Ok(name.to_string())
            );
        }
    }

    #[test]
    fn invalid_names_and_texts() {
        assert_eq!(ProgramName::new(""), Err(ProgramNameError::Empty));
        assert_eq!(
            ProgramNameError::Empty.to_string(),
            "empty program names are not allowed"
        );
        assert_eq!(
            ProgramName::new("x".repeat(129)),
            Err(ProgramNameError::TooLong)
        );
        assert_eq!(
            ProgramNameError::TooLong.to_string(),
            "program name is too long"
        );
        let err = ProgramName::new("main/nope").unwrap_err();
        assert_eq!(err, ProgramNameError::DisallowedCharacter('/'));
        assert_eq!(err.to_string(), "'/' is not allowed in program names");
        assert_eq!(
            ProgramName::new("a b"),
            Err(ProgramNameError::DisallowedCharacter(' '))
        );
        assert_eq!(
            ProgramName::new("é"),
            Err(ProgramNameError::DisallowedCharacter('é'))
        );
        // Length is checked before characters, in bytes: 65 two-byte characters are too long.
        assert_eq!(
            ProgramName::new("é".repeat(65)),
            Err(ProgramNameError::TooLong)
        );
    }
}
