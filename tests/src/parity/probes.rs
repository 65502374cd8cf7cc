//! The probes themselves, per RPC family: each request and the reference node's answer to it
//! (docs/node-checks.md §2–§6).

use super::*;

pub(super) fn probes<H: Harness>(h: &H, f: &Fixture<H::User>) -> Vec<Probe> {
    let context = h.context(PaymentMode::FromBalance);
    let mut all = values_probes(&context, f);
    all.extend(permissions_probes(f));
    all.extend(program_probes());
    all.extend(compute_probes(&context, f));
    all.push(
        probe(
            "pool status: asked of a member that is not the leader",
            Some(quote_request::pool_status()),
            refused(Code::Unimplemented, ""),
            |signed_receipt| Request::PoolStatus(PoolStatusRequest { signed_receipt }),
        )
        .at_follower(),
    );
    all
}

fn store_quote(ttl_days: Option<u32>) -> PriceQuoteRequest {
    let counts = StoreValuesCounts {
        secret_shared: 1,
        ..StoreValuesCounts::default()
    };
    quote_request::store_values(&counts, 64, ttl_days)
}

fn store_request(
    values: Vec<NamedValue>,
    permissions: Option<ProtoPermissions>,
    update: Vec<u8>,
) -> impl FnMut(Option<SignedReceipt>) -> Request + Send + 'static {
    move |signed_receipt| {
        Request::StoreValues(StoreValuesRequest {
            signed_receipt,
            values: values.clone(),
            permissions: permissions.clone(),
            update_identifier: update.clone(),
        })
    }
}

fn values_probes<U>(context: &OperationContext, f: &Fixture<U>) -> Vec<Probe> {
    let x = first_member_shares(context, &[("x", secret(5))]);
    let mine = Some(Permissions::defaults_for_user(f.owner_id).to_proto());
    let ownerless = Some(ProtoPermissions::default());
    let id = f.values_id.as_bytes().to_vec();
    let unknown = Uuid::from_u128(7).as_bytes().to_vec();
    use Code::{InvalidArgument, NotFound, PermissionDenied};
    vec![
        probe(
            "store: no values",
            Some(store_quote(Some(1))),
            refused(InvalidArgument, "no values provided"),
            store_request(vec![], mine.clone(), vec![]),
        ),
        probe(
            "store: no permissions",
            Some(store_quote(Some(1))),
            refused(
                InvalidArgument,
                "'permissions' is required when storing values",
            ),
            store_request(x.clone(), None, vec![]),
        ),
        probe(
            "store: ttl_days 10^9",
            Some(store_quote(Some(1_000_000_000))),
            refused(InvalidArgument, "ttl_days is too high"),
            store_request(x.clone(), mine.clone(), vec![]),
        ),
        probe(
            "store: permissions without owner, and no receipt",
            Some(store_quote(Some(1))),
            refused(InvalidArgument, "protobuf parsing error: 'owner' not set "),
            {
                let mut build = store_request(x.clone(), ownerless, vec![]);
                move |_| build(None)
            },
        ),
        probe(
            "store: no receipt",
            Some(store_quote(Some(1))),
            refused(
                InvalidArgument,
                "protobuf parsing error: 'signed_receipt' not set",
            ),
            {
                let mut build = store_request(x.clone(), mine.clone(), vec![]);
                move |_| build(None)
            },
        ),
        probe(
            "store: a receipt for another operation",
            Some(quote_request::retrieve_values(f.values_id)),
            refused(
                InvalidArgument,
                "receipt is not for a 'store values' operation",
            ),
            store_request(x.clone(), mine.clone(), vec![]),
        ),
        probe(
            "update: unknown values",
            Some(store_quote(Some(1))),
            refused(NotFound, "value not found"),
            store_request(x.clone(), None, unknown.clone()),
        ),
        probe(
            "update: by a user without the update permission",
            Some(store_quote(Some(1))),
            refused(
                PermissionDenied,
                "user does not have permissions for action",
            ),
            store_request(x.clone(), None, id.clone()),
        )
        .by_stranger(),
        probe(
            "retrieve: unknown values",
            Some(quote_request::retrieve_values(Uuid::from_u128(7))),
            refused(NotFound, "value not found"),
            |signed_receipt| Request::RetrieveValues(RetrieveValuesRequest { signed_receipt }),
        ),
        probe(
            "retrieve: by a user without the retrieve permission",
            Some(quote_request::retrieve_values(f.values_id)),
            refused(
                PermissionDenied,
                "user does not have permissions for action",
            ),
            |signed_receipt| Request::RetrieveValues(RetrieveValuesRequest { signed_receipt }),
        )
        .by_stranger(),
        probe(
            "delete: an id that is not a UUID",
            None,
            refused(InvalidArgument, "invalid id"),
            |_| {
                Request::DeleteValues(DeleteValuesRequest {
                    values_id: vec![1, 2, 3],
                })
            },
        ),
        probe(
            "delete: unknown values",
            None,
            refused(NotFound, "value not found"),
            move |_| {
                Request::DeleteValues(DeleteValuesRequest {
                    values_id: unknown.clone(),
                })
            },
        ),
        probe(
            "delete: by a user without the delete permission",
            None,
            refused(
                PermissionDenied,
                "user does not have permissions for action",
            ),
            move |_| {
                Request::DeleteValues(DeleteValuesRequest {
                    values_id: id.clone(),
                })
            },
        )
        .by_stranger(),
    ]
}

