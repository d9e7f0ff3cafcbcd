//! The merchant admin at /admin: server-rendered pages (no islands, so the
//! shopper's Wasm stays small) whose forms post to the handlers in
//! `server/src/admin`. Every page loads through a server function that checks
//! the merchant role; a shopper gets 403, a signed-out visitor 401.

pub mod api;
pub mod charts;
mod orders;
mod products;
mod promotions;
mod reviews;
#[cfg(feature = "ssr")]
mod rules_form;
mod shipping;
mod taxes;

pub use orders::{AdminOrderPage, AdminOrdersPage};
pub use products::{AdminProductPage, AdminProductsPage};
pub use promotions::{AdminPromotionPage, AdminPromotionsPage};
pub use reviews::AdminReviewsPage;
pub use shipping::{AdminShipping, AdminShippingPage, ShippingEdit, ZoneView};
pub use taxes::{AdminTaxes, AdminTaxesPage, TaxEdit};

use crate::components::{query_string, request_query};
use crate::error::AppError;
use crate::format::money;
use api::*;
use charts::{BarChart, RankChart};
use leptos::prelude::*;
use leptos_meta::{Meta, Title};

pub fn param(name: &str) -> String {
    request_query().into_iter().find(|(k, _)| k == name).map(|(_, v)| v).unwrap_or_default()
}

/// The admin frame: navigation and the status line.
#[component]
pub fn AdminFrame(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <Title text=title />
        <Meta name="robots" content="noindex" />
        <div class="admin">
            <nav class="admin-nav" aria-label="Admin">
                <a href="/admin">"Dashboard"</a>
                <a href="/admin/products">"Products"</a>
                <a href="/admin/orders">"Orders"</a>
                <a href="/admin/promotions">"Discount codes"</a>
                <a href="/admin/shipping">"Shipping"</a>
                <a href="/admin/taxes">"Taxes"</a>
                <a href="/admin/reviews">"Reviews"</a>
                <a href="/admin/queues">"Queues"</a>
                <a href="/admin/recommendations">"Recommendations"</a>
                <a href="/admin/audit">"Audit log"</a>
            </nav>
            <h1>{title}</h1>
            {crate::forms::notice().map(|m| view! { <p class="notice" role="status">{m}</p> })}
            {children()}
        </div>
    }
}

/// What a refused admin page shows (the status was set by the server function).
pub fn denied(e: &AppError) -> AnyView {
    match e {
        AppError::Unauthorized => view! { <p class="notice error">"Sign in as a merchant to use the shop admin. " <a href="/account/sign-in?next=/admin">"Sign in"</a></p> }.into_any(),
        AppError::Forbidden => view! { <p class="notice error">"403 — this account cannot open the shop admin."</p> }.into_any(),
        e => view! { <p class="notice error">{e.to_string()}</p> }.into_any(),
    }
}

pub fn pager(page: i64, pages: i64, base: &str, keep: &[(&str, String)]) -> impl IntoView {
    let link = move |p: i64| {
        let mut q: Vec<(String, String)> =
            keep.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| (k.to_string(), v.clone())).collect();
        q.push(("page".into(), p.to_string()));
        format!("{base}{}", query_string(&q))
    };
    view! {
        <nav class="pager" aria-label="Pages">
            {(page > 1).then(|| view! { <a rel="prev" href=link(page - 1)>"← Previous"</a> })}
            <span>{format!("Page {page} of {}", pages.max(1))}</span>
            {(page < pages).then(|| view! { <a rel="next" href=link(page + 1)>"Next →"</a> })}
        </nav>
    }
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    view! {
        <AdminFrame title="Shop admin">
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {let loaded = crate::once::Once::new(admin_dashboard());
                move || { let loaded = loaded.get(); Suspend::new(async move {
                    match loaded.await {
                        Ok(d) => dashboard(d).into_any(),
                        Err(e) => denied(&e),
                    }
                })}}
            </Suspense>
        </AdminFrame>
    }
}

