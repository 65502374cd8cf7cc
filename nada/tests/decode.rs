//! Every fixture decodes and validates, in both forms.
#![allow(clippy::unwrap_used, clippy::panic, clippy::expect_used)]

mod common;

use nilvm_nada::{NadaType, Program};

#[test]
fn every_fixture_decodes_with_its_interface() {
    let names = common::fixture_names();
    assert!(names.len() >= 15, "{names:?}");
    for name in names {
        let json = common::load_json(&name);
        let files = common::binaries(&name);
        assert_eq!(
            files.first().map(|(file, _)| file.clone()),
            Some(format!("{name}.nada.bin")),
            "{name}: the compiler output is missing"
        );
        for (file, bytes) in files {
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
