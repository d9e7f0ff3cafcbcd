//! Discount codes: what a merchant defines (parsed from the admin form, one
//! message per bad field) and what a code takes off an order. Pure rules,
//! compiled into the server and the Wasm alike; `pricing.rs` applies them.
//!
//! Rules, stated once:
//! - one discount per order: a code or an automatic promotion, whichever
//!   saves the shopper more (a tie goes to the code they typed); the other
//!   is named as not applied. Discounts do not stack;
//! - an automatic promotion ("spend 100, get 10% off", "buy 3 shirts, get
//!   one free-shipping") needs no code, and has no usage limit or
//!   once-per-customer rule (those need a code to hold them);
//! - a percentage is of the eligible lines' subtotal, rounded half up to
//!   the minor unit; a fixed amount is capped at the eligible subtotal; free
//!   shipping makes the chosen method cost nothing;
//! - the minimum subtotal is checked before the discount;
//! - a code runs from `starts_at` (inclusive) to `ends_at` (exclusive).

use crate::money::{Currency, Money};
use crate::order::FieldErrors;
use crate::text::CategoryPath;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A discount code as shoppers type it: 3–32 letters, digits, `-` or `_`,
/// kept in capitals so `summer10` and `SUMMER10` are one code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PromoCode(String);

crate::text::string_newtype_impls!(PromoCode, String);

impl PromoCode {
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim().to_ascii_uppercase();
        if s.len() < 3 || s.len() > 32 {
            return Err("a code has 3 to 32 characters".into());
        }
        if !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err("letters, digits, - and _ only".into());
        }
        Ok(Self(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a code gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Benefit {
    /// 1–100 % off the eligible lines.
    Percent { percent: u32 },
    /// A fixed amount off the eligible lines (never more than they cost).
    Fixed { minor: i64 },
    /// The chosen shipping method costs nothing.
    FreeShipping,
}

impl Benefit {
    pub fn describe(self, currency: Currency) -> String {
        match self {
            Self::Percent { percent } => format!("{percent}% off"),
            Self::Fixed { minor } => {
                format!("{} off", Money::new(minor, currency).unwrap_or_else(|_| Money::zero(currency)))
            }
            Self::FreeShipping => "free shipping".into(),
        }
    }
}

/// A discount code as the merchant set it up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Promotion {
    pub code: PromoCode,
    pub benefit: Benefit,
    /// Unix seconds; `None` is "from now on" / "no end".
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    /// Minor units of the shop currency the subtotal must reach (0: none).
    pub min_subtotal: i64,
    /// Only lines in these categories (or below them) count; empty: every line.
    pub categories: Vec<CategoryPath>,
    pub once_per_customer: bool,
    /// How many orders may use it in all; `None`: no limit.
    pub usage_limit: Option<u32>,
    pub active: bool,
    /// Applies by itself to every cart that meets its conditions (the
    /// `code` is then only its name, never typed by shoppers).
    #[serde(default)]
    pub automatic: bool,
    /// Eligible items the cart must hold (0: none), e.g. "buy 3 shirts".
    #[serde(default)]
    pub min_quantity: u32,
}

/// Why a code does not apply to this order, in words for the shopper.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the code {0} is not valid")]
    Unknown(String),
    #[error("the code {0} is no longer active")]
    Inactive(String),
    #[error("the code {0} starts later")]
    NotYet(String),
    #[error("the code {0} has expired")]
    Expired(String),
    #[error("the code {code} needs a subtotal of at least {min}")]
    Minimum { code: String, min: Money },
    #[error("the code {code} needs at least {n} eligible items in your cart")]
    Quantity { code: String, n: u32 },
    #[error("the code {0} applies to none of the items in your cart")]
    NothingEligible(String),
    #[error("the code {0} has been used up")]
    UsedUp(String),
    #[error("you have already used the code {0}")]
    UsedBefore(String),
}

impl Promotion {
    /// Whether a product of `category` counts towards this code.
    pub fn covers(&self, category: &str) -> bool {
        self.categories.is_empty()
            || self.categories.iter().any(|c| {
                category == c.as_str() || category.strip_prefix(c.as_str()).is_some_and(|rest| rest.starts_with('/'))
            })
    }

