//! Test files in the official `nada test` format:
//!
//! ```yaml
//! program: NAME            # the program, found as DIR/NAME.nada.bin
//! inputs:
//!   a: 3                   # untyped: the type comes from the program's input
//!   flags: [true, false]   # arrays as lists, tuples as two-element lists
//! expected_outputs:
//!   total: 5
//! ```
//!
//! Values are checked against the program's types: every input present, no extra one, the
//! right kind of value, in range for the field, lists of the declared length.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use nilvm_core::field::Prime;
use nilvm_core::values::{
    Array, ClearValue, Integer, SecretBoolean, SecretInteger, SecretUnsignedInteger, Tuple,
    UnsignedInteger,
};
use nilvm_nada::{NadaType, Program};
use serde_yaml::Value as Yaml;

/// What is wrong with one value of a test file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueProblem {
    /// The program has an input the file does not give.
    Missing,
    /// The file gives a value the program has no input (or output) for.
    Unknown,
    /// Not a value of the declared type.
    WrongType {
        /// The declared type.
        expected: String,
        /// What the file has.
        found: String,
    },
    /// An integer outside what the type and the field can hold.
    OutOfRange {
        /// The declared type.
        ty: String,
        /// The value as written.
        value: String,
    },
    /// A number beyond 64 bits written without quotes: YAML reads it as a float.
    Imprecise {
        /// The number as YAML read it.
        value: String,
    },
    /// Given by the file and another way too.
    GivenTwice,
    /// A list whose length is not the array's size.
    WrongLength {
        /// The declared size.
        expected: u32,
        /// The list's length.
        found: usize,
    },
}

impl fmt::Display for ValueProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing => write!(f, "is missing"),
            Self::Unknown => write!(f, "is not in the program"),
            Self::GivenTwice => write!(f, "is also given by a flag"),
            Self::Imprecise { value } => write!(
                f,
                "is {value}: write integers beyond 64 bits as quoted decimal text"
            ),
            Self::WrongType { expected, found } => write!(f, "must be {expected}, not {found}"),
            Self::OutOfRange { ty, value } => write!(f, "{value} is out of range for {ty}"),
            Self::WrongLength { expected, found } => {
                write!(f, "must be a list of {expected} elements, not {found}")
            }
        }
    }
}

/// Why a test file could not be used.
#[derive(Debug)]
pub enum TestFileError {
    /// The file could not be read.
    Read(std::io::Error),
    /// Not YAML, or not a mapping.
    Syntax(String),
    /// A required key (`program`, `inputs`, `expected_outputs`) is absent or of the wrong kind.
    Key(&'static str),
    /// An input's value.
    Input {
        /// The input's name (with the element index for arrays).
        name: String,
        /// What is wrong.
        problem: ValueProblem,
    },
    /// An expected output's value.
    Output {
        /// The output's name.
        name: String,
        /// What is wrong.
        problem: ValueProblem,
    },
}

impl fmt::Display for TestFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read(e) => write!(f, "cannot read it: {e}"),
            Self::Syntax(e) => write!(f, "not a test file: {e}"),
            Self::Key(key) => write!(f, "'{key}' is missing or not a mapping/name"),
            Self::Input { name, problem } => write!(f, "input '{name}' {problem}"),
            Self::Output { name, problem } => write!(f, "expected output '{name}' {problem}"),
        }
    }
}

/// A test file, read but not yet checked against a program.
#[derive(Debug)]
pub struct TestFile {
    /// `program:`, when the file has it.
    pub program: Option<String>,
    inputs: Vec<(String, Yaml)>,
    expected: Vec<(String, Yaml)>,
}

/// Values checked against a program.
#[derive(Debug)]
pub struct TypedCase {
    /// Input name → value.
    pub inputs: BTreeMap<String, ClearValue>,
    /// Output name → expected value, in the file's order.
    pub expected: Vec<(String, ClearValue)>,
}

fn entries(value: Option<&Yaml>, key: &'static str) -> Result<Vec<(String, Yaml)>, TestFileError> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    if value.is_null() {
        return Ok(Vec::new());
    }
    let mapping = value.as_mapping().ok_or(TestFileError::Key(key))?;
    mapping
        .iter()
        .map(|(k, v)| Ok((scalar_text(k).ok_or(TestFileError::Key(key))?, v.clone())))
        .collect()
}

