//! Byte counters on a node's connections: what goes over the wire, below TLS.
//!
//! A node keeps two [`TrafficCounters`] (see [`crate::node::RunningNode::traffic`]): one for
//! the connections it accepts (peers' replication sessions and clients, counted in the
//! accept loop of [`crate::trust::tls`]) and one for the connections it dials to its peers
//! (counted by the peer client's connector in [`crate::rpc::peer`]). Both wrap the TCP
//! stream itself, under TLS, so the figures are the bytes that cross the network: record
//! framing, handshakes, HTTP/2 pings and acknowledgements included (only TCP/IP headers are
//! not). The benchmark reads them to measure what an idle mesh costs per link; metrics can
//! read the same counters later.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Bytes received and sent, and connections opened, on one side of a node's traffic.
#[derive(Debug, Default)]
pub struct TrafficCounters {
    bytes_in: AtomicU64,
    bytes_out: AtomicU64,
    connections: AtomicU64,
}

/// The counters at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct TrafficSnapshot {
    /// Bytes received.
    pub bytes_in: u64,
    /// Bytes sent.
    pub bytes_out: u64,
    /// Connections opened (a TCP connection counts even if its handshake then fails).
    pub connections: u64,
}

impl TrafficSnapshot {
    /// Bytes in both directions.
    pub fn bytes(&self) -> u64 {
        self.bytes_in + self.bytes_out
    }

    /// What happened between `earlier` and `self`.
    pub fn since(&self, earlier: &TrafficSnapshot) -> TrafficSnapshot {
        TrafficSnapshot {
            bytes_in: self.bytes_in.saturating_sub(earlier.bytes_in),
            bytes_out: self.bytes_out.saturating_sub(earlier.bytes_out),
            connections: self.connections.saturating_sub(earlier.connections),
        }
    }
}

impl std::ops::Add for TrafficSnapshot {
    type Output = TrafficSnapshot;

    fn add(self, other: TrafficSnapshot) -> TrafficSnapshot {
        TrafficSnapshot {
            bytes_in: self.bytes_in + other.bytes_in,
            bytes_out: self.bytes_out + other.bytes_out,
            connections: self.connections + other.connections,
        }
    }
}

impl TrafficCounters {
    /// New counters at zero, to share between connections.
    pub fn new() -> Arc<TrafficCounters> {
        Arc::new(TrafficCounters::default())
    }

    /// The counters now.
    pub fn snapshot(&self) -> TrafficSnapshot {
        // Relaxed: each counter is a statistic on its own; nothing is ordered by them.
        TrafficSnapshot {
            bytes_in: self.bytes_in.load(Ordering::Relaxed),
            bytes_out: self.bytes_out.load(Ordering::Relaxed),
            connections: self.connections.load(Ordering::Relaxed),
        }
    }

    /// Wraps a new connection's stream so that its bytes count here.
    pub fn count<S>(self: &Arc<Self>, stream: S) -> Counted<S> {
        self.connections.fetch_add(1, Ordering::Relaxed);
        Counted {
            inner: stream,
            counters: self.clone(),
        }
    }
}

/// A stream whose bytes read and written are added to [`TrafficCounters`].
#[derive(Debug)]
pub struct Counted<S> {
    inner: S,
    counters: Arc<TrafficCounters>,
}

impl<S> Counted<S> {
    /// The wrapped stream.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Counted<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        context: &mut Context<'_>,
        buffer: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buffer.filled().len();
        let result = Pin::new(&mut this.inner).poll_read(context, buffer);
        let read = buffer.filled().len().saturating_sub(before);
        if read > 0 {
            this.counters
                .bytes_in
                .fetch_add(read as u64, Ordering::Relaxed);
        }
        result
    }
}

impl<S: AsyncWrite + Unpin> Counted<S> {
    fn written(&self, result: &Poll<std::io::Result<usize>>) {
        if let Poll::Ready(Ok(written)) = result {
            self.counters
                .bytes_out
                .fetch_add(*written as u64, Ordering::Relaxed);
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Counted<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        context: &mut Context<'_>,
        buffer: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_write(context, buffer);
        this.written(&result);
        result
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        context: &mut Context<'_>,
        buffers: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_write_vectored(context, buffers);
        this.written(&result);
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(context)
    }

    fn poll_shutdown(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(context)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn counts_both_directions_and_connections() {
        let counters = TrafficCounters::new();
        let (near, mut far) = tokio::io::duplex(64);
        let mut near = counters.count(near);
        near.write_all(b"hello").await.unwrap();
        far.write_all(b"bye").await.unwrap();
        let mut buffer = [0u8; 3];
        near.read_exact(&mut buffer).await.unwrap();
        let snapshot = counters.snapshot();
        assert_eq!(
            snapshot,
            TrafficSnapshot {
                bytes_in: 3,
                bytes_out: 5,
                connections: 1
            }
        );
        assert_eq!(snapshot.bytes(), 8);
        assert_eq!(
            snapshot.since(&TrafficSnapshot::default()) + TrafficSnapshot::default(),
            snapshot
        );
    }
}
