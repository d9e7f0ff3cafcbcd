//! A stored value this code does not know is an error that names its row,
//! never a silent default (an unknown status once read as "pending", an
//! unknown currency as USD, a negative quantity wrapped to four billion).

use crate::pipeline::{cart_of, drain, form, product_with_stock, stack, Stack};

async fn an_unknown_status_is_refused_on_write_and_a_bad_stored_value_is_an_error_naming_it(s: Stack) {
    let p = product_with_stock(&s, 5).await;
    let id = s.pipeline.checkout.place("odd", &cart_of(&p, 1, 0), &form("odd-key-0001"), "t").await.unwrap();
    drain(&s, 1).await;
    let pool = s.services.db.pool();
    // The database itself refuses a status the code does not know (CHECK)...
    let refused = sqlx::query("UPDATE orders SET status = 'shipped' WHERE id = $1").bind(&id).execute(pool).await;
    assert!(refused.is_err(), "an unknown status is refused on write");
    assert!(s.pipeline.repo.status(&id).await.unwrap().is_some(), "and the order is unchanged");
    // ...and a value it cannot check is refused on read, naming the order.
    sqlx::query("UPDATE orders SET status = 'confirmed', currency = 'XXX' WHERE id = $1")
        .bind(&id)
        .execute(pool)
        .await
        .unwrap();
    let e = s.pipeline.repo.get(&id).await.unwrap_err().to_string();
    assert!(e.contains(id.as_str()) && e.contains("XXX"), "{e}");
    sqlx::query("UPDATE orders SET currency = 'USD' WHERE id = $1").bind(&id).execute(pool).await.unwrap();
    assert!(s.pipeline.repo.get(&id).await.unwrap().is_some(), "the repaired row reads again");
    sqlx::query("UPDATE order_lines SET quantity = -3 WHERE order_id = $1").bind(&id).execute(pool).await.unwrap();
    let e = s.pipeline.repo.get(&id).await.unwrap_err().to_string();
    assert!(
        e.contains(id.as_str()) && e.contains("quantity") && e.contains("-3"),
        "a negative quantity is not read as a huge one: {e}"
    );
    sqlx::query("UPDATE order_lines SET quantity = 1, sku = 'not a sku' WHERE order_id = $1")
        .bind(&id)
        .execute(pool)
        .await
        .unwrap();
    let e = s.pipeline.repo.get(&id).await.unwrap_err();
    assert!(!e.is_transient(), "retrying cannot fix a stored value: {e}");
    assert!(e.to_string().contains("sku") && e.to_string().contains("SKU may contain only"), "{e}");
}

on_both_stacks!(postgres_sqs_dynamodb: an_unknown_status_is_refused_on_write_and_a_bad_stored_value_is_an_error_naming_it);
