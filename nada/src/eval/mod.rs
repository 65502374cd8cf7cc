//! The reference evaluator: runs a [`Program`] in the clear with the nodes' semantics.
//!
//! Values are elements of the field of the cluster's prime; integers wrap mod p, signed values
//! read in the symmetric range, unsigned ones raw (docs/nada.md §6.1). Division and modulo
//! floor; a public zero divisor fails the computation, a secret one does not (§7.1). The
//! randomized operations (`random`, `trunc_pr`, signatures) draw from the generator passed in.
//! Evaluation is bounded by [`Limits`].
//!
//! ```
//! use std::collections::BTreeMap;
//! use nilvm_core::field::Prime;
//! use nilvm_core::values::{ClearValue, Integer, SecretInteger};
//! use nilvm_nada::{EvalConfig, Program, evaluate};
//!
//! let bytes = std::fs::read(concat!(
//!     env!("CARGO_MANIFEST_DIR"),
//!     "/../testdata/programs/add_simple.nada.bin"
//! ))?;
//! let program = Program::decode(&bytes)?;
//! let mut inputs = BTreeMap::new();
//! inputs.insert("a".to_string(), ClearValue::SecretInteger(SecretInteger::from(5i64)));
//! inputs.insert("b".to_string(), ClearValue::SecretInteger(SecretInteger::from(7i64)));
//! # struct Rng(u64);
//! # impl rand_core::TryRng for Rng {
//! #     type Error = core::convert::Infallible;
//! #     fn try_next_u32(&mut self) -> Result<u32, Self::Error> { Ok(self.try_next_u64()? as u32) }
//! #     fn try_next_u64(&mut self) -> Result<u64, Self::Error> { self.0 += 1; Ok(self.0) }
//! #     fn try_fill_bytes(&mut self, d: &mut [u8]) -> Result<(), Self::Error> {
//! #         for b in d { *b = self.try_next_u64()? as u8 } Ok(()) }
//! # }
//! # impl rand_core::TryCryptoRng for Rng {}
//! # let mut rng = Rng(0);
//! let outputs = evaluate(&program, &inputs, &EvalConfig::new(Prime::U256), &mut rng)?;
//! assert_eq!(
//!     outputs.get("total"),
//!     Some(&ClearValue::SecretInteger(SecretInteger::from(12i64)))
//! );
//! assert_eq!(outputs.for_party("Alice").count(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod arith;
mod node;
mod sign;
mod value;

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use nilvm_core::field::{Fp64, Fp128, Fp256, Prime, PrimeField};
use nilvm_core::values::ClearValue;
use rand_core::CryptoRng;

use self::value::{IntoValueError, Value, bool_element};
use crate::error::EvalError;
use crate::program::{Graph, LiteralValue, Node, Program};

/// How `trunc_pr` picks its result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TruncPrMode {
    /// What the nodes compute: `floor(a / 2^m) − 1 + c` with `c = 1` with probability
    /// `(a mod 2^m) / 2^m` (so exact multiples always come out one below the floor).
    #[default]
    Network,
    /// The exact floor, as nilvm's bytecode evaluator computes it.
    Exact,
}

/// Bounds that stop a hostile program from running away.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most operations evaluated in one run, counting each operation of a function body once
    /// per call and each element built or combined by array operations.
    pub max_steps: u64,
    /// Deepest nesting of map/reduce calls.
    pub max_call_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_steps: 10_000_000,
            max_call_depth: 32,
        }
    }
}

/// Evaluation settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EvalConfig {
    /// The cluster's prime.
    pub prime: Prime,
    /// Resource bounds.
    pub limits: Limits,
    /// `trunc_pr` behaviour.
    pub trunc_pr: TruncPrMode,
}

impl EvalConfig {
    /// Default limits and the network's `trunc_pr` for `prime`.
    pub fn new(prime: Prime) -> Self {
        EvalConfig {
            prime,
            limits: Limits::default(),
            trunc_pr: TruncPrMode::Network,
        }
    }
}

/// One output value and who receives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputValue {
    /// The output name.
    pub name: String,
    /// The receiving party.
    pub party: String,
    /// The value (typed as the program declares: secret types stay secret).
    pub value: ClearValue,
}

