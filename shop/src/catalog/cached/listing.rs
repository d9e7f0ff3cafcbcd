//! Listing pages of the cached catalog: a page of a category's cards
//! (filters, sort, search) memoised per category version, and the search
//! index built in the background for each new version of the whole shop.

use super::{CachedCatalog, Cards, ALL};
use domain::catalog::{Listing, Page, SearchIndex};
use ports::PortResult;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

impl CachedCatalog {
    /// One page of a listing (filters, sort, search), memoised per category
    /// version: a repeated anonymous listing costs a version read.
    pub async fn list(&self, category: &str, listing: &Listing) -> PortResult<Arc<Page>> {
        let (version, cards) = self.category_versioned(category).await?;
        let key = format!("{category}|{version}|{}", serde_json::to_string(listing).unwrap_or_default());
        if version != "?" {
            let pages = self.pages.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(p) = pages.get(&key) {
                return Ok(p.clone());
            }
        }
        let page = if listing.q.is_empty() {
            Arc::new(domain::catalog::list(&cards[..], listing))
        } else {
            // A search is CPU work over the whole category: off the async threads.
            let (terms, key, listing) = (self.terms.clone(), format!("{category}|{version}"), listing.clone());
            let cacheable = version != "?";
            let searched = tokio::task::spawn_blocking(move || {
                let cell = cacheable.then(|| index_cell(&terms, key));
                let index = cell.as_ref().map(|c| c.get_or_init(|| domain::catalog::index(&cards[..])));
                Arc::new(domain::catalog::list_indexed(&cards[..], index, &listing))
            });
            searched.await.map_err(|e| ports::PortError::Invalid(format!("search failed: {e}")))?
        };
        if version != "?" {
            let mut pages = self.pages.lock().unwrap_or_else(|p| p.into_inner());
            if pages.len() >= 2048 {
                pages.clear();
            }
            pages.insert(key, page.clone());
        }
        Ok(page)
    }

    /// Read the whole shop's cards and build their search index, then read
    /// every category's listing, before the server takes traffic: at
    /// 100,000 products the first shoppers after a start-up otherwise wait
    /// seconds for them (each cold category is thousands of store rows,
    /// read on the request path while the shoppers of every other page
    /// wait for the core). Returns how many cards the shop has.
    pub async fn warm(&self) -> PortResult<usize> {
        let (version, cards) = self.category_versioned(ALL).await?;
        if version != "?" {
            let built = self.build_search(ALL, &version, &cards);
            built.await.map_err(|e| ports::PortError::Invalid(format!("search index: {e}")))?;
        }
        for c in self.categories().await? {
            self.category_versioned(c.as_str()).await?;
        }
        Ok(cards.len())
    }

    /// A patched version whose cards' text did not change (`stock_delta.rs`)
    /// keeps the previous version's search index.
    pub(super) fn carry_search(&self, category: &str, from: &str, to: &str) {
        let mut all = self.terms.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(cell) = all.get(&format!("{category}|{from}")).cloned() {
            all.insert(format!("{category}|{to}"), cell);
        }
    }

    /// A new version of the whole shop's cards: build its search index in
    /// the background, so the first search after a catalog change does not
    /// pay for it (a search arriving meanwhile waits for this build).
    pub(super) fn prebuild_search(&self, category: &str, version: &str, cards: &Cards) {
        if category != ALL || tokio::runtime::Handle::try_current().is_err() {
            return;
        }
        if self.terms.lock().unwrap_or_else(|p| p.into_inner()).contains_key(&format!("{category}|{version}")) {
            return;
        }
        drop(self.build_search(category, version, cards));
    }

    /// Build (once) the search index of `cards`, the cards of `category` at
    /// `version`, on a blocking thread.
    fn build_search(&self, category: &str, version: &str, cards: &Cards) -> tokio::task::JoinHandle<()> {
        let (terms, key, cards) = (self.terms.clone(), format!("{category}|{version}"), cards.clone());
        tokio::task::spawn_blocking(move || {
            index_cell(&terms, key).get_or_init(|| domain::catalog::index(&cards[..]));
        })
    }
}

/// Search indexes per (category, version). Each is built once: searches
/// arriving while it is built wait for that build instead of each building
/// their own (at 100,000 products, a crowd of searches after a catalog
/// change each building a 170 ms index took both cores for seconds).
pub(super) type SearchIndexes = Arc<Mutex<HashMap<String, Arc<OnceLock<SearchIndex>>>>>;

fn index_cell(terms: &SearchIndexes, key: String) -> Arc<OnceLock<SearchIndex>> {
    let mut all = terms.lock().unwrap_or_else(|p| p.into_inner());
    if all.len() >= 64 && !all.contains_key(&key) {
        all.clear();
    }
    all.entry(key).or_default().clone()
}
