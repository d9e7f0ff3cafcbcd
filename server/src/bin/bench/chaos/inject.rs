//! `--inject-defects`: the auditor's own check. A suite that only ever
//! prints zeros proves nothing, so this tampers with the stores after the
//! drain, one defect of each kind, the way each would show: an order put
//! back to a non-final state (lost), two checkouts on one cart
//! (duplicated), a SKU's stock below zero (oversold, leaked), a capture one
//! cent off (charge), a rejected order's hold re-opened (unvoided), a
//! refund the shop has no record of, a discount code use taken without an order, and a stray dead letter. Such a run must fail with every defect column set.

use super::aws::Sku;
use super::stack::Stack;
use aws_sdk_dynamodb::types::AttributeValue;
use sqlx::PgPool;

async fn one(pool: &PgPool, sql: &str) -> Option<String> {
    sqlx::query_scalar::<_, String>(sql).fetch_optional(pool).await.ok().flatten()
}

async fn exec(pool: &PgPool, sql: &str, arg: &str) -> Result<u64, String> {
    sqlx::query(sql).bind(arg).execute(pool).await.map(|r| r.rows_affected()).map_err(|e| format!("{sql}: {e}"))
}

/// Apply every defect; returns what was injected.
pub async fn run(stack: &Stack, pool: &PgPool, skus: &[Sku]) -> Result<Vec<String>, String> {
    let mut done = Vec::new();
    let confirmed =
        |n: usize| format!("SELECT id FROM orders WHERE status = 'confirmed' ORDER BY id OFFSET {n} LIMIT 1");
    if let Some(id) = one(pool, &confirmed(0)).await {
        exec(pool, "UPDATE orders SET status = 'reserved' WHERE id = $1", &id).await?;
        done.push(format!("lost: {id} back to reserved"));
    }
    if let Some(id) = one(pool, &confirmed(1)).await {
        let q = "UPDATE payments SET captured_minor = COALESCE(captured_minor, 0) + 1 \
                 WHERE auth_id = (SELECT payment_auth FROM orders WHERE id = $1)";
        exec(pool, q, &id).await?;
        done.push(format!("charge: {id} captured one cent more"));
    }
    if let Some(id) = one(pool, &confirmed(2)).await {
        let q = "INSERT INTO payment_refunds (refund_id, auth_id, amount_minor, created_at) \
                 SELECT 'injected-refund', payment_auth, 1, 0 FROM orders WHERE id = $1";
        exec(pool, q, &id).await?;
        done.push(format!("refund: the provider refunded one cent of {id} with no record in the shop"));
    }
    if let Some(id) = one(pool, "SELECT id FROM orders WHERE status = 'rejected' ORDER BY id LIMIT 1").await {
        let q =
            "UPDATE payments SET status = 'authorized' WHERE auth_id = (SELECT payment_auth FROM orders WHERE id = $1)";
        exec(pool, q, &id).await?;
        done.push(format!("unvoided: the hold of {id} re-opened"));
    }
    if let Some(cart) = one(pool, "SELECT cart_id FROM checkouts ORDER BY order_id LIMIT 1").await {
        let q = "UPDATE checkouts SET cart_id = $1 WHERE order_id = (SELECT order_id FROM checkouts WHERE cart_id <> $1 ORDER BY order_id LIMIT 1)";
        if exec(pool, q, &cart).await? > 0 {
            done.push(format!("duplicated: a second checkout on cart {cart}"));
        }
    }
    if let Some(sku) = skus.iter().find(|s| s.scarce) {
        stack
            .aws
            .ddb
            .update_item()
            .table_name(&stack.aws.table)
            .key("pk", AttributeValue::S(format!("P#{}", sku.product_id)))
            .key("sk", AttributeValue::S(format!("S#{}", sku.sku)))
            .update_expression("SET #s = :n")
            .expression_attribute_names("#s", "stock")
            .expression_attribute_values(":n", AttributeValue::N("-1".into()))
            .send()
            .await
            .map_err(|e| aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string())?;
        done.push(format!("oversold: {} stock set to -1", sku.sku));
    }
    let counter = stack
        .aws
        .ddb
        .update_item()
        .table_name(&stack.aws.table)
        .key("pk", AttributeValue::S(format!("PROMO#{}", super::aws::CODE)))
        .key("sk", AttributeValue::S("U".into()))
        .update_expression("ADD #l :d")
        .expression_attribute_names("#l", "left")
        .expression_attribute_values(":d", AttributeValue::N("-1".into()));
    counter.send().await.map_err(|e| aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string())?;
    done.push("code uses: one use of the code taken without an order".into());
    let dead = stack.aws.sqs.send_message().queue_url(&stack.aws.dlq_url).message_body("{\"order_id\": \"stray\"}");
    dead.send().await.map_err(|e| aws_sdk_sqs::error::DisplayErrorContext(e).to_string())?;
    done.push("dead letter: one stray message".into());
    Ok(done)
}
