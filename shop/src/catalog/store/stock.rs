//! Stock for orders: take an order's lines in one transaction of
//! conditional decrements, exactly once per order (a reservation marker
//! item rides in the same transaction), and give them back exactly once.

use super::{pk, CatalogStore};
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
    pub async fn reserve_for_order(&self, order_id: &OrderId, lines: &[StockLine]) -> PortResult<Reservation> {
        let mut results = self.reserve_for_orders(&[(order_id, lines)]).await;
        results.pop().unwrap_or_else(|| Err(PortError::Invalid("no reservation result".into())))
    }

    /// `reserve_for_order` for several orders, in the order given (earlier
    /// orders are served first); each order is its own transaction and has
    /// its own result, while the table may commit them together.
    pub async fn reserve_for_orders(&self, orders: &[(&OrderId, &[StockLine])]) -> Vec<PortResult<Reservation>> {
        let transactions = orders
            .iter()
            .map(|(order_id, lines)| {
                let marker = Item::new(format!("RES#{order_id}"), "A").with("active", Value::N(1));
                let mut writes = vec![Write::Put { item: marker, condition: Condition::NotExists }];
                writes.extend(decrements(lines));
                writes
            })
            .collect();
        let results = self.table.transact_each(transactions).await;
        results
            .into_iter()
            .map(|r| match r {
                Ok(()) => Ok(Reservation::Reserved),
                Err(PortError::ConditionFailed { index: 0 }) => Ok(Reservation::AlreadyReserved),
                Err(PortError::ConditionFailed { index }) => Ok(Reservation::Short { line: index - 1 }),
                Err(e) => Err(e),
            })
            .collect()
    }

    /// Give an order's stock back exactly once (compensation); a no-op when
    /// it was never reserved or already released. The reservation marker
    /// alone guarantees exactly-once: a line whose stock item no longer
    /// exists (its variant was removed since) is logged and skipped, so the
    /// compensation can never be stuck on it.
    pub async fn release_for_order(&self, order_id: &OrderId, lines: &[StockLine]) -> PortResult<bool> {
        let mut remaining: Vec<&StockLine> = lines.iter().collect();
        loop {
            let mut writes = vec![Write::Add {
                pk: format!("RES#{order_id}"),
                sk: "A".into(),
                attr: "active".into(),
                delta: -1,
                condition: Condition::AtLeast("active".into(), 1),
            }];
            writes.extend(remaining.iter().map(|l| l.add(l.quantity, Condition::Exists)));
            match self.table.transact(writes).await {
                Ok(()) => return Ok(true),
                Err(PortError::ConditionFailed { index: 0 }) => return Ok(false),
                Err(PortError::ConditionFailed { index }) if index <= remaining.len() => {
                    let gone = remaining.remove(index - 1);
                    tracing::warn!(
                        order.id = %order_id,
                        product.id = %gone.product_id,
                        sku = %gone.sku,
                        quantity = gone.quantity,
                        "stock release skipped: the variant no longer exists"
                    );
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

/// The stock an order message takes.
pub fn stock_lines(m: &domain::order::OrderMessage) -> Vec<StockLine> {
    stock_lines_of(&m.lines)
}

/// The stock these order lines take (or give back).
pub fn stock_lines_of(lines: &[domain::order::OrderLine]) -> Vec<StockLine> {
    lines
        .iter()
        .map(|l| StockLine { product_id: l.product_id.clone(), sku: l.sku.clone(), quantity: i64::from(l.quantity) })
        .collect()
}
