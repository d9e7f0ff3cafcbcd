//! Create and edit discount codes (urlencoded form). Every rule is checked
//! by `Promotion::from_form` before anything is written; a refused form
//! comes back with one message per bad field and changes nothing. An edit
//! names the version its form showed, so a code changed meanwhile is
//! refused rather than overwritten. A code is never deleted: unticking
//! "active" retires it and keeps its orders' history readable.

use super::{audit, failed, Merchant};
use crate::forms::{back_with_errors, with_notice};
use app::state::AppState;
use axum::extract::State;
use axum::response::Response;
use axum::Form;
use domain::promo::Promotion;
use shop::catalog::store::promos::PromoSaveError;
use std::collections::BTreeMap;

pub async fn save(
    Merchant(who): Merchant,
    State(st): State<AppState>,
    Form(fields): Form<BTreeMap<String, String>>,
) -> Response {
    let version: Option<i64> = fields.get("version").and_then(|v| v.parse().ok());
    let code = fields.get("code").map(|c| c.trim().to_ascii_uppercase()).unwrap_or_default();
    let page = match version {
        Some(_) => format!("/admin/promotions/{}", app::components::encode(&code)),
        None => "/admin/promotions/new".to_string(),
    };
    let p = match Promotion::from_form(&fields, domain::Currency::Usd) {
        Ok(p) => p,
        Err(errors) => return back_with_errors(&st, &page, fields, errors, None).await,
    };
    let store = st.catalog.store();
    let saved = match version {
        None => store.create_promotion(&p).await,
        Some(v) => store.update_promotion(&p, v).await,
    };
    match saved {
        Ok(()) => {
            let action = if version.is_none() { "promotion.create" } else { "promotion.update" };
            audit(&st, &who, action, p.code.as_str(), None, serde_json::to_string(&p).ok()).await;
            with_notice(&st, "/admin/promotions", &format!("Code {} saved.", p.code)).await
        }
        Err(e @ PromoSaveError::Taken(_)) => {
            let errors = [("code".to_string(), e.to_string())].into_iter().collect();
            back_with_errors(&st, &page, fields, errors, None).await
        }
        Err(e @ PromoSaveError::Changed) => {
            back_with_errors(&st, &page, fields, Default::default(), Some(e.to_string())).await
        }
        Err(PromoSaveError::Port(e)) => failed(e),
    }
}
