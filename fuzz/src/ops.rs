//! The operation harness: one operation of the core, an emulated cluster (transport-mock)
//! that knows the honest answer to every request, and a fuzzer-chosen schedule of what each
//! node actually sends back, when time passes, and how payments go.
//!
//! Invariants checked: no panic; after the schedule, with requests left unanswered and
//! payments refused, the operation reaches `Done` within [`FINISH_STEPS`] timeouts; it never
//! stalls (no output, no timeout, nothing asked of the driver); and a read of values or
//! results returns the stored values or an error whenever at most one member's reply was
//! tampered with (three members, degree one: a single bad share is always detectable).

use std::collections::BTreeMap;

use arbitrary::Arbitrary;
use nilvm_core::arbitrary::{Unstructured, reply_for};
use nilvm_core::auth::TokenCache;
use nilvm_core::field::Prime;
use nilvm_core::identity::{NodeId, UserKey};
use nilvm_core::operations::{
    PayerError,
    Operation, OperationContext, OperationError, Output, PaymentRequest, RequestId, Target,
    account_balance::account_balance,
    add_funds::add_funds,
    delete_values::delete_values,
    discover_cluster::discover_cluster,
    invoke_compute::{InvokeComputeInput, invoke_compute},
    node_version::node_version,
    overwrite_permissions::overwrite_permissions,
    payments_config::payments_config,
    pool_status::pool_status,
    request_quote::request_quote,
    retrieve_permissions::retrieve_permissions,
    retrieve_results::retrieve_results,
    retrieve_values::retrieve_values,
    store_program::store_program,
    store_values::{StoreValuesInput, store_values},
    update_permissions::update_permissions,
};
use nilvm_core::payments::mode::PaymentMode;
use nilvm_core::payments::{TxParams, nillion_address, pay_for_tx, quote_request};
use nilvm_core::permissions::{Permissions, PermissionsDelta};
use nilvm_core::program::ProgramName;
use nilvm_core::rpc::{Code, Method, Reply, Request, Status};
use nilvm_core::time::{Duration, Timestamp};
use nilvm_core::values::{ClearValue, Integer, SecretBlob, SecretInteger};
use nilvm_transport_mock::{Cluster, ClusterConfig, Response, ResultsStream};
use uuid::Uuid;

/// Timeouts the operation gets to finish once the schedule is over.
pub const FINISH_STEPS: usize = 2_000;

/// The add-two-secrets program of the test data.
pub const ADD_SIMPLE: &[u8] = include_bytes!("../../testdata/programs/add_simple.nada.bin");

/// Which operation runs, over a fixed set of parameters.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum OpKind {
    /// Discover the cluster from the bootnode.
    DiscoverCluster,
    /// Node version of the bootnode.
    NodeVersion,
    /// Payments config.
    PaymentsConfig,
    /// Account balance.
    AccountBalance,
    /// Add funds.
    AddFunds,
    /// A quote only.
    RequestQuote,
    /// Pool status (paid).
    PoolStatus,
    /// Store values (paid).
    StoreValues,
    /// Retrieve the stored values (paid; checked against what was stored).
    RetrieveValues,
    /// Delete the stored values.
    DeleteValues,
    /// Retrieve permissions (paid).
    RetrievePermissions,
    /// Overwrite permissions (paid).
    OverwritePermissions,
    /// Update permissions (paid).
    UpdatePermissions,
    /// Store a program (paid).
    StoreProgram,
    /// Invoke a computation (paid).
    InvokeCompute,
    /// Retrieve a computation's results (a stream; checked against the expected sum).
    RetrieveResults,
}

