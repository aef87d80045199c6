//! The client side of `concord.v1.Replication`, speaking domain types: what the replication
//! driver uses to talk to a peer node.
//!
//! Peer connections are dialled by [`CountingConnector`] rather than tonic's own connector,
//! so that the bytes of every session (under TLS, which tonic layers on top) count in the
//! node's [`TrafficCounters`].

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper_util::rt::TokioIo;
use tonic::transport::{Channel, Endpoint, Uri};

use super::client::{ClientError, ClientTls};
use super::pb;
use super::pb::replication_client::ReplicationClient;
use crate::log::{EntryHash, Frontier, LogHead};
use crate::traffic::{Counted, TrafficCounters};

/// What a pull stream delivers.
#[derive(Debug)]
pub enum PullEvent {
    /// The peer's durable frontier at the start of the session.
    Frontier {
        /// Its heads.
        frontier: Frontier,
        /// When each head entry was authored (author's clock, ms), where the peer said.
        authored_at: std::collections::BTreeMap<String, i64>,
        /// Its membership file's hash.
        membership_hash: String,
        /// Its store incarnation.
        store_incarnation: String,
    },
    /// Signed entries (exact bytes), in log order per organization.
    Entries(Vec<Vec<u8>>),
    /// Everything the peer held at the start has been sent.
    CaughtUp,
}

/// A connection to a peer's replication service.
#[derive(Clone)]
pub struct PeerClient {
    inner: ReplicationClient<Channel>,
    timeout: Duration,
}

/// Most bytes of one message from a peer.
const MAX_MESSAGE_BYTES: usize = 8 * 1024 * 1024;

fn frontier_from_heads(heads: Vec<pb::FrontierHead>) -> Frontier {
    heads
        .into_iter()
        .filter_map(|head| {
            Some((
                head.organization,
                LogHead {
                    sequence: head.sequence,
                    hash: EntryHash::from_slice(&head.head_hash)?,
                },
            ))
        })
        .collect()
}

impl PeerClient {
    /// Connects to a peer (`https://host:port`) presenting this node's certificate, from
    /// `source_address` when given. `keepalive` pings detect dead connections on idle
    /// streams.
    pub async fn connect(
        endpoint: &str,
        tls: &ClientTls,
        timeout: Duration,
        keepalive: Duration,
        source_address: Option<std::net::IpAddr>,
    ) -> Result<PeerClient, ClientError> {
        PeerClient::connect_counted(
            endpoint,
            tls,
            timeout,
            keepalive,
            source_address,
            TrafficCounters::new(),
        )
        .await
    }

    /// [`PeerClient::connect`], counting the connection's bytes in `traffic`.
    pub async fn connect_counted(
        endpoint: &str,
        tls: &ClientTls,
        timeout: Duration,
        keepalive: Duration,
        source_address: Option<std::net::IpAddr>,
        traffic: Arc<TrafficCounters>,
    ) -> Result<PeerClient, ClientError> {
        let bad = |error: &dyn std::fmt::Display| ClientError {
            code: tonic::Code::InvalidArgument,
            message: format!("bad peer endpoint {endpoint:?}: {error}"),
            violations: Vec::new(),
        };
        let builder = Endpoint::from_shared(endpoint.to_string()).map_err(|e| bad(&e))?;
        let channel = tls
            .apply_to(builder)
            .map_err(|e| bad(&e))?
            .connect_timeout(timeout)
            .http2_keep_alive_interval(keepalive)
            .keep_alive_timeout(timeout)
            .keep_alive_while_idle(true)
            // The connector dials (no-delay, from `source_address`); tonic adds TLS on top
            // and bounds the whole with the connect time-out.
            .connect_with_connector(CountingConnector {
                source_address,
                traffic,
            })
            .await
            .map_err(|error| ClientError {
                code: tonic::Code::Unavailable,
                message: format!("cannot connect to {endpoint}: {error}"),
                violations: Vec::new(),
            })?;
        Ok(PeerClient {
            inner: ReplicationClient::new(channel)
                .max_decoding_message_size(MAX_MESSAGE_BYTES)
                .max_encoding_message_size(MAX_MESSAGE_BYTES),
            timeout,
        })
    }

    /// Opens a pull stream after `frontier`. With `follow` the session stays open, and
    /// [`PullStream::acknowledge`] tells the peer what this node has made durable since.
    pub async fn pull(
        &self,
        frontier: &Frontier,
        membership_hash: &str,
        follow: bool,
        max_batch_bytes: u32,
    ) -> Result<PullStream, ClientError> {
        let (acknowledgements, requests) = tokio::sync::mpsc::channel(4);
        let opening = pb::PullRequest {
            frontier: super::replication::frontier_to_pb(frontier),
            membership_hash: membership_hash.to_string(),
            max_batch_bytes,
            follow,
        };
        // The channel has room: the opening request cannot fail to queue.
        let _ = acknowledgements.try_send(opening);
        let mut request =
            tonic::Request::new(tokio_stream::wrappers::ReceiverStream::new(requests));
        if !follow {
            request.set_timeout(self.timeout * 60);
        }
        let stream = self.inner.clone().pull(request).await?.into_inner();
        Ok(PullStream {
            stream,
            acknowledgements: follow.then_some(acknowledgements),
        })
    }

