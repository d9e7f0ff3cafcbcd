//! Shipping zones and their methods: where the shop ships and what each
//! method costs. Pure rules, compiled into the server and the Wasm alike;
//! the merchant's admin form is parsed here (`rules.rs`) and the pricing
//! engine (`pricing.rs`) prices the chosen method.
//!
//! Rules, stated once:
//! - a zone covers countries (`DE`) and regions of a country (`US-AK`);
//!   an address belongs to the zone naming its region, else the zone naming
//!   its country, else the zone marked "rest of the world", else to none
//!   (the shop does not ship there);
//! - no area is in two zones, and at most one zone is the rest of the world;
//! - a method costs a flat rate, a base plus a rate per started kilogram of
//!   the order's weight, or the price of the highest subtotal band reached;
//! - "free from" makes a method cost nothing once the subtotal after the
//!   discount reaches it.

use crate::money::Money;
use serde::{Deserialize, Serialize};

/// A method's code as it travels in the order (`standard`, `express-eu`):
/// 1–32 lower-case letters, digits and `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MethodCode(String);

crate::text::string_newtype_impls!(MethodCode, String);

impl MethodCode {
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim().to_ascii_lowercase();
        if s.is_empty() || s.len() > 32 || !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err("1 to 32 letters, digits and dashes".into());
        }
        Ok(Self(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A country (`DE`) or one region of it (`US-AK`), in capitals.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Area(String);

crate::text::string_newtype_impls!(Area, String);

impl Area {
    /// A country of `crate::order::COUNTRIES`, optionally `-REGION` (1–10
    /// letters or digits).
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim().to_ascii_uppercase();
        let (country, region) = match s.split_once('-') {
            Some((c, r)) => (c, Some(r)),
            None => (s.as_str(), None),
        };
        if !crate::order::COUNTRIES.iter().any(|(c, _)| *c == country) {
            return Err(format!("{s}: not a country we know (use codes like US, DE, or US-CA for a region)"));
        }
        if region.is_some_and(|r| r.is_empty() || r.len() > 10 || !r.chars().all(|c| c.is_ascii_alphanumeric())) {
            return Err(format!("{s}: a region is 1 to 10 letters or digits after the dash"));
        }
        Ok(Self(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The area of an address: its country, and its region when it has one.
    pub fn of(country: &str, region: &str) -> (String, Option<String>) {
        let c = country.trim().to_ascii_uppercase();
        let r = region.trim().to_ascii_uppercase();
        let r = (!r.is_empty()).then(|| format!("{c}-{r}"));
        (c, r)
    }
}

/// A subtotal band: from `from_minor` up, the method costs `minor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Band {
    pub from_minor: i64,
    pub minor: i64,
}

/// How a method is priced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Rate {
    Flat {
        minor: i64,
    },
    /// `base_minor` plus `per_kg_minor` for each started kilogram.
    Weight {
        base_minor: i64,
        per_kg_minor: i64,
    },
    /// Sorted by `from_minor`, the first from 0.
    Bands {
        bands: Vec<Band>,
    },
}

/// One way to ship, within a zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Method {
    pub code: MethodCode,
    /// For the shopper: "Standard (3–5 days)".
    pub label: String,
    pub rate: Rate,
    /// Free once the subtotal after the discount reaches this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub free_from_minor: Option<i64>,
}

impl Method {
    /// What shipping costs for an order of `after` (the subtotal less the
    /// discount) weighing `grams`.
    pub fn price(&self, after: Money, grams: u64) -> Money {
        let currency = after.currency();
        if self.free_from_minor.is_some_and(|f| after.minor() >= f) {
            return Money::zero(currency);
        }
        let minor = match &self.rate {
            Rate::Flat { minor } => *minor,
            Rate::Weight { base_minor, per_kg_minor } => {
                let kg = i64::try_from(grams.div_ceil(1000)).unwrap_or(i64::MAX);
                base_minor.saturating_add(per_kg_minor.saturating_mul(kg))
            }
            Rate::Bands { bands } => {
                bands.iter().filter(|b| after.minor() >= b.from_minor).map(|b| b.minor).next_back().unwrap_or(0)
            }
        };
        Money::new(minor, currency).unwrap_or_else(|_| Money::zero(currency))
    }

    /// "$5.95", "$4.00 + $1.50/kg", "$9.95 under $50.00, $4.95 from $50.00",
    /// with ", free from $100.00".
    pub fn describe(&self, currency: crate::money::Currency) -> String {
        let m = |minor: i64| Money::new(minor, currency).map(|m| m.to_string()).unwrap_or_default();
        let rate = match &self.rate {
            Rate::Flat { minor } => m(*minor),
            Rate::Weight { base_minor, per_kg_minor } => format!("{} + {}/kg", m(*base_minor), m(*per_kg_minor)),
            Rate::Bands { bands } => {
                bands.iter().map(|b| format!("{} from {}", m(b.minor), m(b.from_minor))).collect::<Vec<_>>().join(", ")
            }
        };
        match self.free_from_minor {
            Some(f) => format!("{rate}, free from {}", m(f)),
            None => rate,
        }
    }
}

/// A shipping zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Zone {
    pub name: String,
    pub areas: Vec<Area>,
    /// Catches every address no other zone covers.
    #[serde(default)]
    pub rest_of_world: bool,
    pub methods: Vec<Method>,
}

/// The zone an address ships in, if the shop ships there (module rules).
pub fn zone_for<'a>(zones: &'a [Zone], country: &str, region: &str) -> Option<&'a Zone> {
    let (c, r) = Area::of(country, region);
    let names = |z: &&Zone, a: &str| z.areas.iter().any(|x| x.as_str() == a);
    r.as_deref()
        .and_then(|r| zones.iter().find(|z| names(z, r)))
        .or_else(|| zones.iter().find(|z| names(z, &c)))
        .or_else(|| zones.iter().find(|z| z.rest_of_world))
}

/// The zones a shop starts with, which price as this shop always did:
/// everywhere, standard $5.95 (free from $100) and express $15.
pub fn default_zones() -> Vec<Zone> {
    let code = |s: &str| MethodCode(s.to_string());
    vec![Zone {
        name: "Everywhere".into(),
        areas: vec![],
        rest_of_world: true,
        methods: vec![
            Method {
                code: code("standard"),
                label: "Standard (3–5 days)".into(),
                rate: Rate::Flat { minor: 595 },
                free_from_minor: Some(10_000),
            },
            Method {
                code: code("express"),
                label: "Express (1–2 days)".into(),
                rate: Rate::Flat { minor: 1500 },
                free_from_minor: None,
            },
        ],
    }]
}

#[cfg(test)]
mod tests;
