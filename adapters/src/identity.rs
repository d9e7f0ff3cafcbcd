//! OpenID Connect adapter for the identity port: discovery, the
//! authorization-code flow with PKCE (S256), a nonce and a state, and the ID
//! token checked by `openidconnect` (signature against the issuer's JWKS,
//! issuer, audience, expiry, nonce, and the access-token hash when present).
//! The e-mail comes from the ID token, or from the userinfo endpoint when
//! the issuer keeps it there (as it may for the `email` scope).
//!
//! The discovery document is fetched on first use and kept for
//! `METADATA_TTL`, so the shop starts while the issuer is down and picks up
//! rotated signing keys; a token signed by a key the cached set does not
//! hold is refused and the keys refetched at once.

use async_trait::async_trait;
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreIdTokenClaims, CoreProviderMetadata,
};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken,
    EmptyAdditionalClaims, HttpClientError, HttpRequest, HttpResponse, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, SignatureVerificationError, TokenResponse, UserInfoClaims,
};
use ports::config::OidcConfig;
use ports::identity::{Identity, IdentityProvider, PendingSignIn};
use ports::{PortError, PortResult};
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

const BACKEND: &str = "oidc";
/// How long a fetched discovery document (and its keys) is used.
const METADATA_TTL: Duration = Duration::from_secs(600);

pub struct Oidc {
    config: OidcConfig,
    redirect: RedirectUrl,
    http: Http,
    metadata: Mutex<Option<(Instant, CoreProviderMetadata)>>,
}

fn unavailable(e: impl std::fmt::Display) -> PortError {
    PortError::unavailable(BACKEND, e)
}

/// The error with its causes, one line (openidconnect nests the useful part).
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

impl Oidc {
    /// `public_url` is the shop's origin: the issuer sends shoppers back to
    /// `{public_url}/account/oidc/callback` (register that URI with it).
    pub fn new(config: OidcConfig, public_url: &str) -> PortResult<Self> {
        let redirect = RedirectUrl::new(format!("{}/account/oidc/callback", public_url.trim_end_matches('/')))
            .map_err(|e| PortError::Invalid(format!("server.public_url: {e}")))?;
        let http = reqwest_tls::Client::builder()
            // Following redirects would open the token and key fetches to SSRF.
            .redirect(reqwest_tls::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(unavailable)?;
        let http = Http(http);
        Ok(Self { config, redirect, http, metadata: Mutex::new(None) })
    }

    async fn metadata(&self, refresh: bool) -> PortResult<CoreProviderMetadata> {
        let mut cached = self.metadata.lock().await;
        match &*cached {
            Some((at, m)) if !refresh && at.elapsed() < METADATA_TTL => return Ok(m.clone()),
            _ => {}
        }
        let issuer = IssuerUrl::new(self.config.issuer.clone()).map_err(|e| PortError::Invalid(e.to_string()))?;
        let fetched = CoreProviderMetadata::discover_async(issuer, &self.http).await;
        if let Ok(m) = &fetched {
            *cached = Some((Instant::now(), m.clone()));
        }
        match (fetched, &*cached) {
            (Ok(m), _) => Ok(m),
            // The issuer is briefly unreachable: the keys we hold still verify.
            (Err(e), Some((_, m))) if !refresh => {
                tracing::warn!(issuer = %self.config.issuer, error = %chain(&e), "OIDC discovery failed; using the cached document");
                Ok(m.clone())
            }
            (Err(e), _) => Err(unavailable(format!("discovery of {}: {}", self.config.issuer, chain(&e)))),
        }
    }

    fn client(
        &self,
        m: CoreProviderMetadata,
    ) -> openidconnect::core::CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    > {
        CoreClient::from_provider_metadata(
            m,
            ClientId::new(self.config.client_id.clone()),
            self.config.client_secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(self.redirect.clone())
    }

    /// Trade the code and verify the ID token against `m`'s keys.
    async fn exchange(&self, m: CoreProviderMetadata, pending: &PendingSignIn, code: &str) -> PortResult<Exchanged> {
        let client = self.client(m);
        let token = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| PortError::Invalid(format!("the issuer publishes no token endpoint: {e}")))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|e| match e {
                openidconnect::RequestTokenError::ServerResponse(r) => {
                    PortError::Invalid(format!("the issuer refused the code: {r}"))
                }
                other => unavailable(format!("token request: {}", chain(&other))),
            })?;
        let id_token = token.id_token().ok_or_else(|| PortError::Invalid("the issuer returned no ID token".into()))?;
        let verifier = client.id_token_verifier();
        let claims: CoreIdTokenClaims = match id_token.claims(&verifier, &Nonce::new(pending.nonce.clone())) {
            Ok(c) => c.clone(),
            Err(ClaimsVerificationError::SignatureVerification(SignatureVerificationError::NoMatchingKey)) => {
                return Ok(Exchanged::UnknownKey)
            }
            Err(e) => return Err(PortError::Invalid(format!("ID token refused: {}", chain(&e)))),
        };
        if let Some(expected) = claims.access_token_hash() {
            let alg = id_token.signing_alg().map_err(|e| PortError::Invalid(e.to_string()))?;
            let key = id_token.signing_key(&verifier).map_err(|e| PortError::Invalid(e.to_string()))?;
            let actual = AccessTokenHash::from_token(token.access_token(), alg, key)
                .map_err(|e| PortError::Invalid(e.to_string()))?;
            if &actual != expected {
                return Err(PortError::Invalid("ID token refused: the access token hash does not match".into()));
            }
        }
        let mut identity = Identity {
            issuer: claims.issuer().to_string(),
            subject: claims.subject().to_string(),
            email: claims.email().map(|e| e.to_string()),
            email_verified: claims.email_verified().unwrap_or(false),
        };
        if identity.email.is_none() || claims.email_verified().is_none() {
            // The issuer may keep the e-mail in userinfo; the subject must match.
            if let Ok(request) = client.user_info(token.access_token().clone(), Some(claims.subject().clone())) {
                let info: UserInfoClaims<EmptyAdditionalClaims, CoreGenderClaim> = request
                    .request_async(&self.http)
                    .await
                    .map_err(|e| PortError::Invalid(format!("userinfo refused: {}", chain(&e))))?;
                if let Some(email) = info.email() {
                    identity.email = Some(email.to_string());
                    identity.email_verified = info.email_verified().unwrap_or(false);
                }
            }
        }
        Ok(Exchanged::Verified(identity))
    }
}

