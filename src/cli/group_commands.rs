//! `concord group init`: a whole working group for a network of nodes on their own hosts
//! (the container deployment's one-shot `init` job, or an issuer preparing every member's
//! files at once).
//!
//! It creates (or completes) the group with [`setup::create_working_group`], the same set-up
//! `concord demo` uses: the CA and every certificate in `DIR/certs`, a signing key per
//! member, the membership file naming each member's node at `https://<org>.<domain>:PORT`.
//! Then it gives each member a directory of its own, `DIR/<ORG>`, holding only what that
//! member's node needs, to be installed as the node's configuration directory
//! (`/etc/concord` by default):
//!
//! | path | what |
//! |---|---|
//! | `concord.toml` | the node's configuration |
//! | `membership.toml` | a copy of the group's membership file |
//! | `signing.key` | the member's signing key (mode 0600) |
//! | `certs/ca.crt` | the group's CA certificate (never its key) |
//! | `certs/node.<ORG>.crt/.key` | the node's certificate |
//! | `certs/client.<ORG>.<client>.crt/.key` | one client certificate, for the member's operators |
//!
//! Running it again on the same directory changes nothing that exists: certificates and
//! keys are never overwritten; copies and configurations are written again.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand};

use concord::config::{NodeConfig, TlsConfig};
use concord::trust::certs::files;
use concord::trust::setup::{self, MemberSetup};

/// `concord group`.
#[derive(Args, Debug)]
pub struct GroupArgs {
    #[command(subcommand)]
    command: GroupCommand,
}

#[derive(Subcommand, Debug)]
enum GroupCommand {
    /// Create (or complete) a working group for nodes on their own hosts: the CA, a node
    /// certificate, a client certificate and a signing key per member, the membership
    /// file, and per member a directory with only what its node needs.
    Init(Box<InitArgs>),
}

/// `concord group init`.
#[derive(Args, Debug)]
struct InitArgs {
    /// Where to write: the CA and every certificate in DIR/certs, the membership in
    /// DIR/membership.toml, and each member's node files in DIR/<ORG>.
    #[arg(long)]
    dir: PathBuf,
    /// The working group's name (its certificates' SPIFFE trust domain).
    #[arg(long, default_value = "rtwg-migration")]
    group: String,
    /// A member to set up (repeatable). Default: the fifteen default members.
    #[arg(long = "member")]
    members: Vec<String>,
    /// The nodes' DNS domain: member ORG's node is <org in lower case>.<DOMAIN>, and its
    /// certificate also names <org in lower case> alone.
    #[arg(long, default_value = "concord.internal")]
    domain: String,
    /// Another name or address every node certificate is valid for (repeatable), so that
    /// a node can be checked from its own host or container.
    #[arg(long = "extra-host", default_values = ["localhost", "127.0.0.1"])]
    extra_hosts: Vec<String>,
    /// The nodes' gRPC port.
    #[arg(long, default_value_t = 7400)]
    port: u16,
    /// The nodes' Prometheus metrics port, on every address (0: no metrics endpoint).
    #[arg(long, default_value_t = 9464)]
    metrics_port: u16,
    /// Name of the client certificate made for each member.
    #[arg(long, default_value = "admin")]
    client: String,
    /// Where a member's directory is installed on its node (the paths in concord.toml).
    #[arg(long, default_value = "/etc/concord")]
    config_dir: PathBuf,
    /// The nodes' data directory (in concord.toml).
    #[arg(long, default_value = "/var/lib/concord")]
    data_dir: PathBuf,
    /// sled's page cache per node, MiB (kept small: many nodes may share one machine).
    #[arg(long, default_value_t = 16)]
    cache_mib: u64,
    /// Longest wait between reconnections to a peer, seconds.
    #[arg(long, default_value_t = 10)]
    reconnect_max_secs: u64,
    /// Keepalive pings on idle peer sessions, seconds (how soon a lost peer is noticed).
    #[arg(long, default_value_t = 15)]
    keepalive_secs: u64,
    /// Give each member's directory and files to UID:GID (numeric), for nodes that run as
    /// another user than this command.
    #[arg(long)]
    owner: Option<String>,
}

pub fn run(args: GroupArgs) -> anyhow::Result<()> {
    match args.command {
        GroupCommand::Init(args) => init(*args),
    }
}

/// The host name of `code`'s node: its code in lower case, which must make a DNS label.
fn host_label(code: &str) -> anyhow::Result<String> {
    let label = code.to_ascii_lowercase();
    let valid = !label.is_empty()
        && label.len() <= 63
        && label
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !label.starts_with('-')
        && !label.ends_with('-');
    if !valid {
        anyhow::bail!(
            "member code {code:?} does not make a DNS name (letters, digits and inner hyphens)"
        );
    }
    Ok(label)
}

fn parse_owner(text: &str) -> anyhow::Result<(u32, u32)> {
    let (uid, gid) = text
        .split_once(':')
        .context("--owner must be UID:GID, for example 10001:10001")?;
    Ok((
        uid.parse().context("--owner: UID must be a number")?,
        gid.parse().context("--owner: GID must be a number")?,
    ))
}

