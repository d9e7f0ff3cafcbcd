//! DynamoDB through aws-sdk-dynamodb. Table schema: `pk` (S, hash) and `sk`
//! (S, range), on-demand billing. Conditions become condition expressions;
//! transactions are TransactWriteItems.

use super::{Condition, Item, Query, Table, Value, Write};
use async_trait::async_trait;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, Delete, KeySchemaElement, KeyType, Put, PutRequest,
    ScalarAttributeType, TransactWriteItem, Update, WriteRequest,
};
use aws_sdk_dynamodb::Client;
use ports::{PortError, PortResult};
use std::collections::HashMap;

type Attrs = HashMap<String, AttributeValue>;

pub struct DynamoTable {
    client: Client,
    table: String,
}

fn down<E: std::error::Error>(e: E) -> PortError {
    crate::aws::down("dynamodb", e)
}

fn invalid(e: impl std::fmt::Display) -> PortError {
    PortError::Invalid(e.to_string())
}

fn key(pk: &str, sk: &str) -> Attrs {
    HashMap::from([
        ("pk".to_string(), AttributeValue::S(pk.to_string())),
        ("sk".to_string(), AttributeValue::S(sk.to_string())),
    ])
}

fn to_attrs(item: &Item) -> Attrs {
    let mut m = key(&item.pk, &item.sk);
    for (k, v) in &item.attrs {
        let av = match v {
            Value::N(n) => AttributeValue::N(n.to_string()),
            Value::S(s) => AttributeValue::S(s.clone()),
        };
        m.insert(k.clone(), av);
    }
    m
}

fn from_attrs(m: &Attrs) -> Item {
    let mut item = Item::default();
    for (k, v) in m {
        match (k.as_str(), v) {
            ("pk", AttributeValue::S(s)) => item.pk = s.clone(),
            ("sk", AttributeValue::S(s)) => item.sk = s.clone(),
            (_, AttributeValue::S(s)) => {
                item.attrs.insert(k.clone(), Value::S(s.clone()));
            }
            (_, AttributeValue::N(n)) => {
                if let Ok(n) = n.parse() {
                    item.attrs.insert(k.clone(), Value::N(n));
                }
            }
            _ => {}
        }
    }
    item
}

/// Condition expression, names and values for a condition.
fn condition(c: &Condition) -> (Option<String>, Attrs, HashMap<String, String>) {
    match c {
        Condition::None => (None, HashMap::new(), HashMap::new()),
        Condition::NotExists => (Some("attribute_not_exists(pk)".into()), HashMap::new(), HashMap::new()),
        Condition::Exists => (Some("attribute_exists(pk)".into()), HashMap::new(), HashMap::new()),
        Condition::AtLeast(attr, min) => (
            Some("attribute_exists(pk) AND #c >= :cmin".into()),
            HashMap::from([(":cmin".to_string(), AttributeValue::N(min.to_string()))]),
            HashMap::from([("#c".to_string(), attr.clone())]),
        ),
        Condition::Equals(attr, v) => (
            Some("attribute_exists(pk) AND #c = :ceq".into()),
            HashMap::from([(":ceq".to_string(), AttributeValue::N(v.to_string()))]),
            HashMap::from([("#c".to_string(), attr.clone())]),
        ),
        Condition::Version(attr, v) => (
            Some(if *v == 0 {
                "attribute_exists(pk) AND (attribute_not_exists(#c) OR #c = :ceq)".into()
            } else {
                "attribute_exists(pk) AND #c = :ceq".into()
            }),
            HashMap::from([(":ceq".to_string(), AttributeValue::N(v.to_string()))]),
            HashMap::from([("#c".to_string(), attr.clone())]),
        ),
    }
}

fn some_if_any<K, V>(m: HashMap<K, V>) -> Option<HashMap<K, V>> {
    (!m.is_empty()).then_some(m)
}

