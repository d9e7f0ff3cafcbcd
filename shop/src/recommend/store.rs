//! Recommendations in the catalog table, beside the catalog's own items
//! (single-table design, see `catalog::store`):
//!
//! | item | pk | sk | attributes |
//! |---|---|---|---|
//! | pointer to the live version | `RECO` | `CURRENT` | `version`, `previous` (0: none), `at` |
//! | results of one version | `RECO#<version>#<shard>` | `BT#<product id>`, `FY#<customer key>`, `POP#<category or *>` | `recs` (JSON list of `Rec`) |
//!
//! A version's items are spread over [`SHARDS`] partitions by a hash of the
//! sort key, so reads of the live version do not all land on one DynamoDB
//! partition, and a whole version can still be listed (and deleted) with
//! [`SHARDS`] queries. Customer keys are a hash of the lowercased email: no
//! address is stored in the table, the cache or the snapshot.

use super::Rec;
use ports::kv::{Condition, Item, Query, Table, Value, Write, MAX_TRANSACTION};
use ports::{PortError, PortResult};
use sha2::{Digest, Sha256};
use std::sync::Arc;

pub const SHARDS: u32 = 16;
const POINTER_PK: &str = "RECO";
const POINTER_SK: &str = "CURRENT";

pub fn bought_together_key(product_id: &str) -> String {
    format!("BT#{product_id}")
}

pub fn for_you_key(customer: &str) -> String {
    format!("FY#{customer}")
}

pub fn popular_key(category: &str) -> String {
    format!("POP#{category}")
}

/// The key a customer is known by: a hash of the trimmed, lowercased email.
pub fn customer_key(email: &str) -> String {
    let d = Sha256::digest(email.trim().to_lowercase().as_bytes());
    crate::ids::hex(&d[..16])
}

/// Where a run's snapshot lives in the object store.
pub fn snapshot_prefix(run: i64) -> String {
    format!("recommendations/runs/{run}/")
}

pub(super) fn snapshot_key(run: i64) -> String {
    format!("{}orders.json", snapshot_prefix(run))
}

fn shard_pk(version: i64, sk: &str) -> String {
    // FNV-1a: stable across processes and releases.
    let h = sk.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    format!("RECO#{version}#{:02}", h % u64::from(SHARDS))
}

/// The live-version pointer as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Pointer {
    pub version: i64,
    pub previous: i64,
    item: Item,
}

#[derive(Clone)]
pub(super) struct RecoStore {
    pub table: Arc<dyn Table>,
}

impl RecoStore {
    pub async fn pointer(&self) -> PortResult<Option<Pointer>> {
        Ok(self.table.get(POINTER_PK, POINTER_SK).await?.and_then(|item| {
            let version = item.n("version")?;
            Some(Pointer { version, previous: item.n("previous").unwrap_or(0), item })
        }))
    }

    /// Point at `to` if the pointer is still `from`; false when it moved.
    pub async fn switch(&self, from: Option<&Pointer>, to: i64) -> PortResult<bool> {
        let item = Item::new(POINTER_PK, POINTER_SK)
            .with("version", Value::N(to))
            .with("previous", Value::N(from.map_or(0, |p| p.version)))
            .with("at", Value::N(super::now_secs()));
        let condition = match from {
            Some(p) => Condition::Equals("version".into(), p.version),
            None => Condition::NotExists,
        };
        cas(self.table.transact(vec![Write::Put { item, condition }]).await)
    }

    /// Put back the pointer as it was before `ours` went live (or none).
    pub async fn restore(&self, ours: i64, before: Option<&Pointer>) -> PortResult<bool> {
        let condition = Condition::Equals("version".into(), ours);
        let w = match before {
            Some(p) => Write::Put { item: p.item.clone(), condition },
            None => Write::Delete { pk: POINTER_PK.into(), sk: POINTER_SK.into(), condition },
        };
        cas(self.table.transact(vec![w]).await)
    }

    pub async fn read(&self, version: i64, sk: &str) -> PortResult<Vec<Rec>> {
        let Some(item) = self.table.get(&shard_pk(version, sk), sk).await? else {
            return Ok(Vec::new());
        };
        let json = item.s("recs").unwrap_or("[]");
        serde_json::from_str(json).map_err(|e| PortError::Invalid(format!("stored recommendations {sk}: {e}")))
    }

    /// Unconditional puts: a version is invisible until the pointer moves,
    /// so a batch needs no atomicity (DynamoDB: BatchWriteItem, half the
    /// cost of a transaction).
    pub async fn put(&self, version: i64, entries: &[(String, Vec<Rec>)]) -> PortResult<()> {
        let items = entries
            .iter()
            .map(|(sk, recs)| {
                let json = serde_json::to_string(recs).map_err(|e| PortError::Invalid(e.to_string()))?;
                Ok(Item::new(shard_pk(version, sk), sk.clone()).with("recs", Value::S(json)))
            })
            .collect::<PortResult<Vec<_>>>()?;
        self.table.put_many(items).await
    }

    async fn keys_of(&self, version: i64) -> PortResult<Vec<(String, String)>> {
        let mut keys = Vec::new();
        for shard in 0..SHARDS {
            let pk = format!("RECO#{version}#{shard:02}");
            let items = self.table.query(Query { pk: pk.clone(), ..Default::default() }).await?;
            keys.extend(items.into_iter().map(|i| (i.pk, i.sk)));
        }
        Ok(keys)
    }

    pub async fn count(&self, version: i64) -> PortResult<usize> {
        Ok(self.keys_of(version).await?.len())
    }

    /// Delete every item of a version, in transactions of `MAX_TRANSACTION`.
    pub async fn delete_version(&self, version: i64) -> PortResult<usize> {
        let keys = self.keys_of(version).await?;
        for chunk in keys.chunks(MAX_TRANSACTION) {
            let writes = chunk.iter().map(|(pk, sk)| Write::Delete {
                pk: pk.clone(),
                sk: sk.clone(),
                condition: Condition::None,
            });
            self.table.transact(writes.collect()).await?;
        }
        Ok(keys.len())
    }
}

fn cas(r: PortResult<()>) -> PortResult<bool> {
    match r {
        Ok(()) => Ok(true),
        Err(PortError::ConditionFailed { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_keys_ignore_case_and_spaces_and_hide_the_address() {
        let k = customer_key(" Ann@Example.com ");
        assert_eq!(k, customer_key("ann@example.com"));
        assert_eq!(k.len(), 32);
        assert!(!k.contains("ann"));
    }

    #[test]
    fn items_spread_over_every_shard() {
        let shards: std::collections::HashSet<String> =
            (0..500).map(|i| shard_pk(3, &bought_together_key(&format!("sf{i:06}")))).collect();
        assert_eq!(shards.len(), SHARDS as usize);
        assert!(shards.iter().all(|s| s.starts_with("RECO#3#")));
    }
}
