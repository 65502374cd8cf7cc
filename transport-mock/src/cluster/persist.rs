//! Writing the cluster's changes through to its [`StateStore`], and reading them back.
//!
//! Each part records which of its records a request changed; the cluster turns those into
//! [`Write`]s of the records' current state while it still holds the part's lock, and commits
//! them in one transaction before the request is answered.

use std::collections::BTreeMap;
use std::sync::{Arc, MutexGuard};

use nilvm_core::rpc::{Code, Status};
use nilvm_core::time::Timestamp;
use uuid::Uuid;

use super::{Cluster, lock};
use crate::chain::{BURNED_KEY, Chain, ChainChange, HEIGHT_KEY};
use crate::cluster::BuildError;
use crate::config::ClusterConfig;
use crate::leader::{Leader, LeaderChange};
use crate::node::{Node, NodeChange};
use crate::records::{self, node_key, split_node_key};
use crate::status;
use crate::storage::{StateStore, StoreError, Table, Write};

/// The `Meta` key of the configuration a state belongs to.
const FINGERPRINT_KEY: &[u8] = b"cluster";

/// Why a cluster could not be opened on a store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// The configuration is unusable.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// The store could not be read, or holds another cluster's state.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Writes keyed by record: a record changed twice in one request is written once.
#[derive(Default)]
struct Batch(BTreeMap<(Table, Vec<u8>), Option<Vec<u8>>>);

impl Batch {
    fn put(&mut self, table: Table, key: Vec<u8>, value: Option<Vec<u8>>) {
        self.0.insert((table, key), value);
    }

    fn into_writes(self) -> Vec<Write> {
        self.0
            .into_iter()
            .map(|((table, key), value)| Write { table, key, value })
            .collect()
    }
}

fn not_persisted(error: StoreError) -> Status {
    status(Code::Internal, format!("state not persisted: {error}"))
}

/// What identifies a cluster's state: a store from another configuration is refused.
fn fingerprint(config: &ClusterConfig) -> String {
    format!(
        "seed={:?} nodes={} prime={:?} degree={}",
        config.key_seed, config.node_count, config.prime, config.polynomial_degree
    )
}

impl Cluster {
    /// A cluster whose state lives in `store`: the state already there is read back (the
    /// store must come from the same seed, node count and prime), and every change is written
    /// through before the request that made it is answered.
    pub fn open(
        config: ClusterConfig,
        seed: u64,
        store: Arc<dyn StateStore>,
    ) -> Result<Self, OpenError> {
        let mut cluster = Cluster::new(config, seed)?;
        let expected = fingerprint(&cluster.config);
        match store.get(Table::Meta, FINGERPRINT_KEY)? {
            Some(found) if found != expected.as_bytes() => {
                return Err(StoreError::OtherCluster {
                    found: String::from_utf8_lossy(&found).into_owned(),
                    expected,
                }
                .into());
            }
            Some(_) => {
                cluster.load(store.as_ref())?;
                cluster.restored = true;
            }
            None => store.commit(&[Write {
                table: Table::Meta,
                key: FINGERPRINT_KEY.to_vec(),
                value: Some(expected.into_bytes()),
            }])?,
        }
        cluster.store = Some(store);
        Ok(cluster)
    }

    /// Whether [`Cluster::open`] found state from an earlier run (the devnet funds its keys
    /// only on a fresh state).
    pub fn is_restored(&self) -> bool {
        self.restored
    }

    /// The store the state is written to, if any.
    pub fn store(&self) -> Option<&Arc<dyn StateStore>> {
        self.store.as_ref()
    }

