//! Writes through the cached catalog: merchant saves, rule changes and
//! stock changes, each renewing what shows them. Merchant saves and rule
//! changes renew every listing at once; sales renew the product's own pages
//! at once and its listings within `STOCK_LISTING_LAG`.

use super::{product_page_version_key, CachedCatalog, PAGES_VERSION_KEY, VERSION_TTL};
use crate::catalog::store::{SaveError, ALL};
use domain::Product;
use ports::PortResult;
use std::time::Duration;

impl CachedCatalog {
    /// Save to the store (`CatalogStore::save`: `previous` is the product as
    /// the editor saw it), then write the stored product (new version, live
    /// stock) to the cache and invalidate every category it was or is
    /// listed in. Returns the stored product.
    pub async fn save(&self, p: &Product, previous: Option<&Product>) -> Result<Product, SaveError> {
        let saved = self.store.save(p, previous).await?;
        self.after_write(&saved, previous, true).await;
        Ok(saved)
    }

    /// The shop's shipping and tax settings changed: a new whole-catalog
    /// version, so every cached page renders anew (as after a product save).
    pub(super) async fn rules_changed(&self) {
        self.bump(&format!("v:{ALL}")).await;
        self.bump(PAGES_VERSION_KEY).await;
        self.memo.lock().unwrap_or_else(|p| p.into_inner()).remove(ALL);
        self.rules_memo.forget();
    }

    /// Stock changed (orders): refresh listing entries and cached copies.
    /// Cached pages of this product render anew; the rest of the shop's
    /// cached pages are kept (their stock badges may lag by the page
    /// cache's TTL), so a selling product does not empty the page cache.
    pub async fn stock_changed(&self, product_id: &str) -> PortResult<()> {
        self.stocks_changed(&[product_id]).await
    }

    /// `stock_changed` for several products at once (one table call).
    pub async fn stocks_changed(&self, product_ids: &[&str]) -> PortResult<()> {
        self.refresh(product_ids, false).await
    }

    /// Something every page may show changed (a review's rating): refresh
    /// as `stock_changed` does, and make every cached page render anew.
    pub async fn product_changed(&self, product_id: &str) -> PortResult<()> {
        let refreshed = self.refresh(&[product_id], true).await;
        if refreshed.is_err() {
            // Pages (and the memos keyed by their version) renew even so.
            self.bump(PAGES_VERSION_KEY).await;
        }
        refreshed
    }

    async fn refresh(&self, product_ids: &[&str], shown_everywhere: bool) -> PortResult<()> {
        for p in self.store.refresh_entries_of(product_ids).await? {
            self.after_write(&p, Some(&p), shown_everywhere).await;
        }
        Ok(())
    }

    /// Bump a category's stock version at the end of stock window `window`
    /// (`stock_delta.rs`): the first sale in a window (on any server
    /// sharing the cache) asks for the bump, the others find it due.
    /// Windows are numbered by the clock, so each has a counter of its own:
    /// a counter that outlived its window (an expiry lost between Redis's
    /// SET and INCR) never holds up the next. The bump comes a second after
    /// the window (a quarter of a shorter one), for clock skew between
    /// servers. With the cache down there is no shared version to bump:
    /// memos expire.
    async fn bump_listing_soon(&self, category: &str, window: i64, now_ms: i64) {
        let lag_ms = self.stock_lag.as_millis().max(1) as i64;
        let counter = format!("sb:{category}:{window}");
        let skew = (self.stock_lag / 4).min(Duration::from_secs(1));
        match self.cache.incr(&counter, self.stock_lag * 2).await {
            Ok(1) => {
                let due = Duration::from_millis(((window + 1) * lag_ms - now_ms).max(0) as u64) + skew;
                self.bump_stock_version_later(category, window, due);
            }
            Ok(_) => {}
            Err(e) => self.fell_back("incr", &e),
        }
    }

    /// Bump a version counter of the shared cache (see `PAGES_VERSION_KEY`).
    async fn bump(&self, key: &str) {
        if let Err(e) = self.cache.incr(key, VERSION_TTL).await {
            self.fell_back("incr", &e);
        }
    }

    async fn after_write(&self, p: &Product, previous: Option<&Product>, shown_everywhere: bool) {
        self.put_product(p).await;
        self.bump(&product_page_version_key(p.slug.as_str())).await;
        if shown_everywhere {
            self.bump(PAGES_VERSION_KEY).await;
        }
        let mut cats: Vec<String> = p.category.ancestors_and_self().into_iter().map(String::from).collect();
        if let Some(old) = previous {
            if old.slug != p.slug {
                if let Err(e) = self.cache.delete(&[format!("p:{}", old.slug)]).await {
                    self.fell_back("delete", &e);
                }
                self.bump(&product_page_version_key(old.slug.as_str())).await;
            }
            for c in old.category.ancestors_and_self() {
                if !cats.contains(&c.to_string()) {
                    cats.push(c.to_string());
                }
            }
        }
        cats.push(ALL.to_string());
        if !shown_everywhere && previous.is_some_and(|old| old.category == p.category) {
            let now_ms = ports::clock::now_millis();
            let window = now_ms / self.stock_lag.as_millis().max(1) as i64;
            self.record_sale(window, p.category.as_str(), p.id.as_str()).await;
            for c in &cats {
                self.bump_listing_soon(c, window, now_ms).await;
            }
            return;
        }
        for c in &cats {
            if let Err(e) = self.cache.incr(&format!("v:{c}"), VERSION_TTL).await {
                self.fell_back("incr", &e);
            }
        }
        // This server's memo goes at once even if the cache is down.
        {
            let mut memo = self.memo.lock().unwrap_or_else(|p| p.into_inner());
            for c in &cats {
                memo.remove(c);
            }
        }
        let _ = self.cache.delete(&["cats".to_string()]).await;
    }
}
