//! The rewrite itself: a work list of raw operations over the program body, in ascending id
//! order, with inlined function bodies appended as they appear.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use nilvm_proto::nillion::nada::mir::v1::{NadaFunction, OperationMapEntry, ProgramMir};
use nilvm_proto::nillion::nada::operations::v1 as ops;
use nilvm_proto::nillion::nada::types::v1::{NadaType, Tuple, nada_type};
use ops::BinaryOperationVariant as B;
use ops::UnaryOperationVariant as U;
use ops::operation::Operation as Kind;

use super::{LowerError, MAX_LOWERED_OPERATIONS};

/// The operands of an operation, mutable, in a fixed order.
fn operands_mut(kind: &mut Kind) -> Vec<&mut u64> {
    match kind {
        Kind::Binary(b) => vec![&mut b.left, &mut b.right],
        Kind::Unary(u) => vec![&mut u.this],
        Kind::Ifelse(i) => vec![&mut i.cond, &mut i.first, &mut i.second],
        Kind::Map(m) => vec![&mut m.child],
        Kind::Reduce(r) => vec![&mut r.child, &mut r.initial],
        Kind::New(n) => n.elements.iter_mut().collect(),
        Kind::ArrayAccessor(a) => vec![&mut a.source],
        Kind::TupleAccessor(t) => vec![&mut t.source],
        Kind::NtupleAccessor(t) => vec![&mut t.source],
        Kind::ObjectAccessor(o) => vec![&mut o.source],
        Kind::Cast(c) => vec![&mut c.target],
        Kind::Random(()) | Kind::InputRef(_) | Kind::LiteralRef(_) | Kind::ArgRef(_) => Vec::new(),
    }
}

/// Whether the nodes refuse this operation kind (the ones [`Lowerer`] rewrites).
fn is_raw(kind: &Kind) -> bool {
    match kind {
        Kind::Binary(b) => matches!(
            B::try_from(b.variant),
            Ok(B::LessEq
                | B::GreaterThan
                | B::GreaterEq
                | B::NotEquals
                | B::BoolAnd
                | B::BoolOr
                | B::BoolXor
                | B::Zip)
        ),
        Kind::Unary(u) => u.variant == U::Unzip as i32,
        Kind::Map(_) | Kind::Reduce(_) => true,
        _ => false,
    }
}

fn is_inner_product(kind: &Kind) -> bool {
    matches!(kind, Kind::Binary(b) if b.variant == B::InnerProduct as i32)
}

/// The body's `inner_product` operations that read an array other than an input: the nodes
/// can fail to run them (see [`super`]), so [`Lowerer`] expands them.
pub(super) fn inner_products_over_computed_arrays(mir: &ProgramMir) -> Vec<u64> {
    let input_refs: alloc::collections::BTreeSet<u64> = mir
        .operations
        .iter()
        .filter_map(|e| e.operation.as_ref())
        .filter(|op| matches!(op.operation, Some(Kind::InputRef(_))))
        .map(|op| op.id)
        .collect();
    mir.operations
        .iter()
        .filter_map(|e| e.operation.as_ref())
        .filter_map(|op| match &op.operation {
            Some(Kind::Binary(b)) if b.variant == B::InnerProduct as i32 => {
                let computed = !input_refs.contains(&b.left) || !input_refs.contains(&b.right);
                computed.then_some(op.id)
            }
            _ => None,
        })
        .collect()
}

fn binary(variant: B, left: u64, right: u64) -> Kind {
    Kind::Binary(ops::BinaryOperation {
        variant: variant as i32,
        left,
        right,
    })
}

fn not(this: u64) -> Kind {
    Kind::Unary(ops::UnaryOperation {
        variant: U::Not as i32,
        this,
    })
}

/// Element type and size of an array type.
fn array_parts(ty: &NadaType) -> Option<(NadaType, u32)> {
    match ty.nada_type.as_ref()? {
        nada_type::NadaType::Array(array) => {
            Some(((**array.contained_type.as_ref()?).clone(), array.size))
        }
        _ => None,
    }
}

/// Left and right types of a tuple type.
fn tuple_parts(ty: &NadaType) -> Option<(NadaType, NadaType)> {
    match ty.nada_type.as_ref()? {
        nada_type::NadaType::Tuple(tuple) => Some((
            (**tuple.left.as_ref()?).clone(),
            (**tuple.right.as_ref()?).clone(),
        )),
        _ => None,
    }
}

