//! Node configuration: a TOML file whose every key has a documented default (see
//! `deploy/concord.example.toml`). The binary overlays environment variables and flags on
//! top; the library only takes values and never reads the environment itself.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Everything a node needs to start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NodeConfig {
    /// The member this node authors for (its code in the membership, e.g. "IOM").
    pub organization: String,
    /// Address the gRPC server listens on.
    pub listen: SocketAddr,
    /// The node's directory: the store lives in `store/`, the signing key in
    /// `signing.key` unless `signing_key_file` says otherwise.
    pub data_dir: PathBuf,
    /// The organization's Ed25519 signing key (hex). Created on first start, mode 0600;
    /// refused when readable by group or others. Empty: `<data_dir>/signing.key`.
    pub signing_key_file: Option<PathBuf>,
    /// Mutual TLS and membership. Without this section the node serves plaintext, on a
    /// loopback address only, for local experiments.
    pub tls: Option<TlsConfig>,
    /// Audit log of every write and every refused call (JSON lines). Empty:
    /// `<data_dir>/audit.log`.
    pub audit_log: Option<PathBuf>,
    /// Store sizing.
    pub store: StoreConfig,
    /// Sessions with peer nodes.
    pub replication: ReplicationConfig,
    /// Limits against overload and bad input.
    pub limits: LimitsConfig,
    /// Shutdown behaviour.
    pub shutdown: ShutdownConfig,
    /// Prometheus metrics endpoint.
    pub metrics: MetricsConfig,
}

/// `[metrics]`: the Prometheus endpoint (plain HTTP, `GET /metrics`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// Address to serve metrics on, apart from the gRPC port (for example
    /// `127.0.0.1:9464`, or a management network's address). Empty: no metrics endpoint.
    pub listen: Option<SocketAddr>,
}

/// `[tls]`: where the node's certificates and the membership file are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct TlsConfig {
    /// Directory written by `concord cert`: `ca.crt`, `node.<ORG>.crt`, `node.<ORG>.key`.
    pub certs_dir: Option<PathBuf>,
    /// The CA certificate (overrides `<certs_dir>/ca.crt`).
    pub ca_file: Option<PathBuf>,
    /// This node's certificate (overrides `<certs_dir>/node.<ORG>.crt`).
    pub cert_file: Option<PathBuf>,
    /// This node's key, mode 0600 (overrides `<certs_dir>/node.<ORG>.key`).
    pub key_file: Option<PathBuf>,
    /// The working group's membership file, the same on every node. Required.
    pub membership_file: PathBuf,
}

impl TlsConfig {
    fn file(&self, explicit: &Option<PathBuf>, name: String) -> Result<PathBuf, ConfigError> {
        match (explicit, &self.certs_dir) {
            (Some(path), _) => Ok(path.clone()),
            (None, Some(dir)) => Ok(dir.join(name)),
            (None, None) => Err(ConfigError::Invalid(format!(
                "tls: set certs_dir (or the file for {name} explicitly)"
            ))),
        }
    }

    /// The CA, certificate and key files for `organization`'s node.
    pub fn files(&self, organization: &str) -> Result<(PathBuf, PathBuf, PathBuf), ConfigError> {
        Ok((
            self.file(&self.ca_file, "ca.crt".into())?,
            self.file(&self.cert_file, format!("node.{organization}.crt"))?,
            self.file(&self.key_file, format!("node.{organization}.key"))?,
        ))
    }
}

