//! The gate: one tower layer in front of every gRPC service of a node. For each call it reads
//! the caller's identity from the TLS peer certificate (never from the request), checks it
//! against the membership, decides whether that identity may call that method, applies the
//! per-member rate limit, writes the decision to the audit log, and either passes the call on
//! (with the [`Caller`] in the request's extensions) or answers with the status a caller must
//! see: UNAUTHENTICATED for unusable identities, PERMISSION_DENIED for known identities
//! without the right, RESOURCE_EXHAUSTED past the rate limit.
//!
//! Rights, by method:
//! - writes of the client API (`Submit`, `Revise`, `Withdraw`): a client certificate of the
//!   node's own organization;
//! - node-to-node services (`concord.v1.Replication`): node certificates of any member;
//! - co-chair actions (`concord.v1.Coordination`): certificates of a co-chair organization;
//! - everything else (reads, health, reflection): any member's certificate.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex, RwLock};
use std::task::{Context, Poll};
use std::time::Instant;

use tonic::Status;
use tonic::codegen::http;

use super::identity::{Identity, fingerprint};
use super::membership::Membership;
use super::tls::PeerInfo;

/// Who is calling, as the gate established it. Handlers find it in the request extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The identity from the certificate (or the local identity in plaintext mode).
    pub identity: Identity,
    /// SHA-256 of the caller's certificate (empty in plaintext mode).
    pub fingerprint: String,
    /// The caller's address.
    pub remote_addr: Option<SocketAddr>,
}

/// What kind of right a method needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Right {
    /// Any member's identity.
    Member,
    /// A client of the node's own organization.
    OwnClient,
    /// A node certificate.
    Node,
    /// A co-chair organization's certificate.
    CoChair,
}

/// The right a gRPC method path needs.
pub fn right_for(path: &str) -> Right {
    match path {
        "/concord.v1.Reports/Submit"
        | "/concord.v1.Reports/Revise"
        | "/concord.v1.Reports/Withdraw" => Right::OwnClient,
        _ if path.starts_with("/concord.v1.Replication/") => Right::Node,
        _ if path.starts_with("/concord.v1.Coordination/") => Right::CoChair,
        _ => Right::Member,
    }
}

/// Where identities come from.
pub enum Authentication {
    /// Mutual TLS: identities from certificates, checked against the membership.
    MutualTls {
        /// The membership in force (replaced on reload).
        membership: Arc<RwLock<Arc<Membership>>>,
    },
    /// Plaintext on loopback, for local experiments: every caller acts as a client of the
    /// node's own organization.
    PlaintextLoopback {
        /// The working group's name (for the local identity).
        group: String,
    },
}

/// One audit record: who, what, the decision and why.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditRecord {
    /// RFC 3339 time.
    pub time: String,
    /// "allow" or "deny".
    pub decision: &'static str,
    /// The gRPC method.
    pub method: String,
    /// The caller's identity URI, when one could be read.
    pub identity: String,
    /// The caller's certificate fingerprint.
    pub fingerprint: String,
    /// The caller's address.
    pub peer: String,
    /// The status code for a denial.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub code: String,
    /// Why.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

/// The audit log: JSON lines appended to a file by a background task.
pub struct AuditLog {
    sender: tokio::sync::mpsc::UnboundedSender<AuditRecord>,
}

