//! `add_funds`: pay on chain and credit a user's balance with the leader.
//!
//! 1. Ask the leader for its payments config; refuse locally below its minimum.
//! 2. Pay `MsgPayFor{resource = SHA-256(payload)}` on chain (the driver's payer does it).
//! 3. Send `AddFunds{payload, tx_hash}` to the leader, which credits the payload's recipient.
//!
//! # Repeated requests
//!
//! The payment names the SHA-256 of a payload only this operation knows, so the leader can
//! credit the transfer for this payload only. A retry of `AddFunds` after a lost reply that
//! the leader answers with INVALID_ARGUMENT "payment transaction has already been processed"
//! therefore proves the earlier attempt credited the balance: the operation succeeds.
//! `PaymentsConfig` is a read: its retries are safe.

use alloc::string::String;

use rand_core::CryptoRng;

use crate::identity::{NodeId, PublicKey, UserId};
use crate::payments::add_funds::{AddFundsPayload, check_amount};
use crate::rpc::{Method, Reply, Request, Status};
use crate::time::Timestamp;

use super::calls::{Calls, Settled};
use super::{
    Operation, OperationContext, OperationError, OperationReport, Output, PayerError,
    PaymentFailure, PaymentRequest, RequestId, Target, UndecodableReply,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Config,
    Paying,
    Crediting,
    Done,
}

/// Adds funds to a balance. See the [module docs](self).
#[derive(Debug)]
pub struct AddFunds {
    leader: NodeId,
    amount_unil: u64,
    payload: AddFundsPayload,
    calls: Calls<()>,
    stage: Stage,
    outbox: Option<Output<()>>,
}

/// Starts adding `amount_unil` to `recipient`'s balance. The payload names the leader's key,
/// so the payment cannot be claimed with another leader (`bind_to_leader`; SDK 0.2.0's
/// leaders predate the field and ignore it).
pub fn add_funds<R: CryptoRng + ?Sized>(
    now: Timestamp,
    context: &OperationContext,
    recipient: UserId,
    amount_unil: u64,
    bind_to_leader: bool,
    rng: &mut R,
) -> AddFunds {
    let leader_key: Option<&PublicKey> = bind_to_leader.then_some(&context.leader_key);
    let mut calls = Calls::starting_at(context.retry.clone(), RequestId(0));
    calls.send(
        now,
        (),
        Target::Node(context.leader.clone()),
        Request::PaymentsConfig(()),
    );
    AddFunds {
        leader: context.leader.clone(),
        amount_unil,
        payload: AddFundsPayload::new(recipient, leader_key, rng),
        calls,
        stage: Stage::Config,
        outbox: None,
    }
}

impl AddFunds {
    fn finish(&mut self, result: Result<(), OperationError>) {
        self.stage = Stage::Done;
        self.outbox = Some(Output::Done(result));
    }

    fn settle(&mut self, settled: Settled<()>) {
        match (self.stage, settled) {
            (
                Stage::Config,
                Settled::Replied {
                    reply: Reply::PaymentsConfig(config),
                    ..
                },
            ) => match check_amount(self.amount_unil, &config) {
                Ok(()) => {
                    self.stage = Stage::Paying;
                    let resource = self.payload.resource().to_vec();
                    self.outbox = Some(Output::Pay(PaymentRequest {
                        amount_unil: self.amount_unil,
                        resource,
                    }));
                }
                Err(e) => {
                    let leader = Target::Node(self.leader.clone());
                    self.finish(Err(OperationError::InvalidInput(alloc::format!(
                        "{e} (the minimum {leader} asks for)"
                    ))))
                }
            },
            (
                Stage::Crediting,
                Settled::Replied {
                    reply: Reply::AddFunds(()),
                    ..
                },
            ) => self.finish(Ok(())),
            (_, Settled::Replied { target, reply, .. }) => {
                let expected = match self.stage {
                    Stage::Config => Method::PaymentsConfig,
                    _ => Method::AddFunds,
                };
                self.finish(Err(OperationError::unexpected_reply(
                    &target,
                    expected,
                    reply.method(),
                )));
            }
            (_, Settled::Misbehaved { target, reason }) => {
                self.finish(Err(OperationError::misbehaving(&target, reason)));
            }
            // Only this operation knows the payload the transfer paid for, so a transfer the
            // leader credited before was credited by an earlier attempt of this request.
            (Stage::Crediting, Settled::Failed { status, .. }) if status.is_transfer_reused() => {
                self.finish(Ok(()))
            }
            (
                _,
                Settled::Failed {
                    target,
                    status,
                    retries,
                    ..
                },
            ) => {
                self.finish(Err(OperationError::from_failed_call(
                    target, status, retries,
                )));
            }
        }
    }
}

impl Operation for AddFunds {
    type Output = ();

