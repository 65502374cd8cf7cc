//! One tonic [`Channel`] per node: `http://` is cleartext HTTP/2 (h2c), `https://` is TLS
//! (rustls) with the system's roots, the webpki roots, or a custom CA.

use std::time::Duration;

use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};

use crate::error::ClientError;

/// How long connecting to a node may take before the attempt fails (and is retried by `core`
/// as UNAVAILABLE).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Which certificate authorities `https://` endpoints are checked against.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsRoots {
    /// The operating system's trust store (what the Python SDK uses).
    #[default]
    Native,
    /// Mozilla's roots, compiled in (for containers without a trust store).
    WebPki,
    /// Only this CA (PEM), e.g. a devnet's self-signed certificate.
    CustomCa(Vec<u8>),
}

/// Opens a lazily connected channel to `url`.
///
/// The channel connects on first use and reconnects after failures; nothing is sent here.
pub fn connect_lazy(url: &str, roots: &TlsRoots) -> Result<Channel, ClientError> {
    let invalid = |reason: String| ClientError::InvalidEndpoint {
        url: url.to_owned(),
        reason,
    };
    let endpoint = Endpoint::from_shared(url.to_owned())
        .map_err(|e| invalid(e.to_string()))?
        .connect_timeout(CONNECT_TIMEOUT)
        .tcp_nodelay(true);
    let endpoint = match endpoint.uri().scheme_str() {
        Some("http") => endpoint,
        Some("https") => {
            let tls = match roots {
                TlsRoots::Native => ClientTlsConfig::new().with_native_roots(),
                TlsRoots::WebPki => ClientTlsConfig::new().with_webpki_roots(),
                TlsRoots::CustomCa(pem) => {
                    ClientTlsConfig::new().ca_certificate(Certificate::from_pem(pem))
                }
            };
            endpoint
                .tls_config(tls)
                .map_err(|e| invalid(e.to_string()))?
        }
        _ => return Err(invalid("the scheme must be http:// or https://".into())),
    };
    if endpoint.uri().port_u16().is_none() {
        return Err(invalid("the endpoint must name a port".into()));
    }
    Ok(endpoint.connect_lazy())
}
