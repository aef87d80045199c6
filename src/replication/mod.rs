//! Replication: keeping every organization's log on every node.
//!
//! Each node keeps one session open with each of its peers (every other member by default;
//! a bounded fan-out for large groups, see [`choose_peers`]). A session is one `Pull`
//! stream with `follow`: the node states its durable frontier, the peer answers with its own
//! frontier, streams every entry after ours for every organization it holds, says when it
//! has caught up, and then keeps streaming entries as they become durable on its side. Since
//! every node does this with every peer, a new entry reaches connected peers as soon as it
//! is durable at its author (push latency), and a reconnecting node gets everything it
//! missed (anti-entropy), from whichever peer has it (relay).
//!
//! Every received entry goes through [`Ledger::ingest_batch`]: verified against its
//! author's key, applied in order, duplicates dropped, gaps and forks refused (forks
//! quarantine the organization). A session that sees anything but success or duplicates is
//! closed and reopened after backoff, restating the frontier, so nothing is skipped.
//!
//! Amnesia: a node whose store is new or restored does not author until its peers have
//! streamed it everything they hold, its own organization's entries included
//! ([`Ledger::finish_recovery`]): every peer when some peer holds entries of its
//! organization (it lost a history), a majority when none of them does (a new member or a
//! new group). If a peer is gone for good, only an operator's explicit `concord store
//! new-writer-epoch` lets it author without that peer.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::ledger::{IngestOutcome, IngestRejection, Ledger, LedgerError};
use crate::log::Frontier;
use crate::rpc::client::ClientTls;
use crate::rpc::peer::{PeerClient, PullEvent};
use crate::trust::membership::Membership;

/// Tuning of the replication driver.
#[derive(Debug, Clone)]
pub struct ReplicationOptions {
    /// Peers per node; 0 means every other member (full mesh).
    pub fan_out: usize,
    /// First reconnect delay after a failed session.
    pub reconnect_min: Duration,
    /// Longest reconnect delay.
    pub reconnect_max: Duration,
    /// Connect and unary-call deadline.
    pub rpc_timeout: Duration,
    /// HTTP/2 keepalive ping interval on idle sessions (detects dead peers).
    pub keepalive: Duration,
    /// How often a session checks that nothing was missed (no traffic on the wire).
    pub anti_entropy: Duration,
    /// Batch size asked of peers, bytes.
    pub max_batch_bytes: u32,
    /// Local address to dial peers from.
    pub source_address: Option<std::net::IpAddr>,
    /// Where the bytes of the connections dialled to peers are counted.
    pub traffic: Arc<crate::traffic::TrafficCounters>,
}

impl Default for ReplicationOptions {
    fn default() -> Self {
        ReplicationOptions {
            fan_out: 0,
            reconnect_min: Duration::from_millis(200),
            reconnect_max: Duration::from_secs(30),
            rpc_timeout: Duration::from_secs(10),
            keepalive: Duration::from_secs(60),
            anti_entropy: Duration::from_secs(30),
            max_batch_bytes: 1024 * 1024,
            source_address: None,
            traffic: crate::traffic::TrafficCounters::new(),
        }
    }
}

/// A peer to keep a session with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    /// Its organization.
    pub organization: String,
    /// Where to dial it.
    pub endpoint: String,
}

/// The peers of `organization`: every other member with an endpoint, or with `fan_out > 0`
/// the members at distances 1, 2, 4, 8, ... after it on the ring of member codes (then the
/// nearest others until `fan_out` are chosen). Every node choosing this way gives a
/// connected graph whose diameter grows with the logarithm of the membership, so relaying
/// reaches everyone in a few hops while each node keeps `fan_out` sessions.
pub fn choose_peers(organization: &str, membership: &Membership, fan_out: usize) -> Vec<Peer> {
    let mut ring: Vec<&str> = membership
        .file()
        .members
        .iter()
        .map(|m| m.code.as_str())
        .collect();
    ring.sort_unstable();
    let with_endpoint = |code: &str| {
        membership
            .member(code)
            .and_then(|m| m.endpoints.first())
            .map(|endpoint| Peer {
                organization: code.to_string(),
                endpoint: endpoint.clone(),
            })
    };
    let Some(position) = ring.iter().position(|code| *code == organization) else {
        return Vec::new();
    };
    let others = ring.len() - 1;
    if fan_out == 0 || fan_out >= others {
        return ring
            .iter()
            .filter(|code| **code != organization)
            .filter_map(|code| with_endpoint(code))
            .collect();
    }
    let mut chosen: Vec<usize> = Vec::new();
    let mut distance = 1;
    while distance <= others && chosen.len() < fan_out {
        chosen.push(distance);
        distance *= 2;
    }
    let mut extra = 1;
    while chosen.len() < fan_out && extra <= others {
        if !chosen.contains(&extra) {
            chosen.push(extra);
        }
        extra += 1;
    }
    chosen
        .into_iter()
        .filter_map(|distance| with_endpoint(ring[(position + distance) % ring.len()]))
        .collect()
}

