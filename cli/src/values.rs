//! Values on the command line: `--secret-integer name=42`, arrays, blobs; and values printed
//! back as YAML or JSON.
//!
//! Flag names follow the official `nillion` CLI (`--secret-integer`/`--si`,
//! `--array-secret-integer`/`--asi`, `--secret-blob` in base64, ...), with a few aliases
//! (`--integer`, `--unsigned-integer`) and the booleans the official CLI lacks.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use clap::Args;
use nilvm_core::values::{
    Array, ClearValue, EcdsaDigestMessage, Integer, SecretBlob, SecretBoolean, SecretInteger,
    SecretUnsignedInteger, UnsignedInteger,
};
use serde_json::{Value as Json, json};

/// Value flags; each takes `NAME=VALUE` and may be repeated.
#[derive(Debug, Default, Args)]
pub struct ValueArgs {
    /// A public integer: `NAME=VALUE`.
    #[arg(long = "public-integer", short = 'i', visible_aliases = ["integer"], value_name = "NAME=VALUE")]
    integers: Vec<String>,
    /// A public unsigned integer: `NAME=VALUE`.
    #[arg(long = "public-unsigned-integer", visible_aliases = ["ui", "unsigned-integer"], value_name = "NAME=VALUE")]
    unsigned_integers: Vec<String>,
    /// A public boolean: `NAME=true|false`.
    #[arg(long = "public-boolean", visible_aliases = ["boolean"], value_name = "NAME=BOOL")]
    booleans: Vec<String>,
    /// A secret integer: `NAME=VALUE`.
    #[arg(long = "secret-integer", visible_aliases = ["si"], value_name = "NAME=VALUE")]
    secret_integers: Vec<String>,
    /// A secret unsigned integer: `NAME=VALUE`.
    #[arg(long = "secret-unsigned-integer", visible_aliases = ["sui"], value_name = "NAME=VALUE")]
    secret_unsigned_integers: Vec<String>,
    /// A secret boolean: `NAME=true|false`.
    #[arg(long = "secret-boolean", visible_aliases = ["sbool"], value_name = "NAME=BOOL")]
    secret_booleans: Vec<String>,
    /// An array of public integers: `NAME=1,2,3`.
    #[arg(long = "array-public-integer", visible_aliases = ["ai"], value_name = "NAME=V,V,...")]
    array_integers: Vec<String>,
    /// An array of public unsigned integers: `NAME=1,2,3`.
    #[arg(long = "array-public-unsigned-integer", visible_aliases = ["aui"], value_name = "NAME=V,V,...")]
    array_unsigned_integers: Vec<String>,
    /// An array of secret integers: `NAME=1,2,3`.
    #[arg(long = "array-secret-integer", visible_aliases = ["asi"], value_name = "NAME=V,V,...")]
    array_secret_integers: Vec<String>,
    /// An array of secret unsigned integers: `NAME=1,2,3`.
    #[arg(long = "array-secret-unsigned-integer", visible_aliases = ["asui"], value_name = "NAME=V,V,...")]
    array_secret_unsigned_integers: Vec<String>,
    /// A secret blob, base64-encoded: `NAME=BASE64`.
    #[arg(long = "secret-blob", visible_aliases = ["sb"], value_name = "NAME=BASE64")]
    secret_blobs: Vec<String>,
    /// A 32-byte ECDSA message digest, base64-encoded: `NAME=BASE64`.
    #[arg(long = "ecdsa-digest-message", visible_aliases = ["edm"], value_name = "NAME=BASE64")]
    ecdsa_digest_messages: Vec<String>,
}

/// A value flag that could not be read; the message names the flag and the value.
#[derive(Debug)]
pub struct ValueArgError(pub String);

impl std::fmt::Display for ValueArgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn split<'a>(flag: &str, arg: &'a str) -> Result<(&'a str, &'a str), ValueArgError> {
    match arg.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name, value)),
        _ => Err(ValueArgError(format!(
            "--{flag} {arg:?}: expected NAME=VALUE"
        ))),
    }
}

fn integer(flag: &str, name: &str, text: &str) -> Result<Integer, ValueArgError> {
    text.trim()
        .parse()
        .map_err(|e| ValueArgError(format!("--{flag} {name}: {text:?} is not an integer: {e}")))
}

fn unsigned(flag: &str, name: &str, text: &str) -> Result<UnsignedInteger, ValueArgError> {
    text.trim().parse().map_err(|e| {
        ValueArgError(format!(
            "--{flag} {name}: {text:?} is not an unsigned integer: {e}"
        ))
    })
}

fn boolean(flag: &str, name: &str, text: &str) -> Result<bool, ValueArgError> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(ValueArgError(format!(
            "--{flag} {name}: {text:?} is not true or false"
        ))),
    }
}

