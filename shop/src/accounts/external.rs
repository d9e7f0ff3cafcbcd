//! Signing in with an identity an outside issuer vouched for (the identity
//! port): which account it opens.
//!
//! - An (issuer, subject) pair seen before opens the account it is linked to,
//!   whatever the e-mail says now.
//! - Otherwise the issuer must say it verified the e-mail. A shopper account
//!   with that e-mail is linked only if its own address was confirmed here
//!   too (else the person who registered the address first, with their own
//!   password, would share the account) and it has no identity from this
//!   issuer yet (an address the issuer handed to someone new must not open
//!   the old holder's account). A merchant account is never linked: merchants
//!   sign in with their password, so an issuer account cannot open the admin.
//! - With no account for the e-mail, a shopper account is created, verified
//!   (the issuer vouched), with no password (a reset can add one).

use super::{AccountError, Accounts, User, UserRow};
use domain::account::{normalize_email, Role};
use domain::UserId;
use ports::clock::now;
use ports::identity::{Identity, PendingSignIn};
use ports::PortError;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The cookie that ties the issuer's answer to the browser that asked.
pub const PENDING_COOKIE: &str = "sf_sign_in";
/// How long a shopper may take at the issuer.
pub const PENDING_TTL: Duration = Duration::from_secs(600);

#[derive(Serialize, Deserialize)]
struct Pending {
    sign_in: PendingSignIn,
    /// Where to go once signed in.
    next: String,
}

impl Accounts {
    /// Where to send the shopper (the issuer's sign-in page) and the id for
    /// the pending-sign-in cookie. `None` when no issuer is configured.
    pub async fn begin_external(&self, next: &str) -> Result<Option<(String, String)>, AccountError> {
        let Some(provider) = &self.identity else { return Ok(None) };
        let (url, sign_in) = provider.begin().await?;
        let pending = serde_json::to_vec(&Pending { sign_in, next: next.to_string() })
            .map_err(|e| PortError::Invalid(e.to_string()))?;
        let id = self.sessions.park(&pending, PENDING_TTL).await?;
        Ok(Some((url, id)))
    }

    /// The issuer sent the shopper back with `state` and `code`: check they
    /// answer the sign-in this browser started (`cookie`, spent here), trade
    /// the code, and open the account. Also where to go next.
    pub async fn finish_external(&self, cookie: &str, state: &str, code: &str) -> Result<(User, String), AccountError> {
        let expired =
            || AccountError::Refused("this sign-in expired or was started in another browser; please try again".into());
        let provider = self.identity.as_ref().ok_or_else(expired)?;
        let pending: Pending =
            self.sessions.unpark(cookie).await?.and_then(|b| serde_json::from_slice(&b).ok()).ok_or_else(expired)?;
        if pending.sign_in.state != state || code.is_empty() {
            return Err(expired());
        }
        let identity = provider.finish(&pending.sign_in, code).await.map_err(|e| match e {
            PortError::Invalid(why) => {
                tracing::warn!(reason = %why, "an outside sign-in was refused");
                AccountError::Refused("the sign-in provider's answer could not be verified; please try again".into())
            }
            other => AccountError::Port(other),
        })?;
        Ok((self.sign_in_with(&identity).await?, pending.next))
    }

    pub async fn sign_in_with(&self, identity: &Identity) -> Result<User, AccountError> {
        if let Some(user) = self.linked(identity).await? {
            return Ok(user);
        }
        let email = match (&identity.email, identity.email_verified) {
            (Some(e), true) => normalize_email(e).map_err(|_| AccountError::Refused(format!(
                "your account at the sign-in provider has an e-mail address this shop cannot use ({e:?}); sign up with a password instead"
            )))?,
            _ => {
                return Err(AccountError::Refused(
                    "your sign-in provider has not confirmed your e-mail address; confirm it there, or sign up with a password".into(),
                ))
            }
        };
        let err = self.db.err();
        let mut tx = self.db.pool().begin().await.map_err(&err)?;
        let id = uuid::Uuid::new_v4().simple().to_string();
        // A new account, or nothing when the e-mail has one; either way read it back.
        sqlx::query("INSERT INTO users (id, email, password_hash, role, created_at, email_verified_at) VALUES ($1, $2, '', 'shopper', $3, $3) ON CONFLICT (email) DO NOTHING")
            .bind(&id)
            .bind(&email)
            .bind(now())
            .execute(&mut *tx)
            .await
            .map_err(&err)?;
        let row: UserRow = sqlx::query_as("SELECT id, email, role FROM users WHERE email = $1")
            .bind(&email)
            .fetch_one(&mut *tx)
            .await
            .map_err(&err)?;
        let (user, _) = row.user()?;
        if user.role != Role::Shopper {
            return Err(merchant_refused());
        }
        // Linking by e-mail is safe only when the account's own holder proved
        // the address (else whoever registered it first, with their password,
        // would share the issuer's person's account), and only for the first
        // identity from this issuer (an address the issuer gave someone new
        // must not open the account of the one who had it).
        let (verified, linked_here): (Option<i64>, i64) = sqlx::query_as(
            "SELECT u.email_verified_at, (SELECT COUNT(*) FROM user_identities i WHERE i.user_id = u.id AND i.issuer = $2) FROM users u WHERE u.id = $1",
        )
        .bind(&user.id)
        .bind(&identity.issuer)
        .fetch_one(&mut *tx)
        .await
        .map_err(&err)?;
        if linked_here > 0 {
            return Err(AccountError::Refused(
                "this e-mail's account here is linked to another account at your sign-in provider; sign in with that one, or with the password".into(),
            ));
        }
        if verified.is_none() {
            return Err(AccountError::Refused(
                "an account with this e-mail exists and its address is not confirmed yet: sign in with its password, or open the confirmation link we mailed, then try again".into(),
            ));
        }
        // Two first sign-ins at once: the second links nothing new and opens the same account.
        sqlx::query("INSERT INTO user_identities (issuer, subject, user_id, created_at, last_used_at) VALUES ($1, $2, $3, $4, $4) ON CONFLICT (issuer, subject) DO NOTHING")
            .bind(&identity.issuer)
            .bind(&identity.subject)
            .bind(&user.id)
            .bind(now())
            .execute(&mut *tx)
            .await
            .map_err(&err)?;
        tx.commit().await.map_err(&err)?;
        tracing::info!(user_id = %user.id, issuer = %identity.issuer, "linked an outside identity to an account");
        Ok(self.linked(identity).await?.unwrap_or(user))
    }

    /// The account an (issuer, subject) pair is linked to, if any; refused
    /// when that account has become a merchant's since.
    async fn linked(&self, identity: &Identity) -> Result<Option<User>, AccountError> {
        let err = self.db.err();
        let user_id: Option<UserId> = sqlx::query_scalar(
            "UPDATE user_identities SET last_used_at = $1 WHERE issuer = $2 AND subject = $3 RETURNING user_id",
        )
        .bind(now())
        .bind(&identity.issuer)
        .bind(&identity.subject)
        .fetch_optional(self.db.pool())
        .await
        .map_err(&err)?;
        let Some(user_id) = user_id else { return Ok(None) };
        let row: UserRow = sqlx::query_as("SELECT id, email, role FROM users WHERE id = $1")
            .bind(&user_id)
            .fetch_one(self.db.pool())
            .await
            .map_err(&err)?;
        let (user, _) = row.user()?;
        if user.role != Role::Shopper {
            return Err(merchant_refused());
        }
        Ok(Some(user))
    }
}

fn merchant_refused() -> AccountError {
    AccountError::Refused("this e-mail belongs to a merchant account: sign in with its password".into())
}