fn tuple_type(left: NadaType, right: NadaType) -> NadaType {
    NadaType {
        nada_type: Some(nada_type::NadaType::Tuple(alloc::boxed::Box::new(Tuple {
            left: Some(alloc::boxed::Box::new(left)),
            right: Some(alloc::boxed::Box::new(right)),
        }))),
    }
}

/// A raw operation being rewritten: its id, result type and source reference, which every
/// operation it turns into inherits.
struct Site {
    id: u64,
    ty: NadaType,
    source_ref_index: u64,
}

/// Lowering state over one program.
pub(super) struct Lowerer<'a> {
    mir: &'a ProgramMir,
    functions: BTreeMap<u64, &'a NadaFunction>,
    body: BTreeMap<u64, ops::Operation>,
    /// Ids that ended up naming another operation's value (a function returning its argument,
    /// a reduce over an empty array); resolved in every operand and output at the end.
    aliases: BTreeMap<u64, u64>,
    input_refs: BTreeMap<String, u64>,
    literal_refs: BTreeMap<String, u64>,
    work: VecDeque<u64>,
    next_id: u64,
}

impl<'a> Lowerer<'a> {
    /// Indexes a program already checked by [`crate::Program::from_mir`].
    pub(super) fn new(mir: &'a ProgramMir) -> Result<Self, LowerError> {
        let mut body = BTreeMap::new();
        let mut input_refs = BTreeMap::new();
        let mut literal_refs = BTreeMap::new();
        let mut last = 0u64;
        for entry in &mir.operations {
            let Some(operation) = entry.operation.clone() else {
                continue;
            };
            last = last.max(operation.id);
            match &operation.operation {
                Some(Kind::InputRef(r)) => {
                    input_refs
                        .entry(r.refers_to.clone())
                        .or_insert(operation.id);
                }
                Some(Kind::LiteralRef(r)) => {
                    literal_refs
                        .entry(r.refers_to.clone())
                        .or_insert(operation.id);
                }
                _ => {}
            }
            body.insert(operation.id, operation);
        }
        let mut functions = BTreeMap::new();
        for function in &mir.functions {
            last = last.max(function.id);
            for entry in &function.operations {
                last = last.max(entry.id);
            }
            functions.insert(function.id, function);
        }
        let work = body
            .iter()
            .filter(|(_, op)| {
                op.operation
                    .as_ref()
                    .is_some_and(|k| is_raw(k) || is_inner_product(k))
            })
            .map(|(id, _)| *id)
            .collect();
        Ok(Self {
            mir,
            functions,
            body,
            aliases: BTreeMap::new(),
            input_refs,
            literal_refs,
            work,
            next_id: last
                .checked_add(1)
                .ok_or(LowerError::IdsExhausted { last })?,
        })
    }

    /// Rewrites every raw operation and returns the lowered program.
    pub(super) fn run(mut self) -> Result<ProgramMir, LowerError> {
        while let Some(id) = self.work.pop_front() {
            let Some(operation) = self.body.remove(&id) else {
                continue;
            };
            self.rewrite(operation)?;
        }
        Ok(self.finish())
    }

    fn fresh_id(&mut self) -> Result<u64, LowerError> {
        if self.body.len() >= MAX_LOWERED_OPERATIONS {
            return Err(LowerError::TooLarge {
                max: MAX_LOWERED_OPERATIONS,
            });
        }
        let id = self.next_id;
        self.next_id = id
            .checked_add(1)
            .ok_or(LowerError::IdsExhausted { last: id })?;
        Ok(id)
    }

    /// Adds an operation to the body (queued for rewriting when it is raw or an inner product).
    fn put(&mut self, id: u64, ty: NadaType, source_ref_index: u64, kind: Kind) {
        if is_raw(&kind) || is_inner_product(&kind) {
            self.work.push_back(id);
        }
        self.insert(id, ty, source_ref_index, kind);
    }

    /// Adds an operation to the body as it is, never queued.
    fn insert(&mut self, id: u64, ty: NadaType, source_ref_index: u64, kind: Kind) {
        self.body.insert(
            id,
            ops::Operation {
                id,
                r#type: Some(ty),
                source_ref_index,
                operation: Some(kind),
            },
        );
    }

    /// Adds a new operation inheriting the site's source reference; returns its id.
    fn emit(&mut self, site: &Site, ty: NadaType, kind: Kind) -> Result<u64, LowerError> {
        let id = self.fresh_id()?;
        self.put(id, ty, site.source_ref_index, kind);
        Ok(id)
    }

