//! Checkout: validate the form, price the cart from the catalog, authorize
//! the payment, write the order to the outbox (the durable accepted record)
//! and answer; the message goes to the queue at once or, if that fails, by
//! the relay. The order id is derived from the cart and the form's
//! idempotency key, so a double click or a retried request names the same
//! order; the key is bound to a fingerprint of the priced cart, so a reused
//! key with another cart is refused instead of confirming a new total
//! against an old hold. Each cart (id + generation) makes one order, however
//! many tabs submit it. Any failure after the authorization voids it.

use super::cart::{hex, price_cart, Cart, PricedCart};
use super::codes;
use super::outbox::{Accepted, Claim, Outbox, ORDERS, SALE};
use crate::catalog::CachedCatalog;
use domain::order::{Address, Email, FieldErrors, OrderLine, OrderMessage, Shipping};
use domain::pricing::{PriceError, Quote};
use domain::rules::ShopRules;
use domain::shipping::{Method, Zone};
use domain::{OrderId, ProductId, Sku, UserId};
use ports::payments::{PaymentError, Payments};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::Arc;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutForm {
    pub email: String,
    pub address: Address,
    pub shipping: String,
    pub card_number: String,
    pub idempotency_key: String,
    /// The discount the page showed (`Quote::discount_token`), when the form
    /// posts it back: checkout refuses if it changed meanwhile.
    #[serde(default)]
    pub discount_seen: Option<String>,
    /// Set by the server for a signed-in shopper, never from client input.
    #[serde(skip)]
    pub user_id: Option<UserId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum CheckoutError {
    #[error("please correct the highlighted fields")]
    Invalid(FieldErrors),
    #[error("{0}")]
    Cart(String),
    #[error("{0}")]
    Declined(String),
    /// The idempotency key was used before for a different cart or total.
    #[error("this checkout page was already used for a different cart; reload the page to review your order")]
    KeyReused,
    /// Another tab or device ordered this cart a moment ago.
    #[error("this cart was just ordered (order {order_id})")]
    AlreadyOrdered { order_id: OrderId },
    #[error("checkout is briefly unavailable; nothing was charged, please try again")]
    Unavailable,
}

#[derive(Clone)]
pub struct Checkout {
    pub catalog: Arc<CachedCatalog>,
    pub payments: Arc<dyn Payments>,
    pub outbox: Outbox,
}

/// Tag that routes an order through the FIFO sale queue.
pub const FLASH_SALE_TAG: &str = "flash-sale";

pub fn order_id(cart_id: &str, idempotency_key: &str) -> OrderId {
    let digest = Sha256::digest(format!("{cart_id}:{idempotency_key}").as_bytes());
    OrderId::from_digest(&digest)
}

/// A request id fit to travel with the order: at most 64 characters of
/// `[A-Za-z0-9-]`, else a fresh one (it is copied into the message and logs).
pub fn request_id(given: &str) -> String {
    let ok = !given.is_empty() && given.len() <= 64 && given.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok {
        given.to_string()
    } else {
        uuid::Uuid::new_v4().to_string()
    }
}

/// SHA-256 of everything the shopper is charged for: each line's SKU,
/// quantity and unit price, the shipping method, the code and the totals.
pub fn fingerprint(priced: &PricedCart, shipping: &Shipping, quote: &Quote) -> String {
    let mut h = Sha256::new();
    for l in &priced.lines {
        h.update(format!("{}|{}|{}|{}\n", l.sku, l.quantity, l.unit_price.minor(), l.unit_price.currency().code()));
    }
    let t = &quote.totals;
    h.update(format!(
        "ship|{}|{}\ntotal|{}|{}",
        shipping.as_str(),
        t.shipping.minor(),
        t.total.minor(),
        t.total.currency().code()
    ));
    if let Some(c) = &quote.code {
        h.update(format!("\ncode|{}|{}", c.code, t.discount.minor()));
    }
    hex(&h.finalize())
}

/// The zone and method for this address, or the field to correct.
pub fn ship_to<'a>(
    rules: &'a ShopRules,
    to: codes::Destination<'_>,
    code: &Shipping,
) -> Result<(&'a Zone, &'a Method), CheckoutError> {
    let name = domain::order::COUNTRIES.iter().find(|(c, _)| *c == to.country).map(|(_, n)| *n).unwrap_or(to.country);
    let Some(zone) = rules.zone(to.country, to.region) else {
        let why = format!("sorry, we do not ship to {name} yet");
        return Err(CheckoutError::Invalid(FieldErrors::from([("country".to_string(), why)])));
    };
    match zone.methods.iter().find(|m| &m.code == code) {
        Some(m) => Ok((zone, m)),
        None => {
            let names: Vec<&str> = zone.methods.iter().map(|m| m.label.as_str()).collect();
            let why = format!("to {name} we ship by {}: choose one of them", names.join(" or "));
            Err(CheckoutError::Invalid(FieldErrors::from([("shipping".to_string(), why)])))
        }
    }
}

