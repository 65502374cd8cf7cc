//! The protocol count over a program's structure: a bounded forward pass over the live
//! operations of the [`mir::Program`](crate::program::mir::Program) that
//! `Program::from_mir_unvalidated` reads, with raw operations lowered in place (see the
//! module docs of [`crate::program`]). Protocol selection is in `select`, the structural
//! operations (arrays, tuples, map, reduce) in `compound`.

mod compound;
mod select;

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec;
use alloc::vec::Vec;

use super::error::{ProgramError, RawOperation};
use super::mir::{BinaryOp, Graph, NadaType, Node, NodeIndex, Operation, Program, TupleIndex};
use super::protocol::{Protocol, RuntimeRequirement};

/// Upper bound on analysis steps (operations visited, elements materialised, function
/// instances). The nodes cap programs at 50 000 instructions and 50 000 memory elements, so
/// any program they accept stays far below this.
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

/// Counts protocols, requirements and memory of a program.
pub(crate) fn analyse(program: &Program) -> Result<Counts, ProgramError> {
    let mut analyser = Analyser {
        program,
        values: Vec::new(),
        inputs: BTreeMap::new(),
        elements: BTreeMap::new(),
        adapted: BTreeSet::new(),
        counts: Counts::default(),
        steps: 0,
    };
    analyser.counts.raw_operation = program.first_raw_operation();
    for input in program.inputs() {
        let memory = analyser
            .counts
            .memory
            .saturating_add(select::slots(&input.ty));
        analyser.counts.memory = memory;
    }
    let body = analyser.run_graph(program.body(), &[], 0)?;
    for output in program.outputs() {
        let value = body
            .get(output.node)
            .copied()
            .ok_or(ProgramError::TooLarge("output outside the program body"))?;
        analyser.consume_whole(value)?;
    }
    if analyser.counts.protocols.is_empty() {
        return Err(ProgramError::NoProtocols);
    }
    Ok(analyser.counts)
}

type ValueId = usize;

/// A value in the walk: a protocol result, an input, a literal, or a structure built by `new`
/// (possibly lowered from map/zip/unzip) whose elements are other values.
#[derive(Debug)]
struct Value<'m> {
    ty: &'m NadaType,
    elements: Option<Vec<ValueId>>,
}

struct Analyser<'m> {
    program: &'m Program,
    values: Vec<Value<'m>>,
    /// One value per input, shared by every reference to it.
    inputs: BTreeMap<usize, ValueId>,
    /// Element values of opaque compound values (inputs, protocol results).
    elements: BTreeMap<(ValueId, u32), ValueId>,
    /// Compound values already materialised by `NewArray` / `NewTuple`.
    adapted: BTreeSet<ValueId>,
    counts: Counts,
    steps: u64,
}

fn mismatch(operation: u64, reason: &'static str) -> ProgramError {
    ProgramError::TypeMismatch { operation, reason }
}

impl<'m> Analyser<'m> {
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

