//! Cart, checkout and order-status islands. The header's cart badge is plain
//! HTML (`#cart-count`); islands update its text after a change. Every form
//! here also posts without Wasm (to the `*_form` server functions, which
//! redirect); hydrated, the islands intercept the submit.

use crate::cart_api::{order_status, place_order, update_cart_line, PlaceOrderForm, UpdateCartLineForm};
use crate::forms::FormState;
use crate::model::{CartChange, CartView, CheckoutInput, CheckoutOutcome, OrderView};
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

/// Read a form's fields by name (browser only; the server never submits it).
#[cfg(feature = "hydrate")]
fn form_reader(form: &leptos::web_sys::HtmlFormElement) -> impl Fn(&str) -> String {
    let data = web_sys::FormData::new_with_form(form).ok();
    move |name| data.as_ref().and_then(|d| d.get(name).as_string()).unwrap_or_default()
}

#[cfg(not(feature = "hydrate"))]
fn form_reader<T>(_form: &T) -> impl Fn(&str) -> String {
    |_| String::new()
}

#[island]
pub fn CheckoutForm(
    idempotency_key: String,
    countries: Vec<(String, String)>,
    /// What a form post without Wasm kept after an error (never the card number).
    kept: FormState,
    /// The cart's subtotal: the totals below are computed from it by the
    /// same `domain::order::Totals` the server charges with.
    subtotal: Option<domain::Money>,
) -> impl IntoView {
    let (errors, set_errors) = signal(kept.errors.clone().into_iter().collect::<Vec<(String, String)>>());
    let (message, set_message) = signal(kept.message.clone());
    let value = move |k: &str| kept.value(k);
    let (country, express) = (value("country"), value("shipping") == "express");
    let (method, set_method) =
        signal(if express { domain::order::Shipping::Express } else { domain::order::Shipping::Standard });
    let totals = move || subtotal.and_then(|s| domain::order::Totals::new(s, method.get()).ok());
    // Each method's price, and the total it makes, on its own label: without
    // Wasm the totals below cannot follow the choice, the labels still tell.
    let choice = move |m: domain::order::Shipping| {
        let t = subtotal.and_then(|s| domain::order::Totals::new(s, m).ok());
        let price = t.map(|t| if t.shipping.minor() == 0 { "free".to_string() } else { t.shipping.to_string() });
        let total = t.map(|t| format!(" · total {}", t.total)).unwrap_or_default();
        format!("{}: {}{total}", m.label(), price.unwrap_or_default())
    };
    let (ordered, set_ordered) = signal(None::<String>);
    let (busy, set_busy) = signal(false);
    let err = move |f: &'static str| {
        move || {
            errors
                .get()
                .into_iter()
                .find(|(k, _)| k == f)
                .map(|(_, m)| view! { <span class="error field-error">{m}</span> })
        }
    };
    let form_ref = NodeRef::<leptos::html::Form>::new();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(form) = form_ref.get() else { return };
        let value = form_reader(&form);
        let shipping = value("shipping");
        let input = CheckoutInput {
            email: value("email"),
            address: domain::order::Address {
                name: value("name"),
                line1: value("line1"),
                line2: value("line2"),
                city: value("city"),
                postal_code: value("postal_code"),
                country: value("country"),
            },
            shipping,
            card_number: value("card_number"),
            idempotency_key: value("idempotency_key"),
        };
        set_busy.set(true);
        spawn_local(async move {
            match place_order(input).await {
                Ok(CheckoutOutcome::Accepted { link, .. }) => {
                    set_badge(0);
                    let _ = window().location().set_href(&link);
                }
                Ok(CheckoutOutcome::Invalid { fields }) => {
                    set_errors.set(fields);
                    set_message.set(Some("Please correct the highlighted fields.".into()));
                    set_busy.set(false);
                }
                Ok(CheckoutOutcome::Refused(why)) => {
                    set_errors.set(vec![]);
                    set_message.set(Some(why));
                    set_busy.set(false);
                }
                Ok(CheckoutOutcome::AlreadyOrdered { link, .. }) => {
                    set_badge(0);
                    set_errors.set(vec![]);
                    set_ordered.set(Some(link));
                    set_busy.set(false);
                }
                Err(e) => {
                    set_message.set(Some(e.to_string()));
                    set_busy.set(false);
                }
            }
        });
    };
    view! {
        <form class="checkout-form" method="post" action=PlaceOrderForm::PATH node_ref=form_ref on:submit=on_submit novalidate>
            {move || message.get().map(|m| view! { <p class="error" role="alert" data-testid="checkout-message">{m}</p> })}
            {move || ordered.get().map(|link| view! {
                <p class="error" role="alert" data-testid="already-ordered">
                    "This cart was just ordered in another tab or on another device. "
                    <a href=link>"See that order"</a>
                </p>
            })}
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
                <label>"Country"
                    <select name="country" autocomplete="country">
                        {countries.into_iter().map(|(code, name)| { let selected = code == country; view! { <option value=code selected=selected>{name}</option> } }).collect_view()}
                    </select>
                </label>{err("country")}
            </fieldset>
            <fieldset>
                <legend>"Shipping method"</legend>
                <label class="choice">
                    <input type="radio" name="shipping" value="standard" checked=!express
                        on:change=move |_| set_method.set(domain::order::Shipping::Standard) />
                    <span>{choice(domain::order::Shipping::Standard)}</span>
                </label>
                <label class="choice">
                    <input type="radio" name="shipping" value="express" checked=express
                        on:change=move |_| set_method.set(domain::order::Shipping::Express) />
                    <span>{choice(domain::order::Shipping::Express)}</span>
                </label>
                <small class="hint">"Standard shipping is free from $100."</small>
                {err("shipping")}
            </fieldset>
            {move || totals().map(|t| view! {
                <dl class="totals" data-testid="checkout-totals" aria-live="polite">
                    <dt>"Subtotal"</dt><dd>{t.subtotal.to_string()}</dd>
                    <dt>"Shipping"</dt><dd data-testid="shipping-price">{if t.shipping.minor() == 0 { "Free".to_string() } else { t.shipping.to_string() }}</dd>
                    <dt>"Total"</dt><dd><strong data-testid="order-total">{t.total.to_string()}</strong></dd>
                </dl>
            })}
            <fieldset>
                <legend>"Payment (test cards only)"</legend>
                <label>"Card number" <input name="card_number" inputmode="numeric" autocomplete="cc-number" placeholder="4242 4242 4242 4242" required /></label>{err("card_number")}
            </fieldset>
            <button class="primary" type="submit" disabled=move || busy.get()>{move || if busy.get() { "Placing order…" } else { "Place order" }}</button>
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
