//! Offline evaluation of the recommender on a deterministic synthetic order
//! history with planted co-purchase patterns: each customer's last order is
//! held out; we report hit-rate@10 and catalog coverage for the recommender
//! and for a popularity baseline.

use crate::recommend::{bought_together, for_you, Purchase};
use crate::rng::Rng;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, PartialEq)]
pub struct Eval {
    pub customers: usize,
    pub orders: usize,
    pub products: usize,
    pub hit_rate: f64,
    pub coverage: f64,
    pub baseline_hit_rate: f64,
    pub baseline_coverage: f64,
}

/// `customers` customers over `products` products (3-product bundles planted
/// among the first 600), 3–6 orders each, popularity skewed.
pub fn synthetic(customers: usize, products: usize, seed: u64) -> Vec<Purchase> {
    let mut r = Rng(seed);
    let bundles = (products.min(600) / 3).max(1);
    let skewed = |r: &mut Rng| format!("p{}", ((r.unit().powi(3)) * products as f64) as usize);
    let mut out = Vec::new();
    for c in 0..customers {
        let favourite = [r.below(bundles), r.below(bundles)];
        let n_orders = 3 + r.below(4);
        for o in 0..n_orders {
            let mut items = Vec::new();
            if r.unit() < 0.6 {
                let b = favourite[r.below(2)];
                let first = r.below(3);
                items.push(format!("p{}", b * 3 + first));
                items.push(format!("p{}", b * 3 + (first + 1 + r.below(2)) % 3));
                if r.unit() < 0.3 {
                    items.push(skewed(&mut r));
                }
            } else {
                for _ in 0..1 + r.below(3) {
                    items.push(skewed(&mut r));
                }
            }
            out.push(Purchase { customer: format!("c{c}"), at: (c * 10 + o) as i64, products: items });
        }
    }
    out
}

pub fn evaluate(history: &[Purchase], products: usize, k: usize) -> Eval {
    // Hold out each customer's last order.
    let mut last: HashMap<&str, usize> = HashMap::new();
    for (i, o) in history.iter().enumerate() {
        let e = last.entry(o.customer.as_str()).or_insert(i);
        if history[*e].at <= o.at {
            *e = i;
        }
    }
    let held: HashSet<usize> = last.values().copied().collect();
    let train: Vec<Purchase> =
        history.iter().enumerate().filter(|(i, _)| !held.contains(i)).map(|(_, o)| o.clone()).collect();
    let model = bought_together(&train, 2, 20);
    let mut counts: HashMap<&str, u32> = HashMap::new();
    for o in &train {
        for p in &o.products {
            *counts.entry(p).or_default() += 1;
        }
    }
    let mut popular: Vec<(&str, u32)> = counts.into_iter().collect();
    popular.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut histories: HashMap<&str, Vec<String>> = HashMap::new();
    for o in &train {
        histories.entry(o.customer.as_str()).or_default().extend(o.products.iter().cloned());
    }
    let (mut hits, mut base_hits) = (0usize, 0usize);
    let (mut seen, mut base_seen): (HashSet<String>, HashSet<String>) = (HashSet::new(), HashSet::new());
    for (customer, ix) in &last {
        let owned = histories.get(customer).cloned().unwrap_or_default();
        let owned_set: HashSet<&str> = owned.iter().map(String::as_str).collect();
        let mut recs: Vec<String> = for_you(&model, &owned, k).into_iter().map(|s| s.product).collect();
        for (p, _) in &popular {
            if recs.len() >= k {
                break;
            }
            if !owned_set.contains(p) && !recs.iter().any(|r| r == p) {
                recs.push(p.to_string());
            }
        }
        let base: Vec<String> =
            popular.iter().filter(|(p, _)| !owned_set.contains(p)).take(k).map(|(p, _)| p.to_string()).collect();
        let target = &history[*ix].products;
        hits += usize::from(recs.iter().any(|r| target.contains(r)));
        base_hits += usize::from(base.iter().any(|r| target.contains(r)));
        seen.extend(recs);
        base_seen.extend(base);
    }
    let n = last.len().max(1) as f64;
    Eval {
        customers: last.len(),
        orders: history.len(),
        products,
        hit_rate: hits as f64 / n,
        coverage: seen.len() as f64 / products as f64,
        baseline_hit_rate: base_hits as f64 / n,
        baseline_coverage: base_seen.len() as f64 / products as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_recommender_beats_the_popularity_baseline() {
        let history = synthetic(800, 2000, 7);
        assert_eq!(history, synthetic(800, 2000, 7), "deterministic");
        let e = evaluate(&history, 2000, 10);
        assert!(e.hit_rate > e.baseline_hit_rate + 0.1, "{e:?}");
        assert!(e.coverage > e.baseline_coverage, "{e:?}");
    }
}
