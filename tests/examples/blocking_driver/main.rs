//! A third driver, neither tokio nor the emulator: **blocking gRPC-Web over HTTP/1.1 on plain
//! `std` threads**, running the same `VmClient` app as the other transports.
//!
//! ```text
//! cargo run -p nilvm-tests --example blocking_driver
//! ```
//!
//! starts a devnet (on a tokio runtime in a background thread: the devnet's business, not the
//! driver's), connects, and runs [`app::app`]:
//!
//! ```ignore
//! let client = block_on(VmClient::connect(BlockingDriver::new(bootnode), key))?;
//! block_on(app(&client))?;
//! ```
//!
//! # What a driver must do
//!
//! `nilvm_core::drive` runs every operation; a driver only moves bytes and time
//! (`nilvm_core::drive::Driver`):
//!
//! - `call`: send the encoded request to `endpoint + method.path()` (the bootnode when
//!   `OutgoingCall::endpoint` is `None`), with `OutgoingCall::token` in the
//!   `x-nillion-token-bin` header when there is one, and stream back each reply message's
//!   bytes, or the `Status` that ended the call (the node's, or the transport's: unreachable,
//!   broken). Never panic on what arrives: bad bytes are a `Status`. The core decodes the
//!   messages and decides what an undecodable one means. Dropping the stream cancels the call.
//! - `sleep_until`: a future that resolves once `now()` has reached the instant;
//! - `now`: the clock (here the wall clock); `fill_random`: entropy (here the OS's);
//! - `pay`: pay on chain and return the transaction hash, or the payer's typed error. This
//!   driver refuses ([`driver::NoChainPayments`]): the user's balance pays (the example
//!   credits it on the devnet first).
//!
//! Everything else, the token rule, retries, timeouts, the connect sequence, payment modes,
//! lives above the driver, once. Here:
//!
//! - `call` hands the request to a fixed pool of worker threads (an `mpsc` queue); a worker
//!   POSTs it with `ureq` as `application/grpc-web+proto` (a 5-byte frame: flag 0, big-endian
//!   length), reads data frames (flag `0x00`) into the call's reply queue, waking its waker,
//!   and ends at the trailer frame (flag `0x80`: `grpc-status`, `grpc-message`) or at a
//!   `grpc-status` in the headers (a trailers-only answer). A cancelled call's worker drops
//!   its connection at the next frame;
//! - `sleep_until` registers with one timer thread (a `Condvar` wait until the earliest
//!   deadline);
//! - [`driver::block_on`] is the executor: poll on the calling thread, `park` until a waker
//!   `unpark`s it.

mod app;
mod driver;

use std::process::ExitCode;
use std::time::Duration;

use nilvm_client::{Driver as _, VmClient};
use nilvm_core::drive::DriverRng;
use nilvm_core::identity::UserKey;

use app::{BackgroundDevnet, app};
use driver::{BlockingDriver, block_on};

/// Enough credits for the app's paid operations.
const CREDITS: u64 = 1_000_000;

fn main() -> ExitCode {
    match run() {
        Ok(()) => {
            println!("done");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("failed: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let devnet = BackgroundDevnet::start(Duration::from_secs(60))?;
    println!("devnet up, bootnode {}", devnet.bootnode());
    let driver = BlockingDriver::new(devnet.bootnode());
    let key = UserKey::generate(&mut DriverRng(&driver));
    devnet.fund_balance(driver.now(), key.user_id(), CREDITS);
    println!("balance of {} credited with {CREDITS}", key.user_id());

    let outcome = block_on(VmClient::connect(driver, key)).map(|client| {
        println!("connected: {client:?}");
        let outcome = block_on(app(&client));
        client.close();
        outcome
    });
    let stopped = devnet.stop(Duration::from_secs(10));
    outcome??;
    stopped?;
    Ok(())
}
