//! A client nobody here wrote: Python `grpcio` (with grpcio-tools, grpcio-health-checking,
//! grpcio-reflection and grpcio-status) against the real `concord node` over mutual TLS.
//!
//! Everything is made with the real binary in a temporary directory: the working group's CA,
//! the node's and a client's certificates, the signing key, the membership file and the node
//! configuration. The checks themselves are in `tests/python/test_third_party_client.py`.
//! Python 3 and the packages of `tests/python/requirements.txt` are required (`.ci/run`
//! installs them): without them this test fails, saying so; it never skips.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use concord::config::{NodeConfig, TlsConfig};
use concord::trust::membership::{Member, MembershipFile};

use crate::harness::{NodeProcess, ORG, run_concord};

/// The whole Python run (interpreter start, stub generation, five checks): seconds on an
/// idle machine, far less than this on a busy one.
const PYTHON_DEADLINE: Duration = Duration::from_secs(300);

/// The working group of this test's certificates.
const GROUP: &str = "rtwg-python";

fn repository_file(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

/// CA, node and client certificates, signing key, membership and configuration in `dir`;
/// returns the configuration file and the client's certificate and key.
async fn set_up_node_files(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let certs = dir.join("certs");
    let certs_arg = path_str(&certs);
    run_concord(&[
        "cert",
        "create-ca",
        "--certs-dir",
        certs_arg,
        "--group",
        GROUP,
    ])
    .await
    .success();
    run_concord(&[
        "cert",
        "create-node",
        "--certs-dir",
        certs_arg,
        "--org",
        ORG,
        "--host",
        "127.0.0.1",
    ])
    .await
    .success();
    run_concord(&[
        "cert",
        "create-client",
        "--certs-dir",
        certs_arg,
        "--org",
        ORG,
        "--name",
        "python",
    ])
    .await
    .success();
    let client_cert = certs.join(format!("client.{ORG}.python.crt"));
    let client_key = certs.join(format!("client.{ORG}.python.key"));
    assert!(client_cert.is_file() && client_key.is_file());

    let signing_key = dir.join("signing.key");
    let public_key = run_concord(&["key", "create", "--out", path_str(&signing_key)])
        .await
        .success()
        .stdout
        .trim()
        .to_string();
    assert_eq!(public_key.len(), 64, "public key hex: {public_key:?}");

    let membership = MembershipFile {
        group: GROUP.into(),
        co_chairs: vec![ORG.into()],
        deny_fingerprints: vec![],
        members: vec![Member {
            code: ORG.into(),
            name: "Economic and Social Commission for Asia and the Pacific".into(),
            signing_keys: vec![public_key],
            endpoints: vec![],
            iati_identifiers: vec![],
            aliases: vec![],
        }],
    };
    let membership_file = dir.join("membership.toml");
    std::fs::write(
        &membership_file,
        toml::to_string(&membership).expect("membership as TOML"),
    )
    .expect("write membership");

    let mut config = NodeConfig {
        organization: ORG.into(),
        data_dir: dir.join("node"),
        signing_key_file: Some(signing_key),
        tls: Some(TlsConfig {
            certs_dir: Some(certs),
            membership_file,
            ..TlsConfig::default()
        }),
        ..NodeConfig::default()
    };
    config.store.cache_mib = 8;
    config.shutdown.grace_secs = 5;
    let config_file = dir.join("concord.toml");
    std::fs::write(
        &config_file,
        toml::to_string(&config).expect("configuration as TOML"),
    )
    .expect("write configuration");
    (config_file, client_cert, client_key)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_grpcio_health_reflection_submit_and_errors_over_mutual_tls() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let (config_file, client_cert, client_key) = set_up_node_files(dir.path()).await;

    let args: Vec<OsString> = vec![
        "node".into(),
        "--config".into(),
        config_file.into_os_string(),
        "--listen".into(),
        "127.0.0.1:0".into(),
    ];
    let logs = dir.path().join("logs");
    let node = tokio::task::spawn_blocking(move || NodeProcess::try_spawn_with_args(&args, &logs))
        .await
        .expect("spawn task")
        .unwrap_or_else(|failure| panic!("concord node did not start: {failure:#?}"));
    let address = node
        .endpoint
        .strip_prefix("http://")
        .expect("endpoint is http://ADDR")
        .to_string();

    let script = repository_file("tests/python/test_third_party_client.py");
    let stdout_path = dir.path().join("python.stdout");
    let stderr_path = dir.path().join("python.stderr");
    let mut command = tokio::process::Command::new("python3");
    command
        .arg(&script)
        .env("CONCORD_TEST_ENDPOINT", &address)
        .env("CONCORD_TEST_CERTS_DIR", dir.path().join("certs"))
        .env("CONCORD_TEST_CLIENT_CERT", &client_cert)
        .env("CONCORD_TEST_CLIENT_KEY", &client_key)
        .env("CONCORD_TEST_PROTO_DIR", repository_file("proto"))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONUNBUFFERED", "1")
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout_path).expect("stdout file"))
        .stderr(std::fs::File::create(&stderr_path).expect("stderr file"))
        .kill_on_drop(true);
    let mut child = command.spawn().unwrap_or_else(|error| {
        panic!(
            "cannot run python3 ({error}): this test needs Python 3 on PATH with the packages \
             of tests/python/requirements.txt (`python3 -m pip install -r \
             tests/python/requirements.txt`; .ci/run installs them)"
        )
    });
    let printed = || {
        format!(
            "--- python stdout ---\n{}\n--- python stderr ---\n{}\n--- node log ---\n{}",
            std::fs::read_to_string(&stdout_path).unwrap_or_default(),
            std::fs::read_to_string(&stderr_path).unwrap_or_default(),
            node.log()
        )
    };
    let status = match tokio::time::timeout(PYTHON_DEADLINE, child.wait()).await {
        Ok(status) => status.expect("wait for python3"),
        Err(_) => {
            let _ = child.kill().await;
            panic!(
                "{} did not finish within {PYTHON_DEADLINE:?}\n{}",
                script.display(),
                printed()
            );
        }
    };
    let stdout = std::fs::read_to_string(&stdout_path).unwrap_or_default();
    assert!(
        status.code() != Some(2),
        "the Python client could not run: a package or setting is missing. Install the \
         packages with `python3 -m pip install -r tests/python/requirements.txt` (.ci/run does).\n{}",
        printed()
    );
    assert!(
        status.success() && stdout.lines().any(|line| line == "5 passed, 0 failed"),
        "the Python grpcio client failed against the node ({status})\n{}",
        printed()
    );

    let status = tokio::task::spawn_blocking(move || node.terminate())
        .await
        .expect("terminate task");
    assert!(status.success(), "node exit after SIGTERM: {status}");
}
