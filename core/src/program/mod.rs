//! Programs for the store-program operation: names, ids, and the `ProgramMetadata` a
//! StoreProgram quote carries, computed from the compiled `.nada.bin` bytes without the
//! compiler backend.
//!
//! # What the metadata is
//!
//! The official clients run `extract_program_metadata` (nilvm's program auditor: MIR
//! validation, then the JIT compiler MIR → bytecode → MPC protocols) and send the measurements
//! in the quote. The leader only audits the declared numbers against its limits (memory 50 000,
//! instructions 50 000, 1 000 per limited preprocessing element); every node recomputes the real
//! numbers from the bytes at StoreProgram. We compute the same numbers with a much smaller
//! model: a walk of the operation DAG from the outputs that picks each operation's protocol from
//! the publicness of its operands (the protocol-selection table of docs/nada.md §10.1).
//!
//! # Which numbers are exact
//!
//! - `program_size`: exact (the byte length).
//! - `instructions`, `instruction_count`, `preprocessing_requirements` and
//!   `auxiliary_material_requirements`: the node's protocol choice, one protocol per MIR
//!   operation plus one `NewArray`/`NewTuple` per array or tuple used as a whole (an output, an
//!   `inner_product` operand, an element of such a value), deduplicated per value. Exact on every
//!   recorded fixture (`testdata/programs`). Publicness comes from each operand's declared type:
//!   secret types are the `secret_*` types, `ecdsa_private_key`, `eddsa_private_key`, and arrays
//!   or tuples containing one.
//! - `memory_size`: the node's address provider, reproduced: every declared input reserves one
//!   address plus one per direct element (arrays, tuples), then every protocol reserves the
//!   address count of its result (1 for scalars, 1 + size for `NewArray`, 3 for `NewTuple`).
//!   Exact on every fixture. It is an **estimate** for nested compound values (arrays of arrays,
//!   arrays of tuples): there the node's bytecode layout (element addresses, adapters requested
//!   per type) is not modelled, and we count one adapter per nested value.
//!
//! # Raw and preprocessed MIR
//!
//! `python -m nada_dsl.compile` emits raw MIR; `nada build` runs nilvm's MIR preprocessor, which
//! lowers `>`, `>=`, `<=`, `!=`, `&`, `|`, `^`, `map`, `reduce`, `zip` and `unzip`. The nodes
//! accept only the preprocessed form, and the official clients cannot even compute metadata for
//! raw MIR that still contains those operations. We lower them in the walk with the
//! preprocessor's rules (`a >= b` = `not(a < b)`, `a | b` = `(a + b) - a*b`, map/reduce inlined
//! per element, ...), so for raw bytes [`ProgramMetadata`] holds the counts the preprocessed
//! program has (checked against the fixtures' preprocessed metadata), with `program_size` of the
//! raw bytes, and [`ProgramMetadata::raw_operation`] names the first raw operation found.
//! [`store_program_quote`] refuses such bytes ([`ProgramError::RequiresPreprocessing`]) because
//! the nodes would reject the program after payment; `nilvm_nada::lower_bytes` lowers them
//! (the tonic client's `store_program` does so itself).
//!
//! # One reader
//!
//! The bytes are read once, by the program model in [`mir`] (the model, its decoder, the raw-only
//! list in `mir/raw.rs`); `nilvm_nada` re-exports that model for its lowering, evaluator and
//! users. The metadata walks [`mir::Program`] as [`mir::Program::from_mir_unvalidated`] reads it:
//! the structure only, without the runtime's type and size checks, so a quote measures what the
//! nodes would measure. Its structural errors keep their [`ProgramError`] names (`From<MirError>`).
//!
//! # Bounded work
//!
//! Hostile bytes give errors, never panics: the decoder orders operations with explicit stacks
//! and bounds type nesting ([`mir::MAX_TYPE_DEPTH`]), the walk is one forward pass per graph,
//! every step counts against [`MAX_ANALYSIS_STEPS`], and map/reduce inlining (the only
//! recursion) is limited to [`MAX_FUNCTION_DEPTH`] levels. Protobuf decoding itself is limited
//! to prost's nesting depth of 100.

mod analysis;
mod error;
mod id;
pub mod mir;
mod name;
mod protocol;

use alloc::collections::BTreeMap;
use alloc::string::ToString;
use alloc::vec::Vec;

use nilvm_proto::Message as _;
use nilvm_proto::nillion::nada::mir::v1::ProgramMir;
use nilvm_proto::nillion::payments::v1::quote;
use nilvm_proto::nillion::preprocessing::v1::material::AuxiliaryMaterial;

