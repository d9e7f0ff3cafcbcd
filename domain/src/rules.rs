//! The shop's shipping zones and tax setting as one document: what the
//! merchant edits on `/admin/shipping` and `/admin/taxes`, what checkout
//! prices with. The admin forms are parsed here, one message per bad field;
//! a document that exists has no overlapping zones and no negative price.

use crate::money::Currency;
use crate::order::FieldErrors;
use crate::promo::parse_amount;
use crate::shipping::{default_zones, zone_for, Area, Band, Method, MethodCode, Rate, Zone};
use crate::tax::{TaxClass, TaxRate, TaxSettings};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Form fields as typed.
pub type Fields = BTreeMap<String, String>;

pub const MAX_ZONES: usize = 50;
pub const MAX_METHODS: usize = 8;
pub const MAX_RATES: usize = 200;

/// Zones and taxes, versioned for edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopRules {
    pub zones: Vec<Zone>,
    #[serde(default)]
    pub tax: TaxSettings,
}

impl Default for ShopRules {
    fn default() -> Self {
        Self { zones: default_zones(), tax: TaxSettings::default() }
    }
}

impl ShopRules {
    /// The zone of an address (`shipping::zone_for`).
    pub fn zone(&self, country: &str, region: &str) -> Option<&Zone> {
        zone_for(&self.zones, country, region)
    }

    /// The method `code` where this address ships.
    pub fn method(&self, country: &str, region: &str, code: &str) -> Option<&Method> {
        self.zone(country, region)?.methods.iter().find(|m| m.code.as_str() == code)
    }

    /// Zone `at` replaced (or added, past the end) by `zone`, or why not.
    pub fn with_zone(&self, at: usize, zone: Zone) -> Result<Self, FieldErrors> {
        let mut next = self.clone();
        if at < next.zones.len() {
            next.zones[at] = zone;
        } else if next.zones.len() >= MAX_ZONES {
            return Err(one("name", format!("at most {MAX_ZONES} zones")));
        } else {
            next.zones.push(zone);
        }
        let taken = overlaps(&next.zones);
        if !taken.is_empty() {
            return Err(taken);
        }
        Ok(next)
    }
}

fn one(k: &str, v: String) -> FieldErrors {
    FieldErrors::from([(k.to_string(), v)])
}

/// Areas named by two zones, and a second "rest of the world".
fn overlaps(zones: &[Zone]) -> FieldErrors {
    let mut errors = FieldErrors::new();
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    let mut world: Option<&str> = None;
    for z in zones {
        for a in &z.areas {
            if let Some(other) = seen.insert(a.as_str(), &z.name) {
                if other != z.name {
                    errors.insert("areas".into(), format!("{a} is already in the zone {other}"));
                } else {
                    errors.insert("areas".into(), format!("{a} is listed twice"));
                }
            }
        }
        if z.rest_of_world {
            if let Some(other) = world.replace(&z.name) {
                errors.insert("rest_of_world".into(), format!("the zone {other} already covers the rest of the world"));
            }
        }
    }
    let mut names = BTreeSet::new();
    for z in zones {
        if !names.insert(z.name.to_lowercase()) {
            errors.insert("name".into(), format!("there is already a zone named {}", z.name));
        }
    }
    errors
}

fn get<'a>(f: &'a Fields, k: &str) -> &'a str {
    f.get(k).map(|v| v.trim()).unwrap_or("")
}

fn label(errors: &mut FieldErrors, field: &str, v: &str, max: usize) -> String {
    if v.is_empty() {
        errors.insert(field.into(), "required".into());
    } else if v.chars().count() > max || v.chars().any(char::is_control) {
        errors.insert(field.into(), format!("at most {max} printable characters"));
    }
    v.to_string()
}

fn amount(errors: &mut FieldErrors, field: &str, v: &str, currency: Currency) -> i64 {
    parse_amount(v, currency).map_err(|e| errors.insert(field.into(), e)).unwrap_or(0)
}

