//! gRPC-Web over plain HTTP/1.1 on a node port (what `@nillion/client-vms` speaks), and the
//! CORS preflight a browser sends first. The client is a raw `TcpStream`: nothing here knows
//! HTTP/2.
#![cfg(feature = "devnet")]
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use nilvm_core::rpc::{Method, Reply};
use nilvm_transport_tonic::server::devnet::{Devnet, DevnetConfig};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// Guards against a server that never answers (not a timing assertion).
const NO_HANG: Duration = Duration::from_secs(60);

/// One HTTP/1.1 exchange on a fresh connection (`Connection: close`): the status line, the
/// headers (lower-cased names) and the body with any chunked encoding removed.
struct Http1Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Http1Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

async fn exchange(addr: &str, head: &str, body: &[u8]) -> Http1Response {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(NO_HANG, stream.read_to_end(&mut raw))
        .await
        .expect("the node answered and closed the connection")
        .unwrap();
    parse(&raw)
}

fn parse(raw: &[u8]) -> Http1Response {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete head");
    let head = std::str::from_utf8(&raw[..split]).unwrap();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    assert!(status_line.starts_with("HTTP/1.1 "), "{status_line}");
    let status = status_line[9..12].parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .map(|line| {
            let (name, value) = line.split_once(':').unwrap();
            (name.trim().to_ascii_lowercase(), value.trim().to_owned())
        })
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Http1Response {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n").unwrap();
        let size_text = std::str::from_utf8(&data[..line_end]).unwrap();
        let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16).unwrap();
        data = &data[line_end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

/// The frames of a gRPC-Web body: (flags, payload).
fn frames(mut body: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut frames = Vec::new();
    while !body.is_empty() {
        let flags = body[0];
        let len = u32::from_be_bytes(body[1..5].try_into().unwrap()) as usize;
        frames.push((flags, body[5..5 + len].to_vec()));
        body = &body[5 + len..];
    }
    frames
}

fn addr_of(endpoint: &str) -> String {
    endpoint.trim_start_matches("http://").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http1_grpc_web_post_to_membership_cluster_gets_grpc_status_0() {
    let devnet = Devnet::start(DevnetConfig::free_ports()).await.unwrap();
    let addr = addr_of(devnet.bootnode());
    // An empty request message in one uncompressed frame.
    let body = [0u8, 0, 0, 0, 0];
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/grpc-web+proto\r\n\
         X-Grpc-Web: 1\r\nOrigin: http://localhost:3000\r\nContent-Length: {len}\r\n\
         Connection: close\r\n\r\n",
        path = Method::Cluster.path(),
        len = body.len(),
    );
    let response = exchange(&addr, &head, &body).await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("content-type"),
        Some("application/grpc-web+proto")
    );
    assert_eq!(
        response.header("access-control-allow-origin"),
        Some("http://localhost:3000")
    );
    let frames = frames(&response.body);
    let [(0, message), (0x80, trailers)] = frames.as_slice() else {
        panic!("one message frame and one trailer frame: {frames:?}");
    };
    let trailers = String::from_utf8(trailers.clone()).unwrap();
    assert!(
        trailers
            .split("\r\n")
            .any(|line| line.trim() == "grpc-status:0"),
        "{trailers}"
    );
    let Reply::Cluster(cluster) = Reply::decode(Method::Cluster, message).unwrap() else {
        panic!("a Cluster reply");
    };
    assert_eq!(cluster.members.len(), 3);
    devnet.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cors_preflight_is_allowed_for_any_origin() {
    let devnet = Devnet::start(DevnetConfig::free_ports()).await.unwrap();
    let addr = addr_of(devnet.bootnode());
    let head = format!(
        "OPTIONS {path} HTTP/1.1\r\nHost: {addr}\r\nOrigin: https://app.example\r\n\
         Access-Control-Request-Method: POST\r\n\
         Access-Control-Request-Headers: content-type,x-grpc-web,x-user-agent\r\n\
         Connection: close\r\n\r\n",
        path = Method::StoreValues.path(),
    );
    let response = exchange(&addr, &head, &[]).await;
    assert_eq!(response.status, 204);
    assert_eq!(
        response.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    assert!(
        response
            .header("access-control-allow-methods")
            .unwrap()
            .contains("POST")
    );
    assert_eq!(
        response.header("access-control-allow-headers"),
        Some("content-type,x-grpc-web,x-user-agent")
    );
    assert!(
        response
            .header("access-control-expose-headers")
            .unwrap()
            .contains("grpc-status")
    );
    devnet.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grpc_web_refusal_keeps_the_nodes_code_and_text() {
    let devnet = Devnet::start(DevnetConfig::free_ports()).await.unwrap();
    let addr = addr_of(devnet.bootnode());
    // DeleteValues without a token: the node's PERMISSION_DENIED.
    let message = [0x0a, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    let mut body = vec![0u8];
    body.extend_from_slice(&(message.len() as u32).to_be_bytes());
    body.extend_from_slice(&message);
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/grpc-web+proto\r\n\
         Content-Length: {len}\r\nConnection: close\r\n\r\n",
        path = Method::DeleteValues.path(),
        len = body.len(),
    );
    let response = exchange(&addr, &head, &body).await;
    assert_eq!(response.status, 200);
    // A refusal with no message is trailers-only: the status rides in the headers.
    let status = response
        .header("grpc-status")
        .map(str::to_owned)
        .or_else(|| {
            frames(&response.body)
                .into_iter()
                .find(|(flags, _)| flags & 0x80 != 0)
                .and_then(|(_, t)| {
                    String::from_utf8(t)
                        .unwrap()
                        .split("\r\n")
                        .find_map(|l| l.strip_prefix("grpc-status:").map(str::to_owned))
                })
        })
        .unwrap();
    assert_eq!(status.trim(), "7", "PERMISSION_DENIED");
    devnet.stop().await;
}
