//! A fault-injecting TCP proxy between the nodes of a test working group.
//!
//! Every node `i` has one proxy listener (on `127.0.0.1`, port 0); the membership file names
//! that listener as the node's endpoint, so every peer session to node `i` goes through it
//! and is forwarded to the node's real listener (set with [`NetProxy::set_target`] once the
//! node is up, again after every restart). Node `i` listens on and dials its peers *from*
//! [`node_ip`]`(i)` (`127.0.0.(10+i)`, `replication.source_address`), so the proxy knows
//! which node opened a connection from the connection's source address. Connections from
//! other addresses (the test's own clients) are forwarded without rules.
//!
//! Rules, changeable at any time (changes apply to existing connections at once):
//! - [`NetProxy::cut`]`(a, b)`: no connection between `a` and `b` in either direction
//!   (existing ones are reset, new ones are accepted and immediately closed, so the dialler
//!   sees a failed handshake);
//! - [`NetProxy::one_way`]`(a, b)`: `a` cannot reach `b`, `b` can still reach `a`.
//!   Replication is pull-based (the dialler states its frontier and the dialled node streams
//!   entries back), so "a cannot reach b" means **a cannot pull b's entries** while b still
//!   pulls a's: data flows from `a` to `b` only. Both directions of bytes on an allowed
//!   connection flow (a TCP connection needs both);
//! - [`NetProxy::heal`], [`NetProxy::heal_all`]: lift cuts;
//! - [`NetProxy::reset_all`]: reset every open connection (RST), whatever is in flight:
//!   nodes reconnect on their own;
//! - [`NetProxy::delay`]`(a, b, d)`: on connections `a` opened to `b`, every chunk (at most
//!   [`CHUNK`] bytes) is held for `d` before it is forwarded, in both directions: this adds
//!   latency and caps throughput at `CHUNK` bytes per `d`, so a catch-up takes long enough
//!   to be interrupted in the middle.
//!
//! Only loopback addresses are ever bound or dialled.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Most bytes forwarded as one chunk.
pub const CHUNK: usize = 4096;

/// The loopback address node `index` listens on and dials from: `127.0.0.(10+index)`.
pub fn node_ip(index: usize) -> IpAddr {
    assert!(index < 200, "too many nodes for 127.0.0.(10+i)");
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, 10 + index as u8))
}

/// The node whose address `ip` is, if any.
fn node_of(ip: IpAddr) -> Option<usize> {
    match ip {
        IpAddr::V4(v4) if v4.octets()[..3] == [127, 0, 0] && v4.octets()[3] >= 10 => {
            Some(usize::from(v4.octets()[3] - 10))
        }
        _ => None,
    }
}

#[derive(Default)]
struct Rules {
    /// (from, to): connections `from` opens to `to` are refused.
    blocked: BTreeSet<(usize, usize)>,
    /// (from, to): per-chunk delay on connections `from` opens to `to`.
    delays: BTreeMap<(usize, usize), Duration>,
}

struct Connection {
    from: Option<usize>,
    to: usize,
    reset: watch::Sender<bool>,
}

struct Inner {
    listeners: Vec<SocketAddr>,
    targets: Mutex<Vec<Option<SocketAddr>>>,
    rules: Mutex<Rules>,
    connections: Mutex<BTreeMap<u64, Connection>>,
    next_id: AtomicU64,
    /// (from, to) -> connections forwarded / refused (from = None: the test's clients).
    forwarded: Mutex<BTreeMap<(Option<usize>, usize), u64>>,
    refused: Mutex<BTreeMap<(Option<usize>, usize), u64>>,
}

/// The proxy; dropping it stops every listener and connection.
pub struct NetProxy {
    inner: Arc<Inner>,
    accept_tasks: Vec<JoinHandle<()>>,
}

impl Drop for NetProxy {
    fn drop(&mut self) {
        for task in &self.accept_tasks {
            task.abort();
        }
        self.reset_all();
    }
}

