//! Amazon S3 through aws-sdk-s3 (path-style addressing, so moto works).

use super::{check_key, Object, ObjectInfo, ObjectStore};
use async_trait::async_trait;
use aws_sdk_s3::operation::get_object::GetObjectError;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::Client;
use ports::{PortError, PortResult};

pub struct S3Store {
    client: Client,
    bucket: String,
}

fn down<E: std::error::Error>(e: E) -> PortError {
    crate::aws::down("s3", e)
}

impl S3Store {
    pub fn new(sdk: &aws_config::SdkConfig, bucket: &str) -> Self {
        let conf = aws_sdk_s3::config::Builder::from(sdk).force_path_style(true).build();
        Self { client: Client::from_conf(conf), bucket: bucket.to_string() }
    }

    pub async fn create_if_missing(&self) -> PortResult<()> {
        if self.client.head_bucket().bucket(&self.bucket).send().await.is_ok() {
            return Ok(());
        }
        self.client.create_bucket().bucket(&self.bucket).send().await.map_err(down)?;
        Ok(())
    }
}

#[async_trait]
impl ObjectStore for S3Store {
    async fn put(&self, key: &str, object: Object) -> PortResult<()> {
        check_key(key)?;
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(object.content_type)
            .set_cache_control(object.cache_control)
            .body(ByteStream::from(object.body))
            .send()
            .await
            .map_err(down)?;
        Ok(())
    }

    async fn get(&self, key: &str) -> PortResult<Option<Object>> {
        check_key(key)?;
        let out = match self.client.get_object().bucket(&self.bucket).key(key).send().await {
            Ok(o) => o,
            Err(e) => {
                return match e.into_service_error() {
                    GetObjectError::NoSuchKey(_) => Ok(None),
                    other => Err(down(other)),
                }
            }
        };
        let content_type = out.content_type().unwrap_or("application/octet-stream").to_string();
        let cache_control = out.cache_control().map(str::to_string);
        let body = out.body.collect().await.map_err(down)?.into_bytes().to_vec();
        Ok(Some(Object { body, content_type, cache_control }))
    }

    async fn delete(&self, key: &str) -> PortResult<()> {
        check_key(key)?;
        self.client.delete_object().bucket(&self.bucket).key(key).send().await.map_err(down)?;
        Ok(())
    }

    async fn list(&self, prefix: &str) -> PortResult<Vec<ObjectInfo>> {
        let mut out = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(prefix)
                .set_continuation_token(token)
                .send()
                .await
                .map_err(down)?;
            for o in page.contents() {
                out.push(ObjectInfo {
                    key: o.key().unwrap_or_default().to_string(),
                    size: o.size().unwrap_or(0) as u64,
                });
            }
            match page.next_continuation_token() {
                Some(t) if page.is_truncated() == Some(true) => token = Some(t.to_string()),
                _ => break,
            }
        }
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    async fn ping(&self) -> PortResult<()> {
        self.client.head_bucket().bucket(&self.bucket).send().await.map_err(down)?;
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "s3"
    }
}