/// openidconnect's HTTP client over reqwest 0.13 (rustls on aws-lc-rs).
struct Http(reqwest_tls::Client);

type HttpError = HttpClientError<reqwest_tls::Error>;

impl<'c> openidconnect::AsyncHttpClient<'c> for Http {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + Sync + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let request = reqwest_tls::Request::try_from(request).map_err(Box::new)?;
            let response = self.0.execute(request).await.map_err(Box::new)?;
            let mut builder = http::Response::builder().status(response.status()).version(response.version());
            for (name, value) in response.headers() {
                builder = builder.header(name, value);
            }
            builder.body(response.bytes().await.map_err(Box::new)?.to_vec()).map_err(HttpClientError::Http)
        })
    }
}

enum Exchanged {
    Verified(Identity),
    /// Signed by a key the cached set lacks (the issuer rotated its keys).
    UnknownKey,
}

#[async_trait]
impl IdentityProvider for Oidc {
    fn name(&self) -> &str {
        &self.config.name
    }

    async fn begin(&self) -> PortResult<(String, PendingSignIn)> {
        let client = self.client(self.metadata(false).await?);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
            .add_scope(Scope::new("email".into()))
            .set_pkce_challenge(challenge)
            .url();
        let pending = PendingSignIn {
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            verifier: verifier.secret().clone(),
        };
        Ok((url.to_string(), pending))
    }

    async fn finish(&self, pending: &PendingSignIn, code: &str) -> PortResult<Identity> {
        match self.exchange(self.metadata(false).await?, pending, code).await? {
            Exchanged::Verified(identity) => Ok(identity),
            // The code is spent, so this sign-in fails; refetching the keys
            // now lets the shopper's next try through.
            Exchanged::UnknownKey => {
                let _ = self.metadata(true).await?;
                Err(PortError::Invalid(
                    "ID token refused: signed by a key the issuer no longer publishes; please sign in again".into(),
                ))
            }
        }
    }
}
