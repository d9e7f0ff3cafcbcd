//! Data the server sends to pages (and to islands as props).

use domain::catalog::{Listing, Page, ProductCard};
use domain::Product;
use serde::{Deserialize, Serialize};

mod checkout;
pub use checkout::{destination, CheckoutBasket, CheckoutTotals, MethodTotal};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryLink {
    pub path: String,
    pub name: String,
}

impl CategoryLink {
    pub fn new(path: &str) -> Self {
        let leaf = path.rsplit('/').next().unwrap_or(path);
        Self { path: path.to_string(), name: title_case(leaf) }
    }
    pub fn href(&self) -> String {
        format!("/c/{}", self.path)
    }
}

pub fn title_case(s: &str) -> String {
    s.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HomeData {
    pub featured: Vec<ProductCard>,
    pub newest: Vec<ProductCard>,
    pub categories: Vec<CategoryLink>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingData {
    /// Empty for search results.
    pub category: Option<CategoryLink>,
    pub crumbs: Vec<CategoryLink>,
    pub subcategories: Vec<CategoryLink>,
    pub listing: Listing,
    pub page: Page,
}

/// A page's answer: found, unknown (404), or a bad request (400) with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Loaded<T> {
    Found(T),
    NotFound,
    BadRequest(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductData {
    pub product: Product,
    pub crumbs: Vec<CategoryLink>,
    /// SKU picked by the URL (`?variant=`), else the first in stock.
    pub selected: String,
    pub public_url: String,
    pub reviews: ReviewsView,
    /// "incl. VAT" (prices include tax) or "plus tax" (added at checkout),
    /// per the shop's tax setting; empty for a shop without tax rates.
    #[serde(default)]
    pub tax_note: String,
}

/// A product's approved reviews, and what this viewer may do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewsView {
    pub count: i64,
    /// "4.3" (none without reviews).
    pub average: Option<String>,
    pub items: Vec<ReviewItem>,
    /// Signed out: `None`. Signed in: whether a confirmed order of theirs
    /// holds the product, and their own review if any.
    pub viewer: Option<ReviewerView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewItem {
    pub author: String,
    pub rating: u8,
    pub body: String,
    /// YYYY-MM-DD (UTC).
    pub date: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewerView {
    pub bought: bool,
    /// (rating, body, status) of their review.
    pub mine: Option<(u8, String, String)>,
}

/// What the product panel island needs: small and serialisable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PanelVariant {
    pub sku: String,
    pub options: Vec<(String, String)>,
    pub price: String,
    pub stock: i64,
    pub image: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PanelData {
    pub product_id: String,
    pub slug: String,
    pub compare_at: Option<String>,
    pub axes: Vec<(String, Vec<String>)>,
    pub variants: Vec<PanelVariant>,
    pub images: Vec<domain::product::Image>,
    pub selected: String,
}

impl PanelData {
    pub fn from_product(p: &Product, selected: &str) -> Self {
        Self {
            product_id: p.id.to_string(),
            slug: p.slug.to_string(),
            compare_at: p.compare_at.map(|m| m.to_string()),
            axes: p.option_axes(),
            variants: p
                .variants
                .iter()
                .map(|v| PanelVariant {
                    sku: v.sku.to_string(),
                    options: v.options.iter().map(|o| (o.name.clone(), o.value.clone())).collect(),
                    price: v.price.to_string(),
                    stock: v.stock,
                    image: v.image,
                })
                .collect(),
            images: p.images.clone(),
            selected: selected.to_string(),
        }
    }
}

/// The variant a shopper gets by choosing `value` for option `name` while
/// `current` is selected: the one with that value that keeps most of the
/// other current choices (in-stock first on ties).
pub fn pick_variant<'a>(
    variants: &'a [PanelVariant],
    current: &PanelVariant,
    name: &str,
    value: &str,
) -> Option<&'a PanelVariant> {
    variants.iter().filter(|v| v.options.iter().any(|(n, val)| n == name && val == value)).max_by_key(|v| {
        let kept = v.options.iter().filter(|o| current.options.contains(o)).count();
        // max_by_key keeps the last maximum; reverse position to prefer the first.
        (kept, v.stock > 0, std::cmp::Reverse(variants.iter().position(|x| x.sku == v.sku)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(sku: &str, colour: &str, size: &str, stock: i64) -> PanelVariant {
        PanelVariant {
            sku: sku.into(),
            options: vec![("colour".into(), colour.into()), ("size".into(), size.into())],
            price: "$1.00".into(),
            stock,
            image: None,
        }
    }

    #[test]
    fn picking_a_value_keeps_the_other_choices() {
        let vs = [v("BS", "black", "S", 1), v("BM", "black", "M", 1), v("NS", "navy", "S", 1), v("NM", "navy", "M", 1)];
        assert_eq!(pick_variant(&vs, &vs[1], "colour", "navy").map(|v| v.sku.as_str()), Some("NM"));
        assert_eq!(pick_variant(&vs, &vs[2], "size", "M").map(|v| v.sku.as_str()), Some("NM"));
        assert!(pick_variant(&vs, &vs[0], "colour", "red").is_none());
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLineView {
    pub sku: String,
    pub slug: String,
    pub title: String,
    pub options: String,
    pub image: Option<String>,
    pub unit_price: String,
    pub quantity: u32,
    pub line_total: String,
    pub notice: Option<String>,
    pub available: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartView {
    pub lines: Vec<CartLineView>,
    pub subtotal: String,
    pub count: u32,
    pub ready: bool,
}

/// The answer to a cart change: the new cart, or why it was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CartChange {
    Done(CartView),
    Refused(String),
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutInput {
    pub email: String,
    pub address: domain::order::Address,
    pub shipping: String,
    pub card_number: String,
    pub idempotency_key: String,
    /// The discount the page showed (`Quote::discount_token`), if it sends one.
    #[serde(default)]
    pub discount_seen: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CheckoutOutcome {
    Accepted {
        order_id: String,
        /// The order page's path with its key (`/orders/ID?key=…`).
        link: String,
    },
    Invalid {
        fields: Vec<(String, String)>,
    },
    Refused(String),
    /// Another tab or device ordered this cart a moment ago: this is its order.
    AlreadyOrdered {
        order_id: String,
        link: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderView {
    pub id: String,
    /// The link key the page was opened with, for the tracker's polls.
    pub key: String,
    /// pending | reserved | confirmed | rejected | cancelled | refunded | unknown
    pub state: String,
    pub reason: Option<String>,
    pub total: Option<String>,
    pub lines: Vec<(String, u32, String)>,
}

/// What happened to an order after its sale: refunds and returns (for the
/// server-rendered part of the order page; the tracker island never needs it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AfterSale {
    /// Line refunds made by the shop, oldest first.
    pub refunds: Vec<crate::admin::api::RefundView>,
    /// Return requests, oldest first.
    pub returns: Vec<crate::admin::api::ReturnView>,
    /// Per line (sku, title, units a new return request may ask for);
    /// empty when the order cannot be returned (not confirmed, too old).
    pub returnable: Vec<(String, String, u32)>,
    /// The taxes charged: "TVA 20%: $1.23", or "Includes VAT 20%: $2.00".
    #[serde(default)]
    pub tax: Vec<String>,
}

impl OrderView {
    pub fn is_final(&self) -> bool {
        !matches!(self.state.as_str(), "pending" | "reserved")
    }
}
