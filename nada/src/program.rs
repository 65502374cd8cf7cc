//! The typed, validated program model.
//!
//! A [`Program`] is built from MIR bytes by [`Program::decode`] (or from an already decoded
//! message by [`Program::from_mir`]). Every check happens there: names resolve, operands exist,
//! there are no cycles, types agree. The operations of the program body and of every function
//! are stored in a topological order with dense indices ([`NodeIndex`]): an operand's index is
//! always smaller than its user's, so evaluation is one forward pass over a `Vec`.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use crypto_bigint::{CheckedAdd, U256};
use nilvm_proto::Message;
use nilvm_proto::nillion::nada::mir::v1 as mir;
use nilvm_proto::nillion::nada::operations::v1 as ops;
use ops::operation::Operation as ProtoOp;

use crate::error::ProgramError;
use crate::types::{NadaType, ScalarKind};
use crate::validate;

/// Index of an operation in its [`Graph`]. Operands always have smaller indices than their
/// users.
pub type NodeIndex = usize;

/// A decoded, validated Nada program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program {
    pub(crate) parties: Vec<Party>,
    pub(crate) inputs: Vec<Input>,
    pub(crate) literals: Vec<Literal>,
    pub(crate) outputs: Vec<Output>,
    pub(crate) body: Graph,
    pub(crate) functions: Vec<Function>,
}

/// A program party: provides inputs, receives outputs, or both.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Party {
    /// The party's name.
    pub name: String,
}

/// A program input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    /// The input's name (unique in the program); values are bound to inputs by this name.
    pub name: String,
    /// Index into [`Program::parties`] of the party that provides it.
    pub party: usize,
    /// Its type.
    pub ty: NadaType,
    /// The documentation string, if the program gave one.
    pub doc: String,
}

/// A program literal (a constant of the Python source).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Literal {
    /// The literal's name ("0", "1", … as nada-dsl assigns them).
    pub name: String,
    /// Its type: `Integer`, `UnsignedInteger` or `Boolean`.
    pub ty: NadaType,
    /// Its value.
    pub value: LiteralValue,
}

/// The value of a literal, independent of the field it will be used in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiteralValue {
    /// A signed integer: `negative` and the magnitude.
    Integer {
        /// Whether the value is below zero.
        negative: bool,
        /// The absolute value.
        magnitude: U256,
    },
    /// An unsigned integer.
    UnsignedInteger(U256),
    /// A boolean.
    Boolean(bool),
}

/// A program output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    /// The output's name.
    pub name: String,
    /// Index into [`Program::parties`] of the receiving party.
    pub party: usize,
    /// The operation of the program body that computes it.
    pub node: NodeIndex,
    /// Its type (equal to the operation's type).
    pub ty: NadaType,
}

/// A Nada function used by `map` and `reduce`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Function {
    /// The MIR id (from the same counter as operation ids).
    pub id: u64,
    /// The Python function name.
    pub name: String,
    /// The parameters, in order.
    pub args: Vec<FunctionArg>,
    /// The body.
    pub body: Graph,
    /// The body operation whose value is returned.
    pub result: NodeIndex,
    /// The return type.
    pub return_type: NadaType,
}

/// A function parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionArg {
    /// The parameter name.
    pub name: String,
    /// Its type.
    pub ty: NadaType,
}

/// A table of operations in topological order.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Graph {
    pub(crate) nodes: Vec<Node>,
    /// `nodes[..live]` are the operations the outputs (or the function result) depend on.
    pub(crate) live: usize,
}

impl Graph {
    /// All operations, operands before users.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The operations the result depends on; the remaining ones are validated but never
    /// evaluated.
    pub fn live_nodes(&self) -> &[Node] {
        self.nodes.get(..self.live).unwrap_or(&self.nodes)
    }
}

/// One operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// The MIR operation id (ids have gaps; used in error messages).
    pub id: u64,
    /// The result type.
    pub ty: NadaType,
    /// What it computes.
    pub op: Operation,
}