/// Where a peer session stands.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PeerState {
    /// Dialling.
    Connecting,
    /// Streaming.
    Connected,
    /// Waiting before the next attempt.
    Backoff,
}

/// This node's client certificate for peer sessions, replaceable while running (see
/// `RunningNode::reload`).
pub type ClientTlsSource = Arc<RwLock<ClientTls>>;

/// What the node knows about one peer.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PeerStatus {
    /// The peer's organization.
    pub organization: String,
    /// Where it is dialled.
    pub endpoint: String,
    /// Session state.
    pub state: PeerState,
    /// The last failure, if any.
    pub last_error: String,
    /// When the current session started (ms since the epoch), 0 if none.
    pub connected_since_ms: i64,
    /// When anything last arrived from it (ms since the epoch), 0 if never.
    pub last_heard_ms: i64,
    /// Its frontier as far as this node knows it (stated at session start, advanced by what
    /// it sent since).
    #[serde(skip)]
    pub frontier: Frontier,
    /// When its head entry of each organization was authored (author's clock, ms).
    #[serde(skip)]
    pub head_authored_at: BTreeMap<String, i64>,
    /// Whether it has sent everything it held when the session started.
    pub caught_up: bool,
    /// Entries applied from it (this process's lifetime).
    pub entries_applied: u64,
    /// Whether its membership file is the same as ours (None until it said).
    pub same_membership: Option<bool>,
}

/// Each peer organization's acknowledged durable frontier (what it said it holds), with
/// when it said so (ms since the epoch). Filled by the replication service.
pub type AcknowledgedFrontiers = Arc<Mutex<BTreeMap<String, (Frontier, i64)>>>;

/// What a node knows about synchronization, for status reports.
#[derive(Clone)]
pub struct SyncSource {
    /// This node's sessions with its peers.
    pub peers: Arc<Mutex<Vec<PeerStatus>>>,
    /// What peers acknowledged holding.
    pub acknowledged: AcknowledgedFrontiers,
    /// The membership in force.
    pub membership: Arc<RwLock<Arc<Membership>>>,
}

/// Where one organization's log stands, here and across the group.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LogSync {
    /// The organization.
    pub organization: String,
    /// This node's durable head.
    pub local_sequence: u64,
    /// The highest head any peer is known to hold.
    pub highest_sequence_seen: u64,
    /// Entries this node is behind.
    pub lag_entries: u64,
    /// Seconds this node is behind: authoring time of the highest known head minus that of
    /// the local head (both the author's clock).
    pub lag_seconds: f64,
    /// The lowest head acknowledged by every other member (and held here): what everyone
    /// has. Members never heard from count as 0.
    pub delivered_to_every_member: u64,
    /// Set when the log is quarantined after a fork: the sequence where it forked.
    pub quarantined_at: Option<u64>,
}