/// Each member's set-up: the default members' names, IATI identifiers and aliases.
fn member_setups(args: &InitArgs, members: &[String]) -> anyhow::Result<Vec<MemberSetup>> {
    members
        .iter()
        .map(|code| {
            let (name, iati, aliases) = setup::DEFAULT_MEMBERS
                .iter()
                .find(|(member, ..)| member == code)
                .map(|(_, name, iati, aliases)| (*name, *iati, *aliases))
                .unwrap_or((code.as_str(), &[], &[]));
            let label = host_label(code)?;
            let domain = args.domain.trim_matches('.');
            let host = if domain.is_empty() {
                label.clone()
            } else {
                format!("{label}.{domain}")
            };
            let mut hosts = vec![host.clone()];
            if host != label {
                hosts.push(label);
            }
            for extra in &args.extra_hosts {
                if !hosts.contains(extra) {
                    hosts.push(extra.clone());
                }
            }
            Ok(MemberSetup {
                code: code.clone(),
                name: name.to_string(),
                hosts,
                endpoint: format!("https://{host}:{}", args.port),
                iati_identifiers: iati.iter().map(|s| s.to_string()).collect(),
                aliases: aliases.iter().map(|s| s.to_string()).collect(),
            })
        })
        .collect()
}

/// The configuration of `code`'s node, with paths as installed on the node.
fn node_config(args: &InitArgs, code: &str) -> anyhow::Result<NodeConfig> {
    let mut config = NodeConfig {
        organization: code.to_string(),
        listen: SocketAddr::from((Ipv4Addr::UNSPECIFIED, args.port)),
        data_dir: args.data_dir.clone(),
        signing_key_file: Some(args.config_dir.join("signing.key")),
        tls: Some(TlsConfig {
            certs_dir: Some(args.config_dir.join("certs")),
            membership_file: args.config_dir.join("membership.toml"),
            ..TlsConfig::default()
        }),
        ..NodeConfig::default()
    };
    config.store.cache_mib = args.cache_mib;
    config.replication.reconnect_max_secs = args.reconnect_max_secs;
    config.replication.keepalive_secs = args.keepalive_secs;
    if args.metrics_port != 0 {
        config.metrics.listen = Some(SocketAddr::from((Ipv4Addr::UNSPECIFIED, args.metrics_port)));
    }
    config
        .validate()
        .with_context(|| format!("the configuration made for {code} is not valid"))?;
    Ok(config)
}

fn copy(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::copy(from, to)
        .with_context(|| format!("cannot copy {} to {}", from.display(), to.display()))?;
    Ok(())
}

/// Gives `path` and everything under it to `owner` (symbolic links are not followed).
fn chown_tree(path: &Path, owner: (u32, u32)) -> anyhow::Result<()> {
    std::os::unix::fs::lchown(path, Some(owner.0), Some(owner.1))
        .with_context(|| format!("cannot give {} to {}:{}", path.display(), owner.0, owner.1))?;
    if std::fs::symlink_metadata(path)?.is_dir() {
        for entry in std::fs::read_dir(path)? {
            chown_tree(&entry?.path(), owner)?;
        }
    }
    Ok(())
}

/// Writes `code`'s own directory: configuration, membership, certificates (the signing
/// key is there already).
fn write_member_dir(
    args: &InitArgs,
    layout: &setup::GroupLayout,
    code: &str,
) -> anyhow::Result<PathBuf> {
    let member_dir = layout.data_dir(code);
    let certs = member_dir.join("certs");
    std::fs::create_dir_all(&certs)
        .with_context(|| format!("cannot create {}", certs.display()))?;
    copy(
        &layout.certs_dir.join(files::CA_CERT),
        &certs.join(files::CA_CERT),
    )?;
    for stem in [
        files::node_stem(code),
        files::client_stem(code, &args.client),
    ] {
        for extension in ["crt", "key"] {
            let name = format!("{stem}.{extension}");
            copy(&layout.certs_dir.join(&name), &certs.join(&name))?;
        }
    }
    copy(&layout.membership_file, &member_dir.join("membership.toml"))?;
    let config = node_config(args, code)?;
    let text = format!(
        "# {code}'s node, written by `concord group init` (every key: deploy/concord.example.toml).\n{}",
        toml::to_string(&config).context("cannot write the node configuration")?
    );
    let config_file = member_dir.join("concord.toml");
    std::fs::write(&config_file, text)
        .with_context(|| format!("cannot write {}", config_file.display()))?;
    Ok(member_dir)
}

fn init(args: InitArgs) -> anyhow::Result<()> {
    let owner = args.owner.as_deref().map(parse_owner).transpose()?;
    let members: Vec<String> = if args.members.is_empty() {
        setup::DEFAULT_MEMBERS
            .iter()
            .map(|(code, ..)| code.to_string())
            .collect()
    } else {
        args.members.clone()
    };
    let setups = member_setups(&args, &members)?;
    let co_chairs: Vec<&str> = setup::DEFAULT_CO_CHAIRS
        .iter()
        .copied()
        .filter(|chair| members.iter().any(|m| m == chair))
        .collect();
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    let layout =
        setup::create_working_group(&args.dir, &args.group, &setups, &co_chairs, &args.client)?;
    println!(
        "Working group {:?}: CA and certificates in {}, membership in {}",
        args.group,
        layout.certs_dir.display(),
        layout.membership_file.display()
    );
    for member in &setups {
        let member_dir = write_member_dir(&args, &layout, &member.code)?;
        if let Some(owner) = owner {
            chown_tree(&member_dir, owner)?;
        }
        println!(
            "  {:<11} {:<40} files in {}",
            member.code,
            member.endpoint,
            member_dir.display()
        );
    }
    println!(
        "Install each member's directory as its node's {} and start it with\n  concord node --config {}",
        args.config_dir.display(),
        args.config_dir.join("concord.toml").display()
    );
    Ok(())
}
