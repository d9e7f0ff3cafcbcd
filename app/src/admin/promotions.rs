//! Admin discount codes: the list with each code's uses, and the create and
//! edit form (urlencoded, posted to `server/src/admin/promotions.rs`). Reads
//! go through the server functions here, each checking the merchant role.

use super::{denied, AdminFrame};
use crate::error::AppError;
use crate::forms::{current_form, Field, FieldError, FormMessages, FormState};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromoListRow {
    pub code: String,
    pub gives: String,
    /// "2026-12-01 – 2026-12-31", "from 2026-12-01", "always".
    pub window: String,
    pub conditions: String,
    /// "3 of 20", "3 (no limit)".
    pub uses: String,
    pub active: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromoEdit {
    pub fields: BTreeMap<String, String>,
    pub version: i64,
    pub used: i64,
}

#[server(input = Json)]
pub async fn admin_promotions() -> Result<Vec<PromoListRow>, AppError> {
    crate::error::ssr::served(async move {
        crate::account::ssr::require_merchant()?;
        let st = crate::error::ssr::state()?;
        let rows =
            st.catalog.store().promotions().await.map_err(|e| crate::error::ssr::unavailable("admin read", e))?;
        let currency = domain::Currency::Usd;
        Ok(rows
            .into_iter()
            .map(|r| {
                let p = r.promotion;
                let day = domain::promo::format_day;
                let window = match (p.starts_at, p.ends_at) {
                    (Some(s), Some(e)) => format!("{} – {}", day(s), day(e - 86_400)),
                    (Some(s), None) => format!("from {}", day(s)),
                    (None, Some(e)) => format!("until {}", day(e - 86_400)),
                    (None, None) => "always".into(),
                };
                let mut conditions = Vec::new();
                if p.min_subtotal > 0 {
                    let min =
                        domain::Money::new(p.min_subtotal, currency).unwrap_or_else(|_| domain::Money::zero(currency));
                    conditions.push(format!("subtotal from {min}"));
                }
                if !p.categories.is_empty() {
                    let cats: Vec<&str> = p.categories.iter().map(|c| c.as_str()).collect();
                    conditions.push(format!("only {}", cats.join(", ")));
                }
                if p.once_per_customer {
                    conditions.push("once per customer".into());
                }
                if p.min_quantity > 0 {
                    conditions.push(format!("at least {} eligible items", p.min_quantity));
                }
                if p.automatic {
                    conditions.push("automatic (no code to type)".into());
                }
                PromoListRow {
                    code: p.code.to_string(),
                    gives: p.benefit.describe(currency),
                    window,
                    conditions: if conditions.is_empty() { "—".into() } else { conditions.join("; ") },
                    uses: match p.usage_limit {
                        Some(l) => format!("{} of {l}", r.used),
                        None => format!("{} (no limit)", r.used),
                    },
                    active: p.active,
                }
            })
            .collect())
    })
    .await
}

#[server(input = Json)]
pub async fn admin_promotion(code: String) -> Result<Option<PromoEdit>, AppError> {
    crate::error::ssr::served(async move {
        crate::account::ssr::require_merchant()?;
        let st = crate::error::ssr::state()?;
        let Ok(code) = domain::promo::PromoCode::parse(&code) else { return Ok(None) };
        let row =
            st.catalog.store().promotion(&code).await.map_err(|e| crate::error::ssr::unavailable("admin read", e))?;
        Ok(row.map(|r| PromoEdit {
            fields: r.promotion.to_form(domain::Currency::Usd),
            version: r.version,
            used: r.used,
        }))
    })
    .await
}

#[component]
pub fn AdminPromotionsPage() -> impl IntoView {
    view! {
        <AdminFrame title="Discount codes">
            <p><a class="button" href="/admin/promotions/new">"New code"</a></p>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {let loaded = crate::once::Once::new(admin_promotions());
                move || { let loaded = loaded.get(); Suspend::new(async move {
                    match loaded.await {
                        Ok(rows) if rows.is_empty() => view! { <p>"No codes yet."</p> }.into_any(),
                        Ok(rows) => view! {
                            <table class="data" data-testid="promotions">
                                <thead><tr><th>"Code"</th><th>"Gives"</th><th>"When"</th><th>"Conditions"</th><th>"Used"</th><th>"Status"</th></tr></thead>
                                <tbody>
                                    {rows.into_iter().map(|r| view! {
                                        <tr>
                                            <td><a href=format!("/admin/promotions/{}", r.code)><code>{r.code.clone()}</code></a></td>
                                            <td>{r.gives}</td><td>{r.window}</td><td>{r.conditions}</td><td>{r.uses}</td>
                                            <td>{if r.active { "active" } else { "disabled" }}</td>
                                        </tr>
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

#[component]
pub fn AdminPromotionPage() -> impl IntoView {
    let code = use_params_map().with_untracked(|p| p.get("code").unwrap_or_default());
    let title = if code == "new" { "New discount code" } else { "Edit discount code" };
    view! {
        <AdminFrame title=title>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {let is_new = code == "new";
                let loaded = crate::once::Once::new(async move {
                    let promotion = if is_new {
                        // A role check even for the empty form.
                        admin_promotions().await.map(|_| {
                            let mut fresh = PromoEdit::default();
                            fresh.fields.insert("active".into(), "on".into());
                            fresh.fields.insert("kind".into(), "percent".into());
                            Some(fresh)
                        })
                    } else {
                        admin_promotion(code).await
                    };
                    (current_form().await, promotion)
                });
                move || { let loaded = loaded.get(); Suspend::new(async move {
                    let (form, promotion) = loaded.await;
                    match promotion {
                        Ok(Some(p)) => promotion_form(p, is_new, form).into_any(),
                        Ok(None) => {
                            crate::components::set_status(404);
                            view! { <p>"No such code."</p> }.into_any()
                        }
                        Err(e) => denied(&e),
                    }
                })}}
            </Suspense>
        </AdminFrame>
    }
}

fn promotion_form(p: PromoEdit, is_new: bool, form: FormState) -> impl IntoView {
    // Values typed in a failed submit win over the stored code.
    let fields = if form.values.is_empty() { p.fields.clone() } else { form.values.clone() };
    let v = move |k: &str| fields.get(k).cloned().unwrap_or_default();
    let e = |k: &str| form.error(k);
    let kind = v("kind");
    let ticked = |k: &str| v(k) == "on";
    view! {
        <FormMessages form=form.clone() />
        <form class="promotion-form" method="post" action="/admin/promotions/save">
            {(!is_new).then(|| view! {
                <input type="hidden" name="version" value=p.version.to_string() />
                <p>{format!("Used by {} order(s) now (placed and not rejected or cancelled).", p.used)}</p>
            })}
            {if is_new {
                view! { <Field label="Code" name="code".into() value=v("code") error=e("code") required=true hint="3 to 32 letters, digits, - or _; shoppers may type it in any case." /> }.into_any()
            } else {
                view! { <div class="field"><label>"Code"</label><code>{v("code")}</code><input type="hidden" name="code" value=v("code") /></div> }.into_any()
            }}
            <div class="field">
                <label for="f-kind">"Gives"</label>
                <select id="f-kind" name="kind">
                    {[("percent", "a percentage off"), ("fixed", "a fixed amount off"), ("free_shipping", "free shipping")].into_iter().map(|(k, label)| view! {
                        <option value=k selected={kind == k}>{label}</option>
                    }).collect_view()}
                </select>
                <FieldError error=e("kind") />
            </div>
            <Field label="Value" name="value".into() value=v("value") error=e("value") hint="Percent (1–100) or an amount like 5.00; empty for free shipping." />
            <Field label="Starts on" name="starts_on".into() value=v("starts_on") error=e("starts_on") hint="YYYY-MM-DD (UTC); empty: now." />
            <Field label="Ends on" name="ends_on".into() value=v("ends_on") error=e("ends_on") hint="The last day it works (UTC); empty: no end." />
            <Field label="Minimum subtotal" name="min_subtotal".into() value=v("min_subtotal") error=e("min_subtotal") hint="Before the discount; empty: none." />
            <Field label="Only these categories" name="categories".into() value=v("categories") error=e("categories") hint="Comma-separated paths like apparel/shirts; empty: every product." />
            <Field label="Minimum items" name="min_quantity".into() value=v("min_quantity") error=e("min_quantity") hint="Eligible items the cart must hold (buy N); empty: none." />
            <Field label="Usage limit" name="usage_limit".into() value=v("usage_limit") error=e("usage_limit") hint="Orders in all; empty: no limit." />
            <div class="field">
                <label><input type="checkbox" name="once_per_customer" checked=ticked("once_per_customer") />" Once per customer (by e-mail address)"</label>
                <FieldError error=e("once_per_customer") />
            </div>
            <div class="field">
                <label><input type="checkbox" name="automatic" checked=ticked("automatic") />" Automatic: applies by itself to every cart that meets the conditions (the code is then only its name)"</label>
            </div>
            <div class="field">
                <label><input type="checkbox" name="active" checked=ticked("active") />" Active"</label>
            </div>
            <p class="hint">"One discount per order: the shopper's code or an automatic promotion, whichever saves more. A rejected or cancelled order gives a code's use back."</p>
            <button type="submit">"Save code"</button>
        </form>
    }
}
