use adapters::cache::{Cache, MemoryCache, RedisCache};
use adapters::testing::{service, unique};
use std::time::Duration;

async fn suite(c: &dyn Cache) {
    let k = unique("k");
    assert_eq!(c.get(&k).await.unwrap(), None, "missing key reads as None");
    c.set(&k, b"hello", None).await.unwrap();
    assert_eq!(c.get(&k).await.unwrap().as_deref(), Some(&b"hello"[..]));
    c.set(&k, b"again", None).await.unwrap();
    assert_eq!(c.get(&k).await.unwrap().as_deref(), Some(&b"again"[..]), "set overwrites");
    c.delete(std::slice::from_ref(&k)).await.unwrap();
    assert_eq!(c.get(&k).await.unwrap(), None, "delete removes");

    let short = unique("ttl");
    c.set(&short, b"x", Some(Duration::from_millis(300))).await.unwrap();
    assert!(c.get(&short).await.unwrap().is_some());
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert_eq!(c.get(&short).await.unwrap(), None, "value expires after its ttl");

    let counter = unique("n");
    for want in 1..=3 {
        assert_eq!(c.incr(&counter, Duration::from_millis(400)).await.unwrap(), want);
    }
    tokio::time::sleep(Duration::from_millis(550)).await;
    assert_eq!(
        c.incr(&counter, Duration::from_millis(400)).await.unwrap(),
        1,
        "a counter's window restarts after it expires"
    );

    let shared = unique("shared");
    let tasks: Vec<_> = (0..20).map(|_| c.incr(&shared, Duration::from_secs(10))).collect();
    let mut all: Vec<i64> = futures::future::join_all(tasks).await.into_iter().map(|r| r.unwrap()).collect();
    all.sort();
    assert_eq!(all, (1..=20).collect::<Vec<_>>(), "concurrent increments never lose a count");
    c.ping().await.unwrap();
}

#[tokio::test]
async fn memory_cache_conforms() {
    suite(&MemoryCache::new(1000)).await;
}

#[tokio::test]
async fn redis_cache_conforms() {
    let Some(url) = service("STOREFRONT_TEST_REDIS") else {
        return;
    };
    suite(&RedisCache::connect(&url).await.unwrap()).await;
}

#[tokio::test]
async fn memory_cache_evicts_when_full_instead_of_growing() {
    let c = MemoryCache::new(16);
    for i in 0..100 {
        c.set(&format!("k{i}"), b"v", None).await.unwrap();
    }
    assert!(c.get("k99").await.unwrap().is_some(), "the newest entry is kept");
    let kept = futures_count(&c).await;
    assert!(kept <= 16, "kept {kept} entries");
}

async fn futures_count(c: &MemoryCache) -> usize {
    let mut n = 0;
    for i in 0..100 {
        if c.get(&format!("k{i}")).await.unwrap().is_some() {
            n += 1;
        }
    }
    n
}

#[tokio::test]
async fn a_dead_redis_fails_fast_with_unavailable() {
    let c = RedisCache::connect("redis://127.0.0.1:1").await.unwrap();
    let started = std::time::Instant::now();
    let err = c.get("x").await.unwrap_err();
    assert!(err.is_transient(), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
}
