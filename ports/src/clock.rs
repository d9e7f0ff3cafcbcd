//! The one clock: Unix time for every stored timestamp, so a test or a
//! replay can reason about one source; and cron schedules (UTC), parsed
//! here so the settings check and the scheduler jobs agree.

use chrono::{DateTime, Utc};
use croner::parser::{CronParser, Seconds};
use croner::Cron;

/// Seconds since the Unix epoch (0 if the system clock is before it).
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Milliseconds since the Unix epoch.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// A cron expression with 5 fields (minute first) or 6 (seconds first), or
/// a nickname such as `@hourly`.
pub fn parse(expr: &str) -> Result<Cron, String> {
    CronParser::builder().seconds(Seconds::Optional).build().parse(expr).map_err(|e| e.to_string())
}

/// The first tick strictly after `unix` seconds.
pub fn next_after(cron: &Cron, unix: i64) -> Option<i64> {
    let at: DateTime<Utc> = DateTime::from_timestamp(unix, 0)?;
    cron.find_next_occurrence(&at, false).ok().map(|t| t.timestamp())
}
