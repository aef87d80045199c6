//! The replication invariants (see `shared/docs/replication.md`), checked on every node of a
//! test working group after quiescence.
//!
//! - [`Oracle`]: the union of what each origin authored, made of every acknowledged write
//!   (the report a Submit, Revise or Withdraw returned; entries a Push applied).
//! - [`MonotonicReads`]: what each node has shown; a report never goes back to an older
//!   revision, never comes back from withdrawal and never disappears, also across restarts.
//! - [`check_converged`]: waits (polling, up to a deadline) until every node states the same
//!   frontier, equal to the oracle's, then checks on every node: the same state digest (every
//!   report, withdrawn ones included, field for field), every acknowledged write present as
//!   acknowledged, monotonic reads, a gap-free, hash-linked, correctly signed prefix of every
//!   organization's log whose length is the stated frontier (entries pulled over the
//!   replication service itself), exactly the expected quarantines (forks detected, none
//!   invented), bounded metadata (frontier and peer sessions within the membership).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use concord::ledger::Ledger;
use concord::log::{Change, EntryHash, Frontier};
use concord::rpc::client::ClientTls;
use concord::rpc::codec;
use concord::rpc::pb;
use concord::rpc::pb::reports_client::ReportsClient;
use concord::rpc::peer::{PeerClient, PullEvent};
use concord::trust::membership::Membership;
use tonic::transport::Channel;

use crate::harness::list_all;

/// One node as the checker sees it.
#[derive(Clone)]
pub struct Probe {
    /// Its organization (the node's name in messages).
    pub name: String,
    /// `https://ADDR` of its real listener (not the proxy).
    pub endpoint: String,
    /// A Reports client presenting a member's client certificate.
    pub reports: ReportsClient<Channel>,
    /// A node certificate, to pull the node's entries over `concord.v1.Replication`.
    pub node_tls: ClientTls,
    /// The ledger of an in-process node (quarantines, recovery); None for a process.
    pub ledger: Option<Arc<Ledger>>,
    /// Peer sessions of an in-process node; None for a process.
    pub peer_sessions: Option<usize>,
}

/// What every origin authored, as far as it acknowledged it.
#[derive(Debug, Default, Clone)]
pub struct Oracle {
    /// Each report's latest acknowledged state.
    pub reports: BTreeMap<String, pb::Report>,
    /// Each organization's highest acknowledged sequence.
    pub heads: BTreeMap<String, u64>,
}

impl Oracle {
    /// Records a write the author acknowledged (the report it returned).
    pub fn acknowledged(&mut self, report: &pb::Report) {
        let newer = self
            .reports
            .get(&report.id)
            .is_none_or(|known| known.revision <= report.revision);
        if newer {
            self.reports.insert(report.id.clone(), report.clone());
        }
        self.authored(&report.organization, report.sequence);
    }

    /// Records that `organization`'s log reached `sequence` (an entry a Push applied).
    pub fn authored(&mut self, organization: &str, sequence: u64) {
        let head = self.heads.entry(organization.to_string()).or_default();
        *head = (*head).max(sequence);
    }

    /// Total entries acknowledged over every organization.
    pub fn total_entries(&self) -> u64 {
        self.heads.values().sum()
    }
}

/// What each node has shown: (node, report id) -> (revision, withdrawn).
#[derive(Debug, Default)]
pub struct MonotonicReads {
    seen: BTreeMap<(String, String), (u64, bool)>,
}

impl MonotonicReads {
    /// Checks `reports` (everything `node` lists, withdrawn included) against what it showed
    /// before, then remembers them.
    pub fn observe(&mut self, node: &str, reports: &[pb::Report]) {
        let listed: BTreeMap<&str, &pb::Report> =
            reports.iter().map(|r| (r.id.as_str(), r)).collect();
        for ((seen_node, id), (revision, withdrawn)) in &self.seen {
            if seen_node != node {
                continue;
            }
            let report = listed.get(id.as_str()).unwrap_or_else(|| {
                panic!("{node} showed report {id} (revision {revision}) before and has lost it")
            });
            assert!(
                report.revision >= *revision,
                "{node}: report {id} went back from revision {revision} to {}",
                report.revision
            );
            assert!(
                !*withdrawn || report.withdrawn,
                "{node}: report {id} was withdrawn and is live again (revision {})",
                report.revision
            );
        }
        for report in reports {
            self.seen.insert(
                (node.to_string(), report.id.clone()),
                (report.revision, report.withdrawn),
            );
        }
    }

