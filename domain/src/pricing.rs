//! The pricing engine: given the priced lines, the shipping method and a
//! discount code, what the order charges and why. The checkout page shows
//! it and the server charges it, with this one code (the cart island shows
//! the subtotal the server computed with it too).
//!
//! Order of the computation, with every amount in minor units:
//! 1. subtotal = Σ line totals (catalog prices, never the client's);
//! 2. discount = the benefit of the one promotion that applies (the
//!    shopper's code or an automatic promotion, whichever saves more with
//!    standard shipping, so every method gets the same one: see
//!    `promo.rs`) on its eligible lines;
//! 3. shipping = the method's price for (subtotal − discount), or nothing
//!    with free shipping;
//! 4. total = subtotal − discount + shipping, never below zero.

use crate::money::{Currency, Money, MoneyError};
use crate::order::Shipping;
use crate::promo::{percent_of, Benefit, PromoCode, Promotion, Refusal};
use serde::{Deserialize, Serialize};

/// What an order charges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub subtotal: Money,
    /// Taken off the lines by a code.
    pub discount: Money,
    pub shipping: Money,
    pub total: Money,
}

/// One cart line as the engine sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceLine {
    /// The product's category path (for codes limited to categories).
    pub category: String,
    /// Unit price × quantity.
    pub amount: Money,
    pub quantity: u32,
}

/// A code as applied to one order: it travels in the order message and is
/// stored on the order, so the worker can claim its use and a cancellation
/// can give it back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedCode {
    pub code: PromoCode,
    /// Taken off the lines (0 for free shipping).
    pub discount: Money,
    pub free_shipping: bool,
    pub once_per_customer: bool,
    /// For the shopper: "SUMMER10: 10% off".
    pub label: String,
    /// An automatic promotion: nothing to claim, nothing to give back.
    #[serde(default)]
    pub automatic: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PriceError {
    #[error(transparent)]
    Money(#[from] MoneyError),
    #[error(transparent)]
    Code(#[from] Refusal),
}

/// The engine's answer: the totals, the promotion it applied, and why the
/// shopper's code was not applied when an automatic promotion saved more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    pub totals: Totals,
    pub code: Option<AppliedCode>,
    pub passed_over: Option<String>,
}

impl Quote {
    /// The discount applied, as the checkout page posts it back to be
    /// compared (`CODE:minor units`, empty without one).
    pub fn discount_token(&self) -> String {
        self.code.as_ref().map(|c| format!("{}:{}", c.code, self.totals.discount.minor())).unwrap_or_default()
    }

    /// The quote an order message was priced with (what it charges).
    pub fn of_message(m: &crate::order::OrderMessage) -> Self {
        let totals =
            Totals { subtotal: m.subtotal, discount: m.discount(), shipping: m.shipping_price, total: m.total };
        Self { totals, code: m.code.clone(), passed_over: None }
    }
}

impl Totals {
    /// Totals without a code.
    pub fn new(subtotal: Money, method: Shipping) -> Result<Self, MoneyError> {
        let shipping = method.price(subtotal);
        Ok(Self {
            subtotal,
            discount: Money::zero(subtotal.currency()),
            shipping,
            total: subtotal.checked_add(shipping)?,
        })
    }

    /// Price lines with the shopper's code (if any; refused with its
    /// reason when it does not apply) and the shop's automatic promotions,
    /// at `now` (Unix seconds).
    pub fn quote(
        lines: &[PriceLine],
        currency: Currency,
        method: Shipping,
        code: Option<&Promotion>,
        automatic: &[Promotion],
        now: i64,
    ) -> Result<Quote, PriceError> {
        let mut subtotal = Money::zero(currency);
        for l in lines {
            subtotal = subtotal.checked_add(l.amount)?;
        }
        let plain = Self::new(subtotal, method)?;
        // The winner is judged with standard shipping, then applied with
        // `method`: every method shows and charges the same promotion.
        let judge = Shipping::Standard;
        let typed = match code {
            Some(p) => Some((p, apply(p, lines, subtotal, judge, now)?.0)),
            None => None,
        };
        // The automatic promotion saving the most (the first such by name).
        let mut best_auto: Option<(&Promotion, Totals)> = None;
        for p in automatic.iter().filter(|p| p.automatic) {
            if let Ok((t, _)) = apply(p, lines, subtotal, judge, now) {
                if best_auto.as_ref().is_none_or(|(_, b)| t.total.minor() < b.total.minor()) {
                    best_auto = Some((p, t));
                }
            }
        }
        let (winner, passed_over) = match (typed, best_auto) {
            (Some((c, t)), Some((a, at))) if at.total.minor() < t.total.minor() => {
                let label = apply(a, lines, subtotal, method, now)?.1.label;
                (Some(a), Some(format!("the code {} was not applied: {label} saves you more", c.code)))
            }
            (Some((p, _)), _) | (None, Some((p, _))) => (Some(p), None),
            (None, None) => (None, None),
        };
        Ok(match winner {
            Some(p) => {
                let (totals, code) = apply(p, lines, subtotal, method, now)?;
                Quote { totals, code: Some(code), passed_over }
            }
            None => Quote { totals: plain, code: None, passed_over: None },
        })
    }
}

/// One promotion's totals for these lines, or why it does not apply.
fn apply(
    p: &Promotion,
    lines: &[PriceLine],
    subtotal: Money,
    method: Shipping,
    now: i64,
) -> Result<(Totals, AppliedCode), PriceError> {
    let currency = subtotal.currency();
    let mut eligible = Money::zero(currency);
    let mut items = 0u32;
    for l in lines.iter().filter(|l| p.covers(&l.category)) {
        eligible = eligible.checked_add(l.amount)?;
        items = items.saturating_add(l.quantity);
    }
    p.check(now, subtotal, eligible, items)?;
    let discount = match p.benefit {
        Benefit::Percent { percent } => percent_of(eligible, percent),
        Benefit::Fixed { minor } => Money::new(minor, currency)?.min(eligible),
        Benefit::FreeShipping => Money::zero(currency),
    };
    let after = subtotal.checked_sub(discount)?;
    let free = matches!(p.benefit, Benefit::FreeShipping);
    let shipping = if free { Money::zero(currency) } else { method.price(after) };
    let totals = Totals { subtotal, discount, shipping, total: after.checked_add(shipping)? };
    let label = if p.automatic {
        format!("{}: {} (automatic)", p.code, p.benefit.describe(currency))
    } else {
        format!("{}: {}", p.code, p.benefit.describe(currency))
    };
    let code = AppliedCode {
        code: p.code.clone(),
        discount,
        free_shipping: free,
        once_per_customer: p.once_per_customer && !p.automatic,
        label,
        automatic: p.automatic,
    };
    Ok((totals, code))
}

#[cfg(test)]
mod tests;
