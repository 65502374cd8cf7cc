//! The SDK commands as a user's shell drives them: a `nilvm devnet` with its own HOME, then
//! `nilvm` commands against it, with their JSON output parsed and checked, and exit codes.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value as Json;

const NILVM: &str = env!("CARGO_BIN_EXE_nilvm");
/// Any single command; the devnet answers in milliseconds, so this only stops a hang.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);

/// A fresh HOME under the temp dir, removed on drop.
struct Home(PathBuf);

impl Home {
    fn new(tag: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let path =
            std::env::temp_dir().join(format!("nilvm-cli-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap();
        Home(path)
    }

    fn command(&self) -> Command {
        let mut command = Command::new(NILVM);
        command
            .env("HOME", &self.0)
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("NILVM_KEY_HEX")
            .stdin(Stdio::null());
        command
    }

    /// Runs `nilvm ARGS` to the end (killed after [`COMMAND_TIMEOUT`]).
    fn run(&self, args: &[&str]) -> Output {
        let child = self
            .command()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id();
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = sender.send(child.wait_with_output());
        });
        match receiver.recv_timeout(COMMAND_TIMEOUT) {
            Ok(output) => output.unwrap(),
            Err(_) => {
                let _ = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
                panic!("`nilvm {}` hung", args.join(" "));
            }
        }
    }

    /// Runs `nilvm --output-format json ARGS`, expects success, parses stdout.
    fn json(&self, args: &[&str]) -> Json {
        let mut all = vec!["--output-format", "json"];
        all.extend_from_slice(args);
        let output = self.run(&all);
        assert!(
            output.status.success(),
            "`nilvm {}` failed ({}): {}",
            all.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
            panic!(
                "`nilvm {}` printed no JSON ({e}): {}",
                all.join(" "),
                String::from_utf8_lossy(&output.stdout)
            )
        })
    }

    /// Runs `nilvm ARGS`, expects exit code `code`; returns stderr.
    fn fails(&self, code: i32, args: &[&str]) -> String {
        let output = self.run(args);
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(
            output.status.code(),
            Some(code),
            "`nilvm {}`: stdout {} stderr {stderr}",
            args.join(" "),
            String::from_utf8_lossy(&output.stdout),
        );
        stderr
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A `nilvm devnet --free-ports` writing its files under `home`; stopped on drop, whatever
/// happened.
struct Devnet {
    child: Child,
}

impl Devnet {
    fn start(home: &Home) -> Self {
        let mut child = home
            .command()
            .args(["devnet", "--free-ports"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        // `Devnet` owns the child from here, so a failed wait below still stops it.
        let devnet = Devnet { child };
        let (ready, is_ready) = mpsc::channel();
        std::thread::spawn(move || {
            // Keep draining stdout to the end, so the devnet never blocks on a full pipe.
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if line.contains("environment file written") {
                    let _ = ready.send(());
                }
            }
        });
        is_ready
            .recv_timeout(Duration::from_secs(120))
            .expect("the devnet did not announce readiness");
        devnet
    }
}

impl Drop for Devnet {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn program_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/programs")
        .join(name)
}

fn field<'a>(json: &'a Json, path: &[&str]) -> &'a Json {
    path.iter().fold(json, |json, key| &json[key])
}

fn text(json: &Json, path: &[&str]) -> String {
    field(json, path)
        .as_str()
        .unwrap_or_else(|| panic!("no string at {path:?} in {json}"))
        .to_owned()
}

