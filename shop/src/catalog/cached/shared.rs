//! What every page shows besides its product, memoised per pages version
//! (`PAGES_VERSION_KEY`): the shop's shipping and tax rules are read from
//! the store once per rules change instead of once per render, checkout
//! and quote. The version is read from the shared cache on every call, so
//! a save on one server is seen by all of them at once; when the cache
//! fails, the store answers (as for products).

use super::{CachedCatalog, PAGES_VERSION_KEY};
use crate::catalog::store::rules::RulesSaveError;
use domain::rules::ShopRules;
use ports::PortResult;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A memoised value is read again after this long even if no bump said
/// so: a bump lost to a cache failure costs at most this much staleness.
pub const VERSION_MEMO_MAX_AGE: Duration = Duration::from_secs(60);

/// One memoised value, the pages version it was read under, and when.
pub(crate) struct VersionMemo<T>(Mutex<Option<(String, Instant, Arc<T>)>>);

impl<T> Default for VersionMemo<T> {
    fn default() -> Self {
        Self(Mutex::new(None))
    }
}

impl<T> VersionMemo<T> {
    fn get(&self, version: &str) -> Option<Arc<T>> {
        let memo = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let fresh = |(v, at, _): &&(String, Instant, Arc<T>)| v == version && at.elapsed() < VERSION_MEMO_MAX_AGE;
        memo.as_ref().filter(fresh).map(|(_, _, t)| t.clone())
    }

    fn put(&self, version: String, value: Arc<T>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some((version, Instant::now(), value));
    }

    pub(crate) fn forget(&self) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

impl CachedCatalog {
    /// The pages version as the shared cache has it now ("0" before the
    /// first bump); `None` when the cache cannot say.
    pub async fn pages_version(&self) -> Option<String> {
        self.read_version(PAGES_VERSION_KEY).await
    }

    /// A version counter of the shared cache ("0" before its first bump);
    /// `None` (counted as a fallback) when the cache cannot say.
    pub(super) async fn read_version(&self, key: &str) -> Option<String> {
        match self.cache.get(key).await {
            Ok(v) => Some(v.map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_else(|| "0".into())),
            Err(e) => {
                self.fell_back("get", &e);
                None
            }
        }
    }

    /// The shop's shipping and tax rules, as of the last rules change. The
    /// admin pages, which need the stored version to save, read the store
    /// (`CatalogStore::rules`) instead.
    pub async fn rules(&self) -> PortResult<Arc<ShopRules>> {
        let Some(version) = self.pages_version().await else {
            return Ok(Arc::new(self.store.rules().await?.0));
        };
        if let Some(rules) = self.rules_memo.get(&version) {
            return Ok(rules);
        }
        // Read after the version: a save landing in between is stored
        // under the old version, which the save's bump retires.
        let rules = Arc::new(self.store.rules().await?.0);
        self.rules_memo.put(version, rules.clone());
        Ok(rules)
    }

    /// Save the rules if nobody saved since `version` (the new version),
    /// then make every server read them anew and every cached page render
    /// anew (`rules_changed`).
    pub async fn save_rules(&self, rules: &ShopRules, version: i64) -> Result<i64, RulesSaveError> {
        let saved = self.store.save_rules(rules, version).await?;
        self.rules_changed().await;
        Ok(saved)
    }
}
