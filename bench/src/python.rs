//! Running a measurement in another process: JSON request on its stdin, one JSON answer on its
//! stdout. The official SDK's scripts run this way, and so does our own client when its CPU
//! time must be measured apart from the in-process devnet's (`crate::cpu`).

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value as Json;

/// Runs `bench/<script>` with `python`, sending `request` on stdin; returns its JSON answer.
pub fn run(python: &str, script: &str, request: &Json) -> Result<Json, String> {
    let path = format!("{}/{script}", env!("CARGO_MANIFEST_DIR"));
    let mut command = Command::new(python);
    command.arg(&path);
    run_process(command, &path, request)
}

/// Runs `command` (named `name` in errors), sending `request` on stdin; returns its JSON
/// answer. Its stderr is the runner's, so its own error messages are seen.
pub fn run_process(mut command: Command, name: &str, request: &Json) -> Result<Json, String> {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {name}: {e}"))?;
    // A child that fails before reading its request breaks the pipe: its exit status says
    // more than the broken pipe, so the write's error comes second.
    let written = child
        .stdin
        .take()
        .ok_or("no stdin")?
        .write_all(request.to_string().as_bytes());
    let output = child
        .wait_with_output()
        .map_err(|e| format!("{name}: {e}"))?;
    if !output.status.success() {
        return Err(format!("{name} failed ({})", output.status));
    }
    written.map_err(|e| format!("{name}: {e}"))?;
    serde_json::from_slice(&output.stdout).map_err(|e| format!("{name}: unreadable answer: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shell(script: &str) -> Command {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        command
    }

    #[test]
    fn failures_are_errors() {
        let request = serde_json::json!({});
        let failed = run_process(shell("exit 3"), "child", &request);
        assert!(failed.is_err_and(|e| e.starts_with("child failed")));
        let unreadable = run_process(shell("cat >/dev/null; echo nope"), "child", &request);
        assert!(unreadable.is_err_and(|e| e.starts_with("child: unreadable answer")));
        let answered = run_process(shell("cat"), "child", &serde_json::json!({"a": 1}));
        assert_eq!(answered, Ok(serde_json::json!({"a": 1})));
    }
}
