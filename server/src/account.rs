//! Account form handlers (sign-up, sign-in, sign-out, password reset, the
//! address check's link, sign-in through an outside OpenID Connect issuer)
//! and the session middleware that tells every route who is asking.

use crate::forms::{back_with_errors, cookie, set_cookie, with_notice};
use app::state::AppState;
use axum::extract::{Query, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use shop::accounts::external::{PENDING_COOKIE, PENDING_TTL};
use shop::accounts::session::{Viewer, COOKIE};
use shop::accounts::{AccountError, User};
use std::collections::BTreeMap;

type Fields = Form<BTreeMap<String, String>>;

fn field(f: &BTreeMap<String, String>, k: &str) -> String {
    f.get(k).cloned().unwrap_or_default()
}

/// Put `Viewer` in the request's extensions (anonymous when there is no
/// valid session, or when the session store is down).
pub async fn session_layer(State(st): State<AppState>, mut req: Request, next: Next) -> Response {
    // Files look the same to everyone: no session read for them.
    let path = req.uri().path();
    let file = ["/pkg/", "/media/", "/img/"].iter().any(|p| path.starts_with(p)) || path == "/favicon.svg";
    let user = match cookie(req.headers(), COOKIE).filter(|_| !file) {
        Some(id) => st.accounts.sessions.get(&id).await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "session store unavailable; treating the request as signed out");
            None
        }),
        None => None,
    };
    req.extensions_mut().insert(Viewer(user));
    next.run(req).await
}

fn unavailable(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "account operation failed");
    app::error::AppError::Unavailable("Accounts are briefly unavailable; please try again.".into()).into_response()
}

/// Start a session under a fresh id (dropping the old one), merge the guest
/// cart into the account's cart (and its wishlist into the account's), and
/// redirect.
async fn signed_in(st: &AppState, headers: &HeaderMap, user: &User, next: &str) -> Response {
    if let Some(old) = cookie(headers, COOKIE) {
        let _ = st.accounts.sessions.end(&old).await;
    }
    let id = match st.accounts.sessions.start(&user.session()).await {
        Ok(id) => id,
        Err(e) => return unavailable(e),
    };
    merge_guest_cart(st, headers, &user.id).await;
    let target = if let Some(path) = app::account::same_origin_path(next) {
        path.to_string()
    } else if user.role == domain::account::Role::Merchant {
        "/admin".into()
    } else {
        "/account".into()
    };
    let mut resp = Redirect::to(&target).into_response();
    let max_age = i64::try_from(st.accounts.sessions.ttl().as_secs()).unwrap_or(i64::MAX);
    set_cookie(st, &mut resp, COOKIE, &id, max_age);
    resp
}

async fn merge_guest_cart(st: &AppState, headers: &HeaderMap, user_id: &domain::UserId) {
    let Some(guest) = cookie(headers, app::cart_api::ssr::COOKIE).and_then(|v| st.orders.signer.verify(&v)) else {
        return;
    };
    let carts = &st.orders.carts;
    let Ok(g) = carts.load(&guest).await else { return };
    let mut kept = shop::orders::cart::Cart::default();
    if !g.saved.is_empty() {
        match st.wishlists.adopt(user_id, &g.saved).await {
            Ok(added) => tracing::info!(added, "moved the guest wishlist to the account"),
            Err(e) => {
                tracing::warn!(error = %e, "could not move the guest wishlist; it stays with the guest cart");
                kept.saved = g.saved.clone();
            }
        }
    }
    if !g.lines.is_empty() {
        let mine = app::cart_api::ssr::user_cart_id(user_id);
        let Ok(mut cart) = carts.load(&mine).await else { return };
        for l in &g.lines {
            // A line over the caps is dropped, never an error at sign-in.
            let _ = cart.add(
                &l.product_id,
                &l.sku,
                i64::from(l.quantity),
                l.price_seen,
                shop::orders::cart::new_generation,
            );
        }
        if carts.save(&mine, &cart).await.is_err() {
            return;
        }
        tracing::info!(lines = g.lines.len(), "merged the guest cart into the account's cart");
    }
    // What moved leaves the guest cart.
    let _ = if kept.saved.is_empty() { carts.delete(&guest).await } else { carts.save(&guest, &kept).await };
}

pub async fn sign_in(State(st): State<AppState>, headers: HeaderMap, Form(f): Fields) -> Response {
    let next = field(&f, "next");
    match st.accounts.sign_in(&field(&f, "email"), &field(&f, "password")).await {
        Ok(user) => signed_in(&st, &headers, &user, &next).await,
        Err(AccountError::Port(e)) => unavailable(e),
        Err(e) => {
            let page = if next.is_empty() {
                "/account/sign-in".to_string()
            } else {
                format!("/account/sign-in?next={}", app::components::encode(&next))
            };
            back_with_errors(&st, &page, f, BTreeMap::new(), Some(e.to_string())).await
        }
    }
}

