//! The one error every server function returns, and the one place its HTTP
//! status is chosen. Pages and islands branch on its kind, never on message
//! text; the server's plain handlers answer with the same kinds
//! (`IntoResponse` below), so a refusal looks the same whichever way a
//! request came in.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Field name → what is wrong with it, in the order the form shows fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors(pub BTreeMap<String, String>);

impl FieldErrors {
    pub fn one(field: &str, message: impl Into<String>) -> Self {
        Self(BTreeMap::from([(field.to_string(), message.into())]))
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        f.write_str(&parts.join("; "))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Signed out where an account is needed.
    #[error("Sign in to continue.")]
    Unauthorized,
    /// Signed in, but this account may not do it.
    #[error("This account cannot do that.")]
    Forbidden,
    #[error("Not found.")]
    NotFound,
    /// The input was wrong; each field says how.
    #[error("{0}")]
    Invalid(FieldErrors),
    /// The request clashes with the current state (shown as is).
    #[error("{0}")]
    Conflict(String),
    /// A service behind the shop failed; the detail was logged, the message is for people.
    #[error("{0}")]
    Unavailable(String),
    /// The call did not get through (network, encoding): from the server-function transport.
    #[error("The shop could not be reached: {0}")]
    Transport(String),
}

impl AppError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid(FieldErrors::one(field, message))
    }

    /// The HTTP status of each kind: the only such table.
    pub fn status(&self) -> u16 {
        match self {
            Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::Invalid(_) => 400,
            Self::Conflict(_) => 409,
            Self::Unavailable(_) => 503,
            Self::Transport(_) => 500,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    /// Arguments that could not be decoded are the caller's fault (400);
    /// anything else about the call itself is a transport failure.
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Deserialization(_) | ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => {
                Self::invalid("request", format!("the request could not be read ({value})"))
            }
            other => Self::Transport(other.to_string()),
        }
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::AppError;
    use axum::http::StatusCode;
    use axum::response::{IntoResponse, Response};

    /// Log `e` once and answer with the kind's generic message.
    pub fn unavailable(what: &str, e: impl std::fmt::Display) -> AppError {
        tracing::error!(error = %e, what, "a service behind the shop failed");
        AppError::Unavailable("This is briefly unavailable; please try again.".into())
    }

    /// `unavailable` in the words a shopper sees on catalog and cart pages.
    pub fn shop_unavailable(what: &str, e: impl std::fmt::Display) -> AppError {
        tracing::error!(error = %e, what, "a service behind the shop failed");
        AppError::Unavailable("The shop is briefly unavailable. Please try again.".into())
    }

    /// Run a server function's body and, when it fails, set the response
    /// status from the error's kind (for a page rendered on the server and
    /// for a direct call alike).
    pub async fn served<T>(body: impl std::future::Future<Output = Result<T, AppError>>) -> Result<T, AppError> {
        let out = body.await;
        if let Err(e) = &out {
            crate::components::set_status(e.status());
        }
        out
    }

    /// The server state (always provided by the server's router).
    pub fn state() -> Result<crate::state::AppState, AppError> {
        leptos::prelude::use_context::<crate::state::AppState>()
            .ok_or_else(|| unavailable("server state", "AppState missing from the context"))
    }

    impl IntoResponse for AppError {
        fn into_response(self) -> Response {
            let status = StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (status, self.to_string()).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_has_its_own_status() {
        let kinds = [
            AppError::Unauthorized,
            AppError::Forbidden,
            AppError::NotFound,
            AppError::invalid("email", "enter an email"),
            AppError::Conflict("taken".into()),
            AppError::Unavailable("later".into()),
            AppError::Transport("offline".into()),
        ];
        let statuses: Vec<u16> = kinds.iter().map(AppError::status).collect();
        assert_eq!(statuses, [401, 403, 404, 400, 409, 503, 500]);
    }

    #[test]
    fn an_error_survives_the_trip_to_the_browser_with_its_kind() {
        let e = AppError::invalid("from", "use a date like 2026-11-22");
        let back = AppError::de(e.ser());
        assert_eq!(back, e);
        assert_eq!(back.to_string(), "from: use a date like 2026-11-22");
    }

    #[test]
    fn arguments_that_cannot_be_decoded_are_the_callers_fault() {
        let e = AppError::from_server_fn_error(ServerFnErrorErr::Args("expected a string".into()));
        assert_eq!(e.status(), 400, "{e:?}");
        let e = AppError::from_server_fn_error(ServerFnErrorErr::Request("connection refused".into()));
        assert_eq!(e.status(), 500, "{e:?}");
    }

    #[test]
    fn garbage_from_the_wire_is_an_error_not_a_panic() {
        let back = AppError::de(bytes_of("not json"));
        assert!(matches!(back, AppError::Invalid(_)), "{back:?}");
    }

    fn bytes_of(s: &str) -> leptos::server_fn::Bytes {
        leptos::server_fn::Bytes::from(s.to_string())
    }
}
