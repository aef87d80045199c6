//! `concord store ...`: offline operations on a node's store (the node must be stopped;
//! the store's lock refuses otherwise).

use std::path::PathBuf;

use clap::{Args, Subcommand};

use concord::store::{Store, StoreOptions};

/// `concord store`.
#[derive(Args, Debug)]
pub struct StoreArgs {
    #[command(subcommand)]
    command: StoreCommand,
}

#[derive(Subcommand, Debug)]
enum StoreCommand {
    /// What the store holds: format, incarnation, recovery state, writer epoch, log heads.
    Info {
        /// The node's data directory (the store is in its `store/`).
        #[arg(long, env = "CONCORD_DATA_DIR")]
        data_dir: PathBuf,
    },
    /// Let a node author again although no peer could return its organization's log (its
    /// store was lost and every peer is gone too). Starts a new writer epoch. If a peer
    /// later turns out to hold entries of the old log beyond this node's, the logs fork:
    /// use this only when you are sure no peer can help.
    NewWriterEpoch {
        /// The node's data directory.
        #[arg(long, env = "CONCORD_DATA_DIR")]
        data_dir: PathBuf,
        /// Required: you have checked that no peer holds this organization's log.
        #[arg(long)]
        no_peer_can_help: bool,
    },
}

pub fn run(args: StoreArgs) -> anyhow::Result<()> {
    let open = |data_dir: &PathBuf| -> anyhow::Result<Store> {
        let path = data_dir.join("store");
        if !path.join("db").exists() {
            anyhow::bail!("{} holds no store", path.display());
        }
        Ok(Store::open(&path, &StoreOptions::default())?)
    };
    match args.command {
        StoreCommand::Info { data_dir } => {
            let store = open(&data_dir)?;
            println!("store            {}", store.path().display());
            println!("format version   {}", concord::store::FORMAT_VERSION);
            println!("incarnation      {}", store.incarnation());
            println!("recovering       {}", store.recovering()?);
            println!("writer epoch     {}", store.writer_epoch()?);
            println!("reports          {}", store.report_count()?);
            for (organization, sequence) in store.quarantines()? {
                println!("QUARANTINED      {organization} (forked at entry {sequence})");
            }
            for (organization, head) in store.frontier()? {
                println!(
                    "log {organization:<12} entry {:>8}  head {}",
                    head.sequence,
                    &head.hash.to_hex()[..16]
                );
            }
        }
        StoreCommand::NewWriterEpoch {
            data_dir,
            no_peer_can_help,
        } => {
            if !no_peer_can_help {
                anyhow::bail!(
                    "refusing without --no-peer-can-help: a node that lost its store normally \
                     recovers its organization's log from its peers when it starts"
                );
            }
            let store = open(&data_dir)?;
            let epoch = store.start_new_writer_epoch()?;
            println!(
                "writer epoch {epoch} started; the node will author without waiting for peers"
            );
        }
    }
    Ok(())
}
