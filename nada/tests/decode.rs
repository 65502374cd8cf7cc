//! Every fixture decodes and validates, in both forms.
#![allow(clippy::unwrap_used, clippy::panic, clippy::expect_used)]

use std::path::PathBuf;

use nilvm_nada::{NadaType, Program};

fn programs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/programs")
}

fn fixture_names() -> Vec<String> {
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

#[test]
fn every_fixture_decodes_with_its_interface() {
    let names = fixture_names();
    assert!(names.len() >= 15, "{names:?}");
    for name in names {
        let json: serde_json::Value = serde_json::from_slice(
            &std::fs::read(programs_dir().join(format!("{name}.json"))).unwrap(),
        )
        .unwrap();
        let mut files = vec![format!("{name}.nada.bin")];
        if programs_dir()
            .join(format!("{name}.preprocessed.nada.bin"))
            .exists()
        {
            files.push(format!("{name}.preprocessed.nada.bin"));
        }
        for file in files {
            let bytes = std::fs::read(programs_dir().join(&file)).unwrap();
            let program = Program::decode(&bytes).unwrap_or_else(|e| panic!("{file}: {e}"));
            let parties: Vec<&str> = program.parties().iter().map(|p| p.name.as_str()).collect();
            let expected: Vec<&str> = json["parties"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap())
                .collect();
            assert_eq!(parties, expected, "{file}");
            let inputs: Vec<(&str, String, &str)> = program
                .inputs()
                .iter()
                .map(|i| {
                    (
                        i.name.as_str(),
                        fixture_type(&i.ty),
                        program.parties()[i.party].name.as_str(),
                    )
                })
                .collect();
            let expected: Vec<(&str, String, &str)> = json["inputs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| {
                    (
                        i["name"].as_str().unwrap(),
                        i["type"].as_str().unwrap().to_string(),
                        i["party"].as_str().unwrap(),
                    )
                })
                .collect();
            assert_eq!(inputs, expected, "{file}");
            let outputs: Vec<(&str, String)> = program
                .outputs()
                .iter()
                .map(|o| (o.name.as_str(), fixture_type(&o.ty)))
                .collect();
            let expected: Vec<(&str, String)> = json["outputs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| {
                    (
                        o["name"].as_str().unwrap(),
                        o["type"].as_str().unwrap().to_string(),
                    )
                })
                .collect();
            assert_eq!(outputs, expected, "{file}");
            let accepted = json["accepted_by_nodes"].as_bool().unwrap();
            if file.contains("preprocessed") {
                assert!(program.is_preprocessed(), "{file}");
            } else {
                assert_eq!(
                    program.is_preprocessed(),
                    accepted,
                    "{file}: {:?}",
                    program.raw_only_operations()
                );
            }
        }
    }
}

/// The fixture's type names (`Array<SecretInteger>` without the size).
fn fixture_type(ty: &NadaType) -> String {
    match ty {
        NadaType::Array { element, .. } => format!("Array<{}>", fixture_type(element)),
        NadaType::Tuple { left, right } => {
            format!("Tuple<{}, {}>", fixture_type(left), fixture_type(right))
        }
        other => other.to_string(),
    }
}