fn to_transact(table: &str, w: Write) -> PortResult<TransactWriteItem> {
    Ok(match w {
        Write::Put { item, condition: c } => {
            let (expr, values, names) = condition(&c);
            let put = Put::builder()
                .table_name(table)
                .set_item(Some(to_attrs(&item)))
                .set_condition_expression(expr)
                .set_expression_attribute_values(some_if_any(values))
                .set_expression_attribute_names(some_if_any(names))
                .build()
                .map_err(invalid)?;
            TransactWriteItem::builder().put(put).build()
        }
        Write::Delete { pk, sk, condition: c } => {
            let (expr, values, names) = condition(&c);
            let del = Delete::builder()
                .table_name(table)
                .set_key(Some(key(&pk, &sk)))
                .set_condition_expression(expr)
                .set_expression_attribute_values(some_if_any(values))
                .set_expression_attribute_names(some_if_any(names))
                .build()
                .map_err(invalid)?;
            TransactWriteItem::builder().delete(del).build()
        }
        Write::Add { pk, sk, attr, delta, condition: c } => {
            let (expr, mut values, mut names) = condition(&c);
            values.insert(":delta".into(), AttributeValue::N(delta.to_string()));
            names.insert("#a".into(), attr);
            let expr = match expr {
                Some(e) if e.contains("attribute_exists") => e,
                Some(e) => format!("attribute_exists(pk) AND {e}"),
                None => "attribute_exists(pk)".into(),
            };
            let upd = Update::builder()
                .table_name(table)
                .set_key(Some(key(&pk, &sk)))
                .update_expression("ADD #a :delta")
                .condition_expression(expr)
                .set_expression_attribute_values(Some(values))
                .set_expression_attribute_names(Some(names))
                .build()
                .map_err(invalid)?;
            TransactWriteItem::builder().update(upd).build()
        }
    })
}

impl DynamoTable {
    pub fn new(client: Client, table: &str) -> Self {
        Self { client, table: table.to_string() }
    }

    /// Create the table when it does not exist yet.
    pub async fn create_if_missing(&self) -> PortResult<()> {
        if self.client.describe_table().table_name(&self.table).send().await.is_ok() {
            return Ok(());
        }
        let attr =
            |n: &str| AttributeDefinition::builder().attribute_name(n).attribute_type(ScalarAttributeType::S).build();
        let ks = |n: &str, t: KeyType| KeySchemaElement::builder().attribute_name(n).key_type(t).build();
        self.client
            .create_table()
            .table_name(&self.table)
            .attribute_definitions(attr("pk").map_err(invalid)?)
            .attribute_definitions(attr("sk").map_err(invalid)?)
            .key_schema(ks("pk", KeyType::Hash).map_err(invalid)?)
            .key_schema(ks("sk", KeyType::Range).map_err(invalid)?)
            .billing_mode(BillingMode::PayPerRequest)
            .send()
            .await
            .map_err(down)?;
        Ok(())
    }
}