impl TestFile {
    /// Reads a file.
    pub fn read(path: &Path) -> Result<Self, TestFileError> {
        let text = std::fs::read_to_string(path).map_err(TestFileError::Read)?;
        let yaml: Yaml =
            serde_yaml::from_str(&text).map_err(|e| TestFileError::Syntax(e.to_string()))?;
        let map = yaml
            .as_mapping()
            .ok_or_else(|| TestFileError::Syntax("the top level must be a mapping".into()))?;
        let program = match map.get("program") {
            None => None,
            Some(value) => Some(scalar_text(value).ok_or(TestFileError::Key("program"))?),
        };
        Ok(Self {
            program,
            inputs: entries(map.get("inputs"), "inputs")?,
            expected: entries(map.get("expected_outputs"), "expected_outputs")?,
        })
    }

    /// The inputs, typed by the program.
    pub fn inputs(
        &self,
        program: &Program,
        prime: Prime,
    ) -> Result<BTreeMap<String, ClearValue>, TestFileError> {
        let input_error = |name: &str, problem| TestFileError::Input {
            name: name.to_owned(),
            problem,
        };
        for (name, _) in &self.inputs {
            if program.input(name).is_none() {
                return Err(input_error(name, ValueProblem::Unknown));
            }
        }
        let mut values = BTreeMap::new();
        for input in program.inputs() {
            let Some((_, value)) = self.inputs.iter().find(|(n, _)| *n == input.name) else {
                return Err(input_error(&input.name, ValueProblem::Missing));
            };
            let typed = typed_value(&input.ty, value, prime, &input.name)
                .map_err(|(name, problem)| input_error(&name, problem))?;
            values.insert(input.name.clone(), typed);
        }
        Ok(values)
    }

    /// The file's inputs when `given` has the others (from the command line): no check for
    /// missing inputs, an input in both is an error.
    pub fn inputs_except(
        &self,
        program: &Program,
        prime: Prime,
        given: &BTreeMap<String, ClearValue>,
    ) -> Result<BTreeMap<String, ClearValue>, TestFileError> {
        let mut values = BTreeMap::new();
        for (name, value) in &self.inputs {
            let Some(input) = program.input(name) else {
                return Err(TestFileError::Input {
                    name: name.clone(),
                    problem: ValueProblem::Unknown,
                });
            };
            if given.contains_key(name) {
                return Err(TestFileError::Input {
                    name: name.clone(),
                    problem: ValueProblem::GivenTwice,
                });
            }
            let typed = typed_value(&input.ty, value, prime, name)
                .map_err(|(name, problem)| TestFileError::Input { name, problem })?;
            values.insert(name.clone(), typed);
        }
        Ok(values)
    }

    /// Inputs and expected outputs, typed by the program.
    pub fn typed(&self, program: &Program, prime: Prime) -> Result<TypedCase, TestFileError> {
        let inputs = self.inputs(program, prime)?;
        let mut expected = Vec::new();
        for (name, value) in &self.expected {
            let output_error = |name: String, problem| TestFileError::Output { name, problem };
            let Some(output) = program.outputs().iter().find(|o| o.name == *name) else {
                return Err(output_error(name.clone(), ValueProblem::Unknown));
            };
            let typed = typed_value(&output.ty, value, prime, name)
                .map_err(|(name, problem)| output_error(name, problem))?;
            expected.push((name.clone(), typed));
        }
        Ok(TypedCase { inputs, expected })
    }
}

/// Text of a YAML scalar (numbers as written, strings as they are).
fn scalar_text(value: &Yaml) -> Option<String> {
    match value {
        Yaml::String(s) => Some(s.clone()),
        Yaml::Number(n) => Some(n.to_string()),
        Yaml::Bool(b) => Some(b.to_string()),
        Yaml::Tagged(t) => scalar_text(&t.value),
        _ => None,
    }
}

fn describe(value: &Yaml) -> String {
    match value {
        Yaml::Null => "nothing".into(),
        Yaml::Bool(b) => format!("the boolean {b}"),
        Yaml::Number(n) => format!("the number {n}"),
        Yaml::String(s) => format!("the text {s:?}"),
        Yaml::Sequence(s) => format!("a list of {} elements", s.len()),
        Yaml::Mapping(_) => "a mapping".into(),
        Yaml::Tagged(t) => describe(&t.value),
    }
}

type Located = (String, ValueProblem);

