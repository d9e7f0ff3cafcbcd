//! The cart's discount code: its totals per shipping method for the cart
//! and checkout pages, and applying or removing a code (JSON and as plain
//! forms). Pricing is `shop::orders::codes` over `domain::pricing`.

#[cfg(feature = "ssr")]
use super::redirect_with_notice;
#[cfg(feature = "ssr")]
use super::ssr;
use crate::error::AppError;
use crate::model::*;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// What the cart costs with each shipping method of the zone of `country`
/// and `region` (`destination` reads them), with its discount code (or why
/// the code does not apply) and taxes: for the cart page.
#[server(input = Json)]
pub async fn cart_totals(
    #[server(default)] country: String,
    #[server(default)] region: String,
) -> Result<CheckoutTotals, AppError> {
    Ok(match cart_basket().await? {
        None => CheckoutTotals::default(),
        Some(b) => {
            CheckoutTotals { typed_code: b.typed_code.clone(), ..CheckoutTotals::priced(&b.basket, &country, &region) }
        }
    })
}

/// The cart as the pricing engine takes it, with its code (or why the code
/// is not usable), the automatic promotions and the shop's rules; none for
/// an empty cart. The checkout island prices it for any address.
#[server(input = Json)]
pub async fn cart_basket() -> Result<Option<CheckoutBasket>, AppError> {
    crate::error::ssr::served(async move {
        let st = ssr::state()?;
        let Some(id) = ssr::cookie_cart_id(&st) else { return Ok(None) };
        let cart = st.orders.carts.load(&id).await.map_err(ssr::unavailable)?;
        if cart.lines.is_empty() {
            return Ok(None);
        }
        let rules = st.catalog.rules().await.map_err(ssr::unavailable)?;
        let priced = shop::orders::cart::price_cart(&st.catalog, &cart).await.map_err(ssr::unavailable)?;
        let basket = shop::orders::codes::basket(&st.catalog, &priced, cart.code.as_deref(), &rules)
            .await
            .map_err(ssr::unavailable)?;
        Ok(Some(CheckoutBasket { basket, typed_code: cart.code }))
    })
    .await
}

/// Apply a discount code to the cart: what the code gives ("SAVE10: 10%
/// off"), or why it does not apply (the cart is then unchanged).
#[server(input = Json)]
pub async fn apply_code(code: String) -> Result<Result<String, String>, AppError> {
    crate::error::ssr::served(async move {
        let st = ssr::state()?;
        let Some(id) = ssr::cookie_cart_id(&st) else { return Ok(Err("add something to your cart first".into())) };
        let mut cart = st.orders.carts.load(&id).await.map_err(ssr::unavailable)?;
        if cart.lines.is_empty() {
            return Ok(Err("add something to your cart first".into()));
        }
        let priced = shop::orders::cart::price_cart(&st.catalog, &cart).await.map_err(ssr::unavailable)?;
        // Judged where the shop ships first, with the zone's first method:
        // whether a code applies does not depend on the address.
        let rules = st.catalog.rules().await.map_err(ssr::unavailable)?;
        let Some((zone, method)) = rules.zones.iter().find_map(|z| z.methods.first().map(|m| (z, m))) else {
            return Ok(Err("the shop has no shipping methods yet".into()));
        };
        let (country, region) = (domain::order::COUNTRIES[0].0, "");
        let to = shop::orders::codes::Destination { country, region };
        let delivery = shop::orders::codes::delivery(&rules, zone, method, to);
        let limit = shop::orders::codes::UseCheck::Limit;
        let quoted = shop::orders::codes::quote(&st.catalog, &priced, Some(&code), limit, delivery)
            .await
            .map_err(ssr::unavailable)?;
        Ok(match quoted {
            Ok(q) if q.passed_over.is_some() => Err(q.passed_over.unwrap_or_default()),
            Ok(q) => {
                let (code, label) = q.code.map(|c| (c.code.to_string(), c.label)).unwrap_or_default();
                cart.code = Some(code);
                st.orders.carts.save(&id, &cart).await.map_err(ssr::unavailable)?;
                Ok(label)
            }
            Err(why) => Err(why.to_string()),
        })
    })
    .await
}

/// `apply_code` as a form: back to the cart with a notice saying what the
/// code gives, or why it does not apply.
#[server]
pub async fn apply_code_form(code: String) -> Result<(), AppError> {
    let notice = match apply_code(code).await? {
        Ok(label) => format!("Code applied: {label}."),
        Err(why) => format!("Sorry, {why}."),
    };
    redirect_with_notice("/cart", &notice).await;
    Ok(())
}

/// Take the discount code off the cart, as a form.
#[server]
pub async fn remove_code_form() -> Result<(), AppError> {
    let st = ssr::state()?;
    if let Some(id) = ssr::cookie_cart_id(&st) {
        let mut cart = st.orders.carts.load(&id).await.map_err(ssr::unavailable)?;
        if cart.code.take().is_some() {
            st.orders.carts.save(&id, &cart).await.map_err(ssr::unavailable)?;
        }
    }
    redirect_with_notice("/cart", "Code removed.").await;
    Ok(())
}
