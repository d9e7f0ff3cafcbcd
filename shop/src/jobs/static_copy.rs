//! Keep the static failover copy fresh: publish on a schedule, and after
//! catalog changes once the catalog has been quiet for the debounce time.
//! When to publish is decided here, by [`Freshness`] (plain state, tested
//! without I/O); how to publish (prerender the pages through the app, upload
//! them to the object store, record the run) is given by the composition
//! root, which owns the renderer.

use super::runner::{self, Outcome, Pace};
use crate::catalog::CachedCatalog;
use futures::future::BoxFuture;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Publish a copy whose prices are as of the given Unix second; returns a
/// one-line summary of the run.
pub type Publish = Arc<dyn Fn(i64) -> BoxFuture<'static, Result<String, String>> + Send + Sync>;

/// What the job knows between steps: the version last published, the
/// version last seen and since when, and when it last ran.
#[derive(Debug, Clone)]
pub struct Freshness {
    published: String,
    seen: String,
    seen_at: Instant,
    changed_at: i64,
    last_run: Instant,
}

impl Freshness {
    /// Start from the catalog as it is: nothing is due until it changes or
    /// `interval` passes.
    pub fn new(version: String, now: Instant, now_secs: i64) -> Self {
        Self { published: version.clone(), seen: version, seen_at: now, changed_at: now_secs, last_run: now }
    }

    /// Note the catalog's `version` at `now`; returns the "prices as of"
    /// second when a publish is due: the catalog changed and has been quiet
    /// for `debounce`, or `interval` passed since the last run.
    pub fn due(
        &mut self,
        version: &str,
        now: Instant,
        now_secs: i64,
        debounce: Duration,
        interval: Duration,
    ) -> Option<i64> {
        if version != self.seen {
            self.seen = version.to_string();
            self.seen_at = now;
            self.changed_at = now_secs;
        }
        let changed_and_quiet = version != self.published && now.duration_since(self.seen_at) >= debounce;
        (changed_and_quiet || now.duration_since(self.last_run) >= interval).then_some(self.changed_at)
    }

    /// A run finished (well or not): the version it saw counts as published.
    pub fn ran(&mut self, now: Instant) {
        self.published = self.seen.clone();
        self.last_run = now;
    }
}

/// Until `stop` flips, look every `debounce` (at most 30 s) and publish
/// when due. A zero `interval` turns the job off.
pub async fn run(
    catalog: Arc<CachedCatalog>,
    publish: Publish,
    interval: Duration,
    debounce: Duration,
    stop: tokio::sync::watch::Receiver<bool>,
) {
    if interval.is_zero() {
        return;
    }
    let state = Mutex::new(Freshness::new(catalog.version().await, Instant::now(), ports::clock::now()));
    let (state, catalog, publish) = (&state, &catalog, &publish);
    runner::run("static copy", Pace::Every(debounce.min(Duration::from_secs(30))), stop, || async move {
        let version = catalog.version().await;
        let due = lock(state).due(&version, Instant::now(), ports::clock::now(), debounce, interval);
        let Some(as_of) = due else { return Ok(Outcome::Idle) };
        let published = publish(as_of).await;
        lock(state).ran(Instant::now());
        published.map(Outcome::Worked)
    })
    .await
}

fn lock(state: &Mutex<Freshness>) -> std::sync::MutexGuard<'_, Freshness> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEBOUNCE: Duration = Duration::from_secs(10);
    const INTERVAL: Duration = Duration::from_secs(3600);

    #[test]
    fn a_change_publishes_once_the_catalog_has_been_quiet_for_the_debounce_time() {
        let t0 = Instant::now();
        let mut f = Freshness::new("1".into(), t0, 1_000);
        assert_eq!(f.due("1", t0 + Duration::from_secs(5), 1_005, DEBOUNCE, INTERVAL), None);
        assert_eq!(f.due("2", t0 + Duration::from_secs(6), 1_006, DEBOUNCE, INTERVAL), None);
        assert_eq!(f.due("3", t0 + Duration::from_secs(12), 1_012, DEBOUNCE, INTERVAL), None, "still changing");
        assert_eq!(f.due("3", t0 + Duration::from_secs(22), 1_022, DEBOUNCE, INTERVAL), Some(1_012));
        f.ran(t0 + Duration::from_secs(23));
        assert_eq!(f.due("3", t0 + Duration::from_secs(40), 1_040, DEBOUNCE, INTERVAL), None, "published already");
    }

    #[test]
    fn an_unchanged_catalog_is_published_again_after_the_interval() {
        let t0 = Instant::now();
        let mut f = Freshness::new("7".into(), t0, 1_000);
        assert_eq!(f.due("7", t0 + INTERVAL - Duration::from_secs(1), 4_599, DEBOUNCE, INTERVAL), None);
        assert_eq!(f.due("7", t0 + INTERVAL, 4_600, DEBOUNCE, INTERVAL), Some(1_000), "prices as of the last change");
    }
}
