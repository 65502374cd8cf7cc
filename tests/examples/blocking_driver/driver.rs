//! [`BlockingDriver`]: gRPC-Web over HTTP/1.1 on plain `std` threads, and [`block_on`].

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::io::{self, Read};
use std::pin::{Pin, pin};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, Weak};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant, SystemTime};

use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use bytes::Bytes;
use futures_core::Stream;
use nilvm_core::auth::TOKEN_HEADER;
use nilvm_core::drive::{BoxFuture, Driver, OutgoingCall, ReplyStream};
use nilvm_core::operations::{PayerError, PaymentRequest};
use nilvm_core::rpc::{Code, Status};
use nilvm_core::time::Timestamp;
use rand::Rng as _;

/// How many calls run at once (further calls wait for a worker).
const WORKERS: usize = 8;
/// The largest message accepted from a node (the gRPC driver's limit too).
const MAX_MESSAGE: usize = 6 * 1024 * 1024;
/// A backstop for one call: a worker blocked on a silent node is freed after this long.
const CALL_LIMIT: Duration = Duration::from_secs(600);
const GRPC_WEB: &str = "application/grpc-web+proto";
const TRAILER_FLAG: u8 = 0x80;

/// A [`Driver`] over gRPC-Web (HTTP/1.1, plain http) on a fixed pool of `std` threads.
pub struct BlockingDriver {
    bootnode: String,
    jobs: Sender<Job>,
    timer: Arc<TimerShared>,
}

impl fmt::Debug for BlockingDriver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockingDriver")
            .field("bootnode", &self.bootnode)
            .finish_non_exhaustive()
    }
}

/// The refusal of [`Driver::pay`]: this driver pays from the user's balance only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoChainPayments;

impl fmt::Display for NoChainPayments {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the blocking driver pays from the balance only: fund the user's balance")
    }
}

impl std::error::Error for NoChainPayments {}

impl BlockingDriver {
    /// A driver that bootstraps from `bootnode` (`http://host:port`).
    pub fn new(bootnode: &str) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_global(Some(CALL_LIMIT))
            .build()
            .into();
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for _ in 0..WORKERS {
            let (agent, queue) = (agent.clone(), queue.clone());
            thread::spawn(move || work(&agent, &queue));
        }
        let timer = Arc::new(TimerShared::default());
        let shared = timer.clone();
        thread::spawn(move || run_timer(&shared));
        Self {
            bootnode: bootnode.trim_end_matches('/').to_owned(),
            jobs,
            timer,
        }
    }
}

impl Drop for BlockingDriver {
    fn drop(&mut self) {
        // The workers end when `jobs` goes (their queue disconnects); the timer is told.
        lock(&self.timer.state).closed = true;
        self.timer.changed.notify_one();
    }
}

impl Driver for BlockingDriver {
    fn call(&self, call: OutgoingCall) -> ReplyStream {
        let base = call.endpoint.as_deref().unwrap_or(&self.bootnode);
        let url = format!("{}{}", base.trim_end_matches('/'), call.method.path());
        let replies = Arc::new(Mutex::new(Replies::default()));
        let job = Job {
            url,
            call,
            replies: replies.clone(),
        };
        if self.jobs.send(job).is_err() {
            let mut state = lock(&replies);
            state
                .items
                .push_back(Err(unavailable("the driver's workers are gone")));
            state.ended = true;
        }
        Box::pin(ReplyReceiver(replies))
    }

