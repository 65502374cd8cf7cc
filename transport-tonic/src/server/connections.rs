//! Accepted connections a server can close by force when a graceful stop runs out of time.
//!
//! Graceful shutdown (GOAWAY on HTTP/2, close on idle HTTP/1.1) waits for every open call and
//! for every client to let go of its connection; a client that never does would hold
//! [`ServerHandle::stop`](super::ServerHandle::stop) forever. So each accepted socket is
//! registered here with a second handle on it (a duplicated descriptor), and after the grace
//! period [`Connections::close_all`] shuts the sockets down: the connection tasks see the
//! socket end and finish. A connection removes itself from the registry when it is dropped.

use std::collections::HashMap;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio_stream::Stream;
use tonic::transport::server::{Connected, TcpConnectInfo};

/// The open connections of one server.
#[derive(Debug, Clone, Default)]
pub struct Connections {
    inner: Arc<Mutex<Registry>>,
}

#[derive(Debug, Default)]
struct Registry {
    next: u64,
    open: HashMap<u64, std::net::TcpStream>,
}

impl Connections {
    fn registry(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How many accepted connections are still open.
    pub fn open(&self) -> usize {
        self.registry().open.len()
    }

    /// Shuts every open connection down (both directions); returns how many there were.
    pub fn close_all(&self) -> usize {
        let registry = self.registry();
        for socket in registry.open.values() {
            // Already closed by the peer: nothing left to do.
            let _ = socket.shutdown(std::net::Shutdown::Both);
        }
        registry.open.len()
    }

    fn track(&self, stream: TcpStream) -> TrackedStream {
        let id = {
            let mut registry = self.registry();
            let id = registry.next;
            registry.next += 1;
            if let Some(handle) = duplicate(&stream) {
                registry.open.insert(id, handle);
            }
            id
        };
        TrackedStream {
            stream,
            id,
            connections: self.clone(),
        }
    }
}

#[cfg(unix)]
fn duplicate(stream: &TcpStream) -> Option<std::net::TcpStream> {
    use std::os::fd::AsFd as _;
    let fd = stream.as_fd().try_clone_to_owned().ok()?;
    Some(std::net::TcpStream::from(fd))
}

#[cfg(windows)]
fn duplicate(stream: &TcpStream) -> Option<std::net::TcpStream> {
    use std::os::windows::io::AsSocket as _;
    let socket = stream.as_socket().try_clone_to_owned().ok()?;
    Some(std::net::TcpStream::from(socket))
}

#[cfg(not(any(unix, windows)))]
fn duplicate(_stream: &TcpStream) -> Option<std::net::TcpStream> {
    None
}

/// An accepted connection that leaves the registry when dropped.
#[derive(Debug)]
pub struct TrackedStream {
    stream: TcpStream,
    id: u64,
    connections: Connections,
}

impl Drop for TrackedStream {
    fn drop(&mut self) {
        self.connections.registry().open.remove(&self.id);
    }
}

impl AsyncRead for TrackedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for TrackedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

impl Connected for TrackedStream {
    type ConnectInfo = TcpConnectInfo;

    fn connect_info(&self) -> TcpConnectInfo {
        self.stream.connect_info()
    }
}

/// The listener as a stream of tracked connections (with `TCP_NODELAY`).
#[derive(Debug)]
pub struct Incoming {
    listener: TcpListener,
    connections: Connections,
}

impl Incoming {
    /// Accepts on `listener`, registering each connection in `connections`.
    pub fn new(listener: TcpListener, connections: Connections) -> Self {
        Self {
            listener,
            connections,
        }
    }
}

impl Stream for Incoming {
    type Item = io::Result<TrackedStream>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match self.listener.poll_accept(cx) {
            Poll::Ready(Ok((stream, _peer))) => {
                // Small replies must not wait for Nagle.
                let _ = stream.set_nodelay(true);
                Poll::Ready(Some(Ok(self.connections.track(stream))))
            }
            Poll::Ready(Err(error)) => Poll::Ready(Some(Err(error))),
            Poll::Pending => Poll::Pending,
        }
    }
}
