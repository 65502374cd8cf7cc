//! `ServerHandle::stop` ends even when a client never lets go of its connection: idle
//! connections are closed, open ones are given up on after the grace period.
#![cfg(feature = "server")]
#![allow(clippy::unwrap_used)]

use std::convert::Infallible;
use std::task::{Context, Poll};
use std::time::Duration;

use nilvm_transport_tonic::server::serve;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tonic::body::Body;
use tonic::codegen::Service;

/// Answers every request with UNIMPLEMENTED.
#[derive(Clone)]
struct Nothing;

impl Service<http::Request<Body>> for Nothing {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = std::future::Ready<Result<http::Response<Body>, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _request: http::Request<Body>) -> Self::Future {
        std::future::ready(Ok(tonic::Status::unimplemented("").into_http()))
    }
}

/// The HTTP/2 client preface and an empty SETTINGS frame: a connection the server must keep
/// open until the client acknowledges its GOAWAY, which this client never does.
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_closes_a_connection_whose_client_never_lets_go() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = serve(listener, Nothing).unwrap();
    let mut client = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .unwrap();
    client.write_all(H2_PREFACE).await.unwrap();
    // The server's SETTINGS frame: the connection is up and registered.
    let mut header = [0u8; 9];
    client.read_exact(&mut header).await.unwrap();
    assert_eq!(header[3], 4, "the server's first frame is SETTINGS");
    assert_eq!(server.open_connections(), 1);

    server
        .stop_within(Duration::from_millis(200))
        .await
        .unwrap();

    // The socket was shut down: reading ends (EOF or a reset) instead of waiting forever
    // (the timeout only keeps a broken server from hanging the test).
    let mut rest = Vec::new();
    // Ok (EOF) or a reset error: either way the read ended.
    let _ended = tokio::time::timeout(Duration::from_secs(30), client.read_to_end(&mut rest))
        .await
        .expect("the server closed the connection");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_without_connections_returns_at_once() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = serve(listener, Nothing).unwrap();
    assert_eq!(server.open_connections(), 0);
    server.stop().await.unwrap();
}