    fn load(&mut self, store: &dyn StateStore) -> Result<(), StoreError> {
        let node_count = self.nodes.len();
        let node = |table: Table, key: &[u8]| -> Result<(usize, Vec<u8>), StoreError> {
            let (index, rest) = split_node_key(table, key)?;
            if index >= node_count {
                return Err(StoreError::Corrupt {
                    table: table.name(),
                    reason: format!("node {index} of {node_count}"),
                });
            }
            Ok((index, rest.to_vec()))
        };
        let uuid = |table: Table, bytes: &[u8]| {
            Uuid::from_slice(bytes).map_err(|e| StoreError::Corrupt {
                table: table.name(),
                reason: e.to_string(),
            })
        };
        for (key, value) in store.scan(Table::Values)? {
            let (index, id) = node(Table::Values, &key)?;
            let values = records::decode_values(&value)?;
            self.node_mut(Table::Values, index)?
                .restore_values(uuid(Table::Values, &id)?, values);
        }
        for (key, _) in store.scan(Table::Receipts)? {
            let (index, id) = node(Table::Receipts, &key)?;
            self.node_mut(Table::Receipts, index)?
                .restore_receipt(uuid(Table::Receipts, &id)?);
        }
        for (key, value) in store.scan(Table::Programs)? {
            let (index, id) = node(Table::Programs, &key)?;
            let id = String::from_utf8(id).map_err(|e| StoreError::Corrupt {
                table: Table::Programs.name(),
                reason: e.to_string(),
            })?;
            self.node_mut(Table::Programs, index)?
                .restore_program(id, &value)
                .map_err(|reason| StoreError::Corrupt {
                    table: Table::Programs.name(),
                    reason,
                })?;
        }
        for (key, value) in store.scan(Table::Computations)? {
            let (index, id) = node(Table::Computations, &key)?;
            let computation = records::decode_computation(&value)?;
            self.node_mut(Table::Computations, index)?
                .restore_computation(uuid(Table::Computations, &id)?, computation);
        }
        self.load_payments(store)
    }

    fn load_payments(&mut self, store: &dyn StateStore) -> Result<(), StoreError> {
        let text = |table: Table, bytes: Vec<u8>| {
            String::from_utf8(bytes).map_err(|e| StoreError::Corrupt {
                table: table.name(),
                reason: e.to_string(),
            })
        };
        let leader = self.leader_mut();
        for (key, value) in store.scan(Table::Balances)? {
            leader.restore_balance(
                records::decode_user(&key)?,
                records::decode_balance(&value)?,
            );
        }
        for (key, _) in store.scan(Table::Quotes)? {
            leader.restore_quote(key);
        }
        for (key, _) in store.scan(Table::Transfers)? {
            leader.restore_transfer(text(Table::Transfers, key)?);
        }
        let chain = self.chain_mut();
        for (key, value) in store.scan(Table::Accounts)? {
            chain.restore_account(
                text(Table::Accounts, key)?,
                records::decode_account(&value)?,
            );
        }
        for (_, value) in store.scan(Table::Transactions)? {
            chain.restore_tx(records::decode_tx(&value)?);
        }
        let counter = |key: &[u8]| -> Result<Option<u64>, StoreError> {
            store
                .get(Table::Meta, key)?
                .map(|v| records::decode_u64(&v))
                .transpose()
        };
        let height = counter(HEIGHT_KEY)?.and_then(|h| i64::try_from(h).ok());
        let burned = counter(BURNED_KEY)?;
        if let Some(height) = height {
            chain.restore_counters(height, burned.unwrap_or(0));
        }
        Ok(())
    }

    fn node_mut(&mut self, table: Table, index: usize) -> Result<&mut Node, StoreError> {
        let node_count = self.nodes.len();
        let node = self
            .nodes
            .get_mut(index)
            .ok_or_else(|| StoreError::Corrupt {
                table: table.name(),
                reason: format!("node {index} of {node_count}"),
            })?;
        Ok(super::get_mut(node))
    }

    fn commit(&self, batch: Batch) -> Result<(), Status> {
        match &self.store {
            Some(store) => store.commit(&batch.into_writes()).map_err(not_persisted),
            None => Ok(()),
        }
    }

    /// Writes node `index`'s changed records (the caller holds its lock).
    pub(super) fn persist_node(&self, index: usize, node: &mut Node) -> Result<(), Status> {
        let mut batch = Batch::default();
        node_writes(index, node, &mut batch, self.store.is_some());
        self.commit(batch)
    }

