//! `concord backup` and `concord restore`: a consistent snapshot of a running node, and a
//! new node made from it on another machine.
//!
//! A backup is what the node would send a new peer: every organization's log, as the
//! signed bytes, up to the node's durable frontier (pulled over the replication service
//! with the node's own certificate). Each log is append-only, so any prefix of it is a
//! consistent state; nothing has to stop. The file holds a header line (JSON: format,
//! organization, frontier, when) and then the entries, each as a 4-byte big-endian length
//! and its bytes. It is written under a temporary name, flushed, and renamed: a failed
//! backup never leaves a truncated file.
//!
//! Restoring verifies every entry against the membership's keys (a tampered file is
//! refused entry by entry) into a new, empty store that is marked **recovering**: the
//! restored node authors nothing until its peers have streamed it its own organization's
//! log past the backup (the amnesia rule of replication), so a stale backup can never
//! fork that log. The organization's signing key is not in the backup: it is a secret
//! kept apart (restore it to the path the configuration names).

use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use clap::Args;

use concord::log::Frontier;
use concord::rpc::client::ClientTls;
use concord::rpc::peer::{PeerClient, PullEvent};
use concord::store::{Store, StoreOptions};
use concord::trust::membership::Membership;

/// First line of a backup file.
const MAGIC: &str = "CONCORD-BACKUP 1";
/// Largest entry a backup may hold (the replication limit is far below).
const MAX_ENTRY_BYTES: u32 = 64 * 1024 * 1024;
/// Entries restored per batch.
const RESTORE_BATCH: usize = 2048;

/// `concord backup`.
#[derive(Args, Debug)]
pub struct BackupArgs {
    /// The node to back up (its https:// endpoint).
    #[arg(long, env = "CONCORD_ENDPOINT")]
    endpoint: String,
    /// Directory holding the group's `ca.crt`.
    #[arg(long, env = "CONCORD_CERTS_DIR")]
    certs_dir: PathBuf,
    /// The node's own certificate (node.<ORG>.crt; its key beside it): backups read the
    /// node-to-node service.
    #[arg(long)]
    cert: PathBuf,
    /// The membership file (its hash is stated to the node, as peers do).
    #[arg(long)]
    membership: PathBuf,
    /// The backup file to write.
    #[arg(long, short = 'o')]
    out: PathBuf,
}

/// `concord restore`.
#[derive(Args, Debug)]
pub struct RestoreArgs {
    /// The backup file.
    #[arg(long)]
    from: PathBuf,
    /// The new node's data directory (must not hold a store yet).
    #[arg(long)]
    data_dir: PathBuf,
    /// The membership file: entries are verified against its keys.
    #[arg(long)]
    membership: PathBuf,
    /// sled cache for the restore, MiB.
    #[arg(long, default_value_t = 64)]
    cache_mib: u64,
}

/// The header line of a backup file.
#[derive(serde::Serialize, serde::Deserialize, Debug)]
struct Header {
    /// The organization whose node was backed up.
    organization: String,
    /// Its store incarnation at the time.
    store_incarnation: String,
    /// Per organization, the last sequence included.
    frontier: std::collections::BTreeMap<String, u64>,
    /// When (RFC 3339).
    created_at: String,
}

fn organization_of_certificate(cert: &Path) -> anyhow::Result<String> {
    let pem = std::fs::read_to_string(cert)
        .with_context(|| format!("cannot read certificate {}", cert.display()))?;
    let der = concord::trust::certs::pem_to_der(&pem)
        .map_err(|error| anyhow::anyhow!("{} is not a PEM certificate: {error}", cert.display()))?;
    let identity = concord::trust::identity::Identity::from_certificate(&der)
        .with_context(|| format!("{} names no working-group identity", cert.display()))?;
    ensure!(
        identity.is_node(),
        "{} is a client certificate: a backup reads the node-to-node service, so use the node's own certificate (node.<ORG>.crt)",
        cert.display()
    );
    Ok(identity.organization)
}

pub async fn backup(args: BackupArgs) -> anyhow::Result<()> {
    let organization = organization_of_certificate(&args.cert)?;
    let tls = ClientTls::load(&args.certs_dir, &args.cert)
        .with_context(|| format!("cannot load {}", args.cert.display()))?;
    let membership = Membership::load(&args.membership)
        .with_context(|| format!("cannot read membership {}", args.membership.display()))?;
    let client = PeerClient::connect(
        &args.endpoint,
        &tls,
        Duration::from_secs(10),
        // A non-following pull may take up to 60 times this: an hour for a large node.
        Duration::from_secs(60),
        None,
    )
    .await
    .with_context(|| format!("cannot connect to {}", args.endpoint))?;
    let mut stream = client
        .pull(
            &Frontier::new(),
            &membership.hash_hex(),
            false,
            4 * 1024 * 1024,
        )
        .await
        .with_context(|| format!("{} refused the backup session", args.endpoint))?;

    let directory = args
        .out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let temporary = tempfile::NamedTempFile::new_in(directory)
        .with_context(|| format!("cannot write in {}", directory.display()))?;
    let mut writer = BufWriter::new(temporary.as_file());
    let mut header = None;
    let mut entries = 0u64;
    let mut bytes = 0u64;
    let mut last_progress = std::time::Instant::now();
    loop {
        match stream.next().await.context("the backup session failed")? {
            Some(PullEvent::Frontier {
                frontier,
                store_incarnation,
                ..
            }) => {
                let line = Header {
                    organization: organization.clone(),
                    store_incarnation,
                    frontier: frontier
                        .iter()
                        .map(|(org, head)| (org.clone(), head.sequence))
                        .collect(),
                    created_at: time::OffsetDateTime::now_utc()
                        .format(&time::format_description::well_known::Rfc3339)
                        .unwrap_or_default(),
                };
                writeln!(writer, "{MAGIC}")?;
                writeln!(writer, "{}", serde_json::to_string(&line)?)?;
                header = Some(line);
            }
            Some(PullEvent::Entries(batch)) => {
                ensure!(
                    header.is_some(),
                    "the node sent entries before its frontier"
                );
                for entry in batch {
                    writer.write_all(&(entry.len() as u32).to_be_bytes())?;
                    writer.write_all(&entry)?;
                    entries += 1;
                    bytes += entry.len() as u64;
                }
                if last_progress.elapsed() > Duration::from_secs(2) {
                    eprintln!("  {entries} entries, {:.1} MB", bytes as f64 / 1e6);
                    last_progress = std::time::Instant::now();
                }
            }
            Some(PullEvent::CaughtUp) | None => break,
        }
    }
    let Some(header) = header else {
        bail!("the node closed the session before stating its frontier");
    };
    let expected: u64 = header.frontier.values().sum();
    ensure!(
        entries == expected,
        "the node sent {entries} entries but its frontier says {expected}: backup not written"
    );
    writer.flush()?;
    drop(writer);
    temporary.as_file().sync_all()?;
    temporary
        .persist(&args.out)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    println!(
        "Backed up {}'s node: {entries} entries of {} organizations ({:.1} MB) to {}",
        header.organization,
        header.frontier.len(),
        bytes as f64 / 1e6,
        args.out.display()
    );
    Ok(())
}

