//! The app, written once against `VmClient` (it runs over any driver), and a devnet served
//! from a tokio runtime on a background thread (the app's side knows nothing of tokio).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use nilvm_client::{ClearValue, ClientError, ComputeInput, Driver, PermissionsDelta, VmClient};
use nilvm_core::identity::UserId;
use nilvm_core::time::Timestamp;
use nilvm_core::values::SecretInteger;
use nilvm_transport_tonic::server::SharedBackend;
use nilvm_transport_tonic::server::devnet::{Devnet, DevnetConfig, DevnetError, EmulatedCluster};

/// The program the app computes: `sum = x + y`, `product = x * y`.
pub const PROGRAM: &[u8] = include_bytes!("../../../testdata/programs/multi_party_sum.nada.bin");

/// What went wrong in the app: a client error at a step, or an answer it did not expect.
#[derive(Debug)]
pub enum AppError {
    /// The client failed.
    Client {
        /// The step.
        step: &'static str,
        /// The client's error.
        error: ClientError,
    },
    /// The step succeeded with the wrong answer.
    Unexpected {
        /// The step.
        step: &'static str,
        /// What came instead.
        got: String,
    },
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Client { step, error } => write!(f, "{step}: {error}"),
            Self::Unexpected { step, got } => write!(f, "{step}: unexpected answer {got}"),
        }
    }
}

impl std::error::Error for AppError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Client { error, .. } => Some(error),
            Self::Unexpected { .. } => None,
        }
    }
}

fn at(step: &'static str) -> impl FnOnce(ClientError) -> AppError {
    move |error| AppError::Client { step, error }
}

fn expect<T: fmt::Debug + PartialEq>(step: &'static str, got: T, want: T) -> Result<(), AppError> {
    if got == want {
        println!("  ok: {step}");
        Ok(())
    } else {
        let got = format!("{got:?}");
        Err(AppError::Unexpected { step, got })
    }
}

fn secrets(pairs: &[(&str, i64)]) -> BTreeMap<String, ClearValue> {
    let secret = |v: i64| ClearValue::SecretInteger(SecretInteger::from(v));
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), secret(*v)))
        .collect()
}

/// Stores a value, reads it back, lets a program use it, computes, reads the results, deletes.
pub async fn app<D: Driver>(client: &VmClient<D>) -> Result<(), AppError> {
    let me = client.user_id();
    let x = secrets(&[("x", 20)]);
    let x_id = client
        .store_values(x.clone(), Some(1), None)
        .await
        .map_err(at("store values"))?;
    println!("  ok: store values -> {x_id}");
    let back = client.retrieve_values(x_id).await.map_err(at("retrieve"))?;
    expect("retrieve values", back, x)?;

    let program_id = client
        .store_program("multi_party_sum", PROGRAM.to_vec())
        .await
        .map_err(at("store program"))?;
    println!("  ok: store program -> {program_id}");
    let delta = PermissionsDelta::new().grant_compute(me, program_id.to_string());
    client
        .update_permissions(x_id, delta)
        .await
        .map_err(at("update permissions"))?;
    let permissions = client
        .retrieve_permissions(x_id)
        .await
        .map_err(at("retrieve permissions"))?;
    let allowed = permissions.is_compute_allowed(&me, &program_id.to_string());
    expect("update permissions (compute granted)", allowed, true)?;

    let compute_id = client
        .compute(ComputeInput {
            program_id,
            value_ids: vec![x_id],
            input_bindings: vec![("Dealer1".into(), me), ("Dealer2".into(), me)],
            output_bindings: vec![("Receiver".into(), vec![me])],
            values: secrets(&[("y", 3)]),
        })
        .await
        .map_err(at("compute"))?;
    println!("  ok: compute -> {compute_id}");
    let results = client
        .retrieve_compute_results(compute_id)
        .await
        .map_err(at("retrieve results"))?;
    expect(
        "retrieve results",
        results,
        secrets(&[("sum", 23), ("product", 60)]),
    )?;

    client
        .delete_values(x_id)
        .await
        .map_err(at("delete values"))?;
    let gone = client.retrieve_values(x_id).await;
    let not_found = matches!(&gone, Err(error) if error.is_not_found());
    expect("delete values (then not found)", not_found, true)
}

/// Why the background devnet did not start or stop.
#[derive(Debug)]
pub enum DevnetFailure {
    /// The tokio runtime could not be built.
    Runtime(std::io::Error),
    /// The devnet refused to start.
    Start(DevnetError),
    /// No answer within the limit.
    TimedOut(&'static str),
}

impl fmt::Display for DevnetFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Runtime(error) => write!(f, "cannot build the devnet's runtime: {error}"),
            Self::Start(error) => write!(f, "the devnet did not start: {error}"),
            Self::TimedOut(what) => write!(f, "the devnet did not {what} in time"),
        }
    }
}

impl std::error::Error for DevnetFailure {}

/// A devnet on free loopback ports, served by a tokio runtime on its own thread.
pub struct BackgroundDevnet {
    bootnode: String,
    backend: SharedBackend<EmulatedCluster>,
    stop: tokio::sync::oneshot::Sender<()>,
    stopped: mpsc::Receiver<()>,
}

impl BackgroundDevnet {
    /// Starts it; waits at most `limit`.
    pub fn start(limit: Duration) -> Result<Self, DevnetFailure> {
        let (ready_tx, ready_rx) = mpsc::channel();
        let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let (stopped_tx, stopped) = mpsc::channel();
        thread::spawn(move || {
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(error) => return drop(ready_tx.send(Err(DevnetFailure::Runtime(error)))),
            };
            runtime.block_on(async move {
                match Devnet::start(DevnetConfig::free_ports()).await {
                    Ok(devnet) => {
                        let up = (devnet.bootnode().to_owned(), devnet.backend());
                        let _ = ready_tx.send(Ok(up));
                        let _ = stop_rx.await;
                        devnet.stop().await;
                    }
                    Err(error) => drop(ready_tx.send(Err(DevnetFailure::Start(error)))),
                }
            });
            let _ = stopped_tx.send(());
        });
        let (bootnode, backend) = ready_rx
            .recv_timeout(limit)
            .map_err(|_| DevnetFailure::TimedOut("start"))??;
        Ok(Self {
            bootnode,
            backend,
            stop,
            stopped,
        })
    }

    /// The bootnode's gRPC (and gRPC-Web) endpoint.
    pub fn bootnode(&self) -> &str {
        &self.bootnode
    }

    /// Credits `user`'s balance with the leader directly (the network way is AddFunds, paid
    /// on chain, which this example's driver does not do).
    pub fn fund_balance(&self, now: Timestamp, user: UserId, credits: u64) {
        let cluster = self.backend.cluster();
        cluster.leader().set_balance(now, user, credits);
    }

    /// Stops every server; waits at most `deadline`.
    pub fn stop(self, deadline: Duration) -> Result<(), DevnetFailure> {
        let _ = self.stop.send(());
        self.stopped
            .recv_timeout(deadline)
            .map_err(|_| DevnetFailure::TimedOut("stop"))
    }
}
