//! The differential probes: requests the reference node refuses, each with the gRPC code and
//! text the reference node answers (facts from a local run of it, listed per RPC in
//! docs/node-checks.md), sent through any [`Harness`].
//!
//! Each probe pays like a client (quote, receipt) unless the RPC is free, then sends one
//! hand-made request to the first member and reads its answer. Refusals at the quote stage
//! count too: some checks live on the leader. [`run_probes`] returns what every probe got;
//! [`mismatches`] lists those that did not get the reference node's answer.

use std::fmt;

use nilvm_core::masking::PartyId;
use nilvm_core::operations::store_values::{StoreValuesInput, store_values};
use nilvm_core::operations::{
    NodeCall, OperationContext, OperationError, Paid, PaidCall, RetryPolicy, Target,
    invoke_with_receipt,
};
use nilvm_core::payments::PaymentMode;
use nilvm_core::payments::quote_request::{self, StoreValuesCounts};
use nilvm_core::permissions::Permissions;
use nilvm_core::program::ProgramMetadata;
use nilvm_core::rpc::{Code, Reply, Request, Status};
use nilvm_core::time::Duration;
use nilvm_core::values::proto::to_named_values;
use nilvm_core::values::{ClearValue, Integer};
use nilvm_proto::nillion::auth::v1::user::UserId as ProtoUserId;
use nilvm_proto::nillion::compute::v1::invoke::{
    InputPartyBinding, InvokeComputeRequest, OutputPartyBinding,
};
use nilvm_proto::nillion::leader_queries::v1::pool_status::PoolStatusRequest;
use nilvm_proto::nillion::payments::v1::quote::PriceQuoteRequest;
use nilvm_proto::nillion::payments::v1::receipt::SignedReceipt;
use nilvm_proto::nillion::permissions::v1::overwrite::OverwritePermissionsRequest;
use nilvm_proto::nillion::permissions::v1::permissions::Permissions as ProtoPermissions;
use nilvm_proto::nillion::permissions::v1::update::{PermissionCommand, UpdatePermissionsRequest};
use nilvm_proto::nillion::programs::v1::store::StoreProgramRequest;
use nilvm_proto::nillion::values::v1::delete::DeleteValuesRequest;
use nilvm_proto::nillion::values::v1::retrieve::RetrieveValuesRequest;
use nilvm_proto::nillion::values::v1::store::StoreValuesRequest;
use nilvm_proto::nillion::values::v1::value::NamedValue;
use rand::SeedableRng;
use rand::rngs::StdRng;
use uuid::Uuid;

use crate::harness::Harness;

mod probes;
use crate::scenarios::{MULTI_PARTY_SUM, secret, values};
use probes::probes;

/// Stores a program with a raw operation and returns its id.
async fn store_program_bytes<H: Harness>(
    h: &mut H,
    user: &H::User,
    name: &str,
    program: &[u8],
) -> Result<String, OperationError> {
    let context = h.context(PaymentMode::FromBalance);
    let name = nilvm_core::program::ProgramName::new(name)
        .map_err(|e| OperationError::InvalidInput(e.to_string()))?;
    // The quote carries the metadata computed from the program, as the official client does.
    let op = nilvm_core::operations::store_program::store_program(
        h.now(),
        &context,
        &name,
        program.to_vec(),
    )?;
    h.run(user, op).await.map(|id| id.to_string())
}

/// What a node answered: accepted, or refused with a code and text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// The request succeeded.
    Accepted,
    /// The request was refused.
    Refused(Code, String),
    /// Refused with this code and a text that starts so (an expectation only: the reference
    /// node follows the prefix with a dump of the program it refused).
    RefusedStartingWith(Code, String),
    /// The operation failed without a node status (a client-side check, a transport error).
    Failed(String),
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Answer::Accepted => f.write_str("accepted"),
            Answer::Refused(code, text) => write!(f, "{code:?} {text:?}"),
            Answer::RefusedStartingWith(code, text) => write!(f, "{code:?} {text:?}..."),
            Answer::Failed(text) => write!(f, "failed: {text}"),
        }
    }
}

