//! One tonic [`Channel`] per node: `http://` is cleartext HTTP/2 (h2c), `https://` is TLS
//! (rustls) with the system's roots, the webpki roots, or a custom CA.

use std::time::Duration;

use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};

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

/// Why a channel to an endpoint cannot be opened: the URL or the TLS setup is unusable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChannelError {
    /// The URL is not a URI.
    #[error("invalid endpoint {url}: {source}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// tonic's parse error.
        #[source]
        source: tonic::transport::Error,
    },
    /// The scheme is neither `http` nor `https`.
    #[error("invalid endpoint {url}: the scheme must be http:// or https://")]
    UnsupportedScheme {
        /// The URL as given.
        url: String,
    },
    /// The URL names no port.
    #[error("invalid endpoint {url}: the endpoint must name a port")]
    NoPort {
        /// The URL as given.
        url: String,
    },
    /// TLS cannot be set up for an `https://` URL: the trust store is unreadable, the custom
    /// CA is not a usable certificate, or the URL has no host name to check.
    #[error("invalid endpoint {url}: {source}")]
    Tls {
        /// The URL as given.
        url: String,
        /// tonic's TLS error (its source says what failed).
        #[source]
        source: tonic::transport::Error,
    },
}

impl ChannelError {
    /// The URL that could not be used.
    pub fn url(&self) -> &str {
        match self {
            Self::InvalidUrl { url, .. }
            | Self::UnsupportedScheme { url }
            | Self::NoPort { url }
            | Self::Tls { url, .. } => url,
        }
    }
}

/// Opens a lazily connected channel to `url`.
///
/// The channel connects on first use and reconnects after failures; nothing is sent here.
pub fn connect_lazy(url: &str, roots: &TlsRoots) -> Result<Channel, ChannelError> {
    let url_owned = || url.to_owned();
    let endpoint = Endpoint::from_shared(url.to_owned())
        .map_err(|source| ChannelError::InvalidUrl {
            url: url_owned(),
            source,
        })?
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
                .map_err(|source| ChannelError::Tls {
                    url: url_owned(),
                    source,
                })?
        }
        _ => return Err(ChannelError::UnsupportedScheme { url: url_owned() }),
    };
    if endpoint.uri().port_u16().is_none() {
        return Err(ChannelError::NoPort { url: url_owned() });
    }
    Ok(endpoint.connect_lazy())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_unusable_url_has_its_variant_and_the_same_text() {
        let error = connect_lazy("ftp://127.0.0.1:1", &TlsRoots::Native).unwrap_err();
        assert!(matches!(error, ChannelError::UnsupportedScheme { .. }));
        assert_eq!(
            error.to_string(),
            "invalid endpoint ftp://127.0.0.1:1: the scheme must be http:// or https://"
        );
        let error = connect_lazy("http://127.0.0.1", &TlsRoots::Native).unwrap_err();
        assert!(matches!(error, ChannelError::NoPort { .. }));
        assert_eq!(error.url(), "http://127.0.0.1");
        let error = connect_lazy("http://bad host:1", &TlsRoots::Native).unwrap_err();
        assert!(matches!(error, ChannelError::InvalidUrl { .. }));
        assert!(std::error::Error::source(&error).is_some());
    }
}
