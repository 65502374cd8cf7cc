//! Virtual timers: a sleeping task's instant is an event in the queue like any message, so
//! the clock jumps to it only when nothing earlier is due. A timer whose sleeper went away is
//! taken out of the queue: it must not move the clock.

use std::collections::BTreeMap;
use std::task::{Poll, Waker};

use nilvm_core::time::Timestamp;

use super::Network;
use super::events::{Event, EventKey};

/// The timers set and not yet fired, by id: where each sits in the queue, and its sleeper.
#[derive(Debug, Default)]
pub(crate) struct Timers {
    pending: BTreeMap<u64, (EventKey, Option<Waker>)>,
}

impl Network {
    /// Whether `at` has come; if not, `waker` is woken when it does (`timer` remembers the
    /// timer between polls).
    pub(crate) fn poll_timer(
        &mut self,
        timer: &mut Option<u64>,
        at: Timestamp,
        waker: &Waker,
    ) -> Poll<()> {
        if self.now >= at {
            if let Some(id) = timer.take() {
                self.cancel_timer(id);
            }
            return Poll::Ready(());
        }
        let id = match *timer {
            Some(id) => id,
            None => {
                let id = self.next_id();
                let key = self.queue.schedule(at, Event::Timer { timer: id });
                self.timers.pending.insert(id, (key, None));
                *timer = Some(id);
                id
            }
        };
        if let Some((_, sleeper)) = self.timers.pending.get_mut(&id) {
            *sleeper = Some(waker.clone());
        }
        Poll::Pending
    }

    /// Takes a timer back (its sleeper was dropped).
    pub(crate) fn cancel_timer(&mut self, id: u64) {
        if let Some((key, _)) = self.timers.pending.remove(&id) {
            self.queue.cancel(key);
        }
    }

    /// Timer `id` fired.
    pub(super) fn fire_timer(&mut self, id: u64) {
        if let Some((_, Some(waker))) = self.timers.pending.remove(&id) {
            waker.wake();
        }
    }
}
