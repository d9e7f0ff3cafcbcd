//! Keeps a plain HTML form's rejected input for the page that shows it
//! again: the handler stashes what was typed (never passwords or tokens)
//! and its errors under a random id for ten minutes and redirects with
//! `?form=ID`; the page loads them back. The state is opaque JSON here: its
//! shape belongs to the UI.
//!
//! Flash notices ("Saved.", "You are signed out.") go the same way but are
//! bound to the browser that caused them: the id travels in an HttpOnly
//! cookie, never in the URL, and the notice is taken (shown once).

use ports::cache::Cache;
use ports::PortResult;
use std::sync::Arc;
use std::time::Duration;

/// How long a rejected form waits for its page.
pub const FORM_TTL: Duration = Duration::from_secs(600);

#[derive(Clone)]
pub struct FormStash {
    cache: Arc<dyn Cache>,
}

/// Whether `id` could be a stash id (32 hex digits); anything else is never looked up.
pub fn is_stash_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

impl FormStash {
    pub fn new(cache: Arc<dyn Cache>) -> Self {
        Self { cache }
    }

    /// Keep `state` and return the id to redirect with.
    pub async fn keep(&self, state: &serde_json::Value) -> PortResult<String> {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let body = serde_json::to_vec(state).unwrap_or_default();
        self.cache.set(&key(&id), &body, Some(FORM_TTL)).await?;
        Ok(id)
    }

    /// The state kept under `id`; None when unknown, expired or malformed.
    pub async fn load(&self, id: &str) -> PortResult<Option<serde_json::Value>> {
        if !is_stash_id(id) {
            return Ok(None);
        }
        let raw = self.cache.get(&key(id)).await?;
        Ok(raw.and_then(|b| serde_json::from_slice(&b).ok()))
    }
}

impl FormStash {
    /// Keep a one-line notice for the next page; the id goes in a cookie.
    pub async fn keep_notice(&self, text: &str) -> PortResult<String> {
        self.keep(&serde_json::Value::String(text.to_string())).await
    }

    /// The notice kept under `id`, removed so it shows once.
    pub async fn take_notice(&self, id: &str) -> PortResult<Option<String>> {
        if !is_stash_id(id) {
            return Ok(None);
        }
        let raw = self.cache.take(&key(id)).await?;
        Ok(raw.and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok()?.as_str().map(str::to_string)))
    }
}

fn key(id: &str) -> String {
    format!("form:{id}")
}
