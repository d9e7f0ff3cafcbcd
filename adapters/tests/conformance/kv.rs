use adapters::kv::{Condition, Item, Query, Table, Value, Write};
use adapters::testing::unique;
use ports::PortError;
use std::sync::Arc;

use adapters::testing::{dynamo, embedded};

fn put(item: Item, condition: Condition) -> Write {
    Write::Put { item, condition }
}

pub(crate) async fn suite(t: &dyn Table) {
    let a = Item::new("P#1", "A").with("name", Value::S("mug".into())).with("stock", Value::N(3));
    t.transact(vec![put(a.clone(), Condition::NotExists)]).await.unwrap();
    assert_eq!(t.get("P#1", "A").await.unwrap(), Some(a.clone()), "an item reads back as written");
    assert_eq!(t.get("P#1", "B").await.unwrap(), None);

    let again = t.transact(vec![put(a.clone(), Condition::NotExists)]).await;
    assert!(matches!(again, Err(PortError::ConditionFailed { index: 0 })), "{again:?}");

    // All or nothing: the second write's condition fails, so the first is not applied.
    let b = Item::new("P#2", "A").with("name", Value::S("cup".into()));
    let r = t.transact(vec![put(b.clone(), Condition::None), put(a.clone(), Condition::NotExists)]).await;
    assert!(matches!(r, Err(PortError::ConditionFailed { index: 1 })), "{r:?}");
    assert_eq!(t.get("P#2", "A").await.unwrap(), None, "a failed transaction writes nothing");

    // Conditional decrement never goes below the floor.
    let take = |n: i64| Write::Add {
        pk: "P#1".into(),
        sk: "A".into(),
        attr: "stock".into(),
        delta: -n,
        condition: Condition::AtLeast("stock".into(), n),
    };
    t.transact(vec![take(2)]).await.unwrap();
    assert!(matches!(t.transact(vec![take(2)]).await, Err(PortError::ConditionFailed { index: 0 })));
    t.transact(vec![take(1)]).await.unwrap();
    assert_eq!(t.get("P#1", "A").await.unwrap().and_then(|i| i.n("stock")), Some(0));

    // Compare-and-swap: a put conditioned on the current value of a number.
    let v2 = Item::new("P#1", "A").with("stock", Value::N(7));
    let stale = t.transact(vec![put(v2.clone(), Condition::Equals("stock".into(), 1))]).await;
    assert!(matches!(stale, Err(PortError::ConditionFailed { index: 0 })), "{stale:?}");
    t.transact(vec![put(v2, Condition::Equals("stock".into(), 0))]).await.unwrap();
    assert_eq!(t.get("P#1", "A").await.unwrap().and_then(|i| i.n("stock")), Some(7));
    let none = t.transact(vec![put(Item::new("P#8", "A"), Condition::Equals("stock".into(), 0))]).await;
    assert!(matches!(none, Err(PortError::ConditionFailed { index: 0 })), "equals needs an existing item");

    // Version check: a missing version attribute counts as 0.
    let doc = |v: i64| Item::new("P#7", "A").with("version", Value::N(v));
    t.transact(vec![put(Item::new("P#7", "A"), Condition::None)]).await.unwrap();
    let ahead = t.transact(vec![put(doc(2), Condition::Version("version".into(), 1))]).await;
    assert!(matches!(ahead, Err(PortError::ConditionFailed { index: 0 })), "{ahead:?}");
    t.transact(vec![put(doc(1), Condition::Version("version".into(), 0))]).await.unwrap();
    let stale = t.transact(vec![put(doc(1), Condition::Version("version".into(), 0))]).await;
    assert!(matches!(stale, Err(PortError::ConditionFailed { index: 0 })), "{stale:?}");
    t.transact(vec![put(doc(2), Condition::Version("version".into(), 1))]).await.unwrap();
    assert_eq!(t.get("P#7", "A").await.unwrap().and_then(|i| i.n("version")), Some(2));
    let absent = t.transact(vec![put(Item::new("P#6", "A"), Condition::Version("version".into(), 0))]).await;
    assert!(matches!(absent, Err(PortError::ConditionFailed { index: 0 })), "a version check needs an existing item");
    let missing =
        Write::Add { pk: "P#9".into(), sk: "A".into(), attr: "stock".into(), delta: 1, condition: Condition::Exists };
    assert!(
        matches!(t.transact(vec![missing]).await, Err(PortError::ConditionFailed { .. })),
        "add needs an existing item"
    );

    // Queries: one partition, prefix, order, cursor, limit.
    let items: Vec<Item> = (0..7).map(|i| Item::new("C#x", format!("N#{i:03}")).with("i", Value::N(i))).collect();
    t.put_many(items).await.unwrap();
    t.put_many(vec![Item::new("C#x", "Z#other"), Item::new("C#y", "N#000")]).await.unwrap();
    let q = |after: Option<&str>, limit, descending| Query {
        pk: "C#x".into(),
        sk_prefix: "N#".into(),
        after: after.map(String::from),
        limit,
        descending,
    };
    let sks = |v: Vec<Item>| v.into_iter().map(|i| i.sk).collect::<Vec<_>>();
    assert_eq!(sks(t.query(q(None, 3, false)).await.unwrap()), ["N#000", "N#001", "N#002"]);
    assert_eq!(sks(t.query(q(Some("N#002"), 2, false)).await.unwrap()), ["N#003", "N#004"]);
    assert_eq!(sks(t.query(q(None, 2, true)).await.unwrap()), ["N#006", "N#005"]);
    assert_eq!(t.query(q(None, 0, false)).await.unwrap().len(), 7, "limit 0 means all");
    let all = t.query(Query { pk: "C#x".into(), ..Default::default() }).await.unwrap();
    assert_eq!(all.len(), 8, "an empty prefix lists the whole partition");

    t.transact(vec![Write::Delete { pk: "P#1".into(), sk: "A".into(), condition: Condition::Exists }]).await.unwrap();
    assert_eq!(t.get("P#1", "A").await.unwrap(), None);
    t.ping().await.unwrap();
    several_transactions_have_one_result_each(t).await;
}

