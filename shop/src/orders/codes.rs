//! Discount codes at the cart and the checkout: find a code, check it for
//! this cart (and this customer, once known), and price the cart with it
//! through the one pricing engine (`domain::pricing`). The worker's
//! reservation is the hard check of a usage limit; the checks here only
//! spare a shopper an order that would be rejected.

use super::cart::PricedCart;
use crate::catalog::CachedCatalog;
use domain::pricing::{Basket, Delivery, PriceError, PriceLine, Quote, Totals};
use domain::promo::{PromoCode, Promotion, Refusal};
use domain::rules::ShopRules;
use domain::shipping::{Method, Zone};
use ports::PortResult;

/// Which use checks a code gets before the order is placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UseCheck<'a> {
    /// The cart and the checkout page: the usage limit.
    Limit,
    /// Placing an order: the usage limit, and whether this customer (an
    /// e-mail address) used a once-per-customer code already.
    Customer(&'a str),
}

/// The code named `typed`, usable as far as can be told before the order
/// is placed (the worker's reservation is the hard check).
pub async fn find(catalog: &CachedCatalog, typed: &str, uses: UseCheck<'_>) -> PortResult<Result<Promotion, Refusal>> {
    let Ok(code) = PromoCode::parse(typed) else {
        let shown: String = typed.trim().chars().filter(|c| !c.is_control()).take(32).collect();
        return Ok(Err(Refusal::Unknown(shown)));
    };
    let row = catalog.store().promotion(&code).await?;
    // An automatic promotion's name is not a code a shopper can type.
    let Some(row) = row.filter(|r| !r.promotion.automatic) else { return Ok(Err(Refusal::Unknown(code.to_string()))) };
    if row.promotion.usage_limit.is_some_and(|limit| row.used >= i64::from(limit)) {
        return Ok(Err(Refusal::UsedUp(code.to_string())));
    }
    if let UseCheck::Customer(c) = uses {
        if row.promotion.once_per_customer && catalog.store().code_used_by(&code, c).await? {
            return Ok(Err(Refusal::UsedBefore(code.to_string())));
        }
    }
    Ok(Ok(row.promotion))
}

/// The priced lines as the engine sees them.
pub fn price_lines(priced: &PricedCart) -> Vec<PriceLine> {
    priced
        .lines
        .iter()
        .map(|l| PriceLine {
            category: l.category.clone(),
            amount: l.line_total,
            quantity: l.quantity,
            grams: u64::from(l.unit_grams) * u64::from(l.quantity),
            tax_class: l.tax_class.clone(),
        })
        .collect()
}

/// Where an order ships: the address's country and region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Destination<'a> {
    pub country: &'a str,
    pub region: &'a str,
}

/// The engine's view of shipping `method` (of `zone`) to `to`.
pub fn delivery<'a>(rules: &'a ShopRules, zone: &'a Zone, method: &'a Method, to: Destination<'a>) -> Delivery<'a> {
    Delivery {
        method,
        judge: zone.methods.first().unwrap_or(method),
        tax: &rules.tax,
        country: to.country,
        region: to.region,
    }
}

/// The cart priced for `method` with its code, if it has one, and the
/// shop's automatic promotions (the engine applies the one saving most).
pub async fn quote(
    catalog: &CachedCatalog,
    priced: &PricedCart,
    code: Option<&str>,
    uses: UseCheck<'_>,
    delivery: Delivery<'_>,
) -> PortResult<Result<Quote, PriceError>> {
    let promo = match code {
        None => None,
        Some(c) => match find(catalog, c, uses).await? {
            Ok(p) => Some(p),
            Err(refused) => return Ok(Err(refused.into())),
        },
    };
    let automatic = catalog.store().automatic_promotions().await?;
    let currency = priced.subtotal.currency();
    Ok(Totals::quote(&price_lines(priced), currency, delivery, promo.as_ref(), &automatic, ports::clock::now()))
}

/// The cart, its code (if usable as far as can be told before the order:
/// the usage limit) and the shop's automatic promotions and rules, for the
/// engine to price at any address (`Basket::quote_zone`): the checkout
/// page does on the server, and its island again in the browser.
pub async fn basket(
    catalog: &CachedCatalog,
    priced: &PricedCart,
    code: Option<&str>,
    rules: &ShopRules,
) -> PortResult<Basket> {
    let (code, code_refused) = match code {
        None => (None, None),
        Some(c) => match find(catalog, c, UseCheck::Limit).await? {
            Ok(p) => (Some(p), None),
            Err(refused) => (None, Some(refused.to_string())),
        },
    };
    Ok(Basket {
        lines: price_lines(priced),
        currency: priced.subtotal.currency(),
        code,
        code_refused,
        automatic: catalog.store().automatic_promotions().await?,
        rules: rules.clone(),
        now: ports::clock::now(),
    })
}
