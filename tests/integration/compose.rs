//! The container deployment, for real (issue 6): the base image (`deploy/base-image.sh`),
//! the node image from a release binary (`deploy/build-image.sh`, `deploy/Dockerfile`), and
//! the fifteen-member network of `deploy/compose.yaml` under `docker-compose`.
//!
//! Reports are posted at several members through `concord` client commands run inside
//! their containers (`docker exec`, as each member's operator, with its client
//! certificate). Two containers are cut off the network (`docker network disconnect`) while
//! others and one of them keep posting, then reconnected, and every node must converge to
//! the same logs; a restarted container must come back with the same store (same
//! incarnation, same logs) from its volume; a member stopped for good must be reported as
//! not connected while the fourteen others keep posting and converging.
//!
//! Needs a Docker engine, `docker-compose` and (to build the base image the first time)
//! root for debootstrap; without them the test prints why and returns. Every step has a
//! deadline, and the project (containers, network, volumes, the test's image tag) is removed
//! afterwards, also when the test fails.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

/// The members, in `deploy/compose.yaml`'s order (the default members).
fn members() -> Vec<&'static str> {
    concord::trust::setup::DEFAULT_MEMBERS
        .iter()
        .map(|(code, ..)| *code)
        .collect()
}

/// A member's compose service (and host) name.
fn service(member: &str) -> String {
    member.to_ascii_lowercase()
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What a finished command printed.
struct Ran {
    ok: bool,
    stdout: String,
    stderr: String,
}

/// Removes the variables `cargo test` sets for a test process (the package's, its
/// manifest's, OUT_DIR, ...): build scripts of dependencies (ring's, for one) rebuild when
/// they change, so a `cargo build --release` run from here with them would rebuild much of
/// the tree, and the next one run from a shell would rebuild it again.
fn without_test_environment(command: &mut tokio::process::Command) {
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        let set_by_cargo_test = [
            "CARGO_PKG_",
            "CARGO_MANIFEST_",
            "CARGO_CFG_",
            "CARGO_FEATURE_",
            "CARGO_BIN_",
        ]
        .iter()
        .any(|prefix| name.starts_with(prefix))
            || [
                "CARGO_CRATE_NAME",
                "CARGO_PRIMARY_PACKAGE",
                "CARGO_TARGET_TMPDIR",
                "CARGO_RUSTC_CURRENT_DIR",
                "OUT_DIR",
            ]
            .contains(&name.as_ref());
        if set_by_cargo_test {
            command.env_remove(name.as_ref());
        }
    }
}

