//! Category listing (`/c/<path>`) and search (`/search?q=`): one page with
//! filters, facet counts, sort and pagination. Everything works as plain
//! links and GET forms, so it needs no Wasm.

use crate::api::load_listing;
use crate::components::{query_string, request_query, set_status, Breadcrumbs, Pagination, ProductGrid};
use crate::model::{ListingData, Loaded};
use crate::pages::not_found::NotFound;
use domain::catalog::{Listing, Sort};
use leptos::prelude::*;
use leptos_meta::{Link, Meta, Title};
use leptos_router::hooks::use_params_map;

#[component]
pub fn CategoryPage() -> impl IntoView {
    let params = use_params_map();
    let path = params.with_untracked(|p| p.get("path")).unwrap_or_default();
    view! { <ListingPage category=Some(path) /> }
}

#[component]
pub fn SearchPage() -> impl IntoView {
    view! { <ListingPage category=None /> }
}

#[component]
fn ListingPage(category: Option<String>) -> impl IntoView {
    let query = request_query();
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {
                let loaded = crate::once::Once::new(load_listing(category.clone(), query.clone()));
                move || {
                    let loaded = loaded.get();
                    Suspend::new(async move {
                        match loaded.await {
                            Ok(Loaded::Found(data)) => view! { <ListingView data /> }.into_any(),
                            Ok(Loaded::NotFound) => view! { <NotFound /> }.into_any(),
                            Ok(Loaded::BadRequest(why)) => {
                                set_status(400);
                                view! {
                                    <Title text="Bad request" />
                                    <h1>"We could not read that address"</h1>
                                    <p class="error">{why}</p>
                                    <p><a href="/">"Back to the shop"</a></p>
                                }.into_any()
                            }
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
fn ListingView(data: ListingData) -> impl IntoView {
    let ListingData { category, crumbs, subcategories, listing, page } = data;
    let (base, heading, description) = match &category {
        Some(c) => (c.href(), c.name.clone(), format!("Shop {} at Storefront: {} products.", c.name, page.total)),
        None => {
            ("/search".to_string(), format!("Results for “{}”", listing.q), format!("Search results for {}", listing.q))
        }
    };
    let canonical = {
        let mut l = Listing { page: listing.page, page_size: listing.page_size, ..Default::default() };
        l.q = listing.q.clone();
        format!("{base}{}", query_string(&l.to_query()))
    };
    let title = if listing.page > 1 { format!("{heading} – page {}", listing.page) } else { heading.clone() };
    let crumb_title = category.as_ref().map(|_| heading.clone());
    let crumbs_without_self: Vec<_> = crumbs.iter().take(crumbs.len().saturating_sub(1)).cloned().collect();
    let json = breadcrumb_ld(&crumbs);
    let summary = if page.total == 0 { "No products match.".to_string() } else { format!("{} products", page.total) };
    view! {
        <Title text=title />
        <Meta name="description" content=description.clone() />
        <Meta property="og:title" content=heading.clone() />
        <Meta property="og:description" content=description />
        <Meta property="og:type" content="website" />
        <Link rel="canonical" href=canonical />
        {category.is_none().then(|| view! { <Meta name="robots" content="noindex" /> })}
        {(!crumbs.is_empty()).then(|| view! { <script type="application/ld+json" inner_html=json></script> })}
        {category.is_some().then(|| view! { <Breadcrumbs crumbs=crumbs_without_self current=crumb_title.unwrap_or_default() /> })}
        <h1>{heading}</h1>
        {(!subcategories.is_empty()).then(|| view! {
            <ul class="subcategories">
                {subcategories.into_iter().map(|c| { let href = c.href(); view! { <li><a href=href>{c.name}</a></li> } }).collect_view()}
            </ul>
        })}
        <div class="listing">
            <Filters base=base.clone() listing=listing.clone() facets=page.facets.clone() />
            <section aria-label="Products">
                <div class="toolbar">
                    <p class="muted" role="status">{summary}</p>
                </div>
                <ProductGrid cards=page.items />
                {(page.pages > 1).then(|| view! { <Pagination base listing pages=page.pages /> })}
            </section>
        </div>
    }
}

fn breadcrumb_ld(crumbs: &[crate::model::CategoryLink]) -> String {
    let items: Vec<serde_json::Value> = crumbs
        .iter()
        .enumerate()
        .map(|(i, c)| serde_json::json!({ "@type": "ListItem", "position": i + 1, "name": c.name, "item": c.href() }))
        .collect();
    crate::components::json_ld(
        &serde_json::json!({ "@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": items }),
    )
}

#[component]
fn Filters(base: String, listing: Listing, facets: domain::catalog::Facets) -> impl IntoView {
    let sort_opt = move |value: &'static str, label: &'static str, current: Sort| {
        view! { <option value=value selected=current.as_str() == value>{label}</option> }
    };
    let sort = listing.sort;
    let searching = !listing.q.is_empty();
    let q = listing.q.clone();
    let brands = listing.brands.clone();
    let chosen_opts = listing.options.clone();
    let clear = if searching { format!("{base}?q={}", crate::components::encode(&listing.q)) } else { base.clone() };
    view! {
        <form class="filters" method="get" action=base aria-label="Filters">
            {searching.then(|| view! { <input type="hidden" name="q" value=q /> })}
            <fieldset>
                <legend>"Sort"</legend>
                <label for="sort" class="visually-hidden">"Sort by"</label>
                <select id="sort" name="sort">
                    {searching.then(|| sort_opt("relevance", "Best match", sort))}
                    {sort_opt("newest", "Newest", sort)}
                    {sort_opt("price-asc", "Price: low to high", sort)}
                    {sort_opt("price-desc", "Price: high to low", sort)}
                    {sort_opt("rating", "Top rated", sort)}
                </select>
            </fieldset>
            <fieldset>
                <legend>"Price ($)"</legend>
                <div class="range">
                    <label>"Min" <input type="number" name="min" min="0" inputmode="numeric" value=listing.min_price.map(|m| (m / 100).to_string()) /></label>
                    <label>"Max" <input type="number" name="max" min="0" inputmode="numeric" value=listing.max_price.map(|m| (m / 100).to_string()) /></label>
                </div>
            </fieldset>
            <fieldset>
                <legend>"Availability"</legend>
                <label><input type="checkbox" name="in_stock" value="1" checked=listing.in_stock />{format!("In stock ({})", facets.in_stock)}</label>
            </fieldset>
            <fieldset>
                <legend>"Brand"</legend>
                {facets.brands.iter().map(|(b, n)| {
                    let checked = brands.contains(b);
                    view! { <label><input type="checkbox" name="brand" value=b.clone() checked=checked />{format!("{b} ({n})")}</label> }
                }).collect_view()}
            </fieldset>
            {facets.options.iter().map(|(name, values)| {
                let field = format!("opt.{name}");
                view! {
                    <fieldset>
                        <legend>{crate::model::title_case(name)}</legend>
                        {values.iter().map(|(v, n)| {
                            let checked = chosen_opts.iter().any(|(on, ov)| on == name && ov == v);
                            view! { <label><input type="radio" name=field.clone() value=v.clone() checked=checked />{format!("{v} ({n})")}</label> }
                        }).collect_view()}
                    </fieldset>
                }
            }).collect_view()}
            <button class="primary" type="submit">"Apply"</button>
            " "
            <a href=clear>"Clear filters"</a>
        </form>
    }
}
