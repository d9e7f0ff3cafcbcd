//! Catalog storage on the key-value table port. Single-table design:
//!
//! | item | pk | sk | attributes |
//! |---|---|---|---|
//! | product | `P#<id>` | `A` | `doc` (product JSON), `slug`, `version` (number, also in the JSON) |
//! | variant stock | `P#<id>` | `S#<sku>` | `stock` (number) |
//! | slug → id | `SLUG#<slug>` | `A` | `id` |
//! | category entry | `C#<path>` (each ancestor, and `C#*` for all) | `N#<inverted created>#<id>` | `card` (listing JSON) |
//! | category name | `CATS` | `<path>` | — |
//! | SKU → product | `SKU#<sku>` | `A` | `id` (makes SKUs unique across products) |
//! | admin row | `PRODUCTS` | `<id>` | `row` (title, slug, status, … for the admin list, drafts and archived included) |
//!
//! Access patterns: by id (Query `P#<id>`: product and its stock in one
//! call); by slug (Get `SLUG#` then by id); by category, newest first (Query
//! `C#<path>`, prefix `N#`); all categories (Query `CATS`). Price order,
//! filters and facets are applied to the whole category in memory (the
//! cached category index), because facet counts need every entry anyway.
//! Stock lives in its own item so one conditional update (`stock >= n`)
//! decrements it atomically; an order's lines go in one transaction.
//!
//! Merchant edits are optimistic: the document is replaced only while its
//! `version` is still the one the editor started from (then bumped), and
//! stock is never written back from a form. An unchanged stock field writes
//! nothing; a changed one adds the difference on condition that the live
//! stock is still what the editor saw, so sales made meanwhile stand.

use domain::catalog::ProductCard;
use domain::{CategoryPath, Product};
use ports::kv::{Condition, Item, Query, Table, Value, Write};
use ports::{PortError, PortResult};
use std::sync::Arc;

mod admin;
pub mod promos;
pub mod rules;
mod stock;

use admin::admin_item;
pub use admin::AdminRow;
pub use stock::{stock_lines, stock_lines_of, CodeClaim, OrderStock, Reservation, StockLine};

pub const ALL: &str = "*";

#[derive(Clone)]
pub struct CatalogStore {
    table: Arc<dyn Table>,
}

#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("the slug {0:?} is already used by another product")]
    SlugTaken(String),
    #[error("a product with id {0:?} already exists")]
    IdTaken(String),
    #[error("the SKU {0:?} is already used by another product")]
    SkuTaken(String),
    #[error("someone else changed this product since you opened it; reload to see their changes")]
    Conflict,
    /// Stock the editor changed moved meanwhile (orders, another edit):
    /// every such variant with its live stock. Nothing was written.
    #[error("stock changed since you opened this form")]
    StockChanged(Vec<StaleStock>),
    #[error("too many changes at once; change fewer variants per save")]
    TooLarge,
    #[error(transparent)]
    Port(#[from] PortError),
}

/// A variant whose live stock is no longer what the editor saw.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("stock changed since you opened this form (now {now})")]
pub struct StaleStock {
    pub sku: String,
    /// The live stock, read after the refused save.
    pub now: i64,
}

fn pk(id: &str) -> String {
    format!("P#{id}")
}

fn entry_sk(p: &Product) -> String {
    // Inverted timestamp: ascending sort keys list the newest first.
    format!("N#{:020}#{}", i64::MAX - p.created_at.max(0), p.id)
}

fn categories_of(p: &Product) -> Vec<String> {
    let mut cats: Vec<String> = p.category.ancestors_and_self().into_iter().map(String::from).collect();
    cats.push(ALL.to_string());
    cats
}

fn json<T: serde::Serialize>(v: &T) -> PortResult<String> {
    serde_json::to_string(v).map_err(|e| PortError::Invalid(e.to_string()))
}

fn sku_item(sku: &str, id: &str) -> Item {
    Item::new(format!("SKU#{sku}"), "A").with("id", Value::S(id.to_string()))
}