/// An operation with its operands resolved to [`NodeIndex`]es of the same graph.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Operation {
    /// The value of an input (index into [`Program::inputs`]).
    Input(usize),
    /// The value of a literal (index into [`Program::literals`]).
    Literal(usize),
    /// The value of a function parameter (index into [`Function::args`]).
    Argument(usize),
    /// A fresh uniformly random value of the node's type.
    Random,
    /// A one-operand operation.
    Unary {
        /// Which.
        op: UnaryOp,
        /// Operand.
        operand: NodeIndex,
    },
    /// A two-operand operation.
    Binary {
        /// Which.
        op: BinaryOp,
        /// Left operand.
        left: NodeIndex,
        /// Right operand.
        right: NodeIndex,
    },
    /// `cond ? first : second`.
    IfElse {
        /// Condition (boolean).
        cond: NodeIndex,
        /// Taken when the condition is true.
        first: NodeIndex,
        /// Taken otherwise.
        second: NodeIndex,
    },
    /// Applies a function to every element of an array.
    Map {
        /// Index into [`Program::functions`].
        function: usize,
        /// The array.
        array: NodeIndex,
    },
    /// Folds an array from the left with a two-parameter function.
    Reduce {
        /// Index into [`Program::functions`].
        function: usize,
        /// The array.
        array: NodeIndex,
        /// The initial accumulator.
        initial: NodeIndex,
    },
    /// Builds an array or a tuple (the node's type says which).
    New(Vec<NodeIndex>),
    /// An element of an array.
    ArrayAccess {
        /// The array.
        source: NodeIndex,
        /// Element index.
        index: u32,
    },
    /// An element of a tuple.
    TupleAccess {
        /// The tuple.
        source: NodeIndex,
        /// Which side.
        index: TupleIndex,
    },
}

/// One-operand operations (`UnaryOperationVariant`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// Array of pairs to pair of arrays (raw MIR only).
    Unzip,
    /// Secret to public, value unchanged.
    Reveal,
    /// Boolean negation, `1 − x`.
    Not,
    /// Private key to public key (ECDSA or EdDSA).
    PublicKeyDerive,
}

/// Two-operand operations (`BinaryOperationVariant`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `+`, wraps mod p.
    Addition,
    /// `-`, wraps mod p.
    Subtraction,
    /// `*`, wraps mod p.
    Multiplication,
    /// `<`.
    LessThan,
    /// `<=` (raw MIR only).
    LessEq,
    /// `>` (raw MIR only).
    GreaterThan,
    /// `>=` (raw MIR only).
    GreaterEq,
    /// `public_equals`: equality with a public result.
    EqualsPublicOutput,
    /// `==`.
    Equals,
    /// `%`, floor modulo.
    Modulo,
    /// `**`.
    Power,
    /// `/`, floor division.
    Division,
    /// `<<`.
    LeftShift,
    /// `>>`, floor division by a power of two.
    RightShift,
    /// Probabilistic truncation.
    TruncPr,
    /// `!=` (raw MIR only).
    NotEquals,
    /// `&` on booleans (raw MIR only).
    BoolAnd,
    /// `|` on booleans (raw MIR only).
    BoolOr,
    /// `^` on booleans (raw MIR only).
    BoolXor,
    /// Pairs up two arrays (raw MIR only).
    Zip,
    /// Σ xᵢ·yᵢ.
    InnerProduct,
    /// secp256k1 ECDSA signature of a digest with a private key.
    EcdsaSign,
    /// Ed25519 signature of a message with a private scalar.
    EddsaSign,
}

