//! The pricing engine: given the priced lines, where and how the order
//! ships, and a discount code, what the order charges and why. The checkout
//! page shows it and the server charges it, with this one code (the cart
//! island shows the subtotal the server computed with it too).
//!
//! Order of the computation, with every amount in minor units:
//! 1. subtotal = Σ line totals (catalog prices, never the client's);
//! 2. discount = the benefit of the one promotion that applies (the
//!    shopper's code or an automatic promotion, whichever saves more with
//!    the zone's first method, so every method gets the same one: see
//!    `promo.rs`) on its eligible lines;
//! 3. shipping = the method's price for (subtotal − discount) and the
//!    order's weight (`shipping.rs`), or nothing with free shipping;
//! 4. tax = per line and on shipping, rounded half up per line (`tax.rs`);
//! 5. total = subtotal − discount + shipping (+ tax when prices exclude
//!    it), never below zero.

use crate::money::{Currency, Money, MoneyError};
use crate::promo::{percent_of, Benefit, PromoCode, Promotion, Refusal};
use crate::shipping::Method;
use crate::tax::{tax_on, OrderTax, TaxClass, TaxLine, TaxSettings};
use serde::{Deserialize, Serialize};

/// What an order charges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub subtotal: Money,
    /// Taken off the lines by a code.
    pub discount: Money,
    pub shipping: Money,
    /// All tax, included in the prices or added (see `Quote::tax`).
    pub tax: Money,
    pub total: Money,
}

/// One cart line as the engine sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceLine {
    /// The product's category path (for codes limited to categories).
    pub category: String,
    /// Unit price × quantity.
    pub amount: Money,
    pub quantity: u32,
    /// The line's weight (unit weight × quantity), in grams.
    pub grams: u64,
    pub tax_class: TaxClass,
}

/// Where and how an order ships, as the engine needs it.
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    pub method: &'a Method,
    /// The zone's first method: promotions are compared with it, so every
    /// method shows and charges the same one.
    pub judge: &'a Method,
    pub tax: &'a TaxSettings,
    pub country: &'a str,
    pub region: &'a str,
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

/// The engine's answer: the totals, the promotion it applied, the taxes,
/// and why the shopper's code was not applied when an automatic promotion
/// saved more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    pub totals: Totals,
    pub code: Option<AppliedCode>,
    pub passed_over: Option<String>,
    pub tax: OrderTax,
}

impl Quote {
    /// The discount applied, as the checkout page posts it back to be
    /// compared (`CODE:minor units`, empty without one).
    pub fn discount_token(&self) -> String {
        self.code.as_ref().map(|c| format!("{}:{}", c.code, self.totals.discount.minor())).unwrap_or_default()
    }

    /// The quote an order message was priced with (what it charges).
    pub fn of_message(m: &crate::order::OrderMessage) -> Self {
        let tax = Money::new(m.tax.total_minor(), m.currency).unwrap_or_else(|_| Money::zero(m.currency));
        let totals =
            Totals { subtotal: m.subtotal, discount: m.discount(), shipping: m.shipping_price, tax, total: m.total };
        Self { totals, code: m.code.clone(), passed_over: None, tax: m.tax.clone() }
    }
}