/// What a failed condition at a write's index means.
enum Guard {
    None,
    Doc,
    Slug,
    Sku(String),
    Stock,
}

fn doc_item(p: &Product) -> PortResult<Item> {
    Ok(Item::new(pk(p.id.as_str()), "A")
        .with("doc", Value::S(json(p)?))
        .with("slug", Value::S(p.slug.to_string()))
        .with("version", Value::N(p.version)))
}

/// Every item a product is stored as (used for bulk loads and new products).
pub fn items_for(p: &Product) -> PortResult<Vec<Item>> {
    let mut items = vec![
        doc_item(p)?,
        Item::new(format!("SLUG#{}", p.slug), "A").with("id", Value::S(p.id.to_string())),
        admin_item(p)?,
    ];
    items.extend(p.variants.iter().map(|v| sku_item(v.sku.as_str(), p.id.as_str())));
    for v in &p.variants {
        items.push(Item::new(pk(p.id.as_str()), format!("S#{}", v.sku)).with("stock", Value::N(v.stock)));
    }
    items.extend(entry_items(p)?);
    for c in p.category.ancestors_and_self() {
        items.push(Item::new("CATS", c.as_str()));
    }
    Ok(items)
}

fn entry_items(p: &Product) -> PortResult<Vec<Item>> {
    if !p.is_visible() {
        return Ok(Vec::new());
    }
    let card = json(&ProductCard::from_product(p))?;
    Ok(categories_of(p)
        .into_iter()
        .map(|c| Item::new(format!("C#{c}"), entry_sk(p)).with("card", Value::S(card.clone())))
        .collect())
}

