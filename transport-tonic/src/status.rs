//! Conversions between tonic's status and the transport-neutral [`nilvm_core::rpc::Status`].

use bytes::Bytes;
use nilvm_core::rpc::{Code, Status};

/// A tonic status as core sees it: code, message and the `grpc-status-details-bin` bytes.
pub fn from_tonic(status: &tonic::Status) -> Status {
    Status {
        code: Code::from_i32(status.code() as i32),
        message: status.message().to_owned(),
        details: status.details().to_vec(),
    }
}

/// A core status as tonic sends it, details included.
pub fn to_tonic(status: &Status) -> tonic::Status {
    let code = tonic::Code::from_i32(status.code as i32);
    if status.details.is_empty() {
        tonic::Status::new(code, status.message.clone())
    } else {
        tonic::Status::with_details(
            code,
            status.message.clone(),
            Bytes::copy_from_slice(&status.details),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_with_details() {
        let status = Status::insufficient_balance();
        let back = from_tonic(&to_tonic(&status));
        assert_eq!(back, status);
        assert!(back.is_insufficient_balance());
        let plain = Status::new(Code::NotFound, "value not found");
        assert_eq!(from_tonic(&to_tonic(&plain)), plain);
    }
}
