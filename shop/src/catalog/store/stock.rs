//! Stock for orders: take an order's lines in one transaction of
//! conditional decrements, exactly once per order (a reservation marker
//! item rides in the same transaction), and give them back exactly once.
//! A discount code's use is taken the same way in the same transaction:
//! its counter of uses left is one more conditional decrement, and a code
//! limited to one order per customer adds a marker that must not exist yet
//! (`promos.rs` keeps the counters).

use super::promos::{customer_marker, uses_left};
use super::{pk, CatalogStore};
use domain::promo::PromoCode;
use domain::{OrderId, ProductId, Sku};
use ports::kv::{Condition, Item, Value, Write};
use ports::{PortError, PortResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    Reserved,
    /// This order's stock was taken before (a redelivery): nothing changed.
    AlreadyReserved,
    /// Not enough stock for this line (index into the lines); nothing changed.
    Short {
        line: usize,
    },
    /// The order's discount code has no use left; nothing changed.
    CodeUsedUp,
    /// The customer used this once-per-customer code on another order; nothing changed.
    CodeUsedBefore,
}

/// Everything an order takes when it is reserved, and gives back when it
/// is compensated: its stock and its code's use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderStock {
    pub lines: Vec<StockLine>,
    pub code: Option<CodeClaim>,
}

/// One use of a discount code; `customer` (a folded e-mail address) when
/// the code is limited to one order per customer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CodeClaim {
    pub code: PromoCode,
    pub customer: Option<String>,
}

impl CodeClaim {
    /// The claim an order with this applied code makes (none for an
    /// automatic promotion: it has no uses to count).
    pub fn of(code: &domain::pricing::AppliedCode, email: &str) -> Option<Self> {
        (!code.automatic).then(|| Self {
            code: code.code.clone(),
            customer: code.once_per_customer.then(|| email.trim().to_lowercase()),
        })
    }

    fn take(&self, order_id: &OrderId) -> Vec<Write> {
        let mut writes = vec![Write::Add {
            pk: uses_left(&self.code),
            sk: "U".into(),
            attr: "left".into(),
            delta: -1,
            condition: Condition::AtLeast("left".into(), 1),
        }];
        if let Some(c) = &self.customer {
            let item =
                Item::new(uses_left(&self.code), customer_marker(c)).with("order", Value::S(order_id.to_string()));
            writes.push(Write::Put { item, condition: Condition::NotExists });
        }
        writes
    }

    fn give_back(&self) -> Vec<Write> {
        let mut writes = vec![Write::Add {
            pk: uses_left(&self.code),
            sk: "U".into(),
            attr: "left".into(),
            delta: 1,
            condition: Condition::Exists,
        }];
        if let Some(c) = &self.customer {
            writes.push(Write::Delete {
                pk: uses_left(&self.code),
                sk: customer_marker(c),
                condition: Condition::None,
            });
        }
        writes
    }
}

/// Take each line's quantity, on condition that the stock covers it.
fn decrements(lines: &[StockLine]) -> Vec<Write> {
    lines.iter().map(|l| l.add(-l.quantity, Condition::AtLeast("stock".into(), l.quantity))).collect()
}

impl StockLine {
    /// Add `delta` to this line's variant stock, under `condition`.
    fn add(&self, delta: i64, condition: Condition) -> Write {
        Write::Add {
            pk: pk(self.product_id.as_str()),
            sk: format!("S#{}", self.sku),
            attr: "stock".into(),
            delta,
            condition,
        }
    }
}

/// One order line's stock change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockLine {
    pub product_id: ProductId,
    pub sku: Sku,
    pub quantity: i64,
}

impl CatalogStore {
    /// Take stock for an order exactly once: a reservation marker item for
    /// the order goes in the same transaction as the decrements, so a
    /// redelivered order message cannot take stock twice.
    pub async fn reserve_for_order(&self, order_id: &OrderId, stock: &OrderStock) -> PortResult<Reservation> {
        let mut results = self.reserve_for_orders(&[(order_id, stock)]).await;
        results.pop().unwrap_or_else(|| Err(PortError::Invalid("no reservation result".into())))
    }

