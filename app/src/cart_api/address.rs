//! The checkout's address: what a posted checkout form keeps when it comes
//! back (never the card number), and "Update shipping and taxes", which
//! posts the address so the page shows that zone's methods and taxes.

#[cfg(feature = "ssr")]
use super::ssr;
use crate::error::AppError;
use leptos::prelude::*;

/// What the checkout form keeps when it comes back (never the card number).
#[cfg(feature = "ssr")]
pub(super) fn kept_values(
    email: &str,
    a: &domain::order::Address,
    shipping: &str,
) -> std::collections::BTreeMap<String, String> {
    [
        ("email", email),
        ("name", &a.name),
        ("line1", &a.line1),
        ("line2", &a.line2),
        ("city", &a.city),
        ("region", &a.region),
        ("postal_code", &a.postal_code),
        ("country", &a.country),
        ("shipping", shipping),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// The checkout's "Update shipping and taxes": back to the checkout with
/// what was typed, so it shows the methods and taxes of that address.
#[allow(clippy::too_many_arguments)] // one argument per form field
#[server]
pub async fn checkout_address_form(
    #[server(default)] email: String,
    #[server(default)] name: String,
    #[server(default)] line1: String,
    #[server(default)] line2: String,
    #[server(default)] city: String,
    #[server(default)] postal_code: String,
    #[server(default)] country: String,
    #[server(default)] region: String,
    #[server(default)] shipping: String,
) -> Result<(), AppError> {
    let address = domain::order::Address { name, line1, line2, city, postal_code, country, region };
    let values = kept_values(&email, &address, &shipping);
    back_to_checkout(crate::forms::FormState { values, errors: Default::default(), message: None }).await
}

/// To the checkout with `form` kept for this browser.
#[cfg(feature = "ssr")]
pub(super) async fn back_to_checkout(form: crate::forms::FormState) -> Result<(), AppError> {
    let st = ssr::state()?;
    let kept = serde_json::to_value(form).unwrap_or_default();
    match st.forms.keep(&kept).await {
        Ok(id) => leptos_axum::redirect(&format!("/checkout?form={id}")),
        Err(e) => {
            tracing::warn!(error = %e, "could not keep the checkout form; back to an empty one");
            leptos_axum::redirect("/checkout");
        }
    }
    Ok(())
}
