//! The protocol count over a decoded MIR: a bounded, non-recursive walk of the operation DAG
//! from the outputs, with raw operations lowered in place (see the module docs of
//! [`crate::program`]).

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use nilvm_proto::nillion::nada::mir::v1::{NadaFunction, ProgramMir};
use nilvm_proto::nillion::nada::operations::v1::operation::Operation as Kind;
use nilvm_proto::nillion::nada::operations::v1::{
    ArrayAccessor, BinaryOperation, BinaryOperationVariant as Binary, IfElseOperation,
    InputReference, LiteralReference, MapOperation, NewOperation, Operation, ReduceOperation,
    TupleAccessor, TupleIndex, UnaryOperation, UnaryOperationVariant as Unary,
};
use nilvm_proto::nillion::nada::types::v1::NadaType;
use nilvm_proto::nillion::nada::types::v1::nada_type::NadaType as TypeKind;

use super::error::{ProgramError, RawOperation};
use super::protocol::{Protocol, RuntimeRequirement};

/// Upper bound on analysis steps (operations visited, elements materialised, function
/// instances, type nodes). The nodes cap programs at 50 000 instructions and 50 000 memory
/// elements, so any program they accept stays far below this.
pub const MAX_ANALYSIS_STEPS: u64 = 1_000_000;

/// Maximum nesting of map/reduce function instances (a function mapping inside a function ...).
pub const MAX_FUNCTION_DEPTH: usize = 32;

/// What the walk counted.
#[derive(Debug, Default)]
pub(crate) struct Counts {
    pub(crate) protocols: BTreeMap<Protocol, u64>,
    pub(crate) requirements: BTreeMap<RuntimeRequirement, u64>,
    pub(crate) memory: u64,
    pub(crate) raw_operation: Option<RawOperation>,
}

/// Counts protocols, requirements and memory of a decoded MIR.
pub(crate) fn analyse(mir: &ProgramMir) -> Result<Counts, ProgramError> {
    let mut analyser = Analyser::new(mir)?;
    analyser.counts.raw_operation = analyser.raw_operation();
    analyser.allocate_inputs()?;
    for output in &mir.outputs {
        let referrer = Referrer::Output(&output.name);
        analyser.run(Task::Eval {
            ctx: TOP,
            id: output.operation_id,
            referrer,
        })?;
        let node = analyser.value(TOP, output.operation_id)?;
        analyser.consume_whole(node)?;
    }
    if analyser.counts.protocols.is_empty() {
        return Err(ProgramError::NoProtocols);
    }
    Ok(analyser.counts)
}

type TyId = usize;
type NodeId = usize;
type CtxId = usize;

const TOP: CtxId = 0;

#[derive(Debug, Clone, Copy)]
enum Ty {
    Scalar {
        secret: bool,
        boolean: bool,
    },
    Array {
        elem: TyId,
        size: u32,
        secret: bool,
    },
    Tuple {
        left: TyId,
        right: TyId,
        secret: bool,
    },
}

impl Ty {
    fn secret(self) -> bool {
        match self {
            Ty::Scalar { secret, .. } | Ty::Array { secret, .. } | Ty::Tuple { secret, .. } => {
                secret
            }
        }
    }

    fn is_compound(self) -> bool {
        !matches!(self, Ty::Scalar { .. })
    }

    /// Addresses the nodes' protocol address provider reserves for a value of this type: one,
    /// plus one pointer per direct element of an array or tuple.
    fn slots(self) -> u64 {
        match self {
            Ty::Scalar { .. } => 1,
            Ty::Array { size, .. } => 1 + u64::from(size),
            Ty::Tuple { .. } => 3,
        }
    }
}

/// A value in the walk: a protocol result, an input, a literal, or a structure built by `new`
/// (possibly lowered from map/zip/unzip) whose elements are other nodes.
#[derive(Debug)]
struct Node {
    ty: TyId,
    elements: Option<Vec<NodeId>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    InProgress,
    Done(NodeId),
}

/// An evaluation scope: the top level, or one inlined call of a map/reduce function.
#[derive(Debug)]
struct Ctx {
    function: Option<u64>,
    parent: CtxId,
    depth: usize,
    args: Vec<NodeId>,
    memo: BTreeMap<u64, Slot>,
}

struct FunctionInfo<'m> {
    function: &'m NadaFunction,
    operations: BTreeMap<u64, &'m Operation>,
}

#[derive(Debug, Clone, Copy)]
enum Referrer<'m> {
    Output(&'m str),
    Operation(u64),
    Function(u64),
}

impl Referrer<'_> {
    fn text(self) -> String {
        match self {
            Referrer::Output(name) => format!("output '{name}'"),
            Referrer::Operation(id) => format!("operation {id}"),
            Referrer::Function(id) => format!("function {id}"),
        }
    }
}

enum Task<'m> {
    /// Evaluate operation `id` as seen from `ctx`.
    Eval {
        ctx: CtxId,
        id: u64,
        referrer: Referrer<'m>,
    },
    /// Every operand of `op` (owned by `ctx`) is evaluated; compute it.
    Finish { ctx: CtxId, op: &'m Operation },
    /// Every inlined call of a map is evaluated; build the array.
    MapDone {
        ctx: CtxId,
        op: &'m Operation,
        instances: Vec<CtxId>,
        ret: u64,
    },
    /// One step of a reduce chain.
    ReduceStep {
        ctx: CtxId,
        op: &'m Operation,
        step: ReduceStep,
    },
}

