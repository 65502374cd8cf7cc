//! Requests in flight: ids, per-attempt deadlines, and retries of transient failures.
//!
//! Every operation sends through one `Calls`. It hands out request ids, remembers what each id
//! was for, answers a late or duplicated reply with silence, and re-sends a request that failed
//! with a transient status after the back-off the official clients use.
//!
//! Two rules keep a repeated request from failing work that was done:
//! - a successful reply to an *earlier attempt* of a unary call settles the call: it answers
//!   the same request, so it is as good as the current attempt's;
//! - a node's "you sent this before" ([`Status::is_replay`]) does not settle a call at once:
//!   the copy or attempt that the node processed first may still be answering, so the call
//!   waits for that reply until its attempt deadline, and only then fails with the replay
//!   status (which operations report as
//!   [`OperationError::ReplyLost`](super::OperationError::ReplyLost) unless they can conclude
//!   more).

use alloc::collections::{BTreeMap, VecDeque};
use alloc::vec::Vec;

use crate::rpc::{Code, Reply, Request, Status};
use crate::time::{Duration, Timestamp};

use super::{Misbehaviour, OperationReport, RequestId, Target, Transmit, UndecodableReply};

/// When and how often failed requests are sent again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// How many times one request is re-sent at most.
    pub max_retries: u32,
    /// The delay before each retry; the last entry repeats.
    pub delays: Vec<Duration>,
    /// How long one attempt may wait for its reply (for a stream: for its next message).
    pub attempt_timeout: Duration,
    /// How long a results stream may stay silent: nodes send a waiting message every 30 s.
    pub stream_idle_timeout: Duration,
}

