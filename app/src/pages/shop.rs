//! Cart, checkout and order status pages: server-rendered shells around
//! their islands.

use crate::cart_api::{cart_basket, cart_totals, load_cart, order_status, ApplyCodeForm, RemoveCodeForm};
use crate::components::set_status;
use crate::islands::{CartEditor, CheckoutForm, OrderTracker};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_params_map;

#[component]
pub fn CartPage() -> impl IntoView {
    view! {
        <Title text="Your cart" />
        <Meta name="robots" content="noindex" />
        <h1>"Your cart"</h1>
        <crate::forms::Notice />
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {let loaded = crate::once::Once::new(async move {
                let cart = load_cart().await;
                let totals = match &cart {
                    Ok(c) if !c.lines.is_empty() => Some(cart_totals(String::new(), String::new()).await.unwrap_or_default()),
                    _ => None,
                };
                (cart, totals)
            });
            move || { let loaded = loaded.get(); Suspend::new(async move {
                match loaded.await {
                    (Ok(cart), None) => view! { <CartEditor cart /> }.into_any(),
                    (Ok(cart), Some(totals)) => view! { <CartEditor cart /> <CodeBox totals /> }.into_any(),
                    (Err(e), _) => view! { <p class="notice">{e.to_string()}</p> }.into_any(),
                }
            })}}
        </Suspense>
    }
}

/// The cart's discount code: a plain form to apply one, or the one applied
/// with a button to take it off (server-rendered: works without Wasm; the
/// amount it takes off shows at checkout).
#[component]
fn CodeBox(totals: crate::model::CheckoutTotals) -> impl IntoView {
    view! {
        <section class="code-box" aria-label="Discount code">
            {totals.code.clone().filter(|_| totals.typed_code.is_none()).map(|label| view! {
                <p class="code-applied" data-testid="automatic-promotion">{label}</p>
            })}
            {match totals.typed_code.clone() {
                Some(code) => view! {
                    <form method="post" action=RemoveCodeForm::PATH class="code-applied">
                        <span data-testid="code-applied">{totals.code.clone().filter(|l| l.starts_with(&code)).unwrap_or(code)}</span>
                        " "<button type="submit" class="link">"Remove"</button>
                    </form>
                }.into_any(),
                None => view! {
                    <form method="post" action=ApplyCodeForm::PATH class="code-form">
                        <label>"Discount code " <input name="code" autocomplete="off" maxlength="32" required /></label>
                        <button type="submit">"Apply"</button>
                    </form>
                }.into_any(),
            }}
            {totals.code_problem.map(|p| view! { <p class="notice error" data-testid="code-problem">{format!("Sorry, {p}.")}</p> })}
        </section>
    }
}

