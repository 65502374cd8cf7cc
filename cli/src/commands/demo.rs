//! `nilvm demo`: the whole SDK in one run against a devnet started in-process on free ports.
//!
//! Two users, Alice and Bob. Alice funds her balance, stores secrets of several types and a
//! Nada program (`testdata/programs/multi_party_sum`, compiled by the official `nada-dsl`),
//! and lets Bob compute with her stored `x`. Bob runs the program with his own compute-time
//! `y`, and gets `x + y` and `x · y`, checked here. Alice then grants Bob retrieval, revokes
//! it, and deletes her values. Each step is timed; the command exits non-zero at the first
//! step that fails or returns a wrong value.

use std::collections::BTreeMap;
use std::future::Future;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use nilvm_core::identity::UserKey;
use nilvm_core::permissions::{Permissions, PermissionsDelta};
use nilvm_core::values::{
    Array, ClearValue, Integer, SecretBlob, SecretBoolean, SecretInteger, SecretUnsignedInteger,
    UnsignedInteger,
};
use nilvm_transport_tonic::server::devnet::{Devnet, DevnetConfig};
use nilvm_transport_tonic::{ComputeInput, GrpcClient, NilChainPayer, ValuesId, connect};
use rand::RngExt;

/// The program the demo runs: Dealer1 gives `x`, Dealer2 gives `y`, Receiver gets `sum` and
/// `product`. Its source is `multi_party_sum.py` beside it.
const PROGRAM: &[u8] = include_bytes!("../../../testdata/programs/multi_party_sum.nada.bin");

/// A failed step: what went wrong.
type StepError = String;

/// The timed steps so far, printed as a table at the end.
struct Steps {
    rows: Vec<(String, Duration, String)>,
}

impl Steps {
    /// Runs one step; its future returns a one-line detail for the table.
    async fn run<T>(
        &mut self,
        name: &str,
        step: impl Future<Output = Result<(T, String), StepError>>,
    ) -> Result<T, StepError> {
        let started = Instant::now();
        let outcome = step.await;
        let elapsed = started.elapsed();
        match outcome {
            Ok((value, detail)) => {
                self.rows.push((name.to_string(), elapsed, detail));
                Ok(value)
            }
            Err(error) => {
                self.rows
                    .push((name.to_string(), elapsed, format!("FAILED: {error}")));
                Err(format!("{name}: {error}"))
            }
        }
    }

    fn print(&self) {
        let width = self
            .rows
            .iter()
            .map(|(name, _, _)| name.len())
            .max()
            .unwrap_or(4);
        println!("{:<width$}  {:>9}  result", "step", "time");
        println!(
            "{}  {}  {}",
            "-".repeat(width),
            "-".repeat(9),
            "-".repeat(40)
        );
        for (name, elapsed, detail) in &self.rows {
            println!(
                "{name:<width$}  {:>7.1}ms  {detail}",
                elapsed.as_secs_f64() * 1e3
            );
        }
    }
}

fn check(condition: bool, what: impl Into<String>) -> Result<(), StepError> {
    if condition { Ok(()) } else { Err(what.into()) }
}

fn secret_int(value: i64) -> ClearValue {
    ClearValue::SecretInteger(SecretInteger::from(value))
}

