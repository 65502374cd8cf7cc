//! The simulation's own behaviour: determinism with concurrent users, virtual time, undecodable
//! replies, cancelled calls, deadlocks.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use nilvm_core::drive::{Driver, Session, drive};
use nilvm_core::operations::node_version::node_version;
use nilvm_core::operations::payments_config::payments_config;
use nilvm_core::operations::pool_status::pool_status;
use nilvm_core::operations::{Misbehaviour, OperationError, RetryPolicy, Target};
use nilvm_core::payments::PaymentMode;
use nilvm_core::time::Duration;

use super::{SimError, Simulation};
use crate::emulator::START;
use crate::{ClusterConfig, NetworkConfig};
use nilvm_core::drive::UserTokens;

fn sim(network: NetworkConfig, seed: u64) -> Simulation {
    Simulation::new(ClusterConfig::default(), network, seed).expect("cluster")
}

/// Three users each check the pool (a paid call: quote, chain payment, receipt, call) at once
/// on a reordering, duplicating network.
fn three_users(seed: u64) -> (u64, Vec<String>) {
    let network = NetworkConfig {
        max_latency: std::time::Duration::from_millis(300),
        reordering: 0.5,
        duplication: 0.3,
        ..NetworkConfig::default()
    };
    let mut sim = sim(network, seed);
    sim.enable_trace();
    let context = sim
        .cluster()
        .operation_context(PaymentMode::PayPerOperation);
    let endpoints = sim.endpoints();
    let done = Arc::new(Mutex::new(0));
    for _ in 0..3 {
        let client = sim.new_client();
        let driver = sim.driver(&client);
        let tokens = UserTokens::new(client.token_cache(0));
        let (context, endpoints, done) = (context.clone(), endpoints.clone(), Arc::clone(&done));
        sim.spawn(async move {
            let session = Session {
                endpoints: &endpoints,
                tokens: Some(&tokens),
            };
            let op = pool_status(driver.now(), &context);
            drive(&driver, session, op).await.expect("pool status");
            *done.lock().expect("done") += 1;
        });
    }
    sim.run().expect("no deadlock");
    assert_eq!(*done.lock().expect("done"), 3);
    (sim.trace_hash(), sim.trace().unwrap_or_default())
}

/// Three users ask for the payments config five times each on a duplicating network; returns
/// how many calls the network still remembers at the end.
fn calls_left_after_three_users() -> usize {
    let network = NetworkConfig {
        max_latency: std::time::Duration::from_millis(300),
        duplication: 0.3,
        ..NetworkConfig::default()
    };
    let mut sim = sim(network, 3);
    let context = sim.cluster().operation_context(PaymentMode::FromBalance);
    let endpoints = sim.endpoints();
    for _ in 0..3 {
        let client = sim.new_client();
        let driver = sim.driver(&client);
        let (context, endpoints) = (context.clone(), endpoints.clone());
        sim.spawn(async move {
            let session = Session {
                endpoints: &endpoints,
                tokens: None,
            };
            for _ in 0..5 {
                let op = payments_config(driver.now(), &context.leader, RetryPolicy::default());
                drive(&driver, session, op).await.expect("payments config");
            }
        });
    }
    sim.run().expect("no deadlock");
    crate::lock(&sim.net).calls.len()
}

#[test]
fn finished_calls_are_forgotten() {
    // Duplicated requests keep a call until their copy was processed; at the end none is left.
    assert_eq!(calls_left_after_three_users(), 0);
}

#[test]
fn same_seed_same_trace_with_three_concurrent_users() {
    let (hash, trace) = three_users(5);
    assert_eq!(three_users(5), (hash, trace.clone()));
    assert_ne!(three_users(6).0, hash, "another seed, another run");
    // The users really overlap: all three quotes are asked for before any answer arrives.
    let first_answer = trace.iter().position(|l| l.contains(" deliver c"));
    let early = trace
        .iter()
        .take(first_answer.unwrap_or(0))
        .filter(|l| l.contains(" send c"))
        .count();
    assert_eq!(early, 3, "{trace:#?}");
}

