//! Every program compiled by the official `nada-dsl` decodes into our `ProgramMIR` and
//! re-encodes to the very same bytes: our MIR schema has every field the compiler writes.

#![allow(clippy::unwrap_used, clippy::panic)] // test helpers outside #[test] functions

use std::path::PathBuf;

use nilvm_proto::Message;
use nilvm_proto::nillion::nada::mir::v1::ProgramMir;

#[test]
fn compiled_programs_round_trip_byte_for_byte() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/programs");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if !path.to_string_lossy().ends_with(".nada.bin") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let program = ProgramMir::decode(bytes.as_slice())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            !program.operations.is_empty(),
            "{}: no operations",
            path.display()
        );
        assert!(
            !program.outputs.is_empty(),
            "{}: no outputs",
            path.display()
        );
        assert_eq!(
            program.encode_to_vec(),
            bytes,
            "{}: re-encoding differs",
            path.display()
        );
        count += 1;
    }
    assert!(count >= 15, "only {count} programs found");
}
