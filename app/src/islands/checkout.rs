//! The checkout form, and the island inside it that prices the order as
//! the shopper picks a country or types a region. The form is plain
//! server-rendered HTML posting to `place_order_form` (post, redirect,
//! get), with or without Wasm. Only its pricing part is an island: it
//! carries the cart as the engine takes it (`domain::pricing::Basket`) and
//! re-prices it in the browser with the code the server charges with, so
//! the methods, taxes and totals follow the address with no round trip.
//! The engine and the basket's decoders are a lazily loaded part of the
//! Wasm (`#[lazy] reprice`, split out by `cargo leptos build --split`):
//! fetched when a shopper first changes the address, never by the pages
//! that have no checkout (they come to more than the bundle's budget).
//! Without Wasm, "Update shipping and taxes" posts the address
//! (`checkout_address_form`) and comes back with them; placing an order
//! with a method of another zone is refused with the methods that ship
//! there, and the server prices the order again whatever the page showed.

use crate::cart_api::{CheckoutAddressForm, PlaceOrderForm};
use crate::forms::FormState;
use crate::model::CheckoutTotals;
use domain::pricing::Basket;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos::task::spawn_local;

#[component]
pub fn CheckoutForm(
    idempotency_key: String,
    /// What a refused post kept (never the card number).
    kept: FormState,
    /// The cart as the pricing engine takes it (`cart_basket`).
    basket: Basket,
) -> impl IntoView {
    let value = |k: &str| kept.value(k);
    let err = |f: &str| kept.error(f).map(|m| view! { <span class="error field-error">{m}</span> });
    let errors: Vec<(String, String)> = ["country", "region", "shipping"]
        .into_iter()
        .filter_map(|f| kept.error(f).map(|m| (f.to_string(), m)))
        .collect();
    let totals = CheckoutTotals::priced(&basket, &kept.value("country"), &kept.value("region"));
    let basket = serde_json::to_string(&basket).unwrap_or_default();
    view! {
        <form class="checkout-form" method="post" action=PlaceOrderForm::PATH novalidate>
            {kept.message.clone().map(|m| view! { <p class="error" role="alert" data-testid="checkout-message">{m}</p> })}
            <input type="hidden" name="idempotency_key" value=idempotency_key />
            <fieldset>
                <legend>"Contact"</legend>
                <label>"Email" <input name="email" type="email" autocomplete="email" required value=value("email") /></label>{err("email")}
            </fieldset>
            <fieldset>
                <legend>"Shipping address"</legend>
                <label>"Full name" <input name="name" autocomplete="name" required value=value("name") /></label>{err("name")}
                <label>"Address" <input name="line1" autocomplete="address-line1" required value=value("line1") /></label>{err("line1")}
                <label>"Apartment, suite (optional)" <input name="line2" autocomplete="address-line2" value=value("line2") /></label>{err("line2")}
                <label>"City" <input name="city" autocomplete="address-level2" required value=value("city") /></label>{err("city")}
                <label>"Postal code" <input name="postal_code" autocomplete="postal-code" required value=value("postal_code") /></label>{err("postal_code")}
            </fieldset>
            <CheckoutPricing basket totals country=value("country") region=value("region") chosen=value("shipping") errors />
            <fieldset>
                <legend>"Payment (test cards only)"</legend>
                <label>"Card number" <input name="card_number" inputmode="numeric" autocomplete="cc-number" placeholder="4242 4242 4242 4242" required /></label>{err("card_number")}
            </fieldset>
            <button class="primary" type="submit">"Place order"</button>
        </form>
    }
}

