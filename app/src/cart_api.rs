//! Server functions for the cart, checkout and order status. The cart id
//! lives in a signed, HttpOnly cookie; a forged or altered cookie is ignored
//! (the shopper gets a fresh, empty cart). Prices always come from the
//! catalog on the server.

use crate::error::AppError;
use crate::model::*;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

mod address;
mod after_sale;
mod codes;
pub use address::*;
#[cfg(feature = "ssr")]
use address::{back_to_checkout, kept_values};
pub use after_sale::*;
pub use codes::*;

#[cfg(feature = "ssr")]
pub mod ssr {
    use crate::error::AppError;
    use crate::model::{CartLineView, CartView};
    use crate::state::AppState;
    use axum::http::header;
    use leptos::prelude::*;
    use shop::orders::cart::PricedCart;

    pub const COOKIE: &str = "sf_cart";

    pub use crate::error::ssr::state;

    pub fn unavailable(e: impl std::fmt::Display) -> AppError {
        crate::error::ssr::shop_unavailable("cart operation", e)
    }

    /// A signed-in shopper's cart, shared by all their devices.
    pub fn user_cart_id(user_id: &domain::UserId) -> String {
        format!("user-{user_id}")
    }

    /// The cart of this request: the account's when signed in, else the one
    /// named by the cookie, if it carries a valid signature.
    pub fn cookie_cart_id(st: &AppState) -> Option<String> {
        if let Some(u) = crate::account::ssr::viewer() {
            return Some(user_cart_id(&u.user_id));
        }
        let parts = use_context::<axum::http::request::Parts>()?;
        crate::cookies::read(&parts.headers, COOKIE).and_then(|v| st.orders.signer.verify(&v))
    }

    /// The cart id, creating one (and its cookie) when there is none.
    pub fn cart_id(st: &AppState) -> String {
        if let Some(id) = cookie_cart_id(st) {
            return id;
        }
        let id = uuid::Uuid::new_v4().simple().to_string();
        let secure = st.public_url.starts_with("https://");
        let cookie = crate::cookies::set(COOKIE, &st.orders.signer.sign(&id), 7 * 86_400, secure);
        if let (Some(resp), Some(v)) = (use_context::<leptos_axum::ResponseOptions>(), cookie) {
            resp.append_header(header::SET_COOKIE, v);
        }
        id
    }

    pub fn view(p: PricedCart) -> CartView {
        CartView {
            lines: p
                .lines
                .into_iter()
                .map(|l| CartLineView {
                    sku: l.sku,
                    slug: l.slug,
                    title: l.title,
                    options: l.options,
                    image: l.image,
                    unit_price: l.unit_price.to_string(),
                    quantity: l.quantity,
                    line_total: l.line_total.to_string(),
                    notice: l.notice,
                    available: l.available,
                })
                .collect(),
            subtotal: p.subtotal.to_string(),
            count: p.count,
            ready: p.ready,
        }
    }

    /// The order's link key opens it; without it only its signed-in owner
    /// or a merchant sees it. Anyone else learns nothing, not even that it
    /// exists.
    pub async fn may_see_order(st: &AppState, id: &domain::OrderId, key: &str) -> Result<bool, AppError> {
        if st.orders.signer.order_key_matches(id.as_str(), key) {
            return Ok(true);
        }
        Ok(match crate::account::ssr::viewer() {
            Some(u) if u.role == domain::account::Role::Merchant => true,
            Some(u) => st.orders.repo.owner(id).await.map_err(unavailable)?.as_deref() == Some(u.user_id.as_str()),
            None => false,
        })
    }

    pub async fn priced(st: &AppState, id: &str) -> Result<CartView, AppError> {
        let cart = st.orders.carts.load(id).await.map_err(unavailable)?;
        let priced = shop::orders::cart::price_cart(&st.catalog, &cart).await.map_err(unavailable)?;
        Ok(view(priced))
    }
}

#[server(input = Json)]
pub async fn cart_count() -> Result<u32, AppError> {
    crate::error::ssr::served(async move {
        let st = ssr::state()?;
        let Some(id) = ssr::cookie_cart_id(&st) else { return Ok(0) };
        Ok(st.orders.carts.load(&id).await.map(|c| c.count()).unwrap_or(0))
    })
    .await
}

#[server(input = Json)]
pub async fn load_cart() -> Result<CartView, AppError> {
    crate::error::ssr::served(async move {
        let st = ssr::state()?;
        match ssr::cookie_cart_id(&st) {
            Some(id) => ssr::priced(&st, &id).await,
            None => Ok(CartView { subtotal: "$0.00".into(), ..Default::default() }),
        }
    })
    .await
}

