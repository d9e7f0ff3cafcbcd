//! A cart priced for any address: everything the engine needs besides the
//! address, gathered once on the server. The server prices the checkout
//! page from it, and the checkout island carries it to the browser to
//! price again, with this same code, as the shopper changes country or
//! region: the totals shown are the ones the order will be charged.

use super::{Delivery, Quote, Totals};
use crate::money::{Currency, Money};
use crate::promo::Promotion;
use crate::rules::ShopRules;
use crate::shipping::Method;
use serde::{Deserialize, Serialize};

/// A cart, its code and the shop's rules, as of `now`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Basket {
    pub lines: Vec<super::PriceLine>,
    pub currency: Currency,
    /// The cart's code, when the server found it usable (its usage limit
    /// is checked there: it needs the store).
    pub code: Option<Promotion>,
    /// Why the cart's code is not usable, found before pricing ("the code
    /// X has been used up").
    pub code_refused: Option<String>,
    /// The shop's automatic promotions.
    pub automatic: Vec<Promotion>,
    pub rules: ShopRules,
    /// Unix seconds the promotions are judged at.
    pub now: i64,
}

impl Basket {
    /// The lines' subtotal (also when nothing ships to the address).
    pub fn subtotal(&self) -> Money {
        self.lines.iter().fold(Money::zero(self.currency), |sum, l| sum.checked_add(l.amount).unwrap_or(sum))
    }

    /// Every method of the zone of `country` and `region`, priced (none
    /// when the shop does not ship there), and why the cart's code is not
    /// applied, if it is not: the totals are then without it.
    pub fn quote_zone(&self, country: &str, region: &str) -> (Vec<(Method, Quote)>, Option<String>) {
        let mut out = Vec::new();
        let mut problem = self.code_refused.clone();
        let Some(zone) = self.rules.zone(country, region).filter(|z| !z.methods.is_empty()) else {
            return (out, problem);
        };
        let judge = &zone.methods[0];
        for method in &zone.methods {
            let d = Delivery { method, judge, tax: &self.rules.tax, country, region };
            let q = match self.quote(d, self.code.as_ref()) {
                Ok(q) => {
                    problem = problem.or(q.passed_over.clone());
                    q
                }
                Err(e) => {
                    problem = Some(e.to_string());
                    match self.quote(d, None) {
                        Ok(q) => q,
                        Err(_) => continue,
                    }
                }
            };
            out.push((method.clone(), q));
        }
        (out, problem)
    }

    /// The cart priced for one delivery with `code` (or none) and the
    /// automatic promotions.
    pub fn quote(&self, d: Delivery<'_>, code: Option<&Promotion>) -> Result<Quote, super::PriceError> {
        Totals::quote(&self.lines, self.currency, d, code, &self.automatic, self.now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::promo::{Benefit, PromoCode};
    use crate::shipping::{default_zones, Area, MethodCode, Rate, Zone};
    use crate::tax::{TaxClass, TaxRate, TaxSettings};

    fn usd(minor: i64) -> Money {
        Money::new(minor, Currency::Usd).unwrap()
    }

    /// Japan ships by post at $12 with a 10% tax; everywhere else as the
    /// default zone does, untaxed.
    fn basket(code: Option<Promotion>) -> Basket {
        let japan = Zone {
            name: "Japan".into(),
            areas: vec![Area::parse("JP").unwrap()],
            rest_of_world: false,
            methods: vec![crate::shipping::Method {
                code: MethodCode::parse("jp-post").unwrap(),
                label: "Japan post".into(),
                rate: Rate::Flat { minor: 1200 },
                free_from_minor: None,
            }],
        };
        let rate = TaxRate {
            area: Area::parse("JP").unwrap(),
            class: TaxClass::standard(),
            label: "Consumption tax".into(),
            rate: 10_000,
        };
        let mut zones = default_zones();
        zones.insert(0, japan);
        let line = super::super::PriceLine {
            category: "apparel/shirts".into(),
            amount: usd(4000),
            quantity: 2,
            grams: 400,
            tax_class: TaxClass::standard(),
        };
        Basket {
            lines: vec![line],
            currency: Currency::Usd,
            code,
            code_refused: None,
            automatic: vec![],
            rules: ShopRules { zones, tax: TaxSettings { prices_include_tax: false, rates: vec![rate] } },
            now: 1_000,
        }
    }

    fn ten_off() -> Promotion {
        let p = super::super::tests::code(Benefit::Percent { percent: 10 });
        Promotion { code: PromoCode::parse("TEN").unwrap(), ..p }
    }

    #[test]
    fn each_address_gets_the_methods_and_taxes_of_its_zone_priced_as_the_engine_prices_them() {
        let b = basket(Some(ten_off()));
        let (japan, problem) = b.quote_zone("JP", "");
        assert_eq!(problem, None);
        assert_eq!(japan.len(), 1);
        let (method, q) = &japan[0];
        let d = Delivery { method, judge: method, tax: &b.rules.tax, country: "JP", region: "" };
        assert_eq!(q, &Totals::quote(&b.lines, Currency::Usd, d, Some(&ten_off()), &[], 1_000).unwrap());
        // $40 − 10% = $36, + $12 post, + 10% tax on both ($3.60 + $1.20).
        assert_eq!(q.totals.total, usd(3600 + 1200 + 360 + 120));
        let (uk, _) = b.quote_zone("GB", "");
        let codes: Vec<_> = uk.iter().map(|(m, _)| m.code.as_str()).collect();
        assert_eq!(codes, ["standard", "express"]);
        assert!(uk.iter().all(|(_, q)| q.totals.tax.minor() == 0));
    }

    #[test]
    fn where_the_shop_does_not_ship_there_is_no_method_and_the_subtotal_still_shows() {
        let mut b = basket(None);
        b.rules.zones.retain(|z| !z.rest_of_world);
        assert!(b.quote_zone("GB", "").0.is_empty());
        assert_eq!(b.subtotal(), usd(4000));
    }

    #[test]
    fn a_code_the_server_refused_is_named_and_the_totals_are_without_it() {
        let mut b = basket(None);
        b.code_refused = Some("the code TEN has been used up".into());
        let (quotes, problem) = b.quote_zone("JP", "");
        assert_eq!(problem.as_deref(), Some("the code TEN has been used up"));
        assert_eq!(quotes[0].1.totals.discount, usd(0));
    }

    #[test]
    fn a_code_whose_conditions_fail_is_named_and_the_totals_are_without_it() {
        let b = basket(Some(Promotion { min_subtotal: 10_000, ..ten_off() }));
        let (quotes, problem) = b.quote_zone("JP", "");
        assert!(problem.is_some_and(|p| p.contains("needs a subtotal")));
        assert_eq!(quotes[0].1.totals.discount, usd(0));
    }

    #[test]
    fn a_basket_prices_the_same_after_the_trip_to_the_browser() {
        let b = basket(Some(ten_off()));
        let back: Basket = serde_json::from_str(&serde_json::to_string(&b).unwrap()).unwrap();
        assert_eq!(back, b);
        assert_eq!(back.quote_zone("JP", ""), b.quote_zone("JP", ""));
    }
}