impl AuditLog {
    /// Appends to `path` (created with mode 0600 when missing).
    pub fn open(path: &Path) -> std::io::Result<AuditLog> {
        use std::io::Write;
        let mut options = std::fs::OpenOptions::new();
        options.append(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(path)?;
        let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel::<AuditRecord>();
        std::thread::Builder::new()
            .name("concord-audit".into())
            .spawn(move || {
                while let Some(record) = receiver.blocking_recv() {
                    let mut batch = vec![record];
                    while let Ok(more) = receiver.try_recv() {
                        batch.push(more);
                    }
                    let mut text = String::new();
                    for record in &batch {
                        if let Ok(line) = serde_json::to_string(record) {
                            text.push_str(&line);
                            text.push('\n');
                        }
                    }
                    if let Err(error) = file.write_all(text.as_bytes()).and_then(|()| file.flush())
                    {
                        tracing::error!(%error, "cannot write the audit log");
                    }
                }
            })?;
        Ok(AuditLog { sender })
    }

    /// Records one decision (also to the node's log).
    pub fn record(&self, record: AuditRecord) {
        if record.decision == "deny" {
            tracing::warn!(
                method = %record.method,
                identity = %record.identity,
                peer = %record.peer,
                reason = %record.reason,
                "call refused"
            );
        }
        let _ = self.sender.send(record);
    }
}

/// Per-member token buckets.
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    /// `per_second` sustained, `burst` at once; 0 disables the limit.
    pub fn new(per_second: f64, burst: f64) -> RateLimiter {
        RateLimiter {
            per_second,
            burst: burst.max(1.0),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `member`; false when none is left.
    pub fn admit(&self, member: &str) -> bool {
        self.admit_at(member, Instant::now())
    }

    fn admit_at(&self, member: &str, now: Instant) -> bool {
        if self.per_second <= 0.0 {
            return true;
        }
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (tokens, last) = buckets
            .entry(member.to_string())
            .or_insert((self.burst, now));
        *tokens =
            (*tokens + now.duration_since(*last).as_secs_f64() * self.per_second).min(self.burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Everything the gate decides with.
pub struct GatePolicy {
    /// Where identities come from.
    pub authentication: Authentication,
    /// The organization this node authors for.
    pub node_organization: String,
    /// Where decisions are recorded.
    pub audit: Option<AuditLog>,
    /// Per-member request rate.
    pub rate_limiter: RateLimiter,
    /// Calls counted by method and outcome, with their latency.
    pub requests: Arc<crate::metrics::RequestMetrics>,
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

impl GatePolicy {
    /// Decides one call.
    pub fn admit(&self, path: &str, peer: Option<&PeerInfo>) -> Result<Caller, Status> {
        let remote_addr = peer.and_then(|p| p.remote_addr);
        let mut record = AuditRecord {
            time: now_rfc3339(),
            decision: "deny",
            method: path.to_string(),
            identity: String::new(),
            fingerprint: String::new(),
            peer: remote_addr.map(|a| a.to_string()).unwrap_or_default(),
            code: String::new(),
            reason: String::new(),
        };
        let outcome = self.decide(path, peer, remote_addr, &mut record);
        match &outcome {
            Ok(_) => {
                record.decision = "allow";
                // Reads are not audited one by one; every write and every denial is.
                if right_for(path) != Right::Member
                    && let Some(audit) = &self.audit
                {
                    audit.record(record);
                }
            }
            Err(status) => {
                record.code = crate::rpc::client::code_name(status.code()).to_string();
                record.reason = status.message().to_string();
                if let Some(audit) = &self.audit {
                    audit.record(record);
                } else {
                    tracing::warn!(method = path, reason = status.message(), "call refused");
                }
            }
        }
        outcome
    }

    fn identify(
        &self,
        peer: Option<&PeerInfo>,
        remote_addr: Option<SocketAddr>,
        record: &mut AuditRecord,
    ) -> Result<(Caller, Option<Arc<Membership>>), Status> {
        match &self.authentication {
            Authentication::PlaintextLoopback { group } => Ok((
                Caller {
                    identity: Identity::client(group, &self.node_organization, "local"),
                    fingerprint: String::new(),
                    remote_addr,
                },
                None,
            )),
            Authentication::MutualTls { membership } => {
                let membership = membership
                    .read()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .clone();
                let leaf = peer
                    .and_then(|p| p.certificates.as_ref())
                    .and_then(|chain| chain.first())
                    .ok_or_else(|| Status::unauthenticated("no client certificate"))?;
                let fingerprint = fingerprint(leaf);
                record.fingerprint = fingerprint.clone();
                let identity = Identity::from_certificate(leaf)
                    .map_err(|error| Status::unauthenticated(error.to_string()))?;
                record.identity = identity.uri();
                if membership.is_denied(&fingerprint) {
                    return Err(Status::unauthenticated(format!(
                        "certificate {fingerprint} is on the working group's deny-list"
                    )));
                }
                if identity.group != membership.group() {
                    return Err(Status::unauthenticated(format!(
                        "certificate is for working group {:?}, this node belongs to {:?}",
                        identity.group,
                        membership.group()
                    )));
                }
                if membership.member(&identity.organization).is_none() {
                    return Err(Status::unauthenticated(format!(
                        "{} is not a member of the working group",
                        identity.organization
                    )));
                }
                Ok((
                    Caller {
                        identity,
                        fingerprint,
                        remote_addr,
                    },
                    Some(membership),
                ))
            }
        }
    }

    fn decide(
        &self,
        path: &str,
        peer: Option<&PeerInfo>,
        remote_addr: Option<SocketAddr>,
        record: &mut AuditRecord,
    ) -> Result<Caller, Status> {
        let (caller, membership) = self.identify(peer, remote_addr, record)?;
        record.identity = caller.identity.uri();
        let identity = &caller.identity;
        match right_for(path) {
            Right::Member => {}
            Right::OwnClient => {
                if identity.is_node() {
                    return Err(Status::permission_denied(
                        "node certificates cannot author reports; use a client certificate",
                    ));
                }
                if identity.organization != self.node_organization {
                    return Err(Status::permission_denied(format!(
                        "{} may write only {}'s reports at {}'s own node; this is {}'s node",
                        identity,
                        identity.organization,
                        identity.organization,
                        self.node_organization
                    )));
                }
            }
            Right::Node => {
                if !identity.is_node() {
                    return Err(Status::permission_denied(
                        "only node certificates may use node-to-node services",
                    ));
                }
            }
            Right::CoChair => {
                let is_co_chair = membership
                    .as_ref()
                    .is_some_and(|m| m.is_co_chair(&identity.organization));
                if !is_co_chair {
                    return Err(Status::permission_denied(format!(
                        "{} is not a co-chair of the working group",
                        identity.organization
                    )));
                }
                // A co-chair's decision is an entry of its own log: only its own node
                // authors it, for its own people.
                if identity.is_node() || identity.organization != self.node_organization {
                    return Err(Status::permission_denied(format!(
                        "{identity} records co-chair decisions with a client certificate at {}'s own node; this is {}'s node",
                        identity.organization, self.node_organization
                    )));
                }
            }
        }
        if !self.rate_limiter.admit(&identity.organization) {
            return Err(Status::resource_exhausted(format!(
                "{} is over its request rate; retry shortly",
                identity.organization
            )));
        }
        Ok(caller)
    }
}

/// The tower layer that puts a [`Gate`] in front of a service.
#[derive(Clone)]
pub struct GateLayer {
    policy: Arc<GatePolicy>,
}

impl GateLayer {
    /// A layer deciding with `policy`.
    pub fn new(policy: Arc<GatePolicy>) -> GateLayer {
        GateLayer { policy }
    }
}

impl<S> tower::Layer<S> for GateLayer {
    type Service = Gate<S>;

    fn layer(&self, inner: S) -> Gate<S> {
        Gate {
            inner,
            policy: self.policy.clone(),
        }
    }
}

/// The gate in front of one service (see the module documentation).
#[derive(Clone)]
pub struct Gate<S> {
    inner: S,
    policy: Arc<GatePolicy>,
}

/// The gRPC status a response carries in its headers (a "trailers-only" error), or OK:
/// a successful call sends its status in the trailers, after the body.
fn response_code<B>(response: &http::Response<B>) -> tonic::Code {
    response
        .headers()
        .get("grpc-status")
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.parse::<i32>().ok())
        .map_or(tonic::Code::Ok, tonic::Code::from_i32)
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

impl<S, RequestBody> tower::Service<http::Request<RequestBody>> for Gate<S>
where
    S: tower::Service<http::Request<RequestBody>, Response = http::Response<tonic::body::Body>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    RequestBody: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<Result<S::Response, S::Error>>;

    fn poll_ready(&mut self, context: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(context)
    }

    fn call(&mut self, mut request: http::Request<RequestBody>) -> Self::Future {
        let started = std::time::Instant::now();
        let method = request.uri().path().to_string();
        let requests = self.policy.requests.clone();
        let peer = request.extensions().get::<PeerInfo>().cloned();
        match self.policy.admit(&method, peer.as_ref()) {
            Ok(caller) => {
                request.extensions_mut().insert(caller);
                // The clone that was made ready is the one that must serve the call.
                let ready = self.inner.clone();
                let mut inner = std::mem::replace(&mut self.inner, ready);
                let call = inner.call(request);
                Box::pin(async move {
                    let response = call.await;
                    if let Ok(response) = &response {
                        requests.record(&method, response_code(response), started.elapsed());
                    }
                    response
                })
            }
            Err(status) => {
                requests.record(&method, status.code(), started.elapsed());
                Box::pin(async move { Ok(status.into_http()) })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_need_the_right_rights() {
        assert_eq!(right_for("/concord.v1.Reports/Submit"), Right::OwnClient);
        assert_eq!(right_for("/concord.v1.Reports/List"), Right::Member);
        assert_eq!(right_for("/grpc.health.v1.Health/Check"), Right::Member);
        assert_eq!(right_for("/concord.v1.Replication/Sync"), Right::Node);
        assert_eq!(right_for("/concord.v1.Coordination/Review"), Right::CoChair);
    }

    #[test]
    fn the_rate_limit_refills_over_time() {
        let limiter = RateLimiter::new(100.0, 2.0);
        let start = Instant::now();
        assert!(limiter.admit_at("IOM", start));
        assert!(limiter.admit_at("IOM", start));
        assert!(!limiter.admit_at("IOM", start));
        assert!(limiter.admit_at("ILO", start), "buckets are per member");
        let later = start + std::time::Duration::from_millis(10);
        assert!(
            limiter.admit_at("IOM", later),
            "one token back after 10 ms at 100/s"
        );
        assert!(!limiter.admit_at("IOM", later));
        assert!(RateLimiter::new(0.0, 0.0).admit("anyone"));
    }
}
