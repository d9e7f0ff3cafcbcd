//! Amazon SQS through aws-sdk-sqs. The redrive policy lives on the queue
//! itself (set by `create` here, or by infrastructure code in production).

use super::{Depth, Outgoing, Queue, Received};
use async_trait::async_trait;
use aws_sdk_sqs::operation::change_message_visibility::ChangeMessageVisibilityError;
use aws_sdk_sqs::operation::delete_message::DeleteMessageError;
use aws_sdk_sqs::types::{
    DeleteMessageBatchRequestEntry, MessageAttributeValue, MessageSystemAttributeName, QueueAttributeName,
};
use aws_sdk_sqs::Client;
use ports::{PortError, PortResult};
use std::collections::BTreeMap;
use std::time::Duration;

/// Message retention on every queue: 14 days, the SQS maximum.
pub const RETENTION_SECS: u32 = 14 * 24 * 3600;

pub struct SqsQueue {
    client: Client,
    url: String,
    name: String,
    visibility: Duration,
}

fn down<E: std::error::Error>(e: E) -> PortError {
    crate::aws::down("sqs", e)
}

fn name_of(url: &str) -> String {
    url.rsplit('/').next().unwrap_or(url).to_string()
}

impl SqsQueue {
    pub fn new(client: Client, url: &str, visibility: Duration) -> Self {
        Self { client, url: url.to_string(), name: name_of(url), visibility }
    }

    /// Create the queue named by the last segment of `url` when missing
    /// (with a redrive policy to `dead_letter` when given) and return it.
    pub async fn create(
        client: Client,
        url: &str,
        visibility: Duration,
        dead_letter: Option<(&SqsQueue, u32)>,
    ) -> PortResult<Self> {
        let name = name_of(url);
        // 14 days (the SQS maximum) on every queue, so neither an order nor a
        // dead letter expires during a long outage; receives long-poll.
        let mut req = client
            .create_queue()
            .queue_name(&name)
            .attributes(QueueAttributeName::VisibilityTimeout, visibility.as_secs().to_string())
            .attributes(QueueAttributeName::MessageRetentionPeriod, RETENTION_SECS.to_string())
            .attributes(QueueAttributeName::ReceiveMessageWaitTimeSeconds, "20");
        if name.ends_with(".fifo") {
            req = req.attributes(QueueAttributeName::FifoQueue, "true");
        }
        if let Some((dlq, max_receives)) = dead_letter {
            let arn = dlq.arn().await?;
            let policy = serde_json::json!({ "deadLetterTargetArn": arn, "maxReceiveCount": max_receives.to_string() });
            req = req.attributes(QueueAttributeName::RedrivePolicy, policy.to_string());
        }
        let out = req.send().await.map_err(down)?;
        let real_url = out.queue_url().unwrap_or(url).to_string();
        Ok(Self { client, url: real_url, name, visibility })
    }

    async fn arn(&self) -> PortResult<String> {
        let out = self
            .client
            .get_queue_attributes()
            .queue_url(&self.url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .map_err(down)?;
        out.attributes()
            .and_then(|a| a.get(&QueueAttributeName::QueueArn))
            .cloned()
            .ok_or_else(|| PortError::unavailable("sqs", "queue has no ARN"))
    }
}

#[async_trait]
impl Queue for SqsQueue {
    async fn send(&self, msg: Outgoing) -> PortResult<String> {
        let mut req = self
            .client
            .send_message()
            .queue_url(&self.url)
            .message_body(msg.body)
            .set_message_group_id(msg.group_id)
            .set_message_deduplication_id(msg.dedup_id);
        for (k, v) in msg.attributes {
            let value = MessageAttributeValue::builder()
                .data_type("String")
                .string_value(v)
                .build()
                .map_err(|e| PortError::Invalid(e.to_string()))?;
            req = req.message_attributes(k, value);
        }
        let out = req.send().await.map_err(down)?;
        Ok(out.message_id().unwrap_or_default().to_string())
    }