struct ReduceStep {
    function: u64,
    ret: u64,
    array: NodeId,
    index: u32,
    size: u32,
    acc: NodeId,
    pending: Option<CtxId>,
}

struct Analyser<'m> {
    mir: &'m ProgramMir,
    top: BTreeMap<u64, &'m Operation>,
    functions: BTreeMap<u64, FunctionInfo<'m>>,
    literals: BTreeSet<&'m str>,
    input_nodes: BTreeMap<&'m str, NodeId>,
    types: Vec<Ty>,
    type_cache: BTreeMap<usize, TyId>,
    nodes: Vec<Node>,
    elements: BTreeMap<(NodeId, u32), NodeId>,
    ctxs: Vec<Ctx>,
    adapted: BTreeSet<NodeId>,
    counts: Counts,
    steps: u64,
}

fn operation_table(
    entries: &[nilvm_proto::nillion::nada::mir::v1::OperationMapEntry],
) -> Result<BTreeMap<u64, &Operation>, ProgramError> {
    let mut table = BTreeMap::new();
    for entry in entries {
        let op = entry
            .operation
            .as_ref()
            .ok_or(ProgramError::MissingOperation(entry.id))?;
        if op.id != entry.id {
            return Err(ProgramError::MismatchedOperationId {
                entry: entry.id,
                operation: op.id,
            });
        }
        if op.operation.is_none() {
            return Err(ProgramError::MissingOperation(op.id));
        }
        if table.insert(op.id, op).is_some() {
            return Err(ProgramError::DuplicateId(op.id));
        }
    }
    Ok(table)
}

impl<'m> Analyser<'m> {
    fn new(mir: &'m ProgramMir) -> Result<Self, ProgramError> {
        let top = operation_table(&mir.operations)?;
        let mut functions = BTreeMap::new();
        for function in &mir.functions {
            let info = FunctionInfo {
                function,
                operations: operation_table(&function.operations)?,
            };
            if functions.insert(function.id, info).is_some() {
                return Err(ProgramError::DuplicateId(function.id));
            }
        }
        let literals = mir.literals.iter().map(|l| l.name.as_str()).collect();
        let top_ctx = Ctx {
            function: None,
            parent: TOP,
            depth: 0,
            args: Vec::new(),
            memo: BTreeMap::new(),
        };
        Ok(Self {
            mir,
            top,
            functions,
            literals,
            input_nodes: BTreeMap::new(),
            types: Vec::new(),
            type_cache: BTreeMap::new(),
            nodes: Vec::new(),
            elements: BTreeMap::new(),
            ctxs: vec![top_ctx],
            adapted: BTreeSet::new(),
            counts: Counts::default(),
            steps: 0,
        })
    }

    fn tick(&mut self) -> Result<(), ProgramError> {
        self.steps += 1;
        if self.steps > MAX_ANALYSIS_STEPS {
            return Err(ProgramError::TooLarge("analysis step limit reached"));
        }
        Ok(())
    }

    /// Fails at once when `n` more steps would exceed the bound (huge arrays).
    fn reserve(&self, n: u32) -> Result<(), ProgramError> {
        if self.steps.saturating_add(u64::from(n)) > MAX_ANALYSIS_STEPS {
            return Err(ProgramError::TooLarge("analysis step limit reached"));
        }
        Ok(())
    }

    /// The first top-level operation (by id) that only the preprocessor understands.
    fn raw_operation(&self) -> Option<RawOperation> {
        self.top
            .values()
            .find_map(|op| match op.operation.as_ref()? {
                Kind::Binary(b) => match Binary::try_from(b.variant).ok()? {
                    Binary::GreaterThan => Some(RawOperation::GreaterThan),
                    Binary::GreaterEq => Some(RawOperation::GreaterOrEqual),
                    Binary::LessEq => Some(RawOperation::LessOrEqual),
                    Binary::NotEquals => Some(RawOperation::NotEquals),
                    Binary::BoolAnd => Some(RawOperation::BooleanAnd),
                    Binary::BoolOr => Some(RawOperation::BooleanOr),
                    Binary::BoolXor => Some(RawOperation::BooleanXor),
                    Binary::Zip => Some(RawOperation::Zip),
                    _ => None,
                },
                Kind::Unary(u) if u.variant == Unary::Unzip as i32 => Some(RawOperation::Unzip),
                Kind::Map(_) => Some(RawOperation::Map),
                Kind::Reduce(_) => Some(RawOperation::Reduce),
                Kind::ArgRef(_) => Some(RawOperation::FunctionArgument),
                _ => None,
            })
    }