#[test]
fn store_retrieve_compute_permissions_and_delete_against_a_devnet() {
    let home = Home::new("sdk");
    let _devnet = Devnet::start(&home);

    // Identities in the official files; ids offline.
    let alice = text(&home.json(&["identities", "add", "alice"]), &["user_id"]);
    let bob = text(
        &home.json(&["identities", "add", "bob", "--seed", "bob"]),
        &["user_id"],
    );
    assert_eq!(
        text(
            &home.json(&["--identity", "alice", "inspect-ids"]),
            &["user_id"]
        ),
        alice
    );
    home.json(&["context", "use", "alice", "devnet"]);
    assert_eq!(text(&home.json(&["inspect-ids"]), &["user_id"]), alice);

    // Store values of several types, readable by bob too; retrieve them as JSON.
    let stored = home.json(&[
        "store-values",
        "--secret-integer",
        "a=-123456789012345678901234567890",
        "--secret-unsigned-integer",
        "u=42",
        "--public-integer",
        "p=7",
        "--secret-blob",
        "blob=aGVsbG8gd29ybGQ=",
        "--array-secret-integer",
        "arr=1,-2,3",
        "--secret-boolean",
        "flag=true",
        "--ttl-days",
        "1",
        "--allow-retrieve",
        &bob,
    ]);
    let values_id = text(&stored, &["values_id"]);
    let values = home.json(&["retrieve-values", &values_id]);
    assert_eq!(text(&values, &["a", "type"]), "SecretInteger");
    assert_eq!(
        text(&values, &["a", "value"]),
        "-123456789012345678901234567890"
    );
    assert_eq!(text(&values, &["u", "value"]), "42");
    assert_eq!(text(&values, &["p", "type"]), "Integer");
    assert_eq!(text(&values, &["blob", "value"]), "aGVsbG8gd29ybGQ=");
    assert_eq!(field(&values, &["flag", "value"]), &Json::Bool(true));
    let array: Vec<String> = field(&values, &["arr", "value"])
        .as_array()
        .unwrap()
        .iter()
        .map(|v| text(v, &["value"]))
        .collect();
    assert_eq!(array, ["1", "-2", "3"]);
    // Bob may read them, not delete them.
    let as_bob = home.json(&["--identity", "bob", "retrieve-values", &values_id]);
    assert_eq!(as_bob, values);
    let stderr = home.fails(6, &["--identity", "bob", "delete-values", &values_id]);
    assert!(stderr.contains("PermissionDenied"), "{stderr}");

    // Permissions: alice owns them; revoking bob's retrieve takes effect.
    let permissions = home.json(&["retrieve-permissions", &values_id]);
    assert_eq!(text(&permissions, &["owner"]), alice);
    assert_eq!(
        field(&permissions, &["retrieve"]).as_array().unwrap().len(),
        2
    );
    home.json(&[
        "update-permissions",
        "--values-id",
        &values_id,
        "--revoke-retrieve",
        &bob,
    ]);
    home.fails(6, &["--identity", "bob", "retrieve-values", &values_id]);

    // Update in place.
    let updated = home.json(&[
        "store-values",
        "--update-values-id",
        &values_id,
        "--si",
        "a=1",
    ]);
    assert_eq!(text(&updated, &["values_id"]), values_id);
    assert_eq!(
        text(
            &home.json(&["retrieve-values", &values_id]),
            &["a", "value"]
        ),
        "1"
    );
    // An updater's permission flags add to the record: alice stays the owner (the nodes
    // would take whatever an update carries as the whole record).
    home.json(&[
        "update-permissions",
        "--values-id",
        &values_id,
        "--grant-update",
        &bob,
        "--grant-retrieve",
        &bob,
    ]);
    home.json(&[
        "--identity",
        "bob",
        "store-values",
        "--update-values-id",
        &values_id,
        "--si",
        "a=2",
        "--allow-delete",
        &bob,
    ]);
    let permissions = home.json(&["retrieve-permissions", &values_id]);
    assert_eq!(text(&permissions, &["owner"]), alice);
    let deleters = field(&permissions, &["delete"]).as_array().unwrap().clone();
    assert!(
        deleters.iter().any(|d| d.as_str() == Some(bob.as_str())),
        "{permissions}"
    );
    assert!(
        deleters.iter().any(|d| d.as_str() == Some(alice.as_str())),
        "{permissions}"
    );

    // A program, a stored input alice may compute with, and a compute-time input.
    let program = program_path("add_simple.nada.bin");
    let program_id = text(
        &home.json(&["store-program", program.to_str().unwrap(), "add_simple"]),
        &["program_id"],
    );
    assert!(
        program_id.starts_with(&format!("{alice}/add_simple/sha256/")),
        "{program_id}"
    );
    let input_id = text(
        &home.json(&[
            "store-values",
            "--si",
            "a=40",
            "--program-id",
            &program_id,
            "--authorize-user-execution",
            &alice,
        ]),
        &["values_id"],
    );
    let computed = home.json(&[
        "compute",
        &program_id,
        "--value-id",
        &input_id,
        "--input-binding",
        &format!("Alice={alice}"),
        "--output-binding",
        &format!("Alice={alice}"),
        "--si",
        "b=2",
    ]);
    assert!(!text(&computed, &["compute_id"]).is_empty());
    assert_eq!(
        text(&computed, &["outputs", "total", "type"]),
        "SecretInteger"
    );
    assert_eq!(text(&computed, &["outputs", "total", "value"]), "42");
    // Bob may not compute with alice's value.
    let stderr = home.fails(
        6,
        &[
            "--identity",
            "bob",
            "compute",
            &program_id,
            "--value-id",
            &input_id,
            "--input-binding",
            "Alice",
            "--output-binding",
            "Alice",
            "--si",
            "b=2",
        ],
    );
    assert!(stderr.contains("hint: "), "{stderr}");

    // A key given on the command line instead of an identity file.
    let key = "11".repeat(32);
    let by_key = text(
        &home.json(&["--key-hex", &key, "store-values", "--si", "k=3"]),
        &["values_id"],
    );
    assert_eq!(
        text(
            &home.json(&["--key-hex", &key, "retrieve-values", &by_key]),
            &["k", "value"]
        ),
        "3"
    );
    home.fails(6, &["retrieve-values", &by_key]);

    // Delete, then "not found" with its own exit code.
    let deleted = home.json(&["delete-values", &values_id]);
    assert_eq!(field(&deleted, &["deleted"]), &Json::Bool(true));
    let stderr = home.fails(5, &["retrieve-values", &values_id]);
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains("hint: "), "{stderr}");

    // Queries.
    let cluster = home.json(&["cluster-information"]);
    assert_eq!(field(&cluster, &["members"]).as_array().unwrap().len(), 3);
    assert_eq!(text(&cluster, &["prime"]), "Safe256Bits");
    let pool = home.json(&["preprocessing-pool-status"]);
    assert!(field(&pool, &["offsets"]).is_object(), "{pool}");
    home.json(&["balance", "add-funds", "1000000"]);
    let balance = home.json(&["balance"]);
    assert!(
        field(&balance, &["balance"]).as_u64().unwrap() > 0,
        "{balance}"
    );
}

