//! Mutual TLS for the node's server: the rustls configuration (a client certificate from the
//! group's CA is required on every connection) and the accept loop.
//!
//! The accept loop runs each handshake in its own task with a deadline, so a client that
//! connects and stays silent holds nothing but its own socket, never the loop, and is cut off
//! after the handshake time-out. Completed connections are handed to tonic as [`PeerStream`]s
//! whose connect info ([`PeerInfo`]) carries the peer's certificate chain: the gate reads the
//! caller's identity from there, and only from there. Every accepted TCP stream is wrapped in
//! the node's [`TrafficCounters`] before the handshake, so they count the bytes on the wire.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc};
use tokio_stream::wrappers::ReceiverStream;

use crate::traffic::{Counted, TrafficCounters};

/// TLS material that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A PEM file holds no usable certificate or key.
    #[error("{what}: {reason}")]
    Pem {
        /// Which file.
        what: String,
        /// What is wrong.
        reason: String,
    },
    /// rustls refused the configuration.
    #[error("TLS configuration: {0}")]
    Config(String),
}

/// PEM texts a node needs for mutual TLS.
#[derive(Debug, Clone)]
pub struct TlsMaterial {
    /// The working group's CA certificate(s).
    pub ca_pem: String,
    /// This node's certificate (chain).
    pub certificate_pem: String,
    /// This node's private key.
    pub key_pem: String,
}

impl TlsMaterial {
    /// Reads the three PEM files, refusing a key readable by group or others.
    pub fn load(
        ca_file: &std::path::Path,
        certificate_file: &std::path::Path,
        key_file: &std::path::Path,
    ) -> Result<TlsMaterial, super::certs::CertError> {
        let read = |path: &std::path::Path| {
            std::fs::read_to_string(path).map_err(|source| super::certs::CertError::File {
                path: path.to_path_buf(),
                source,
            })
        };
        Ok(TlsMaterial {
            ca_pem: read(ca_file)?,
            certificate_pem: read(certificate_file)?,
            key_pem: super::certs::read_key(key_file)?,
        })
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Parses every certificate of a PEM text.
pub fn certificates_from_pem(
    what: &str,
    pem: &str,
) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certificates = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| TlsError::Pem {
            what: what.to_string(),
            reason: error.to_string(),
        })?;
    if certificates.is_empty() {
        return Err(TlsError::Pem {
            what: what.to_string(),
            reason: "no certificate found".into(),
        });
    }
    Ok(certificates)
}

/// The server side: requires and verifies a client certificate issued by the group's CA
/// (rustls checks the chain and the validity period; the gate checks the identity).
pub fn server_config(material: &TlsMaterial) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let mut roots = rustls::RootCertStore::empty();
    for certificate in certificates_from_pem("CA certificate", &material.ca_pem)? {
        roots
            .add(certificate)
            .map_err(|error| TlsError::Config(format!("CA certificate: {error}")))?;
    }
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
        .build()
        .map_err(|error| TlsError::Config(error.to_string()))?;
    let chain = certificates_from_pem("node certificate", &material.certificate_pem)?;
    let key = PrivateKeyDer::from_pem_slice(material.key_pem.as_bytes()).map_err(|error| {
        TlsError::Pem {
            what: "node key".into(),
            reason: error.to_string(),
        }
    })?;
    let mut config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|error| TlsError::Config(error.to_string()))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .map_err(|error| TlsError::Config(format!("node certificate and key: {error}")))?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(Arc::new(config))
}

/// What tonic records about each connection; the gate reads identities from it.
#[derive(Debug, Clone)]
pub struct PeerInfo {
    /// The peer's address.
    pub remote_addr: Option<SocketAddr>,
    /// The peer's certificate chain (leaf first), DER; `None` on a plaintext connection.
    pub certificates: Option<Arc<Vec<Vec<u8>>>>,
}

/// A server-side connection, plain (loopback experiments only) or TLS.
pub enum PeerStream {
    /// Plain TCP.
    Plain(Counted<TcpStream>),
    /// Mutual TLS.
    Tls(Box<tokio_rustls::server::TlsStream<Counted<TcpStream>>>),
}

impl tonic::transport::server::Connected for PeerStream {
    type ConnectInfo = PeerInfo;

