//! What the admin server functions return: plain serialisable views the
//! pages render, the same on the server and in the browser.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    /// (UTC day label, orders, revenue in cents), last 14 days, oldest first.
    pub sales: Vec<(String, i64, i64)>,
    /// (title, units, revenue in cents), last 30 days.
    pub top: Vec<(String, i64, i64)>,
    pub status_counts: Vec<(String, i64)>,
    pub queue: QueueDepths,
    /// The last static-failover run, as (field, value).
    pub failover: Vec<(String, String)>,
    /// The last order-reconciler run, as (field, value).
    pub reconcile: Vec<(String, String)>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueDepths {
    pub orders_visible: u64,
    pub orders_in_flight: u64,
    pub sale_visible: u64,
    pub dead_letters: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductRow {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub status: String,
    pub category: String,
    pub variants: usize,
    pub stock: i64,
    pub price_from: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductList {
    pub rows: Vec<ProductRow>,
    pub total: usize,
    pub page: usize,
    pub pages: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductEdit {
    pub id: String,
    /// Form field → value, as the product form names them.
    pub fields: std::collections::BTreeMap<String, String>,
    /// (url, alt) of the product's images.
    pub images: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRow {
    pub id: String,
    pub status: String,
    pub email: String,
    pub total: String,
    pub items: i64,
    pub placed: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderList {
    pub rows: Vec<OrderRow>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDetail {
    pub id: String,
    pub status: String,
    pub reason: Option<String>,
    pub email: String,
    pub total: String,
    /// "SAVE10 (−$4.95)" when a discount code was used.
    pub code: Option<String>,
    /// "IVA 23%: $12.42" per tax line ("included" when prices held it).
    #[serde(default)]
    pub tax: Vec<String>,
    pub placed: String,
    /// (title, sku, quantity, unit price)
    pub lines: Vec<(String, String, u32, String)>,
    pub payment_auth: String,
    /// Line refunds made, oldest first.
    #[serde(default)]
    pub refunds: Vec<RefundView>,
    /// Per line (sku, units not refunded yet), for the "Refund lines" form.
    #[serde(default)]
    pub refundable: Vec<(String, u32)>,
    /// Whether shipping can still be refunded.
    #[serde(default)]
    pub shipping_refundable: bool,
    /// The shopper's return requests, oldest first.
    #[serde(default)]
    pub returns: Vec<ReturnView>,
}

/// One return request, as the merchant and the shopper see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnView {
    pub id: String,
    pub when: String,
    /// "2 × Linen Shirt"
    pub what: String,
    /// (sku, units) asked for, for the merchant's "refund these" form.
    pub lines: Vec<(String, u32)>,
    pub reason: String,
    /// requested | approved | refused | refunded
    pub status: String,
    /// What the shopper reads about the status.
    pub label: String,
    pub note: Option<String>,
}

/// One line refund, as the merchant and the shopper see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundView {
    pub when: String,
    pub amount: String,
    /// "2 × Linen Shirt, shipping"
    pub what: String,
    pub reason: String,
    /// "done", or the step it is at.
    pub state: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLetter {
    pub message_id: String,
    pub order_id: String,
    pub reason: String,
    pub receive_count: u32,
    pub body_preview: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueHealth {
    pub depths: QueueDepths,
    pub dead: Vec<DeadLetter>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoRun {
    pub id: i64,
    pub trigger: String,
    pub status: String,
    pub step: String,
    pub error: Option<String>,
    pub started: String,
    /// Whole run, and per step (export, compute, write, switch), in ms.
    pub total_ms: Option<i64>,
    pub steps_ms: Vec<(String, Option<i64>)>,
    /// (orders, customers, products, pairs, items)
    pub counts: (i64, i64, i64, i64, i64),
}