/// Side of a tuple.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TupleIndex {
    /// The first element.
    Left,
    /// The second element.
    Right,
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

    /// Whether the nodes refuse this operation in stored programs: it exists only in raw
    /// compiler output and must be lowered by the preprocessor (nada-programs.md §5).
    pub fn is_raw_only(self) -> bool {
        matches!(
            self,
            BinaryOp::LessEq
                | BinaryOp::GreaterThan
                | BinaryOp::GreaterEq
                | BinaryOp::NotEquals
                | BinaryOp::BoolAnd
                | BinaryOp::BoolOr
                | BinaryOp::BoolXor
                | BinaryOp::Zip
        )
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

impl Operation {
    /// The operands, in order.
    pub fn operands(&self) -> Vec<NodeIndex> {
        match self {
            Operation::Input(_)
            | Operation::Literal(_)
            | Operation::Argument(_)
            | Operation::Random => Vec::new(),
            Operation::Unary { operand, .. } => vec![*operand],
            Operation::Binary { left, right, .. } => vec![*left, *right],
            Operation::IfElse {
                cond,
                first,
                second,
            } => vec![*cond, *first, *second],
            Operation::Map { array, .. } => vec![*array],
            Operation::Reduce { array, initial, .. } => vec![*array, *initial],
            Operation::New(elements) => elements.clone(),
            Operation::ArrayAccess { source, .. } | Operation::TupleAccess { source, .. } => {
                vec![*source]
            }
        }
    }

    /// The operation's name as the MIR spells it, for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Operation::Input(_) => "input_ref",
            Operation::Literal(_) => "literal_ref",
            Operation::Argument(_) => "arg_ref",
            Operation::Random => "random",
            Operation::Unary { op, .. } => match op {
                UnaryOp::Unzip => "unzip",
                UnaryOp::Reveal => "reveal",
                UnaryOp::Not => "not",
                UnaryOp::PublicKeyDerive => "public_key_derive",
            },
            Operation::Binary { op, .. } => match op {
                BinaryOp::Addition => "addition",
                BinaryOp::Subtraction => "subtraction",
                BinaryOp::Multiplication => "multiplication",
                BinaryOp::LessThan => "less_than",
                BinaryOp::LessEq => "less_eq",
                BinaryOp::GreaterThan => "greater_than",
                BinaryOp::GreaterEq => "greater_eq",
                BinaryOp::EqualsPublicOutput => "equals_public_output",
                BinaryOp::Equals => "equals",
                BinaryOp::Modulo => "modulo",
                BinaryOp::Power => "power",
                BinaryOp::Division => "division",
                BinaryOp::LeftShift => "left_shift",
                BinaryOp::RightShift => "right_shift",
                BinaryOp::TruncPr => "trunc_pr",
                BinaryOp::NotEquals => "not_equals",
                BinaryOp::BoolAnd => "bool_and",
                BinaryOp::BoolOr => "bool_or",
                BinaryOp::BoolXor => "bool_xor",
                BinaryOp::Zip => "zip",
                BinaryOp::InnerProduct => "inner_product",
                BinaryOp::EcdsaSign => "ecdsa_sign",
                BinaryOp::EddsaSign => "eddsa_sign",
            },
            Operation::IfElse { .. } => "ifelse",
            Operation::Map { .. } => "map",
            Operation::Reduce { .. } => "reduce",
            Operation::New(_) => "new",
            Operation::ArrayAccess { .. } => "array_accessor",
            Operation::TupleAccess { .. } => "tuple_accessor",
        }
    }

    /// Whether the nodes refuse this operation in stored programs (raw compiler output only,
    /// nada-programs.md §5).
    pub fn is_raw_only(&self) -> bool {
        match self {
            Operation::Binary { op, .. } => op.is_raw_only(),
            Operation::Unary { op, .. } => *op == UnaryOp::Unzip,
            Operation::Map { .. } | Operation::Reduce { .. } | Operation::Argument(_) => true,
            _ => false,
        }
    }
}

