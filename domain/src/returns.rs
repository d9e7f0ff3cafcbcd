//! A shopper's return request: which units of a confirmed order they want
//! to send back, and why. No I/O: `shop::orders::returns` stores it, the
//! merchant approves or refuses it, and an approved one is settled by a
//! line refund (`crate::refund`).
//!
//! Rules: a request is made within `RETURN_DAYS` of the order; it names at
//! least one unit; a line's units asked for never exceed what was bought
//! less what was refunded and what other open requests (waiting or
//! approved) already ask for; the reason is 3–500 characters of plain text.

use crate::order::FieldErrors;
use serde::{Deserialize, Serialize};

/// Days after the order during which a return can be asked for.
pub const RETURN_DAYS: i64 = 30;
pub const MIN_REASON: usize = 3;
pub const MAX_REASON: usize = 500;

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReturnStatus {
    Requested,
    Approved,
    Refused,
    /// Settled by a line refund.
    Refunded,
    /// Left open when the shop cancelled or refunded the whole order.
    Closed,
}

impl ReturnStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Approved => "approved",
            Self::Refused => "refused",
            Self::Refunded => "refunded",
            Self::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Requested, Self::Approved, Self::Refused, Self::Refunded, Self::Closed]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    /// Still holds its units (waiting for a decision, or approved and not refunded yet).
    pub fn is_open(self) -> bool {
        matches!(self, Self::Requested | Self::Approved)
    }

    /// What the shopper reads.
    pub fn label(self) -> &'static str {
        match self {
            Self::Requested => "Waiting for the shop",
            Self::Approved => "Approved: send the items back; we refund them on receipt",
            Self::Refused => "Refused",
            Self::Refunded => "Refunded",
            Self::Closed => "Closed: the whole order was cancelled or refunded",
        }
    }
}

/// A checked request: (sku, units) per line, and the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnRequest {
    pub lines: Vec<(String, u32)>,
    pub reason: String,
}

/// What a line still allows: bought, less refunded, less open requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Returnable {
    pub sku: String,
    pub units: u32,
}

/// Check a request (`asked`: (sku, typed units) per line) placed `age_days`
/// after the order. Field errors: `qty.<sku>`, `reason`, `return`.
pub fn check(
    returnable: &[Returnable],
    asked: &[(String, String)],
    reason: &str,
    age_days: i64,
) -> Result<ReturnRequest, FieldErrors> {
    let mut errors = FieldErrors::new();
    if age_days > RETURN_DAYS {
        errors.insert("return".into(), format!("returns are accepted within {RETURN_DAYS} days of the order"));
    }
    let mut lines = Vec::new();
    for (sku, raw) in asked {
        let field = format!("qty.{sku}");
        let raw = raw.trim();
        if raw.is_empty() || raw == "0" {
            continue;
        }
        let Some(line) = returnable.iter().find(|r| &r.sku == sku) else {
            errors.insert(field, "this order has no such item".into());
            continue;
        };
        match raw.parse::<i64>() {
            Ok(n) if n > 0 && n <= i64::from(line.units) => lines.push((sku.clone(), n as u32)),
            Ok(n) if n > 0 => {
                errors.insert(field, format!("at most {} can be returned", line.units));
            }
            _ => {
                errors.insert(field, "enter a whole number of items".into());
            }
        }
    }
    let reason = reason.trim().to_string();
    let n = reason.chars().count();
    if !(MIN_REASON..=MAX_REASON).contains(&n) || reason.chars().any(|c| c.is_control() && c != '\n') {
        errors.insert("reason".into(), format!("tell us why in {MIN_REASON} to {MAX_REASON} characters"));
    }
    if errors.is_empty() && lines.is_empty() {
        errors.insert("return".into(), "choose at least one item to return".into());
    }
    if errors.is_empty() {
        Ok(ReturnRequest { lines, reason })
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(lines: &[(&str, &str)]) -> Vec<(String, String)> {
        lines.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    fn returnable() -> Vec<Returnable> {
        vec![Returnable { sku: "A".into(), units: 2 }, Returnable { sku: "B".into(), units: 0 }]
    }

    #[test]
    fn a_request_names_units_left_to_return_with_a_reason_within_the_window() {
        let ok = check(&returnable(), &asked(&[("A", "2"), ("B", "0")]), "too small", 3).unwrap();
        assert_eq!(ok.lines, [("A".to_string(), 2)]);
        let e = check(&returnable(), &asked(&[("A", "3"), ("B", "1")]), "x", 3).unwrap_err();
        assert_eq!(e.keys().collect::<Vec<_>>(), ["qty.A", "qty.B", "reason"]);
        assert_eq!(e["qty.B"], "at most 0 can be returned", "units already refunded or asked for");
        let e = check(&returnable(), &asked(&[("A", "-1"), ("Z", "1")]), "too small", 3).unwrap_err();
        assert!(e.contains_key("qty.A") && e.contains_key("qty.Z"));
        assert!(check(&returnable(), &asked(&[("A", "0")]), "too small", 3).unwrap_err().contains_key("return"));
        let late = check(&returnable(), &asked(&[("A", "1")]), "too small", RETURN_DAYS + 1).unwrap_err();
        assert!(late["return"].contains("30 days"));
    }

    #[test]
    fn statuses_read_back_and_only_waiting_or_approved_ones_hold_units() {
        for s in [ReturnStatus::Requested, ReturnStatus::Approved, ReturnStatus::Refused, ReturnStatus::Refunded] {
            assert_eq!(ReturnStatus::parse(s.as_str()), Some(s));
        }
        assert!(ReturnStatus::Approved.is_open() && !ReturnStatus::Refused.is_open());
    }
}
