//! The pricing engine: given the priced lines, the shipping method and a
//! discount code, what the order charges and why. The checkout page shows
//! it and the server charges it, with this one code (the cart island shows
//! the subtotal the server computed with it too).
//!
//! Order of the computation, with every amount in minor units:
//! 1. subtotal = Σ line totals (catalog prices, never the client's);
//! 2. discount = the code's benefit on its eligible lines (`promo.rs`);
//! 3. shipping = the method's price for (subtotal − discount), or nothing
//!    with a free-shipping code;
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
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PriceError {
    #[error(transparent)]
    Money(#[from] MoneyError),
    #[error(transparent)]
    Code(#[from] Refusal),
}

/// The engine's answer: the totals, and the code it applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    pub totals: Totals,
    pub code: Option<AppliedCode>,
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

    /// Price lines with an optional code valid at `now` (Unix seconds).
    pub fn quote(
        lines: &[PriceLine],
        currency: Currency,
        method: Shipping,
        promo: Option<&Promotion>,
        now: i64,
    ) -> Result<Quote, PriceError> {
        let mut subtotal = Money::zero(currency);
        let mut eligible = Money::zero(currency);
        for l in lines {
            subtotal = subtotal.checked_add(l.amount)?;
            if promo.is_some_and(|p| p.covers(&l.category)) {
                eligible = eligible.checked_add(l.amount)?;
            }
        }
        let Some(p) = promo else { return Ok(Quote { totals: Self::new(subtotal, method)?, code: None }) };
        p.check(now, subtotal, eligible)?;
        let discount = match p.benefit {
            Benefit::Percent { percent } => percent_of(eligible, percent),
            Benefit::Fixed { minor } => Money::new(minor, currency)?.min(eligible),
            Benefit::FreeShipping => Money::zero(currency),
        };
        let after = subtotal.checked_sub(discount)?;
        let free = matches!(p.benefit, Benefit::FreeShipping);
        let shipping = if free { Money::zero(currency) } else { method.price(after) };
        let totals = Self { subtotal, discount, shipping, total: after.checked_add(shipping)? };
        let code = AppliedCode {
            code: p.code.clone(),
            discount,
            free_shipping: free,
            once_per_customer: p.once_per_customer,
            label: format!("{}: {}", p.code, p.benefit.describe(currency)),
        };
        Ok(Quote { totals, code: Some(code) })
    }
}

#[cfg(test)]
mod tests;
