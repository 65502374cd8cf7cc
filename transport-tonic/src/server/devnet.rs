//! The devnet: the emulated cluster of `nilvm-transport-mock` (nodes, leader, chain stub)
//! served over real gRPC, a drop-in for the official `nillion-devnet`.
//!
//! **A test double, never a secure deployment**: compute is simulated in the clear (see
//! `nilvm-transport-mock`).
//!
//! Defaults follow `nillion-devnet` (docs/payments-and-devnet.md §4): 3 nodes, seed
//! `nillion-devnet`, node keys SHA-256(`"<seed>:<i>"`), the leader is the node with the
//! smallest public key, node 0 is the bootnode, chain `nillion-chain-devnet` with its gRPC on
//! `localhost:26649`, ten funded keys. With the default seed and 3 nodes the node ports are
//! the official 37939, 54936 and 44651; other seeds and node counts take free ports (the
//! official port shuffle is not reproduced), and [`DevnetConfig::free_ports`] makes every
//! port free (tests, several devnets per host). The chain stub serves cosmos gRPC on 26649,
//! CometBFT JSON-RPC on 26648 (and on 48102, where the official devnet puts a CORS proxy in
//! front of it) and cosmos REST on 26650; the files name the ports really bound.
//!
//! Every node port speaks gRPC (HTTP/2) and gRPC-Web (HTTP/1.1 or HTTP/2, open CORS). With
//! [`DevnetConfig::state_directory`] the state lives in an embedded database and survives a
//! restart (see `nilvm_transport_mock::storage`).

use std::fmt;
use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use nilvm_core::cluster::Prime;
use nilvm_core::identity::{NodeId, UserKey};
use nilvm_core::payments::chain_tx::nillion_address;
use nilvm_core::rpc::{Code, Request, Status};
use nilvm_core::time::Timestamp;
use nilvm_transport_mock::storage::{Table, Write};
use nilvm_transport_mock::{
    Chain, Cluster, ClusterConfig, DiskStore, Response, ResultsStream, StateStore,
};
use uuid::Uuid;

use super::chain::{ChainService, HasChain};
use super::cometbft::CometService;
use super::rest::RestService;
use super::{
    Answer, Backend, NodeService, ServerHandle, SharedBackend, StreamStep, TlsIdentity, serve,
    serve_http, serve_with_tls,
};
use crate::clock::Clock;
use crate::network::Network;

/// The default seed.
pub const DEFAULT_SEED: &str = "nillion-devnet";
/// The cluster id of the default seed.
pub const DEFAULT_CLUSTER_ID: &str = "9e68173f-9c23-4acc-ba81-4f079b639964";
/// The node ports of the default seed with 3 nodes.
pub const DEFAULT_NODE_PORTS: [u16; 3] = [37939, 54936, 44651];
/// The chain's gRPC port.
pub const CHAIN_GRPC_PORT: u16 = 26649;
/// The chain's CometBFT RPC port.
pub const CHAIN_RPC_PORT: u16 = 26648;
/// The chain's cosmos REST port.
pub const CHAIN_REST_PORT: u16 = 26650;
/// The CORS-open CometBFT RPC (a proxy in front of the RPC in the official devnet).
pub const CHAIN_JSON_RPC_PORT: u16 = 48102;
/// What each funded key holds at start: 1,000,000 NIL.
pub const FUNDING_UNIL: u64 = 1_000_000 * 1_000_000;