    /// Forgets what `node` showed (its disk was wiped: amnesia is expected there).
    pub fn forget(&mut self, node: &str) {
        self.seen.retain(|(seen_node, _), _| seen_node != node);
    }
}

/// What a test expects beyond convergence.
#[derive(Debug, Default, Clone)]
pub struct Expect {
    /// Organizations whose log the test forked: organization -> the sequence of the fork.
    /// Every in-process node must have quarantined exactly these; the nodes may then hold
    /// different entries at that sequence (neither side is silently chosen), and nothing
    /// after it.
    pub forks: BTreeMap<String, u64>,
}

/// NodeInfo of a node.
pub async fn node_info(probe: &Probe) -> Result<pb::NodeInfoResponse, tonic::Status> {
    probe
        .reports
        .clone()
        .node_info(pb::NodeInfoRequest {})
        .await
        .map(|r| r.into_inner())
}

/// organization -> (sequence, head hash hex), from NodeInfo.
pub fn heads(info: &pb::NodeInfoResponse) -> Heads {
    info.frontier
        .iter()
        .map(|h| (h.organization.clone(), (h.sequence, h.head_hash.clone())))
        .collect()
}

/// Every report `probe` holds, withdrawn included.
pub async fn all_reports(probe: &Probe) -> Vec<pb::Report> {
    let mut client = probe.reports.clone();
    list_all(
        &mut client,
        pb::ListRequest {
            include_withdrawn: true,
            page_size: 1000,
            ..Default::default()
        },
    )
    .await
}

/// organization -> (sequence, head hash hex), as one node states it.
type Heads = BTreeMap<String, (u64, String)>;

/// Why the frontiers are not converged yet (None when they are).
fn frontier_disagreement(
    infos: &[(String, Heads)],
    oracle: &Oracle,
    expect: &Expect,
) -> Option<String> {
    for (name, heads) in infos {
        for (organization, &sequence) in &oracle.heads {
            let held = heads.get(organization).map_or(0, |h| h.0);
            if held != sequence {
                return Some(format!(
                    "{name} holds {organization} up to {held}, the oracle {sequence}"
                ));
            }
        }
        for organization in heads.keys() {
            if !oracle.heads.contains_key(organization) {
                return Some(format!(
                    "{name} holds entries of {organization}, which nobody acknowledged"
                ));
            }
        }
    }
    let (first_name, first) = infos.first()?;
    for (name, heads) in &infos[1..] {
        for (organization, (sequence, hash)) in first {
            let Some((other_sequence, other_hash)) = heads.get(organization) else {
                return Some(format!("{name} lacks {organization}"));
            };
            if other_sequence != sequence {
                return Some(format!(
                    "{organization}: {first_name} at {sequence}, {name} at {other_sequence}"
                ));
            }
            if other_hash != hash && !expect.forks.contains_key(organization) {
                return Some(format!(
                    "{organization}: {first_name} and {name} hold different heads at {sequence}"
                ));
            }
        }
    }
    None
}

