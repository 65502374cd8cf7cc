//! Arbitrary bytes as a protobuf `NamedValue`: decoding never panics, and whatever decodes
//! re-encodes to bytes that decode to the same message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nilvm_proto::Message;
use nilvm_proto::nillion::values::v1::value::NamedValue;

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = NamedValue::decode(data) {
        let again =
            NamedValue::decode(value.encode_to_vec().as_slice()).expect("our own encoding decodes");
        assert_eq!(again, value);
    }
});
