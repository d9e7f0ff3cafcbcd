//! Admin shipping zones at /admin/shipping: every zone with its areas and
//! methods, an edit form per zone, an "Add a zone" form and a delete button
//! each. The forms are plain urlencoded posts to `server/src/admin/rules.rs`
//! (they work without Wasm), each naming the rules version the page showed;
//! a refused one comes back here with what was typed and its field errors,
//! `zone` naming the form they belong to.

use super::{denied, AdminFrame};
use crate::error::AppError;
use crate::forms::{current_form, Field, FieldError, FormMessages, FormState};
use domain::rules::MAX_METHODS;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One zone as the page lists it, with its edit form's fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneView {
    pub name: String,
    /// "US, CA, US-AK" ("" for none).
    pub areas: String,
    pub rest_of_world: bool,
    /// (label, code, what it costs).
    pub methods: Vec<(String, String, String)>,
    pub fields: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippingEdit {
    pub zones: Vec<ZoneView>,
    /// The rules version the forms name (0: never saved).
    pub version: i64,
}

#[server(input = Json)]
pub async fn admin_shipping() -> Result<ShippingEdit, AppError> {
    crate::error::ssr::served(async move {
        crate::account::ssr::require_merchant()?;
        let st = crate::error::ssr::state()?;
        let (rules, version) =
            st.catalog.store().rules().await.map_err(|e| crate::error::ssr::unavailable("admin read", e))?;
        let currency = domain::Currency::Usd;
        let zones = rules
            .zones
            .iter()
            .map(|z| ZoneView {
                name: z.name.clone(),
                areas: z.areas.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(", "),
                rest_of_world: z.rest_of_world,
                methods: z
                    .methods
                    .iter()
                    .map(|m| (m.label.clone(), m.code.to_string(), m.describe(currency)))
                    .collect(),
                fields: super::rules_form::zone_fields(z, currency),
            })
            .collect();
        Ok(ShippingEdit { zones, version })
    })
    .await
}

#[component]
pub fn AdminShippingPage() -> impl IntoView {
    view! {
        <AdminFrame title="Shipping zones">
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {let loaded = crate::once::Once::new(async move { (current_form().await, admin_shipping().await) });
                move || { let loaded = loaded.get(); Suspend::new(async move {
                    let (form, loaded) = loaded.await;
                    match loaded {
                        Ok(s) => shipping(s, form).into_any(),
                        Err(e) => denied(&e),
                    }
                })}}
            </Suspense>
        </AdminFrame>
    }
}

