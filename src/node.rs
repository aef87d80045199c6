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
use tonic_health::ServingStatus;

use crate::config::{ConfigError, NodeConfig};
use crate::ledger::{Ledger, LedgerError};
use crate::replication::{ReplicationOptions, Replicator};
use crate::rpc::replication::ReplicationService;
use crate::rpc::service::ReportsService;
use crate::store::{Store, StoreError, StoreOptions};
use crate::trust::gate::{AuditLog, Authentication, GateLayer, GatePolicy, RateLimiter};
use crate::trust::identity::Identity;
use crate::trust::membership::Membership;
use crate::trust::tls::{self, AcceptOptions, ServerConfigSource, TlsMaterial};

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
    /// Certificates, keys or membership cannot be used.
    #[error("{0}")]
    Trust(String),
}

/// How the node authenticates callers, set up from the configuration.
struct Security {
    /// When the node certificate expires (Unix seconds; 0 when unknown or plaintext).
    certificate_expiry: Arc<std::sync::atomic::AtomicI64>,
    tls: Option<ServerConfigSource>,
    /// This node's certificate, presented to peers.
    client_tls: Option<crate::replication::ClientTlsSource>,
    authentication: Authentication,
    membership: Option<Arc<std::sync::RwLock<Arc<Membership>>>>,
}

/// Loads certificates and membership and checks they fit this node, or (without `[tls]`)
/// sets up the loopback-only plaintext mode.
fn set_up_security(
    config: &NodeConfig,
    local_addr: std::net::SocketAddr,
    signing_key: &ed25519_dalek::SigningKey,
) -> Result<Security, NodeError> {
    let organization = config.organization.trim();
    let Some(tls_config) = &config.tls else {
        if !local_addr.ip().is_loopback() {
            return Err(NodeError::Trust(format!(
                "refusing to serve plaintext on {local_addr}: without a [tls] section a node \
                 listens on a loopback address only; configure [tls] (see deploy/concord.example.toml)"
            )));
        }
        tracing::warn!(
            address = %local_addr,
            "PLAINTEXT MODE: no [tls] section, so no certificates are checked and every caller \
             acts for {organization}; loopback only, for local experiments"
        );
        return Ok(Security {
            certificate_expiry: Arc::new(std::sync::atomic::AtomicI64::new(0)),
            tls: None,
            client_tls: None,
            authentication: Authentication::PlaintextLoopback {
                group: "local".into(),
            },
            membership: None,
        });
    };
    let trust = load_trust(config, tls_config, signing_key)?;
    tracing::info!(
        identity = %trust.identity,
        membership = %trust.membership.hash_hex(),
        "mutual TLS: every caller must present a certificate of the working group"
    );
    let membership = Arc::new(std::sync::RwLock::new(Arc::new(trust.membership)));
    Ok(Security {
        certificate_expiry: Arc::new(std::sync::atomic::AtomicI64::new(
            trust.not_after.map_or(0, |t| t.unix_timestamp()),
        )),
        tls: Some(Arc::new(std::sync::RwLock::new(trust.server_config))),
        client_tls: Some(Arc::new(std::sync::RwLock::new(trust.client_tls))),
        authentication: Authentication::MutualTls {
            membership: membership.clone(),
        },
        membership: Some(membership),
    })
}

/// What a running node re-reads on [`RunningNode::reload`] and where it swaps it in.
struct Reloadable {
    config: NodeConfig,
    signing_key: ed25519_dalek::SigningKey,
    server_config: ServerConfigSource,
    client_tls: crate::replication::ClientTlsSource,
    membership: Arc<std::sync::RwLock<Arc<Membership>>>,
    certificate_expiry: Arc<std::sync::atomic::AtomicI64>,
}

/// What a reload put in force.
#[derive(Debug, Clone)]
pub struct Reloaded {
    /// The node's identity (unchanged).
    pub identity: String,
    /// The new certificate's expiry, if readable.
    pub certificate_expires: Option<String>,
    /// The membership file's hash now in force.
    pub membership_hash: String,
}

/// Certificates, keys and membership read from disk and checked against each other.
struct LoadedTrust {
    identity: Identity,
    membership: Membership,
    server_config: Arc<rustls::ServerConfig>,
    client_tls: crate::rpc::client::ClientTls,
    /// When the node certificate expires.
    not_after: Option<time::OffsetDateTime>,
}