pub use analysis::{MAX_ANALYSIS_STEPS, MAX_FUNCTION_DEPTH};
pub use error::{ProgramError, RawOperation};
pub use id::{ProgramId, ProgramIdError, USER_ID_LENGTH, program_sha256};
pub use name::{ProgramName, ProgramNameError};
pub use protocol::{Protocol, RuntimeRequirement};

/// The measurements of a program that a StoreProgram quote declares.
///
/// Convert with [`ProgramMetadata::to_proto`] (or `From`) for the quote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramMetadata {
    /// Length of the program bytes.
    pub program_size: u64,
    /// Memory elements the program needs.
    pub memory_size: u64,
    /// Number of MPC protocols (the sum of `instructions`).
    pub instruction_count: u64,
    /// Protocol → how many times the program runs it.
    pub instructions: BTreeMap<Protocol, u64>,
    /// Runtime requirement → count (only non-zero entries).
    pub requirements: BTreeMap<RuntimeRequirement, u64>,
    /// `Some` when the bytes are raw MIR that the nodes reject (see the module docs); the
    /// counts are then those of the preprocessed program.
    pub raw_operation: Option<RawOperation>,
}

impl ProgramMetadata {
    /// Decodes a `.nada.bin` and measures it.
    pub fn from_program(program: &[u8]) -> Result<Self, ProgramError> {
        let mir =
            ProgramMir::decode(program).map_err(|e| ProgramError::Malformed(e.to_string()))?;
        Self::from_mir(&mir, program.len() as u64)
    }

    /// Measures an already decoded MIR whose encoding is `program_size` bytes long.
    pub fn from_mir(mir: &ProgramMir, program_size: u64) -> Result<Self, ProgramError> {
        let program = mir::Program::from_mir_unvalidated(mir)?;
        let counts = analysis::analyse(&program)?;
        Ok(Self {
            program_size,
            memory_size: counts.memory,
            instruction_count: counts.protocols.values().sum(),
            instructions: counts.protocols,
            requirements: counts.requirements,
            raw_operation: counts.raw_operation,
        })
    }

    /// Whether the nodes accept these bytes as they are (no raw-only operation).
    pub fn accepted_by_nodes(&self) -> bool {
        self.raw_operation.is_none()
    }

    /// The quote message, translated as the official Rust client does: requirements become
    /// preprocessing elements (sorted by element number), and `EcdsaAuxInfo` becomes one
    /// `{CGGMP21_AUXILIARY_INFO, version 0}` auxiliary material entry.
    pub fn to_proto(&self) -> quote::ProgramMetadata {
        let mut preprocessing_requirements: Vec<quote::PreprocessingRequirement> = self
            .requirements
            .iter()
            .filter_map(|(requirement, count)| {
                let element = requirement.preprocessing_element()?;
                Some(quote::PreprocessingRequirement {
                    element: element as i32,
                    count: *count,
                })
            })
            .collect();
        preprocessing_requirements.sort_by_key(|r| r.element);
        let auxiliary_material_requirements = if self
            .requirements
            .contains_key(&RuntimeRequirement::EcdsaAuxInfo)
        {
            alloc::vec![quote::AuxiliaryMaterialRequirement {
                material: AuxiliaryMaterial::Cggmp21AuxiliaryInfo as i32,
                version: 0,
            }]
        } else {
            Vec::new()
        };
        quote::ProgramMetadata {
            program_size: self.program_size,
            memory_size: self.memory_size,
            instruction_count: self.instruction_count,
            instructions: self
                .instructions
                .iter()
                .map(|(p, n)| (p.name().to_string(), *n))
                .collect(),
            preprocessing_requirements,
            auxiliary_material_requirements,
        }
    }
}

impl From<&ProgramMetadata> for quote::ProgramMetadata {
    fn from(metadata: &ProgramMetadata) -> Self {
        metadata.to_proto()
    }
}

/// The `store_program` operation of a StoreProgram price quote request: the program's
/// metadata, `contents_sha256` = SHA-256 of the bytes, and the name.
///
/// Refuses, before anything is paid, what the nodes would refuse after payment: bytes that are
/// not a MIR or that the analysis rejects, programs with no protocol, and raw MIR that needs
/// the preprocessor ([`ProgramError::RequiresPreprocessing`]). The name is already valid by
/// type.
pub fn store_program_quote(
    name: &ProgramName,
    program: &[u8],
) -> Result<quote::StoreProgram, ProgramError> {
    let metadata = ProgramMetadata::from_program(program)?;
    if let Some(raw) = metadata.raw_operation {
        return Err(ProgramError::RequiresPreprocessing(raw));
    }
    Ok(quote::StoreProgram {
        metadata: Some(metadata.to_proto()),
        contents_sha256: program_sha256(program).to_vec(),
        name: name.as_str().to_string(),
    })
}
