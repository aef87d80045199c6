//! `concord overlaps` (the inbox of flagged pairs across all members) and `concord review`
//! (a co-chair's decision on a pair, recorded at the co-chair's own node).

use clap::Args;

use concord::rpc::client::RemoteOverlap;

use super::client_commands::connect;
use super::{ClientOptions, OutputFormat};

/// `concord overlaps`.
#[derive(Args, Debug)]
pub struct OverlapsArgs {
    /// Only pairs involving this organization (repeatable).
    #[arg(long = "org")]
    organizations: Vec<String>,
    /// Also show pairs a co-chair decided (whose reports did not change since).
    #[arg(long)]
    include_decided: bool,
    #[command(flatten)]
    client: ClientOptions,
}

/// `concord review`.
#[derive(Args, Debug)]
pub struct ReviewArgs {
    /// One report of the pair.
    first: String,
    /// The other report.
    second: String,
    /// confirmed, dismissed or joint.
    #[arg(long)]
    decision: String,
    /// Why (shown to everyone with the decision).
    #[arg(long, default_value = "")]
    note: String,
    #[command(flatten)]
    client: ClientOptions,
}

fn print_pair(number: usize, pair: &RemoteOverlap) {
    println!(
        "{number:>3}. {} ({:.2})  [{}{}]",
        pair.kind.replace('_', " ").to_lowercase(),
        pair.score,
        pair.review_state.to_lowercase(),
        if pair.decision.is_empty() {
            String::new()
        } else {
            format!(": {} by {}", pair.decision.to_lowercase(), pair.decided_by)
        }
    );
    println!(
        "     {} {}  \"{}\"",
        pair.first_organization, pair.first_id, pair.first_title
    );
    println!(
        "     {} {}  \"{}\"",
        pair.second_organization, pair.second_id, pair.second_title
    );
    for reason in &pair.reasons {
        println!("       - {reason}");
    }
    if !pair.note.is_empty() {
        println!("       note: {}", pair.note);
    }
}

pub async fn overlaps(args: OverlapsArgs) -> anyhow::Result<()> {
    let client = connect(&args.client).await?;
    let inbox = client
        .overlaps(args.organizations, args.include_decided)
        .await?;
    if args.client.output == OutputFormat::Json {
        println!("{}", serde_json::to_string_pretty(&inbox)?);
        return Ok(());
    }
    println!(
        "Overlaps between organizations: {} (probable duplicates first)",
        inbox.pairs.len()
    );
    for (number, pair) in inbox.pairs.iter().enumerate() {
        print_pair(number + 1, pair);
    }
    if !inbox.self_duplicates.is_empty() {
        println!();
        println!(
            "Reported twice by the same organization: {}",
            inbox.self_duplicates.len()
        );
        for (number, pair) in inbox.self_duplicates.iter().enumerate() {
            print_pair(number + 1, pair);
        }
    }
    if !inbox.declared_joint.is_empty() {
        println!();
        println!(
            "Declared joint or co-funded by the reports (not flagged): {}",
            inbox.declared_joint.len()
        );
        for pair in &inbox.declared_joint {
            println!(
                "     {} {} + {} {}",
                pair.first_organization, pair.first_id, pair.second_organization, pair.second_id
            );
        }
    }
    Ok(())
}

pub async fn review(args: ReviewArgs) -> anyhow::Result<()> {
    let client = connect(&args.client).await?;
    let pair = client
        .review(&args.first, &args.second, &args.decision, &args.note)
        .await?;
    if args.client.output == OutputFormat::Json {
        println!("{}", serde_json::to_string_pretty(&pair)?);
        return Ok(());
    }
    println!(
        "Recorded: {} and {} {}",
        args.first,
        args.second,
        args.decision.to_lowercase()
    );
    match pair {
        Some(pair) => print_pair(1, &pair),
        None => println!(
            "(this node does not flag the pair at present; the decision applies if it does)"
        ),
    }
    Ok(())
}