    /// Reserves the input memory and checks that every input is referenced exactly as the
    /// node's bytecode planner requires (unknown references are caught during the walk).
    fn allocate_inputs(&mut self) -> Result<(), ProgramError> {
        let mut referenced = BTreeSet::new();
        let tables =
            core::iter::once(&self.top).chain(self.functions.values().map(|f| &f.operations));
        for table in tables {
            for op in table.values() {
                if let Some(Kind::InputRef(r)) = &op.operation {
                    referenced.insert(r.refers_to.as_str());
                }
            }
        }
        let mut seen = BTreeSet::new();
        for input in &self.mir.inputs {
            if !seen.insert(input.name.as_str()) {
                return Err(ProgramError::DuplicateInput(input.name.clone()));
            }
            if !referenced.contains(input.name.as_str()) {
                return Err(ProgramError::InputNotReferenced(input.name.clone()));
            }
            let what = || format!("input '{}'", input.name);
            let ty = input
                .r#type
                .as_ref()
                .ok_or_else(|| ProgramError::MissingType(what()))?;
            let ty = self.intern(ty, &what)?;
            self.counts.memory = self.counts.memory.saturating_add(self.types[ty].slots());
        }
        Ok(())
    }

    /// Converts a protobuf type into the arena, iteratively.
    fn intern(&mut self, ty: &NadaType, what: &dyn Fn() -> String) -> Result<TyId, ProgramError> {
        enum Frame<'t> {
            Visit(&'t NadaType),
            Array(u32),
            Tuple,
        }
        let mut stack = vec![Frame::Visit(ty)];
        let mut done: Vec<TyId> = Vec::new();
        while let Some(frame) = stack.pop() {
            self.tick()?;
            let ty = match frame {
                Frame::Visit(t) => {
                    let kind = t
                        .nada_type
                        .as_ref()
                        .ok_or_else(|| ProgramError::MissingType(what()))?;
                    let scalar = |secret, boolean| Ty::Scalar { secret, boolean };
                    match kind {
                        TypeKind::Integer(()) | TypeKind::UnsignedInteger(()) => {
                            scalar(false, false)
                        }
                        TypeKind::Boolean(()) => scalar(false, true),
                        TypeKind::SecretInteger(()) | TypeKind::SecretUnsignedInteger(()) => {
                            scalar(true, false)
                        }
                        TypeKind::SecretBoolean(()) => scalar(true, true),
                        TypeKind::EcdsaPrivateKey(()) | TypeKind::EddsaPrivateKey(()) => {
                            scalar(true, false)
                        }
                        TypeKind::EcdsaDigestMessage(())
                        | TypeKind::EcdsaSignature(())
                        | TypeKind::EcdsaPublicKey(())
                        | TypeKind::EddsaPublicKey(())
                        | TypeKind::EddsaMessage(())
                        | TypeKind::EddsaSignature(()) => scalar(false, false),
                        TypeKind::Array(array) => {
                            let inner = array
                                .contained_type
                                .as_deref()
                                .ok_or_else(|| ProgramError::MissingType(what()))?;
                            stack.push(Frame::Array(array.size));
                            stack.push(Frame::Visit(inner));
                            continue;
                        }
                        TypeKind::Tuple(tuple) => {
                            let missing = || ProgramError::MissingType(what());
                            let left = tuple.left.as_deref().ok_or_else(missing)?;
                            let right = tuple.right.as_deref().ok_or_else(missing)?;
                            stack.push(Frame::Tuple);
                            stack.push(Frame::Visit(right));
                            stack.push(Frame::Visit(left));
                            continue;
                        }
                        TypeKind::Ntuple(_) => {
                            return Err(ProgramError::Unsupported(format!(
                                "the ntuple type of {}",
                                what()
                            )));
                        }
                        TypeKind::Object(_) => {
                            return Err(ProgramError::Unsupported(format!(
                                "the object type of {}",
                                what()
                            )));
                        }
                    }
                }
                Frame::Array(size) => {
                    let elem = done.pop().ok_or(ProgramError::TooLarge("type arena"))?;
                    Ty::Array {
                        elem,
                        size,
                        secret: self.types[elem].secret(),
                    }
                }
                Frame::Tuple => {
                    let right = done.pop().ok_or(ProgramError::TooLarge("type arena"))?;
                    let left = done.pop().ok_or(ProgramError::TooLarge("type arena"))?;
                    let secret = self.types[left].secret() || self.types[right].secret();
                    Ty::Tuple {
                        left,
                        right,
                        secret,
                    }
                }
            };
            self.types.push(ty);
            done.push(self.types.len() - 1);
        }
        done.pop().ok_or(ProgramError::TooLarge("type arena"))
    }

    /// The type of an operation's result (cached per operation).
    fn op_type(&mut self, op: &Operation) -> Result<TyId, ProgramError> {
        let key = op as *const Operation as usize;
        if let Some(ty) = self.type_cache.get(&key) {
            return Ok(*ty);
        }
        let what = || format!("operation {}", op.id);
        let ty = op
            .r#type
            .as_ref()
            .ok_or_else(|| ProgramError::MissingType(what()))?;
        let ty = self.intern(ty, &what)?;
        self.type_cache.insert(key, ty);
        Ok(ty)
    }

    fn node_ty(&self, node: NodeId) -> Ty {
        self.types[self.nodes[node].ty]
    }

    fn new_node(
        &mut self,
        ty: TyId,
        elements: Option<Vec<NodeId>>,
    ) -> Result<NodeId, ProgramError> {
        self.tick()?;
        self.nodes.push(Node { ty, elements });
        Ok(self.nodes.len() - 1)
    }