/// One probe's outcome.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The probe.
    pub name: &'static str,
    /// The reference node's answer.
    pub expected: Answer,
    /// What the target answered.
    pub got: Answer,
}

impl Outcome {
    /// Whether the target answered as the reference node does.
    pub fn agrees(&self) -> bool {
        match (&self.expected, &self.got) {
            (Answer::RefusedStartingWith(code, prefix), Answer::Refused(got_code, text)) => {
                code == got_code && text.starts_with(prefix.as_str())
            }
            (expected, got) => expected == got,
        }
    }
}

/// Fails, listing them, if any outcome differs from the reference node's answer.
pub fn assert_all_agree(outcomes: &[Outcome]) {
    let wrong = mismatches(outcomes);
    assert!(
        wrong.is_empty(),
        "{} of {} probes differ:\n{}",
        wrong.len(),
        outcomes.len(),
        wrong.join("\n")
    );
}

/// The outcomes whose answer differs from the reference node's, one line each.
pub fn mismatches(outcomes: &[Outcome]) -> Vec<String> {
    outcomes
        .iter()
        .filter(|o| !o.agrees())
        .map(|o| format!("{}: expected {}, got {}", o.name, o.expected, o.got))
        .collect()
}

type Build = Box<dyn FnMut(Option<SignedReceipt>) -> Request + Send>;

/// One hand-made request to one node, paid for with `quote` (or free).
struct RawCall {
    quote: PriceQuoteRequest,
    target: Target,
    build: Build,
    receipt: Option<SignedReceipt>,
}

impl PaidCall for RawCall {
    fn quote_request(&self) -> PriceQuoteRequest {
        self.quote.clone()
    }

    fn set_receipt(&mut self, receipt: SignedReceipt) {
        self.receipt = Some(receipt);
    }
}

impl NodeCall for RawCall {
    type NodeReply = Result<(), Status>;
    type Output = Result<(), Status>;

    fn requests(&mut self) -> Vec<(Target, Request)> {
        vec![(self.target.clone(), (self.build)(self.receipt.clone()))]
    }

    fn parse(
        &mut self,
        _node: &Target,
        _reply: Reply,
    ) -> Result<Option<Result<(), Status>>, OperationError> {
        Ok(Some(Ok(())))
    }

    fn refused(
        &mut self,
        _node: &Target,
        status: Status,
        _retries: u32,
    ) -> Result<Result<(), Status>, OperationError> {
        Ok(Err(status))
    }

    fn finish(
        self,
        replies: Vec<(Target, Result<(), Status>)>,
    ) -> Result<Result<(), Status>, OperationError> {
        replies
            .into_iter()
            .next()
            .map(|(_, reply)| reply)
            .ok_or(OperationError::ApiMisuse("no reply"))
    }
}

fn answer(result: Result<Result<(), Status>, OperationError>) -> Answer {
    match result {
        Ok(Ok(())) => Answer::Accepted,
        Ok(Err(status)) => Answer::Refused(status.code, status.message),
        Err(error) => match error.status() {
            Some(status) => Answer::Refused(status.code, status.message.clone()),
            None => Answer::Failed(error.to_string()),
        },
    }
}

fn refused(code: Code, text: &str) -> Answer {
    Answer::Refused(code, text.to_string())
}

/// The users and records the probes work on.
struct Fixture<U> {
    owner: U,
    stranger: U,
    owner_id: nilvm_core::identity::UserId,
    stranger_id: nilvm_core::identity::UserId,
    /// `x` (a secret), owned by `owner`, who may also compute with it on `program_id`.
    values_id: Uuid,
    /// `multi_party_sum`: Dealer1 gives `x`, Dealer2 `y`, Receiver gets `sum`, `product`.
    program_id: String,
}