    fn connect_info(&self) -> PeerInfo {
        match self {
            PeerStream::Plain(stream) => PeerInfo {
                remote_addr: stream.get_ref().peer_addr().ok(),
                certificates: None,
            },
            PeerStream::Tls(stream) => {
                let (tcp, session) = stream.get_ref();
                PeerInfo {
                    remote_addr: tcp.get_ref().peer_addr().ok(),
                    certificates: session
                        .peer_certificates()
                        .map(|chain| Arc::new(chain.iter().map(|c| c.as_ref().to_vec()).collect())),
                }
            }
        }
    }
}

impl AsyncRead for PeerStream {
    fn poll_read(
        self: Pin<&mut Self>,
        context: &mut Context<'_>,
        buffer: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            PeerStream::Plain(stream) => Pin::new(stream).poll_read(context, buffer),
            PeerStream::Tls(stream) => Pin::new(stream.as_mut()).poll_read(context, buffer),
        }
    }
}

impl AsyncWrite for PeerStream {
    fn poll_write(
        self: Pin<&mut Self>,
        context: &mut Context<'_>,
        buffer: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            PeerStream::Plain(stream) => Pin::new(stream).poll_write(context, buffer),
            PeerStream::Tls(stream) => Pin::new(stream.as_mut()).poll_write(context, buffer),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            PeerStream::Plain(stream) => Pin::new(stream).poll_flush(context),
            PeerStream::Tls(stream) => Pin::new(stream.as_mut()).poll_flush(context),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            PeerStream::Plain(stream) => Pin::new(stream).poll_shutdown(context),
            PeerStream::Tls(stream) => Pin::new(stream.as_mut()).poll_shutdown(context),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        context: &mut Context<'_>,
        buffers: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            PeerStream::Plain(stream) => Pin::new(stream).poll_write_vectored(context, buffers),
            PeerStream::Tls(stream) => {
                Pin::new(stream.as_mut()).poll_write_vectored(context, buffers)
            }
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            PeerStream::Plain(stream) => stream.is_write_vectored(),
            PeerStream::Tls(stream) => stream.is_write_vectored(),
        }
    }
}

/// How the accept loop treats new connections.
#[derive(Debug, Clone)]
pub struct AcceptOptions {
    /// A handshake that has not completed by then is dropped.
    pub handshake_timeout: Duration,
    /// Handshakes in progress at once; further connections wait in the kernel's backlog.
    pub max_concurrent_handshakes: usize,
    /// Where the bytes of accepted connections are counted.
    pub traffic: Arc<TrafficCounters>,
}

/// Where the TLS configuration comes from: swapped on certificate reload, read at each
/// handshake.
pub type ServerConfigSource = Arc<std::sync::RwLock<Arc<rustls::ServerConfig>>>;

/// Accepts connections on `listener` and yields them to tonic: plain when `tls` is `None`,
/// otherwise after a mutual-TLS handshake bounded by the time-out. Ends when tonic drops
/// the stream (server shutdown).
pub fn incoming(
    listener: TcpListener,
    tls: Option<ServerConfigSource>,
    options: AcceptOptions,
) -> ReceiverStream<std::io::Result<PeerStream>> {
    let (sender, receiver) = mpsc::channel(64);
    let handshakes = Arc::new(Semaphore::new(options.max_concurrent_handshakes.max(1)));
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                () = sender.closed() => return,
            };
            let (tcp, remote) = match accepted {
                Ok(connection) => connection,
                Err(error) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let _ = tcp.set_nodelay(true);
            let tcp = options.traffic.count(tcp);
            let Some(tls) = &tls else {
                if sender.send(Ok(PeerStream::Plain(tcp))).await.is_err() {
                    return;
                }
                continue;
            };
            let Ok(permit) = handshakes.clone().acquire_owned().await else {
                return;
            };
            let config = tls
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .clone();
            let sender = sender.clone();
            let timeout = options.handshake_timeout;
            tokio::spawn(async move {
                let acceptor = tokio_rustls::TlsAcceptor::from(config);
                match tokio::time::timeout(timeout, acceptor.accept(tcp)).await {
                    Ok(Ok(stream)) => {
                        drop(permit);
                        let _ = sender.send(Ok(PeerStream::Tls(Box::new(stream)))).await;
                    }
                    Ok(Err(error)) => {
                        tracing::info!(peer = %remote, %error, "TLS handshake refused");
                    }
                    Err(_) => {
                        tracing::info!(peer = %remote, "TLS handshake timed out");
                    }
                }
            });
        }
    });
    ReceiverStream::new(receiver)
}
