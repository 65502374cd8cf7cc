//! A transport-neutral gRPC status: what a node answers instead of a reply.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use nilvm_proto::Message;
use nilvm_proto::google::rpc::{PreconditionFailure, RetryInfo, Status as StatusDetails};
use nilvm_proto::well_known::Any;

/// Type URL of the `PreconditionFailure` detail.
pub const PRECONDITION_FAILURE_TYPE_URL: &str =
    "type.googleapis.com/google.rpc.PreconditionFailure";
/// Type URL of the `RetryInfo` detail.
pub const RETRY_INFO_TYPE_URL: &str = "type.googleapis.com/google.rpc.RetryInfo";

/// The message of the FAILED_PRECONDITION nodes answer for a receipt or quote nonce they saw
/// before (the nodes' wording).
pub const NONCE_REUSED: &str = "nonce already used";

/// The message of the INVALID_ARGUMENT the leader answers for an add-funds transfer it
/// credited before (the nodes' wording).
pub const TRANSFER_REUSED: &str = "payment transaction has already been processed";

/// The gRPC status codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[allow(missing_docs)] // the names are gRPC's own
pub enum Code {
    Ok = 0,
    Cancelled = 1,
    Unknown = 2,
    InvalidArgument = 3,
    DeadlineExceeded = 4,
    NotFound = 5,
    AlreadyExists = 6,
    PermissionDenied = 7,
    ResourceExhausted = 8,
    FailedPrecondition = 9,
    Aborted = 10,
    OutOfRange = 11,
    Unimplemented = 12,
    Internal = 13,
    Unavailable = 14,
    DataLoss = 15,
    Unauthenticated = 16,
}

impl Code {
    /// The code for a wire number; numbers gRPC does not define are `Unknown`, as gRPC says.
    pub fn from_i32(number: i32) -> Self {
        use Code::*;
        const ALL: [Code; 17] = [
            Ok,
            Cancelled,
            Unknown,
            InvalidArgument,
            DeadlineExceeded,
            NotFound,
            AlreadyExists,
            PermissionDenied,
            ResourceExhausted,
            FailedPrecondition,
            Aborted,
            OutOfRange,
            Unimplemented,
            Internal,
            Unavailable,
            DataLoss,
            Unauthenticated,
        ];
        usize::try_from(number)
            .ok()
            .and_then(|i| ALL.get(i).copied())
            .unwrap_or(Unknown)
    }

    /// Whether a call that failed with this code may succeed if sent again unchanged.
    ///
    /// The union of what the official clients retry: DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED and
    /// UNAVAILABLE (both), UNKNOWN (Rust) and DATA_LOSS (Python).
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            Code::DeadlineExceeded
                | Code::ResourceExhausted
                | Code::Unavailable
                | Code::Unknown
                | Code::DataLoss
        )
    }
}

/// A gRPC status: code, message, and the encoded `google.rpc.Status` details, if any.
#[derive(Clone, PartialEq, Eq)]
pub struct Status {
    /// The status code.
    pub code: Code,
    /// The human-readable message.
    pub message: String,
    /// The `grpc-status-details-bin` payload: an encoded `google.rpc.Status`, or empty.
    pub details: Vec<u8>,
}

