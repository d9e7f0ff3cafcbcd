//! Small validated strings: slugs, SKUs, category paths.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("{field} must not be empty")]
    Empty { field: &'static str },
    #[error("{field} is longer than {max} characters")]
    TooLong { field: &'static str, max: usize },
    #[error("{field} may contain only {allowed}")]
    BadChars { field: &'static str, allowed: &'static str },
}

fn check(field: &'static str, s: &str, max: usize) -> Result<(), TextError> {
    if s.is_empty() {
        return Err(TextError::Empty { field });
    }
    if s.chars().count() > max {
        return Err(TextError::TooLong { field, max });
    }
    Ok(())
}

/// URL-safe identifier: lowercase ASCII letters, digits and single dashes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

impl Slug {
    pub fn parse(s: &str) -> Result<Self, TextError> {
        let s = s.trim();
        check("slug", s, 120)?;
        let ok = s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !s.starts_with('-')
            && !s.ends_with('-')
            && !s.contains("--");
        if !ok {
            return Err(TextError::BadChars { field: "slug", allowed: "lowercase letters, digits and single dashes" });
        }
        Ok(Self(s.to_string()))
    }

    /// Build a slug from free text ("Blue Shirt!" -> "blue-shirt").
    pub fn from_title(title: &str) -> Result<Self, TextError> {
        let mut out = String::new();
        for c in title.chars().flat_map(char::to_lowercase) {
            if c.is_ascii_alphanumeric() {
                out.push(c);
            } else if !out.ends_with('-') && !out.is_empty() {
                out.push('-');
            }
        }
        let trimmed: String = out.trim_end_matches('-').chars().take(120).collect();
        Self::parse(trimmed.trim_end_matches('-'))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Stock keeping unit: uppercase letters, digits, dashes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Sku(String);

impl Sku {
    pub fn parse(s: &str) -> Result<Self, TextError> {
        let s = s.trim();
        check("SKU", s, 64)?;
        if !s.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-') {
            return Err(TextError::BadChars { field: "SKU", allowed: "uppercase letters, digits and dashes" });
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A category path such as `apparel/shirts`: one to four slugs joined by `/`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CategoryPath(String);

impl CategoryPath {
    pub fn parse(s: &str) -> Result<Self, TextError> {
        let s = s.trim().trim_matches('/');
        check("category", s, 200)?;
        let parts: Vec<&str> = s.split('/').collect();
        if parts.len() > 4 {
            return Err(TextError::TooLong { field: "category depth", max: 4 });
        }
        for p in &parts {
            Slug::parse(p).map_err(|_| TextError::BadChars { field: "category", allowed: "slugs separated by /" })?;
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `apparel/shirts` -> [`apparel`, `apparel/shirts`].
    pub fn ancestors_and_self(&self) -> Vec<CategoryPath> {
        let mut out = Vec::new();
        let mut acc = String::new();
        for part in self.0.split('/') {
            if !acc.is_empty() {
                acc.push('/');
            }
            acc.push_str(part);
            out.push(CategoryPath(acc.clone()));
        }
        out
    }

    pub fn leaf(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or(&self.0)
    }
}

/// `TryFrom<String>` (through `parse`), `Into<String>` and `Display` for a
/// string newtype whose `parse` fails with `$err`.
macro_rules! string_newtype_impls {
    ($t:ty, $err:ty) => {
        impl TryFrom<String> for $t {
            type Error = $err;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }
        impl From<$t> for String {
            fn from(v: $t) -> String {
                v.0
            }
        }
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}
pub(crate) use string_newtype_impls;
string_newtype_impls!(Slug, TextError);
string_newtype_impls!(Sku, TextError);
string_newtype_impls!(CategoryPath, TextError);
crate::sql::string_column!(Sku);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_reject_uppercase_spaces_and_double_dashes() {
        assert!(Slug::parse("blue-shirt").is_ok());
        for bad in ["", "Blue", "a b", "a--b", "-a", "a-", "<script>"] {
            assert!(Slug::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn slug_from_title_normalises_free_text() {
        assert_eq!(Slug::from_title("Blue Shirt! (XL)").unwrap().as_str(), "blue-shirt-xl");
    }

    #[test]
    fn category_path_lists_its_ancestors() {
        let c = CategoryPath::parse("apparel/shirts").unwrap();
        let names: Vec<_> = c.ancestors_and_self().into_iter().map(String::from).collect();
        assert_eq!(names, ["apparel", "apparel/shirts"]);
        assert_eq!(c.leaf(), "shirts");
        assert!(CategoryPath::parse("a/b/c/d/e").is_err());
    }

    #[test]
    fn deserializing_an_invalid_sku_fails() {
        let r: Result<Sku, _> = serde_json::from_str("\"bad sku\"");
        assert!(r.is_err());
    }
}