/// The results of a successful evaluation, in program output order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outputs {
    values: Vec<OutputValue>,
    steps: u64,
}

impl Outputs {
    /// All outputs, in program order.
    pub fn values(&self) -> &[OutputValue] {
        &self.values
    }

    /// The output with this name.
    pub fn get(&self, name: &str) -> Option<&ClearValue> {
        self.values
            .iter()
            .find(|o| o.name == name)
            .map(|o| &o.value)
    }

    /// The outputs `party` receives.
    pub fn for_party<'a>(&'a self, party: &'a str) -> impl Iterator<Item = &'a OutputValue> + 'a {
        self.values.iter().filter(move |o| o.party == party)
    }

    /// Output values grouped by receiving party, then by name.
    pub fn by_party(&self) -> BTreeMap<String, BTreeMap<String, ClearValue>> {
        let mut out: BTreeMap<String, BTreeMap<String, ClearValue>> = BTreeMap::new();
        for o in &self.values {
            out.entry(o.party.clone())
                .or_default()
                .insert(o.name.clone(), o.value.clone());
        }
        out
    }

    /// How many evaluation steps the run took (see [`Limits::max_steps`]).
    pub fn steps(&self) -> u64 {
        self.steps
    }
}

/// Evaluates `program` on `inputs` (input name → value, the union of every party's values,
/// as the nodes match them).
///
/// Every program input needs a value of its declared type, and no other value may be given.
/// Fails as a whole if any operation fails (docs/nada.md §6.3).
pub fn evaluate<R: CryptoRng + ?Sized>(
    program: &Program,
    inputs: &BTreeMap<String, ClearValue>,
    config: &EvalConfig,
    rng: &mut R,
) -> Result<Outputs, EvalError> {
    let named: BTreeMap<&str, &ClearValue> = inputs.iter().map(|(k, v)| (k.as_str(), v)).collect();
    match config.prime {
        Prime::U64 => run::<Fp64, R>(program, &named, config, rng),
        Prime::U128 => run::<Fp128, R>(program, &named, config, rng),
        Prime::U256 => run::<Fp256, R>(program, &named, config, rng),
    }
}

/// Like [`evaluate`], with the values grouped by the party that provides them
/// (party name → input name → value); a value under the wrong party is an error.
pub fn evaluate_by_party<R: CryptoRng + ?Sized>(
    program: &Program,
    inputs: &BTreeMap<String, BTreeMap<String, ClearValue>>,
    config: &EvalConfig,
    rng: &mut R,
) -> Result<Outputs, EvalError> {
    let mut named = BTreeMap::new();
    for (party, values) in inputs {
        for (name, value) in values {
            if let Some(input) = program.input(name) {
                let expected = program
                    .parties()
                    .get(input.party)
                    .map(|p| p.name.as_str())
                    .unwrap_or_default();
                if expected != party {
                    return Err(EvalError::WrongParty {
                        input: name.clone(),
                        expected: String::from(expected),
                        found: party.clone(),
                    });
                }
            }
            named.insert(name.as_str(), value);
        }
    }
    match config.prime {
        Prime::U64 => run::<Fp64, R>(program, &named, config, rng),
        Prime::U128 => run::<Fp128, R>(program, &named, config, rng),
        Prime::U256 => run::<Fp256, R>(program, &named, config, rng),
    }
}

