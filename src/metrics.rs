//! Prometheus metrics, served over plain HTTP on an address of their own.
//!
//! Everything here is read at scrape time from the state the node already keeps (the
//! durable frontier, the replicator's peer sessions, the acknowledged frontiers, the store,
//! the traffic counters), through one [`Collector`]: a metric can never drift from what
//! `concord status` shows, and nothing on the write path pays for metrics. The figures are
//! the same as the `SyncStatus` RPC's, computed by the same function
//! ([`crate::replication::log_sync`]).
//!
//! The endpoint is off unless `[metrics] listen` is set. It answers `GET /metrics` only,
//! carries no report content (organization codes, counts and times only), and sits on its
//! own address so operators can keep it on a management network, away from the gRPC port.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Method, Request, Response, StatusCode};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::Registry;

use crate::ledger::Ledger;
use crate::replication::{PeerState, SyncSource, log_sync};
use crate::traffic::TrafficCounters;

/// The content type of the OpenMetrics text format.
const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// How long one scrape connection may stay open: a scraper that stalls cannot hold a task.
const CONNECTION_DEADLINE: Duration = Duration::from_secs(30);

/// What a node exposes to Prometheus.
pub struct NodeMetrics {
    registry: Registry,
}

/// Labels of a request count: the gRPC method path and the status code name.
#[derive(Clone, Debug, Hash, PartialEq, Eq, prometheus_client::encoding::EncodeLabelSet)]
struct RequestLabels {
    method: String,
    code: String,
}

/// Label of a latency histogram: the gRPC method path.
#[derive(Clone, Debug, Hash, PartialEq, Eq, prometheus_client::encoding::EncodeLabelSet)]
struct MethodLabel {
    method: String,
}

/// Calls served, by method and outcome, and how long they took: recorded by the gate in
/// front of every service (`trust::gate`), refused calls included.
#[derive(Debug)]
pub struct RequestMetrics {
    requests: prometheus_client::metrics::family::Family<
        RequestLabels,
        prometheus_client::metrics::counter::Counter,
    >,
    durations: prometheus_client::metrics::family::Family<
        MethodLabel,
        prometheus_client::metrics::histogram::Histogram,
    >,
}

impl Default for RequestMetrics {
    fn default() -> Self {
        RequestMetrics {
            requests: Default::default(),
            durations: prometheus_client::metrics::family::Family::new_with_constructor(|| {
                // 250 µs to about 65 s, doubling.
                prometheus_client::metrics::histogram::Histogram::new(
                    prometheus_client::metrics::histogram::exponential_buckets(0.000_25, 2.0, 19),
                )
            }),
        }
    }
}

impl RequestMetrics {
    /// Counts one call of `method` that ended with `code` after `elapsed`. For streaming
    /// calls, `elapsed` is the time to the response headers and `code` the status known
    /// then (an error after the stream began is in the node's log, not here).
    pub fn record(&self, method: &str, code: tonic::Code, elapsed: Duration) {
        let code = format!("{code:?}");
        self.requests
            .get_or_create(&RequestLabels {
                method: method.to_string(),
                code,
            })
            .inc();
        self.durations
            .get_or_create(&MethodLabel {
                method: method.to_string(),
            })
            .observe(elapsed.as_secs_f64());
    }
}

/// Where the node's figures come from.
#[derive(Clone)]
pub struct MetricSources {
    /// The node's ledger (durable frontier, store).
    pub ledger: Arc<Ledger>,
    /// Replication state; `None` for a standalone node.
    pub sync: Option<SyncSource>,
    /// When the node certificate expires (Unix seconds; 0 without TLS). Updated on reload.
    pub certificate_expiry: Arc<std::sync::atomic::AtomicI64>,
    /// Bytes on connections this node accepted.
    pub accepted: Arc<TrafficCounters>,
    /// Bytes on connections this node dialled to its peers.
    pub dialled: Arc<TrafficCounters>,
}

impl NodeMetrics {
    /// Metrics read from `sources` at every scrape, and the calls `requests` counted.
    pub fn new(sources: MetricSources, requests: &RequestMetrics) -> NodeMetrics {
        let mut registry = Registry::default();
        registry.register_collector(Box::new(NodeCollector { sources }));
        registry.register(
            "concord_requests",
            "gRPC calls by method and status code (refused calls included)",
            requests.requests.clone(),
        );
        registry.register(
            "concord_request_duration_seconds",
            "Time to answer a gRPC call (to the response headers for streams), by method",
            requests.durations.clone(),
        );
        NodeMetrics { registry }
    }