/// The ten funded devnet keys, `from_seed("nillion-devnet-key-<i>")` (public test keys).
pub const FUNDED_KEYS: [&str; 10] = [
    "9a975f567428d054f2bf3092812e6c42f901ce07d9711bc77ee2cd81101f42c5",
    "1e491133b9408b39572a29f91644873decea554224b20e2b0b923aeb860a1c18",
    "980488572f235316cdb330191f8bafe4e635efbe88b3a40f5bee9bd21047c059",
    "612bb5173dc60d9e91404fcc0d1f1847fb4459a7d5160d63d84e91aacbf2ab2f",
    "04f5a984eeea9dce4e5e907da69c01a61568e3071b1a91cbed89225f9fd913b5",
    "5f992c58921f4af83b4c6b650c4914626664cd02020577b0ada49cfa00d2c8a4",
    "8f0297d3bb647eb59b95b29550b2aebbedd9be2c954b000e772efe8c9318a42d",
    "c395243df9bb68dc809668efe4125f0eb017771ed8e3747b8d6860551913fecb",
    "4bb5eaa799e24ae2b48545c41331921afe7e6a8dd7a850f5fbeb20a8226664ec",
    "ef4b944d4fdb0077057925fe2dde365dfa2c83cf320463b14589feccd1b2b938",
];

/// The emulated cluster as a [`Backend`]: node `i` is the cluster's node `i`.
#[derive(Debug)]
pub struct EmulatedCluster {
    cluster: Cluster,
    nodes: Vec<NodeId>,
}

impl EmulatedCluster {
    /// Wraps a cluster.
    pub fn new(cluster: Cluster) -> Self {
        let nodes = cluster.node_ids();
        Self { cluster, nodes }
    }

    /// The cluster.
    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }

    /// The cluster, to change its state in tests (balances, chain funds, clock skew).
    pub fn cluster_mut(&mut self) -> &mut Cluster {
        &mut self.cluster
    }
}

impl Backend for EmulatedCluster {
    type Stream = ResultsStream;

    fn handle(
        &self,
        now: Timestamp,
        node: usize,
        token: Option<&[u8]>,
        request: Request,
    ) -> Result<Answer<ResultsStream>, Status> {
        let id = self
            .nodes
            .get(node)
            .cloned()
            .ok_or_else(|| Status::new(Code::Unavailable, "no such node"))?;
        match self.cluster.handle(now, &id, token, request)? {
            Response::Unary(reply) => Ok(Answer::Unary(reply)),
            Response::Results(stream) => Ok(Answer::Stream(stream)),
        }
    }

    fn poll_stream(&self, now: Timestamp, stream: &mut ResultsStream) -> StreamStep {
        let poll = self.cluster.poll_results(now, stream);
        StreamStep {
            messages: poll.messages,
            end: poll.end,
            next_poll: poll.next_poll,
        }
    }
}

impl HasChain for EmulatedCluster {
    fn with_chain<R>(&self, f: impl FnOnce(&mut Chain) -> R) -> Result<R, Status> {
        self.cluster.chain_call(f)
    }
}

/// How to run a devnet.
#[derive(Clone, Debug)]
pub struct DevnetConfig {
    /// How many nodes (the official tool allows 3 to 99).
    pub node_count: usize,
    /// Derives the node keys and the cluster id.
    pub seed: String,
    /// The field secrets are shared in (`--prime-bits` 64, 128 or 256).
    pub prime: Prime,
    /// The address every server binds to.
    pub bind: IpAddr,
    /// Take free ports for everything (nodes and chain) instead of the official ones.
    pub free_ports: bool,
    /// Serve the nodes over TLS with this identity (`https://` endpoints); the chain stays
    /// cleartext, as in the official devnet.
    pub tls: Option<TlsIdentity>,
    /// Keep every piece of state in an embedded database in this directory (see
    /// [`nilvm_transport_mock::storage`]); a restart with the same directory and settings
    /// brings back the same cluster, ports and data. `None` keeps the state in memory.
    pub state_directory: Option<PathBuf>,
    /// What the nodes read as the time (tests give an
    /// [`AdvancingClock`](crate::clock::AdvancingClock)'s, to make quotes and values expire).
    pub clock: Clock,
}

impl Default for DevnetConfig {
    /// The official defaults: 3 nodes, seed `nillion-devnet`, 256-bit prime, 127.0.0.1,
    /// official ports.
    fn default() -> Self {
        Self {
            node_count: 3,
            seed: DEFAULT_SEED.into(),
            prime: Prime::U256,
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            free_ports: false,
            tls: None,
            state_directory: None,
            clock: Clock::system(),
        }
    }
}

