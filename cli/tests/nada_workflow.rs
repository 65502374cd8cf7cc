//! The Nada workflow commands: `nilvm build` (sources and `--mir`), `nilvm test` (pass, fail,
//! unusable files, exit codes) and `nilvm run --inputs`.

#![allow(clippy::unwrap_used, clippy::panic, clippy::expect_used)] // test helpers

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn programs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/programs")
}

/// A fresh scratch directory for one test, removed when the test ends (passing or not).
struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn scratch(test: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!("nilvm-nada-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    Scratch(dir)
}

fn nilvm(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_nilvm"));
    command.args(args);
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `nilvm build --mir` on the fixture's raw bytes, into `dir`; returns the output path.
fn build_mir(dir: &Path, name: &str) -> PathBuf {
    let out = dir.join(format!("{name}.nada.bin"));
    let raw = programs().join(format!("{name}.nada.bin"));
    let result = nilvm(
        &[
            "build",
            "--mir",
            raw.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        &[],
    );
    assert!(result.status.success(), "{}", text(&result.stderr));
    out
}

#[test]
fn build_mir_lowers_deterministically_and_idempotently() {
    let dir = scratch("build-mir");
    let first = std::fs::read(build_mir(&dir, "compare_select")).unwrap();
    let program = nilvm_nada::Program::decode(&first).unwrap();
    assert!(program.is_preprocessed());
    let again = std::fs::read(build_mir(&dir, "compare_select")).unwrap();
    assert_eq!(first, again);
    // Lowering the output again changes nothing.
    let out = dir.join("twice.nada.bin");
    let result = nilvm(
        &[
            "--output-format",
            "json",
            "build",
            "--mir",
            dir.join("compare_select.nada.bin").to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        &[],
    );
    assert!(result.status.success());
    let report: serde_json::Value = serde_json::from_slice(&result.stdout).unwrap();
    assert_eq!(report["programs"][0]["lowered_operations"], 0);
    assert_eq!(std::fs::read(out).unwrap(), first);
}

#[test]
fn build_refuses_bytes_that_are_no_program() {
    let dir = scratch("build-junk");
    let junk = dir.join("junk.nada.bin");
    std::fs::write(&junk, [0xff, 0xff, 0xff]).unwrap();
    let result = nilvm(&["build", "--mir", junk.to_str().unwrap()], &[]);
    assert_eq!(result.status.code(), Some(3));
    assert!(
        text(&result.stderr).contains("invalid program"),
        "{}",
        text(&result.stderr)
    );
}

/// An interpreter that has nada-dsl: `NILVM_PYTHON` or `python3`, if either does.
fn python_with_nada_dsl() -> Option<String> {
    let python = std::env::var("NILVM_PYTHON").unwrap_or_else(|_| "python3".into());
    let status = Command::new(&python)
        .args(["-c", "import nada_dsl"])
        .output()
        .ok()?;
    status.status.success().then_some(python)
}

#[test]
fn build_from_source_gives_the_lowering_of_the_compiled_fixture() {
    let Some(python) = python_with_nada_dsl() else {
        // Without nada-dsl the command must say so, naming the package.
        let result = nilvm(
            &["build", programs().join("add_simple.py").to_str().unwrap()],
            &[],
        );
        assert_eq!(result.status.code(), Some(3));
        let stderr = text(&result.stderr);
        assert!(stderr.contains("nada-dsl is not installed"), "{stderr}");
        return;
    };
    let dir = scratch("build-source");
    let sources: Vec<String> = ["compare_select", "array_map_reduce"]
        .iter()
        .map(|n| programs().join(format!("{n}.py")).display().to_string())
        .collect();
    let out_dir = dir.join("out");
    let mut args = vec!["build"];
    args.extend(sources.iter().map(String::as_str));
    args.extend(["-o", out_dir.to_str().unwrap()]);
    let result = nilvm(&args, &[("NILVM_PYTHON", &python)]);
    assert!(result.status.success(), "{}", text(&result.stderr));
    for name in ["compare_select", "array_map_reduce"] {
        let from_source = std::fs::read(out_dir.join(format!("{name}.nada.bin"))).unwrap();
        let from_mir = std::fs::read(build_mir(&dir, name)).unwrap();
        assert_eq!(from_source, from_mir, "{name}");
    }
}

#[test]
fn build_names_a_missing_interpreter() {
    let result = nilvm(
        &["build", programs().join("add_simple.py").to_str().unwrap()],
        &[("NILVM_PYTHON", "/nonexistent/python")],
    );
    assert_eq!(result.status.code(), Some(3));
    let stderr = text(&result.stderr);
    assert!(stderr.contains("/nonexistent/python"), "{stderr}");
    assert!(stderr.contains("NILVM_PYTHON"), "{stderr}");
}

/// A built `compare_select` in `dir/target` and test files beside it.
fn test_project(test: &str, files: &[(&str, &str)]) -> Scratch {
    let dir = scratch(test);
    build_mir(&dir.join("target"), "compare_select");
    for (name, contents) in files {
        std::fs::write(dir.join(name), contents).unwrap();
    }
    dir
}

const PASSING: &str = "---\nprogram: compare_select\ninputs:\n  a: 3\n  b: -5\n\
                       expected_outputs:\n  gt: true\n  ne: true\n  max: 3\n  same: false\n";
const FAILING: &str =
    "program: compare_select\ninputs:\n  a: 3\n  b: 5\nexpected_outputs:\n  max: 6\n";

fn run_tests(dir: &Path, files: &[&str]) -> Output {
    let mut args = vec!["test", "--programs"];
    let programs = dir.join("target");
    args.push(programs.to_str().unwrap());
    let paths: Vec<String> = files
        .iter()
        .map(|f| dir.join(f).display().to_string())
        .collect();
    args.extend(paths.iter().map(String::as_str));
    nilvm(&args, &[])
}

#[test]
fn test_passes_and_fails_with_the_first_mismatch() {
    let dir = test_project(
        "test-pass-fail",
        &[("pass.yaml", PASSING), ("fail.yaml", FAILING)],
    );
    let result = run_tests(&dir, &["pass.yaml"]);
    assert_eq!(result.status.code(), Some(0), "{}", text(&result.stdout));
    assert!(text(&result.stdout).ends_with("1 passed, 0 failed\n"));

    let result = run_tests(&dir, &["pass.yaml", "fail.yaml"]);
    assert_eq!(result.status.code(), Some(1));
    let stdout = text(&result.stdout);
    assert!(stdout.contains("pass.yaml\n"), "{stdout}");
    assert!(
        stdout.contains("fail.yaml: output max: expected 6, got 5"),
        "{stdout}"
    );
    assert!(stdout.ends_with("1 passed, 1 failed\n"), "{stdout}");
}

#[test]
fn test_files_with_bad_inputs_name_the_file_and_the_input() {
    let cases = [
        (
            "missing.yaml",
            "program: compare_select\ninputs:\n  a: 3\n",
            "input 'b' is missing",
        ),
        (
            "extra.yaml",
            "program: compare_select\ninputs:\n  a: 3\n  b: 4\n  c: 5\n",
            "input 'c' is not in the program",
        ),
        (
            "type.yaml",
            "program: compare_select\ninputs:\n  a: true\n  b: 4\n",
            "input 'a' must be SecretInteger, not the boolean true",
        ),
        (
            "range.yaml",
            // Above (p - 1) / 2 of the 256-bit prime, below 2^256.
            "program: compare_select\ninputs:\n  a: \"100000000000000000000000000000000000000000000000000000000000000000000000000000\"\n  b: 4\n",
            "out of range for SecretInteger",
        ),
        (
            "huge.yaml",
            "program: compare_select\ninputs:\n  a: 1000000000000000000000000000000000000000000000\n  b: 4\n",
            "input 'a' is 1e45: write integers beyond 64 bits as quoted decimal text",
        ),
        (
            "noprogram.yaml",
            "program: nothere\ninputs:\n  a: 1\n",
            "program 'nothere'",
        ),
    ];
    let files: Vec<(&str, &str)> = cases.iter().map(|(f, c, _)| (*f, *c)).collect();
    let dir = test_project("test-bad-inputs", &files);
    for (file, _, expected) in cases {
        let result = run_tests(&dir, &[file]);
        assert_eq!(result.status.code(), Some(3), "{file}");
        let stdout = text(&result.stdout);
        assert!(
            stdout.contains(&format!("ERROR {}", dir.join(file).display())),
            "{stdout}"
        );
        assert!(stdout.contains(expected), "{file}: {stdout}");
    }
}

#[test]
fn run_takes_inputs_from_a_test_file() {
    let dir = test_project(
        "run-inputs",
        &[
            ("inputs.yaml", "inputs:\n  a: 3\n  b: 5\n"),
            ("partial.yaml", "inputs:\n  a: 3\n"),
        ],
    );
    let program = dir.join("target/compare_select.nada.bin");
    let result = nilvm(
        &[
            "--output-format",
            "json",
            "run",
            program.to_str().unwrap(),
            "--inputs",
            dir.join("inputs.yaml").to_str().unwrap(),
        ],
        &[],
    );
    assert!(result.status.success(), "{}", text(&result.stderr));
    let outputs: serde_json::Value = serde_json::from_slice(&result.stdout).unwrap();
    assert_eq!(outputs["outputs"]["Judge"]["max"]["value"], "5");

    // The file and a flag together; the same input twice is an error.
    let partial = dir.join("partial.yaml");
    let run = |flag: &str| {
        nilvm(
            &[
                "run",
                program.to_str().unwrap(),
                "--inputs",
                partial.to_str().unwrap(),
                "--secret-integer",
                flag,
            ],
            &[],
        )
    };
    assert!(run("b=9").status.success());
    let twice = run("a=9");
    assert_eq!(twice.status.code(), Some(3));
    assert!(
        text(&twice.stderr).contains("partial.yaml: input 'a' is also given by a flag"),
        "{}",
        text(&twice.stderr)
    );
    // Alone, the partial file misses an input.
    let result = nilvm(
        &[
            "run",
            program.to_str().unwrap(),
            "--inputs",
            partial.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(result.status.code(), Some(3));
    assert!(text(&result.stderr).contains("partial.yaml: input 'b' is missing"));
}