fn base64(flag: &str, name: &str, text: &str) -> Result<Vec<u8>, ValueArgError> {
    BASE64
        .decode(text.trim())
        .map_err(|e| ValueArgError(format!("--{flag} {name}: not valid base64: {e}")))
}

fn array(
    flag: &str,
    name: &str,
    text: &str,
    element: impl Fn(&str) -> Result<ClearValue, ValueArgError>,
) -> Result<ClearValue, ValueArgError> {
    let values = text
        .split(',')
        .map(element)
        .collect::<Result<Vec<_>, _>>()?;
    Array::new(values)
        .map(ClearValue::Array)
        .map_err(|e| ValueArgError(format!("--{flag} {name}: {e}")))
}

impl ValueArgs {
    /// All values, by name. A name given twice is an error.
    pub fn collect(&self) -> Result<BTreeMap<String, ClearValue>, ValueArgError> {
        let mut values = BTreeMap::new();
        let mut put =
            |flag: &str,
             args: &[String],
             parse: &dyn Fn(&str, &str) -> Result<ClearValue, ValueArgError>| {
                for arg in args {
                    let (name, text) = split(flag, arg)?;
                    let value = parse(name, text)?;
                    if values.insert(name.to_string(), value).is_some() {
                        return Err(ValueArgError(format!(
                            "value {name:?} is given more than once"
                        )));
                    }
                }
                Ok::<_, ValueArgError>(())
            };
        put("public-integer", &self.integers, &|n, t| {
            Ok(ClearValue::Integer(integer("public-integer", n, t)?))
        })?;
        put(
            "public-unsigned-integer",
            &self.unsigned_integers,
            &|n, t| {
                Ok(ClearValue::UnsignedInteger(unsigned(
                    "public-unsigned-integer",
                    n,
                    t,
                )?))
            },
        )?;
        put("public-boolean", &self.booleans, &|n, t| {
            Ok(ClearValue::Boolean(boolean("public-boolean", n, t)?))
        })?;
        put("secret-integer", &self.secret_integers, &|n, t| {
            Ok(ClearValue::SecretInteger(SecretInteger::new(integer(
                "secret-integer",
                n,
                t,
            )?)))
        })?;
        put(
            "secret-unsigned-integer",
            &self.secret_unsigned_integers,
            &|n, t| {
                Ok(ClearValue::SecretUnsignedInteger(
                    SecretUnsignedInteger::new(unsigned("secret-unsigned-integer", n, t)?),
                ))
            },
        )?;
        put("secret-boolean", &self.secret_booleans, &|n, t| {
            Ok(ClearValue::SecretBoolean(SecretBoolean::new(boolean(
                "secret-boolean",
                n,
                t,
            )?)))
        })?;
        let flag = "array-public-integer";
        put(flag, &self.array_integers, &|n, t| {
            array(flag, n, t, |e| {
                Ok(ClearValue::Integer(integer(flag, n, e)?))
            })
        })?;
        let flag = "array-public-unsigned-integer";
        put(flag, &self.array_unsigned_integers, &|n, t| {
            array(flag, n, t, |e| {
                Ok(ClearValue::UnsignedInteger(unsigned(flag, n, e)?))
            })
        })?;
        let flag = "array-secret-integer";
        put(flag, &self.array_secret_integers, &|n, t| {
            array(flag, n, t, |e| {
                Ok(ClearValue::SecretInteger(SecretInteger::new(integer(
                    flag, n, e,
                )?)))
            })
        })?;
        let flag = "array-secret-unsigned-integer";
        put(flag, &self.array_secret_unsigned_integers, &|n, t| {
            array(flag, n, t, |e| {
                Ok(ClearValue::SecretUnsignedInteger(
                    SecretUnsignedInteger::new(unsigned(flag, n, e)?),
                ))
            })
        })?;
        put("secret-blob", &self.secret_blobs, &|n, t| {
            Ok(ClearValue::SecretBlob(SecretBlob::new(base64(
                "secret-blob",
                n,
                t,
            )?)))
        })?;
        let flag = "ecdsa-digest-message";
        put(flag, &self.ecdsa_digest_messages, &|n, t| {
            let digest = EcdsaDigestMessage::new(&base64(flag, n, t)?)
                .map_err(|e| ValueArgError(format!("--{flag} {n}: {e}")))?;
            Ok(ClearValue::EcdsaDigestMessage(digest))
        })?;
        Ok(values)
    }
}

