//! Run the job on a cron schedule (UTC; `recommend.schedule`). Every server
//! runs the schedule; the job lock lets one of them run it and the others
//! are refused, so N servers still make one run per tick.

use super::{Recommendations, RunError, Trigger};
use chrono::{DateTime, Utc};
use croner::parser::{CronParser, Seconds};
use croner::Cron;
use std::sync::Arc;
use std::time::Duration;

/// A cron expression with 5 fields (minute first) or 6 (seconds first), or
/// a nickname such as `@hourly`.
pub fn parse(expr: &str) -> Result<Cron, String> {
    CronParser::builder().seconds(Seconds::Optional).build().parse(expr).map_err(|e| e.to_string())
}

/// The first tick strictly after `unix` seconds.
pub fn next_after(cron: &Cron, unix: i64) -> Option<i64> {
    let at: DateTime<Utc> = DateTime::from_timestamp(unix, 0)?;
    cron.find_next_occurrence(&at, false).ok().map(|t| t.timestamp())
}

/// Until `stop` flips: sleep to the next tick, run, log the outcome. A run
/// in progress is finished before stopping.
pub async fn run(reco: Arc<Recommendations>, cron: Cron, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        let now = super::now_secs();
        let Some(next) = next_after(&cron, now) else {
            tracing::error!("the recommendations schedule has no next run; scheduler stopped");
            return;
        };
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs((next - now).max(1) as u64)) => {}
            _ = stop.changed() => return,
        }
        match reco.run_now(Trigger::Schedule).await {
            Ok(r) => {
                tracing::info!(run.id = r.id, run.orders = r.orders, run.items = r.items, "recommendations updated")
            }
            Err(RunError::Busy { .. }) => tracing::info!("recommendations run skipped: another one is in progress"),
            Err(e) => tracing::error!(error = %e, "recommendations run failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_and_six_field_expressions_and_nicknames_parse() {
        let noon = 1_795_356_300; // 2026-11-22 14:05 UTC
        let hourly = parse("@hourly").unwrap();
        assert_eq!(next_after(&hourly, noon), Some(1_795_359_600)); // 15:00
        let quarter = parse("0 */15 * * * *").unwrap();
        assert_eq!(next_after(&quarter, noon), Some(1_795_356_900)); // 14:15
        assert_eq!(next_after(&parse("30 2 * * *").unwrap(), noon), Some(1_795_401_000)); // 02:30 next day
        assert!(parse("every now and then").is_err());
        assert!(parse("61 * * * *").is_err());
    }
}
