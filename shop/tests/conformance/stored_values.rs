//! A stored value this code does not know is an error that names its row,
//! never a silent default (an unknown status once read as "pending", an
//! unknown currency as USD, a negative quantity wrapped to four billion).

use crate::pipeline::{cart_of, drain, form, product_with_stock, stack, Stack};

async fn an_unknown_stored_status_or_currency_is_an_error_naming_the_order(s: Stack) {
    let p = product_with_stock(&s, 5).await;
    let id = s.pipeline.checkout.place("odd", &cart_of(&p, 1, 0), &form("odd-key-0001"), "t").await.unwrap();
    drain(&s, 1).await;
    let pool = s.services.db.pool();
    sqlx::query("UPDATE orders SET status = 'shipped' WHERE id = $1").bind(&id).execute(pool).await.unwrap();
    let e = s.pipeline.repo.status(&id).await.unwrap_err().to_string();
    assert!(e.contains(&id) && e.contains("shipped"), "{e}");
    sqlx::query("UPDATE orders SET status = 'confirmed', currency = 'XXX' WHERE id = $1")
        .bind(&id)
        .execute(pool)
        .await
        .unwrap();
    let e = s.pipeline.repo.get(&id).await.unwrap_err().to_string();
    assert!(e.contains(&id) && e.contains("XXX"), "{e}");
    sqlx::query("UPDATE orders SET currency = 'USD' WHERE id = $1").bind(&id).execute(pool).await.unwrap();
    assert!(s.pipeline.repo.get(&id).await.unwrap().is_some(), "the repaired row reads again");
    sqlx::query("UPDATE order_lines SET quantity = -3 WHERE order_id = $1").bind(&id).execute(pool).await.unwrap();
    let e = s.pipeline.repo.get(&id).await.unwrap_err().to_string();
    assert!(
        e.contains(&id) && e.contains("quantity") && e.contains("-3"),
        "a negative quantity is not read as a huge one: {e}"
    );
}

on_both_stacks!(postgres_sqs_dynamodb: an_unknown_stored_status_or_currency_is_an_error_naming_the_order);
