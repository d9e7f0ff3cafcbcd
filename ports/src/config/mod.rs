//! Typed configuration, loaded once at start-up.
//!
//! Sources, later ones winning: the defaults in [`SETTINGS`], the TOML file
//! named by `STOREFRONT_CONFIG` (default `storefront.toml`, optional), then
//! environment variables `STOREFRONT_<SECTION>__<KEY>` (e.g.
//! `STOREFRONT_CACHE__URL`; see `env.rs` for which variables are ours).
//! Every key is listed in [`SETTINGS`] with its default and meaning; the README
//! table is printed from it (`server config-doc`). A bad value or an unknown
//! key, in the file or under the prefix, stops start-up with a message that
//! names the setting. The `production` profile refuses what is only fit for
//! a laptop.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

pub use env::PREFIX as ENV_PREFIX;
pub use keys::SETTINGS;
pub use show::{example_toml, redact, redact_text};
pub use types::*;

mod env;
mod keys;
mod mail;
mod oidc;
mod parse;
mod show;
mod types;

use parse::{
    boolean, database, http_url, merge_toml, name, number, optional_file, path, production_origin, proxies, set,
};

#[derive(Debug, thiserror::Error)]
#[error("configuration error: {key}: {message}")]
pub struct ConfigError {
    pub key: String,
    pub message: String,
}

/// A configuration error; a URL's password in the message is masked.
fn err(key: &str, message: impl Into<String>) -> ConfigError {
    ConfigError { key: key.to_string(), message: show::redact_text(&message.into()) }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub profile: Profile,
    pub addr: SocketAddr,
    /// Where the operator's endpoints listen; `None`: on the public port.
    pub ops_addr: Option<SocketAddr>,
    pub public_url: String,
    pub json_logs: bool,
    pub shutdown_grace: Duration,
    pub seed_products: u32,
    pub run_worker: bool,
    pub edge: EdgeConfig,
    pub failover: FailoverConfig,
    pub accounts: AccountsConfig,
    pub mail: MailConfig,
    pub telemetry: TelemetryConfig,
    pub database: DatabaseConfig,
    pub migrate_on_start: bool,
    pub cache: CacheConfig,
    pub queue: QueueConfig,
    pub catalog: CatalogConfig,
    pub objects: ObjectsConfig,
    pub aws: AwsConfig,
    pub recommend: RecommendConfig,
    pub reconcile: ReconcileConfig,
}

/// Raw key/value view before typing; exposed for tests.
pub type RawSettings = BTreeMap<String, String>;

impl Settings {
    /// Defaults, then the `STOREFRONT_CONFIG` file, then `STOREFRONT_*` variables.
    pub fn load() -> Result<Self, ConfigError> {
        Self::from_sources(config_file()?.as_deref(), std::env::vars())
    }

    pub fn from_sources(
        file: Option<&str>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        Self::from_raw(&raw_sources(file, env)?)
    }
}

/// The text of the file named by `STOREFRONT_CONFIG` (default `storefront.toml`), if it exists.
pub fn config_file() -> Result<Option<String>, ConfigError> {
    let file = std::env::var("STOREFRONT_CONFIG").unwrap_or_else(|_| "storefront.toml".into());
    match std::fs::read_to_string(&file) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(err("STOREFRONT_CONFIG", format!("cannot read {file}: {e}"))),
    }
}

