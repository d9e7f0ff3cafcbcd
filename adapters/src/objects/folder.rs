//! Objects as files under a root folder; content type and cache control in a
//! sidecar file under `.meta/`. Writes go to a temporary file first and are
//! renamed, so a reader never sees half an object.

use super::{check_key, Object, ObjectInfo, ObjectStore};
use async_trait::async_trait;
use ports::{PortError, PortResult};
use std::path::{Path, PathBuf};

pub struct FolderStore {
    root: PathBuf,
}

fn io(e: std::io::Error) -> PortError {
    PortError::unavailable("folder", e)
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Meta {
    content_type: String,
    cache_control: Option<String>,
}

impl FolderStore {
    pub fn new(root: &Path) -> PortResult<Self> {
        std::fs::create_dir_all(root.join(".meta")).map_err(io)?;
        Ok(Self { root: root.to_path_buf() })
    }

    fn paths(&self, key: &str) -> PortResult<(PathBuf, PathBuf)> {
        check_key(key)?;
        Ok((self.root.join(key), self.root.join(".meta").join(format!("{key}.json"))))
    }
}

async fn write_atomic(path: &Path, bytes: &[u8]) -> PortResult<()> {
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir).await.map_err(io)?;
    }
    let tmp = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4()));
    tokio::fs::write(&tmp, bytes).await.map_err(io)?;
    tokio::fs::rename(&tmp, path).await.map_err(io)
}

fn walk(dir: &Path, root: &Path, out: &mut Vec<ObjectInfo>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if path == root.join(".meta") {
            continue;
        }
        let meta = entry.metadata()?;
        if meta.is_dir() {
            walk(&path, root, out)?;
        } else if let Ok(rel) = path.strip_prefix(root) {
            let key = rel.to_string_lossy().replace('\\', "/");
            if !key.contains(".tmp-") {
                out.push(ObjectInfo { key, size: meta.len() });
            }
        }
    }
    Ok(())
}

#[async_trait]
impl ObjectStore for FolderStore {
    async fn put(&self, key: &str, object: Object) -> PortResult<()> {
        let (data, meta) = self.paths(key)?;
        let m = Meta { content_type: object.content_type, cache_control: object.cache_control };
        let m = serde_json::to_vec(&m).map_err(|e| PortError::Invalid(e.to_string()))?;
        write_atomic(&meta, &m).await?;
        write_atomic(&data, &object.body).await
    }

    async fn get(&self, key: &str) -> PortResult<Option<Object>> {
        let (data, meta) = self.paths(key)?;
        let body = match tokio::fs::read(&data).await {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io(e)),
        };
        let m: Option<Meta> = tokio::fs::read(&meta).await.ok().and_then(|b| serde_json::from_slice(&b).ok());
        let (content_type, cache_control) = match m {
            Some(m) => (m.content_type, m.cache_control),
            None => ("application/octet-stream".into(), None),
        };
        Ok(Some(Object { body, content_type, cache_control }))
    }

    async fn delete(&self, key: &str) -> PortResult<()> {
        let (data, meta) = self.paths(key)?;
        for p in [data, meta] {
            match tokio::fs::remove_file(&p).await {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io(e)),
            }
        }
        Ok(())
    }

    async fn list(&self, prefix: &str) -> PortResult<Vec<ObjectInfo>> {
        let root = self.root.clone();
        let mut all = tokio::task::spawn_blocking(move || {
            let mut out = Vec::new();
            walk(&root, &root, &mut out).map(|_| out)
        })
        .await
        .map_err(|e| PortError::unavailable("folder", e))?
        .map_err(io)?;
        all.retain(|o| o.key.starts_with(prefix));
        all.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(all)
    }

    async fn ping(&self) -> PortResult<()> {
        tokio::fs::metadata(&self.root).await.map(|_| ()).map_err(io)
    }

    fn backend(&self) -> &'static str {
        "folder"
    }
}
