//! Running a measurement script of the official SDK: JSON request in, JSON answer out.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value as Json;

/// Runs `bench/<script>` with `python`, sending `request` on stdin; returns its JSON answer.
pub fn run(python: &str, script: &str, request: &Json) -> Result<Json, String> {
    let path = format!("{}/{script}", env!("CARGO_MANIFEST_DIR"));
    let mut child = Command::new(python)
        .arg(&path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {python}: {e}"))?;
    child
        .stdin
        .take()
        .ok_or("no stdin")?
        .write_all(request.to_string().as_bytes())
        .map_err(|e| e.to_string())?;
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(format!("{path} failed"));
    }
    serde_json::from_slice(&output.stdout).map_err(|e| format!("{path}: {e}"))
}
