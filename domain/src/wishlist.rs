//! A wishlist's rules, shared by the account list (a table) and a guest's
//! (kept with its cart): products, newest first, each once, at most
//! `MAX_SAVED` of them.

use crate::ProductId;

/// Enough for any shopper; a bound so no list grows without end.
pub const MAX_SAVED: usize = 100;

/// Put `product` first in `list`. `Ok(false)` when it was already saved (it
/// keeps its place); an error when the list is full.
pub fn save(list: &mut Vec<String>, product: &ProductId) -> Result<bool, String> {
    if list.iter().any(|p| p == product.as_str()) {
        return Ok(false);
    }
    if list.len() >= MAX_SAVED {
        return Err(full());
    }
    list.insert(0, product.to_string());
    Ok(true)
}

/// Take `product` out of `list`; whether it was there.
pub fn remove(list: &mut Vec<String>, product: &ProductId) -> bool {
    let before = list.len();
    list.retain(|p| p != product.as_str());
    list.len() != before
}

pub fn full() -> String {
    format!("Your wishlist holds at most {MAX_SAVED} products; remove one first.")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> ProductId {
        ProductId::parse(s).unwrap()
    }

    #[test]
    fn saving_puts_a_product_first_once_and_a_full_list_refuses_more() {
        let mut list = Vec::new();
        assert_eq!(save(&mut list, &id("p1")), Ok(true));
        assert_eq!(save(&mut list, &id("p2")), Ok(true));
        assert_eq!(save(&mut list, &id("p1")), Ok(false), "already there: kept once, in its place");
        assert_eq!(list, ["p2", "p1"]);
        assert!(remove(&mut list, &id("p2")));
        assert!(!remove(&mut list, &id("p2")));
        for i in 0..MAX_SAVED - 1 {
            save(&mut list, &id(&format!("q{i}"))).unwrap();
        }
        assert_eq!(list.len(), MAX_SAVED);
        assert!(save(&mut list, &id("one-more")).is_err());
        assert_eq!(save(&mut list, &id("p1")), Ok(false), "saving one already there is not an error");
    }
}