/// `[replication]`: sessions with the other members' nodes (their endpoints come from the
/// membership file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReplicationConfig {
    /// Peers per node: 0 means every other member (full mesh, right for ~15 members); a
    /// number bounds it for large groups (relaying carries the rest).
    pub fan_out: usize,
    /// Longest wait between reconnection attempts, seconds (backoff starts at 0.2 s).
    pub reconnect_max_secs: u64,
    /// Deadline for connecting to a peer, seconds.
    pub connect_timeout_secs: u64,
    /// Keepalive ping interval on idle sessions, seconds (how soon a dead peer is noticed).
    pub keepalive_secs: u64,
    /// How often each session checks that nothing was missed, seconds (costs no traffic).
    pub anti_entropy_secs: u64,
    /// Local address to dial peers from (multi-homed servers; firewalls that allow one
    /// source address). None: the system chooses.
    pub source_address: Option<std::net::IpAddr>,
}

impl Default for ReplicationConfig {
    fn default() -> Self {
        ReplicationConfig {
            fan_out: 0,
            reconnect_max_secs: 30,
            connect_timeout_secs: 10,
            keepalive_secs: 60,
            anti_entropy_secs: 30,
            source_address: None,
        }
    }
}

/// `[store]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// sled's page cache, MiB. sled's own default (1 GiB) makes a node ~800 MiB; 64 MiB
    /// holds the hot part of ~100,000 reports.
    pub cache_mib: u64,
}

/// `[limits]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Largest request message accepted, bytes (tonic answers OUT_OF_RANGE above it).
    pub max_message_bytes: usize,
    /// Longest a unary call may run, seconds (the caller sees CANCELLED past it).
    pub handler_timeout_secs: u64,
    /// Concurrent requests per client connection.
    pub concurrency_per_connection: usize,
    /// HTTP/2 keepalive ping interval of accepted connections, seconds (dead clients are
    /// dropped; peer sessions are kept alive by the dialling side, `replication.keepalive_secs`).
    pub keepalive_interval_secs: u64,
    /// How long a keepalive ping may go unanswered, seconds.
    pub keepalive_timeout_secs: u64,
    /// A TLS handshake not finished by then is dropped, seconds (a silent client holds
    /// nothing else).
    pub handshake_timeout_secs: u64,
    /// TLS handshakes in progress at once.
    pub max_concurrent_handshakes: usize,
    /// Sustained calls per second one member may make (0: no limit).
    pub requests_per_second_per_member: f64,
    /// Calls a member may make at once above the sustained rate.
    pub request_burst_per_member: u32,
}

/// `[shutdown]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ShutdownConfig {
    /// How long in-flight calls get to finish after SIGTERM, seconds.
    pub grace_secs: u64,
}

impl Default for NodeConfig {
    fn default() -> Self {
        NodeConfig {
            organization: String::new(),
            listen: SocketAddr::from(([127, 0, 0, 1], 7400)),
            data_dir: PathBuf::from("concord-data"),
            signing_key_file: None,
            tls: None,
            audit_log: None,
            store: StoreConfig::default(),
            replication: ReplicationConfig::default(),
            limits: LimitsConfig::default(),
            shutdown: ShutdownConfig::default(),
            metrics: MetricsConfig::default(),
        }
    }
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig { cache_mib: 64 }
    }
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            max_message_bytes: 4 * 1024 * 1024,
            handler_timeout_secs: 30,
            concurrency_per_connection: 256,
            keepalive_interval_secs: 300,
            keepalive_timeout_secs: 20,
            handshake_timeout_secs: 10,
            max_concurrent_handshakes: 256,
            requests_per_second_per_member: 500.0,
            request_burst_per_member: 1000,
        }
    }
}

impl Default for ShutdownConfig {
    fn default() -> Self {
        ShutdownConfig { grace_secs: 10 }
    }
}

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read configuration file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML for this schema.
    #[error("configuration file {path} is invalid: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What and where.
        message: String,
    },
    /// A value is out of range.
    #[error("configuration: {0}")]
    Invalid(String),
}

