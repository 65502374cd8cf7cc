//! Lowering raw MIR to the form the nodes accept (the official preprocessor's rewrites; its
//! real output for three programs is in `testdata/programs/*.preprocessed.nada.bin`), without
//! the official build tool.
//!
//! `python -m nada_dsl.compile` writes raw MIR; nodes refuse `>`, `>=`, `<=`, `!=`, boolean
//! `& | ^`, `map`, `reduce`, `zip` and `unzip`. [`lower`] rewrites them into operations the
//! nodes run:
//!
//! | raw | lowered (the last operation keeps the raw operation's id) |
//! |---|---|
//! | `a > b` | `b < a` |
//! | `a >= b` | `not(a < b)` |
//! | `a <= b` | `not(b < a)` |
//! | `a != b` | `not(a == b)` |
//! | `a & b` | `a * b` |
//! | `a \| b` | `(a + b) - a * b` |
//! | `a ^ b` | `(a + b) - (m + m)`, `m = a * b` |
//! | `xs.map(f)` | `new [f(xs[0]), …]`, `f` inlined |
//! | `xs.reduce(f, i)` | `f(…f(f(i, xs[0]), xs[1])…)`, inlined |
//! | `xs.zip(ys)` | `new [new (xs[0], ys[0]), …]` |
//! | `unzip(zs)` | `new (new [zs[0].left, …], new [zs[0].right, …])` |
//! | `xs.inner_product(ys)`, `xs` or `ys` not an input | `xs[0] * ys[0] + xs[1] * ys[1] + …` |
//!
//! The last rewrite works around how the nodes run programs: an inner product reads its
//! operands as whole arrays, and an array that is not an input (a `new`, as every `map` becomes)
//! is then assembled at run time by an instruction that *inserts* its header into the node's
//! memory, shifting every later memory cell by one. When that array is computed after some
//! later-placed array was already assembled (an input array's copy is assembled first), the
//! later array's cells move and reading it fails with "illegal memory access". Reading the
//! elements one by one needs no assembly, so the expansion runs; an inner product of two inputs
//! is kept. Outputs are assembled last, after every operation, and are not affected.
//!
//! Everything else is kept as it is: parties, inputs, literals, outputs, source files and
//! references, and the `functions` table (nothing refers to it afterwards, as in the official
//! output). New operation ids continue after the largest id the program uses.
//!
//! Unlike the official tool the output is **deterministic**: raw operations are rewritten in
//! ascending id order, new ids are handed out in that order, and the operation table is written
//! sorted by id, so the same input always gives the same bytes (and the same program id).
//! Lowering MIR that has no raw operation and no inner product over a computed array returns it
//! unchanged, so lowering is idempotent.
//!
//! Inlined function bodies share the program's operations for inputs and literals (one
//! `input_ref` per input, as the nodes require; one `literal_ref` per literal).

mod rewrite;

use alloc::borrow::Cow;
use alloc::string::ToString;
use alloc::vec::Vec;

use nilvm_proto::Message;
use nilvm_proto::nillion::nada::mir::v1::ProgramMir;

use crate::error::ProgramError;
use crate::program::Program;

/// The most operations a lowered program may have. The nodes cap programs at 50 000
/// instructions, so any program they would run stays far below this.
pub const MAX_LOWERED_OPERATIONS: usize = 1 << 20;

