//! Discount codes in the catalog table. A code is two items: its definition
//! under the one partition `PROMOS` (so the admin lists every code with one
//! query), versioned for edits; and its counter of uses left under
//! `PROMO#<code>`, which orders take from inside their stock transaction
//! (`stock.rs`), so a usage limit holds under concurrency exactly as stock
//! does. A code without a limit starts its counter at `UNLIMITED`. The
//! once-per-customer markers sit beside the counter.

use super::CatalogStore;
use domain::promo::{PromoCode, Promotion};
use ports::kv::{Condition, Item, Query, Value, Write};
use ports::{PortError, PortResult};

/// The counter of a code without a usage limit starts here.
pub const UNLIMITED: i64 = 1_000_000_000;
const DEFINITIONS: &str = "PROMOS";

pub(super) fn uses_left(code: &PromoCode) -> String {
    format!("PROMO#{code}")
}

pub(super) fn customer_marker(customer: &str) -> String {
    format!("C#{customer}")
}

fn cap(p: &Promotion) -> i64 {
    p.usage_limit.map(i64::from).unwrap_or(UNLIMITED)
}

/// A code as the admin sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromoRow {
    pub promotion: Promotion,
    /// Orders holding a use now (placed, not rejected or cancelled).
    pub used: i64,
    /// For an edit: the version the form showed.
    pub version: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum PromoSaveError {
    #[error("the code {0} already exists")]
    Taken(String),
    #[error("this code was changed by someone else since you opened it; reload to see the change")]
    Changed,
    #[error(transparent)]
    Port(#[from] PortError),
}

fn definition(p: &Promotion, version: i64) -> PortResult<Item> {
    let body = serde_json::to_string(p).map_err(|e| PortError::Invalid(e.to_string()))?;
    Ok(Item::new(DEFINITIONS, p.code.as_str()).with("body", Value::S(body)).with("version", Value::N(version)))
}

fn read_definition(item: &Item) -> PortResult<(Promotion, i64)> {
    let body = item.s("body").unwrap_or_default();
    let p: Promotion = serde_json::from_str(body)
        .map_err(|e| PortError::Invalid(format!("stored discount code {} is not valid: {e}", item.sk)))?;
    Ok((p, item.n("version").unwrap_or(0)))
}

impl CatalogStore {
    /// One code, with its use count.
    pub async fn promotion(&self, code: &PromoCode) -> PortResult<Option<PromoRow>> {
        let Some(item) = self.table.get(DEFINITIONS, code.as_str()).await? else { return Ok(None) };
        let (promotion, version) = read_definition(&item)?;
        let left = self.table.get(&uses_left(code), "U").await?.and_then(|i| i.n("left")).unwrap_or(0);
        Ok(Some(PromoRow { used: cap(&promotion) - left, promotion, version }))
    }

    /// Every code (at most 1,000), by code.
    pub async fn promotions(&self) -> PortResult<Vec<PromoRow>> {
        let items = self.table.query(Query { pk: DEFINITIONS.into(), limit: 1_000, ..Query::default() }).await?;
        let mut rows = Vec::with_capacity(items.len());
        for item in &items {
            let (promotion, version) = read_definition(item)?;
            let left = self.table.get(&uses_left(&promotion.code), "U").await?.and_then(|i| i.n("left")).unwrap_or(0);
            rows.push(PromoRow { used: cap(&promotion) - left, promotion, version });
        }
        Ok(rows)
    }

    /// The active automatic promotions (definitions only: they have no counter).
    pub async fn automatic_promotions(&self) -> PortResult<Vec<Promotion>> {
        let items = self.table.query(Query { pk: DEFINITIONS.into(), limit: 1_000, ..Query::default() }).await?;
        let mut out = Vec::new();
        for item in &items {
            let (p, _) = read_definition(item)?;
            if p.automatic && p.active {
                out.push(p);
            }
        }
        Ok(out)
    }

    /// A new code: its definition and its counter, together.
    pub async fn create_promotion(&self, p: &Promotion) -> Result<(), PromoSaveError> {
        let counter = Item::new(uses_left(&p.code), "U").with("left", Value::N(cap(p)));
        let writes = vec![
            Write::Put { item: definition(p, 1)?, condition: Condition::NotExists },
            Write::Put { item: counter, condition: Condition::NotExists },
        ];
        match self.table.transact(writes).await {
            Err(PortError::ConditionFailed { .. }) => Err(PromoSaveError::Taken(p.code.to_string())),
            other => Ok(other?),
        }
    }

    /// Change a code (never its name) if nobody changed it since `version`;
    /// a new usage limit moves its counter by the difference, so uses
    /// already taken stay counted.
    pub async fn update_promotion(&self, p: &Promotion, version: i64) -> Result<(), PromoSaveError> {
        let Some(old) = self.promotion(&p.code).await? else { return Err(PromoSaveError::Changed) };
        if old.version != version {
            return Err(PromoSaveError::Changed);
        }
        let mut writes = vec![Write::Put {
            item: definition(p, version + 1)?,
            condition: Condition::Version("version".into(), version),
        }];
        let delta = cap(p) - cap(&old.promotion);
        if delta != 0 {
            writes.push(Write::Add {
                pk: uses_left(&p.code),
                sk: "U".into(),
                attr: "left".into(),
                delta,
                condition: Condition::Exists,
            });
        }
        match self.table.transact(writes).await {
            Err(PortError::ConditionFailed { .. }) => Err(PromoSaveError::Changed),
            other => Ok(other?),
        }
    }

    /// Whether `customer` (an e-mail address) holds a use of this code.
    pub async fn code_used_by(&self, code: &PromoCode, customer: &str) -> PortResult<bool> {
        let marker = customer_marker(&customer.trim().to_lowercase());
        Ok(self.table.get(&uses_left(code), &marker).await?.is_some())
    }
}
