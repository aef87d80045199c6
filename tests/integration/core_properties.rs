//! Property tests of the pure replication core (`concord::log`: `check_append`,
//! `SignedEntry::verify`, `LogSet`, `Frontier`) against an oracle.
//!
//! The world: a few origins (organizations), each authoring a chain of signed entries
//! (encoded with `concord::rpc::codec`, exactly as stored and shipped), and a few nodes,
//! each a small model of a node's store: a `LogSet` of what it has applied and the
//! "durable" position of each organization's log (what a crash keeps; the frontier a node
//! advertises). A generated schedule delivers entries to nodes in any order, with
//! duplicates, flushes, crashes (which drop the unflushed suffix), forged entries (a
//! flipped bit) and, optionally, a fork: the origin equivocates, signing a second branch
//! of one to two entries at an already used sequence. Then faults stop and every entry is
//! delivered to every node again and again, in a generated order, until nothing changes
//! (gaps are retried).
//!
//! The oracle is the union of what each origin authored. Checked:
//! - after every step: each node's log of each organization is a gap-free, hash-linked
//!   prefix of what its origin signed (of one branch, for the forked origin), every held
//!   entry verifies, nothing forged is held, the durable position never passes the applied
//!   one, no honest origin is ever quarantined, and a quarantined log never changes again;
//! - after delivery: every node's frontier equals the oracle's (for every origin that did
//!   not fork), and every node has detected the fork, if any;
//! - idempotence: delivering everything again, in any order and with duplicates, changes
//!   nothing; and two different schedules without forks give the very same logs.
//!
//! `PROPTEST_CASES` sets the number of cases (default 32 per property).

use std::collections::BTreeMap;

use concord::log::{
    Applied, ApplyError, Change, EntryBody, EntryHash, Frontier, HeldEntry, LogHead, LogSet,
    SignedEntry,
};
use concord::rpc::codec::{
    decode_entry_body, decode_signed_entry, encode_entry_body, encode_signed_entry,
};
use ed25519_dalek::{SigningKey, VerifyingKey};
use proptest::prelude::*;
use uuid::Uuid;

// ----------------------------------------------------------------------------------------
// The world: origins, their chains, the oracle
// ----------------------------------------------------------------------------------------

/// An origin's equivocation: a second branch signed at sequence `at`.
#[derive(Debug, Clone, Copy)]
struct ForkSpec {
    /// Which origin (modulo the number of origins with entries).
    origin: usize,
    /// Where (modulo that origin's length, plus one).
    at: u64,
    /// How many entries the second branch has (1 or 2).
    branch: u64,
}

/// One step of a schedule; indices are taken modulo what exists, so shrinking stays valid.
#[derive(Debug, Clone)]
enum Event {
    /// Deliver entry `pick` to `node`.
    Deliver { node: usize, pick: usize },
    /// Deliver entry `pick` to `node` twice in a row.
    Duplicate { node: usize, pick: usize },
    /// Make everything `node` applied durable.
    Flush { node: usize },
    /// `node` crashes: what was not durable is lost.
    Crash { node: usize },
    /// Deliver entry `pick` to `node` with one bit flipped.
    Forge {
        node: usize,
        pick: usize,
        bit: usize,
    },
}

#[derive(Debug, Clone)]
struct Scenario {
    /// Entries authored by each origin.
    lengths: Vec<u64>,
    nodes: usize,
    fork: Option<ForkSpec>,
    events: Vec<Event>,
    /// Seed of the order of the final deliveries.
    order_seed: u64,
}

struct Origin {
    code: String,
    key: VerifyingKey,
    /// The chain the origin published first (the oracle's log, when it does not fork).
    honest: Vec<SignedEntry>,
    /// With a fork: the other branch, `honest[..at - 1]` followed by the equivocation.
    forked: Option<(u64, Vec<SignedEntry>)>,
}

struct World {
    origins: Vec<Origin>,
    /// Every entry any origin signed, encoded: what may be delivered.
    deliverable: Vec<Vec<u8>>,
}

fn body(organization: &str, sequence: u64, previous: EntryHash, note: &str) -> Vec<u8> {
    encode_entry_body(&EntryBody {
        organization: organization.to_string(),
        sequence,
        previous_hash: previous,
        authored_at_unix_ms: 1_700_000_000_000 + sequence as i64,
        report_id: Uuid::from_u128(u128::from(sequence)),
        revision: sequence,
        epoch: 1,
        change: Change::Withdrawal {
            reason: format!("{note} {organization} {sequence}"),
        },
    })
}

