//! Product page: gallery, the variant panel island, description, SEO tags.

use super::product_ld::product_ld;
use crate::api::load_product;
use crate::components::{request_query, set_status, Breadcrumbs};
use crate::islands::ProductPanel;
use crate::model::{Loaded, PanelData, ProductData};
use crate::pages::not_found::NotFound;
use leptos::prelude::*;
use leptos_meta::{Link, Meta, Title};
use leptos_router::hooks::use_params_map;

#[component]
pub fn ProductPage() -> impl IntoView {
    let slug = use_params_map().with_untracked(|p| p.get("slug")).unwrap_or_default();
    let variant = request_query().into_iter().find(|(k, _)| k == "variant").map(|(_, v)| v);
    let loaded =
        crate::once::Once::new(async move { (crate::forms::current_form().await, load_product(slug, variant).await) });
    view! {
        <crate::forms::Notice />
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {
                move || {
                    let loaded = loaded.get();
                    Suspend::new(async move {
                        let (form, product) = loaded.await;
                        match product {
                            Ok(Loaded::Found(data)) => view! { <ProductView data form /> }.into_any(),
                            Ok(_) => view! { <NotFound /> }.into_any(),
                            Err(e) => {
                                set_status(503);
                                view! { <p class="notice">{e.to_string()}</p> }.into_any()
                            }
                        }
                    })
                }
            }
        </Suspense>
    }
}

#[component]
fn ProductView(data: ProductData, form: crate::forms::FormState) -> impl IntoView {
    let ld = product_ld(&data);
    let p = data.product.clone();
    let canonical = format!("{}/p/{}", data.public_url, p.slug);
    let description: String = p.description.chars().take(160).collect();
    let image = p.images.first().map(|i| format!("{}{}", data.public_url, i.url)).unwrap_or_default();
    let panel = PanelData::from_product(&p, &data.selected);
    let price = p.variant(&data.selected).map(|v| v.price).unwrap_or_else(|| p.min_price());
    view! {
        <Title text=p.title.clone() />
        <Meta name="description" content=description.clone() />
        <Link rel="canonical" href=canonical.clone() />
        <Meta property="og:type" content="product" />
        <Meta property="og:title" content=p.title.clone() />
        <Meta property="og:description" content=description />
        <Meta property="og:url" content=canonical />
        <Meta property="og:image" content=image />
        <Meta property="product:price:amount" content=format!("{:.2}", price.minor() as f64 / 100.0) />
        <Meta property="product:price:currency" content=price.currency().code() />
        <script type="application/ld+json" inner_html=ld></script>
        <Breadcrumbs crumbs=data.crumbs.clone() current=p.title.clone() />
        <article class="product" data-product-id=p.id.to_string()>
            <ProductPanel data=panel title=p.title.clone() brand=p.brand.clone() />
            {(!data.tax_note.is_empty()).then(|| view! { <p class="tax-note muted" data-testid="tax-note">{data.tax_note.clone()}</p> })}
            <crate::wishlist::SaveToWishlist product_id=p.id.to_string() />
            <section class="description">
                <h2>"Details"</h2>
                <p>{p.description.clone()}</p>
                <ul class="tags">{p.tags.iter().map(|t| view! { <li>{t.clone()}</li> }).collect_view()}</ul>
            </section>
        </article>
        <Reviews reviews=data.reviews.clone() product_id=p.id.to_string() slug=p.slug.to_string() form />
        <crate::recommend::BoughtTogether product_id=p.id.to_string() category=p.category.to_string() />
    }
}

fn stars(n: u8) -> String {
    format!("{}{}", "★".repeat(n as usize), "☆".repeat(5 - n.min(5) as usize))
}

/// Approved reviews (text escaped by the view), and the form for a buyer
/// (a plain post to `/reviews`: no Wasm needed).
#[component]
fn Reviews(
    reviews: crate::model::ReviewsView,
    product_id: String,
    slug: String,
    /// A refused review comes back with what was typed and its errors.
    form: crate::forms::FormState,
) -> impl IntoView {
    let summary = match &reviews.average {
        Some(avg) => format!("{avg} out of 5 · {} review{}", reviews.count, if reviews.count == 1 { "" } else { "s" }),
        None => "No reviews yet.".into(),
    };
    let form = match &reviews.viewer {
        None => view! { <p class="hint"><a href=format!("/account/sign-in?next=/p/{slug}")>"Sign in"</a>" to review a product you bought."</p> }.into_any(),
        Some(v) if !v.bought => view! { <p class="hint">"Only shoppers who bought this product can review it."</p> }.into_any(),
        Some(v) => {
            let (mut rating, mut body, status) = v.mine.clone().unwrap_or((5, String::new(), String::new()));
            if !form.values.is_empty() {
                rating = form.value("rating").parse().unwrap_or(rating);
                body = form.value("body");
            }
            let err = |k: &str| form.error(k).map(|m| view! { <p class="field-error" role="alert">{m}</p> });
            let note = match status.as_str() {
                "pending" => Some("Your review waits for the shop's approval."),
                "approved" => Some("Your review is published; changing it sends it back for approval."),
                "rejected" => Some("Your review was not published; you can rewrite it."),
                _ => None,
            };
            view! {
                <form class="review-form" method="post" action="/reviews">
                    <h3>{if v.mine.is_some() { "Your review" } else { "Write a review" }}</h3>
                    {note.map(|n| view! { <p class="hint" data-testid="my-review-state">{n}</p> })}
                    {err("review")}
                    <input type="hidden" name="product_id" value=product_id.clone() />
                    <label for="review-rating">"Rating"</label>
                    <select id="review-rating" name="rating">
                        {(1..=5u8).rev().map(|n| view! { <option value=n.to_string() selected={n == rating}>{format!("{} ({n})", stars(n))}</option> }).collect_view()}
                    </select>
                    {err("rating")}
                    <label for="review-body">"Review"</label>
                    <textarea id="review-body" name="body" rows="4" minlength="10" maxlength="2000" required>{body}</textarea>
                    {err("body")}
                    <button type="submit">"Submit review"</button>
                </form>
            }.into_any()
        }
    };
    view! {
        <section class="reviews" aria-labelledby="reviews-heading" data-testid="reviews">
            <h2 id="reviews-heading">"Reviews"</h2>
            <p class="review-summary" data-testid="review-summary">{summary}</p>
            <ul class="review-list">
                {reviews.items.into_iter().map(|r| view! {
                    <li class="review">
                        <p><span class="stars" aria-label=format!("{} out of 5", r.rating)>{stars(r.rating)}</span>" "<strong>{r.author}</strong>" · "<time>{r.date}</time></p>
                        <p class="review-body">{r.body}</p>
                    </li>
                }).collect_view()}
            </ul>
            {form}
        </section>
    }
}