    /// `reserve_for_order` for several orders, in the order given (earlier
    /// orders are served first); each order is its own transaction and has
    /// its own result, while the table may commit them together.
    pub async fn reserve_for_orders(&self, orders: &[(&OrderId, &OrderStock)]) -> Vec<PortResult<Reservation>> {
        let transactions = orders
            .iter()
            .map(|(order_id, stock)| {
                let marker = Item::new(format!("RES#{order_id}"), "A").with("active", Value::N(1));
                let mut writes = vec![Write::Put { item: marker, condition: Condition::NotExists }];
                writes.extend(decrements(&stock.lines));
                writes.extend(stock.code.iter().flat_map(|c| c.take(order_id)));
                writes
            })
            .collect();
        let results = self.table.transact_each(transactions).await;
        results
            .into_iter()
            .zip(orders)
            .map(|(r, (_, stock))| {
                let n = stock.lines.len();
                match r {
                    Ok(()) => Ok(Reservation::Reserved),
                    Err(PortError::ConditionFailed { index: 0 }) => Ok(Reservation::AlreadyReserved),
                    Err(PortError::ConditionFailed { index }) if index <= n => {
                        Ok(Reservation::Short { line: index - 1 })
                    }
                    Err(PortError::ConditionFailed { index }) if index == n + 1 => Ok(Reservation::CodeUsedUp),
                    Err(PortError::ConditionFailed { .. }) => Ok(Reservation::CodeUsedBefore),
                    Err(e) => Err(e),
                }
            })
            .collect()
    }

    /// Give an order's stock (and its code's use) back exactly once
    /// (compensation); a no-op when it was never reserved or already
    /// released. The reservation marker alone guarantees exactly-once: a
    /// line whose stock item no longer exists (its variant was removed
    /// since), or a code whose counter is gone, is logged and skipped, so
    /// the compensation can never be stuck on it.
    pub async fn release_for_order(&self, order_id: &OrderId, stock: &OrderStock) -> PortResult<bool> {
        let mut remaining: Vec<(String, Write)> = stock
            .lines
            .iter()
            .map(|l| (format!("product {} sku {}", l.product_id, l.sku), l.add(l.quantity, Condition::Exists)))
            .collect();
        if let Some(c) = &stock.code {
            remaining.extend(c.give_back().into_iter().map(|w| (format!("code {}", c.code), w)));
        }
        let marker = Write::Add {
            pk: format!("RES#{order_id}"),
            sk: "A".into(),
            attr: "active".into(),
            delta: -1,
            condition: Condition::AtLeast("active".into(), 1),
        };
        self.once(marker, remaining, order_id.as_str()).await
    }

    /// Put `lines` back into stock once for `key` (a partial refund's id):
    /// a marker item that must not exist yet rides in the same
    /// transaction, so a resumed saga never restocks twice. A line whose
    /// variant is gone is logged and skipped. False when it was done before.
    pub async fn restock_once(&self, key: &str, lines: &[StockLine]) -> PortResult<bool> {
        let remaining: Vec<(String, Write)> = lines
            .iter()
            .filter(|l| l.quantity > 0)
            .map(|l| (format!("product {} sku {}", l.product_id, l.sku), l.add(l.quantity, Condition::Exists)))
            .collect();
        let marker = Item::new(format!("RESTOCK#{key}"), "A").with("at", Value::N(ports::clock::now()));
        self.once(Write::Put { item: marker, condition: Condition::NotExists }, remaining, key).await
    }

    /// `marker` (whose condition fails once it was done) and the give-backs
    /// in one transaction. A give-back whose item no longer exists is logged
    /// and dropped, and the rest tried again, so a compensation is never
    /// stuck on it. False when the marker says it was done before.
    async fn once(&self, marker: Write, mut remaining: Vec<(String, Write)>, what_for: &str) -> PortResult<bool> {
        loop {
            let mut writes = vec![marker.clone()];
            writes.extend(remaining.iter().map(|(_, w)| w.clone()));
            match self.table.transact(writes).await {
                Ok(()) => return Ok(true),
                Err(PortError::ConditionFailed { index: 0 }) => return Ok(false),
                Err(PortError::ConditionFailed { index }) if index <= remaining.len() => {
                    let (gone, _) = remaining.remove(index - 1);
                    tracing::warn!(key = what_for, what = %gone, "give-back skipped: it no longer exists");
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Take stock for every line, or for none: one transaction of
    /// conditional decrements. `Err(ConditionFailed { index })` names the
    /// first line that is short (or whose variant does not exist).
    pub async fn reserve(&self, lines: &[StockLine]) -> PortResult<()> {
        self.table.transact(decrements(lines)).await
    }

    /// Give stock back (compensation for a reservation).
    pub async fn release(&self, lines: &[StockLine]) -> PortResult<()> {
        self.table.transact(lines.iter().map(|l| l.add(l.quantity, Condition::Exists)).collect()).await
    }
}

/// The stock (and code use) an order message takes.
pub fn stock_lines(m: &domain::order::OrderMessage) -> OrderStock {
    OrderStock {
        lines: stock_lines_of(&m.lines),
        code: m.code.as_ref().and_then(|c| CodeClaim::of(c, m.email.as_str())),
    }
}

/// The stock these order lines take (or give back).
pub fn stock_lines_of(lines: &[domain::order::OrderLine]) -> Vec<StockLine> {
    lines
        .iter()
        .map(|l| StockLine { product_id: l.product_id.clone(), sku: l.sku.clone(), quantity: i64::from(l.quantity) })
        .collect()
}
