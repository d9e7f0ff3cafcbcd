//! Product reviews: a rating of 1–5 and a plain-text body, parsed once
//! (one message per bad field), and the average shown beside a product.
//! Bodies are stored as typed and escaped wherever they are shown.

use crate::order::FieldErrors;
use serde::{Deserialize, Serialize};

pub const MIN_BODY: usize = 10;
pub const MAX_BODY: usize = 2_000;

/// A star rating, 1 to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Rating(u8);

impl Rating {
    pub fn parse(n: i64) -> Result<Self, String> {
        if (1..=5).contains(&n) {
            Ok(Self(n as u8))
        } else {
            Err("choose 1 to 5 stars".into())
        }
    }
    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<i64> for Rating {
    type Error = String;
    fn try_from(n: i64) -> Result<Self, String> {
        Self::parse(n)
    }
}

impl From<Rating> for i64 {
    fn from(r: Rating) -> i64 {
        i64::from(r.0)
    }
}

/// What a shopper submits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewDraft {
    pub rating: Rating,
    pub body: String,
}

impl ReviewDraft {
    /// The form's `rating` and `body`, or one message per bad field.
    pub fn parse(rating: &str, body: &str) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let rating = rating
            .trim()
            .parse::<i64>()
            .map_err(|_| "choose 1 to 5 stars".to_string())
            .and_then(Rating::parse)
            .map_err(|e| errors.insert("rating".into(), e))
            .ok();
        // Line ends kept; other control characters dropped as the text is read.
        let body: String = body.trim().chars().filter(|c| *c == '\n' || !c.is_control()).collect();
        let len = body.chars().count();
        if len < MIN_BODY {
            errors.insert("body".into(), format!("write at least {MIN_BODY} characters"));
        } else if len > MAX_BODY {
            errors.insert("body".into(), format!("at most {MAX_BODY} characters (this has {len})"));
        }
        match rating {
            Some(rating) if errors.is_empty() => Ok(Self { rating, body }),
            _ => Err(errors),
        }
    }
}

/// Approved reviews of a product, summed up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub count: i64,
    /// Sum of the ratings.
    pub total: i64,
}

impl Summary {
    /// The average to one decimal ("4.3"), none without reviews.
    pub fn average(self) -> Option<String> {
        (self.count > 0).then(|| {
            let tenths = (self.total * 10 + self.count / 2) / self.count;
            format!("{}.{}", tenths / 10, tenths % 10)
        })
    }
}

/// The name shown with a review: the part of the address before `@`,
/// shortened, so an e-mail address is never published.
pub fn author_of(email: &str) -> String {
    let local = email.split('@').next().unwrap_or("");
    let mut name: String = local.chars().filter(|c| c.is_alphanumeric() || *c == '.').take(12).collect();
    if name.is_empty() {
        name = "A shopper".into();
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_are_one_to_five_stars() {
        assert!(Rating::parse(0).is_err() && Rating::parse(6).is_err());
        assert_eq!(Rating::parse(5).unwrap().get(), 5);
    }

    #[test]
    fn a_draft_names_every_bad_field_and_keeps_line_ends() {
        let e = ReviewDraft::parse("9", "short").unwrap_err();
        assert_eq!(e.keys().map(String::as_str).collect::<Vec<_>>(), ["body", "rating"]);
        assert!(ReviewDraft::parse("x", "long enough text").unwrap_err().contains_key("rating"));
        let long = "a".repeat(MAX_BODY + 1);
        assert_eq!(ReviewDraft::parse("3", &long).unwrap_err()["body"], "at most 2000 characters (this has 2001)");
        let d = ReviewDraft::parse(" 4 ", "  Fits well.\nWarm <b>too</b>\u{7}  ").unwrap();
        assert_eq!((d.rating.get(), d.body.as_str()), (4, "Fits well.\nWarm <b>too</b>"));
    }

    #[test]
    fn the_average_is_rounded_to_one_decimal() {
        assert_eq!(Summary::default().average(), None);
        assert_eq!(Summary { count: 3, total: 13 }.average().as_deref(), Some("4.3"));
        assert_eq!(Summary { count: 2, total: 9 }.average().as_deref(), Some("4.5"));
    }

    #[test]
    fn an_author_is_never_an_email_address() {
        assert_eq!(author_of("ada.lovelace@example.com"), "ada.lovelace");
        assert_eq!(author_of("<script>@x.y"), "script");
        assert_eq!(author_of("@x.y"), "A shopper");
    }
}