impl NetProxy {
    /// Binds one listener per node on `127.0.0.1:0`.
    pub async fn start(nodes: usize) -> NetProxy {
        let mut bound = Vec::new();
        for _ in 0..nodes {
            let listener = TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind a proxy listener on 127.0.0.1:0");
            bound.push(listener);
        }
        let inner = Arc::new(Inner {
            listeners: bound
                .iter()
                .map(|l| l.local_addr().expect("proxy address"))
                .collect(),
            targets: Mutex::new(vec![None; nodes]),
            rules: Mutex::new(Rules::default()),
            connections: Mutex::new(BTreeMap::new()),
            next_id: AtomicU64::new(0),
            forwarded: Mutex::new(BTreeMap::new()),
            refused: Mutex::new(BTreeMap::new()),
        });
        let accept_tasks = bound
            .into_iter()
            .enumerate()
            .map(|(to, listener)| tokio::spawn(accept_loop(inner.clone(), to, listener)))
            .collect();
        NetProxy {
            inner,
            accept_tasks,
        }
    }

    /// `https://127.0.0.1:PORT`: where peers dial node `index` (its membership endpoint).
    pub fn endpoint(&self, index: usize) -> String {
        format!("https://{}", self.inner.listeners[index])
    }

    /// Where node `index` really listens (None: down; connections to it are closed).
    pub fn set_target(&self, index: usize, target: Option<SocketAddr>) {
        if let Some(addr) = target {
            assert!(
                addr.ip().is_loopback(),
                "the proxy only forwards to loopback"
            );
        }
        self.inner.targets.lock().unwrap()[index] = target;
    }

    /// No connection between `a` and `b`, either way; open ones are reset.
    pub fn cut(&self, a: usize, b: usize) {
        {
            let mut rules = self.inner.rules.lock().unwrap();
            rules.blocked.insert((a, b));
            rules.blocked.insert((b, a));
        }
        self.reset_where(|c| c.from == Some(a) && c.to == b || c.from == Some(b) && c.to == a);
    }

    /// Cuts every node of `left` from every node of `right`.
    pub fn partition(&self, left: &[usize], right: &[usize]) {
        for &a in left {
            for &b in right {
                self.cut(a, b);
            }
        }
    }

    /// Cuts `node` from every other node.
    pub fn isolate(&self, node: usize, nodes: usize) {
        for other in (0..nodes).filter(|&o| o != node) {
            self.cut(node, other);
        }
    }

    /// `a` cannot reach `b` (so cannot pull `b`'s entries); `b` still reaches `a`.
    pub fn one_way(&self, a: usize, b: usize) {
        self.inner.rules.lock().unwrap().blocked.insert((a, b));
        self.reset_where(|c| c.from == Some(a) && c.to == b);
    }

    /// Lifts the cuts between `a` and `b`, both ways.
    pub fn heal(&self, a: usize, b: usize) {
        let mut rules = self.inner.rules.lock().unwrap();
        rules.blocked.remove(&(a, b));
        rules.blocked.remove(&(b, a));
    }

    /// Lifts every cut and every delay.
    pub fn heal_all(&self) {
        let mut rules = self.inner.rules.lock().unwrap();
        rules.blocked.clear();
        rules.delays.clear();
    }

    /// Holds every chunk on connections `from` opens to `to` for `delay` (zero: none).
    pub fn delay(&self, from: usize, to: usize, delay: Duration) {
        let mut rules = self.inner.rules.lock().unwrap();
        if delay.is_zero() {
            rules.delays.remove(&(from, to));
        } else {
            rules.delays.insert((from, to), delay);
        }
    }

    /// Resets every open connection (nodes reconnect by themselves).
    pub fn reset_all(&self) {
        self.reset_where(|_| true);
    }

    fn reset_where(&self, matches: impl Fn(&Connection) -> bool) {
        let connections = self.inner.connections.lock().unwrap();
        for connection in connections.values().filter(|c| matches(c)) {
            let _ = connection.reset.send(true);
        }
    }

    /// Connections forwarded from node `from` to node `to` so far.
    pub fn forwarded(&self, from: usize, to: usize) -> u64 {
        self.inner
            .forwarded
            .lock()
            .unwrap()
            .get(&(Some(from), to))
            .copied()
            .unwrap_or(0)
    }

    /// Connections from node `from` to node `to` refused so far.
    pub fn refused(&self, from: usize, to: usize) -> u64 {
        self.inner
            .refused
            .lock()
            .unwrap()
            .get(&(Some(from), to))
            .copied()
            .unwrap_or(0)
    }
}