impl NodeConfig {
    /// Reads a TOML configuration file (keys not given keep their defaults).
    pub fn load(path: &Path) -> Result<NodeConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        toml::from_str(&text).map_err(|error| ConfigError::Parse {
            path: path.to_path_buf(),
            message: error.to_string(),
        })
    }

    /// Checks the values that have no sensible default.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let organization = self.organization.trim();
        if organization.is_empty() {
            return Err(ConfigError::Invalid(
                "organization is not set: give the member code this node authors for \
                 (`organization = \"IOM\"`, CONCORD_ORG or --org)"
                    .into(),
            ));
        }
        if organization.len() > 64
            || !organization
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        {
            return Err(ConfigError::Invalid(format!(
                "organization {organization:?} must be 1-64 ASCII letters, digits, '-', '_' or '.'"
            )));
        }
        if self.store.cache_mib == 0 {
            return Err(ConfigError::Invalid(
                "store.cache_mib must be at least 1".into(),
            ));
        }
        if self.limits.max_message_bytes < 1024 {
            return Err(ConfigError::Invalid(
                "limits.max_message_bytes must be at least 1024".into(),
            ));
        }
        if let Some(tls) = &self.tls {
            if tls.membership_file.as_os_str().is_empty() {
                return Err(ConfigError::Invalid(
                    "tls.membership_file is not set: every node needs the working group's membership file"
                        .into(),
                ));
            }
            tls.files(organization)?;
        }
        let replication = &self.replication;
        if replication.reconnect_max_secs == 0
            || replication.connect_timeout_secs == 0
            || replication.keepalive_secs == 0
            || replication.anti_entropy_secs == 0
        {
            return Err(ConfigError::Invalid(
                "replication: every interval and time-out must be at least 1 second".into(),
            ));
        }
        if self.limits.handshake_timeout_secs == 0 || self.limits.max_concurrent_handshakes == 0 {
            return Err(ConfigError::Invalid(
                "limits.handshake_timeout_secs and limits.max_concurrent_handshakes must be at least 1"
                    .into(),
            ));
        }
        if self.limits.concurrency_per_connection == 0 || self.limits.handler_timeout_secs == 0 {
            return Err(ConfigError::Invalid(
                "limits.concurrency_per_connection and limits.handler_timeout_secs must be at least 1"
                    .into(),
            ));
        }
        Ok(())
    }

    /// Where the store lives.
    pub fn store_dir(&self) -> PathBuf {
        self.data_dir.join("store")
    }

    /// Where the signing key lives.
    pub fn signing_key_path(&self) -> PathBuf {
        self.signing_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("signing.key"))
    }

    /// Where the audit log goes.
    pub fn audit_log_path(&self) -> PathBuf {
        self.audit_log
            .clone()
            .unwrap_or_else(|| self.data_dir.join("audit.log"))
    }

    /// Handler time-out.
    pub fn handler_timeout(&self) -> Duration {
        Duration::from_secs(self.limits.handler_timeout_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_file_in_deploy_parses_and_matches_the_defaults_it_documents() {
        let text = include_str!("../deploy/concord.example.toml");
        let parsed: NodeConfig = toml::from_str(text).unwrap();
        let expected = NodeConfig {
            organization: "ESCAP".into(),
            listen: "0.0.0.0:7400".parse().unwrap(),
            data_dir: PathBuf::from("/var/lib/concord"),
            tls: Some(TlsConfig {
                certs_dir: Some(PathBuf::from("/etc/concord/certs")),
                membership_file: PathBuf::from("/etc/concord/membership.toml"),
                ..TlsConfig::default()
            }),
            ..NodeConfig::default()
        };
        assert_eq!(parsed, expected);
        parsed.validate().unwrap();
    }

    #[test]
    fn unknown_keys_and_missing_organization_are_refused() {
        assert!(toml::from_str::<NodeConfig>("organisation = \"IOM\"").is_err());
        let error = NodeConfig::default().validate().unwrap_err().to_string();
        assert!(error.contains("organization is not set"), "{error}");
        let bad = NodeConfig {
            organization: "IOM; drop".into(),
            ..NodeConfig::default()
        };
        assert!(bad.validate().is_err());
    }
}
