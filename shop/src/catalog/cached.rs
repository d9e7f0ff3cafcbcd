//! Catalog reads through the cache, writes through to it.
//!
//! - Product by slug: cache key `p:<slug>` (product JSON with stock), filled
//!   on a miss, overwritten on every merchant save (write-through) with the
//!   product as stored after the save (its live stock, not the form's).
//! - Category index (all cards of a category): versioned. `v:<category>` is
//!   a shared counter bumped by every write that touches the category; the
//!   decoded index is memoised in-process per (category, version), and kept
//!   in the shared cache under `ci:<category>:<version>` for other servers.
//! - Cards carry their product's review summary (`RatingSource`), read when
//!   the index is built; moderating a review bumps the product's
//!   categories, so the next index has the new average.
//! - A product read from the cache is decoded once per distinct bytes
//!   (`decoded.rs`): the cache is still asked on every read.
//! - Concurrent misses of the same product or index share one store read
//!   (`ports::flight`): a crowd arriving at a cold product costs one read.
//! - A product the store does not have is remembered as absent (`ABSENT`,
//!   for `ABSENT_TTL`): a crowd at a link to a product that is gone, or a
//!   client repeating a made-up slug, costs one store read per 30 s, not
//!   one per request. Saving a product overwrites its keys, so a product
//!   created under that slug shows at once.
//! - When the cache fails, reads go to the store and `cache_fallbacks`
//!   counts it; a page never fails because the cache did.

use super::store::{CatalogStore, ALL};
use domain::catalog::{Page, ProductCard};
use domain::{CategoryPath, Product};
use ports::cache::Cache;
use ports::flight::SingleFlight;

mod decoded;
mod listing;
mod shared;
mod stock_delta;
pub use shared::VERSION_MEMO_MAX_AGE;
mod writes;
use ports::PortResult;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The version of what anonymous pages show apart from live stock: bumped
/// by merchant saves, rule changes and review moderation, not by orders.
/// The page cache keys every page by it (`server/src/edge/page_cache.rs`).
pub const PAGES_VERSION_KEY: &str = "v:pages";

/// The version of one product's own pages, bumped by every write of the
/// product, stock included: the page cache keys product pages by it too.
pub fn product_page_version_key(slug: &str) -> String {
    format!("pv:{slug}")
}

const PRODUCT_TTL: Duration = Duration::from_secs(600);
/// What a product key holds when the store has no such product (not JSON,
/// so it can never be mistaken for one).
const ABSENT: &[u8] = b"absent";
const ABSENT_TTL: Duration = Duration::from_secs(30);
const INDEX_TTL: Duration = Duration::from_secs(3600);
const VERSION_TTL: Duration = Duration::from_secs(30 * 24 * 3600);
/// A memoised index is trusted without asking the cache for this long when
/// the cache is down, and never kept longer than `MEMO_MAX_AGE`.
const MEMO_STALE_OK: Duration = Duration::from_secs(5);
const MEMO_MAX_AGE: Duration = Duration::from_secs(600);
/// Sales reach the listings (stock badges, the in-stock filter) at most
/// this late: a category's index is rebuilt at most once per window for
/// stock, not once per order. At 100,000 products and 8 orders/s, one
/// rebuild of the whole shop's index per order kept every listing and
/// search waiting for seconds. A product's own page still renews at once.
pub const STOCK_LISTING_LAG: Duration = Duration::from_secs(10);

/// A listing's cards, each shared: a patched version (`stock_delta.rs`)
/// copies pointers and replaces the few cards that sold, instead of
/// copying every card (at 100,000 products, every stock window).
pub type Cards = Arc<Vec<Arc<ProductCard>>>;

#[derive(Clone)]
struct Memo {
    version: String,
    /// When the store was last read for it (patches keep the time).
    built: Instant,
    /// When it was put in the memo.
    at: Instant,
    cards: Cards,
}

/// Where a category index gets its products' approved-review summaries (by
/// product id). A failure leaves the cards unrated; it never fails a page.
#[async_trait::async_trait]
pub trait RatingSource: Send + Sync {
    async fn ratings(&self) -> PortResult<HashMap<String, domain::review::Summary>>;
}

pub struct CachedCatalog {
    store: CatalogStore,
    ratings: Option<Arc<dyn RatingSource>>,
    cache: Arc<dyn Cache>,
    memo: Mutex<HashMap<String, Memo>>,
    pages: Mutex<HashMap<String, Arc<Page>>>,
    /// Search index of a category's cards, per (category, version): stemmed
    /// once per catalog change (for the whole shop, in the background), not
    /// once per new query.
    terms: listing::SearchIndexes,
    fallbacks: AtomicU64,
    hits: AtomicU64,
    misses: AtomicU64,
    /// Concurrent misses of one product key or one category index version
    /// share one store read.
    product_flights: SingleFlight<PortResult<Option<Product>>>,
    /// Products decoded from the cache, per key and bytes (`decoded.rs`).
    decoded: decoded::Decoded<Product>,
    /// The category list, per bytes.
    decoded_categories: decoded::Decoded<Vec<CategoryPath>>,
    index_flights: SingleFlight<PortResult<Cards>>,
    /// The shop rules, per pages version (`shared.rs`).
    rules_memo: shared::VersionMemo<domain::rules::ShopRules>,
    /// `STOCK_LISTING_LAG`, shorter in tests.
    stock_lag: Duration,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
    pub fallbacks: u64,
}