#[test]
fn errors_are_one_line_with_a_hint_and_a_documented_exit_code() {
    let home = Home::new("errors");
    home.json(&["identities", "add", "default"]);

    // No devnet has written its network file yet.
    let stderr = home.fails(3, &["store-values", "--si", "a=1"]);
    assert!(stderr.contains("no network config 'devnet'"), "{stderr}");
    assert!(
        stderr.contains("hint: start `nilvm devnet` first"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 2, "{stderr}");

    // A network file every later command would refuse is not written.
    let stderr = home.fails(
        3,
        &[
            "networks",
            "add",
            "half",
            "http://127.0.0.1:1",
            "-r",
            "http://127.0.0.1:1",
        ],
    );
    assert!(
        stderr.contains("a network needs --nilchain-grpc-endpoint"),
        "{stderr}"
    );

    // A network nobody listens on (port 1 is never ours to bind).
    home.json(&[
        "networks",
        "add",
        "dead",
        "http://127.0.0.1:1",
        "-r",
        "http://127.0.0.1:1",
        "-g",
        "http://127.0.0.1:1",
        "--nilchain-chain-id",
        "x",
    ]);
    let stderr = home.fails(4, &["--network", "dead", "retrieve-values", &uuid()]);
    assert!(stderr.contains("cannot reach the bootnode"), "{stderr}");
    assert_eq!(
        field(&home.json(&["networks", "list"]), &["networks"]),
        &serde_json::json!(["dead"])
    );

    // Bad input and bad command lines.
    home.fails(3, &["store-values", "--si", "a=notanumber"]);
    home.fails(3, &["--identity", "nobody", "inspect-ids"]);
    home.fails(3, &["identities", "add", "default"]); // exists already
    home.fails(2, &["store-values", "--no-such-flag"]);
    home.fails(2, &["retrieve-values", "not-a-uuid"]);
}

fn uuid() -> String {
    "5e1ee0bc-4b7a-4d4f-9d3c-1f6ab3c0e2a7".to_owned()
}

/// Raw compiler output is lowered by `store-program` (the id is that of the lowered bytes, as
/// `nilvm build --mir` writes them); a user bound to an output party who did not invoke the
/// computation gets the outputs with `retrieve-compute-results`.
#[test]
fn raw_programs_are_lowered_and_outputs_retrieved_by_another_user() {
    let home = Home::new("nada");
    let _devnet = Devnet::start(&home);
    let alice = text(&home.json(&["identities", "add", "alice"]), &["user_id"]);
    let bob = text(
        &home.json(&["identities", "add", "bob", "--seed", "bob"]),
        &["user_id"],
    );
    home.json(&["context", "use", "alice", "devnet"]);

    let raw = program_path("compare_select.nada.bin");
    let lowered = home.0.join("compare_select.nada.bin");
    home.json(&[
        "build",
        "--mir",
        raw.to_str().unwrap(),
        "-o",
        lowered.to_str().unwrap(),
    ]);
    let digest = hex::encode(sha2_of(&std::fs::read(&lowered).unwrap()));
    let stored = home.run(&[
        "--output-format",
        "json",
        "store-program",
        raw.to_str().unwrap(),
        "compare_select",
    ]);
    assert!(stored.status.success(), "{stored:?}");
    assert!(
        String::from_utf8_lossy(&stored.stderr).contains("lowered 4 operation(s)"),
        "{}",
        String::from_utf8_lossy(&stored.stderr)
    );
    let stored: Json = serde_json::from_slice(&stored.stdout).unwrap();
    let program_id = text(&stored, &["program_id"]);
    assert_eq!(
        program_id,
        format!("{alice}/compare_select/sha256/{digest}")
    );

    // Alice provides the inputs, bob receives the outputs.
    let computed = home.json(&[
        "compute",
        &program_id,
        "--input-binding",
        "Judge",
        "--output-binding",
        &format!("Judge={bob}"),
        "--si",
        "a=3",
        "--si",
        "b=-5",
    ]);
    assert!(field(&computed, &["outputs"]).is_null(), "{computed}");
    let compute_id = text(&computed, &["compute_id"]);
    let results = home.json(&["--identity", "bob", "retrieve-compute-results", &compute_id]);
    assert_eq!(text(&results, &["compute_id"]), compute_id);
    assert_eq!(text(&results, &["outputs", "max", "value"]), "3");
    assert_eq!(
        field(&results, &["outputs", "gt", "value"]),
        &Json::Bool(true)
    );
    assert_eq!(text(&results, &["outputs", "same", "type"]), "Boolean");
    // An id that names no computation.
    let stderr = home.fails(5, &["retrieve-compute-results", &uuid()]);
    assert!(stderr.contains("hint: "), "{stderr}");
}

fn sha2_of(bytes: &[u8]) -> [u8; 32] {
    nilvm_core::program::program_sha256(bytes)
}