fn unavailable(e: impl std::fmt::Display) -> CheckoutError {
    tracing::error!(error = %e, "checkout failed on a dependency");
    CheckoutError::Unavailable
}

pub fn validate(form: &CheckoutForm) -> Result<(Email, Address, Shipping), CheckoutError> {
    let mut errors = FieldErrors::new();
    let email = Email::parse(&form.email).map_err(|e| errors.insert("email".into(), e)).ok();
    let address = Address::parse(&form.address, &mut errors);
    let shipping = Shipping::parse(&form.shipping).ok();
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
    /// Accept an order; returns its id. The cart is emptied with the
    /// accepted record (`Outbox::insert`); a repeat of that submit leaves
    /// whatever the cart holds now.
    pub async fn place(
        &self,
        cart_id: &str,
        cart: &Cart,
        form: &CheckoutForm,
        request_id: &str,
    ) -> Result<OrderId, CheckoutError> {
        let (email, address, shipping) = validate(form)?;
        let rules = self.catalog.rules().await.map_err(unavailable)?;
        let to = codes::Destination { country: &address.country, region: &address.region };
        let (zone, method) = ship_to(&rules, to, &shipping)?;
        let delivery = codes::delivery(&rules, zone, method, to);
        let request_id = self::request_id(request_id);
        let id = order_id(cart_id, &form.idempotency_key);
        let earlier = self.outbox.get(&id).await.map_err(unavailable)?;
        if earlier.is_some() && cart.lines.is_empty() {
            return Ok(id); // the same submit again, after the cart was cleared
        }
        if cart.lines.is_empty() {
            return Err(CheckoutError::Cart("your cart is empty".into()));
        }
        let priced = price_cart(&self.catalog, cart).await.map_err(unavailable)?;
        if !priced.ready {
            return Err(CheckoutError::Cart("some items in your cart changed; review your cart before paying".into()));
        }
        if let Some(earlier) = earlier {
            // The same submit again (its answer lost): the cart as priced now
            // against what that order charges, never a fresh quote, so no
            // promotion that changed or ran out since can refuse an order
            // that goes through.
            let same = serde_json::from_str::<OrderMessage>(&earlier.body)
                .ok()
                .filter(|m| m.shipping == shipping)
                .is_some_and(|m| fingerprint(&priced, &shipping, &Quote::of_message(&m)) == earlier.fingerprint);
            return if same { Ok(id) } else { Err(CheckoutError::KeyReused) };
        }
        if let Some(seen) = form.discount_seen.as_deref() {
            // What the page showed, posted back: a promotion that ended or
            // changed since must not change the charge unseen.
            let now = codes::quote(&self.catalog, &priced, cart.code.as_deref(), codes::UseCheck::Limit, delivery)
                .await
                .map_err(unavailable)?
                .ok()
                .map(|q| q.discount_token())
                .unwrap_or_default();
            if now != seen {
                return Err(CheckoutError::Cart(
                    "the discount on your order changed since the page was shown; review the totals before paying"
                        .into(),
                ));
            }
        }
        let uses = codes::UseCheck::Customer(email.as_str());
        let quote = codes::quote(&self.catalog, &priced, cart.code.as_deref(), uses, delivery)
            .await
            .map_err(unavailable)?
            .map_err(|e| match e {
                PriceError::Code(why) => {
                    CheckoutError::Cart(format!("Sorry, {why}: remove it from your cart to check out without it."))
                }
                PriceError::Money(e) => CheckoutError::Cart(e.to_string()),
            })?;
        let total = quote.totals.total;
        let print = fingerprint(&priced, &shipping, &quote);
        let claim = format!("{cart_id}:{}", cart.generation);
        if let Some(other) = self.outbox.by_claim(&claim).await.map_err(unavailable)? {
            return Err(CheckoutError::AlreadyOrdered { order_id: other.order_id });
        }
        super::sale_admission::admit(&self.catalog, &self.outbox, &priced, (&id, &claim)).await?;
        let auth = match self.payments.authorize(&id, &print, total, &form.card_number).await {
            Ok(a) => a,
            Err(PaymentError::Declined(r)) => {
                return Err(CheckoutError::Declined(format!("Payment declined: {r}. Nothing was charged.")))
            }
            Err(PaymentError::Transient(e)) => return Err(unavailable(e)),
        };
        // From here on, every failure voids the hold it leaves behind.
        let accepted = async {
            let shipping = (shipping.clone(), method.label.clone());
            let (message, group) =
                self.message(&id, email, address, shipping, &priced, &quote, &auth, &request_id, form).await?;
            let record = Accepted {
                order_id: id.clone(),
                cart_id: cart_id.to_string(),
                cart_claim: claim,
                fingerprint: print.clone(),
                queue: if group.is_some() { SALE } else { ORDERS }.to_string(),
                group_id: group,
                body: serde_json::to_string(&message).map_err(unavailable)?,
                payment_auth: auth.clone(),
                total_minor: total.minor(),
                currency: total.currency().code().to_string(),
                request_id: request_id.clone(),
                trace_parent: crate::trace::current_traceparent(),
                sent_at: None,
                created_at: message.created_at,
            };
            match self.outbox.insert(&record).await.map_err(unavailable)? {
                Claim::Inserted => Ok(record),
                Claim::SameOrder(same) if same.fingerprint == print => Ok(*same),
                Claim::SameOrder(_) => Err(CheckoutError::KeyReused),
                Claim::CartTaken { order_id } => Err(CheckoutError::AlreadyOrdered { order_id }),
            }
        }
        .await;
        let record = match accepted {
            Ok(r) => r,
            Err(e) => {
                if let Err(v) = self.payments.void(&auth).await {
                    // The reconciler voids holds that no order owns.
                    tracing::warn!(order.id = %id, error = %v, "could not void the hold of a failed checkout");
                }
                return Err(e);
            }
        };
        if record.sent_at.is_none() {
            if let Err(e) = self.outbox.send(&record).await {
                tracing::warn!(order.id = %id, error = %e, "order accepted; the relay will send it");
            }
        }
        tracing::info!(order.id = %id, total = total.minor(), "order accepted");
        Ok(id)
    }

    #[allow(clippy::too_many_arguments)]
    async fn message(
        &self,
        id: &OrderId,
        email: Email,
        address: Address,
        (shipping, shipping_label): (Shipping, String),
        priced: &PricedCart,
        quote: &Quote,
        auth: &str,
        request_id: &str,
        form: &CheckoutForm,
    ) -> Result<(OrderMessage, Option<String>), CheckoutError> {
        let mut sale_group = None;
        let mut lines = Vec::new();
        for l in &priced.lines {
            if let Ok(Some(p)) = self.catalog.product_by_id(&l.product_id).await {
                if sale_group.is_none() && p.tags.iter().any(|t| t == FLASH_SALE_TAG) {
                    sale_group = Some(l.sku.clone());
                }
            }
            // Priced lines come from the catalog, so both parse; one that
            // does not is a changed item, never a line with a bad id.
            let changed =
                || CheckoutError::Cart("some items in your cart changed; review your cart before paying".into());
            lines.push(OrderLine {
                product_id: ProductId::parse(&l.product_id).map_err(|_| changed())?,
                sku: Sku::parse(&l.sku).map_err(|_| changed())?,
                title: l.title.clone(),
                unit_price: l.unit_price,
                quantity: l.quantity,
            });
        }
        let message = OrderMessage {
            order_id: id.clone(),
            email,
            address,
            shipping,
            shipping_label,
            lines,
            currency: quote.totals.total.currency(),
            subtotal: quote.totals.subtotal,
            shipping_price: quote.totals.shipping,
            total: quote.totals.total,
            payment_auth: auth.to_string(),
            created_at: super::repo::now(),
            request_id: request_id.to_string(),
            user_id: form.user_id.clone(),
            code: quote.code.clone(),
            tax: quote.tax.clone(),
        };
        Ok((message, sale_group))
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
                region: "".into(),
            },
            shipping: "standard".into(),
            card_number: "4242 4242 4242 4242".into(),
            idempotency_key: "k-12345678".into(),
            discount_seen: None,
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
        f.shipping = "tele port".into();
        f.card_number = "1234".into();
        f.address.country = "XX".into();
        let Err(CheckoutError::Invalid(errors)) = validate(&f) else { panic!("accepted") };
        let fields: Vec<&str> = errors.keys().map(String::as_str).collect();
        assert_eq!(fields, ["card_number", "country", "email", "shipping"]);
    }

    #[test]
    fn a_request_id_is_kept_only_when_short_and_plain() {
        assert_eq!(request_id("abc-123"), "abc-123");
        for bad in ["", &"a".repeat(65), "a b", "x\ny", "é"] {
            let fresh = request_id(bad);
            assert_ne!(fresh, bad);
            assert_eq!(request_id(&fresh), fresh, "a generated id is valid");
        }
    }

    #[test]
    fn the_same_cart_and_key_name_the_same_order() {
        assert_eq!(order_id("c1", "k1"), order_id("c1", "k1"));
        assert_ne!(order_id("c1", "k1"), order_id("c1", "k2"));
        assert_ne!(order_id("c1", "k1"), order_id("c2", "k1"));
    }
}
