//! Sales reach the listings as patches, not rebuilds. A category listing's
//! version is two counters: `v:<category>`, bumped by merchant saves, rule
//! changes and reviews, and `vs:<category>`, bumped once per stock window
//! (`STOCK_LISTING_LAG`) when something in the category sold. Before a
//! window's bump, its task writes the products that sold in the window
//! under `cd:<category>:<stock version>`. A server holding the previous
//! version patches those products' cards into it (their stock, read
//! through the product cache) and keeps the search index, whose text did
//! not change; any gap (a delta missing or expired, more than
//! `MAX_PATCH_STEPS` behind, a merchant save between) rebuilds from the
//! store as before, and so does a chain of patches older than
//! `PATCH_MAX_AGE`, so a sale the windows missed (clock skew) shows within
//! it. At 100,000 products, a rebuild reads the whole shop and copies it
//! through the shared cache; a patch reads the few products that sold.

use super::{CachedCatalog, Cards, VERSION_TTL};
use domain::catalog::ProductCard;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

/// At most this many stock versions are patched in one go.
const MAX_PATCH_STEPS: u64 = 8;
/// A listing patched since its last full build is rebuilt after this long.
pub(super) const PATCH_MAX_AGE: Duration = Duration::from_secs(120);

/// A category listing's version: merchant changes, then stock windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ListingVersion {
    pub base: u64,
    pub stock: u64,
}

impl ListingVersion {
    /// `"<base>.<stock>"`, as memo and cache keys carry it.
    pub fn parse(s: &str) -> Option<Self> {
        let (base, stock) = s.split_once('.')?;
        Some(Self { base: base.parse().ok()?, stock: stock.parse().ok()? })
    }
}

impl std::fmt::Display for ListingVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.base, self.stock)
    }
}

/// Whether a product of category `of` is listed in `category`.
fn in_category(of: &str, category: &str) -> bool {
    category == super::ALL || of == category || of.strip_prefix(category).is_some_and(|rest| rest.starts_with('/'))
}

fn sold_counter(window: i64) -> String {
    format!("sd:{window}")
}

impl CachedCatalog {
    /// A category's listing version (`None` when the cache cannot say).
    pub(super) async fn listing_version(&self, category: &str) -> Option<ListingVersion> {
        let base = self.read_version(&format!("v:{category}")).await?;
        let stock = self.read_version(&format!("vs:{category}")).await?;
        Some(ListingVersion { base: base.parse().unwrap_or(0), stock: stock.parse().unwrap_or(0) })
    }

    /// Note that `product_id` (of `category`) sold in stock window `window`:
    /// one list for the whole shop, each entry `<category> <id>`.
    pub(super) async fn record_sale(&self, window: i64, category: &str, product_id: &str) {
        let ttl = self.stock_lag * 3;
        match self.cache.incr(&sold_counter(window), ttl).await {
            Ok(n) => {
                let entry = format!("{category} {product_id}");
                if let Err(e) = self.cache.set(&format!("sd:{window}:{n}"), entry.as_bytes(), Some(ttl)).await {
                    self.fell_back("set", &e);
                }
            }
            Err(e) => self.fell_back("incr", &e),
        }
    }

    /// At the end of window `window`: write what sold in it as the delta of
    /// `category`'s next stock version, then bump that version.
    pub(super) fn bump_stock_version_later(&self, category: &str, window: i64, due: Duration) {
        let (cache, category) = (self.cache.clone(), category.to_string());
        tokio::spawn(async move {
            tokio::time::sleep(due).await;
            let key = format!("vs:{category}");
            let read = |k: String| {
                let cache = cache.clone();
                async move { cache.get(&k).await.ok().flatten().map(|b| String::from_utf8_lossy(&b).into_owned()) }
            };
            let now: u64 = read(key.clone()).await.and_then(|v| v.parse().ok()).unwrap_or(0);
            let sold: u64 = read(sold_counter(window)).await.and_then(|v| v.parse().ok()).unwrap_or(0);
            let mut ids = Vec::new();
            let mut complete = true;
            for n in 1..=sold {
                match read(format!("sd:{window}:{n}")).await.as_deref().and_then(|e| e.split_once(' ')) {
                    Some((of, id)) if in_category(of, &category) => {
                        ids.push(id.to_string());
                    }
                    Some(_) => {}
                    None => complete = false,
                }
            }
            ids.sort();
            ids.dedup();
            // Written before the bump, so no server sees the version without it.
            if complete {
                if let Ok(bytes) = serde_json::to_vec(&ids) {
                    let _ = cache.set(&format!("cd:{category}:{}", now + 1), &bytes, Some(VERSION_TTL)).await;
                }
            }
            if let Err(e) = cache.incr(&key, VERSION_TTL).await {
                tracing::warn!(cache.key = key, error = %e, "a listing keeps its stock badges until the next change");
            }
        });
    }

    /// `cards` (of `category` at `from`) brought to `to` by patching in the
    /// products that sold in between, and whether their text is unchanged
    /// (the search index then still fits); else why that cannot be done
    /// and the listing must be rebuilt.
    pub(super) async fn patched(
        &self,
        category: &str,
        from: ListingVersion,
        to: ListingVersion,
        cards: &Cards,
    ) -> Result<(Cards, bool), &'static str> {
        if from.base != to.base {
            return Err("a merchant change since");
        }
        if to.stock <= from.stock {
            return Err("the stock version went back (the cache lost its counter)");
        }
        if to.stock - from.stock > MAX_PATCH_STEPS {
            return Err("too many stock windows since");
        }
        let mut sold = HashSet::new();
        for s in from.stock + 1..=to.stock {
            let bytes = self.cache.get(&format!("cd:{category}:{s}")).await.ok().flatten().ok_or("a delta missing")?;
            sold.extend(serde_json::from_slice::<Vec<String>>(&bytes).map_err(|_| "a delta unreadable")?);
        }
        let mut fresh = HashMap::new();
        for id in sold {
            let p = self.product_by_id(&id).await.ok().flatten().ok_or("a sold product unreadable")?;
            fresh.insert(id, ProductCard::from_product(&p));
        }
        let cards = cards.clone();
        let patch = move || {
            let mut next = (*cards).clone();
            let mut same_text = true;
            for old in next.iter_mut() {
                let Some(mut card) = fresh.remove(&old.id) else { continue };
                if old.category != card.category {
                    return Err("a sold product moved");
                }
                same_text &= (&old.title, &old.brand, &old.tags, &old.snippet)
                    == (&card.title, &card.brand, &card.tags, &card.snippet);
                card.rating = old.rating;
                *old = Arc::new(card);
            }
            // A product that sold but is not in the listing: rebuild.
            if !fresh.is_empty() {
                return Err("a sold product not in the listing");
            }
            Ok((Arc::new(next), same_text))
        };
        tokio::task::spawn_blocking(patch).await.map_err(|_| "the patch panicked")?
    }
}
