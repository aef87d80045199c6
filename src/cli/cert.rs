//! `concord cert ...` (the working group's CA and certificates) and `concord key ...` (an
//! organization's Ed25519 signing key).

use std::path::PathBuf;

use clap::{Args, Subcommand};

use concord::trust::certs::{self, CA_VALIDITY_DAYS, Ca, LEAF_VALIDITY_DAYS};

use super::OutputFormat;

/// `concord cert`.
#[derive(Args, Debug)]
pub struct CertArgs {
    #[command(subcommand)]
    command: CertCommand,
}

#[derive(Subcommand, Debug)]
enum CertCommand {
    /// Create the working group's CA (ca.crt, ca.key) in --certs-dir.
    CreateCa {
        /// Where certificates are kept.
        #[arg(long, env = "CONCORD_CERTS_DIR")]
        certs_dir: PathBuf,
        /// The working group's name (its certificates' SPIFFE trust domain).
        #[arg(long)]
        group: String,
        /// Validity in days.
        #[arg(long, default_value_t = CA_VALIDITY_DAYS)]
        days: i64,
    },
    /// Issue a node certificate (node.<ORG>.crt/.key) for the hosts peers and clients dial.
    CreateNode {
        /// Where certificates are kept (must hold ca.crt and ca.key).
        #[arg(long, env = "CONCORD_CERTS_DIR")]
        certs_dir: PathBuf,
        /// The member organization.
        #[arg(long)]
        org: String,
        /// DNS name or IP address the node is reached at (repeatable).
        #[arg(long = "host", required = true)]
        hosts: Vec<String>,
        /// Validity in days.
        #[arg(long, default_value_t = LEAF_VALIDITY_DAYS)]
        days: i64,
    },
    /// Issue a client certificate (client.<ORG>.<NAME>.crt/.key) for a person or tool.
    CreateClient {
        /// Where certificates are kept (must hold ca.crt and ca.key).
        #[arg(long, env = "CONCORD_CERTS_DIR")]
        certs_dir: PathBuf,
        /// The member organization the client acts for.
        #[arg(long)]
        org: String,
        /// The client's name.
        #[arg(long)]
        name: String,
        /// Validity in days.
        #[arg(long, default_value_t = LEAF_VALIDITY_DAYS)]
        days: i64,
    },
    /// List certificates: subject, identity, SHA-256 fingerprint, expiry.
    List {
        /// Where certificates are kept.
        #[arg(long, env = "CONCORD_CERTS_DIR")]
        certs_dir: PathBuf,
        /// Output format.
        #[arg(short = 'o', long = "output", value_enum, default_value_t = OutputFormat::Table)]
        output: OutputFormat,
    },
}

pub fn run(args: CertArgs) -> anyhow::Result<()> {
    match args.command {
        CertCommand::CreateCa {
            certs_dir,
            group,
            days,
        } => {
            Ca::create(&certs_dir, &group, days)?;
            println!(
                "Created the CA of working group {group:?}: {}/ca.crt (give to every member) \
                 and {}/ca.key (keep secret)",
                certs_dir.display(),
                certs_dir.display()
            );
        }
        CertCommand::CreateNode {
            certs_dir,
            org,
            hosts,
            days,
        } => {
            let ca = Ca::load(&certs_dir)?;
            let path = ca.create_node(&certs_dir, &org, &hosts, days)?;
            println!(
                "Created {} for spiffe://{}/org/{org}/node ({})",
                path.display(),
                ca.group(),
                hosts.join(", ")
            );
        }
        CertCommand::CreateClient {
            certs_dir,
            org,
            name,
            days,
        } => {
            let ca = Ca::load(&certs_dir)?;
            let path = ca.create_client(&certs_dir, &org, &name, days)?;
            println!(
                "Created {} for spiffe://{}/org/{org}/client/{name}",
                path.display(),
                ca.group()
            );
        }
        CertCommand::List { certs_dir, output } => {
            let listed = certs::list(&certs_dir)?;
            match output {
                OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&listed)?),
                OutputFormat::Table => {
                    for info in listed {
                        let name = info
                            .path
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default();
                        println!("{name}{}", if info.is_ca { "  (CA)" } else { "" });
                        println!("  subject      {}", info.subject);
                        println!("  identity     {}", info.identities.join(", "));
                        println!("  sha256       {}", info.fingerprint_sha256);
                        println!("  valid        {} .. {}", info.not_before, info.not_after);
                    }
                }
            }
        }
    }
    Ok(())
}

/// `concord key`.
#[derive(Args, Debug)]
pub struct KeyArgs {
    #[command(subcommand)]
    command: KeyCommand,
}

#[derive(Subcommand, Debug)]
enum KeyCommand {
    /// Create an organization's Ed25519 signing key (mode 0600) and print its public key,
    /// which goes into the membership file.
    Create {
        /// The key file to write (refused if it exists).
        #[arg(long)]
        out: PathBuf,
    },
    /// Print the public key of a signing key file.
    Show {
        /// The key file.
        file: PathBuf,
    },
}

pub fn run_key(args: KeyArgs) -> anyhow::Result<()> {
    match args.command {
        KeyCommand::Create { out } => {
            if out.exists() {
                anyhow::bail!(
                    "{} exists already; remove it first if you mean to replace it",
                    out.display()
                );
            }
            let key = concord::node::load_or_create_signing_key(&out)?;
            println!("{}", hex::encode(key.verifying_key().as_bytes()));
        }
        KeyCommand::Show { file } => {
            if !file.exists() {
                anyhow::bail!("{} does not exist", file.display());
            }
            let key = concord::node::load_or_create_signing_key(&file)?;
            println!("{}", hex::encode(key.verifying_key().as_bytes()));
        }
    }
    Ok(())
}
