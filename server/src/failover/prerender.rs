//! Render every public catalog page through the real router into a folder:
//! home, each category and each of its pages, each product, the search
//! landing, the 404 page and the "ordering is briefly unavailable" page,
//! plus the stylesheet and images they use.

use super::rewrite::{file_for, offline_page};
use app::state::AppState;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Default)]
pub struct Report {
    pub pages: usize,
    pub assets: usize,
    pub bytes: u64,
    pub seconds: f64,
}

/// Site paths to render, from the catalog.
pub async fn paths(state: &AppState) -> Result<Vec<String>, String> {
    let mut out = vec!["/".to_string(), "/search".to_string(), "/ordering-unavailable".to_string()];
    let cats = state.catalog.categories().await.map_err(|e| e.to_string())?;
    for c in cats {
        let n = state.catalog.category(c.as_str()).await.map_err(|e| e.to_string())?.len();
        let pages = n.div_ceil(domain::catalog::DEFAULT_PAGE_SIZE as usize).max(1);
        out.push(format!("/c/{c}"));
        out.extend((2..=pages).map(|p| format!("/c/{c}?page={p}")));
    }
    for card in state.catalog.category("*").await.map_err(|e| e.to_string())?.iter() {
        out.push(format!("/p/{}", card.slug));
    }
    Ok(out)
}

fn copy_dir(from: &Path, to: &Path, keep: &dyn Fn(&Path) -> bool, report: &mut Report) -> std::io::Result<()> {
    if !from.exists() {
        return Ok(());
    }
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()), keep, report)?;
        } else if keep(&path) {
            report.bytes += std::fs::copy(&path, to.join(entry.file_name()))?;
            report.assets += 1;
        }
    }
    Ok(())
}

/// Render the copy of the shop served by `state` into `out` (replaced).
pub async fn prerender(
    state: AppState,
    out: &Path,
    as_of: &str,
    bar: &indicatif::ProgressBar,
) -> Result<Report, String> {
    let started = Instant::now();
    // Render fresh pages for one client: no page cache, no rate rule.
    let state = state.with(|s| {
        s.edge.page_cache = Duration::ZERO;
        s.edge.rate_limit = u64::MAX / 2;
    });
    let site_root = PathBuf::from(state.leptos_options.site_root.as_ref());
    let list = paths(&state).await?;
    let objects = state.services.objects.clone();
    let router = crate::build_router(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
    let base = format!("http://{}", listener.local_addr().map_err(|e| e.to_string())?);
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(crate::http::serve(listener, router, Duration::from_secs(1), async move {
        let _ = stop_rx.await;
    }));

    if out.exists() {
        std::fs::remove_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    }
    std::fs::create_dir_all(out).map_err(|e| e.to_string())?;
    let client = reqwest::Client::new();
    let gate = Arc::new(tokio::sync::Semaphore::new(8));
    let mut tasks = Vec::new();
    for path in list.iter().cloned().chain(["/__offline-404".to_string()]) {
        let (client, base, gate) = (client.clone(), base.clone(), gate.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire().await.map_err(|e| e.to_string())?;
            let resp = client.get(format!("{base}{path}")).send().await.map_err(|e| format!("{path}: {e}"))?;
            let status = resp.status().as_u16();
            let body = resp.text().await.map_err(|e| format!("{path}: {e}"))?;
            Ok::<_, String>((path, status, body))
        }));
    }
    let mut report = Report::default();
    bar.set_length(tasks.len() as u64);
    for t in tasks {
        bar.inc(1);
        let (path, status, body) = t.await.map_err(|e| e.to_string())??;
        let file = match (path.as_str(), status) {
            ("/__offline-404", 404) => "404.html".to_string(),
            (_, 200) => file_for(&path),
            (p, s) => return Err(format!("{p} answered {s} while prerendering")),
        };
        let html = offline_page(&body, as_of);
        let target = out.join(&file);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        }
        report.bytes += html.len() as u64;
        std::fs::write(&target, html).map_err(|e| format!("{}: {e}", target.display()))?;
        report.pages += 1;
    }
    let _ = stop_tx.send(());
    let _ = server.await;

    // Styles and images; no JS or Wasm (the copy does not hydrate).
    let css = |p: &Path| p.extension().is_some_and(|e| e == "css");
    let not_precompressed = |p: &Path| !p.extension().is_some_and(|e| e == "br" || e == "gz");
    copy_dir(&site_root.join("pkg"), &out.join("pkg"), &css, &mut report).map_err(|e| e.to_string())?;
    copy_dir(&site_root.join("img"), &out.join("img"), &not_precompressed, &mut report).map_err(|e| e.to_string())?;
    // Images merchants uploaded (served from the object store under /media).
    for info in objects.list("media/").await.map_err(|e| e.to_string())? {
        if let Some(obj) = objects.get(&info.key).await.map_err(|e| e.to_string())? {
            let target = out.join(&info.key);
            if let Some(dir) = target.parent() {
                std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
            }
            report.bytes += obj.body.len() as u64;
            std::fs::write(&target, obj.body).map_err(|e| format!("{}: {e}", target.display()))?;
            report.assets += 1;
        }
    }
    for f in ["favicon.svg"] {
        if let Ok(n) = std::fs::copy(site_root.join(f), out.join(f)) {
            report.bytes += n;
            report.assets += 1;
        }
    }
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}