/// Reads the CA, the node's certificate and key and the membership file, and checks that
/// they name this node and that its signing key is its organization's.
fn load_trust(
    config: &NodeConfig,
    tls_config: &crate::config::TlsConfig,
    signing_key: &ed25519_dalek::SigningKey,
) -> Result<LoadedTrust, NodeError> {
    let organization = config.organization.trim();
    let trust_error = |error: &dyn std::fmt::Display| NodeError::Trust(error.to_string());
    let membership = Membership::load(&tls_config.membership_file).map_err(|e| trust_error(&e))?;
    let (ca_file, cert_file, key_file) = tls_config.files(organization)?;
    let material =
        TlsMaterial::load(&ca_file, &cert_file, &key_file).map_err(|e| trust_error(&e))?;
    let leaf = tls::certificates_from_pem("node certificate", &material.certificate_pem)
        .map_err(|e| trust_error(&e))?;
    let expected = Identity::node(membership.group(), organization);
    match Identity::from_certificate(leaf[0].as_ref()) {
        Ok(identity) if identity == expected => {}
        Ok(identity) => {
            return Err(NodeError::Trust(format!(
                "{} is the certificate of {identity}, but this node is {expected}",
                cert_file.display()
            )));
        }
        Err(error) => {
            return Err(NodeError::Trust(format!(
                "{}: {error}",
                cert_file.display()
            )));
        }
    }
    if membership.member(organization).is_none() {
        return Err(NodeError::Trust(format!(
            "{organization} is not a member in {}",
            tls_config.membership_file.display()
        )));
    }
    let public_key = signing_key.verifying_key();
    if !membership.signing_keys(organization).contains(&public_key) {
        return Err(NodeError::Trust(format!(
            "this node's signing key {} is not one of {organization}'s signing_keys in {}: \
             add it there (on every node) before starting",
            hex::encode(public_key.as_bytes()),
            tls_config.membership_file.display()
        )));
    }
    let server_config = tls::server_config(&material).map_err(|e| trust_error(&e))?;
    let not_after = x509_parser::parse_x509_certificate(leaf[0].as_ref())
        .ok()
        .and_then(|(_, certificate)| {
            time::OffsetDateTime::from_unix_timestamp(certificate.validity().not_after.timestamp())
                .ok()
        });
    let client_tls = crate::rpc::client::ClientTls {
        ca_pem: material.ca_pem.clone(),
        certificate_pem: material.certificate_pem.clone(),
        key_pem: material.key_pem.clone(),
    };
    Ok(LoadedTrust {
        identity: expected,
        membership,
        server_config,
        client_tls,
        not_after,
    })
}

/// The bytes a node exchanges, on the wire (under TLS), by who opened the connection.
#[derive(Debug, Clone)]
pub struct NodeTraffic {
    /// Connections this node accepted: its peers' replication sessions, and clients.
    pub accepted: Arc<crate::traffic::TrafficCounters>,
    /// Connections this node dialled: its replication sessions with its peers.
    pub dialled: Arc<crate::traffic::TrafficCounters>,
}

/// A node serving on a socket.
pub struct RunningNode {
    local_addr: SocketAddr,
    /// What `reload` re-reads (none on a plaintext node).
    reloadable: Option<Box<Reloadable>>,
    metrics_addr: Option<SocketAddr>,
    traffic: NodeTraffic,
    ledger: Arc<Ledger>,
    replicator: Option<Replicator>,
    stopping: tokio::sync::watch::Sender<bool>,
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

    /// Re-reads the node's certificate, key, CA and membership file and puts them in force
    /// without dropping anything: new connections and new peer sessions use them; open ones
    /// go on. Everything is checked first (the certificate names this node, its signing key
    /// is its organization's): on any error nothing changes and the error says why.
    pub fn reload(&self) -> Result<Reloaded, NodeError> {
        let Some(reloadable) = &self.reloadable else {
            return Err(NodeError::Trust(
                "this node serves plaintext without [tls]: there is nothing to reload".into(),
            ));
        };
        let tls_config = reloadable
            .config
            .tls
            .as_ref()
            .ok_or_else(|| NodeError::Trust("the configuration has no [tls] section".into()))?;
        let trust = load_trust(&reloadable.config, tls_config, &reloadable.signing_key)?;
        let reloaded = Reloaded {
            identity: trust.identity.to_string(),
            certificate_expires: trust.not_after.map(|t| t.to_string()),
            membership_hash: trust.membership.hash_hex(),
        };
        let write = |what: &str| {
            tracing::info!(what, "reloaded");
        };
        *reloadable
            .server_config
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = trust.server_config;
        write("server certificate");
        *reloadable
            .client_tls
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = trust.client_tls;
        write("peer client certificate");
        *reloadable
            .membership
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(trust.membership);
        write("membership");
        reloadable.certificate_expiry.store(
            trust.not_after.map_or(0, |t| t.unix_timestamp()),
            std::sync::atomic::Ordering::Release,
        );
        Ok(reloaded)
    }

