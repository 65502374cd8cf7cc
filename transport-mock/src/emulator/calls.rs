//! The calls in flight, as their callers see them: what arrived and not yet read, whether the
//! call ended, and who to wake. A caller that drops its reply stream cancels the call; what
//! still arrives for it is discarded and counted as a stray reply of its driver. A call is
//! forgotten once its caller let go and no event of it is left in the queue, so a long run
//! keeps only the calls still in flight.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Poll, Waker};

use bytes::Bytes;
use nilvm_core::rpc::Status;

/// One call's side of the network.
#[derive(Debug)]
struct Slot {
    messages: VecDeque<Result<Bytes, Status>>,
    ended: bool,
    cancelled: bool,
    /// Whether a node already took a copy of the request (the answer goes to the first).
    taken: bool,
    waker: Option<Waker>,
    /// The stray-reply counter of the driver that made the call.
    strays: Arc<AtomicU64>,
    /// The call's events still in the queue (request copies, messages, stream polls).
    queued: u32,
}

/// The calls by id (ids are never reused within a run).
#[derive(Debug, Default)]
pub(crate) struct Calls {
    slots: BTreeMap<u64, Slot>,
}

impl Calls {
    /// Opens call `id` for a driver counting its strays in `strays`.
    pub(crate) fn open(&mut self, id: u64, strays: Arc<AtomicU64>) {
        let slot = Slot {
            messages: VecDeque::new(),
            ended: false,
            cancelled: false,
            taken: false,
            waker: None,
            strays,
            queued: 0,
        };
        self.slots.insert(id, slot);
    }

    /// An event of call `id` was put in the queue.
    pub(crate) fn queued(&mut self, id: u64) {
        if let Some(slot) = self.slots.get_mut(&id) {
            slot.queued += 1;
        }
    }

    /// An event of call `id` was taken from the queue and processed.
    pub(crate) fn processed(&mut self, id: u64) {
        if let Some(slot) = self.slots.get_mut(&id) {
            slot.queued = slot.queued.saturating_sub(1);
        }
        self.forget_if_done(id);
    }

    /// How many calls are remembered (in flight, or waiting for their caller).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    /// Forgets call `id` once nobody reads it and nothing of it is queued: no event can reach
    /// it any more, so no stray is left to count.
    fn forget_if_done(&mut self, id: u64) {
        if self
            .slots
            .get(&id)
            .is_some_and(|slot| slot.cancelled && slot.queued == 0)
        {
            self.slots.remove(&id);
        }
    }

    /// Whether anyone still reads call `id` (a cancelled stream is not pumped further).
    pub(crate) fn is_open(&self, id: u64) -> bool {
        self.slots
            .get(&id)
            .is_some_and(|slot| !slot.cancelled && !slot.ended)
    }

    /// A node takes a copy of call `id`'s request: whether it is the first. A call has one
    /// answer (one HTTP/2 stream): the copies after the first are processed by their node,
    /// and what the node says to them is lost as a stray.
    pub(crate) fn take_request(&mut self, id: u64) -> bool {
        let Some(slot) = self.slots.get_mut(&id) else {
            return false;
        };
        if slot.taken {
            slot.strays.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        slot.taken = true;
        true
    }

    /// Hands a message to call `id` (and ends it if `last`). Returns `false` when the call
    /// was cancelled or had ended: the message is a stray.
    pub(crate) fn deliver(&mut self, id: u64, message: Result<Bytes, Status>, last: bool) -> bool {
        let Some(slot) = self.slots.get_mut(&id) else {
            return false;
        };
        if slot.cancelled || slot.ended {
            slot.strays.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        slot.messages.push_back(message);
        slot.ended = last;
        wake(slot);
        true
    }

    /// Ends call `id` cleanly.
    pub(crate) fn end(&mut self, id: u64) -> bool {
        let Some(slot) = self.slots.get_mut(&id) else {
            return false;
        };
        if slot.cancelled || slot.ended {
            slot.strays.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        slot.ended = true;
        wake(slot);
        true
    }

    /// The next message of call `id`, `None` once it ended, or pending (`waker` is woken when
    /// something arrives).
    pub(crate) fn poll(&mut self, id: u64, waker: &Waker) -> Poll<Option<Result<Bytes, Status>>> {
        let Some(slot) = self.slots.get_mut(&id) else {
            return Poll::Ready(None);
        };
        if let Some(message) = slot.messages.pop_front() {
            return Poll::Ready(Some(message));
        }
        if slot.ended || slot.cancelled {
            return Poll::Ready(None);
        }
        slot.waker = Some(waker.clone());
        Poll::Pending
    }

    /// The caller let go of call `id`. The slot stays (without its buffers) while events of
    /// it are queued, so that late replies are still counted.
    pub(crate) fn cancel(&mut self, id: u64) {
        if let Some(slot) = self.slots.get_mut(&id) {
            slot.cancelled = true;
            slot.messages.clear();
            slot.waker = None;
        }
        self.forget_if_done(id);
    }
}

fn wake(slot: &mut Slot) {
    if let Some(waker) = slot.waker.take() {
        waker.wake();
    }
}
