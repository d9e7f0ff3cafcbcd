//! TLS to the managed services, as RDS and ElastiCache with in-transit
//! encryption require: a PostgreSQL with `ssl=on` and a Redis on a TLS port,
//! both with a certificate from a test CA (the test command makes them,
//! `scripts/tls.sh`). Trusting that CA connects (and the connection really
//! is encrypted); trusting another CA is refused with an error that names
//! the setting to fix.

use adapters::cache::{Cache, RedisCache};
use adapters::testing::{fresh_postgres, service, unique};
use ports::config::DatabaseConfig;
use ports::database::Database;
use std::path::PathBuf;

/// The TLS test services and the two CA bundles, or None to skip.
fn tls_env() -> Option<(String, String, PathBuf, PathBuf)> {
    let pg = service("STOREFRONT_TEST_POSTGRES_TLS")?;
    let redis = service("STOREFRONT_TEST_REDIS_TLS")?;
    let ca = PathBuf::from(service("STOREFRONT_TEST_TLS_CA")?);
    let wrong = PathBuf::from(service("STOREFRONT_TEST_TLS_WRONG_CA")?);
    Some((pg, redis, ca, wrong))
}

#[tokio::test]
async fn postgres_over_tls_is_verified_against_the_configured_ca_and_another_ca_is_refused_by_name() {
    let Some((pg, _, ca, wrong)) = tls_env() else { return };
    // The TLS server keeps its data between runs: a fresh database each time.
    let pg = fresh_postgres(&pg).await;
    let db = Database::connect(&DatabaseConfig::Postgres { url: pg.clone(), ca_file: Some(ca) }).await.unwrap();
    let encrypted: bool = sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert!(encrypted, "the connection is encrypted");
    db.migrate().await.unwrap();

    let refused = Database::connect(&DatabaseConfig::Postgres { url: pg, ca_file: Some(wrong) }).await.unwrap_err();
    assert!(!refused.is_transient(), "a refused certificate is not an outage: {refused}");
    assert!(refused.to_string().contains("database.ca_file"), "{refused}");
}

#[tokio::test]
async fn redis_over_tls_conforms_with_the_configured_ca_and_another_ca_is_refused_by_name() {
    let Some((_, redis, ca, wrong)) = tls_env() else { return };
    let c = RedisCache::connect(&redis, Some(&ca)).await.unwrap();
    let k = unique("tls");
    c.set(&k, b"secret", None).await.unwrap();
    assert_eq!(c.get(&k).await.unwrap().as_deref(), Some(&b"secret"[..]));
    assert_eq!(c.incr(&unique("n"), std::time::Duration::from_secs(5)).await.unwrap(), 1);

    let refused = RedisCache::connect(&redis, Some(&wrong)).await.err().expect("another CA is refused");
    assert!(refused.to_string().contains("cache.ca_file"), "{refused}");
    let plain = redis.replacen("rediss://", "redis://", 1);
    let not_tls = RedisCache::connect(&plain, Some(&ca)).await.err().expect("a CA without rediss:// is refused");
    assert!(not_tls.to_string().contains("cache.ca_file"), "{not_tls}");
}
