//! The merchant's product list: one small row per product (drafts and
//! archived included) under one partition, so the admin page lists the
//! whole catalog with one paged query instead of reading every document.

use super::{json, CatalogStore};
use domain::Product;
use ports::kv::{Item, Query, Value};
use ports::PortResult;

/// The admin list's view of a product (drafts and archived included).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AdminRow {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub status: String,
    pub category: String,
    pub variants: usize,
    pub stock: i64,
    pub price_from_minor: i64,
    pub updated_at: i64,
}

pub(super) fn admin_item(p: &Product) -> PortResult<Item> {
    let row = AdminRow {
        id: p.id.to_string(),
        slug: p.slug.to_string(),
        title: p.title.clone(),
        status: p.status.as_str().to_string(),
        category: p.category.to_string(),
        variants: p.variants.len(),
        stock: p.variants.iter().map(|v| v.stock).sum(),
        price_from_minor: p.variants.iter().map(|v| v.price.minor()).min().unwrap_or(0),
        updated_at: p.updated_at,
    };
    Ok(Item::new("PRODUCTS", p.id.as_str()).with("row", Value::S(json(&row)?)))
}

impl CatalogStore {
    /// Every product's admin row (drafts and archived included), newest change first.
    pub async fn admin_rows(&self) -> PortResult<Vec<AdminRow>> {
        let mut rows = Vec::new();
        let mut after = None;
        loop {
            let q = Query { pk: "PRODUCTS".into(), after: after.clone(), limit: 1000, ..Default::default() };
            let page = self.table.query(q).await?;
            let done = page.len() < 1000;
            after = page.last().map(|i| i.sk.clone());
            rows.extend(page.iter().filter_map(|i| serde_json::from_str::<AdminRow>(i.s("row")?).ok()));
            if done {
                break;
            }
        }
        rows.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then_with(|| a.id.cmp(&b.id)));
        Ok(rows)
    }
}
