//! The wishlist page (`/wishlist`) and its forms, and the "tell me when it's
//! back" form of a sold-out variant. Every action is a plain form post to a
//! server function that redirects with a notice (post, redirect, get), so
//! all of it works without Wasm. A signed-in shopper's list is the
//! account's; a guest's is kept with its cart (cookie) and joins the
//! account's at sign-in.

use crate::error::AppError;
use domain::catalog::ProductCard;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use leptos::server_fn::ServerFn;
use leptos_meta::{Meta, Title};

#[cfg(feature = "ssr")]
mod ssr {
    use crate::state::AppState;
    use shop::wishlist::Owner;

    /// Whose list this request reads: the account's, the guest cart's (made
    /// when `create`), or none (a guest with no cart has an empty list).
    pub enum Whose {
        Account(domain::UserId),
        Guest(String),
    }

    impl Whose {
        pub fn of(st: &AppState, create: bool) -> Option<Self> {
            if let Some(u) = crate::account::ssr::viewer() {
                return Some(Self::Account(u.user_id));
            }
            let cart =
                if create { Some(crate::cart_api::ssr::cart_id(st)) } else { crate::cart_api::ssr::cookie_cart_id(st) };
            cart.map(Self::Guest)
        }

        pub fn owner(&self) -> Owner<'_> {
            match self {
                Self::Account(u) => Owner::Account(u),
                Self::Guest(c) => Owner::Guest(c),
            }
        }
    }
}

/// The saved products still sold, newest first.
#[server(input = Json)]
pub async fn load_wishlist() -> Result<Vec<ProductCard>, AppError> {
    crate::error::ssr::served(async move {
        let st = crate::error::ssr::state()?;
        let Some(whose) = ssr::Whose::of(&st, false) else { return Ok(Vec::new()) };
        let ids = st.wishlists.ids(whose.owner()).await.map_err(crate::cart_api::ssr::unavailable)?;
        let mut cards = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(p) = st.catalog.product_by_id(&id).await.map_err(crate::cart_api::ssr::unavailable)? {
                if p.is_visible() {
                    cards.push(ProductCard::from_product(&p));
                }
            }
        }
        Ok(cards)
    })
    .await
}

/// "Save to wishlist" on a product page: back there with a notice.
#[server]
pub async fn save_to_wishlist_form(product_id: String) -> Result<(), AppError> {
    crate::error::ssr::served(async move {
        let st = crate::error::ssr::state()?;
        let product = match domain::ProductId::parse(&product_id) {
            Ok(id) => st.catalog.product_by_id(id.as_str()).await.map_err(crate::cart_api::ssr::unavailable)?,
            Err(_) => None,
        };
        let Some(p) = product.filter(|p| p.is_visible()) else {
            crate::cart_api::redirect_with_notice("/wishlist", "That product is not sold here.").await;
            return Ok(());
        };
        let Some(whose) = ssr::Whose::of(&st, true) else {
            return Err(AppError::Unavailable("Your wishlist is briefly unavailable; please try again.".into()));
        };
        let notice = match st.wishlists.save(whose.owner(), &p.id).await.map_err(crate::cart_api::ssr::unavailable)? {
            Ok(true) => "Saved to your wishlist.".to_string(),
            Ok(false) => "It is already in your wishlist.".to_string(),
            Err(full) => full,
        };
        crate::cart_api::redirect_with_notice(&format!("/p/{}", p.slug), &notice).await;
        Ok(())
    })
    .await
}

/// "Remove" on the wishlist page.
#[server]
pub async fn remove_from_wishlist_form(product_id: String) -> Result<(), AppError> {
    crate::error::ssr::served(async move {
        let st = crate::error::ssr::state()?;
        let removed = match (ssr::Whose::of(&st, false), domain::ProductId::parse(&product_id)) {
            (Some(whose), Ok(id)) => {
                st.wishlists.remove(whose.owner(), &id).await.map_err(crate::cart_api::ssr::unavailable)?
            }
            _ => false,
        };
        let notice = if removed { "Removed from your wishlist." } else { "That product was not in your wishlist." };
        crate::cart_api::redirect_with_notice("/wishlist", notice).await;
        Ok(())
    })
    .await
}

/// "Tell me when it's back" on a sold-out variant: back to the product page
/// with what will happen, or what to correct (nothing is stored then).
#[server]
pub async fn ask_stock_alert_form(product_id: String, sku: String, email: String) -> Result<(), AppError> {
    crate::error::ssr::served(async move {
        use shop::stock_alerts::AlertError;
        let st = crate::error::ssr::state()?;
        let back = match st.catalog.product_by_id(&product_id).await {
            Ok(Some(p)) => format!("/p/{}?variant={}", p.slug, crate::components::encode(&sku)),
            _ => "/".to_string(),
        };
        let notice = match st.stock_alerts.ask(&product_id, &sku, &email).await {
            Ok(()) => "Thank you: we will send you one e-mail when it is back in stock.".to_string(),
            Err(AlertError::Invalid(errors)) => {
                let why = errors.into_values().next().unwrap_or_else(|| "please check the address".into());
                let mut chars = why.chars();
                chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
            }
            Err(AlertError::Port(e)) => return Err(crate::cart_api::ssr::unavailable(e)),
        };
        crate::cart_api::redirect_with_notice(&back, &notice).await;
        Ok(())
    })
    .await
}

/// The form the product page shows under "Save to wishlist".
#[component]
pub fn SaveToWishlist(product_id: String) -> impl IntoView {
    view! {
        <form method="post" action=SaveToWishlistForm::PATH class="wishlist-save">
            <input type="hidden" name="product_id" value=product_id />
            <button type="submit" class="link">"♡ Save to wishlist"</button>
        </form>
    }
}

#[component]
pub fn WishlistPage() -> impl IntoView {
    view! {
        <Title text="Your wishlist" />
        <Meta name="robots" content="noindex" />
        <h1>"Your wishlist"</h1>
        <crate::forms::Notice />
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {let loaded = crate::once::Once::new(load_wishlist());
            move || { let loaded = loaded.get(); Suspend::new(async move {
                match loaded.await {
                    Ok(cards) if cards.is_empty() => view! {
                        <p data-testid="wishlist-empty">"Nothing saved yet. Use “Save to wishlist” on a product to keep it here."</p>
                    }.into_any(),
                    Ok(cards) => view! {
                        <ul class="wishlist" data-testid="wishlist">
                            {cards.into_iter().map(|card| {
                                let id = card.id.clone();
                                view! {
                                    <li class="wishlist-item">
                                        <ul class="grid"><crate::components::ProductCardView card /></ul>
                                        <form method="post" action=RemoveFromWishlistForm::PATH>
                                            <input type="hidden" name="product_id" value=id />
                                            <button type="submit" class="link">"Remove"</button>
                                        </form>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <p class="notice">{e.to_string()}</p> }.into_any(),
                }
            })}}
        </Suspense>
    }
}
