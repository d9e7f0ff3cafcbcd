//! Server functions for catalog pages. Each is also a public POST endpoint,
//! so each validates its input as if it came from anyone.

use crate::error::AppError;
use crate::model::*;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[cfg(feature = "ssr")]
mod ssr {
    use crate::error::AppError;

    pub use crate::error::ssr::state;

    /// Log the detail once; the shopper sees a generic message.
    pub fn unavailable(e: ports::PortError) -> AppError {
        crate::error::ssr::shop_unavailable("catalog read", e)
    }

    /// A product's reviews for this viewer (best effort: without the
    /// database the page shows none rather than failing).
    pub async fn reviews_of(st: &crate::state::AppState, product: &domain::ProductId) -> crate::model::ReviewsView {
        use crate::model::{ReviewItem, ReviewerView, ReviewsView};
        let (summary, items) = match st.reviews.shown(product, 20).await {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!(product.id = %product, error = %e, "reviews not shown");
                return ReviewsView::default();
            }
        };
        let viewer = match crate::account::ssr::viewer() {
            None => None,
            Some(u) => {
                let bought = st.reviews.bought(&u.user_id, product).await.unwrap_or(false);
                let mine = st.reviews.mine(&u.user_id, product).await.ok().flatten();
                Some(ReviewerView {
                    bought,
                    mine: mine.map(|r| (r.rating.get(), r.body, r.status.as_str().to_string())),
                })
            }
        };
        ReviewsView {
            count: summary.count,
            average: summary.average(),
            items: items
                .into_iter()
                .map(|r| ReviewItem {
                    author: r.author,
                    rating: r.rating.get(),
                    body: r.body,
                    date: domain::promo::format_day(r.updated_at),
                })
                .collect(),
            viewer,
        }
    }
}

#[server(input = Json)]
pub async fn load_home() -> Result<HomeData, AppError> {
    crate::error::ssr::served(async move {
        let st = ssr::state()?;
        let all = st.catalog.category("*").await.map_err(ssr::unavailable)?;
        let featured = all
            .iter()
            .filter(|c| c.tags.iter().any(|t| t == "featured") && c.in_stock)
            .take(8)
            .map(|c| (**c).clone())
            .collect();
        let newest = all.iter().take(8).map(|c| (**c).clone()).collect();
        let categories = top_categories(&st).await?;
        Ok(HomeData { featured, newest, categories })
    })
    .await
}

#[cfg(feature = "ssr")]
async fn top_categories(st: &crate::state::AppState) -> Result<Vec<CategoryLink>, AppError> {
    let cats = st.catalog.categories().await.map_err(ssr::unavailable)?;
    Ok(cats.iter().filter(|c| !c.as_str().contains('/')).map(|c| CategoryLink::new(c.as_str())).collect())
}

#[server(input = Json)]
pub async fn load_nav() -> Result<Vec<CategoryLink>, AppError> {
    crate::error::ssr::served(async move { top_categories(&ssr::state()?).await }).await
}

#[server(input = Json)]
pub async fn load_listing(
    category: Option<String>,
    query: Vec<(String, String)>,
) -> Result<Loaded<ListingData>, AppError> {
    crate::error::ssr::served(async move {
        use domain::catalog::{Listing, Sort};
        use domain::CategoryPath;
        let st = ssr::state()?;
        let mut listing = match Listing::parse(&query) {
            Ok(l) => l,
            Err(e) => return Ok(Loaded::BadRequest(e.to_string())),
        };
        let (key, category) = match category.as_deref() {
            None => {
                if !query.iter().any(|(k, _)| k == "sort") && !listing.q.is_empty() {
                    listing.sort = Sort::Relevance;
                }
                ("*".to_string(), None)
            }
            Some(raw) => match CategoryPath::parse(raw) {
                Ok(c) => (c.to_string(), Some(c)),
                Err(_) => return Ok(Loaded::NotFound),
            },
        };
        let cards = st.catalog.category(&key).await.map_err(ssr::unavailable)?;
        let (crumbs, subcategories) = match &category {
            Some(c) => {
                if cards.is_empty() {
                    return Ok(Loaded::NotFound);
                }
                let all = st.catalog.categories().await.map_err(ssr::unavailable)?;
                let prefix = format!("{c}/");
                let subs = all
                    .iter()
                    .filter(|x| x.as_str().strip_prefix(&prefix).is_some_and(|rest| !rest.contains('/')))
                    .map(|x| CategoryLink::new(x.as_str()))
                    .collect();
                (c.ancestors_and_self().iter().map(|a| CategoryLink::new(a.as_str())).collect(), subs)
            }
            None => (Vec::new(), Vec::new()),
        };
        let page = (*st.catalog.list(&key, &listing).await.map_err(ssr::unavailable)?).clone();
        Ok(Loaded::Found(ListingData {
            category: category.map(|c| CategoryLink::new(c.as_str())),
            crumbs,
            subcategories,
            listing,
            page,
        }))
    })
    .await
}

#[server(input = Json)]
pub async fn load_product(slug: String, variant: Option<String>) -> Result<Loaded<ProductData>, AppError> {
    crate::error::ssr::served(async move {
        let st = ssr::state()?;
        if domain::Slug::parse(&slug).is_err() {
            return Ok(Loaded::NotFound);
        }
        let Some(product) = st.catalog.product_by_slug(&slug).await.map_err(ssr::unavailable)? else {
            return Ok(Loaded::NotFound);
        };
        if !product.is_visible() {
            return Ok(Loaded::NotFound);
        }
        let selected = variant
            .and_then(|v| product.variant(&v).map(|v| v.sku.to_string()))
            .or_else(|| product.variants.iter().find(|v| v.stock > 0).map(|v| v.sku.to_string()))
            .or_else(|| product.variants.first().map(|v| v.sku.to_string()))
            .unwrap_or_default();
        let crumbs = product.category.ancestors_and_self().iter().map(|c| CategoryLink::new(c.as_str())).collect();
        let reviews = ssr::reviews_of(&st, &product.id).await;
        let tax_note = match st.catalog.rules().await {
            Ok(rules) => domain::tax::price_note(&rules.tax),
            Err(e) => {
                tracing::warn!(error = %e, "could not read the tax setting; the product page says nothing of tax");
                String::new()
            }
        };
        let public_url = st.public_url.clone();
        Ok(Loaded::Found(ProductData { product, crumbs, selected, public_url, reviews, tax_note }))
    })
    .await
}