fn permissions_probes<U>(f: &Fixture<U>) -> Vec<Probe> {
    use Code::{InvalidArgument, NotFound, PermissionDenied};
    let id = f.values_id;
    let theirs = Some(Permissions::defaults_for_user(f.stranger_id).to_proto());
    let short_user = ProtoUserId {
        contents: vec![1, 2, 3],
    };
    vec![
        probe(
            "overwrite permissions: none given",
            Some(quote_request::overwrite_permissions(id)),
            refused(
                InvalidArgument,
                "protobuf parsing error: 'permissions' not set",
            ),
            |signed_receipt| {
                Request::OverwritePermissions(OverwritePermissionsRequest {
                    signed_receipt,
                    permissions: None,
                })
            },
        ),
        probe(
            "overwrite permissions: by a user who is not the owner",
            Some(quote_request::overwrite_permissions(id)),
            refused(
                PermissionDenied,
                "user does not have permissions for action",
            ),
            move |signed_receipt| {
                Request::OverwritePermissions(OverwritePermissionsRequest {
                    signed_receipt,
                    permissions: theirs.clone(),
                })
            },
        )
        .by_stranger(),
        probe(
            "update permissions: a user id of 3 bytes",
            Some(quote_request::update_permissions(id)),
            refused(
                InvalidArgument,
                "protobuf parsing error: invalid user id length",
            ),
            move |signed_receipt| {
                Request::UpdatePermissions(UpdatePermissionsRequest {
                    signed_receipt,
                    retrieve: Some(PermissionCommand {
                        grant: vec![short_user.clone()],
                        revoke: vec![],
                    }),
                    ..UpdatePermissionsRequest::default()
                })
            },
        ),
        probe(
            "update permissions: unknown values",
            Some(quote_request::update_permissions(Uuid::from_u128(7))),
            refused(NotFound, "value not found"),
            |signed_receipt| {
                Request::UpdatePermissions(UpdatePermissionsRequest {
                    signed_receipt,
                    ..UpdatePermissionsRequest::default()
                })
            },
        ),
    ]
}

/// `compare_select` as nada-dsl compiles it, before the preprocessor lowers its comparisons.
const RAW_COMPARE_SELECT: &[u8] =
    include_bytes!("../../../testdata/programs/compare_select.nada.bin");

/// How the nodes' audit starts its answer to a program that still needs the preprocessor.
const RAW_PROGRAM_REFUSAL: &str =
    "invalid program: unexpected: error during MIR validation: MIR operations validation:";