fn dashboard(d: Dashboard) -> impl IntoView {
    let revenue: Vec<(String, i64)> = d.sales.iter().map(|(l, _, r)| (l.clone(), *r)).collect();
    let orders: Vec<(String, i64)> = d.sales.iter().map(|(l, o, _)| (l.clone(), *o)).collect();
    let top: Vec<(String, i64)> = d.top.iter().map(|(t, u, _)| (t.clone(), *u)).collect();
    let q = d.queue.clone();
    view! {
        <section class="tiles" aria-label="Orders by status">
            {d.status_counts.into_iter().map(|(s, n)| {
                let href = format!("/admin/orders?status={s}");
                view! { <a class="tile" href=href><strong>{n}</strong><span>{s}</span></a> }
            }).collect_view()}
            <a class="tile" href="/admin/queues"><strong>{q.dead_letters}</strong><span>"dead letters"</span></a>
        </section>
        <div class="charts">
            <BarChart title="Revenue per day (confirmed orders, last 14 days, UTC)" bars=revenue unit=|v: i64| money(v) />
            <BarChart title="Orders per day" bars=orders unit=|v: i64| v.to_string() />
            <RankChart title="Top products by units sold (last 30 days)" rows=top />
        </div>
        <section>
            <h2>"Queues"</h2>
            <p>{format!("Order queue: {} waiting, {} in flight · flash-sale queue: {} waiting · dead letters: {}", q.orders_visible, q.orders_in_flight, q.sale_visible, q.dead_letters)}</p>
        </section>
        <section>
            <h2>"Order reconciler"</h2>
            {if d.reconcile.is_empty() {
                view! { <p>"Not run yet."</p> }.into_any()
            } else {
                view! {
                    <dl class="facts" id="reconcile-last-run">
                        {d.reconcile.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
                    </dl>
                }.into_any()
            }}
        </section>
        <section>
            <h2>"Static failover copy"</h2>
            {if d.failover.is_empty() {
                view! { <p>"Not published yet."</p> }.into_any()
            } else {
                view! {
                    <dl class="facts" id="failover-last-run">
                        {d.failover.into_iter().map(|(k, v)| view! { <dt>{k.replace('_', " ")}</dt><dd>{v}</dd> }).collect_view()}
                    </dl>
                }.into_any()
            }}
        </section>
    }
}

#[component]
pub fn QueuesPage() -> impl IntoView {
    view! {
        <AdminFrame title="Queues">
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {let loaded = crate::once::Once::new(admin_queues());
                move || { let loaded = loaded.get(); Suspend::new(async move {
                    match loaded.await {
                        Ok(h) => view! {
                            <p>{format!("Order queue: {} waiting, {} in flight · dead-letter queue: {}", h.depths.orders_visible, h.depths.orders_in_flight, h.depths.dead_letters)}</p>
                            {if h.dead.is_empty() {
                                view! { <p>"No dead letters."</p> }.into_any()
                            } else {
                                view! {
                                    <form method="post" action="/admin/queues/redrive"><button type="submit">"Redrive all"</button></form>
                                    <table class="data">
                                        <thead><tr><th>"Message"</th><th>"Order"</th><th>"Receives"</th><th>"Failure reason"</th><th></th></tr></thead>
                                        <tbody>
                                            {h.dead.into_iter().map(|m| view! {
                                                <tr>
                                                    <td><code>{m.message_id.clone()}</code></td>
                                                    <td>{m.order_id}</td>
                                                    <td>{m.receive_count}</td>
                                                    <td class="reason">{m.reason}</td>
                                                    <td><form method="post" action=format!("/admin/queues/redrive/{}", m.message_id)><button type="submit">"Redrive"</button></form></td>
                                                </tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                }.into_any()
                            }}
                        }.into_any(),
                        Err(e) => denied(&e),
                    }
                })}}
            </Suspense>
        </AdminFrame>
    }
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let page: i64 = param("page").parse().unwrap_or(1);
    view! {
        <AdminFrame title="Audit log">
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {let loaded = crate::once::Once::new(admin_audit(page));
                move || { let loaded = loaded.get(); Suspend::new(async move {
                    match loaded.await {
                        Ok(rows) => view! {
                            <table class="data audit">
                                <thead><tr><th>"When (UTC)"</th><th>"Who"</th><th>"What"</th><th>"Target"</th><th>"Before"</th><th>"After"</th></tr></thead>
                                <tbody>
                                    {rows.into_iter().map(|r| view! {
                                        <tr>
                                            <td>{r.at}</td><td>{r.actor}</td><td>{r.action}</td><td><code>{r.target}</code></td>
                                            <td><details><summary>"before"</summary><pre>{r.before.unwrap_or_default()}</pre></details></td>
                                            <td><details><summary>"after"</summary><pre>{r.after.unwrap_or_default()}</pre></details></td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            <nav class="pager">
                                {(page > 1).then(|| view! { <a href=format!("/admin/audit?page={}", page - 1)>"← Newer"</a> })}
                                <a href=format!("/admin/audit?page={}", page + 1)>"Older →"</a>
                            </nav>
                        }.into_any(),
                        Err(e) => denied(&e),
                    }
                })}}
            </Suspense>
        </AdminFrame>
    }
}

#[component]
pub fn RecommendationsPage() -> impl IntoView {
    view! {
        <AdminFrame title="Recommendations">
            <p>"The job exports confirmed orders to a snapshot, computes “bought together”, “for you” and “popular”, writes them as a new version and switches the storefront to it. A failed step is compensated and the previous version stays live."</p>
            <form method="post" action="/admin/recommendations/run"><button type="submit">"Run now"</button></form>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {let loaded = crate::once::Once::new(admin_reco_runs());
                move || { let loaded = loaded.get(); Suspend::new(async move {
                    match loaded.await {
                        Ok(runs) if runs.is_empty() => view! { <p>"No runs yet."</p> }.into_any(),
                        Ok(runs) => view! {
                            <table class="data" id="reco-runs">
                                <thead><tr><th>"Run"</th><th>"Started (UTC)"</th><th>"By"</th><th>"Status"</th><th>"Step"</th><th>"Steps (ms)"</th><th>"Orders · customers · products · pairs · items"</th></tr></thead>
                                <tbody>
                                    {runs.into_iter().map(|r| {
                                        let steps = r.steps_ms.iter().map(|(n, ms)| format!("{n} {}", ms.map(|m| m.to_string()).unwrap_or_else(|| "–".into()))).collect::<Vec<_>>().join(" · ");
                                        let (o, c, p, pairs, items) = r.counts;
                                        view! {
                                            <tr>
                                                <td>{r.id}</td><td>{r.started}</td><td>{r.trigger}</td>
                                                <td><span class=format!("status status-{}", r.status)>{r.status.clone()}</span>{r.error.map(|e| view! { <br /><small>{e}</small> })}</td>
                                                <td>{r.step}</td><td>{steps}</td>
                                                <td>{format!("{o} · {c} · {p} · {pairs} · {items}")}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                        Err(e) => denied(&e),
                    }
                })}}
            </Suspense>
        </AdminFrame>
    }
}
