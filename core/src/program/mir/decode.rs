//! The MIR decoder: builds a validated [`Program`] from `.nada.bin` bytes or a decoded MIR
//! message, resolving names, ordering operations topologically and checking types.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use crypto_bigint::{CheckedAdd, U256};
use nilvm_proto::Message;
use nilvm_proto::nillion::nada::mir::v1 as mir;
use nilvm_proto::nillion::nada::operations::v1 as ops;
use ops::operation::Operation as ProtoOp;

use super::error::{MirError, Place, Unknown};
use super::types::{NadaType, ScalarKind};
use super::validate;
use super::{
    BinaryOp, Function, FunctionArg, Graph, Input, Literal, LiteralValue, Node, NodeIndex,
    Operation, Output, Party, Program, TupleIndex, UnaryOp,
};

impl Program {
    /// Decodes and validates `.nada.bin` bytes: raw compiler output or the preprocessed form.
    ///
    /// ```
    /// let bytes = std::fs::read(concat!(
    ///     env!("CARGO_MANIFEST_DIR"),
    ///     "/../testdata/programs/add_simple.nada.bin"
    /// ))?;
    /// let program = nilvm_core::program::mir::Program::decode(&bytes)?;
    /// assert_eq!(program.inputs().len(), 2);
    /// assert_eq!(program.outputs()[0].name, "total");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decode(bytes: &[u8]) -> Result<Self, MirError> {
        let mir = mir::ProgramMir::decode(bytes).map_err(|e| MirError::Malformed {
            reason: e.to_string(),
        })?;
        Self::from_mir(&mir)
    }

    /// Validates an already decoded MIR message.
    pub fn from_mir(mir: &mir::ProgramMir) -> Result<Self, MirError> {
        let program = build(mir, Checks::Runtime)?;
        validate::check_program(&program)?;
        Ok(program)
    }

    /// The structure of a MIR message without the runtime's checks, for measuring what the
    /// nodes would run (the quote's metadata, [`crate::program::ProgramMetadata`]).
    ///
    /// Ids, operands, names of inputs, literals, functions and arguments resolve, there is no
    /// cycle, and every declared input is referenced ([`MirError::UnreferencedInput`]). Not
    /// checked: operation types against their operands, value sizes ([`MAX_VALUE_LEAVES`]),
    /// recursion between functions; parties named by inputs or outputs but not declared are
    /// added to [`Program::parties`].
    ///
    /// [`MAX_VALUE_LEAVES`]: super::MAX_VALUE_LEAVES
    pub fn from_mir_unvalidated(mir: &mir::ProgramMir) -> Result<Self, MirError> {
        build(mir, Checks::Structure)
    }
}

/// How much [`build`] checks beyond the structure.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Checks {
    /// The runtime's: declared parties, bounded input sizes (types follow in `validate`).
    Runtime,
    /// Structure only, plus one reference per input (see `from_mir_unvalidated`).
    Structure,
}

fn build(mir: &mir::ProgramMir, checks: Checks) -> Result<Program, MirError> {
    let mut parties = Parties::declared(&mir.parties, checks)?;
    let (inputs, input_index) = decode_inputs(mir, &mut parties, checks)?;
    let (literals, literal_index) = decode_literals(&mir.literals)?;
    // Function signatures first: bodies may map other functions.
    let mut function_index = BTreeMap::new();
    for (i, function) in mir.functions.iter().enumerate() {
        if function_index.insert(function.id, i).is_some() {
            return Err(MirError::DuplicateId {
                kind: "function",
                id: function.id,
            });
        }
    }
    let names = Names {
        inputs: &input_index,
        literals: &literal_index,
        functions: &function_index,
    };
    let mut functions = Vec::with_capacity(mir.functions.len());
    for function in &mir.functions {
        let context = || Place::Function {
            name: function.name.clone(),
            id: function.id,
        };
        functions.push(decode_function(function, &names).map_err(|e| e.at(context()))?);
    }
    // Program body, rooted at the outputs.
    let roots: Vec<u64> = mir.outputs.iter().map(|o| o.operation_id).collect();
    let (body, body_ids) = build_graph(&mir.operations, &roots, &names, None)?;
    let outputs = decode_outputs(&mir.outputs, &body_ids, &mut parties)?;
    Ok(Program {
        parties: parties.list,
        inputs,
        literals,
        outputs,
        body,
        functions,
    })
}

