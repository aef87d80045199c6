//! Trust, enforced: mutual-TLS nodes of a test working group (`group`) refuse every
//! certificate they must refuse, with the status code `docs/security.md` ("Error
//! conventions") says a caller sees, grant each role exactly its rights, record denials and
//! writes in the audit log, refuse to start with keys or certificates that do not fit, keep
//! serving while a silent TCP client holds a connection, and rate-limit each member.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use concord::config::NodeConfig;
use concord::rpc::client::{Client, ClientError, ClientTls};
use concord::rpc::pb;
use concord::rpc::pb::reports_client::ReportsClient;
use concord::trust::certs::{Ca, LeafSpec};
use concord::trust::identity::Identity;
use concord::trust::tls::certificates_from_pem;
use tonic::codegen::http::uri::PathAndQuery;
use tonic::transport::Channel;
use tonic::{Code, Status};

use crate::group::{
    ESCAP, GROUP, GroupNode, ILO, IOM, TestGroup, anonymous_tls_config, client_tls_config, field,
    fingerprint_of, lazy_channel, start_error, wait_for_audit,
};
use crate::harness::{PATIENCE, sample_content, wait_until};

const SUBMIT: &str = "/concord.v1.Reports/Submit";
const NODE_INFO: &str = "/concord.v1.Reports/NodeInfo";
const REPLICATION_SYNC: &str = "/concord.v1.Replication/Sync";
const COORDINATION_REVIEW: &str = "/concord.v1.Coordination/Review";

// ----------------------------------------------------------------------------------------
// Helpers
// ----------------------------------------------------------------------------------------

/// Calls `path` with an empty message, whether or not a service serves it: the gate
/// answers before routing.
async fn call_raw(channel: Channel, path: &'static str) -> Result<(), Status> {
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.expect("channel ready");
    grpc.unary(
        tonic::Request::new(()),
        PathAndQuery::from_static(path),
        tonic_prost::ProstCodec::<(), ()>::default(),
    )
    .await
    .map(|_| ())
}

async fn node_info(channel: Channel) -> Result<pb::NodeInfoResponse, Status> {
    ReportsClient::new(channel)
        .node_info(pb::NodeInfoRequest {})
        .await
        .map(tonic::Response::into_inner)
}

async fn submit(channel: Channel, title: &str) -> Result<pb::Report, Status> {
    ReportsClient::new(channel)
        .submit(pb::SubmitRequest {
            content: Some(sample_content(title)),
            idempotency_key: String::new(),
        })
        .await
        .map(|response| response.into_inner().report.expect("a report"))
}

/// The code of a call that must fail.
fn refused<T>(what: &str, result: Result<T, Status>) -> Status {
    match result {
        Ok(_) => panic!("{what}: the call succeeded, but it must be refused"),
        Err(status) => status,
    }
}

/// What the project's own client (`concord::rpc::client::Client`) reports for a NodeInfo
/// call presenting `tls`: the failure of connecting or of the call.
async fn project_client_code(endpoint: &str, tls: &ClientTls) -> Code {
    match Client::connect_with(endpoint, Duration::from_secs(10), Some(tls)).await {
        Err(error) => error.code,
        Ok(client) => match client.node_info().await {
            Ok(_) => panic!("the project's client got through with a refused certificate"),
            Err(error) => error.code,
        },
    }
}