#[server(input = Json)]
pub async fn add_to_cart(product_id: String, sku: String, quantity: i64) -> Result<CartChange, AppError> {
    crate::error::ssr::served(async move {
        let st = ssr::state()?;
        let product = match st.catalog.product_by_id(&product_id).await.map_err(ssr::unavailable)? {
            Some(p) if p.is_visible() => p,
            _ => return Ok(CartChange::Refused("That product is not available.".into())),
        };
        let Some(variant) = product.variant(&sku) else {
            return Ok(CartChange::Refused("Choose one of the product's options.".into()));
        };
        if variant.stock <= 0 {
            return Ok(CartChange::Refused("Sorry, that option is sold out.".into()));
        }
        let id = ssr::cart_id(&st);
        let mut cart = st.orders.carts.load(&id).await.map_err(ssr::unavailable)?;
        if let Err(why) = cart.add(
            product.id.as_str(),
            variant.sku.as_str(),
            quantity,
            variant.price.minor(),
            shop::orders::cart::new_generation,
        ) {
            return Ok(CartChange::Refused(why));
        }
        st.orders.carts.save(&id, &cart).await.map_err(ssr::unavailable)?;
        Ok(CartChange::Done(ssr::priced(&st, &id).await?))
    })
    .await
}

/// Set a line's quantity (0 removes it).
#[server(input = Json)]
pub async fn update_cart_line(sku: String, quantity: i64) -> Result<CartChange, AppError> {
    crate::error::ssr::served(async move {
        let st = ssr::state()?;
        let Some(id) = ssr::cookie_cart_id(&st) else {
            return Ok(CartChange::Refused("Your cart has expired; add the items again.".into()));
        };
        let mut cart = st.orders.carts.load(&id).await.map_err(ssr::unavailable)?;
        if let Err(why) = cart.set_quantity(&sku, quantity) {
            return Ok(CartChange::Refused(why));
        }
        st.orders.carts.save(&id, &cart).await.map_err(ssr::unavailable)?;
        Ok(CartChange::Done(ssr::priced(&st, &id).await?))
    })
    .await
}

#[server(input = Json)]
pub async fn place_order(input: CheckoutInput) -> Result<CheckoutOutcome, AppError> {
    crate::error::ssr::served(async move {
        use shop::orders::checkout::{CheckoutError, CheckoutForm};
        let st = ssr::state()?;
        let Some(cart_id) = ssr::cookie_cart_id(&st) else {
            return Ok(CheckoutOutcome::Refused("Your cart is empty.".into()));
        };
        let cart = st.orders.carts.load(&cart_id).await.map_err(ssr::unavailable)?;
        let form = CheckoutForm {
            email: input.email,
            address: input.address,
            shipping: input.shipping,
            card_number: input.card_number,
            idempotency_key: input.idempotency_key,
            discount_seen: input.discount_seen,
            user_id: crate::account::ssr::viewer().map(|u| u.user_id),
        };
        let request_id = use_context::<axum::http::request::Parts>()
            .and_then(|p| p.headers.get("x-request-id").and_then(|v| v.to_str().ok()).map(String::from))
            .unwrap_or_default();
        match st.orders.checkout.place(&cart_id, &cart, &form, &request_id).await {
            Ok(order_id) => {
                // Checkout emptied the cart with the order, in one commit.
                let link = st.orders.signer.order_path(order_id.as_str());
                Ok(CheckoutOutcome::Accepted { order_id: order_id.to_string(), link })
            }
            Err(CheckoutError::AlreadyOrdered { order_id }) => {
                // That order took this cart: it is done, whichever tab placed it.
                let _ = st.orders.carts.clear(&cart_id).await;
                let link = st.orders.signer.order_path(order_id.as_str());
                Ok(CheckoutOutcome::AlreadyOrdered { order_id: order_id.to_string(), link })
            }
            Err(CheckoutError::Invalid(fields)) => {
                Ok(CheckoutOutcome::Invalid { fields: fields.into_iter().collect() })
            }
            Err(e) => Ok(CheckoutOutcome::Refused(e.to_string())),
        }
    })
    .await
}

