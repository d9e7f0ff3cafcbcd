//! Cart, checkout and order-status islands. The header's cart badge is plain
//! HTML (`#cart-count`); islands update its text after a change.

use crate::cart_api::{order_status, place_order, update_cart_line};
use crate::model::{CartChange, CartView, CheckoutInput, CheckoutOutcome, OrderView};
use leptos::prelude::*;
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
                                    <label>
                                        <span class="visually-hidden">{label}</span>
                                        <select on:change=move |ev| {
                                            let q = event_target_value(&ev).parse::<i64>().unwrap_or(1);
                                            change(sku.clone(), q);
                                        }>
                                            {(1..=domain::order::MAX_QUANTITY).map(|q| view! { <option value=q.to_string() selected=q == line.quantity>{q}</option> }).collect_view()}
                                        </select>
                                    </label>
                                    <p class="price">{line.line_total.clone()}</p>
                                    <button type="button" on:click=move |_| change(sku2.clone(), 0)>"Remove"</button>
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
pub fn CheckoutForm(idempotency_key: String, countries: Vec<(String, String)>) -> impl IntoView {
    let (errors, set_errors) = signal(Vec::<(String, String)>::new());
    let (message, set_message) = signal(None::<String>);
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
                Ok(CheckoutOutcome::Accepted { order_id }) => {
                    set_badge(0);
                    let _ = window().location().set_href(&format!("/orders/{order_id}"));
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
                Ok(CheckoutOutcome::AlreadyOrdered { order_id }) => {
                    set_badge(0);
                    set_errors.set(vec![]);
                    set_ordered.set(Some(order_id));
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
        <form class="checkout-form" node_ref=form_ref on:submit=on_submit novalidate>
            {move || message.get().map(|m| view! { <p class="error" role="alert" data-testid="checkout-message">{m}</p> })}
            {move || ordered.get().map(|id| view! {
                <p class="error" role="alert" data-testid="already-ordered">
                    "This cart was just ordered in another tab or on another device. "
                    <a href=format!("/orders/{id}")>"See that order"</a>
                </p>
            })}
            <input type="hidden" name="idempotency_key" value=idempotency_key />
            <fieldset>
                <legend>"Contact"</legend>
                <label>"Email" <input name="email" type="email" autocomplete="email" required /></label>{err("email")}
            </fieldset>
            <fieldset>
                <legend>"Shipping address"</legend>
                <label>"Full name" <input name="name" autocomplete="name" required /></label>{err("name")}
                <label>"Address" <input name="line1" autocomplete="address-line1" required /></label>{err("line1")}
                <label>"Apartment, suite (optional)" <input name="line2" autocomplete="address-line2" /></label>{err("line2")}
                <label>"City" <input name="city" autocomplete="address-level2" required /></label>{err("city")}
                <label>"Postal code" <input name="postal_code" autocomplete="postal-code" required /></label>{err("postal_code")}
                <label>"Country"
                    <select name="country" autocomplete="country">
                        {countries.into_iter().map(|(code, name)| view! { <option value=code>{name}</option> }).collect_view()}
                    </select>
                </label>{err("country")}
            </fieldset>
            <fieldset>
                <legend>"Shipping method"</legend>
                <label><input type="radio" name="shipping" value="standard" checked />"Standard (3–5 days): $5.95, free from $100"</label>
                <label><input type="radio" name="shipping" value="express" />"Express (1–2 days): $15.00"</label>
                {err("shipping")}
            </fieldset>
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
    let id = order.id.clone();
    let (order, set_order) = signal(order);
    Effect::new(move |_| {
        let id = id.clone();
        if order.get_untracked().is_final() {
            return;
        }
        let handle = set_interval_with_handle(
            move || {
                let id = id.clone();
                spawn_local(async move {
                    if let Ok(o) = order_status(id).await {
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
