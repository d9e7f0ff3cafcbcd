//! Order rows as stored, read by column name (`sqlx::FromRow`), and their one
//! checked way into domain types: an unknown status or currency, a negative
//! amount or an impossible quantity is an error naming the row, never a
//! default.

use super::repo::StoredOrder;
use crate::catalog::CodeClaim;
use domain::order::{Email, OrderLine, OrderStatus};
use domain::promo::PromoCode;
use domain::{Currency, Money, OrderId, ProductId, Sku};
use ports::{PortError, PortResult};

#[derive(sqlx::FromRow)]
pub(super) struct OrderRow {
    pub id: OrderId,
    pub status: String,
    pub reason: Option<String>,
    pub email: Email,
    pub currency: String,
    pub total_minor: i64,
    pub payment_auth: String,
    pub created_at: i64,
    pub promo_code: Option<String>,
    pub promo_once: i64,
    pub promo_auto: i64,
    pub discount_minor: i64,
    pub tax: String,
}

#[derive(sqlx::FromRow)]
pub(super) struct LineRow {
    pub product_id: ProductId,
    pub sku: Sku,
    pub title: String,
    pub unit_price_minor: i64,
    pub quantity: i64,
}

#[derive(sqlx::FromRow)]
pub(super) struct StatusRow {
    pub id: OrderId,
    pub status: String,
    pub reason: Option<String>,
}

pub(super) const ORDER_COLUMNS: &str =
    "id, status, reason, email, currency, total_minor, payment_auth, created_at, promo_code, promo_once, promo_auto, discount_minor, tax";
pub(super) const LINE_COLUMNS: &str = "product_id, sku, title, unit_price_minor, quantity";

/// The status stored for order `id`; an unknown name is an error, never a default.
pub(super) fn status_from(id: &OrderId, name: &str, reason: Option<String>) -> PortResult<OrderStatus> {
    let reason = reason.unwrap_or_default();
    Ok(match name {
        "pending" => OrderStatus::Pending,
        "reserved" => OrderStatus::Reserved,
        "confirmed" => OrderStatus::Confirmed,
        "rejected" => OrderStatus::Rejected { reason },
        "cancelled" => OrderStatus::Cancelled { reason },
        "refunded" => OrderStatus::Refunded,
        other => return Err(PortError::unknown_stored("orders", id.as_str(), "status", other)),
    })
}

impl StatusRow {
    pub fn status(self) -> PortResult<(OrderId, OrderStatus)> {
        let status = status_from(&self.id, &self.status, self.reason)?;
        Ok((self.id, status))
    }
}

impl OrderRow {
    /// The order with its lines; `lines` are this order's rows in line order.
    pub fn into_order(self, lines: Vec<LineRow>) -> PortResult<StoredOrder> {
        let id = self.id;
        let currency = Currency::parse(&self.currency)
            .map_err(|_| PortError::unknown_stored("orders", id.as_str(), "currency", &self.currency))?;
        let money = |column: &str, minor: i64| {
            Money::new(minor, currency)
                .map_err(|_| PortError::unknown_stored("orders", id.as_str(), column, &minor.to_string()))
        };
        let lines = lines
            .into_iter()
            .map(|l| {
                Ok(OrderLine {
                    unit_price: money("order_lines.unit_price_minor", l.unit_price_minor)?,
                    quantity: u32::try_from(l.quantity).ok().filter(|q| *q > 0).ok_or_else(|| {
                        PortError::unknown_stored(
                            "orders",
                            id.as_str(),
                            "order_lines.quantity",
                            &l.quantity.to_string(),
                        )
                    })?,
                    product_id: l.product_id,
                    sku: l.sku,
                    title: l.title,
                })
            })
            .collect::<PortResult<Vec<_>>>()?;
        let promotion = self.promo_code.clone();
        let code = match self.promo_code.filter(|_| self.promo_auto == 0) {
            None => None,
            Some(c) => {
                let code = PromoCode::parse(&c)
                    .map_err(|_| PortError::unknown_stored("orders", id.as_str(), "promo_code", &c))?;
                Some(CodeClaim {
                    code,
                    customer: (self.promo_once != 0).then(|| self.email.as_str().trim().to_lowercase()),
                })
            }
        };
        let tax: domain::tax::OrderTax = serde_json::from_str(&self.tax)
            .ok()
            .filter(|t: &domain::tax::OrderTax| {
                t.is_consistent() && t.groups.iter().all(|g| g.amount.currency() == currency)
            })
            .ok_or_else(|| PortError::unknown_stored("orders", id.as_str(), "tax", &self.tax))?;
        Ok(StoredOrder {
            tax,
            code,
            discount: money("discount_minor", self.discount_minor)?,
            promotion,
            status: status_from(&id, &self.status, self.reason)?,
            email: self.email,
            total: money("total_minor", self.total_minor)?,
            lines,
            payment_auth: self.payment_auth,
            created_at: self.created_at,
            id,
        })
    }
}