/// Reads the header and then yields each entry's bytes.
struct BackupReader {
    reader: BufReader<std::fs::File>,
}

impl BackupReader {
    fn open(path: &Path) -> anyhow::Result<(Header, BackupReader)> {
        let file =
            std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let mut reader = BufReader::new(file);
        let mut line = String::new();
        std::io::BufRead::read_line(&mut reader, &mut line)?;
        ensure!(
            line.trim_end() == MAGIC,
            "{} is not a Concord backup (it does not start with {MAGIC:?})",
            path.display()
        );
        line.clear();
        std::io::BufRead::read_line(&mut reader, &mut line)?;
        let header: Header = serde_json::from_str(line.trim_end())
            .with_context(|| format!("{}: unreadable header", path.display()))?;
        Ok((header, BackupReader { reader }))
    }

    fn next(&mut self) -> anyhow::Result<Option<Vec<u8>>> {
        let mut length = [0u8; 4];
        match self.reader.read_exact(&mut length) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(error) => return Err(error.into()),
        }
        let length = u32::from_be_bytes(length);
        ensure!(
            length <= MAX_ENTRY_BYTES,
            "an entry claims {length} bytes: the backup is damaged"
        );
        let mut entry = vec![0u8; length as usize];
        self.reader
            .read_exact(&mut entry)
            .context("the backup ends in the middle of an entry: it is truncated")?;
        Ok(Some(entry))
    }
}

pub async fn restore(args: RestoreArgs) -> anyhow::Result<()> {
    let (header, mut reader) = BackupReader::open(&args.from)?;
    let membership = Membership::load(&args.membership)
        .with_context(|| format!("cannot read membership {}", args.membership.display()))?;
    let store_dir = args.data_dir.join("store");
    ensure!(
        !store_dir.exists()
            || std::fs::read_dir(&store_dir).map_or(true, |mut d| d.next().is_none()),
        "{} already holds a store: restore into a new node's empty data directory",
        store_dir.display()
    );
    std::fs::create_dir_all(&store_dir)
        .with_context(|| format!("cannot create {}", store_dir.display()))?;
    let store = Arc::new(
        Store::open(
            &store_dir,
            &StoreOptions {
                cache_capacity_bytes: args.cache_mib * 1024 * 1024,
                // A restored store recovers its own log from peers before authoring.
                recover_if_created: true,
            },
        )
        .with_context(|| format!("cannot create a store in {}", store_dir.display()))?,
    );
    // The ledger only ingests here (a recovering store never authors), so it needs no
    // organization key: a throwaway one stands in.
    let throwaway = ed25519_dalek::SigningKey::generate(&mut rand_core::OsRng);
    let organization = header.organization.clone();
    let ledger = tokio::task::spawn_blocking(move || {
        concord::ledger::Ledger::start(store, organization, throwaway)
    })
    .await??;
    let keys_of = |organization: &str| {
        let keys = membership.signing_keys(organization);
        (!keys.is_empty()).then(|| keys.to_vec())
    };
    let mut restored = 0u64;
    let mut refused = Vec::new();
    loop {
        let mut batch = Vec::with_capacity(RESTORE_BATCH);
        while batch.len() < RESTORE_BATCH {
            match reader.next()? {
                Some(entry) => batch.push(entry),
                None => break,
            }
        }
        if batch.is_empty() {
            break;
        }
        for outcome in ledger.ingest_batch(batch, keys_of).await {
            match outcome {
                Ok(_) => restored += 1,
                Err(error) => refused.push(error.to_string()),
            }
        }
        eprintln!("  {restored} entries restored");
    }
    ledger.shutdown()?;
    ensure!(
        refused.is_empty(),
        "{} entries of the backup were refused (the file is damaged or from another group): {}",
        refused.len(),
        refused
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("; ")
    );
    println!(
        "Restored {restored} entries of {} organizations (backup of {}'s node taken {}) into {}.",
        header.frontier.len(),
        header.organization,
        header.created_at,
        args.data_dir.display()
    );
    println!(
        "The node will recover {}'s own log from its peers before it authors anything; put \
         its signing key where its configuration expects it, then start it.",
        header.organization
    );
    Ok(())
}
