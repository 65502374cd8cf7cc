//! `nilvm devnet --state-directory` as a process: SIGKILL it in the middle of a store load,
//! start it again on the same directory, and every store it acknowledged is there.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use nilvm_core::identity::UserKey;
use nilvm_core::operations::RetryPolicy;
use nilvm_core::values::{ClearValue, SecretInteger};
use nilvm_transport_tonic::{GrpcDriver, Network, NilChainPayer, VmClient, driver_for};

/// How many stores must be acknowledged before the devnet is killed.
const ACKNOWLEDGED_BEFORE_KILL: usize = 5;

struct Dirs {
    state: PathBuf,
    config: PathBuf,
}

impl Drop for Dirs {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.state);
        let _ = std::fs::remove_dir_all(&self.config);
    }
}

/// Starts `nilvm devnet` on `dirs` and waits for its readiness line.
fn start(dirs: &Dirs) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nilvm"))
        .args(["devnet", "--free-ports", "--state-directory"])
        .arg(&dirs.state)
        .env("XDG_CONFIG_HOME", &dirs.config)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let ready = lines
        .map(Result::unwrap)
        .any(|line| line.contains("environment file written"));
    assert!(ready, "no readiness line");
    child
}

fn network(config: &Path) -> Network {
    Network::from_config_file(&config.join("nillion/networks/devnet.yaml")).unwrap()
}

fn value(i: i64) -> BTreeMap<String, ClearValue> {
    BTreeMap::from([(
        "v".to_string(),
        ClearValue::SecretInteger(SecretInteger::from(i)),
    )])
}

async fn client(network: Network) -> VmClient<GrpcDriver> {
    let payer = NilChainPayer::from_network_key(&network).unwrap();
    let driver = driver_for(&network, Arc::new(payer)).unwrap();
    VmClient::builder(driver, UserKey::from_bytes(&[77; 32]).unwrap())
        .retry(RetryPolicy::no_retries())
        .build()
        .await
        .unwrap()
}

#[test]
fn a_sigkill_under_store_load_loses_no_acknowledged_store() {
    let tag = format!("{}-{}", std::process::id(), rand::random::<u32>());
    let dirs = Dirs {
        state: std::env::temp_dir().join(format!("nilvm-kill-state-{tag}")),
        config: std::env::temp_dir().join(format!("nilvm-kill-config-{tag}")),
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut devnet = start(&dirs);
    let acknowledged = Arc::new(Mutex::new(Vec::new()));

    let load = {
        let acknowledged = acknowledged.clone();
        let network = network(&dirs.config);
        runtime.spawn(async move {
            let client = client(network).await;
            for i in 0.. {
                match client.store_values(value(i), None, None).await {
                    Ok(id) => acknowledged.lock().unwrap().push((id, i)),
                    // The devnet is gone: the load ends.
                    Err(_) => return i,
                }
            }
            unreachable!("the load ends when the devnet is killed")
        })
    };
    // Kill it while the load runs (a store is in flight, or about to be).
    while acknowledged.lock().unwrap().len() < ACKNOWLEDGED_BEFORE_KILL && !load.is_finished() {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    devnet.kill().unwrap();
    devnet.wait().unwrap();
    let attempted = runtime.block_on(load).unwrap();
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= ACKNOWLEDGED_BEFORE_KILL);
    assert!(usize::try_from(attempted).unwrap() >= acknowledged.len());
    eprintln!(
        "killed after {} acknowledged stores (store {attempted} failed)",
        acknowledged.len()
    );

    let mut devnet = start(&dirs);
    runtime.block_on(async {
        let client = client(network(&dirs.config)).await;
        for (id, i) in &acknowledged {
            assert_eq!(
                client.retrieve_values(*id).await.unwrap(),
                value(*i),
                "store {i} was acknowledged before the kill"
            );
        }
    });
    devnet.kill().unwrap();
    devnet.wait().unwrap();
}
