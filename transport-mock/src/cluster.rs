//! The emulated cluster: its nodes, the leader role, the chain stub, and request routing (the
//! compute simulation is in `compute`, persistence in `persist`).
//!
//! [`Cluster::handle`] is the one entry point a transport needs: it takes the node a request is
//! addressed to, the raw `x-nillion-token-bin` bytes (if the request carried any) and the
//! request, and answers with a reply, a results stream, or a status. It never panics on a
//! request. Time is passed in; each node may run on a skewed clock.
//!
//! **Concurrency.** Every node, the leader's payment state, the chain stub and the cluster's
//! RNG each sit behind their own lock, so [`Cluster::handle`] takes `&self` and a slow request
//! to one node (a large store) never holds another node. Locks are always taken in the order
//! nodes (by index) → leader → chain → RNG, so no two requests can wait on each other.
//!
//! **Compute is a test double.** When every member has registered its part of a computation,
//! the cluster gathers all input shares, unmasks them with `nilvm-core`, evaluates the program in
//! the clear with `nilvm-nada`, and masks the outputs back, one share set per node. Nothing here
//! is secure: never deploy it.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use nilvm_core::auth::verify_token_with;
use nilvm_core::cluster::{Cluster as ClusterInfo, ClusterMember};
use nilvm_core::field::Prime as FieldPrime;
use nilvm_core::identity::{
    NodeId, PublicKey, SharedVerifier, UserId, UserKey, VerifiedSignatures,
};
use nilvm_core::masking::SecretMasker;
use nilvm_core::operations::OperationContext;
use nilvm_core::payments::PaymentMode;
use nilvm_core::rpc::{Code, Reply, Request, Status};
use nilvm_core::time::{Duration, Timestamp};
use nilvm_proto::nillion::membership::v1::version::NodeVersion;
use rand::SeedableRng;
use rand::rngs::StdRng;
use uuid::Uuid;

use crate::chain::Chain;
use crate::config::ClusterConfig;
use crate::leader::Leader;
use crate::node::{Node, Response, ResultsStream, StreamPoll};
use crate::status;
use crate::storage::StateStore;

mod compute;
mod persist;

pub use persist::OpenError;

/// Why a cluster could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildError(pub String);

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot build the emulated cluster: {}", self.0)
    }
}

impl std::error::Error for BuildError {}

/// A clock offset: the node's clock reads `true time + offset`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClockSkew {
    /// Milliseconds ahead (positive) or behind (negative).
    pub millis: i64,
}

impl ClockSkew {
    /// Applies the skew to `now`.
    pub fn apply(self, now: Timestamp) -> Timestamp {
        let magnitude = Duration::from_millis(self.millis.unsigned_abs());
        let skewed = if self.millis >= 0 {
            now.checked_add(magnitude)
        } else {
            now.checked_sub(magnitude)
        };
        skewed.unwrap_or(now)
    }
}

/// The emulated cluster. See the [module docs](self).
#[derive(Debug)]
pub struct Cluster {
    config: ClusterConfig,
    info: ClusterInfo,
    keys: Vec<UserKey>,
    ids: Vec<NodeId>,
    nodes: Vec<Mutex<Node>>,
    skews: Vec<ClockSkew>,
    leader_index: usize,
    leader: Mutex<Leader>,
    chain: Mutex<Chain>,
    /// Signatures the nodes (and the clients of [`Cluster::operation_context`]) already
    /// checked or the leader made: each token, quote and receipt costs one curve check, not
    /// one per node (`nilvm_core::identity::SignatureMemo`).
    signatures: Arc<VerifiedSignatures>,
    /// What operations need to know of this cluster, built once with
    /// [`OperationContext::new`]; its masker shares values among the members.
    context: OperationContext,
    rng: Mutex<StdRng>,
    /// Where changes are written through; `None` keeps the state in memory only.
    store: Option<Arc<dyn StateStore>>,
    /// Whether the state was read back from a store that already had it.
    restored: bool,
}

/// Locks `mutex`; a panic in an earlier request must not take every later one down with it.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The inner value of an exclusively borrowed lock.
fn get_mut<T>(mutex: &mut Mutex<T>) -> &mut T {
    mutex.get_mut().unwrap_or_else(PoisonError::into_inner)
}

/// The SHA-256 based node key derivation of the devnet: SHA-256(`"<seed>:<i>"`).
fn node_key(seed: &str, index: usize) -> Result<UserKey, BuildError> {
    let secret = crate::sha256(format!("{seed}:{index}").as_bytes());
    UserKey::from_bytes(&secret).map_err(|e| BuildError(format!("node key {index}: {e}")))
}

