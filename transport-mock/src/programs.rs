//! Program ids, names and the builtin programs (docs/wire-protocol.md §6.5).

use nilvm_core::identity::UserId;
use nilvm_nada::Program;

/// `builtin/tecdsa_sign`.
pub const TECDSA_SIGN: &str = "builtin/tecdsa_sign";
/// `builtin/teddsa_sign`.
pub const TEDDSA_SIGN: &str = "builtin/teddsa_sign";
/// `builtin/tecdsa_dkg`.
pub const TECDSA_DKG: &str = "builtin/tecdsa_dkg";
/// `builtin/teddsa_dkg`.
pub const TEDDSA_DKG: &str = "builtin/teddsa_dkg";

/// Interface-equivalent stand-ins for the nodes' compiled-in signing programs (compiled with the
/// official nada-dsl; see `testdata/programs/README.md`).
const TECDSA_SIGN_MIR: &[u8] = include_bytes!("../programs/builtin_tecdsa_sign.nada.bin");
const TEDDSA_SIGN_MIR: &[u8] = include_bytes!("../programs/builtin_teddsa_sign.nada.bin");

/// A parsed program id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProgramId {
    /// `builtin/<name>`.
    Builtin(String),
    /// `<user hex>/<name>/sha256/<hash hex>`.
    User {
        /// The uploader.
        user: UserId,
        /// The program name.
        name: String,
        /// SHA-256 of the program bytes.
        sha256: [u8; 32],
    },
}

/// Which distributed key generation a builtin runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dkg {
    /// `builtin/tecdsa_dkg`: a secp256k1 key.
    Ecdsa,
    /// `builtin/teddsa_dkg`: an Ed25519 key.
    Eddsa,
}

impl Dkg {
    /// The DKG a program id names, if any.
    pub fn of(program_id: &str) -> Option<Self> {
        match program_id {
            TECDSA_DKG => Some(Dkg::Ecdsa),
            TEDDSA_DKG => Some(Dkg::Eddsa),
            _ => None,
        }
    }

    /// The output parties that must be bound: (store id party, public key party).
    pub fn parties(self) -> (&'static str, &'static str) {
        match self {
            Dkg::Ecdsa => (
                "tecdsa_private_key_store_id_party",
                "tecdsa_public_key_party",
            ),
            Dkg::Eddsa => (
                "teddsa_private_key_store_id_party",
                "teddsa_public_key_party",
            ),
        }
    }

    /// The outputs: (store id, public key).
    pub fn outputs(self) -> (&'static str, &'static str) {
        match self {
            Dkg::Ecdsa => ("tecdsa_store_id", "tecdsa_public_key"),
            Dkg::Eddsa => ("teddsa_store_id", "teddsa_public_key"),
        }
    }

    /// The name the private key share is stored under.
    pub fn key_name(self) -> &'static str {
        match self {
            Dkg::Ecdsa => "tecdsa_private_key",
            Dkg::Eddsa => "teddsa_private_key",
        }
    }

    /// The signing program the key may be used with.
    pub fn sign_program(self) -> &'static str {
        match self {
            Dkg::Ecdsa => TECDSA_SIGN,
            Dkg::Eddsa => TEDDSA_SIGN,
        }
    }
}

/// Parses a program id as the nodes do; errors are the nodes' texts.
pub fn parse_program_id(id: &str) -> Result<ProgramId, &'static str> {
    let (prefix, rest) = id.split_once('/').ok_or("no '/' prefix in program")?;
    if prefix == "builtin" {
        return Ok(ProgramId::Builtin(rest.to_string()));
    }
    let user_bytes = hex::decode(prefix).map_err(|_| "invalid user id")?;
    let user = UserId::try_from(user_bytes.as_slice()).map_err(|_| "invalid user id")?;
    let (name, rest) = rest.split_once('/').ok_or("no hash type")?;
    let (hash_type, hash) = rest.split_once('/').ok_or("no hash")?;
    let sha256: [u8; 32] = hex::decode(hash)
        .ok()
        .and_then(|h| h.try_into().ok())
        .ok_or("invalid hash")?;
    if hash_type != "sha256" {
        return Err("invalid hash type");
    }
    Ok(ProgramId::User {
        user,
        name: name.to_string(),
        sha256,
    })
}

/// The id a program gets when `user` stores it under `name`.
pub fn program_id(user: &UserId, name: &str, sha256: &[u8]) -> String {
    format!(
        "{}/{name}/sha256/{}",
        hex::encode(user.as_bytes()),
        hex::encode(sha256)
    )
}

/// Checks a program name as the nodes do: 1 to 128 bytes of `a-z A-Z 0-9 + . : _ -`.
pub fn validate_program_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("empty program names are not allowed".into());
    }
    if name.len() > 128 {
        return Err("program name is too long".into());
    }
    match name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | ':' | '_' | '-')))
    {
        Some(c) => Err(format!("'{c}' is not allowed in program names")),
        None => Ok(()),
    }
}

/// The builtin signing programs, decoded.
pub fn builtin_programs() -> Vec<(String, Program)> {
    [
        (TECDSA_SIGN, TECDSA_SIGN_MIR),
        (TEDDSA_SIGN, TEDDSA_SIGN_MIR),
    ]
    .into_iter()
    .filter_map(|(id, bytes)| Program::decode(bytes).ok().map(|p| (id.to_string(), p)))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_errors_match_the_nodes() {
        let user = UserId::from_bytes([0xab; 20]);
        let id = program_id(&user, "main", &[7; 32]);
        assert_eq!(
            parse_program_id(&id),
            Ok(ProgramId::User {
                user,
                name: "main".into(),
                sha256: [7; 32]
            })
        );
        assert_eq!(
            parse_program_id("builtin/tecdsa_sign"),
            Ok(ProgramId::Builtin("tecdsa_sign".into()))
        );
        assert_eq!(parse_program_id("nope"), Err("no '/' prefix in program"));
        assert_eq!(parse_program_id("zz/main"), Err("invalid user id"));
        let prefix = hex::encode([1u8; 20]);
        assert_eq!(
            parse_program_id(&format!("{prefix}/main")),
            Err("no hash type")
        );
        assert_eq!(
            parse_program_id(&format!("{prefix}/main/sha256")),
            Err("no hash")
        );
        assert_eq!(
            parse_program_id(&format!("{prefix}/main/sha256/zz")),
            Err("invalid hash")
        );
        let hash = hex::encode([1u8; 32]);
        assert_eq!(
            parse_program_id(&format!("{prefix}/main/md5/{hash}")),
            Err("invalid hash type")
        );
    }

    #[test]
    fn names() {
        assert!(validate_program_name("my-program_1.0:x+y").is_ok());
        assert_eq!(
            validate_program_name("main/nope"),
            Err("'/' is not allowed in program names".into())
        );
        assert!(validate_program_name("").is_err());
        assert!(validate_program_name(&"a".repeat(129)).is_err());
    }

    #[test]
    fn builtins_decode() {
        assert_eq!(builtin_programs().len(), 2);
    }
}
