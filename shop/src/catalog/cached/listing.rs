//! Listing pages of the cached catalog: a page of a category's cards
//! (filters, sort, search) memoised per category version, and the search
//! index built in the background for each new version of the whole shop.

use super::{CachedCatalog, ALL};
use domain::catalog::{Listing, Page, ProductCard};
use ports::PortResult;
use std::sync::Arc;

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
            Arc::new(domain::catalog::list(&cards, listing))
        } else {
            // A search is CPU work over the whole category: off the async threads.
            let (terms, key, listing) = (self.terms.clone(), format!("{category}|{version}"), listing.clone());
            let cacheable = version != "?";
            let searched = tokio::task::spawn_blocking(move || {
                let index = cacheable.then(|| {
                    let found = terms.lock().unwrap_or_else(|p| p.into_inner()).get(&key).cloned();
                    found.unwrap_or_else(|| {
                        let built = Arc::new(domain::catalog::index(&cards));
                        let mut all = terms.lock().unwrap_or_else(|p| p.into_inner());
                        if all.len() >= 64 {
                            all.clear();
                        }
                        all.insert(key, built.clone());
                        built
                    })
                });
                Arc::new(domain::catalog::list_indexed(&cards, index.as_deref(), &listing))
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

    /// A new version of the whole shop's cards: build its search index in
    /// the background, so the first search after a catalog change does not
    /// pay for it (a search arriving meanwhile builds its own).
    pub(super) fn prebuild_search(&self, category: &str, version: &str, cards: &Arc<Vec<ProductCard>>) {
        if category != ALL || tokio::runtime::Handle::try_current().is_err() {
            return;
        }
        let (terms, key, cards) = (self.terms.clone(), format!("{category}|{version}"), cards.clone());
        if terms.lock().unwrap_or_else(|p| p.into_inner()).contains_key(&key) {
            return;
        }
        tokio::task::spawn_blocking(move || {
            let built = Arc::new(domain::catalog::index(&cards));
            let mut all = terms.lock().unwrap_or_else(|p| p.into_inner());
            if all.len() >= 64 {
                all.clear();
            }
            all.entry(key).or_insert(built);
        });
    }
}
