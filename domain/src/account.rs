//! Accounts: roles and the rules a new password must follow.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Shopper,
    Merchant,
}

impl Role {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "shopper" => Some(Self::Shopper),
            "merchant" => Some(Self::Merchant),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Shopper => "shopper",
            Self::Merchant => "merchant",
        }
    }
}

pub const MIN_PASSWORD: usize = 10;
pub const MAX_PASSWORD: usize = 128;

/// A password that meets the rules (length only, as NIST SP 800-63B advises;
/// no composition rules). Never logged or serialized.
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(s: &str) -> Result<Self, String> {
        let n = s.chars().count();
        if n < MIN_PASSWORD {
            return Err(format!("use at least {MIN_PASSWORD} characters"));
        }
        if n > MAX_PASSWORD {
            return Err(format!("use at most {MAX_PASSWORD} characters"));
        }
        if s.chars().any(char::is_control) {
            return Err("must not contain control characters".into());
        }
        Ok(Self(s.to_string()))
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(…)")
    }
}

/// Emails are compared case-insensitively: store and look them up lower-cased.
pub fn normalize_email(s: &str) -> Result<String, String> {
    crate::order::Email::parse(s).map(|e| e.as_str().to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_rules_are_length_only() {
        assert!(NewPassword::parse("short").is_err());
        assert!(NewPassword::parse(&"x".repeat(129)).is_err());
        assert!(NewPassword::parse("ten chars!").is_ok());
        assert!(NewPassword::parse("has\u{0}control").is_err());
        assert_eq!(format!("{:?}", NewPassword::parse("secret-secret").unwrap()), "NewPassword(…)");
    }

    #[test]
    fn emails_are_normalized_and_roles_round_trip() {
        assert_eq!(normalize_email(" Ann@Example.COM ").unwrap(), "ann@example.com");
        assert!(normalize_email("nope").is_err());
        for r in [Role::Shopper, Role::Merchant] {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("admin"), None);
    }
}
