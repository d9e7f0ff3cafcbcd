//! Cache port: byte values with a time to live, and shared counters (used by
//! the rate rule). Adapters: in-process (`memory`) and Redis (`redis`).

use crate::PortResult;
use async_trait::async_trait;
use std::time::Duration;

#[async_trait]
pub trait Cache: Send + Sync {
    async fn get(&self, key: &str) -> PortResult<Option<Vec<u8>>>;
    /// Store a value; `ttl` of `None` keeps it until deleted or evicted.
    async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> PortResult<()>;
    async fn delete(&self, keys: &[String]) -> PortResult<()>;
    /// Read and remove a value in one step: of two concurrent takes, one
    /// gets it (a one-time value such as a pending sign-in or a notice).
    async fn take(&self, key: &str) -> PortResult<Option<Vec<u8>>>;
    /// Add one to a counter that is created with `window` to live and
    /// returns the new count. Every caller sharing the cache shares the count.
    async fn incr(&self, key: &str, window: Duration) -> PortResult<i64>;
    async fn ping(&self) -> PortResult<()>;
    /// Adapter name for health reports: `memory` or `redis`.
    fn backend(&self) -> &'static str;
}
