//! Key-value table port in the shape of DynamoDB: items addressed by a
//! partition key and a sort key, queries over one partition in sort-key
//! order, and all-or-nothing transactions whose writes may carry conditions
//! (this is how stock is decremented without overselling). Adapters: an
//! embedded SQLite table and DynamoDB.

use crate::PortResult;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    N(i64),
    S(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Item {
    pub pk: String,
    pub sk: String,
    pub attrs: BTreeMap<String, Value>,
}

impl Item {
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Self { pk: pk.into(), sk: sk.into(), attrs: BTreeMap::new() }
    }
    pub fn with(mut self, name: &str, v: Value) -> Self {
        self.attrs.insert(name.to_string(), v);
        self
    }
    pub fn s(&self, name: &str) -> Option<&str> {
        match self.attrs.get(name) {
            Some(Value::S(s)) => Some(s),
            _ => None,
        }
    }
    pub fn n(&self, name: &str) -> Option<i64> {
        match self.attrs.get(name) {
            Some(Value::N(n)) => Some(*n),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    None,
    /// No item with this key exists yet.
    NotExists,
    /// The item exists.
    Exists,
    /// The item exists and its numeric attribute is at least this value.
    AtLeast(String, i64),
    /// The item exists and its numeric attribute equals this value (compare-and-swap).
    Equals(String, i64),
    /// The item exists and its numeric attribute, counted as 0 when absent,
    /// equals this value (an optimistic version check that also accepts
    /// items written before they had a version).
    Version(String, i64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    Put {
        item: Item,
        condition: Condition,
    },
    Delete {
        pk: String,
        sk: String,
        condition: Condition,
    },
    /// Add `delta` to a numeric attribute of an existing item.
    Add {
        pk: String,
        sk: String,
        attr: String,
        delta: i64,
        condition: Condition,
    },
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pub pk: String,
    pub sk_prefix: String,
    /// Continue after this sort key (exclusive).
    pub after: Option<String>,
    pub limit: usize,
    pub descending: bool,
}

/// Largest number of writes in one transaction (DynamoDB's limit).
pub const MAX_TRANSACTION: usize = 100;

#[async_trait]
pub trait Table: Send + Sync {
    async fn get(&self, pk: &str, sk: &str) -> PortResult<Option<Item>>;
    async fn query(&self, q: Query) -> PortResult<Vec<Item>>;
    /// All writes happen or none; a failed condition returns
    /// `PortError::ConditionFailed { index }` of the first failing write.
    async fn transact(&self, writes: Vec<Write>) -> PortResult<()>;
    /// Several independent transactions, applied in the order given (a later
    /// one sees an earlier one's writes); each is all or nothing and has its
    /// own result. An adapter may commit them together to save round trips.
    async fn transact_each(&self, transactions: Vec<Vec<Write>>) -> Vec<PortResult<()>> {
        let mut results = Vec::with_capacity(transactions.len());
        for writes in transactions {
            results.push(self.transact(writes).await);
        }
        results
    }
    /// Unconditional puts, not atomic as a whole (bulk loading).
    async fn put_many(&self, items: Vec<Item>) -> PortResult<()>;
    async fn ping(&self) -> PortResult<()>;
    fn backend(&self) -> &'static str;
}
