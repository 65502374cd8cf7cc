//! Client-side CPU time per store or retrieve of one secret integer, ours vs the official
//! SDK, from each client process's own CPU time (user + system, `getrusage(RUSAGE_SELF)`): the
//! devnet runs in the runner's process, so its cost is not counted, and what remains is what
//! a client pays on its own machine. Start-up, connecting, funding and one warm-up pair happen
//! before the measurement, in both clients.

use std::process::Command;
use std::time::{Duration, Instant};

use nilvm_core::identity::UserKey;
use nilvm_transport_tonic::Network;
use nilvm_transport_tonic::server::devnet::FUNDED_KEYS;
use serde_json::{Value as Json, json};

use crate::client::{funded, integer, pair, process_request, with_devnet};
use crate::python::run_process;
use crate::table::Row;

/// The hidden flag that makes `nilvm-bench` our client process ([`client_process`]).
pub const CLIENT_PROCESS_FLAG: &str = "--client-process";

/// This process's CPU time so far: user + system, all threads.
pub fn process_cpu_time() -> Result<Duration, String> {
    // SAFETY: `rusage` is plain integers, for which all zeroes is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: RUSAGE_SELF is a valid target and `usage` a valid, writable `rusage`.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return Err(format!("getrusage: {}", std::io::Error::last_os_error()));
    }
    let time = |t: libc::timeval| {
        Duration::from_secs(u64::try_from(t.tv_sec).unwrap_or(0))
            + Duration::from_micros(u64::try_from(t.tv_usec).unwrap_or(0))
    };
    Ok(time(usage.ru_utime) + time(usage.ru_stime))
}

/// One client process's measurement of its pairs.
#[derive(Clone, Copy, Debug)]
struct Measured {
    cpu: Duration,
    wall: Duration,
    pairs: usize,
}

impl Measured {
    fn to_json(self) -> Json {
        json!({
            "cpu_seconds": self.cpu.as_secs_f64(),
            "wall_seconds": self.wall.as_secs_f64(),
            "pairs": self.pairs,
        })
    }

    fn from_json(answer: &Json, name: &str) -> Result<Measured, String> {
        let seconds = |key: &str| {
            answer[key]
                .as_f64()
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(Duration::from_secs_f64)
                .ok_or(format!("{name}: no '{key}' in its answer"))
        };
        let pairs = answer["pairs"].as_u64().filter(|p| *p > 0);
        Ok(Measured {
            cpu: seconds("cpu_seconds")?,
            wall: seconds("wall_seconds")?,
            pairs: pairs.ok_or(format!("{name}: no 'pairs' in its answer"))? as usize,
        })
    }

    /// CPU time per operation: two operations (store, retrieve) per pair.
    fn per_operation(&self) -> Duration {
        self.cpu.div_f64(2.0 * self.pairs.max(1) as f64)
    }

    /// The share of its wall time the client spent on a CPU.
    fn busy(&self) -> f64 {
        self.cpu.as_secs_f64() / self.wall.as_secs_f64()
    }
}

fn request_field<'a>(request: &'a Json, key: &str) -> Result<&'a str, String> {
    request[key]
        .as_str()
        .ok_or(format!("client process: no '{key}' in the request"))
}

/// Our client process (`nilvm-bench --client-process`): reads `{"bootnode", "chain",
/// "payer_key", "pairs"}` on stdin, connects and funds a client, runs one warm-up pair, then
/// measures `pairs` store + retrieve pairs of one secret integer on a single-thread runtime
/// (as the official SDK's asyncio loop); prints `{"cpu_seconds", "wall_seconds", "pairs"}`.
pub fn client_process() -> Result<(), String> {
    let request: Json = serde_json::from_reader(std::io::stdin())
        .map_err(|e| format!("client process: unreadable request: {e}"))?;
    let network = Network::devnet_at(
        request_field(&request, "bootnode")?,
        request_field(&request, "chain")?,
    );
    let payer_key = UserKey::from_hex(request_field(&request, "payer_key")?)
        .map_err(|e| format!("client process: payer_key: {e}"))?;
    let pairs = request["pairs"]
        .as_u64()
        .ok_or("client process: no 'pairs' in the request")? as usize;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let measured = runtime.block_on(async {
        let client = funded(&network, &payer_key).await?;
        pair(&client, integer(0)).await?;
        let (cpu, start) = (process_cpu_time()?, Instant::now());
        for i in 0..pairs {
            pair(&client, integer(i)).await?;
        }
        let cpu = process_cpu_time()?.saturating_sub(cpu);
        Ok::<_, String>(Measured {
            cpu,
            wall: start.elapsed(),
            pairs,
        })
    })?;
    println!("{}", measured.to_json());
    Ok(())
}

/// Runs our client process: this very executable with [`CLIENT_PROCESS_FLAG`], so only the
/// `nilvm-bench` binary may call it.
fn ours(request: &Json) -> Result<Measured, String> {
    let exe = std::env::current_exe().map_err(|e| format!("our client process: {e}"))?;
    let mut command = Command::new(exe);
    command.arg(CLIENT_PROCESS_FLAG);
    let name = "our client process";
    Measured::from_json(&run_process(command, name, request)?, name)
}

/// Runs the official SDK's client process (`official_client.py`, mode "cpu").
fn official(python: &str, mut request: Json) -> Result<Measured, String> {
    request["mode"] = json!("cpu");
    let answer = crate::python::run(python, "official_client.py", &request)?;
    Measured::from_json(&answer, "official_client.py")
}

/// The client CPU row (`pairs` pairs per client) on a fresh devnet; the reference column is
/// the official SDK when `python` is set. Only for the `nilvm-bench` binary (see [`ours`]).
pub fn rows(python: Option<&str>, pairs: usize) -> Result<Vec<Row>, String> {
    with_devnet(async |devnet| {
        let request = |key: &str| {
            let mut request = process_request(devnet, key);
            request["pairs"] = json!(pairs);
            request
        };
        // Each client process pays with its own chain key.
        let ours = ours(&request(FUNDED_KEYS[2]))?;
        let reference = python.and_then(|python| {
            official(python, request(FUNDED_KEYS[3]))
                .inspect_err(|error| eprintln!("official client CPU not measured: {error}"))
                .ok()
        });
        let busy =
            |m: Option<Measured>| m.map_or("n/a".into(), |m| format!("{:.0}%", 100.0 * m.busy()));
        Ok(vec![Row {
            what: format!(
                "client CPU time per store or retrieve, 1 secret integer, client process user + sys \
                 over {pairs} pairs (CPU busy {} vs {} of the wall time)",
                busy(Some(ours)),
                busy(reference)
            ),
            ours: ours.per_operation(),
            reference: reference.map(|r| r.per_operation()),
            bound: None,
            ops_per_second: None,
            growth: None,
        }])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_parse_or_say_what_is_missing() {
        let answer = json!({"cpu_seconds": 0.5, "wall_seconds": 2.0, "pairs": 5});
        let measured = Measured::from_json(&answer, "p").expect("a valid answer");
        assert_eq!(measured.per_operation(), Duration::from_millis(50));
        assert_eq!(measured.busy(), 0.25);
        let error = Measured::from_json(&json!({"cpu_seconds": 1.0}), "p");
        assert_eq!(
            error.err().as_deref(),
            Some("p: no 'wall_seconds' in its answer")
        );
    }

    #[test]
    fn cpu_time_is_readable() {
        assert!(process_cpu_time().is_ok());
    }
}
