//! Shipping zones and taxes (`/admin/shipping`, `/admin/taxes`), saved as
//! one versioned document (`CatalogStore::save_rules`). Every rule is
//! checked by `domain::rules` before anything is written: a refused form
//! comes back with what was typed and one message per bad field, and
//! changes nothing. Each form names the version its page showed, so a save
//! that lost a race with another merchant's is refused rather than undoing
//! theirs. A saved change is audited and makes cached pages render anew.

use super::{audit, failed, Merchant};
use crate::forms::{back_with_errors, with_notice};
use app::state::AppState;
use axum::extract::State;
use axum::response::Response;
use axum::Form;
use domain::rules::{tax_from_form, zone_from_form, Fields, ShopRules, MAX_RATES};
use shop::accounts::session::SessionUser;
use shop::catalog::store::rules::RulesSaveError;

const SHIPPING: &str = "/admin/shipping";
const TAXES: &str = "/admin/taxes";

/// The live rules, when the form names their version; otherwise the
/// response that says the page is stale (or the store failed).
async fn live(st: &AppState, page: &str, fields: &Fields) -> Result<(ShopRules, i64), Response> {
    let (rules, version) = st.catalog.store().rules().await.map_err(failed)?;
    let shown = fields.get("version").and_then(|v| v.trim().parse::<i64>().ok());
    if shown != Some(version) {
        return Err(changed(st, page, fields.clone()).await);
    }
    Ok((rules, version))
}

async fn changed(st: &AppState, page: &str, fields: Fields) -> Response {
    back_with_errors(st, page, fields, Default::default(), Some(RulesSaveError::Changed.to_string())).await
}

/// What a saved change was, for the audit log and the notice.
struct Change<'a> {
    action: &'a str,
    target: &'a str,
    notice: String,
}

/// Write `next` over `version`, then audit it, refresh the cached pages and
/// go back to `page` with the notice.
async fn write(
    st: &AppState,
    who: &SessionUser,
    page: &str,
    fields: Fields,
    (before, next, version): (&ShopRules, &ShopRules, i64),
    change: Change<'_>,
) -> Response {
    match st.catalog.save_rules(next, version).await {
        Ok(v) => {
            let (b, a) = (serde_json::to_string(before).ok(), serde_json::to_string(next).ok());
            audit(st, who, change.action, change.target, b, a).await;
            tracing::info!(rules.version = v, action = change.action, "shipping and tax settings saved");
            with_notice(st, page, &change.notice).await
        }
        Err(RulesSaveError::Changed) => changed(st, page, fields).await,
        Err(RulesSaveError::Port(e)) => failed(e),
    }
}

/// Which zone a form edits: `new`, or its position on the page.
fn zone_at(fields: &Fields, rules: &ShopRules) -> Option<usize> {
    match fields.get("zone").map(|z| z.trim()) {
        Some("new") => Some(rules.zones.len()),
        Some(i) => i.parse::<usize>().ok().filter(|i| *i < rules.zones.len()),
        None => None,
    }
}

pub async fn save_zone(Merchant(who): Merchant, State(st): State<AppState>, Form(fields): Form<Fields>) -> Response {
    let (rules, version) = match live(&st, SHIPPING, &fields).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let Some(at) = zone_at(&fields, &rules) else {
        return with_notice(&st, SHIPPING, "That zone no longer exists.").await;
    };
    let is_new = at == rules.zones.len();
    let next = match zone_from_form(&fields, domain::Currency::Usd).and_then(|z| rules.with_zone(at, z)) {
        Ok(next) => next,
        Err(errors) => return back_with_errors(&st, SHIPPING, fields, errors, None).await,
    };
    let name = next.zones.get(at).map(|z| z.name.clone()).unwrap_or_default();
    let change = Change {
        action: if is_new { "shipping.zone.create" } else { "shipping.zone.update" },
        target: &name,
        notice: format!("Zone {name} saved."),
    };
    write(&st, &who, SHIPPING, fields, (&rules, &next, version), change).await
}

pub async fn delete_zone(Merchant(who): Merchant, State(st): State<AppState>, Form(fields): Form<Fields>) -> Response {
    let (rules, version) = match live(&st, SHIPPING, &fields).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let Some(at) = zone_at(&fields, &rules).filter(|at| *at < rules.zones.len()) else {
        return with_notice(&st, SHIPPING, "That zone no longer exists.").await;
    };
    let mut next = rules.clone();
    let gone = next.zones.remove(at);
    let notice = if next.zones.is_empty() {
        format!("Zone {} deleted. The shop now ships nowhere: checkout says so until you add a zone.", gone.name)
    } else {
        format!("Zone {} deleted.", gone.name)
    };
    let change = Change { action: "shipping.zone.delete", target: &gone.name, notice };
    write(&st, &who, SHIPPING, fields, (&rules, &next, version), change).await
}

pub async fn save_taxes(Merchant(who): Merchant, State(st): State<AppState>, Form(fields): Form<Fields>) -> Response {
    let (rules, version) = match live(&st, TAXES, &fields).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let tax = match tax_from_form(&fields, MAX_RATES) {
        Ok(t) => t,
        Err(errors) => return back_with_errors(&st, TAXES, fields, errors, None).await,
    };
    let next = ShopRules { zones: rules.zones.clone(), tax };
    let change = Change { action: "taxes.update", target: "taxes", notice: "Taxes saved.".into() };
    write(&st, &who, TAXES, fields, (&rules, &next, version), change).await
}
