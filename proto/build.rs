//! Generates the prost messages (and, for the `grpc` feature, tonic stubs) from our `.proto`
//! files with `protox`, a pure-Rust protobuf compiler, so no system `protoc` is needed.

use std::path::{Path, PathBuf};

fn proto_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            proto_files(&path, out)?;
        } else if path.extension().is_some_and(|ext| ext == "proto") {
            out.push(path);
        }
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = Path::new("proto");
    let mut files = Vec::new();
    proto_files(root, &mut files)?;
    files.sort();
    println!("cargo:rerun-if-changed=proto");

    let descriptors = protox::compile(&files, [root])?;
    tonic_prost_build::configure()
        .build_transport(false)
        .include_file("packages.rs")
        // BTreeMap keeps map fields no_std and their encoding deterministic.
        .btree_map(".")
        // Fuzzing generators for users (the `arbitrary` feature): every message, enum and
        // oneof. Enum fields are plain `i32`, so unknown values are generated too, as on the wire.
        .type_attribute(
            ".",
            "#[cfg_attr(feature = \"arbitrary\", derive(::arbitrary::Arbitrary))]",
        )
        .client_mod_attribute(".", "#[cfg(feature = \"grpc\")]")
        .server_mod_attribute(".", "#[cfg(feature = \"grpc\")]")
        .compile_fds(descriptors)?;
    Ok(())
}
