//! A pass-through gRPC codec: messages are already-encoded protobuf bytes.
//!
//! `core` encodes and decodes every nilVM message itself ([`Request::encode_to_vec`],
//! [`Reply::decode`]), so the transport only moves bytes; one codec serves every method.
//!
//! [`Request::encode_to_vec`]: nilvm_core::rpc::Request::encode_to_vec
//! [`Reply::decode`]: nilvm_core::rpc::Reply::decode

use bytes::{Buf, BufMut, Bytes};
use tonic::Status;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};

/// The largest message either side accepts or sends: the nodes' `max_payload_size` (6 MiB).
pub const MAX_MESSAGE_SIZE: usize = 6 * 1024 * 1024;

/// Encodes and decodes raw message bytes.
#[derive(Clone, Copy, Debug, Default)]
pub struct BytesCodec;

impl Codec for BytesCodec {
    type Encode = Bytes;
    type Decode = Bytes;
    type Encoder = BytesCodec;
    type Decoder = BytesCodec;

    fn encoder(&mut self) -> Self::Encoder {
        BytesCodec
    }

    fn decoder(&mut self) -> Self::Decoder {
        BytesCodec
    }
}

impl Encoder for BytesCodec {
    type Item = Bytes;
    type Error = Status;

    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put(item);
        Ok(())
    }
}

impl Decoder for BytesCodec {
    type Item = Bytes;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Bytes>, Status> {
        let len = src.remaining();
        Ok(Some(src.copy_to_bytes(len)))
    }
}
