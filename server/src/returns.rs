//! Return requests as plain form posts: the shopper's request from the
//! order page (the order's link key, or its signed-in owner), and the
//! merchant's approve or refuse from the admin order page. Bad input goes
//! back beside its fields and stores nothing.

use crate::admin::{failed, Merchant};
use crate::forms::{back_with_errors, with_notice};
use app::state::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::{Extension, Form};
use shop::accounts::session::Viewer;
use shop::orders::returns::{decide, request, ReturnError};
use std::collections::BTreeMap;

/// `POST /orders/{id}/returns`: `key`, `qty.<SKU>` per line, `reason`.
pub async fn ask(
    State(st): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(f): Form<BTreeMap<String, String>>,
) -> Response {
    let key = f.get("key").cloned().unwrap_or_default();
    let Ok(order_id) = domain::OrderId::parse(&id) else {
        return with_notice(&st, "/", "We do not know this order.").await;
    };
    let owner = match viewer.user() {
        Some(u) => match st.orders.repo.owner(&order_id).await {
            Ok(o) => o.as_deref() == Some(u.user_id.as_str()),
            Err(e) => return failed(e),
        },
        None => false,
    };
    if !owner && !st.orders.signer.order_key_matches(order_id.as_str(), &key) {
        return with_notice(&st, "/", "We do not know this order.").await;
    }
    let page = st.orders.signer.order_path(order_id.as_str());
    let asked: Vec<(String, String)> =
        f.iter().filter_map(|(k, v)| k.strip_prefix("qty.").map(|sku| (sku.to_string(), v.clone()))).collect();
    match request(&st.orders.repo, &order_id, &asked, f.get("reason").map_or("", String::as_str)).await {
        Ok(r) => {
            tracing::info!(order.id = %order_id, return.id = %r.id, "return request received");
            with_notice(&st, &page, "We received your return request and e-mailed you a copy; we will answer soon.")
                .await
        }
        Err(ReturnError::Invalid(errors)) => back_with_errors(&st, &page, f, errors, None).await,
        Err(ReturnError::NotFound) => with_notice(&st, "/", "We do not know this order.").await,
        Err(e @ ReturnError::Decided(_)) => with_notice(&st, &page, &e.to_string()).await,
        Err(ReturnError::Port(e)) => failed(e),
    }
}

/// `POST /admin/returns/{id}/decide`: `action` (approve | refuse), `note`,
/// `order_id` (where to go back to).
pub async fn decide_one(
    Merchant(who): Merchant,
    State(st): State<AppState>,
    Path(rid): Path<String>,
    Form(f): Form<BTreeMap<String, String>>,
) -> Response {
    let get = |k: &str| f.get(k).map(String::as_str).unwrap_or("");
    let page = match domain::OrderId::parse(get("order_id")) {
        Ok(id) => format!("/admin/orders/{id}"),
        Err(_) => "/admin/orders".to_string(),
    };
    let approve = match get("action") {
        "approve" => true,
        "refuse" => false,
        _ => return with_notice(&st, &page, "Choose approve or refuse.").await,
    };
    match decide(&st.orders.repo, &rid, approve, get("note"), &who.email).await {
        Ok(r) => {
            let done = if approve { "approved" } else { "refused" };
            tracing::info!(return.id = %r.id, done, "return request decided");
            with_notice(&st, &page, &format!("Return request {done}: the shopper gets an e-mail.")).await
        }
        Err(e @ (ReturnError::NotFound | ReturnError::Decided(_) | ReturnError::Invalid(_))) => {
            with_notice(&st, &page, &e.to_string()).await
        }
        Err(ReturnError::Port(e)) => failed(e),
    }
}