#[component]
pub fn CheckoutPage() -> impl IntoView {
    let key = new_key();
    view! {
        <Title text="Checkout" />
        <Meta name="robots" content="noindex" />
        <h1>"Checkout"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {let loaded = crate::once::Once::new(async move {
                let kept = crate::forms::current_form().await;
                let basket = cart_basket().await;
                (kept, load_cart().await, basket)
            });
            move || {
                let (key, loaded) = (key.clone(), loaded.get());
                Suspend::new(async move {
                    let (kept, cart, basket) = loaded.await;
                    match (cart, basket) {
                        (Ok(cart), Ok(Some(b))) if !cart.lines.is_empty() => view! {
                            <div class="checkout">
                                <section aria-label="Order summary" class="summary">
                                    <h2>"Summary"</h2>
                                    <ul>
                                        {cart.lines.iter().map(|l| view! { <li>{format!("{} × {} — {}", l.quantity, l.title, l.line_total)}</li> }).collect_view()}
                                    </ul>
                                    {(!cart.ready).then(|| view! { <p class="notice">"Some items changed: " <a href="/cart">"review your cart"</a></p> })}
                                </section>
                                <CheckoutForm idempotency_key=key kept basket=b.basket />
                            </div>
                        }.into_any(),
                        (Ok(_), Ok(_)) => view! { <p>"Your cart is empty. " <a href="/">"Keep shopping"</a></p> }.into_any(),
                        (Err(e), _) | (_, Err(e)) => view! { <p class="notice">{e.to_string()}</p> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// A fresh idempotency key per rendered checkout form.
fn new_key() -> String {
    #[cfg(feature = "ssr")]
    {
        uuid::Uuid::new_v4().simple().to_string()
    }
    #[cfg(not(feature = "ssr"))]
    {
        String::new()
    }
}

#[component]
pub fn OrderPage() -> impl IntoView {
    let id = use_params_map().with_untracked(|p| p.get("id")).unwrap_or_default();
    let key =
        crate::components::request_query().into_iter().find(|(k, _)| k == "key").map(|(_, v)| v).unwrap_or_default();
    view! {
        <Title text="Your order" />
        <Meta name="robots" content="noindex" />
        <h1>"Your order"</h1>
        <crate::forms::Notice />
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {let loaded = crate::once::Once::new({
                let (id, key) = (id.clone(), key.clone());
                async move { (crate::forms::current_form().await, order_status(id, key).await) }
            });
            move || {
                let (id, key, loaded) = (id.clone(), key.clone(), loaded.get());
                Suspend::new(async move {
                    let (form, status) = loaded.await;
                    match status {
                        Ok(order) if order.state == "unknown" => {
                            set_status(404);
                            view! { <p>"We do not know this order."</p> }.into_any()
                        }
                        Ok(order) => {
                            let after = crate::cart_api::order_after_sale(id.clone(), key.clone()).await.unwrap_or_default();
                            let refunds = after.refunds.clone();
                            let tax = after.tax.clone();
                            let returns = view! { <Returns id key after form /> };
                            view! {
                                <OrderTracker order />
                                {(!tax.is_empty()).then(|| view! {
                                    <ul class="order-tax muted" data-testid="order-tax">{tax.into_iter().map(|t| view! { <li>{t}</li> }).collect_view()}</ul>
                                })}
                                {returns}
                                {(!refunds.is_empty()).then(|| view! {
                                    <section class="order-refunds" aria-labelledby="refunds-heading" data-testid="order-refunds">
                                        <h2 id="refunds-heading">"Refunds"</h2>
                                        <ul>{refunds.into_iter().map(|r| view! {
                                            <li>{format!("{}: {} refunded for {} ({}). {}", r.when, r.amount, r.what, r.reason,
                                                if r.state == "done" { "Sent to your card." } else { "On its way to your card." })}</li>
                                        }).collect_view()}</ul>
                                    </section>
                                })}
                            }
                            .into_any()
                        }
                        Err(e) => view! { <p class="notice">{e.to_string()}</p> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// The order's return requests, and the form to ask for one (a plain post:
/// no Wasm needed) while some units can still be returned.
#[component]
fn Returns(id: String, key: String, after: crate::model::AfterSale, form: crate::forms::FormState) -> impl IntoView {
    let action = format!("/orders/{id}/returns");
    let err = |k: &str| form.error(k).map(|m| view! { <p class="field-error" role="alert">{m}</p> });
    let reason = form.value("reason");
    let asked = |sku: &str| {
        let v = form.value(&format!("qty.{sku}"));
        if v.is_empty() {
            "0".to_string()
        } else {
            v
        }
    };
    let rows: Vec<_> = after
        .returnable
        .iter()
        .map(|(sku, title, units)| (sku.clone(), title.clone(), *units, asked(sku), err(&format!("qty.{sku}"))))
        .collect();
    let (general, reason_err) = (err("return"), err("reason"));
    let has_returns = !after.returns.is_empty();
    view! {
        {has_returns.then(|| view! {
            <section class="order-returns" aria-labelledby="returns-heading" data-testid="order-returns">
                <h2 id="returns-heading">"Returns"</h2>
                <ul>{after.returns.into_iter().map(|r| view! {
                    <li data-status=r.status.clone()>
                        {format!("{}: {}. {}", r.when, r.what, r.label)}
                        {r.note.map(|n| view! { <br /><span class="muted">{format!("Note from the shop: {n}")}</span> })}
                    </li>
                }).collect_view()}</ul>
            </section>
        })}
        {(!rows.is_empty()).then(|| view! {
            <form class="return-form" method="post" action=action data-testid="return-form">
                <h2>"Return items"</h2>
                <p class="hint">{format!("You can ask to return items within {} days of your order.", domain::returns::RETURN_DAYS)}</p>
                {general}
                <input type="hidden" name="key" value=key />
                {rows.into_iter().map(|(sku, title, units, value, e)| view! {
                    <label>
                        {format!("{title} (up to {units}) ")}
                        <input type="number" name=format!("qty.{sku}") min="0" max=units.to_string() value=value />
                    </label>
                    {e}
                }).collect_view()}
                <label for="return-reason">"Why are you returning them?"</label>
                <textarea id="return-reason" name="reason" rows="3" minlength="3" maxlength="500" required>{reason}</textarea>
                {reason_err}
                <button type="submit">"Ask for a return"</button>
            </form>
        })}
    }
}

/// Shown by the static failover copy wherever a shopper would buy.
#[component]
pub fn OrderingUnavailable() -> impl IntoView {
    view! {
        <Title text="Ordering is briefly unavailable" />
        <Meta name="robots" content="noindex" />
        <section class="notice" data-testid="ordering-unavailable">
            <h1>"Ordering is briefly unavailable"</h1>
            <p>"You can keep browsing: products, prices and pictures are all here. Carts and checkout will be back shortly; nothing has been charged."</p>
            <p><a href="/">"Back to the shop"</a></p>
        </section>
    }
}
