//! A shopper's cart as a value and its rules: one line per variant (adding
//! the same one merges), at most `MAX_QUANTITY` of one item and `MAX_LINES`
//! different items, quantities from 1 (0 removes a line). No I/O: where it
//! is kept, and its prices, belong to the shop (`shop::orders::cart`).

use crate::order::{parse_quantity, MAX_LINES, MAX_QUANTITY};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cart {
    pub lines: Vec<CartLine>,
    /// Random id given when the first line goes into an empty cart: checkout
    /// claims (cart id, generation) once, so two tabs or devices submitting
    /// the same cart make one order. A cleared cart starts a new generation.
    #[serde(default)]
    pub generation: String,
    /// The discount code the shopper applied (checked again at checkout).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// A guest's wishlist (product ids, newest first; `crate::wishlist`):
    /// kept with the cart, and moved to the account when the guest signs in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub saved: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLine {
    pub product_id: String,
    pub sku: String,
    pub quantity: u32,
    /// Unit price (minor units) when the line was added, to tell the shopper about changes.
    pub price_seen: i64,
}

impl Cart {
    pub fn count(&self) -> u32 {
        self.lines.iter().map(|l| l.quantity).sum()
    }

    /// Add `quantity` of a variant (merging with an existing line). A cart
    /// that was empty takes its generation from `new_generation`.
    pub fn add(
        &mut self,
        product_id: &str,
        sku: &str,
        quantity: i64,
        price: i64,
        new_generation: impl FnOnce() -> String,
    ) -> Result<(), String> {
        let q = parse_quantity(quantity)?;
        if let Some(line) = self.lines.iter_mut().find(|l| l.sku == sku) {
            let total = line.quantity + q;
            if total > MAX_QUANTITY {
                return Err(format!("at most {MAX_QUANTITY} of one item per order"));
            }
            line.quantity = total;
            return Ok(());
        }
        if self.lines.len() >= MAX_LINES {
            return Err(format!("a cart holds at most {MAX_LINES} different items"));
        }
        if self.lines.is_empty() || self.generation.is_empty() {
            self.generation = new_generation();
        }
        self.lines.push(CartLine { product_id: product_id.into(), sku: sku.into(), quantity: q, price_seen: price });
        Ok(())
    }

    /// Set a line's quantity; 0 removes it.
    pub fn set_quantity(&mut self, sku: &str, quantity: i64) -> Result<(), String> {
        if quantity == 0 {
            self.lines.retain(|l| l.sku != sku);
            return Ok(());
        }
        let q = parse_quantity(quantity)?;
        match self.lines.iter_mut().find(|l| l.sku == sku) {
            Some(l) => {
                l.quantity = q;
                Ok(())
            }
            None => Err("that item is not in your cart".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gen() -> String {
        "g1".into()
    }

    #[test]
    fn adding_merges_lines_and_caps_quantities() {
        let mut c = Cart::default();
        c.add("p", "A", 2, 100, gen).unwrap();
        c.add("p", "A", 3, 100, gen).unwrap();
        assert_eq!((c.lines.len(), c.count()), (1, 5));
        assert!(c.add("p", "A", 16, 100, gen).is_err());
        assert!(c.add("p", "B", 0, 100, gen).is_err());
        assert!(c.add("p", "B", 1_000_000_000, 100, gen).is_err());
        c.set_quantity("A", 0).unwrap();
        assert!(c.lines.is_empty());
    }

    #[test]
    fn a_cart_holds_a_bounded_number_of_different_items() {
        let mut c = Cart::default();
        for i in 0..MAX_LINES {
            c.add("p", &format!("S{i}"), 1, 100, gen).unwrap();
        }
        assert!(c.add("p", "one-more", 1, 100, gen).is_err());
        assert!(c.add("p", "S0", 1, 100, gen).is_ok(), "merging into a line is still allowed");
    }

    #[test]
    fn the_generation_is_taken_when_an_empty_cart_gets_its_first_line_only() {
        let mut c = Cart::default();
        c.add("p", "A", 1, 100, || "first".into()).unwrap();
        c.add("p", "B", 1, 100, || "second".into()).unwrap();
        assert_eq!(c.generation, "first");
        c.set_quantity("A", 0).unwrap();
        c.set_quantity("B", 0).unwrap();
        c.add("p", "C", 1, 100, || "third".into()).unwrap();
        assert_eq!(c.generation, "third", "a cart emptied and filled again is a new generation");
    }
}