/// One thing that happens to the operation.
#[derive(Arbitrary, Clone, Debug)]
pub enum Event {
    /// Pending request `pick` gets the emulated node's honest answer.
    Honest {
        /// Which pending request (modulo their number).
        pick: u8,
    },
    /// Pending request `pick` fails with a status.
    Status {
        /// Which pending request.
        pick: u8,
        /// gRPC code.
        code: u8,
        /// The node asks to retry after this many milliseconds.
        retry_after_ms: Option<u16>,
    },
    /// Pending request `pick` gets these bytes, decoded as its method's reply (or, when they
    /// do not decode, as `method`'s).
    Raw {
        /// Which pending request.
        pick: u8,
        /// The reply bytes.
        bytes: Vec<u8>,
        /// Fallback method.
        method: u8,
    },
    /// Pending request `pick` gets a well-formed reply of its own RPC from the core's
    /// generator (`nilvm_core::arbitrary::reply_for`) over `seed`.
    Structured {
        /// Which pending request.
        pick: u8,
        /// The generator's input.
        seed: Vec<u8>,
    },
    /// Pending request `pick` gets its honest reply merged (protobuf merge: scalars replaced,
    /// repeated fields appended, sub-messages merged) with a generated reply of its RPC, so
    /// mostly honest content reaches the checks behind decoding.
    Patched {
        /// Which pending request.
        pick: u8,
        /// The generator's input for the patch.
        seed: Vec<u8>,
    },
    /// Pending request `pick` gets its honest reply with one byte changed.
    Flip {
        /// Which pending request.
        pick: u8,
        /// Byte offset (modulo the length).
        at: u16,
        /// XOR mask (never zero).
        xor: u8,
    },
    /// Pending request `pick` gets the honest reply meant for request `from` (another node's
    /// answer, or another RPC's).
    Swap {
        /// Which pending request.
        pick: u8,
        /// Whose reply it gets.
        from: u8,
    },
    /// A reply with an id the operation never used.
    Forged {
        /// The id.
        id: u64,
        /// The reply bytes.
        bytes: Vec<u8>,
        /// Its method.
        method: u8,
    },
    /// The last reply is delivered again.
    Duplicate,
    /// The stream of pending request `pick` closes.
    StreamEnd {
        /// Which pending request.
        pick: u8,
    },
    /// The payment asked for goes through on the emulated chain (or fails).
    Payment {
        /// Whether it goes through.
        ok: bool,
    },
    /// Time passes to the operation's next deadline.
    Timeout,
    /// Time passes by this many seconds.
    Advance {
        /// Seconds.
        seconds: u16,
    },
}

/// The whole fuzz input of the operations target.
#[derive(Arbitrary, Clone, Debug)]
pub struct Scenario {
    /// The operation.
    pub op: OpKind,
    /// How it pays.
    pub mode: u8,
    /// What happens.
    pub events: Vec<Event>,
}

struct Pending {
    id: RequestId,
    target: Target,
    request: Request,
    stream: Option<ResultsStream>,
}

/// The cluster, the user and what the driver knows.
pub struct Harness {
    cluster: Cluster,
    user: UserKey,
    chain_key: UserKey,
    tokens: TokenCache,
    now: Timestamp,
    pending: Vec<Pending>,
    payment: Option<PaymentRequest>,
    last: Option<(RequestId, Result<Reply, Status>)>,
    /// Members whose reply to a read (RetrieveValues, RetrieveResults) was not the honest one.
    tampered_reads: Vec<NodeId>,
    /// Whether the last reply was tampered with, and to whom it went.
    last_tampered: Option<NodeId>,
}

fn mode_of(mode: u8) -> PaymentMode {
    match mode % 3 {
        0 => PaymentMode::FromBalance,
        1 => PaymentMode::PayPerOperation,
        _ => PaymentMode::BalanceOnly,
    }
}

fn method_of(n: u8) -> Method {
    Method::ALL[usize::from(n) % Method::ALL.len()]
}

fn is_read(request: &Request) -> bool {
    matches!(
        request,
        Request::RetrieveValues(_) | Request::RetrieveResults(_)
    )
}

/// The values the setup stores.
pub fn stored_values() -> BTreeMap<String, ClearValue> {
    let mut values = BTreeMap::new();
    values.insert(
        "a".into(),
        ClearValue::SecretInteger(SecretInteger::new(Integer::from(-42i64))),
    );
    values.insert("b".into(), ClearValue::Integer(Integer::from(7i64)));
    values.insert(
        "c".into(),
        ClearValue::SecretBlob(SecretBlob::new(b"hello nilvm".to_vec())),
    );
    values
}

fn compute_values() -> BTreeMap<String, ClearValue> {
    let mut values = BTreeMap::new();
    values.insert(
        "a".into(),
        ClearValue::SecretInteger(SecretInteger::new(Integer::from(5i64))),
    );
    values.insert(
        "b".into(),
        ClearValue::SecretInteger(SecretInteger::new(Integer::from(-12i64))),
    );
    values
}

fn expected_results() -> BTreeMap<String, ClearValue> {
    let mut values = BTreeMap::new();
    values.insert(
        "total".into(),
        ClearValue::SecretInteger(SecretInteger::new(Integer::from(-7i64))),
    );
    values
}