    // A `ValueId` is only ever made by `new_value`, as the index of the value it pushes, and
    // values are never removed.
    #[allow(clippy::indexing_slicing)]
    fn value(&self, value: ValueId) -> &Value<'m> {
        &self.values[value]
    }

    fn ty(&self, value: ValueId) -> &'m NadaType {
        self.value(value).ty
    }

    fn is_share(&self, value: ValueId) -> bool {
        select::is_share(self.ty(value))
    }

    fn new_value(
        &mut self,
        ty: &'m NadaType,
        elements: Option<Vec<ValueId>>,
    ) -> Result<ValueId, ProgramError> {
        self.tick()?;
        self.values.push(Value { ty, elements });
        Ok(self.values.len() - 1)
    }

    fn emit(&mut self, protocol: Protocol, slots: u64) {
        *self.counts.protocols.entry(protocol).or_default() += 1;
        if let Some(requirement) = protocol.requirement() {
            *self.counts.requirements.entry(requirement).or_default() += 1;
        }
        self.counts.memory = self.counts.memory.saturating_add(slots);
    }

    /// The live operations of `graph` in order (operands first), as one instance with these
    /// function arguments; the value of every operation, by node index.
    fn run_graph(
        &mut self,
        graph: &'m Graph,
        args: &[ValueId],
        depth: usize,
    ) -> Result<Vec<ValueId>, ProgramError> {
        let nodes = graph.live_nodes();
        let mut done = Vec::with_capacity(nodes.len());
        for node in nodes {
            self.tick()?;
            let value = self.operation(node, &done, args, depth)?;
            done.push(value);
        }
        Ok(done)
    }

    /// One operation whose operands are in `done`: emits its protocols, returns its value.
    fn operation(
        &mut self,
        node: &'m Node,
        done: &[ValueId],
        args: &[ValueId],
        depth: usize,
    ) -> Result<ValueId, ProgramError> {
        // Operands precede their users in a graph: a miss is a cycle the decoder missed.
        let value = |index: NodeIndex| done.get(index).copied().ok_or(ProgramError::Cycle(node.id));
        match &node.op {
            Operation::Input(input) => self.input(*input, node),
            Operation::Literal(_) => self.new_value(&node.ty, None),
            Operation::Argument(index) => args
                .get(*index)
                .copied()
                .ok_or_else(|| mismatch(node.id, "argument outside its function")),
            Operation::Random => {
                let protocol = select::random(&node.ty)
                    .ok_or_else(|| mismatch(node.id, "random of a compound type"))?;
                self.emit(protocol, 1);
                self.new_value(&node.ty, None)
            }
            Operation::Unary { op, operand } => {
                let operand = value(*operand)?;
                match select::unary(*op) {
                    Some(protocol) => self.scalar(node, &[protocol]),
                    None => self.unzip(node, operand),
                }
            }
            Operation::Binary {
                op: BinaryOp::Zip,
                left,
                right,
            } => self.zip(node, value(*left)?, value(*right)?),
            Operation::Binary { op, left, right } => {
                let (left, right) = (value(*left)?, value(*right)?);
                if *op == BinaryOp::InnerProduct {
                    self.consume_whole(left)?;
                    self.consume_whole(right)?;
                }
                let protocols = select::binary(*op, self.is_share(left), self.is_share(right));
                self.scalar(node, &protocols)
            }
            Operation::IfElse {
                cond,
                first,
                second,
            } => {
                let protocol = select::if_else(
                    self.is_share(value(*cond)?),
                    self.is_share(value(*first)?),
                    self.is_share(value(*second)?),
                );
                self.scalar(node, &[protocol])
            }
            Operation::New(elements) => {
                let elements = elements
                    .iter()
                    .map(|e| value(*e))
                    .collect::<Result<_, _>>()?;
                self.new_compound(node, elements)
            }
            Operation::ArrayAccess { source, index } => {
                self.access(node, value(*source)?, *index, true)
            }
            Operation::TupleAccess { source, index } => {
                let index = u32::from(*index == TupleIndex::Right);
                self.access(node, value(*source)?, index, false)
            }
            Operation::Map { function, array } => self.map(node, *function, value(*array)?, depth),
            Operation::Reduce {
                function,
                array,
                initial,
            } => self.reduce(node, *function, value(*array)?, value(*initial)?, depth),
        }
    }

    /// An operation that runs `protocols` and yields an opaque value of its type.
    fn scalar(&mut self, node: &'m Node, protocols: &[Protocol]) -> Result<ValueId, ProgramError> {
        for protocol in protocols {
            self.emit(*protocol, 1);
        }
        self.new_value(&node.ty, None)
    }

    /// An input reference: one value per input, shared by every reference to it.
    fn input(&mut self, input: usize, node: &'m Node) -> Result<ValueId, ProgramError> {
        if let Some(value) = self.inputs.get(&input) {
            return Ok(*value);
        }
        let value = self.new_value(&node.ty, None)?;
        self.inputs.insert(input, value);
        Ok(value)
    }

    /// A compound value used as a whole (an output, an `inner_product` operand, an element of
    /// such a value) is materialised by one `NewArray`/`NewTuple` protocol, once per value.
    fn consume_whole(&mut self, value: ValueId) -> Result<(), ProgramError> {
        let mut pending = vec![value];
        while let Some(value) = pending.pop() {
            self.tick()?;
            let ty = self.ty(value);
            let protocol = match ty {
                NadaType::Array { .. } => Protocol::NewArray,
                NadaType::Tuple { .. } => Protocol::NewTuple,
                _ => continue,
            };
            if !self.adapted.insert(value) {
                continue;
            }
            self.emit(protocol, select::slots(ty));
            if let Some(elements) = &self.value(value).elements {
                let compound = elements
                    .iter()
                    .copied()
                    .filter(|e| select::is_compound(self.ty(*e)));
                pending.extend(compound);
                continue;
            }
            match ty {
                NadaType::Array { element, size } if select::is_compound(element) => {
                    self.reserve(*size)?;
                    for index in 0..*size {
                        pending.push(self.element(value, index, 0)?);
                    }
                }
                NadaType::Tuple { left, right } => {
                    for (index, ty) in [(0, left), (1, right)] {
                        if select::is_compound(ty) {
                            pending.push(self.element(value, index, 0)?);
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}
