//! Cart, checkout and order-status islands. The header's cart badge is plain
//! HTML (`#cart-count`); islands update its text after a change. Every form
//! here also posts without Wasm (to the `*_form` server functions, which
//! redirect); hydrated, the islands intercept the submit.

use crate::cart_api::{order_status, update_cart_line, CheckoutAddressForm, PlaceOrderForm, UpdateCartLineForm};
use crate::forms::FormState;
use crate::model::{CartChange, CartView, CheckoutTotals, OrderView};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos::task::spawn_local;

pub fn set_badge(count: u32) {
    if let Some(el) = document().get_element_by_id("cart-count") {
        el.set_text_content(Some(&count.to_string()));
    }
}

/// The header's cart count. Filled in the browser, so catalog pages are the
/// same for every anonymous shopper and can be served from the page cache.
#[island]
pub fn CartBadge() -> impl IntoView {
    Effect::new(move |_| {
        spawn_local(async move {
            if let Ok(n) = crate::cart_api::cart_count().await {
                set_badge(n);
            }
        });
    });
    view! { <span id="cart-count" class="badge" data-testid="cart-count">"0"</span> }
}

#[island]
pub fn CartEditor(cart: CartView) -> impl IntoView {
    let (cart, set_cart) = signal(cart);
    let (message, set_message) = signal(None::<String>);
    let change = move |sku: String, quantity: i64| {
        spawn_local(async move {
            match update_cart_line(sku, quantity).await {
                Ok(CartChange::Done(c)) => {
                    set_badge(c.count);
                    set_cart.set(c);
                    set_message.set(None);
                }
                Ok(CartChange::Refused(why)) => set_message.set(Some(why)),
                Err(e) => set_message.set(Some(e.to_string())),
            }
        });
    };
    view! {
        <div class="cart" data-testid="cart">
            {move || message.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            <Show when=move || !cart.get().lines.is_empty() fallback=|| view! { <p>"Your cart is empty. " <a href="/">"Keep shopping"</a></p> }>
                <ul class="cart-lines">
                    <For each=move || cart.get().lines key=|l| (l.sku.clone(), l.quantity, l.notice.clone()) let:line>
                        {
                            let sku = line.sku.clone();
                            let sku2 = line.sku.clone();
                            let label = format!("Quantity of {}", line.title);
                            view! {
                                <li class="cart-line" data-sku=line.sku.clone()>
                                    {line.image.clone().map(|src| view! { <img src=src alt="" width="80" height="80" /> })}
                                    <div>
                                        <a href=format!("/p/{}?variant={}", line.slug, line.sku)>{line.title.clone()}</a>
                                        <p class="muted">{line.options.clone()}</p>
                                        <p>{line.unit_price.clone()}" each"</p>
                                        {line.notice.clone().map(|n| view! { <p class="notice">{n}</p> })}
                                    </div>
                                    <form method="post" action=UpdateCartLineForm::PATH class="quantity-form" on:submit=|ev| ev.prevent_default()>
                                        <input type="hidden" name="sku" value=line.sku.clone() />
                                        <label>
                                            <span class="visually-hidden">{label}</span>
                                            <select name="quantity" on:change=move |ev| {
                                                let q = event_target_value(&ev).parse::<i64>().unwrap_or(1);
                                                change(sku.clone(), q);
                                            }>
                                                {(1..=domain::order::MAX_QUANTITY).map(|q| view! { <option value=q.to_string() selected=q == line.quantity>{q}</option> }).collect_view()}
                                            </select>
                                        </label>
                                        // Without Wasm a change needs a submit; hydrated, it applies at once.
                                        <button type="submit" class="without-wasm">"Update"</button>
                                    </form>
                                    <p class="price">{line.line_total.clone()}</p>
                                    <form method="post" action=UpdateCartLineForm::PATH on:submit=move |ev| { ev.prevent_default(); change(sku2.clone(), 0) }>
                                        <input type="hidden" name="sku" value=line.sku.clone() />
                                        <input type="hidden" name="quantity" value="0" />
                                        <button type="submit">"Remove"</button>
                                    </form>
                                </li>
                            }
                        }
                    </For>
                </ul>
                <p class="subtotal">"Subtotal: " <strong data-testid="subtotal">{move || cart.get().subtotal}</strong></p>
                <Show when=move || cart.get().ready fallback=|| view! { <p class="notice">"Fix the items marked above to check out."</p> }>
                    <a class="button" href="/checkout">"Check out"</a>
                </Show>
            </Show>
        </div>
    }
}

/// The checkout form: server-rendered HTML that posts to `place_order_form`
/// (post, redirect, get), with or without Wasm. It is not an island: as one
/// it cost a tenth of the Wasm bundle and pushed it over its budget, for
/// nothing a post cannot do; the totals follow the shipping choice by CSS.
/// The methods and taxes are those of the address's zone: "Update shipping
/// and taxes" posts the address (`checkout_address_form`) and comes back
/// with them; placing an order with a method of another zone is refused
/// with the methods that ship there.
#[component]
pub fn CheckoutForm(
    idempotency_key: String,
    countries: Vec<(String, String)>,
    /// What a refused post kept (never the card number).
    kept: FormState,
    /// What the order costs with each method, computed on the server by the
    /// pricing engine checkout charges with (`domain::pricing`).
    totals: CheckoutTotals,
) -> impl IntoView {
    let chosen = kept.value("shipping");
    let chosen = if totals.methods.iter().any(|m| m.code == chosen) {
        chosen
    } else {
        totals.methods.first().map(|m| m.code.clone()).unwrap_or_default()
    };
    let country = kept.value("country");
    let value = |k: &str| kept.value(k);
    let err = |f: &str| kept.error(f).map(|m| view! { <span class="error field-error">{m}</span> });
    let included = totals.tax_included;
    view! {
        <form class="checkout-form" method="post" action=PlaceOrderForm::PATH novalidate>
            {kept.message.clone().map(|m| view! { <p class="error" role="alert" data-testid="checkout-message">{m}</p> })}
            <input type="hidden" name="idempotency_key" value=idempotency_key />
            <input type="hidden" name="discount_seen" value=format!("d:{}", totals.discount_token) />
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
                <label>"State, province or region (optional)" <input name="region" autocomplete="address-level1" maxlength="10" value=value("region") /></label>{err("region")}
                <label>"Postal code" <input name="postal_code" autocomplete="postal-code" required value=value("postal_code") /></label>{err("postal_code")}
                <label>"Country"
                    <select name="country" autocomplete="country">
                        {countries.into_iter().map(|(code, name)| { let selected = code == country; view! { <option value=code selected=selected>{name}</option> } }).collect_view()}
                    </select>
                </label>{err("country")}
                <button type="submit" formaction=CheckoutAddressForm::PATH formnovalidate data-testid="update-shipping">"Update shipping and taxes"</button>
            </fieldset>
            <fieldset>
                <legend>{format!("Shipping method to {}", totals.destination)}</legend>
                {totals.no_shipping.then(|| view! {
                    <p class="notice error" role="alert" data-testid="no-shipping">{format!("Sorry, we do not ship to {} yet.", totals.destination)}</p>
                })}
                {totals.methods.iter().enumerate().map(|(i, m)| {
                    let checked = m.code == chosen;
                    view! {
                        <label class="choice">
                            <input type="radio" name="shipping" value=m.code.clone() data-i=i.to_string() checked=checked />
                            <span>{m.label.clone()}</span>
                        </label>
                    }
                }).collect_view()}
                {err("shipping")}
            </fieldset>
            // Every method's totals are here; CSS shows the checked one's
            // (`:has`, by position), so they follow the choice with no script.
            {totals.code_problem.clone().map(|p| view! {
                <p class="notice error" role="alert" data-testid="code-problem">{format!("Sorry, {p}. ")}<a href="/cart">"Remove it in your cart"</a></p>
            })}
            <dl class="totals" data-testid="checkout-totals" aria-live="polite">
                <dt>"Subtotal"</dt><dd>{totals.subtotal.clone()}</dd>
                {totals.code.clone().map(|c| view! {
                    <dt>"Discount " <span class="code-label">{c}</span></dt>
                    <dd data-testid="discount">{totals.discount.clone().unwrap_or_else(|| "—".into())}</dd>
                })}
                {totals.methods.iter().enumerate().map(|(i, m)| {
                    let taxes = m.tax.clone();
                    let (added, inside) = if included { (vec![], taxes) } else { (taxes, vec![]) };
                    view! {
                        <div class=format!("method-totals for-m{i}")>
                            <dt>"Shipping"</dt><dd class="shipping-price">{m.shipping.clone()}</dd>
                            {added.into_iter().map(|(what, amount)| view! { <dt>{what}</dt><dd class="tax-amount">{amount}</dd> }).collect_view()}
                            <dt>"Total"</dt><dd><strong class="order-total">{m.total.clone()}</strong></dd>
                            {inside.into_iter().map(|(what, amount)| view! { <dt class="muted">{format!("Includes {what}")}</dt><dd class="tax-amount muted">{amount}</dd> }).collect_view()}
                        </div>
                    }
                }).collect_view()}
            </dl>
            <fieldset>
                <legend>"Payment (test cards only)"</legend>
                <label>"Card number" <input name="card_number" inputmode="numeric" autocomplete="cc-number" placeholder="4242 4242 4242 4242" required /></label>{err("card_number")}
            </fieldset>
            <button class="primary" type="submit">"Place order"</button>
        </form>
    }
}

#[island]
pub fn OrderTracker(order: OrderView) -> impl IntoView {
    let (id, key) = (order.id.clone(), order.key.clone());
    let (order, set_order) = signal(order);
    Effect::new(move |_| {
        let (id, key) = (id.clone(), key.clone());
        if order.get_untracked().is_final() {
            return;
        }
        let handle = set_interval_with_handle(
            move || {
                let (id, key) = (id.clone(), key.clone());
                spawn_local(async move {
                    if let Ok(o) = order_status(id, key).await {
                        set_order.set(o);
                    }
                });
            },
            std::time::Duration::from_millis(800),
        );
        if let Ok(h) = handle {
            Effect::new(move |_| {
                if order.get().is_final() {
                    h.clear();
                }
            });
        }
    });
    view! {
        <section class="order-status" aria-live="polite">
            <p>"Order " <code>{move || order.get().id}</code></p>
            <p class="status" data-testid="order-state" data-state=move || order.get().state>
                {move || match order.get().state.as_str() {
                    "pending" | "reserved" => "Processing your order…".to_string(),
                    "confirmed" => "Confirmed: thank you! A receipt is on its way.".to_string(),
                    "rejected" => format!("We could not complete this order: {}", order.get().reason.unwrap_or_default()),
                    "cancelled" => "This order was cancelled.".to_string(),
                    "refunded" => "This order was refunded.".to_string(),
                    _ => "We do not know this order.".to_string(),
                }}
            </p>
            {move || order.get().total.map(|t| view! { <p>"Total: " <strong>{t}</strong></p> })}
        </section>
    }
}