/// Why a program could not be lowered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LowerError {
    /// The bytes are not a valid program (decoding, names, types, cycles …).
    #[error("invalid program: {0}")]
    Invalid(#[source] ProgramError),
    /// An operation that needs an array (map, reduce, zip, unzip) got another type.
    #[error("operation {id}: {operation} needs {expected}")]
    ExpectedArray {
        /// The raw operation's id.
        id: u64,
        /// Its MIR name.
        operation: &'static str,
        /// What it needs.
        expected: &'static str,
    },
    /// Inlining would produce more operations than [`MAX_LOWERED_OPERATIONS`].
    #[error("the lowered program would have more than {max} operations")]
    TooLarge {
        /// The bound.
        max: usize,
    },
    /// The program's ids leave no room for new operation ids.
    #[error("no operation ids left after {last}")]
    IdsExhausted {
        /// The largest id.
        last: u64,
    },
    /// The lowered program failed validation: a bug in the lowering, reported instead of
    /// handing the nodes a program they would refuse.
    #[error("the lowered program is invalid: {0}")]
    Output(#[source] ProgramError),
}

/// The result of [`lower_bytes`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lowered<'a> {
    /// The program bytes the nodes accept: the input itself when it needed no lowering.
    pub bytes: Cow<'a, [u8]>,
    /// The raw operations that were rewritten (MIR id and name), in id order; empty when the
    /// input was already in the nodes' form.
    pub rewritten: Vec<(u64, &'static str)>,
}

impl Lowered<'_> {
    /// Whether the input had raw operations (and `bytes` is a new encoding).
    pub fn changed(&self) -> bool {
        !self.rewritten.is_empty()
    }
}

/// Lowers a decoded MIR. A program without raw operations is returned unchanged.
///
/// ```
/// let raw = std::fs::read(concat!(
///     env!("CARGO_MANIFEST_DIR"),
///     "/../testdata/programs/compare_select.nada.bin"
/// ))?;
/// let lowered = nilvm_nada::lower_bytes(&raw)?;
/// assert!(lowered.changed());
/// let program = nilvm_nada::Program::decode(&lowered.bytes)?;
/// assert!(program.is_preprocessed());
/// // Lowering is deterministic and idempotent.
/// assert_eq!(nilvm_nada::lower_bytes(&raw)?.bytes, lowered.bytes);
/// assert_eq!(nilvm_nada::lower_bytes(&lowered.bytes)?.bytes, lowered.bytes);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn lower(mir: &ProgramMir) -> Result<ProgramMir, LowerError> {
    let program = Program::from_mir(mir).map_err(LowerError::Invalid)?;
    if program.is_preprocessed() && rewrite::inner_products_over_computed_arrays(mir).is_empty() {
        return Ok(mir.clone());
    }
    let lowered = rewrite::Lowerer::new(mir)?.run()?;
    check_output(&lowered)?;
    Ok(lowered)
}

/// Lowers `.nada.bin` bytes (see [`lower`]); bytes that need no lowering are returned as they
/// are, byte for byte.
pub fn lower_bytes(bytes: &[u8]) -> Result<Lowered<'_>, LowerError> {
    let mir = ProgramMir::decode(bytes).map_err(|e| {
        LowerError::Invalid(ProgramError::Malformed {
            reason: e.to_string(),
        })
    })?;
    let program = Program::from_mir(&mir).map_err(LowerError::Invalid)?;
    let mut rewritten = program.raw_only_operations();
    rewritten.extend(
        rewrite::inner_products_over_computed_arrays(&mir)
            .into_iter()
            .map(|id| (id, "inner_product")),
    );
    rewritten.sort_unstable();
    if rewritten.is_empty() {
        return Ok(Lowered {
            bytes: Cow::Borrowed(bytes),
            rewritten,
        });
    }
    let lowered = rewrite::Lowerer::new(&mir)?.run()?;
    check_output(&lowered)?;
    Ok(Lowered {
        bytes: Cow::Owned(lowered.encode_to_vec()),
        rewritten,
    })
}

/// The lowered program must be valid, free of raw operations and of inner products over
/// computed arrays.
fn check_output(mir: &ProgramMir) -> Result<(), LowerError> {
    let program = Program::from_mir(mir).map_err(LowerError::Output)?;
    if let Some((id, name)) = program.raw_only_operations().first() {
        return Err(LowerError::Output(ProgramError::Unsupported {
            what: alloc::format!("operation {id} ({name}) left after lowering"),
        }));
    }
    if let Some(id) = rewrite::inner_products_over_computed_arrays(mir).first() {
        return Err(LowerError::Output(ProgramError::Unsupported {
            what: alloc::format!("operation {id} (inner_product over a computed array) left"),
        }));
    }
    Ok(())
}