    /// The OpenMetrics text of every metric, as a scrape returns it.
    pub fn render(&self) -> String {
        let mut text = String::new();
        // Encoding into a String cannot fail except through a collector bug; an empty
        // answer is better than a panicking node.
        if let Err(error) = prometheus_client::encoding::text::encode(&mut text, &self.registry) {
            tracing::error!(%error, "encoding metrics failed");
        }
        text
    }
}

struct NodeCollector {
    sources: MetricSources,
}

impl std::fmt::Debug for NodeCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeCollector")
            .field("organization", &self.sources.ledger.organization())
            .finish()
    }
}

/// Writes one metric family: `samples` are (label pairs, value).
fn family<V: Copy>(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    metric_type: MetricType,
    samples: &[(Vec<(&'static str, String)>, V)],
    encode: impl Fn(V, prometheus_client::encoding::MetricEncoder) -> Result<(), std::fmt::Error>,
) -> Result<(), std::fmt::Error> {
    let mut metric = encoder.encode_descriptor(name, help, None, metric_type)?;
    for (labels, value) in samples {
        encode(*value, metric.encode_family(labels)?)?;
    }
    Ok(())
}

fn gauges<V: Copy + prometheus_client::encoding::EncodeGaugeValue>(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    samples: &[(Vec<(&'static str, String)>, V)],
) -> Result<(), std::fmt::Error> {
    family(encoder, name, help, MetricType::Gauge, samples, |v, e| {
        ConstGauge::new(v).encode(e)
    })
}

fn counters<V: Copy + prometheus_client::encoding::EncodeCounterValue>(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    samples: &[(Vec<(&'static str, String)>, V)],
) -> Result<(), std::fmt::Error> {
    family(encoder, name, help, MetricType::Counter, samples, |v, e| {
        ConstCounter::new(v).encode(e)
    })
}

fn unlabelled<V>(value: V) -> Vec<(Vec<(&'static str, String)>, V)> {
    vec![(Vec::new(), value)]
}

fn by_organization<V>(organization: &str, value: V) -> (Vec<(&'static str, String)>, V) {
    (vec![("organization", organization.to_string())], value)
}

impl Collector for NodeCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let ledger = &self.sources.ledger;
        let e = &mut encoder;
        gauges(
            e,
            "concord_node_recovering",
            "1 while the node recovers its own organization's log from peers and refuses to author",
            &unlabelled(i64::from(ledger.is_recovering())),
        )?;
        gauges(
            e,
            "concord_store_size_bytes",
            "Bytes the node's store takes on disk",
            &unlabelled(ledger.store().size_on_disk()),
        )?;
        gauges(
            e,
            "concord_reports",
            "Reports held (every organization's, withdrawn ones included)",
            &unlabelled(ledger.store().report_count().unwrap_or(0)),
        )?;

        let expiry = self
            .sources
            .certificate_expiry
            .load(std::sync::atomic::Ordering::Acquire);
        if expiry > 0 {
            gauges(
                e,
                "concord_certificate_expiry_timestamp_seconds",
                "When the node's TLS certificate expires (Unix seconds): alert well before",
                &unlabelled(expiry),
            )?;
        }
        let logs = match &self.sources.sync {
            Some(sync) => log_sync(ledger, sync),
            None => ledger
                .durable_frontier()
                .borrow()
                .iter()
                .map(|(organization, head)| crate::replication::LogSync {
                    organization: organization.clone(),
                    local_sequence: head.sequence,
                    highest_sequence_seen: head.sequence,
                    lag_entries: 0,
                    lag_seconds: 0.0,
                    delivered_to_every_member: head.sequence,
                    quarantined_at: None,
                })
                .collect(),
        };
        let per_log = |value: &dyn Fn(&crate::replication::LogSync) -> u64| {
            logs.iter()
                .map(|log| by_organization(&log.organization, value(log)))
                .collect::<Vec<_>>()
        };
        gauges(
            e,
            "concord_log_local_sequence",
            "Durable head of each organization's log at this node",
            &per_log(&|log| log.local_sequence),
        )?;
        gauges(
            e,
            "concord_log_highest_sequence_seen",
            "Highest head of each organization's log any peer is known to hold",
            &per_log(&|log| log.highest_sequence_seen),
        )?;
        gauges(
            e,
            "concord_sync_lag_entries",
            "Entries of each organization's log this node is behind the highest head seen",
            &per_log(&|log| log.lag_entries),
        )?;
        gauges(
            e,
            "concord_sync_lag_seconds",
            "Seconds (author's clock) between this node's head and the highest head seen, per organization",
            &logs
                .iter()
                .map(|log| by_organization(&log.organization, log.lag_seconds))
                .collect::<Vec<_>>(),
        )?;
        gauges(
            e,
            "concord_log_delivered_to_every_member",
            "Highest entry of each organization's log that every member acknowledged holding",
            &per_log(&|log| log.delivered_to_every_member),
        )?;
        gauges(
            e,
            "concord_log_quarantined",
            "1 when an organization's log is quarantined after a fork",
            &per_log(&|log| u64::from(log.quarantined_at.is_some())),
        )?;

        if let Some(sync) = &self.sources.sync {
            let peers = sync
                .peers
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .clone();
            let per_peer = |value: &dyn Fn(&crate::replication::PeerStatus) -> i64| {
                peers
                    .iter()
                    .map(|peer| (vec![("peer", peer.organization.clone())], value(peer)))
                    .collect::<Vec<_>>()
            };
            gauges(
                e,
                "concord_peers",
                "Peers this node keeps a replication session with",
                &unlabelled(peers.len() as i64),
            )?;
            gauges(
                e,
                "concord_peers_up",
                "Peers with a live replication session",
                &unlabelled(
                    peers
                        .iter()
                        .filter(|peer| peer.state == PeerState::Connected)
                        .count() as i64,
                ),
            )?;
            gauges(
                e,
                "concord_peer_up",
                "1 while the replication session with a peer is live",
                &per_peer(&|peer| i64::from(peer.state == PeerState::Connected)),
            )?;
            gauges(
                e,
                "concord_peer_last_heard_timestamp_seconds",
                "When anything last arrived from a peer (Unix seconds; 0 if never)",
                &per_peer(&|peer| peer.last_heard_ms / 1000),
            )?;
            gauges(
                e,
                "concord_peer_membership_matches",
                "1 when a peer's membership file is the same as this node's, 0 when it differs, -1 until it said",
                &per_peer(&|peer| match peer.same_membership {
                    Some(true) => 1,
                    Some(false) => 0,
                    None => -1,
                }),
            )?;
            counters(
                e,
                "concord_peer_entries_applied",
                "Entries applied from a peer since the node started",
                &peers
                    .iter()
                    .map(|peer| {
                        (
                            vec![("peer", peer.organization.clone())],
                            peer.entries_applied,
                        )
                    })
                    .collect::<Vec<_>>(),
            )?;
        }

        let mut traffic = Vec::new();
        for (side, counters) in [
            ("accepted", &self.sources.accepted),
            ("dialled", &self.sources.dialled),
        ] {
            let snapshot = counters.snapshot();
            traffic.push((
                vec![("side", side.to_string()), ("direction", "in".to_string())],
                snapshot.bytes_in,
            ));
            traffic.push((
                vec![("side", side.to_string()), ("direction", "out".to_string())],
                snapshot.bytes_out,
            ));
        }
        counters(
            e,
            "concord_network_bytes",
            "Bytes on the node's connections (under TLS), by who opened them and direction",
            &traffic,
        )?;
        Ok(())
    }
}

/// Serves `GET /metrics` on `listener` until `stopping` turns true.
pub async fn serve(
    listener: tokio::net::TcpListener,
    metrics: Arc<NodeMetrics>,
    mut stopping: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stopping.wait_for(|stop| *stop) => return,
        };
        let (stream, _) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of file descriptors and the like: say so, breathe, go on.
                tracing::warn!(%error, "metrics endpoint: accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let metrics = metrics.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request: Request<_>| {
                let metrics = metrics.clone();
                async move { Ok::<_, std::convert::Infallible>(answer(&request, &metrics)) }
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            let _ = tokio::time::timeout(CONNECTION_DEADLINE, connection).await;
        });
    }
}

fn answer<B>(request: &Request<B>, metrics: &NodeMetrics) -> Response<Full<Bytes>> {
    let (status, content_type, body) = match (request.method(), request.uri().path()) {
        (&Method::GET, "/metrics") => (StatusCode::OK, CONTENT_TYPE, metrics.render()),
        (_, "/metrics") => (
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain; charset=utf-8",
            "only GET /metrics\n".to_string(),
        ),
        _ => (
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            "metrics are at /metrics\n".to_string(),
        ),
    };
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    if let Ok(value) = hyper::header::HeaderValue::from_str(content_type) {
        response
            .headers_mut()
            .insert(hyper::header::CONTENT_TYPE, value);
    }
    response
}

/// Binds the metrics address (a clear error naming it if it is taken).
pub async fn bind(address: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(address).await
}
