//! One node's semantics (docs/wire-protocol.md §6): values with TTL, permissions, receipts burned
//! per node, programs, computations and their results streams.
//!
//! A node answers `(now, caller, request)`: `now` is the node's own clock, `caller` the user the
//! transport authenticated from the `x-nillion-token-bin` token (see
//! [`Cluster::handle`](crate::Cluster::handle)). Computations need every node's shares, so the
//! [`Cluster`](crate::Cluster) runs them; a node only registers its part and serves results.

use std::collections::{BTreeMap, BTreeSet};

use nilvm_core::field::Prime as FieldPrime;
use nilvm_core::identity::{NodeId, SharedVerifier, UserId};
use nilvm_core::payments::receipt::Receipt;
use nilvm_core::payments::{NodeReceiptError, OperationKind, verify_receipt_on_node};
use nilvm_core::permissions::{Permissions, PermissionsDelta};
use nilvm_core::rpc::{Code, Reply, Status};
use nilvm_core::time::{Duration, Timestamp};
use nilvm_core::values::EncryptedValue;
use nilvm_core::values::proto::from_named_values;
use nilvm_nada::Program;
use nilvm_proto::nillion::compute::v1::invoke::{InvokeComputeRequest, InvokeComputeResponse};
use nilvm_proto::nillion::compute::v1::retrieve::{
    ComputationResult, RetrieveResultsResponse, retrieve_results_response::State,
};
use nilvm_proto::nillion::leader_queries::v1::pool_status::{
    PoolStatusRequest, PoolStatusResponse, PreprocessingOffsets,
};
use nilvm_proto::nillion::payments::v1::receipt::{SignedReceipt, operation_metadata};
use nilvm_proto::nillion::permissions::v1::overwrite::OverwritePermissionsRequest;
use nilvm_proto::nillion::permissions::v1::retrieve::RetrievePermissionsRequest;
use nilvm_proto::nillion::permissions::v1::update::UpdatePermissionsRequest;
use nilvm_proto::nillion::programs::v1::store::{StoreProgramRequest, StoreProgramResponse};
use nilvm_proto::nillion::values::v1::delete::DeleteValuesRequest;
use nilvm_proto::nillion::values::v1::retrieve::{RetrieveValuesRequest, RetrieveValuesResponse};
use nilvm_proto::nillion::values::v1::store::{StoreValuesRequest, StoreValuesResponse};
use nilvm_proto::nillion::values::v1::value::NamedValue;
use uuid::Uuid;

use crate::input_check::{check_bindings, check_inputs};
use crate::programs::{Dkg, builtin_programs, parse_program_id, program_id, validate_program_name};
use crate::status;

/// Values live this many days when the receipt names no TTL.
pub const DEFAULT_TTL_DAYS: u32 = 3650;

/// The last day the nodes' calendar holds (31 December 262142), in days since 1970-01-01: an
/// expiry past it is refused (docs/node-checks.md §2).
const LAST_EXPIRY_DAY: i64 = 95_026_236;

/// When values stored at `now` for `ttl_days` expire, or `None` past the nodes' calendar.
pub fn expiry(now: Timestamp, ttl_days: u32) -> Option<Timestamp> {
    let last_day = now
        .seconds()
        .div_euclid(86_400)
        .checked_add(i64::from(ttl_days))?;
    if ttl_days > 0 && last_day > LAST_EXPIRY_DAY {
        return None;
    }
    now.checked_add(Duration::from_secs(u64::from(ttl_days) * 86_400))
}

const NOT_FOUND: &str = "value not found";
const EXPIRED: &str = "entity expired";
const DENIED: &str = "user does not have permissions for action";

/// One stored set of values (this node's shares).
#[derive(Clone, Debug, PartialEq)]
pub struct StoredValues {
    /// The values exactly as uploaded, in upload order.
    pub values: Vec<NamedValue>,
    /// Who may do what.
    pub permissions: Permissions,
    /// When the values expire (`expires_at <= now` is expired).
    pub expires_at: Timestamp,
}

/// What a computation is doing on this node.
#[derive(Clone, Debug, PartialEq)]
pub enum ComputeState {
    /// Waiting for the other nodes' inputs.
    Gathering,
    /// The cluster ran it; the outcome is visible from `ready_at` on.
    Finished {
        /// When the results become available (node clock).
        ready_at: Timestamp,
        /// This node's shares of each output party's outputs, or the failure text.
        outcome: Result<BTreeMap<String, Vec<NamedValue>>, String>,
    },
}

