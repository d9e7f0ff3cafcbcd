//! Recommendation widgets: "Bought together" on product pages (else
//! "Popular in <category>"), and on the home page "Recommended for you" for
//! a signed-in shopper with a history, else "Popular right now". Plain
//! server-rendered components, not islands (no Wasm). Each strip comes from
//! a server function; when there is nothing to show, or the
//! recommendations cannot be read, the strip is simply left out.

use crate::components::ProductCardView;
use crate::model::CategoryLink;
use domain::catalog::ProductCard;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// Cards per strip.
pub const SHOWN: usize = 4;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecCard {
    pub card: ProductCard,
    /// Why it is shown: "Because you bought …", "Popular in …".
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecStrip {
    /// `bought-together`, `for-you` or `popular`.
    pub kind: String,
    pub title: String,
    pub items: Vec<RecCard>,
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::{RecCard, SHOWN};
    use crate::state::AppState;
    use domain::catalog::ProductCard;
    use shop::recommend::Rec;

    pub use crate::error::ssr::state;

    /// Logged once here; the page goes on without the strip.
    pub fn skipped(e: ports::PortError) -> Vec<Rec> {
        tracing::warn!(error = %e, "recommendations unavailable; strip left out");
        Vec::new()
    }

    /// Current cards of the recommended products still for sale and in
    /// stock (the catalog may have changed since the run), up to `SHOWN`.
    pub async fn cards(st: &AppState, recs: Vec<Rec>, skip: &str, why: impl Fn(&Rec) -> String) -> Vec<RecCard> {
        let mut out = Vec::new();
        for r in recs.iter().filter(|r| r.product_id != skip) {
            if out.len() >= SHOWN {
                break;
            }
            match st.catalog.product_by_id(&r.product_id).await {
                Ok(Some(p)) if p.is_visible() => {
                    let card = ProductCard::from_product(&p);
                    if card.in_stock {
                        out.push(RecCard { card, why: why(r) });
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "catalog read failed; recommendation skipped");
                    break;
                }
            }
        }
        out
    }
}

pub fn category_name(path: &str) -> String {
    CategoryLink::new(path).name
}

/// "Bought together" for a product page, else "Popular in <its category>".
#[server(input = Json)]
pub async fn load_bought_together(
    product_id: String,
    category: String,
) -> Result<Option<RecStrip>, crate::error::AppError> {
    crate::error::ssr::served(async move {
        let st = ssr::state()?;
        if product_id.is_empty() || product_id.len() > 100 {
            return Ok(None);
        }
        let reco = &st.recommendations;
        let recs = reco.bought_together(&product_id).await.unwrap_or_else(ssr::skipped);
        let items = ssr::cards(&st, recs, &product_id, |_| "Often bought together with this".into()).await;
        if !items.is_empty() {
            return Ok(Some(RecStrip { kind: "bought-together".into(), title: "Bought together".into(), items }));
        }
        let Ok(category) = domain::CategoryPath::parse(&category) else {
            return Ok(None);
        };
        let name = category_name(category.as_str());
        let recs = reco.popular(category.as_str()).await.unwrap_or_else(ssr::skipped);
        let items = ssr::cards(&st, recs, &product_id, |_| format!("Popular in {name}")).await;
        Ok((!items.is_empty()).then(|| RecStrip { kind: "popular".into(), title: format!("Popular in {name}"), items }))
    })
    .await
}

/// "Recommended for you" for a signed-in shopper with a history, else the
/// shop's most popular products (the cold start).
#[server(input = Json)]
pub async fn load_home_recommendations() -> Result<Option<RecStrip>, crate::error::AppError> {
    crate::error::ssr::served(async move {
        let st = ssr::state()?;
        let reco = &st.recommendations;
        if let Some(email) = crate::account::current_email().await {
            let recs = reco.for_you(&email).await.unwrap_or_else(ssr::skipped);
            let items = ssr::cards(&st, recs, "", |r| {
                let what = r.because_title.clone().or_else(|| r.because.clone()).unwrap_or_default();
                format!("Because you bought {what}")
            })
            .await;
            if !items.is_empty() {
                return Ok(Some(RecStrip { kind: "for-you".into(), title: "Recommended for you".into(), items }));
            }
        }
        let recs = reco.popular_everywhere().await.unwrap_or_else(ssr::skipped);
        let items = ssr::cards(&st, recs, "", |r| match &r.because {
            Some(c) => format!("Popular in {}", category_name(c)),
            None => "Popular right now".into(),
        })
        .await;
        Ok((!items.is_empty()).then(|| RecStrip { kind: "popular".into(), title: "Popular right now".into(), items }))
    })
    .await
}

#[component]
pub fn HomeRecommendations() -> impl IntoView {
    view! {
        <Suspense fallback=|| ()>
            {let strip = crate::once::Once::new(load_home_recommendations());
            move || { let strip = strip.get(); Suspend::new(async move {
                strip.await.ok().flatten().map(|strip| view! { <RecStripView strip /> })
            })}}
        </Suspense>
    }
}

#[component]
pub fn BoughtTogether(product_id: String, category: String) -> impl IntoView {
    view! {
        <Suspense fallback=|| ()>
            {let strip = crate::once::Once::new(load_bought_together(product_id, category));
            move || {
                let strip = strip.get();
                Suspend::new(async move {
                    strip.await.ok().flatten().map(|strip| view! { <RecStripView strip /> })
                })
            }}
        </Suspense>
    }
}

#[component]
fn RecStripView(strip: RecStrip) -> impl IntoView {
    let heading = format!("reco-{}", strip.kind);
    view! {
        <section class="recommendations" data-reco=strip.kind.clone() aria-labelledby=heading.clone()>
            <h2 id=heading.clone()>{strip.title}</h2>
            <ul class="grid">
                {strip.items.into_iter().map(|item| view! { <ProductCardView card=item.card why=Some(item.why) /> }).collect_view()}
            </ul>
        </section>
    }
}
