//! The emulated cluster (transport-mock, the node semantics the devnet serves) fed arbitrary
//! requests: any node, with no token, a valid user's token or raw token bytes, bodies from raw
//! bytes or built around quotes and receipts the leader handed out earlier (so the fuzzer
//! reaches past the receipt checks), results streams polled, time moving.
//!
//! No panic; and a receipt a node accepted once is refused when replayed to that node.
#![no_main]

use std::collections::BTreeSet;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use nilvm_core::arbitrary::{Unstructured, request_for};
use nilvm_core::auth::TokenCache;
use nilvm_core::field::Prime;
use nilvm_core::identity::UserKey;
use nilvm_core::payments::quote_request;
use nilvm_core::rpc::{Method, Reply, Request};
use nilvm_core::time::{Duration, Timestamp};
use nilvm_proto::Message;
use nilvm_proto::nillion::payments::v1::quote::{PriceQuoteRequest, SignedQuote};
use nilvm_proto::nillion::payments::v1::receipt::{PaymentReceiptRequest, SignedReceipt};
use nilvm_transport_mock::{Cluster, ClusterConfig, Response, ResultsStream};
use uuid::Uuid;

#[derive(Arbitrary, Debug)]
enum Auth {
    None,
    User(u8),
    Raw(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
enum Body {
    /// Raw bytes decoded as the method's request.
    Raw(Vec<u8>),
    /// A quote for a request of the fuzzer's (raw) or a well-formed one.
    Quote { raw: Option<Vec<u8>>, pick: u8 },
    /// A receipt for an earlier quote, from the balance or with a transaction hash.
    Receipt { quote: u8, tx_hash: String },
    /// Raw bytes as the method's request, carrying an earlier receipt.
    WithReceipt { receipt: u8, raw: Vec<u8> },
    /// A well-formed request of the method from the core's generator
    /// (`nilvm_core::arbitrary::request_for`) over these bytes, carrying an earlier receipt
    /// when there is one: past decoding and the receipt check, into the node's handling.
    Structured { receipt: u8, seed: Vec<u8> },
}

#[derive(Arbitrary, Debug)]
enum Event {
    Request { node: u8, auth: Auth, method: u8, body: Body },
    Poll { stream: u8 },
    Advance { seconds: u32 },
}

fn set_receipt(request: &mut Request, receipt: SignedReceipt) -> bool {
    let slot = match request {
        Request::StoreValues(r) => &mut r.signed_receipt,
        Request::RetrieveValues(r) => &mut r.signed_receipt,
        Request::RetrievePermissions(r) => &mut r.signed_receipt,
        Request::OverwritePermissions(r) => &mut r.signed_receipt,
        Request::UpdatePermissions(r) => &mut r.signed_receipt,
        Request::StoreProgram(r) => &mut r.signed_receipt,
        Request::InvokeCompute(r) => &mut r.signed_receipt,
        Request::PoolStatus(r) => &mut r.signed_receipt,
        _ => return false,
    };
    *slot = Some(receipt);
    true
}

fn quote_for(pick: u8, values: &[Uuid]) -> PriceQuoteRequest {
    let id = values.get(usize::from(pick) % values.len().max(1)).copied().unwrap_or_default();
    match pick % 6 {
        0 => quote_request::pool_status(),
        1 => quote_request::store_values(
            &quote_request::StoreValuesCounts { secret_shared: 1, public_values: 1, ..Default::default() },
            u64::from(pick) * 64,
            Some(1),
        ),
        2 => quote_request::retrieve_values(id),
        3 => quote_request::retrieve_permissions(id),
        4 => quote_request::update_permissions(id),
        _ => quote_request::overwrite_permissions(id),
    }
}

fuzz_target!(|events: Vec<Event>| {
    let config = ClusterConfig { prime: Prime::U64, ..ClusterConfig::default() };
    let mut cluster = Cluster::new(config, 11).expect("a valid cluster");
    let nodes = cluster.node_ids();
    let mut now = Timestamp::from_unix_seconds(1_700_000_000);
    let users: Vec<UserKey> =
        (1..=2u8).map(|i| UserKey::from_bytes(&[i * 0x11; 32]).expect("key")).collect();
    for user in &users {
        cluster.leader_mut().set_balance(now, user.user_id(), 1_000_000);
    }
    let mut tokens: Vec<TokenCache> =
        users.iter().map(|u| TokenCache::new(u.clone(), [5; 32])).collect();
    let mut quotes: Vec<SignedQuote> = Vec::new();
    let mut receipts: Vec<SignedReceipt> = Vec::new();
    let mut values: Vec<Uuid> = Vec::new();
    let mut streams: Vec<ResultsStream> = Vec::new();
    // (node, receipt index) pairs a node accepted.
    let mut accepted: BTreeSet<(usize, usize)> = BTreeSet::new();

    for event in events.into_iter().take(64) {
        match event {
            Event::Advance { seconds } => {
                now = now.saturating_add(Duration::from_secs(u64::from(seconds)));
            }
            Event::Poll { stream } => {
                if streams.is_empty() {
                    continue;
                }
                let i = usize::from(stream) % streams.len();
                let poll = cluster.poll_results(now, &mut streams[i]);
                if poll.end.is_some() || streams[i].is_ended() {
                    streams.remove(i);
                }
            }
            Event::Request { node, auth, method, body } => {
                let index = usize::from(node) % nodes.len();
                let target = nodes[index].clone();
                let method = Method::ALL[usize::from(method) % Method::ALL.len()];
                let mut used_receipt = None;
                let request = match body {
                    Body::Raw(bytes) => Request::decode(method, &bytes).ok(),
                    Body::Quote { raw, pick } => Some(Request::PriceQuote(match raw {
                        Some(raw) => match PriceQuoteRequest::decode(raw.as_slice()) {
                            Ok(r) => r,
                            Err(_) => continue,
                        },
                        None => quote_for(pick, &values),
                    })),
                    Body::Receipt { quote, tx_hash } => {
                        if quotes.is_empty() {
                            continue;
                        }
                        let signed = quotes[usize::from(quote) % quotes.len()].clone();
                        Some(Request::PaymentReceipt(PaymentReceiptRequest {
                            signed_quote: Some(signed),
                            tx_hash,
                        }))
                    }
                    Body::WithReceipt { receipt, raw } => {
                        if receipts.is_empty() {
                            continue;
                        }
                        let r = usize::from(receipt) % receipts.len();
                        let Ok(mut request) = Request::decode(method, &raw) else { continue };
                        if !set_receipt(&mut request, receipts[r].clone()) {
                            continue;
                        }
                        used_receipt = Some(r);
                        Some(request)
                    }
                    Body::Structured { receipt, seed } => {
                        let mut u = Unstructured::new(&seed);
                        let Ok(mut request) = request_for(&mut u, method) else { continue };
                        if !receipts.is_empty() {
                            let r = usize::from(receipt) % receipts.len();
                            if set_receipt(&mut request, receipts[r].clone()) {
                                used_receipt = Some(r);
                            }
                        }
                        Some(request)
                    }
                };
                let Some(request) = request else { continue };
                let token = match auth {
                    Auth::None => None,
                    Auth::User(u) => {
                        let cache = &mut tokens[usize::from(u) % users.len()];
                        cache.token_for(now, &target).ok().map(<[u8]>::to_vec)
                    }
                    Auth::Raw(bytes) => Some(bytes),
                };
                let result = cluster.handle(now, &target, token.as_deref(), request);
                if let (Ok(_), Some(r)) = (&result, used_receipt) {
                    assert!(accepted.insert((index, r)), "node {index} accepted receipt {r} twice");
                }
                match result {
                    Ok(Response::Unary(Reply::PriceQuote(q))) => quotes.push(q),
                    Ok(Response::Unary(Reply::PaymentReceipt(r))) => receipts.push(r),
                    Ok(Response::Unary(Reply::StoreValues(v))) => {
                        if let Ok(id) = Uuid::from_slice(&v.values_id) {
                            values.push(id);
                        }
                    }
                    Ok(Response::Results(stream)) => streams.push(stream),
                    _ => {}
                }
            }
        }
    }
});
