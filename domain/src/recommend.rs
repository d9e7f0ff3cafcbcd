//! Recommendations from purchase history (pure functions; the scheduled job
//! that feeds and stores them is separate).
//!
//! - **Bought together**: item pairs from the same order, scored by lift
//!   `n(i,j)·N / (n(i)·n(j))` with a minimum support, so two items that are
//!   merely popular do not pair up.
//! - **For you**: items scored by the summed lift from what the customer
//!   bought, each with the purchase that explains it.
//! - **Popular**: most bought per category within a time window (the
//!   cold-start fallback).
//!
//! Cost: one pass over orders, pairs bounded by `MAX_ITEMS_PER_ORDER²` per
//! order, so the job grows with the number of orders, never with the catalog
//! size squared.

use std::collections::{BTreeMap, HashMap, HashSet};

pub const MAX_ITEMS_PER_ORDER: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purchase {
    pub customer: String,
    /// Unix seconds.
    pub at: i64,
    pub products: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    pub product: String,
    pub score: f64,
    /// The purchase that explains it ("because you bought X"), if any.
    pub because: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Model {
    /// Product → products bought with it, best first.
    pub together: HashMap<String, Vec<Scored>>,
    pub orders: usize,
}

fn distinct(products: &[String]) -> Vec<&str> {
    let mut seen = HashSet::new();
    products.iter().map(String::as_str).filter(|p| seen.insert(*p)).take(MAX_ITEMS_PER_ORDER).collect()
}

/// Build the "bought together" model: top `k` partners per product with at
/// least `min_support` shared orders.
pub fn bought_together(orders: &[Purchase], min_support: u32, k: usize) -> Model {
    let mut single: HashMap<&str, u32> = HashMap::new();
    let mut pairs: HashMap<(&str, &str), u32> = HashMap::new();
    for o in orders {
        let items = distinct(&o.products);
        for (a_ix, a) in items.iter().enumerate() {
            *single.entry(a).or_default() += 1;
            for b in &items[a_ix + 1..] {
                let key = if a < b { (*a, *b) } else { (*b, *a) };
                *pairs.entry(key).or_default() += 1;
            }
        }
    }
    let n = orders.len().max(1) as f64;
    let mut together: HashMap<String, Vec<Scored>> = HashMap::new();
    for ((a, b), c) in pairs {
        if c < min_support {
            continue;
        }
        let lift = f64::from(c) * n / (f64::from(single[a]) * f64::from(single[b]));
        if lift <= 1.0 {
            continue;
        }
        together.entry(a.to_string()).or_default().push(Scored {
            product: b.to_string(),
            score: lift,
            because: Some(a.to_string()),
        });
        together.entry(b.to_string()).or_default().push(Scored {
            product: a.to_string(),
            score: lift,
            because: Some(b.to_string()),
        });
    }
    for list in together.values_mut() {
        list.sort_by(|x, y| y.score.total_cmp(&x.score).then_with(|| x.product.cmp(&y.product)));
        list.truncate(k);
    }
    Model { together, orders: orders.len() }
}

/// Top `k` for a customer who bought `history`: summed lift, explained by
/// the purchase that contributed most; never something already bought.
pub fn for_you(model: &Model, history: &[String], k: usize) -> Vec<Scored> {
    let owned: HashSet<&str> = history.iter().map(String::as_str).collect();
    let mut scores: HashMap<&str, (f64, &str, f64)> = HashMap::new();
    for h in &owned {
        for s in model.together.get(*h).into_iter().flatten() {
            if owned.contains(s.product.as_str()) {
                continue;
            }
            let e = scores.entry(s.product.as_str()).or_insert((0.0, h, 0.0));
            e.0 += s.score;
            if s.score > e.2 {
                e.1 = h;
                e.2 = s.score;
            }
        }
    }
    let mut out: Vec<Scored> = scores
        .into_iter()
        .map(|(p, (score, because, _))| Scored { product: p.to_string(), score, because: Some(because.to_string()) })
        .collect();
    out.sort_by(|x, y| y.score.total_cmp(&x.score).then_with(|| x.product.cmp(&y.product)));
    out.truncate(k);
    out
}

/// Most bought products per category since `since` (Unix seconds), top `k`.
pub fn popular(
    orders: &[Purchase],
    category_of: &dyn Fn(&str) -> Option<String>,
    since: i64,
    k: usize,
) -> BTreeMap<String, Vec<Scored>> {
    let mut counts: HashMap<String, HashMap<&str, u32>> = HashMap::new();
    for o in orders.iter().filter(|o| o.at >= since) {
        for p in distinct(&o.products) {
            if let Some(c) = category_of(p) {
                *counts.entry(c).or_default().entry(p).or_default() += 1;
            }
        }
    }
    counts
        .into_iter()
        .map(|(c, m)| {
            let mut v: Vec<Scored> = m
                .into_iter()
                .map(|(p, n)| Scored { product: p.to_string(), score: f64::from(n), because: None })
                .collect();
            v.sort_by(|x, y| y.score.total_cmp(&x.score).then_with(|| x.product.cmp(&y.product)));
            v.truncate(k);
            (c, v)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(customer: &str, at: i64, items: &[&str]) -> Purchase {
        Purchase { customer: customer.into(), at, products: items.iter().map(|s| s.to_string()).collect() }
    }

    #[test]
    fn lift_pairs_real_partners_not_merely_popular_items() {
        let mut orders = vec![];
        // "mug" is in every order; "shirt" and "tie" go together.
        for i in 0..10 {
            orders.push(order("c", i, &["mug", "shirt", "tie"]));
            orders.push(order("d", i, &["mug", "boots"]));
            orders.push(order("e", i, &["mug", "socks"]));
        }
        let m = bought_together(&orders, 2, 5);
        assert_eq!(m.together["shirt"][0].product, "tie");
        assert!(
            m.together.get("mug").is_none_or(|v| v.is_empty()),
            "an item in every order has lift 1 with everything"
        );
    }

    #[test]
    fn minimum_support_drops_one_off_pairs() {
        let orders = vec![order("a", 0, &["x", "y"]), order("b", 0, &["z"]), order("c", 0, &["w"])];
        assert!(bought_together(&orders, 2, 5).together.is_empty());
        assert!(!bought_together(&orders, 1, 5).together.is_empty());
    }

    #[test]
    fn for_you_explains_itself_and_skips_what_was_bought() {
        let mut orders = vec![];
        for i in 0..5 {
            orders.push(order("a", i, &["tent", "stove"]));
            orders.push(order("b", i, &["shirt", "tie"]));
        }
        let m = bought_together(&orders, 2, 5);
        let recs = for_you(&m, &["tent".to_string()], 10);
        assert_eq!(recs[0].product, "stove");
        assert_eq!(recs[0].because.as_deref(), Some("tent"));
        assert!(for_you(&m, &["tent".into(), "stove".into()], 10).is_empty());
    }

    #[test]
    fn popular_counts_only_the_window() {
        let orders = vec![order("a", 10, &["old"]), order("a", 100, &["new"]), order("b", 100, &["new"])];
        let p = popular(&orders, &|_| Some("c".into()), 50, 5);
        assert_eq!(p["c"].iter().map(|s| s.product.as_str()).collect::<Vec<_>>(), ["new"]);
    }
}