impl DevnetConfig {
    /// The defaults on free ports: for tests.
    pub fn free_ports() -> Self {
        Self {
            free_ports: true,
            ..Self::default()
        }
    }
}

/// Why a devnet could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DevnetError {
    /// A port could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The configuration is unusable.
    #[error("invalid devnet configuration: {0}")]
    Config(String),
    /// The state directory could not be used (unreadable, or another cluster's state).
    #[error("state directory {path}: {source}")]
    State {
        /// The directory.
        path: PathBuf,
        /// What is wrong.
        source: nilvm_transport_mock::StoreError,
    },
    /// The state directory could not be created.
    #[error("cannot create the state directory {path}: {source}")]
    StateDirectory {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// The database file inside a state directory.
pub const STATE_FILE: &str = "devnet-state.redb";

/// The `Meta` key of the ports a devnet with a state directory bound (reused on restart).
const PORTS_KEY: &[u8] = b"devnet.ports";

/// The state store of a state directory, created if needed.
fn open_state(dir: &Path) -> Result<Arc<dyn StateStore>, DevnetError> {
    std::fs::create_dir_all(dir).map_err(|source| DevnetError::StateDirectory {
        path: dir.to_owned(),
        source,
    })?;
    DiskStore::open(&dir.join(STATE_FILE))
        .map(|store| Arc::new(store) as Arc<dyn StateStore>)
        .map_err(|source| DevnetError::State {
            path: dir.to_owned(),
            source,
        })
}

/// The ports an earlier run bound: nodes in order, then the chain's.
fn saved_ports(store: &dyn StateStore) -> Option<Vec<u16>> {
    let bytes = store.get(Table::Meta, PORTS_KEY).ok()??;
    Some(
        bytes
            .chunks_exact(2)
            .filter_map(|pair| <[u8; 2]>::try_from(pair).ok().map(u16::from_be_bytes))
            .collect(),
    )
}

/// A running devnet. Stop it with [`Devnet::stop`] (dropping it stops the servers too).
pub struct Devnet {
    backend: SharedBackend<EmulatedCluster>,
    nodes: Vec<ServerHandle>,
    chain: ServerHandle,
    rpc: ServerHandle,
    json_rpc: ServerHandle,
    rest: ServerHandle,
    endpoints: Vec<String>,
    cluster_id: Uuid,
    config: DevnetConfig,
}

impl fmt::Debug for Devnet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Devnet")
            .field("cluster_id", &self.cluster_id)
            .field("endpoints", &self.endpoints)
            .field("chain", &self.chain.local_addr())
            .finish_non_exhaustive()
    }
}

async fn bind(ip: IpAddr, port: u16) -> Result<tokio::net::TcpListener, DevnetError> {
    let addr = SocketAddr::new(ip, port);
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| DevnetError::Bind { addr, source })
}