impl Harness {
    /// A three-member cluster (degree 1, 64-bit prime), a user with a balance and a funded
    /// chain account.
    pub fn new() -> Self {
        let config = ClusterConfig {
            prime: Prime::U64,
            ..ClusterConfig::default()
        };
        let mut cluster = Cluster::new(config, 7).expect("a valid cluster");
        let user = UserKey::from_bytes(&[0x11; 32]).expect("a valid key");
        let chain_key = UserKey::from_bytes(&[0x22; 32]).expect("a valid key");
        let now = Timestamp::from_unix_seconds(1_700_000_000);
        cluster.leader_mut().set_balance(now, user.user_id(), 10_000);
        let address = nillion_address(&chain_key.public_key()).expect("an address");
        cluster.chain_mut().fund(&address, 1_000_000_000_000);
        let tokens = TokenCache::new(user.clone(), [3; 32]);
        Self {
            cluster,
            user,
            chain_key,
            tokens,
            now,
            pending: Vec::new(),
            payment: None,
            last: None,
            tampered_reads: Vec::new(),
            last_tampered: None,
        }
    }

    /// What the operations need.
    pub fn context(&self, mode: PaymentMode) -> OperationContext {
        self.cluster.operation_context(mode)
    }

    fn node_of(&self, target: &Target) -> NodeId {
        match target {
            Target::Bootnode => self.cluster.bootnode().clone(),
            Target::Node(node) => node.clone(),
        }
    }

    /// The emulated node's answer to pending request `index`: a reply, a status, or the end
    /// of its stream (`None`).
    fn honest(&mut self, index: usize) -> Option<Result<Reply, Status>> {
        let now = self.now;
        let node = self.node_of(&self.pending[index].target);
        if self.pending[index].stream.is_none() {
            let token = match self.tokens.token_for(now, &node) {
                Ok(token) => token.to_vec(),
                Err(e) => return Some(Err(Status::new(Code::Internal, e.to_string()))),
            };
            let request = self.pending[index].request.clone();
            match self.cluster.handle(now, &node, Some(&token), request) {
                Ok(Response::Unary(reply)) => return Some(Ok(reply)),
                Ok(Response::Results(stream)) => self.pending[index].stream = Some(stream),
                Err(status) => return Some(Err(status)),
            }
        }
        let mut stream = self.pending[index].stream.take()?;
        let poll = self.cluster.poll_results(now, &mut stream);
        self.pending[index].stream = Some(stream);
        if let Some(first) = poll.messages.into_iter().next() {
            return Some(Ok(first));
        }
        match poll.end {
            Some(Err(status)) => Some(Err(status)),
            Some(Ok(())) => None,
            // Nothing yet: the node would send a waiting message later; answer with the
            // waiting message at once (the stream stays open).
            None => Some(Ok(Reply::RetrieveResults(
                nilvm_proto::nillion::compute::v1::retrieve::RetrieveResultsResponse {
                    state: Some(
                        nilvm_proto::nillion::compute::v1::retrieve::retrieve_results_response::State::WaitingComputation(()),
                    ),
                },
            ))),
        }
    }

    fn pay(&mut self, payment: &PaymentRequest) -> Result<String, String> {
        let address = nillion_address(&self.chain_key.public_key()).map_err(|e| e.to_string())?;
        let chain = self.cluster.chain_mut();
        let account = chain
            .account(&address)
            .cloned()
            .ok_or_else(|| "no account".to_string())?;
        let mut params = TxParams::devnet(account.number, account.sequence);
        params.chain_id = chain.chain_id().to_string();
        let tx = pay_for_tx(
            &self.chain_key,
            &params,
            &payment.resource,
            payment.amount_unil,
        )
        .map_err(|e| e.to_string())?;
        let response = chain.broadcast(&tx.tx_bytes);
        if response.code == 0 {
            Ok(response.txhash)
        } else {
            Err(response.raw_log)
        }
    }

    /// Drains the operation's outputs. Returns its result once it is done.
    fn drain<O: Operation>(&mut self, op: &mut O) -> Option<Result<O::Output, OperationError>> {
        for _ in 0..10_000 {
            match op.poll_output() {
                Some(Output::Transmit(t)) => self.pending.push(Pending {
                    id: t.id,
                    target: t.target,
                    request: t.request,
                    stream: None,
                }),
                Some(Output::Pay(payment)) => self.payment = Some(payment),
                Some(Output::Done(result)) => return Some(result),
                None => return None,
            }
        }
        panic!("poll_output never returned None");
    }