    /// Whether the code may be used at `now` on an order of `subtotal`
    /// whose eligible lines come to `eligible` over `eligible_items` items.
    pub fn check(&self, now: i64, subtotal: Money, eligible: Money, eligible_items: u32) -> Result<(), Refusal> {
        let code = || self.code.to_string();
        if !self.active {
            return Err(Refusal::Inactive(code()));
        }
        if self.starts_at.is_some_and(|s| now < s) {
            return Err(Refusal::NotYet(code()));
        }
        if self.ends_at.is_some_and(|e| now >= e) {
            return Err(Refusal::Expired(code()));
        }
        if subtotal.minor() < self.min_subtotal {
            let min = Money::new(self.min_subtotal, subtotal.currency()).unwrap_or(subtotal);
            return Err(Refusal::Minimum { code: code(), min });
        }
        if eligible_items < self.min_quantity {
            return Err(Refusal::Quantity { code: code(), n: self.min_quantity });
        }
        let no_item = eligible_items == 0 && !self.categories.is_empty();
        if no_item || (eligible.minor() == 0 && !matches!(self.benefit, Benefit::FreeShipping)) {
            return Err(Refusal::NothingEligible(code()));
        }
        Ok(())
    }
}

/// `percent` of `amount`, rounded half up to the minor unit.
pub fn percent_of(amount: Money, percent: u32) -> Money {
    let minor = (i128::from(amount.minor()) * i128::from(percent.min(100)) + 50) / 100;
    Money::new(minor as i64, amount.currency()).unwrap_or(amount).min(amount)
}

/// The admin form's fields, as typed.
pub type PromotionFields = BTreeMap<String, String>;

/// Days as `YYYY-MM-DD` (UTC midnight) → Unix seconds.
pub fn parse_day(s: &str) -> Option<i64> {
    let mut parts = s.trim().splitn(3, '-');
    let (y, m, d): (i64, i64, i64) =
        (parts.next()?.parse().ok()?, parts.next()?.parse().ok()?, parts.next()?.parse().ok()?);
    if !(1970..=9999).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let back = format_day(days * 86_400);
    (back == s.trim()).then_some(days * 86_400)
}

/// Unix seconds → `YYYY-MM-DD` (UTC).
pub fn format_day(secs: i64) -> String {
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// An amount typed in major units (`12`, `12.5`, `12.50`) → minor units.
pub fn parse_amount(s: &str, currency: Currency) -> Result<i64, String> {
    let s = s.trim();
    let bad = || "enter an amount like 12.50".to_string();
    if s.starts_with('-') {
        return Err("must not be negative".into());
    }
    let exp = currency.exponent() as usize;
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() || frac.len() > exp || !whole.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let frac: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<exp$}").parse().map_err(|_| bad())? };
    let minor = whole.checked_mul(10_i64.pow(exp as u32)).and_then(|w| w.checked_add(frac)).ok_or_else(bad)?;
    Money::new(minor, currency).map(|m| m.minor()).map_err(|e| e.to_string())
}

