//! What `bench load` reports: the flash-sale audit from the stores, the
//! per-step table, and the shopper's bundle size.

use super::flows::{Tally, CACHED, RENDERED};
use super::FLASH;
use server::loadgen::percentile;
use shop::catalog::seed;

pub struct Audit {
    pub end_stock: i64,
    pub confirmed: i64,
}

/// Read the flash product's stock and its confirmed units from the stores.
pub async fn audit(settings: &ports::config::Settings) -> Result<Audit, String> {
    let services = adapters::connect(settings).await.map_err(|e| e.to_string())?;
    let store = shop::catalog::CatalogStore::new(services.catalog.clone());
    let p = seed::product(FLASH);
    let stored = store.by_id(p.id.as_str()).await.map_err(|e| e.to_string())?.ok_or("the flash product is gone")?;
    let sku = p.variants[0].sku.to_string();
    let end_stock = stored.variants.iter().find(|v| v.sku.as_str() == sku).map_or(i64::MIN, |v| v.stock);
    let confirmed: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(l.quantity), 0) AS BIGINT) FROM order_lines l JOIN orders o ON o.id = l.order_id \
         WHERE o.status = 'confirmed' AND l.sku = $1",
    )
    .bind(&sku)
    .fetch_one(services.db.pool())
    .await
    .map_err(|e| format!("order_lines: {e}"))?;
    Ok(Audit { end_stock, confirmed })
}

pub fn error_rate(t: &Tally) -> (usize, usize) {
    let errors: usize = t.errors.values().sum();
    let ok: usize = t.rows.iter().filter(|(k, _)| **k != CACHED && **k != RENDERED).map(|(_, v)| v.len()).sum();
    (errors, errors + ok)
}

pub fn p99_of(t: &Tally, row: &str) -> Option<f64> {
    let mut v = t.rows.get(row)?.clone();
    v.sort();
    Some(percentile(&v, 0.99))
}

pub fn print_table(title: &str, t: &Tally, secs: f64) {
    let (errors, total) = error_rate(t);
    println!("\n{title}: {total} steps, error rate {:.3}%", 100.0 * errors as f64 / total.max(1) as f64);
    println!(
        "{:24} {:>8} {:>9} {:>9} {:>9} {:>9} {:>7}",
        "step", "count", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors"
    );
    let mut names: Vec<&str> = t.rows.keys().chain(t.errors.keys()).copied().collect();
    names.sort();
    names.dedup();
    for name in names {
        let mut v = t.rows.get(name).cloned().unwrap_or_default();
        v.sort();
        println!(
            "{:24} {:>8} {:>9.1} {:>9.2} {:>9.2} {:>9.2} {:>7}",
            name,
            v.len(),
            v.len() as f64 / secs,
            percentile(&v, 0.5),
            percentile(&v, 0.95),
            percentile(&v, 0.99),
            t.errors.get(name).copied().unwrap_or(0)
        );
    }
}

/// Brotli (quality 11) bytes of the JS and Wasm every page downloads: not
/// the lazily loaded parts (`split_*.wasm`, fetched when called).
pub fn bundle_brotli(dir: &std::path::Path) -> Result<usize, String> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if !matches!(path.extension().and_then(|e| e.to_str()), Some("js" | "wasm")) {
            continue;
        }
        if path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("split_")) {
            continue;
        }
        let data = std::fs::read(&path).map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        brotli::BrotliCompress(
            &mut &data[..],
            &mut out,
            &brotli::enc::BrotliEncoderParams { quality: 11, ..Default::default() },
        )
        .map_err(|e| e.to_string())?;
        total += out.len();
    }
    Ok(total)
}
