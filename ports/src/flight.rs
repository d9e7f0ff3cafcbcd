//! Single-flight: callers that miss the same key at the same moment wait
//! for one computation and share its result, instead of each reading the
//! store or rendering the page (a flash crowd's cold start). Used by the
//! page cache and the catalog's read-through.
//!
//! A flight lives while someone waits on it; the first caller to finish
//! removes it, so the next miss (after the cache was filled, or failed)
//! starts a new one. If the caller computing the value is cancelled, the
//! next waiter computes it instead: nobody is left waiting on a dropped
//! request. The map is split into shards, each locked only to find or drop
//! a flight, never across the computation.

use std::collections::HashMap;
use std::future::Future;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use tokio::sync::OnceCell;

const SHARDS: usize = 16;

type Flights<V> = Mutex<HashMap<String, Weak<OnceCell<V>>>>;

pub struct SingleFlight<V> {
    shards: Vec<Flights<V>>,
    hasher: RandomState,
    shared: AtomicU64,
}

impl<V> Default for SingleFlight<V> {
    fn default() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            hasher: RandomState::new(),
            shared: AtomicU64::new(0),
        }
    }
}

impl<V: Clone> SingleFlight<V> {
    fn shard(&self, key: &str) -> &Flights<V> {
        &self.shards[(self.hasher.hash_one(key) as usize) % SHARDS]
    }

    /// `compute`'s value for `key`, or the value another caller is computing
    /// for it right now. `compute` runs only if this caller ends up
    /// computing; otherwise it is dropped unrun (so it may borrow what the
    /// caller keeps, such as a request to fall back on).
    pub async fn run<F, Fut>(&self, key: &str, compute: F) -> V
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = V>,
    {
        let cell = {
            let mut map = self.shard(key).lock().unwrap_or_else(|p| p.into_inner());
            match map.get(key).and_then(Weak::upgrade) {
                Some(cell) => {
                    self.shared.fetch_add(1, Ordering::Relaxed);
                    cell
                }
                None => {
                    let cell = Arc::new(OnceCell::new());
                    map.insert(key.to_string(), Arc::downgrade(&cell));
                    cell
                }
            }
        };
        let value = cell.get_or_init(compute).await.clone();
        let mut map = self.shard(key).lock().unwrap_or_else(|p| p.into_inner());
        if map.get(key).is_some_and(|w| w.ptr_eq(&Arc::downgrade(&cell))) {
            map.remove(key);
        }
        value
    }

    /// Whether some caller is computing `key` right now.
    pub fn in_flight(&self, key: &str) -> bool {
        let map = self.shard(key).lock().unwrap_or_else(|p| p.into_inner());
        map.get(key).is_some_and(|w| w.strong_count() > 0)
    }

    /// How many callers got another caller's result so far.
    pub fn shared(&self) -> u64 {
        self.shared.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::SingleFlight;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    #[tokio::test]
    async fn two_hundred_concurrent_misses_compute_once_and_all_get_the_value() {
        let flights = Arc::new(SingleFlight::<u32>::default());
        let runs = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..200)
            .map(|_| {
                let (flights, runs) = (flights.clone(), runs.clone());
                tokio::spawn(async move {
                    flights
                        .run("p:tee", || async {
                            runs.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            7
                        })
                        .await
                })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap(), 7);
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert_eq!(flights.shared(), 199);
    }

    #[tokio::test]
    async fn a_finished_flight_is_forgotten_and_other_keys_fly_apart() {
        let flights = SingleFlight::<&'static str>::default();
        assert_eq!(flights.run("a", || async { "first" }).await, "first");
        assert_eq!(flights.run("a", || async { "second" }).await, "second", "nothing is cached after the flight");
        assert_eq!(flights.run("b", || async { "b" }).await, "b");
        assert_eq!(flights.shared(), 0);
    }

    #[tokio::test]
    async fn a_key_is_in_flight_only_while_it_is_computed() {
        let flights = Arc::new(SingleFlight::<u32>::default());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let computing = {
            let flights = flights.clone();
            tokio::spawn(async move { flights.run("k", || async { rx.await.map_or(0, |_| 1) }).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(flights.in_flight("k"));
        assert!(!flights.in_flight("other"));
        tx.send(()).unwrap();
        assert_eq!(computing.await.unwrap(), 1);
        assert!(!flights.in_flight("k"), "done: no longer in flight");
    }

    #[tokio::test]
    async fn when_the_computing_caller_is_cancelled_a_waiter_computes_instead() {
        let flights = Arc::new(SingleFlight::<u32>::default());
        let first = {
            let flights = flights.clone();
            tokio::spawn(async move {
                flights
                    .run("k", || async {
                        tokio::time::sleep(Duration::from_secs(60)).await;
                        1
                    })
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        let second = {
            let flights = flights.clone();
            tokio::spawn(async move { flights.run("k", || async { 2 }).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        first.abort();
        let got = tokio::time::timeout(Duration::from_secs(5), second).await.expect("the waiter is not stranded");
        assert_eq!(got.unwrap(), 2);
    }
}