/// A YAML value of a program type. Errors carry the name (with element indices).
fn typed_value(
    ty: &NadaType,
    value: &Yaml,
    prime: Prime,
    name: &str,
) -> Result<ClearValue, Located> {
    let value = match value {
        Yaml::Tagged(t) => &t.value,
        other => other,
    };
    let wrong = || {
        (
            name.to_owned(),
            ValueProblem::WrongType {
                expected: ty.to_string(),
                found: describe(value),
            },
        )
    };
    if let Yaml::Number(n) = value {
        if n.is_f64() && ty.scalar_kind().is_some() && *ty != NadaType::Boolean {
            return Err((
                name.to_owned(),
                ValueProblem::Imprecise {
                    value: n.to_string(),
                },
            ));
        }
    }
    // Decimal text that does not parse is too large for 256 bits.
    let unparsable = |text: &str| {
        let digits = text.strip_prefix('-').unwrap_or(text);
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            out_of_range(name, ty, text)
        } else {
            wrong()
        }
    };
    match ty {
        NadaType::Integer | NadaType::SecretInteger => {
            let text = integer_text(value).ok_or_else(wrong)?;
            let integer: Integer = text.parse().map_err(|_| unparsable(&text))?;
            if !integer.fits(prime) {
                return Err(out_of_range(name, ty, &text));
            }
            Ok(if *ty == NadaType::Integer {
                ClearValue::Integer(integer)
            } else {
                ClearValue::SecretInteger(SecretInteger::new(integer))
            })
        }
        NadaType::UnsignedInteger | NadaType::SecretUnsignedInteger => {
            let text = integer_text(value).ok_or_else(wrong)?;
            if text.starts_with('-') {
                return Err(out_of_range(name, ty, &text));
            }
            let integer: UnsignedInteger = text.parse().map_err(|_| unparsable(&text))?;
            if !integer.fits(prime) {
                return Err(out_of_range(name, ty, &text));
            }
            Ok(if *ty == NadaType::UnsignedInteger {
                ClearValue::UnsignedInteger(integer)
            } else {
                ClearValue::SecretUnsignedInteger(SecretUnsignedInteger::new(integer))
            })
        }
        NadaType::Boolean => Ok(ClearValue::Boolean(value.as_bool().ok_or_else(wrong)?)),
        NadaType::SecretBoolean => Ok(ClearValue::SecretBoolean(SecretBoolean::new(
            value.as_bool().ok_or_else(wrong)?,
        ))),
        NadaType::Array { element, size } => {
            let items = value.as_sequence().ok_or_else(wrong)?;
            if items.len() != *size as usize {
                return Err((
                    name.to_owned(),
                    ValueProblem::WrongLength {
                        expected: *size,
                        found: items.len(),
                    },
                ));
            }
            let values = items
                .iter()
                .enumerate()
                .map(|(i, item)| typed_value(element, item, prime, &format!("{name}[{i}]")))
                .collect::<Result<Vec<_>, _>>()?;
            Array::new(values)
                .map(ClearValue::Array)
                .map_err(|_| wrong())
        }
        NadaType::Tuple { left, right } => {
            let items = value
                .as_sequence()
                .filter(|s| s.len() == 2)
                .ok_or_else(wrong)?;
            let left = typed_value(left, &items[0], prime, &format!("{name}.left"))?;
            let right = typed_value(right, &items[1], prime, &format!("{name}.right"))?;
            Tuple::new(left, right)
                .map(ClearValue::Tuple)
                .map_err(|_| wrong())
        }
        _ => Err(wrong()),
    }
}

fn out_of_range(name: &str, ty: &NadaType, text: &str) -> Located {
    (
        name.to_owned(),
        ValueProblem::OutOfRange {
            ty: ty.to_string(),
            value: text.to_owned(),
        },
    )
}

/// Integers as numbers or as decimal text (for values beyond 64 bits).
fn integer_text(value: &Yaml) -> Option<String> {
    match value {
        Yaml::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        Yaml::String(s) if !s.is_empty() => Some(s.trim().to_owned()),
        _ => None,
    }
}

/// A value in the files' notation: `3`, `true`, `[1, 2]`.
pub fn show(value: &ClearValue) -> String {
    match value {
        ClearValue::Integer(v) => v.to_string(),
        ClearValue::SecretInteger(v) => v.value().to_string(),
        ClearValue::UnsignedInteger(v) => v.to_string(),
        ClearValue::SecretUnsignedInteger(v) => v.value().to_string(),
        ClearValue::Boolean(v) => v.to_string(),
        ClearValue::SecretBoolean(v) => v.value().to_string(),
        ClearValue::Array(a) => {
            let items: Vec<String> = a.values().iter().map(show).collect();
            format!("[{}]", items.join(", "))
        }
        ClearValue::Tuple(t) => format!("[{}, {}]", show(t.left()), show(t.right())),
        other => crate::values::to_json(other)["value"].to_string(),
    }
}
