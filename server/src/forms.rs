//! Shared plumbing of the plain HTML form handlers: cookies, keeping a failed
//! form for the page to show (`app::forms`), redirects.

use app::forms::FormState;
use app::state::AppState;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::BTreeMap;

pub use app::cookies::read as cookie;

/// Keep what was typed (never passwords) and the errors; redirect back to
/// `page` with `?form=ID` so it can show them.
pub async fn back_with_errors(
    st: &AppState,
    page: &str,
    mut values: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
    message: Option<String>,
) -> Response {
    values.retain(|k, _| !k.contains("password") && k != "token");
    let state = serde_json::to_value(FormState { values, errors, message }).unwrap_or_default();
    let sep = if page.contains('?') { '&' } else { '?' };
    match st.forms.keep(&state).await {
        Ok(id) => Redirect::to(&format!("{page}{sep}form={id}")).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "could not keep the form; the page shows no field errors");
            Redirect::to(page).into_response()
        }
    }
}

/// Redirect with a one-line notice for the next page.
pub fn with_notice(page: &str, notice: &str) -> Response {
    let sep = if page.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{page}{sep}notice={}", app::components::encode(notice))).into_response()
}

/// Set (or, with `max_age_secs` 0, remove) one of the shop's cookies on `resp`.
pub fn set_cookie(st: &AppState, resp: &mut Response, name: &str, value: &str, max_age_secs: i64) {
    if let Some(v) = app::cookies::set(name, value, max_age_secs, st.public_url.starts_with("https://")) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
}