impl CachedCatalog {
    pub fn new(store: CatalogStore, cache: Arc<dyn Cache>) -> Self {
        Self {
            store,
            ratings: None,
            cache,
            memo: Mutex::new(HashMap::new()),
            pages: Mutex::new(HashMap::new()),
            terms: Arc::default(),
            fallbacks: AtomicU64::new(0),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            product_flights: SingleFlight::default(),
            decoded: decoded::Decoded::default(),
            decoded_categories: decoded::Decoded::default(),
            index_flights: SingleFlight::default(),
            rules_memo: shared::VersionMemo::default(),
            stock_lag: STOCK_LISTING_LAG,
        }
    }

    /// Sales reach the listings within `lag` (`STOCK_LISTING_LAG` unless set).
    pub fn with_stock_lag(mut self, lag: Duration) -> Self {
        self.stock_lag = lag;
        self
    }

    /// Cards get their review summaries from `source`.
    pub fn with_ratings(mut self, source: Arc<dyn RatingSource>) -> Self {
        self.ratings = Some(source);
        self
    }

    /// A category's cards from the store, with their ratings.
    async fn cards_from_store(&self, category: &str) -> PortResult<Cards> {
        let mut cards = self.store.category_cards(category).await?;
        if let Some(source) = &self.ratings {
            match source.ratings().await {
                Ok(all) => {
                    for c in &mut cards {
                        c.rating = all.get(&c.id).copied();
                    }
                }
                Err(e) => tracing::warn!(category, error = %e, "ratings unavailable; the index is built without them"),
            }
        }
        Ok(shared(cards))
    }