/// This node's part of one computation.
#[derive(Clone, Debug, PartialEq)]
pub struct Computation {
    /// The program id from the receipt.
    pub program_id: String,
    /// When this node registered it (node clock).
    pub invoked_at: Timestamp,
    /// Output party → users who receive its outputs.
    pub output_bindings: BTreeMap<String, BTreeSet<UserId>>,
    /// This node's shares of every input (stored and compute-time values merged).
    pub inputs: BTreeMap<String, EncryptedValue>,
    /// The DKG this is, if it is one.
    pub dkg: Option<Dkg>,
    /// Progress.
    pub state: ComputeState,
}

/// A reply: one message, or a server stream of results to poll.
#[derive(Debug)]
#[must_use]
pub enum Response {
    /// A unary reply.
    Unary(Reply),
    /// A `RetrieveResults` stream: poll it with [`Node::poll_results`] (through
    /// [`Cluster::poll_results`](crate::Cluster::poll_results)).
    Results(ResultsStream),
}

/// An open `RetrieveResults` stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResultsStream {
    /// The node serving it.
    pub node: NodeId,
    compute_id: Uuid,
    caller: UserId,
    next_waiting: Option<Timestamp>,
    ended: bool,
}

impl ResultsStream {
    /// The computation streamed.
    pub fn compute_id(&self) -> Uuid {
        self.compute_id
    }

    /// Whether the stream has ended.
    pub fn is_ended(&self) -> bool {
        self.ended
    }
}

/// What one poll of a results stream produced.
#[derive(Debug, Default)]
#[must_use]
pub struct StreamPoll {
    /// Messages to send now, in order.
    pub messages: Vec<Reply>,
    /// The stream's end: `Ok` closes it normally, `Err` with a status.
    pub end: Option<Result<(), Status>>,
    /// When to poll again (node clock), if the stream is still open.
    pub next_poll: Option<Timestamp>,
}

/// How long after expiry the background job removes values.
pub const CLEANUP_DELAY: Duration = Duration::from_secs(3600);

/// How often an open results stream re-checks its computation.
pub const RESULTS_POLL_INTERVAL: Duration = Duration::from_secs(1);

/// One emulated node.
#[derive(Debug)]
pub struct Node {
    id: NodeId,
    /// The leader's key, checked through the memo the cluster's nodes share.
    leader_key: SharedVerifier,
    prime: FieldPrime,
    is_leader: bool,
    waiting_interval: Duration,
    results_ttl: Duration,
    gather_timeout: Duration,
    values: BTreeMap<Uuid, StoredValues>,
    used_receipts: BTreeSet<Uuid>,
    programs: BTreeMap<String, Program>,
    computations: BTreeMap<Uuid, Computation>,
    /// The records changed since the cluster last took them (see [`crate::storage`]).
    changes: Vec<NodeChange>,
}

/// A node record a request changed: the cluster writes its current state (or its absence).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum NodeChange {
    /// Stored values (added, updated, deleted or purged).
    Values(Uuid),
    /// A receipt burned.
    Receipt(Uuid),
    /// A program stored, with the bytes as uploaded.
    Program(String, Vec<u8>),
    /// A computation registered, finished or dropped.
    Computation(Uuid),
}

fn denied() -> Status {
    status(Code::PermissionDenied, DENIED)
}

fn receipt_status(error: NodeReceiptError) -> Status {
    status(Code::from_i32(error.grpc_code()), error.to_string())
}

/// The receipt's presence, checked with the rest of the request's fields, before the receipt
/// itself is verified.
fn require_receipt(signed: Option<&SignedReceipt>) -> Result<(), Status> {
    match signed {
        Some(_) => Ok(()),
        None => Err(receipt_status(NodeReceiptError::Missing {
            field: "signed_receipt",
        })),
    }
}

fn caller_of(caller: Option<UserId>) -> Result<UserId, Status> {
    caller.ok_or_else(|| status(Code::PermissionDenied, "permissions denied"))
}

