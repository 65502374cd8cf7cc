//! `nilvm devnet`: a local devnet, a drop-in for the official `nillion-devnet`: emulated nodes
//! and a nilchain stub over gRPC. A test double: compute is simulated in the clear.

use std::io::Write as _;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use nilvm_core::cluster::Prime;
use nilvm_transport_tonic::Network;
use nilvm_transport_tonic::clock::Clock;
use nilvm_transport_tonic::server::TlsIdentity;
use nilvm_transport_tonic::server::devnet::{DEFAULT_SEED, Devnet, DevnetConfig};

#[derive(Debug, clap::Args)]
pub struct DevnetArgs {
    /// How many nodes.
    #[arg(short = 'n', long, default_value_t = 3, value_parser = clap::value_parser!(u8).range(3..=99))]
    node_count: u8,
    /// The seed the node keys and the cluster id derive from.
    #[arg(short, long, default_value = DEFAULT_SEED)]
    seed: String,
    /// The prime's size in bits (64, 128 or 256).
    #[arg(short, long, default_value_t = 256)]
    prime_bits: u16,
    /// The address every server binds to.
    #[arg(short, long, default_value = "127.0.0.1")]
    bind_address: IpAddr,
    /// Take free ports for the nodes and the chain instead of the official ones.
    #[arg(long)]
    free_ports: bool,
    /// Serve the nodes over TLS with this certificate chain (PEM); needs --tls-key.
    #[arg(long, requires = "tls_key")]
    tls_certificate: Option<PathBuf>,
    /// The TLS private key (PEM); needs --tls-certificate.
    #[arg(long, requires = "tls_certificate")]
    tls_key: Option<PathBuf>,
    /// Keep the state (values, permissions, programs, results, balances, the chain) in an
    /// embedded database in this directory; a restart with the same directory and settings
    /// brings it back. Without it the state lives in memory and ends with the process.
    #[arg(short = 'd', long, alias = "data-dir")]
    state_directory: Option<PathBuf>,
}

/// Runs the devnet until SIGINT, SIGTERM or SIGHUP.
pub fn main(args: DevnetArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return fail(&error),
    };
    match runtime.block_on(devnet(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(&error),
    }
}

fn fail(error: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("Failed to run devnet: {error}");
    ExitCode::FAILURE
}

fn say(line: &str) {
    let mut stdout = std::io::stdout().lock();
    // Tools wait for these lines in a log file: flush each one.
    let _ = writeln!(stdout, "{line}");
    let _ = stdout.flush();
}

async fn devnet(args: DevnetArgs) -> Result<(), Box<dyn std::error::Error>> {
    let prime = match args.prime_bits {
        64 => Prime::U64,
        128 => Prime::U128,
        256 => Prime::U256,
        bits => return Err(format!("unsupported prime size {bits} (64, 128 or 256)").into()),
    };
    let tls = match (&args.tls_certificate, &args.tls_key) {
        (Some(certificate), Some(key)) => Some(TlsIdentity {
            certificate_pem: std::fs::read(certificate)
                .map_err(|e| format!("cannot read {}: {e}", certificate.display()))?,
            key_pem: std::fs::read(key)
                .map_err(|e| format!("cannot read {}: {e}", key.display()))?,
        }),
        _ => None,
    };
    let config = DevnetConfig {
        node_count: usize::from(args.node_count),
        seed: args.seed,
        prime,
        bind: args.bind_address,
        free_ports: args.free_ports,
        tls,
        state_directory: args.state_directory.clone(),
        clock: Clock::system(),
    };
    let config_dir = Network::config_dir().unwrap_or_else(|_| PathBuf::from("."));
    // Handlers go in before the readiness line: a SIGTERM right after it must stop us cleanly.
    let shutdown = shutdown_signal()?;
    let devnet = Devnet::start(config).await?;
    say(&format!("ℹ️ cluster id is {}", devnet.cluster_id()));
    say(&format!("ℹ️ using {} bit prime", args.prime_bits));
    match &args.state_directory {
        Some(dir) => say(&format!("ℹ️ storing state in {}", dir.display())),
        None => say("ℹ️ storing state in memory"),
    }
    say(&format!(
        "⛓  nilchain gRPC available at {}",
        devnet.chain_grpc_endpoint()
    ));
    for i in 1..=devnet.node_endpoints().len() {
        say(&format!("🏃 starting node {i}"));
    }
    say("👛 funding nilchain keys");
    let (yaml, env) = devnet.write_config_files(&config_dir)?;
    say(&format!(
        "📝 network configuration written to {}",
        yaml.display()
    ));
    say(&format!("🌄 environment file written to {}", env.display()));
    shutdown.await;
    say("⚠️ shutting down...");
    devnet.stop().await;
    Ok(())
}

/// Installs the signal handlers now; the future ends at SIGINT, SIGTERM or SIGHUP.
#[cfg(unix)]
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let mut hangup = signal(SignalKind::hangup())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
            _ = hangup.recv() => {}
        }
    })
}

/// The future ends at Ctrl-C.
#[cfg(not(unix))]
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}
