//! Run the job on a cron schedule (UTC; `recommend.schedule`). Every server
//! runs the schedule; the job lock lets one of them run it and the others
//! are refused, so N servers still make one run per tick.

use super::runner::{self, Outcome, Pace};
use crate::recommend::{Recommendations, RunError, Trigger};
use croner::Cron;
pub use ports::clock::{next_after, parse};
use std::sync::Arc;

/// Until `stop` flips: at each tick, run the job (a run in progress is
/// finished before stopping).
pub async fn run(reco: Arc<Recommendations>, cron: Cron, stop: tokio::sync::watch::Receiver<bool>) {
    let reco = &reco;
    runner::run("recommendations", Pace::Cron(Box::new(cron)), stop, || async move {
        match reco.run_now(Trigger::Schedule).await {
            Ok(r) => Ok(Outcome::Worked(format!("run {}: {} orders, {} items", r.id, r.orders, r.items))),
            Err(RunError::Busy { .. }) => Ok(Outcome::Idle),
            Err(e) => Err(e),
        }
    })
    .await
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