/// Country, region, the zone's shipping methods and every method's totals
/// (CSS shows the checked one's: `:has`, by position). Rendered from
/// `totals`, priced on the server; hydrated, it prices `basket` again with
/// the same engine (`reprice`) on every change of country or region.
#[island]
pub fn CheckoutPricing(
    /// `domain::pricing::Basket` as JSON, decoded only by `reprice`.
    basket: String,
    /// The totals for `country` and `region`, as the server priced them.
    totals: CheckoutTotals,
    country: String,
    region: String,
    /// The method the shopper picked (the zone's first when it has no such).
    chosen: String,
    /// Field errors of a refused post, by field name.
    errors: Vec<(String, String)>,
) -> impl IntoView {
    let (first_country, first_region) = (country.clone(), region.clone());
    let (country, set_country) = signal(country);
    let (region, set_region) = signal(region);
    let (chosen, set_chosen) = signal(chosen);
    let (totals, set_totals) = signal(totals);
    let basket = StoredValue::new(basket);
    // Price again for the address as it is now; an answer for an address
    // changed since is dropped.
    let reprice_now = move || {
        let (c, r, b) = (country.get_untracked(), region.get_untracked(), basket.get_value());
        spawn_local(async move {
            if let Some(t) = reprice(b, c.clone(), r.clone()).await {
                if country.get_untracked() == c && region.get_untracked() == r {
                    set_totals.set(t);
                }
            }
        });
    };
    let err = move |f: &str| {
        errors.iter().find(|(k, _)| k == f).map(|(_, m)| view! { <span class="error field-error">{m.clone()}</span> })
    };
    let (region_err, country_err, shipping_err) = (err("region"), err("country"), err("shipping"));
    let methods = move || {
        let t = totals.get();
        let picked = chosen.get_untracked();
        let picked = if t.methods.iter().any(|m| m.code == picked) {
            picked
        } else {
            t.methods.first().map(|m| m.code.clone()).unwrap_or_default()
        };
        t.methods
            .into_iter()
            .enumerate()
            .map(|(i, m)| {
                let code = m.code.clone();
                view! {
                    <label class="choice">
                        <input type="radio" name="shipping" value=m.code.clone() data-i=i.to_string() checked=m.code == picked
                            on:change=move |_| set_chosen.set(code.clone()) />
                        <span>{m.label}</span>
                    </label>
                }
            })
            .collect_view()
    };
    let included = move || totals.get().tax_included;
    view! {
        <fieldset>
            <legend>"Destination"</legend>
            <label>"State, province or region (optional)"
                <input name="region" autocomplete="address-level1" maxlength="10" value=first_region
                    on:input=move |ev| { set_region.set(event_target_value(&ev)); reprice_now() } />
            </label>{region_err}
            <label>"Country"
                <select name="country" autocomplete="country" on:change=move |ev| { set_country.set(event_target_value(&ev)); reprice_now() }>
                    {domain::order::COUNTRIES.iter().map(|(code, name)| {
                        view! { <option value=*code selected=*code == first_country>{*name}</option> }
                    }).collect_view()}
                </select>
            </label>{country_err}
            <button type="submit" class="without-wasm" formaction=CheckoutAddressForm::PATH formnovalidate data-testid="update-shipping">"Update shipping and taxes"</button>
        </fieldset>
        <input type="hidden" name="discount_seen" value=move || format!("d:{}", totals.get().discount_token) />
        <fieldset>
            <legend>{move || format!("Shipping method to {}", totals.get().destination)}</legend>
            {move || totals.get().no_shipping.then(|| view! {
                <p class="notice error" role="alert" data-testid="no-shipping">{format!("Sorry, we do not ship to {} yet.", totals.get().destination)}</p>
            })}
            {methods}
            {shipping_err}
        </fieldset>
        {move || totals.get().code_problem.map(|p| view! {
            <p class="notice error" role="alert" data-testid="code-problem">{format!("Sorry, {p}. ")}<a href="/cart">"Remove it in your cart"</a></p>
        })}
        <dl class="totals" data-testid="checkout-totals" aria-live="polite">
            <dt>"Subtotal"</dt><dd>{move || totals.get().subtotal}</dd>
            {move || { let t = totals.get(); t.code.map(|c| view! {
                <dt>"Discount " <span class="code-label">{c}</span></dt>
                <dd data-testid="discount">{t.discount.unwrap_or_else(|| "—".into())}</dd>
            })}}
            {move || totals.get().methods.into_iter().enumerate().map(|(i, m)| {
                let (added, inside) = if included() { (vec![], m.tax) } else { (m.tax, vec![]) };
                view! {
                    <div class=format!("method-totals for-m{i}")>
                        <dt>"Shipping"</dt><dd class="shipping-price">{m.shipping}</dd>
                        {added.into_iter().map(|(what, amount)| view! { <dt>{what}</dt><dd class="tax-amount">{amount}</dd> }).collect_view()}
                        <dt>"Total"</dt><dd><strong class="order-total">{m.total}</strong></dd>
                        {inside.into_iter().map(|(what, amount)| view! { <dt class="muted">{format!("Includes {what}")}</dt><dd class="tax-amount muted">{amount}</dd> }).collect_view()}
                    </div>
                }
            }).collect_view()}
        </dl>
    }
}

/// The checkout's totals for an address, priced in the browser by the
/// engine the server charges with. A lazily loaded part of the Wasm: the
/// engine and the basket's decoders are fetched with the first change of
/// address, not with every page. `None` for a basket that does not decode.
#[lazy]
fn reprice(basket: String, country: String, region: String) -> Option<CheckoutTotals> {
    let basket: Basket = serde_json::from_str(&basket).ok()?;
    Some(CheckoutTotals::priced(&basket, &country, &region))
}