    fn deliver<O: Operation>(
        &mut self,
        op: &mut O,
        index: usize,
        reply: Option<Result<Reply, Status>>,
        honest: bool,
    ) {
        let Pending {
            id,
            target,
            request,
            ..
        } = &self.pending[index];
        let (id, node, read) = (*id, self.node_of(target), is_read(request));
        if !honest && read {
            self.tampered_reads.push(node.clone());
        }
        self.last_tampered = (!honest && read).then_some(node);
        match reply {
            Some(reply) => {
                let ends = !matches!(reply, Ok(Reply::RetrieveResults(_)));
                self.last = Some((id, reply.clone()));
                op.handle_reply(self.now, id, reply);
                if ends {
                    self.pending.remove(index);
                }
            }
            None => {
                op.handle_stream_end(self.now, id);
                self.pending.remove(index);
            }
        }
    }

    fn step<O: Operation>(&mut self, op: &mut O, event: &Event) {
        let pick = |p: &u8, n: usize| (n > 0).then(|| usize::from(*p) % n);
        let n = self.pending.len();
        match event {
            Event::Honest { pick: p } => {
                if let Some(i) = pick(p, n) {
                    let reply = self.honest(i);
                    self.deliver(op, i, reply, true);
                }
            }
            Event::Status {
                pick: p,
                code,
                retry_after_ms,
            } => {
                if let Some(i) = pick(p, n) {
                    let code = Code::from_i32(i32::from(*code % 17));
                    let status = match retry_after_ms {
                        Some(ms) => Status::with_detail(
                            code,
                            "fuzz",
                            nilvm_core::rpc::RETRY_INFO_TYPE_URL,
                            &nilvm_proto::google::rpc::RetryInfo {
                                retry_delay: Some(nilvm_proto::well_known::Duration {
                                    seconds: i64::from(*ms / 1000),
                                    nanos: i32::from(*ms % 1000) * 1_000_000,
                                }),
                            },
                        ),
                        None => Status::new(code, "fuzz"),
                    };
                    self.deliver(op, i, Some(Err(status)), true);
                }
            }
            Event::Raw {
                pick: p,
                bytes,
                method,
            } => {
                if let Some(i) = pick(p, n) {
                    let own = self.pending[i].request.method();
                    let reply = Reply::decode(own, bytes)
                        .or_else(|_| Reply::decode(method_of(*method), bytes));
                    if let Ok(reply) = reply {
                        self.deliver(op, i, Some(Ok(reply)), false);
                    }
                }
            }
            Event::Structured { pick: p, seed } => {
                if let Some(i) = pick(p, n) {
                    let method = self.pending[i].request.method();
                    if let Ok(reply) = reply_for(&mut Unstructured::new(seed), method) {
                        self.deliver(op, i, Some(Ok(reply)), false);
                    }
                }
            }
            Event::Patched { pick: p, seed } => {
                if let Some(i) = pick(p, n) {
                    if let Some(Ok(reply)) = self.honest(i) {
                        let method = reply.method();
                        let Ok(patch) = reply_for(&mut Unstructured::new(seed), method) else {
                            return;
                        };
                        let mut bytes = reply.encode_to_vec();
                        bytes.extend(patch.encode_to_vec());
                        if let Ok(merged) = Reply::decode(method, &bytes) {
                            let honest = merged == reply;
                            self.deliver(op, i, Some(Ok(merged)), honest);
                        }
                    }
                }
            }
            Event::Flip { pick: p, at, xor } => {
                if let Some(i) = pick(p, n) {
                    if let Some(Ok(reply)) = self.honest(i) {
                        let mut bytes = reply.encode_to_vec();
                        if !bytes.is_empty() {
                            let at = usize::from(*at) % bytes.len();
                            bytes[at] ^= (*xor).max(1);
                        }
                        if let Ok(reply) = Reply::decode(reply.method(), &bytes) {
                            self.deliver(op, i, Some(Ok(reply)), false);
                        }
                    }
                }
            }
            Event::Swap { pick: p, from } => {
                if let (Some(i), Some(j)) = (pick(p, n), pick(from, n)) {
                    if let Some(reply) = self.honest(j) {
                        self.deliver(op, i, Some(reply), i == j);
                    }
                }
            }
            Event::Forged { id, bytes, method } => {
                if let Ok(reply) = Reply::decode(method_of(*method), bytes) {
                    let id = RequestId(id.saturating_add(1_000_000));
                    op.handle_reply(self.now, id, Ok(reply));
                }
            }
            Event::Duplicate => {
                if let Some((id, reply)) = self.last.clone() {
                    if let Some(node) = self.last_tampered.clone() {
                        self.tampered_reads.push(node);
                    }
                    op.handle_reply(self.now, id, reply);
                }
            }
            Event::StreamEnd { pick: p } => {
                if let Some(i) = pick(p, n) {
                    self.deliver(op, i, None, true);
                }
            }
            Event::Payment { ok } => {
                let result = match (self.payment.take(), ok) {
                    (Some(payment), true) => self.pay(&payment).map_err(PayerError::message),
                    _ => Err(PayerError::message("payment failed")),
                };
                op.handle_payment(self.now, result);
            }
            Event::Timeout => {
                if let Some(deadline) = op.poll_timeout() {
                    self.now = self.now.max(deadline);
                    op.handle_timeout(self.now);
                }
            }
            Event::Advance { seconds } => {
                self.now = self
                    .now
                    .saturating_add(Duration::from_secs(u64::from(*seconds)));
                op.handle_timeout(self.now);
            }
        }
    }