    /// The final operation of a rewrite: keeps the raw operation's id and type.
    fn keep(&mut self, site: &Site, kind: Kind) {
        self.put(site.id, site.ty.clone(), site.source_ref_index, kind);
    }

    fn rewrite(&mut self, operation: ops::Operation) -> Result<(), LowerError> {
        let site = Site {
            id: operation.id,
            ty: operation.r#type.unwrap_or_default(),
            source_ref_index: operation.source_ref_index,
        };
        match operation.operation {
            Some(Kind::Binary(b)) => self.rewrite_binary(&site, b),
            Some(Kind::Unary(u)) if u.variant == U::Unzip as i32 => self.unzip(&site, u.this),
            Some(Kind::Map(m)) => self.map(&site, m),
            Some(Kind::Reduce(r)) => self.reduce(&site, r),
            // Only raw operations are queued.
            other => {
                if let Some(kind) = other {
                    self.keep(&site, kind);
                }
                Ok(())
            }
        }
    }

    fn rewrite_binary(&mut self, site: &Site, b: ops::BinaryOperation) -> Result<(), LowerError> {
        let (l, r) = (b.left, b.right);
        let ty = site.ty.clone();
        let kind = match B::try_from(b.variant) {
            Ok(B::GreaterThan) => binary(B::LessThan, r, l),
            Ok(B::GreaterEq) => not(self.emit(site, ty, binary(B::LessThan, l, r))?),
            Ok(B::LessEq) => not(self.emit(site, ty, binary(B::LessThan, r, l))?),
            Ok(B::NotEquals) => not(self.emit(site, ty, binary(B::Equals, l, r))?),
            Ok(B::BoolAnd) => binary(B::Multiplication, l, r),
            Ok(B::BoolOr) => {
                let sum = self.emit(site, ty.clone(), binary(B::Addition, l, r))?;
                let product = self.emit(site, ty, binary(B::Multiplication, l, r))?;
                binary(B::Subtraction, sum, product)
            }
            Ok(B::BoolXor) => {
                let sum = self.emit(site, ty.clone(), binary(B::Addition, l, r))?;
                let product = self.emit(site, ty.clone(), binary(B::Multiplication, l, r))?;
                let twice = self.emit(site, ty, binary(B::Addition, product, product))?;
                binary(B::Subtraction, sum, twice)
            }
            Ok(B::Zip) => return self.zip(site, l, r),
            Ok(B::InnerProduct) => return self.inner_product(site, b),
            _ => Kind::Binary(b),
        };
        self.keep(site, kind);
        Ok(())
    }

    /// Keeps an inner product of two input arrays; expands any other into
    /// `l[0] * r[0] + l[1] * r[1] + …` (the nodes can fail to read a computed array whole).
    fn inner_product(&mut self, site: &Site, b: ops::BinaryOperation) -> Result<(), LowerError> {
        let is_input = |id: u64| {
            matches!(
                self.body
                    .get(&self.resolve(id))
                    .and_then(|op| op.operation.as_ref()),
                Some(Kind::InputRef(_))
            )
        };
        let size = |id: u64| self.type_of(id).and_then(array_parts).map(|(_, n)| n);
        if (is_input(b.left) && is_input(b.right)) || size(b.left) == Some(0) {
            self.insert(
                site.id,
                site.ty.clone(),
                site.source_ref_index,
                Kind::Binary(b),
            );
            return Ok(());
        }
        let (lefts, _) = self.accessors(site, "inner_product", b.left)?;
        let (rights, _) = self.accessors(site, "inner_product", b.right)?;
        if lefts.len() != rights.len() {
            return Err(LowerError::ExpectedArray {
                id: site.id,
                operation: "inner_product",
                expected: "two arrays of the same size",
            });
        }
        let Some(last) = lefts.len().checked_sub(1) else {
            // Unreachable: empty arrays are kept above.
            return Ok(());
        };
        let mut sum = None;
        for (i, (l, r)) in lefts.into_iter().zip(rights).enumerate() {
            let product = binary(B::Multiplication, l, r);
            let kind = match sum {
                None if i == last => product,
                None => {
                    sum = Some(self.emit(site, site.ty.clone(), product)?);
                    continue;
                }
                Some(acc) => {
                    let product = self.emit(site, site.ty.clone(), product)?;
                    binary(B::Addition, acc, product)
                }
            };
            if i == last {
                self.keep(site, kind);
            } else {
                sum = Some(self.emit(site, site.ty.clone(), kind)?);
            }
        }
        Ok(())
    }

