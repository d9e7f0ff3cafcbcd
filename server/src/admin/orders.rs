//! Cancel and refund (stock and payment compensated, audited with the
//! status change; see `shop::orders::reversal`).

use super::{failed, Merchant};
use crate::forms::with_notice;
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
        Err(e @ (ManageError::WrongState { .. } | ManageError::Payment(_))) => {
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
