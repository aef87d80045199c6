//! Wiring: a running node is a store, a ledger over it, and a gRPC server serving the
//! Reports API, standard health checking and server reflection.
//!
//! [`start`] takes a bound listener (tests bind port 0) and returns a [`RunningNode`] with
//! its address and a graceful [`RunningNode::shutdown`]: health goes NOT_SERVING, the
//! server stops accepting, in-flight calls finish (bounded by the grace period), the
//! ledger drains its queue and the store is flushed.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_stream::wrappers::TcpListenerStream;
use tonic_health::ServingStatus;

use crate::config::{ConfigError, NodeConfig};
use crate::ledger::{Ledger, LedgerError};
use crate::rpc::service::ReportsService;
use crate::store::{Store, StoreError, StoreOptions};

/// Why a node could not start or stop cleanly.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// Bad configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The store cannot be opened or flushed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The signing key cannot be used.
    #[error("signing key {path}: {reason}")]
    SigningKey {
        /// The key file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// The server failed.
    #[error("gRPC server: {0}")]
    Server(String),
    /// The ledger failed.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// A node serving on a socket.
pub struct RunningNode {
    local_addr: SocketAddr,
    ledger: Arc<Ledger>,
    shutdown: Option<oneshot::Sender<()>>,
    server: JoinHandle<Result<(), NodeError>>,
    health: tonic_health::server::HealthReporter,
    grace: Duration,
}

impl RunningNode {
    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// `http://` endpoint for clients.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.local_addr)
    }

    /// The node's ledger (for in-process tools and tests).
    pub fn ledger(&self) -> &Arc<Ledger> {
        &self.ledger
    }

    /// Graceful stop: NOT_SERVING, stop accepting, let in-flight calls finish within the
    /// grace period, drain the writer, flush the store.
    pub async fn shutdown(mut self) -> Result<(), NodeError> {
        self.health
            .set_service_status("", ServingStatus::NotServing)
            .await;
        self.health
            .set_not_serving::<crate::rpc::pb::reports_server::ReportsServer<ReportsService>>()
            .await;
        if let Some(trigger) = self.shutdown.take() {
            let _ = trigger.send(());
        }
        match tokio::time::timeout(self.grace, &mut self.server).await {
            Ok(Ok(result)) => result?,
            Ok(Err(join_error)) => return Err(NodeError::Server(join_error.to_string())),
            Err(_) => {
                tracing::warn!(
                    grace_secs = self.grace.as_secs(),
                    "in-flight calls did not finish within the grace period; closing them"
                );
                self.server.abort();
            }
        }
        let ledger = self.ledger.clone();
        tokio::task::spawn_blocking(move || ledger.shutdown())
            .await
            .map_err(|error| NodeError::Server(error.to_string()))??;
        tracing::info!("node stopped; store flushed");
        Ok(())
    }
}

/// Loads the organization's signing key, creating it (mode 0600) on first start.
pub fn load_or_create_signing_key(path: &Path) -> Result<ed25519_dalek::SigningKey, NodeError> {
    let fail = |reason: String| NodeError::SigningKey {
        path: path.display().to_string(),
        reason,
    };
    match std::fs::read_to_string(path) {
        Ok(text) => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(path)
                    .map_err(|e| fail(e.to_string()))?
                    .permissions()
                    .mode();
                if mode & 0o077 != 0 {
                    return Err(fail(format!(
                        "is readable by group or others (mode {:o}); run `chmod 600 {}`",
                        mode & 0o777,
                        path.display()
                    )));
                }
            }
            let bytes = hex::decode(text.trim())
                .map_err(|_| fail("does not hold a hex-encoded key".into()))?;
            let secret = <[u8; 32]>::try_from(bytes.as_slice())
                .map_err(|_| fail("does not hold a 32-byte Ed25519 key".into()))?;
            Ok(ed25519_dalek::SigningKey::from_bytes(&secret))
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let key = ed25519_dalek::SigningKey::generate(&mut rand_core::OsRng);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| fail(e.to_string()))?;
            }
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let mut file = options.open(path).map_err(|e| fail(e.to_string()))?;
            use std::io::Write;
            file.write_all(hex::encode(key.to_bytes()).as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(|e| fail(e.to_string()))?;
            tracing::info!(path = %path.display(), "created the organization's signing key");
            Ok(key)
        }
        Err(error) => Err(fail(error.to_string())),
    }
}

/// Opens the store and serves on `listener` until [`RunningNode::shutdown`].
pub async fn start(config: NodeConfig, listener: TcpListener) -> Result<RunningNode, NodeError> {
    config.validate()?;
    let local_addr = listener
        .local_addr()
        .map_err(|error| NodeError::Server(error.to_string()))?;
    std::fs::create_dir_all(&config.data_dir).map_err(|error| {
        NodeError::Store(StoreError::Io(format!(
            "cannot create data directory {}: {error}",
            config.data_dir.display()
        )))
    })?;
    let signing_key = load_or_create_signing_key(&config.signing_key_path())?;
    let store_dir = config.store_dir();
    let options = StoreOptions {
        cache_capacity_bytes: config.store.cache_mib * 1024 * 1024,
    };
    let store = tokio::task::spawn_blocking(move || Store::open(&store_dir, &options))
        .await
        .map_err(|error| NodeError::Server(error.to_string()))??;
    let store = Arc::new(store);
    let ledger = Arc::new(Ledger::start(
        store.clone(),
        config.organization.trim().to_string(),
        signing_key,
    )?);

    let (health, health_service) = tonic_health::server::health_reporter();
    health
        .set_serving::<crate::rpc::pb::reports_server::ReportsServer<ReportsService>>()
        .await;
    health.set_service_status("", ServingStatus::Serving).await;
    let reflection_v1 = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(crate::rpc::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()
        .map_err(|error| NodeError::Server(error.to_string()))?;
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(crate::rpc::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()
        .map_err(|error| NodeError::Server(error.to_string()))?;

    let limits = &config.limits;
    let router = tonic::transport::Server::builder()
        .timeout(config.handler_timeout())
        .concurrency_limit_per_connection(limits.concurrency_per_connection)
        .http2_keepalive_interval(Some(Duration::from_secs(limits.keepalive_interval_secs)))
        .http2_keepalive_timeout(Some(Duration::from_secs(limits.keepalive_timeout_secs)))
        .tcp_nodelay(true)
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(ReportsService::new(ledger.clone()).into_server(limits.max_message_bytes));

    let (shutdown_trigger, shutdown_signal) = oneshot::channel::<()>();
    let incoming = TcpListenerStream::new(listener);
    let server = tokio::spawn(async move {
        router
            .serve_with_incoming_shutdown(incoming, async {
                let _ = shutdown_signal.await;
            })
            .await
            .map_err(|error| NodeError::Server(error.to_string()))
    });
    tracing::info!(
        organization = %config.organization,
        address = %local_addr,
        store = %store.path().display(),
        incarnation = %store.incarnation(),
        "node serving"
    );
    Ok(RunningNode {
        local_addr,
        ledger,
        shutdown: Some(shutdown_trigger),
        server,
        health,
        grace: Duration::from_secs(config.shutdown.grace_secs),
    })
}
