//! Admin form handlers. Each checks the merchant role itself (`Merchant`
//! extractor: 401 signed out, 403 shopper), changes through the same ports as
//! the storefront, records the change in the audit log, and redirects back.

pub mod images;
mod orders;
mod products;
mod promotions;
mod reviews;
mod rules;

use crate::forms::with_notice;
use app::error::AppError;
use app::state::AppState;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use shop::accounts::session::{SessionUser, Viewer};

/// Largest admin request body (an image upload and the form around it).
pub const MAX_ADMIN_BODY: usize = 8 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/products/save", post(products::save))
        .route("/admin/products/{id}/archive", post(products::archive))
        .route("/admin/promotions/save", post(promotions::save))
        .route("/admin/shipping/save", post(rules::save_zone))
        .route("/admin/shipping/delete", post(rules::delete_zone))
        .route("/admin/taxes/save", post(rules::save_taxes))
        .route("/admin/reviews/moderate", post(reviews::moderate))
        .route("/admin/orders/{id}/cancel", post(orders::cancel))
        .route("/admin/orders/{id}/refund", post(orders::refund))
        .route("/admin/orders/{id}/refund-lines", post(orders::refund_lines))
        .route("/admin/returns/{id}/decide", post(crate::returns::decide_one))
        .route("/admin/queues/redrive", post(redrive_all))
        .route("/admin/queues/redrive/{message_id}", post(redrive_one))
        .route("/admin/recommendations/run", post(run_recommendations))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_ADMIN_BODY))
}

/// A signed-in merchant, or a refusal.
pub struct Merchant(pub SessionUser);

impl<S: Send + Sync> FromRequestParts<S> for Merchant {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Viewer>().and_then(|v| v.0.clone()) {
            Some(u) if u.role == domain::account::Role::Merchant => Ok(Merchant(u)),
            Some(_) => Err(AppError::Forbidden),
            None => Err(AppError::Unauthorized),
        }
    }
}

pub fn failed(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "admin change failed");
    AppError::Unavailable("The change could not be made right now; nothing was changed. Try again.".into())
        .into_response()
}

pub async fn audit(
    st: &AppState,
    who: &SessionUser,
    action: &str,
    target: &str,
    before: Option<String>,
    after: Option<String>,
) {
    if let Err(e) = st.audit.record(&who.email, action, target, before, after).await {
        tracing::error!(error = %e, action, target, "audit log write failed");
    }
}

async fn redrive_all(Merchant(who): Merchant, State(st): State<AppState>) -> Response {
    match st.ops.redrive_all(10_000).await {
        Ok(n) => {
            audit(&st, &who, "queue.redrive_all", "orders-dlq", None, Some(format!("{{\"moved\":{n}}}"))).await;
            with_notice(&st, "/admin/queues", &format!("Moved {n} message(s) back to the order queue.")).await
        }
        Err(e) => failed(e),
    }
}

async fn redrive_one(Merchant(who): Merchant, State(st): State<AppState>, Path(message_id): Path<String>) -> Response {
    if message_id.len() > 200 {
        return AppError::invalid("message_id", "not a message id").into_response();
    }
    match st.ops.redrive_one(&message_id).await {
        Ok(true) => {
            audit(&st, &who, "queue.redrive", &message_id, None, None).await;
            with_notice(&st, "/admin/queues", "Moved the message back to the order queue.").await
        }
        Ok(false) => with_notice(&st, "/admin/queues", "That message is no longer in the dead-letter queue.").await,
        Err(e) => failed(e),
    }
}

/// Run the recommendations job now and wait for it (seconds even at 100,000
/// orders; see the README). A run already in progress is reported, not queued.
async fn run_recommendations(Merchant(who): Merchant, State(st): State<AppState>) -> Response {
    use shop::recommend::{RunError, Trigger};
    let page = "/admin/recommendations";
    match st.recommendations.run_now(Trigger::Admin).await {
        Ok(r) => {
            let after = serde_json::to_string(&r).ok();
            audit(&st, &who, "recommendations.run", &format!("run {}", r.id), None, after).await;
            with_notice(&st, page, &format!("Run {} succeeded: {} orders, {} items written.", r.id, r.orders, r.items))
                .await
        }
        Err(RunError::Failed(r)) => {
            let after = serde_json::to_string(&r).ok();
            audit(&st, &who, "recommendations.run", &format!("run {}", r.id), None, after).await;
            with_notice(
                &st,
                page,
                &format!(
                    "Run {} failed at {} and was compensated; the previous results stay live.",
                    r.id,
                    r.step.as_str()
                ),
            )
            .await
        }
        Err(e @ RunError::Busy { .. }) => with_notice(&st, page, &e.to_string()).await,
        Err(RunError::Port(e)) => failed(e),
    }
}
