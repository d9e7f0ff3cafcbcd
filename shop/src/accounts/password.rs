//! Password hashing with argon2id (the `argon2` crate's defaults: 19 MiB,
//! 2 passes, 1 lane — the OWASP minimum), stored as PHC strings.
//!
//! A hash takes tens of milliseconds of CPU and 19 MiB: the async versions
//! run it on the blocking pool, at most `SLOTS` at once, so a burst of
//! sign-ins neither stalls the request threads nor grows memory unbounded
//! (the rest wait their turn).

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

/// Hashes running at once (each holds 19 MiB while it runs).
const SLOTS: usize = 4;
static RUNNING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(SLOTS);

/// Run `f` on the blocking pool once a slot is free.
async fn bounded<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, String> {
    let slot = RUNNING.acquire().await.map_err(|e| e.to_string())?;
    // The slot is held by the hash itself, so a request dropped mid-hash
    // (the client went away) does not free it while the hash still runs.
    tokio::task::spawn_blocking(move || {
        let _slot = slot;
        f()
    })
    .await
    .map_err(|e| format!("password hashing stopped: {e}"))
}

/// `hash` off the request threads.
pub async fn hash_async(password: &str) -> Result<String, String> {
    let password = password.to_string();
    bounded(move || hash(&password)).await?
}

/// `verify` off the request threads (false if it could not run).
pub async fn verify_async(password: &str, phc: &str) -> bool {
    let (password, phc) = (password.to_string(), phc.to_string());
    bounded(move || verify(&password, &phc)).await.unwrap_or(false)
}

pub fn hash(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| e.to_string())
}

pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A hash of a password nobody knows: verifying against it when the email is
/// unknown costs the same time as a real check (no account enumeration by timing).
pub fn dummy() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash(&uuid::Uuid::new_v4().to_string()).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let a = super::hash("correct horse battery").unwrap();
        let b = super::hash("correct horse battery").unwrap();
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b, "each hash has its own salt");
        assert!(super::verify("correct horse battery", &a));
        assert!(!super::verify("correct horse battery!", &a));
        assert!(!super::verify("x", "not a hash"));
    }
}
