//! Shared plumbing of the plain HTML form handlers: cookies, keeping a failed
//! form for the page to show (`app::forms`), redirects.

use app::forms::FormState;
use app::state::AppState;
use axum::extract::{Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
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

/// Redirect to `page` with a one-line notice for it, bound to this browser:
/// kept server-side under a random id sent in the `sf_notice` cookie (never
/// in the URL, so no link can put words on the shop's pages).
pub async fn with_notice(st: &AppState, page: &str, notice: &str) -> Response {
    let mut resp = Redirect::to(page).into_response();
    match st.forms.keep_notice(notice).await {
        Ok(id) => set_cookie(st, &mut resp, app::forms::NOTICE_COOKIE, &id, NOTICE_COOKIE_SECS),
        Err(e) => tracing::warn!(error = %e, "could not keep a notice; the page shows none"),
    }
    resp
}

/// How long a notice waits for its page.
const NOTICE_COOKIE_SECS: i64 = 600;

/// Middleware: a request carrying the notice cookie gets its text (taken,
/// so it shows once) as an `app::forms::Flash` extension, and the cookie is
/// removed on the way out.
pub async fn flash_layer(State(st): State<AppState>, mut req: Request, next: Next) -> Response {
    let Some(id) = cookie(req.headers(), app::forms::NOTICE_COOKIE) else {
        return next.run(req).await;
    };
    // Only a page load (GET) spends it: a server-function call must not eat it.
    if req.method() == Method::GET {
        match st.forms.take_notice(&id).await {
            Ok(Some(text)) => {
                req.extensions_mut().insert(app::forms::Flash(text));
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "could not read a notice; the page shows none"),
        }
        let mut resp = next.run(req).await;
        // Unless this response leaves a new notice (a GET handler that redirects with one).
        let fresh = format!("{}=", app::forms::NOTICE_COOKIE);
        let sets_new =
            resp.headers().get_all(header::SET_COOKIE).iter().any(|v| v.as_bytes().starts_with(fresh.as_bytes()));
        if !sets_new {
            set_cookie(&st, &mut resp, app::forms::NOTICE_COOKIE, "", 0);
        }
        return resp;
    }
    next.run(req).await
}

/// Set (or, with `max_age_secs` 0, remove) one of the shop's cookies on `resp`.
pub fn set_cookie(st: &AppState, resp: &mut Response, name: &str, value: &str, max_age_secs: i64) {
    if let Some(v) = app::cookies::set(name, value, max_age_secs, st.public_url.starts_with("https://")) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
}