    async fn receive(&self, max: u32, wait: Duration) -> PortResult<Vec<Received>> {
        let out = self
            .client
            .receive_message()
            .queue_url(&self.url)
            .max_number_of_messages(max.clamp(1, 10) as i32)
            .wait_time_seconds(wait.as_secs().min(20) as i32)
            .visibility_timeout(self.visibility.as_secs() as i32)
            .message_attribute_names("All")
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .message_system_attribute_names(MessageSystemAttributeName::MessageGroupId)
            .send()
            .await
            .map_err(down)?;
        Ok(out
            .messages()
            .iter()
            .map(|m| {
                let attributes: BTreeMap<String, String> = m
                    .message_attributes()
                    .map(|a| a.iter().filter_map(|(k, v)| Some((k.clone(), v.string_value()?.to_string()))).collect())
                    .unwrap_or_default();
                let receive_count = m
                    .attributes()
                    .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(1);
                let group_id = m.attributes().and_then(|a| a.get(&MessageSystemAttributeName::MessageGroupId)).cloned();
                Received {
                    group_id,
                    message_id: m.message_id().unwrap_or_default().to_string(),
                    receipt: m.receipt_handle().unwrap_or_default().to_string(),
                    body: m.body().unwrap_or_default().to_string(),
                    attributes,
                    receive_count,
                }
            })
            .collect())
    }

    async fn delete(&self, receipt: &str) -> PortResult<()> {
        match self.client.delete_message().queue_url(&self.url).receipt_handle(receipt).send().await {
            Ok(_) => Ok(()),
            Err(e) => match e.into_service_error() {
                // A stale receipt (the message was received again, or is gone): nothing to do.
                DeleteMessageError::ReceiptHandleIsInvalid(_) => Ok(()),
                other => Err(down(other)),
            },
        }
    }

    async fn delete_many(&self, receipts: &[String]) -> PortResult<()> {
        for chunk in receipts.chunks(10) {
            let entries = chunk
                .iter()
                .enumerate()
                .map(|(i, r)| DeleteMessageBatchRequestEntry::builder().id(i.to_string()).receipt_handle(r).build())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| PortError::Invalid(e.to_string()))?;
            let out = self
                .client
                .delete_message_batch()
                .queue_url(&self.url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(down)?;
            // A stale receipt is ignored, as `delete` does; anything else is an outage.
            if let Some(f) = out.failed().iter().find(|f| f.code() != "ReceiptHandleIsInvalid") {
                return Err(PortError::unavailable(
                    "sqs",
                    format!("delete failed: {} {}", f.code(), f.message().unwrap_or("")),
                ));
            }
        }
        Ok(())
    }

    async fn release(&self, receipt: &str, delay: Duration) -> PortResult<()> {
        let sent = self
            .client
            .change_message_visibility()
            .queue_url(&self.url)
            .receipt_handle(receipt)
            .visibility_timeout(delay.as_secs().min(43_200) as i32)
            .send()
            .await;
        match sent {
            Ok(_) => Ok(()),
            Err(e) => match e.into_service_error() {
                // Stale receipt or no longer in flight: another receive owns the message now.
                ChangeMessageVisibilityError::ReceiptHandleIsInvalid(_)
                | ChangeMessageVisibilityError::MessageNotInflight(_) => Ok(()),
                other => Err(down(other)),
            },
        }
    }

    async fn depth(&self) -> PortResult<Depth> {
        let out = self
            .client
            .get_queue_attributes()
            .queue_url(&self.url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .send()
            .await
            .map_err(down)?;
        let get =
            |n: QueueAttributeName| out.attributes().and_then(|a| a.get(&n)).and_then(|v| v.parse().ok()).unwrap_or(0);
        Ok(Depth {
            visible: get(QueueAttributeName::ApproximateNumberOfMessages),
            in_flight: get(QueueAttributeName::ApproximateNumberOfMessagesNotVisible),
        })
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn backend(&self) -> &'static str {
        "sqs"
    }
}
