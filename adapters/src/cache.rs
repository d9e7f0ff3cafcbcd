//! Cache adapters: in-process memory and Redis. The port is `ports::cache`, re-exported here
//! so a conformance suite names one module.

mod memory;
mod redis;

pub use self::memory::MemoryCache;
pub use self::redis::RedisCache;
pub use ports::cache::*;
