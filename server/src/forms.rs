//! Shared plumbing of the plain HTML form handlers: cookies, keeping a failed
//! form for the page to show (`app::forms`), redirects.

use app::forms::FormState;
use app::state::AppState;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::BTreeMap;
use std::time::Duration;

pub const FORM_TTL: Duration = Duration::from_secs(600);

/// A cookie's value from the request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix(&format!("{name}=")).map(String::from))
}

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
    let state = FormState { values, errors, message };
    let id = uuid::Uuid::new_v4().simple().to_string();
    let body = serde_json::to_vec(&state).unwrap_or_default();
    if let Err(e) = st.services.cache.set(&format!("form:{id}"), &body, Some(FORM_TTL)).await {
        tracing::warn!(error = %e, "could not keep the form; the page shows no field errors");
    }
    let sep = if page.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{page}{sep}form={id}")).into_response()
}

/// Redirect with a one-line notice for the next page.
pub fn with_notice(page: &str, notice: &str) -> Response {
    let sep = if page.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{page}{sep}notice={}", app::components::encode(notice))).into_response()
}

pub fn set_cookie(resp: &mut Response, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
}

pub fn secure_attr(st: &AppState) -> &'static str {
    if st.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    }
}