#[async_trait]
impl Table for DynamoTable {
    async fn get(&self, pk: &str, sk: &str) -> PortResult<Option<Item>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .consistent_read(true)
            .send()
            .await
            .map_err(down)?;
        Ok(out.item().map(from_attrs))
    }

    async fn query(&self, q: Query) -> PortResult<Vec<Item>> {
        let mut out = Vec::new();
        let mut start = q.after.as_ref().map(|sk| key(&q.pk, sk));
        let (expr, mut values) = (
            if q.sk_prefix.is_empty() { "pk = :pk" } else { "pk = :pk AND begins_with(sk, :p)" },
            HashMap::from([(":pk".to_string(), AttributeValue::S(q.pk.clone()))]),
        );
        if !q.sk_prefix.is_empty() {
            values.insert(":p".into(), AttributeValue::S(q.sk_prefix.clone()));
        }
        loop {
            let want = if q.limit == 0 { 1000 } else { (q.limit - out.len()).min(1000) };
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression(expr)
                .set_expression_attribute_values(Some(values.clone()))
                .scan_index_forward(!q.descending)
                .consistent_read(true)
                .limit(want as i32)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(down)?;
            out.extend(page.items().iter().map(from_attrs));
            match page.last_evaluated_key() {
                Some(k) if q.limit == 0 || out.len() < q.limit => start = Some(k.clone()),
                _ => return Ok(out),
            }
        }
    }

    async fn transact(&self, writes: Vec<Write>) -> PortResult<()> {
        if writes.len() > super::MAX_TRANSACTION {
            return Err(PortError::Invalid(format!("more than {} writes in one transaction", super::MAX_TRANSACTION)));
        }
        if writes.is_empty() {
            return Ok(());
        }
        let items = writes.into_iter().map(|w| to_transact(&self.table, w)).collect::<PortResult<Vec<_>>>()?;
        match self.client.transact_write_items().set_transact_items(Some(items)).send().await {
            Ok(_) => Ok(()),
            Err(e) => match e.into_service_error() {
                TransactWriteItemsError::TransactionCanceledException(c) => {
                    let codes: Vec<Option<&str>> = c.cancellation_reasons().iter().map(|r| r.code()).collect();
                    match cancellation(&codes) {
                        Some(index) => Err(PortError::ConditionFailed { index }),
                        None => Err(down(c)),
                    }
                }
                other => Err(down(other)),
            },
        }
    }

    async fn put_many(&self, items: Vec<Item>) -> PortResult<()> {
        for chunk in items.chunks(25) {
            let mut pending: Vec<WriteRequest> = chunk
                .iter()
                .map(|i| {
                    let put = PutRequest::builder().set_item(Some(to_attrs(i))).build().map_err(invalid)?;
                    Ok(WriteRequest::builder().put_request(put).build())
                })
                .collect::<PortResult<_>>()?;
            for attempt in 0..8u32 {
                if pending.is_empty() {
                    break;
                }
                let out =
                    self.client.batch_write_item().request_items(&self.table, pending).send().await.map_err(down)?;
                pending = out.unprocessed_items().and_then(|m| m.get(&self.table)).cloned().unwrap_or_default();
                if !pending.is_empty() {
                    tokio::time::sleep(std::time::Duration::from_millis(50 << attempt)).await;
                }
            }
            if !pending.is_empty() {
                return Err(PortError::unavailable("dynamodb", "batch write left unprocessed items"));
            }
        }
        Ok(())
    }

    async fn ping(&self) -> PortResult<()> {
        self.client.describe_table().table_name(&self.table).send().await.map_err(down)?;
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "dynamodb"
    }
}

/// What a cancelled transaction means: `Some(index)` of the first failed
/// condition when every other reason is "None"; `None` (transient: retry)
/// when any write was cancelled for another reason (a conflicting
/// transaction, throttling), even beside a failed condition, since the
/// condition may pass on a retry.
pub(crate) fn cancellation(codes: &[Option<&str>]) -> Option<usize> {
    let other = codes.iter().any(|c| !matches!(c, None | Some("None") | Some("ConditionalCheckFailed")));
    if other {
        return None;
    }
    codes.iter().position(|c| *c == Some("ConditionalCheckFailed"))
}

#[cfg(test)]
mod cancellation_tests {
    use super::cancellation;

    #[test]
    fn a_failed_condition_alone_names_its_write() {
        assert_eq!(cancellation(&[Some("None"), Some("ConditionalCheckFailed"), None]), Some(1));
    }

    #[test]
    fn a_conflict_or_throttle_beside_a_failed_condition_is_transient() {
        assert_eq!(cancellation(&[Some("TransactionConflict"), Some("ConditionalCheckFailed")]), None);
        assert_eq!(cancellation(&[Some("ConditionalCheckFailed"), Some("ThrottlingError")]), None);
        assert_eq!(cancellation(&[Some("None"), Some("None")]), None);
    }
}
