//! The exported generators (features `arbitrary`, `proptest`) keep their promises: what they
//! call valid passes the core's own checks, and what they call decodable decodes.
#![allow(clippy::unwrap_used)]

use nilvm_core::auth::verify_token;
use nilvm_core::masking::PartyJar;
use nilvm_core::proptest::{
    clear_value, decodable, encrypted_value, quote_case, receipt_case, reply, reply_bytes, request,
    shared_values, token_case,
};
use nilvm_core::rpc::{Method, Reply, Request};
use nilvm_core::values::proto::{from_named_values, to_named_values};
use nilvm_proto::Message as _;
use nilvm_proto::nillion::values::v1::value::NamedValue;
use proptest::prelude::*;
use proptest::strategy::ValueTree as _;

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn clear_values_are_well_typed(value in clear_value()) {
        prop_assert!(value.has_type(&value.value_type()));
        prop_assert!(value.value_type().depth() <= nilvm_core::arbitrary::MAX_DEPTH);
    }

    #[test]
    fn shared_values_unmask_and_survive_the_wire(shared in shared_values()) {
        let prime = shared.masker.prime();
        let mut jar = PartyJar::new();
        for (party, shares) in &shared.shares {
            let named = to_named_values(shares).unwrap();
            let bytes: Vec<Vec<u8>> = named.iter().map(|v| v.encode_to_vec()).collect();
            let decoded: Vec<NamedValue> =
                bytes.iter().map(|b| NamedValue::decode(b.as_slice()).unwrap()).collect();
            let back = from_named_values(&decoded, prime).unwrap();
            prop_assert_eq!(&back, shares);
            jar.add(party.clone(), back).unwrap();
        }
        prop_assert_eq!(shared.masker.unmask(&jar).unwrap(), shared.values);
    }

    #[test]
    fn encrypted_values_have_a_wire_form(value in encrypted_value()) {
        let proto = nilvm_core::values::proto::value_to_proto(&value).unwrap();
        prop_assert!(proto.value.is_some());
    }

    #[test]
    fn tokens_verify_at_their_node(case in token_case()) {
        let bytes = case.token.encode_to_vec();
        let verified = verify_token(&bytes, &case.target, case.now).unwrap();
        prop_assert_eq!(verified.user_id(), case.key.user_id());
    }

    #[test]
    fn quotes_and_receipts_validate(case in receipt_case()) {
        let receipt = case.validated().unwrap();
        prop_assert_eq!(receipt.kind(), case.quote.validated().unwrap().kind());
    }

    #[test]
    fn quotes_validate(case in quote_case()) {
        let quote = case.validated().unwrap();
        prop_assert_eq!(quote.request(), &case.request);
    }

    #[test]
    fn requests_and_replies_round_trip(request in request(), reply in reply()) {
        let bytes = request.encode_to_vec();
        prop_assert_eq!(Request::decode(request.method(), &bytes).unwrap(), request);
        let bytes = reply.encode_to_vec();
        prop_assert_eq!(Reply::decode(reply.method(), &bytes).unwrap(), reply);
    }

    #[test]
    fn decodable_bytes_decode(bytes in decodable::<NamedValue>()) {
        prop_assert!(NamedValue::decode(bytes.as_slice()).is_ok());
    }
}

#[test]
fn reply_bytes_decode_as_their_method() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    for method in Method::ALL {
        let strategy = reply_bytes(*method);
        for _ in 0..16 {
            let bytes = strategy.new_tree(&mut runner).unwrap().current();
            assert!(Reply::decode(*method, &bytes).is_ok(), "{method:?}");
        }
    }
}
