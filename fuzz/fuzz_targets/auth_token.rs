//! Auth-token verification as a node does it: raw `SignedToken` bytes, arbitrary `Token`
//! bytes signed with a valid key (to get past the signature), and structured tokens with
//! fuzzer-chosen nonce, target and expiry, and valid tokens from the core's generator checked
//! later and elsewhere. A token that verifies is unexpired at `now`, for
//! this node, and names the signer's user id.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use nilvm_core::arbitrary::TokenCase;
use nilvm_core::auth::verify_token;
use nilvm_core::identity::{NodeId, UserKey};
use nilvm_core::time::{Duration, Timestamp};
use nilvm_proto::Message;
use nilvm_proto::nillion::auth::v1::token::{SignedToken, Token};

#[derive(Arbitrary, Debug)]
enum Input {
    Raw { bytes: Vec<u8>, now: i64 },
    SignedBytes { token: Vec<u8>, key: u8, now: i64 },
    Structured { key: u8, nonce: Vec<u8>, own: bool, expires: i64, nanos: i32, now: i64 },
    /// A token that verifies (the core's `TokenCase`), checked later and at another node.
    Generated { case: TokenCase, later: u16, elsewhere: bool },
}

fn node() -> NodeId {
    NodeId::new(vec![0xab; 20]).expect("a 20-byte id")
}

fn key(n: u8) -> UserKey {
    UserKey::from_bytes(&[n % 0x7f + 1; 32]).expect("a valid key")
}

fn check(bytes: &[u8], signer: Option<&UserKey>, now: Timestamp) {
    if let Ok(verified) = verify_token(bytes, &node(), now) {
        assert!(verified.expires_at() >= now, "an expired token verified");
        let signed = SignedToken::decode(bytes).expect("it verified, so it decodes");
        let token = Token::decode(signed.serialized_token.as_slice()).expect("it decodes");
        assert_eq!(
            token.target_identity.map(|t| t.contents),
            Some(node().as_bytes().to_vec()),
            "a token for another node verified"
        );
        if let Some(signer) = signer {
            assert_eq!(verified.user_id(), signer.user_id());
        }
    }
}

fuzz_target!(|input: Input| {
    match input {
        Input::Raw { bytes, now } => check(&bytes, None, Timestamp::from_unix_seconds(now)),
        Input::SignedBytes { token, key: k, now } => {
            let signer = key(k);
            let signature = signer.sign(&token).expect("signing works").to_vec();
            let signed = SignedToken {
                serialized_token: token,
                public_key: Some(signer.public_key().into()),
                signature,
            };
            check(&signed.encode_to_vec(), Some(&signer), Timestamp::from_unix_seconds(now));
        }
        Input::Structured { key: k, nonce, own, expires, nanos, now } => {
            let signer = key(k);
            let target = if own { node() } else { NodeId::new(vec![0xcd; 20]).expect("id") };
            let token = Token {
                nonce,
                target_identity: Some((&target).into()),
                expires_at: Some(nilvm_proto::well_known::Timestamp { seconds: expires, nanos }),
            };
            let serialized_token = token.encode_to_vec();
            let signature = signer.sign(&serialized_token).expect("signing works").to_vec();
            let signed = SignedToken {
                serialized_token,
                public_key: Some(signer.public_key().into()),
                signature,
            };
            check(&signed.encode_to_vec(), Some(&signer), Timestamp::from_unix_seconds(now));
        }
        Input::Generated { case, later, elsewhere } => {
            let bytes = case.token.encode_to_vec();
            let verified =
                verify_token(&bytes, &case.target, case.now).expect("a generated token verifies");
            assert_eq!(verified.user_id(), case.key.user_id());
            let now = case.now.saturating_add(Duration::from_secs(u64::from(later)));
            let at = if elsewhere { node() } else { case.target.clone() };
            if let Ok(verified) = verify_token(&bytes, &at, now) {
                assert!(verified.expires_at() >= now, "an expired token verified");
                assert_eq!(at, case.target, "a token for another node verified");
            }
            check(&bytes, Some(&case.key), now);
        }
    }
});