/// Per organization: local head, highest head seen anywhere, lag, delivered to everyone.
pub fn log_sync(ledger: &Ledger, source: &SyncSource) -> Vec<LogSync> {
    let local = ledger.durable_frontier().borrow().clone();
    let peers = source
        .peers
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone();
    let acknowledged = source
        .acknowledged
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone();
    let membership = source
        .membership
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone();
    let mut organizations: BTreeSet<String> = membership
        .file()
        .members
        .iter()
        .map(|m| m.code.clone())
        .collect();
    organizations.extend(local.keys().cloned());
    let others: Vec<&str> = membership
        .file()
        .members
        .iter()
        .map(|m| m.code.as_str())
        .filter(|code| *code != ledger.organization())
        .collect();
    organizations
        .into_iter()
        .map(|organization| {
            let local_sequence = local.get(&organization).map_or(0, |h| h.sequence);
            let mut highest = local_sequence;
            let mut highest_authored_at = None;
            for peer in &peers {
                if let Some(head) = peer.frontier.get(&organization)
                    && head.sequence >= highest
                {
                    if head.sequence > highest || highest_authored_at.is_none() {
                        highest_authored_at = peer.head_authored_at.get(&organization).copied();
                    }
                    highest = head.sequence;
                }
            }
            for (frontier, _) in acknowledged.values() {
                if let Some(head) = frontier.get(&organization) {
                    highest = highest.max(head.sequence);
                }
            }
            let lag_entries = highest - local_sequence;
            let lag_seconds = match (lag_entries, highest_authored_at) {
                (0, _) | (_, None) => 0.0,
                (_, Some(highest_at)) => {
                    let local_at = ledger
                        .head_authored_at(&organization, local_sequence)
                        .unwrap_or(highest_at);
                    ((highest_at - local_at).max(0) as f64) / 1000.0
                }
            };
            let delivered_to_every_member = others
                .iter()
                .map(|member| {
                    acknowledged
                        .get(*member)
                        .and_then(|(frontier, _)| frontier.get(&organization))
                        .map_or(0, |h| h.sequence)
                })
                .chain(std::iter::once(local_sequence))
                .min()
                .unwrap_or(0);
            LogSync {
                quarantined_at: ledger.store().quarantined(&organization).ok().flatten(),
                organization,
                local_sequence,
                highest_sequence_seen: highest,
                lag_entries,
                lag_seconds,
                delivered_to_every_member,
            }
        })
        .collect()
}

/// The running replication driver of a node.
pub struct Replicator {
    statuses: Arc<Mutex<Vec<PeerStatus>>>,
    tasks: Vec<JoinHandle<()>>,
    stop: watch::Sender<bool>,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Counts the peers that have streamed us everything they held, to end recovery.
///
/// The rule: if any peer holds entries of this node's own organization, the organization
/// has a history that this node lost, and every peer must have streamed it everything
/// (an acknowledged entry may have reached a single peer before the disk was lost). If the
/// peers that answered hold nothing of it and they are a majority, the organization is new
/// (a new member, or a whole group starting): waiting for every peer would only block it.
struct Recovery {
    peers: usize,
    caught_up: Mutex<BTreeSet<String>>,
    /// Some peer holds entries of this node's organization.
    history_seen: std::sync::atomic::AtomicBool,
}

impl Recovery {
    fn complete(&self, caught_up: usize) -> bool {
        if self.history_seen.load(std::sync::atomic::Ordering::Acquire) {
            caught_up >= self.peers
        } else {
            caught_up > self.peers / 2
        }
    }
}

impl Replicator {
    /// Starts a session with each peer. `tls` is this node's own certificate, presented as
    /// a client certificate to peers (read at every connection, so a reloaded certificate
    /// is used from the next session on).
    pub fn start(
        ledger: Arc<Ledger>,
        membership: Arc<RwLock<Arc<Membership>>>,
        tls: ClientTlsSource,
        options: ReplicationOptions,
    ) -> Result<Replicator, LedgerError> {
        let peers = {
            let current = membership
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .clone();
            choose_peers(ledger.organization(), &current, options.fan_out)
        };
        // When the organization has a history and a peer is gone for good, the operator
        // decides (`concord store new-writer-epoch`).
        let recovery = Arc::new(Recovery {
            peers: peers.len(),
            caught_up: Mutex::new(BTreeSet::new()),
            history_seen: std::sync::atomic::AtomicBool::new(false),
        });
        if ledger.is_recovering() {
            if peers.is_empty() {
                // Nobody to recover from: a standalone node.
                ledger.finish_recovery()?;
            } else {
                tracing::warn!(
                    peers = peers.len(),
                    "new or restored store: recovering this organization's log from peers before authoring"
                );
            }
        }
        let statuses = Arc::new(Mutex::new(
            peers
                .iter()
                .map(|peer| PeerStatus {
                    organization: peer.organization.clone(),
                    endpoint: peer.endpoint.clone(),
                    state: PeerState::Connecting,
                    last_error: String::new(),
                    connected_since_ms: 0,
                    last_heard_ms: 0,
                    frontier: Frontier::new(),
                    head_authored_at: BTreeMap::new(),
                    caught_up: false,
                    entries_applied: 0,
                    same_membership: None,
                })
                .collect(),
        ));
        let (stop, stopped) = watch::channel(false);

        let tasks = peers
            .into_iter()
            .enumerate()
            .map(|(index, peer)| {
                let session = Session {
                    index,
                    peer,
                    ledger: ledger.clone(),
                    membership: membership.clone(),
                    tls: tls.clone(),
                    options: options.clone(),
                    statuses: statuses.clone(),
                    recovery: recovery.clone(),
                };
                tokio::spawn(session.run(stopped.clone()))
            })
            .collect();
        Ok(Replicator {
            statuses,
            tasks,
            stop,
        })
    }