/// The parties, and how names that are not declared are treated.
struct Parties {
    list: Vec<Party>,
    index: BTreeMap<String, usize>,
    checks: Checks,
}

impl Parties {
    fn declared(declared: &[mir::Party], checks: Checks) -> Result<Self, MirError> {
        let mut parties = Parties {
            list: Vec::with_capacity(declared.len()),
            index: BTreeMap::new(),
            checks,
        };
        for party in declared {
            if parties.index.contains_key(&party.name) {
                return Err(MirError::DuplicateName {
                    kind: "party",
                    name: party.name.clone(),
                });
            }
            parties.add(&party.name);
        }
        Ok(parties)
    }

    fn add(&mut self, name: &str) -> usize {
        self.index.insert(name.to_string(), self.list.len());
        self.list.push(Party {
            name: name.to_string(),
        });
        self.list.len() - 1
    }

    /// The party's index; an undeclared name is an error, or added when only the structure
    /// is checked.
    fn find(&mut self, name: &str) -> Result<usize, MirError> {
        match self.index.get(name) {
            Some(index) => Ok(*index),
            None if self.checks == Checks::Structure => Ok(self.add(name)),
            None => Err(MirError::UnknownName {
                kind: "party",
                name: name.to_string(),
            }),
        }
    }
}

