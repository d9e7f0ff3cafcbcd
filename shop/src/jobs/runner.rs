//! One shape for every background job: a step (one pass, returning what it
//! did) run by [`run`] at a pace until stopped: a fixed interval, a cron
//! schedule, or "busy" (a queue consumer: again at once after work, after a
//! pause when there was none). A failed step is logged and the next waits
//! longer (doubling, at most 16 times the base); a step that panics is
//! caught and counted as a failure, so the loop never dies with it. A step in
//! progress always finishes before the job stops.

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
    /// A consumer: the first step at once, the next at once after work,
    /// after `idle` when there was nothing to do; failures back off from
    /// `retry`.
    Busy {
        idle: Duration,
        retry: Duration,
    },
}

impl Pace {
    /// How long to wait before the next step, after `failures` failed ones
    /// in a row; `worked` says whether the last step did work (`None`
    /// before the first step).
    pub fn wait(&self, failures: u32, worked: Option<bool>) -> Option<Duration> {
        let backoff = |base: Duration| base.saturating_mul(1 << failures.min(4));
        match self {
            Pace::Every(d) => Some(backoff(*d)),
            Pace::Busy { .. } if worked.is_none() => Some(Duration::ZERO),
            Pace::Busy { retry, .. } if failures > 0 => Some(backoff(*retry)),
            Pace::Busy { idle, .. } => Some(if worked == Some(true) { Duration::ZERO } else { *idle }),
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
    let mut worked = None;
    let busy = matches!(pace, Pace::Busy { .. });
    loop {
        let Some(wait) = pace.wait(failures, worked) else {
            tracing::error!(job, "the schedule has no next run; job stopped");
            return;
        };
        if *stop.borrow() {
            return;
        }
        if !wait.is_zero() {
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = stop.changed() => return,
            }
        }
        match std::panic::AssertUnwindSafe(step()).catch_unwind().await {
            // A consumer works many times a second: its own steps log what they did.
            Ok(Ok(Outcome::Worked(what))) if busy => {
                (failures, worked) = (0, Some(true));
                tracing::debug!(job, outcome = %what, "job step done");
            }
            Ok(Ok(Outcome::Worked(what))) => {
                (failures, worked) = (0, Some(true));
                tracing::info!(job, outcome = %what, "job step done");
            }
            Ok(Ok(Outcome::Idle)) => {
                (failures, worked) = (0, Some(false));
                tracing::debug!(job, "job step: nothing to do");
            }
            Ok(Err(e)) => {
                (failures, worked) = (failures + 1, Some(false));
                tracing::warn!(job, error = %e, failures, "job step failed; will try again");
            }
            Err(_) => {
                (failures, worked) = (failures + 1, Some(false));
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
        let waits: Vec<u64> = (0..7).map(|f| pace.wait(f, Some(false)).unwrap().as_secs()).collect();
        assert_eq!(waits, [2, 4, 8, 16, 32, 32, 32]);
    }

    #[test]
    fn a_busy_consumer_starts_at_once_goes_on_after_work_and_pauses_when_idle_or_failing() {
        let ms = Duration::from_millis;
        let pace = Pace::Busy { idle: ms(200), retry: ms(100) };
        assert_eq!(pace.wait(0, None), Some(Duration::ZERO));
        assert_eq!(pace.wait(0, Some(true)), Some(Duration::ZERO));
        assert_eq!(pace.wait(0, Some(false)), Some(ms(200)));
        assert_eq!(pace.wait(1, Some(false)), Some(ms(200)));
        assert_eq!(pace.wait(3, Some(false)), Some(ms(800)));
        assert_eq!(pace.wait(9, Some(false)), Some(ms(1600)));
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