pub async fn sign_up(State(st): State<AppState>, headers: HeaderMap, Form(f): Fields) -> Response {
    match st.accounts.sign_up(&field(&f, "email"), &field(&f, "password")).await {
        Ok(user) => signed_in(&st, &headers, &user, "/account").await,
        Err(AccountError::Invalid(errors)) => back_with_errors(&st, "/account/sign-up", f, errors, None).await,
        Err(AccountError::Port(e)) => unavailable(e),
        Err(e) => back_with_errors(&st, "/account/sign-up", f, BTreeMap::new(), Some(e.to_string())).await,
    }
}

pub async fn sign_out(State(st): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(id) = cookie(&headers, COOKIE) {
        let _ = st.accounts.sessions.end(&id).await;
    }
    let mut resp = with_notice(&st, "/account/sign-in", "You are signed out.").await;
    set_cookie(&st, &mut resp, COOKIE, "", 0);
    resp
}

pub async fn forgot(State(st): State<AppState>, Form(f): Fields) -> Response {
    match st.accounts.request_reset(&field(&f, "email")).await {
        Ok(()) => {
            with_notice(
                &st,
                "/account/forgot",
                "If an account exists for that email, a reset link is on its way. It works once, for an hour.",
            )
            .await
        }
        Err(AccountError::Invalid(errors)) => back_with_errors(&st, "/account/forgot", f, errors, None).await,
        Err(e) => unavailable(e),
    }
}

pub async fn reset(State(st): State<AppState>, Form(f): Fields) -> Response {
    let token = field(&f, "token");
    match st.accounts.reset_password(&token, &field(&f, "password")).await {
        Ok(_) => with_notice(&st, "/account/sign-in", "Your password is changed. Sign in with it.").await,
        Err(AccountError::Invalid(errors)) => {
            let page = format!("/account/reset?token={}", app::components::encode(&token));
            back_with_errors(&st, &page, f, errors, None).await
        }
        Err(AccountError::Port(e)) => unavailable(e),
        Err(e) => back_with_errors(&st, "/account/reset", f, BTreeMap::new(), Some(e.to_string())).await,
    }
}

/// The link mailed at sign-up. A plain GET (opened from a mail client), so
/// it is idempotent: a used or expired token only says so.
pub async fn verify(State(st): State<AppState>, Query(q): Query<BTreeMap<String, String>>) -> Response {
    match st.accounts.verify_email(&field(&q, "token")).await {
        Ok(_) => with_notice(&st, "/account", "Your e-mail address is confirmed. Thank you.").await,
        Err(AccountError::Port(e)) => unavailable(e),
        Err(e) => with_notice(&st, "/account", &e.to_string()).await,
    }
}

/// "Sign in with …": park the pending sign-in and send the shopper to the
/// issuer. Without a configured issuer, back to the sign-in page.
pub async fn oidc_start(State(st): State<AppState>, Query(q): Query<BTreeMap<String, String>>) -> Response {
    match st.accounts.begin_external(&field(&q, "next")).await {
        Ok(Some((url, id))) => {
            let mut resp = Redirect::to(&url).into_response();
            set_cookie(&st, &mut resp, PENDING_COOKIE, &id, PENDING_TTL.as_secs() as i64);
            resp
        }
        Ok(None) => with_notice(&st, "/account/sign-in", "Sign-in through another provider is not offered here.").await,
        Err(AccountError::Port(e)) => unavailable(e),
        Err(e) => with_notice(&st, "/account/sign-in", &e.to_string()).await,
    }
}

/// The issuer sends the shopper back here with `code` and `state` (or an
/// `error`, e.g. when they cancelled).
pub async fn oidc_callback(
    State(st): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let pending = cookie(&headers, PENDING_COOKIE).unwrap_or_default();
    let mut resp = if q.contains_key("error") {
        tracing::info!(error = %field(&q, "error"), "the sign-in provider returned an error");
        let _ = st.accounts.sessions.unpark(&pending).await;
        with_notice(&st, "/account/sign-in", "Sign-in was cancelled or refused by the provider.").await
    } else {
        match st.accounts.finish_external(&pending, &field(&q, "state"), &field(&q, "code")).await {
            Ok((user, next)) => signed_in(&st, &headers, &user, &next).await,
            Err(AccountError::Port(e)) => unavailable(e),
            Err(e) => with_notice(&st, "/account/sign-in", &e.to_string()).await,
        }
    };
    set_cookie(&st, &mut resp, PENDING_COOKIE, "", 0);
    resp
}