/// Makes a TLS connection to `addr` presenting `certificate` (or none) and returns how the
/// server refused it: the error of the handshake or of the first read after it (with TLS 1.3
/// the server's verdict on the client's certificate arrives once the client's side of the
/// handshake is done). Panics if the server accepts the connection (it then sends its
/// HTTP/2 settings, which the read receives).
async fn tls_refusal(addr: SocketAddr, ca_pem: &str, certificate: Option<&ClientTls>) -> String {
    use rustls::pki_types::PrivateKeyDer;
    use rustls::pki_types::pem::PemObject;
    use tokio::io::AsyncReadExt;

    let mut roots = rustls::RootCertStore::empty();
    for ca in certificates_from_pem("CA certificate", ca_pem).expect("CA PEM") {
        roots.add(ca).expect("CA certificate");
    }
    let builder = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("protocol versions")
    .with_root_certificates(roots);
    let mut config = match certificate {
        None => builder.with_no_client_auth(),
        Some(tls) => builder
            .with_client_auth_cert(
                certificates_from_pem("client certificate", &tls.certificate_pem)
                    .expect("certificate PEM"),
                PrivateKeyDer::from_pem_slice(tls.key_pem.as_bytes()).expect("key PEM"),
            )
            .expect("client certificate and key"),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let server_name = rustls::pki_types::ServerName::IpAddress(addr.ip().into());
    let outcome = tokio::time::timeout(PATIENCE, async {
        let mut stream = connector.connect(server_name, tcp).await?;
        let mut buffer = [0u8; 1];
        stream.read(&mut buffer).await
    })
    .await
    .expect("the server answers the handshake within the deadline");
    match outcome {
        Ok(read) => panic!("the server accepted the connection (read {read} bytes)"),
        Err(error) => error.to_string(),
    }
}

/// A leaf for `identity` from the group's CA, valid for 30 days.
fn spec_for(identity: &Identity) -> LeafSpec {
    LeafSpec::for_identity(identity, &[], 30)
}

/// Waits for the audit record of a refused call to `method` by the certificate `tls`, and
/// checks it says "deny", the code and a reason.
async fn wait_for_denial(
    node: &GroupNode,
    tls: &ClientTls,
    method: &str,
    code: &str,
) -> serde_json::Value {
    let fingerprint = fingerprint_of(tls);
    let record = wait_for_audit(
        &node.audit_log(),
        &format!("the denial of {method} to {fingerprint}"),
        |record| {
            field(record, "fingerprint") == fingerprint
                && field(record, "method") == method
                && field(record, "decision") == "deny"
        },
    )
    .await;
    assert_eq!(field(&record, "code"), code, "{record}");
    assert!(!field(&record, "reason").is_empty(), "no reason: {record}");
    assert!(!field(&record, "time").is_empty(), "no time: {record}");
    assert!(
        field(&record, "peer").starts_with("127.0.0.1:"),
        "no peer address: {record}"
    );
    record
}

// ----------------------------------------------------------------------------------------
// Certificates refused in the handshake: UNAVAILABLE
// ----------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificates_refused_in_the_handshake_leave_the_caller_unavailable() {
    let group = TestGroup::new();
    let node = group.start(ESCAP).await;
    let ca_pem = group.ca().certificate_pem().to_string();

    // A CA with the same group name, but not the group's CA.
    let foreign_ca = Ca::generate(GROUP, 30).expect("foreign CA");
    let foreign_leaf = foreign_ca
        .issue(&spec_for(&Identity::client(GROUP, ESCAP, "mallory")))
        .expect("foreign leaf");
    let foreign = ClientTls {
        ca_pem: ca_pem.clone(),
        certificate_pem: foreign_leaf.certificate_pem,
        key_pem: foreign_leaf.key_pem,
    };
    let mut expired_spec = spec_for(&Identity::client(GROUP, ESCAP, "former"));
    let now = time::OffsetDateTime::now_utc();
    expired_spec.not_before = now - time::Duration::days(30);
    expired_spec.not_after = now - time::Duration::days(1);
    let expired = group.tls_for(&expired_spec);

    // How the server refuses each, at the TLS level: the alert it sends.
    let cases = [
        ("no client certificate", None, &["CertificateRequired"][..]),
        (
            "a certificate of a foreign CA",
            Some(&foreign),
            // Same issuer name as the group's CA, another key: the signature does not verify.
            &["DecryptError", "UnknownCA", "BadCertificate"][..],
        ),
        (
            "an expired certificate",
            Some(&expired),
            &["CertificateExpired"][..],
        ),
    ];
    for (what, certificate, alerts) in cases {
        let refusal = tls_refusal(node.addr, &ca_pem, certificate).await;
        assert!(
            alerts
                .iter()
                .any(|alert| refusal.contains(&format!("received fatal alert: {alert}"))),
            "{what}: refused with another TLS alert than {alerts:?}: {refusal}"
        );

        // With TLS 1.3 the client has finished its side of the handshake when the server
        // refuses its certificate, so the alert arrives while the first call is under way.
        // A generated tonic client reports UNKNOWN "transport error", or CANCELLED
        // "operation was canceled" when the connection closed before the call was sent (a
        // race); the project's client (and so the CLI) reports UNAVAILABLE, the code the
        // error conventions promise.
        let tls = match certificate {
            None => anonymous_tls_config(&ca_pem),
            Some(certificate) => client_tls_config(certificate),
        };
        let status = refused(
            what,
            node_info(lazy_channel(&node.endpoint, Some(tls))).await,
        );
        assert!(
            matches!(
                (status.code(), status.message()),
                (Code::Unknown, "transport error") | (Code::Cancelled, "operation was canceled")
            ),
            "{what}: {status:?}"
        );
        assert_eq!(
            ClientError::from(status).code,
            Code::Unavailable,
            "{what}: what the project's client reports"
        );
    }
    // The project's client end to end, a few times each to meet both sides of the race.
    for (what, tls) in [("foreign CA", &foreign), ("expired", &expired)] {
        for _ in 0..5 {
            assert_eq!(
                project_client_code(&node.endpoint, tls).await,
                Code::Unavailable,
                "the project's client with a {what} certificate"
            );
        }
    }

    // None of them reached the gate: the first audit record is a later, audited denial.
    let marker = group.client_tls(IOM, "marker");
    refused("marker", submit(node.channel(&marker), "marker").await);
    wait_for_denial(&node, &marker, SUBMIT, "PERMISSION_DENIED").await;
    let records = crate::group::audit_records(&node.audit_log());
    assert_eq!(records.len(), 1, "only the marker is audited: {records:?}");

    // And the node serves a proper client as before.
    let alice = group.client_tls(ESCAP, "alice");
    node_info(node.channel(&alice))
        .await
        .expect("a proper client is served");
    node.shutdown().await;
}

