#![recursion_limit = "256"]
//! The storefront UI: one Leptos codebase rendered on the server and
//! hydrated in islands (only interactive parts ship Wasm). Server functions
//! and server-only state live behind the `ssr` feature.

pub mod account;
pub mod admin;
pub mod api;
pub mod cart_api;
pub mod components;
#[cfg(feature = "ssr")]
pub mod cookies;
pub mod error;
pub mod format;
pub mod forms;
pub mod island_scripts;
pub mod islands;
pub mod model;
pub mod once;
pub mod pages;
pub mod recommend;
#[cfg(feature = "ssr")]
pub mod state;
pub mod wishlist;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, Meta, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

/// The HTML document around every page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link id="leptos" rel="stylesheet" href=stylesheet_href(&options) />
                <island_scripts::IslandScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// `/pkg/storefront.<hash>.css`, from cargo-leptos's hash file beside the
/// binary, read once (`island_scripts::hashes`): leptos_meta's
/// `HashedStylesheet` read the file on every render (3% of a rendered
/// product page's CPU, perf).
fn stylesheet_href(options: &LeptosOptions) -> &'static str {
    static HREF: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HREF.get_or_init(|| {
        let name = match island_scripts::hash_of(options, "css") {
            Some(hash) => format!("{}.{hash}", options.output_name),
            None => options.output_name.to_string(),
        };
        format!("/{}/{name}.css", options.site_pkg_dir)
    })
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        // leptos_meta writes <title> text unescaped: escape it here, once for every page.
        <Title formatter=|t: String| if t.is_empty() { "Storefront".to_string() } else { format!("{} · Storefront", components::escape_html(&t)) } />
        <Meta property="og:site_name" content="Storefront" />
        <Link rel="icon" href="/favicon.svg" />
        <Router>
            <Header />
            <main id="main">
                <Routes fallback=pages::not_found::NotFound>
                    <Route path=path!("") view=pages::home::HomePage ssr=SsrMode::Async />
                    <Route path=path!("/c/*path") view=pages::listing::CategoryPage ssr=SsrMode::Async />
                    <Route path=path!("/search") view=pages::listing::SearchPage ssr=SsrMode::Async />
                    <Route path=path!("/p/:slug") view=pages::product::ProductPage ssr=SsrMode::Async />
                    <Route path=path!("/cart") view=pages::shop::CartPage ssr=SsrMode::Async />
                    <Route path=path!("/wishlist") view=wishlist::WishlistPage ssr=SsrMode::Async />
                    <Route path=path!("/checkout") view=pages::shop::CheckoutPage ssr=SsrMode::Async />
                    <Route path=path!("/orders/:id") view=pages::shop::OrderPage ssr=SsrMode::Async />
                    <Route path=path!("/ordering-unavailable") view=pages::shop::OrderingUnavailable />
                    <Route path=path!("/account") view=account::AccountPage ssr=SsrMode::Async />
                    <Route path=path!("/account/sign-in") view=account::SignInPage ssr=SsrMode::Async />
                    <Route path=path!("/account/sign-up") view=account::SignUpPage ssr=SsrMode::Async />
                    <Route path=path!("/account/forgot") view=account::ForgotPage ssr=SsrMode::Async />
                    <Route path=path!("/account/reset") view=account::ResetPage ssr=SsrMode::Async />
                    <Route path=path!("/admin") view=admin::DashboardPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/products") view=admin::AdminProductsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/products/:id") view=admin::AdminProductPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/orders") view=admin::AdminOrdersPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/promotions") view=admin::AdminPromotionsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/reviews") view=admin::AdminReviewsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/promotions/:code") view=admin::AdminPromotionPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/shipping") view=admin::AdminShippingPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/taxes") view=admin::AdminTaxesPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/orders/:id") view=admin::AdminOrderPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/queues") view=admin::QueuesPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/audit") view=admin::AuditPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/recommendations") view=admin::RecommendationsPage ssr=SsrMode::Async />
                </Routes>
            </main>
            <footer class="site-footer">
                <p>"Storefront — built with Leptos and axum."</p>
            </footer>
            <islands::HydrationMark />
        </Router>
    }
}

#[component]
fn Header() -> impl IntoView {
    // As the listing reads it (200 characters), so the page cache's key holds all the box shows.
    let q: String = components::request_query()
        .into_iter()
        .find(|(k, _)| k == "q")
        .map(|(_, v)| v.chars().take(200).collect())
        .unwrap_or_default();
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="site-header">
            <a href="/" class="brand">"Storefront"</a>
            <form class="header-search" role="search" method="get" action="/search">
                <label for="q" class="visually-hidden">"Search products"</label>
                <input id="q" type="search" name="q" placeholder="Search products" value=q maxlength="200" />
                <button type="submit">"Search"</button>
            </form>
            <AccountLink />
            <a href="/wishlist" class="wishlist-link">"Wishlist"</a>
            <a href="/cart" class="cart-link">
                "Cart "
                <islands::CartBadge />
            </a>
            <islands::MenuToggle />
            <nav id="site-nav" class="site-nav" aria-label="Main">
                <Suspense fallback=|| ()>
                    {let nav = once::Once::new(api::load_nav());
                    move || { let nav = nav.get(); Suspend::new(async move {
                        nav
                            .await
                            .unwrap_or_default()
                            .into_iter()
                            .map(|c| { let href = c.href(); view! { <a href=href>{c.name}</a> } })
                            .collect_view()
                    })}}
                </Suspense>
            </nav>
        </header>
    }
}

/// "Sign in", or the account (and admin) links of the signed-in user. Pages
/// of signed-in users bypass the shared page cache, so this never leaks.
#[component]
fn AccountLink() -> impl IntoView {
    #[cfg(feature = "ssr")]
    let who = account::ssr::viewer().map(|u| u.role == domain::account::Role::Merchant);
    #[cfg(not(feature = "ssr"))]
    let who: Option<bool> = None;
    match who {
        None => view! { <a href="/account/sign-in" class="account-link">"Sign in"</a> }.into_any(),
        Some(merchant) => view! {
            <a href="/account" class="account-link">"Account"</a>
            {merchant.then(|| view! { <a href="/admin" class="account-link">"Admin"</a> })}
        }
        .into_any(),
    }
}
