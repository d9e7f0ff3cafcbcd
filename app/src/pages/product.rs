//! Product page: gallery, the variant panel island, description, SEO tags.

use crate::api::load_product;
use crate::components::{json_ld, request_query, set_status, Breadcrumbs};
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
    view! {
        <crate::forms::Notice />
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {
                move || {
                    let (slug, variant) = (slug.clone(), variant.clone());
                    Suspend::new(async move {
                        match load_product(slug, variant).await {
                            Ok(Loaded::Found(data)) => view! { <ProductView data /> }.into_any(),
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

fn product_ld(d: &ProductData) -> String {
    let p = &d.product;
    let url = format!("{}/p/{}", d.public_url, p.slug);
    let offers: Vec<serde_json::Value> = p
        .variants
        .iter()
        .map(|v| {
            serde_json::json!({
                "@type": "Offer",
                "sku": v.sku.as_str(),
                "url": format!("{url}?variant={}", v.sku),
                "priceCurrency": v.price.currency().code(),
                "price": format!("{:.2}", v.price.minor() as f64 / 100.0),
                "availability": if v.stock > 0 { "https://schema.org/InStock" } else { "https://schema.org/OutOfStock" },
            })
        })
        .collect();
    let product = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "Product",
        "name": p.title,
        "description": p.description,
        "brand": { "@type": "Brand", "name": p.brand },
        "sku": d.selected,
        "image": p.images.iter().map(|i| format!("{}{}", d.public_url, i.url)).collect::<Vec<_>>(),
        "url": url,
        "offers": offers,
    });
    let mut crumbs: Vec<serde_json::Value> = d
        .crumbs
        .iter()
        .enumerate()
        .map(|(i, c)| serde_json::json!({ "@type": "ListItem", "position": i + 1, "name": c.name, "item": format!("{}{}", d.public_url, c.href()) }))
        .collect();
    crumbs.push(serde_json::json!({ "@type": "ListItem", "position": crumbs.len() + 1, "name": p.title, "item": url }));
    let breadcrumbs =
        serde_json::json!({ "@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": crumbs });
    json_ld(&serde_json::json!([product, breadcrumbs]))
}

#[component]
fn ProductView(data: ProductData) -> impl IntoView {
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
            <section class="description">
                <h2>"Details"</h2>
                <p>{p.description.clone()}</p>
                <ul class="tags">{p.tags.iter().map(|t| view! { <li>{t.clone()}</li> }).collect_view()}</ul>
            </section>
        </article>
        <crate::recommend::BoughtTogether product_id=p.id.to_string() category=p.category.to_string() />
    }
}