// ----------------------------------------------------------------------------------------
// Valid certificates without a usable identity: UNAUTHENTICATED
// ----------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificates_without_a_usable_identity_are_unauthenticated_and_audited() {
    let group = TestGroup::new();
    let node = group.start(ESCAP).await;

    let mut two_uris = spec_for(&Identity::client(GROUP, ESCAP, "alice"));
    two_uris
        .uris
        .push(Identity::client(GROUP, IOM, "bob").uri());
    let mut no_uri = spec_for(&Identity::client(GROUP, ESCAP, "carol"));
    no_uri.uris.clear();
    let unknown_member = Identity::client(GROUP, "UNHCR", "dave");
    let other_group = Identity::client("othergroup", ESCAP, "erin");
    let cases = [
        ("two URI SANs", group.tls_for(&two_uris), "", "2 URI"),
        ("no URI SAN", group.tls_for(&no_uri), "", "no URI"),
        (
            "an organization not in the membership",
            group.tls_for(&spec_for(&unknown_member)),
            "spiffe://rtwg/org/UNHCR/client/dave",
            "UNHCR is not a member",
        ),
        (
            "another working group",
            group.tls_for(&spec_for(&other_group)),
            "spiffe://othergroup/org/ESCAP/client/erin",
            "othergroup",
        ),
    ];
    for (what, tls, identity, reason) in &cases {
        let status = refused(what, node_info(node.channel(tls)).await);
        assert_eq!(status.code(), Code::Unauthenticated, "{what}: {status:?}");
        assert!(status.message().contains(reason), "{what}: {status:?}");
        // A write is refused the same way, before any right is considered.
        let status = refused(what, submit(node.channel(tls), "x").await);
        assert_eq!(status.code(), Code::Unauthenticated, "{what}: {status:?}");

        let record = wait_for_denial(&node, tls, NODE_INFO, "UNAUTHENTICATED").await;
        assert_eq!(field(&record, "identity"), *identity, "{what}: {record}");
        assert!(
            field(&record, "reason").contains(reason),
            "{what}: {record}"
        );
        wait_for_denial(&node, tls, SUBMIT, "UNAUTHENTICATED").await;
    }

    let info = node_info(node.channel(&group.client_tls(ESCAP, "frank")))
        .await
        .expect("node info");
    assert_eq!(info.report_count, 0, "nothing was stored");
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deny_listed_certificate_is_unauthenticated() {
    let group = TestGroup::new();
    let node = group.start(ESCAP).await;
    let alice = group.client_tls(ESCAP, "alice");
    let bob = group.client_tls(ESCAP, "bob");
    submit(node.channel(&alice), "Before the deny-list")
        .await
        .expect("alice may write before she is deny-listed");

    let config = node.shutdown().await;
    group.write_membership(&[fingerprint_of(&alice)]);
    let node = group.start_with(config).await;

    for status in [
        refused("deny-listed read", node_info(node.channel(&alice)).await),
        refused(
            "deny-listed write",
            submit(node.channel(&alice), "After").await,
        ),
    ] {
        assert_eq!(status.code(), Code::Unauthenticated, "{status:?}");
        assert!(status.message().contains("deny-list"), "{status:?}");
    }
    let record = wait_for_denial(&node, &alice, SUBMIT, "UNAUTHENTICATED").await;
    assert_eq!(
        field(&record, "identity"),
        "spiffe://rtwg/org/ESCAP/client/alice"
    );
    assert!(field(&record, "reason").contains("deny-list"), "{record}");

    // Another certificate of the same member is not affected, and the data is all there.
    let info = node_info(node.channel(&bob))
        .await
        .expect("bob is not deny-listed");
    assert_eq!(info.report_count, 1);
    node.shutdown().await;
}

