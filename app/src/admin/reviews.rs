//! Admin review moderation: reviews waiting for approval, oldest first,
//! each with approve and hide buttons (posted to
//! `server/src/admin/reviews.rs`). Review text is shown escaped.

use super::{denied, AdminFrame};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingReview {
    pub product_id: String,
    pub product: String,
    pub slug: String,
    pub user_id: String,
    pub author: String,
    pub rating: u8,
    pub body: String,
    pub date: String,
}

#[server(input = Json)]
pub async fn admin_reviews() -> Result<Vec<PendingReview>, AppError> {
    crate::error::ssr::served(async move {
        crate::account::ssr::require_merchant()?;
        let st = crate::error::ssr::state()?;
        let failed = |e| crate::error::ssr::unavailable("admin read", e);
        let mut out = Vec::new();
        for r in st.reviews.pending(100).await.map_err(failed)? {
            let p = st.catalog.product_by_id(r.product_id.as_str()).await.map_err(failed)?;
            out.push(PendingReview {
                product: p.as_ref().map(|p| p.title.clone()).unwrap_or_else(|| "(a removed product)".into()),
                slug: p.map(|p| p.slug.to_string()).unwrap_or_default(),
                product_id: r.product_id.to_string(),
                user_id: r.user_id.to_string(),
                author: r.author,
                rating: r.rating.get(),
                body: r.body,
                date: domain::promo::format_day(r.updated_at),
            });
        }
        Ok(out)
    })
    .await
}

#[component]
pub fn AdminReviewsPage() -> impl IntoView {
    view! {
        <AdminFrame title="Reviews">
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {let loaded = crate::once::Once::new(admin_reviews());
                move || { let loaded = loaded.get(); Suspend::new(async move {
                    match loaded.await {
                        Ok(rows) if rows.is_empty() => view! { <p>"No review waits for approval."</p> }.into_any(),
                        Ok(rows) => view! {
                            <table class="data" data-testid="pending-reviews">
                                <thead><tr><th>"Product"</th><th>"By"</th><th>"Rating"</th><th>"Review"</th><th>"Sent"</th><th></th></tr></thead>
                                <tbody>
                                    {rows.into_iter().map(|r| view! {
                                        <tr>
                                            <td><a href=format!("/p/{}", r.slug)>{r.product}</a></td>
                                            <td>{r.author}</td><td>{format!("{} / 5", r.rating)}</td>
                                            <td class="review-body">{r.body}</td><td>{r.date}</td>
                                            <td>
                                                <form method="post" action="/admin/reviews/moderate">
                                                    <input type="hidden" name="product_id" value=r.product_id.clone() />
                                                    <input type="hidden" name="user_id" value=r.user_id.clone() />
                                                    <button type="submit" name="action" value="approve">"Approve"</button>
                                                    " "
                                                    <button type="submit" name="action" value="reject">"Hide"</button>
                                                </form>
                                            </td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                        Err(e) => denied(&e),
                    }
                })}}
            </Suspense>
        </AdminFrame>
    }
}