impl Node {
    /// A node with identity `id` that trusts receipts signed by `leader_key`.
    pub fn new(
        id: NodeId,
        leader_key: SharedVerifier,
        prime: FieldPrime,
        is_leader: bool,
        config: &crate::ClusterConfig,
    ) -> Self {
        Self {
            id,
            leader_key,
            prime,
            is_leader,
            waiting_interval: config.waiting_interval,
            results_ttl: config.results_ttl,
            gather_timeout: config.compute_gather_timeout,
            values: BTreeMap::new(),
            used_receipts: BTreeSet::new(),
            programs: builtin_programs().into_iter().collect(),
            computations: BTreeMap::new(),
            changes: Vec::new(),
        }
    }

    /// The records changed since the last call.
    pub(crate) fn take_changes(&mut self) -> Vec<NodeChange> {
        std::mem::take(&mut self.changes)
    }

    /// Brings back stored values read from the state store.
    pub(crate) fn restore_values(&mut self, id: Uuid, values: StoredValues) {
        self.values.insert(id, values);
    }

    /// Brings back a burned receipt id.
    pub(crate) fn restore_receipt(&mut self, id: Uuid) {
        self.used_receipts.insert(id);
    }

    /// Brings back a program from its uploaded bytes.
    pub(crate) fn restore_program(&mut self, id: String, bytes: &[u8]) -> Result<(), String> {
        let program = Program::decode(bytes).map_err(|e| format!("program {id}: {e}"))?;
        self.programs.insert(id, program);
        Ok(())
    }

    /// Brings back a finished computation.
    pub(crate) fn restore_computation(&mut self, id: Uuid, computation: Computation) {
        self.computations.insert(id, computation);
    }

    /// A computation's current state, for the state store.
    pub(crate) fn computation_record(&self, id: &Uuid) -> Option<&Computation> {
        self.computations.get(id)
    }

    /// The node's identity.
    pub fn id(&self) -> &NodeId {
        &self.id
    }

    /// Whether this node is the leader (serves PoolStatus).
    pub fn is_leader(&self) -> bool {
        self.is_leader
    }

    /// The stored values with this id, expired or not.
    pub fn stored(&self, id: &Uuid) -> Option<&StoredValues> {
        self.values.get(id)
    }

    /// Whether a program with this id is stored (builtins included).
    pub fn has_program(&self, id: &str) -> bool {
        self.programs.contains_key(id) || Dkg::of(id).is_some()
    }

    /// A stored program.
    pub fn program(&self, id: &str) -> Option<&Program> {
        self.programs.get(id)
    }

    /// This node's part of a computation.
    pub fn computation(&self, id: &Uuid) -> Option<&Computation> {
        self.computations.get(id)
    }

    pub(crate) fn computation_mut(&mut self, id: &Uuid) -> Option<&mut Computation> {
        self.changes.push(NodeChange::Computation(*id));
        self.computations.get_mut(id)
    }

    /// Drops values expired for over [`CLEANUP_DELAY`] and old computations (the nodes'
    /// background jobs: until they run, expired values answer "entity expired").
    pub fn cleanup(&mut self, now: Timestamp) {
        let changes = &mut self.changes;
        self.values.retain(|id, v| {
            let keep = v.expires_at.saturating_add(CLEANUP_DELAY) > now;
            if !keep {
                changes.push(NodeChange::Values(*id));
            }
            keep
        });
        let ttl = self.results_ttl;
        self.computations.retain(|id, c| {
            let keep = c.invoked_at.saturating_add(ttl) > now;
            if !keep {
                changes.push(NodeChange::Computation(*id));
            }
            keep
        });
    }

    fn verify_receipt(
        &mut self,
        now: Timestamp,
        signed: Option<&SignedReceipt>,
        kind: OperationKind,
    ) -> Result<Receipt, Status> {
        let receipt =
            verify_receipt_on_node(signed, &self.leader_key, kind, now, &mut self.used_receipts)
                .map_err(receipt_status)?;
        self.changes.push(NodeChange::Receipt(receipt.identifier()));
        Ok(receipt)
    }

    fn live(&self, now: Timestamp, id: &Uuid) -> Result<&StoredValues, Status> {
        match self.values.get(id) {
            None => Err(status(Code::NotFound, NOT_FOUND)),
            Some(v) if v.expires_at <= now => Err(status(Code::NotFound, EXPIRED)),
            Some(v) => Ok(v),
        }
    }

