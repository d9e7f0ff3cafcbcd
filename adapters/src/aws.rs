//! Shared AWS SDK configuration: region, optional endpoint override (moto),
//! and static dummy credentials when an endpoint override is set; and how
//! an SDK error becomes a port error (a refused permission says so and
//! keeps AWS's naming of the action).

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

/// An AWS call that failed, as `PortError::Unavailable` (retried with
/// backoff: a missing permission is fixed by the operator, and the orders
/// waiting meanwhile must not be rejected). A refused permission is named
/// as such; AWS's message names the action and the resource.
pub fn down(service: &'static str, e: impl std::error::Error) -> ports::PortError {
    let text = aws_sdk_sqs::error::DisplayErrorContext(&e).to_string();
    denied(service, text)
}

fn denied(service: &'static str, text: String) -> ports::PortError {
    let refused = ["AccessDenied", "not authorized to perform", "UnauthorizedOperation", "AuthorizationError"]
        .iter()
        .any(|m| text.contains(m));
    if refused {
        ports::PortError::unavailable(
            service,
            format!("permission refused: grant the process's IAM role the action AWS names here: {text}"),
        )
    } else {
        ports::PortError::unavailable(service, text)
    }
}

#[cfg(test)]
mod tests {
    use super::denied;

    #[test]
    fn a_refused_permission_is_named_with_the_action_aws_gives() {
        let aws = "service error: AccessDeniedException: User: arn:aws:sts::1:assumed-role/web/i-1 is not authorized to perform: dynamodb:TransactWriteItems on resource: table/catalog";
        let e = denied("dynamodb", aws.into()).to_string();
        assert!(e.contains("permission refused") && e.contains("dynamodb:TransactWriteItems"), "{e}");
        assert!(
            denied("dynamodb", "service error: AccessDeniedException".into()).is_transient(),
            "orders wait, not rejected"
        );
        assert!(!denied("sqs", "dispatch failure: timeout".into()).to_string().contains("permission"));
    }
}