/// Certificates and membership are reloaded in place (SIGHUP): a deny-list entry takes
/// effect without a restart, a certificate that is not this node's is refused with the
/// reason and changes nothing, and the node serves throughout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reloading_applies_a_new_membership_and_refuses_a_wrong_certificate() {
    let group = TestGroup::new();
    let node = group.start(ESCAP).await;
    let alice = group.client_tls(ESCAP, "alice");
    let bob = group.client_tls(ESCAP, "bob");
    submit(node.channel(&alice), "Before the reload")
        .await
        .expect("alice may write");

    group.write_membership(&[fingerprint_of(&alice)]);
    let reloaded = node.reload().expect("reload");
    assert_eq!(reloaded.identity, "spiffe://rtwg/org/ESCAP/node");
    assert!(reloaded.certificate_expires.is_some(), "{reloaded:?}");
    let status = refused(
        "deny-listed after a reload",
        node_info(node.channel(&alice)).await,
    );
    assert_eq!(status.code(), Code::Unauthenticated, "{status:?}");
    node_info(node.channel(&bob))
        .await
        .expect("bob is not deny-listed");

    // ILO's certificate put in ESCAP's place: refused, and ESCAP's stays in force.
    let (escap_cert, escap_key) = group.node_files(ESCAP);
    let (ilo_cert, ilo_key) = group.node_files(ILO);
    let saved = (
        std::fs::read(&escap_cert).unwrap(),
        std::fs::read(&escap_key).unwrap(),
    );
    std::fs::copy(&ilo_cert, &escap_cert).unwrap();
    std::fs::copy(&ilo_key, &escap_key).unwrap();
    let error = node
        .reload()
        .expect_err("another node's certificate")
        .to_string();
    assert!(error.contains("ILO"), "{error}");
    std::fs::write(&escap_cert, &saved.0).unwrap();
    std::fs::write(&escap_key, &saved.1).unwrap();
    let info = node_info(node.connected_channel(&bob).await)
        .await
        .expect("still serving with its own certificate");
    assert_eq!(info.organization, ESCAP);
    node.shutdown().await;
}