    fn live_mut(&mut self, now: Timestamp, id: &Uuid) -> Result<&mut StoredValues, Status> {
        self.changes.push(NodeChange::Values(*id));
        match self.values.get_mut(id) {
            None => Err(status(Code::NotFound, NOT_FOUND)),
            Some(v) if v.expires_at <= now => Err(status(Code::NotFound, EXPIRED)),
            Some(v) => Ok(v),
        }
    }

    fn check_values(
        &self,
        values: &[NamedValue],
    ) -> Result<BTreeMap<String, EncryptedValue>, Status> {
        from_named_values(values, self.prime)
            .map_err(|e| status(Code::InvalidArgument, format!("invalid values: {e}")))
    }

    /// `Values/StoreValues`: a new store, or an update when `update_identifier` is set.
    pub fn store_values(
        &mut self,
        now: Timestamp,
        caller: Option<UserId>,
        request: &StoreValuesRequest,
    ) -> Result<StoreValuesResponse, Status> {
        let caller = caller_of(caller)?;
        // The request's own fields come first, as the nodes parse them (docs/node-checks.md §2).
        let permissions = request
            .permissions
            .as_ref()
            .map(Permissions::from_proto)
            .transpose()
            .map_err(|e| status(Code::InvalidArgument, e.to_string()))?;
        let receipt = self.verify_receipt(
            now,
            request.signed_receipt.as_ref(),
            OperationKind::StoreValues,
        )?;
        let ttl_days = match &receipt.metadata().operation {
            Some(operation_metadata::Operation::StoreValues(q)) => q.ttl_days,
            _ => None,
        }
        .unwrap_or(DEFAULT_TTL_DAYS);
        self.check_values(&request.values)?;
        if request.values.is_empty() {
            return Err(status(Code::InvalidArgument, "no values provided"));
        }
        let expires_at = expiry(now, ttl_days)
            .ok_or_else(|| status(Code::InvalidArgument, "ttl_days is too high"))?;
        if request.update_identifier.is_empty() {
            let permissions = permissions.ok_or_else(|| {
                status(
                    Code::InvalidArgument,
                    "'permissions' is required when storing values",
                )
            })?;
            let id = receipt.identifier();
            if self.values.contains_key(&id) {
                return Err(status(Code::FailedPrecondition, "entity already exists"));
            }
            self.changes.push(NodeChange::Values(id));
            self.values.insert(
                id,
                StoredValues {
                    values: request.values.clone(),
                    permissions,
                    expires_at,
                },
            );
            return Ok(StoreValuesResponse {
                values_id: id.as_bytes().to_vec(),
            });
        }
        let id = Uuid::from_slice(&request.update_identifier)
            .map_err(|_| status(Code::Internal, "invalid uuid"))?;
        let record = self.live_mut(now, &id)?;
        if !record.permissions.is_update_allowed(&caller) {
            return Err(denied());
        }
        record.values = request.values.clone();
        record.expires_at = expires_at;
        if let Some(permissions) = permissions {
            record.permissions = permissions;
        }
        Ok(StoreValuesResponse {
            values_id: id.as_bytes().to_vec(),
        })
    }

    /// The prologue of the paid requests on stored values: the receipt, the values id it names,
    /// the live record, and the caller's right to `allowed` (in the nodes' order,
    /// docs/node-checks.md §2, §3). Returns the record's id.
    fn paid_record(
        &mut self,
        now: Timestamp,
        signed: Option<&SignedReceipt>,
        kind: OperationKind,
        caller: &UserId,
        allowed: fn(&Permissions, &UserId) -> bool,
    ) -> Result<Uuid, Status> {
        let receipt = self.verify_receipt(now, signed, kind)?;
        let id = Self::receipt_values_id(&receipt)?;
        if !allowed(&self.live(now, &id)?.permissions, caller) {
            return Err(denied());
        }
        Ok(id)
    }

    fn receipt_values_id(receipt: &Receipt) -> Result<Uuid, Status> {
        receipt
            .values_id()
            .ok_or_else(|| status(Code::InvalidArgument, "invalid values identifier"))
    }

