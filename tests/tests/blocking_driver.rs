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

/// A data frame (flag 0x00) or a trailer frame (flag 0x80) around `payload`.
fn frame(flags: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![flags];
    out.extend_from_slice(&u32::try_from(payload.len()).unwrap().to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// What `read_body` makes of `body`: the messages, and how the call ended.
fn read(body: &[u8]) -> (Vec<Vec<u8>>, Result<(), nilvm_core::rpc::Status>) {
    let mut messages = Vec::new();
    let end = driver::read_body(body, |message| {
        messages.push(message.to_vec());
        true
    });
    (messages, end)
}

#[test]
fn data_frames_are_messages_and_the_trailer_frame_ends_the_call() {
    let mut body = frame(0x00, b"one");
    body.extend(frame(0x00, b""));
    body.extend(frame(0x80, b"grpc-status: 0\r\ngrpc-message: \r\n"));
    let (messages, end) = read(&body);
    assert_eq!(messages, [b"one".to_vec(), Vec::new()]);
    assert_eq!(end, Ok(()));

    let trailers = b"Grpc-Status:5\r\ngrpc-message: value%20not%20found%E2%9C%93\r\n\
                     grpc-status-details-bin: AQI\r\n";
    let (messages, end) = read(&frame(0x80, trailers));
    assert!(messages.is_empty());
    let status = end.unwrap_err();
    assert_eq!(status.code, Code::NotFound);
    assert_eq!(status.message, "value not found\u{2713}");
    assert_eq!(status.details, [1, 2]);
}

#[test]
fn bad_bytes_are_statuses_not_panics() {
    let cases: [(&[u8], Code); 8] = [
        (b"", Code::Unavailable),                                   // no trailers
        (&[0x00, 0, 0], Code::Unavailable),                         // a cut header
        (&[0x00, 0, 0, 0, 9, 1, 2], Code::Unavailable),             // a cut message
        (&[0x00, 0xff, 0xff, 0xff, 0xff], Code::ResourceExhausted), // 4 GiB announced
        (&[0x01, 0, 0, 0, 0], Code::Internal),                      // compressed, never asked for
        (&[0x80, 0, 0, 0, 2, 0xff, 0xfe], Code::Internal),          // trailers that are not text
        (&[0x80, 0, 0, 0, 3, b'a', b'b', b'c'], Code::Internal),    // a line without a colon
        (b"\x80\0\0\0\x0fgrpc-status: ok", Code::Unknown),          // a status that is no number
    ];
    for (body, code) in cases {
        let (_, end) = read(body);
        assert_eq!(end.map_err(|s| s.code), Err(code), "{body:?}");
    }
    let (_, end) = read(&frame(0x80, b"grpc-message: no status\r\n"));
    assert_eq!(end.unwrap_err().code, Code::Unknown);
    let (_, end) = read(&frame(0x80, b"grpc-status: 99\r\n"));
    assert_eq!(end.unwrap_err().code, Code::Unknown);
}

#[test]
fn random_bodies_never_panic() {
    use rand::{Rng as _, RngExt as _, SeedableRng as _};
    let mut rng = rand::rngs::StdRng::seed_from_u64(15);
    for _ in 0..2_000 {
        let mut body = vec![0u8; rng.random_range(0..48)];
        rng.fill_bytes(&mut body);
        // Small announced lengths, so that frames often parse and the trailers get read.
        if let Some(length) = body.get_mut(1..5) {
            length.copy_from_slice(&[0, 0, 0, rng.random_range(0..40)]);
        }
        if let Some(flags) = body.first_mut() {
            *flags = [0x00, 0x80, 0x01, 0xff][rng.random_range(0..4)];
        }
        let _ = read(&body);
    }
}

#[test]
fn a_cancelled_call_stops_reading_at_the_next_frame() {
    let mut body = frame(0x00, b"first");
    body.extend(frame(0x00, b"second"));
    let mut seen = 0;
    let end = driver::read_body(&body[..], |_| {
        seen += 1;
        false
    });
    assert_eq!((seen, end), (1, Ok(())));
}
