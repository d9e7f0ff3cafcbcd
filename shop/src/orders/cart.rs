//! Guest carts (`domain::cart::Cart`, its rules pure) kept in the cache
//! with a time to live, keyed by the cart id from a signed cookie.
//! Totals are always recomputed from catalog prices (`price_cart`).

use crate::catalog::CachedCatalog;
pub use crate::ids::hex;
use domain::{Currency, Money};
use hmac::{Hmac, Mac};
use ports::{PortError, PortResult};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::time::Duration;

pub const CART_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

pub use domain::cart::{Cart, CartLine};

/// A fresh cart generation (see `Cart::generation`).
pub fn new_generation() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedLine {
    pub product_id: String,
    pub sku: String,
    pub slug: String,
    pub title: String,
    pub options: String,
    pub image: Option<String>,
    /// The product's category path (for codes limited to categories).
    #[serde(default)]
    pub category: String,
    /// One unit's weight in grams, and the product's tax class.
    #[serde(default)]
    pub unit_grams: u32,
    #[serde(default)]
    pub tax_class: domain::tax::TaxClass,
    pub unit_price: Money,
    pub quantity: u32,
    pub line_total: Money,
    pub stock: i64,
    /// Something the shopper should know: price changed, low or no stock, gone.
    pub notice: Option<String>,
    pub available: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedCart {
    pub lines: Vec<PricedLine>,
    pub subtotal: Money,
    pub count: u32,
    /// True when every line can be bought as it stands.
    pub ready: bool,
}

/// Price every line from the catalog (never from the client).
pub async fn price_cart(catalog: &CachedCatalog, cart: &Cart) -> PortResult<PricedCart> {
    let mut lines = Vec::new();
    let mut subtotal = Money::zero(Currency::Usd);
    let mut ready = !cart.lines.is_empty();
    for l in &cart.lines {
        let product = catalog.product_by_id(&l.product_id).await?;
        let found = product.as_ref().filter(|p| p.is_visible()).and_then(|p| p.variant(&l.sku).map(|v| (p, v)));
        let Some((p, v)) = found else {
            ready = false;
            lines.push(PricedLine {
                product_id: l.product_id.clone(),
                sku: l.sku.clone(),
                slug: String::new(),
                title: "An item that is no longer sold".into(),
                options: String::new(),
                image: None,
                category: String::new(),
                unit_grams: 0,
                tax_class: Default::default(),
                unit_price: Money::zero(Currency::Usd),
                quantity: l.quantity,
                line_total: Money::zero(Currency::Usd),
                stock: 0,
                notice: Some("This item is no longer available; remove it to check out.".into()),
                available: false,
            });
            continue;
        };
        let line_total = v.price.times(l.quantity).map_err(|e| PortError::Invalid(e.to_string()))?;
        let mut notice = None;
        let mut available = true;
        if v.stock <= 0 {
            notice = Some("Sold out: remove it to check out.".to_string());
            available = false;
        } else if i64::from(l.quantity) > v.stock {
            notice = Some(format!("Only {} left: lower the quantity to check out.", v.stock));
            available = false;
        } else if v.price.minor() != l.price_seen {
            let was = Money::new(l.price_seen, v.price.currency()).map(|m| m.to_string()).unwrap_or_default();
            notice = Some(format!("Price changed from {was} to {} since you added it.", v.price));
        }
        ready &= available;
        subtotal = subtotal.checked_add(line_total).map_err(|e| PortError::Invalid(e.to_string()))?;
        // A thumbnail: the smallest copy when there are several.
        let image = v
            .image
            .and_then(|i| p.images.get(i))
            .or(p.images.first())
            .map(|i| i.widths.first().and_then(|w| i.copy(*w, "jpg")).unwrap_or_else(|| i.url.clone()));
        lines.push(PricedLine {
            product_id: p.id.to_string(),
            sku: v.sku.to_string(),
            slug: p.slug.to_string(),
            title: p.title.clone(),
            options: v.options.iter().map(|o| format!("{}: {}", o.name, o.value)).collect::<Vec<_>>().join(", "),
            image,
            category: p.category.to_string(),
            unit_grams: p.weight_grams,
            tax_class: p.tax_class.clone(),
            unit_price: v.price,
            quantity: l.quantity,
            line_total,
            stock: v.stock,
            notice,
            available,
        });
    }
    Ok(PricedCart { lines, subtotal, count: cart.count(), ready })
}

pub use super::cart_store::CartStore;

/// Cart cookie values: `<id>.<hex HMAC-SHA256(id)>`.
#[derive(Clone)]
pub struct CookieSigner {
    key: Vec<u8>,
}

impl CookieSigner {
    pub fn new(key: &[u8]) -> Self {
        Self { key: key.to_vec() }
    }

    fn mac(&self, id: &str) -> Hmac<Sha256> {
        let mut mac = match Hmac::<Sha256>::new_from_slice(&self.key) {
            Ok(m) => m,
            Err(_) => unreachable!("HMAC accepts keys of any length"),
        };
        mac.update(id.as_bytes());
        mac
    }

    pub fn sign(&self, id: &str) -> String {
        format!("{id}.{}", hex(&self.mac(id).finalize().into_bytes()))
    }

    /// The id, when the value carries a valid signature; `None` for a forged or malformed value.
    pub fn verify(&self, value: &str) -> Option<String> {
        let (id, sig) = value.rsplit_once('.')?;
        if id.is_empty() || id.len() > 64 || !id.chars().all(|c| c.is_ascii_alphanumeric()) || sig.len() != 64 {
            return None;
        }
        let bytes: Vec<u8> =
            (0..32).map(|i| u8::from_str_radix(sig.get(i * 2..i * 2 + 2)?, 16).ok()).collect::<Option<_>>()?;
        self.mac(id).verify_slice(&bytes).ok()?;
        Some(id.to_string())
    }

    /// The secret in an order's link (`/orders/ID?key=KEY`): 128 bits of
    /// HMAC over the id, so only the shop can make one and a guest's order
    /// page is not open to whoever learns or guesses the id.
    pub fn order_key(&self, order_id: &str) -> String {
        hex(&self.mac(&format!("order-link:{order_id}")).finalize().into_bytes()[..16])
    }

    /// Whether `key` is `order_id`'s link key (compared in constant time).
    pub fn order_key_matches(&self, order_id: &str, key: &str) -> bool {
        if key.len() != 32 {
            return false;
        }
        let Some(bytes) =
            (0..16).map(|i| u8::from_str_radix(key.get(i * 2..i * 2 + 2)?, 16).ok()).collect::<Option<Vec<u8>>>()
        else {
            return false;
        };
        self.mac(&format!("order-link:{order_id}")).verify_truncated_left(&bytes).is_ok()
    }

    /// The path of an order's page, with its key.
    pub fn order_path(&self, order_id: &str) -> String {
        format!("/orders/{order_id}?key={}", self.order_key(order_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_key_opens_only_its_own_order_and_only_from_this_shop() {
        let s = CookieSigner::new(b"secret");
        let key = s.order_key("o123");
        assert_eq!(key.len(), 32);
        assert!(s.order_key_matches("o123", &key));
        assert!(!s.order_key_matches("o124", &key), "another order's key");
        assert!(!CookieSigner::new(b"other").order_key_matches("o123", &key), "another shop's key");
        assert!(!s.order_key_matches("o123", &key[..31]), "a shortened key");
        assert!(!s.order_key_matches("o123", ""), "no key");
        assert!(!s.order_key_matches("o123", &"zz".repeat(16)), "not hex");
        assert_eq!(s.order_path("o123"), format!("/orders/o123?key={key}"));
    }

    #[test]
    fn a_forged_or_altered_cookie_is_refused() {
        let s = CookieSigner::new(b"secret");
        let v = s.sign("abc123");
        assert_eq!(s.verify(&v).as_deref(), Some("abc123"));
        assert_eq!(s.verify(&v.replace("abc123", "abc124")), None);
        assert_eq!(CookieSigner::new(b"other").verify(&v), None);
        for junk in ["", ".", "abc", "abc.zz", "a.b.c"] {
            assert_eq!(s.verify(junk), None);
        }
    }
}
