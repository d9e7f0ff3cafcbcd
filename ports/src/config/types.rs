//! The typed sections of [`super::Settings`], one struct or enum each.

use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub enum DatabaseConfig {
    Sqlite {
        path: PathBuf,
    },
    /// `ca_file`: PEM bundle the server's certificate must chain to (RDS's,
    /// say); with it, `sslmode` defaults to `verify-full`.
    Postgres {
        url: String,
        ca_file: Option<PathBuf>,
    },
}

/// Development is forgiving (loopback origin, demo products); production is not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    Development,
    Production,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CacheConfig {
    Memory,
    /// `rediss://` connects over TLS, verified against `ca_file` (PEM) when
    /// given, else the system's roots.
    Redis {
        url: String,
        ca_file: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum QueueBackend {
    Local { path: PathBuf },
    Sqs { orders_url: String, dead_letter_url: String, sale_url: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct QueueConfig {
    pub backend: QueueBackend,
    pub max_receives: u32,
    pub visibility_timeout: Duration,
    pub backoff_max: Duration,
    pub receive_wait: Duration,
    pub worker_concurrency: usize,
    pub worker_stall: Duration,
    pub step_timeout: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReconcileConfig {
    pub enabled: bool,
    pub interval: Duration,
    /// Age after which an unsettled order or an orphan authorization is reconciled.
    pub after: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CatalogConfig {
    Embedded { path: PathBuf },
    DynamoDb { table: String },
}

#[derive(Debug, Clone, PartialEq)]
pub enum ObjectsConfig {
    Folder { path: PathBuf },
    S3 { bucket: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct FailoverConfig {
    pub interval: Duration,
    pub debounce: Duration,
    pub prefix: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TelemetryConfig {
    /// Where traces go (OTLP/HTTP); `None`: nowhere.
    pub otlp_endpoint: Option<String>,
    pub service_name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MailConfig {
    pub transport: MailTransport,
    /// The From header, as given (checked to hold an address).
    pub from: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum MailTransport {
    Folder { path: PathBuf },
    Log,
    Smtp { host: String, port: u16, tls: SmtpTls, user: Option<(String, String)>, ca_file: Option<PathBuf> },
    Ses,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// TLS from the first byte (smtps://, port 465).
    Wrapper,
    /// STARTTLS, refused if the server does not offer it (smtp://).
    Required,
    /// Plain text, for a local sink; refused in production.
    None,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AccountsConfig {
    pub session_ttl: Duration,
    /// Sign-in through an outside OpenID Connect issuer; `None`: passwords only.
    pub oidc: Option<OidcConfig>,
}

#[derive(Clone, PartialEq)]
pub struct OidcConfig {
    /// The issuer URL, exactly as its discovery document names it.
    pub issuer: String,
    pub client_id: String,
    /// `None`: a public client (PKCE alone).
    pub client_secret: Option<String>,
    /// Shown on the button: "Sign in with {name}".
    pub name: String,
}

impl std::fmt::Debug for OidcConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcConfig")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "***"))
            .field("name", &self.name)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct EdgeConfig {
    pub rate_limit: u64,
    pub rate_window: Duration,
    pub strict_limit: u64,
    pub client_ip_header: Option<String>,
    /// Peers whose `client_ip_header` is believed (never empty when the header is set).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub page_cache: Duration,
    pub max_body_bytes: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AwsConfig {
    pub region: String,
    pub endpoint_url: Option<String>,
    pub create_resources: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RecommendConfig {
    pub enabled: bool,
    /// Validated cron expression (see `recommend::schedule::parse`).
    pub schedule: String,
    pub window_days: u32,
    pub min_support: u32,
    pub lock_ttl: Duration,
}