async fn accept_loop(inner: Arc<Inner>, to: usize, listener: TcpListener) {
    loop {
        let Ok((inbound, peer)) = listener.accept().await else {
            continue;
        };
        let from = node_of(peer.ip());
        let blocked =
            from.is_some_and(|from| inner.rules.lock().unwrap().blocked.contains(&(from, to)));
        let target = inner.targets.lock().unwrap()[to];
        let Some(target) = target.filter(|_| !blocked) else {
            *inner.refused.lock().unwrap().entry((from, to)).or_default() += 1;
            let _ = inbound.set_zero_linger();
            drop(inbound);
            continue;
        };
        tokio::spawn(forward(inner.clone(), from, to, inbound, target));
    }
}

async fn forward(
    inner: Arc<Inner>,
    from: Option<usize>,
    to: usize,
    inbound: TcpStream,
    target: SocketAddr,
) {
    let Ok(outbound) = TcpStream::connect(target).await else {
        *inner.refused.lock().unwrap().entry((from, to)).or_default() += 1;
        let _ = inbound.set_zero_linger();
        return;
    };
    let _ = inbound.set_nodelay(true);
    let _ = outbound.set_nodelay(true);
    let id = inner.next_id.fetch_add(1, Ordering::Relaxed);
    let (reset, reset_seen) = watch::channel(false);
    {
        // The rule may have changed while connecting: check again under the lock that
        // `cut` resets connections under.
        let mut connections = inner.connections.lock().unwrap();
        let blocked =
            from.is_some_and(|from| inner.rules.lock().unwrap().blocked.contains(&(from, to)));
        if blocked {
            *inner.refused.lock().unwrap().entry((from, to)).or_default() += 1;
            let _ = inbound.set_zero_linger();
            let _ = outbound.set_zero_linger();
            return;
        }
        connections.insert(id, Connection { from, to, reset });
    }
    *inner
        .forwarded
        .lock()
        .unwrap()
        .entry((from, to))
        .or_default() += 1;
    let delay_of = {
        let inner = inner.clone();
        move || -> Duration {
            from.and_then(|from| inner.rules.lock().unwrap().delays.get(&(from, to)).copied())
                .unwrap_or_default()
        }
    };
    let (in_read, in_write) = inbound.into_split();
    let (out_read, out_write) = outbound.into_split();
    tokio::join!(
        pump(in_read, out_write, delay_of.clone(), reset_seen.clone()),
        pump(out_read, in_write, delay_of, reset_seen),
    );
    inner.connections.lock().unwrap().remove(&id);
}

/// Copies `read` to `write` until EOF (then shuts `write` down), an error, or a reset
/// (then both sockets are set to close with an RST, not a polite FIN).
async fn pump(
    mut read: tokio::net::tcp::OwnedReadHalf,
    mut write: tokio::net::tcp::OwnedWriteHalf,
    delay_of: impl Fn() -> Duration,
    mut reset: watch::Receiver<bool>,
) {
    let abort = |read: &tokio::net::tcp::OwnedReadHalf, write: &tokio::net::tcp::OwnedWriteHalf| {
        let _ = AsRef::<TcpStream>::as_ref(read).set_zero_linger();
        let _ = AsRef::<TcpStream>::as_ref(write).set_zero_linger();
    };
    let mut buffer = vec![0u8; CHUNK];
    loop {
        if *reset.borrow_and_update() {
            return abort(&read, &write);
        }
        let read_result = tokio::select! {
            result = read.read(&mut buffer) => result,
            _ = reset.changed() => return abort(&read, &write),
        };
        let n = match read_result {
            Ok(0) => {
                let _ = write.shutdown().await;
                return;
            }
            Err(_) => return abort(&read, &write),
            Ok(n) => n,
        };
        let delay = delay_of();
        if !delay.is_zero() {
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                _ = reset.changed() => return abort(&read, &write),
            }
        }
        let written = tokio::select! {
            result = write.write_all(&buffer[..n]) => result,
            _ = reset.changed() => return abort(&read, &write),
        };
        if written.is_err() {
            return abort(&read, &write);
        }
    }
}
