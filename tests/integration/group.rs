//! A test working group in a temporary directory: the group's CA, a node certificate and an
//! Ed25519 signing key for each member, the membership file, mutual-TLS nodes started
//! in-process on `127.0.0.1:0`, and the TLS material clients present.
//!
//! The group is "rtwg" with members ESCAP, IOM and ILO; ESCAP and IOM co-chair it. Every
//! certificate is made in-process with `concord::trust::certs`, so a test can also make the
//! ones a node must refuse (expired, foreign CA, zero or two URI SANs).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use concord::config::{NodeConfig, TlsConfig};
use concord::node::{NodeError, RunningNode};
use concord::rpc::client::ClientTls;
use concord::trust::certs::{Ca, LeafSpec, files, pem_to_der};
use concord::trust::identity::{Identity, fingerprint};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};

use crate::harness::PATIENCE;

/// The working group's name (the SPIFFE trust domain).
pub const GROUP: &str = "rtwg";
/// A member and co-chair.
pub const ESCAP: &str = "ESCAP";
/// A member and co-chair.
pub const IOM: &str = "IOM";
/// A member, not a co-chair.
pub const ILO: &str = "ILO";
/// Every member.
pub const MEMBERS: [&str; 3] = [ESCAP, IOM, ILO];
/// The co-chairs.
pub const CO_CHAIRS: [&str; 2] = [ESCAP, IOM];

/// The host every node certificate names and every client dials.
const HOST: &str = "127.0.0.1";

/// A working group on disk: `certs/` (CA and node certificates), `keys/<ORG>.key` (signing
/// keys), `membership.toml`, and `nodes/` for the nodes' data directories.
pub struct TestGroup {
    dir: tempfile::TempDir,
    ca: Ca,
}

impl TestGroup {
    /// Creates the CA, every member's node certificate (host 127.0.0.1) and signing key, and
    /// the membership file (no deny-list).
    pub fn new() -> TestGroup {
        let dir = tempfile::tempdir().expect("temporary directory");
        let certs_dir = dir.path().join("certs");
        let ca = Ca::create(&certs_dir, GROUP, 30).expect("create the CA");
        for organization in MEMBERS {
            ca.create_node(&certs_dir, organization, &[HOST.to_string()], 30)
                .expect("issue a node certificate");
        }
        let group = TestGroup { dir, ca };
        for organization in MEMBERS {
            concord::node::load_or_create_signing_key(&group.signing_key_file(organization))
                .expect("create a signing key");
        }
        group.write_membership(&[]);
        group
    }

    /// The group's CA (to issue further certificates).
    pub fn ca(&self) -> &Ca {
        &self.ca
    }

    /// The directory `concord cert` would have written.
    pub fn certs_dir(&self) -> PathBuf {
        self.dir.path().join("certs")
    }

    /// The membership file every node reads.
    pub fn membership_file(&self) -> PathBuf {
        self.dir.path().join("membership.toml")
    }

    /// `organization`'s Ed25519 signing key file.
    pub fn signing_key_file(&self, organization: &str) -> PathBuf {
        self.dir
            .path()
            .join("keys")
            .join(format!("{organization}.key"))
    }

    /// A fresh path under the group's directory (for extra keys and the like).
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `node.<ORG>.crt` and `node.<ORG>.key`.
    pub fn node_files(&self, organization: &str) -> (PathBuf, PathBuf) {
        let stem = files::node_stem(organization);
        (
            self.certs_dir().join(format!("{stem}.crt")),
            self.certs_dir().join(format!("{stem}.key")),
        )
    }