fn decode_inputs<'m>(
    mir: &'m mir::ProgramMir,
    parties: &mut Parties,
    checks: Checks,
) -> Result<(Vec<Input>, BTreeMap<&'m str, usize>), MirError> {
    let mut index = BTreeMap::new();
    let mut inputs = Vec::with_capacity(mir.inputs.len());
    let referenced = referenced_inputs(mir);
    for input in &mir.inputs {
        let context = || Place::Input(input.name.clone());
        if index.insert(input.name.as_str(), inputs.len()).is_some() {
            return Err(MirError::DuplicateName {
                kind: "input",
                name: input.name.clone(),
            });
        }
        if checks == Checks::Structure && !referenced.contains(input.name.as_str()) {
            return Err(MirError::UnreferencedInput {
                name: input.name.clone(),
            });
        }
        let ty = decode_type(input.r#type.as_ref()).map_err(|e| e.at(context()))?;
        if checks == Checks::Runtime {
            validate::check_size(&ty).map_err(|e| e.at(context()))?;
        }
        inputs.push(Input {
            name: input.name.clone(),
            party: parties.find(&input.party).map_err(|e| e.at(context()))?,
            ty,
            doc: input.doc.clone(),
        });
    }
    Ok((inputs, index))
}

/// The input names that an input reference of the body or of a function names.
fn referenced_inputs(mir: &mir::ProgramMir) -> BTreeSet<&str> {
    let tables =
        core::iter::once(&mir.operations).chain(mir.functions.iter().map(|f| &f.operations));
    tables
        .flatten()
        .filter_map(
            |entry| match entry.operation.as_ref()?.operation.as_ref()? {
                ProtoOp::InputRef(r) => Some(r.refers_to.as_str()),
                _ => None,
            },
        )
        .collect()
}

fn decode_literals(
    declared: &[mir::Literal],
) -> Result<(Vec<Literal>, BTreeMap<&str, usize>), MirError> {
    let mut index = BTreeMap::new();
    let mut literals = Vec::with_capacity(declared.len());
    for literal in declared {
        let context = || Place::Literal(literal.name.clone());
        if index
            .insert(literal.name.as_str(), literals.len())
            .is_some()
        {
            return Err(MirError::DuplicateName {
                kind: "literal",
                name: literal.name.clone(),
            });
        }
        let ty = decode_type(literal.r#type.as_ref()).map_err(|e| e.at(context()))?;
        let value = parse_literal(&literal.value, &ty).map_err(|e| e.at(context()))?;
        literals.push(Literal {
            name: literal.name.clone(),
            ty,
            value,
        });
    }
    Ok((literals, index))
}

fn decode_outputs(
    declared: &[mir::Output],
    body_ids: &BTreeMap<u64, NodeIndex>,
    parties: &mut Parties,
) -> Result<Vec<Output>, MirError> {
    let mut names = BTreeSet::new();
    let mut outputs = Vec::with_capacity(declared.len());
    for output in declared {
        let context = || Place::Output(output.name.clone());
        if !names.insert(output.name.as_str()) {
            return Err(MirError::DuplicateName {
                kind: "output",
                name: output.name.clone(),
            });
        }
        let node = *body_ids.get(&output.operation_id).ok_or_else(|| {
            MirError::DanglingOperand {
                operand: output.operation_id,
            }
            .at(context())
        })?;
        let ty = decode_type(output.r#type.as_ref()).map_err(|e| e.at(context()))?;
        outputs.push(Output {
            name: output.name.clone(),
            party: parties.find(&output.party).map_err(|e| e.at(context()))?,
            node,
            ty,
        });
    }
    Ok(outputs)
}

struct Names<'a> {
    inputs: &'a BTreeMap<&'a str, usize>,
    literals: &'a BTreeMap<&'a str, usize>,
    functions: &'a BTreeMap<u64, usize>,
}

fn decode_type(
    ty: Option<&nilvm_proto::nillion::nada::types::v1::NadaType>,
) -> Result<NadaType, MirError> {
    NadaType::from_proto(ty.ok_or(MirError::MissingType)?)
}

fn decode_function(function: &mir::NadaFunction, names: &Names<'_>) -> Result<Function, MirError> {
    let mut args = Vec::with_capacity(function.args.len());
    for arg in &function.args {
        if args.iter().any(|a: &FunctionArg| a.name == arg.name) {
            return Err(MirError::DuplicateName {
                kind: "function argument",
                name: arg.name.clone(),
            });
        }
        let ty = decode_type(arg.r#type.as_ref())
            .map_err(|e| e.at(Place::Argument(arg.name.clone())))?;
        args.push(FunctionArg {
            name: arg.name.clone(),
            ty,
        });
    }
    let return_type =
        decode_type(function.return_type.as_ref()).map_err(|e| e.at(Place::ReturnType))?;
    let scope = FunctionScope {
        id: function.id,
        args: &args,
    };
    let (body, ids) = build_graph(
        &function.operations,
        &[function.return_operation_id],
        names,
        Some(&scope),
    )?;
    let result = *ids
        .get(&function.return_operation_id)
        .ok_or(MirError::DanglingOperand {
            operand: function.return_operation_id,
        })?;
    Ok(Function {
        id: function.id,
        name: function.name.clone(),
        args,
        body,
        result,
        return_type,
    })
}

struct FunctionScope<'a> {
    id: u64,
    args: &'a [FunctionArg],
}

/// Operand ids of a MIR operation, in the order [`Operation::operands`] gives them.
fn operand_ids(op: &ProtoOp) -> Vec<u64> {
    match op {
        ProtoOp::Binary(b) => vec![b.left, b.right],
        ProtoOp::Unary(u) => vec![u.this],
        ProtoOp::Ifelse(i) => vec![i.cond, i.first, i.second],
        ProtoOp::Map(m) => vec![m.child],
        ProtoOp::Reduce(r) => vec![r.child, r.initial],
        ProtoOp::New(n) => n.elements.clone(),
        ProtoOp::ArrayAccessor(a) => vec![a.source],
        ProtoOp::TupleAccessor(t) => vec![t.source],
        ProtoOp::NtupleAccessor(t) => vec![t.source],
        ProtoOp::ObjectAccessor(o) => vec![o.source],
        ProtoOp::Cast(c) => vec![c.target],
        ProtoOp::Random(())
        | ProtoOp::InputRef(_)
        | ProtoOp::LiteralRef(_)
        | ProtoOp::ArgRef(_) => Vec::new(),
    }
}

/// Builds a graph from an operation table: resolves ids, orders topologically (iterative DFS,
/// so hostile depth cannot overflow the stack), detects cycles, resolves names.
/// Returns the graph and the map from MIR id to node index.
fn build_graph(
    table: &[mir::OperationMapEntry],
    roots: &[u64],
    names: &Names<'_>,
    scope: Option<&FunctionScope<'_>>,
) -> Result<(Graph, BTreeMap<u64, NodeIndex>), MirError> {
    // Raw position of every id, and the operand positions of every operation.
    let mut position = BTreeMap::new();
    let mut raw = Vec::with_capacity(table.len());
    for entry in table {
        let operation = entry.operation.as_ref().ok_or_else(|| {
            MirError::UnknownOperation {
                what: Unknown::MissingOperation,
            }
            .at(Place::Operation(entry.id))
        })?;
        if operation.id != entry.id {
            return Err(MirError::IdMismatch {
                key: entry.id,
                id: operation.id,
            });
        }
        let kind = operation.operation.as_ref().ok_or_else(|| {
            MirError::UnknownOperation {
                what: Unknown::MissingKind,
            }
            .at(Place::Operation(operation.id))
        })?;
        if position.insert(operation.id, raw.len()).is_some() {
            return Err(MirError::DuplicateId {
                kind: "operation",
                id: operation.id,
            });
        }
        raw.push((operation, kind));
    }
    let mut operands: Vec<Vec<usize>> = Vec::with_capacity(raw.len());
    for (operation, kind) in &raw {
        let mut resolved = Vec::new();
        for id in operand_ids(kind) {
            let at = *position.get(&id).ok_or_else(|| {
                MirError::DanglingOperand { operand: id }.at(Place::Operation(operation.id))
            })?;
            resolved.push(at);
        }
        operands.push(resolved);
    }

    // Post-order DFS from the roots, then from every other operation.
    const UNSEEN: u8 = 0;
    const ON_STACK: u8 = 1;
    const DONE: u8 = 2;
    // Each operation's state and id.
    let mut state: Vec<(u8, u64)> = raw.iter().map(|(op, _)| (UNSEEN, op.id)).collect();
    let mut order = Vec::with_capacity(raw.len());
    let mut live = 0;
    let mut starts = Vec::with_capacity(roots.len() + raw.len());
    for root in roots {
        // Unknown roots are reported by the caller with better context.
        if let Some(&at) = position.get(root) {
            starts.push(at);
        }
    }
    let root_count = starts.len();
    starts.extend(0..raw.len());
    for (n, &start) in starts.iter().enumerate() {
        if n == root_count {
            live = order.len();
        }
        match state.get_mut(start) {
            Some((s @ UNSEEN, _)) => *s = ON_STACK,
            _ => continue,
        }
        // Stack of (node, next operand to visit).
        let mut stack = vec![(start, 0usize)];
        while let Some(top) = stack.last_mut() {
            let (node, next) = *top;
            if let Some(&child) = operands.get(node).and_then(|o| o.get(next)) {
                top.1 += 1;
                match state.get_mut(child) {
                    Some((s @ UNSEEN, _)) => {
                        *s = ON_STACK;
                        stack.push((child, 0));
                    }
                    Some((ON_STACK, id)) => {
                        return Err(MirError::Cycle { id: *id });
                    }
                    _ => {}
                }
            } else {
                if let Some((s, _)) = state.get_mut(node) {
                    *s = DONE;
                }
                order.push(node);
                stack.pop();
            }
        }
    }
    if root_count == starts.len() {
        live = order.len();
    }

    // Renumber and convert.
    let mut new_index = vec![0usize; raw.len()];
    for (i, &old) in order.iter().enumerate() {
        if let Some(slot) = new_index.get_mut(old) {
            *slot = i;
        }
    }
    let mut nodes = Vec::with_capacity(raw.len());
    // Positions in `order`, `operands` and `position` are indices of `raw`, made from it above;
    // `new_index` has one entry per raw operation; `convert` reads only the operands
    // `operand_ids` listed for the kind.
    #[allow(clippy::indexing_slicing)]
    for &old in &order {
        let (operation, kind) = raw[old];
        let context = || Place::Operation(operation.id);
        let ty = decode_type(operation.r#type.as_ref()).map_err(|e| e.at(context()))?;
        let at = |k: usize| new_index[operands[old][k]];
        let op = convert(kind, &operands[old], &at, names, scope).map_err(|e| e.at(context()))?;
        nodes.push(Node {
            id: operation.id,
            ty,
            op,
        });
    }
    #[allow(clippy::indexing_slicing)] // As above: positions index `raw`.
    let ids = position
        .into_iter()
        .map(|(id, old)| (id, new_index[old]))
        .collect();
    Ok((Graph { nodes, live }, ids))
}

fn convert(
    kind: &ProtoOp,
    operands: &[usize],
    at: &dyn Fn(usize) -> NodeIndex,
    names: &Names<'_>,
    scope: Option<&FunctionScope<'_>>,
) -> Result<Operation, MirError> {
    let function = |id: u64| {
        names
            .functions
            .get(&id)
            .copied()
            .ok_or(MirError::UnknownFunction { id })
    };
    Ok(match kind {
        ProtoOp::Binary(b) => Operation::Binary {
            op: BinaryOp::from_variant(b.variant).ok_or(MirError::UnknownOperation {
                what: Unknown::BinaryVariant(b.variant),
            })?,
            left: at(0),
            right: at(1),
        },
        ProtoOp::Unary(u) => Operation::Unary {
            op: UnaryOp::from_variant(u.variant).ok_or(MirError::UnknownOperation {
                what: Unknown::UnaryVariant(u.variant),
            })?,
            operand: at(0),
        },
        ProtoOp::Ifelse(_) => Operation::IfElse {
            cond: at(0),
            first: at(1),
            second: at(2),
        },
        ProtoOp::Random(()) => Operation::Random,
        ProtoOp::InputRef(r) => Operation::Input(
            names
                .inputs
                .get(r.refers_to.as_str())
                .copied()
                .ok_or_else(|| MirError::UnknownName {
                    kind: "input",
                    name: r.refers_to.clone(),
                })?,
        ),
        ProtoOp::LiteralRef(r) => Operation::Literal(
            names
                .literals
                .get(r.refers_to.as_str())
                .copied()
                .ok_or_else(|| MirError::UnknownName {
                    kind: "literal",
                    name: r.refers_to.clone(),
                })?,
        ),
        ProtoOp::ArgRef(r) => {
            let scope =
                scope
                    .filter(|s| s.id == r.function_id)
                    .ok_or(MirError::MisplacedArgument {
                        function: r.function_id,
                    })?;
            Operation::Argument(
                scope
                    .args
                    .iter()
                    .position(|a| a.name == r.refers_to)
                    .ok_or_else(|| MirError::UnknownName {
                        kind: "function argument",
                        name: r.refers_to.clone(),
                    })?,
            )
        }
        ProtoOp::Map(m) => Operation::Map {
            function: function(m.r#fn)?,
            array: at(0),
        },
        ProtoOp::Reduce(r) => Operation::Reduce {
            function: function(r.r#fn)?,
            array: at(0),
            initial: at(1),
        },
        ProtoOp::New(_) => Operation::New((0..operands.len()).map(at).collect()),
        ProtoOp::ArrayAccessor(a) => Operation::ArrayAccess {
            source: at(0),
            index: a.index,
        },
        ProtoOp::TupleAccessor(t) => Operation::TupleAccess {
            source: at(0),
            index: match ops::TupleIndex::try_from(t.index) {
                Ok(ops::TupleIndex::Left) => TupleIndex::Left,
                Ok(ops::TupleIndex::Right) => TupleIndex::Right,
                Err(_) => {
                    return Err(MirError::UnknownOperation {
                        what: Unknown::TupleIndex(t.index),
                    });
                }
            },
        },
        ProtoOp::NtupleAccessor(_) => {
            return Err(MirError::Unsupported {
                what: String::from("ntuple_accessor"),
            });
        }
        ProtoOp::ObjectAccessor(_) => {
            return Err(MirError::Unsupported {
                what: String::from("object_accessor"),
            });
        }
        ProtoOp::Cast(_) => {
            return Err(MirError::Unsupported {
                what: String::from("cast"),
            });
        }
    })
}

/// Parses a literal's text: decimal integers (optionally negative for `Integer`), `True` /
/// `False` case-insensitively for booleans (the node's parser, docs/nada.md §4).
fn parse_literal(text: &str, ty: &NadaType) -> Result<LiteralValue, MirError> {
    let invalid = || MirError::InvalidLiteral {
        value: text.to_string(),
        ty: ty.clone(),
    };
    match ty.scalar_kind() {
        Some(ScalarKind::Boolean) if *ty == NadaType::Boolean => {
            if text.eq_ignore_ascii_case("true") {
                Ok(LiteralValue::Boolean(true))
            } else if text.eq_ignore_ascii_case("false") {
                Ok(LiteralValue::Boolean(false))
            } else {
                Err(invalid())
            }
        }
        Some(ScalarKind::Integer) if *ty == NadaType::Integer => {
            let (negative, digits) = match text.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, text),
            };
            let magnitude = parse_decimal(digits).ok_or_else(invalid)?;
            Ok(LiteralValue::Integer {
                negative: negative && magnitude != U256::ZERO,
                magnitude,
            })
        }
        Some(ScalarKind::UnsignedInteger) if *ty == NadaType::UnsignedInteger => Ok(
            LiteralValue::UnsignedInteger(parse_decimal(text).ok_or_else(invalid)?),
        ),
        _ => Err(MirError::TypeMismatch {
            detail: format!("a literal must be Integer, UnsignedInteger or Boolean, not {ty}"),
        }),
    }
}

/// Parses decimal digits into a 256-bit integer; `None` on an empty string, another character
/// or overflow.
pub(crate) fn parse_decimal(digits: &str) -> Option<U256> {
    if digits.is_empty() {
        return None;
    }
    let ten = U256::from_u8(10);
    let mut value = U256::ZERO;
    for c in digits.bytes() {
        let digit = c.checked_sub(b'0').filter(|d| *d <= 9)?;
        value = Option::<U256>::from(value.checked_mul(&ten))?;
        value = Option::<U256>::from(value.checked_add(&U256::from_u8(digit)))?;
    }
    Some(value)
}

impl BinaryOp {
    fn from_variant(variant: i32) -> Option<Self> {
        use ops::BinaryOperationVariant as V;
        Some(match V::try_from(variant).ok()? {
            V::Addition => BinaryOp::Addition,
            V::Subtraction => BinaryOp::Subtraction,
            V::Multiplication => BinaryOp::Multiplication,
            V::LessThan => BinaryOp::LessThan,
            V::LessEq => BinaryOp::LessEq,
            V::GreaterThan => BinaryOp::GreaterThan,
            V::GreaterEq => BinaryOp::GreaterEq,
            V::EqualsPublicOutput => BinaryOp::EqualsPublicOutput,
            V::Equals => BinaryOp::Equals,
            V::Modulo => BinaryOp::Modulo,
            V::Power => BinaryOp::Power,
            V::Division => BinaryOp::Division,
            V::LeftShift => BinaryOp::LeftShift,
            V::RightShift => BinaryOp::RightShift,
            V::TruncPr => BinaryOp::TruncPr,
            V::NotEquals => BinaryOp::NotEquals,
            V::BoolAnd => BinaryOp::BoolAnd,
            V::BoolOr => BinaryOp::BoolOr,
            V::BoolXor => BinaryOp::BoolXor,
            V::Zip => BinaryOp::Zip,
            V::InnerProduct => BinaryOp::InnerProduct,
            V::EcdsaSign => BinaryOp::EcdsaSign,
            V::EddsaSign => BinaryOp::EddsaSign,
        })
    }
}

impl UnaryOp {
    fn from_variant(variant: i32) -> Option<Self> {
        use ops::UnaryOperationVariant as V;
        Some(match V::try_from(variant).ok()? {
            V::Unzip => UnaryOp::Unzip,
            V::Reveal => UnaryOp::Reveal,
            V::Not => UnaryOp::Not,
            V::PublicKeyDerive => UnaryOp::PublicKeyDerive,
        })
    }
}