    /// The shared list of peer statuses (for status reports).
    pub fn statuses(&self) -> Arc<Mutex<Vec<PeerStatus>>> {
        self.statuses.clone()
    }

    /// Every peer's status.
    pub fn status(&self) -> Vec<PeerStatus> {
        self.statuses
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Closes every session.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

struct Session {
    index: usize,
    peer: Peer,
    ledger: Arc<Ledger>,
    membership: Arc<RwLock<Arc<Membership>>>,
    tls: ClientTlsSource,
    options: ReplicationOptions,
    statuses: Arc<Mutex<Vec<PeerStatus>>>,
    recovery: Arc<Recovery>,
}

/// Why a session ended.
enum SessionEnd {
    Stopped,
    Failed(String),
}

impl Session {
    fn update(&self, change: impl FnOnce(&mut PeerStatus)) {
        let mut statuses = self
            .statuses
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(status) = statuses.get_mut(self.index) {
            change(status);
        }
    }

    async fn run(self, mut stopped: watch::Receiver<bool>) {
        let mut delay = self.options.reconnect_min;
        loop {
            if *stopped.borrow() {
                return;
            }
            self.update(|s| s.state = PeerState::Connecting);
            let started = Instant::now();
            match self.session(&mut stopped).await {
                SessionEnd::Stopped => return,
                SessionEnd::Failed(reason) => {
                    tracing::debug!(peer = %self.peer.organization, %reason, "replication session ended");
                    self.update(|s| {
                        s.state = PeerState::Backoff;
                        s.last_error = reason;
                        s.caught_up = false;
                    });
                }
            }
            // A session that lived a while resets the backoff; quick failures double it.
            if started.elapsed() > self.options.reconnect_max {
                delay = self.options.reconnect_min;
            }
            let jitter = Duration::from_millis(
                u64::from(rand_jitter()) % (delay.as_millis() as u64 / 2 + 1),
            );
            tokio::select! {
                () = tokio::time::sleep(delay + jitter) => {}
                _ = stopped.changed() => return,
            }
            delay = (delay * 2).min(self.options.reconnect_max);
        }
    }

    fn membership(&self) -> Arc<Membership> {
        self.membership
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    async fn session(&self, stopped: &mut watch::Receiver<bool>) -> SessionEnd {
        let tls = self
            .tls
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        let connect = PeerClient::connect_counted(
            &self.peer.endpoint,
            &tls,
            self.options.rpc_timeout,
            self.options.keepalive,
            self.options.source_address,
            self.options.traffic.clone(),
        );
        let client = tokio::select! {
            client = connect => match client {
                Ok(client) => client,
                Err(error) => return SessionEnd::Failed(error.to_string()),
            },
            _ = stopped.changed() => return SessionEnd::Stopped,
        };
        let membership = self.membership();
        let our_frontier = self.ledger.durable_frontier().borrow().clone();
        let mut stream = match client
            .pull(
                &our_frontier,
                &membership.hash_hex(),
                true,
                self.options.max_batch_bytes,
            )
            .await
        {
            Ok(stream) => stream,
            Err(error) => return SessionEnd::Failed(error.to_string()),
        };
        self.update(|s| {
            s.state = PeerState::Connected;
            s.connected_since_ms = now_ms();
            s.last_error.clear();
        });
        let mut anti_entropy = tokio::time::interval(self.options.anti_entropy);
        anti_entropy.tick().await;
        // Acknowledgements tell the peer what this node holds durably ("delivered"): sent
        // a moment after the durable frontier moves, so a burst costs one message and an
        // idle session none.
        let mut durable = self.ledger.durable_frontier();
        let mut acknowledge_at: Option<tokio::time::Instant> = None;
        loop {
            let event = tokio::select! {
                event = stream.next() => event,
                _ = stopped.changed() => return SessionEnd::Stopped,
                changed = durable.changed() => {
                    if changed.is_ok() && acknowledge_at.is_none() {
                        acknowledge_at = Some(tokio::time::Instant::now() + ACKNOWLEDGE_DELAY);
                    }
                    continue;
                }
                () = sleep_until_or_never(acknowledge_at) => {
                    acknowledge_at = None;
                    stream.acknowledge(&durable.borrow_and_update().clone());
                    continue;
                }
                _ = anti_entropy.tick() => {
                    if let Some(reason) = self.missed_something() {
                        return SessionEnd::Failed(reason);
                    }
                    continue;
                }
            };
            let event = match event {
                Ok(Some(event)) => event,
                Ok(None) => return SessionEnd::Failed("the peer closed the stream".into()),
                Err(error) => return SessionEnd::Failed(error.to_string()),
            };
            self.update(|s| s.last_heard_ms = now_ms());
            match event {
                PullEvent::Frontier {
                    frontier,
                    authored_at,
                    membership_hash,
                    ..
                } => {
                    let same = membership_hash == membership.hash_hex();
                    if !same {
                        tracing::warn!(
                            peer = %self.peer.organization,
                            ours = %membership.hash_hex(),
                            theirs = %membership_hash,
                            "MEMBERSHIP MISMATCH: this peer has a different membership file"
                        );
                    }
                    self.check_divergence(&frontier, &our_frontier);
                    self.update(|s| {
                        s.frontier = frontier;
                        s.head_authored_at = authored_at;
                        s.same_membership = Some(same);
                    });
                }
                PullEvent::Entries(entries) => {
                    if let Err(reason) = self.apply(entries, &membership).await {
                        return SessionEnd::Failed(reason);
                    }
                }
                PullEvent::CaughtUp => {
                    self.update(|s| s.caught_up = true);
                    self.note_caught_up();
                }
            }
        }
    }

    /// Applies one batch; any refusal other than a duplicate ends the session (it will be
    /// reopened from our durable frontier, so nothing is skipped).
    async fn apply(&self, entries: Vec<Vec<u8>>, membership: &Membership) -> Result<(), String> {
        let sent: Vec<(String, u64, i64)> = entries
            .iter()
            .filter_map(|bytes| {
                let entry = crate::rpc::codec::decode_signed_entry(bytes).ok()?;
                let body = crate::rpc::codec::decode_entry_body(&entry.body_bytes).ok()?;
                Some((body.organization, body.sequence, body.authored_at_unix_ms))
            })
            .collect();
        let keys_of = |organization: &str| {
            membership
                .member(organization)
                .map(|_| membership.signing_keys(organization).to_vec())
        };
        let outcomes = self.ledger.ingest_batch(entries, keys_of).await;
        let mut applied = 0;
        let mut failure = None;
        for outcome in outcomes {
            match outcome {
                Ok(IngestOutcome::Applied) => applied += 1,
                Ok(IngestOutcome::Duplicate) => {}
                // A forked log: the ledger recorded the fork durably and logged it loudly, and
                // nothing more of that organization applies until an operator resolves it.
                // Reopening the session would only bring the same entries again (a peer on
                // the other side of the fork sends its entry at the fork in every session),
                // so the session goes on with the other organizations.
                Err(LedgerError::Rejected(
                    IngestRejection::Fork { .. } | IngestRejection::Quarantined(_),
                )) => {}
                Err(error) => {
                    if failure.is_none() {
                        failure = Some(error);
                    }
                }
            }
        }
        self.update(|s| {
            s.entries_applied += applied;
            // What the peer sent, it holds: its frontier is at least that.
            for (organization, sequence, authored_at) in &sent {
                let head = s
                    .frontier
                    .entry(organization.clone())
                    .or_insert(crate::log::LogHead {
                        sequence: 0,
                        hash: crate::log::EntryHash::GENESIS,
                    });
                if *sequence >= head.sequence {
                    head.sequence = *sequence;
                    s.head_authored_at
                        .insert(organization.clone(), *authored_at);
                }
            }
        });
        match failure {
            None => Ok(()),
            Some(LedgerError::Rejected(rejection)) => {
                tracing::warn!(peer = %self.peer.organization, %rejection, "refused an entry from a peer");
                Err(format!("refused an entry: {rejection}"))
            }
            Some(other) => Err(format!("could not apply entries: {other}")),
        }
    }

    /// Anti-entropy without traffic: if the peer is known to hold entries beyond our
    /// durable frontier yet the stream has not delivered them, reopen the session.
    fn missed_something(&self) -> Option<String> {
        let ours = self.ledger.durable_frontier().borrow().clone();
        let statuses = self
            .statuses
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let theirs = &statuses.get(self.index)?.frontier;
        theirs.iter().find_map(|(organization, head)| {
            let held = ours.get(organization).map_or(0, |h| h.sequence);
            (head.sequence > held
                && self
                    .ledger
                    .store()
                    .quarantined(organization)
                    .ok()
                    .flatten()
                    .is_none())
            .then(|| {
                format!(
                    "anti-entropy: peer holds {organization} up to {}, this node {held}; resyncing",
                    head.sequence
                )
            })
        })
    }

    /// Compares head hashes where both sides claim the same sequence: a difference means one
    /// side holds a forked log.
    fn check_divergence(&self, theirs: &Frontier, ours: &Frontier) {
        for (organization, their_head) in theirs {
            if let Some(our_head) = ours.get(organization)
                && our_head.sequence == their_head.sequence
                && our_head.hash != their_head.hash
            {
                tracing::error!(
                    peer = %self.peer.organization,
                    organization = %organization,
                    sequence = our_head.sequence,
                    "FORK: this peer's head of {organization}'s log differs from ours at the same sequence"
                );
            }
        }
    }

    fn note_caught_up(&self) {
        if !self.ledger.is_recovering() {
            return;
        }
        let holds_ours = self
            .statuses
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(self.index)
            .and_then(|status| status.frontier.get(self.ledger.organization()))
            .is_some_and(|head| head.sequence > 0);
        if holds_ours {
            self.recovery
                .history_seen
                .store(true, std::sync::atomic::Ordering::Release);
        }
        let count = {
            let mut caught_up = self
                .recovery
                .caught_up
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            caught_up.insert(self.peer.organization.clone());
            caught_up.len()
        };
        if self.recovery.complete(count)
            && let Err(error) = self.ledger.finish_recovery()
        {
            tracing::error!(%error, "cannot record the end of recovery");
        }
    }
}

/// How long after the durable frontier moves a session acknowledges it.
const ACKNOWLEDGE_DELAY: Duration = Duration::from_millis(200);

/// Sleeps until `deadline`, or for ever without one.
async fn sleep_until_or_never(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// A little randomness for backoff jitter, without a dependency.
fn rand_jitter() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(Instant::now().elapsed().as_nanos());
    hasher.finish() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn membership(count: usize) -> Membership {
        let mut text = String::from("group = \"g\"\n");
        for index in 0..count {
            text.push_str(&format!(
                "[[members]]\ncode = \"M{index:03}\"\nendpoints = [\"https://m{index}.example:7400\"]\n"
            ));
        }
        Membership::from_bytes(text.as_bytes()).unwrap()
    }

    #[test]
    fn full_mesh_by_default() {
        let members = membership(15);
        let peers = choose_peers("M003", &members, 0);
        assert_eq!(peers.len(), 14);
        assert!(peers.iter().all(|p| p.organization != "M003"));
    }

    #[test]
    fn bounded_fan_out_keeps_the_graph_connected() {
        let members = membership(200);
        let mut reached = BTreeSet::from(["M000".to_string()]);
        let mut frontier = vec!["M000".to_string()];
        let mut hops = 0;
        while !frontier.is_empty() {
            let mut next = Vec::new();
            for code in frontier {
                let peers = choose_peers(&code, &members, 6);
                assert_eq!(peers.len(), 6);
                for peer in peers {
                    if reached.insert(peer.organization.clone()) {
                        next.push(peer.organization);
                    }
                }
            }
            frontier = next;
            hops += 1;
        }
        assert_eq!(reached.len(), 200, "every member is reachable");
        assert!(hops <= 12, "diameter stays logarithmic ({hops} hops)");
    }
}