impl Program {
    /// Decodes and validates `.nada.bin` bytes: raw compiler output or the preprocessed form.
    ///
    /// ```
    /// let bytes = std::fs::read(concat!(
    ///     env!("CARGO_MANIFEST_DIR"),
    ///     "/../testdata/programs/add_simple.nada.bin"
    /// ))?;
    /// let program = nilvm_nada::Program::decode(&bytes)?;
    /// assert_eq!(program.inputs().len(), 2);
    /// assert_eq!(program.outputs()[0].name, "total");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decode(bytes: &[u8]) -> Result<Self, ProgramError> {
        let mir = mir::ProgramMir::decode(bytes).map_err(|e| ProgramError::Malformed {
            reason: e.to_string(),
        })?;
        Self::from_mir(&mir)
    }

    /// Validates an already decoded MIR message.
    pub fn from_mir(mir: &mir::ProgramMir) -> Result<Self, ProgramError> {
        // Parties.
        let mut party_index = BTreeMap::new();
        let mut parties = Vec::with_capacity(mir.parties.len());
        for party in &mir.parties {
            if party_index
                .insert(party.name.as_str(), parties.len())
                .is_some()
            {
                return Err(ProgramError::DuplicateName {
                    kind: "party",
                    name: party.name.clone(),
                });
            }
            parties.push(Party {
                name: party.name.clone(),
            });
        }
        let find_party = |name: &str| {
            party_index
                .get(name)
                .copied()
                .ok_or_else(|| ProgramError::UnknownName {
                    kind: "party",
                    name: name.to_string(),
                })
        };

        // Inputs.
        let mut input_index = BTreeMap::new();
        let mut inputs = Vec::with_capacity(mir.inputs.len());
        for input in &mir.inputs {
            let context = || format!("input '{}'", input.name);
            if input_index
                .insert(input.name.as_str(), inputs.len())
                .is_some()
            {
                return Err(ProgramError::DuplicateName {
                    kind: "input",
                    name: input.name.clone(),
                });
            }
            let ty = decode_type(input.r#type.as_ref()).map_err(|e| e.at(context()))?;
            validate::check_size(&ty).map_err(|e| e.at(context()))?;
            inputs.push(Input {
                name: input.name.clone(),
                party: find_party(&input.party).map_err(|e| e.at(context()))?,
                ty,
                doc: input.doc.clone(),
            });
        }

        // Literals.
        let mut literal_index = BTreeMap::new();
        let mut literals = Vec::with_capacity(mir.literals.len());
        for literal in &mir.literals {
            let context = || format!("literal '{}'", literal.name);
            if literal_index
                .insert(literal.name.as_str(), literals.len())
                .is_some()
            {
                return Err(ProgramError::DuplicateName {
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

        // Function signatures first: bodies may map other functions.
        let mut function_index = BTreeMap::new();
        for (i, function) in mir.functions.iter().enumerate() {
            if function_index.insert(function.id, i).is_some() {
                return Err(ProgramError::DuplicateId {
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
            let context = || format!("function '{}' (id {})", function.name, function.id);
            functions.push(decode_function(function, &names).map_err(|e| e.at(context()))?);
        }

        // Program body, rooted at the outputs.
        let mut roots = Vec::with_capacity(mir.outputs.len());
        for output in &mir.outputs {
            roots.push(output.operation_id);
        }
        let (body, body_ids) = build_graph(&mir.operations, &roots, &names, None)?;

        // Outputs.
        let mut output_names = BTreeMap::new();
        let mut outputs = Vec::with_capacity(mir.outputs.len());
        for output in &mir.outputs {
            let context = || format!("output '{}'", output.name);
            if output_names.insert(output.name.as_str(), ()).is_some() {
                return Err(ProgramError::DuplicateName {
                    kind: "output",
                    name: output.name.clone(),
                });
            }
            let node = *body_ids.get(&output.operation_id).ok_or_else(|| {
                ProgramError::DanglingOperand {
                    operand: output.operation_id,
                }
                .at(context())
            })?;
            let ty = decode_type(output.r#type.as_ref()).map_err(|e| e.at(context()))?;
            outputs.push(Output {
                name: output.name.clone(),
                party: find_party(&output.party).map_err(|e| e.at(context()))?,
                node,
                ty,
            });
        }

        let program = Program {
            parties,
            inputs,
            literals,
            outputs,
            body,
            functions,
        };
        validate::check_program(&program)?;
        Ok(program)
    }

    /// The parties, in MIR order (sorted by name by the compiler).
    pub fn parties(&self) -> &[Party] {
        &self.parties
    }

    /// The inputs, in MIR order (sorted by party, then name, by the compiler).
    pub fn inputs(&self) -> &[Input] {
        &self.inputs
    }

    /// The literals.
    pub fn literals(&self) -> &[Literal] {
        &self.literals
    }

    /// The outputs, in the order `nada_main` returned them.
    pub fn outputs(&self) -> &[Output] {
        &self.outputs
    }

    /// The program body's operations.
    pub fn body(&self) -> &Graph {
        &self.body
    }

    /// The functions used by `map` and `reduce`.
    pub fn functions(&self) -> &[Function] {
        &self.functions
    }

    /// The party with this name.
    pub fn party(&self, name: &str) -> Option<usize> {
        self.parties.iter().position(|p| p.name == name)
    }

    /// The input with this name.
    pub fn input(&self, name: &str) -> Option<&Input> {
        self.inputs.iter().find(|i| i.name == name)
    }

    /// Operations of the program body that only raw compiler output contains (`>`, `<=`,
    /// `map`, …): the nodes refuse to store such a program (nada-programs.md §5). Empty for
    /// preprocessed MIR. Each entry is the operation id and its MIR name.
    pub fn raw_only_operations(&self) -> Vec<(u64, &'static str)> {
        self.body
            .nodes
            .iter()
            .filter(|n| n.op.is_raw_only())
            .map(|n| (n.id, n.op.name()))
            .collect()
    }

    /// Whether the program is in the form the nodes accept (no raw-only operations).
    pub fn is_preprocessed(&self) -> bool {
        !self.body.nodes.iter().any(|n| n.op.is_raw_only())
    }

    /// Number of operations evaluated per run, counting each function body once per call
    /// would need the input sizes; this counts the program body plus every function body
    /// once.
    pub fn operation_count(&self) -> usize {
        self.body.nodes.len()
            + self
                .functions
                .iter()
                .map(|f| f.body.nodes.len())
                .sum::<usize>()
    }
}

struct Names<'a> {
    inputs: &'a BTreeMap<&'a str, usize>,
    literals: &'a BTreeMap<&'a str, usize>,
    functions: &'a BTreeMap<u64, usize>,
}

fn decode_type(
    ty: Option<&nilvm_proto::nillion::nada::types::v1::NadaType>,
) -> Result<NadaType, ProgramError> {
    NadaType::from_proto(ty.ok_or(ProgramError::MissingType)?)
}

fn decode_function(
    function: &mir::NadaFunction,
    names: &Names<'_>,
) -> Result<Function, ProgramError> {
    let mut args = Vec::with_capacity(function.args.len());
    for arg in &function.args {
        if args.iter().any(|a: &FunctionArg| a.name == arg.name) {
            return Err(ProgramError::DuplicateName {
                kind: "function argument",
                name: arg.name.clone(),
            });
        }
        let ty = decode_type(arg.r#type.as_ref())
            .map_err(|e| e.at(format!("argument '{}'", arg.name)))?;
        args.push(FunctionArg {
            name: arg.name.clone(),
            ty,
        });
    }
    let return_type =
        decode_type(function.return_type.as_ref()).map_err(|e| e.at("return type"))?;
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
        .ok_or(ProgramError::DanglingOperand {
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
) -> Result<(Graph, BTreeMap<u64, NodeIndex>), ProgramError> {
    // Raw position of every id, and the operand positions of every operation.
    let mut position = BTreeMap::new();
    let mut raw = Vec::with_capacity(table.len());
    for entry in table {
        let operation = entry.operation.as_ref().ok_or_else(|| {
            ProgramError::UnknownOperation {
                what: String::from("operation missing from its table entry"),
            }
            .at(format!("operation {}", entry.id))
        })?;
        if operation.id != entry.id {
            return Err(ProgramError::IdMismatch {
                key: entry.id,
                id: operation.id,
            });
        }
        let kind = operation.operation.as_ref().ok_or_else(|| {
            ProgramError::UnknownOperation {
                what: String::from("operation kind not set"),
            }
            .at(format!("operation {}", operation.id))
        })?;
        if position.insert(operation.id, raw.len()).is_some() {
            return Err(ProgramError::DuplicateId {
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
                ProgramError::DanglingOperand { operand: id }
                    .at(format!("operation {}", operation.id))
            })?;
            resolved.push(at);
        }
        operands.push(resolved);
    }

    // Post-order DFS from the roots, then from every other operation.
    const UNSEEN: u8 = 0;
    const ON_STACK: u8 = 1;
    const DONE: u8 = 2;
    let mut state = vec![UNSEEN; raw.len()];
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
        if state[start] != UNSEEN {
            continue;
        }
        // Stack of (node, next operand to visit).
        let mut stack = vec![(start, 0usize)];
        state[start] = ON_STACK;
        while let Some(top) = stack.last_mut() {
            let (node, next) = *top;
            if let Some(&child) = operands[node].get(next) {
                top.1 += 1;
                match state[child] {
                    UNSEEN => {
                        state[child] = ON_STACK;
                        stack.push((child, 0));
                    }
                    ON_STACK => {
                        return Err(ProgramError::Cycle {
                            id: raw[child].0.id,
                        });
                    }
                    _ => {}
                }
            } else {
                state[node] = DONE;
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
        new_index[old] = i;
    }
    let mut nodes = Vec::with_capacity(raw.len());
    for &old in &order {
        let (operation, kind) = raw[old];
        let context = || format!("operation {}", operation.id);
        let ty = decode_type(operation.r#type.as_ref()).map_err(|e| e.at(context()))?;
        let at = |k: usize| new_index[operands[old][k]];
        let op = convert(kind, &operands[old], &at, names, scope).map_err(|e| e.at(context()))?;
        nodes.push(Node {
            id: operation.id,
            ty,
            op,
        });
    }
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
) -> Result<Operation, ProgramError> {
    let function = |id: u64| {
        names
            .functions
            .get(&id)
            .copied()
            .ok_or(ProgramError::UnknownFunction { id })
    };
    Ok(match kind {
        ProtoOp::Binary(b) => Operation::Binary {
            op: BinaryOp::from_variant(b.variant).ok_or_else(|| {
                ProgramError::UnknownOperation {
                    what: format!("binary operation variant {}", b.variant),
                }
            })?,
            left: at(0),
            right: at(1),
        },
        ProtoOp::Unary(u) => Operation::Unary {
            op: UnaryOp::from_variant(u.variant).ok_or_else(|| ProgramError::UnknownOperation {
                what: format!("unary operation variant {}", u.variant),
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
                .ok_or_else(|| ProgramError::UnknownName {
                    kind: "input",
                    name: r.refers_to.clone(),
                })?,
        ),
        ProtoOp::LiteralRef(r) => Operation::Literal(
            names
                .literals
                .get(r.refers_to.as_str())
                .copied()
                .ok_or_else(|| ProgramError::UnknownName {
                    kind: "literal",
                    name: r.refers_to.clone(),
                })?,
        ),
        ProtoOp::ArgRef(r) => {
            let scope =
                scope
                    .filter(|s| s.id == r.function_id)
                    .ok_or(ProgramError::MisplacedArgument {
                        function: r.function_id,
                    })?;
            Operation::Argument(
                scope
                    .args
                    .iter()
                    .position(|a| a.name == r.refers_to)
                    .ok_or_else(|| ProgramError::UnknownName {
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
                    return Err(ProgramError::UnknownOperation {
                        what: format!("tuple index {}", t.index),
                    });
                }
            },
        },
        ProtoOp::NtupleAccessor(_) => {
            return Err(ProgramError::Unsupported {
                what: String::from("ntuple_accessor"),
            });
        }
        ProtoOp::ObjectAccessor(_) => {
            return Err(ProgramError::Unsupported {
                what: String::from("object_accessor"),
            });
        }
        ProtoOp::Cast(_) => {
            return Err(ProgramError::Unsupported {
                what: String::from("cast"),
            });
        }
    })
}

/// Parses a literal's text: decimal integers (optionally negative for `Integer`), `True` /
/// `False` case-insensitively for booleans (the node's parser, nada-programs.md §4).
fn parse_literal(text: &str, ty: &NadaType) -> Result<LiteralValue, ProgramError> {
    let invalid = || ProgramError::InvalidLiteral {
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
        _ => Err(ProgramError::TypeMismatch {
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
