//! `nilvm devnet` as a process: readiness line, files, clean shutdown on SIGTERM.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn devnet_writes_its_files_announces_readiness_and_stops_on_sigterm() {
    let config = std::env::temp_dir().join(format!("nilvm-cli-{}", std::process::id()));
    let mut child = Command::new(env!("CARGO_BIN_EXE_nilvm"))
        .args(["devnet", "--free-ports"])
        .env("XDG_CONFIG_HOME", &config)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let ready = lines
        .by_ref()
        .map(Result::unwrap)
        .find(|line| line.contains("environment file written"));
    assert!(ready.is_some(), "no readiness line");
    let env = std::fs::read_to_string(config.join("nillion/nillion-devnet.env")).unwrap();
    assert!(env.contains("NILLION_NILCHAIN_CHAIN_ID=nillion-chain-devnet\n"));
    let yaml = std::fs::read_to_string(config.join("nillion/networks/devnet.yaml")).unwrap();
    assert!(yaml.starts_with("bootnode: http://127.0.0.1:"));
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
    assert!(
        lines
            .map(Result::unwrap)
            .any(|l| l.contains("shutting down"))
    );
    let _ = std::fs::remove_dir_all(config);
}
