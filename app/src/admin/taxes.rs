//! Admin taxes at /admin/taxes: whether catalog prices include tax, and the
//! rates per country or region and tax class, as one plain form (posted to
//! `server/src/admin/rules.rs`, working without Wasm) naming the rules
//! version it showed; a refused one comes back with what was typed and one
//! error beside each bad field.

use super::{denied, AdminFrame};
use crate::error::AppError;
use crate::forms::{current_form, FieldError, FormMessages, FormState};
use domain::rules::MAX_RATES;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxEdit {
    pub fields: BTreeMap<String, String>,
    /// The rules version the form names (0: never saved).
    pub version: i64,
}

#[server(input = Json)]
pub async fn admin_taxes() -> Result<TaxEdit, AppError> {
    crate::error::ssr::served(async move {
        crate::account::ssr::require_merchant()?;
        let st = crate::error::ssr::state()?;
        let (rules, version) =
            st.catalog.store().rules().await.map_err(|e| crate::error::ssr::unavailable("admin read", e))?;
        Ok(TaxEdit { fields: super::rules_form::tax_fields(&rules.tax), version })
    })
    .await
}

#[component]
pub fn AdminTaxesPage() -> impl IntoView {
    view! {
        <AdminFrame title="Taxes">
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {let loaded = crate::once::Once::new(async move { (current_form().await, admin_taxes().await) });
                move || { let loaded = loaded.get(); Suspend::new(async move {
                    let (form, loaded) = loaded.await;
                    match loaded {
                        Ok(t) => tax_form(t, form).into_any(),
                        Err(e) => denied(&e),
                    }
                })}}
            </Suspense>
        </AdminFrame>
    }
}

fn tax_form(t: TaxEdit, form: FormState) -> impl IntoView {
    // Values typed in a failed submit win over the stored rates; such a form
    // keeps the version it was opened at (after a lost race only a reload saves).
    let version = if form.values.is_empty() { t.version.to_string() } else { form.value("version") };
    let fields = if form.values.is_empty() { t.fields.clone() } else { form.values.clone() };
    let v = move |k: &str| fields.get(k).cloned().unwrap_or_default();
    let e = |k: &str| form.error(k);
    let used = (0..MAX_RATES).rev().find(|i| !v(&format!("r{i}.area")).is_empty()).map_or(0, |i| i + 1);
    let rows = (used + 3).min(MAX_RATES);
    let included = v("prices_include_tax") == "included";
    view! {
        <FormMessages form=form.clone() />
        <form class="tax-form" method="post" action="/admin/taxes/save">
            <input type="hidden" name="version" value=version />
            <fieldset>
                <legend>"Catalog prices"</legend>
                <div class="field">
                    <label><input type="radio" name="prices_include_tax" value="included" checked=included />" Prices include tax (EU style: shown as incl. VAT)"</label>
                </div>
                <div class="field">
                    <label><input type="radio" name="prices_include_tax" value="excluded" checked=!included />" Prices exclude tax (US style: tax added at checkout)"</label>
                </div>
                <FieldError error=e("prices_include_tax") />
            </fieldset>
            <fieldset>
                <legend>"Rates"</legend>
                <p class="hint">"A line pays the rate of its address's region (US-NY), else of its country (US), for its product's tax class; none when no row matches. Shipping pays the standard rate. An empty class is standard; a row without an area is ignored."</p>
                <table class="rates" data-testid="tax-rates">
                    <thead><tr><th>"Country or region"</th><th>"Tax class"</th><th>"Label"</th><th>"Rate (%)"</th></tr></thead>
                    <tbody>
                        {(0..rows).map(|i| {
                            let cell = |name: &str, label: &str, placeholder: &'static str| {
                                let key = format!("r{i}.{name}");
                                let err = e(&key);
                                let invalid = err.is_some().then_some("true");
                                view! {
                                    <td>
                                        <input name=key.clone() value=v(&key) placeholder=placeholder aria-label=format!("Rate {} {label}", i + 1) aria-invalid=invalid />
                                        {err.map(|m| view! { <p class="field-error">{m}</p> })}
                                    </td>
                                }
                            };
                            view! {
                                <tr>
                                    {cell("area", "country or region", "DE or US-NY")}
                                    {cell("class", "tax class", "standard")}
                                    {cell("label", "label", "VAT")}
                                    {cell("rate", "percent", "20")}
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </fieldset>
            <button type="submit">"Save taxes"</button>
        </form>
    }
}