impl Cluster {
    /// Builds a cluster: node keys from `config.key_seed`, the leader is the node with the
    /// smallest public key (as in the devnet), and the cluster's own randomness (quote nonces,
    /// receipt ids, output masking, DKG keys) comes from `seed`.
    pub fn new(config: ClusterConfig, seed: u64) -> Result<Self, BuildError> {
        if config.node_count == 0 {
            return Err(BuildError("no nodes".into()));
        }
        let keys = (0..config.node_count)
            .map(|i| node_key(&config.key_seed, i))
            .collect::<Result<Vec<_>, _>>()?;
        let (leader_index, leader_user_key) = keys
            .iter()
            .enumerate()
            .min_by_key(|(_, k)| k.public_key().to_bytes())
            .map(|(i, k)| (i, k.clone()))
            .ok_or_else(|| BuildError("no nodes".into()))?;
        let members: Vec<ClusterMember> = keys
            .iter()
            .enumerate()
            .map(|(i, key)| {
                ClusterMember::new(
                    key.node_id(),
                    format!("http://127.0.0.1:{}", 30_000 + i),
                    key.public_key(),
                )
            })
            .collect();
        let leader = members
            .get(leader_index)
            .cloned()
            .ok_or_else(|| BuildError("no nodes".into()))?;
        let info = ClusterInfo::new(members, leader, config.prime, config.polynomial_degree, 0)
            .map_err(|e| BuildError(e.to_string()))?;
        let prime: FieldPrime = config.prime;
        let signatures = Arc::new(VerifiedSignatures::default());
        let mut context = OperationContext::new(&info).map_err(|e| BuildError(e.to_string()))?;
        context.signatures = Some(signatures.clone());
        let leader_key =
            SharedVerifier::new(leader_user_key.public_key(), Some(signatures.clone()));
        let nodes = keys
            .iter()
            .enumerate()
            .map(|(i, key)| {
                Mutex::new(Node::new(
                    key.node_id(),
                    leader_key.clone(),
                    prime,
                    i == leader_index,
                    &config,
                ))
            })
            .collect();
        Ok(Self {
            leader: Mutex::new(Leader::new(
                leader_user_key,
                signatures.clone(),
                config.clone(),
            )),
            signatures,
            chain: Mutex::new(Chain::new(config.chain_id.clone())),
            skews: vec![ClockSkew::default(); config.node_count],
            ids: keys.iter().map(UserKey::node_id).collect(),
            config,
            info,
            keys,
            nodes,
            leader_index,
            context,
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
            store: None,
            restored: false,
        })
    }

    /// Serves the cluster at other endpoints (the gRPC devnet's real addresses).
    pub fn set_endpoints(&mut self, endpoints: &[String]) -> Result<(), BuildError> {
        if endpoints.len() != self.keys.len() {
            return Err(BuildError("one endpoint per node".into()));
        }
        let members: Vec<ClusterMember> = self
            .keys
            .iter()
            .zip(endpoints)
            .map(|(key, url)| ClusterMember::new(key.node_id(), url.clone(), key.public_key()))
            .collect();
        let leader = members
            .get(self.leader_index)
            .cloned()
            .ok_or_else(|| BuildError("no leader".into()))?;
        self.info = ClusterInfo::new(
            members,
            leader,
            self.config.prime,
            self.config.polynomial_degree,
            0,
        )
        .map_err(|e| BuildError(e.to_string()))?;
        Ok(())
    }

    /// The settings.
    pub fn config(&self) -> &ClusterConfig {
        &self.config
    }

    /// The cluster definition `Membership/Cluster` serves.
    pub fn info(&self) -> &ClusterInfo {
        &self.info
    }

    /// The node ids, in node order (node 0 is the bootnode).
    pub fn node_ids(&self) -> Vec<NodeId> {
        self.ids.clone()
    }

    /// The node index of an id.
    pub fn index_of(&self, id: &NodeId) -> Option<usize> {
        self.ids.iter().position(|n| n == id)
    }

    /// The bootnode (node 0).
    // `new` refuses a cluster without nodes, and `ids` has one entry per node.
    #[allow(clippy::indexing_slicing)]
    pub fn bootnode(&self) -> &NodeId {
        &self.ids[0]
    }

    /// The leader's node id.
    pub fn leader_id(&self) -> &NodeId {
        self.info.leader().node_id()
    }

    /// The key the leader signs quotes and receipts with.
    pub fn leader_key(&self) -> PublicKey {
        *self.info.leader().public_key()
    }

