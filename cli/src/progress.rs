//! A spinner on stderr while the CLI waits (a computation, a chain commit), only when stderr is
//! a terminal: scripts and logs see nothing of it.

use std::future::Future;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use nilvm_transport_tonic::{PayFuture, Payer};

const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/// Awaits `future`, drawing `message` with a spinner and the elapsed time on stderr meanwhile
/// when stderr is a terminal. The line is cleared when the future ends.
pub async fn spin<T>(message: &str, future: impl Future<Output = T>) -> T {
    if !std::io::stderr().is_terminal() {
        return future.await;
    }
    let start = Instant::now();
    // The first frame waits a little: quick answers (a local devnet) draw nothing.
    let period = Duration::from_millis(100);
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + 2 * period, period);
    let mut frame = 0usize;
    let mut future = std::pin::pin!(future);
    let output = loop {
        tokio::select! {
            output = &mut future => break output,
            _ = ticks.tick() => {
                let mut stderr = std::io::stderr().lock();
                let _ = write!(
                    stderr,
                    "\r\x1b[2K{} {message} ({:.1}s)",
                    FRAMES[frame % FRAMES.len()],
                    start.elapsed().as_secs_f64()
                );
                let _ = stderr.flush();
                frame += 1;
            }
        }
    };
    if frame > 0 {
        let mut stderr = std::io::stderr().lock();
        let _ = write!(stderr, "\r\x1b[2K");
        let _ = stderr.flush();
    }
    output
}

/// A payer that shows a spinner while the payment waits for its chain commit.
#[derive(Debug)]
pub struct SpinningPayer<P>(pub P);

impl<P: Payer> Payer for SpinningPayer<P> {
    fn pay<'a>(&'a self, amount_unil: u64, resource: &'a [u8]) -> PayFuture<'a> {
        Box::pin(async move {
            let message = format!("paying {amount_unil} unil on nilchain, waiting for the commit");
            spin(&message, self.0.pay(amount_unil, resource)).await
        })
    }
}