/// Every key's effective text: defaults, then the file, then the variables.
fn raw_sources(
    file: Option<&str>,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<RawSettings, ConfigError> {
    let mut raw: RawSettings = SETTINGS.iter().map(|(k, v, _)| (k.to_string(), v.to_string())).collect();
    if let Some(text) = file {
        merge_toml(&mut raw, text)?;
    }
    for (k, v) in env {
        if let Some(key) = env::setting_key(&k)? {
            set(&mut raw, &key, v, &k)?;
        }
    }
    let given = |k: &str| raw.contains_key(&format!("{}{k}", parse::GIVEN));
    if raw.get("server.profile").map(String::as_str) == Some("production") && !given("server.seed_products") {
        // Demo products only where someone asked for them.
        raw.insert("server.seed_products".into(), "0".into());
    }
    Ok(raw)
}

impl Settings {
    pub fn from_raw(raw: &RawSettings) -> Result<Self, ConfigError> {
        let get = |k: &str| raw.get(k).map(String::as_str).unwrap_or("");
        let queue_backend = match get("queue.kind") {
            "local" => QueueBackend::Local { path: path(get("queue.path"), "queue.path")? },
            "sqs" => QueueBackend::Sqs {
                orders_url: http_url("queue.orders_url", get("queue.orders_url"))?,
                dead_letter_url: http_url("queue.dead_letter_url", get("queue.dead_letter_url"))?,
                sale_url: http_url("queue.sale_url", get("queue.sale_url"))?,
            },
            other => return Err(err("queue.kind", format!("expected local or sqs, got {other:?}"))),
        };
        let profile = match get("server.profile") {
            "development" => Profile::Development,
            "production" => Profile::Production,
            other => return Err(err("server.profile", format!("expected development or production, got {other:?}"))),
        };
        let public_url = http_url("server.public_url", get("server.public_url"))?;
        let ops_addr = match get("server.ops_addr") {
            "" if profile == Profile::Production => {
                return Err(err(
                    "server.ops_addr",
                    "production keeps /metrics and the operator's endpoints off the public port: set an address",
                ))
            }
            "" => None,
            a => Some(a.parse().map_err(|_| err("server.ops_addr", format!("expected HOST:PORT, got {a:?}")))?),
        };
        if profile == Profile::Production {
            production_origin(&public_url)?;
        }
        Ok(Settings {
            profile,
            ops_addr,
            addr: get("server.addr")
                .parse()
                .map_err(|_| err("server.addr", format!("expected HOST:PORT, got {:?}", get("server.addr"))))?,
            public_url,
            json_logs: boolean("server.json_logs", get("server.json_logs"))?,
            shutdown_grace: Duration::from_secs(number(
                "server.shutdown_grace_secs",
                get("server.shutdown_grace_secs"),
                0,
                3600,
            )?),
            seed_products: number("server.seed_products", get("server.seed_products"), 0, 1_000_000)? as u32,
            run_worker: boolean("server.run_worker", get("server.run_worker"))?,
            failover: FailoverConfig {
                interval: Duration::from_secs(number(
                    "failover.interval_secs",
                    get("failover.interval_secs"),
                    0,
                    7 * 86_400,
                )?),
                debounce: Duration::from_secs(number(
                    "failover.debounce_secs",
                    get("failover.debounce_secs"),
                    1,
                    86_400,
                )?),
                prefix: match get("failover.prefix") {
                    p if !p.is_empty()
                        && p.ends_with('/')
                        && crate::objects::check_key(p.trim_end_matches('/')).is_ok() =>
                    {
                        p.to_string()
                    }
                    other => {
                        return Err(err(
                            "failover.prefix",
                            format!("expected a folder-like prefix ending in /, got {other:?}"),
                        ))
                    }
                },
            },
            mail: mail::parse(raw, profile)?,
            telemetry: TelemetryConfig {
                otlp_endpoint: match get("telemetry.otlp_endpoint") {
                    "" => None,
                    u => Some(http_url("telemetry.otlp_endpoint", u)?),
                },
                service_name: name("telemetry.service_name", get("telemetry.service_name"))?,
            },
            accounts: AccountsConfig {
                session_ttl: Duration::from_secs(
                    86_400 * number("accounts.session_days", get("accounts.session_days"), 1, 365)?,
                ),
                oidc: oidc::parse(raw, profile)?,
            },
            edge: EdgeConfig {
                rate_limit: number("edge.rate_limit", get("edge.rate_limit"), 1, 10_000_000)?,
                rate_window: match get("edge.rate_window_secs") {
                    w @ ("60" | "120" | "300" | "600") => Duration::from_secs(w.parse().unwrap_or(300)),
                    other => {
                        return Err(err(
                            "edge.rate_window_secs",
                            format!("expected 60, 120, 300 or 600, got {other:?}"),
                        ))
                    }
                },
                strict_limit: number("edge.strict_limit", get("edge.strict_limit"), 1, 10_000_000)?,
                client_ip_header: match get("edge.client_ip_header").trim() {
                    "" => None,
                    h if h.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') => Some(h.to_ascii_lowercase()),
                    other => return Err(err("edge.client_ip_header", format!("not a header name: {other:?}"))),
                },
                trusted_proxies: proxies(get("edge.client_ip_header"), get("edge.trusted_proxies"))?,
                page_cache: Duration::from_secs(number(
                    "edge.page_cache_secs",
                    get("edge.page_cache_secs"),
                    0,
                    86_400,
                )?),
                max_body_bytes: number("edge.max_body_bytes", get("edge.max_body_bytes"), 1024, 64 * 1024 * 1024)?
                    as usize,
            },
            database: database(get("database.url"), get("database.ca_file"))?,
            migrate_on_start: boolean("database.migrate_on_start", get("database.migrate_on_start"))?,
            cache: match get("cache.url") {
                "memory" if get("cache.ca_file").is_empty() => CacheConfig::Memory,
                "memory" => return Err(err("cache.ca_file", "only a rediss:// cache.url uses TLS")),
                u if u.starts_with("redis://") || u.starts_with("rediss://") => CacheConfig::Redis {
                    url: u.to_string(),
                    ca_file: optional_file("cache.ca_file", get("cache.ca_file"))?,
                },
                other => {
                    return Err(err(
                        "cache.url",
                        format!("expected memory, redis://HOST:PORT or rediss://HOST:PORT, got {other:?}"),
                    ))
                }
            },
            queue: QueueConfig {
                backend: queue_backend,
                max_receives: number("queue.max_receives", get("queue.max_receives"), 1, 1000)? as u32,
                visibility_timeout: Duration::from_secs(number(
                    "queue.visibility_timeout_secs",
                    get("queue.visibility_timeout_secs"),
                    1,
                    43_200,
                )?),
                backoff_max: Duration::from_secs(number(
                    "queue.backoff_max_secs",
                    get("queue.backoff_max_secs"),
                    1,
                    43_200,
                )?),
                receive_wait: Duration::from_secs(number(
                    "queue.receive_wait_secs",
                    get("queue.receive_wait_secs"),
                    0,
                    20,
                )?),
                worker_concurrency: number("queue.worker_concurrency", get("queue.worker_concurrency"), 1, 256)?
                    as usize,
                worker_stall: Duration::from_secs(number(
                    "queue.worker_stall_secs",
                    get("queue.worker_stall_secs"),
                    5,
                    86_400,
                )?),
                step_timeout: Duration::from_secs(number(
                    "queue.step_timeout_secs",
                    get("queue.step_timeout_secs"),
                    1,
                    3_600,
                )?),
            },
            reconcile: ReconcileConfig {
                enabled: boolean("reconcile.enabled", get("reconcile.enabled"))?,
                interval: Duration::from_secs(number(
                    "reconcile.interval_secs",
                    get("reconcile.interval_secs"),
                    1,
                    86_400,
                )?),
                after: Duration::from_secs(number(
                    "reconcile.after_secs",
                    get("reconcile.after_secs"),
                    5,
                    30 * 86_400,
                )?),
            },
            catalog: match get("catalog.kind") {
                "embedded" => CatalogConfig::Embedded { path: path(get("catalog.path"), "catalog.path")? },
                "dynamodb" => CatalogConfig::DynamoDb { table: name("catalog.table", get("catalog.table"))? },
                other => return Err(err("catalog.kind", format!("expected embedded or dynamodb, got {other:?}"))),
            },
            objects: match get("objects.kind") {
                "folder" => ObjectsConfig::Folder { path: path(get("objects.path"), "objects.path")? },
                "s3" => ObjectsConfig::S3 { bucket: name("objects.bucket", get("objects.bucket"))? },
                other => return Err(err("objects.kind", format!("expected folder or s3, got {other:?}"))),
            },
            aws: AwsConfig {
                region: name("aws.region", get("aws.region"))?,
                endpoint_url: match get("aws.endpoint_url") {
                    "" => None,
                    u => Some(http_url("aws.endpoint_url", u)?),
                },
                create_resources: boolean("aws.create_resources", get("aws.create_resources"))?,
            },
            recommend: RecommendConfig {
                enabled: boolean("recommend.enabled", get("recommend.enabled"))?,
                schedule: match crate::clock::parse(get("recommend.schedule")) {
                    Ok(_) => get("recommend.schedule").trim().to_string(),
                    Err(e) => return Err(err("recommend.schedule", format!("not a cron expression: {e}"))),
                },
                window_days: number("recommend.window_days", get("recommend.window_days"), 1, 3650)? as u32,
                min_support: number("recommend.min_support", get("recommend.min_support"), 1, 1_000_000)? as u32,
                lock_ttl: Duration::from_secs(number("recommend.lock_secs", get("recommend.lock_secs"), 10, 86_400)?),
            },
        })
    }

    /// True when any port uses an AWS service.
    pub fn uses_aws(&self) -> bool {
        matches!(self.queue.backend, QueueBackend::Sqs { .. })
            || self.mail.transport == MailTransport::Ses
            || matches!(self.catalog, CatalogConfig::DynamoDb { .. })
            || matches!(self.objects, ObjectsConfig::S3 { .. })
    }
}

#[cfg(test)]
mod tests;