    /// Runs `op` through `events`, then lets it time out. Panics if it stalls or does not
    /// finish within [`FINISH_STEPS`].
    pub fn run<O: Operation>(
        &mut self,
        mut op: O,
        events: &[Event],
    ) -> Result<O::Output, OperationError> {
        if let Some(result) = self.drain(&mut op) {
            return result;
        }
        for event in events.iter().take(256) {
            self.step(&mut op, event);
            if let Some(result) = self.drain(&mut op) {
                return result;
            }
        }
        // Nobody answers any more; payments fail.
        for _ in 0..FINISH_STEPS {
            if self.payment.take().is_some() {
                op.handle_payment(self.now, Err(PayerError::message("payment failed")));
            } else {
                let deadline = op
                    .poll_timeout()
                    .expect("operation stalled: not done, no payment asked, no timeout");
                self.now = self.now.max(deadline);
                op.handle_timeout(self.now);
            }
            if let Some(result) = self.drain(&mut op) {
                return result;
            }
        }
        panic!("operation did not finish within {FINISH_STEPS} timeouts");
    }

    /// Runs `op` with every request answered honestly, payments made (setup steps).
    pub fn run_honest<O: Operation>(&mut self, mut op: O) -> Result<O::Output, OperationError> {
        self.pending.clear();
        self.payment = None;
        let mut result = None;
        for _ in 0..1_000 {
            if let Some(done) = self.drain(&mut op) {
                result = Some(done);
                break;
            }
            if let Some(payment) = self.payment.take() {
                let paid = self.pay(&payment).map_err(PayerError::message);
                op.handle_payment(self.now, paid);
            } else if !self.pending.is_empty() {
                let reply = self.honest(0);
                self.deliver(&mut op, 0, reply, true);
            } else if let Some(deadline) = op.poll_timeout() {
                self.now = self.now.max(deadline);
                op.handle_timeout(self.now);
            }
        }
        self.pending.clear();
        self.payment = None;
        self.tampered_reads.clear();
        self.last = None;
        self.last_tampered = None;
        result.expect("an honest run finishes")
    }

    /// Whether at most one member's read reply was tampered with.
    fn reads_trustworthy(&self) -> bool {
        let mut nodes = self.tampered_reads.clone();
        nodes.sort();
        nodes.dedup();
        nodes.len() <= 1
    }

    fn store(&mut self) -> Uuid {
        let context = self.context(PaymentMode::FromBalance);
        let input = StoreValuesInput {
            values: stored_values(),
            ttl_days: Some(1),
            permissions: Some(Permissions::defaults_for_user(self.user.user_id())),
            update: None,
        };
        let op = store_values(self.now, &context, input, &mut crate::rng(1)).expect("valid");
        self.run_honest(op).expect("setup: store values")
    }

    fn store_program(&mut self) -> String {
        let context = self.context(PaymentMode::FromBalance);
        let name = ProgramName::new("add_simple").expect("a valid name");
        let op = store_program(self.now, &context, &name, ADD_SIMPLE.to_vec()).expect("valid");
        self.run_honest(op)
            .expect("setup: store program")
            .to_string()
    }