fn cluster_id(seed: &str) -> Uuid {
    if seed == DEFAULT_SEED {
        if let Ok(id) = Uuid::parse_str(DEFAULT_CLUSTER_ID) {
            return id;
        }
    }
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("{seed}:cluster-id").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.iter_mut().zip(digest).for_each(|(d, s)| *d = s);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

impl Devnet {
    /// Starts the nodes and the chain, and funds the ten devnet keys. Must be called within a
    /// tokio runtime; the servers run on it.
    pub async fn start(config: DevnetConfig) -> Result<Self, DevnetError> {
        if config.node_count == 0 || config.node_count > 99 {
            return Err(DevnetError::Config("the node count must be 1 to 99".into()));
        }
        let store = match &config.state_directory {
            Some(dir) => Some(open_state(dir)?),
            None => None,
        };
        // A restart binds the ports the state's first run bound.
        // A port for each node and the chain's four: the lookups below never miss.
        let saved = store
            .as_deref()
            .and_then(saved_ports)
            .filter(|ports| ports.len() == config.node_count + 4);
        let official_ports = !config.free_ports
            && config.seed == DEFAULT_SEED
            && config.node_count == DEFAULT_NODE_PORTS.len();
        let mut listeners = Vec::with_capacity(config.node_count);
        for i in 0..config.node_count {
            let port = match (&saved, official_ports) {
                (Some(ports), _) => ports.get(i).copied().unwrap_or(0),
                (None, true) => DEFAULT_NODE_PORTS.get(i).copied().unwrap_or(0),
                (None, false) => 0,
            };
            listeners.push(bind(config.bind, port).await?);
        }
        let chain_port = match (&saved, config.free_ports) {
            (Some(ports), _) => ports.get(config.node_count).copied().unwrap_or(0),
            (None, true) => 0,
            (None, false) => CHAIN_GRPC_PORT,
        };
        let chain_listener = bind(config.bind, chain_port).await?;
        let mut http_listeners = Vec::with_capacity(3);
        for (i, official) in [CHAIN_RPC_PORT, CHAIN_JSON_RPC_PORT, CHAIN_REST_PORT]
            .into_iter()
            .enumerate()
        {
            let port = match (&saved, config.free_ports) {
                (Some(ports), _) => ports.get(config.node_count + 1 + i).copied().unwrap_or(0),
                (None, true) => 0,
                (None, false) => official,
            };
            http_listeners.push(bind(config.bind, port).await?);
        }

        let mut endpoints = Vec::with_capacity(listeners.len());
        for listener in &listeners {
            let addr = listener
                .local_addr()
                .map_err(|e| DevnetError::Config(e.to_string()))?;
            let scheme = if config.tls.is_some() {
                "https"
            } else {
                "http"
            };
            endpoints.push(format!("{scheme}://127.0.0.1:{}", addr.port()));
        }
        let cluster_config = ClusterConfig {
            node_count: config.node_count,
            key_seed: config.seed.clone(),
            prime: config.prime,
            ..ClusterConfig::default()
        };
        let mut cluster = match &store {
            None => Cluster::new(cluster_config, rand::random())
                .map_err(|e| DevnetError::Config(e.to_string()))?,
            Some(store) => Cluster::open(cluster_config, rand::random(), store.clone())
                .map_err(|e| state_error(&config, e))?,
        };
        cluster
            .set_endpoints(&endpoints)
            .map_err(|e| DevnetError::Config(e.to_string()))?;
        if let Some(store) = &store {
            save_ports(store.as_ref(), &listeners, &chain_listener, &http_listeners)
                .map_err(|source| state_failure(&config, source))?;
        }
        // Genesis funding once: a restored chain keeps its balances.
        if !cluster.is_restored() {
            for hex_key in FUNDED_KEYS {
                let address = UserKey::from_hex(hex_key)
                    .ok()
                    .and_then(|key| nillion_address(&key.public_key()).ok())
                    .ok_or_else(|| DevnetError::Config("bad funded key".into()))?;
                cluster
                    .chain_call(|chain| chain.fund(&address, FUNDING_UNIL))
                    .map_err(|status| DevnetError::Config(status.message))?;
            }
        }
        cluster
            .purge_expired(config.clock.now())
            .map_err(|status| DevnetError::Config(status.message))?;
        let backend = Arc::new(EmulatedCluster::new(cluster));
        let bind_error = |source| DevnetError::Bind {
            addr: SocketAddr::new(config.bind, 0),
            source,
        };
        let mut nodes = Vec::with_capacity(listeners.len());
        for (index, listener) in listeners.into_iter().enumerate() {
            let service = NodeService::new(backend.clone(), index).with_clock(config.clock.clone());
            nodes.push(serve_with_tls(listener, service, config.tls.as_ref()).map_err(bind_error)?);
        }
        let chain =
            serve(chain_listener, ChainService::new(backend.clone())).map_err(bind_error)?;
        let mut http = http_listeners.into_iter();
        let mut next = || {
            http.next()
                .ok_or_else(|| DevnetError::Config("no listener".into()))
        };
        let rpc = serve_http(next()?, CometService::new(backend.clone())).map_err(bind_error)?;
        let json_rpc =
            serve_http(next()?, CometService::new(backend.clone())).map_err(bind_error)?;
        let rest = serve_http(next()?, RestService::new(backend.clone())).map_err(bind_error)?;
        Ok(Self {
            backend,
            nodes,
            chain,
            rpc,
            json_rpc,
            rest,
            endpoints,
            cluster_id: cluster_id(&config.seed),
            config,
        })
    }

    /// The bootnode's endpoint (node 0).
    pub fn bootnode(&self) -> &str {
        self.endpoints
            .first()
            .map(String::as_str)
            .unwrap_or_default()
    }

    /// Every node's endpoint, in node order.
    pub fn node_endpoints(&self) -> &[String] {
        &self.endpoints
    }

    /// The chain's gRPC endpoint, as the network file names it.
    pub fn chain_grpc_endpoint(&self) -> String {
        format!("http://localhost:{}", self.chain.local_addr().port())
    }

    /// The chain's CometBFT JSON-RPC endpoint (`nilchain_rpc_endpoint` in the network file).
    pub fn chain_rpc_endpoint(&self) -> String {
        format!("http://localhost:{}", self.rpc.local_addr().port())
    }

    /// The CORS-open CometBFT JSON-RPC endpoint (`NILLION_NILCHAIN_JSON_RPC`).
    pub fn chain_json_rpc_endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.json_rpc.local_addr().port())
    }

    /// The chain's cosmos REST endpoint (`NILLION_NILCHAIN_REST_API`).
    pub fn chain_rest_endpoint(&self) -> String {
        format!("http://localhost:{}", self.rest.local_addr().port())
    }

    /// The network to point clients at (loopback addresses).
    pub fn network(&self) -> Network {
        Network::devnet_at(
            self.bootnode(),
            format!("http://127.0.0.1:{}", self.chain.local_addr().port()),
        )
    }

    /// The cluster id.
    pub fn cluster_id(&self) -> Uuid {
        self.cluster_id
    }

    /// The settings it runs with.
    pub fn config(&self) -> &DevnetConfig {
        &self.config
    }

    /// The ten funded chain keys.
    pub fn funded_keys() -> Vec<UserKey> {
        FUNDED_KEYS
            .iter()
            .filter_map(|hex_key| UserKey::from_hex(hex_key).ok())
            .collect()
    }

    /// The emulated cluster behind the servers (to inspect or change its state in tests).
    pub fn backend(&self) -> SharedBackend<EmulatedCluster> {
        self.backend.clone()
    }

    /// Adds `unil` to a chain account, creating it if needed (and keeps it in the state
    /// directory, if there is one).
    pub fn fund(&self, address: &str, unil: u64) {
        if let Err(status) = self
            .backend
            .cluster()
            .chain_call(|chain| chain.fund(address, unil))
        {
            tracing::warn!(message = %status.message, "funding was not persisted");
        }
    }

    /// The content of `nillion-devnet.env`, in the official format and order.
    pub fn env_file(&self) -> String {
        let mut text = String::from("# Nillion devnet parameters\n");
        let mut line = |key: &str, value: &str| {
            text.push_str(key);
            text.push('=');
            text.push_str(value);
            text.push('\n');
        };
        line("NILLION_CLUSTER_ID", &self.cluster_id.to_string());
        line("NILLION_NILCHAIN_CHAIN_ID", crate::network::DEVNET_CHAIN_ID);
        line("NILLION_NILCHAIN_JSON_RPC", &self.chain_json_rpc_endpoint());
        line("NILLION_NILCHAIN_REST_API", &self.chain_rest_endpoint());
        line("NILLION_NILCHAIN_GRPC", &self.chain_grpc_endpoint());
        line("NILLION_GRPC_ENDPOINT", self.bootnode());
        for (i, key) in FUNDED_KEYS.iter().enumerate() {
            line(&format!("NILLION_NILCHAIN_PRIVATE_KEY_{i}"), key);
        }
        text
    }

    /// The content of `networks/devnet.yaml`; `nilauth` is kept from an earlier file.
    pub fn network_file(&self, nilauth: Option<&str>) -> String {
        format!(
            "bootnode: {bootnode}\npayments:\n  nilchain_chain_id: {chain_id}\n  nilchain_rpc_endpoint: {rpc}\n  nilchain_grpc_endpoint: {grpc}\n  nilchain_private_key: {key}\n  gas_price: null\nnilauth: {nilauth}\n",
            rpc = self.chain_rpc_endpoint(),
            bootnode = self.bootnode(),
            chain_id = crate::network::DEVNET_CHAIN_ID,
            grpc = self.chain_grpc_endpoint(),
            key = FUNDED_KEYS[0],
            nilauth = nilauth.unwrap_or("null"),
        )
    }

    /// Writes `<config_dir>/networks/devnet.yaml`, then `<config_dir>/nillion-devnet.env`
    /// (last: tools wait for it). Returns both paths.
    pub fn write_config_files(&self, config_dir: &Path) -> std::io::Result<(PathBuf, PathBuf)> {
        let networks = config_dir.join("networks");
        std::fs::create_dir_all(&networks)?;
        let yaml_path = networks.join("devnet.yaml");
        let nilauth = std::fs::read_to_string(&yaml_path)
            .ok()
            .and_then(|text| previous_nilauth(&text));
        write_file(&yaml_path, &self.network_file(nilauth.as_deref()))?;
        let env_path = config_dir.join("nillion-devnet.env");
        write_file(&env_path, &self.env_file())?;
        Ok((yaml_path, env_path))
    }

    /// Stops every server and waits for them.
    pub async fn stop(self) {
        for node in self.nodes {
            if let Err(error) = node.stop().await {
                tracing::warn!(%error, "node server ended with an error");
            }
        }
        for chain in [self.chain, self.rpc, self.json_rpc, self.rest] {
            if let Err(error) = chain.stop().await {
                tracing::warn!(%error, "chain server ended with an error");
            }
        }
    }
}

