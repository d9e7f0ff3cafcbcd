//! Values decoded from the cache (products, the category list), kept
//! beside the bytes they came from.
//!
//! A rendered product page read `p:<slug>` from the cache and decoded its
//! JSON on every request: about 6% of the page's CPU (perf, README
//! Performance). The cache is still asked every time (another server may
//! have written the product); only when it answers the very bytes decoded
//! last time is the decoded product reused. Any change to the product
//! (a merchant save, a sale's stock) changes the bytes, so nothing stale is
//! ever returned. The category list (the header of every page) is
//! memoised the same way.

use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::sync::RwLock;

/// At most this many values are kept; past it the memo starts over.
const MAX_ENTRIES: usize = 2048;

pub struct Decoded<T> {
    /// By cache key: the bytes last decoded, and what they decoded to.
    entries: RwLock<HashMap<String, (Vec<u8>, T)>>,
}

impl<T> Default for Decoded<T> {
    fn default() -> Self {
        Self { entries: RwLock::default() }
    }
}

impl<T: DeserializeOwned + Clone> Decoded<T> {
    /// `bytes` (the cache's answer for `key`) decoded: the memoised value
    /// when the bytes are those decoded last time, else decoded now and
    /// kept. `None` when the bytes do not decode.
    pub fn decode(&self, key: &str, bytes: Vec<u8>) -> Option<T> {
        {
            let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
            if let Some((seen, value)) = entries.get(key) {
                if *seen == bytes {
                    return Some(value.clone());
                }
            }
        }
        let value: T = serde_json::from_slice(&bytes).ok()?;
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(key.to_string(), (bytes, value.clone()));
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::Product;

    fn product(title: &str) -> Product {
        let mut p = crate::catalog::seed::product(1);
        p.title = title.to_string();
        p
    }

    #[test]
    fn the_same_bytes_give_the_same_product_and_new_bytes_the_new_one() {
        let memo = Decoded::<Product>::default();
        let first = serde_json::to_vec(&product("Jacket")).unwrap();
        assert_eq!(memo.decode("p:p1", first.clone()).map(|p| p.title), Some("Jacket".to_string()));
        assert_eq!(memo.decode("p:p1", first).map(|p| p.title), Some("Jacket".to_string()));
        let saved = serde_json::to_vec(&product("Rain jacket")).unwrap();
        assert_eq!(memo.decode("p:p1", saved).map(|p| p.title), Some("Rain jacket".to_string()));
    }

    #[test]
    fn bytes_that_are_not_a_product_decode_to_nothing() {
        let memo = Decoded::<Product>::default();
        assert!(memo.decode("p:p1", b"{not json".to_vec()).is_none());
    }
}