    /// `Values/RetrieveValues` (the values id is in the receipt).
    pub fn retrieve_values(
        &mut self,
        now: Timestamp,
        caller: Option<UserId>,
        request: &RetrieveValuesRequest,
    ) -> Result<RetrieveValuesResponse, Status> {
        let caller = caller_of(caller)?;
        let id = self.paid_record(
            now,
            request.signed_receipt.as_ref(),
            OperationKind::RetrieveValues,
            &caller,
            Permissions::is_retrieve_allowed,
        )?;
        Ok(RetrieveValuesResponse {
            values: self.live(now, &id)?.values.clone(),
        })
    }

    /// `Values/DeleteValues` (free).
    pub fn delete_values(
        &mut self,
        now: Timestamp,
        caller: Option<UserId>,
        request: &DeleteValuesRequest,
    ) -> Result<(), Status> {
        let caller = caller_of(caller)?;
        let id = Uuid::from_slice(&request.values_id)
            .map_err(|_| status(Code::InvalidArgument, "invalid id"))?;
        let record = self.live(now, &id)?;
        if !record.permissions.is_delete_allowed(&caller) {
            return Err(denied());
        }
        self.values.remove(&id);
        self.changes.push(NodeChange::Values(id));
        Ok(())
    }

    /// `Permissions/RetrievePermissions`.
    pub fn retrieve_permissions(
        &mut self,
        now: Timestamp,
        caller: Option<UserId>,
        request: &RetrievePermissionsRequest,
    ) -> Result<nilvm_proto::nillion::permissions::v1::permissions::Permissions, Status> {
        let caller = caller_of(caller)?;
        let id = self.paid_record(
            now,
            request.signed_receipt.as_ref(),
            OperationKind::RetrievePermissions,
            &caller,
            Permissions::is_retrieve_permissions_allowed,
        )?;
        Ok(self.live(now, &id)?.permissions.to_proto())
    }

    /// `Permissions/OverwritePermissions` (owner only).
    pub fn overwrite_permissions(
        &mut self,
        now: Timestamp,
        caller: Option<UserId>,
        request: &OverwritePermissionsRequest,
    ) -> Result<(), Status> {
        let caller = caller_of(caller)?;
        require_receipt(request.signed_receipt.as_ref())?;
        let permissions = request
            .permissions
            .as_ref()
            .ok_or_else(|| {
                status(
                    Code::InvalidArgument,
                    "protobuf parsing error: 'permissions' not set",
                )
            })
            .and_then(|p| {
                Permissions::from_proto(p).map_err(|e| status(Code::InvalidArgument, e.to_string()))
            })?;
        let id = self.paid_record(
            now,
            request.signed_receipt.as_ref(),
            OperationKind::OverwritePermissions,
            &caller,
            Permissions::is_update_permissions_allowed,
        )?;
        self.live_mut(now, &id)?.permissions = permissions;
        Ok(())
    }

    /// `Permissions/UpdatePermissions` (owner only; grants, then revokes).
    pub fn update_permissions(
        &mut self,
        now: Timestamp,
        caller: Option<UserId>,
        request: &UpdatePermissionsRequest,
    ) -> Result<(), Status> {
        let caller = caller_of(caller)?;
        require_receipt(request.signed_receipt.as_ref())?;
        let delta = PermissionsDelta::from_request(request)
            .map_err(|e| status(Code::InvalidArgument, e.to_string()))?;
        let id = self.paid_record(
            now,
            request.signed_receipt.as_ref(),
            OperationKind::UpdatePermissions,
            &caller,
            Permissions::is_update_permissions_allowed,
        )?;
        self.live_mut(now, &id)?.permissions.apply(&delta);
        Ok(())
    }

