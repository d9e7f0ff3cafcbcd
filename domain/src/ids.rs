//! Identifiers as types, so that an order id can never be passed where a
//! product or account id is expected, and a malformed id is refused where it
//! enters (a form, a URL, a queue message, a stored row) instead of deep in
//! a query. All three are short printable ASCII strings; how each is minted
//! (a digest of the cart for orders, random for accounts, the merchant's
//! choice for products) is the shop's business, not the type's.

use serde::{Deserialize, Serialize};

/// Why text is not an id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} must be 1 to 64 letters, digits or punctuation without spaces")]
pub struct IdError {
    pub what: &'static str,
}

fn well_formed(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_graphic())
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn parse(s: &str) -> Result<Self, IdError> {
                if well_formed(s) {
                    Ok(Self(s.to_string()))
                } else {
                    Err(IdError { what: $what })
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        crate::text::string_newtype_impls!($name, IdError);

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl PartialEq<$name> for &str {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        crate::sql::string_column!($name);
    };
}

id_type!(
    /// An order: derived from the cart and the checkout's idempotency key,
    /// so a retried checkout names the same order.
    OrderId,
    "an order id"
);

id_type!(
    /// A product in the catalog (the merchant's id, stable across edits).
    ProductId,
    "a product id"
);

id_type!(
    /// A shopper's or merchant's account.
    UserId,
    "an account id"
);

impl OrderId {
    /// The order named by a digest of its cart and idempotency key: `o` and
    /// the digest's first 12 bytes in hex (shorter digests use all of theirs).
    pub fn from_digest(digest: &[u8]) -> Self {
        let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
        Self(format!("o{hex}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_short_printable_words_and_anything_else_is_refused() {
        assert_eq!(OrderId::parse("o3f9a").unwrap().as_str(), "o3f9a");
        assert!(ProductId::parse("p-0001").is_ok());
        for bad in ["", "has space", "tab\there", "é", &"x".repeat(65)] {
            assert!(OrderId::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            UserId::parse("").unwrap_err().to_string(),
            "an account id must be 1 to 64 letters, digits or punctuation without spaces"
        );
    }

    #[test]
    fn an_id_travels_as_a_plain_string_and_a_bad_one_fails_to_decode() {
        let id = OrderId::parse("o1").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"o1\"");
        assert_eq!(serde_json::from_str::<OrderId>("\"o1\"").unwrap(), id);
        assert!(serde_json::from_str::<OrderId>("\"two words\"").is_err());
    }

    #[test]
    fn an_order_id_from_a_digest_is_o_and_twenty_four_hex_digits() {
        let id = OrderId::from_digest(&[0xab; 32]);
        assert_eq!(id.as_str(), format!("o{}", "ab".repeat(12)));
        assert!(OrderId::parse(id.as_str()).is_ok());
    }
}
