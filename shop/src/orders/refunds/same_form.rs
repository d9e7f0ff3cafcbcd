//! A refund form carries a one-time key (rendered with the page): the
//! refund it makes takes its id from that key, so the same form sent twice
//! (a double click, a retry after a timeout) finds the refund the first
//! made instead of making another.

use super::{record_of, run, RefundError, RefundRecord, RefundRow};
use crate::catalog::CachedCatalog;
use crate::orders::repo::{OrderRepo, StoredOrder};
use domain::order::FieldErrors;
use ports::payments::Payments;
use std::sync::Arc;

/// The refund id a form's key stands for; a key that is not one the shop
/// made (8 to 64 letters, digits and dashes) is refused.
pub(super) fn keyed_id(key: &str) -> Result<String, RefundError> {
    let ok = (8..=64).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    ok.then(|| format!("rf-{key}")).ok_or_else(stale)
}

fn stale() -> RefundError {
    let why = "this form is out of date; open the order again".to_string();
    RefundError::Invalid(FieldErrors::from([("refund".to_string(), why)]))
}

/// The refund an earlier submission of the same form made, if any,
/// finished here when it stopped between steps. A key already used on
/// another order is refused.
pub(super) async fn same_form(
    repo: &OrderRepo,
    catalog: &CachedCatalog,
    payments: &Arc<dyn Payments>,
    order: &StoredOrder,
    keyed: Option<&str>,
) -> Result<Option<RefundRecord>, RefundError> {
    let Some(rid) = keyed else { return Ok(None) };
    let db = repo.db();
    let row: Option<(String, RefundRow)> =
        sqlx::query_as("SELECT order_id, id, plan, step, actor, created_at FROM order_refunds WHERE id = $1")
            .bind(rid)
            .fetch_optional(db.pool())
            .await
            .map_err(db.err())?
            .map(|(o, id, plan, step, actor, at): (String, String, String, String, String, i64)| {
                (o, (id, plan, step, actor, at))
            });
    match row {
        None => Ok(None),
        Some((o, _)) if o != order.id.as_str() => Err(stale()),
        Some((_, row)) => {
            let r = record_of(row)?;
            if r.step == "done" {
                return Ok(Some(r));
            }
            run(repo, catalog, payments, order, r).await.map(Some)
        }
    }
}