    /// `Programs/StoreProgram`: name and hash from the receipt, id from the caller.
    pub fn store_program(
        &mut self,
        now: Timestamp,
        caller: Option<UserId>,
        request: &StoreProgramRequest,
    ) -> Result<StoreProgramResponse, Status> {
        let caller = caller_of(caller)?;
        let receipt = self.verify_receipt(
            now,
            request.signed_receipt.as_ref(),
            OperationKind::StoreProgram,
        )?;
        let Some(operation_metadata::Operation::StoreProgram(quoted)) =
            &receipt.metadata().operation
        else {
            return Err(status(Code::Internal, "internal error"));
        };
        validate_program_name(&quoted.name).map_err(|e| status(Code::InvalidArgument, e))?;
        let hash = crate::sha256(&request.program);
        if hash.as_slice() != quoted.contents_sha256.as_slice() {
            return Err(status(Code::InvalidArgument, "invalid program hash"));
        }
        let program = Program::decode(&request.program).map_err(|_| {
            status(
                Code::InvalidArgument,
                "malformed program (invalid sdk version?)",
            )
        })?;
        // The audit: the nodes only run preprocessed programs. The reference node follows this
        // prefix with a dump of the whole program (docs/node-checks.md §5); we name the cause.
        if let Some((_, operation)) = program.raw_only_operations().first() {
            return Err(status(
                Code::InvalidArgument,
                format!(
                    "invalid program: unexpected: error during MIR validation: MIR operations \
                     validation:\noperation {operation} needs preprocessing (use nada build)"
                ),
            ));
        }
        let id = program_id(&caller, &quoted.name, &hash);
        self.programs.insert(id.clone(), program);
        self.changes
            .push(NodeChange::Program(id.clone(), request.program.clone()));
        Ok(StoreProgramResponse { program_id: id })
    }

    /// `Compute/InvokeCompute`: checks everything, then registers this node's inputs; the
    /// cluster runs the computation once every node has registered.
    pub fn invoke_compute(
        &mut self,
        now: Timestamp,
        caller: Option<UserId>,
        request: &InvokeComputeRequest,
    ) -> Result<InvokeComputeResponse, Status> {
        let caller = caller_of(caller)?;
        require_receipt(request.signed_receipt.as_ref())?;
        let output_bindings = parse_bindings(request)?;
        let receipt = self.verify_receipt(
            now,
            request.signed_receipt.as_ref(),
            OperationKind::InvokeCompute,
        )?;
        let program_id = match &receipt.metadata().operation {
            Some(operation_metadata::Operation::InvokeCompute(metadata)) => metadata
                .quote
                .as_ref()
                .map(|q| q.program_id.clone())
                .unwrap_or_default(),
            _ => String::new(),
        };
        let dkg = Dkg::of(&program_id);
        let inputs = match dkg {
            // No program, no inputs: only the output bindings matter.
            Some(dkg) => {
                check_dkg_bindings(dkg, &output_bindings)?;
                BTreeMap::new()
            }
            None => self.gather_inputs(now, &caller, &program_id, request)?,
        };
        let compute_id = receipt.identifier();
        self.changes.push(NodeChange::Computation(compute_id));
        self.computations.insert(
            compute_id,
            Computation {
                program_id,
                invoked_at: now,
                output_bindings: output_bindings.into_iter().collect(),
                inputs,
                dkg,
                state: ComputeState::Gathering,
            },
        );
        Ok(InvokeComputeResponse {
            compute_id: compute_id.as_bytes().to_vec(),
        })
    }

    /// A program computation's inputs, checked in the nodes' order (docs/node-checks.md §4):
    /// the compute-time values, the program, the bindings, the stored values, then the whole.
    fn gather_inputs(
        &self,
        now: Timestamp,
        caller: &UserId,
        program_id: &str,
        request: &InvokeComputeRequest,
    ) -> Result<BTreeMap<String, EncryptedValue>, Status> {
        let mut inputs = self.check_values(&request.values)?;
        parse_program_id(program_id)
            .map_err(|e| status(Code::InvalidArgument, format!("invalid program id: {e}")))?;
        let program = self
            .programs
            .get(program_id)
            .ok_or_else(|| status(Code::NotFound, "not found"))?;
        let party_names = |indices: Vec<usize>| -> BTreeSet<String> {
            indices
                .into_iter()
                .filter_map(|i| program.parties().get(i).map(|p| p.name.clone()))
                .collect()
        };
        let input_parties = party_names(program.inputs().iter().map(|i| i.party).collect());
        let output_parties = party_names(program.outputs().iter().map(|o| o.party).collect());
        let bound_inputs = request.input_bindings.iter().map(|b| &b.party_name);
        check_bindings("input", &input_parties, bound_inputs)?;
        let bound_outputs = request.output_bindings.iter().map(|b| &b.party_name);
        check_bindings("output", &output_parties, bound_outputs)?;
        for id in parse_value_ids(&request.value_ids)? {
            let record = self.live(now, &id)?;
            if !record.permissions.is_compute_allowed(caller, program_id) {
                return Err(denied());
            }
            for (name, value) in self.check_values(&record.values)? {
                if inputs.contains_key(&name) {
                    return Err(status(
                        Code::InvalidArgument,
                        format!("duplicate value key '{name}'"),
                    ));
                }
                inputs.insert(name, value);
            }
        }
        check_inputs(program, &inputs)?;
        Ok(inputs)
    }

