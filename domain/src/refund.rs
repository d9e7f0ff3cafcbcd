//! Partial refunds: which lines (and whether shipping) a merchant gives
//! money back for, and how much. No I/O: the shop's saga
//! (`shop::orders::refunds`) moves the money and the stock.
//!
//! Rules, in minor units:
//! - A line's *paid* amount is its unit price × quantity less its share of
//!   the order's discount. Shares are proportional to the lines' amounts,
//!   rounded down, and the cents left over go to the largest lines first
//!   (ties: the earlier line), so the shares add up to the discount exactly.
//! - Refunding `q` of a line's `Q` units gives back `paid × q / Q` rounded
//!   down, except that the refund taking the line's last units gives back
//!   whatever of `paid` is left: all of a line, in any number of refunds,
//!   is exactly what was paid for it.
//! - Shipping is refunded whole, once.
//! - So everything refunded never exceeds what was captured (the provider
//!   checks it again).

use crate::order::FieldErrors;
use crate::Money;
use serde::{Deserialize, Serialize};

/// Longest reason kept.
pub const MAX_REASON: usize = 500;

/// One order line as paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaidLine {
    pub sku: String,
    pub quantity: u32,
    /// Unit price × quantity, less the line's share of the discount.
    pub paid: Money,
}

/// Split `discount` over lines of `amounts` (see the module rules).
pub fn discount_shares(amounts: &[Money], discount: Money) -> Vec<i64> {
    let total: i128 = amounts.iter().map(|a| i128::from(a.minor())).sum();
    let d = i128::from(discount.minor().max(0));
    if total <= 0 || d == 0 {
        return vec![0; amounts.len()];
    }
    let d = d.min(total);
    let mut shares: Vec<i64> = amounts.iter().map(|a| (i128::from(a.minor()) * d / total) as i64).collect();
    let mut left = d as i64 - shares.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..amounts.len()).collect();
    order.sort_by(|a, b| amounts[*b].minor().cmp(&amounts[*a].minor()).then(a.cmp(b)));
    for i in order.into_iter().cycle() {
        if left == 0 {
            break;
        }
        if shares[i] < amounts[i].minor() {
            shares[i] += 1;
            left -= 1;
        }
    }
    shares
}

/// What was refunded before, per line and for shipping.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refunded {
    /// (sku, quantity, amount in minor units) summed over earlier refunds.
    pub lines: Vec<(String, u32, i64)>,
    pub shipping: bool,
}

impl Refunded {
    fn of(&self, sku: &str) -> (u32, i64) {
        self.lines.iter().filter(|(s, _, _)| s == sku).fold((0, 0), |(q, a), (_, lq, la)| (q + lq, a + la))
    }

    pub fn add(&mut self, plan: &RefundPlan) {
        for l in &plan.lines {
            self.lines.push((l.sku.clone(), l.quantity, l.amount.minor()));
        }
        self.shipping |= plan.shipping.minor() > 0;
    }
}

/// One line of a refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundLine {
    pub sku: String,
    pub quantity: u32,
    /// Units going back into stock (at most `quantity`).
    pub restock: u32,
    pub amount: Money,
}

/// A checked refund: what goes back and how much.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundPlan {
    /// The return request this refund settles, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_id: Option<String>,
    pub lines: Vec<RefundLine>,
    /// The shipping price when it is refunded, else zero.
    pub shipping: Money,
    pub amount: Money,
    pub reason: String,
}

/// What the merchant asked for: per SKU, units to refund and to restock.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefundAsk {
    /// The form's one-time key: a second submission of the same form (a
    /// double click, a retry after a timeout) is the same refund, not another.
    pub key: Option<String>,
    /// The approved return request it settles, if any.
    pub return_id: Option<String>,
    pub lines: Vec<(String, String, String)>,
    pub shipping: bool,
    pub reason: String,
}

fn count(errors: &mut FieldErrors, field: String, raw: &str, max: u32, what: &str) -> u32 {
    let raw = raw.trim();
    if raw.is_empty() {
        return 0;
    }
    match raw.parse::<i64>() {
        Ok(n) if (0..=i64::from(max)).contains(&n) => n as u32,
        Ok(n) if n < 0 => {
            errors.insert(field, "enter 0 or more".into());
            0
        }
        Ok(_) => {
            errors.insert(field, format!("at most {max} {what}"));
            0
        }
        Err(_) => {
            errors.insert(field, "enter a whole number".into());
            0
        }
    }
}

/// Check a refund against the order as paid and what was refunded before.
/// Every problem is a field error (`qty.<sku>`, `restock.<sku>`,
/// `shipping`, `reason`, `refund`), and nothing is refunded then.
pub fn plan(paid: &[PaidLine], shipping: Money, before: &Refunded, ask: &RefundAsk) -> Result<RefundPlan, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut lines = Vec::new();
    let mut amount = Money::zero(shipping.currency());
    for (sku, qty, restock) in &ask.lines {
        let Some(line) = paid.iter().find(|l| &l.sku == sku) else {
            errors.insert(format!("qty.{sku}"), "this order has no such line".into());
            continue;
        };
        let (done_q, done_a) = before.of(sku);
        let left = line.quantity.saturating_sub(done_q);
        let q = count(&mut errors, format!("qty.{sku}"), qty, left, "left to refund");
        let r = count(&mut errors, format!("restock.{sku}"), restock, q, "(no more than refunded)");
        if q == 0 {
            continue;
        }
        let minor = if q == left {
            line.paid.minor() - done_a
        } else {
            (i128::from(line.paid.minor()) * i128::from(q) / i128::from(line.quantity)) as i64
        };
        let Ok(m) = Money::new(minor.max(0), line.paid.currency()) else { continue };
        amount = amount.checked_add(m).unwrap_or(amount);
        lines.push(RefundLine { sku: sku.clone(), quantity: q, restock: r, amount: m });
    }
    let shipping = if ask.shipping {
        if before.shipping {
            errors.insert("shipping".into(), "shipping was refunded already".into());
        }
        shipping
    } else {
        Money::zero(shipping.currency())
    };
    amount = amount.checked_add(shipping).unwrap_or(amount);
    let reason = ask.reason.trim().to_string();
    if reason.is_empty() {
        errors.insert("reason".into(), "say why (the shopper sees it)".into());
    } else if reason.chars().count() > MAX_REASON || reason.chars().any(|c| c.is_control() && c != '\n') {
        errors.insert("reason".into(), format!("plain text, at most {MAX_REASON} characters"));
    }
    if errors.is_empty() && lines.is_empty() && shipping.minor() == 0 {
        errors.insert("refund".into(), "choose at least one unit or the shipping to refund".into());
    }
    if errors.is_empty() {
        Ok(RefundPlan { return_id: ask.return_id.clone(), lines, shipping, amount, reason })
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests;