impl Promotion {
    /// The admin form → a promotion, or one message per bad field.
    pub fn from_form(f: &PromotionFields, currency: Currency) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let get = |k: &str| f.get(k).map(|v| v.trim()).unwrap_or("");
        let code = PromoCode::parse(get("code")).map_err(|e| errors.insert("code".into(), e)).ok();
        let value = get("value");
        let benefit = match get("kind") {
            "percent" => match value.parse::<u32>() {
                Ok(p) if (1..=100).contains(&p) => Some(Benefit::Percent { percent: p }),
                _ => {
                    errors.insert("value".into(), "a percentage is a whole number from 1 to 100".into());
                    None
                }
            },
            "fixed" => match parse_amount(value, currency) {
                Ok(0) => {
                    errors.insert("value".into(), "must be more than zero".into());
                    None
                }
                Ok(minor) => Some(Benefit::Fixed { minor }),
                Err(e) => {
                    errors.insert("value".into(), e);
                    None
                }
            },
            "free_shipping" => Some(Benefit::FreeShipping),
            _ => {
                errors.insert("kind".into(), "choose what the code gives".into());
                None
            }
        };
        let mut day = |field: &str| {
            let v = get(field);
            if v.is_empty() {
                return None;
            }
            let parsed = parse_day(v);
            if parsed.is_none() {
                errors.insert(field.into(), "use a date like 2026-12-31".into());
            }
            parsed
        };
        let starts_at = day("starts_on");
        // The end day is included: the code runs until that day ends.
        let ends_at = day("ends_on").map(|d| d + 86_400);
        if let (Some(s), Some(e)) = (starts_at, ends_at) {
            if e <= s {
                errors.insert("ends_on".into(), "the end comes before the start".into());
            }
        }
        let min_subtotal = match get("min_subtotal") {
            "" => 0,
            v => parse_amount(v, currency).map_err(|e| errors.insert("min_subtotal".into(), e)).unwrap_or(0),
        };
        let mut categories = Vec::new();
        for c in get("categories").split([',', '\n']).map(str::trim).filter(|c| !c.is_empty()) {
            match CategoryPath::parse(c) {
                Ok(c) => categories.push(c),
                Err(e) => {
                    errors.insert("categories".into(), format!("{c}: {e}"));
                }
            }
        }
        let usage_limit = match get("usage_limit") {
            "" => None,
            v => match v.parse::<u32>() {
                Ok(n) if (1..=1_000_000).contains(&n) => Some(n),
                _ => {
                    errors
                        .insert("usage_limit".into(), "a whole number from 1 to 1000000, or empty for no limit".into());
                    None
                }
            },
        };
        let min_quantity = match get("min_quantity") {
            "" => 0,
            v => match v.parse::<u32>() {
                Ok(n) if n <= 1_000 => n,
                _ => {
                    errors.insert("min_quantity".into(), "a whole number from 0 to 1000, or empty".into());
                    0
                }
            },
        };
        let on = |k: &str| matches!(get(k), "on" | "true" | "1");
        let automatic = on("automatic");
        if automatic && usage_limit.is_some() {
            errors.insert(
                "usage_limit".into(),
                "an automatic promotion has no usage limit; give it a code instead".into(),
            );
        }
        if automatic && on("once_per_customer") {
            errors.insert(
                "once_per_customer".into(),
                "an automatic promotion applies to everyone; give it a code instead".into(),
            );
        }
        match (code, benefit) {
            (Some(code), Some(benefit)) if errors.is_empty() => Ok(Self {
                code,
                benefit,
                starts_at,
                ends_at,
                min_subtotal,
                categories,
                once_per_customer: on("once_per_customer"),
                usage_limit,
                active: on("active"),
                automatic,
                min_quantity,
            }),
            _ => Err(errors),
        }
    }

    /// The form fields that show this promotion (for editing).
    pub fn to_form(&self, currency: Currency) -> PromotionFields {
        let mut f = PromotionFields::new();
        let (kind, value) = match self.benefit {
            Benefit::Percent { percent } => ("percent", percent.to_string()),
            Benefit::Fixed { minor } => {
                let m = Money::new(minor, currency).unwrap_or_else(|_| Money::zero(currency));
                ("fixed", m.to_string().trim_start_matches(currency.symbol()).to_string())
            }
            Benefit::FreeShipping => ("free_shipping", String::new()),
        };
        f.insert("code".into(), self.code.to_string());
        f.insert("kind".into(), kind.into());
        f.insert("value".into(), value);
        f.insert("starts_on".into(), self.starts_at.map(format_day).unwrap_or_default());
        f.insert("ends_on".into(), self.ends_at.map(|e| format_day(e - 86_400)).unwrap_or_default());
        let min = Money::new(self.min_subtotal, currency).unwrap_or_else(|_| Money::zero(currency));
        let min = if self.min_subtotal == 0 { String::new() } else { min.to_string() };
        f.insert("min_subtotal".into(), min.trim_start_matches(currency.symbol()).to_string());
        let cats: Vec<&str> = self.categories.iter().map(CategoryPath::as_str).collect();
        f.insert("categories".into(), cats.join(", "));
        f.insert("usage_limit".into(), self.usage_limit.map(|n| n.to_string()).unwrap_or_default());
        if self.once_per_customer {
            f.insert("once_per_customer".into(), "on".into());
        }
        if self.active {
            f.insert("active".into(), "on".into());
        }
        if self.automatic {
            f.insert("automatic".into(), "on".into());
        }
        let n = if self.min_quantity == 0 { String::new() } else { self.min_quantity.to_string() };
        f.insert("min_quantity".into(), n);
        f
    }
}

#[cfg(test)]
mod tests;
