//! Admin order list (filters by status and date, return requests waiting
//! for a decision) and order detail with cancel and refund, line refunds
//! and return requests.

use super::api::*;
use super::{denied, pager, param, AdminFrame};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[component]
pub fn AdminOrdersPage() -> impl IntoView {
    let (status, from, to) = (param("status"), param("from"), param("to"));
    let page: i64 = param("page").parse().unwrap_or(1);
    view! {
        <AdminFrame title="Orders">
            <form class="admin-filters" method="get" action="/admin/orders">
                <label for="os">"Status"</label>
                <select id="os" name="status">
                    {std::iter::once("").chain(domain::order::StatusKind::ALL.map(|k| k.as_str())).map(|s| view! {
                        <option value=s selected={status == s}>{if s.is_empty() { "any" } else { s }}</option>
                    }).collect_view()}
                </select>
                <label for="of">"From"</label><input id="of" type="date" name="from" value=from.clone() />
                <label for="ot">"To"</label><input id="ot" type="date" name="to" value=to.clone() />
                <button type="submit">"Filter"</button>
            </form>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {let loaded = crate::once::Once::new({
                    let (status, from, to) = (status.clone(), from.clone(), to.clone());
                    async move { (admin_waiting_returns().await, admin_orders(status, from, to, page).await) }
                });
                move || { let (status, from, to, loaded) = (status.clone(), from.clone(), to.clone(), loaded.get()); Suspend::new(async move {
                    let (waiting, orders) = loaded.await;
                    let waiting = waiting.unwrap_or_default();
                    let waiting = (!waiting.is_empty()).then(|| view! {
                        <section class="notice" data-testid="waiting-returns">
                            <p>{format!("Return requests waiting for you: {}", waiting.len())}</p>
                            <ul>{waiting.into_iter().map(|(id, at)| view! {
                                <li><a href=format!("/admin/orders/{id}")>{id.clone()}</a>{format!(" (asked {at})")}</li>
                            }).collect_view()}</ul>
                        </section>
                    });
                    match orders {
                        Ok(list) => view! {
                            {waiting}
                            <p>{format!("{} orders", list.total)}</p>
                            <table class="data">
                                <thead><tr><th>"Order"</th><th>"Placed (UTC)"</th><th>"Customer"</th><th>"Items"</th><th>"Total"</th><th>"Status"</th></tr></thead>
                                <tbody>
                                    {list.rows.into_iter().map(|o| view! {
                                        <tr>
                                            <td><a href=format!("/admin/orders/{}", o.id)>{o.id.clone()}</a></td>
                                            <td>{o.placed}</td><td>{o.email}</td><td>{o.items}</td><td>{o.total}</td>
                                            <td><span class=format!("status status-{}", o.status)>{o.status.clone()}</span></td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            {pager(list.page, list.pages, "/admin/orders", &[("status", status), ("from", from), ("to", to)])}
                        }.into_any(),
                        Err(e) if e.to_string().contains(": use a date") || e.to_string().contains("unknown status") => {
                            crate::components::set_status(400);
                            view! { <p class="notice error" role="alert">{e.to_string().replace("error running server function: ", "")}</p> }.into_any()
                        }
                        Err(e) => denied(&e),
                    }
                })}}
            </Suspense>
        </AdminFrame>
    }
}

#[component]
pub fn AdminOrderPage() -> impl IntoView {
    let id = use_params_map().with_untracked(|p| p.get("id").unwrap_or_default());
    view! {
        <AdminFrame title="Order">
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {let loaded = crate::once::Once::new(async move { (crate::forms::current_form().await, admin_order(id).await) });
                move || { let loaded = loaded.get(); Suspend::new(async move {
                    let (form, order) = loaded.await;
                    match order {
                        Ok(Some(o)) => {
                            let confirmed = o.status == domain::order::StatusKind::Confirmed.as_str();
                            let has_refunds = !o.refunds.is_empty();
                            let refunds = o.refunds.clone();
                            let returns = (!o.returns.is_empty()).then(|| view! { <ReturnList order_id=o.id.clone() returns=o.returns.clone() /> });
                            let refund_form = confirmed.then(|| refund_form(&o, form));
                            view! {
                                <dl class="facts">
                                    <dt>"Order"</dt><dd><code>{o.id.clone()}</code></dd>
                                    <dt>"Status"</dt><dd><span class=format!("status status-{}", o.status) id="order-status">{o.status.clone()}</span>{o.reason.map(|r| format!(" — {r}"))}</dd>
                                    <dt>"Placed (UTC)"</dt><dd>{o.placed}</dd>
                                    <dt>"Customer"</dt><dd>{o.email}</dd>
                                    <dt>"Total"</dt><dd>{o.total}</dd>
                                    {o.code.map(|c| view! { <dt>"Discount"</dt><dd data-testid="order-code">{c}</dd> })}
                                    {o.tax.into_iter().map(|t| view! { <dt>"Tax"</dt><dd data-testid="order-tax">{t}</dd> }).collect_view()}
                                    <dt>"Payment"</dt><dd><code>{o.payment_auth}</code></dd>
                                </dl>
                                <table class="data">
                                    <thead><tr><th>"Item"</th><th>"SKU"</th><th>"Qty"</th><th>"Unit price"</th></tr></thead>
                                    <tbody>{o.lines.into_iter().map(|(t, s, q, p)| view! { <tr><td>{t}</td><td>{s}</td><td>{q}</td><td>{p}</td></tr> }).collect_view()}</tbody>
                                </table>
                                {returns}
                                {has_refunds.then(|| view! { <RefundList refunds /> })}
                                {refund_form}
                                {(confirmed && !has_refunds).then(|| view! {
                                    <div class="order-actions">
                                        <form method="post" action=format!("/admin/orders/{}/cancel", o.id)>
                                            <label for="reason">"Reason"</label>
                                            <input id="reason" name="reason" maxlength="200" placeholder="e.g. customer asked" />
                                            <button type="submit">"Cancel order"</button>
                                        </form>
                                        <form method="post" action=format!("/admin/orders/{}/refund", o.id)>
                                            <button type="submit">"Refund order"</button>
                                        </form>
                                        <p class="hint">"Both give the payment back and return the stock."</p>
                                    </div>
                                })}
                            }.into_any()
                        }
                        Ok(None) => {
                            crate::components::set_status(404);
                            view! { <p>"No such order."</p> }.into_any()
                        }
                        Err(e) => denied(&e),
                    }
                })}}
            </Suspense>
        </AdminFrame>
    }
}

/// Line refunds made so far.
#[component]
pub fn RefundList(refunds: Vec<crate::admin::api::RefundView>) -> impl IntoView {
    view! {
        <h2>"Refunds"</h2>
        <table class="data" data-testid="refunds">
            <thead><tr><th>"When (UTC)"</th><th>"What"</th><th>"Amount"</th><th>"Reason"</th><th>"State"</th></tr></thead>
            <tbody>{refunds.into_iter().map(|r| view! {
                <tr><td>{r.when}</td><td>{r.what}</td><td>{r.amount}</td><td>{r.reason}</td><td>{r.state}</td></tr>
            }).collect_view()}</tbody>
        </table>
    }
}

/// "Refund lines": units to refund and to put back in stock per line,
/// shipping, and the reason the shopper is told.
fn refund_form(o: &crate::admin::api::OrderDetail, form: crate::forms::FormState) -> impl IntoView {
    let rows: Vec<_> = o
        .lines
        .iter()
        .filter_map(|(title, sku, _, price)| {
            let left = o.refundable.iter().find(|(s, _)| s == sku).map_or(0, |(_, n)| *n);
            (left > 0).then(|| (title.clone(), sku.clone(), price.clone(), left))
        })
        .collect();
    let value = |k: &str, default: &str| {
        let v = form.value(k);
        if v.is_empty() {
            default.to_string()
        } else {
            v
        }
    };
    let err = |k: &str| crate::forms::FieldError(crate::forms::FieldErrorProps { error: form.error(k) });
    view! {
        <form class="refund-lines" method="post" action=format!("/admin/orders/{}/refund-lines", o.id) data-testid="refund-lines">
            <h2>"Refund lines"</h2>
            // Sent twice (a double click), the form still makes one refund.
            <input type="hidden" name="key" value=value("key", &crate::forms::one_time_key()) />
            <crate::forms::FormMessages form=form.clone() />
            {err("refund")}
            <table class="data">
                <thead><tr><th>"Item"</th><th>"Unit price"</th><th>"Refund units"</th><th>"Back into stock"</th></tr></thead>
                <tbody>{rows.into_iter().map(|(title, sku, price, left)| {
                    let (q, r) = (format!("qty.{sku}"), format!("restock.{sku}"));
                    view! {
                        <tr>
                            <td>{title.clone()}" "<code>{sku.clone()}</code></td>
                            <td>{price}</td>
                            <td>
                                <input type="number" name=q.clone() min="0" max=left.to_string() value=value(&q, "0")
                                    aria-label=format!("Refund units of {title}") />
                                " of "{left}
                                {err(&q)}
                            </td>
                            <td>
                                <input type="number" name=r.clone() min="0" max=left.to_string() value=value(&r, "0")
                                    aria-label=format!("Units of {title} back into stock") />
                                {err(&r)}
                            </td>
                        </tr>
                    }
                }).collect_view()}</tbody>
            </table>
            {o.shipping_refundable.then(|| view! {
                <label><input type="checkbox" name="shipping" checked=form.value("shipping") == "on" />" Refund shipping"</label>
            })}
            {err("shipping")}
            <label for="refund-reason">"Reason (the shopper sees it)"</label>
            <input id="refund-reason" name="reason" maxlength="500" required value=form.value("reason") />
            {err("reason")}
            <button type="submit">"Refund lines"</button>
            <p class="hint">"The amount is what the shopper paid for those units (their share of any discount taken off). Refunds never add up to more than was charged."</p>
        </form>
    }
}

/// The shopper's return requests: approve or refuse a waiting one (with a
/// note the shopper reads); refund an approved one's units in one click
/// (they go back into stock; shipping stays, the form below refunds it).
#[component]
pub fn ReturnList(order_id: String, returns: Vec<crate::admin::api::ReturnView>) -> impl IntoView {
    view! {
        <h2>"Return requests"</h2>
        <table class="data" data-testid="returns">
            <thead><tr><th>"When (UTC)"</th><th>"What"</th><th>"Reason"</th><th>"State"</th><th></th></tr></thead>
            <tbody>{returns.into_iter().map(|r| {
                let decide = format!("/admin/returns/{}/decide", r.id);
                let refund = format!("/admin/orders/{order_id}/refund-lines");
                let action = match r.status.as_str() {
                    "requested" => view! {
                        <form method="post" action=decide class="inline">
                            <input type="hidden" name="order_id" value=order_id.clone() />
                            <input name="note" maxlength="500" placeholder="Note to the shopper" aria-label="Note to the shopper" />
                            <button type="submit" name="action" value="approve">"Approve"</button>
                            <button type="submit" name="action" value="refuse">"Refuse"</button>
                        </form>
                    }.into_any(),
                    "approved" => view! {
                        <form method="post" action=refund class="inline">
                            <input type="hidden" name="return_id" value=r.id.clone() />
                            <input type="hidden" name="key" value=crate::forms::one_time_key() />
                            {r.lines.iter().map(|(sku, n)| view! {
                                <input type="hidden" name=format!("qty.{sku}") value=n.to_string() />
                                <input type="hidden" name=format!("restock.{sku}") value=n.to_string() />
                            }).collect_view()}
                            <input type="hidden" name="reason" value=format!("return received: {}", r.reason.chars().take(400).collect::<String>()) />
                            <button type="submit">"Received: refund and restock"</button>
                        </form>
                    }.into_any(),
                    _ => ().into_any(),
                };
                view! {
                    <tr>
                        <td>{r.when}</td><td>{r.what}</td><td>{r.reason}</td>
                        <td>{r.status}{r.note.map(|n| format!(" — {n}"))}</td>
                        <td>{action}</td>
                    </tr>
                }
            }).collect_view()}</tbody>
        </table>
    }
}
