//! Adversarial cases against the emulated nodes (transport-mock), driven by hand so a test
//! can rewrite what a node answers. Each shows a clear error and no wrong value. The core's
//! own adversarial tests are in `core/tests/adversarial.rs` (with the list of cases covered
//! elsewhere); the fuzz targets are in `fuzz/`.
#![allow(clippy::unwrap_used, clippy::panic, clippy::expect_used)]

use std::collections::BTreeMap;

use nilvm_core::auth::TokenCache;
use nilvm_core::field::Prime;
use nilvm_core::identity::UserKey;
use nilvm_core::operations::request_quote::request_quote;
use nilvm_core::operations::store_values::{StoreValuesInput, store_values};
use nilvm_core::operations::{Operation, OperationError, Output, Target, Transmit};
use nilvm_core::payments::mode::PaymentMode;
use nilvm_core::payments::quote_request::{self, StoreValuesCounts};
use nilvm_core::permissions::Permissions;
use nilvm_core::rpc::{Code, Reply, Request, Status};
use nilvm_core::time::Timestamp;
use nilvm_core::values::{ClearValue, Integer, SecretInteger};
use nilvm_transport_mock::{Cluster, ClusterConfig, Response};
use rand::SeedableRng;

struct Setup {
    cluster: Cluster,
    user: UserKey,
    tokens: TokenCache,
    now: Timestamp,
    /// Every request a node got, with its target.
    sent: Vec<(Target, Request)>,
}

impl Setup {
    fn new() -> Self {
        let config = ClusterConfig {
            prime: Prime::U64,
            ..ClusterConfig::default()
        };
        let mut cluster = Cluster::new(config, 1).unwrap();
        let user = UserKey::from_bytes(&[0x11; 32]).unwrap();
        let now = Timestamp::from_unix_seconds(1_700_000_000);
        cluster
            .leader_mut()
            .set_balance(now, user.user_id(), 10_000);
        Self {
            tokens: TokenCache::new(user.clone(), [3; 32]),
            cluster,
            user,
            now,
            sent: Vec::new(),
        }
    }

    fn answer(&mut self, transmit: &Transmit) -> Result<Reply, Status> {
        let Target::Node(node) = &transmit.target else {
            panic!("no bootnode requests here")
        };
        let token = self.tokens.token_for(self.now, node).unwrap().to_vec();
        self.sent
            .push((transmit.target.clone(), transmit.request.clone()));
        match self
            .cluster
            .handle(self.now, node, Some(&token), transmit.request.clone())?
        {
            Response::Unary(reply) => Ok(reply),
            Response::Results(_) => panic!("no streams here"),
        }
    }

    /// Runs `op`, every reply passing through `tamper`; payments are refused.
    fn run<O: Operation>(
        &mut self,
        mut op: O,
        mut tamper: impl FnMut(&Transmit, &mut Result<Reply, Status>),
    ) -> Result<O::Output, OperationError> {
        for _ in 0..1_000 {
            match op.poll_output() {
                Some(Output::Transmit(t)) => {
                    let mut reply = self.answer(&t);
                    tamper(&t, &mut reply);
                    op.handle_reply(self.now, t.id, reply);
                }
                Some(Output::Pay(_)) => op.handle_payment(
                    self.now,
                    Err(nilvm_core::operations::PayerError::message("no payer")),
                ),
                Some(Output::Done(result)) => return result,
                None => {
                    self.now = op.poll_timeout().expect("not stalled");
                    op.handle_timeout(self.now);
                }
            }
        }
        panic!("did not finish")
    }
}

fn values() -> BTreeMap<String, ClearValue> {
    let mut values = BTreeMap::new();
    values.insert(
        "a".to_string(),
        ClearValue::SecretInteger(SecretInteger::new(Integer::from(-5i64))),
    );
    values
}

fn store_input(user: &UserKey) -> StoreValuesInput {
    StoreValuesInput {
        values: values(),
        ttl_days: Some(1),
        permissions: Some(Permissions::defaults_for_user(user.user_id())),
        update: None,
    }
}

/// Values over the nodes' 6 MiB payload limit: the leader refuses to quote them, the error
/// names the limit, and nothing is paid or stored.
#[test]
fn a_payload_over_the_limit_is_refused_at_the_quote() {
    let mut setup = Setup::new();
    let context = setup.cluster.operation_context(PaymentMode::FromBalance);
    let limit = setup.cluster.config().max_payload_size;
    assert_eq!(limit, 6 * 1024 * 1024);
    let request = quote_request::store_values(
        &StoreValuesCounts {
            secret_shared: 1,
            ..Default::default()
        },
        limit + 1,
        Some(1),
    );
    let op = request_quote(
        setup.now,
        &context.leader,
        &context.leader_key,
        request,
        None,
        context.retry.clone(),
    );
    let error = setup.run(op, |_, _| {}).unwrap_err();
    let status = error.status().expect("the leader's status");
    assert_eq!(status.code, Code::InvalidArgument, "{error}");
    assert!(
        status.message.contains("exceeds maximum"),
        "{}",
        status.message
    );
    let balance = setup
        .cluster
        .leader()
        .balance(setup.now, &setup.user.user_id())
        .unwrap();
    assert_eq!(balance.credits, 10_000, "nothing was charged");
}

/// A store request replayed to the same node with the same receipt: the node refuses it
/// ("nonce already used", FAILED_PRECONDITION), so one payment buys one store per node.
#[test]
fn a_receipt_replayed_to_a_node_is_refused() {
    let mut setup = Setup::new();
    let context = setup.cluster.operation_context(PaymentMode::FromBalance);
    let op = store_values(
        setup.now,
        &context,
        store_input(&setup.user),
        &mut rand::rngs::StdRng::seed_from_u64(1),
    )
    .unwrap();
    setup.run(op, |_, _| {}).unwrap();
    let (target, request) = setup
        .sent
        .iter()
        .find(|(_, r)| matches!(r, Request::StoreValues(_)))
        .cloned()
        .unwrap();
    let Target::Node(node) = &target else {
        unreachable!()
    };
    let token = setup.tokens.token_for(setup.now, node).unwrap().to_vec();
    let status = setup
        .cluster
        .handle(setup.now, node, Some(&token), request)
        .unwrap_err();
    assert_eq!(
        (status.code, status.message.as_str()),
        (Code::FailedPrecondition, "nonce already used")
    );
}

/// Every member agrees on a values id that is not an id at all (3 bytes): the operation
/// reports the misbehaving node instead of returning a made-up id. (Members that disagree on
/// the id: `core`'s `pipeline_tests::members_that_disagree_on_the_values_id_are_reported`.)
#[test]
fn members_returning_a_malformed_values_id_are_reported() {
    let mut setup = Setup::new();
    let context = setup.cluster.operation_context(PaymentMode::FromBalance);
    let op = store_values(
        setup.now,
        &context,
        store_input(&setup.user),
        &mut rand::rngs::StdRng::seed_from_u64(1),
    )
    .unwrap();
    let error = setup
        .run(op, |_, reply| {
            if let Ok(Reply::StoreValues(r)) = reply {
                r.values_id = vec![1, 2, 3];
            }
        })
        .unwrap_err();
    assert!(
        matches!(error, OperationError::Misbehaving { .. }),
        "{error:?}"
    );
}
