//! `concord bench`: submit throughput and latency, listing, and their ceilings.

use clap::Args;

/// `concord bench`.
#[derive(Args, Debug)]
pub struct BenchArgs {}

pub async fn run(_args: BenchArgs) -> anyhow::Result<()> {
    anyhow::bail!("the benchmark is not built yet")
}