    /// Element `index` of a compound node: the `new` operand, or an element slot of an input
    /// (or other opaque compound value).
    fn element(
        &mut self,
        node: NodeId,
        index: u32,
        operation: u64,
    ) -> Result<NodeId, ProgramError> {
        let mismatch = |reason| ProgramError::TypeMismatch { operation, reason };
        let (elem_ty, len) = match self.node_ty(node) {
            Ty::Array { elem, size, .. } => (elem, size),
            Ty::Tuple { left, right, .. } => (if index == 0 { left } else { right }, 2),
            Ty::Scalar { .. } => {
                return Err(mismatch(
                    "element access on a value that is not an array or tuple",
                ));
            }
        };
        if index >= len {
            return Err(mismatch("element index out of bounds"));
        }
        if let Some(elements) = &self.nodes[node].elements {
            let i = usize::try_from(index).map_err(|_| mismatch("element index out of bounds"))?;
            return elements
                .get(i)
                .copied()
                .ok_or_else(|| mismatch("element index out of bounds"));
        }
        if let Some(existing) = self.elements.get(&(node, index)) {
            return Ok(*existing);
        }
        let element = self.new_node(elem_ty, None)?;
        self.elements.insert((node, index), element);
        Ok(element)
    }

    fn emit(&mut self, protocol: Protocol, slots: u64) {
        *self.counts.protocols.entry(protocol).or_default() += 1;
        if let Some(requirement) = protocol.requirement() {
            *self.counts.requirements.entry(requirement).or_default() += 1;
        }
        self.counts.memory = self.counts.memory.saturating_add(slots);
    }