/// Waits until every probe states the oracle's frontier (bounded by `deadline`: liveness),
/// then checks every invariant on every probe. Panics naming the node and the invariant.
pub async fn check_converged(
    probes: &[Probe],
    oracle: &Oracle,
    reads: &mut MonotonicReads,
    membership: &Membership,
    expect: &Expect,
    deadline: Duration,
) {
    assert!(!probes.is_empty());
    let started = Instant::now();
    let give_up = started + deadline;
    let mut pause = Duration::from_millis(5);
    // 1 + 10: every node reaches the oracle's frontier within the deadline, and the forks
    // the test made are quarantined everywhere.
    loop {
        let mut infos = Vec::new();
        let mut unreachable = None;
        for probe in probes {
            match node_info(probe).await {
                Ok(info) => infos.push((probe.name.clone(), heads(&info))),
                Err(status) => unreachable = Some(format!("{}: {status:?}", probe.name)),
            }
        }
        let mut problem = unreachable.or_else(|| frontier_disagreement(&infos, oracle, expect));
        if problem.is_none() {
            problem = probes.iter().find_map(|probe| {
                let ledger = probe.ledger.as_ref()?;
                let quarantines: BTreeMap<String, u64> = ledger
                    .store()
                    .quarantines()
                    .expect("read quarantines")
                    .into_iter()
                    .collect();
                (quarantines != expect.forks).then(|| {
                    format!(
                        "{} has quarantined {quarantines:?}, expected {:?}",
                        probe.name, expect.forks
                    )
                })
            });
        }
        let Some(problem) = problem else { break };
        if Instant::now() >= give_up {
            let mut report = String::new();
            for (name, heads) in &infos {
                report.push_str(&format!(
                    "\n  {name}: {:?}",
                    heads
                        .iter()
                        .map(|(o, (s, _))| format!("{o}:{s}"))
                        .collect::<Vec<_>>()
                ));
            }
            panic!(
                "no convergence after {deadline:?}: {problem}\n oracle: {:?}\n nodes:{report}",
                oracle.heads
            );
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(100));
    }
    let converged_after = started.elapsed();

    let members = membership.file().members.len();
    let mut digests: Vec<(String, BTreeMap<String, pb::Report>)> = Vec::new();
    for probe in probes {
        let name = &probe.name;
        let info = node_info(probe).await.expect("node info");
        let stated = heads(&info);
        // 9: bounded metadata.
        assert!(
            info.frontier.len() <= members,
            "{name}: frontier of {} organizations, membership of {members}",
            info.frontier.len()
        );
        if let Some(sessions) = probe.peer_sessions {
            assert!(
                sessions < members,
                "{name}: {sessions} peer sessions for {members} members"
            );
        }
        // 5 + 6 + 7: what the node advertises to peers (the frontier opening a pull) is
        // never ahead of what it serves, and what it serves is a gap-free, hash-linked,
        // correctly signed prefix of each log. Its durable frontier catches up with the
        // applied one NodeInfo shows (they differ for the length of a flush).
        let durable_deadline = Instant::now() + deadline;
        loop {
            let (advertised, held) = pull_everything(probe, membership).await;
            for (organization, head) in &advertised {
                let entries = held.get(organization).map_or(&[][..], |e| &e[..]);
                assert_eq!(
                    entries.len() as u64,
                    head.sequence,
                    "{name} advertises {organization} up to {}, but serves {} entries",
                    head.sequence,
                    entries.len()
                );
                assert_eq!(
                    entries.last(),
                    Some(&head.hash),
                    "{name}: {organization}'s advertised head is not its last entry"
                );
            }
            for organization in held.keys() {
                assert!(
                    advertised.contains_key(organization),
                    "{name} serves {organization} without advertising it"
                );
            }
            let durable: Heads = advertised
                .iter()
                .map(|(o, h)| (o.clone(), (h.sequence, h.hash.to_hex())))
                .collect();
            if durable == stated {
                break;
            }
            assert!(
                Instant::now() < durable_deadline,
                "{name}: durable frontier {durable:?} never reached the applied one {stated:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }

        let reports = all_reports(probe).await;
        assert_eq!(
            info.report_count,
            reports.len() as u64,
            "{name}: report_count vs listed reports"
        );
        // 3: monotonic reads, also across restarts.
        reads.observe(name, &reports);
        // 2: every acknowledged write is there as acknowledged.
        let by_id: BTreeMap<String, pb::Report> =
            reports.into_iter().map(|r| (r.id.clone(), r)).collect();
        for (id, acknowledged) in &oracle.reports {
            let held = by_id.get(id).unwrap_or_else(|| {
                panic!(
                    "{name} lost acknowledged report {id} of {}",
                    acknowledged.organization
                )
            });
            assert_eq!(
                held, acknowledged,
                "{name}: report {id} differs from what its author acknowledged"
            );
        }
        // 8: forks are not silently resolved: nothing after the fork.
        for (organization, fork) in &expect.forks {
            assert_eq!(
                stated.get(organization).map(|h| h.0),
                Some(*fork),
                "{name}: {organization}'s log moved past its fork at {fork}"
            );
        }
        digests.push((name.clone(), by_id));
    }
    // 1 + 4: one state digest everywhere (reports of a forked log from the fork on aside).
    let in_scope = |report: &pb::Report| {
        expect
            .forks
            .get(&report.organization)
            .is_none_or(|fork| report.sequence < *fork)
    };
    let (first_name, first) = &digests[0];
    for (name, digest) in &digests[1..] {
        let ours: BTreeMap<_, _> = first.iter().filter(|(_, r)| in_scope(r)).collect();
        let theirs: BTreeMap<_, _> = digest.iter().filter(|(_, r)| in_scope(r)).collect();
        if ours != theirs {
            let only_first: Vec<_> = ours.keys().filter(|k| !theirs.contains_key(*k)).collect();
            let only_other: Vec<_> = theirs.keys().filter(|k| !ours.contains_key(*k)).collect();
            let differing: Vec<_> = ours
                .iter()
                .filter(|(k, v)| theirs.get(*k).is_some_and(|t| t != *v))
                .map(|(k, _)| k)
                .collect();
            panic!(
                "state digests differ between {first_name} and {name}: only on {first_name} \
                 {only_first:?}, only on {name} {only_other:?}, different {differing:?}"
            );
        }
    }
    eprintln!(
        "invariants hold on {} nodes ({} entries, {} reports): converged {converged_after:?} \
         after quiescence, checked in {:?}",
        probes.len(),
        oracle.total_entries(),
        first.len(),
        started.elapsed()
    );
}

/// Pulls (without follow) everything `probe` serves, checking each organization's log is
/// gap-free from 1, hash-linked and signed by one of its member's keys. Returns each
/// organization's entry hashes in log order.
pub async fn pull_everything(
    probe: &Probe,
    membership: &Membership,
) -> (Frontier, BTreeMap<String, Vec<EntryHash>>) {
    let (advertised, entries) = pull_entries(&probe.endpoint, &probe.node_tls, membership).await;
    let mut logs: BTreeMap<String, Vec<EntryHash>> = BTreeMap::new();
    // Per report, its content-changing entries in log order: (sequence, carries content).
    let mut contents: BTreeMap<uuid::Uuid, Vec<(u64, bool)>> = BTreeMap::new();
    for bytes in entries {
        let entry = codec::decode_signed_entry(&bytes)
            .unwrap_or_else(|e| panic!("{} served an undecodable entry: {e}", probe.name));
        let body = codec::decode_entry_body(&entry.body_bytes)
            .unwrap_or_else(|e| panic!("{} served an undecodable body: {e}", probe.name));
        let log = logs.entry(body.organization.clone()).or_default();
        assert_eq!(
            body.sequence,
            log.len() as u64 + 1,
            "{}: {}'s log has a gap or is out of order",
            probe.name,
            body.organization
        );
        assert_eq!(
            body.previous_hash,
            log.last().copied().unwrap_or(EntryHash::GENESIS),
            "{}: entry {} of {} does not link to the previous one",
            probe.name,
            body.sequence,
            body.organization
        );
        let keys = membership.signing_keys(&body.organization);
        assert!(
            keys.iter().any(|key| entry.verify(key).is_ok()),
            "{}: entry {} of {} is not signed by {}",
            probe.name,
            body.sequence,
            body.organization,
            body.organization
        );
        if let Change::Content(_) = body.change {
            let content = codec::entry_content(&entry, &body).unwrap_or_else(|e| {
                panic!(
                    "{}: entry {} of {} carries content that does not match its signed digest: {e}",
                    probe.name, body.sequence, body.organization
                )
            });
            contents
                .entry(body.report_id)
                .or_default()
                .push((body.sequence, content.is_some()));
        }
        log.push(entry.hash());
    }
    // Superseded revisions are purged (storage shrinks). The latest held may lack its
    // content only on a node that is behind its author (it got that entry purged, its
    // successor has not reached it yet): the reports a converged node must show whole are
    // checked against the oracle by `check_converged`.
    for (report, revisions) in &contents {
        let (_, older) = revisions.split_last().expect("at least one revision");
        for (sequence, carries_content) in older {
            assert!(
                !carries_content,
                "{}: entry {sequence}, a superseded revision of report {report}, still carries its content",
                probe.name
            );
        }
    }
    (advertised, logs)
}

/// The frontier `endpoint` advertises and every entry it serves (a Pull from an empty
/// frontier, without follow), in the order served.
pub async fn pull_entries(
    endpoint: &str,
    tls: &ClientTls,
    membership: &Membership,
) -> (Frontier, Vec<Vec<u8>>) {
    let client = PeerClient::connect(
        endpoint,
        tls,
        Duration::from_secs(10),
        Duration::from_secs(30),
        None,
    )
    .await
    .unwrap_or_else(|e| panic!("cannot connect to {endpoint} as a peer: {e}"));
    let mut stream = client
        .pull(
            &Frontier::new(),
            &membership.hash_hex(),
            false,
            4 * 1024 * 1024,
        )
        .await
        .unwrap_or_else(|e| panic!("pull from {endpoint}: {e}"));
    let mut entries = Vec::new();
    let mut advertised = Frontier::new();
    loop {
        match stream.next().await {
            Ok(Some(PullEvent::Entries(batch))) => entries.extend(batch),
            Ok(Some(PullEvent::CaughtUp)) | Ok(None) => return (advertised, entries),
            Ok(Some(PullEvent::Frontier { frontier, .. })) => advertised = frontier,
            Err(e) => panic!("pull from {endpoint} failed: {e}"),
        }
    }
}
