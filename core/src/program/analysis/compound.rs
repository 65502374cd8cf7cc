//! The structural operations: elements of arrays and tuples, `new`, the raw `zip` / `unzip`
//! (no protocol of their own) and the raw `map` / `reduce`, inlined one function instance per
//! element as the preprocessor does (docs/nada.md §5).

use alloc::vec;
use alloc::vec::Vec;

use super::{Analyser, MAX_FUNCTION_DEPTH, ValueId, mismatch};
use crate::program::error::ProgramError;
use crate::program::mir::{Function, NadaType, Node};

impl<'m> Analyser<'m> {
    /// Element `index` of a compound value: the `new` operand, or an element value of an
    /// input (or other opaque compound value).
    pub(super) fn element(
        &mut self,
        value: ValueId,
        index: u32,
        operation: u64,
    ) -> Result<ValueId, ProgramError> {
        let (element_ty, len) = match self.ty(value) {
            NadaType::Array { element, size } => (&**element, *size),
            NadaType::Tuple { left, right } => (if index == 0 { &**left } else { &**right }, 2),
            _ => {
                let reason = "element access on a value that is not an array or tuple";
                return Err(mismatch(operation, reason));
            }
        };
        let out_of_bounds = || mismatch(operation, "element index out of bounds");
        if index >= len {
            return Err(out_of_bounds());
        }
        if let Some(elements) = &self.value(value).elements {
            let i = usize::try_from(index).map_err(|_| out_of_bounds())?;
            return elements.get(i).copied().ok_or_else(out_of_bounds);
        }
        if let Some(existing) = self.elements.get(&(value, index)) {
            return Ok(*existing);
        }
        let element = self.new_value(element_ty, None)?;
        self.elements.insert((value, index), element);
        Ok(element)
    }

    /// An array accessor (`array`) or a tuple accessor.
    pub(super) fn access(
        &mut self,
        node: &Node,
        source: ValueId,
        index: u32,
        array: bool,
    ) -> Result<ValueId, ProgramError> {
        match (self.ty(source), array) {
            (NadaType::Array { .. }, true) | (NadaType::Tuple { .. }, false) => {
                self.element(source, index, node.id)
            }
            (_, true) => Err(mismatch(
                node.id,
                "array accessor on a value that is not an array",
            )),
            (_, false) => Err(mismatch(
                node.id,
                "tuple accessor on a value that is not a tuple",
            )),
        }
    }

    /// `new` of an array or tuple: as many elements as its type says.
    pub(super) fn new_compound(
        &mut self,
        node: &'m Node,
        elements: Vec<ValueId>,
    ) -> Result<ValueId, ProgramError> {
        let expected = match &node.ty {
            NadaType::Array { size, .. } => usize::try_from(*size).unwrap_or(usize::MAX),
            NadaType::Tuple { .. } => 2,
            _ => {
                let reason = "'new' of a type that is not an array or tuple";
                return Err(mismatch(node.id, reason));
            }
        };
        if elements.len() != expected {
            let reason = "'new' has a different number of elements than its type";
            return Err(mismatch(node.id, reason));
        }
        self.new_value(&node.ty, Some(elements))
    }

    /// `zip` = new array of new tuples `(left[i], right[i])`.
    pub(super) fn zip(
        &mut self,
        node: &'m Node,
        left: ValueId,
        right: ValueId,
    ) -> Result<ValueId, ProgramError> {
        let (
            NadaType::Array { element, size },
            NadaType::Array { size: l, .. },
            NadaType::Array { size: r, .. },
        ) = (&node.ty, self.ty(left), self.ty(right))
        else {
            return Err(mismatch(node.id, "zip of values that are not arrays"));
        };
        if l != size || r != size || !matches!(**element, NadaType::Tuple { .. }) {
            return Err(mismatch(
                node.id,
                "zip result type does not match its operands",
            ));
        }
        self.reserve(*size)?;
        let mut tuples = Vec::new();
        for index in 0..*size {
            let a = self.element(left, index, node.id)?;
            let b = self.element(right, index, node.id)?;
            tuples.push(self.new_value(element, Some(vec![a, b]))?);
        }
        self.new_value(&node.ty, Some(tuples))
    }