    fn compute_input(&mut self) -> InvokeComputeInput {
        let program_id = self.store_program();
        let me = self.user.user_id();
        InvokeComputeInput {
            program_id,
            value_ids: Vec::new(),
            input_bindings: vec![("Alice".into(), me)],
            output_bindings: vec![("Alice".into(), vec![me])],
            values: compute_values(),
        }
    }

    /// Runs one scenario: setup (honest), then the fuzzed operation, then the checks.
    pub fn scenario(&mut self, scenario: &Scenario) {
        let mode = mode_of(scenario.mode);
        let context = self.context(mode);
        let now = self.now;
        let events = &scenario.events;
        let leader = context.leader.clone();
        let policy = context.retry.clone();
        match scenario.op {
            OpKind::DiscoverCluster => {
                let _ = self.run(discover_cluster(now, policy), events);
            }
            OpKind::NodeVersion => {
                let _ = self.run(node_version(now, Target::Bootnode, policy), events);
            }
            OpKind::PaymentsConfig => {
                let _ = self.run(payments_config(now, &leader, policy), events);
            }
            OpKind::AccountBalance => {
                let _ = self.run(account_balance(now, &leader, policy), events);
            }
            OpKind::AddFunds => {
                let op = add_funds(
                    now,
                    &context,
                    self.user.user_id(),
                    2_000_000,
                    true,
                    &mut crate::rng(2),
                );
                let _ = self.run(op, events);
            }
            OpKind::RequestQuote => {
                let op = request_quote(
                    now,
                    &leader,
                    &context.leader_key,
                    quote_request::pool_status(),
                    None,
                    policy,
                );
                let _ = self.run(op, events);
            }
            OpKind::PoolStatus => {
                let _ = self.run(pool_status(now, &context), events);
            }
            OpKind::StoreValues => {
                let input = StoreValuesInput {
                    values: stored_values(),
                    ttl_days: Some(1),
                    permissions: Some(Permissions::defaults_for_user(self.user.user_id())),
                    update: None,
                };
                let op = store_values(now, &context, input, &mut crate::rng(1)).expect("valid");
                let _ = self.run(op, events);
            }
            OpKind::RetrieveValues => {
                let id = self.store();
                let now = self.now;
                let result = self.run(retrieve_values(now, &context, id), events);
                if let Ok(values) = result {
                    if self.reads_trustworthy() {
                        assert_eq!(values, stored_values(), "a wrong value was returned");
                    }
                }
            }
            OpKind::DeleteValues => {
                let id = self.store();
                let now = self.now;
                let _ = self.run(delete_values(now, &context.members, id, policy), events);
            }
            OpKind::RetrievePermissions => {
                let id = self.store();
                let now = self.now;
                let _ = self.run(retrieve_permissions(now, &context, id), events);
            }
            OpKind::OverwritePermissions => {
                let id = self.store();
                let now = self.now;
                let permissions = Permissions::defaults_for_user(self.user.user_id());
                let _ = self.run(overwrite_permissions(now, &context, id, &permissions), events);
            }
            OpKind::UpdatePermissions => {
                let id = self.store();
                let now = self.now;
                let delta = PermissionsDelta::new().grant_retrieve(UserKey::from_bytes(&[0x33; 32]).expect("key").user_id());
                let _ = self.run(update_permissions(now, &context, id, delta), events);
            }
            OpKind::StoreProgram => {
                let name = ProgramName::new("add_simple").expect("a valid name");
                let op = store_program(now, &context, &name, ADD_SIMPLE.to_vec()).expect("valid");
                let _ = self.run(op, events);
            }
            OpKind::InvokeCompute => {
                let input = self.compute_input();
                let now = self.now;
                let op = invoke_compute(now, &context, input, &mut crate::rng(3)).expect("valid");
                let _ = self.run(op, events);
            }
            OpKind::RetrieveResults => {
                let input = self.compute_input();
                let ctx = self.context(PaymentMode::FromBalance);
                let op = invoke_compute(self.now, &ctx, input, &mut crate::rng(3)).expect("valid");
                let compute_id = self.run_honest(op).expect("setup: invoke compute");
                let now = self.now;
                let result = self.run(retrieve_results(now, &context, compute_id), events);
                if let Ok(values) = result {
                    if self.reads_trustworthy() {
                        assert_eq!(values, expected_results(), "a wrong result was returned");
                    }
                }
            }
        }
    }
}

impl Default for Harness {
    fn default() -> Self {
        Self::new()
    }
}
