//! Review moderation: approve or hide one review (audited); the product's
//! cached pages follow at once (`shop::reviews::Reviews::moderate`).

use super::{audit, failed, Merchant};
use crate::forms::with_notice;
use app::state::AppState;
use axum::extract::State;
use axum::response::Response;
use axum::Form;
use shop::reviews::ReviewStatus;
use std::collections::BTreeMap;

pub async fn moderate(
    Merchant(who): Merchant,
    State(st): State<AppState>,
    Form(f): Form<BTreeMap<String, String>>,
) -> Response {
    let get = |k: &str| f.get(k).map(String::as_str).unwrap_or("");
    let (Ok(product), Ok(user)) = (domain::ProductId::parse(get("product_id")), domain::UserId::parse(get("user_id")))
    else {
        return with_notice(&st, "/admin/reviews", "No such review.").await;
    };
    let status = match get("action") {
        "approve" => ReviewStatus::Approved,
        "reject" => ReviewStatus::Rejected,
        _ => return with_notice(&st, "/admin/reviews", "Choose approve or hide.").await,
    };
    match st.reviews.moderate(&product, &user, status).await {
        Ok(true) => {
            let target = format!("{product}/{user}");
            audit(&st, &who, &format!("review.{}", status.as_str()), &target, None, None).await;
            let done = if status == ReviewStatus::Approved { "Review approved." } else { "Review hidden." };
            with_notice(&st, "/admin/reviews", done).await
        }
        Ok(false) => with_notice(&st, "/admin/reviews", "No such review.").await,
        Err(e) => failed(e),
    }
}
