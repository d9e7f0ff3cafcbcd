use super::Cache;
use async_trait::async_trait;
use ports::PortResult;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

struct Entry {
    value: Vec<u8>,
    expires: Option<Instant>,
}

/// In-process cache with expiry and a bound on the number of entries: when
/// full, expired entries go first, then an arbitrary half.
pub struct MemoryCache {
    entries: Mutex<HashMap<String, Entry>>,
    capacity: usize,
}

impl MemoryCache {
    pub fn new(capacity: usize) -> Self {
        Self { entries: Mutex::new(HashMap::new()), capacity: capacity.max(16) }
    }

    fn with<R>(&self, f: impl FnOnce(&mut HashMap<String, Entry>) -> R) -> R {
        let mut guard = match self.entries.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }
}

impl Default for MemoryCache {
    fn default() -> Self {
        Self::new(200_000)
    }
}

fn live(e: &Entry, now: Instant) -> bool {
    e.expires.is_none_or(|t| t > now)
}

fn make_room(map: &mut HashMap<String, Entry>, capacity: usize) {
    if map.len() < capacity {
        return;
    }
    let now = Instant::now();
    map.retain(|_, e| live(e, now));
    if map.len() >= capacity {
        let drop: Vec<String> = map.keys().take(capacity / 2).cloned().collect();
        for k in drop {
            map.remove(&k);
        }
    }
}

#[async_trait]
impl Cache for MemoryCache {
    async fn get(&self, key: &str) -> PortResult<Option<Vec<u8>>> {
        let now = Instant::now();
        Ok(self.with(|m| match m.get(key) {
            Some(e) if live(e, now) => Some(e.value.clone()),
            Some(_) => {
                m.remove(key);
                None
            }
            None => None,
        }))
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> PortResult<()> {
        let expires = ttl.map(|t| Instant::now() + t);
        self.with(|m| {
            make_room(m, self.capacity);
            m.insert(key.to_string(), Entry { value: value.to_vec(), expires });
        });
        Ok(())
    }

    async fn delete(&self, keys: &[String]) -> PortResult<()> {
        self.with(|m| keys.iter().for_each(|k| drop(m.remove(k))));
        Ok(())
    }

    async fn incr(&self, key: &str, window: Duration) -> PortResult<i64> {
        let now = Instant::now();
        Ok(self.with(|m| {
            if !m.get(key).is_some_and(|e| live(e, now)) {
                make_room(m, self.capacity);
                m.insert(key.to_string(), Entry { value: b"0".to_vec(), expires: Some(now + window) });
            }
            let Some(e) = m.get_mut(key) else { return 1 };
            let n = std::str::from_utf8(&e.value).ok().and_then(|s| s.parse::<i64>().ok()).unwrap_or(0) + 1;
            e.value = n.to_string().into_bytes();
            n
        }))
    }

    async fn ping(&self) -> PortResult<()> {
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "memory"
    }
}