/// Runs `program args` (with `stdin`), killed after `deadline`.
async fn run(program: &str, args: &[&str], stdin: Option<&[u8]>, deadline: Duration) -> Ran {
    let mut command = tokio::process::Command::new(program);
    command
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    without_test_environment(&mut command);
    let shown = format!("{program} {}", args.join(" "));
    let mut child = command
        .spawn()
        .unwrap_or_else(|error| panic!("cannot run `{shown}`: {error}"));
    if let Some(bytes) = stdin {
        use tokio::io::AsyncWriteExt;
        let mut pipe = child.stdin.take().expect("piped stdin");
        pipe.write_all(bytes).await.expect("write stdin");
        drop(pipe);
    }
    let output = tokio::time::timeout(deadline, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("`{shown}` did not finish within {deadline:?}"))
        .unwrap_or_else(|error| panic!("`{shown}` failed to run: {error}"));
    Ran {
        ok: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// [`run`], failing the test unless it succeeds.
async fn must(program: &str, args: &[&str], deadline: Duration) -> String {
    let ran = run(program, args, None, deadline).await;
    assert!(
        ran.ok,
        "`{program} {}` failed:\n{}\n{}",
        args.join(" "),
        ran.stdout,
        ran.stderr
    );
    ran.stdout
}

/// Polls `condition` every second until it holds; fails naming `what` (and the last
/// thing `condition` said) after `deadline`.
async fn wait_for<F, Fut>(deadline: Duration, what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    let give_up = Instant::now() + deadline;
    loop {
        match condition().await {
            Ok(()) => return,
            Err(last) if Instant::now() >= give_up => {
                panic!("gave up after {deadline:?} waiting for {what}; last: {last}")
            }
            Err(_) => tokio::time::sleep(Duration::from_secs(1)).await,
        }
    }
}

/// The compose project of one run; `down -v` (containers, network, volumes) and the
/// image tag removed when dropped, also on failure (after printing what the containers
/// were doing).
struct Project {
    name: String,
    compose_file: PathBuf,
    image: String,
    network: String,
    containers: BTreeMap<String, String>,
}

impl Project {
    fn compose_command(&self) -> std::process::Command {
        let mut command = std::process::Command::new("docker-compose");
        command
            .arg("-p")
            .arg(&self.name)
            .arg("-f")
            .arg(&self.compose_file)
            .env("CONCORD_IMAGE", &self.image)
            .stdin(Stdio::null());
        command
    }

    async fn compose(&self, args: &[&str], deadline: Duration) -> String {
        let mut all = vec!["-p", &self.name, "-f"];
        let file = self.compose_file.to_string_lossy().into_owned();
        all.push(&file);
        all.extend_from_slice(args);
        let mut command = tokio::process::Command::new("docker-compose");
        command
            .args(&all)
            .env("CONCORD_IMAGE", &self.image)
            .stdin(Stdio::null())
            .kill_on_drop(true);
        let output = tokio::time::timeout(deadline, command.output())
            .await
            .unwrap_or_else(|_| panic!("`docker-compose {args:?}` took over {deadline:?}"))
            .expect("docker-compose runs");
        assert!(
            output.status.success(),
            "`docker-compose {}` failed:\n{}\n{}",
            args.join(" "),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn container(&self, member: &str) -> &str {
        &self.containers[member]
    }

    /// `concord ARGS` inside `member`'s container, against its own node.
    async fn concord(&self, member: &str, args: &[&str], stdin: Option<&[u8]>) -> Ran {
        let mut all = vec!["exec"];
        if stdin.is_some() {
            all.push("-i");
        }
        all.push(self.container(member));
        all.push("concord");
        all.extend_from_slice(args);
        all.extend_from_slice(&["--timeout", "10"]);
        run("docker", &all, stdin, Duration::from_secs(60)).await
    }

    /// `concord info -o json` at `member`'s node.
    async fn info(&self, member: &str) -> Result<Value, String> {
        let ran = self.concord(member, &["info", "-o", "json"], None).await;
        if !ran.ok {
            return Err(format!("{member}: info failed: {}", ran.stderr.trim()));
        }
        serde_json::from_str(&ran.stdout).map_err(|e| format!("{member}: info: {e}"))
    }

    /// `concord status -o json` at `member`'s node.
    async fn status(&self, member: &str) -> Result<Value, String> {
        let ran = self.concord(member, &["status", "-o", "json"], None).await;
        if !ran.ok {
            return Err(format!("{member}: status failed: {}", ran.stderr.trim()));
        }
        serde_json::from_str(&ran.stdout).map_err(|e| format!("{member}: status: {e}"))
    }

    /// The ids `concord list --all` shows at `member`'s node.
    async fn listed_ids(&self, member: &str) -> Result<std::collections::BTreeSet<String>, String> {
        let ran = self
            .concord(member, &["list", "--all", "-o", "json"], None)
            .await;
        if !ran.ok {
            return Err(format!("{member}: list failed: {}", ran.stderr.trim()));
        }
        ran.stdout
            .lines()
            .map(|line| {
                let report: Value =
                    serde_json::from_str(line).map_err(|e| format!("{member}: list: {e}"))?;
                report["id"]
                    .as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("{member}: a listed report has no id: {line}"))
            })
            .collect()
    }

    /// Health of the given members' containers, as Docker sees it.
    async fn health(&self, members: &[&str]) -> Vec<(String, String)> {
        let mut args = vec!["inspect", "-f", "{{.State.Health.Status}}"];
        args.extend(members.iter().map(|m| self.container(m)));
        let ran = run("docker", &args, None, Duration::from_secs(30)).await;
        ran.stdout
            .lines()
            .zip(members)
            .map(|(status, member)| (member.to_string(), status.trim().to_string()))
            .collect()
    }

    async fn wait_healthy(&self, members: &[&str], deadline: Duration) {
        wait_for(deadline, "healthy containers", || async move {
            let unhealthy: Vec<_> = self
                .health(members)
                .await
                .into_iter()
                .filter(|(_, status)| status != "healthy")
                .collect();
            if unhealthy.is_empty() && !members.is_empty() {
                Ok(())
            } else {
                Err(format!("{unhealthy:?}"))
            }
        })
        .await;
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("compose test failed; the containers were:");
            for args in [&["ps"][..], &["logs", "--no-color", "--tail", "15"][..]] {
                if let Ok(output) = self.compose_command().args(args).output() {
                    eprintln!(
                        "{}{}",
                        String::from_utf8_lossy(&output.stdout),
                        String::from_utf8_lossy(&output.stderr)
                    );
                }
            }
        }
        let _ = self
            .compose_command()
            .args(["down", "-v", "--remove-orphans", "--timeout", "5"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        // A network left behind (say, by a failed reconnect) is removed by name.
        let _ = std::process::Command::new("docker")
            .args(["network", "rm", &self.network])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::process::Command::new("docker")
            .args(["rmi", &self.image])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// Why this machine cannot run the test, if it cannot.
async fn missing_prerequisite() -> Option<String> {
    let docker = tokio::process::Command::new("docker")
        .arg("info")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    match tokio::time::timeout(Duration::from_secs(30), docker).await {
        Ok(Ok(status)) if status.success() => {}
        Ok(Ok(_)) => return Some("`docker info` failed: no Docker engine reachable".into()),
        Ok(Err(error)) => return Some(format!("docker is not installed ({error})")),
        Err(_) => return Some("`docker info` did not answer within 30 s".into()),
    }
    let compose = tokio::process::Command::new("docker-compose")
        .arg("version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .await;
    if !compose.is_ok_and(|status| status.success()) {
        return Some("docker-compose is not installed".into());
    }
    let base = run(
        "docker",
        &["image", "inspect", "concord-base:bookworm"],
        None,
        Duration::from_secs(30),
    )
    .await;
    let root = run("id", &["-u"], None, Duration::from_secs(10)).await;
    if !base.ok && root.stdout.trim() != "0" {
        return Some(
            "the base image concord-base:bookworm is missing and building it needs root \
             (debootstrap): run `sudo deploy/base-image.sh` first"
                .into(),
        );
    }
    None
}

/// The demo's reports of `organization` (cycled), as report files.
fn reports_of(organization: &str) -> Vec<Vec<u8>> {
    let all: Vec<Value> = serde_json::from_str(include_str!("../../src/cli/demo_reports.json"))
        .expect("demo reports parse");
    all.into_iter()
        .filter(|entry| entry["organization"] == organization)
        .map(|entry| serde_json::to_vec(&entry["report"]).expect("report serializes"))
        .collect()
}

/// Posts, and what every node must end up holding.
struct Posts {
    /// Entries authored per organization.
    per_organization: BTreeMap<String, u64>,
    counter: usize,
}

impl Posts {
    /// Posts one report at `member`'s node (retrying while the node recovers or starts).
    async fn post(&mut self, project: &Project, member: &str) {
        let reports = reports_of(member);
        let report = &reports[self.counter % reports.len()];
        self.counter += 1;
        let key = format!("compose-{}-{member}", self.counter);
        let what = format!("a post at {member}");
        let key = key.as_str();
        wait_for(Duration::from_secs(90), &what, || async move {
            let ran = project
                .concord(
                    member,
                    &["submit", "-f", "-", "--idempotency-key", key],
                    Some(report),
                )
                .await;
            if ran.ok {
                Ok(())
            } else {
                Err(ran.stderr.trim().to_string())
            }
        })
        .await;
        *self.per_organization.entry(member.to_string()).or_default() += 1;
    }

    fn total(&self) -> u64 {
        self.per_organization.values().sum()
    }
}

/// A node's logs as (organization, sequence, head hash), sorted.
type Heads = Vec<(String, u64, String)>;

/// A node's logs, and its report count.
fn frontier(info: &Value) -> (Heads, u64) {
    let mut heads: Heads = serde_json::from_value(info["frontier"].clone()).unwrap_or_default();
    heads.sort();
    (heads, info["report_count"].as_u64().unwrap_or(0))
}

/// Waits until every node in `members` holds exactly the posts made so far, with the
/// same heads everywhere.
async fn wait_converged(project: &Project, members: &[&str], posts: &Posts, deadline: Duration) {
    let what = format!("{} nodes to converge", members.len());
    wait_for(deadline, &what, || async move {
        let infos = futures_util::future::join_all(members.iter().map(|m| project.info(m))).await;
        let mut first: Option<(Heads, u64)> = None;
        for (member, info) in members.iter().zip(infos) {
            let (heads, count) = frontier(&info?);
            let sequences: BTreeMap<String, u64> =
                heads.iter().map(|(o, s, _)| (o.clone(), *s)).collect();
            if sequences != posts.per_organization || count != posts.total() {
                return Err(format!(
                    "{member} holds {sequences:?} ({count} reports), expected {:?}",
                    posts.per_organization
                ));
            }
            match &first {
                None => first = Some((heads, count)),
                Some((expected, _)) if *expected != heads => {
                    return Err(format!(
                        "{member}'s heads differ: {heads:?} vs {expected:?}"
                    ));
                }
                Some(_) => {}
            }
        }
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifteen_members_in_containers_partition_restart_and_loss() {
    if let Some(reason) = missing_prerequisite().await {
        eprintln!("SKIPPED compose test: {reason}");
        return;
    }
    let started = Instant::now();
    let step = |what: &str| eprintln!("[compose {:>5.1}s] {what}", started.elapsed().as_secs_f64());
    let root = repo_root();
    let script = |name: &str| {
        root.join("deploy")
            .join(name)
            .to_string_lossy()
            .into_owned()
    };

    step("base image (deploy/base-image.sh; skipped when it exists)");
    must(&script("base-image.sh"), &[], Duration::from_secs(600)).await;

    let unique = format!(
        "{}{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() % 1_000_000)
            .unwrap_or(0)
    );
    let mut project = Project {
        name: format!("concordtest{unique}"),
        compose_file: root.join("deploy/compose.yaml"),
        image: format!("concord-node:test{unique}"),
        network: format!("concordtest{unique}_concord"),
        containers: BTreeMap::new(),
    };

    step(
        "node image from the release binary (deploy/build-image.sh: cargo build --release --locked)",
    );
    must(
        &script("build-image.sh"),
        &["--tag", &project.image],
        Duration::from_secs(1800),
    )
    .await;

    step("docker-compose up: init, then fifteen nodes");
    project
        .compose(&["up", "-d"], Duration::from_secs(240))
        .await;
    let members = members();
    for member in &members {
        let id = project
            .compose(&["ps", "-q", &service(member)], Duration::from_secs(60))
            .await;
        let id = id.trim().to_string();
        assert!(!id.is_empty(), "no container for {member}");
        project.containers.insert(member.to_string(), id);
    }
    let init_logs = project
        .compose(&["logs", "--no-color", "init"], Duration::from_secs(60))
        .await;
    assert!(
        init_logs.contains("https://escap.concord.internal:7400"),
        "init did not set up the group: {init_logs}"
    );
    project
        .wait_healthy(&members, Duration::from_secs(180))
        .await;
    step("all fifteen healthy (grpc.health.v1 over mutual TLS)");

    let project = &project;
    let all = &members;
    // Every node has every other as a connected peer before anything is posted.
    wait_for(
        Duration::from_secs(120),
        "a full mesh of sessions",
        || async move {
            let statuses =
                futures_util::future::join_all(all.iter().map(|m| project.status(m))).await;
            for (member, status) in all.iter().zip(statuses) {
                let status = status?;
                let connected = status["peers"]
                    .as_array()
                    .map(|peers| peers.iter().filter(|p| p["state"] == "CONNECTED").count())
                    .unwrap_or(0);
                if connected != all.len() - 1 || status["recovering"] == true {
                    return Err(format!(
                        "{member}: {connected} peers connected, recovering {}",
                        status["recovering"]
                    ));
                }
            }
            Ok(())
        },
    )
    .await;
    step("full mesh: every node connected to the fourteen others");

    let mut posts = Posts {
        per_organization: BTreeMap::new(),
        counter: 0,
    };
    for member in ["ESCAP", "IOM", "ILO", "UNHCR", "ESCAP", "IOM"] {
        posts.post(project, member).await;
    }
    wait_converged(project, &members, &posts, Duration::from_secs(120)).await;
    step(&format!(
        "{} reports posted at four members, everywhere",
        posts.total()
    ));

    // Two members cut off the network; the others, and one of the two, keep posting.
    let cut = ["UNICEF", "UNODC"];
    let unicef_before_cut = posts.per_organization.get("UNICEF").copied();
    for member in cut {
        must(
            "docker",
            &[
                "network",
                "disconnect",
                &project.network,
                project.container(member),
            ],
            Duration::from_secs(60),
        )
        .await;
    }
    step("UNICEF and UNODC disconnected");
    for member in ["ESCAP", "WHO", "UNDP", "UNICEF", "IOM"] {
        posts.post(project, member).await;
    }
    let connected: Vec<&str> = members
        .iter()
        .copied()
        .filter(|m| !cut.contains(m))
        .collect();
    // What the connected nodes can hold: everything but UNICEF's posts made while cut off.
    let mut reachable = Posts {
        per_organization: posts.per_organization.clone(),
        counter: 0,
    };
    match unicef_before_cut {
        Some(count) => reachable.per_organization.insert("UNICEF".into(), count),
        None => reachable.per_organization.remove("UNICEF"),
    };
    wait_converged(project, &connected, &reachable, Duration::from_secs(120)).await;
    // The cut-off nodes really were cut off: UNODC has none of what was posted since.
    let (unodc_heads, _) = frontier(&project.info("UNODC").await.expect("UNODC info"));
    assert!(
        !unodc_heads.iter().any(|(o, ..)| o == "WHO" || o == "UNDP"),
        "UNODC received entries while disconnected: {unodc_heads:?}"
    );
    step("13 connected nodes converged without the cut-off two; UNODC saw nothing");

    for member in cut {
        let alias = service(member);
        let fqdn = format!("{alias}.concord.internal");
        must(
            "docker",
            &[
                "network",
                "connect",
                "--alias",
                &alias,
                "--alias",
                &fqdn,
                &project.network,
                project.container(member),
            ],
            Duration::from_secs(60),
        )
        .await;
    }
    step("UNICEF and UNODC reconnected");
    wait_converged(project, &members, &posts, Duration::from_secs(180)).await;
    step(&format!(
        "all fifteen converged: {} reports, same heads everywhere",
        posts.total()
    ));

    // A restart keeps the store: same incarnation, same logs, from the volume.
    let before = project.info("IOM").await.expect("IOM info");
    must(
        "docker",
        &["restart", "-t", "20", project.container("IOM")],
        Duration::from_secs(90),
    )
    .await;
    project
        .wait_healthy(&["IOM"], Duration::from_secs(120))
        .await;
    let after = project.info("IOM").await.expect("IOM info after restart");
    assert_eq!(
        after["store_incarnation"], before["store_incarnation"],
        "IOM's store is not the one from before the restart"
    );
    assert_eq!(frontier(&after), frontier(&before), "IOM's logs changed");
    posts.post(project, "IOM").await;
    wait_converged(project, &members, &posts, Duration::from_secs(120)).await;
    step("IOM restarted with its store intact (same incarnation) and posts again");

    // One member gone for good: the others keep working and report it unreachable.
    project
        .compose(
            &["stop", "-t", "20", &service("UNIAP")],
            Duration::from_secs(90),
        )
        .await;
    let remaining: &Vec<&str> = &members
        .iter()
        .copied()
        .filter(|m| *m != "UNIAP")
        .collect::<Vec<_>>();
    for member in ["ESCAP", "OHCHR", "UNICEF"] {
        posts.post(project, member).await;
    }
    wait_converged(project, remaining, &posts, Duration::from_secs(120)).await;
    wait_for(
        Duration::from_secs(90),
        "every remaining node to report UNIAP not connected",
        || async move {
            let statuses =
                futures_util::future::join_all(remaining.iter().map(|m| project.status(m))).await;
            for (member, status) in remaining.iter().zip(statuses) {
                let status = status?;
                let uniap = status["peers"]
                    .as_array()
                    .and_then(|peers| peers.iter().find(|p| p["organization"] == "UNIAP"))
                    .ok_or_else(|| format!("{member} has no UNIAP peer"))?;
                if uniap["state"] == "CONNECTED" {
                    return Err(format!("{member} still has UNIAP CONNECTED"));
                }
            }
            Ok(())
        },
    )
    .await;
    let health = project.health(remaining).await;
    assert!(
        health.iter().all(|(_, status)| status == "healthy"),
        "{health:?}"
    );
    step("UNIAP stopped: 14 nodes post, converge, and report it not connected");
    let listed =
        futures_util::future::join_all(remaining.iter().map(|m| project.listed_ids(m))).await;
    let mut first: Option<&std::collections::BTreeSet<String>> = None;
    for (member, ids) in remaining.iter().zip(&listed) {
        let ids = ids.as_ref().expect("list");
        assert_eq!(
            ids.len() as u64,
            posts.total(),
            "{member} lists {} reports",
            ids.len()
        );
        if let Some(first) = first {
            assert_eq!(
                ids, first,
                "{member} lists other reports than {}",
                remaining[0]
            );
        }
        first = Some(ids);
    }
    step(&format!(
        "`concord list --all` shows the same {} reports at all 14",
        posts.total()
    ));
    eprintln!(
        "compose test passed in {:.0} s",
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn compose_file_names_every_default_member() {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/compose.yaml"))
            .expect("deploy/compose.yaml");
    for member in members() {
        let name = service(member);
        for needle in [
            format!("\n  {name}:\n"),
            format!("{name}.concord.internal"),
            format!("{name}-config:/group/{member}"),
            format!("{name}-data:/var/lib/concord"),
        ] {
            assert!(text.contains(&needle), "compose.yaml lacks {needle:?}");
        }
    }
}

/// `concord group init` (what the compose network's init job runs) and `concord health`
/// (its health check), without Docker: each member gets only its own files, a second run
/// changes nothing, and a node started from the written configuration answers SERVING to
/// its own certificate and to its operator's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_init_writes_member_directories_and_health_answers() {
    use super::harness::{NodeProcess, run_concord};
    let temp = tempfile::tempdir().expect("temporary directory");
    let dir = temp.path().join("group");
    let escap = dir.join("ESCAP");
    let dir_arg = dir.to_string_lossy().into_owned();
    let escap_arg = escap.to_string_lossy().into_owned();
    let data_arg = temp
        .path()
        .join("escap-data")
        .to_string_lossy()
        .into_owned();
    let init = [
        "group",
        "init",
        "--dir",
        &dir_arg,
        "--member",
        "ESCAP",
        "--member",
        "IOM",
        "--config-dir",
        &escap_arg,
        "--data-dir",
        &data_arg,
        "--metrics-port",
        "0",
    ];
    let first = run_concord(&init).await.success();
    assert!(
        first.stdout.contains("https://iom.concord.internal:7400"),
        "{first:?}"
    );

    let mut certs: Vec<String> = std::fs::read_dir(escap.join("certs"))
        .expect("ESCAP/certs")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    certs.sort();
    assert_eq!(
        certs,
        [
            "ca.crt",
            "client.ESCAP.admin.crt",
            "client.ESCAP.admin.key",
            "node.ESCAP.crt",
            "node.ESCAP.key"
        ],
        "a member's directory holds its own certificates only (never the CA's key)"
    );
    let membership = std::fs::read_to_string(escap.join("membership.toml")).expect("membership");
    assert_eq!(
        membership,
        std::fs::read_to_string(dir.join("membership.toml")).expect("group membership")
    );
    assert!(membership.contains("https://escap.concord.internal:7400"));
    let config = concord::config::NodeConfig::load(&escap.join("concord.toml")).expect("config");
    assert_eq!(config.organization, "ESCAP");
    assert_eq!(config.store.cache_mib, 16);
    assert_eq!(config.signing_key_file, Some(escap.join("signing.key")));
    let key = std::fs::read(escap.join("signing.key")).expect("signing key");
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(escap.join("signing.key"))
            .expect("key")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    run_concord(&init).await.success();
    assert_eq!(
        std::fs::read(escap.join("signing.key")).expect("signing key"),
        key,
        "a second run keeps the signing key"
    );

    let config_file = escap.join("concord.toml").into_os_string();
    let node = NodeProcess::try_spawn_with_args(
        &[
            "node".into(),
            "--config".into(),
            config_file.clone(),
            "--listen".into(),
            "127.0.0.1:0".into(),
        ],
        &temp.path().join("logs"),
    )
    .expect("ESCAP's node starts from the written configuration");
    let endpoint = node.endpoint.replace("http://", "https://");
    let config_arg = config_file.to_string_lossy().into_owned();
    let certs_arg = escap.join("certs").to_string_lossy().into_owned();
    let as_node = run_concord(&["health", "--config", &config_arg, "--endpoint", &endpoint])
        .await
        .success();
    assert_eq!(as_node.stdout.trim(), "SERVING");
    let as_operator = run_concord(&[
        "health",
        "--endpoint",
        &endpoint.replace("127.0.0.1", "localhost"),
        "--certs-dir",
        &certs_arg,
        "--service",
        "concord.v1.Reports",
    ])
    .await
    .success();
    assert_eq!(as_operator.stdout.trim(), "SERVING");
    let unknown = run_concord(&[
        "health",
        "--endpoint",
        &endpoint,
        "--certs-dir",
        &certs_arg,
        "--service",
        "no.such.Service",
    ])
    .await
    .failure();
    assert!(unknown.stderr.contains("NOT_FOUND"), "{unknown:?}");
    node.terminate();
    let stopped = run_concord(&[
        "health",
        "--config",
        &config_arg,
        "--endpoint",
        &endpoint,
        "--timeout",
        "2",
    ])
    .await
    .failure();
    assert!(stopped.stderr.contains("UNAVAILABLE"), "{stopped:?}");
}
