//! `nilvm run` on the project's example programs gives the outputs the fixtures record
//! (checked on nilvm itself for the official ones). Cases with inputs the command line has no
//! flag for (keys, EdDSA messages) are left to the runtime's own tests.

#![allow(clippy::unwrap_used, clippy::panic)] // test helpers outside #[test] functions

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value as Json;

fn programs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/programs")
}

/// The flag for a fixture input type, if the command line has one.
fn flag(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "SecretInteger" => "--secret-integer",
        "Integer" => "--public-integer",
        "SecretUnsignedInteger" => "--secret-unsigned-integer",
        "UnsignedInteger" => "--public-unsigned-integer",
        "SecretBoolean" => "--secret-boolean",
        "Boolean" => "--public-boolean",
        "Array<SecretInteger>" => "--array-secret-integer",
        "Array<Integer>" => "--array-public-integer",
        _ => return None,
    })
}

fn text(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        Json::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

/// Our JSON rendering of an output, flattened to the fixture's text form.
fn rendered(value: &Json) -> Json {
    match &value["value"] {
        Json::Array(items) => Json::Array(items.iter().map(rendered).collect()),
        Json::Bool(b) => Json::String(if *b { "true".into() } else { "false".into() }),
        other => other.clone(),
    }
}

fn expected(value: &Json) -> Json {
    match value {
        Json::Array(items) => Json::Array(items.iter().map(expected).collect()),
        Json::Bool(b) => Json::String(if *b { "true".into() } else { "false".into() }),
        other => other.clone(),
    }
}

#[test]
fn example_programs_give_the_recorded_outputs() {
    let mut checked = 0;
    for entry in std::fs::read_dir(programs()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let fixture: Json = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        // The form the nodes accept, when the compiler's raw output needs preprocessing.
        let preprocessed = programs().join(format!("{stem}.preprocessed.nada.bin"));
        let binary = if preprocessed.exists() {
            preprocessed
        } else {
            programs().join(format!("{stem}.nada.bin"))
        };
        'cases: for case in fixture["test_cases"].as_array().unwrap() {
            let mut args: Vec<String> = vec![
                "--output-format".into(),
                "json".into(),
                "run".into(),
                binary.display().to_string(),
            ];
            for input in case["inputs"].as_array().unwrap() {
                let Some(flag) = flag(input["type"].as_str().unwrap()) else {
                    continue 'cases;
                };
                args.push(flag.into());
                args.push(format!(
                    "{}={}",
                    input["name"].as_str().unwrap(),
                    text(&input["value"])
                ));
            }
            let out = Command::new(env!("CARGO_BIN_EXE_nilvm"))
                .args(&args)
                .output()
                .unwrap();
            let label = format!("{stem}/{}", case["name"]);
            if let Some(error) = case.get("expected_error").and_then(Json::as_str) {
                assert_eq!(out.status.code(), Some(1), "{label}: expected a failure");
                let stderr = String::from_utf8_lossy(&out.stderr);
                assert!(stderr.contains(error), "{label}: {stderr}");
                checked += 1;
                continue;
            }
            assert!(
                out.status.success(),
                "{label}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let result: Json = serde_json::from_slice(&out.stdout).unwrap();
            for output in case["expected_outputs"].as_array().unwrap() {
                let party = output["party"].as_str().unwrap();
                let name = output["name"].as_str().unwrap();
                let ours = rendered(&result["outputs"][party][name]);
                match output.get("one_of").and_then(Json::as_array) {
                    Some(allowed) => assert!(
                        allowed.contains(&ours),
                        "{label}: {name} = {ours}, not one of {allowed:?}"
                    ),
                    None if output["value"].is_null() => {
                        assert!(!ours.is_null(), "{label}: {name} missing")
                    }
                    None => assert_eq!(ours, expected(&output["value"]), "{label}: {name}"),
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 40, "only {checked} cases checked");
}