impl Totals {
    /// Price lines with the shopper's code (if any; refused with its
    /// reason when it does not apply) and the shop's automatic promotions,
    /// at `now` (Unix seconds).
    pub fn quote(
        lines: &[PriceLine],
        currency: Currency,
        delivery: Delivery<'_>,
        code: Option<&Promotion>,
        automatic: &[Promotion],
        now: i64,
    ) -> Result<Quote, PriceError> {
        let mut subtotal = Money::zero(currency);
        for l in lines {
            subtotal = subtotal.checked_add(l.amount)?;
        }
        // The winner is judged with the zone's first method, then applied
        // with the chosen one: every method shows and charges the same
        // promotion.
        let judge = Delivery { method: delivery.judge, ..delivery };
        let typed = match code {
            Some(p) => Some((p, apply(p, lines, subtotal, judge, now)?.0)),
            None => None,
        };
        // The automatic promotion saving the most (the first such by name).
        let mut best_auto: Option<(&Promotion, Totals)> = None;
        for p in automatic.iter().filter(|p| p.automatic) {
            if let Ok((t, _, _)) = apply(p, lines, subtotal, judge, now) {
                if best_auto.as_ref().is_none_or(|(_, b)| t.total.minor() < b.total.minor()) {
                    best_auto = Some((p, t));
                }
            }
        }
        let (winner, passed_over) = match (typed, best_auto) {
            (Some((c, t)), Some((a, at))) if at.total.minor() < t.total.minor() => {
                let label = apply(a, lines, subtotal, delivery, now)?.1.label;
                (Some(a), Some(format!("the code {} was not applied: {label} saves you more", c.code)))
            }
            (Some((p, _)), _) | (None, Some((p, _))) => (Some(p), None),
            (None, None) => (None, None),
        };
        Ok(match winner {
            Some(p) => {
                let (totals, code, tax) = apply(p, lines, subtotal, delivery, now)?;
                Quote { totals, code: Some(code), passed_over, tax }
            }
            None => {
                let (totals, tax) = finish(lines, subtotal, Money::zero(currency), false, delivery)?;
                Quote { totals, code: None, passed_over: None, tax }
            }
        })
    }
}

/// The totals and taxes once the discount is known.
fn finish(
    lines: &[PriceLine],
    subtotal: Money,
    discount: Money,
    free_shipping: bool,
    d: Delivery<'_>,
) -> Result<(Totals, OrderTax), MoneyError> {
    let currency = subtotal.currency();
    let after = subtotal.checked_sub(discount)?;
    let grams = lines.iter().map(|l| l.grams).fold(0u64, u64::saturating_add);
    let shipping = if free_shipping { Money::zero(currency) } else { d.method.price(after, grams) };
    let included = d.tax.prices_include_tax;
    let amounts: Vec<Money> = lines.iter().map(|l| l.amount).collect();
    let shares = crate::refund::discount_shares(&amounts, discount);
    let mut tax = OrderTax { included, ..OrderTax::default() };
    let mut add = |label: &str, rate: u32, minor: i64| -> Result<(), MoneyError> {
        let m = Money::new(minor, currency)?;
        match tax.groups.iter_mut().find(|g| g.label == label && g.rate == rate) {
            Some(g) => g.amount = g.amount.checked_add(m)?,
            None => tax.groups.push(TaxLine { label: label.to_string(), rate, amount: m }),
        }
        Ok(())
    };
    let mut line_tax = Vec::with_capacity(lines.len());
    for (l, share) in lines.iter().zip(&shares) {
        let t = match d.tax.rate_for(d.country, d.region, &l.tax_class) {
            Some(r) => {
                let t = tax_on(l.amount.minor() - share, r.rate, included);
                add(&r.label, r.rate, t)?;
                t
            }
            None => 0,
        };
        line_tax.push(t);
    }
    let shipping_tax = match d.tax.rate_for(d.country, d.region, &TaxClass::standard()) {
        Some(r) => {
            let t = tax_on(shipping.minor(), r.rate, included);
            add(&r.label, r.rate, t)?;
            t
        }
        None => 0,
    };
    tax.groups.retain(|g| g.amount.minor() > 0);
    if !tax.groups.is_empty() {
        tax.lines = line_tax;
        tax.shipping = shipping_tax;
    }
    let all = Money::new(tax.total_minor(), currency)?;
    let added = Money::new(tax.added_minor(), currency)?;
    let total = after.checked_add(shipping)?.checked_add(added)?;
    Ok((Totals { subtotal, discount, shipping, tax: all, total }, tax))
}

/// One promotion's totals and taxes for these lines, or why it does not apply.
fn apply(
    p: &Promotion,
    lines: &[PriceLine],
    subtotal: Money,
    delivery: Delivery<'_>,
    now: i64,
) -> Result<(Totals, AppliedCode, OrderTax), PriceError> {
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
    let free = matches!(p.benefit, Benefit::FreeShipping);
    let (totals, tax) = finish(lines, subtotal, discount, free, delivery)?;
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
    Ok((totals, code, tax))
}

mod basket;
pub use basket::Basket;

#[cfg(test)]
mod tests;