impl Status {
    /// A status without details.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            details: Vec::new(),
        }
    }

    /// A status carrying one detail message, encoded as gRPC servers do.
    pub fn with_detail(
        code: Code,
        message: impl Into<String>,
        type_url: &str,
        detail: &impl Message,
    ) -> Self {
        let message = message.into();
        let details = StatusDetails {
            code: code as i32,
            message: message.clone(),
            details: alloc::vec![Any {
                type_url: type_url.into(),
                value: detail.encode_to_vec()
            }],
        };
        Self {
            code,
            message,
            details: details.encode_to_vec(),
        }
    }

    /// The FAILED_PRECONDITION "not enough funds" the leader answers when a balance cannot pay
    /// a quote, with the `PreconditionFailure` detail that tells clients to pay on chain.
    pub fn insufficient_balance() -> Self {
        use nilvm_proto::google::rpc::precondition_failure::Violation;
        let detail = PreconditionFailure {
            violations: alloc::vec![Violation {
                r#type: "PAYMENT".into(),
                subject: "BALANCE".into(),
                description: "balance is not enough to cover for operation cost".into(),
            }],
        };
        Self::with_detail(
            Code::FailedPrecondition,
            "not enough funds",
            PRECONDITION_FAILURE_TYPE_URL,
            &detail,
        )
    }

    fn detail_messages(&self) -> Vec<Any> {
        // Details a server got wrong are ignored: they only refine what the code already says.
        StatusDetails::decode(self.details.as_slice())
            .map(|s| s.details)
            .unwrap_or_default()
    }

    /// Whether this is the leader's "pay on chain instead" signal: FAILED_PRECONDITION with a
    /// `PreconditionFailure` violation of type `PAYMENT` and subject `BALANCE`.
    pub fn is_insufficient_balance(&self) -> bool {
        self.code == Code::FailedPrecondition
            && self.detail_messages().iter().any(|any| {
                any.type_url == PRECONDITION_FAILURE_TYPE_URL
                    && PreconditionFailure::decode(any.value.as_slice()).is_ok_and(|failure| {
                        failure
                            .violations
                            .iter()
                            .any(|v| v.r#type == "PAYMENT" && v.subject == "BALANCE")
                    })
            })
    }

    /// Whether a node says this request (its receipt, or a quote's nonce) was processed
    /// before: FAILED_PRECONDITION "nonce already used", as nodes answer for a burned receipt
    /// and the leader for a spent quote. A client that sends each receipt and quote once sees
    /// this only when an earlier attempt or a copy of the same request reached the node.
    pub fn is_nonce_reused(&self) -> bool {
        self.code == Code::FailedPrecondition && self.message == NONCE_REUSED
    }

    /// Whether the leader says an add-funds transfer was credited before: INVALID_ARGUMENT
    /// "payment transaction has already been processed".
    pub fn is_transfer_reused(&self) -> bool {
        self.code == Code::InvalidArgument && self.message == TRANSFER_REUSED
    }

    /// Whether the node says an earlier attempt (or a copy) of this request was processed:
    /// [`is_nonce_reused`](Self::is_nonce_reused) or
    /// [`is_transfer_reused`](Self::is_transfer_reused).
    pub fn is_replay(&self) -> bool {
        self.is_nonce_reused() || self.is_transfer_reused()
    }

    /// The largest retry delay the server asked for with `RetryInfo`, in milliseconds.
    pub fn retry_delay_millis(&self) -> Option<u64> {
        self.detail_messages()
            .iter()
            .filter(|any| any.type_url == RETRY_INFO_TYPE_URL)
            .filter_map(|any| RetryInfo::decode(any.value.as_slice()).ok()?.retry_delay)
            .filter(|delay| delay.seconds >= 0 && delay.nanos >= 0)
            .map(|delay| {
                let seconds = u64::try_from(delay.seconds).unwrap_or(0);
                let nanos = u64::try_from(delay.nanos).unwrap_or(0);
                seconds
                    .saturating_mul(1000)
                    .saturating_add(nanos / 1_000_000)
            })
            .max()
    }
}

impl fmt::Debug for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Status")
            .field("code", &self.code)
            .field("message", &self.message)
            .field("details_len", &self.details.len())
            .finish()
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.code, self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_from_wire_numbers() {
        assert_eq!(Code::from_i32(5), Code::NotFound);
        assert_eq!(Code::from_i32(16), Code::Unauthenticated);
        assert_eq!(Code::from_i32(17), Code::Unknown);
        assert_eq!(Code::from_i32(-1), Code::Unknown);
    }

    #[test]
    fn insufficient_balance_round_trips_through_details() {
        let status = Status::insufficient_balance();
        assert!(status.is_insufficient_balance());
        assert_eq!(status.message, "not enough funds");
    }

    #[test]
    fn failed_precondition_without_detail_is_not_the_balance_signal() {
        assert!(
            !Status::new(Code::FailedPrecondition, "not enough funds").is_insufficient_balance()
        );
        let mut garbage = Status::new(Code::FailedPrecondition, "x");
        garbage.details = alloc::vec![0xff, 0xff, 0xff];
        assert!(!garbage.is_insufficient_balance());
    }

    #[test]
    fn retry_delay_takes_the_largest_request() {
        let info = |seconds| RetryInfo {
            retry_delay: Some(nilvm_proto::well_known::Duration {
                seconds,
                nanos: 500_000_000,
            }),
        };
        let mut status =
            Status::with_detail(Code::Unavailable, "busy", RETRY_INFO_TYPE_URL, &info(1));
        assert_eq!(status.retry_delay_millis(), Some(1500));
        let mut details = StatusDetails::decode(status.details.as_slice()).unwrap();
        details.details.push(Any {
            type_url: RETRY_INFO_TYPE_URL.into(),
            value: info(4).encode_to_vec(),
        });
        status.details = details.encode_to_vec();
        assert_eq!(status.retry_delay_millis(), Some(4500));
    }
}
