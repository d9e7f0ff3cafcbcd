//! Embedded table: one SQLite table `(pk, sk, attrs JSON)`. Transactions run
//! under `BEGIN IMMEDIATE`, so conditions are checked and writes applied
//! while holding the write lock.

use super::{Condition, Item, Query, Table, Value, Write};
use crate::sqlite_file::open_file;
use async_trait::async_trait;
use ports::{PortError, PortResult};
use sqlx::sqlite::{SqliteConnection, SqlitePool};
use std::collections::BTreeMap;
use std::path::Path;

pub struct EmbeddedTable {
    pool: SqlitePool,
}

impl EmbeddedTable {
    pub async fn open(path: &Path) -> PortResult<Self> {
        let pool = open_file(path, "catalog").await?;
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS kv (pk TEXT NOT NULL, sk TEXT NOT NULL, attrs TEXT NOT NULL, PRIMARY KEY (pk, sk)) WITHOUT ROWID",
        )
        .execute(&pool)
        .await?;
        Ok(Self { pool })
    }
}

/// A stored item; attributes that do not parse are an error naming the
/// item, never an empty item.
fn decode(pk: String, sk: String, attrs: &str) -> PortResult<Item> {
    match serde_json::from_str::<BTreeMap<String, Value>>(attrs) {
        Ok(attrs) => Ok(Item { pk, sk, attrs }),
        Err(e) => Err(PortError::Invalid(format!("kv item {pk}/{sk}: stored attributes are not valid: {e}"))),
    }
}

/// An item of a query, read by column name.
#[derive(sqlx::FromRow)]
struct ItemRow {
    sk: String,
    attrs: String,
}

fn encode(item: &Item) -> PortResult<String> {
    serde_json::to_string(&item.attrs).map_err(|e| PortError::Invalid(e.to_string()))
}

async fn load(conn: &mut SqliteConnection, pk: &str, sk: &str) -> PortResult<Option<Item>> {
    let attrs: Option<String> = sqlx::query_scalar("SELECT attrs FROM kv WHERE pk = ? AND sk = ?")
        .bind(pk)
        .bind(sk)
        .fetch_optional(&mut *conn)
        .await?;
    attrs.map(|a| decode(pk.to_string(), sk.to_string(), &a)).transpose()
}

fn holds(cond: &Condition, current: Option<&Item>) -> bool {
    match cond {
        Condition::None => true,
        Condition::NotExists => current.is_none(),
        Condition::Exists => current.is_some(),
        Condition::AtLeast(attr, min) => current.and_then(|i| i.n(attr)).is_some_and(|n| n >= *min),
        Condition::Equals(attr, v) => current.and_then(|i| i.n(attr)) == Some(*v),
        Condition::Version(attr, v) => current.is_some_and(|i| i.n(attr).unwrap_or(0) == *v),
    }
}

async fn apply(conn: &mut SqliteConnection, writes: &[Write]) -> PortResult<()> {
    for (index, w) in writes.iter().enumerate() {
        let (pk, sk, cond) = match w {
            Write::Put { item, condition } => (&item.pk, &item.sk, condition),
            Write::Delete { pk, sk, condition } | Write::Add { pk, sk, condition, .. } => (pk, sk, condition),
        };
        let current = load(conn, pk, sk).await?;
        let must_exist = matches!(w, Write::Add { .. });
        if !holds(cond, current.as_ref()) || (must_exist && current.is_none()) {
            return Err(PortError::ConditionFailed { index });
        }
        match w {
            Write::Put { item, .. } => {
                sqlx::query("INSERT OR REPLACE INTO kv (pk, sk, attrs) VALUES (?, ?, ?)")
                    .bind(&item.pk)
                    .bind(&item.sk)
                    .bind(encode(item)?)
                    .execute(&mut *conn)
                    .await?;
            }
            Write::Delete { pk, sk, .. } => {
                sqlx::query("DELETE FROM kv WHERE pk = ? AND sk = ?").bind(pk).bind(sk).execute(&mut *conn).await?;
            }
            Write::Add { attr, delta, .. } => {
                let Some(mut item) = current else {
                    return Err(PortError::ConditionFailed { index });
                };
                let n = item.n(attr).unwrap_or(0).saturating_add(*delta);
                item.attrs.insert(attr.clone(), Value::N(n));
                sqlx::query("UPDATE kv SET attrs = ? WHERE pk = ? AND sk = ?")
                    .bind(encode(&item)?)
                    .bind(pk)
                    .bind(sk)
                    .execute(&mut *conn)
                    .await?;
            }
        }
    }
    Ok(())
}

