//! `nilvm build PROGRAM.py... [-o DIR]` and `nilvm build --mir RAW.nada.bin [-o OUT]`:
//! compile Nada sources with the Python compiler (`python -m nada_dsl.compile`), lower the raw
//! MIR to the form the nodes accept (`nilvm_nada::lower_bytes`), validate, write `.nada.bin`.
//! The official `nada build` without the official binary.

use std::path::{Path, PathBuf};
use std::process::Command;

use clap::Args;
use nilvm_core::program::{ProgramMetadata, program_sha256};
use nilvm_nada::lower_bytes;
use serde_json::{Value as Json, json};

use crate::error::{CliError, Failure};

/// The interpreter to run the compiler with, unless `NILVM_PYTHON` names another.
const DEFAULT_PYTHON: &str = "python3";

/// Arguments of `nilvm build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Nada sources (`.py` files with a `nada_main`).
    #[arg(required_unless_present = "mir", conflicts_with = "mir")]
    programs: Vec<PathBuf>,
    /// Lower an already compiled raw program (`python -m nada_dsl.compile` output, as a
    /// `.nada.bin`) instead of compiling sources.
    #[arg(long, value_name = "RAW.nada.bin")]
    mir: Option<PathBuf>,
    /// Where to write: a directory for sources (`DIR/NAME.nada.bin`), the output file with
    /// `--mir`. Default: `target/`.
    #[arg(short, long, value_name = "PATH")]
    output: Option<PathBuf>,
}

/// Runs `nilvm build`; prints what was written.
pub fn run(args: &BuildArgs) -> Result<Json, CliError> {
    let mut built = Vec::new();
    if let Some(raw_path) = &args.mir {
        let raw = std::fs::read(raw_path).map_err(|e| {
            CliError::new(
                Failure::Input,
                format!("cannot read {}: {e}", raw_path.display()),
            )
        })?;
        let out = match &args.output {
            Some(path) => path.clone(),
            None => PathBuf::from("target").join(format!("{}.nada.bin", stem(raw_path))),
        };
        built.push(write_lowered(raw_path, &raw, &out)?);
    } else {
        let dir = args
            .output
            .clone()
            .unwrap_or_else(|| PathBuf::from("target"));
        for source in &args.programs {
            let raw = compile(source)?;
            let out = dir.join(format!("{}.nada.bin", stem(source)));
            built.push(write_lowered(source, &raw, &out)?);
        }
    }
    Ok(json!({ "programs": built }))
}

/// The program name: the file name without `.py` / `.nada.bin`.
fn stem(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for suffix in [".nada.bin", ".py", ".bin"] {
        if let Some(stem) = name.strip_suffix(suffix) {
            return stem.to_owned();
        }
    }
    name
}

/// Lowers, validates like a node (metadata, no raw operation left) and writes `out`.
fn write_lowered(source: &Path, raw: &[u8], out: &Path) -> Result<Json, CliError> {
    let shown = source.display();
    let lowered = lower_bytes(raw).map_err(|e| {
        CliError::new(Failure::Input, format!("{shown}: {e}"))
            .hint("the input must be a Nada program compiled by nada-dsl (`.nada.bin`)")
    })?;
    let metadata = ProgramMetadata::from_program(&lowered.bytes).map_err(|e| {
        CliError::new(
            Failure::Input,
            format!("{shown}: the nodes would refuse it: {e}"),
        )
    })?;
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| {
            CliError::new(
                Failure::Input,
                format!("cannot create {}: {e}", dir.display()),
            )
        })?;
    }
    std::fs::write(out, &lowered.bytes).map_err(|e| {
        CliError::new(
            Failure::Input,
            format!("cannot write {}: {e}", out.display()),
        )
    })?;
    Ok(json!({
        "source": source.display().to_string(),
        "program": out.display().to_string(),
        "sha256": hex::encode(program_sha256(&lowered.bytes)),
        "program_size": lowered.bytes.len(),
        "lowered_operations": lowered.rewritten.len(),
        "instruction_count": metadata.instruction_count,
    }))
}

/// Runs the Python compiler on a source file; returns the raw MIR bytes.
fn compile(source: &Path) -> Result<Vec<u8>, CliError> {
    let shown = source.display();
    if !source.is_file() {
        return Err(CliError::new(
            Failure::Input,
            format!("no such program source: {shown}"),
        ));
    }
    let python = std::env::var("NILVM_PYTHON").unwrap_or_else(|_| DEFAULT_PYTHON.to_owned());
    let output = Command::new(&python)
        .args(["-m", "nada_dsl.compile"])
        .arg(source)
        .output()
        .map_err(|e| {
            CliError::new(
                Failure::Input,
                format!("cannot run the Python interpreter {python:?}: {e}"),
            )
            .hint("install Python 3 or point NILVM_PYTHON at an interpreter that has nada-dsl")
        })?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if stderr.contains("No module named nada_dsl") || stderr.contains("No module named 'nada_dsl'")
    {
        return Err(CliError::new(
            Failure::Input,
            format!("the Python package nada-dsl is not installed for {python}"),
        )
        .hint("install it with `pip install nada-dsl==0.8.0`, or set NILVM_PYTHON to an interpreter that has it"));
    }
    let reply: Json = serde_json::from_slice(&output.stdout).map_err(|_| {
        CliError::new(
            Failure::Input,
            format!(
                "{shown}: the compiler gave no result (exit {}): {}",
                output.status,
                stderr.trim()
            ),
        )
    })?;
    match reply["result"].as_str() {
        Some("Success") => {}
        _ => {
            let reason = reply["reason"].as_str().unwrap_or("unknown reason");
            return Err(CliError::new(
                Failure::Input,
                format!("{shown}: compilation failed: {reason}"),
            ));
        }
    }
    reply["mir"]
        .as_array()
        .and_then(|bytes| {
            bytes
                .iter()
                .map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()))
                .collect::<Option<Vec<u8>>>()
        })
        .ok_or_else(|| {
            CliError::new(
                Failure::Input,
                format!("{shown}: the compiler's output has no MIR bytes"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_names() {
        assert_eq!(stem(Path::new("src/main.py")), "main");
        assert_eq!(stem(Path::new("a/b.nada.bin")), "b");
        assert_eq!(stem(Path::new("x")), "x");
    }
}