/// Runs every probe through `h` and returns what each got.
pub async fn run_probes<H: Harness>(h: &mut H) -> Vec<Outcome> {
    let fixture = fixture(h).await;
    let mut outcomes = Vec::new();
    for probe in probes(h, &fixture) {
        let user = if probe.by_stranger {
            &fixture.stranger
        } else {
            &fixture.owner
        };
        let (name, expected) = (probe.name, probe.expected.clone());
        let got = send(h, user, probe).await;
        outcomes.push(Outcome {
            name,
            expected,
            got,
        });
    }
    outcomes
}

fn probe_context<H: Harness>(h: &H) -> OperationContext {
    // One attempt each: a retried refusal would come back as "nonce already used".
    h.context(PaymentMode::FromBalance).with_retry(RetryPolicy {
        max_retries: 0,
        attempt_timeout: Duration::from_secs(20),
        ..RetryPolicy::default()
    })
}

async fn send<H: Harness>(h: &mut H, user: &H::User, probe: Probe) -> Answer {
    let context = probe_context(h);
    let target = context
        .members
        .iter()
        .find(|member| !probe.at_follower || **member != context.leader)
        .map(|member| Target::Node(member.clone()));
    let Some(target) = target else {
        return Answer::Failed("the cluster has no such member".into());
    };
    let quote = probe.quote;
    let call = RawCall {
        quote: quote.clone().unwrap_or_default(),
        target,
        build: probe.build,
        receipt: None,
    };
    let result = match quote {
        Some(_) => h.run(user, Paid::start(h.now(), &context, call)).await,
        None => {
            let op = invoke_with_receipt(h.now(), &context, call, SignedReceipt::default());
            h.run(user, op).await
        }
    };
    answer(result)
}

async fn fixture<H: Harness>(h: &mut H) -> Fixture<H::User> {
    let owner = h.new_user();
    let stranger = h.new_user();
    let (owner_id, stranger_id) = (h.user_id(&owner), h.user_id(&stranger));
    let program_id = store_program_bytes(h, &owner, "multi_party_sum", MULTI_PARTY_SUM)
        .await
        .expect("store the probes' program");
    let input = StoreValuesInput {
        values: values(&[("x", secret(3))]),
        ttl_days: Some(1),
        permissions: Some(
            Permissions::defaults_for_user(owner_id).allow_compute(owner_id, program_id.clone()),
        ),
        update: None,
    };
    let context = h.context(PaymentMode::FromBalance);
    let op = store_values(h.now(), &context, input, &mut StdRng::seed_from_u64(1))
        .expect("the probes' values");
    let values_id = h.run(&owner, op).await.expect("store the probes' values");
    Fixture {
        owner,
        stranger,
        owner_id,
        stranger_id,
        values_id,
        program_id,
    }
}

fn public(v: i64) -> ClearValue {
    ClearValue::Integer(Integer::from(v))
}

/// The first member's shares of the values `pairs` name.
fn first_member_shares(
    context: &OperationContext,
    pairs: &[(&str, ClearValue)],
) -> Vec<NamedValue> {
    let mut masked = context
        .masker
        .mask(&values(pairs), &mut StdRng::seed_from_u64(2))
        .expect("mask the probe's values");
    let first = context.members.first().expect("a member");
    let mine = masked
        .remove(&PartyId::new(first.as_bytes()))
        .unwrap_or_default();
    to_named_values(&mine).expect("encode the probe's values")
}

/// One probe: what to pay for, the request, and the reference node's answer.
struct Probe {
    name: &'static str,
    quote: Option<PriceQuoteRequest>,
    build: Build,
    by_stranger: bool,
    at_follower: bool,
    expected: Answer,
}

fn probe(
    name: &'static str,
    quote: Option<PriceQuoteRequest>,
    expected: Answer,
    build: impl FnMut(Option<SignedReceipt>) -> Request + Send + 'static,
) -> Probe {
    Probe {
        name,
        quote,
        build: Box::new(build),
        by_stranger: false,
        at_follower: false,
        expected,
    }
}

impl Probe {
    fn by_stranger(mut self) -> Self {
        self.by_stranger = true;
        self
    }

    /// Sent to a member that is not the leader (the first member otherwise).
    fn at_follower(mut self) -> Self {
        self.at_follower = true;
        self
    }
}
