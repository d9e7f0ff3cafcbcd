//! The snapshot the export step writes, and the pure computation over it.

use super::store::{bought_together_key, for_you_key, popular_key};
use super::{JobConfig, Rec};
use domain::recommend::{bought_together, for_you, popular, Purchase, Scored};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// What a run reads from the database and the catalog, as stored in the
/// object store (`recommendations/runs/<id>/orders.json`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub run: i64,
    /// Unix seconds; the popularity window ends here.
    pub exported_at: i64,
    pub orders: Vec<SnapOrder>,
    /// Every product in `orders`: category and title from the catalog.
    pub products: BTreeMap<String, SnapProduct>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapOrder {
    /// Customer key (hash of the lowercased email).
    pub customer: String,
    pub at: i64,
    pub products: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapProduct {
    pub category: String,
    pub title: String,
}

/// The results of one run: table sort key → recommendations.
#[derive(Debug, Default)]
pub struct Computed {
    pub entries: Vec<(String, Vec<Rec>)>,
    pub customers: usize,
    pub pairs: usize,
}

/// Bought together per product, for you per customer, popular per
/// category at every depth and over the whole shop (`*`).
pub fn compute(snap: &Snapshot, cfg: &JobConfig) -> Computed {
    let purchases: Vec<Purchase> = snap
        .orders
        .iter()
        .map(|o| Purchase { customer: o.customer.clone(), at: o.at, products: o.products.clone() })
        .collect();
    let title = |id: &str| snap.products.get(id).map(|p| p.title.clone());
    let explained = |s: Scored| Rec {
        because_title: s.because.as_deref().and_then(title),
        product_id: s.product,
        score: s.score,
        because: s.because,
    };
    let mut out = Computed::default();

    let model = bought_together(&purchases, cfg.min_support, cfg.top_k);
    let mut together: Vec<(&String, &Vec<Scored>)> = model.together.iter().collect();
    together.sort_by(|a, b| a.0.cmp(b.0));
    for (product, list) in together {
        out.pairs += list.len();
        out.entries.push((bought_together_key(product), list.iter().cloned().map(explained).collect()));
    }

    let mut histories: HashMap<&str, Vec<String>> = HashMap::new();
    for o in &snap.orders {
        histories.entry(o.customer.as_str()).or_default().extend(o.products.iter().cloned());
    }
    out.customers = histories.len();
    let mut customers: Vec<(&str, Vec<String>)> = histories.into_iter().collect();
    customers.sort_by(|a, b| a.0.cmp(b.0));
    for (customer, history) in customers {
        let recs = for_you(&model, &history, cfg.top_k);
        if !recs.is_empty() {
            out.entries.push((for_you_key(customer), recs.into_iter().map(explained).collect()));
        }
    }

    let since = snap.exported_at - i64::from(cfg.window_days) * 86_400;
    let depth = snap.products.values().map(|p| p.category.split('/').count()).max().unwrap_or(0);
    let category_at = |id: &str, d: usize| -> Option<String> {
        let c = &snap.products.get(id)?.category;
        let parts: Vec<&str> = c.split('/').collect();
        (parts.len() >= d).then(|| parts[..d].join("/"))
    };
    let mut popular_lists: Vec<(String, Vec<Scored>)> = Vec::new();
    for d in 1..=depth {
        popular_lists.extend(popular(&purchases, &|id| category_at(id, d), since, cfg.top_k));
    }
    let everywhere =
        popular(&purchases, &|id| snap.products.contains_key(id).then(|| "*".to_string()), since, cfg.top_k);
    popular_lists.extend(everywhere);
    for (category, list) in popular_lists {
        let recs = list
            .into_iter()
            .map(|s| {
                // Explained by the product's own category ("popular in shirts").
                let own = snap.products.get(&s.product).map(|p| p.category.clone());
                Rec { product_id: s.product, score: s.score, because: own, because_title: None }
            })
            .collect();
        out.entries.push((popular_key(&category), recs));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap() -> Snapshot {
        let product = |c: &str, t: &str| SnapProduct { category: c.into(), title: t.into() };
        let mut products = BTreeMap::new();
        products.insert("tent".to_string(), product("outdoor/camping", "Dome Tent"));
        products.insert("stove".to_string(), product("outdoor/camping", "Camp Stove"));
        products.insert("shirt".to_string(), product("apparel/shirts", "Linen Shirt"));
        let order = |c: &str, at: i64, p: &[&str]| SnapOrder {
            customer: c.into(),
            at,
            products: p.iter().map(|s| s.to_string()).collect(),
        };
        let orders = vec![
            order("a", 1_000, &["tent", "stove"]),
            order("b", 1_000, &["tent", "stove"]),
            order("c", 1_000, &["tent"]),
            order("d", 10, &["shirt"]),
            order("e", 1_000, &["shirt"]),
        ];
        Snapshot { run: 1, exported_at: 1_000, orders, products }
    }

    #[test]
    fn every_list_explains_itself() {
        let cfg = JobConfig { window_days: 0, ..JobConfig::default() };
        let c = compute(&snap(), &cfg);
        let get = |k: &str| c.entries.iter().find(|(sk, _)| sk == k).map(|(_, v)| v.clone()).unwrap_or_default();
        let bt = get("BT#tent");
        assert_eq!((bt[0].product_id.as_str(), bt[0].because_title.as_deref()), ("stove", Some("Dome Tent")));
        let fy = get(&for_you_key("c"));
        assert_eq!((fy[0].product_id.as_str(), fy[0].because.as_deref()), ("stove", Some("tent")));
        assert!(get(&for_you_key("a")).is_empty(), "nothing left to suggest to who bought both");
        let camping = get("POP#outdoor/camping");
        assert_eq!(camping[0].product_id, "tent");
        assert_eq!(get("POP#outdoor")[0].because.as_deref(), Some("outdoor/camping"));
        let shirts: Vec<f64> = get("POP#apparel/shirts").iter().map(|r| r.score).collect();
        assert_eq!(shirts, [1.0], "the order outside the window does not count");
        assert_eq!(get("POP#*").len(), 3);
        assert_eq!(c.customers, 5);
    }
}