fn shipping(s: ShippingEdit, form: FormState) -> impl IntoView {
    // A refused form comes back to the form it was typed in, the others as stored.
    let typed = |key: &str| if form.value("zone") == key { form.clone() } else { FormState::default() };
    let version = s.version;
    let mut blank = BTreeMap::new();
    blank.insert("m0.kind".to_string(), "flat".to_string());
    view! {
        <FormMessages form=form.clone() />
        <p class="hint">"An address ships in the zone naming its region (US-AK), else the zone naming its country (US), else the rest-of-the-world zone. No country is in two zones."</p>
        {if s.zones.is_empty() {
            view! { <p class="notice error" data-testid="no-zones">"No zones: the shop ships nowhere, and checkout tells shoppers so. Add a zone below."</p> }.into_any()
        } else {
            view! {
                <table class="data" data-testid="zones">
                    <thead><tr><th>"Zone"</th><th>"Countries and regions"</th><th>"Methods"</th></tr></thead>
                    <tbody>
                        {s.zones.iter().map(|z| view! {
                            <tr>
                                <td><a href=format!("#zone-{}", slug(&z.name))>{z.name.clone()}</a></td>
                                <td>
                                    {z.areas.clone()}
                                    {z.rest_of_world.then(|| view! { <span class="status">{if z.areas.is_empty() { "rest of the world" } else { " + rest of the world" }}</span> })}
                                </td>
                                <td>
                                    <ul class="methods">
                                        {z.methods.iter().map(|(label, code, costs)| view! {
                                            <li>{label.clone()}" "<code>{code.clone()}</code>": "{costs.clone()}</li>
                                        }).collect_view()}
                                    </ul>
                                </td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        {s.zones.into_iter().enumerate().map(|(i, z)| {
            let key = i.to_string();
            view! {
                <section class="zone" id=format!("zone-{}", slug(&z.name))>
                    <h2>{format!("Edit {}", z.name)}</h2>
                    {zone_form(key.clone(), z.fields, version, typed(&key))}
                    <form method="post" action="/admin/shipping/delete" class="danger-zone">
                        <input type="hidden" name="version" value=version.to_string() />
                        <input type="hidden" name="zone" value=key />
                        <button type="submit" aria-label=format!("Delete the zone {}", z.name)>"Delete"</button>
                    </form>
                </section>
            }
        }).collect_view()}
        <section class="zone" id="zone-new">
            <h2>"Add a zone"</h2>
            {zone_form("new".into(), blank, version, typed("new"))}
        </section>
    }
}

/// An anchor for a zone's name.
fn slug(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect()
}

/// One zone's form: its name, areas, rest of the world, and method rows
/// (those it has and two blank ones).
fn zone_form(key: String, stored: BTreeMap<String, String>, version: i64, form: FormState) -> impl IntoView {
    // A refused form keeps the version it was opened at: after a lost race only a reload saves.
    let version = if form.values.is_empty() { version.to_string() } else { form.value("version") };
    let fields = if form.values.is_empty() { stored } else { form.values.clone() };
    let v = move |k: &str| fields.get(k).cloned().unwrap_or_default();
    let e = move |k: &str| form.error(k);
    let filled = |i: usize| !v(&format!("m{i}.label")).is_empty() || !v(&format!("m{i}.code")).is_empty();
    let used = (0..MAX_METHODS).rev().find(|i| filled(*i)).map_or(0, |i| i + 1);
    let rows = (used + 2).min(MAX_METHODS);
    let id = |name: &str| format!("z{key}-{name}");
    let is_new = key == "new";
    view! {
        <form class="zone-form" method="post" action="/admin/shipping/save">
            <input type="hidden" name="version" value=version />
            <input type="hidden" name="zone" value=key.clone() />
            <Field id=id("name") label="Zone name" name="name".into() value=v("name") error=e("name") />
            <Field id=id("areas") label="Countries and regions" name="areas".into() value=v("areas") error=e("areas")
                hint="Codes like US, CA, US-AK (a region), separated by commas or spaces." />
            <div class="field">
                <label><input type="checkbox" name="rest_of_world" checked={v("rest_of_world") == "on"} />" Rest of the world: every address no other zone covers"</label>
                <FieldError error=e("rest_of_world") />
            </div>
            <fieldset>
                <legend>"Methods"</legend>
                <p class="hint">"Price: the flat price, or the base price when priced by weight (plus the price per started kilogram). Bands: from-subtotal:price pairs like 0:9.95, 50:4.95. Free from: a subtotal (after the discount) from which the method costs nothing. A row without label and code is ignored."</p>
                <table class="methods">
                    <thead><tr><th>"Label"</th><th>"Code"</th><th>"Priced"</th><th>"Price"</th><th>"Per kg"</th><th>"Bands"</th><th>"Free from"</th></tr></thead>
                    <tbody>
                        {(0..rows).map(|i| {
                            let cell = |name: &str, label: &str| {
                                let key = format!("m{i}.{name}");
                                let err = e(&key);
                                let invalid = err.is_some().then_some("true");
                                view! {
                                    <td>
                                        <input name=key.clone() value=v(&key) aria-label=format!("Method {} {label}", i + 1) aria-invalid=invalid />
                                        {err.map(|m| view! { <p class="field-error">{m}</p> })}
                                    </td>
                                }
                            };
                            let kind = v(&format!("m{i}.kind"));
                            let kinds = [("flat", "flat rate"), ("weight", "by weight"), ("bands", "by subtotal bands")];
                            view! {
                                <tr>
                                    {cell("label", "label")}
                                    {cell("code", "code")}
                                    <td>
                                        <select name=format!("m{i}.kind") aria-label=format!("Method {} priced", i + 1)>
                                            {kinds.into_iter().map(|(k, label)| view! {
                                                <option value=k selected={kind == k}>{label}</option>
                                            }).collect_view()}
                                        </select>
                                        <FieldError error=e(&format!("m{i}.kind")) />
                                    </td>
                                    {cell("price", "price")}
                                    {cell("per_kg", "per kg")}
                                    {cell("bands", "bands")}
                                    {cell("free_from", "free from")}
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </fieldset>
            <button type="submit">{if is_new { "Add zone" } else { "Save zone" }}</button>
        </form>
    }
}
