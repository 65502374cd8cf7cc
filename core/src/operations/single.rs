//! A call to one node whose reply is the operation's result.

use alloc::vec::Vec;

use crate::rpc::{Method, Reply, Request};

use super::fanout::NodeCall;
use super::{OperationError, Target};

/// One request to one node, returning the reply's message.
#[derive(Debug)]
pub struct SingleCall<T> {
    target: Target,
    method: Method,
    request: Option<Request>,
    extract: fn(Reply) -> Option<T>,
}

impl<T> SingleCall<T> {
    pub(crate) fn new(target: Target, request: Request, extract: fn(Reply) -> Option<T>) -> Self {
        Self {
            target,
            method: request.method(),
            request: Some(request),
            extract,
        }
    }
}

impl<T> NodeCall for SingleCall<T> {
    type NodeReply = T;
    type Output = T;

    fn requests(&mut self) -> Vec<(Target, Request)> {
        self.request
            .take()
            .map(|request| (self.target.clone(), request))
            .into_iter()
            .collect()
    }

    fn parse(&mut self, node: &Target, reply: Reply) -> Result<Option<T>, OperationError> {
        let method = reply.method();
        (self.extract)(reply)
            .map(Some)
            .ok_or_else(|| OperationError::unexpected_reply(node, self.method, method))
    }

    fn finish(self, mut replies: Vec<(Target, T)>) -> Result<T, OperationError> {
        replies
            .pop()
            .map(|(_, reply)| reply)
            .ok_or(OperationError::ApiMisuse("no reply to a single call"))
    }
}
