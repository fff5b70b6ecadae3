//! `trygg serious-talks …`: retention of serious-talk records.

use anyhow::{Result, bail};
use clap::Subcommand;
use trygg_store::Store;

/// What `trygg serious-talks` can do.
#[derive(Subcommand)]
pub enum SeriousTalksCommand {
    /// Delete records whose awareness is older than the retention period,
    /// keeping their figures (the server also does this daily; audited as `cli`).
    Purge {
        /// The retention period in days (default: the configured one, 365).
        #[arg(long)]
        older_than_days: Option<i64>,
    },
}

/// Runs a serious-talk command; `default_days` is the configured retention.
pub async fn run(store: &Store, command: SeriousTalksCommand, default_days: i64) -> Result<()> {
    match command {
        SeriousTalksCommand::Purge { older_than_days } => {
            let days = older_than_days.unwrap_or(default_days);
            if !(1..=36_500).contains(&days) {
                bail!("--older-than-days {days}: expected a number of days from 1 to 36500");
            }
            let before = trygg_store::now_ms() - days * 86_400_000;
            let n = store.purge_serious_talks("cli", before).await?;
            println!("deleted {n} serious-talk record(s) older than {days} days; their figures are kept");
            Ok(())
        }
    }
}
