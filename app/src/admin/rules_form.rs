//! The stored shipping zones and taxes as the admin forms' fields: the
//! inverse of `domain::rules::zone_from_form` and `tax_from_form`, so a form
//! opened and saved unchanged saves the same rules.

use domain::money::{Currency, Money};
use domain::rules::Fields;
use domain::shipping::{Rate, Zone};
use domain::tax::{percent_text, TaxSettings};

/// "5.95" for 595 cents: what the merchant types, without the symbol.
pub fn amount(minor: i64, currency: Currency) -> String {
    let m = Money::new(minor, currency).unwrap_or_else(|_| Money::zero(currency));
    m.to_string().trim_start_matches(currency.symbol()).to_string()
}

/// A zone's edit form: `name`, `areas`, `rest_of_world`, and one method row each.
pub fn zone_fields(z: &Zone, currency: Currency) -> Fields {
    let mut f = Fields::new();
    f.insert("name".into(), z.name.clone());
    f.insert("areas".into(), z.areas.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(", "));
    if z.rest_of_world {
        f.insert("rest_of_world".into(), "on".into());
    }
    for (i, m) in z.methods.iter().enumerate() {
        let mut put = |k: &str, v: String| f.insert(format!("m{i}.{k}"), v);
        put("label", m.label.clone());
        put("code", m.code.to_string());
        match &m.rate {
            Rate::Flat { minor } => {
                put("kind", "flat".into());
                put("price", amount(*minor, currency));
            }
            Rate::Weight { base_minor, per_kg_minor } => {
                put("kind", "weight".into());
                put("price", amount(*base_minor, currency));
                put("per_kg", amount(*per_kg_minor, currency));
            }
            Rate::Bands { bands } => {
                put("kind", "bands".into());
                let text: Vec<String> = bands
                    .iter()
                    .map(|b| format!("{}:{}", amount(b.from_minor, currency), amount(b.minor, currency)))
                    .collect();
                put("bands", text.join(", "));
            }
        }
        put("free_from", m.free_from_minor.map(|f| amount(f, currency)).unwrap_or_default());
    }
    f
}

/// The tax form: `prices_include_tax` (`included` or `excluded`) and one
/// rate row each (`r{i}.area`, `.class`, `.label`, `.rate` in percent).
pub fn tax_fields(t: &TaxSettings) -> Fields {
    let mut f = Fields::new();
    f.insert("prices_include_tax".into(), if t.prices_include_tax { "included" } else { "excluded" }.into());
    for (i, r) in t.rates.iter().enumerate() {
        f.insert(format!("r{i}.area"), r.area.to_string());
        f.insert(format!("r{i}.class"), r.class.to_string());
        f.insert(format!("r{i}.label"), r.label.clone());
        f.insert(format!("r{i}.rate"), percent_text(r.rate).trim_end_matches('%').to_string());
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::rules::{tax_from_form, zone_from_form, MAX_RATES};
    use domain::shipping::default_zones;

    #[test]
    fn a_zone_opened_and_saved_unchanged_is_the_same_zone() {
        let mut zone = default_zones().remove(0);
        let mut fields = zone_fields(&zone, Currency::Usd);
        fields.insert("m1.kind".into(), "weight".into());
        fields.insert("m1.per_kg".into(), "1.50".into());
        fields.insert("m2.label".into(), "Banded".into());
        fields.insert("m2.code".into(), "banded".into());
        fields.insert("m2.kind".into(), "bands".into());
        fields.insert("m2.bands".into(), "50:4.95, 0:9.95".into());
        zone = zone_from_form(&fields, Currency::Usd).unwrap();
        let again = zone_from_form(&zone_fields(&zone, Currency::Usd), Currency::Usd).unwrap();
        assert_eq!(again, zone);
        assert_eq!(zone_fields(&zone, Currency::Usd)["m2.bands"], "0.00:9.95, 50.00:4.95");
    }

    #[test]
    fn tax_rates_opened_and_saved_unchanged_are_the_same_rates() {
        let mut f = Fields::new();
        f.insert("prices_include_tax".into(), "included".into());
        for (i, (area, rate)) in [("DE", "19"), ("US-NY", "8.875")].into_iter().enumerate() {
            f.insert(format!("r{i}.area"), area.into());
            f.insert(format!("r{i}.label"), "Tax".into());
            f.insert(format!("r{i}.rate"), rate.into());
        }
        let tax = tax_from_form(&f, MAX_RATES).unwrap();
        let shown = tax_fields(&tax);
        assert_eq!((shown["r1.rate"].as_str(), shown["r1.class"].as_str()), ("8.875", "standard"));
        assert_eq!(tax_from_form(&shown, MAX_RATES).unwrap(), tax);
    }
}