/// Runs the demo; prints the table and exits non-zero if any step fails.
pub fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mut steps = Steps { rows: Vec::new() };
    let outcome = runtime.block_on(demo(&mut steps));
    steps.print();
    match outcome {
        Ok(()) => {
            println!("\nall steps passed");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("\nerror: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn demo(steps: &mut Steps) -> Result<(), StepError> {
    let devnet = steps
        .run("start an embedded devnet", async {
            let devnet = Devnet::start(DevnetConfig {
                free_ports: true,
                ..DevnetConfig::default()
            })
            .await
            .map_err(|e| e.to_string())?;
            let detail = format!(
                "{} nodes, bootnode {}",
                devnet.node_endpoints().len(),
                devnet.bootnode()
            );
            Ok((devnet, detail))
        })
        .await?;
    let result = scenario(steps, &devnet).await;
    devnet.stop().await;
    result
}

async fn client(devnet: &Devnet, chain_key: UserKey) -> Result<GrpcClient, StepError> {
    let network = devnet.network();
    let payer = NilChainPayer::for_network(&network, chain_key).map_err(|e| e.to_string())?;
    connect(UserKey::generate(&mut rand::rng()), &network, payer)
        .await
        .map_err(|e| e.to_string())
}

async fn scenario(steps: &mut Steps, devnet: &Devnet) -> Result<(), StepError> {
    let chain_keys = Devnet::funded_keys();
    let (alice, bob) = steps
        .run("create two identities", async {
            let alice = client(devnet, chain_keys[0].clone()).await?;
            let bob = client(devnet, chain_keys[1].clone()).await?;
            let detail = format!("alice {}, bob {}", alice.user_id(), bob.user_id());
            Ok(((alice, bob), detail))
        })
        .await?;
    fund(steps, &alice).await?;
    let secrets = six_secrets()?;
    let secrets_id = store_secrets(steps, &alice, &secrets).await?;
    let x_id = compute(steps, &alice, &bob).await?;
    share_and_unshare(steps, &alice, &bob, secrets_id, &secrets).await?;
    clean_up(steps, &alice, [secrets_id, x_id]).await?;
    alice.close();
    bob.close();
    Ok(())
}

async fn fund(steps: &mut Steps, alice: &GrpcClient) -> Result<(), StepError> {
    steps
        .run("alice adds 10 NIL to her balance", async {
            alice
                .add_funds(10_000_000, None)
                .await
                .map_err(|e| e.to_string())?;
            let balance = alice.balance().await.map_err(|e| e.to_string())?.balance;
            check(balance > 0, "the balance is still empty")?;
            Ok(((), format!("balance {balance} credits")))
        })
        .await
}

/// One secret (or public value) of each of six types.
fn six_secrets() -> Result<BTreeMap<String, ClearValue>, StepError> {
    Ok(BTreeMap::from([
        (
            "age".to_string(),
            ClearValue::SecretUnsignedInteger(SecretUnsignedInteger::new(UnsignedInteger::from(
                42u64,
            ))),
        ),
        ("balance".to_string(), secret_int(-1_250)),
        (
            "is_member".to_string(),
            ClearValue::SecretBoolean(SecretBoolean::new(true)),
        ),
        (
            "note".to_string(),
            ClearValue::SecretBlob(SecretBlob::new(b"meet at noon".to_vec())),
        ),
        (
            "scores".to_string(),
            ClearValue::Array(
                Array::new(vec![secret_int(7), secret_int(9), secret_int(11)])
                    .map_err(|e| e.to_string())?,
            ),
        ),
        (
            "threshold".to_string(),
            ClearValue::Integer(Integer::from(100i64)),
        ),
    ]))
}

async fn store_secrets(
    steps: &mut Steps,
    alice: &GrpcClient,
    secrets: &BTreeMap<String, ClearValue>,
) -> Result<ValuesId, StepError> {
    steps
        .run("alice stores secrets of 6 types", async {
            let id = alice
                .store_values(secrets.clone(), Some(1), None)
                .await
                .map_err(|e| e.to_string())?;
            let back = alice.retrieve_values(id).await.map_err(|e| e.to_string())?;
            check(
                back == *secrets,
                "retrieved values differ from the stored ones",
            )?;
            Ok((id, format!("values id {id}, read back intact")))
        })
        .await
}

/// Alice stores the program and `x` for Bob, who computes with his `y` and checks the result;
/// returns the id of `x`.
async fn compute(
    steps: &mut Steps,
    alice: &GrpcClient,
    bob: &GrpcClient,
) -> Result<ValuesId, StepError> {
    let mut rng = rand::rng();
    let program_id = steps
        .run("alice stores the Nada program", async {
            let id = alice
                .store_program("multi_party_sum", PROGRAM.to_vec())
                .await
                .map_err(|e| e.to_string())?;
            let text = id.to_string();
            Ok((id, text))
        })
        .await?;

    let x: i64 = rng.random_range(-1_000..1_000);
    let x_id = steps
        .run("alice stores x and lets bob compute", async {
            let permissions = Permissions::defaults_for_user(alice.user_id())
                .allow_compute(bob.user_id(), &program_id);
            let values = BTreeMap::from([("x".to_string(), secret_int(x))]);
            let id = alice
                .store_values(values, Some(1), Some(permissions))
                .await
                .map_err(|e| e.to_string())?;
            Ok((id, format!("x = {x} stored as {id}")))
        })
        .await?;

    let y: i64 = rng.random_range(-1_000..1_000);
    let compute_id = steps
        .run("bob computes with x (stored) and y", async {
            let input = ComputeInput {
                program_id: program_id.clone(),
                value_ids: vec![x_id],
                input_bindings: vec![
                    ("Dealer1".into(), alice.user_id()),
                    ("Dealer2".into(), bob.user_id()),
                ],
                output_bindings: vec![("Receiver".into(), vec![bob.user_id()])],
                values: BTreeMap::from([("y".to_string(), secret_int(y))]),
            };
            let id = bob.compute(input).await.map_err(|e| e.to_string())?;
            Ok((id, format!("y = {y}, compute id {id}")))
        })
        .await?;

    steps
        .run("bob retrieves the result", async {
            let outputs = bob
                .retrieve_compute_results(compute_id)
                .await
                .map_err(|e| e.to_string())?;
            let expected = BTreeMap::from([
                ("product".to_string(), secret_int(x * y)),
                ("sum".to_string(), secret_int(x + y)),
            ]);
            check(outputs == expected, format!("wrong result {outputs:?}"))?;
            Ok(((), format!("sum = {}, product = {}", x + y, x * y)))
        })
        .await?;
    Ok(x_id)
}

/// Bob is denied Alice's secrets, granted retrieval, then denied again.
async fn share_and_unshare(
    steps: &mut Steps,
    alice: &GrpcClient,
    bob: &GrpcClient,
    secrets_id: ValuesId,
    secrets: &BTreeMap<String, ClearValue>,
) -> Result<(), StepError> {
    steps
        .run("bob is denied alice's secrets", async {
            let error = bob
                .retrieve_values(secrets_id)
                .await
                .err()
                .ok_or("bob read alice's secrets")?;
            check(
                error.is_permission_denied(),
                format!("unexpected error: {error}"),
            )?;
            Ok(((), "permission denied, as expected".to_string()))
        })
        .await?;

    steps
        .run("alice grants bob retrieval", async {
            alice
                .update_permissions(
                    secrets_id,
                    PermissionsDelta::new().grant_retrieve(bob.user_id()),
                )
                .await
                .map_err(|e| e.to_string())?;
            let back = bob
                .retrieve_values(secrets_id)
                .await
                .map_err(|e| e.to_string())?;
            check(back == *secrets, "bob read different values")?;
            Ok(((), "bob reads all 6 values".to_string()))
        })
        .await?;

    steps
        .run("alice revokes it", async {
            alice
                .update_permissions(
                    secrets_id,
                    PermissionsDelta::new().revoke_retrieve(bob.user_id()),
                )
                .await
                .map_err(|e| e.to_string())?;
            let error = bob
                .retrieve_values(secrets_id)
                .await
                .err()
                .ok_or("bob still reads the values")?;
            check(
                error.is_permission_denied(),
                format!("unexpected error: {error}"),
            )?;
            Ok(((), "bob is denied again".to_string()))
        })
        .await
}

/// Alice deletes both value sets, then reads her balance.
async fn clean_up(
    steps: &mut Steps,
    alice: &GrpcClient,
    ids: [ValuesId; 2],
) -> Result<(), StepError> {
    steps
        .run("alice deletes her values", async {
            for id in ids {
                alice.delete_values(id).await.map_err(|e| e.to_string())?;
            }
            let error = alice
                .retrieve_values(ids[0])
                .await
                .err()
                .ok_or("deleted values still readable")?;
            check(error.is_not_found(), format!("unexpected error: {error}"))?;
            Ok(((), "both sets gone: not found".to_string()))
        })
        .await?;

    steps
        .run("alice's balance after paying", async {
            let balance = alice.balance().await.map_err(|e| e.to_string())?.balance;
            Ok(((), format!("{balance} credits left")))
        })
        .await
}
