//! Money in minor units (cents) with its currency. Never a float.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Currency {
    #[serde(rename = "USD")]
    Usd,
    #[serde(rename = "EUR")]
    Eur,
    #[serde(rename = "BRL")]
    Brl,
    #[serde(rename = "JPY")]
    Jpy,
}

impl Currency {
    pub fn parse(code: &str) -> Result<Self, MoneyError> {
        match code.trim().to_ascii_uppercase().as_str() {
            "USD" => Ok(Self::Usd),
            "EUR" => Ok(Self::Eur),
            "BRL" => Ok(Self::Brl),
            "JPY" => Ok(Self::Jpy),
            _ => Err(MoneyError::UnknownCurrency(code.chars().take(8).collect())),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Usd => "USD",
            Self::Eur => "EUR",
            Self::Brl => "BRL",
            Self::Jpy => "JPY",
        }
    }

    /// Digits after the decimal point in the usual display of this currency.
    pub fn exponent(self) -> u32 {
        match self {
            Self::Jpy => 0,
            _ => 2,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Self::Usd => "$",
            Self::Eur => "€",
            Self::Brl => "R$",
            Self::Jpy => "¥",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("unknown currency {0:?}")]
    UnknownCurrency(String),
    #[error("amount must not be negative")]
    Negative,
    #[error("amount is too large")]
    TooLarge,
    #[error("currencies differ: {0} and {1}")]
    CurrencyMismatch(&'static str, &'static str),
}

/// Largest amount accepted anywhere: 100 million in major units.
pub const MAX_MINOR: i64 = 10_000_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Result<Self, MoneyError> {
        if minor < 0 {
            return Err(MoneyError::Negative);
        }
        if minor > MAX_MINOR {
            return Err(MoneyError::TooLarge);
        }
        Ok(Self { minor, currency })
    }

    pub fn zero(currency: Currency) -> Self {
        Self { minor: 0, currency }
    }

    pub fn minor(self) -> i64 {
        self.minor
    }

    pub fn currency(self) -> Currency {
        self.currency
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch(self.currency.code(), other.currency.code()));
        }
        Money::new(self.minor.saturating_add(other.minor), self.currency)
    }

    /// `self - other`; an error when it would go below zero.
    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch(self.currency.code(), other.currency.code()));
        }
        Money::new(self.minor - other.minor, self.currency)
    }

    /// The smaller of two amounts of one currency.
    pub fn min(self, other: Money) -> Money {
        if other.minor < self.minor && other.currency == self.currency {
            other
        } else {
            self
        }
    }

    pub fn times(self, quantity: u32) -> Result<Money, MoneyError> {
        Money::new(self.minor.saturating_mul(i64::from(quantity)), self.currency)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let exp = self.currency.exponent();
        let sym = self.currency.symbol();
        if exp == 0 {
            return write!(f, "{sym}{}", self.minor);
        }
        let unit = 10_i64.pow(exp);
        write!(f, "{sym}{}.{:0width$}", self.minor / unit, self.minor % unit, width = exp as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_amounts_are_rejected() {
        assert_eq!(Money::new(-1, Currency::Usd), Err(MoneyError::Negative));
    }

    #[test]
    fn display_uses_minor_units_exactly() {
        let m = Money::new(123_405, Currency::Usd).unwrap();
        assert_eq!(m.to_string(), "$1234.05");
        assert_eq!(Money::new(500, Currency::Jpy).unwrap().to_string(), "¥500");
    }

    #[test]
    fn adding_different_currencies_is_an_error() {
        let a = Money::new(1, Currency::Usd).unwrap();
        let b = Money::new(1, Currency::Eur).unwrap();
        assert!(a.checked_add(b).is_err());
        assert_eq!(a.checked_add(a).unwrap().minor(), 2);
    }

    #[test]
    fn multiplication_cannot_overflow_past_the_cap() {
        let m = Money::new(MAX_MINOR, Currency::Usd).unwrap();
        assert_eq!(m.times(1_000_000_000), Err(MoneyError::TooLarge));
    }

    #[test]
    fn currency_codes_parse_case_insensitively() {
        assert_eq!(Currency::parse("usd"), Ok(Currency::Usd));
        assert!(Currency::parse("XXX").is_err());
    }
}