fn program_quote(name: &str, contents: &[u8]) -> PriceQuoteRequest {
    let metadata = ProgramMetadata::from_program(MULTI_PARTY_SUM)
        .expect("the probes' program")
        .to_proto();
    quote_request::store_program_bytes(metadata, contents, name)
}

fn store_program(
    program: Vec<u8>,
) -> impl FnMut(Option<SignedReceipt>) -> Request + Send + 'static {
    move |signed_receipt| {
        Request::StoreProgram(StoreProgramRequest {
            signed_receipt,
            program: program.clone(),
        })
    }
}

fn program_probes() -> Vec<Probe> {
    use Code::InvalidArgument;
    let program = MULTI_PARTY_SUM.to_vec();
    let garbage = vec![0xff; 40];
    vec![
        probe(
            "store program: empty name",
            Some(program_quote("", &program)),
            refused(InvalidArgument, "empty program names are not allowed"),
            store_program(program.clone()),
        ),
        probe(
            "store program: '/' in the name",
            Some(program_quote("a/b", &program)),
            refused(InvalidArgument, "'/' is not allowed in program names"),
            store_program(program.clone()),
        ),
        probe(
            "store program: 129-character name",
            Some(program_quote(&"a".repeat(129), &program)),
            refused(InvalidArgument, "program name is too long"),
            store_program(program.clone()),
        ),
        probe(
            "store program: bytes that do not hash to the quoted hash",
            Some(program_quote("p", &garbage)),
            refused(InvalidArgument, "invalid program hash"),
            store_program(program.clone()),
        ),
        probe(
            "store program: bytes that are not a program",
            Some(program_quote("p", &garbage)),
            refused(InvalidArgument, "malformed program (invalid sdk version?)"),
            store_program(garbage),
        ),
        probe(
            "store program: raw compiler output (comparisons not lowered)",
            Some(program_quote("raw", RAW_COMPARE_SELECT)),
            Answer::RefusedStartingWith(InvalidArgument, RAW_PROGRAM_REFUSAL.into()),
            store_program(RAW_COMPARE_SELECT.to_vec()),
        ),
    ]
}

/// The compute request the probes vary: Dealer1 and Dealer2 bound to the owner, Receiver to
/// the owner too, `values` given at compute time, `value_ids` stored.
#[derive(Clone)]
struct Compute {
    values: Vec<NamedValue>,
    value_ids: Vec<Vec<u8>>,
    inputs: Vec<(String, Option<ProtoUserId>)>,
    outputs: Vec<String>,
    owner: ProtoUserId,
}

impl Compute {
    fn new<U>(context: &OperationContext, f: &Fixture<U>) -> Self {
        let owner = ProtoUserId::from(&f.owner_id);
        Compute {
            values: first_member_shares(context, &[("y", secret(4))]),
            value_ids: vec![f.values_id.as_bytes().to_vec()],
            inputs: vec![
                ("Dealer1".into(), Some(owner.clone())),
                ("Dealer2".into(), Some(owner.clone())),
            ],
            outputs: vec!["Receiver".into()],
            owner,
        }
    }

    fn request(self) -> impl FnMut(Option<SignedReceipt>) -> Request + Send + 'static {
        move |signed_receipt| {
            Request::InvokeCompute(InvokeComputeRequest {
                signed_receipt,
                value_ids: self.value_ids.clone(),
                values: self.values.clone(),
                input_bindings: self
                    .inputs
                    .iter()
                    .map(|(party_name, user)| InputPartyBinding {
                        party_name: party_name.clone(),
                        user: user.clone(),
                    })
                    .collect(),
                output_bindings: self
                    .outputs
                    .iter()
                    .map(|party_name| OutputPartyBinding {
                        party_name: party_name.clone(),
                        users: vec![self.owner.clone()],
                    })
                    .collect(),
            })
        }
    }
}