/// Signs `count` entries continuing `start` (a prefix of a chain).
fn extend(
    organization: &str,
    key: &SigningKey,
    start: &[SignedEntry],
    count: u64,
    note: &str,
) -> Vec<SignedEntry> {
    let mut chain = start.to_vec();
    for _ in 0..count {
        let previous = chain.last().map_or(EntryHash::GENESIS, SignedEntry::hash);
        let sequence = chain.len() as u64 + 1;
        chain.push(SignedEntry::sign(
            body(organization, sequence, previous, note),
            key,
        ));
    }
    chain
}

impl World {
    fn new(scenario: &Scenario) -> World {
        let authors: Vec<usize> = (0..scenario.lengths.len())
            .filter(|&i| scenario.lengths[i] > 0)
            .collect();
        let fork = scenario.fork.and_then(|fork| {
            let origin = *authors.get(fork.origin % authors.len().max(1))?;
            let at = fork.at % scenario.lengths[origin] + 1;
            Some((origin, at, fork.branch))
        });
        let origins: Vec<Origin> = scenario
            .lengths
            .iter()
            .enumerate()
            .map(|(index, &length)| {
                let code = format!("ORG{index}");
                let key = SigningKey::from_bytes(&[index as u8 + 1; 32]);
                let honest = extend(&code, &key, &[], length, "honest");
                let forked =
                    fork.filter(|(origin, _, _)| *origin == index)
                        .map(|(_, at, branch)| {
                            let base = &honest[..at as usize - 1];
                            (at, extend(&code, &key, base, branch, "equivocation"))
                        });
                Origin {
                    code,
                    key: key.verifying_key(),
                    honest,
                    forked,
                }
            })
            .collect();
        let mut deliverable = Vec::new();
        for origin in &origins {
            deliverable.extend(origin.honest.iter().map(encode_signed_entry));
            if let Some((at, branch)) = &origin.forked {
                deliverable.extend(branch[*at as usize - 1..].iter().map(encode_signed_entry));
            }
        }
        World {
            origins,
            deliverable,
        }
    }

    fn keys(&self) -> BTreeMap<String, VerifyingKey> {
        self.origins
            .iter()
            .map(|origin| (origin.code.clone(), origin.key))
            .collect()
    }

    fn origin(&self, code: &str) -> Option<&Origin> {
        self.origins.iter().find(|origin| origin.code == code)
    }

    /// The oracle's frontier over the origins that did not fork.
    fn oracle_frontier(&self) -> Frontier {
        self.origins
            .iter()
            .filter(|origin| origin.forked.is_none())
            .filter_map(|origin| {
                origin.honest.last().map(|last| {
                    (
                        origin.code.clone(),
                        LogHead {
                            sequence: origin.honest.len() as u64,
                            hash: last.hash(),
                        },
                    )
                })
            })
            .collect()
    }

    /// The oracle as a `LogSet`: every chain applied in order (honest branch).
    fn oracle_logs(&self) -> LogSet {
        let mut logs = LogSet::new();
        for origin in &self.origins {
            for entry in &origin.honest {
                let body = decode_entry_body(&entry.body_bytes).expect("own body");
                logs.apply(
                    &origin.code,
                    body.sequence,
                    body.previous_hash,
                    entry.clone(),
                    &origin.key,
                )
                .expect("in order");
            }
        }
        logs
    }
}

// ----------------------------------------------------------------------------------------
// A node's model
// ----------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Received {
    Applied(Applied),
    Refused(String),
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Node {
    /// What it applied (a store's memory: may be ahead of what is durable).
    logs: LogSet,
    /// Per organization, the last durable sequence: what survives a crash and what is
    /// advertised.
    durable: BTreeMap<String, u64>,
}

impl Node {
    /// Receives encoded entry bytes as a peer would send them.
    fn receive(&mut self, bytes: &[u8], keys: &BTreeMap<String, VerifyingKey>) -> Received {
        let Ok(entry) = decode_signed_entry(bytes) else {
            return Received::Refused("undecodable entry".into());
        };
        let Ok(body) = decode_entry_body(&entry.body_bytes) else {
            return Received::Refused("undecodable body".into());
        };
        let Some(key) = keys.get(&body.organization) else {
            return Received::Refused(format!("{} is not a member", body.organization));
        };
        match self.logs.apply(
            &body.organization,
            body.sequence,
            body.previous_hash,
            entry,
            key,
        ) {
            Ok(applied) => Received::Applied(applied),
            Err(error) => {
                if matches!(error, ApplyError::Fork { .. }) {
                    // Like the ledger: the fork record is flushed at once (and with it
                    // everything applied before it).
                    self.flush();
                }
                Received::Refused(error.to_string())
            }
        }
    }