impl Default for RetryPolicy {
    /// The official Rust client's policy: 10 retries after 1 s, 3 s, then 5 s each, and 30 s
    /// per attempt.
    fn default() -> Self {
        Self {
            max_retries: 10,
            delays: alloc::vec![
                Duration::from_secs(1),
                Duration::from_secs(3),
                Duration::from_secs(5)
            ],
            attempt_timeout: Duration::from_secs(30),
            stream_idle_timeout: Duration::from_secs(75),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn no_retries() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    fn delay(&self, retry: u32, status: &Status) -> Duration {
        let scheduled = usize::try_from(retry)
            .ok()
            .and_then(|i| self.delays.get(i).or(self.delays.last()))
            .copied()
            .unwrap_or_default();
        match status.retry_delay_millis() {
            Some(asked) => scheduled.max(Duration::from_millis(asked)),
            None => scheduled,
        }
    }
}

/// One request and what it is for, kept until its reply arrives.
#[derive(Debug)]
struct Call<K> {
    key: K,
    target: Target,
    request: Request,
    retries: u32,
    deadline: Timestamp,
    streaming: bool,
    /// The ids of earlier attempts, whose replies still count.
    earlier: Vec<RequestId>,
    /// A node's "already processed" answer, held until the deadline.
    replayed: Option<Status>,
}

/// What became of a request.
#[derive(Debug)]
pub(crate) enum Settled<K> {
    /// The node answered.
    Replied {
        key: K,
        target: Target,
        reply: Reply,
    },
    /// The node answered something that is no reply to the request.
    Misbehaved {
        target: Target,
        reason: Misbehaviour,
    },
    /// The node refused, or a transient failure outlasted the retries.
    Failed {
        key: K,
        target: Target,
        status: Status,
        retries: u32,
    },
}

/// The calls of one operation. `K` says what a call is for (e.g. a node's index).
#[derive(Debug)]
pub(crate) struct Calls<K> {
    policy: RetryPolicy,
    next_id: u64,
    outbox: VecDeque<Transmit>,
    in_flight: BTreeMap<RequestId, Call<K>>,
    /// Retries waiting for their back-off to pass.
    backing_off: Vec<(Timestamp, Call<K>)>,
    report: OperationReport,
}

impl<K: Clone> Calls<K> {
    /// Calls whose ids start at `first_id`. An operation of several stages starts each stage
    /// where the previous one stopped ([`Calls::next_id`]), so an id is never reused within
    /// the operation and a late reply of an earlier stage cannot settle a later stage's call.
    pub(crate) fn starting_at(policy: RetryPolicy, first_id: RequestId) -> Self {
        Self {
            policy,
            next_id: first_id.0,
            outbox: VecDeque::new(),
            in_flight: BTreeMap::new(),
            backing_off: Vec::new(),
            report: OperationReport::default(),
        }
    }

    /// The id the next request will get.
    pub(crate) fn next_id(&self) -> RequestId {
        RequestId(self.next_id)
    }

    /// What these calls saw so far.
    pub(crate) fn report(&self) -> OperationReport {
        self.report
    }

    /// Counts a reply or stream end that matched no call in flight.
    pub(crate) fn count_stray(&mut self) {
        self.report.stray_replies += 1;
    }

    /// Queues a request; `poll_transmit` hands it to the driver.
    pub(crate) fn send(&mut self, now: Timestamp, key: K, target: Target, request: Request) {
        let streaming = request.method().is_server_stream();
        let call = Call {
            key,
            target,
            request,
            retries: 0,
            deadline: now,
            streaming,
            earlier: Vec::new(),
            replayed: None,
        };
        self.dispatch(now, call);
    }

    fn dispatch(&mut self, now: Timestamp, mut call: Call<K>) {
        let id = RequestId(self.next_id);
        // 2^64 requests cannot be sent in one operation's lifetime.
        self.next_id = self.next_id.saturating_add(1);
        call.deadline = now.saturating_add(self.timeout_for(&call));
        self.outbox.push_back(Transmit {
            id,
            target: call.target.clone(),
            request: call.request.clone(),
        });
        self.in_flight.insert(id, call);
    }

    fn timeout_for(&self, call: &Call<K>) -> Duration {
        if call.streaming {
            self.policy.stream_idle_timeout
        } else {
            self.policy.attempt_timeout
        }
    }

    pub(crate) fn poll_transmit(&mut self) -> Option<Transmit> {
        self.outbox.pop_front()
    }

    /// Whether nothing is queued, in flight or backing off.
    #[cfg(test)]
    pub(crate) fn is_idle(&self) -> bool {
        self.outbox.is_empty() && self.in_flight.is_empty() && self.backing_off.is_empty()
    }

    /// The earliest deadline or end of back-off.
    pub(crate) fn poll_timeout(&self) -> Option<Timestamp> {
        let deadlines = self.in_flight.values().map(|call| call.deadline);
        let backoffs = self.backing_off.iter().map(|(at, _)| *at);
        deadlines.chain(backoffs).min()
    }

    /// Takes a reply. Returns `None` for an id that is not in flight (late, duplicated or
    /// forged), and while a transient failure is being retried.
    pub(crate) fn handle_reply(
        &mut self,
        now: Timestamp,
        id: RequestId,
        reply: Result<Reply, Status>,
    ) -> Option<Settled<K>> {
        let Some(id) = self.resolve(id, reply.is_ok()) else {
            self.count_stray();
            return None;
        };
        match reply {
            Ok(reply) => {
                let call = self.in_flight.get_mut(&id)?;
                if reply.method() != call.request.method() {
                    let reason = Misbehaviour::UnexpectedReply {
                        expected: call.request.method(),
                        got: reply.method(),
                    };
                    let call = self.in_flight.remove(&id)?;
                    return Some(Settled::Misbehaved {
                        target: call.target,
                        reason,
                    });
                }
                if call.streaming {
                    // The stream stays open until its owner calls `finish`.
                    call.deadline = now.saturating_add(self.policy.stream_idle_timeout);
                    return Some(Settled::Replied {
                        key: call.key.clone(),
                        target: call.target.clone(),
                        reply,
                    });
                }
                let call = self.in_flight.remove(&id)?;
                Some(Settled::Replied {
                    key: call.key,
                    target: call.target,
                    reply,
                })
            }
            Err(status) => {
                let call = self.in_flight.get_mut(&id)?;
                if call.replayed.is_some() {
                    // Already waiting for the processed copy's reply; this one adds nothing.
                    return None;
                }
                if status.is_replay() && !call.streaming {
                    call.replayed = Some(status);
                    return None;
                }
                let call = self.in_flight.remove(&id)?;
                self.fail_or_retry(now, id, call, status)
            }
        }
    }

    /// Takes a reply whose bytes did not decode: the call ends, its node misbehaves. Not
    /// retried: a node that sends garbage once is not trusted with the repeat.
    pub(crate) fn handle_undecodable(
        &mut self,
        id: RequestId,
        error: UndecodableReply,
    ) -> Option<Settled<K>> {
        let Some(call) = self.in_flight.remove(&id) else {
            self.count_stray();
            return None;
        };
        Some(Settled::Misbehaved {
            target: call.target,
            reason: Misbehaviour::Undecodable(error),
        })
    }

    /// The in-flight id a reply to `id` settles: `id` itself, or for a success, the current
    /// attempt of the unary call `id` was an earlier attempt of (a call backing off is put
    /// back in flight under `id`).
    fn resolve(&mut self, id: RequestId, success: bool) -> Option<RequestId> {
        if self.in_flight.contains_key(&id) {
            return Some(id);
        }
        if !success {
            return None;
        }
        let current = self
            .in_flight
            .iter()
            .find(|(_, call)| !call.streaming && call.earlier.contains(&id))
            .map(|(current, _)| *current);
        if current.is_some() {
            return current;
        }
        let waiting = self
            .backing_off
            .iter()
            .position(|(_, call)| !call.streaming && call.earlier.contains(&id))?;
        let (_, call) = self.backing_off.swap_remove(waiting);
        self.in_flight.insert(id, call);
        Some(id)
    }

    /// Closes a stream whose terminal message arrived.
    pub(crate) fn finish(&mut self, id: RequestId) {
        self.in_flight.remove(&id);
    }

    /// Fires deadlines and ends back-offs. Returns the calls that failed for good.
    pub(crate) fn handle_timeout(&mut self, now: Timestamp) -> Vec<Settled<K>> {
        let due: Vec<RequestId> = self
            .in_flight
            .iter()
            .filter(|(_, call)| call.deadline <= now)
            .map(|(id, _)| *id)
            .collect();
        let mut failed = Vec::new();
        for id in due {
            if let Some(mut call) = self.in_flight.remove(&id) {
                if let Some(status) = call.replayed.take() {
                    // The processed copy never answered: repeating cannot help.
                    failed.push(Settled::Failed {
                        key: call.key,
                        target: call.target,
                        status,
                        retries: call.retries,
                    });
                    continue;
                }
                let status = Status::new(Code::DeadlineExceeded, "no reply before the deadline");
                failed.extend(self.fail_or_retry(now, id, call, status));
            }
        }
        let (ready, waiting): (Vec<_>, Vec<_>) =
            self.backing_off.drain(..).partition(|(at, _)| *at <= now);
        self.backing_off = waiting;
        for (_, call) in ready {
            self.dispatch(now, call);
        }
        failed
    }

    fn fail_or_retry(
        &mut self,
        now: Timestamp,
        id: RequestId,
        mut call: Call<K>,
        status: Status,
    ) -> Option<Settled<K>> {
        if status.code.is_transient() && call.retries < self.policy.max_retries {
            self.report.retries += 1;
            call.earlier.push(id);
            let resume = now.saturating_add(self.policy.delay(call.retries, &status));
            call.retries += 1;
            self.backing_off.push((resume, call));
            return None;
        }
        Some(Settled::Failed {
            key: call.key,
            target: call.target,
            status,
            retries: call.retries,
        })
    }

    /// Whether request `id` is the current attempt of a call in flight.
    pub(crate) fn is_awaiting(&self, id: RequestId) -> bool {
        self.in_flight.contains_key(&id)
    }

    /// The node a call in flight was sent to.
    pub(crate) fn target_of(&self, id: RequestId) -> Option<Target> {
        self.in_flight.get(&id).map(|call| call.target.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start() -> Timestamp {
        Timestamp::from_unix_seconds(1_000)
    }

    fn version_request() -> Request {
        Request::NodeVersion(())
    }

    fn version_reply() -> Reply {
        Reply::NodeVersion(Default::default())
    }

    #[test]
    fn a_reply_settles_its_call_once() {
        let mut calls = Calls::starting_at(RetryPolicy::default(), RequestId(0));
        calls.send(start(), 7usize, Target::Bootnode, version_request());
        let sent = calls.poll_transmit().unwrap();
        assert!(calls.poll_transmit().is_none());
        let settled = calls.handle_reply(start(), sent.id, Ok(version_reply()));
        assert!(matches!(settled, Some(Settled::Replied { key: 7, .. })));
        assert!(
            calls
                .handle_reply(start(), sent.id, Ok(version_reply()))
                .is_none(),
            "duplicate ignored"
        );
        assert!(calls.is_idle());
    }

    #[test]
    fn transient_failures_back_off_then_resend_with_a_new_id() {
        let mut calls = Calls::starting_at(RetryPolicy::default(), RequestId(0));
        calls.send(start(), 0usize, Target::Bootnode, version_request());
        let first = calls.poll_transmit().unwrap();
        let unavailable = Status::new(Code::Unavailable, "down");
        assert!(
            calls
                .handle_reply(start(), first.id, Err(unavailable))
                .is_none()
        );
        assert!(
            calls.poll_transmit().is_none(),
            "nothing before the back-off ends"
        );
        let resume = calls.poll_timeout().unwrap();
        assert_eq!(resume, start().saturating_add(Duration::from_secs(1)));
        assert!(calls.handle_timeout(resume).is_empty());
        let second = calls.poll_transmit().unwrap();
        assert_ne!(second.id, first.id);
        assert!(
            calls
                .handle_reply(resume, first.id, Err(Status::new(Code::Internal, "late")))
                .is_none(),
            "a late failure of an earlier attempt is ignored"
        );
        assert!(matches!(
            calls.handle_reply(resume, second.id, Ok(version_reply())),
            Some(Settled::Replied { .. })
        ));
        assert!(
            calls
                .handle_reply(resume, first.id, Ok(version_reply()))
                .is_none(),
            "settled once"
        );
        assert_eq!(calls.report().stray_replies, 2);
        assert_eq!(calls.report().retries, 1);
    }

    #[test]
    fn a_late_reply_to_an_earlier_attempt_settles_the_call() {
        let mut calls = Calls::starting_at(RetryPolicy::default(), RequestId(5));
        calls.send(start(), 3usize, Target::Bootnode, version_request());
        let first = calls.poll_transmit().unwrap();
        assert_eq!(first.id, RequestId(5), "ids start where asked");
        // The first attempt times out; its reply arrives during the retry's back-off.
        assert!(calls.is_awaiting(first.id));
        let deadline = calls.poll_timeout().unwrap();
        assert!(calls.handle_timeout(deadline).is_empty());
        assert!(
            !calls.is_awaiting(first.id),
            "a timed-out attempt may be cancelled"
        );
        assert!(matches!(
            calls.handle_reply(deadline, first.id, Ok(version_reply())),
            Some(Settled::Replied { key: 3, .. })
        ));
        assert!(calls.is_idle(), "nothing is re-sent once the call settled");
        assert_eq!(calls.next_id(), RequestId(6));
    }

    #[test]
    fn a_replay_waits_for_the_processed_copys_reply() {
        let mut calls = Calls::starting_at(RetryPolicy::default(), RequestId(0));
        calls.send(start(), 0usize, Target::Bootnode, version_request());
        let sent = calls.poll_transmit().unwrap();
        let replay = Status::new(Code::FailedPrecondition, crate::rpc::NONCE_REUSED);
        assert!(replay.is_replay());
        assert!(
            calls
                .handle_reply(start(), sent.id, Err(replay.clone()))
                .is_none(),
            "held: the copy the node processed may still answer"
        );
        assert!(matches!(
            calls.handle_reply(start(), sent.id, Ok(version_reply())),
            Some(Settled::Replied { .. })
        ));
        // No other reply comes: the replay fails the call at the deadline, without a retry.
        calls.send(start(), 1usize, Target::Bootnode, version_request());
        let sent = calls.poll_transmit().unwrap();
        assert!(calls.handle_reply(start(), sent.id, Err(replay)).is_none());
        let deadline = calls.poll_timeout().unwrap();
        let failed = calls.handle_timeout(deadline);
        assert!(
            matches!(&failed[..], [Settled::Failed { key: 1, status, retries: 0, .. }] if status.is_nonce_reused()),
            "{failed:?}"
        );
        assert!(calls.is_idle());
    }

    #[test]
    fn refusals_are_not_retried() {
        let mut calls = Calls::starting_at(RetryPolicy::default(), RequestId(0));
        calls.send(start(), 0usize, Target::Bootnode, version_request());
        let sent = calls.poll_transmit().unwrap();
        let settled = calls.handle_reply(
            start(),
            sent.id,
            Err(Status::new(Code::NotFound, "value not found")),
        );
        assert!(
            matches!(settled, Some(Settled::Failed { status, retries: 0, .. }) if status.code == Code::NotFound)
        );
    }

    #[test]
    fn retries_run_out_and_deadlines_count_as_transient() {
        let policy = RetryPolicy {
            max_retries: 2,
            ..RetryPolicy::default()
        };
        let mut calls = Calls::starting_at(policy, RequestId(0));
        let mut now = start();
        calls.send(now, 0usize, Target::Bootnode, version_request());
        let mut failures = Vec::new();
        for _ in 0..10 {
            while calls.poll_transmit().is_some() {}
            let Some(next) = calls.poll_timeout() else {
                break;
            };
            now = next;
            failures.extend(calls.handle_timeout(now));
        }
        assert_eq!(failures.len(), 1);
        let Settled::Failed {
            status, retries, ..
        } = &failures[0]
        else {
            panic!("expected a failure")
        };
        assert_eq!((status.code, *retries), (Code::DeadlineExceeded, 2));
        assert!(calls.is_idle());
    }

    #[test]
    fn a_reply_of_the_wrong_kind_is_misbehaviour() {
        let mut calls = Calls::starting_at(RetryPolicy::default(), RequestId(0));
        calls.send(start(), 0usize, Target::Bootnode, version_request());
        let sent = calls.poll_transmit().unwrap();
        let settled = calls.handle_reply(start(), sent.id, Ok(Reply::Cluster(Default::default())));
        assert!(matches!(
            settled,
            Some(Settled::Misbehaved {
                target: Target::Bootnode,
                reason: Misbehaviour::UnexpectedReply {
                    expected: crate::rpc::Method::NodeVersion,
                    got: crate::rpc::Method::Cluster,
                },
            })
        ));
        assert!(!calls.is_awaiting(sent.id), "the call is over");
    }

    #[test]
    fn undecodable_bytes_are_misbehaviour_and_are_not_retried() {
        let mut calls = Calls::starting_at(RetryPolicy::default(), RequestId(0));
        calls.send(start(), 0usize, Target::Bootnode, version_request());
        let sent = calls.poll_transmit().unwrap();
        let error = Reply::decode(crate::rpc::Method::NodeVersion, &[0xff, 0xff]).unwrap_err();
        let undecodable = UndecodableReply {
            method: crate::rpc::Method::NodeVersion,
            error,
        };
        let settled = calls.handle_undecodable(sent.id, undecodable.clone());
        assert!(matches!(
            settled,
            Some(Settled::Misbehaved {
                reason: Misbehaviour::Undecodable(ref u),
                ..
            }) if *u == undecodable
        ));
        assert!(calls.poll_transmit().is_none(), "no retry");
        assert!(calls.is_idle());
        // A second copy is stray.
        assert!(calls.handle_undecodable(sent.id, undecodable).is_none());
        assert_eq!(calls.report().stray_replies, 1);
    }

    #[test]
    fn retry_info_lengthens_the_back_off() {
        use nilvm_proto::google::rpc::RetryInfo;
        let mut calls = Calls::starting_at(RetryPolicy::default(), RequestId(0));
        calls.send(start(), 0usize, Target::Bootnode, version_request());
        let sent = calls.poll_transmit().unwrap();
        let info = RetryInfo {
            retry_delay: Some(nilvm_proto::well_known::Duration {
                seconds: 9,
                nanos: 0,
            }),
        };
        let status = Status::with_detail(
            Code::Unavailable,
            "busy",
            crate::rpc::RETRY_INFO_TYPE_URL,
            &info,
        );
        assert!(calls.handle_reply(start(), sent.id, Err(status)).is_none());
        assert_eq!(
            calls.poll_timeout(),
            Some(start().saturating_add(Duration::from_secs(9)))
        );
    }
}