// ----------------------------------------------------------------------------------------
// Known identities without the right: PERMISSION_DENIED
// ----------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_node_certificates_may_call_the_replication_service() {
    let group = TestGroup::new();
    let node = group.start(ESCAP).await;

    for tls in [
        group.client_tls(ESCAP, "alice"),
        group.client_tls(IOM, "bob"),
    ] {
        let status = refused(
            "a client on a node-only service",
            call_raw(node.channel(&tls), REPLICATION_SYNC).await,
        );
        assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
        let record = wait_for_denial(&node, &tls, REPLICATION_SYNC, "PERMISSION_DENIED").await;
        assert!(field(&record, "identity").contains("/client/"), "{record}");
    }

    // Node certificates get past the gate; no Replication service exists yet, so tonic's
    // router answers UNIMPLEMENTED.
    for organization in [IOM, ESCAP] {
        let tls = group.node_tls(organization);
        let status = refused(
            "a node on a service that does not exist yet",
            call_raw(node.channel(&tls), REPLICATION_SYNC).await,
        );
        assert_eq!(status.code(), Code::Unimplemented, "{status:?}");
        let record = wait_for_audit(&node.audit_log(), "an allowed node call", |record| {
            field(record, "fingerprint") == fingerprint_of(&tls)
                && field(record, "method") == REPLICATION_SYNC
        })
        .await;
        assert_eq!(field(&record, "decision"), "allow", "{record}");
        assert_eq!(
            field(&record, "identity"),
            format!("spiffe://rtwg/org/{organization}/node")
        );
    }
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_clients_of_the_nodes_own_organization_may_write_there() {
    let group = TestGroup::new();
    let node = group.start(ESCAP).await;
    let iom_client = group.client_tls(IOM, "bob");
    let escap_node = group.node_tls(ESCAP);
    let escap_client = group.client_tls(ESCAP, "alice");

    let status = refused(
        "IOM's client writing at ESCAP's node",
        submit(node.channel(&iom_client), "Not ours to write").await,
    );
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
    let record = wait_for_denial(&node, &iom_client, SUBMIT, "PERMISSION_DENIED").await;
    assert_eq!(
        field(&record, "identity"),
        "spiffe://rtwg/org/IOM/client/bob"
    );
    assert!(
        field(&record, "reason").contains("ESCAP's node"),
        "{record}"
    );

    let mut writer = ReportsClient::new(node.channel(&iom_client));
    let revise = writer
        .revise(pb::ReviseRequest {
            id: uuid::Uuid::now_v7().to_string(),
            expected_revision: 1,
            content: Some(sample_content("x")),
        })
        .await;
    assert_eq!(refused("revise", revise).code(), Code::PermissionDenied);
    let withdraw = writer
        .withdraw(pb::WithdrawRequest {
            id: uuid::Uuid::now_v7().to_string(),
            reason: "x".into(),
            expected_revision: 0,
        })
        .await;
    assert_eq!(refused("withdraw", withdraw).code(), Code::PermissionDenied);

    let status = refused(
        "a node certificate authoring a report",
        submit(node.channel(&escap_node), "Nodes do not author").await,
    );
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
    let record = wait_for_denial(&node, &escap_node, SUBMIT, "PERMISSION_DENIED").await;
    assert_eq!(field(&record, "identity"), "spiffe://rtwg/org/ESCAP/node");

    let info = node_info(node.channel(&escap_client))
        .await
        .expect("node info");
    assert_eq!(info.report_count, 0, "nothing stored: {info:?}");
    assert!(info.frontier.is_empty(), "no log entry: {info:?}");

    // ESCAP's own client writes, and the write is audited as allowed.
    let report = submit(node.channel(&escap_client), "Ours")
        .await
        .expect("ESCAP's client writes at ESCAP's node");
    assert_eq!(report.organization, ESCAP);
    let record = wait_for_audit(&node.audit_log(), "the allowed submit", |record| {
        field(record, "fingerprint") == fingerprint_of(&escap_client)
            && field(record, "method") == SUBMIT
    })
    .await;
    assert_eq!(field(&record, "decision"), "allow", "{record}");
    assert_eq!(
        field(&record, "identity"),
        "spiffe://rtwg/org/ESCAP/client/alice"
    );
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_co_chairs_may_call_the_coordination_service() {
    let group = TestGroup::new();
    let node = group.start(ESCAP).await;

    for tls in [group.client_tls(ILO, "carol"), group.node_tls(ILO)] {
        let status = refused(
            "a non-co-chair on a co-chair action",
            call_raw(node.channel(&tls), COORDINATION_REVIEW).await,
        );
        assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
        assert!(
            status.message().contains("ILO is not a co-chair"),
            "{status:?}"
        );
        wait_for_denial(&node, &tls, COORDINATION_REVIEW, "PERMISSION_DENIED").await;
    }
    // Another co-chair's people record decisions at their own node, not at this one.
    let other_co_chair = group.client_tls(IOM, "bob");
    let status = refused(
        "a co-chair at another co-chair's node",
        call_raw(node.channel(&other_co_chair), COORDINATION_REVIEW).await,
    );
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
    assert!(status.message().contains("own node"), "{status:?}");
    // The node's own co-chair client gets past the gate; the empty request is then refused
    // by the service, naming the missing fields.
    for tls in [group.client_tls(ESCAP, "alice")] {
        let status = refused(
            "an empty review",
            call_raw(node.channel(&tls), COORDINATION_REVIEW).await,
        );
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
        let record = wait_for_audit(&node.audit_log(), "an allowed co-chair call", |record| {
            field(record, "fingerprint") == fingerprint_of(&tls)
                && field(record, "method") == COORDINATION_REVIEW
        })
        .await;
        assert_eq!(field(&record, "decision"), "allow", "{record}");
    }
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_member_may_read() {
    use tonic_health::pb::HealthCheckRequest;
    use tonic_health::pb::health_check_response::ServingStatus;
    use tonic_health::pb::health_client::HealthClient;

    let group = TestGroup::new();
    let node = group.start(ESCAP).await;
    let report = submit(
        node.channel(&group.client_tls(ESCAP, "alice")),
        "Readable by all",
    )
    .await
    .expect("submit");

    for tls in [
        group.client_tls(ILO, "carol"),
        group.client_tls(IOM, "bob"),
        group.node_tls(IOM),
    ] {
        let mut reader = ReportsClient::new(node.channel(&tls));
        let listed = reader
            .list(pb::ListRequest::default())
            .await
            .expect("list")
            .into_inner();
        assert_eq!(
            listed.reports.iter().map(|r| &r.id).collect::<Vec<_>>(),
            [&report.id]
        );
        let got = reader
            .get(pb::GetRequest {
                id: report.id.clone(),
            })
            .await
            .expect("get")
            .into_inner()
            .report
            .expect("report");
        assert_eq!(got.content, report.content);
        let info = reader
            .node_info(pb::NodeInfoRequest {})
            .await
            .expect("node info")
            .into_inner();
        assert_eq!(info.organization, ESCAP);
        assert_eq!(info.report_count, 1);
        let health = HealthClient::new(node.channel(&tls))
            .check(HealthCheckRequest {
                service: String::new(),
            })
            .await
            .expect("health check")
            .into_inner();
        assert_eq!(health.status, ServingStatus::Serving as i32);
    }
    node.shutdown().await;
}

// ----------------------------------------------------------------------------------------
// Refusing to start
// ----------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plaintext_node_refuses_a_non_loopback_address() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let config = NodeConfig {
        organization: ESCAP.to_string(),
        listen: SocketAddr::from(([0, 0, 0, 0], 0)),
        data_dir: dir.path().join("node"),
        ..NodeConfig::default()
    };
    let error = start_error(config).await;
    assert!(error.contains("loopback"), "{error}");
    assert!(error.contains("0.0.0.0:"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_refuses_to_start_with_a_signing_key_not_in_the_membership() {
    let group = TestGroup::new();
    let mut config = group.config(ESCAP);
    let unlisted = group.path("unlisted.key");
    config.signing_key_file = Some(unlisted.clone());
    let error = start_error(config).await;
    // The node made the key on this first start; the error names it.
    let key = concord::node::load_or_create_signing_key(&unlisted).expect("the key was created");
    let public = hex::encode(key.verifying_key().as_bytes());
    assert!(error.contains(&public), "{error}");
    assert!(error.contains("not one of ESCAP's signing_keys"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_refuses_to_start_with_another_organizations_certificate() {
    let group = TestGroup::new();
    let mut config = group.config(ESCAP);
    let (certificate, key) = group.node_files(IOM);
    let tls = config.tls.as_mut().expect("tls");
    tls.cert_file = Some(certificate);
    tls.key_file = Some(key);
    let error = start_error(config).await;
    assert!(
        error.contains("spiffe://rtwg/org/IOM/node")
            && error.contains("this node is spiffe://rtwg/org/ESCAP/node"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_refuses_key_files_readable_by_its_group() {
    use std::os::unix::fs::PermissionsExt;
    let set_mode = |path: &std::path::Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    };
    let group = TestGroup::new();
    let signing_key = group.signing_key_file(ESCAP);
    let (_, tls_key) = group.node_files(ESCAP);

    for key in [&signing_key, &tls_key] {
        set_mode(key, 0o640);
        let error = start_error(group.config(ESCAP)).await;
        assert!(
            error.contains("readable by group or others") && error.contains("640"),
            "{error}"
        );
        assert!(
            error.contains(&key.display().to_string()),
            "names the key: {error}"
        );
        set_mode(key, 0o600);
    }
    // With both keys private again, the same configuration starts.
    group.start(ESCAP).await.shutdown().await;
}

// ----------------------------------------------------------------------------------------
// A silent TCP client
// ----------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_tcp_client_does_not_block_other_clients() {
    let group = TestGroup::new();
    let mut config = group.config(ESCAP);
    // Far beyond the test's patience: were the server waiting on the silent connections'
    // handshakes, the proper client below could not finish in time.
    config.limits.handshake_timeout_secs = 3600;
    let node = group.start_with(config).await;

    let silent: Vec<std::net::TcpStream> = (0..3)
        .map(|_| std::net::TcpStream::connect(node.addr).expect("connect"))
        .collect();
    let alice = group.client_tls(ESCAP, "alice");
    let report = tokio::time::timeout(PATIENCE, async {
        let channel = node.connected_channel(&alice).await;
        submit(channel, "While others are silent").await
    })
    .await
    .expect("a proper client is served while silent connections are open")
    .expect("submit");
    assert_eq!(report.organization, ESCAP);

    // The silent connections are still open: the call did not wait for them to go.
    for stream in &silent {
        stream.set_nonblocking(true).expect("nonblocking");
        let mut buffer = [0u8; 1];
        let error = std::io::Read::read(&mut &*stream, &mut buffer)
            .expect_err("nothing to read, connection still open");
        assert_eq!(error.kind(), std::io::ErrorKind::WouldBlock, "{error}");
    }
    drop(silent);
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_tcp_client_is_cut_off_after_the_handshake_timeout() {
    let group = TestGroup::new();
    let mut config = group.config(ESCAP);
    config.limits.handshake_timeout_secs = 1;
    let node = group.start_with(config).await;

    let connected = Instant::now();
    let stream = std::net::TcpStream::connect(node.addr).expect("connect");
    stream
        .set_read_timeout(Some(PATIENCE))
        .expect("read timeout");
    let outcome = tokio::task::spawn_blocking(move || {
        let mut buffer = [0u8; 64];
        let result = std::io::Read::read(&mut &stream, &mut buffer);
        (result, connected.elapsed())
    })
    .await
    .expect("reader");
    match outcome {
        (Ok(0), elapsed) => {
            assert!(
                elapsed >= Duration::from_millis(900),
                "closed after {elapsed:?}, before the 1 s handshake timeout"
            );
        }
        (Err(error), _)
            if matches!(
                error.kind(),
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted
            ) => {}
        (other, elapsed) => {
            panic!("the server did not close the silent connection: {other:?} after {elapsed:?}")
        }
    }

    // And it still serves everyone else.
    node_info(node.channel(&group.client_tls(ESCAP, "alice")))
        .await
        .expect("node info");
    node.shutdown().await;
}

// ----------------------------------------------------------------------------------------
// Per-member rate limit
// ----------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_member_is_rate_limited_on_its_own() {
    let group = TestGroup::new();
    let mut config = group.config(ESCAP);
    config.limits.requests_per_second_per_member = 5.0;
    config.limits.request_burst_per_member = 5;
    let node = group.start_with(config).await;
    let bob = group.client_tls(IOM, "bob");
    let iom = node.connected_channel(&bob).await;
    let ilo = node
        .connected_channel(&group.client_tls(ILO, "carol"))
        .await;

    // Six calls at once (well within the 200 ms a token takes to come back): the burst of
    // five passes, the sixth is refused.
    let calls = (0..6).map(|_| node_info(iom.clone()));
    let results = futures_util::future::join_all(calls).await;
    let codes: Vec<Code> = results
        .iter()
        .map(|result| result.as_ref().map_or_else(Status::code, |_| Code::Ok))
        .collect();
    assert_eq!(
        codes.iter().filter(|code| **code == Code::Ok).count(),
        5,
        "{codes:?}"
    );
    assert_eq!(
        codes
            .iter()
            .filter(|code| **code == Code::ResourceExhausted)
            .count(),
        1,
        "{codes:?}"
    );

    // Another member has its own budget.
    node_info(ilo)
        .await
        .expect("ILO is not limited by IOM's calls");
    let record = wait_for_denial(&node, &bob, NODE_INFO, "RESOURCE_EXHAUSTED").await;
    assert_eq!(
        field(&record, "identity"),
        "spiffe://rtwg/org/IOM/client/bob"
    );

    // It is a rate, not a ban: IOM gets through again once tokens come back.
    wait_until(PATIENCE, "IOM to be admitted again", || {
        let iom = iom.clone();
        async move { node_info(iom).await.is_ok() }
    })
    .await;
    node.shutdown().await;
}
