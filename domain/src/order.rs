//! Checkout input and orders: email, shipping address, shipping method,
//! cart lines and the order message the worker consumes.

use crate::ids::{OrderId, ProductId, UserId};
use crate::money::{Currency, Money};
use crate::text::Sku;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Field name → message, for forms.
pub type FieldErrors = BTreeMap<String, String>;

pub const MAX_QUANTITY: u32 = 20;
pub const MAX_LINES: usize = 50;

/// An e-mail address as typed (trimmed), checked for shape.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

crate::text::string_newtype_impls!(Email, String);
crate::sql::string_column!(Email);

impl Email {
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let Some((local, domain)) = s.split_once('@') else {
            return Err("enter an email address like name@example.com".into());
        };
        let ok = !local.is_empty()
            && local.len() <= 64
            && s.len() <= 254
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !domain.contains('@')
            && s.chars().all(|c| c.is_ascii_graphic());
        if !ok {
            return Err("enter an email address like name@example.com".into());
        }
        Ok(Self(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub const COUNTRIES: &[(&str, &str)] = &[
    ("US", "United States"),
    ("CA", "Canada"),
    ("GB", "United Kingdom"),
    ("DE", "Germany"),
    ("FR", "France"),
    ("ES", "Spain"),
    ("PT", "Portugal"),
    ("IT", "Italy"),
    ("NL", "Netherlands"),
    ("BR", "Brazil"),
    ("JP", "Japan"),
];

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Address {
    pub name: String,
    pub line1: String,
    pub line2: String,
    pub city: String,
    pub postal_code: String,
    pub country: String,
    /// State, province or region code (`CA`, `QC`), optional: zones and
    /// tax rates can name one (`US-CA`).
    #[serde(default)]
    pub region: String,
}

fn text(errors: &mut FieldErrors, field: &str, v: &str, required: bool, max: usize) -> String {
    let t = v.trim();
    if required && t.is_empty() {
        errors.insert(field.into(), "required".into());
    } else if t.chars().count() > max {
        errors.insert(field.into(), format!("at most {max} characters"));
    } else if t.chars().any(char::is_control) {
        errors.insert(field.into(), "contains characters we cannot print on a label".into());
    }
    t.to_string()
}

impl Address {
    /// Check every field, collecting one message per bad field.
    pub fn parse(raw: &Address, errors: &mut FieldErrors) -> Address {
        let a = Address {
            name: text(errors, "name", &raw.name, true, 100),
            line1: text(errors, "line1", &raw.line1, true, 120),
            line2: text(errors, "line2", &raw.line2, false, 120),
            city: text(errors, "city", &raw.city, true, 80),
            postal_code: text(errors, "postal_code", &raw.postal_code, true, 12).to_uppercase(),
            country: raw.country.trim().to_uppercase(),
            region: text(errors, "region", &raw.region, false, 10).to_uppercase(),
        };
        if !a.region.chars().all(|c| c.is_ascii_alphanumeric()) && !errors.contains_key("region") {
            errors.insert("region".into(), "a region code like CA or QC: letters and digits only".into());
        }
        if !COUNTRIES.iter().any(|(c, _)| *c == a.country) {
            errors.insert("country".into(), "choose a country we ship to".into());
        }
        if !errors.contains_key("postal_code")
            && !a.postal_code.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
        {
            errors.insert("postal_code".into(), "letters, digits, spaces and dashes only".into());
        }
        a
    }
}

/// A shipping method's code, as the order carries it (`standard`).
pub use crate::shipping::MethodCode as Shipping;

pub use crate::pricing::Totals;

/// A quantity a shopper may put on one line.
pub fn parse_quantity(q: i64) -> Result<u32, String> {
    if q < 1 {
        return Err("quantity must be at least 1".into());
    }
    if q > i64::from(MAX_QUANTITY) {
        return Err(format!("at most {MAX_QUANTITY} of one item per order"));
    }
    Ok(q as u32)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    pub product_id: ProductId,
    pub sku: Sku,
    pub title: String,
    pub unit_price: Money,
    pub quantity: u32,
}

/// What checkout puts on the queue. Prices are the server's, computed from
/// the catalog at checkout; the client never sends a price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderMessage {
    pub order_id: OrderId,
    pub email: Email,
    pub address: Address,
    pub shipping: Shipping,
    /// The method as the shopper chose it: "Express (1–2 days)".
    #[serde(default)]
    pub shipping_label: String,
    pub lines: Vec<OrderLine>,
    pub currency: Currency,
    pub subtotal: Money,
    pub shipping_price: Money,
    pub total: Money,
    /// Payment authorization to capture (or void) when the order is decided.
    pub payment_auth: String,
    pub created_at: i64,
    pub request_id: String,
    /// The signed-in shopper's account, if any (for order history).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<UserId>,
    /// The discount code applied at checkout, if any: the worker claims one
    /// use of it with the stock, and a rejection or cancellation gives it back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<crate::pricing::AppliedCode>,
    /// The taxes charged, per line and grouped (empty: no tax).
    #[serde(default, skip_serializing_if = "crate::tax::OrderTax::is_empty")]
    pub tax: crate::tax::OrderTax,
}

impl OrderMessage {
    /// What the code took off the lines (zero without one).
    pub fn discount(&self) -> Money {
        self.code.as_ref().map(|c| c.discount).unwrap_or_else(|| Money::zero(self.currency))
    }

    /// The lines, the subtotal, the shipping, the taxes and the total
    /// agree, all in one currency, and nothing is free by accident. A message that fails
    /// this is never confirmed.
    pub fn totals_add_up(&self) -> bool {
        let mut sum = Money::zero(self.currency);
        for l in &self.lines {
            if l.quantity == 0 || l.unit_price.currency() != self.currency {
                return false;
            }
            match l.unit_price.times(l.quantity).and_then(|t| sum.checked_add(t)) {
                Ok(s) => sum = s,
                Err(_) => return false,
            }
        }
        let free_shipping = self.code.as_ref().is_some_and(|c| c.free_shipping);
        let tax = &self.tax;
        let tax_ok = tax.is_consistent()
            && (tax.lines.is_empty() || tax.lines.len() == self.lines.len())
            && tax.groups.iter().all(|g| g.amount.currency() == self.currency);
        let Ok(added) = Money::new(tax.added_minor(), self.currency) else { return false };
        tax_ok
            && sum == self.subtotal
            && self.shipping_price.currency() == self.currency
            && self.total.currency() == self.currency
            && (!free_shipping || self.shipping_price.minor() == 0)
            && sum
                .checked_sub(self.discount())
                .and_then(|after| after.checked_add(self.shipping_price))
                .and_then(|t| t.checked_add(added))
                .is_ok_and(|t| t == self.total)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum OrderStatus {
    /// On the queue, not yet seen by the worker.
    Pending,
    /// Stock reserved and order stored; payment not yet captured.
    Reserved,
    Confirmed,
    Rejected {
        reason: String,
    },
    Cancelled {
        reason: String,
    },
    Refunded,
}

/// Which status an order is in, without its reason: what filters, counts
/// and listings carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StatusKind {
    Pending,
    Reserved,
    Confirmed,
    Rejected,
    Cancelled,
    Refunded,
}

impl StatusKind {
    pub const ALL: [Self; 6] =
        [Self::Pending, Self::Reserved, Self::Confirmed, Self::Rejected, Self::Cancelled, Self::Refunded];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Reserved => "reserved",
            Self::Confirmed => "confirmed",
            Self::Rejected => "rejected",
            Self::Cancelled => "cancelled",
            Self::Refunded => "refunded",
        }
    }

    /// The kind named `s`; None for any other text.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl std::fmt::Display for StatusKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl OrderStatus {
    pub fn kind(&self) -> StatusKind {
        match self {
            Self::Pending => StatusKind::Pending,
            Self::Reserved => StatusKind::Reserved,
            Self::Confirmed => StatusKind::Confirmed,
            Self::Rejected { .. } => StatusKind::Rejected,
            Self::Cancelled { .. } => StatusKind::Cancelled,
            Self::Refunded => StatusKind::Refunded,
        }
    }

    pub fn name(&self) -> &'static str {
        self.kind().as_str()
    }
    pub fn is_final(&self) -> bool {
        !matches!(self, Self::Pending | Self::Reserved)
    }
}

/// Sum line totals; `None` when currencies differ or the sum overflows the cap.
pub fn subtotal(lines: &[OrderLine], currency: Currency) -> Option<Money> {
    lines.iter().try_fold(Money::zero(currency), |acc, l| acc.checked_add(l.unit_price.times(l.quantity).ok()?).ok())
}

/// Luhn check for test card numbers (digits only, 12–19 of them).
pub fn card_number_ok(n: &str) -> bool {
    let digits: Vec<u32> =
        n.chars().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_digit(10).unwrap_or(99)).collect();
    if !(12..=19).contains(&digits.len()) || digits.iter().any(|d| *d > 9) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                *d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests;