    /// (Re)writes the membership file: every member with its signing key, the co-chairs,
    /// and `deny_fingerprints`. Nodes read it when they start.
    pub fn write_membership(&self, deny_fingerprints: &[String]) {
        let quoted = |items: &[String]| {
            items
                .iter()
                .map(|item| format!("{item:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let co_chairs: Vec<String> = CO_CHAIRS.iter().map(|c| c.to_string()).collect();
        let mut text = format!(
            "group = {GROUP:?}\nco_chairs = [{}]\ndeny_fingerprints = [{}]\n",
            quoted(&co_chairs),
            quoted(deny_fingerprints)
        );
        for organization in MEMBERS {
            let key =
                concord::node::load_or_create_signing_key(&self.signing_key_file(organization))
                    .expect("read a signing key");
            text.push_str(&format!(
                "\n[[members]]\ncode = {organization:?}\nsigning_keys = [{:?}]\n",
                hex::encode(key.verifying_key().as_bytes())
            ));
        }
        std::fs::write(self.membership_file(), text).expect("write the membership file");
    }

    /// The configuration of `organization`'s node: mutual TLS with this group's files, its
    /// signing key, `127.0.0.1:0`, data in `nodes/<ORG>`, a small cache.
    pub fn config(&self, organization: &str) -> NodeConfig {
        let mut config = NodeConfig {
            organization: organization.to_string(),
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: self.dir.path().join("nodes").join(organization),
            signing_key_file: Some(self.signing_key_file(organization)),
            tls: Some(TlsConfig {
                certs_dir: Some(self.certs_dir()),
                membership_file: self.membership_file(),
                ..TlsConfig::default()
            }),
            ..NodeConfig::default()
        };
        config.store.cache_mib = 8;
        config.shutdown.grace_secs = 5;
        config
    }

    /// Starts `organization`'s node with [`TestGroup::config`]; panics if it does not start.
    pub async fn start(&self, organization: &str) -> GroupNode {
        self.start_with(self.config(organization)).await
    }

    /// Starts a node with `config`; panics if it does not start.
    pub async fn start_with(&self, config: NodeConfig) -> GroupNode {
        match try_start(config).await {
            Ok(node) => node,
            Err(error) => panic!("node did not start: {error}"),
        }
    }

    /// A client certificate for `spiffe://rtwg/org/<ORG>/client/<name>`, valid for 30 days.
    pub fn client_tls(&self, organization: &str, name: &str) -> ClientTls {
        self.tls_for(&LeafSpec::for_identity(
            &Identity::client(GROUP, organization, name),
            &[],
            30,
        ))
    }

    /// Client material made of exactly `spec`, issued by the group's CA.
    pub fn tls_for(&self, spec: &LeafSpec) -> ClientTls {
        let issued = self.ca.issue(spec).expect("issue a certificate");
        ClientTls {
            ca_pem: self.ca.certificate_pem().to_string(),
            certificate_pem: issued.certificate_pem,
            key_pem: issued.key_pem,
        }
    }

    /// `organization`'s node certificate and key, presented as a client.
    pub fn node_tls(&self, organization: &str) -> ClientTls {
        let (certificate, key) = self.node_files(organization);
        ClientTls {
            ca_pem: self.ca.certificate_pem().to_string(),
            certificate_pem: std::fs::read_to_string(certificate).expect("node certificate"),
            key_pem: std::fs::read_to_string(key).expect("node key"),
        }
    }
}

/// Starts a node with `config` on a listener bound to `config.listen`.
pub async fn try_start(config: NodeConfig) -> Result<GroupNode, NodeError> {
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .expect("bind the listen address");
    let node = concord::node::start(config.clone(), listener).await?;
    let addr = node.local_addr();
    Ok(GroupNode {
        node: Some(node),
        addr,
        endpoint: format!("https://{addr}"),
        config,
    })
}

/// Starts a node with `config` and returns why it refused to start (panics if it started).
pub async fn start_error(config: NodeConfig) -> String {
    match try_start(config).await {
        Ok(node) => {
            let addr = node.addr;
            node.shutdown().await;
            panic!("the node started on {addr}, but it should have refused to");
        }
        Err(error) => error.to_string(),
    }
}

/// A mutual-TLS node of the group, running in the test process.
pub struct GroupNode {
    node: Option<RunningNode>,
    /// Where it listens.
    pub addr: SocketAddr,
    /// `https://127.0.0.1:PORT`.
    pub endpoint: String,
    /// What it was started with (start it again with this to restart it).
    pub config: NodeConfig,
}

impl GroupNode {
    /// The node's audit log.
    pub fn audit_log(&self) -> PathBuf {
        self.config.audit_log_path()
    }

    /// A channel to the node presenting `tls`; connects on first use, so a refused
    /// handshake shows as the status of the first call.
    pub fn channel(&self, tls: &ClientTls) -> Channel {
        lazy_channel(&self.endpoint, Some(client_tls_config(tls)))
    }

    /// A channel presenting `tls`, connected now (panics if the connection fails).
    pub async fn connected_channel(&self, tls: &ClientTls) -> Channel {
        Endpoint::from_shared(self.endpoint.clone())
            .expect("endpoint")
            .tls_config(client_tls_config(tls))
            .expect("TLS configuration")
            .connect_timeout(Duration::from_secs(10))
            .connect()
            .await
            .unwrap_or_else(|error| panic!("cannot connect to {}: {error:?}", self.endpoint))
    }

    /// Re-reads certificates and membership (what SIGHUP does to `concord node`).
    pub fn reload(&self) -> Result<concord::node::Reloaded, NodeError> {
        self.node.as_ref().expect("running").reload()
    }

    /// Graceful shutdown; fails the test if the node does not stop cleanly.
    pub async fn shutdown(mut self) -> NodeConfig {
        let node = self.node.take().expect("running");
        tokio::time::timeout(PATIENCE, node.shutdown())
            .await
            .expect("node stops within the deadline")
            .expect("node stops cleanly");
        self.config.clone()
    }
}

/// Client TLS trusting `tls.ca_pem` and presenting `tls`'s certificate, for host 127.0.0.1.
pub fn client_tls_config(tls: &ClientTls) -> ClientTlsConfig {
    ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(&tls.ca_pem))
        .identity(tonic::transport::Identity::from_pem(
            &tls.certificate_pem,
            &tls.key_pem,
        ))
        .domain_name(HOST)
}

/// Client TLS that trusts the group's CA but presents no certificate at all.
pub fn anonymous_tls_config(ca_pem: &str) -> ClientTlsConfig {
    ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(ca_pem))
        .domain_name(HOST)
}

/// A channel to `endpoint` that connects on first use.
pub fn lazy_channel(endpoint: &str, tls: Option<ClientTlsConfig>) -> Channel {
    let mut builder = Endpoint::from_shared(endpoint.to_string()).expect("endpoint");
    if let Some(tls) = tls {
        builder = builder.tls_config(tls).expect("TLS configuration");
    }
    builder
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        .connect_lazy()
}

/// SHA-256 of the certificate in `tls` (what a deny-list names).
pub fn fingerprint_of(tls: &ClientTls) -> String {
    fingerprint(&pem_to_der(&tls.certificate_pem).expect("PEM certificate"))
}

/// The audit log's records so far (a missing file has none).
pub fn audit_records(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|error| panic!("audit line {line:?} is not JSON: {error}"))
        })
        .collect()
}

/// Waits until the audit log at `path` has a record for which `matches` holds, and returns
/// it; panics naming `what` after [`PATIENCE`].
pub async fn wait_for_audit(
    path: &Path,
    what: &str,
    matches: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let give_up = Instant::now() + PATIENCE;
    let mut pause = Duration::from_millis(2);
    loop {
        let records = audit_records(path);
        if let Some(record) = records.iter().find(|record| matches(record)) {
            return record.clone();
        }
        assert!(
            Instant::now() < give_up,
            "gave up after {PATIENCE:?} waiting for an audit record of {what}; the log has:\n{}",
            records
                .iter()
                .map(|r| r.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        );
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(100));
    }
}

/// A string field of an audit record ("" when absent).
pub fn field<'a>(record: &'a serde_json::Value, name: &str) -> &'a str {
    record.get(name).and_then(|v| v.as_str()).unwrap_or("")
}