    /// A node's signing key (the devnet publishes the derivation, so this is no secret).
    pub fn node_key(&self, index: usize) -> Option<&UserKey> {
        self.keys.get(index)
    }

    /// A node, locked: requests to it wait until the guard is dropped (requests to other
    /// nodes do not).
    pub fn node(&self, id: &NodeId) -> Option<MutexGuard<'_, Node>> {
        self.index_of(id).and_then(|i| self.nodes.get(i)).map(lock)
    }

    /// The leader's payment state, locked.
    pub fn leader(&self) -> MutexGuard<'_, Leader> {
        lock(&self.leader)
    }

    /// The leader's payment state, to set balances in tests. With a store, what is changed
    /// through it is written with the leader's next request.
    pub fn leader_mut(&mut self) -> &mut Leader {
        let keep = self.store.is_some();
        let leader = get_mut(&mut self.leader);
        if !keep {
            // Nothing to write: the change notes of earlier calls are not kept.
            drop(leader.take_changes());
        }
        leader
    }

    /// The chain stub, locked (the guard gives write access too).
    pub fn chain(&self) -> MutexGuard<'_, Chain> {
        lock(&self.chain)
    }

    /// The chain stub, to fund accounts and broadcast transactions. With a store, what is
    /// changed through it is written with the next [`Cluster::chain_call`].
    pub fn chain_mut(&mut self) -> &mut Chain {
        let keep = self.store.is_some();
        let chain = get_mut(&mut self.chain);
        if !keep {
            // Nothing to write: the change notes of earlier calls are not kept.
            drop(chain.take_changes());
        }
        chain
    }

    /// The masker of this cluster (members in party order).
    pub fn masker(&self) -> &SecretMasker {
        &self.context.masker
    }

    /// Sets a node's clock skew.
    pub fn set_clock_skew(&mut self, index: usize, skew: ClockSkew) {
        if let Some(slot) = self.skews.get_mut(index) {
            *slot = skew;
        }
    }

    /// What a client needs to run operations against this cluster.
    pub fn operation_context(&self, payment_mode: PaymentMode) -> OperationContext {
        self.context.clone().with_payment_mode(payment_mode)
    }

    /// The memo of signatures the nodes checked or the leader made (shared with clients in the
    /// same process, as [`Cluster::operation_context`] does).
    pub fn signatures(&self) -> Arc<VerifiedSignatures> {
        Arc::clone(&self.signatures)
    }

    /// Node `index`'s clock at true time `now`.
    pub fn local_now(&self, index: usize, now: Timestamp) -> Timestamp {
        self.skews
            .get(index)
            .copied()
            .unwrap_or_default()
            .apply(now)
    }

    /// Answers one request addressed to node `target` at true time `now`. `token` is the
    /// `x-nillion-token-bin` header (decoded from base64), if the request had one: it is
    /// verified for this node, and its user is the caller.
    pub fn handle(
        &self,
        now: Timestamp,
        target: &NodeId,
        token: Option<&[u8]>,
        request: Request,
    ) -> Result<Response, Status> {
        let index = self
            .index_of(target)
            .ok_or_else(|| status(Code::Unavailable, format!("no node {target}")))?;
        let local = self.local_now(index, now);
        let caller = match token {
            None => None,
            Some(token) => Some(
                verify_token_with(token, target, local, Some(&*self.signatures))
                    .map_err(|e| status(Code::Unauthenticated, e.to_string()))?
                    .user_id(),
            ),
        };
        self.handle_as(index, local, caller, request)
    }

    /// Answers a request for an already authenticated `caller` at the node's clock `local`.
    pub fn handle_as(
        &self,
        index: usize,
        local: Timestamp,
        caller: Option<UserId>,
        request: Request,
    ) -> Result<Response, Status> {
        let mut node = self
            .nodes
            .get(index)
            .map(lock)
            .ok_or_else(|| status(Code::Unavailable, "no such node"))?;
        node.cleanup(local);
        let answer = self.answer(index, &mut node, local, caller, request);
        // Written before the answer goes out: what a client is told is stored survives.
        self.persist_node(index, &mut node)?;
        drop(node);
        let (response, computation) = answer?;
        if let Some(id) = computation {
            // The simulation locks every node, in order: this one was let go above.
            self.run_computation_if_ready(local, id)?;
        }
        Ok(response)
    }

    /// The node's answer, and the computation to run if this request completed one.
    fn answer(
        &self,
        index: usize,
        node: &mut Node,
        local: Timestamp,
        caller: Option<UserId>,
        request: Request,
    ) -> Result<(Response, Option<Uuid>), Status> {
        let is_leader = index == self.leader_index;
        // A follower does not serve the leader's services: gRPC's own UNIMPLEMENTED, no text
        // (docs/node-checks.md §6.2).
        let leader_only = || status(Code::Unimplemented, "");
        let reply = match request {
            Request::Cluster(()) => Reply::Cluster(self.info.to_proto()),
            Request::NodeVersion(()) => Reply::NodeVersion(NodeVersion {
                version: None,
                git_hash: "nilvm-transport-mock".into(),
            }),
            Request::PriceQuote(request) => {
                if !is_leader {
                    return Err(leader_only());
                }
                let node = &*node;
                let mut leader = self.leader();
                let quote = leader.price_quote(
                    local,
                    &request,
                    |id| node.has_program(id),
                    &mut *lock(&self.rng),
                );
                self.persist_payments(&mut leader, None)?;
                Reply::PriceQuote(quote?)
            }
            Request::PaymentReceipt(request) => {
                if !is_leader {
                    return Err(leader_only());
                }
                let mut leader = self.leader();
                let receipt = leader.payment_receipt(
                    local,
                    caller,
                    &request,
                    &self.chain(),
                    &mut *lock(&self.rng),
                );
                self.persist_payments(&mut leader, None)?;
                Reply::PaymentReceipt(receipt?)
            }
            Request::PaymentsConfig(()) => {
                if !is_leader {
                    return Err(leader_only());
                }
                Reply::PaymentsConfig(self.leader().payments_config())
            }
            Request::AccountBalance(()) => {
                if !is_leader {
                    return Err(leader_only());
                }
                Reply::AccountBalance(self.leader().account_balance(local, caller)?)
            }
            Request::AddFunds(request) => {
                if !is_leader {
                    return Err(leader_only());
                }
                let mut leader = self.leader();
                let added = leader.add_funds(local, &request, &self.chain());
                self.persist_payments(&mut leader, None)?;
                added?;
                Reply::AddFunds(())
            }
            Request::StoreValues(r) => Reply::StoreValues(node.store_values(local, caller, &r)?),
            Request::RetrieveValues(r) => {
                Reply::RetrieveValues(node.retrieve_values(local, caller, &r)?)
            }
            Request::DeleteValues(r) => {
                node.delete_values(local, caller, &r)?;
                Reply::DeleteValues(())
            }
            Request::RetrievePermissions(r) => {
                Reply::RetrievePermissions(node.retrieve_permissions(local, caller, &r)?)
            }
            Request::OverwritePermissions(r) => {
                node.overwrite_permissions(local, caller, &r)?;
                Reply::OverwritePermissions(())
            }
            Request::UpdatePermissions(r) => {
                node.update_permissions(local, caller, &r)?;
                Reply::UpdatePermissions(())
            }
            Request::StoreProgram(r) => Reply::StoreProgram(node.store_program(local, caller, &r)?),
            Request::InvokeCompute(r) => {
                let response = node.invoke_compute(local, caller, &r)?;
                let id = Uuid::from_slice(&response.compute_id).ok();
                return Ok((Response::Unary(Reply::InvokeCompute(response)), id));
            }
            Request::RetrieveResults(r) => {
                return node
                    .retrieve_results(caller, &r.compute_id)
                    .map(|stream| (Response::Results(stream), None));
            }
            Request::PoolStatus(r) => Reply::PoolStatus(node.pool_status(local, &r)?),
            _ => return Err(status(Code::Unimplemented, "")),
        };
        Ok((Response::Unary(reply), None))
    }

    /// Advances a results stream at true time `now`. `next_poll` comes back in true time.
    pub fn poll_results(&self, now: Timestamp, stream: &mut ResultsStream) -> StreamPoll {
        let found = self
            .index_of(&stream.node)
            .and_then(|i| Some((i, self.nodes.get(i)?)));
        let Some((index, node)) = found else {
            return StreamPoll {
                end: Some(Err(status(Code::Unavailable, "node gone"))),
                ..StreamPoll::default()
            };
        };
        let local = self.local_now(index, now);
        let mut node = lock(node);
        let mut poll = node.poll_results(local, stream);
        if let Err(status) = self.persist_node(index, &mut node) {
            poll.end = Some(Err(status));
        }
        drop(node);
        // Back to true time: the skew is constant.
        poll.next_poll = poll.next_poll.map(|at| {
            let ahead = at.duration_since(local).unwrap_or_default();
            now.saturating_add(ahead)
        });
        poll
    }
}
