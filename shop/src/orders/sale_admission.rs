//! Why: in a flash sale, add to cart reads the stock the worker has already
//! reserved, and the worker reserves one sale order at a time. When
//! checkouts outpace it (a busy machine), every shopper is told "in stock",
//! goes on to check out, gets a payment hold and a queued order, and is
//! rejected later: 300 checkouts and their commits for 50 units, which slows
//! the worker further. So a flash-sale checkout is refused before its
//! payment hold when the orders accepted for that item and not yet reserved
//! already cover the stock left. The worker stays the only authority on
//! stock (this never accepts what it would not); rows are counted, not
//! units (each order holds at least one unit), so the count never exceeds
//! the units those orders hold.

use super::cart::PricedCart;
use super::checkout::{CheckoutError, FLASH_SALE_TAG};
use super::outbox::Outbox;
use crate::catalog::CachedCatalog;
use domain::OrderId;

/// Accepted orders older than this without an order row are the
/// reconciler's business, not a hold on the sale's stock.
pub const PENDING_WINDOW_SECS: i64 = 600;

/// Refuse a flash-sale line whose stock left (as add to cart reads it) is
/// held by orders accepted a moment ago and not yet reserved. The order
/// `id` itself is not counted (a double submit racing its twin), and a cart
/// another tab ordered meanwhile (`claim`) is told so, not "sold out".
pub async fn admit(
    catalog: &CachedCatalog,
    outbox: &Outbox,
    priced: &PricedCart,
    (id, claim): (&OrderId, &str),
) -> Result<(), CheckoutError> {
    let unavailable = |e: ports::PortError| {
        tracing::error!(error = %e, "checkout could not count the sale's pending orders");
        CheckoutError::Unavailable
    };
    for l in &priced.lines {
        let on_sale = catalog
            .product_by_id(&l.product_id)
            .await
            .ok()
            .flatten()
            .is_some_and(|p| p.tags.iter().any(|t| t == FLASH_SALE_TAG));
        if !on_sale {
            continue;
        }
        let since = super::repo::now() - PENDING_WINDOW_SECS;
        let pending = outbox.pending_in_group(&l.sku, since, id).await.map_err(unavailable)?;
        if l.stock - pending < i64::from(l.quantity) {
            if let Some(other) = outbox.by_claim(claim).await.map_err(unavailable)? {
                return Err(CheckoutError::AlreadyOrdered { order_id: other.order_id });
            }
            tracing::info!(sku = %l.sku, stock = l.stock, pending, "flash-sale checkout refused: pending orders hold the stock left");
            return Err(CheckoutError::Cart(format!(
                "Sorry, {} is sold out for now: orders placed a moment ago hold every unit left. Nothing was charged.",
                l.title
            )));
        }
    }
    Ok(())
}