impl EmbeddedTable {
    /// `transact_each` in one SQLite transaction; an error here (not a
    /// failed condition) means nothing was committed.
    async fn transact_each_in_one(&self, transactions: &[Vec<Write>]) -> PortResult<Vec<PortResult<()>>> {
        let mut conn = self.pool.acquire().await?;
        sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
        let mut results = Vec::with_capacity(transactions.len());
        for writes in transactions {
            if writes.len() > super::MAX_TRANSACTION {
                results.push(Err(PortError::Invalid(format!(
                    "more than {} writes in one transaction",
                    super::MAX_TRANSACTION
                ))));
                continue;
            }
            sqlx::query("SAVEPOINT one").execute(&mut *conn).await?;
            match apply(&mut conn, writes).await {
                Ok(()) => results.push(Ok(())),
                Err(failed @ PortError::ConditionFailed { .. }) => {
                    sqlx::query("ROLLBACK TO one").execute(&mut *conn).await?;
                    results.push(Err(failed));
                }
                Err(e) => {
                    sqlx::query("ROLLBACK").execute(&mut *conn).await?;
                    return Err(e);
                }
            }
            sqlx::query("RELEASE one").execute(&mut *conn).await?;
        }
        if let Err(e) = sqlx::query("COMMIT").execute(&mut *conn).await {
            let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
            return Err(e.into());
        }
        Ok(results)
    }
}

#[async_trait]
impl Table for EmbeddedTable {
    async fn get(&self, pk: &str, sk: &str) -> PortResult<Option<Item>> {
        let mut conn = self.pool.acquire().await?;
        load(&mut conn, pk, sk).await
    }

    async fn query(&self, q: Query) -> PortResult<Vec<Item>> {
        let limit = if q.limit == 0 { i64::MAX } else { q.limit as i64 };
        // Sort keys sharing the prefix lie in [prefix, prefix + U+10FFFF).
        let upper = format!("{}\u{10FFFF}", q.sk_prefix);
        let (cmp, order) = if q.descending { ("<", "DESC") } else { (">", "ASC") };
        let after = q.after.clone().unwrap_or_else(|| if q.descending { upper.clone() } else { String::new() });
        let sql = format!(
            "SELECT sk, attrs FROM kv WHERE pk = ? AND sk >= ? AND sk < ? AND sk {cmp} ? ORDER BY sk {order} LIMIT ?"
        );
        let rows: Vec<ItemRow> = sqlx::query_as(&sql)
            .bind(&q.pk)
            .bind(&q.sk_prefix)
            .bind(&upper)
            .bind(&after)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(|r| decode(q.pk.clone(), r.sk, &r.attrs)).collect()
    }

    async fn transact(&self, writes: Vec<Write>) -> PortResult<()> {
        if writes.len() > super::MAX_TRANSACTION {
            return Err(PortError::Invalid(format!("more than {} writes in one transaction", super::MAX_TRANSACTION)));
        }
        let mut conn = self.pool.acquire().await?;
        sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
        match apply(&mut conn, &writes).await {
            Ok(()) => {
                sqlx::query("COMMIT").execute(&mut *conn).await?;
                Ok(())
            }
            Err(e) => {
                sqlx::query("ROLLBACK").execute(&mut *conn).await?;
                Err(e)
            }
        }
    }

    /// All of them under one write lock and one commit, each inside its own
    /// savepoint: a failed condition rolls back that transaction alone.
    async fn transact_each(&self, transactions: Vec<Vec<Write>>) -> Vec<PortResult<()>> {
        match self.transact_each_in_one(&transactions).await {
            Ok(results) => results,
            Err(e) => {
                let detail = e.to_string();
                transactions.iter().map(|_| Err(PortError::unavailable("embedded table", &detail))).collect()
            }
        }
    }

    async fn put_many(&self, items: Vec<Item>) -> PortResult<()> {
        for chunk in items.chunks(500) {
            let mut tx = self.pool.begin().await?;
            for item in chunk {
                sqlx::query("INSERT OR REPLACE INTO kv (pk, sk, attrs) VALUES (?, ?, ?)")
                    .bind(&item.pk)
                    .bind(&item.sk)
                    .bind(encode(item)?)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        }
        Ok(())
    }

    async fn ping(&self) -> PortResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "embedded"
    }
}