    pub fn store(&self) -> &CatalogStore {
        &self.store
    }

    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            fallbacks: self.fallbacks.load(Ordering::Relaxed),
        }
    }

    fn fell_back(&self, op: &str, e: &ports::PortError) {
        self.fallbacks.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(cache.op = op, error = %e, "cache unavailable; serving from the store");
    }

    pub async fn product_by_slug(&self, slug: &str) -> PortResult<Option<Product>> {
        self.product(format!("p:{slug}"), || self.store.by_slug(slug)).await
    }

    /// Read through the cache: `key`, else `load` from the store (and fill the cache).
    async fn product<F, Fut>(&self, key: String, load: F) -> PortResult<Option<Product>>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = PortResult<Option<Product>>>,
    {
        match self.cache.get(&key).await {
            Ok(Some(bytes)) if bytes == ABSENT => {
                self.hits.fetch_add(1, Ordering::Relaxed);
                return Ok(None);
            }
            Ok(Some(bytes)) => {
                if let Some(p) = self.decoded.decode(&key, bytes) {
                    self.hits.fetch_add(1, Ordering::Relaxed);
                    return Ok(Some(p));
                }
            }
            Ok(None) => {}
            Err(e) => {
                self.fell_back("get", &e);
                return load().await;
            }
        }
        let fill = || async {
            self.misses.fetch_add(1, Ordering::Relaxed);
            let found = load().await?;
            match &found {
                Some(p) => self.put_product(p).await,
                None => {
                    if let Err(e) = self.cache.set(&key, ABSENT, Some(ABSENT_TTL)).await {
                        self.fell_back("set", &e);
                    }
                }
            }
            Ok(found)
        };
        self.product_flights.run(&key, fill).await
    }

    async fn put_product(&self, p: &Product) {
        if let Ok(bytes) = serde_json::to_vec(p) {
            for key in [format!("p:{}", p.slug), format!("pi:{}", p.id)] {
                if let Err(e) = self.cache.set(&key, &bytes, Some(PRODUCT_TTL)).await {
                    self.fell_back("set", &e);
                }
            }
        }
    }

    /// Product by id (carts and checkout), through the cache.
    pub async fn product_by_id(&self, id: &str) -> PortResult<Option<Product>> {
        self.product(format!("pi:{id}"), || self.store.by_id(id)).await
    }

    fn memo_get(&self, category: &str) -> Option<Memo> {
        self.memo.lock().unwrap_or_else(|p| p.into_inner()).get(category).cloned()
    }

    fn memo_put(&self, category: &str, version: String, built: Instant, cards: Cards) {
        let mut memo = self.memo.lock().unwrap_or_else(|p| p.into_inner());
        if memo.len() > 256 {
            memo.clear();
        }
        memo.insert(category.to_string(), Memo { version, built, at: Instant::now(), cards });
    }

    /// All cards of a category (`*` for the whole shop), newest first.
    pub async fn category(&self, category: &str) -> PortResult<Cards> {
        Ok(self.category_versioned(category).await?.1)
    }

    /// The whole catalog's version: it changes with every merchant save
    /// and every stock window with a sale (empty when the cache cannot say).
    pub async fn version(&self) -> String {
        self.listing_version(ALL).await.map(|v| v.to_string()).unwrap_or_default()
    }

    async fn category_versioned(&self, category: &str) -> PortResult<(String, Cards)> {
        let memo = self.memo_get(category);
        let Some(current) = self.listing_version(category).await else {
            if let Some(m) = memo.filter(|m| m.at.elapsed() < MEMO_STALE_OK) {
                return Ok(("?".into(), m.cards));
            }
            let cards = self.cards_from_store(category).await?;
            self.memo_put(category, "?".into(), Instant::now(), cards.clone());
            return Ok(("?".into(), cards));
        };
        let version = current.to_string();
        if let Some(m) = &memo {
            if m.version == version && m.built.elapsed() < MEMO_MAX_AGE {
                self.hits.fetch_add(1, Ordering::Relaxed);
                return Ok((version, m.cards.clone()));
            }
        }
        let key = format!("ci:{category}:{version}");
        if let Ok(Some(bytes)) = self.cache.get(&key).await {
            if let Ok(cards) = serde_json::from_slice::<Vec<ProductCard>>(&bytes) {
                self.hits.fetch_add(1, Ordering::Relaxed);
                let cards = shared(cards);
                self.memo_put(category, version.clone(), Instant::now(), cards.clone());
                self.prebuild_search(category, &version, &cards);
                return Ok((version, cards));
            }
        }
        // While another request rebuilds the new version, the previous one
        // answers: at 100,000 products a rebuild takes seconds, and a crowd
        // waiting on it stalled every listing and search.
        let previous = memo.filter(|m| m.version != "?" && m.built.elapsed() < MEMO_MAX_AGE);
        if let Some(m) = &previous {
            if self.index_flights.in_flight(&key) {
                return Ok((m.version.clone(), m.cards.clone()));
            }
        }
        let fill = || async {
            self.misses.fetch_add(1, Ordering::Relaxed);
            let started = Instant::now();
            // A stock window since the previous version: patch it.
            let base = previous.as_ref().filter(|m| m.built.elapsed() < stock_delta::PATCH_MAX_AGE);
            let why = match base.and_then(|m| Some((m, stock_delta::ListingVersion::parse(&m.version)?))) {
                None if previous.is_some() => "the listing was patched for too long",
                None => "no previous version here",
                Some((m, from)) => match self.patched(category, from, current, &m.cards).await {
                    Ok((cards, same_text)) => {
                        let took_ms = started.elapsed().as_millis() as u64;
                        tracing::debug!(category, version, cards = cards.len(), took_ms, "category index patched");
                        self.memo_put(category, version.clone(), m.built, cards.clone());
                        if same_text {
                            self.carry_search(category, &m.version, &version);
                        }
                        self.prebuild_search(category, &version, &cards);
                        return Ok(cards);
                    }
                    Err(why) => why,
                },
            };
            let cards = self.cards_from_store(category).await?;
            let took_ms = started.elapsed().as_millis() as u64;
            tracing::debug!(
                category,
                version,
                why,
                cards = cards.len(),
                took_ms,
                "category index rebuilt from the store"
            );
            if let Ok(bytes) = serde_json::to_vec(&cards.iter().map(|c| &**c).collect::<Vec<&ProductCard>>()) {
                if let Err(e) = self.cache.set(&key, &bytes, Some(INDEX_TTL)).await {
                    self.fell_back("set", &e);
                }
            }
            self.memo_put(category, version.clone(), Instant::now(), cards.clone());
            self.prebuild_search(category, &version, &cards);
            Ok(cards)
        };
        let cards = self.index_flights.run(&key, fill).await?;
        Ok((version, cards))
    }

    pub async fn categories(&self) -> PortResult<Vec<CategoryPath>> {
        let key = "cats";
        if let Ok(Some(bytes)) = self.cache.get(key).await {
            if let Some(c) = self.decoded_categories.decode(key, bytes) {
                return Ok(c);
            }
        }
        let cats = self.store.categories().await?;
        if let Ok(bytes) = serde_json::to_vec(&cats) {
            let _ = self.cache.set(key, &bytes, Some(Duration::from_secs(300))).await;
        }
        Ok(cats)
    }
}

fn shared(cards: Vec<ProductCard>) -> Cards {
    Arc::new(cards.into_iter().map(Arc::new).collect())
}
