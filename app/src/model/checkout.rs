//! The checkout's totals as the page shows them: the engine's quotes for
//! every method of the address's zone, turned into display strings. The
//! server renders them and the checkout island recomputes them from the
//! same `Basket` as the shopper picks a country or types a region, so what
//! the shopper sees before posting is what the order is charged.

use domain::pricing::Basket;
use serde::{Deserialize, Serialize};

/// The cart as the pricing engine takes it, and its code as typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutBasket {
    pub basket: Basket,
    /// The code the shopper applied to the cart, as typed (applied or not).
    pub typed_code: Option<String>,
}

/// What an order costs with each shipping method, as display strings,
/// computed by `domain::pricing` (what checkout charges): on the server for
/// the page, and by the checkout island in the browser as the address
/// changes, from the same `Basket` with the same code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutTotals {
    pub subtotal: String,
    pub methods: Vec<MethodTotal>,
    /// The promotion applied, code or automatic ("SUMMER10: 10% off").
    pub code: Option<String>,
    /// The code the shopper applied to the cart, as typed into it (applied
    /// or not), so the cart can offer to take it off.
    pub typed_code: Option<String>,
    /// "−$4.95" when the code takes something off the lines.
    pub discount: Option<String>,
    /// Why the cart's code does not apply (the totals are then without it).
    pub code_problem: Option<String>,
    /// The discount shown, posted back with the order (`Quote::discount_token`).
    pub discount_token: String,
    /// The country (and region) these totals ship to, by name.
    pub destination: String,
    /// The shop does not ship there: no methods, a notice instead.
    pub no_shipping: bool,
    /// Prices include tax (EU style): tax lines read "includes VAT 20%".
    pub tax_included: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodTotal {
    /// The form value: `standard`, `express`.
    pub code: String,
    /// "Standard (3–5 days): $5.95 · total $40.95"
    pub label: String,
    /// "$5.95" or "Free".
    pub shipping: String,
    /// ("VAT 20%", "$3.33") per tax group.
    pub tax: Vec<(String, String)>,
    pub total: String,
}

impl CheckoutTotals {
    /// Every method's totals as the engine priced them, with the code
    /// applied (if any) and why a code of the cart does not apply.
    pub fn from_quotes(quotes: &[(domain::shipping::Method, domain::pricing::Quote)], problem: Option<String>) -> Self {
        let Some((_, first)) = quotes.first() else { return Self { code_problem: problem, ..Self::default() } };
        let methods = quotes
            .iter()
            .map(|(m, q)| {
                let t = q.totals;
                let shipping = if t.shipping.minor() == 0 { "Free".to_string() } else { t.shipping.to_string() };
                let price = if t.shipping.minor() == 0 { "free".to_string() } else { t.shipping.to_string() };
                MethodTotal {
                    code: m.code.to_string(),
                    label: format!("{}: {price} · total {}", m.label, t.total),
                    shipping,
                    tax: q.tax.groups.iter().map(|g| (g.describe(), g.amount.to_string())).collect(),
                    total: t.total.to_string(),
                }
            })
            .collect();
        let discount = (first.totals.discount.minor() > 0).then(|| format!("−{}", first.totals.discount));
        Self {
            subtotal: first.totals.subtotal.to_string(),
            methods,
            code: first.code.as_ref().map(|c| c.label.clone()),
            discount,
            code_problem: problem,
            typed_code: None,
            discount_token: first.discount_token(),
            destination: String::new(),
            no_shipping: false,
            tax_included: first.tax.included,
        }
    }

    /// The totals for shipping to `country` and `region` (as typed:
    /// `destination` reads them), priced from `basket`.
    pub fn priced(basket: &Basket, country: &str, region: &str) -> Self {
        let (code, name, region) = destination(country, region);
        let (quotes, problem) = basket.quote_zone(code, &region);
        let base = Self::from_quotes(&quotes, problem);
        Self {
            destination: if region.is_empty() { name.to_string() } else { format!("{name} ({region})") },
            no_shipping: quotes.is_empty(),
            subtotal: if quotes.is_empty() { basket.subtotal().to_string() } else { base.subtotal.clone() },
            tax_included: basket.rules.tax.prices_include_tax,
            ..base
        }
    }
}

/// The country code and name an address's country names (one the shop
/// lists, else the first it lists) and its region as pricing reads it
/// (upper case; empty unless 1–10 letters and digits).
pub fn destination(country: &str, region: &str) -> (&'static str, &'static str, String) {
    let country = country.trim().to_uppercase();
    let known = domain::order::COUNTRIES.iter().find(|(c, _)| *c == country);
    let (code, name) = known.copied().unwrap_or(domain::order::COUNTRIES[0]);
    let region = region.trim().to_uppercase();
    let region =
        if region.len() <= 10 && region.chars().all(|c| c.is_ascii_alphanumeric()) { region } else { String::new() };
    (code, name, region)
}