fn compute_probes<U>(context: &OperationContext, f: &Fixture<U>) -> Vec<Probe> {
    use Code::{InvalidArgument, NotFound};
    let base = Compute::new(context, f);
    let quote = Some(quote_request::invoke_compute(f.program_id.clone(), 64));
    let with = |change: &dyn Fn(&mut Compute)| {
        let mut c = base.clone();
        change(&mut c);
        c.request()
    };
    let failed = |text: &str| refused(InvalidArgument, &format!("input validation failed: {text}"));
    vec![
        probe(
            "compute: a public Integer for a SecretInteger input",
            quote.clone(),
            failed("types don't match: SecretInteger != Integer"),
            with(&|c| c.values = first_member_shares(context, &[("y", public(4))])),
        ),
        probe(
            "compute: an input missing",
            quote.clone(),
            failed(r#"missing values: ["y"]"#),
            with(&|c| c.values = vec![]),
        ),
        probe(
            "compute: an extra input",
            quote.clone(),
            failed(r#"unexpected values found: ["zz"]"#),
            with(&|c| {
                c.values = first_member_shares(context, &[("y", secret(4)), ("zz", secret(1))])
            }),
        ),
        probe(
            "compute: a type mismatch and a missing input",
            quote.clone(),
            failed("types don't match: SecretInteger != Integer"),
            {
                let stored_only = Compute {
                    value_ids: vec![],
                    ..base.clone()
                };
                let mut c = stored_only;
                c.values = first_member_shares(context, &[("x", public(4))]);
                c.request()
            },
        ),
        probe(
            "compute: an input party the program does not have",
            quote.clone(),
            refused(
                InvalidArgument,
                "input party Nobody is not defined in program",
            ),
            with(&|c| c.inputs.push(("Nobody".into(), Some(c.owner.clone())))),
        ),
        probe(
            "compute: an input party bound twice",
            quote.clone(),
            refused(
                InvalidArgument,
                "input party Dealer1 is not defined in program",
            ),
            with(&|c| c.inputs.push(("Dealer1".into(), Some(c.owner.clone())))),
        ),
        probe(
            "compute: an input party not bound",
            quote.clone(),
            refused(InvalidArgument, r#"input parties {"Dealer2"} not bound"#),
            with(&|c| c.inputs.truncate(1)),
        ),
        probe(
            "compute: no output binding",
            quote.clone(),
            refused(InvalidArgument, r#"output parties {"Receiver"} not bound"#),
            with(&|c| c.outputs.clear()),
        ),
        probe(
            "compute: an input binding without a user, and no receipt",
            quote.clone(),
            refused(
                InvalidArgument,
                "protobuf parsing error: 'signed_receipt' not set",
            ),
            {
                let mut build = with(&|c| c.inputs[0].1 = None);
                move |_| build(None)
            },
        ),
        probe(
            "compute: an input binding without a user",
            quote.clone(),
            refused(InvalidArgument, "protobuf parsing error: 'user' not set"),
            with(&|c| c.inputs[0].1 = None),
        ),
        probe(
            "compute: a stored values id that is not a UUID",
            quote.clone(),
            refused(InvalidArgument, "values_id is not a uuid"),
            with(&|c| c.value_ids = vec![vec![1, 2, 3]]),
        ),
        probe(
            "compute: unknown stored values",
            quote.clone(),
            refused(NotFound, "value not found"),
            with(&|c| c.value_ids = vec![Uuid::from_u128(7).as_bytes().to_vec()]),
        ),
        probe(
            "compute: stored values without the compute permission",
            quote.clone(),
            refused(
                Code::PermissionDenied,
                "user does not have permissions for action",
            ),
            with(&|_| {}),
        )
        .by_stranger(),
        probe(
            "compute: a value given twice",
            quote.clone(),
            refused(InvalidArgument, "duplicate value key 'x'"),
            with(&|c| {
                c.values = first_member_shares(context, &[("x", secret(1)), ("y", secret(4))])
            }),
        ),
        probe(
            "compute: a receipt for another operation",
            Some(quote_request::retrieve_values(f.values_id)),
            refused(
                InvalidArgument,
                "receipt is not for a 'invoke compute' operation",
            ),
            with(&|_| {}),
        ),
    ]
}
