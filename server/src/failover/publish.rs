//! Upload a prerendered copy to the object store (S3 in the cloud) under a
//! prefix: content types and cache headers per file, only changed files
//! (a manifest of content hashes stays beside the copy), stale objects
//! deleted, progress printed as it goes. `fetch` downloads a copy back.

use ports::objects::{Object, ObjectStore};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

pub const MANIFEST: &str = ".manifest.json";

#[derive(Debug, Clone, Default)]
pub struct Report {
    pub files: usize,
    pub uploaded: usize,
    pub unchanged: usize,
    pub deleted: usize,
    pub bytes_uploaded: u64,
    pub seconds: f64,
}

pub fn content_type(key: &str) -> &'static str {
    match key.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css",
        "svg" => "image/svg+xml",
        "webp" => "image/webp",
        "png" => "image/png",
        "json" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        "xml" => "application/xml",
        _ => "application/octet-stream",
    }
}

pub fn cache_control(key: &str) -> &'static str {
    if key.contains("/pkg/") || key.starts_with("pkg/") {
        "public, max-age=31536000, immutable"
    } else if key.ends_with(".html") {
        "public, max-age=60"
    } else {
        "public, max-age=3600"
    }
}

fn walk(dir: &Path, root: &Path, out: &mut Vec<String>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            walk(&path, root, out)?;
        } else if let Ok(rel) = path.strip_prefix(root) {
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    Ok(())
}

pub async fn publish(
    store: &dyn ObjectStore,
    dir: &Path,
    prefix: &str,
    bar: &indicatif::ProgressBar,
) -> Result<Report, String> {
    let started = std::time::Instant::now();
    let mut files = Vec::new();
    walk(dir, dir, &mut files).map_err(|e| format!("{}: {e}", dir.display()))?;
    files.sort();
    let manifest_key = format!("{prefix}{MANIFEST}");
    let old: BTreeMap<String, String> = match store.get(&manifest_key).await.map_err(|e| e.to_string())? {
        Some(o) => serde_json::from_slice(&o.body).unwrap_or_default(),
        None => BTreeMap::new(),
    };
    let mut new = BTreeMap::new();
    let mut report = Report { files: files.len(), ..Default::default() };
    bar.set_length(files.len() as u64);
    for rel in &files {
        let body = std::fs::read(dir.join(rel)).map_err(|e| format!("{rel}: {e}"))?;
        let hash = shop::orders::cart::hex(&Sha256::digest(&body));
        let key = format!("{prefix}{rel}");
        if old.get(&key) != Some(&hash) {
            report.bytes_uploaded += body.len() as u64;
            let object =
                Object { body, content_type: content_type(rel).into(), cache_control: Some(cache_control(rel).into()) };
            store.put(&key, object).await.map_err(|e| format!("{key}: {e}"))?;
            report.uploaded += 1;
        } else {
            report.unchanged += 1;
        }
        new.insert(key, hash);
        bar.inc(1);
    }
    let listed = store.list(prefix).await.map_err(|e| e.to_string())?;
    for key in listed.into_iter().map(|o| o.key).chain(old.into_keys()) {
        if key != manifest_key && !new.contains_key(&key) {
            store.delete(&key).await.map_err(|e| format!("{key}: {e}"))?;
            report.deleted += 1;
        }
    }
    let body = serde_json::to_vec(&new).map_err(|e| e.to_string())?;
    store
        .put(
            &manifest_key,
            Object { body, content_type: "application/json".into(), cache_control: Some("no-cache".into()) },
        )
        .await
        .map_err(|e| e.to_string())?;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Download a published copy into `dir` (for tests and for checking a copy).
pub async fn fetch(store: &dyn ObjectStore, prefix: &str, dir: &Path) -> Result<usize, String> {
    let mut n = 0;
    for info in store.list(prefix).await.map_err(|e| e.to_string())? {
        let rel = info.key.strip_prefix(prefix).unwrap_or(&info.key);
        if rel == MANIFEST {
            continue;
        }
        let Some(obj) = store.get(&info.key).await.map_err(|e| e.to_string())? else { continue };
        let target = dir.join(rel);
        if let Some(d) = target.parent() {
            std::fs::create_dir_all(d).map_err(|e| e.to_string())?;
        }
        std::fs::write(&target, obj.body).map_err(|e| e.to_string())?;
        n += 1;
    }
    Ok(n)
}