    /// The type of a body operation (following aliases).
    fn type_of(&self, id: u64) -> Option<&NadaType> {
        self.body.get(&self.resolve(id))?.r#type.as_ref()
    }

    /// One accessor per element of the array `source`: their ids and the element type.
    fn accessors(
        &mut self,
        site: &Site,
        operation: &'static str,
        source: u64,
    ) -> Result<(Vec<u64>, NadaType), LowerError> {
        let (element, size) =
            self.type_of(source)
                .and_then(array_parts)
                .ok_or(LowerError::ExpectedArray {
                    id: site.id,
                    operation,
                    expected: "an array operand",
                })?;
        let source = self.resolve(source);
        let mut ids = Vec::with_capacity(size as usize);
        for index in 0..size {
            let kind = Kind::ArrayAccessor(ops::ArrayAccessor { index, source });
            ids.push(self.emit(site, element.clone(), kind)?);
        }
        Ok((ids, element))
    }

    fn zip(&mut self, site: &Site, left: u64, right: u64) -> Result<(), LowerError> {
        let (lefts, left_ty) = self.accessors(site, "zip", left)?;
        let (rights, right_ty) = self.accessors(site, "zip", right)?;
        let mut pairs = Vec::with_capacity(lefts.len());
        for (l, r) in lefts.into_iter().zip(rights) {
            let ty = tuple_type(left_ty.clone(), right_ty.clone());
            pairs.push(self.emit(
                site,
                ty,
                Kind::New(ops::NewOperation {
                    elements: vec![l, r],
                }),
            )?);
        }
        self.keep(site, Kind::New(ops::NewOperation { elements: pairs }));
        Ok(())
    }

    fn unzip(&mut self, site: &Site, source: u64) -> Result<(), LowerError> {
        let arrays = tuple_parts(&site.ty)
            .and_then(|(l, r)| Some((l.clone(), array_parts(&l)?, r.clone(), array_parts(&r)?)));
        let Some((left_ty, (left_elem, _), right_ty, (right_elem, _))) = arrays else {
            return Err(LowerError::ExpectedArray {
                id: site.id,
                operation: "unzip",
                expected: "a tuple of arrays as its result type",
            });
        };
        let (pairs, _) = self.accessors(site, "unzip", source)?;
        let mut lefts = Vec::with_capacity(pairs.len());
        let mut rights = Vec::with_capacity(pairs.len());
        for pair in pairs {
            for (side, ty, out) in [
                (ops::TupleIndex::Left, &left_elem, &mut lefts),
                (ops::TupleIndex::Right, &right_elem, &mut rights),
            ] {
                let kind = Kind::TupleAccessor(ops::TupleAccessor {
                    index: side as i32,
                    source: pair,
                });
                out.push(self.emit(site, ty.clone(), kind)?);
            }
        }
        let left = self.emit(
            site,
            left_ty,
            Kind::New(ops::NewOperation { elements: lefts }),
        )?;
        let right = self.emit(
            site,
            right_ty,
            Kind::New(ops::NewOperation { elements: rights }),
        )?;
        self.keep(
            site,
            Kind::New(ops::NewOperation {
                elements: vec![left, right],
            }),
        );
        Ok(())
    }