    /// A compound value used as a whole (an output, an `inner_product` operand, an element of
    /// such a value) is materialised by one `NewArray`/`NewTuple` protocol, once per value.
    fn consume_whole(&mut self, node: NodeId) -> Result<(), ProgramError> {
        let mut pending = vec![node];
        while let Some(node) = pending.pop() {
            self.tick()?;
            let ty = self.node_ty(node);
            let protocol = match ty {
                Ty::Scalar { .. } => continue,
                Ty::Array { .. } => Protocol::NewArray,
                Ty::Tuple { .. } => Protocol::NewTuple,
            };
            if !self.adapted.insert(node) {
                continue;
            }
            self.emit(protocol, ty.slots());
            if let Some(elements) = &self.nodes[node].elements {
                pending.extend(
                    elements
                        .iter()
                        .copied()
                        .filter(|e| self.node_ty(*e).is_compound()),
                );
                continue;
            }
            match ty {
                Ty::Array { elem, size, .. } if self.types[elem].is_compound() => {
                    self.reserve(size)?;
                    for index in 0..size {
                        pending.push(self.element(node, index, 0)?);
                    }
                }
                Ty::Tuple { left, right, .. } => {
                    for (index, ty) in [(0, left), (1, right)] {
                        if self.types[ty].is_compound() {
                            pending.push(self.element(node, index, 0)?);
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Finds the scope that owns operation `id` as seen from `ctx` (the function body first,
    /// then the enclosing scopes).
    fn lookup(
        &self,
        ctx: CtxId,
        id: u64,
        referrer: Referrer<'_>,
    ) -> Result<(CtxId, &'m Operation), ProgramError> {
        let mut current = ctx;
        loop {
            let scope = &self.ctxs[current];
            match scope.function {
                Some(function) => {
                    if let Some(op) = self
                        .functions
                        .get(&function)
                        .and_then(|f| f.operations.get(&id))
                    {
                        return Ok((current, *op));
                    }
                    current = scope.parent;
                }
                None => {
                    return self.top.get(&id).map(|op| (current, *op)).ok_or_else(|| {
                        ProgramError::DanglingOperand {
                            referrer: referrer.text(),
                            operand: id,
                        }
                    });
                }
            }
        }
    }

    /// The node of an already evaluated operation.
    fn value(&self, ctx: CtxId, id: u64) -> Result<NodeId, ProgramError> {
        let (owner, _) = self.lookup(ctx, id, Referrer::Operation(id))?;
        match self.ctxs[owner].memo.get(&id) {
            Some(Slot::Done(node)) => Ok(*node),
            // Only reachable through a dependency cycle the walk did not see as one.
            _ => Err(ProgramError::Cycle(id)),
        }
    }

    fn set(&mut self, ctx: CtxId, id: u64, node: NodeId) {
        self.ctxs[ctx].memo.insert(id, Slot::Done(node));
    }

    fn run(&mut self, start: Task<'m>) -> Result<(), ProgramError> {
        let mut stack = vec![start];
        while let Some(task) = stack.pop() {
            self.tick()?;
            match task {
                Task::Eval { ctx, id, referrer } => {
                    let (owner, op) = self.lookup(ctx, id, referrer)?;
                    match self.ctxs[owner].memo.get(&id) {
                        Some(Slot::Done(_)) => {}
                        Some(Slot::InProgress) => return Err(ProgramError::Cycle(id)),
                        None => {
                            self.ctxs[owner].memo.insert(id, Slot::InProgress);
                            stack.push(Task::Finish { ctx: owner, op });
                            let operands = operands(op)?;
                            for operand in operands.into_iter().rev() {
                                stack.push(Task::Eval {
                                    ctx: owner,
                                    id: operand,
                                    referrer: Referrer::Operation(id),
                                });
                            }
                        }
                    }
                }
                Task::Finish { ctx, op } => self.finish(ctx, op, &mut stack)?,
                Task::MapDone {
                    ctx,
                    op,
                    instances,
                    ret,
                } => {
                    let mut elements = Vec::with_capacity(instances.len());
                    for instance in instances {
                        elements.push(self.value(instance, ret)?);
                    }
                    let ty = self.op_type(op)?;
                    match self.types[ty] {
                        Ty::Array { size, .. }
                            if usize::try_from(size).ok() == Some(elements.len()) => {}
                        _ => {
                            return Err(ProgramError::TypeMismatch {
                                operation: op.id,
                                reason: "map result type is not an array of the input's size",
                            });
                        }
                    }
                    let node = self.new_node(ty, Some(elements))?;
                    self.set(ctx, op.id, node);
                }
                Task::ReduceStep { ctx, op, mut step } => {
                    if let Some(instance) = step.pending.take() {
                        step.acc = self.value(instance, step.ret)?;
                    }
                    if step.index == step.size {
                        self.set(ctx, op.id, step.acc);
                        continue;
                    }
                    let element = self.element(step.array, step.index, op.id)?;
                    let instance = self.instance(ctx, step.function, vec![step.acc, element])?;
                    let ret = step.ret;
                    let function = step.function;
                    step.index += 1;
                    step.pending = Some(instance);
                    stack.push(Task::ReduceStep { ctx, op, step });
                    stack.push(Task::Eval {
                        ctx: instance,
                        id: ret,
                        referrer: Referrer::Function(function),
                    });
                }
            }
        }
        Ok(())
    }

    /// A new scope for one inlined call of `function`.
    fn instance(
        &mut self,
        parent: CtxId,
        function: u64,
        args: Vec<NodeId>,
    ) -> Result<CtxId, ProgramError> {
        self.tick()?;
        let depth = self.ctxs[parent].depth + 1;
        if depth > MAX_FUNCTION_DEPTH {
            return Err(ProgramError::TooLarge(
                "map/reduce functions nested too deeply",
            ));
        }
        self.ctxs.push(Ctx {
            function: Some(function),
            parent,
            depth,
            args,
            memo: BTreeMap::new(),
        });
        Ok(self.ctxs.len() - 1)
    }

    fn function(
        &self,
        operation: u64,
        function: u64,
        arity: usize,
    ) -> Result<&'m NadaFunction, ProgramError> {
        let info = self
            .functions
            .get(&function)
            .ok_or(ProgramError::UnknownFunction {
                operation,
                function,
            })?;
        if info.function.args.len() != arity {
            return Err(ProgramError::TypeMismatch {
                operation,
                reason: "function has the wrong number of arguments for map/reduce",
            });
        }
        Ok(info.function)
    }

    /// Analyses one operation whose operands are done: emits its protocols and records its
    /// node, or (for `map` / `reduce`) schedules the inlined function bodies.
    fn finish(
        &mut self,
        ctx: CtxId,
        op: &'m Operation,
        stack: &mut Vec<Task<'m>>,
    ) -> Result<(), ProgramError> {
        let id = op.id;
        let kind = op
            .operation
            .as_ref()
            .ok_or(ProgramError::MissingOperation(id))?;
        let node = match kind {
            Kind::InputRef(reference) => self.input_ref(op, reference)?,
            Kind::LiteralRef(reference) => self.literal_ref(op, reference)?,
            Kind::ArgRef(reference) => {
                self.argument(ctx, id, reference.function_id, &reference.refers_to)?
            }
            Kind::Random(()) => self.random(op)?,
            Kind::Binary(binary) => self.binary_op(ctx, op, binary)?,
            Kind::Unary(unary) => self.unary_op(ctx, op, unary)?,
            Kind::Ifelse(ifelse) => self.if_else(ctx, op, ifelse)?,
            Kind::New(new) => self.new_compound(ctx, op, new)?,
            Kind::ArrayAccessor(accessor) => self.array_access(ctx, op, accessor)?,
            Kind::TupleAccessor(accessor) => self.tuple_access(ctx, op, accessor)?,
            Kind::Map(map) => return self.map(ctx, op, map, stack),
            Kind::Reduce(reduce) => return self.reduce(ctx, op, reduce, stack),
            Kind::NtupleAccessor(_) | Kind::ObjectAccessor(_) | Kind::Cast(_) => {
                return Err(unsupported(id, kind));
            }
        };
        self.set(ctx, id, node);
        Ok(())
    }

    /// An input reference: one node per input, shared by every reference to it.
    fn input_ref(
        &mut self,
        op: &Operation,
        reference: &InputReference,
    ) -> Result<NodeId, ProgramError> {
        let name = reference.refers_to.as_str();
        let input = self
            .mir
            .inputs
            .iter()
            .find(|i| i.name == name)
            .ok_or_else(|| ProgramError::UnknownInput {
                operation: op.id,
                input: reference.refers_to.clone(),
            })?;
        if let Some(node) = self.input_nodes.get(input.name.as_str()) {
            return Ok(*node);
        }
        let ty = self.op_type(op)?;
        let node = self.new_node(ty, None)?;
        self.input_nodes.insert(input.name.as_str(), node);
        Ok(node)
    }

    fn literal_ref(
        &mut self,
        op: &Operation,
        reference: &LiteralReference,
    ) -> Result<NodeId, ProgramError> {
        if !self.literals.contains(reference.refers_to.as_str()) {
            return Err(ProgramError::UnknownLiteral {
                operation: op.id,
                literal: reference.refers_to.clone(),
            });
        }
        let ty = self.op_type(op)?;
        self.new_node(ty, None)
    }

    fn random(&mut self, op: &Operation) -> Result<NodeId, ProgramError> {
        let ty = self.op_type(op)?;
        let protocol = match self.types[ty] {
            Ty::Scalar { boolean: true, .. } => Protocol::RandomBoolean,
            Ty::Scalar { .. } => Protocol::RandomInteger,
            _ => return Err(mismatch(op.id, "random of a compound type")),
        };
        self.emit(protocol, 1);
        self.new_node(ty, None)
    }

    fn binary_op(
        &mut self,
        ctx: CtxId,
        op: &Operation,
        binary: &BinaryOperation,
    ) -> Result<NodeId, ProgramError> {
        let variant =
            Binary::try_from(binary.variant).map_err(|_| ProgramError::UnknownVariant {
                operation: op.id,
                field: "binary variant",
                value: binary.variant,
            })?;
        let left = self.value(ctx, binary.left)?;
        let right = self.value(ctx, binary.right)?;
        if variant == Binary::Zip {
            return self.zip(op, left, right);
        }
        self.binary(variant, left, right)?;
        let ty = self.op_type(op)?;
        self.new_node(ty, None)
    }

    fn unary_op(
        &mut self,
        ctx: CtxId,
        op: &Operation,
        unary: &UnaryOperation,
    ) -> Result<NodeId, ProgramError> {
        let variant = Unary::try_from(unary.variant).map_err(|_| ProgramError::UnknownVariant {
            operation: op.id,
            field: "unary variant",
            value: unary.variant,
        })?;
        let this = self.value(ctx, unary.this)?;
        let protocol = match variant {
            Unary::Unzip => return self.unzip(op, this),
            Unary::Reveal => Protocol::Reveal,
            Unary::Not => Protocol::Not,
            Unary::PublicKeyDerive => Protocol::PublicKeyDerive,
        };
        self.emit(protocol, 1);
        let ty = self.op_type(op)?;
        self.new_node(ty, None)
    }

    /// `if_else`: the protocol depends on which of condition and branches are secret.
    fn if_else(
        &mut self,
        ctx: CtxId,
        op: &Operation,
        ifelse: &IfElseOperation,
    ) -> Result<NodeId, ProgramError> {
        let cond = self.node_ty(self.value(ctx, ifelse.cond)?).secret();
        let first = self.node_ty(self.value(ctx, ifelse.first)?).secret();
        let second = self.node_ty(self.value(ctx, ifelse.second)?).secret();
        let protocol = if !cond {
            Protocol::IfElsePublicCond
        } else if !first && !second {
            Protocol::IfElsePublicBranches
        } else {
            Protocol::IfElse
        };
        self.emit(protocol, 1);
        let ty = self.op_type(op)?;
        self.new_node(ty, None)
    }

    /// `new` of an array or tuple: as many elements as its type says.
    fn new_compound(
        &mut self,
        ctx: CtxId,
        op: &Operation,
        new: &NewOperation,
    ) -> Result<NodeId, ProgramError> {
        let ty = self.op_type(op)?;
        let expected = match self.types[ty] {
            Ty::Array { size, .. } => usize::try_from(size).unwrap_or(usize::MAX),
            Ty::Tuple { .. } => 2,
            Ty::Scalar { .. } => {
                return Err(mismatch(
                    op.id,
                    "'new' of a type that is not an array or tuple",
                ));
            }
        };
        if new.elements.len() != expected {
            return Err(mismatch(
                op.id,
                "'new' has a different number of elements than its type",
            ));
        }
        let mut elements = Vec::with_capacity(new.elements.len());
        for element in &new.elements {
            elements.push(self.value(ctx, *element)?);
        }
        self.new_node(ty, Some(elements))
    }

    fn array_access(
        &mut self,
        ctx: CtxId,
        op: &Operation,
        accessor: &ArrayAccessor,
    ) -> Result<NodeId, ProgramError> {
        let source = self.value(ctx, accessor.source)?;
        if !matches!(self.node_ty(source), Ty::Array { .. }) {
            return Err(mismatch(
                op.id,
                "array accessor on a value that is not an array",
            ));
        }
        self.element(source, accessor.index, op.id)
    }

    fn tuple_access(
        &mut self,
        ctx: CtxId,
        op: &Operation,
        accessor: &TupleAccessor,
    ) -> Result<NodeId, ProgramError> {
        let index =
            TupleIndex::try_from(accessor.index).map_err(|_| ProgramError::UnknownVariant {
                operation: op.id,
                field: "tuple index",
                value: accessor.index,
            })?;
        let source = self.value(ctx, accessor.source)?;
        if !matches!(self.node_ty(source), Ty::Tuple { .. }) {
            return Err(mismatch(
                op.id,
                "tuple accessor on a value that is not a tuple",
            ));
        }
        self.element(source, if index == TupleIndex::Left { 0 } else { 1 }, op.id)
    }

    /// `map`: one inlined instance of the function per element, evaluated before `MapDone`.
    fn map(
        &mut self,
        ctx: CtxId,
        op: &'m Operation,
        map: &MapOperation,
        stack: &mut Vec<Task<'m>>,
    ) -> Result<(), ProgramError> {
        let id = op.id;
        let function = self.function(id, map.r#fn, 1)?;
        let array = self.value(ctx, map.child)?;
        let Ty::Array { size, .. } = self.node_ty(array) else {
            return Err(mismatch(id, "map over a value that is not an array"));
        };
        self.reserve(size)?;
        let mut instances = Vec::new();
        for index in 0..size {
            let element = self.element(array, index, id)?;
            instances.push(self.instance(ctx, function.id, vec![element])?);
        }
        let ret = function.return_operation_id;
        stack.push(Task::MapDone {
            ctx,
            op,
            instances: instances.clone(),
            ret,
        });
        for instance in instances.into_iter().rev() {
            stack.push(Task::Eval {
                ctx: instance,
                id: ret,
                referrer: Referrer::Function(function.id),
            });
        }
        Ok(())
    }

    /// `reduce`: one `ReduceStep` task walks the array, one inlined call per element.
    fn reduce(
        &mut self,
        ctx: CtxId,
        op: &'m Operation,
        reduce: &ReduceOperation,
        stack: &mut Vec<Task<'m>>,
    ) -> Result<(), ProgramError> {
        let function = self.function(op.id, reduce.r#fn, 2)?;
        let array = self.value(ctx, reduce.child)?;
        let acc = self.value(ctx, reduce.initial)?;
        let Ty::Array { size, .. } = self.node_ty(array) else {
            return Err(mismatch(op.id, "reduce over a value that is not an array"));
        };
        self.reserve(size)?;
        let step = ReduceStep {
            function: function.id,
            ret: function.return_operation_id,
            array,
            index: 0,
            size,
            acc,
            pending: None,
        };
        stack.push(Task::ReduceStep { ctx, op, step });
        Ok(())
    }

    /// Resolves a function argument reference through the enclosing function instances.
    fn argument(
        &self,
        ctx: CtxId,
        operation: u64,
        function: u64,
        name: &str,
    ) -> Result<NodeId, ProgramError> {
        let unknown = || ProgramError::UnknownArgument {
            operation,
            function,
            argument: name.to_string(),
        };
        let mut current = ctx;
        loop {
            let scope = &self.ctxs[current];
            match scope.function {
                Some(f) if f == function => {
                    let info = self.functions.get(&f).ok_or_else(unknown)?;
                    let index = info
                        .function
                        .args
                        .iter()
                        .position(|a| a.name == name)
                        .ok_or_else(unknown)?;
                    return scope.args.get(index).copied().ok_or_else(unknown);
                }
                Some(_) => current = scope.parent,
                None => return Err(unknown()),
            }
        }
    }

    /// Protocol selection for a binary operation (raw variants lowered as the preprocessor
    /// does, docs/nada.md §5).
    fn binary(&mut self, variant: Binary, left: NodeId, right: NodeId) -> Result<(), ProgramError> {
        use Protocol as P;
        let l = self.node_ty(left).secret();
        let r = self.node_ty(right).secret();
        let multiplication = match (l, r) {
            (false, false) => P::MultiplicationPublic,
            (true, true) => P::MultiplicationShares,
            _ => P::MultiplicationSharePublic,
        };
        let less_than = if l || r {
            P::LessThanShares
        } else {
            P::LessThanPublic
        };
        let equals = if l || r {
            P::EqualsSecret
        } else {
            P::EqualsPublic
        };
        let protocols: &[Protocol] = match variant {
            Binary::Addition => &[P::Addition],
            Binary::Subtraction => &[P::Subtraction],
            Binary::Multiplication | Binary::BoolAnd => &[multiplication],
            Binary::LessThan | Binary::GreaterThan => &[less_than],
            Binary::LessEq | Binary::GreaterEq => &[less_than, P::Not],
            Binary::Equals => &[equals],
            Binary::NotEquals => &[equals, P::Not],
            Binary::EqualsPublicOutput => &[if l || r {
                P::PublicOutputEquality
            } else {
                P::EqualsPublic
            }],
            Binary::Division => &[match (l, r) {
                (_, true) => P::DivisionIntegerSecretDivisor,
                (true, false) => P::DivisionIntegerSecretDividendPublicDivisor,
                (false, false) => P::DivisionIntegerPublic,
            }],
            Binary::Modulo => &[match (l, r) {
                (_, true) => P::ModuloIntegerSecretDivisor,
                (true, false) => P::ModuloIntegerSecretDividendPublicDivisor,
                (false, false) => P::ModuloIntegerPublic,
            }],
            Binary::Power => &[P::PowerPublicBasePublicExponent],
            Binary::LeftShift => &[if l {
                P::LeftShiftShares
            } else {
                P::LeftShiftPublic
            }],
            Binary::RightShift => &[if l {
                P::RightShiftShares
            } else {
                P::RightShiftPublic
            }],
            Binary::TruncPr => &[P::TruncPr],
            // a | b = (a + b) - a*b
            Binary::BoolOr => &[P::Addition, multiplication, P::Subtraction],
            // a ^ b = (a + b) - (m + m), m = a*b
            Binary::BoolXor => &[P::Addition, multiplication, P::Addition, P::Subtraction],
            Binary::InnerProduct => {
                self.consume_whole(left)?;
                self.consume_whole(right)?;
                &[match (l, r) {
                    (false, false) => P::InnerProductPublic,
                    (true, true) => P::InnerProductShares,
                    _ => P::InnerProductSharePublic,
                }]
            }
            Binary::EcdsaSign => &[P::EcdsaSign],
            Binary::EddsaSign => &[P::EddsaSign],
            // Structural; handled by the caller.
            Binary::Zip => &[],
        };
        for protocol in protocols {
            self.emit(*protocol, 1);
        }
        Ok(())
    }

    /// `zip` = new array of new tuples `(left[i], right[i])`; no protocol by itself.
    fn zip(&mut self, op: &Operation, left: NodeId, right: NodeId) -> Result<NodeId, ProgramError> {
        let mismatch = |reason| ProgramError::TypeMismatch {
            operation: op.id,
            reason,
        };
        let ty = self.op_type(op)?;
        let (
            Ty::Array {
                elem: tuple_ty,
                size,
                ..
            },
            Ty::Array { size: l, .. },
            Ty::Array { size: r, .. },
        ) = (self.types[ty], self.node_ty(left), self.node_ty(right))
        else {
            return Err(mismatch("zip of values that are not arrays"));
        };
        if l != size || r != size || !matches!(self.types[tuple_ty], Ty::Tuple { .. }) {
            return Err(mismatch("zip result type does not match its operands"));
        }
        self.reserve(size)?;
        let mut tuples = Vec::new();
        for index in 0..size {
            let a = self.element(left, index, op.id)?;
            let b = self.element(right, index, op.id)?;
            tuples.push(self.new_node(tuple_ty, Some(vec![a, b]))?);
        }
        self.new_node(ty, Some(tuples))
    }

    /// `unzip` = new tuple of two new arrays of the tuples' left and right elements.
    fn unzip(&mut self, op: &Operation, zipped: NodeId) -> Result<NodeId, ProgramError> {
        let mismatch = |reason| ProgramError::TypeMismatch {
            operation: op.id,
            reason,
        };
        let ty = self.op_type(op)?;
        let Ty::Tuple {
            left: left_ty,
            right: right_ty,
            ..
        } = self.types[ty]
        else {
            return Err(mismatch("unzip result type is not a tuple"));
        };
        let (Ty::Array { size, .. }, Ty::Array { size: l, .. }, Ty::Array { size: r, .. }) = (
            self.node_ty(zipped),
            self.types[left_ty],
            self.types[right_ty],
        ) else {
            return Err(mismatch("unzip of a value that is not an array of tuples"));
        };
        if l != size || r != size {
            return Err(mismatch("unzip result type does not match its operand"));
        }
        self.reserve(size)?;
        let mut lefts = Vec::new();
        let mut rights = Vec::new();
        for index in 0..size {
            let tuple = self.element(zipped, index, op.id)?;
            if !matches!(self.node_ty(tuple), Ty::Tuple { .. }) {
                return Err(mismatch("unzip of a value that is not an array of tuples"));
            }
            lefts.push(self.element(tuple, 0, op.id)?);
            rights.push(self.element(tuple, 1, op.id)?);
        }
        let left = self.new_node(left_ty, Some(lefts))?;
        let right = self.new_node(right_ty, Some(rights))?;
        self.new_node(ty, Some(vec![left, right]))
    }
}

/// The operations an operation reads (map/reduce function bodies are walked separately).
fn operands(op: &Operation) -> Result<Vec<u64>, ProgramError> {
    let kind = op
        .operation
        .as_ref()
        .ok_or(ProgramError::MissingOperation(op.id))?;
    Ok(match kind {
        Kind::Binary(b) => vec![b.left, b.right],
        Kind::Unary(u) => vec![u.this],
        Kind::Ifelse(i) => vec![i.cond, i.first, i.second],
        Kind::Map(m) => vec![m.child],
        Kind::Reduce(r) => vec![r.child, r.initial],
        Kind::New(n) => n.elements.clone(),
        Kind::ArrayAccessor(a) => vec![a.source],
        Kind::TupleAccessor(t) => vec![t.source],
        Kind::NtupleAccessor(_) | Kind::ObjectAccessor(_) | Kind::Cast(_) => {
            return Err(unsupported(op.id, kind));
        }
        Kind::Random(()) | Kind::InputRef(_) | Kind::LiteralRef(_) | Kind::ArgRef(_) => Vec::new(),
    })
}

fn mismatch(operation: u64, reason: &'static str) -> ProgramError {
    ProgramError::TypeMismatch { operation, reason }
}

fn unsupported(id: u64, kind: &Kind) -> ProgramError {
    let what = match kind {
        Kind::NtupleAccessor(_) => "ntuple accessor",
        Kind::ObjectAccessor(_) => "object accessor",
        Kind::Cast(_) => "cast",
        _ => "operation",
    };
    ProgramError::Unsupported(format!("operation {id} ({what})"))
}
