//! `concord health`: asks a node's standard gRPC health service
//! (`grpc.health.v1.Health/Check`) whether it is serving, over mutual TLS with a client or
//! node certificate of the working group. Exits 0 only when the answer is SERVING, so that
//! it can be a container's `HEALTHCHECK` or a monitoring probe.
//!
//! With `--config` the node's own configuration says where and how to ask: its listen
//! address (on loopback when it listens on every address) and, with `[tls]`, its own node
//! certificate, so one command line fits every member's container.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Args;

use concord::config::NodeConfig;
use concord::rpc::client::{Client, ClientTls};
use concord::trust::tls::TlsMaterial;

use super::{ClientOptions, OutputFormat};

/// `concord health`.
#[derive(Args, Debug)]
pub struct HealthArgs {
    /// Take the endpoint and TLS files from this node configuration (the node's listen
    /// address and its own node certificate); --endpoint, --certs-dir and --cert still win.
    #[arg(long)]
    config: Option<PathBuf>,
    /// The service to ask about (default: the node as a whole), e.g. concord.v1.Reports.
    #[arg(long, default_value = "")]
    service: String,
    /// The node to ask (default: from --config, else http://127.0.0.1:7400).
    #[arg(long, env = "CONCORD_ENDPOINT")]
    endpoint: Option<String>,
    /// Seconds to wait for the answer (connecting and the call).
    #[arg(long, default_value_t = 5.0)]
    timeout: f64,
    /// Certificates directory (holds ca.crt): ask over mutual TLS.
    #[arg(long, env = "CONCORD_CERTS_DIR")]
    certs_dir: Option<PathBuf>,
    /// The certificate to present, a client's or the node's own (its key is the same path
    /// ending in .key). Default: the only client.*.crt in --certs-dir.
    #[arg(long, env = "CONCORD_CERT")]
    cert: Option<PathBuf>,
}

/// Where a node that listens on `listen` can be reached from its own machine.
fn local_endpoint(listen: SocketAddr, tls: bool) -> String {
    let ip = match listen.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    let scheme = if tls { "https" } else { "http" };
    format!("{scheme}://{}", SocketAddr::new(ip, listen.port()))
}

/// Connects with the node's own configuration: its address, and its node certificate.
async fn connect_as_node(
    config: &NodeConfig,
    endpoint: Option<String>,
    timeout: Duration,
) -> anyhow::Result<Client> {
    let organization = config.organization.trim();
    let Some(tls) = &config.tls else {
        let endpoint = endpoint.unwrap_or_else(|| local_endpoint(config.listen, false));
        return Ok(Client::connect(&endpoint, timeout).await?);
    };
    let (ca_file, cert_file, key_file) = tls.files(organization)?;
    let material = TlsMaterial::load(&ca_file, &cert_file, &key_file)?;
    let client_tls = ClientTls {
        ca_pem: material.ca_pem,
        certificate_pem: material.certificate_pem,
        key_pem: material.key_pem,
    };
    let endpoint = endpoint.unwrap_or_else(|| local_endpoint(config.listen, true));
    Ok(Client::connect_with(&endpoint, timeout, Some(&client_tls)).await?)
}

pub async fn health(args: HealthArgs) -> anyhow::Result<()> {
    if !(args.timeout > 0.0 && args.timeout.is_finite()) {
        anyhow::bail!("--timeout must be a positive number of seconds");
    }
    let config = match &args.config {
        Some(path) => Some(NodeConfig::load(path)?),
        None => None,
    };
    let client = match config {
        Some(config) if args.certs_dir.is_none() => {
            connect_as_node(
                &config,
                args.endpoint,
                Duration::from_secs_f64(args.timeout),
            )
            .await?
        }
        config => {
            let endpoint = args
                .endpoint
                .or_else(|| {
                    config
                        .as_ref()
                        .map(|c| local_endpoint(c.listen, args.certs_dir.is_some()))
                })
                .unwrap_or_else(|| "http://127.0.0.1:7400".to_string());
            super::client_commands::connect(&ClientOptions {
                endpoint,
                timeout: args.timeout,
                output: OutputFormat::Table,
                certs_dir: args.certs_dir,
                cert: args.cert,
            })
            .await?
        }
    };
    let status = client
        .health(&args.service)
        .await
        .context("health check failed")?;
    println!("{status}");
    if status != "SERVING" {
        anyhow::bail!(
            "the node answered {status}{}",
            if args.service.is_empty() {
                String::new()
            } else {
                format!(" for {}", args.service)
            }
        );
    }
    Ok(())
}