    fn flush(&mut self) {
        self.durable = self
            .logs
            .frontier()
            .into_iter()
            .map(|(organization, head)| (organization, head.sequence))
            .collect();
    }

    fn crash(&mut self) {
        let organizations: Vec<String> = self.logs.organizations().map(str::to_string).collect();
        for organization in organizations {
            let keep = self.durable.get(&organization).copied().unwrap_or(0);
            self.logs.truncate(&organization, keep);
        }
    }

    /// The frontier the node advertises: its durable positions.
    fn advertised(&self) -> Frontier {
        self.durable
            .iter()
            .filter(|(_, sequence)| **sequence > 0)
            .filter_map(|(organization, &sequence)| {
                let hash = self.logs.hash_at(organization, sequence)?;
                Some((organization.clone(), LogHead { sequence, hash }))
            })
            .collect()
    }
}

/// Runs a schedule, checking the invariants after every step; returns the nodes.
fn run(world: &World, scenario: &Scenario) -> Result<Vec<Node>, TestCaseError> {
    let keys = world.keys();
    let mut nodes = vec![Node::default(); scenario.nodes];
    // A quarantined log, as it was when the fork was detected, per node and organization.
    let mut frozen: Vec<BTreeMap<String, Vec<HeldEntry>>> = vec![BTreeMap::new(); scenario.nodes];
    let count = world.deliverable.len();
    let mut step = |nodes: &mut Vec<Node>, event: &Event| -> Result<(), TestCaseError> {
        match *event {
            Event::Deliver { node, pick } if count > 0 => {
                let node = node % nodes.len();
                nodes[node].receive(&world.deliverable[pick % count], &keys);
            }
            Event::Duplicate { node, pick } if count > 0 => {
                let node = node % nodes.len();
                let bytes = &world.deliverable[pick % count];
                let first = nodes[node].receive(bytes, &keys);
                let second = nodes[node].receive(bytes, &keys);
                if first == Received::Applied(Applied::Appended) {
                    prop_assert_eq!(second, Received::Applied(Applied::Duplicate));
                }
            }
            Event::Forge { node, pick, bit } if count > 0 => {
                let node = node % nodes.len();
                let mut bytes = world.deliverable[pick % count].clone();
                let bit = bit % (bytes.len() * 8);
                bytes[bit / 8] ^= 1 << (bit % 8);
                let received = nodes[node].receive(&bytes, &keys);
                prop_assert!(
                    received != Received::Applied(Applied::Appended)
                        || world.deliverable.contains(&bytes),
                    "a forged entry was applied"
                );
            }
            Event::Flush { node } => {
                let node = node % nodes.len();
                nodes[node].flush();
            }
            Event::Crash { node } => {
                let node = node % nodes.len();
                nodes[node].crash();
            }
            _ => {}
        }
        for (index, node) in nodes.iter().enumerate() {
            check_node(world, node, &mut frozen[index])?;
        }
        Ok(())
    };
    for event in &scenario.events {
        step(&mut nodes, event)?;
    }
    // Quiescence: no more faults; everything is delivered again until nothing changes.
    let order = shuffled(count, scenario.order_seed);
    let mut rounds = 0;
    loop {
        let mut progress = false;
        for node in nodes.iter_mut() {
            for &pick in &order {
                let received = node.receive(&world.deliverable[pick], &keys);
                progress |= received == Received::Applied(Applied::Appended);
            }
            node.flush();
        }
        for (index, node) in nodes.iter().enumerate() {
            check_node(world, node, &mut frozen[index])?;
        }
        rounds += 1;
        prop_assert!(
            rounds <= count + 2,
            "no convergence after {} rounds of full delivery",
            rounds
        );
        if !progress {
            break;
        }
    }
    Ok(nodes)
}

