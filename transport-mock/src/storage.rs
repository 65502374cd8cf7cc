//! Where the cluster's state lives: in memory (the default, nothing to write) or in an
//! embedded database on disk ([`DiskStore`]), written through on every change.
//!
//! The node semantics stay in [`Node`](crate::Node), [`Leader`](crate::Leader) and
//! [`Chain`](crate::Chain); each records *which* of its records a request changed, and the
//! [`Cluster`](crate::Cluster) writes those records to its [`StateStore`] in one transaction
//! before the request is answered: a client told "stored" finds its values after a crash.
//!
//! # Why redb
//!
//! [redb](https://docs.rs/redb) is a pure-Rust, single-file, ACID key-value store (copy-on-write
//! B-trees, a commit is durable once it returns, a torn write leaves the last commit intact).
//! Pure Rust means no C toolchain and one more crate, not a bundled SQLite; the state is
//! key → bytes records, so SQL would add nothing.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::sync::{Mutex, PoisonError};

/// The record kinds; each is a table of `key → encoded record` (see [`crate::records`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Table {
    /// The cluster configuration the state belongs to, and other settings.
    Meta,
    /// Stored values with their permissions and expiry: node index + values id.
    Values,
    /// Burned receipt ids (a receipt is used once per node): node index + receipt id.
    Receipts,
    /// Uploaded programs (the bytes as uploaded): node index + program id.
    Programs,
    /// Finished computations and their results: node index + compute id.
    Computations,
    /// The leader's balances: user id.
    Balances,
    /// The leader's burned quote nonces.
    Quotes,
    /// The leader's processed add-funds transactions: tx hash.
    Transfers,
    /// Chain accounts: address.
    Accounts,
    /// Chain transactions: tx hash.
    Transactions,
}

impl Table {
    /// Every table.
    pub const ALL: [Table; 10] = [
        Table::Meta,
        Table::Values,
        Table::Receipts,
        Table::Programs,
        Table::Computations,
        Table::Balances,
        Table::Quotes,
        Table::Transfers,
        Table::Accounts,
        Table::Transactions,
    ];

    /// Its name in the database.
    pub fn name(self) -> &'static str {
        match self {
            Table::Meta => "meta",
            Table::Values => "values",
            Table::Receipts => "receipts",
            Table::Programs => "programs",
            Table::Computations => "computations",
            Table::Balances => "balances",
            Table::Quotes => "quotes",
            Table::Transfers => "transfers",
            Table::Accounts => "accounts",
            Table::Transactions => "transactions",
        }
    }
}

/// One write: `value` `None` deletes the key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Write {
    /// The table.
    pub table: Table,
    /// The key.
    pub key: Vec<u8>,
    /// The new record, or `None` to delete it.
    pub value: Option<Vec<u8>>,
}

/// Why the state could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database failed (I/O, corruption, a lock held by another process).
    #[error("state database {path}: {source}")]
    Database {
        /// The database file.
        path: String,
        /// What failed.
        source: Box<redb::Error>,
    },
    /// A record could not be decoded.
    #[error("corrupt {table} record: {reason}")]
    Corrupt {
        /// Its table's name.
        table: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The state belongs to another cluster configuration.
    #[error(
        "the state directory belongs to another cluster configuration (it has {found}, this \
         devnet is {expected}); use another directory or the same settings"
    )]
    OtherCluster {
        /// The configuration in the state.
        found: String,
        /// The configuration asked for.
        expected: String,
    },
}

/// The records of one table: `(key, encoded record)` in key order.
pub type Records = Vec<(Vec<u8>, Vec<u8>)>;

/// The records of a [`MemoryStore`], by table and key.
type Tables = BTreeMap<(Table, Vec<u8>), Vec<u8>>;

/// A place the cluster's records live.
pub trait StateStore: Send + Sync + fmt::Debug {
    /// Applies `writes` atomically and durably: all or none, and on disk when it returns.
    fn commit(&self, writes: &[Write]) -> Result<(), StoreError>;