    /// Writes every node's changed records in one transaction (the caller holds every lock).
    pub(super) fn persist_nodes(&self, nodes: &mut [MutexGuard<'_, Node>]) -> Result<(), Status> {
        let mut batch = Batch::default();
        for (index, node) in nodes.iter_mut().enumerate() {
            node_writes(index, node, &mut batch, self.store.is_some());
        }
        self.commit(batch)
    }

    /// Writes the leader's (and the chain's) changed records; the caller holds their locks.
    pub(super) fn persist_payments(
        &self,
        leader: &mut Leader,
        chain: Option<&mut Chain>,
    ) -> Result<(), Status> {
        let mut batch = Batch::default();
        for change in leader.take_changes() {
            match change {
                LeaderChange::Balance(user) => batch.put(
                    Table::Balances,
                    user.as_bytes().to_vec(),
                    leader
                        .balance_record(&user)
                        .map(|b| records::encode_balance(&b)),
                ),
                LeaderChange::Quote(nonce) => batch.put(Table::Quotes, nonce, Some(Vec::new())),
                LeaderChange::Transfer(hash) => {
                    batch.put(Table::Transfers, hash.into_bytes(), Some(Vec::new()))
                }
            }
        }
        if let Some(chain) = chain {
            chain_writes(chain, &mut batch);
        }
        if self.store.is_none() {
            return Ok(());
        }
        self.commit(batch)
    }

    /// Runs `f` on the chain stub (locked) and writes what it changed: the devnet's chain
    /// service and genesis funding go through here.
    pub fn chain_call<R>(&self, f: impl FnOnce(&mut Chain) -> R) -> Result<R, Status> {
        let mut chain = self.chain();
        let result = f(&mut chain);
        let mut batch = Batch::default();
        chain_writes(&mut chain, &mut batch);
        self.commit(batch)?;
        Ok(result)
    }

    /// Drops expired values and old computations on every node now (each node also does it
    /// on every request it serves), and writes the deletions.
    pub fn purge_expired(&self, now: Timestamp) -> Result<(), Status> {
        let mut nodes: Vec<MutexGuard<'_, Node>> = self.nodes.iter().map(lock).collect();
        for (index, node) in nodes.iter_mut().enumerate() {
            node.cleanup(self.local_now(index, now));
        }
        self.persist_nodes(&mut nodes)
    }
}

/// The writes for a node's changed records; without a store the changes are only dropped.
fn node_writes(index: usize, node: &mut Node, batch: &mut Batch, stored: bool) {
    let changes = node.take_changes();
    if !stored {
        return;
    }
    for change in changes {
        match change {
            NodeChange::Values(id) => batch.put(
                Table::Values,
                node_key(index, id.as_bytes()),
                node.stored(&id).map(records::encode_values),
            ),
            NodeChange::Receipt(id) => batch.put(
                Table::Receipts,
                node_key(index, id.as_bytes()),
                Some(Vec::new()),
            ),
            NodeChange::Program(id, bytes) => {
                batch.put(Table::Programs, node_key(index, id.as_bytes()), Some(bytes))
            }
            NodeChange::Computation(id) => {
                let key = node_key(index, id.as_bytes());
                match node.computation_record(&id) {
                    None => batch.put(Table::Computations, key, None),
                    // Only finished computations are kept; one still gathering has no record.
                    Some(c) => {
                        if let Some(bytes) = records::encode_computation(c) {
                            batch.put(Table::Computations, key, Some(bytes));
                        }
                    }
                }
            }
        }
    }
}

/// The writes for the chain's changed records.
fn chain_writes(chain: &mut Chain, batch: &mut Batch) {
    for change in chain.take_changes() {
        match change {
            ChainChange::Account(address) => {
                let record = chain.account(&address).map(records::encode_account);
                batch.put(Table::Accounts, address.into_bytes(), record);
            }
            ChainChange::Tx(hash) => {
                let record = chain.tx(&hash).map(records::encode_tx);
                batch.put(Table::Transactions, hash.into_bytes(), record);
                let height = u64::try_from(chain.height()).unwrap_or(0);
                batch.put(
                    Table::Meta,
                    HEIGHT_KEY.to_vec(),
                    Some(records::encode_u64(height)),
                );
                batch.put(
                    Table::Meta,
                    BURNED_KEY.to_vec(),
                    Some(records::encode_u64(chain.burned())),
                );
            }
        }
    }
}
