//! The review form (a plain post from the product page): signed-in buyers
//! only; bad input goes back to the product page with what was typed and
//! one message per field, and changes nothing.

use crate::forms::{back_with_errors, with_notice};
use app::state::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use shop::accounts::session::Viewer;
use shop::reviews::ReviewError;
use std::collections::BTreeMap;

pub async fn submit(
    State(st): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Form(fields): Form<BTreeMap<String, String>>,
) -> Response {
    let field = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let Ok(product_id) = domain::ProductId::parse(&field("product_id")) else {
        return with_notice(&st, "/", "That product does not exist.").await;
    };
    let product = match st.catalog.product_by_id(product_id.as_str()).await {
        Ok(Some(p)) if p.is_visible() => p,
        Ok(_) => return with_notice(&st, "/", "That product does not exist.").await,
        Err(e) => return crate::admin::failed(e),
    };
    let page = format!("/p/{}", product.slug);
    let Some(user) = viewer.0 else {
        return Redirect::to(&format!("/account/sign-in?next={page}")).into_response();
    };
    match st.reviews.submit(&user.user_id, &user.email, &product_id, &field("rating"), &field("body")).await {
        Ok(()) => {
            tracing::info!(product.id = %product_id, user.id = %user.user_id, "review submitted");
            with_notice(&st, &page, "Thank you: your review will appear once the shop approves it.").await
        }
        Err(ReviewError::Invalid(errors)) => back_with_errors(&st, &page, fields, errors, None).await,
        Err(ReviewError::Port(e)) => crate::admin::failed(e),
    }
}
