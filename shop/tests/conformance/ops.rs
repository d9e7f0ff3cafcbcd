//! The operator's view (`shop::ops`) on both stacks: a poisoned order shows
//! in the dead letters with its order and reason, one redrive moves exactly
//! it back, the depths follow, and the failover summary reads back by field;
//! a rejected form (`shop::forms`) comes back by its id and by nothing else.

use crate::pipeline::{stack, Stack};
use ports::queue::Outgoing;
use shop::ops::Operations;

on_both_stacks!(on_moto_and_postgres: the_operator_sees_and_redrives_a_dead_letter, a_stashed_form_comes_back_by_its_id_only);

async fn the_operator_sees_and_redrives_a_dead_letter(s: Stack) {
    let ops = Operations::new(s.services.queues.clone(), s.services.sale_queue.clone(), s.services.db.clone());
    let body = r#"{"order_id":"o0123456789abcdef012345678","lines":"not a list"}"#;
    s.services.queues.dead_letter.send(Outgoing::new(body).attribute("failure_reason", "unparseable")).await.unwrap();

    let dead = ops.dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!(dead[0].order_id.as_deref(), Some("o0123456789abcdef012345678"));
    assert_eq!(dead[0].reason, "unparseable");
    assert_eq!(settled_depths(&ops, |d| d.dead_letters == 1).await.dead_letters, 1);

    assert!(ops.redrive_one(&dead[0].message_id).await.unwrap(), "the letter moves back");
    assert!(!ops.redrive_one(&dead[0].message_id).await.unwrap(), "and only once");
    let depths = settled_depths(&ops, |d| (d.dead_letters, d.orders_visible) == (0, 1)).await;
    assert_eq!((depths.dead_letters, depths.orders_visible), (0, 1), "{depths:?}");

    assert_eq!(ops.failover_last_run().await.unwrap(), None);
    ops.record_failover_run(r#"{"at":"2026-11-26 10:00","pages":12}"#).await.unwrap();
    let run = ops.failover_last_run().await.unwrap().expect("recorded");
    assert_eq!(run.get("at").map(String::as_str), Some("2026-11-26 10:00"));
    assert_eq!(run.get("pages").map(String::as_str), Some("12"));
}

/// Queue depths once they show `settled` (or after 5 s): SQS counts are
/// approximate and may trail a send or a delete for a moment, on AWS as on
/// moto under load, so a test reads them until they settle.
async fn settled_depths(ops: &Operations, settled: impl Fn(&shop::ops::Depths) -> bool) -> shop::ops::Depths {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let d = ops.depths().await.unwrap();
        if settled(&d) || std::time::Instant::now() > until {
            return d;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn a_stashed_form_comes_back_by_its_id_only(s: Stack) {
    let stash = shop::forms::FormStash::new(s.services.cache.clone());
    let state = serde_json::json!({ "values": { "email": "ann@example.com" }, "errors": { "password": "too short" } });
    let id = stash.keep(&state).await.unwrap();
    assert!(shop::forms::is_stash_id(&id), "{id}");
    assert_eq!(stash.load(&id).await.unwrap(), Some(state));
    assert_eq!(stash.load(&"0".repeat(32)).await.unwrap(), None, "an unknown id");
    assert_eq!(stash.load("form:*").await.unwrap(), None, "not an id at all");
}
