//! Identity port: signing a shopper in through an outside OpenID Connect
//! issuer (Cognito, Google, Keycloak, Entra ID… any that publishes a
//! discovery document). The adapter is `adapters::identity::Oidc`; what an
//! identity means to the shop (which account it opens, when it may be
//! linked to an existing one) is `shop::accounts`.
//!
//! A sign-in is two steps with the browser in between: `begin` gives the
//! issuer's URL to send the shopper to and the secrets that must come back
//! with them (kept by the caller, e.g. in a signed cookie); `finish` trades
//! the code the issuer returned for a verified identity. `finish` answers
//! `PortError::Invalid` when the answer cannot be trusted (a bad signature,
//! a wrong nonce or audience, an expired token, a refused code) and
//! `Unavailable` when the issuer cannot be reached.

use crate::PortResult;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// What must come back with the shopper for `finish` to accept the answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingSignIn {
    /// The `state` sent to the issuer (the callback must carry it back).
    pub state: String,
    /// The `nonce` the ID token must hold.
    pub nonce: String,
    /// The PKCE verifier whose challenge the issuer holds.
    pub verifier: String,
}

/// An identity the issuer vouched for, its ID token verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The issuer URL (`iss`): together with `subject`, the stable key.
    pub issuer: String,
    /// The issuer's id for the person (`sub`); an e-mail address can change, this cannot.
    pub subject: String,
    pub email: Option<String>,
    /// Whether the issuer says it has checked that the person owns `email`.
    pub email_verified: bool,
}

#[async_trait]
pub trait IdentityProvider: Send + Sync {
    /// The name shown on the button ("Sign in with …").
    fn name(&self) -> &str;
    /// The issuer's authorization URL to redirect to, and what must come back.
    async fn begin(&self) -> PortResult<(String, PendingSignIn)>;
    /// Trade the callback's `code` for the verified identity.
    async fn finish(&self, pending: &PendingSignIn, code: &str) -> PortResult<Identity>;
}