/// `transact_each`: in order, each all or nothing, one failing never undoes another.
async fn several_transactions_have_one_result_each(t: &dyn Table) {
    let pk = unique("E#");
    t.transact(vec![put(Item::new(&pk, "S").with("stock", Value::N(3)), Condition::None)]).await.unwrap();
    let order = |id: &str, n: i64| {
        vec![
            put(Item::new(format!("{pk}-{id}"), "M"), Condition::NotExists),
            Write::Add {
                pk: pk.clone(),
                sk: "S".into(),
                attr: "stock".into(),
                delta: -n,
                condition: Condition::AtLeast("stock".into(), n),
            },
        ]
    };
    let results = t.transact_each(vec![order("a", 2), order("b", 2), order("a", 1), order("c", 1)]).await;
    let shape: Vec<Result<(), Option<usize>>> = results
        .into_iter()
        .map(|r| {
            r.map_err(|e| match e {
                PortError::ConditionFailed { index } => Some(index),
                _ => None,
            })
        })
        .collect();
    assert_eq!(shape, [Ok(()), Err(Some(1)), Err(Some(0)), Ok(())], "short, then a repeated marker, fail alone");
    assert_eq!(t.get(&pk, "S").await.unwrap().and_then(|i| i.n("stock")), Some(0), "a and c took 3 in all");
    assert_eq!(t.get(&format!("{pk}-b"), "M").await.unwrap(), None, "a failed transaction writes nothing");
    assert!(t.get(&format!("{pk}-c"), "M").await.unwrap().is_some());
    assert!(t.transact_each(Vec::new()).await.is_empty());
}

async fn concurrent_decrements_never_oversell(t: Arc<dyn Table>) {
    let pk = unique("P");
    t.transact(vec![put(Item::new(&pk, "S#X").with("stock", Value::N(5)), Condition::None)]).await.unwrap();
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (t, pk) = (t.clone(), pk.clone());
            tokio::spawn(async move {
                t.transact(vec![Write::Add {
                    pk,
                    sk: "S#X".into(),
                    attr: "stock".into(),
                    delta: -1,
                    condition: Condition::AtLeast("stock".into(), 1),
                }])
                .await
            })
        })
        .collect();
    let mut ok = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => ok += 1,
            Err(PortError::ConditionFailed { .. }) => {}
            Err(e) => panic!("unexpected error {e}"),
        }
    }
    assert_eq!(ok, 5, "exactly the stock was sold");
    assert_eq!(t.get(&pk, "S#X").await.unwrap().and_then(|i| i.n("stock")), Some(0));
}

#[tokio::test]
async fn embedded_table_conforms() {
    let t = embedded().await;
    suite(&*t).await;
    concurrent_decrements_never_oversell(t).await;
}

#[tokio::test]
async fn dynamodb_table_conforms() {
    let Some(t) = dynamo().await else { return };
    suite(&*t).await;
    concurrent_decrements_never_oversell(t).await;
}
