//! Cart and order-status islands (checkout's are in `checkout.rs`). The
//! header's cart badge is plain HTML (`#cart-count`); islands update its
//! text after a change. Every form
//! here also posts without Wasm (to the `*_form` server functions, which
//! redirect); hydrated, the islands intercept the submit.

use crate::cart_api::{order_status, update_cart_line, UpdateCartLineForm};
use crate::model::{CartChange, CartView, OrderView};
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
