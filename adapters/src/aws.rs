//! Shared AWS SDK configuration: region, optional endpoint override (moto),
//! and static dummy credentials when an endpoint override is set.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use ports::config::AwsConfig;
use std::time::Duration;

pub async fn sdk_config(cfg: &AwsConfig) -> SdkConfig {
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(2))
        .operation_attempt_timeout(Duration::from_secs(25))
        .build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(cfg.region.clone()))
        .timeout_config(timeouts);
    if let Some(url) = &cfg.endpoint_url {
        loader = loader.endpoint_url(url).credentials_provider(Credentials::new("test", "test", None, None, "static"));
    }
    loader.load().await
}