    /// `Compute/RetrieveResults`: opens the stream (errors here come before the stream).
    pub fn retrieve_results(
        &mut self,
        caller: Option<UserId>,
        compute_id: &[u8],
    ) -> Result<ResultsStream, Status> {
        let caller = caller_of(caller)?;
        let compute_id =
            Uuid::from_slice(compute_id).map_err(|_| status(Code::Internal, "invalid uuid"))?;
        Ok(ResultsStream {
            node: self.id.clone(),
            compute_id,
            caller,
            next_waiting: None,
            ended: false,
        })
    }

    /// Advances a results stream at `now` (node clock): the first poll always sends
    /// `waiting_computation`; then a waiting message every interval, until one terminal
    /// message (or an error status) ends it.
    pub fn poll_results(&mut self, now: Timestamp, stream: &mut ResultsStream) -> StreamPoll {
        let mut poll = StreamPoll::default();
        if stream.ended {
            return poll;
        }
        let waiting = || {
            Reply::RetrieveResults(RetrieveResultsResponse {
                state: Some(State::WaitingComputation(())),
            })
        };
        let first = stream.next_waiting.is_none();
        if first {
            poll.messages.push(waiting());
            stream.next_waiting = Some(now.saturating_add(self.waiting_interval));
        }
        let ttl = self.results_ttl;
        let gather_timeout = self.gather_timeout;
        let computation = self
            .computations
            .get_mut(&stream.compute_id)
            .filter(|c| c.invoked_at.saturating_add(ttl) > now);
        let Some(computation) = computation else {
            stream.ended = true;
            poll.end = Some(Err(status(Code::NotFound, "not found")));
            return poll;
        };
        if computation.state == ComputeState::Gathering
            && computation.invoked_at.saturating_add(gather_timeout) <= now
        {
            self.changes
                .push(NodeChange::Computation(stream.compute_id));
            computation.state = ComputeState::Finished {
                ready_at: now,
                outcome: Err("computation timed out waiting for the other nodes".into()),
            };
        }
        let next_waiting = stream.next_waiting.unwrap_or(now);
        let ready = match &computation.state {
            ComputeState::Finished { ready_at, outcome } if *ready_at <= now => Some(outcome),
            _ => None,
        };
        match ready {
            Some(Err(error)) => {
                poll.messages
                    .push(Reply::RetrieveResults(RetrieveResultsResponse {
                        state: Some(State::Error(error.clone())),
                    }));
                poll.end = Some(Ok(()));
                stream.ended = true;
            }
            Some(Ok(per_party)) => {
                let mut values: Vec<NamedValue> = Vec::new();
                let mut bound = false;
                for (party, users) in &computation.output_bindings {
                    if users.contains(&stream.caller) {
                        bound = true;
                        for value in per_party.get(party).into_iter().flatten() {
                            if !values.iter().any(|v| v.name == value.name) {
                                values.push(value.clone());
                            }
                        }
                    }
                }
                stream.ended = true;
                if bound {
                    poll.messages
                        .push(Reply::RetrieveResults(RetrieveResultsResponse {
                            state: Some(State::Success(ComputationResult { values })),
                        }));
                    poll.end = Some(Ok(()));
                } else {
                    poll.end = Some(Err(status(
                        Code::PermissionDenied,
                        "user is not authorized to fetch result",
                    )));
                }
            }
            None => {
                if !first && next_waiting <= now {
                    poll.messages.push(waiting());
                    stream.next_waiting = Some(now.saturating_add(self.waiting_interval));
                }
                let mut next = stream.next_waiting.unwrap_or(now);
                next = match &computation.state {
                    ComputeState::Finished { ready_at, .. } => next.min(*ready_at),
                    ComputeState::Gathering => next.min(now.saturating_add(RESULTS_POLL_INTERVAL)),
                };
                poll.next_poll = Some(next);
            }
        }
        poll
    }