fn run<F: PrimeField, R: CryptoRng + ?Sized>(
    program: &Program,
    named: &BTreeMap<&str, &ClearValue>,
    config: &EvalConfig,
    rng: &mut R,
) -> Result<Outputs, EvalError> {
    let party_name = |i: usize| {
        program
            .parties()
            .get(i)
            .map(|p| p.name.clone())
            .unwrap_or_default()
    };

    // Inputs: exactly the program's, each of its type.
    for name in named.keys() {
        if program.input(name).is_none() {
            return Err(EvalError::UnexpectedInput {
                name: String::from(*name),
            });
        }
    }
    let mut inputs = Vec::with_capacity(program.inputs().len());
    for input in program.inputs() {
        let value = named
            .get(input.name.as_str())
            .ok_or_else(|| EvalError::MissingInput {
                input: input.name.clone(),
                party: party_name(input.party),
            })?;
        inputs.push(
            Value::<F>::from_clear(value, &input.ty).map_err(|e| match e {
                IntoValueError::Type(found) => EvalError::InputType {
                    input: input.name.clone(),
                    party: party_name(input.party),
                    expected: input.ty.clone(),
                    found,
                },
                IntoValueError::Range(reason) => EvalError::InvalidInput {
                    input: input.name.clone(),
                    party: party_name(input.party),
                    reason,
                },
            })?,
        );
    }

    // Literals in this field.
    let mut literals = Vec::with_capacity(program.literals().len());
    for literal in program.literals() {
        let overflow = || EvalError::LiteralOverflow {
            name: literal.name.clone(),
        };
        let element = match literal.value {
            LiteralValue::Boolean(b) => bool_element(b),
            LiteralValue::UnsignedInteger(v) => F::from_u256(&v).ok_or_else(overflow)?,
            LiteralValue::Integer {
                negative,
                magnitude,
            } => {
                if magnitude.cmp_vartime(&F::PRIME.half()).is_gt() {
                    return Err(overflow());
                }
                let m = F::from_u256(&magnitude).ok_or_else(overflow)?;
                if negative { -m } else { m }
            }
        };
        literals.push(element);
    }

    let mut engine = Engine {
        program,
        config,
        rng,
        literals,
        inputs,
        steps: 0,
    };
    let slots = engine.run_graph(program.body(), &[], 0)?;
    let mut values = Vec::with_capacity(program.outputs().len());
    for output in program.outputs() {
        let value = slots.get(output.node).ok_or(EvalError::Internal {
            operation: 0,
            detail: "output operation not evaluated",
        })?;
        let value = value
            .to_clear(&output.ty)
            .map_err(|reason| EvalError::InvalidOutput {
                output: output.name.clone(),
                reason,
            })?;
        values.push(OutputValue {
            name: output.name.clone(),
            party: party_name(output.party),
            value,
        });
    }
    Ok(Outputs {
        values,
        steps: engine.steps,
    })
}

struct Engine<'a, F, R: ?Sized> {
    program: &'a Program,
    config: &'a EvalConfig,
    rng: &'a mut R,
    literals: Vec<F>,
    inputs: Vec<Value<F>>,
    steps: u64,
}

fn internal(node: &Node, detail: &'static str) -> EvalError {
    EvalError::Internal {
        operation: node.id,
        detail,
    }
}

impl<F: PrimeField, R: CryptoRng + ?Sized> Engine<'_, F, R> {
    fn charge(&mut self, steps: u64) -> Result<(), EvalError> {
        self.steps = self.steps.saturating_add(steps);
        if self.steps > self.config.limits.max_steps {
            return Err(EvalError::StepLimit {
                limit: self.config.limits.max_steps,
            });
        }
        Ok(())
    }

    /// Evaluates the live part of `graph` and returns every slot.
    fn run_graph(
        &mut self,
        graph: &Graph,
        args: &[Value<F>],
        depth: usize,
    ) -> Result<Vec<Value<F>>, EvalError> {
        if depth > self.config.limits.max_call_depth {
            return Err(EvalError::DepthLimit {
                limit: self.config.limits.max_call_depth,
            });
        }
        let live = graph.live_nodes();
        self.charge(live.len() as u64)?;
        let mut slots: Vec<Value<F>> = Vec::with_capacity(live.len());
        for node in live {
            let value = self.eval_node(graph, node, &slots, args, depth)?;
            slots.push(value);
        }
        Ok(slots)
    }

    /// Calls function `index` on `args` and returns its result.
    fn call(
        &mut self,
        index: usize,
        args: &[Value<F>],
        depth: usize,
    ) -> Result<Value<F>, EvalError> {
        let program = self.program;
        let function = program.functions().get(index).ok_or(EvalError::Internal {
            operation: 0,
            detail: "unknown function",
        })?;
        let mut slots = self.run_graph(&function.body, args, depth + 1)?;
        if function.result >= slots.len() {
            return Err(EvalError::Internal {
                operation: function.id,
                detail: "function result not evaluated",
            });
        }
        Ok(slots.swap_remove(function.result))
    }
}
