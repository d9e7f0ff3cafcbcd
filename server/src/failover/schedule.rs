//! Keep the static copy fresh: publish on a schedule, and after catalog
//! changes once the catalog has been quiet for the debounce time. The last
//! run's summary is kept in the database (`failover_last_run`) and shown at
//! `/failover/status`.

use super::{prerender, publish};
use app::state::AppState;
use ports::config::FailoverConfig;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// "2026-11-22 14:05 UTC" for Unix seconds.
pub fn utc_stamp(secs: i64) -> String {
    format!("{} UTC", app::format::when(secs))
}

pub fn now_secs() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Prerender into `out` and publish; returns a one-line summary (also
/// stored). `as_of` is when the catalog last changed, so an unchanged
/// catalog gives byte-identical pages and nothing is uploaded again.
pub async fn run_once(
    state: &AppState,
    cfg: &FailoverConfig,
    out: &std::path::Path,
    as_of: &str,
) -> Result<String, String> {
    let p = prerender::prerender(state.clone(), out, as_of).await?;
    let r = publish::publish(&*state.services.objects, out, &cfg.prefix).await?;
    let summary = serde_json::json!({
        "finished_at": utc_stamp(now_secs()),
        "prices_as_of": as_of,
        "pages": p.pages,
        "assets": p.assets,
        "bytes": p.bytes,
        "prerender_seconds": p.seconds,
        "uploaded": r.uploaded,
        "unchanged": r.unchanged,
        "deleted": r.deleted,
        "publish_seconds": r.seconds,
    })
    .to_string();
    if let Err(e) = state.ops.record_failover_run(&summary).await {
        tracing::warn!(error = %e, "could not record the failover run; the admin shows the previous one");
    }
    Ok(summary)
}

async fn catalog_version(state: &AppState) -> String {
    state
        .services
        .cache
        .get("v:*")
        .await
        .ok()
        .flatten()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

pub async fn run(state: AppState, cfg: FailoverConfig, mut stop: tokio::sync::watch::Receiver<bool>) {
    if cfg.interval.is_zero() {
        return;
    }
    let out = std::env::temp_dir().join(format!("storefront-failover-{}", std::process::id()));
    let mut published_version = catalog_version(&state).await;
    let mut last_run = Instant::now();
    let mut seen = published_version.clone();
    let mut seen_at = Instant::now();
    let mut changed_at = now_secs();
    loop {
        tokio::select! {
            _ = tokio::time::sleep(cfg.debounce.min(Duration::from_secs(30))) => {}
            _ = stop.changed() => return,
        }
        let v = catalog_version(&state).await;
        if v != seen {
            seen = v.clone();
            seen_at = Instant::now();
            changed_at = now_secs();
        }
        let changed_and_quiet = v != published_version && seen_at.elapsed() >= cfg.debounce;
        if changed_and_quiet || last_run.elapsed() >= cfg.interval {
            match run_once(&state, &cfg, &out, &utc_stamp(changed_at)).await {
                Ok(summary) => tracing::info!(summary = %summary, "static copy published"),
                Err(e) => tracing::error!(error = %e, "static copy failed"),
            }
            published_version = v;
            last_run = Instant::now();
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_stamps_are_calendar_dates() {
        assert_eq!(super::utc_stamp(0), "1970-01-01 00:00 UTC");
        assert_eq!(super::utc_stamp(1_795_356_300), "2026-11-22 14:05 UTC");
    }
}
