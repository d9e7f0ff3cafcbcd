//! Checkout: validate the form, price the cart from the catalog, authorize
//! the payment, put the order on the queue and return at once. The order id
//! is derived from the cart and the form's idempotency key, so a double
//! click or a retried request names the same order (and the worker stores
//! it once).

use super::cart::{hex, price_cart, Cart};
use crate::cache::Cache;
use crate::catalog::CachedCatalog;
use crate::payments::{PaymentError, Payments};
use crate::queue::{Outgoing, Queue};
use domain::order::{Address, Email, FieldErrors, OrderLine, OrderMessage, Shipping};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutForm {
    pub email: String,
    pub address: Address,
    pub shipping: String,
    pub card_number: String,
    pub idempotency_key: String,
    /// Set by the server for a signed-in shopper, never from client input.
    #[serde(skip)]
    pub user_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum CheckoutError {
    #[error("please correct the highlighted fields")]
    Invalid(FieldErrors),
    #[error("{0}")]
    Cart(String),
    #[error("{0}")]
    Declined(String),
    #[error("checkout is briefly unavailable; nothing was charged, please try again")]
    Unavailable,
}

#[derive(Clone)]
pub struct Checkout {
    pub catalog: Arc<CachedCatalog>,
    pub payments: Arc<dyn Payments>,
    pub orders: Arc<dyn Queue>,
    pub sale: Arc<dyn Queue>,
    pub cache: Arc<dyn Cache>,
}

/// Tag that routes an order through the FIFO sale queue.
pub const FLASH_SALE_TAG: &str = "flash-sale";

pub fn order_id(cart_id: &str, idempotency_key: &str) -> String {
    let digest = Sha256::digest(format!("{cart_id}:{idempotency_key}").as_bytes());
    format!("o{}", &hex(&digest)[..24])
}

fn unavailable(e: impl std::fmt::Display) -> CheckoutError {
    tracing::error!(error = %e, "checkout failed on a dependency");
    CheckoutError::Unavailable
}

pub fn validate(form: &CheckoutForm) -> Result<(Email, Address, Shipping), CheckoutError> {
    let mut errors = FieldErrors::new();
    let email = Email::parse(&form.email).map_err(|e| errors.insert("email".into(), e)).ok();
    let address = Address::parse(&form.address, &mut errors);
    let shipping = Shipping::parse(&form.shipping);
    if shipping.is_none() {
        errors.insert("shipping".into(), "choose a shipping method".into());
    }
    let digits: String = form.card_number.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    if !domain::order::card_number_ok(&digits) {
        errors.insert("card_number".into(), "enter a valid card number".into());
    }
    let key = &form.idempotency_key;
    if key.len() < 8 || key.len() > 64 || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        errors.insert("idempotency_key".into(), "reload the page and try again".into());
    }
    match (email, shipping) {
        (Some(e), Some(s)) if errors.is_empty() => Ok((e, address, s)),
        _ => Err(CheckoutError::Invalid(errors)),
    }
}

impl Checkout {
    /// Accept an order; returns its id. The caller clears the cart.
    pub async fn place(
        &self,
        cart_id: &str,
        cart: &Cart,
        form: &CheckoutForm,
        request_id: &str,
    ) -> Result<String, CheckoutError> {
        let (email, address, shipping) = validate(form)?;
        let id = order_id(cart_id, &form.idempotency_key);
        let marker = format!("checkout:{id}");
        if let Ok(Some(_)) = self.cache.get(&marker).await {
            return Ok(id); // the same submit again: already accepted
        }
        if cart.lines.is_empty() {
            return Err(CheckoutError::Cart("your cart is empty".into()));
        }
        let priced = price_cart(&self.catalog, cart).await.map_err(unavailable)?;
        if !priced.ready {
            return Err(CheckoutError::Cart("some items in your cart changed; review your cart before paying".into()));
        }
        let shipping_price = shipping.price(priced.subtotal);
        let total = priced.subtotal.checked_add(shipping_price).map_err(|e| CheckoutError::Cart(e.to_string()))?;
        let auth = match self.payments.authorize(&id, total, &form.card_number).await {
            Ok(a) => a,
            Err(PaymentError::Declined(r)) => {
                return Err(CheckoutError::Declined(format!("Payment declined: {r}. Nothing was charged.")))
            }
            Err(PaymentError::Transient(e)) => return Err(unavailable(e)),
        };
        let mut sale_group = None;
        let mut lines = Vec::new();
        for l in &priced.lines {
            if let Ok(Some(p)) = self.catalog.product_by_id(&l.product_id).await {
                if sale_group.is_none() && p.tags.iter().any(|t| t == FLASH_SALE_TAG) {
                    sale_group = Some(l.sku.clone());
                }
            }
            lines.push(OrderLine {
                product_id: l.product_id.clone(),
                sku: l.sku.clone(),
                title: l.title.clone(),
                unit_price: l.unit_price,
                quantity: l.quantity,
            });
        }
        let message = OrderMessage {
            order_id: id.clone(),
            email: email.as_str().to_string(),
            address,
            shipping,
            lines,
            currency: total.currency(),
            subtotal: priced.subtotal,
            shipping_price,
            total,
            payment_auth: auth,
            created_at: super::repo::now(),
            request_id: request_id.to_string(),
            user_id: form.user_id.clone(),
        };
        let body = serde_json::to_string(&message).map_err(unavailable)?;
        let mut out = Outgoing::new(body).attribute("request_id", request_id).attribute("order_id", id.clone());
        let queue = match sale_group {
            Some(group) => {
                out.group_id = Some(group);
                out.dedup_id = Some(id.clone());
                &self.sale
            }
            None => &self.orders,
        };
        queue.send(out).await.map_err(unavailable)?;
        let _ = self.cache.set(&marker, b"1", Some(Duration::from_secs(24 * 3600))).await;
        tracing::info!(order.id = %id, total = total.minor(), "order accepted");
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> CheckoutForm {
        CheckoutForm {
            email: "a@b.co".into(),
            address: Address {
                name: "Ann".into(),
                line1: "1 Main St".into(),
                line2: "".into(),
                city: "Lisbon".into(),
                postal_code: "1000-001".into(),
                country: "PT".into(),
            },
            shipping: "standard".into(),
            card_number: "4242 4242 4242 4242".into(),
            idempotency_key: "k-12345678".into(),
            user_id: None,
        }
    }

    #[test]
    fn a_good_form_validates() {
        assert!(validate(&form()).is_ok());
    }

    #[test]
    fn every_bad_field_is_reported() {
        let mut f = form();
        f.email = "nope".into();
        f.shipping = "teleport".into();
        f.card_number = "1234".into();
        f.address.country = "XX".into();
        let Err(CheckoutError::Invalid(errors)) = validate(&f) else { panic!("accepted") };
        let fields: Vec<&str> = errors.keys().map(String::as_str).collect();
        assert_eq!(fields, ["card_number", "country", "email", "shipping"]);
    }

    #[test]
    fn the_same_cart_and_key_name_the_same_order() {
        assert_eq!(order_id("c1", "k1"), order_id("c1", "k1"));
        assert_ne!(order_id("c1", "k1"), order_id("c1", "k2"));
        assert_ne!(order_id("c1", "k1"), order_id("c2", "k1"));
    }
}