    /// Every record of `table`, in key order.
    fn scan(&self, table: Table) -> Result<Records, StoreError>;

    /// One record.
    fn get(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .scan(table)?
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v))
    }
}

/// Records in memory: for tests of the write-through without a disk.
#[derive(Debug, Default)]
pub struct MemoryStore {
    tables: Mutex<Tables>,
}

impl StateStore for MemoryStore {
    fn commit(&self, writes: &[Write]) -> Result<(), StoreError> {
        let mut tables = self.tables.lock().unwrap_or_else(PoisonError::into_inner);
        for write in writes {
            let key = (write.table, write.key.clone());
            match &write.value {
                Some(value) => tables.insert(key, value.clone()),
                None => tables.remove(&key),
            };
        }
        Ok(())
    }

    fn scan(&self, table: Table) -> Result<Records, StoreError> {
        let tables = self.tables.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(tables
            .iter()
            .filter(|((t, _), _)| *t == table)
            .map(|((_, k), v)| (k.clone(), v.clone()))
            .collect())
    }
}

type RedbTable = redb::TableDefinition<'static, &'static [u8], &'static [u8]>;

fn definition(table: Table) -> RedbTable {
    redb::TableDefinition::new(table.name())
}

/// Records in a redb database file (see the [module docs](self) for why redb).
pub struct DiskStore {
    db: redb::Database,
    path: String,
}

impl fmt::Debug for DiskStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DiskStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl DiskStore {
    /// Opens (or creates) the database file at `path`, with every table present.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let shown = path.display().to_string();
        let db = redb::Database::create(path).map_err(|e| database(&shown, e))?;
        let store = Self { db, path: shown };
        let txn = store.db.begin_write().map_err(|e| store.error(e))?;
        for table in Table::ALL {
            txn.open_table(definition(table))
                .map_err(|e| store.error(e))?;
        }
        txn.commit().map_err(|e| store.error(e))?;
        Ok(store)
    }

    fn error(&self, error: impl Into<redb::Error>) -> StoreError {
        database(&self.path, error)
    }
}

fn database(path: &str, error: impl Into<redb::Error>) -> StoreError {
    StoreError::Database {
        path: path.to_owned(),
        source: Box::new(error.into()),
    }
}

impl StateStore for DiskStore {
    fn commit(&self, writes: &[Write]) -> Result<(), StoreError> {
        if writes.is_empty() {
            return Ok(());
        }
        // redb's default durability: the commit is fsynced before `commit` returns.
        let txn = self.db.begin_write().map_err(|e| self.error(e))?;
        for write in writes {
            let mut table = txn
                .open_table(definition(write.table))
                .map_err(|e| self.error(e))?;
            match &write.value {
                Some(value) => {
                    table
                        .insert(write.key.as_slice(), value.as_slice())
                        .map_err(|e| self.error(e))?;
                }
                None => {
                    table
                        .remove(write.key.as_slice())
                        .map_err(|e| self.error(e))?;
                }
            }
        }
        txn.commit().map_err(|e| self.error(e))
    }

    fn scan(&self, table: Table) -> Result<Records, StoreError> {
        use redb::ReadableTable as _;
        let txn = self.db.begin_read().map_err(|e| self.error(e))?;
        let opened = txn
            .open_table(definition(table))
            .map_err(|e| self.error(e))?;
        let mut records = Vec::new();
        for entry in opened.iter().map_err(|e| self.error(e))? {
            let (key, value) = entry.map_err(|e| self.error(e))?;
            records.push((key.value().to_vec(), value.value().to_vec()));
        }
        Ok(records)
    }

    fn get(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.error(e))?;
        let opened = txn
            .open_table(definition(table))
            .map_err(|e| self.error(e))?;
        let value = opened.get(key).map_err(|e| self.error(e))?;
        Ok(value.map(|v| v.value().to_vec()))
    }
}