/// The invariants every node keeps after every step.
fn check_node(
    world: &World,
    node: &Node,
    frozen: &mut BTreeMap<String, Vec<HeldEntry>>,
) -> Result<(), TestCaseError> {
    for organization in node.logs.organizations() {
        let origin = world
            .origin(organization)
            .ok_or_else(|| TestCaseError::fail(format!("{organization} is nobody's log")))?;
        let log = node.logs.log(organization);
        let mut previous = EntryHash::GENESIS;
        for (index, held) in log.iter().enumerate() {
            prop_assert_eq!(held.sequence, index as u64 + 1, "gap in {}", organization);
            prop_assert_eq!(
                held.previous_hash,
                previous,
                "broken link in {}",
                organization
            );
            prop_assert_eq!(held.hash, held.entry.hash());
            prop_assert!(
                held.entry.verify(&origin.key).is_ok(),
                "unverified entry held"
            );
            let body = decode_entry_body(&held.entry.body_bytes)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(body.sequence, held.sequence);
            prop_assert_eq!(body.previous_hash, held.previous_hash);
            prop_assert_eq!(&body.organization, organization);
            previous = held.hash;
        }
        let prefix_of = |chain: &[SignedEntry]| {
            log.len() <= chain.len() && log.iter().zip(chain).all(|(h, e)| h.entry == *e)
        };
        let on_a_branch = prefix_of(&origin.honest)
            || origin
                .forked
                .as_ref()
                .is_some_and(|(_, branch)| prefix_of(branch));
        prop_assert!(
            on_a_branch,
            "{}'s log is not a prefix of what it signed",
            organization
        );
        let durable = node.durable.get(organization).copied().unwrap_or(0);
        prop_assert!(
            durable <= log.len() as u64,
            "durable position {} is ahead of the applied log ({} entries)",
            durable,
            log.len()
        );
    }
    for (organization, fork) in node.logs.forks() {
        let origin = world
            .origin(organization)
            .ok_or_else(|| TestCaseError::fail("fork of nobody"))?;
        let Some((at, branch)) = &origin.forked else {
            return Err(TestCaseError::fail(format!(
                "{organization} never forked but is quarantined"
            )));
        };
        prop_assert!(
            fork.sequence >= *at && fork.sequence <= branch.len() as u64 + 1,
            "fork recorded at {} but the logs diverge at {}",
            fork.sequence,
            at
        );
        let current = node.logs.log(organization).to_vec();
        let before = frozen
            .entry(organization.clone())
            .or_insert_with(|| current.clone());
        prop_assert_eq!(
            &*before,
            &current,
            "{}'s quarantined log changed after the fork",
            organization
        );
    }
    Ok(())
}

/// The invariants after quiescence.
fn check_converged(world: &World, nodes: &[Node]) -> Result<(), TestCaseError> {
    let oracle = world.oracle_frontier();
    for (index, node) in nodes.iter().enumerate() {
        let mut frontier = node.logs.frontier();
        prop_assert_eq!(&node.advertised(), &frontier, "node {} advertises", index);
        for origin in &world.origins {
            match &origin.forked {
                None => {
                    prop_assert!(node.logs.fork(&origin.code).is_none());
                    let hashes: Vec<EntryHash> =
                        node.logs.log(&origin.code).iter().map(|h| h.hash).collect();
                    let expected: Vec<EntryHash> =
                        origin.honest.iter().map(SignedEntry::hash).collect();
                    prop_assert_eq!(hashes, expected, "node {}'s log of {}", index, origin.code);
                }
                Some((at, _)) => {
                    prop_assert!(
                        node.logs.fork(&origin.code).is_some(),
                        "node {} did not detect {}'s fork at {}",
                        index,
                        origin.code,
                        at
                    );
                    prop_assert!(node.logs.log(&origin.code).len() as u64 >= *at);
                    frontier.remove(&origin.code);
                }
            }
        }
        prop_assert_eq!(&frontier, &oracle, "node {}'s frontier", index);
    }
    Ok(())
}

/// A permutation of `0..n` from a seed (splitmix64 + Fisher-Yates).
fn shuffled(n: usize, seed: u64) -> Vec<usize> {
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        order.swap(i, (next() % (i as u64 + 1)) as usize);
    }
    order
}

// ----------------------------------------------------------------------------------------
// Strategies
// ----------------------------------------------------------------------------------------

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(32)
}

fn event(faults: bool) -> BoxedStrategy<Event> {
    let node = 0..4usize;
    let pick = 0..64usize;
    let deliveries = prop_oneof![
        6 => (node.clone(), pick.clone()).prop_map(|(node, pick)| Event::Deliver { node, pick }),
        2 => (node.clone(), pick.clone()).prop_map(|(node, pick)| Event::Duplicate { node, pick }),
    ];
    if !faults {
        return deliveries.boxed();
    }
    prop_oneof![
        8 => deliveries,
        2 => node.clone().prop_map(|node| Event::Flush { node }),
        1 => node.clone().prop_map(|node| Event::Crash { node }),
        1 => (node, pick, 0..4096usize).prop_map(|(node, pick, bit)| Event::Forge { node, pick, bit }),
    ]
    .boxed()
}

fn fork_spec() -> impl Strategy<Value = ForkSpec> {
    (0..4usize, 0..8u64, 1..=2u64).prop_map(|(origin, at, branch)| ForkSpec { origin, at, branch })
}

