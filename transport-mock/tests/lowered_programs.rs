//! Every program fixture, lowered by `nilvm_nada::lower_bytes`, passes the emulated nodes'
//! StoreProgram checks on every node; the raw form of a program with raw operations does not.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use nilvm_core::identity::{UserId, UserKey};
use nilvm_core::program::{ProgramName, store_program_quote};
use nilvm_core::rpc::{Reply, Request, Status};
use nilvm_proto::nillion::payments::v1::quote::{PriceQuoteRequest, price_quote_request};
use nilvm_proto::nillion::payments::v1::receipt::SignedReceipt;
use nilvm_proto::nillion::programs::v1::store::StoreProgramRequest;
use nilvm_transport_mock::{Cluster, ClusterConfig};

mod common;

use common::{NOW, unary};

fn user() -> UserId {
    UserKey::from_bytes(&[9; 32]).expect("key").user_id()
}

fn programs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/programs")
}

fn fixtures() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(programs_dir())
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".json").map(str::to_string)
        })
        .collect();
    names.sort();
    names
}

/// A paid receipt for storing `program` under `name`. The quote is built from the raw
/// program's metadata for the raw case (the nodes must then refuse the bytes themselves).
fn receipt(cluster: &mut Cluster, name: &str, program: &[u8]) -> SignedReceipt {
    let quote = match store_program_quote(&ProgramName::new(name).unwrap(), program) {
        Ok(quote) => quote,
        // Raw MIR: quote what the lowered program would cost, with the raw bytes' hash.
        Err(_) => {
            let lowered = nilvm_nada::lower_bytes(program).unwrap();
            let mut quote =
                store_program_quote(&ProgramName::new(name).unwrap(), &lowered.bytes).unwrap();
            quote.contents_sha256 = nilvm_core::program::program_sha256(program).to_vec();
            quote
        }
    };
    let request = PriceQuoteRequest {
        operation: Some(price_quote_request::Operation::StoreProgram(quote)),
    };
    common::paid_receipt(cluster, user(), request)
}

fn store(cluster: &mut Cluster, name: &str, program: &[u8]) -> Vec<Result<String, Status>> {
    let signed = receipt(cluster, name, program);
    (0..3)
        .map(|node| {
            let request = Request::StoreProgram(StoreProgramRequest {
                program: program.to_vec(),
                signed_receipt: Some(signed.clone()),
            });
            match unary(cluster.handle_as(node, NOW, Some(user()), request))? {
                Reply::StoreProgram(reply) => Ok(reply.program_id),
                other => panic!("store program: {other:?}"),
            }
        })
        .collect()
}

#[test]
fn every_lowered_fixture_is_stored_by_every_node() {
    let mut cluster = Cluster::new(ClusterConfig::default(), 1).expect("cluster");
    let mut raw_refused = 0;
    for name in fixtures() {
        let raw = std::fs::read(programs_dir().join(format!("{name}.nada.bin"))).unwrap();
        let lowered = nilvm_nada::lower_bytes(&raw).unwrap();
        let ids = store(&mut cluster, &name, &lowered.bytes);
        let first = ids[0].clone().unwrap_or_else(|e| panic!("{name}: {e:?}"));
        for id in &ids {
            assert_eq!(id.as_ref().ok(), Some(&first), "{name}");
        }
        if lowered.changed() {
            for result in store(&mut cluster, &name, &raw) {
                let status = result.expect_err(&name);
                assert!(
                    status.message.contains("invalid program"),
                    "{name}: {status:?}"
                );
            }
            raw_refused += 1;
        }
    }
    assert!(
        raw_refused >= 3,
        "only {raw_refused} fixtures needed lowering"
    );
}