    fn map(&mut self, site: &Site, m: ops::MapOperation) -> Result<(), LowerError> {
        let (elements, _) = self.accessors(site, "map", m.child)?;
        let mut results = Vec::with_capacity(elements.len());
        for element in elements {
            results.push(self.inline(m.r#fn, &[element], None)?);
        }
        self.keep(site, Kind::New(ops::NewOperation { elements: results }));
        Ok(())
    }

    fn reduce(&mut self, site: &Site, r: ops::ReduceOperation) -> Result<(), LowerError> {
        let (elements, _) = self.accessors(site, "reduce", r.child)?;
        let mut accumulator = r.initial;
        let last = elements.len().checked_sub(1);
        for (i, element) in elements.into_iter().enumerate() {
            let result = (Some(i) == last).then_some(site.id);
            accumulator = self.inline(r.r#fn, &[accumulator, element], result)?;
        }
        if last.is_none() {
            // Folding nothing gives the initial value.
            self.aliases.insert(site.id, accumulator);
        }
        Ok(())
    }

    /// The body's `input_ref` for an input, created once when only a function used it.
    fn shared_ref(&mut self, input: bool, name: &str, ty: NadaType) -> Result<u64, LowerError> {
        let table = if input {
            &self.input_refs
        } else {
            &self.literal_refs
        };
        if let Some(id) = table.get(name) {
            return Ok(*id);
        }
        let id = self.fresh_id()?;
        let kind = if input {
            self.input_refs.insert(String::from(name), id);
            Kind::InputRef(ops::InputReference {
                refers_to: String::from(name),
            })
        } else {
            self.literal_refs.insert(String::from(name), id);
            Kind::LiteralRef(ops::LiteralReference {
                refers_to: String::from(name),
            })
        };
        self.put(id, ty, 0, kind);
        Ok(id)
    }

    /// Copies a function body into the program with `args` for its parameters; returns the id
    /// of the call's value. With `result`, the returned operation takes that id.
    fn inline(
        &mut self,
        function: u64,
        args: &[u64],
        result: Option<u64>,
    ) -> Result<u64, LowerError> {
        let Some(function) = self.functions.get(&function).copied() else {
            // Program::from_mir has resolved every function id.
            return Err(LowerError::Invalid(crate::ProgramError::UnknownFunction {
                id: function,
            }));
        };
        let mut table: Vec<&ops::Operation> = function
            .operations
            .iter()
            .filter_map(|e| e.operation.as_ref())
            .collect();
        table.sort_by_key(|op| op.id);
        // Old id -> new id, for every operation of the body.
        let mut renamed = BTreeMap::new();
        let mut copies = Vec::new();
        for op in &table {
            let ty = op.r#type.clone().unwrap_or_default();
            let new_id = match &op.operation {
                Some(Kind::ArgRef(arg)) => {
                    let position = function.args.iter().position(|a| a.name == arg.refers_to);
                    match position.and_then(|p| args.get(p)) {
                        Some(id) => *id,
                        None => {
                            return Err(LowerError::Invalid(crate::ProgramError::UnknownName {
                                kind: "function argument",
                                name: arg.refers_to.clone(),
                            }));
                        }
                    }
                }
                Some(Kind::InputRef(r)) => self.shared_ref(true, &r.refers_to, ty)?,
                Some(Kind::LiteralRef(r)) => self.shared_ref(false, &r.refers_to, ty)?,
                _ => {
                    let id = match result {
                        Some(id) if op.id == function.return_operation_id => id,
                        _ => self.fresh_id()?,
                    };
                    copies.push((id, *op));
                    id
                }
            };
            renamed.insert(op.id, new_id);
        }
        for (id, op) in copies {
            let mut kind = op.operation.clone().unwrap_or(Kind::Random(()));
            for operand in operands_mut(&mut kind) {
                if let Some(new) = renamed.get(operand) {
                    *operand = *new;
                }
            }
            let ty = op.r#type.clone().unwrap_or_default();
            self.put(id, ty, op.source_ref_index, kind);
        }
        let value = *renamed
            .get(&function.return_operation_id)
            .ok_or(LowerError::Invalid(crate::ProgramError::DanglingOperand {
                operand: function.return_operation_id,
            }))?;
        match result {
            Some(id) if id != value => {
                self.aliases.insert(id, value);
                Ok(id)
            }
            _ => Ok(value),
        }
    }

    fn resolve(&self, mut id: u64) -> u64 {
        // Aliases never form a cycle (each points at an existing or earlier value); the bound
        // only guards against a bug turning into a hang.
        for _ in 0..=self.aliases.len() {
            match self.aliases.get(&id) {
                Some(next) => id = *next,
                None => break,
            }
        }
        id
    }

    fn finish(mut self) -> ProgramMir {
        let mut body = core::mem::take(&mut self.body);
        for operation in body.values_mut() {
            if let Some(kind) = operation.operation.as_mut() {
                for operand in operands_mut(kind) {
                    *operand = self.resolve(*operand);
                }
            }
        }
        let mut mir = self.mir.clone();
        for output in &mut mir.outputs {
            output.operation_id = self.resolve(output.operation_id);
        }
        mir.operations = body
            .into_values()
            .map(|operation| OperationMapEntry {
                id: operation.id,
                operation: Some(operation),
            })
            .collect();
        mir
    }
}