fn scenario(
    fork: BoxedStrategy<Option<ForkSpec>>,
    faults: bool,
) -> impl Strategy<Value = Scenario> {
    (
        prop::collection::vec(0..=6u64, 2..=4),
        2..=3usize,
        fork,
        prop::collection::vec(event(faults), 0..120),
        any::<u64>(),
    )
        .prop_map(|(lengths, nodes, fork, events, order_seed)| Scenario {
            lengths,
            nodes,
            fork,
            events,
            order_seed,
        })
}

// ----------------------------------------------------------------------------------------
// Properties
// ----------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// Duplicates, reordering, crashes, forgeries and possibly a fork; then full delivery:
    /// every node's frontier is the oracle's, forks are detected, and delivering everything
    /// again changes nothing.
    #[test]
    fn every_node_converges_to_the_oracle(
        scenario in scenario(proptest::option::weighted(0.3, fork_spec()).boxed(), true),
        redelivery_seed in any::<u64>(),
    ) {
        let world = World::new(&scenario);
        let nodes = run(&world, &scenario)?;
        check_converged(&world, &nodes)?;

        // Idempotence: everything again, twice over, in another order.
        let keys = world.keys();
        let count = world.deliverable.len();
        for (index, node) in nodes.iter().enumerate() {
            let mut again = node.clone();
            for pick in shuffled(count * 2, redelivery_seed) {
                let received = again.receive(&world.deliverable[pick % count], &keys);
                prop_assert!(
                    received != Received::Applied(Applied::Appended),
                    "node {} appended an entry it already had everything before",
                    index
                );
            }
            prop_assert_eq!(&again, node, "redelivery changed node {}", index);
        }
    }

    /// With a fork, always: every node detects it, never resolves it, and keeps the
    /// forked log as it was.
    #[test]
    fn a_fork_is_always_detected_and_never_resolved(
        scenario in scenario(fork_spec().prop_map(Some).boxed(), true),
    ) {
        let world = World::new(&scenario);
        let nodes = run(&world, &scenario)?;
        check_converged(&world, &nodes)?;
        let forked = world.origins.iter().filter(|o| o.forked.is_some()).count();
        for node in &nodes {
            prop_assert_eq!(node.logs.forks().len(), forked);
        }
    }

    /// Without faults or forks, any two schedules (reordered, duplicated, interleaved)
    /// give the very same logs: the oracle's.
    #[test]
    fn delivery_order_and_duplicates_do_not_change_the_result(
        first in scenario(Just(None).boxed(), false),
        second_events in prop::collection::vec(event(false), 0..120),
        second_order in any::<u64>(),
    ) {
        let world = World::new(&first);
        let second = Scenario {
            events: second_events,
            order_seed: second_order,
            ..first.clone()
        };
        let a = run(&world, &first)?;
        let b = run(&world, &second)?;
        let oracle = world.oracle_logs();
        for node in a.iter().chain(&b) {
            prop_assert_eq!(&node.logs, &oracle);
        }
    }
}

/// A fixed, hand-made case: an equivocation at sequence 2 seen before the honest entry.
#[test]
fn an_equivocation_seen_first_is_kept_and_the_honest_entry_reveals_the_fork() {
    let scenario = Scenario {
        lengths: vec![3, 1],
        nodes: 1,
        fork: Some(ForkSpec {
            origin: 0,
            at: 1,
            branch: 1,
        }),
        events: Vec::new(),
        order_seed: 0,
    };
    let world = World::new(&scenario);
    let keys = world.keys();
    let origin = &world.origins[0];
    let (at, branch) = origin.forked.as_ref().expect("a fork");
    assert_eq!(*at, 2);
    let mut node = Node::default();
    let deliver =
        |node: &mut Node, entry: &SignedEntry| node.receive(&encode_signed_entry(entry), &keys);
    assert_eq!(
        deliver(&mut node, &origin.honest[0]),
        Received::Applied(Applied::Appended)
    );
    assert_eq!(
        deliver(&mut node, &branch[1]),
        Received::Applied(Applied::Appended)
    );
    assert!(matches!(
        deliver(&mut node, &origin.honest[1]),
        Received::Refused(_)
    ));
    assert_eq!(node.logs.fork("ORG0").map(|f| f.sequence), Some(2));
    assert_eq!(node.logs.log("ORG0").len(), 2);
    // The honest continuation is refused too: the organization is quarantined.
    assert!(matches!(
        deliver(&mut node, &origin.honest[2]),
        Received::Refused(_)
    ));
    assert_eq!(node.logs.log("ORG0").len(), 2);
    // Another organization is unaffected.
    assert_eq!(
        deliver(&mut node, &world.origins[1].honest[0]),
        Received::Applied(Applied::Appended)
    );
}