    fn handle_reply(&mut self, now: Timestamp, id: RequestId, reply: Result<Reply, Status>) {
        if let Some(settled) = self.calls.handle_reply(now, id, reply) {
            self.settle(settled);
        }
    }

    fn handle_undecodable(&mut self, _now: Timestamp, id: RequestId, error: UndecodableReply) {
        if let Some(settled) = self.calls.handle_undecodable(id, error) {
            self.settle(settled);
        }
    }

    fn handle_stream_end(&mut self, _now: Timestamp, _id: RequestId) {
        self.calls.count_stray();
    }

    fn handle_payment(&mut self, now: Timestamp, result: Result<String, PayerError>) {
        if self.stage != Stage::Paying || self.outbox.is_some() {
            self.finish(Err(OperationError::ApiMisuse(
                "a payment outcome arrived before it was asked for",
            )));
            return;
        }
        match result {
            Ok(tx_hash) if !tx_hash.is_empty() => {
                self.stage = Stage::Crediting;
                let request = Request::AddFunds(self.payload.request(tx_hash));
                self.calls
                    .send(now, (), Target::Node(self.leader.clone()), request);
            }
            Ok(_) => self.finish(Err(OperationError::Payment(
                PaymentFailure::EmptyTransactionHash,
            ))),
            Err(error) => self.finish(Err(OperationError::Payment(error.into()))),
        }
    }

    fn handle_timeout(&mut self, now: Timestamp) {
        for settled in self.calls.handle_timeout(now) {
            self.settle(settled);
        }
    }

    fn poll_output(&mut self) -> Option<Output<()>> {
        if let Some(output) = self.outbox.take() {
            return Some(output);
        }
        if self.stage == Stage::Done || self.stage == Stage::Paying {
            return None;
        }
        self.calls.poll_transmit().map(Output::Transmit)
    }

    fn poll_timeout(&self) -> Option<Timestamp> {
        match self.stage {
            Stage::Config | Stage::Crediting => self.calls.poll_timeout(),
            Stage::Paying | Stage::Done => None,
        }
    }

    fn report(&self) -> OperationReport {
        self.calls.report()
    }

    fn is_awaiting(&self, id: RequestId) -> bool {
        self.stage != Stage::Done && self.calls.is_awaiting(id)
    }
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    use nilvm_proto::Message;
    use nilvm_proto::nillion::payments::v1::balance::AddFundsPayload as ProtoPayload;
    use nilvm_proto::nillion::payments::v1::config::PaymentsConfigResponse;
    use rand::SeedableRng;

    use super::*;
    use crate::identity::UserKey;
    use crate::operations::testing::cluster::ScriptedCluster;
    use crate::operations::testing::drive_with_payer;

    fn config() -> Reply {
        Reply::PaymentsConfig(PaymentsConfigResponse {
            minimum_add_funds_payment: 10_000,
            credits_per_nil: 100,
        })
    }

    #[test]
    fn pays_the_payload_hash_then_credits_the_recipient() {
        let cluster = ScriptedCluster::new(3, 1);
        let me = UserKey::from_bytes(&[5; 32]).unwrap().user_id();
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let op = add_funds(
            crate::operations::testing::start(),
            &cluster.context,
            me,
            1_000_000,
            true,
            &mut rng,
        );
        let mut paid: Vec<(u64, Vec<u8>)> = Vec::new();
        let mut credited = None;
        drive_with_payer(
            op,
            |t| match &t.request {
                Request::PaymentsConfig(()) => Ok(config()),
                Request::AddFunds(request) => {
                    credited = Some(request.clone());
                    Ok(Reply::AddFunds(()))
                }
                other => panic!("unexpected {other:?}"),
            },
            |payment| {
                paid.push((payment.amount_unil, payment.resource.clone()));
                Ok("TXHASH".into())
            },
        )
        .unwrap();
        let request = credited.expect("AddFunds was sent");
        assert_eq!(request.tx_hash, "TXHASH");
        assert_eq!(
            paid,
            alloc::vec![(
                1_000_000,
                crate::identity::sha256(&request.payload).to_vec()
            )]
        );
        let payload = ProtoPayload::decode(request.payload.as_slice()).unwrap();
        assert_eq!(payload.recipient, Some(me.into()));
        assert_eq!(
            payload.leader_public_key,
            Some((&cluster.context.leader_key).into())
        );
    }

    #[test]
    fn an_amount_below_the_minimum_is_refused_before_paying() {
        let cluster = ScriptedCluster::new(3, 1);
        let me = UserKey::from_bytes(&[5; 32]).unwrap().user_id();
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let op = add_funds(
            crate::operations::testing::start(),
            &cluster.context,
            me,
            5,
            false,
            &mut rng,
        );
        let error = drive_with_payer(op, |_| Ok(config()), |_| panic!("must not pay")).unwrap_err();
        assert!(
            matches!(error, OperationError::InvalidInput(_)),
            "{error:?}"
        );
    }
}
