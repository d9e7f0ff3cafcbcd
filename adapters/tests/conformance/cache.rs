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

    let once = unique("once");
    c.set(&once, b"ticket", Some(Duration::from_secs(10))).await.unwrap();
    let takes: Vec<_> = (0..10).map(|_| c.take(&once)).collect();
    let got: Vec<Vec<u8>> = futures::future::join_all(takes).await.into_iter().filter_map(|r| r.unwrap()).collect();
    assert_eq!(got, vec![b"ticket".to_vec()], "of ten concurrent takes, exactly one gets the value");
    assert_eq!(c.get(&once).await.unwrap(), None, "taken means gone");
    assert_eq!(c.take(&unique("never")).await.unwrap(), None);
    c.ping().await.unwrap();
}

#[tokio::test]
async fn memory_cache_conforms() {
    suite(&MemoryCache::new(64 * 1024)).await;
}

#[tokio::test]
async fn redis_cache_conforms() {
    let Some(url) = service("STOREFRONT_TEST_REDIS") else {
        return;
    };
    suite(&RedisCache::connect(&url, None).await.unwrap()).await;
}

#[tokio::test]
async fn memory_cache_stays_within_its_byte_bound_and_keeps_the_newest() {
    let c = MemoryCache::new(8 * 1024);
    let value = vec![b'v'; 400];
    for i in 0..100 {
        c.set(&format!("k{i}"), &value, None).await.unwrap();
    }
    assert!(c.weighted_size() <= 8 * 1024, "holds {} bytes", c.weighted_size());
    assert!(c.get("k99").await.unwrap().is_some(), "the newest entry is kept");
    assert!(c.get("k0").await.unwrap().is_none(), "the oldest went first");
    c.set("big", &vec![b'x'; 64 * 1024], None).await.unwrap();
    assert!(c.weighted_size() <= 8 * 1024, "a value larger than the bound is not kept: {}", c.weighted_size());
}

#[tokio::test]
async fn a_dead_redis_fails_fast_with_unavailable() {
    let c = RedisCache::connect("redis://127.0.0.1:1", None).await.unwrap();
    let started = std::time::Instant::now();
    let err = c.get("x").await.unwrap_err();
    assert!(err.is_transient(), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
}
