//! The settings the chaos suite gives every server and worker process:
//! the cloud adapters on the suite's own ports, lifted edge limits, short
//! timeouts and reconciler periods so a run settles in minutes, and only
//! the keys this build of the server knows (`server config-doc`), since an
//! unknown key stops start-up.

use super::aws::Aws;
use super::Options;
use std::path::Path;
use std::process::Command;

/// The `STOREFRONT_*` variables this build of the server knows (from `server config-doc`).
pub async fn known_settings(server: &Path, dir: &Path) -> Result<Vec<String>, String> {
    let out = Command::new(server)
        .arg("config-doc")
        .current_dir(dir)
        .output()
        .map_err(|e| format!("{}: {e}", server.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let known: Vec<String> = text
        .lines()
        .filter_map(|l| l.split('`').nth(3))
        .filter(|v| v.starts_with("STOREFRONT_"))
        .map(String::from)
        .collect();
    if known.is_empty() {
        return Err(format!("`server config-doc` listed no settings: {}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok(known)
}

pub fn app_env(
    known: &[String],
    db_url: &str,
    redis_port: u16,
    aws: &Aws,
    http_port: u16,
    opts: &Options,
) -> Vec<(String, String)> {
    let big = "10000000".to_string();
    let wanted: Vec<(&str, String)> = vec![
        ("STOREFRONT_SERVER__ADDR", format!("127.0.0.1:{http_port}")),
        ("STOREFRONT_SERVER__PUBLIC_URL", format!("http://127.0.0.1:{http_port}")),
        ("STOREFRONT_SERVER__SHUTDOWN_GRACE_SECS", "1".into()),
        ("STOREFRONT_SERVER__SEED_PRODUCTS", opts.products.to_string()),
        ("STOREFRONT_SERVER__RUN_WORKER", "false".into()),
        ("STOREFRONT_DATABASE__URL", db_url.to_string()),
        ("STOREFRONT_CACHE__URL", format!("redis://127.0.0.1:{redis_port}")),
        ("STOREFRONT_QUEUE__KIND", "sqs".into()),
        ("STOREFRONT_QUEUE__ORDERS_URL", aws.orders_url.clone()),
        ("STOREFRONT_QUEUE__DEAD_LETTER_URL", aws.dlq_url.clone()),
        ("STOREFRONT_QUEUE__SALE_URL", aws.sale_url.clone()),
        ("STOREFRONT_QUEUE__VISIBILITY_TIMEOUT_SECS", "5".into()),
        // Long polling would hold moto, which serves one request at a time.
        ("STOREFRONT_QUEUE__RECEIVE_WAIT_SECS", "0".into()),
        ("STOREFRONT_QUEUE__BACKOFF_MAX_SECS", "10".into()),
        ("STOREFRONT_QUEUE__WORKER_STALL_SECS", "30".into()),
        ("STOREFRONT_CATALOG__KIND", "dynamodb".into()),
        ("STOREFRONT_CATALOG__TABLE", aws.table.clone()),
        ("STOREFRONT_OBJECTS__KIND", "s3".into()),
        ("STOREFRONT_OBJECTS__BUCKET", aws.bucket.clone()),
        ("STOREFRONT_AWS__ENDPOINT_URL", aws.endpoint.clone()),
        ("STOREFRONT_AWS__CREATE_RESOURCES", "true".into()),
        ("STOREFRONT_EDGE__RATE_LIMIT", big.clone()),
        ("STOREFRONT_EDGE__STRICT_LIMIT", big),
        ("STOREFRONT_RECOMMEND__ENABLED", "false".into()),
        ("STOREFRONT_FAILOVER__INTERVAL_SECS", "0".into()),
        ("STOREFRONT_MAIL__KIND", "log".into()),
        ("NO_COLOR", "1".into()),
        ("STOREFRONT_RECONCILE__INTERVAL_SECS", "5".into()),
        ("STOREFRONT_RECONCILE__AFTER_SECS", "20".into()),
    ];
    let mut env = Vec::new();
    let mut skipped = Vec::new();
    for (k, v) in wanted {
        if !k.starts_with("STOREFRONT_") || known.iter().any(|x| x == k) {
            env.push((k.to_string(), v));
        } else {
            skipped.push(k);
        }
    }
    if !skipped.is_empty() {
        println!("note: this server build does not know {} (not passed)", skipped.join(", "));
    }
    env
}
