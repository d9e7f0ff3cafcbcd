//! Cancel and refund (stock and payment compensated, audited with the
//! status change; see `shop::orders::reversal`), and refunds of some lines
//! (`shop::orders::refunds`): bad input goes back to the order page beside
//! its fields and refunds nothing.

use super::{failed, Merchant};
use crate::forms::{back_with_errors, with_notice};
use app::state::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::Form;
use shop::orders::admin::{reverse, ManageError, Reversal};
use std::collections::BTreeMap;

async fn run(st: AppState, who: Merchant, id: String, how: Reversal, reason: String) -> Response {
    let Merchant(who) = who;
    let page = format!("/admin/orders/{}", app::components::encode(&id));
    let reason: String = reason.trim().chars().filter(|c| !c.is_control()).take(200).collect();
    let reason = if reason.is_empty() { "no reason given".to_string() } else { reason };
    let Ok(id) = domain::OrderId::parse(&id) else { return with_notice(&st, "/admin/orders", "No such order.").await };
    match reverse(&st.orders.repo, &st.catalog, &st.orders.payments, &id, how, &reason, &who.email).await {
        Ok(_) => {
            let done = if how == Reversal::Cancel { "Order cancelled" } else { "Order refunded" };
            with_notice(&st, &page, &format!("{done}: payment returned and stock restored.")).await
        }
        Err(ManageError::NotFound) => with_notice(&st, "/admin/orders", "No such order.").await,
        Err(e @ (ManageError::WrongState { .. } | ManageError::Payment(_) | ManageError::HasLineRefunds)) => {
            with_notice(&st, &page, &e.to_string()).await
        }
        Err(ManageError::Port(e)) => failed(e),
    }
}

pub async fn cancel(
    who: Merchant,
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form<BTreeMap<String, String>>,
) -> Response {
    run(st, who, id, Reversal::Cancel, f.get("reason").cloned().unwrap_or_default()).await
}

pub async fn refund(who: Merchant, State(st): State<AppState>, Path(id): Path<String>) -> Response {
    run(st, who, id, Reversal::Refund, String::new()).await
}

/// "Refund lines": `qty.<SKU>` and `restock.<SKU>` per line, `shipping`
/// (a checkbox), `reason`, and the form's one-time `key`.
pub async fn refund_lines(
    Merchant(who): Merchant,
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form<BTreeMap<String, String>>,
) -> Response {
    use shop::orders::refunds::{refund_lines, RefundError};
    let page = format!("/admin/orders/{}", app::components::encode(&id));
    let Ok(id) = domain::OrderId::parse(&id) else { return with_notice(&st, "/admin/orders", "No such order.").await };
    let mut lines = Vec::new();
    for (k, qty) in &f {
        if let Some(sku) = k.strip_prefix("qty.") {
            let restock = f.get(&format!("restock.{sku}")).cloned().unwrap_or_default();
            lines.push((sku.to_string(), qty.clone(), restock));
        }
    }
    let ask = domain::refund::RefundAsk {
        key: f.get("key").filter(|v| !v.is_empty()).cloned(),
        return_id: f.get("return_id").filter(|v| !v.is_empty()).cloned(),
        lines,
        shipping: f.get("shipping").is_some_and(|v| v == "on" || v == "1"),
        reason: f.get("reason").cloned().unwrap_or_default(),
    };
    match refund_lines(&st.orders.repo, &st.catalog, &st.orders.payments, &id, &ask, &who.email).await {
        Ok(r) => with_notice(&st, &page, &format!("Refunded {}: the shopper gets an e-mail.", r.plan.amount)).await,
        Err(RefundError::Invalid(errors)) => back_with_errors(&st, &page, f, errors, None).await,
        Err(e @ RefundError::Conflict) => with_notice(&st, &page, &e.to_string()).await,
        Err(RefundError::Manage(ManageError::NotFound)) => with_notice(&st, "/admin/orders", "No such order.").await,
        Err(RefundError::Manage(ManageError::Port(e))) => failed(e),
        Err(RefundError::Manage(e)) => with_notice(&st, &page, &e.to_string()).await,
    }
}
