use super::Cache;
use async_trait::async_trait;
use fred::prelude::*;
use fred::types::{Expiration, SetOptions};
use ports::{PortError, PortResult};
use std::path::Path;
use std::time::Duration;

/// Redis through fred, with a connection pool. Every command has a timeout so
/// a dead Redis makes callers fall back quickly instead of hanging.
pub struct RedisCache {
    pool: Pool,
}

fn down(e: impl std::fmt::Display) -> PortError {
    PortError::unavailable("redis", e)
}

/// A TLS connector trusting only the certificates in the PEM file `ca`.
fn tls_from(ca: &Path) -> PortResult<TlsConnector> {
    use fred::rustls::pki_types::{pem::PemObject, CertificateDer};
    let bad = |why: String| PortError::Invalid(format!("cache.ca_file: {}: {why}", ca.display()));
    let mut roots = fred::rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca).map_err(|e| bad(e.to_string()))? {
        roots.add(cert.map_err(|e| bad(e.to_string()))?).map_err(|e| bad(e.to_string()))?;
    }
    if roots.is_empty() {
        return Err(bad("holds no PEM certificate".into()));
    }
    Ok(fred::rustls::ClientConfig::builder().with_root_certificates(roots).with_no_client_auth().into())
}

/// Whether connecting failed on TLS itself. fred keeps rustls' verdict only
/// as the text of an I/O error (`InvalidCertificate(…)`), so that text is
/// what tells a refused certificate from a Redis that is down.
fn tls_refused(e: &fred::error::Error) -> bool {
    *e.kind() == ErrorKind::Tls
        || (*e.kind() == ErrorKind::IO && ["InvalidCertificate", "certificate"].iter().any(|w| e.details().contains(w)))
}

impl RedisCache {
    /// Connect to `url` (`rediss://` for TLS, verified against the PEM
    /// bundle `ca_file` when given). An unreachable Redis does not stop the
    /// shop; a certificate it refuses does, naming the setting.
    pub async fn connect(url: &str, ca_file: Option<&Path>) -> PortResult<Self> {
        let mut config = Config::from_url(url).map_err(down)?;
        if let Some(ca) = ca_file {
            if config.tls.is_none() {
                return Err(PortError::Invalid("cache.ca_file: set, but cache.url is not rediss://".into()));
            }
            config.tls = Some(tls_from(ca)?.into());
        }
        let pool = Builder::from_config(config)
            .with_connection_config(|c| {
                c.connection_timeout = Duration::from_secs(2);
                c.internal_command_timeout = Duration::from_secs(2);
            })
            .with_performance_config(|p| {
                p.default_command_timeout = Duration::from_millis(1500);
            })
            .set_policy(ReconnectPolicy::new_constant(0, 500))
            .build_pool(4)
            .map_err(down)?;
        // A Redis that is down at start-up must not stop the shop: the pool
        // keeps reconnecting in the background and callers fall back meanwhile.
        match tokio::time::timeout(Duration::from_secs(3), pool.init()).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) if tls_refused(&e) => {
                let key = if ca_file.is_some() { "cache.ca_file" } else { "cache.url" };
                return Err(PortError::Invalid(format!("{key}: Redis's TLS certificate was refused: {e}")));
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "redis not reachable at start-up; retrying in the background")
            }
            Err(_) => {
                tracing::warn!("redis connect timed out at start-up; retrying in the background")
            }
        }
        Ok(Self { pool })
    }
}

#[async_trait]
impl Cache for RedisCache {
    async fn get(&self, key: &str) -> PortResult<Option<Vec<u8>>> {
        let v: Option<Vec<u8>> = self.pool.get(key).await.map_err(down)?;
        Ok(v)
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> PortResult<()> {
        let exp = ttl.map(|t| Expiration::PX(t.as_millis().max(1) as i64));
        let _: () = self.pool.set(key, value, exp, None, false).await.map_err(down)?;
        Ok(())
    }

    async fn take(&self, key: &str) -> PortResult<Option<Vec<u8>>> {
        // GETDEL (Redis 6.2+; ElastiCache 7): one command, so one taker wins.
        let v: Option<Vec<u8>> = self.pool.getdel(key).await.map_err(down)?;
        Ok(v)
    }

    async fn delete(&self, keys: &[String]) -> PortResult<()> {
        if keys.is_empty() {
            return Ok(());
        }
        let _: i64 = self.pool.del(keys.to_vec()).await.map_err(down)?;
        Ok(())
    }

    async fn incr(&self, key: &str, window: Duration) -> PortResult<i64> {
        // SET NX with expiry creates the window once; INCR keeps the expiry.
        let exp = Expiration::PX(window.as_millis().max(1) as i64);
        let _: Option<String> = self.pool.set(key, 0, Some(exp), Some(SetOptions::NX), false).await.map_err(down)?;
        self.pool.incr(key).await.map_err(down)
    }

    async fn ping(&self) -> PortResult<()> {
        let _: String = self.pool.ping(None).await.map_err(down)?;
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "redis"
    }
}