    /// Pushes entries; returns (applied, duplicates, rejections as (index, reason, detail)).
    pub async fn push(
        &self,
        entries: Vec<Vec<u8>>,
        membership_hash: &str,
    ) -> Result<PushOutcome, ClientError> {
        let mut request = tonic::Request::new(pb::PushRequest {
            entries,
            membership_hash: membership_hash.to_string(),
        });
        request.set_timeout(self.timeout);
        let response = self.inner.clone().push(request).await?.into_inner();
        Ok(PushOutcome {
            applied: response.applied,
            duplicates: response.duplicates,
            rejected: response
                .rejected
                .into_iter()
                .map(|r| (r.index, r.reason, r.detail))
                .collect(),
            frontier: frontier_from_heads(response.frontier),
        })
    }
}

/// Dials peers over TCP for tonic, like its own connector does for a peer endpoint (no
/// Nagle delay, an optional source address), and wraps each stream in the node's
/// [`TrafficCounters`].
#[derive(Clone)]
struct CountingConnector {
    source_address: Option<IpAddr>,
    traffic: Arc<TrafficCounters>,
}

impl tower::Service<Uri> for CountingConnector {
    type Response = TokioIo<Counted<tokio::net::TcpStream>>;
    type Error = std::io::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _context: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let source_address = self.source_address;
        let traffic = self.traffic.clone();
        Box::pin(async move {
            let invalid =
                |message: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, message);
            let host = uri
                .host()
                .ok_or_else(|| invalid(format!("{uri} names no host")))?
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_string();
            let port = uri.port_u16().unwrap_or(match uri.scheme_str() {
                Some("http") => 80,
                _ => 443,
            });
            let mut last_error = None;
            for address in tokio::net::lookup_host((host.as_str(), port)).await? {
                match dial(address, source_address).await {
                    Ok(stream) => return Ok(TokioIo::new(traffic.count(stream))),
                    Err(error) => last_error = Some(error),
                }
            }
            Err(last_error.unwrap_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!("{host} has no address"),
                )
            }))
        })
    }
}

/// One TCP connection to `address`, from `source_address` when it is of the same family.
async fn dial(
    address: SocketAddr,
    source_address: Option<IpAddr>,
) -> std::io::Result<tokio::net::TcpStream> {
    let socket = if address.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    if let Some(source) = source_address.filter(|source| source.is_ipv4() == address.is_ipv4()) {
        socket.bind(SocketAddr::new(source, 0))?;
    }
    let stream = socket.connect(address).await?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// The answer to a push.
#[derive(Debug, Clone)]
pub struct PushOutcome {
    /// Entries appended.
    pub applied: u32,
    /// Entries already held.
    pub duplicates: u32,
    /// (index, reason code, detail) per refused entry.
    pub rejected: Vec<(u32, String, String)>,
    /// The peer's frontier afterwards.
    pub frontier: Frontier,
}

/// An open pull stream.
pub struct PullStream {
    stream: tonic::Streaming<pb::PullMessage>,
    /// The request side, kept open on follow sessions for acknowledgements.
    acknowledgements: Option<tokio::sync::mpsc::Sender<pb::PullRequest>>,
}

impl PullStream {
    /// Tells the peer this node's durable frontier (what it now holds). Never waits: if an
    /// acknowledgement is still queued, this one is dropped and a later one says more.
    pub fn acknowledge(&self, frontier: &Frontier) {
        if let Some(sender) = &self.acknowledgements {
            let _ = sender.try_send(pb::PullRequest {
                frontier: super::replication::frontier_to_pb(frontier),
                ..pb::PullRequest::default()
            });
        }
    }

    /// The next event; `None` when the peer ended the stream.
    pub async fn next(&mut self) -> Result<Option<PullEvent>, ClientError> {
        loop {
            let Some(message) = self.stream.message().await? else {
                return Ok(None);
            };
            let event = match message.kind {
                Some(pb::pull_message::Kind::Frontier(frontier)) => PullEvent::Frontier {
                    authored_at: frontier
                        .heads
                        .iter()
                        .filter(|head| head.authored_at_unix_ms != 0)
                        .map(|head| (head.organization.clone(), head.authored_at_unix_ms))
                        .collect(),
                    frontier: frontier_from_heads(frontier.heads),
                    membership_hash: frontier.membership_hash,
                    store_incarnation: frontier.store_incarnation,
                },
                Some(pb::pull_message::Kind::Batch(batch)) => PullEvent::Entries(batch.entries),
                Some(pb::pull_message::Kind::CaughtUp(_)) => PullEvent::CaughtUp,
                // A message kind from a newer version: skip it.
                None => continue,
            };
            return Ok(Some(event));
        }
    }
}
