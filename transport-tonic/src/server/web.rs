//! Browsers and gRPC-Web clients on the same port as plain gRPC, as the real nodes serve them:
//! HTTP/1.1 is accepted, `application/grpc-web[+proto|-text]` requests are translated to gRPC
//! (the `tonic-web` crate) and CORS is open to every origin.
//!
//! [`web`] wraps a gRPC service in both: [`Cors`] outside (it answers preflights itself and
//! marks every answer), `tonic_web::GrpcWebService` inside.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::header::{self, HeaderValue};
use tonic::body::Body;
use tonic::codegen::Service;
use tower_layer::Layer as _;

/// The response headers a gRPC-Web client must be able to read across origins.
pub const EXPOSED_HEADERS: &str = "grpc-status,grpc-message,grpc-status-details-bin";

/// The methods a preflight may ask for.
const ALLOWED_METHODS: &str = "POST,OPTIONS";

/// The request headers allowed when a preflight does not list its own.
const DEFAULT_ALLOWED_HEADERS: &str = "content-type,x-grpc-web,x-user-agent,grpc-timeout,\
     x-nillion-token,x-nillion-token-bin,authorization";

/// How long a browser may cache a preflight answer, in seconds (a day).
const PREFLIGHT_MAX_AGE: &str = "86400";

/// `service` with gRPC-Web translation and open CORS in front.
pub fn web<S>(service: S) -> Cors<tonic_web::GrpcWebService<S>> {
    Cors {
        inner: tonic_web::GrpcWebLayer::new().layer(service),
    }
}

/// Open CORS: preflights (`OPTIONS`) are answered here; every other answer allows any origin
/// and exposes the gRPC status headers.
#[derive(Debug, Clone)]
pub struct Cors<S> {
    inner: S,
}

impl<S> Cors<S> {
    /// `inner` behind open CORS.
    pub fn new(inner: S) -> Self {
        Self { inner }
    }
}

impl<S> Service<http::Request<Body>> for Cors<S>
where
    S: Service<http::Request<Body>, Response = http::Response<Body>, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = Infallible;
    // Spelled out rather than `super::BoxFuture`: this module imports nothing of `server`.
    type Future = Pin<Box<dyn Future<Output = Result<http::Response<Body>, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        let origin = allowed_origin(&request);
        if request.method() == http::Method::OPTIONS {
            let response = preflight(&request, origin);
            return Box::pin(std::future::ready(Ok(response)));
        }
        let future = self.inner.call(request);
        Box::pin(async move {
            let mut response = future.await?;
            let headers = response.headers_mut();
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            headers.insert(
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                HeaderValue::from_static(EXPOSED_HEADERS),
            );
            headers.append(header::VARY, HeaderValue::from_static("origin"));
            Ok(response)
        })
    }
}

/// The request's `Origin` echoed back (so credentialed requests work too), else `*`.
fn allowed_origin<B>(request: &http::Request<B>) -> HeaderValue {
    request
        .headers()
        .get(header::ORIGIN)
        .cloned()
        .unwrap_or_else(|| HeaderValue::from_static("*"))
}

/// The answer to a CORS preflight: everything asked for is allowed.
fn preflight<B>(request: &http::Request<B>, origin: HeaderValue) -> http::Response<Body> {
    let allowed_headers = request
        .headers()
        .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .cloned()
        .unwrap_or_else(|| HeaderValue::from_static(DEFAULT_ALLOWED_HEADERS));
    let mut response = http::Response::new(Body::empty());
    *response.status_mut() = http::StatusCode::NO_CONTENT;
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(ALLOWED_METHODS),
    );
    headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, allowed_headers);
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
        HeaderValue::from_static("true"),
    );
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static(PREFLIGHT_MAX_AGE),
    );
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(EXPOSED_HEADERS),
    );
    headers.insert(header::VARY, HeaderValue::from_static("origin"));
    response
}
