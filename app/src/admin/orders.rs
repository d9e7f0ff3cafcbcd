//! Admin order list (filters by status and date) and order detail with
//! cancel and refund.

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
                {move || { let (status, from, to) = (status.clone(), from.clone(), to.clone()); Suspend::new(async move {
                    match admin_orders(status.clone(), from.clone(), to.clone(), page).await {
                        Ok(list) => view! {
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
                {move || { let id = id.clone(); Suspend::new(async move {
                    match admin_order(id).await {
                        Ok(Some(o)) => {
                            let confirmed = o.status == domain::order::StatusKind::Confirmed.as_str();
                            view! {
                                <dl class="facts">
                                    <dt>"Order"</dt><dd><code>{o.id.clone()}</code></dd>
                                    <dt>"Status"</dt><dd><span class=format!("status status-{}", o.status) id="order-status">{o.status.clone()}</span>{o.reason.map(|r| format!(" — {r}"))}</dd>
                                    <dt>"Placed (UTC)"</dt><dd>{o.placed}</dd>
                                    <dt>"Customer"</dt><dd>{o.email}</dd>
                                    <dt>"Total"</dt><dd>{o.total}</dd>
                                    {o.code.map(|c| view! { <dt>"Discount"</dt><dd data-testid="order-code">{c}</dd> })}
                                    <dt>"Payment"</dt><dd><code>{o.payment_auth}</code></dd>
                                </dl>
                                <table class="data">
                                    <thead><tr><th>"Item"</th><th>"SKU"</th><th>"Qty"</th><th>"Unit price"</th></tr></thead>
                                    <tbody>{o.lines.into_iter().map(|(t, s, q, p)| view! { <tr><td>{t}</td><td>{s}</td><td>{q}</td><td>{p}</td></tr> }).collect_view()}</tbody>
                                </table>
                                {confirmed.then(|| view! {
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