    fn pay(&self, _payment: PaymentRequest) -> BoxFuture<'_, Result<String, PayerError>> {
        Box::pin(std::future::ready(Err(PayerError::new(NoChainPayments))))
    }

    fn sleep_until(&self, at: Timestamp) -> BoxFuture<'static, ()> {
        let sleep = Arc::new(Mutex::new(SleepState::default()));
        match at.duration_since(self.now()) {
            Some(wait) if !wait.is_zero() => {
                let deadline = Instant::now() + wait;
                let mut timer = lock(&self.timer.state);
                timer.pending.push((deadline, Arc::downgrade(&sleep)));
                self.timer.changed.notify_one();
            }
            _ => lock(&sleep).fired = true,
        }
        Box::pin(Sleep(sleep))
    }

    fn now(&self) -> Timestamp {
        let since_epoch = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        let seconds = i64::try_from(since_epoch.as_secs()).unwrap_or(i64::MAX);
        Timestamp::new(seconds, since_epoch.subsec_nanos()).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    fn fill_random(&self, bytes: &mut [u8]) {
        rand::rng().fill_bytes(bytes);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

// ---- Calls: a worker per call at a time, its reply stream fed through shared state. ----

struct Job {
    url: String,
    call: OutgoingCall,
    replies: Arc<Mutex<Replies>>,
}

/// What a worker has received for a call, and the waker of the task awaiting it.
#[derive(Default)]
struct Replies {
    items: VecDeque<Result<Bytes, Status>>,
    ended: bool,
    /// The stream was dropped: the call is cancelled.
    dropped: bool,
    waker: Option<Waker>,
}

impl Replies {
    /// Queues `item`; false when nobody awaits the call any more.
    fn push(this: &Mutex<Self>, item: Result<Bytes, Status>) -> bool {
        let mut state = lock(this);
        state.items.push_back(item);
        if let Some(waker) = state.waker.take() {
            waker.wake();
        }
        !state.dropped
    }

    fn end(this: &Mutex<Self>) {
        let mut state = lock(this);
        state.ended = true;
        if let Some(waker) = state.waker.take() {
            waker.wake();
        }
    }
}

struct ReplyReceiver(Arc<Mutex<Replies>>);

impl Stream for ReplyReceiver {
    type Item = Result<Bytes, Status>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut state = lock(&self.0);
        if let Some(item) = state.items.pop_front() {
            return Poll::Ready(Some(item));
        }
        if state.ended {
            return Poll::Ready(None);
        }
        state.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl Drop for ReplyReceiver {
    fn drop(&mut self) {
        lock(&self.0).dropped = true;
    }
}

fn work(agent: &ureq::Agent, queue: &Mutex<Receiver<Job>>) {
    loop {
        let job = match lock(queue).recv() {
            Ok(job) => job,
            Err(_) => return,
        };
        if lock(&job.replies).dropped {
            continue;
        }
        if let Err(status) = exchange(agent, &job) {
            Replies::push(&job.replies, Err(status));
        }
        Replies::end(&job.replies);
    }
}

/// One gRPC-Web call: POST the framed request, then read data frames until the trailers.
fn exchange(agent: &ureq::Agent, job: &Job) -> Result<(), Status> {
    let call = &job.call;
    let mut request = agent
        .post(&job.url)
        .header("content-type", GRPC_WEB)
        .header("accept", GRPC_WEB)
        .header("x-grpc-web", "1");
    if let Some(token) = &call.token {
        request = request.header(TOKEN_HEADER, STANDARD.encode(token));
    }
    let length = u32::try_from(call.body.len())
        .map_err(|_| Status::new(Code::ResourceExhausted, "the request is too large"))?;
    let mut body = Vec::with_capacity(call.body.len() + 5);
    body.push(0);
    body.extend_from_slice(&length.to_be_bytes());
    body.extend_from_slice(&call.body);
    let response = request.send(body).map_err(|error| match error {
        ureq::Error::Timeout(_) => Status::new(Code::DeadlineExceeded, error.to_string()),
        other => unavailable(&format!("node unreachable: {other}")),
    })?;
    // A trailers-only answer (an error before any message) has its status in the headers.
    let header = |name: &str| response.headers().get(name).map(|v| v.as_bytes());
    if let Some(status) = status_of(header("grpc-status"), header("grpc-message"))? {
        return status_result(status, header("grpc-status-details-bin"));
    }
    if !response.status().is_success() {
        return Err(http_status(response.status().as_u16()));
    }
    if !header("content-type").is_some_and(|v| v.starts_with(b"application/grpc-web")) {
        return Err(Status::new(Code::Unknown, "the answer is not gRPC-Web"));
    }
    let reader = response.into_body().into_reader();
    read_body(reader, |message| Replies::push(&job.replies, Ok(message)))
}

/// Reads a gRPC-Web response body: each data frame's message goes to `deliver` (which answers
/// false once nobody awaits the call: reading stops), until the trailer frame's status.
pub fn read_body(
    mut reader: impl Read,
    mut deliver: impl FnMut(Bytes) -> bool,
) -> Result<(), Status> {
    loop {
        let mut head = [0u8; 5];
        reader
            .read_exact(&mut head)
            .map_err(|e| unavailable(&format!("the answer ended before its trailers: {e}")))?;
        let [flags, length @ ..] = head;
        let length = usize::try_from(u32::from_be_bytes(length)).unwrap_or(usize::MAX);
        if length > MAX_MESSAGE {
            let message = format!("a frame of {length} bytes exceeds the limit ({MAX_MESSAGE})");
            return Err(Status::new(Code::ResourceExhausted, message));
        }
        let mut payload = Vec::new();
        let read = (&mut reader)
            .take(length as u64)
            .read_to_end(&mut payload)
            .map_err(|e| unavailable(&format!("the connection broke: {e}")))?;
        if read < length {
            return Err(unavailable("the answer ended inside a frame"));
        }
        match flags {
            0x00 => {
                if !deliver(Bytes::from(payload)) {
                    return Ok(()); // Cancelled: drop the connection.
                }
            }
            TRAILER_FLAG => {
                let trailers = parse_trailers(&payload)?;
                let field = |name: &str| {
                    trailers
                        .iter()
                        .find(|(n, _)| n.eq_ignore_ascii_case(name))
                        .map(|(_, v)| v.as_bytes())
                };
                let status =
                    status_of(field("grpc-status"), field("grpc-message"))?.ok_or_else(|| {
                        Status::new(Code::Unknown, "the trailers carry no grpc-status")
                    })?;
                // Read the end of the body, so that the connection can be reused.
                let _ = io::copy(&mut reader.take(1024), &mut io::sink());
                return status_result(status, field("grpc-status-details-bin"));
            }
            other => {
                let message = format!("unsupported gRPC-Web frame flags {other:#04x}");
                return Err(Status::new(Code::Internal, message));
            }
        }
    }
}

/// The `grpc-status`/`grpc-message` pair, if a status is there.
fn status_of(code: Option<&[u8]>, message: Option<&[u8]>) -> Result<Option<Status>, Status> {
    let Some(code) = code else { return Ok(None) };
    let code = std::str::from_utf8(code)
        .ok()
        .and_then(|text| text.trim().parse::<i32>().ok())
        .ok_or_else(|| Status::new(Code::Unknown, "a grpc-status that is not a number"))?;
    let message = message.map(percent_decode).unwrap_or_default();
    Ok(Some(Status::new(Code::from_i32(code), message)))
}

fn status_result(mut status: Status, details: Option<&[u8]>) -> Result<(), Status> {
    if status.code == Code::Ok {
        return Ok(());
    }
    let lenient = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    if let Some(details) = details.and_then(|d| lenient.decode(d).ok()) {
        status.details = details;
    }
    Err(status)
}

/// A trailer frame's `name: value` lines.
fn parse_trailers(payload: &[u8]) -> Result<Vec<(String, String)>, Status> {
    let text = std::str::from_utf8(payload)
        .map_err(|_| Status::new(Code::Internal, "trailers that are not text"))?;
    text.split('\n')
        .map(|line| line.trim_end_matches('\r'))
        .filter(|line| !line.is_empty())
        .map(|line| {
            let (name, value) = line
                .split_once(':')
                .ok_or_else(|| Status::new(Code::Internal, "a trailer line without a colon"))?;
            Ok((name.trim().to_owned(), value.trim().to_owned()))
        })
        .collect()
}

/// `grpc-message` is percent-encoded (gRPC over HTTP/2, "Responses").
fn percent_decode(text: &[u8]) -> String {
    let hex = |b: &u8| char::from(*b).to_digit(16);
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text;
    while let [first, tail @ ..] = rest {
        match (first, tail) {
            (b'%', [hi, lo, after @ ..]) if hex(hi).is_some() && hex(lo).is_some() => {
                let value = hex(hi).unwrap_or(0) * 16 + hex(lo).unwrap_or(0);
                out.push(u8::try_from(value).unwrap_or(b'?'));
                rest = after;
            }
            _ => {
                out.push(*first);
                rest = tail;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// An HTTP failure without a gRPC status, mapped as gRPC's "HTTP to gRPC status code mapping".
fn http_status(code: u16) -> Status {
    let grpc = match code {
        400 => Code::Internal,
        401 => Code::Unauthenticated,
        403 => Code::PermissionDenied,
        404 => Code::Unimplemented,
        429 | 502 | 503 | 504 => Code::Unavailable,
        _ => Code::Unknown,
    };
    Status::new(grpc, format!("HTTP status {code} without a gRPC status"))
}

fn unavailable(message: &str) -> Status {
    Status::new(Code::Unavailable, message)
}

// ---- Time: one timer thread for every sleep. ----

#[derive(Default)]
struct TimerShared {
    state: Mutex<TimerState>,
    changed: Condvar,
}

#[derive(Default)]
struct TimerState {
    pending: Vec<(Instant, Weak<Mutex<SleepState>>)>,
    closed: bool,
}

#[derive(Default)]
struct SleepState {
    fired: bool,
    waker: Option<Waker>,
}

struct Sleep(Arc<Mutex<SleepState>>);

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = lock(&self.0);
        if state.fired {
            return Poll::Ready(());
        }
        state.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

fn run_timer(shared: &TimerShared) {
    let mut state = lock(&shared.state);
    while !state.closed {
        let now = Instant::now();
        state.pending.retain(|(at, sleep)| {
            let Some(sleep) = sleep.upgrade() else {
                return false; // Dropped: nobody waits.
            };
            if *at > now {
                return true;
            }
            let mut sleep = lock(&sleep);
            sleep.fired = true;
            if let Some(waker) = sleep.waker.take() {
                waker.wake();
            }
            false
        });
        state = match state.pending.iter().map(|(at, _)| *at).min() {
            Some(next) => {
                let wait = next.saturating_duration_since(now);
                let waited = shared.changed.wait_timeout(state, wait);
                waited.unwrap_or_else(PoisonError::into_inner).0
            }
            None => shared
                .changed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner),
        };
    }
}

// ---- An executor: poll on this thread, park until woken. ----

struct Unparker(Thread);

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs `future` to its end on the calling thread.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let waker = Waker::from(Arc::new(Unparker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        thread::park();
    }
}