    /// `unzip` = new tuple of two new arrays of the tuples' left and right elements.
    pub(super) fn unzip(
        &mut self,
        node: &'m Node,
        zipped: ValueId,
    ) -> Result<ValueId, ProgramError> {
        let NadaType::Tuple { left, right } = &node.ty else {
            return Err(mismatch(node.id, "unzip result type is not a tuple"));
        };
        let not_pairs = || mismatch(node.id, "unzip of a value that is not an array of tuples");
        let (
            NadaType::Array { size, .. },
            NadaType::Array { size: l, .. },
            NadaType::Array { size: r, .. },
        ) = (self.ty(zipped), &**left, &**right)
        else {
            return Err(not_pairs());
        };
        if l != size || r != size {
            return Err(mismatch(
                node.id,
                "unzip result type does not match its operand",
            ));
        }
        self.reserve(*size)?;
        let (mut lefts, mut rights) = (Vec::new(), Vec::new());
        for index in 0..*size {
            let tuple = self.element(zipped, index, node.id)?;
            if !matches!(self.ty(tuple), NadaType::Tuple { .. }) {
                return Err(not_pairs());
            }
            lefts.push(self.element(tuple, 0, node.id)?);
            rights.push(self.element(tuple, 1, node.id)?);
        }
        let left = self.new_value(left, Some(lefts))?;
        let right = self.new_value(right, Some(rights))?;
        self.new_value(&node.ty, Some(vec![left, right]))
    }

    /// `map`: one inlined instance of the function per element.
    pub(super) fn map(
        &mut self,
        node: &'m Node,
        function: usize,
        array: ValueId,
        depth: usize,
    ) -> Result<ValueId, ProgramError> {
        let function = self.function(node.id, function, 1)?;
        let NadaType::Array { size, .. } = self.ty(array) else {
            return Err(mismatch(node.id, "map over a value that is not an array"));
        };
        self.reserve(*size)?;
        let mut elements = Vec::new();
        for index in 0..*size {
            let element = self.element(array, index, node.id)?;
            elements.push(self.call(function, &[element], depth)?);
        }
        match &node.ty {
            NadaType::Array { size: result, .. } if result == size => {}
            _ => {
                let reason = "map result type is not an array of the input's size";
                return Err(mismatch(node.id, reason));
            }
        }
        self.new_value(&node.ty, Some(elements))
    }

    /// `reduce`: one inlined call per element, from the left.
    pub(super) fn reduce(
        &mut self,
        node: &'m Node,
        function: usize,
        array: ValueId,
        initial: ValueId,
        depth: usize,
    ) -> Result<ValueId, ProgramError> {
        let function = self.function(node.id, function, 2)?;
        let NadaType::Array { size, .. } = self.ty(array) else {
            return Err(mismatch(
                node.id,
                "reduce over a value that is not an array",
            ));
        };
        self.reserve(*size)?;
        let mut acc = initial;
        for index in 0..*size {
            let element = self.element(array, index, node.id)?;
            acc = self.call(function, &[acc, element], depth)?;
        }
        Ok(acc)
    }

    /// The value of one inlined call; nesting is bounded by [`MAX_FUNCTION_DEPTH`].
    fn call(
        &mut self,
        function: &'m Function,
        args: &[ValueId],
        depth: usize,
    ) -> Result<ValueId, ProgramError> {
        self.tick()?;
        let depth = depth + 1;
        if depth > MAX_FUNCTION_DEPTH {
            return Err(ProgramError::TooLarge(
                "map/reduce functions nested too deeply",
            ));
        }
        let done = self.run_graph(&function.body, args, depth)?;
        done.get(function.result)
            .copied()
            .ok_or(ProgramError::TooLarge("function result outside its body"))
    }

    fn function(
        &self,
        operation: u64,
        index: usize,
        arity: usize,
    ) -> Result<&'m Function, ProgramError> {
        let function =
            self.program
                .functions()
                .get(index)
                .ok_or(ProgramError::UnknownFunction {
                    operation,
                    function: index as u64,
                })?;
        if function.args.len() != arity {
            let reason = "function has the wrong number of arguments for map/reduce";
            return Err(mismatch(operation, reason));
        }
        Ok(function)
    }
}
