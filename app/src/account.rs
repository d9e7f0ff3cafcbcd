//! Shopper accounts: sign-in, sign-up, password reset and order history.
//! The forms post to handlers in the server crate (`server/src/account.rs`);
//! these pages render them and their errors.

use crate::error::AppError;
use crate::forms::{current_form, Field, FormMessages, Notice};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use leptos_meta::{Meta, Title};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
pub mod ssr {
    use crate::error::AppError;
    use leptos::prelude::*;
    use shop::accounts::session::{SessionUser, Viewer};

    /// The signed-in user of this request, if any (set by the session middleware).
    pub fn viewer() -> Option<SessionUser> {
        use_context::<axum::http::request::Parts>()
            .and_then(|p| p.extensions.get::<Viewer>().cloned())
            .and_then(|v| v.0)
    }

    /// Refuse anyone but a merchant: `Unauthorized` when signed out,
    /// `Forbidden` for a shopper.
    pub fn require_merchant() -> Result<SessionUser, AppError> {
        match viewer() {
            Some(u) if u.role == domain::account::Role::Merchant => Ok(u),
            Some(_) => Err(AppError::Forbidden),
            None => Err(AppError::Unauthorized),
        }
    }
}

/// The signed-in shopper's e-mail once its owner has confirmed it (for
/// "for you" recommendations, which read every order placed under that
/// e-mail, guest orders included): registering someone else's address must
/// not show what they bought.
pub async fn current_email() -> Option<String> {
    #[cfg(feature = "ssr")]
    {
        let user = ssr::viewer()?;
        let st = crate::error::ssr::state().ok()?;
        match st.accounts.email_verified(&user.user_id).await {
            Ok(true) => Some(user.email),
            Ok(false) => None,
            Err(e) => {
                tracing::warn!(error = %e, "could not check the address; showing no personal recommendations");
                None
            }
        }
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

/// The name of the outside issuer shoppers may sign in with, if one is configured.
pub async fn sign_in_provider() -> Option<String> {
    #[cfg(feature = "ssr")]
    {
        let st = crate::error::ssr::state().ok()?;
        st.accounts.identity.as_ref().map(|p| p.name().to_string())
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyOrder {
    /// The order page with its key (a guest order has no owner to check).
    pub link: String,
    pub id: String,
    pub status: String,
    pub total: String,
    pub items: i64,
    pub placed: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    pub email: String,
    pub merchant: bool,
    pub orders: Vec<MyOrder>,
}

/// The signed-in shopper's account and orders (newest first).
#[server(input = Json)]
pub async fn my_account() -> Result<Option<AccountView>, AppError> {
    crate::error::ssr::served(async move {
        let Some(user) = ssr::viewer() else { return Ok(None) };
        let st = crate::error::ssr::state()?;
        // Guest orders under the address join the history once the account
        // has confirmed it owns that address (else anyone could register
        // someone's e-mail and read what they bought).
        let verified = st.accounts.email_verified(&user.user_id).await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "could not read whether the e-mail is confirmed; guest orders left out");
            false
        });
        let filter = shop::orders::admin::OrderFilter {
            user_id: Some(user.user_id.to_string()),
            guest_email: verified.then(|| user.email.to_lowercase()),
            limit: 50,
            ..Default::default()
        };
        let (orders, _) =
            st.orders.repo.list(&filter).await.map_err(|e| crate::error::ssr::unavailable("order history", e))?;
        Ok(Some(AccountView {
            email: user.email,
            merchant: user.role == domain::account::Role::Merchant,
            orders: orders
                .into_iter()
                .map(|o| MyOrder {
                    link: st.orders.signer.order_path(&o.id),
                    total: crate::format::money(o.total_minor),
                    placed: crate::format::when(o.created_at),
                    id: o.id,
                    status: o.status.as_str().into(),
                    items: o.items,
                })
                .collect(),
        }))
    })
    .await
}

/// `next` when it is a path on this shop, else `None`. Browsers read `/\host`
/// as `//host`, and drop tabs and newlines before resolving a URL, so a
/// path with a backslash or a control character is refused as well as one
/// that names another host (`//host`, `https://host`).
pub fn same_origin_path(next: &str) -> Option<&str> {
    let rest = next.strip_prefix('/')?;
    let odd = next.chars().any(|c| c == '\\' || c.is_control());
    (!odd && !rest.starts_with('/') && next.len() <= 2048).then_some(next)
}

fn next_param() -> String {
    crate::components::request_query()
        .into_iter()
        .find(|(k, _)| k == "next")
        .and_then(|(_, v)| same_origin_path(&v).map(str::to_string))
        .unwrap_or_default()
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let next = next_param();
    view! {
        <Title text="Sign in" />
        <Meta name="robots" content="noindex" />
        <h1>"Sign in"</h1>
        <Suspense fallback=|| ()>
            {let loaded = crate::once::Once::new(async { (current_form().await, sign_in_provider().await) });
            move || { let (next, loaded) = (next.clone(), loaded.get()); Suspend::new(async move {
                let (form, provider) = loaded.await;
                let provider = provider.map(|name| {
                    let href = format!("/account/oidc/start?next={}", crate::components::encode(&next));
                    view! { <p class="sign-in-provider"><a class="button" href=href>{format!("Sign in with {name}")}</a></p> }
                });
                view! {
                    <Notice /><FormMessages form=form.clone() />
                    {provider}
                    <form class="account-form" method="post" action="/account/sign-in">
                        <input type="hidden" name="next" value=next />
                        <Field label="Email" name="email".into() kind="email" value=form.value("email") error=form.error("email") required=true />
                        <Field label="Password" name="password".into() kind="password" error=form.error("password") required=true />
                        <button type="submit">"Sign in"</button>
                    </form>
                    <p><a href="/account/forgot">"Forgot your password?"</a> " · " <a href="/account/sign-up">"Create an account"</a></p>
                }
            })}}
        </Suspense>
    }
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    view! {
        <Title text="Create an account" />
        <Meta name="robots" content="noindex" />
        <h1>"Create an account"</h1>
        <Suspense fallback=|| ()>
            {let loaded = crate::once::Once::new(current_form());
            move || { let loaded = loaded.get(); Suspend::new(async move {
                let form = loaded.await;
                view! {
                    <Notice /><FormMessages form=form.clone() />
                    <form class="account-form" method="post" action="/account/sign-up">
                        <Field label="Email" name="email".into() kind="email" value=form.value("email") error=form.error("email") required=true />
                        <Field label="Password" name="password".into() kind="password" error=form.error("password") required=true hint="At least 10 characters." />
                        <button type="submit">"Create account"</button>
                    </form>
                    <p>"Already have one? " <a href="/account/sign-in">"Sign in"</a></p>
                }
            })}}
        </Suspense>
    }
}

#[component]
pub fn ForgotPage() -> impl IntoView {
    view! {
        <Title text="Reset your password" />
        <Meta name="robots" content="noindex" />
        <h1>"Reset your password"</h1>
        <Suspense fallback=|| ()>
            {let loaded = crate::once::Once::new(current_form());
            move || { let loaded = loaded.get(); Suspend::new(async move {
                let form = loaded.await;
                view! {
                    <Notice /><FormMessages form=form.clone() />
                    <form class="account-form" method="post" action="/account/forgot">
                        <Field label="Email" name="email".into() kind="email" value=form.value("email") error=form.error("email") required=true />
                        <button type="submit">"Mail me a reset link"</button>
                    </form>
                }
            })}}
        </Suspense>
    }
}

#[component]
pub fn ResetPage() -> impl IntoView {
    let token = crate::components::request_query().into_iter().find(|(k, _)| k == "token").map(|(_, v)| v);
    view! {
        <Title text="Choose a new password" />
        <Meta name="robots" content="noindex" />
        <h1>"Choose a new password"</h1>
        <Suspense fallback=|| ()>
            {let loaded = crate::once::Once::new(current_form());
            move || { let (token, loaded) = (token.clone(), loaded.get()); Suspend::new(async move {
                let form = loaded.await;
                let token = token.unwrap_or_else(|| form.value("token"));
                view! {
                    <Notice /><FormMessages form=form.clone() />
                    <form class="account-form" method="post" action="/account/reset">
                        <input type="hidden" name="token" value=token />
                        <Field label="New password" name="password".into() kind="password" error=form.error("password") required=true hint="At least 10 characters." />
                        <button type="submit">"Set password"</button>
                    </form>
                }
            })}}
        </Suspense>
    }
}

#[component]
pub fn AccountPage() -> impl IntoView {
    view! {
        <Title text="Your account" />
        <Meta name="robots" content="noindex" />
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {let loaded = crate::once::Once::new(my_account());
            move || { let loaded = loaded.get(); Suspend::new(async move {
                match loaded.await {
                    Ok(Some(acc)) => view! {
                        <h1>"Your account"</h1>
                        {crate::forms::notice().map(|m| view! { <p class="notice" role="status">{m}</p> })}
                        <p>"Signed in as " <strong>{acc.email.clone()}</strong>
                            {acc.merchant.then(|| view! { " · " <a href="/admin">"Shop admin"</a> })}
                        </p>
                        <form method="post" action="/account/sign-out"><button type="submit">"Sign out"</button></form>
                        <h2>"Your orders"</h2>
                        {if acc.orders.is_empty() {
                            view! { <p>"No orders yet. " <a href="/">"Start shopping"</a></p> }.into_any()
                        } else {
                            view! {
                                <table class="data">
                                    <thead><tr><th>"Order"</th><th>"Placed (UTC)"</th><th>"Items"</th><th>"Total"</th><th>"Status"</th></tr></thead>
                                    <tbody>
                                        {acc.orders.into_iter().map(|o| view! {
                                            <tr>
                                                <td><a href=o.link.clone()>{o.id.clone()}</a></td>
                                                <td>{o.placed}</td><td>{o.items}</td><td>{o.total}</td>
                                                <td><span class=format!("status status-{}", o.status)>{o.status.clone()}</span></td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any()
                        }}
                    }.into_any(),
                    Ok(None) => {
                        crate::components::set_status(401);
                        view! { <h1>"Your account"</h1><p><a href="/account/sign-in?next=/account">"Sign in"</a> " to see your orders."</p> }.into_any()
                    }
                    Err(e) => view! { <p class="notice">{e.to_string()}</p> }.into_any(),
                }
            })}}
        </Suspense>
    }
}

#[cfg(test)]
mod tests {
    use super::same_origin_path;

    #[test]
    fn only_paths_on_this_shop_are_kept_as_next() {
        for ok in ["/", "/account", "/products/p1?x=1#top", "/search?q=a%2F%2Fb"] {
            assert_eq!(same_origin_path(ok), Some(ok));
        }
        let elsewhere = [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "https://evil.example",
            "evil",
            "",
        ];
        for bad in elsewhere {
            assert_eq!(same_origin_path(bad), None, "{bad:?} leaves the shop");
        }
    }
}
