//! The clock: the wall clock by default, or one that tests move forward (to make quotes,
//! tokens and values expire). The driver and the devnet server read time only through a
//! [`Clock`]; this module is the one place the crate reads the wall clock.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::SystemTime;

use nilvm_core::time::{Duration, Timestamp};

/// A source of the current time; cheap to clone.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> Timestamp + Send + Sync>);

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Clock").field(&self.now()).finish()
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

impl Clock {
    /// The wall clock.
    pub fn system() -> Self {
        Self(Arc::new(wall_clock))
    }

    /// A clock reading `now`.
    pub fn from_fn(now: impl Fn() -> Timestamp + Send + Sync + 'static) -> Self {
        Self(Arc::new(now))
    }

    /// The current time.
    pub fn now(&self) -> Timestamp {
        (self.0)()
    }
}

/// The wall clock plus an offset that only grows: give its [`Clock`] to a devnet and to the
/// clients of a test, then [`advance`](Self::advance) it to jump days ahead at once.
#[derive(Clone, Debug, Default)]
pub struct AdvancingClock {
    offset_seconds: Arc<AtomicI64>,
}

impl AdvancingClock {
    /// The wall clock, not yet moved.
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves the clock forward by `by` (whole seconds).
    pub fn advance(&self, by: Duration) {
        let seconds = i64::try_from(by.as_secs()).unwrap_or(i64::MAX);
        self.offset_seconds.fetch_add(seconds, Ordering::SeqCst);
    }

    /// The clock to hand out.
    pub fn clock(&self) -> Clock {
        let offset = self.offset_seconds.clone();
        Clock::from_fn(move || {
            let seconds = u64::try_from(offset.load(Ordering::SeqCst)).unwrap_or(0);
            wall_clock().saturating_add(Duration::from_secs(seconds))
        })
    }
}

fn wall_clock() -> Timestamp {
    let since_epoch = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    let seconds = i64::try_from(since_epoch.as_secs()).unwrap_or(i64::MAX);
    Timestamp::new(seconds, since_epoch.subsec_nanos()).unwrap_or(Timestamp::UNIX_EPOCH)
}
