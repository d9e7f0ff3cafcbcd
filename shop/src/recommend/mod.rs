//! The recommendations job and its readers.
//!
//! The job is a **saga** of four steps, each with a compensation; a run is
//! one row in `reco_runs` (its id is also the version number it writes):
//!
//! | step | does | compensation |
//! |---|---|---|
//! | export | confirmed orders + lines from the database (customer = hash of `lower(email)`), each product's category and title from the catalog, as a JSON snapshot in the object store (`recommendations/runs/<id>/orders.json`) | delete the snapshot |
//! | compute | reads the snapshot back; `domain::recommend`: bought together per product, for you per customer, popular per category (and `*`) over `window_days` | none (no side effects) |
//! | write | the results as a new version in the catalog table, items under `RECO#<version>#<shard>` (see `store`), in batches | delete every item of that version |
//! | switch | compare-and-swap of the pointer item `RECO`/`CURRENT` to the new version, new version in the readers' cache key, then garbage collection of versions older than the previous one (best effort, retried next run) | restore the previous pointer (and cache key) |
//!
//! When a step fails, it and every step before it are compensated in reverse
//! order (compensations tolerate partial work), the run ends `compensated`
//! (or `failed` when a compensation failed too: GC retries the clean-up
//! later) and the previous version stays live. One run at a time: a lock row
//! (`reco_lock`, conditional upsert with an expiry renewed between steps, so
//! a crashed run frees it after `recommend.lock_secs`); a second run is
//! refused with [`RunError::Busy`] and not recorded. A run that finds stale
//! `running` rows (a crash) marks them `failed`; GC removes their data.
//!
//! Readers ([`Recommendations`]) read the current version through the cache
//! (cache-aside, the version is part of every key) with the table as
//! fallback. The anonymous page cache keys pages by the same version.
//!
//! Cost: export O(orders × lines) plus one catalog read per distinct product;
//! compute O(orders × items_per_order²) for pairs (items per order capped at
//! `domain::recommend::MAX_ITEMS_PER_ORDER`) plus O(customers × history × k)
//! for "for you"; write O(products + customers + categories) items. Never the
//! catalog size squared.

mod compute;
mod reader;
pub mod runs;
mod saga;
mod store;

pub use reader::Recommendations;
pub use runs::RunRecord;
pub use store::{snapshot_prefix, SHARDS};

use ports::config::RecommendConfig;
use ports::PortError;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The readers' cache key holding the current version (also read by the page cache).
pub const VERSION_CACHE_KEY: &str = "reco:v";

/// Who started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Trigger {
    Schedule,
    Cli,
    Admin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Running,
    Succeeded,
    Failed,
    Compensated,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Step {
    Export,
    Compute,
    Write,
    Switch,
}

impl Step {
    pub const ALL: [Step; 4] = [Step::Export, Step::Compute, Step::Write, Step::Switch];
}

macro_rules! names {
    ($t:ty { $($v:ident => $s:literal),* }) => {
        impl $t {
            pub fn as_str(&self) -> &'static str {
                match self { $(Self::$v => $s),* }
            }
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some(Self::$v),)* _ => None }
            }
        }
    };
}
names!(Trigger { Schedule => "schedule", Cli => "cli", Admin => "admin" });
names!(Status { Running => "running", Succeeded => "succeeded", Failed => "failed", Compensated => "compensated" });
names!(Step { Export => "export", Compute => "compute", Write => "write", Switch => "switch" });

/// Failure injection (tests, drills): compiled in, off unless set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The step does its work (side effects included), then fails.
    FailAt(Step),
    /// The step does its work, then waits this long holding the lock.
    StallAt(Step, Duration),
}

/// How the job runs; [`From<&RecommendConfig>`] gives the configured one.
#[derive(Debug, Clone, PartialEq)]
pub struct JobConfig {
    /// "Popular" counts orders of this many last days.
    pub window_days: u32,
    /// A pair needs this many shared orders.
    pub min_support: u32,
    /// Recommendations kept per product, customer and category.
    pub top_k: usize,
    /// A crashed run's lock expires after this long.
    pub lock_ttl: Duration,
    /// Prefix of the readers' cache keys (tests sharing one Redis use their own).
    pub cache_prefix: String,
    pub fault: Option<Fault>,
}

impl Default for JobConfig {
    fn default() -> Self {
        Self {
            window_days: 30,
            min_support: 2,
            top_k: 12,
            lock_ttl: Duration::from_secs(600),
            cache_prefix: "reco".into(),
            fault: None,
        }
    }
}

impl From<&RecommendConfig> for JobConfig {
    fn from(c: &RecommendConfig) -> Self {
        Self { window_days: c.window_days, min_support: c.min_support, lock_ttl: c.lock_ttl, ..Self::default() }
    }
}

/// One recommended product and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rec {
    pub product_id: String,
    pub score: f64,
    /// Bought together / for you: the product it comes from ("because you
    /// bought X"); popular: the category it is popular in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub because: Option<String>,
    /// Title of the `because` product when it is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub because_title: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Another run holds the lock (not recorded as a run).
    #[error("another recommendations run is in progress (lock held until {expires_at}, Unix seconds)")]
    Busy { expires_at: i64 },
    /// A step failed; the record says which, why and how it was cleaned up.
    #[error("recommendations run {} failed at {}: {}", .0.id, .0.step.as_str(), .0.error.as_deref().unwrap_or("?"))]
    Failed(Box<RunRecord>),
    /// The run could not start (database down).
    #[error(transparent)]
    Port(#[from] PortError),
}

pub(crate) fn now_secs() -> i64 {
    ports::clock::now()
}