#[server(input = Json)]
pub async fn order_status(id: String, #[server(default)] key: String) -> Result<OrderView, AppError> {
    crate::error::ssr::served(async move {
        let st = ssr::state()?;
        let unknown = OrderView {
            id: id.clone(),
            key: key.clone(),
            state: "unknown".into(),
            reason: None,
            total: None,
            lines: vec![],
        };
        let Ok(order_id) = domain::OrderId::parse(&id) else { return Ok(unknown) };
        if !ssr::may_see_order(&st, &order_id, &key).await? {
            return Ok(unknown);
        }
        match st.orders.repo.get(&order_id).await.map_err(ssr::unavailable)? {
            Some(o) => {
                let (state, reason) = match &o.status {
                    domain::order::OrderStatus::Rejected { reason }
                    | domain::order::OrderStatus::Cancelled { reason } => (o.status.name(), Some(reason.clone())),
                    s => (s.name(), None),
                };
                Ok(OrderView {
                    id,
                    key,
                    state: state.into(),
                    reason,
                    total: Some(o.total.to_string()),
                    lines: o.lines.iter().map(|l| (l.title.clone(), l.quantity, l.unit_price.to_string())).collect(),
                })
            }
            None => {
                // The durable accepted record (the outbox row), never a cache marker.
                let accepted = st.orders.outbox.get(&order_id).await.map_err(ssr::unavailable)?;
                Ok(match accepted {
                    Some(a) => OrderView {
                        state: "pending".into(),
                        total: domain::Currency::parse(&a.currency)
                            .ok()
                            .and_then(|c| domain::Money::new(a.total_minor, c).ok())
                            .map(|m| m.to_string()),
                        ..unknown
                    },
                    None => unknown,
                })
            }
        }
    })
    .await
}

// Without Wasm the same actions arrive as plain form posts (urlencoded, the
// default server-function codec) and answer with a redirect: post, redirect,
// get. Islands intercept the submit and call the JSON functions above.

/// Redirect to `page` (same-origin paths only) with a one-line notice kept
/// for this browser (`crate::forms::Flash`), never in the URL.
#[cfg(feature = "ssr")]
pub(crate) async fn redirect_with_notice(page: &str, notice: &str) {
    use axum::http::header;
    let page = crate::account::same_origin_path(page).unwrap_or("/cart");
    if let (Ok(st), Some(resp)) = (crate::error::ssr::state(), use_context::<leptos_axum::ResponseOptions>()) {
        match st.forms.keep_notice(notice).await {
            Ok(id) => {
                let secure = st.public_url.starts_with("https://");
                if let Some(v) = crate::cookies::set(crate::forms::NOTICE_COOKIE, &id, 600, secure) {
                    resp.append_header(header::SET_COOKIE, v);
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not keep a notice; the page shows none"),
        }
    }
    leptos_axum::redirect(page);
}

/// The buy box's "Add to cart" as a form: to the cart, or back to the
/// product page (`back`) with the reason.
#[server]
pub async fn add_to_cart_form(product_id: String, sku: String, back: String) -> Result<(), AppError> {
    match add_to_cart(product_id, sku, 1).await? {
        CartChange::Done(_) => leptos_axum::redirect("/cart"),
        CartChange::Refused(why) => redirect_with_notice(&back, &why).await,
    }
    Ok(())
}

/// A cart line's quantity (0 removes it) as a form: back to the cart.
#[server]
pub async fn update_cart_line_form(sku: String, quantity: i64) -> Result<(), AppError> {
    match update_cart_line(sku, quantity).await? {
        CartChange::Done(_) => leptos_axum::redirect("/cart"),
        CartChange::Refused(why) => redirect_with_notice("/cart", &why).await,
    }
    Ok(())
}

/// Checkout as a form: to the order's page once accepted; otherwise back to
/// the checkout with what was typed (never the card number) and the errors.
#[allow(clippy::too_many_arguments)] // one argument per form field
#[server]
pub async fn place_order_form(
    email: String,
    name: String,
    line1: String,
    #[server(default)] line2: String,
    city: String,
    postal_code: String,
    country: String,
    #[server(default)] region: String,
    #[server(default)] shipping: String,
    card_number: String,
    idempotency_key: String,
    /// `d:` and the discount the page showed (absent from older pages).
    #[server(default)]
    discount_seen: String,
) -> Result<(), AppError> {
    let address = domain::order::Address { name, line1, line2, city, postal_code, country, region };
    let values = kept_values(&email, &address, &shipping);
    let discount_seen = discount_seen.strip_prefix("d:").map(str::to_string);
    let input = CheckoutInput { email, address, shipping, card_number, idempotency_key, discount_seen };
    let (errors, message) = match place_order(input).await? {
        CheckoutOutcome::Accepted { link, .. } | CheckoutOutcome::AlreadyOrdered { link, .. } => {
            leptos_axum::redirect(&link);
            return Ok(());
        }
        CheckoutOutcome::Invalid { fields } => {
            (fields.into_iter().collect(), Some("Please correct the highlighted fields.".to_string()))
        }
        CheckoutOutcome::Refused(why) => (Default::default(), Some(why)),
    };
    back_to_checkout(crate::forms::FormState { values, errors, message }).await
}
