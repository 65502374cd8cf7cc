//! The tasks of a simulation and their wake-ups. A woken task is queued once, in wake order
//! (ties cannot happen: a queue has one order), so a run polls tasks in the same order every
//! time. Wakers only touch the ready queue, never the network, so the network may wake tasks
//! while it holds its own lock.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use crate::lock;

/// A spawned task.
type Task = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Identifies a spawned task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskId(pub(crate) u64);

/// The task ids woken since they were last polled, in wake order.
#[derive(Debug, Default)]
struct Ready {
    queue: VecDeque<u64>,
    queued: BTreeSet<u64>,
}

impl Ready {
    fn push(&mut self, id: u64) {
        if self.queued.insert(id) {
            self.queue.push_back(id);
        }
    }
}

struct TaskWaker {
    id: u64,
    ready: Arc<Mutex<Ready>>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        lock(&self.ready).push(self.id);
    }
}

/// The tasks not yet finished, each with its waker.
#[derive(Default)]
pub(crate) struct Executor {
    tasks: BTreeMap<u64, (Task, Waker)>,
    ready: Arc<Mutex<Ready>>,
    next: u64,
}

impl std::fmt::Debug for Executor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor")
            .field("tasks", &self.tasks.len())
            .finish_non_exhaustive()
    }
}

impl Executor {
    /// The id of the future [`crate::Simulation::block_on`] runs (never a spawned task's).
    pub(crate) const MAIN: u64 = 0;

    /// Adds a task, ready to be polled.
    pub(crate) fn spawn(&mut self, task: Task) -> TaskId {
        self.next += 1;
        let id = self.next;
        let waker = self.waker(id);
        self.tasks.insert(id, (task, waker));
        lock(&self.ready).push(id);
        TaskId(id)
    }

    /// The waker that queues task `id`.
    pub(crate) fn waker(&self, id: u64) -> Waker {
        let ready = Arc::clone(&self.ready);
        Waker::from(Arc::new(TaskWaker { id, ready }))
    }

    /// Queues task `id` as if woken.
    pub(crate) fn wake(&self, id: u64) {
        lock(&self.ready).push(id);
    }

    /// The tasks woken so far, in wake order (those they wake are for the next round).
    pub(crate) fn take_ready(&self) -> Vec<u64> {
        let mut ready = lock(&self.ready);
        ready.queued.clear();
        ready.queue.drain(..).collect()
    }

    /// Polls spawned task `id` once; a finished task is dropped.
    pub(crate) fn poll(&mut self, id: u64) {
        let Some((task, waker)) = self.tasks.get_mut(&id) else {
            return;
        };
        let waker = waker.clone();
        let mut cx = Context::from_waker(&waker);
        if let Poll::Ready(()) = task.as_mut().poll(&mut cx) {
            self.tasks.remove(&id);
        }
    }

    /// Whether task `id` has not finished.
    pub(crate) fn is_pending(&self, id: TaskId) -> bool {
        self.tasks.contains_key(&id.0)
    }

    /// How many spawned tasks have not finished.
    pub(crate) fn pending(&self) -> usize {
        self.tasks.len()
    }
}