/// A value as JSON: `{"type": "SecretInteger", "value": "42"}`. Integers are decimal strings so
/// 256-bit values survive any JSON reader; bytes are base64 (blobs, digests) or hex (keys).
pub fn to_json(value: &ClearValue) -> Json {
    let (kind, value) = match value {
        ClearValue::Integer(v) => ("Integer", json!(v.to_string())),
        ClearValue::UnsignedInteger(v) => ("UnsignedInteger", json!(v.to_string())),
        ClearValue::Boolean(v) => ("Boolean", json!(v)),
        ClearValue::SecretInteger(v) => ("SecretInteger", json!(v.value().to_string())),
        ClearValue::SecretUnsignedInteger(v) => {
            ("SecretUnsignedInteger", json!(v.value().to_string()))
        }
        ClearValue::SecretBoolean(v) => ("SecretBoolean", json!(v.value())),
        ClearValue::SecretBlob(v) => ("SecretBlob", json!(BASE64.encode(v.as_bytes()))),
        ClearValue::Array(a) => (
            "Array",
            Json::Array(a.values().iter().map(to_json).collect()),
        ),
        ClearValue::Tuple(t) => ("Tuple", json!([to_json(t.left()), to_json(t.right())])),
        ClearValue::EcdsaPrivateKey(k) => ("EcdsaPrivateKey", json!(hex::encode(k.to_be_bytes()))),
        ClearValue::EcdsaDigestMessage(d) => {
            ("EcdsaDigestMessage", json!(BASE64.encode(d.as_bytes())))
        }
        ClearValue::EcdsaSignature(s) => (
            "EcdsaSignature",
            json!({"r": hex::encode(s.r_be_bytes()), "s": hex::encode(s.s_be_bytes())}),
        ),
        ClearValue::EcdsaPublicKey(k) => ("EcdsaPublicKey", json!(hex::encode(k.as_bytes()))),
        ClearValue::StoreId(id) => ("StoreId", json!(hex::encode(id.as_bytes()))),
        ClearValue::EddsaPrivateKey(k) => ("EddsaPrivateKey", json!(hex::encode(k.to_le_bytes()))),
        ClearValue::EddsaMessage(m) => ("EddsaMessage", json!(BASE64.encode(m.as_bytes()))),
        ClearValue::EddsaSignature(s) => ("EddsaSignature", json!(hex::encode(s.as_bytes()))),
        ClearValue::EddsaPublicKey(k) => ("EddsaPublicKey", json!(hex::encode(k.as_bytes()))),
        _ => ("Unknown", Json::Null),
    };
    json!({"type": kind, "value": value})
}

/// Named values as a JSON object.
pub fn map_to_json(values: &BTreeMap<String, ClearValue>) -> Json {
    Json::Object(
        values
            .iter()
            .map(|(name, value)| (name.clone(), to_json(value)))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        values: ValueArgs,
    }

    fn parse(args: &[&str]) -> Result<BTreeMap<String, ClearValue>, ValueArgError> {
        let cli = Cli::try_parse_from(std::iter::once("x").chain(args.iter().copied())).unwrap();
        cli.values.collect()
    }

    #[test]
    fn every_flag_builds_its_type() {
        let values = parse(&[
            "--si",
            "a=-42",
            "--integer",
            "b=7",
            "--secret-boolean",
            "c=true",
            "--asi",
            "d=1,2,3",
            "--sb",
            "e=aGVsbG8=",
            "--sui",
            "f=5",
        ])
        .unwrap();
        assert_eq!(
            to_json(&values["a"]),
            json!({"type": "SecretInteger", "value": "-42"})
        );
        assert_eq!(
            to_json(&values["b"]),
            json!({"type": "Integer", "value": "7"})
        );
        assert_eq!(
            to_json(&values["c"]),
            json!({"type": "SecretBoolean", "value": true})
        );
        assert_eq!(to_json(&values["d"])["value"].as_array().unwrap().len(), 3);
        assert_eq!(
            to_json(&values["e"]),
            json!({"type": "SecretBlob", "value": "aGVsbG8="})
        );
        assert_eq!(
            to_json(&values["f"]),
            json!({"type": "SecretUnsignedInteger", "value": "5"})
        );
    }

    #[test]
    fn bad_values_name_the_flag_and_the_value() {
        let error = parse(&["--sui", "x=-1"]).unwrap_err().0;
        assert!(error.contains("--secret-unsigned-integer x"), "{error}");
        let error = parse(&["--si", "novalue"]).unwrap_err().0;
        assert!(error.contains("expected NAME=VALUE"), "{error}");
        let error = parse(&["--si", "a=1", "--integer", "a=2"]).unwrap_err().0;
        assert!(error.contains("more than once"), "{error}");
        let error = parse(&["--sb", "a=***"]).unwrap_err().0;
        assert!(error.contains("base64"), "{error}");
    }
}
