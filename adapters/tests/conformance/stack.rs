//! The infrastructure code's own resources, as the app sees them. The test
//! command deploys the template's queues, table and bucket into moto's
//! CloudFormation (`scripts/iac.sh deploy-moto`, with the suite's
//! visibility timeout and redrive count) and writes the settings generated
//! from the stack's outputs to the file named by `STOREFRONT_TEST_STACK_ENV`.
//! Those settings must load as they are (names cannot drift), and the same
//! suites that run against resources the tests create run against these.

use crate::queue::{Set, MAX_RECEIVES, VIS};
use adapters::kv::DynamoTable;
use adapters::objects::S3Store;
use adapters::queue::{QueuePair, SqsQueue};
use adapters::testing::service;
use ports::config::{CatalogConfig, ObjectsConfig, QueueBackend, Settings};
use std::sync::Arc;

fn stack_settings() -> Option<Settings> {
    let path = service("STOREFRONT_TEST_STACK_ENV")?;
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let vars = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split_once('=').unwrap_or_else(|| panic!("not KEY=VALUE: {l}")))
        .map(|(k, v)| (k.to_string(), v.trim_matches('"').to_string()));
    Some(Settings::from_sources(None, vars).expect("the generated settings load as they are"))
}

#[tokio::test]
async fn the_stacks_queues_table_and_bucket_pass_the_cloud_suites() {
    let Some(s) = stack_settings() else { return };
    assert_eq!((s.queue.max_receives, s.queue.visibility_timeout), (MAX_RECEIVES, VIS), "deployed for the suite");
    let sdk = adapters::aws::sdk_config(&s.aws).await;
    let QueueBackend::Sqs { orders_url, dead_letter_url, sale_url } = &s.queue.backend else {
        panic!("the stack's settings choose SQS")
    };
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let set = Set {
        pair: QueuePair {
            main: Arc::new(SqsQueue::new(sqs.clone(), orders_url, VIS)),
            dead_letter: Arc::new(SqsQueue::new(sqs.clone(), dead_letter_url, VIS)),
        },
        fifo: Arc::new(SqsQueue::new(sqs, sale_url, VIS)),
    };
    crate::queue::suite(set).await;

    let CatalogConfig::DynamoDb { table } = &s.catalog else { panic!("the stack's settings choose DynamoDB") };
    crate::kv::suite(&DynamoTable::new(aws_sdk_dynamodb::Client::new(&sdk), table)).await;

    let ObjectsConfig::S3 { bucket } = &s.objects else { panic!("the stack's settings choose S3") };
    crate::objects::suite(&S3Store::new(&sdk, bucket)).await;
}