/// A zone from its admin form: `name`, `areas` (comma or space separated),
/// `rest_of_world`, and method rows `m{i}.label`, `.code`, `.kind`
/// (`flat`, `weight`, `bands`), `.price`, `.per_kg`, `.bands`
/// (`0:9.95, 50:4.95`), `.free_from`. A row with no label and no code is
/// empty and skipped.
pub fn zone_from_form(f: &Fields, currency: Currency) -> Result<Zone, FieldErrors> {
    let mut errors = FieldErrors::new();
    let name = label(&mut errors, "name", get(f, "name"), 60);
    let mut areas = Vec::new();
    for a in get(f, "areas").split([',', ' ', '\n']).map(str::trim).filter(|a| !a.is_empty()) {
        match Area::parse(a) {
            Ok(a) => areas.push(a),
            Err(e) => {
                errors.insert("areas".into(), e);
            }
        }
    }
    let rest_of_world = matches!(get(f, "rest_of_world"), "on" | "true" | "1");
    if areas.is_empty() && !rest_of_world && !errors.contains_key("areas") {
        errors.insert("areas".into(), "name at least one country, or make this the rest of the world".into());
    }
    let mut methods: Vec<Method> = Vec::new();
    for i in 0..MAX_METHODS {
        let k = |s: &str| format!("m{i}.{s}");
        let (l, c) = (get(f, &k("label")), get(f, &k("code")));
        if l.is_empty() && c.is_empty() {
            continue;
        }
        let label = label(&mut errors, &k("label"), l, 60);
        let code = MethodCode::parse(c).map_err(|e| errors.insert(k("code"), e)).ok();
        if code.as_ref().is_some_and(|c| methods.iter().any(|m| &m.code == c)) {
            errors.insert(k("code"), "two methods of a zone cannot share a code".into());
        }
        let rate = match get(f, &k("kind")) {
            "flat" => Rate::Flat { minor: amount(&mut errors, &k("price"), get(f, &k("price")), currency) },
            "weight" => Rate::Weight {
                base_minor: amount(&mut errors, &k("price"), get(f, &k("price")), currency),
                per_kg_minor: amount(&mut errors, &k("per_kg"), get(f, &k("per_kg")), currency),
            },
            "bands" => Rate::Bands { bands: bands(&mut errors, &k("bands"), get(f, &k("bands")), currency) },
            _ => {
                errors.insert(k("kind"), "choose how the method is priced".into());
                Rate::Flat { minor: 0 }
            }
        };
        let free_from_minor = match get(f, &k("free_from")) {
            "" => None,
            v => Some(amount(&mut errors, &k("free_from"), v, currency)),
        };
        if let Some(code) = code {
            methods.push(Method { code, label, rate, free_from_minor });
        }
    }
    if methods.is_empty() && errors.is_empty() {
        errors.insert("m0.label".into(), "a zone needs at least one method".into());
    }
    if errors.is_empty() {
        Ok(Zone { name, areas, rest_of_world, methods })
    } else {
        Err(errors)
    }
}

/// `0:9.95, 50:4.95`: from a subtotal of 0, 9.95; from 50, 4.95.
fn bands(errors: &mut FieldErrors, field: &str, v: &str, currency: Currency) -> Vec<Band> {
    let mut out: Vec<Band> = Vec::new();
    for part in v.split([',', '\n']).map(str::trim).filter(|p| !p.is_empty()) {
        let Some((from, price)) = part.split_once(':') else {
            errors.insert(field.into(), "write bands as from:price, like 0:9.95, 50:4.95".into());
            return out;
        };
        match (parse_amount(from, currency), parse_amount(price, currency)) {
            (Ok(from_minor), Ok(minor)) => out.push(Band { from_minor, minor }),
            (Err(e), _) | (_, Err(e)) => {
                errors.insert(field.into(), format!("{part}: {e}"));
                return out;
            }
        }
    }
    out.sort_by_key(|b| b.from_minor);
    if out.first().is_none_or(|b| b.from_minor != 0) {
        errors.insert(field.into(), "the first band starts at 0".into());
    } else if out.windows(2).any(|w| w[0].from_minor == w[1].from_minor) {
        errors.insert(field.into(), "two bands start at the same amount".into());
    }
    out
}

/// The tax form: `prices_include_tax` (`on`/`included`), and rows
/// `r{i}.area`, `.class`, `.label`, `.rate` (a percentage like 20 or
/// 8.875) for `i < rows`. A row with no area is empty and skipped.
pub fn tax_from_form(f: &Fields, rows: usize) -> Result<TaxSettings, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut rates: Vec<TaxRate> = Vec::new();
    for i in 0..rows.min(MAX_RATES) {
        let k = |s: &str| format!("r{i}.{s}");
        if get(f, &k("area")).is_empty() {
            continue;
        }
        let area = Area::parse(get(f, &k("area"))).map_err(|e| errors.insert(k("area"), e)).ok();
        let class = match get(f, &k("class")) {
            "" => Some(TaxClass::standard()),
            c => TaxClass::parse(c).map_err(|e| errors.insert(k("class"), e)).ok(),
        };
        let label = label(&mut errors, &k("label"), get(f, &k("label")), 30);
        let rate = parse_percent(get(f, &k("rate"))).map_err(|e| errors.insert(k("rate"), e)).ok();
        if let (Some(area), Some(class), Some(rate)) = (area, class, rate) {
            if rates.iter().any(|r| r.area == area && r.class == class) {
                errors.insert(k("area"), format!("{area} already has a {class} rate"));
            }
            rates.push(TaxRate { area, class, label, rate });
        }
    }
    let prices_include_tax = matches!(get(f, "prices_include_tax"), "on" | "true" | "included");
    if errors.is_empty() {
        Ok(TaxSettings { prices_include_tax, rates })
    } else {
        Err(errors)
    }
}

/// "20", "8.875", "0" → thousandths of a percent; 0 to 100%.
pub fn parse_percent(s: &str) -> Result<u32, String> {
    let s = s.trim().trim_end_matches('%').trim();
    let bad = || "a percentage from 0 to 100, like 20 or 8.875".to_string();
    if s.starts_with('-') {
        return Err("a rate cannot be negative".into());
    }
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || whole.len() > 3 || frac.len() > 3 || !digits(whole) || !digits(frac) {
        return Err(bad());
    }
    let w: u32 = whole.parse().map_err(|_| bad())?;
    let f: u32 = if frac.is_empty() { 0 } else { format!("{frac:0<3}").parse().map_err(|_| bad())? };
    let rate = w * 1000 + f;
    if rate > 100_000 {
        return Err(bad());
    }
    Ok(rate)
}

#[cfg(test)]
mod tests;