fn state_error(
    config: &DevnetConfig,
    error: nilvm_transport_mock::cluster::OpenError,
) -> DevnetError {
    use nilvm_transport_mock::cluster::OpenError;
    match error {
        OpenError::Store(source) => state_failure(config, source),
        other => DevnetError::Config(other.to_string()),
    }
}

fn state_failure(config: &DevnetConfig, source: nilvm_transport_mock::StoreError) -> DevnetError {
    DevnetError::State {
        path: config.state_directory.clone().unwrap_or_default(),
        source,
    }
}

/// Records the bound ports in the state, so a restart serves the same endpoints.
fn save_ports(
    store: &dyn StateStore,
    nodes: &[tokio::net::TcpListener],
    chain: &tokio::net::TcpListener,
    http: &[tokio::net::TcpListener],
) -> Result<(), nilvm_transport_mock::StoreError> {
    let ports = nodes
        .iter()
        .chain(std::iter::once(chain))
        .chain(http)
        .filter_map(|l| l.local_addr().ok())
        .flat_map(|addr| addr.port().to_be_bytes())
        .collect();
    store.commit(&[Write {
        table: Table::Meta,
        key: PORTS_KEY.to_vec(),
        value: Some(ports),
    }])
}

fn write_file(path: &Path, text: &str) -> std::io::Result<()> {
    let mut file = std::fs::File::create(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

/// The `nilauth` section of an earlier network file, re-indented as a YAML block.
fn previous_nilauth(text: &str) -> Option<String> {
    let value: serde_yaml::Value = serde_yaml::from_str(text).ok()?;
    let nilauth = value.get("nilauth")?;
    if nilauth.is_null() {
        return None;
    }
    let mut section = serde_yaml::Mapping::new();
    section.insert("nilauth".into(), nilauth.clone());
    let rendered = serde_yaml::to_string(&section).ok()?;
    // "nilauth: <value>" or "nilauth:\n  ...": keep what follows the key.
    rendered
        .strip_prefix("nilauth:")
        .map(|rest| rest.trim_start_matches(' ').trim_end().to_owned())
}
