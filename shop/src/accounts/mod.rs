//! Accounts: sign-up (with an address check mailed), sign-in, password reset
//! by mailed token, roles. Passwords are argon2id hashes; sessions live in
//! the cache port (`session.rs`); merchant actions go to the audit log
//! (`audit.rs`); an outside OpenID Connect identity opens an account by the
//! rules in `external.rs`. Mails are written to the mail outbox in the same
//! transaction as their token and sent by the relay, never in the request.

pub mod audit;
pub mod external;
pub mod password;
pub mod session;

use crate::ids::hex;
use crate::mail::{outbox::enqueue_account_mail, MailKind};
use domain::account::{normalize_email, NewPassword, Role};
use domain::UserId;
use ports::clock::now;
use ports::database::Database;
use ports::identity::IdentityProvider;
use ports::{PortError, PortResult};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::Arc;

pub use session::{SessionUser, Sessions};

/// How long a password reset link works.
pub const RESET_TTL_SECS: i64 = 3600;
/// How long an address-check link works.
pub const VERIFY_TTL_SECS: i64 = 7 * 86_400;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub role: Role,
}

impl User {
    pub fn session(&self) -> SessionUser {
        SessionUser {
            user_id: self.id.clone(),
            email: self.email.clone(),
            role: self.role,
            started_at: session::now_ms(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// Field name → message, for field-level form errors.
    #[error("please correct the highlighted fields")]
    Invalid(BTreeMap<String, String>),
    #[error("that email and password do not match an account")]
    BadCredentials,
    #[error("this link is invalid, used or expired; ask for a new one")]
    BadToken,
    #[error("too many failed sign-ins for this account: wait 15 minutes, or reset the password")]
    TooManyFailures,
    /// A sign-in refused with the reason the shopper is shown.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Port(#[from] PortError),
}

/// A `users` row as read (the hash only where a query selects it).
#[derive(sqlx::FromRow)]
struct UserRow {
    id: UserId,
    email: String,
    role: String,
    #[sqlx(default)]
    password_hash: String,
}

impl UserRow {
    /// The user; an unknown stored role is an error naming the row.
    fn user(self) -> PortResult<(User, String)> {
        let role = Role::parse(&self.role)
            .ok_or_else(|| PortError::unknown_stored("users", self.id.as_str(), "role", &self.role))?;
        Ok((User { id: self.id, email: self.email, role }, self.password_hash))
    }
}

fn invalid(field: &str, message: impl Into<String>) -> AccountError {
    AccountError::Invalid(BTreeMap::from([(field.to_string(), message.into())]))
}

#[derive(Clone)]
pub struct Accounts {
    db: Database,
    pub sessions: Sessions,
    public_url: String,
    /// The outside issuer shoppers may sign in with, when one is configured.
    pub identity: Option<Arc<dyn IdentityProvider>>,
}

fn parse_new(email: &str, password: &str) -> Result<(String, NewPassword), AccountError> {
    let mut errors = BTreeMap::new();
    let email = normalize_email(email).map_err(|e| errors.insert("email".to_string(), e)).ok();
    let password = NewPassword::parse(password).map_err(|e| errors.insert("password".to_string(), e)).ok();
    match (email, password) {
        (Some(e), Some(p)) => Ok((e, p)),
        _ => Err(AccountError::Invalid(errors)),
    }
}

async fn hash_of(p: &NewPassword) -> Result<String, AccountError> {
    password::hash_async(p.expose()).await.map_err(|e| AccountError::Port(PortError::Invalid(e)))
}

/// An e-mail as logs name it: enough to follow one account, not the address.
fn short_hash(email: &str) -> String {
    token_hash(email)[..12].to_string()
}

fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// The two kinds of mailed single-use token.
#[derive(Clone, Copy)]
enum Token {
    Reset,
    Verification,
}

/// Mark `token` used, inside `tx`, if it exists, is unused and has not
/// expired; its account, or `None`.
async fn spend(tx: &mut sqlx::AnyConnection, kind: Token, token: &str) -> Result<Option<UserId>, sqlx::Error> {
    let sql = match kind {
        Token::Reset => "UPDATE password_resets SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING user_id",
        Token::Verification => "UPDATE email_verifications SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING user_id",
    };
    sqlx::query_scalar(sql).bind(now()).bind(token_hash(token)).fetch_optional(&mut *tx).await
}

impl Accounts {
    pub fn new(db: Database, sessions: Sessions, public_url: &str) -> Self {
        Self { db, sessions, public_url: public_url.trim_end_matches('/').to_string(), identity: None }
    }

    /// Offer sign-in through `provider` beside passwords.
    pub fn with_identity(mut self, provider: Option<Arc<dyn IdentityProvider>>) -> Self {
        self.identity = provider;
        self
    }

    async fn find(&self, email: &str) -> PortResult<Option<(User, String)>> {
        let row: Option<UserRow> = sqlx::query_as("SELECT id, email, role, password_hash FROM users WHERE email = $1")
            .bind(email)
            .fetch_optional(self.db.pool())
            .await
            .map_err(self.db.err())?;
        row.map(UserRow::user).transpose()
    }

    pub async fn sign_up(&self, email: &str, password: &str) -> Result<User, AccountError> {
        let (email, password) = parse_new(email, password)?;
        let id =
            UserId::parse(&uuid::Uuid::new_v4().simple().to_string()).map_err(|e| PortError::Invalid(e.to_string()))?;
        let user = User { id, email, role: Role::Shopper };
        let hash = hash_of(&password).await?;
        let err = self.db.err();
        let mut tx = self.db.pool().begin().await.map_err(&err)?;
        let n = sqlx::query("INSERT INTO users (id, email, password_hash, role, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (email) DO NOTHING")
            .bind(&user.id)
            .bind(&user.email)
            .bind(hash)
            .bind(user.role.as_str())
            .bind(now())
            .execute(&mut *tx)
            .await
            .map_err(&err)?
            .rows_affected();
        if n == 0 {
            return Err(invalid("email", "an account with this email exists; sign in or reset the password"));
        }
        self.mail_token(&mut tx, MailKind::EmailVerification, &user).await.map_err(&err)?;
        tx.commit().await.map_err(&err)?;
        Ok(user)
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Result<User, AccountError> {
        let email = normalize_email(email).unwrap_or_default();
        // Per account as well as per IP (the rate rule). The attempt is
        // counted before the hash, so parallel guesses cannot all pass a
        // check made before any of them failed; a success clears the count.
        // A cache outage leaves only the per-IP limit.
        let attempts = self.sessions.count_failed_sign_in(&email).await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "sign-in failure count unavailable");
            0
        });
        if attempts > session::FAILED_SIGN_IN_LIMIT {
            tracing::warn!(account = %short_hash(&email), attempts, "sign-in refused: too many failures for this account");
            return Err(AccountError::TooManyFailures);
        }
        // An unknown e-mail, and an account opened through an outside
        // issuer (no password until a reset gives it one), are checked
        // against the dummy: every refusal takes one hash's time.
        let (user, hash) = match self.find(&email).await? {
            Some((user, hash)) if !hash.is_empty() => (Some(user), hash),
            _ => (None, password::dummy().to_string()),
        };
        let matches = password::verify_async(password, &hash).await;
        match user.filter(|_| matches) {
            Some(user) => {
                let _ = self.sessions.clear_failed_sign_ins(&email).await;
                Ok(user)
            }
            None => {
                tracing::warn!(account = %short_hash(&email), attempts, "failed sign-in");
                Err(AccountError::BadCredentials)
            }
        }
    }

    /// Create a merchant account, or make an existing account a merchant
    /// with this password (the CLI's `create-merchant`).
    pub async fn ensure_merchant(&self, email: &str, password: &str) -> Result<User, AccountError> {
        let (email, password) = parse_new(email, password)?;
        let hash = hash_of(&password).await?;
        let id = uuid::Uuid::new_v4().simple().to_string();
        sqlx::query("INSERT INTO users (id, email, password_hash, role, created_at) VALUES ($1, $2, $3, 'merchant', $4) ON CONFLICT (email) DO UPDATE SET role = 'merchant', password_hash = $3")
            .bind(&id)
            .bind(&email)
            .bind(hash)
            .bind(now())
            .execute(self.db.pool())
            .await
            .map_err(self.db.err())?;
        self.find(&email).await?.map(|(u, _)| u).ok_or(AccountError::BadCredentials)
    }

    /// Mail a reset link when the email has an account. Says nothing either
    /// way to the caller (no account enumeration).
    pub async fn request_reset(&self, email: &str) -> Result<(), AccountError> {
        let email = normalize_email(email).map_err(|e| invalid("email", e))?;
        let Some((user, _)) = self.find(&email).await? else {
            tracing::info!("password reset asked for an unknown email");
            return Ok(());
        };
        let err = self.db.err();
        let mut tx = self.db.pool().begin().await.map_err(&err)?;
        self.mail_token(&mut tx, MailKind::PasswordReset, &user).await.map_err(&err)?;
        tx.commit().await.map_err(&err)?;
        Ok(())
    }

    /// Store a new token of `kind` for `user` (as its hash) and the mail
    /// that carries it, inside `tx`.
    async fn mail_token(&self, tx: &mut sqlx::AnyConnection, kind: MailKind, user: &User) -> Result<(), sqlx::Error> {
        let token = session::new_id();
        let hash = token_hash(&token);
        let (sql, ttl, path) = match kind {
            MailKind::PasswordReset => (
                "INSERT INTO password_resets (token_hash, user_id, expires_at) VALUES ($1, $2, $3)",
                RESET_TTL_SECS,
                "reset",
            ),
            _ => (
                "INSERT INTO email_verifications (token_hash, user_id, expires_at) VALUES ($1, $2, $3)",
                VERIFY_TTL_SECS,
                "verify",
            ),
        };
        sqlx::query(sql).bind(&hash).bind(&user.id).bind(now() + ttl).execute(&mut *tx).await?;
        let link = format!("{}/account/{path}?token={token}", self.public_url);
        enqueue_account_mail(tx, kind, &hash, &user.email, user.id.as_str(), &link).await
    }

    /// Spend an address-check token (once, before it expires): the
    /// account's e-mail is now known to be its owner's.
    pub async fn verify_email(&self, token: &str) -> Result<UserId, AccountError> {
        let err = self.db.err();
        let mut tx = self.db.pool().begin().await.map_err(&err)?;
        let user_id = spend(&mut tx, Token::Verification, token).await.map_err(&err)?.ok_or(AccountError::BadToken)?;
        sqlx::query("UPDATE users SET email_verified_at = COALESCE(email_verified_at, $1) WHERE id = $2")
            .bind(now())
            .bind(&user_id)
            .execute(&mut *tx)
            .await
            .map_err(&err)?;
        tx.commit().await.map_err(&err)?;
        Ok(user_id)
    }

    /// Whether the account's e-mail has been confirmed by its owner.
    pub async fn email_verified(&self, user_id: &UserId) -> PortResult<bool> {
        let at: Option<Option<i64>> = sqlx::query_scalar("SELECT email_verified_at FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(self.db.pool())
            .await
            .map_err(self.db.err())?;
        Ok(matches!(at, Some(Some(_))))
    }

    /// Spend a reset token (once, before it expires) on a new password.
    pub async fn reset_password(&self, token: &str, password: &str) -> Result<User, AccountError> {
        let password = NewPassword::parse(password).map_err(|e| invalid("password", e))?;
        let err = self.db.err();
        // A bad token costs no hash (a flood of guesses is cheap to refuse);
        // it is spent below, in the transaction, so two uses still race safely.
        let live: Option<UserId> = sqlx::query_scalar(
            "SELECT user_id FROM password_resets WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
        )
        .bind(token_hash(token))
        .bind(now())
        .fetch_optional(self.db.pool())
        .await
        .map_err(&err)?;
        if live.is_none() {
            return Err(AccountError::BadToken);
        }
        let hash = hash_of(&password).await?;
        let mut tx = self.db.pool().begin().await.map_err(&err)?;
        let user_id = spend(&mut tx, Token::Reset, token).await.map_err(&err)?.ok_or(AccountError::BadToken)?;
        let user: UserRow =
            sqlx::query_as("UPDATE users SET password_hash = $1 WHERE id = $2 RETURNING id, email, role")
                .bind(hash)
                .bind(&user_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(&err)?;
        tx.commit().await.map_err(&err)?;
        let (user, _) = user.user()?;
        let _ = self.sessions.clear_failed_sign_ins(&user.email).await;
        // Whoever knew the old password is signed out everywhere.
        if let Err(e) = self.sessions.revoke_all(&user.id).await {
            tracing::error!(error = %e, "could not end the sessions of a user who reset their password");
        }
        Ok(user)
    }
}