    /// Where Prometheus metrics are served (`[metrics] listen`, resolved), if anywhere.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_addr
    }

    /// `http://` endpoint for clients.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.local_addr)
    }

    /// The node's ledger (for in-process tools and tests).
    pub fn ledger(&self) -> &Arc<Ledger> {
        &self.ledger
    }

    /// Byte counters of the node's connections (for the benchmark and metrics).
    pub fn traffic(&self) -> &NodeTraffic {
        &self.traffic
    }

    /// Every peer session's status (empty without peers).
    pub fn peer_status(&self) -> Vec<crate::replication::PeerStatus> {
        self.replicator
            .as_ref()
            .map(Replicator::status)
            .unwrap_or_default()
    }

    /// Graceful stop: NOT_SERVING, stop accepting, let in-flight calls finish within the
    /// grace period, close peer sessions, drain the writer, flush the store.
    pub async fn shutdown(mut self) -> Result<(), NodeError> {
        self.health
            .set_service_status("", ServingStatus::NotServing)
            .await;
        self.health
            .set_not_serving::<crate::rpc::pb::reports_server::ReportsServer<ReportsService>>()
            .await;
        self.health
            .set_not_serving::<crate::rpc::pb::view_server::ViewServer<crate::rpc::view::ViewService>>()
            .await;
        // Our sessions with peers close first; then open streams end, so in-flight unary
        // calls are all that the grace period waits for.
        if let Some(replicator) = self.replicator.take() {
            replicator.stop().await;
        }
        let _ = self.stopping.send(true);
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
    let security = set_up_security(&config, local_addr, &signing_key)?;
    let store_dir = config.store_dir();
    let has_peers = security.membership.as_ref().is_some_and(|membership| {
        let membership = membership
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        !crate::replication::choose_peers(config.organization.trim(), &membership, 0).is_empty()
    });
    let options = StoreOptions {
        cache_capacity_bytes: config.store.cache_mib * 1024 * 1024,
        // A new store may be a lost disk: with peers, it never authors before they have
        // returned whatever this organization already published.
        recover_if_created: has_peers,
    };
    let store = tokio::task::spawn_blocking(move || Store::open(&store_dir, &options))
        .await
        .map_err(|error| NodeError::Server(error.to_string()))??;
    let store = Arc::new(store);

    let reloadable = match (&security.tls, &security.client_tls, &security.membership) {
        (Some(server_config), Some(client_tls), Some(membership)) => Some(Box::new(Reloadable {
            config: config.clone(),
            signing_key: signing_key.clone(),
            server_config: server_config.clone(),
            client_tls: client_tls.clone(),
            membership: membership.clone(),
            certificate_expiry: security.certificate_expiry.clone(),
        })),
        _ => None,
    };
    // Starting the ledger rebuilds the indexes from the store: blocking work.
    let ledger_store = store.clone();
    let organization = config.organization.trim().to_string();
    let ledger = Arc::new(
        tokio::task::spawn_blocking(move || Ledger::start(ledger_store, organization, signing_key))
            .await
            .map_err(|error| NodeError::Server(error.to_string()))??,
    );

    let (health, health_service) = tonic_health::server::health_reporter();
    health
        .set_serving::<crate::rpc::pb::reports_server::ReportsServer<ReportsService>>()
        .await;
    health
        .set_serving::<crate::rpc::pb::view_server::ViewServer<crate::rpc::view::ViewService>>()
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
    let audit = AuditLog::open(&config.audit_log_path()).map_err(|error| {
        NodeError::Trust(format!(
            "cannot open audit log {}: {error}",
            config.audit_log_path().display()
        ))
    })?;
    // In plaintext mode every caller is the node's own organization on loopback: a
    // per-member rate would only throttle the operator's own tools.
    let rate_limiter = match security.authentication {
        Authentication::PlaintextLoopback { .. } => RateLimiter::new(0.0, 0.0),
        Authentication::MutualTls { .. } => RateLimiter::new(
            limits.requests_per_second_per_member,
            f64::from(limits.request_burst_per_member),
        ),
    };
    let request_metrics = Arc::new(crate::metrics::RequestMetrics::default());
    let gate = GateLayer::new(Arc::new(GatePolicy {
        authentication: security.authentication,
        node_organization: config.organization.trim().to_string(),
        audit: Some(audit),
        rate_limiter,
        requests: request_metrics.clone(),
    }));
    let (stopping, stopping_receiver) = tokio::sync::watch::channel(false);
    let traffic = NodeTraffic {
        accepted: crate::traffic::TrafficCounters::new(),
        dialled: crate::traffic::TrafficCounters::new(),
    };
    let acknowledged: crate::rpc::replication::AcknowledgedFrontiers = Default::default();
    let replicator = match (&security.membership, &security.client_tls) {
        (Some(membership), Some(client_tls)) => Some(Replicator::start(
            ledger.clone(),
            membership.clone(),
            client_tls.clone(),
            ReplicationOptions {
                fan_out: config.replication.fan_out,
                reconnect_max: Duration::from_secs(config.replication.reconnect_max_secs),
                rpc_timeout: Duration::from_secs(config.replication.connect_timeout_secs),
                keepalive: Duration::from_secs(config.replication.keepalive_secs),
                anti_entropy: Duration::from_secs(config.replication.anti_entropy_secs),
                source_address: config.replication.source_address,
                traffic: traffic.dialled.clone(),
                ..ReplicationOptions::default()
            },
        )?),
        _ => None,
    };
    let sync_source = match (&replicator, &security.membership) {
        (Some(replicator), Some(membership)) => Some(crate::replication::SyncSource {
            peers: replicator.statuses(),
            acknowledged: acknowledged.clone(),
            membership: membership.clone(),
        }),
        _ => None,
    };
    let metrics_addr = match config.metrics.listen {
        Some(address) => {
            let listener = crate::metrics::bind(address).await.map_err(|error| {
                NodeError::Server(format!(
                    "cannot listen for metrics on {address} ([metrics] listen): {error}"
                ))
            })?;
            let bound = listener.local_addr().map_err(|error| {
                NodeError::Server(format!("metrics listener on {address}: {error}"))
            })?;
            let metrics = Arc::new(crate::metrics::NodeMetrics::new(
                crate::metrics::MetricSources {
                    ledger: ledger.clone(),
                    sync: sync_source.clone(),
                    certificate_expiry: security.certificate_expiry.clone(),
                    accepted: traffic.accepted.clone(),
                    dialled: traffic.dialled.clone(),
                },
                &request_metrics,
            ));
            tokio::spawn(crate::metrics::serve(
                listener,
                metrics,
                stopping_receiver.clone(),
            ));
            tracing::info!(address = %bound, "metrics at http://{bound}/metrics");
            Some(bound)
        }
        None => None,
    };
    let member_source = match &security.membership {
        Some(membership) => crate::rpc::view::MemberSource::Membership(membership.clone()),
        None => crate::rpc::view::MemberSource::Defaults,
    };
    let router = tonic::transport::Server::builder()
        .timeout(config.handler_timeout())
        .concurrency_limit_per_connection(limits.concurrency_per_connection)
        .http2_keepalive_interval(Some(Duration::from_secs(limits.keepalive_interval_secs)))
        .http2_keepalive_timeout(Some(Duration::from_secs(limits.keepalive_timeout_secs)))
        .tcp_nodelay(true)
        .layer(gate)
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(
            crate::rpc::view::ViewService::new(
                ledger.clone(),
                member_source.clone(),
                sync_source.clone(),
            )
            .into_server(limits.max_message_bytes),
        )
        .add_service(
            crate::rpc::view::CoordinationService::new(ledger.clone(), member_source)
                .into_server(limits.max_message_bytes),
        )
        .add_service(
            ReportsService::new(ledger.clone(), stopping_receiver.clone(), sync_source)
                .into_server(limits.max_message_bytes),
        )
        .add_optional_service(security.membership.clone().map(|membership| {
            ReplicationService::new(
                ledger.clone(),
                membership,
                stopping_receiver.clone(),
                acknowledged.clone(),
            )
            .into_server(limits.max_message_bytes)
        }));

    let (shutdown_trigger, shutdown_signal) = oneshot::channel::<()>();
    let incoming = tls::incoming(
        listener,
        security.tls,
        AcceptOptions {
            handshake_timeout: Duration::from_secs(limits.handshake_timeout_secs),
            max_concurrent_handshakes: limits.max_concurrent_handshakes,
            traffic: traffic.accepted.clone(),
        },
    );
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
        reloadable,
        metrics_addr,
        traffic,
        ledger,
        replicator,
        stopping,
        shutdown: Some(shutdown_trigger),
        server,
        health,
        grace: Duration::from_secs(config.shutdown.grace_secs),
    })
}
