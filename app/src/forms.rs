//! Plain HTML forms that work without Wasm: the form posts to a server
//! handler; on an error the handler keeps what was typed and the field
//! errors in the cache under a random id and redirects back with `?form=ID`;
//! the page then shows each error beside its field.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormState {
    pub values: BTreeMap<String, String>,
    pub errors: BTreeMap<String, String>,
    /// A message for the whole form (e.g. "wrong email or password").
    pub message: Option<String>,
}

impl FormState {
    pub fn value(&self, k: &str) -> String {
        self.values.get(k).cloned().unwrap_or_default()
    }
    pub fn error(&self, k: &str) -> Option<String> {
        self.errors.get(k).cloned()
    }
}

/// The kept form state named by the page's `?form=` parameter, if any.
#[server(input = Json)]
pub async fn load_form(id: String) -> Result<FormState, crate::error::AppError> {
    crate::error::ssr::served(async move {
        let st = crate::error::ssr::state()?;
        Ok(kept(&st, &id).await)
    })
    .await
}

/// The form state kept under `id` (empty when unknown, expired or unreadable).
#[cfg(feature = "ssr")]
pub async fn kept(st: &crate::state::AppState, id: &str) -> FormState {
    match st.forms.load(id).await {
        Ok(v) => v.and_then(|v| serde_json::from_value(v).ok()).unwrap_or_default(),
        Err(e) => {
            tracing::warn!(error = %e, "could not read a kept form; the page shows it empty");
            FormState::default()
        }
    }
}

/// `load_form` for the current request's `?form=` parameter.
pub async fn current_form() -> FormState {
    let id = crate::components::request_query().into_iter().find(|(k, _)| k == "form").map(|(_, v)| v);
    match id {
        Some(id) => load_form(id).await.unwrap_or_default(),
        None => FormState::default(),
    }
}

/// The cookie naming a flash notice kept for this browser (`server::forms::with_notice`).
pub const NOTICE_COOKIE: &str = "sf_notice";

/// The flash notice the server took for this request (a request extension).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash(pub String);

/// A fresh key for a form whose second submission must change nothing
/// more than the first (a refund): rendered into the page on the server.
pub fn one_time_key() -> String {
    #[cfg(feature = "ssr")]
    {
        uuid::Uuid::new_v4().simple().to_string()
    }
    #[cfg(not(feature = "ssr"))]
    {
        String::new()
    }
}

/// The flash notice a handler redirected with, for a status line. Never
/// read from the URL: only the server's own words, for this browser.
pub fn notice() -> Option<String> {
    #[cfg(feature = "ssr")]
    {
        use_context::<axum::http::request::Parts>().and_then(|p| p.extensions.get::<Flash>().map(|f| f.0.clone()))
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

/// A labelled input with its error, wired for screen readers.
#[component]
pub fn Field(
    label: &'static str,
    name: String,
    #[prop(optional)] kind: Option<&'static str>,
    #[prop(optional)] value: String,
    #[prop(default = None)] error: Option<String>,
    #[prop(optional)] required: bool,
    #[prop(optional)] hint: Option<&'static str>,
    /// The input's id, for a page with several forms naming the same field
    /// (default: `f-` and the name).
    #[prop(optional)]
    id: Option<String>,
) -> impl IntoView {
    let id = id.unwrap_or_else(|| format!("f-{}", name.replace(['[', ']', '.'], "-")));
    let err_id = format!("{id}-error");
    let invalid = error.is_some().then_some("true");
    let described = error.is_some().then(|| err_id.clone());
    let has_error = error.is_some();
    view! {
        <div class="field" class:has-error=has_error>
            <label for=id.clone()>{label}</label>
            <input id=id type=kind.unwrap_or("text") name=name value=value required=required aria-invalid=invalid aria-describedby=described />
            {hint.map(|h| view! { <small class="hint">{h}</small> })}
            {error.map(|e| view! { <p class="field-error" id=err_id>{e}</p> })}
        </div>
    }
}

/// The error under a field that `Field` does not render (textarea, select…).
#[component]
pub fn FieldError(error: Option<String>) -> impl IntoView {
    error.map(|e| view! { <p class="field-error">{e}</p> })
}

/// A whole-form message, or the hint that fields need correcting.
#[component]
pub fn FormMessages(form: FormState) -> impl IntoView {
    view! {
        {form.message.map(|m| view! { <p class="notice error" role="alert">{m}</p> })}
        {(!form.errors.is_empty()).then(|| view! { <p class="notice error" role="alert">"Please correct the highlighted fields."</p> })}
    }
}

/// The flash notice line a handler redirected with.
#[component]
pub fn Notice() -> impl IntoView {
    notice().map(|m| view! { <p class="notice" role="status">{m}</p> })
}