    /// `LeaderQueries/PoolStatus` (leader only).
    pub fn pool_status(
        &mut self,
        now: Timestamp,
        request: &PoolStatusRequest,
    ) -> Result<PoolStatusResponse, Status> {
        if !self.is_leader {
            return Err(status(Code::Unimplemented, ""));
        }
        self.verify_receipt(
            now,
            request.signed_receipt.as_ref(),
            OperationKind::PoolStatus,
        )?;
        // Fake preprocessing, as the devnet runs it: every element available, aux info present.
        let offsets = [0, 2, 3, 4, 5, 7, 8, 9, 10]
            .into_iter()
            .map(|element| PreprocessingOffsets {
                element,
                start: 0,
                end: 10_000,
            })
            .collect();
        Ok(PoolStatusResponse {
            offsets,
            preprocessing_active: false,
            auxiliary_material_available: true,
        })
    }

    /// Stores values the cluster produced (the DKG's key shares).
    pub(crate) fn insert_values(&mut self, id: Uuid, values: StoredValues) {
        self.changes.push(NodeChange::Values(id));
        self.values.insert(id, values);
    }
}

/// The bindings' users, parsed as the nodes parse the request (docs/node-checks.md §4): each
/// input binding names one user, each output binding any number; all ids are 20 bytes. Output
/// parties bound twice merge here; the program check refuses them.
fn parse_bindings(
    request: &InvokeComputeRequest,
) -> Result<BTreeMap<String, BTreeSet<UserId>>, Status> {
    let bad_length = || {
        status(
            Code::InvalidArgument,
            "protobuf parsing error: invalid user id length",
        )
    };
    for binding in &request.input_bindings {
        let user = binding.user.as_ref().ok_or_else(|| {
            status(
                Code::InvalidArgument,
                "protobuf parsing error: 'user' not set",
            )
        })?;
        UserId::try_from(user).map_err(|_| bad_length())?;
    }
    let mut output_bindings: BTreeMap<String, BTreeSet<UserId>> = BTreeMap::new();
    for binding in &request.output_bindings {
        let users = binding
            .users
            .iter()
            .map(UserId::try_from)
            .collect::<Result<BTreeSet<_>, _>>()
            .map_err(|_| bad_length())?;
        output_bindings
            .entry(binding.party_name.clone())
            .or_default()
            .extend(users);
    }
    Ok(output_bindings)
}

/// A DKG binds exactly its two output parties.
fn check_dkg_bindings(
    dkg: Dkg,
    output_bindings: &BTreeMap<String, BTreeSet<UserId>>,
) -> Result<(), Status> {
    let (store_party, key_party) = dkg.parties();
    if let Some(unknown) = output_bindings
        .keys()
        .find(|p| *p != store_party && *p != key_party)
    {
        return Err(status(
            Code::InvalidArgument,
            format!("invalid output party name binding for DKG protocol execution: {unknown}"),
        ));
    }
    let missing: Vec<&str> = [store_party, key_party]
        .into_iter()
        .filter(|p| !output_bindings.contains_key(*p))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(status(
            Code::InvalidArgument,
            format!("required parties not bound: [{}]", missing.join(", ")),
        ))
    }
}

/// The stored values a computation uses: every id must be a UUID before any is looked up.
fn parse_value_ids(raw: &[Vec<u8>]) -> Result<Vec<Uuid>, Status> {
    raw.iter()
        .map(|id| Uuid::from_slice(id))
        .collect::<Result<_, _>>()
        .map_err(|_| status(Code::InvalidArgument, "values_id is not a uuid"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiries_end_with_the_nodes_calendar() {
        let last = Timestamp::from_unix_seconds(LAST_EXPIRY_DAY * 86_400);
        assert_eq!(last.utc_date(), (262_142, 12, 31));
        let now = Timestamp::from_unix_seconds(1_796_137_200); // 2026-12-01T15:00:00Z
        let days_left = u32::try_from(LAST_EXPIRY_DAY - now.seconds() / 86_400).unwrap();
        assert_eq!(
            expiry(now, days_left).map(|t| t.utc_date()),
            Some((262_142, 12, 31))
        );
        assert_eq!(expiry(now, days_left + 1), None);
        assert_eq!(expiry(now, 0), Some(now));
    }
}