#[test]
fn virtual_time_moves_only_when_idle() {
    let mut sim = sim(NetworkConfig::default(), 1);
    let handle = sim.handle();
    let wall = Instant::now();
    let at = START.saturating_add(Duration::from_secs(30));
    let before = sim
        .block_on(async move {
            // Runnable work first: the clock stays put while anything can run.
            for _ in 0..100 {
                yield_once().await;
            }
            let before = handle.now();
            handle.sleep_until(at).await;
            before
        })
        .expect("no deadlock");
    assert_eq!(before, START);
    assert_eq!(sim.now(), at);
    assert!(wall.elapsed() < std::time::Duration::from_secs(1));
}

/// Returns `Pending` once, waking itself.
async fn yield_once() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            std::task::Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
    .await;
}

#[test]
fn an_undecodable_reply_is_the_nodes_misbehaviour() {
    let network = NetworkConfig {
        corruption: 1.0,
        ..NetworkConfig::default()
    };
    let mut named = 0;
    for seed in 0..64 {
        let mut sim = sim(network.clone(), seed);
        let leader = sim.cluster().leader_id().clone();
        let driver = sim.new_user().0;
        let endpoints = sim.endpoints();
        let session = Session {
            endpoints: &endpoints,
            tokens: None,
        };
        let op = payments_config(driver.now(), &leader, RetryPolicy::no_retries());
        match sim.block_on(drive(&driver, session, op)).expect("ends") {
            Err(OperationError::Misbehaving { node, reason }) => {
                assert_eq!(node, Target::Node(leader));
                assert!(matches!(reason, Misbehaviour::Undecodable(_)), "{reason:?}");
                named += 1;
            }
            // A flipped bit may still decode, into other values.
            Ok(_) => {}
            Err(other) => panic!("seed {seed}: {other}"),
        }
    }
    assert!(named > 0, "no flipped bit broke the encoding in 64 seeds");
}

#[test]
fn a_cancelled_calls_late_reply_is_dropped() {
    // Every message takes 3 s; the operation gives up after 1 s.
    let network = NetworkConfig {
        min_latency: std::time::Duration::from_secs(3),
        max_latency: std::time::Duration::from_secs(3),
        ..NetworkConfig::default()
    };
    let mut sim = sim(network, 2);
    sim.enable_trace();
    let driver = sim.new_user().0;
    let endpoints = sim.endpoints();
    let policy = RetryPolicy {
        attempt_timeout: Duration::from_secs(1),
        ..RetryPolicy::no_retries()
    };
    let session = Session {
        endpoints: &endpoints,
        tokens: None,
    };
    let op = node_version(driver.now(), Target::Bootnode, policy);
    let result = sim.block_on(drive(&driver, session, op)).expect("ends");
    assert!(result.is_err(), "timed out: {result:?}");
    assert_eq!(driver.stray_replies(), 0, "the reply is still on its way");
    // The node answers the cancelled call anyway; its reply is discarded on arrival.
    sim.run_until_idle(Duration::from_secs(60));
    assert_eq!(driver.stray_replies(), 1);
    let trace = sim.trace().unwrap_or_default();
    assert!(trace.iter().any(|l| l.contains("discard c")), "{trace:#?}");
}

#[test]
fn a_deadlock_is_an_error() {
    let mut sim = sim(NetworkConfig::default(), 3);
    assert_eq!(
        sim.block_on(std::future::pending::<()>()),
        Err(SimError::Deadlock { pending: 1 })
    );
    let task = sim.spawn(std::future::pending());
    assert_eq!(sim.run(), Err(SimError::Deadlock { pending: 1 }));
    assert!(!sim.is_finished(task));
}

#[test]
fn the_time_limit_stops_a_run() {
    let mut sim = sim(NetworkConfig::default(), 4);
    sim.set_time_limit(Duration::from_secs(10));
    let handle = sim.handle();
    let late = START.saturating_add(Duration::from_secs(3600));
    let result = sim.block_on(async move { handle.sleep_until(late).await });
    assert_eq!(
        result,
        Err(SimError::TimeLimit {
            limit: Duration::from_secs(10)
        })
    );
}

#[test]
fn a_livelock_is_an_error() {
    let mut sim = sim(NetworkConfig::default(), 5);
    let result = sim.block_on(async {
        loop {
            yield_once().await;
        }
    });
    assert!(
        matches!(result, Err(SimError::Livelock { .. })),
        "{result:?}"
    );
}