impl CatalogStore {
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self { table }
    }

    pub fn table(&self) -> &Arc<dyn Table> {
        &self.table
    }

    /// Product by id with live stock per variant.
    pub async fn by_id(&self, id: &str) -> PortResult<Option<Product>> {
        let items = self.table.query(Query { pk: pk(id), ..Default::default() }).await?;
        let Some(item) = items.iter().find(|i| i.sk == "A") else {
            return Ok(None);
        };
        let Some(doc) = item.s("doc") else {
            return Ok(None);
        };
        let mut p: Product =
            serde_json::from_str(doc).map_err(|e| PortError::Invalid(format!("stored product {id}: {e}")))?;
        // The attribute is what saves check; documents from before versions have neither (0).
        p.version = item.n("version").unwrap_or(p.version);
        for v in &mut p.variants {
            let sk = format!("S#{}", v.sku);
            v.stock = items.iter().find(|i| i.sk == sk).and_then(|i| i.n("stock")).unwrap_or(0);
        }
        Ok(Some(p))
    }

    pub async fn by_slug(&self, slug: &str) -> PortResult<Option<Product>> {
        let Some(link) = self.table.get(&format!("SLUG#{slug}"), "A").await? else {
            return Ok(None);
        };
        match link.s("id") {
            Some(id) => self.by_id(id).await,
            None => Ok(None),
        }
    }

    /// Cards of visible products in a category (or `*`), newest first.
    pub async fn category_cards(&self, category: &str) -> PortResult<Vec<ProductCard>> {
        let items = self
            .table
            .query(Query { pk: format!("C#{category}"), sk_prefix: "N#".into(), ..Default::default() })
            .await?;
        Ok(items.iter().filter_map(|i| serde_json::from_str(i.s("card")?).ok()).collect())
    }

    pub async fn categories(&self) -> PortResult<Vec<CategoryPath>> {
        let items = self.table.query(Query { pk: "CATS".into(), ..Default::default() }).await?;
        Ok(items.iter().filter_map(|i| CategoryPath::parse(&i.sk).ok()).collect())
    }

    pub async fn is_empty(&self) -> PortResult<bool> {
        Ok(self.table.query(Query { pk: "CATS".into(), limit: 1, ..Default::default() }).await?.is_empty())
    }

    /// Bulk load (seeding): not transactional, overwrites.
    pub async fn load(&self, products: &[Product]) -> PortResult<()> {
        let mut items = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for p in products {
            for item in items_for(p)? {
                // Shared items (category names) once: DynamoDB refuses duplicate keys in a batch.
                if seen.insert((item.pk.clone(), item.sk.clone())) {
                    items.push(item);
                }
            }
        }
        self.table.put_many(items).await
    }

    /// Create (`previous` None) or edit a product in one transaction.
    ///
    /// `previous` is the product as the editor saw it. The stored document
    /// must still be at `previous.version` (else `Conflict`), and is written
    /// at the next version. Stock is never written back: a variant whose
    /// stock equals what the editor saw is left alone (sales made meanwhile
    /// stand); a changed one gets the difference, on condition that the live
    /// stock is still what the editor saw (else `StockChanged` with the live
    /// numbers). A refused save writes nothing. New variants' stock is
    /// created, removed variants' deleted; slugs and SKUs are claimed with
    /// conditional puts, so two products can never share one. A new product
    /// is stored at version 0. Returns the product as stored now (version,
    /// live stock).
    pub async fn save(&self, p: &Product, previous: Option<&Product>) -> Result<Product, SaveError> {
        let mut stored = p.clone();
        stored.version = previous.map_or(0, |old| old.version + 1);
        let mut writes = Vec::new();
        let mut guards = Vec::new();
        let mut push = |w: Write, g: Guard| {
            writes.push(w);
            guards.push(g);
        };
        let condition = match previous {
            Some(old) => Condition::Version("version".into(), old.version),
            None => Condition::NotExists,
        };
        push(Write::Put { item: doc_item(&stored)?, condition }, Guard::Doc);
        let slug_changed = previous.is_none_or(|old| old.slug != p.slug);
        if slug_changed {
            let link = Item::new(format!("SLUG#{}", p.slug), "A").with("id", Value::S(p.id.to_string()));
            push(Write::Put { item: link, condition: Condition::NotExists }, Guard::Slug);
        }
        for v in p.variants.iter().filter(|v| previous.is_none_or(|old| old.variant(v.sku.as_str()).is_none())) {
            let sku = v.sku.to_string();
            push(Write::Put { item: sku_item(&sku, p.id.as_str()), condition: Condition::NotExists }, Guard::Sku(sku));
        }
        if let Some(old) = previous {
            if slug_changed {
                let pk = format!("SLUG#{}", old.slug);
                push(Write::Delete { pk, sk: "A".into(), condition: Condition::None }, Guard::None);
            }
            for v in old.variants.iter().filter(|v| p.variant(v.sku.as_str()).is_none()) {
                let sk = format!("S#{}", v.sku);
                push(Write::Delete { pk: pk(p.id.as_str()), sk, condition: Condition::None }, Guard::None);
                let sku_pk = format!("SKU#{}", v.sku);
                push(Write::Delete { pk: sku_pk, sk: "A".into(), condition: Condition::None }, Guard::None);
            }
            let new_keys: Vec<(String, String)> = entry_items(p)?.into_iter().map(|i| (i.pk, i.sk)).collect();
            for c in categories_of(old) {
                let key = (format!("C#{c}"), entry_sk(old));
                if !new_keys.contains(&key) {
                    push(Write::Delete { pk: key.0, sk: key.1, condition: Condition::None }, Guard::None);
                }
            }
        }
        for v in &p.variants {
            let sk = format!("S#{}", v.sku);
            match previous.and_then(|old| old.variant(v.sku.as_str())) {
                None => {
                    let item = Item::new(pk(p.id.as_str()), sk).with("stock", Value::N(v.stock));
                    push(Write::Put { item, condition: Condition::NotExists }, Guard::None);
                }
                Some(seen) if seen.stock == v.stock => {}
                Some(seen) => push(
                    Write::Add {
                        pk: pk(p.id.as_str()),
                        sk,
                        attr: "stock".into(),
                        delta: v.stock - seen.stock,
                        condition: Condition::Equals("stock".into(), seen.stock),
                    },
                    Guard::Stock,
                ),
            }
        }
        for item in entry_items(p)? {
            push(Write::Put { item, condition: Condition::None }, Guard::None);
        }
        for c in p.category.ancestors_and_self() {
            push(Write::Put { item: Item::new("CATS", c.as_str()), condition: Condition::None }, Guard::None);
        }
        push(Write::Put { item: admin_item(p)?, condition: Condition::None }, Guard::None);
        if writes.len() > ports::kv::MAX_TRANSACTION {
            return Err(SaveError::TooLarge);
        }
        match self.table.transact(writes).await {
            Ok(()) => {}
            Err(PortError::ConditionFailed { index }) => {
                return Err(match guards.get(index) {
                    Some(Guard::Doc) if previous.is_none() => SaveError::IdTaken(p.id.to_string()),
                    Some(Guard::Slug) => SaveError::SlugTaken(p.slug.to_string()),
                    Some(Guard::Sku(sku)) => SaveError::SkuTaken(sku.clone()),
                    Some(Guard::Stock) => match self.stale_stock(p, previous).await? {
                        // It moved and moved back: nothing to show beside a field.
                        stale if stale.is_empty() => SaveError::Conflict,
                        stale => SaveError::StockChanged(stale),
                    },
                    _ => SaveError::Conflict,
                });
            }
            Err(e) => return Err(e.into()),
        }
        if previous.is_none() {
            return Ok(stored);
        }
        // Listing cards and the admin row went in with the form's stock
        // numbers; rewrite them from the live stock.
        match self.refresh_entries(p.id.as_str()).await {
            Ok(Some(fresh)) => Ok(fresh),
            Ok(None) => Ok(stored),
            Err(e) => {
                tracing::warn!(product.id = %p.id, error = %e, "saved, but listing stock not refreshed");
                Ok(stored)
            }
        }
    }

    /// The variants whose stock the editor changed but whose live stock is
    /// no longer what the editor saw, read after a refused save.
    async fn stale_stock(&self, p: &Product, previous: Option<&Product>) -> PortResult<Vec<StaleStock>> {
        let live = self.by_id(p.id.as_str()).await?;
        let live_stock = |sku: &str| live.as_ref().and_then(|l| l.variant(sku)).map_or(0, |v| v.stock);
        let changed = p.variants.iter().filter_map(|v| {
            let seen = previous?.variant(v.sku.as_str())?;
            (seen.stock != v.stock).then_some((v.sku.as_str(), seen.stock))
        });
        let stale: Vec<StaleStock> = changed
            .filter_map(|(sku, seen)| {
                let now = live_stock(sku);
                (now != seen).then(|| StaleStock { sku: sku.to_string(), now })
            })
            .collect();
        Ok(stale)
    }

    /// Refresh a product's listing entries after its stock changed (so the
    /// in-stock flag and filter stay right). Returns the fresh product.
    pub async fn refresh_entries(&self, id: &str) -> PortResult<Option<Product>> {
        Ok(self.refresh_entries_of(&[id]).await?.pop())
    }

    /// `refresh_entries` for several products, written in one call to the
    /// table (each product its own transaction); returns those that exist.
    pub async fn refresh_entries_of(&self, ids: &[&str]) -> PortResult<Vec<Product>> {
        let mut products = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(p) = self.by_id(id).await? {
                products.push(p);
            }
        }
        let mut transactions = Vec::with_capacity(products.len());
        for p in &products {
            let mut writes: Vec<Write> =
                entry_items(p)?.into_iter().map(|item| Write::Put { item, condition: Condition::Exists }).collect();
            writes.push(Write::Put { item: admin_item(p)?, condition: Condition::None });
            transactions.push(writes);
        }
        for result in self.table.transact_each(transactions).await {
            match result {
                Ok(()) | Err(PortError::ConditionFailed { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(products)
    }
}
