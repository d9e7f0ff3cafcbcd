//! One shape for the scheduled jobs: a step (one pass, returning what it
//! did) run by [`run`] at a pace (a fixed interval or a cron schedule) until
//! stopped. A failed step is logged and, on an interval, the next waits
//! longer (doubling, at most 16 intervals); a step that panics is caught and
//! counted as a failure, so the loop never dies with it. The order worker is
//! a queue consumer with its own supervisor (`order_worker/run.rs`).

use futures::FutureExt;
use std::future::Future;
use std::time::Duration;
use tokio::sync::watch;

/// What one step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Work done, described for the log.
    Worked(String),
    /// Nothing to do, or another process holds the job's lease.
    Idle,
}

/// When the next step runs.
pub enum Pace {
    Every(Duration),
    /// UTC cron schedule (`ports::clock::parse`).
    Cron(Box<croner::Cron>),
}

impl Pace {
    /// How long to wait before the next step, after `failures` failed ones in a row.
    pub fn wait(&self, failures: u32) -> Option<Duration> {
        match self {
            Pace::Every(d) => Some(d.saturating_mul(1 << failures.min(4))),
            Pace::Cron(c) => {
                let now = ports::clock::now();
                let next = ports::clock::next_after(c, now)?;
                Some(Duration::from_secs((next - now).max(1) as u64))
            }
        }
    }
}

/// Run `step` at `pace` until `stop` flips (a step in progress finishes).
pub async fn run<F, Fut, E>(job: &'static str, pace: Pace, mut stop: watch::Receiver<bool>, mut step: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Outcome, E>>,
    E: std::fmt::Display,
{
    let mut failures = 0u32;
    loop {
        let Some(wait) = pace.wait(failures) else {
            tracing::error!(job, "the schedule has no next run; job stopped");
            return;
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => return,
        }
        match std::panic::AssertUnwindSafe(step()).catch_unwind().await {
            Ok(Ok(Outcome::Worked(what))) => {
                failures = 0;
                tracing::info!(job, outcome = %what, "job step done");
            }
            Ok(Ok(Outcome::Idle)) => {
                failures = 0;
                tracing::debug!(job, "job step: nothing to do");
            }
            Ok(Err(e)) => {
                failures += 1;
                tracing::warn!(job, error = %e, failures, "job step failed; will try again");
            }
            Err(_) => {
                failures += 1;
                tracing::error!(job, failures, "job step panicked; will try again");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    #[test]
    fn failures_stretch_an_interval_up_to_sixteen_times() {
        let pace = Pace::Every(Duration::from_secs(2));
        let waits: Vec<u64> = (0..7).map(|f| pace.wait(f).unwrap().as_secs()).collect();
        assert_eq!(waits, [2, 4, 8, 16, 32, 32, 32]);
    }

    #[tokio::test]
    async fn a_failing_or_panicking_step_does_not_end_the_job_and_stop_does() {
        let (tx, rx) = watch::channel(false);
        let calls = Arc::new(AtomicU32::new(0));
        let seen = calls.clone();
        let job = tokio::spawn(run("test", Pace::Every(Duration::from_millis(1)), rx, move || {
            let n = seen.fetch_add(1, Ordering::SeqCst);
            async move {
                match n {
                    0 => Err("down".to_string()),
                    1 => panic!("a bug in one step"),
                    _ => Ok(Outcome::Idle),
                }
            }
        }));
        while calls.load(Ordering::SeqCst) < 4 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        tx.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(5), job).await.unwrap().unwrap();
    }
}
