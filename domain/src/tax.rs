//! Taxes: rates per country or region and per product tax class, prices
//! entered with tax included (EU style) or excluded (US style), and the tax
//! lines an order stores. Pure rules; `pricing.rs` applies them.
//!
//! Rules, stated once:
//! - a line's rate is the one for its address's region and its product's
//!   tax class, else for its country and class, else none (0);
//! - shipping is taxed at the address's `standard`-class rate;
//! - tax is computed per line on what the line is paid (its amount less its
//!   share of the discount, `refund::discount_shares`) and rounded half up
//!   to the minor unit, per line;
//! - excluded: tax = paid × rate, added to the total;
//!   included: tax = paid × rate / (1 + rate), already inside the total;
//! - an order's tax lines group the line taxes by label and rate.

use crate::money::Money;
use serde::{Deserialize, Serialize};

/// Rates are in thousandths of a percent: 20% is 20 000, 8.875% is 8 875.
pub const RATE_SCALE: i128 = 100_000;

/// A product's tax class (`standard`, `reduced`, `zero`, …): 1–24
/// lower-case letters, digits and `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TaxClass(String);

crate::text::string_newtype_impls!(TaxClass, String);

impl TaxClass {
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim().to_ascii_lowercase();
        if s.is_empty() || s.len() > 24 || !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err("1 to 24 letters, digits and dashes".into());
        }
        Ok(Self(s))
    }
    pub fn standard() -> Self {
        Self("standard".into())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn is_standard(&self) -> bool {
        self.0 == "standard"
    }
}

impl Default for TaxClass {
    fn default() -> Self {
        Self::standard()
    }
}

/// One rate a merchant set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxRate {
    pub area: crate::shipping::Area,
    pub class: TaxClass,
    /// What the shopper reads: "VAT", "Sales tax".
    pub label: String,
    /// Thousandths of a percent (`RATE_SCALE`).
    pub rate: u32,
}

impl TaxRate {
    /// "20%", "8.875%".
    pub fn percent(&self) -> String {
        percent_text(self.rate)
    }
}

pub fn percent_text(rate: u32) -> String {
    let whole = rate / 1000;
    let frac = rate % 1000;
    if frac == 0 {
        format!("{whole}%")
    } else {
        format!("{whole}.{}%", format!("{frac:03}").trim_end_matches('0'))
    }
}

/// The shop's tax setting and rates.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxSettings {
    /// Catalog prices include tax (EU style, "incl. VAT"); otherwise tax is
    /// added at checkout (US style, "plus tax").
    #[serde(default)]
    pub prices_include_tax: bool,
    #[serde(default)]
    pub rates: Vec<TaxRate>,
}

/// The rate that applies to one class at one address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applied {
    pub label: String,
    pub rate: u32,
}

impl TaxSettings {
    /// The rate for `class` at this address (module rules), if any.
    pub fn rate_for(&self, country: &str, region: &str, class: &TaxClass) -> Option<Applied> {
        let (c, r) = crate::shipping::Area::of(country, region);
        let at = |a: &str| self.rates.iter().find(|x| x.area.as_str() == a && &x.class == class);
        r.as_deref()
            .and_then(at)
            .or_else(|| at(&c))
            .filter(|x| x.rate > 0)
            .map(|x| Applied { label: x.label.clone(), rate: x.rate })
    }
}

/// What a price says of tax, per the shop's setting: EU style "incl. VAT"
/// (the first rate's label), US style "plus tax"; nothing without rates.
pub fn price_note(t: &TaxSettings) -> String {
    match t.rates.iter().find(|r| r.rate > 0) {
        None => String::new(),
        Some(r) if t.prices_include_tax => format!("incl. {}", r.label),
        Some(_) => "plus tax".into(),
    }
}

/// Tax on `paid` at `rate` (module rules), in minor units.
pub fn tax_on(paid: i64, rate: u32, included: bool) -> i64 {
    if paid <= 0 || rate == 0 {
        return 0;
    }
    let (p, r) = (i128::from(paid), i128::from(rate));
    let (num, den) = if included { (p * r, RATE_SCALE + r) } else { (p * r, RATE_SCALE) };
    ((num * 2 + den) / (den * 2)) as i64
}

/// Tax grouped for the shopper and the order: "VAT 20%: €3.33".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxLine {
    pub label: String,
    pub rate: u32,
    pub amount: Money,
}

impl TaxLine {
    pub fn describe(&self) -> String {
        format!("{} {}", self.label, percent_text(self.rate))
    }
}

/// An order's taxes, as charged and stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderTax {
    /// The prices (and so the total) already include these taxes.
    #[serde(default)]
    pub included: bool,
    /// Each order line's tax, in the order's line order (empty: none).
    #[serde(default)]
    pub lines: Vec<i64>,
    /// Shipping's tax, in minor units.
    #[serde(default)]
    pub shipping: i64,
    /// Grouped by label and rate.
    #[serde(default)]
    pub groups: Vec<TaxLine>,
}

impl OrderTax {
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty() && self.lines.is_empty() && self.shipping == 0
    }
    /// All of it, in minor units.
    pub fn total_minor(&self) -> i64 {
        self.groups.iter().map(|g| g.amount.minor()).sum()
    }
    /// What the total adds for tax: nothing when prices include it.
    pub fn added_minor(&self) -> i64 {
        if self.included {
            0
        } else {
            self.total_minor()
        }
    }
    /// Line `i`'s tax (0 past the end: an order without tax lines).
    pub fn line(&self, i: usize) -> i64 {
        self.lines.get(i).copied().unwrap_or(0)
    }
    /// The per-line and shipping taxes add up to the groups, none negative.
    pub fn is_consistent(&self) -> bool {
        let parts: i64 = self.lines.iter().sum::<i64>() + self.shipping;
        self.lines.iter().all(|t| *t >= 0)
            && self.shipping >= 0
            && self.groups.iter().all(|g| g.amount.minor() >= 0)
            && parts == self.total_minor()
    }
}

#[cfg(test)]
mod tests;
