//! Object store port: whole objects by key, with content type and cache
//! headers, listed by prefix. Adapters: a local folder and S3.

use crate::{PortError, PortResult};
use async_trait::async_trait;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    pub body: Vec<u8>,
    pub content_type: String,
    pub cache_control: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    pub key: String,
    pub size: u64,
}

#[async_trait]
pub trait ObjectStore: Send + Sync {
    async fn put(&self, key: &str, object: Object) -> PortResult<()>;
    async fn get(&self, key: &str) -> PortResult<Option<Object>>;
    /// Deleting a missing key is not an error.
    async fn delete(&self, key: &str) -> PortResult<()>;
    /// Every object whose key starts with `prefix`, in key order.
    async fn list(&self, prefix: &str) -> PortResult<Vec<ObjectInfo>>;
    async fn ping(&self) -> PortResult<()>;
    fn backend(&self) -> &'static str;
}

/// Keys are relative paths of safe segments: no `..`, no leading `/`, no
/// backslashes or control characters.
pub fn check_key(key: &str) -> PortResult<()> {
    let bad = key.is_empty()
        || key.len() > 1024
        || key.starts_with('/')
        || key.contains('\\')
        || key.chars().any(char::is_control)
        || key.split('/').any(|s| s.is_empty() || s == "." || s == "..");
    if bad {
        return Err(PortError::Invalid(format!("bad object key {:?}", key.chars().take(64).collect::<String>())));
    }
    Ok(())
}
