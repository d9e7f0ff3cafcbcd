//! In-process cache (moka) for a shop that runs with nothing installed:
//! bounded by the bytes it holds (keys and values), least recently used out
//! first, each entry with its own time to live, and counters incremented
//! atomically per key (the rate rule shares them across requests).

use super::Cache;
use async_trait::async_trait;
use moka::policy::{EvictionPolicy, Expiry};
use ports::PortResult;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The default bound: 128 MiB of keys and values.
pub const DEFAULT_BYTES: u64 = 128 * 1024 * 1024;
/// What an entry costs beyond its key and value (moka's node, our `Entry`).
const OVERHEAD: usize = 96;

#[derive(Clone)]
struct Entry {
    value: Arc<[u8]>,
    /// Absolute, so a counter's window survives its increments.
    expires: Option<Instant>,
}

impl Entry {
    fn live(&self, now: Instant) -> bool {
        self.expires.is_none_or(|t| t > now)
    }
}

/// Each entry lives until its own `expires`.
struct UntilExpires;

impl Expiry<String, Entry> for UntilExpires {
    fn expire_after_create(&self, _: &String, e: &Entry, now: Instant) -> Option<Duration> {
        e.expires.map(|t| t.saturating_duration_since(now))
    }

    fn expire_after_update(&self, _: &String, e: &Entry, now: Instant, _: Option<Duration>) -> Option<Duration> {
        e.expires.map(|t| t.saturating_duration_since(now))
    }
}

pub struct MemoryCache {
    entries: moka::sync::Cache<String, Entry>,
}

impl MemoryCache {
    /// A cache holding at most `max_bytes` of keys and values (plus a small per-entry overhead).
    pub fn new(max_bytes: u64) -> Self {
        let entries = moka::sync::Cache::builder()
            .max_capacity(max_bytes)
            .weigher(|k: &String, e: &Entry| u32::try_from(k.len() + e.value.len() + OVERHEAD).unwrap_or(u32::MAX))
            .eviction_policy(EvictionPolicy::lru())
            .expire_after(UntilExpires)
            .build();
        Self { entries }
    }

    /// Bytes held now (after pending evictions run): for tests and metrics.
    pub fn weighted_size(&self) -> u64 {
        self.entries.run_pending_tasks();
        self.entries.weighted_size()
    }
}

impl Default for MemoryCache {
    fn default() -> Self {
        Self::new(DEFAULT_BYTES)
    }
}

#[async_trait]
impl Cache for MemoryCache {
    async fn get(&self, key: &str) -> PortResult<Option<Vec<u8>>> {
        let now = Instant::now();
        Ok(self.entries.get(key).filter(|e| e.live(now)).map(|e| e.value.to_vec()))
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> PortResult<()> {
        let expires = ttl.map(|t| Instant::now() + t);
        self.entries.insert(key.to_string(), Entry { value: value.into(), expires });
        Ok(())
    }

    async fn take(&self, key: &str) -> PortResult<Option<Vec<u8>>> {
        // moka's remove is atomic per key: one caller gets the entry.
        let now = Instant::now();
        Ok(self.entries.remove(key).filter(|e| e.live(now)).map(|e| e.value.to_vec()))
    }

    async fn delete(&self, keys: &[String]) -> PortResult<()> {
        keys.iter().for_each(|k| self.entries.invalidate(k));
        Ok(())
    }

    async fn incr(&self, key: &str, window: Duration) -> PortResult<i64> {
        let now = Instant::now();
        let count = |e: &Entry| std::str::from_utf8(&e.value).ok().and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
        // moka runs upserts on one key one at a time: no count is lost.
        let entry = self.entries.entry(key.to_string()).and_upsert_with(|old| {
            match old.map(|o| o.into_value()).filter(|e| e.live(now)) {
                Some(e) => Entry { value: (count(&e) + 1).to_string().into_bytes().into(), expires: e.expires },
                None => Entry { value: b"1"[..].into(), expires: Some(now + window) },
            }
        });
        Ok(count(entry.value()))
    }

    async fn ping(&self) -> PortResult<()> {
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "memory"
    }
}
