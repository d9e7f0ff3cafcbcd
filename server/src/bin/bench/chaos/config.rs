//! The settings the chaos suite gives every server and worker process:
//! the cloud adapters on the suite's own ports, lifted edge limits, short
//! timeouts and reconciler periods so a run settles in minutes, and only
//! the keys this build of the server knows (`server config-doc`), since an
//! unknown key stops start-up.

use super::aws::Aws;
use super::Options;
use std::path::Path;
use std::process::Command;

/// The `APP_*` variables this build of the server knows (from `server config-doc`).
pub async fn known_settings(server: &Path, dir: &Path) -> Result<Vec<String>, String> {
    let out = Command::new(server)
        .arg("config-doc")
        .current_dir(dir)
        .output()
        .map_err(|e| format!("{}: {e}", server.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let known: Vec<String> =
        text.lines().filter_map(|l| l.split('`').nth(3)).filter(|v| v.starts_with("APP_")).map(String::from).collect();
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
        ("APP_SERVER__ADDR", format!("127.0.0.1:{http_port}")),
        ("APP_SERVER__PUBLIC_URL", format!("http://127.0.0.1:{http_port}")),
        ("APP_SERVER__SHUTDOWN_GRACE_SECS", "1".into()),
        ("APP_SERVER__SEED_PRODUCTS", opts.products.to_string()),
        ("APP_SERVER__RUN_WORKER", "false".into()),
        ("APP_DATABASE__URL", db_url.to_string()),
        ("APP_CACHE__URL", format!("redis://127.0.0.1:{redis_port}")),
        ("APP_QUEUE__KIND", "sqs".into()),
        ("APP_QUEUE__ORDERS_URL", aws.orders_url.clone()),
        ("APP_QUEUE__DEAD_LETTER_URL", aws.dlq_url.clone()),
        ("APP_QUEUE__SALE_URL", aws.sale_url.clone()),
        ("APP_QUEUE__VISIBILITY_TIMEOUT_SECS", "5".into()),
        // Long polling would hold moto, which serves one request at a time.
        ("APP_QUEUE__RECEIVE_WAIT_SECS", "0".into()),
        ("APP_QUEUE__BACKOFF_MAX_SECS", "10".into()),
        ("APP_QUEUE__WORKER_STALL_SECS", "30".into()),
        ("APP_CATALOG__KIND", "dynamodb".into()),
        ("APP_CATALOG__TABLE", aws.table.clone()),
        ("APP_OBJECTS__KIND", "s3".into()),
        ("APP_OBJECTS__BUCKET", aws.bucket.clone()),
        ("APP_AWS__ENDPOINT_URL", aws.endpoint.clone()),
        ("APP_AWS__CREATE_RESOURCES", "true".into()),
        ("APP_EDGE__RATE_LIMIT", big.clone()),
        ("APP_EDGE__STRICT_LIMIT", big),
        ("APP_RECOMMEND__ENABLED", "false".into()),
        ("APP_FAILOVER__INTERVAL_SECS", "0".into()),
        ("APP_ACCOUNTS__MAIL", "log".into()),
        ("NO_COLOR", "1".into()),
        ("APP_RECONCILE__INTERVAL_SECS", "5".into()),
        ("APP_RECONCILE__AFTER_SECS", "20".into()),
    ];
    let mut env = Vec::new();
    let mut skipped = Vec::new();
    for (k, v) in wanted {
        if !k.starts_with("APP_") || known.iter().any(|x| x == k) {
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
