//! The `blocking_driver` example's app, through its driver (gRPC-Web on HTTP/1.1, `std`
//! threads, no async runtime on the client side), against a devnet, within a time limit.
#![allow(clippy::unwrap_used, clippy::panic)]

#[path = "../examples/blocking_driver/app.rs"]
mod app;
#[path = "../examples/blocking_driver/driver.rs"]
mod driver;

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use nilvm_client::{Driver as _, VmClient};
use nilvm_core::drive::DriverRng;
use nilvm_core::identity::UserKey;
use nilvm_core::operations::RetryPolicy;
use nilvm_core::rpc::Code;

use app::{BackgroundDevnet, app};
use driver::{BlockingDriver, block_on};

/// Guards against a hang (not a timing assertion); nextest's limit is the second guard.
const NO_HANG: Duration = Duration::from_secs(120);

/// Runs `work` on its own thread; fails the test if it does not end within [`NO_HANG`].
fn within_limit<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    let (done, result) = mpsc::channel();
    thread::spawn(move || {
        let _ = done.send(work());
    });
    match result.recv_timeout(NO_HANG) {
        Ok(value) => value,
        Err(error) => panic!("no result within {NO_HANG:?}: {error}"),
    }
}

#[test]
fn the_app_runs_over_the_blocking_driver_against_a_devnet() {
    let devnet = BackgroundDevnet::start(Duration::from_secs(60)).unwrap();
    let bootnode = devnet.bootnode().to_owned();
    let driver = BlockingDriver::new(&bootnode);
    let key = UserKey::generate(&mut DriverRng(&driver));
    devnet.fund_balance(driver.now(), key.user_id(), 1_000_000);
    let outcome = within_limit(move || {
        let client = block_on(VmClient::connect(driver, key))?;
        block_on(app(&client)).map_err(|e| e.to_string())?;
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
    });
    devnet.stop(Duration::from_secs(10)).unwrap();
    outcome.unwrap();
}

#[test]
fn without_a_balance_the_payment_is_refused_with_the_drivers_typed_error() {
    let devnet = BackgroundDevnet::start(Duration::from_secs(60)).unwrap();
    let driver = BlockingDriver::new(devnet.bootnode());
    let key = UserKey::generate(&mut DriverRng(&driver));
    let error = within_limit(move || {
        let client = block_on(VmClient::connect(driver, key)).unwrap();
        block_on(client.pool_status()).unwrap_err()
    });
    devnet.stop(Duration::from_secs(10)).unwrap();
    let source = std::error::Error::source(&error);
    let refused = std::iter::successors(source, |e| e.source())
        .any(|e| e.downcast_ref::<driver::NoChainPayments>().is_some());
    assert!(refused, "{error:?}");
}

#[test]
fn an_unreachable_bootnode_is_unavailable_after_the_retries_the_timer_spaced() {
    // A port nothing listens on: bind one, then free it.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let driver = BlockingDriver::new(&format!("http://{address}"));
    let key = UserKey::generate(&mut DriverRng(&driver));
    let error = within_limit(move || {
        // Two retries, 200 ms apart: the timer thread wakes the executor for each.
        let retry = RetryPolicy {
            max_retries: 2,
            delays: vec![Duration::from_millis(200)],
            ..RetryPolicy::default()
        };
        let started = std::time::Instant::now();
        let error = block_on(VmClient::builder(driver, key).retry(retry).build()).unwrap_err();
        (error, started.elapsed())
    });
    let (error, elapsed) = error;
    let status = error.status().map(|s| s.code);
    assert_eq!(status, Some(Code::Unavailable), "{error}");
    assert!(elapsed >= Duration::from_millis(400), "{elapsed:?}");
}
