//! Add funds as a sans-IO operation: pay `MsgPayFor{SHA-256(payload)}` on chain, then send
//! `Payments/AddFunds{payload, tx_hash}` to the leader.
//!
//! A stand-in until `nilvm-core` has its own add-funds operation: it is built only from core's
//! public pieces ([`AddFundsPayload`], [`Operation`]) and drives like any other operation.

use nilvm_core::identity::{NodeId, PublicKey, UserId};
use nilvm_core::operations::{
    Operation, OperationError, Output, PaymentRequest, RequestId, Target, Transmit,
};
use nilvm_core::payments::AddFundsPayload;
use nilvm_core::rpc::{Reply, Request, Status};
use nilvm_core::time::{Duration, Timestamp};

#[derive(Debug)]
enum Stage {
    Pay,
    Paying,
    Send(String),
    Waiting { id: RequestId, deadline: Timestamp },
    Done,
}

/// Adds `amount_unil` worth of credits to a user's balance.
#[derive(Debug)]
pub struct AddFunds {
    leader: NodeId,
    payload: AddFundsPayload,
    amount_unil: u64,
    stage: Stage,
    result: Option<Result<(), OperationError>>,
    now: Timestamp,
}

/// How long the leader may take to answer.
const TIMEOUT: Duration = Duration::from_secs(30);

impl AddFunds {
    /// Starts adding funds for `recipient`, with a payload `nonce` (32 random bytes).
    pub fn new(
        now: Timestamp,
        leader: &NodeId,
        leader_key: &PublicKey,
        recipient: UserId,
        amount_unil: u64,
        nonce: [u8; 32],
    ) -> Self {
        Self {
            leader: leader.clone(),
            payload: AddFundsPayload::with_nonce(recipient, Some(leader_key), nonce),
            amount_unil,
            stage: Stage::Pay,
            result: None,
            now,
        }
    }

    fn finish(&mut self, result: Result<(), OperationError>) {
        self.stage = Stage::Done;
        self.result = Some(result);
    }
}

impl Operation for AddFunds {
    type Output = ();

    fn handle_reply(&mut self, now: Timestamp, id: RequestId, reply: Result<Reply, Status>) {
        self.now = now;
        let Stage::Waiting { id: waiting, .. } = self.stage else {
            return;
        };
        if waiting != id {
            return;
        }
        let target = Target::Node(self.leader.clone());
        match reply {
            Ok(Reply::AddFunds(())) => self.finish(Ok(())),
            Ok(_) => self.finish(Err(OperationError::Misbehaving {
                node: target,
                reason: "unexpected reply to add funds".into(),
            })),
            Err(status) => self.finish(Err(OperationError::Refused {
                node: target,
                status,
            })),
        }
    }

    fn handle_stream_end(&mut self, _now: Timestamp, _id: RequestId) {}

    fn handle_payment(&mut self, now: Timestamp, result: Result<String, String>) {
        self.now = now;
        if !matches!(self.stage, Stage::Paying) {
            return;
        }
        match result {
            Ok(hash) => self.stage = Stage::Send(hash),
            Err(e) => self.finish(Err(OperationError::Payment(e))),
        }
    }

    fn handle_timeout(&mut self, now: Timestamp) {
        self.now = now;
        if let Stage::Waiting { deadline, .. } = self.stage {
            if deadline <= now {
                let status = Status::new(
                    nilvm_core::rpc::Code::DeadlineExceeded,
                    "no reply before the deadline",
                );
                self.finish(Err(OperationError::Unreachable {
                    node: Target::Node(self.leader.clone()),
                    status,
                    retries: 0,
                }));
            }
        }
    }

    fn poll_output(&mut self) -> Option<Output<()>> {
        match std::mem::replace(&mut self.stage, Stage::Done) {
            Stage::Pay => {
                self.stage = Stage::Paying;
                Some(Output::Pay(PaymentRequest {
                    amount_unil: self.amount_unil,
                    resource: self.payload.resource().to_vec(),
                }))
            }
            Stage::Send(hash) => {
                let id = RequestId(0);
                self.stage = Stage::Waiting {
                    id,
                    deadline: self.now.saturating_add(TIMEOUT),
                };
                Some(Output::Transmit(Transmit {
                    id,
                    target: Target::Node(self.leader.clone()),
                    request: Request::AddFunds(self.payload.request(hash)),
                }))
            }
            Stage::Done => self.result.take().map(Output::Done),
            other => {
                self.stage = other;
                None
            }
        }
    }

    fn poll_timeout(&self) -> Option<Timestamp> {
        match self.stage {
            Stage::Waiting { deadline, .. } => Some(deadline),
            _ => None,
        }
    }
}
