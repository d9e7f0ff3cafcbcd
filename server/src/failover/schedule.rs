//! One run of the static copy: prerender the pages through the app and
//! publish them to the object store. The job that decides when to run lives
//! in `shop::jobs::static_copy`. The last run's summary is kept in the
//! database (`failover_last_run`) and shown at `/failover/status`.

use super::{prerender, publish};
use app::state::AppState;
use ports::config::FailoverConfig;

/// "2026-11-22 14:05 UTC" for Unix seconds.
pub fn utc_stamp(secs: i64) -> String {
    format!("{} UTC", app::format::when(secs))
}

/// Prerender into `out` and publish; returns a one-line summary (also
/// stored). `as_of` is when the catalog last changed, so an unchanged
/// catalog gives byte-identical pages and nothing is uploaded again.
pub async fn run_once(
    state: &AppState,
    cfg: &FailoverConfig,
    out: &std::path::Path,
    as_of: &str,
    show_progress: bool,
) -> Result<String, String> {
    let bar = |what| if show_progress { crate::progress::bar(0, what) } else { crate::progress::hidden() };
    let rendering = bar("prerendering");
    let p = prerender::prerender(state.clone(), out, as_of, &rendering).await?;
    rendering.finish_and_clear();
    let publishing = bar("publishing");
    let r = publish::publish(&*state.services.objects, out, &cfg.prefix, &publishing).await?;
    publishing.finish_and_clear();
    let summary = serde_json::json!({
        "finished_at": utc_stamp(ports::clock::now()),
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

/// The static-copy job's publish step (`shop::jobs::static_copy`): prerender
/// into a folder of this process's and publish, prices as of the given second.
pub fn publisher(state: AppState, cfg: FailoverConfig) -> shop::jobs::static_copy::Publish {
    let out = std::env::temp_dir().join(format!("storefront-failover-{}", std::process::id()));
    std::sync::Arc::new(move |as_of| {
        let (state, cfg, out) = (state.clone(), cfg.clone(), out.clone());
        Box::pin(async move { run_once(&state, &cfg, &out, &utc_stamp(as_of), false).await })
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_stamps_are_calendar_dates() {
        assert_eq!(super::utc_stamp(0), "1970-01-01 00:00 UTC");
        assert_eq!(super::utc_stamp(1_795_356_300), "2026-11-22 14:05 UTC");
    }
}
