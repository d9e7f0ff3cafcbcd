use adapters::queue::{local, LocalQueue, Outgoing, Queue, QueuePair, SqsQueue};
use adapters::testing::{aws, temp_dir, unique};
use std::sync::Arc;
use std::time::Duration;

/// The visibility timeout and redrive count the suite expects of its queues.
pub(crate) const VIS: Duration = Duration::from_secs(1);
pub(crate) const MAX_RECEIVES: u32 = 2;

/// A standard queue with a dead-letter queue, and a FIFO queue.
pub(crate) struct Set {
    pub(crate) pair: QueuePair,
    pub(crate) fifo: Arc<dyn Queue>,
}

async fn local_set() -> Set {
    let pool = local::open_pool(&temp_dir().join("q.db")).await.unwrap();
    Set {
        pair: QueuePair {
            main: Arc::new(LocalQueue::new(pool.clone(), "main", VIS, Some(("dlq".into(), MAX_RECEIVES)))),
            dead_letter: Arc::new(LocalQueue::new(pool.clone(), "dlq", VIS, None)),
        },
        fifo: Arc::new(LocalQueue::new(pool, "sale.fifo", VIS, None)),
    }
}

async fn sqs_set() -> Option<Set> {
    let sdk = aws().await?;
    let client = aws_sdk_sqs::Client::new(&sdk);
    let base = "http://127.0.0.1/000000000000";
    let dlq = SqsQueue::create(client.clone(), &format!("{base}/{}", unique("dlq")), VIS, None).await.unwrap();
    let main = SqsQueue::create(client.clone(), &format!("{base}/{}", unique("main")), VIS, Some((&dlq, MAX_RECEIVES)))
        .await
        .unwrap();
    let fifo = SqsQueue::create(client, &format!("{base}/{}.fifo", unique("sale")), VIS, None).await.unwrap();
    Some(Set { pair: QueuePair { main: Arc::new(main), dead_letter: Arc::new(dlq) }, fifo: Arc::new(fifo) })
}

async fn receive_one(q: &dyn Queue) -> Option<adapters::queue::Received> {
    q.receive(1, Duration::from_secs(2)).await.unwrap().into_iter().next()
}

pub(crate) async fn suite(s: Set) {
    let q = &*s.pair.main;
    // Round trip with attributes; deleted messages are gone.
    q.send(Outgoing::new("hello").attribute("request_id", "r-1")).await.unwrap();
    let m = receive_one(q).await.expect("a sent message is received");
    assert_eq!((m.body.as_str(), m.receive_count), ("hello", 1));
    assert_eq!(m.attributes.get("request_id").map(String::as_str), Some("r-1"));
    q.delete(&m.receipt).await.unwrap();
    assert!(q.receive(1, Duration::ZERO).await.unwrap().is_empty(), "deleted message is gone");

    // Visibility timeout: hidden while in flight, back afterwards with a higher count.
    q.send(Outgoing::new("retry me")).await.unwrap();
    let first = receive_one(q).await.unwrap();
    assert!(q.receive(1, Duration::ZERO).await.unwrap().is_empty(), "in-flight message is hidden");
    let depth = q.depth().await.unwrap();
    assert_eq!((depth.visible, depth.in_flight), (0, 1));
    tokio::time::sleep(VIS + Duration::from_millis(300)).await;
    let again = receive_one(q).await.expect("message comes back after the visibility timeout");
    assert_eq!((again.body.as_str(), again.receive_count), ("retry me", 2));
    // Releasing makes it visible again at once.
    q.release(&again.receipt, Duration::ZERO).await.unwrap();

    // After MAX_RECEIVES receives the message moves to the dead-letter queue.
    let mut dead = None;
    for _ in 0..6 {
        match receive_one(q).await {
            Some(_) => tokio::time::sleep(VIS + Duration::from_millis(200)).await,
            None => {
                dead = receive_one(&*s.pair.dead_letter).await;
                if dead.is_some() {
                    break;
                }
            }
        }
    }
    let dead = dead.expect("message reached the dead-letter queue");
    assert_eq!(dead.body, "retry me");
    s.pair.dead_letter.release(&dead.receipt, Duration::ZERO).await.unwrap();

    // Redrive moves it back to the main queue.
    assert_eq!(s.pair.redrive(10).await.unwrap(), 1);
    let back = receive_one(q).await.expect("redriven message is on the main queue");
    assert_eq!(back.body, "retry me");
    q.delete(&back.receipt).await.unwrap();

    // Deleting several at once; a stale receipt among them is ignored.
    for body in ["m1", "m2", "m3"] {
        q.send(Outgoing::new(body)).await.unwrap();
    }
    let mut got = Vec::new();
    while got.len() < 3 {
        let batch = q.receive(10, Duration::from_secs(1)).await.unwrap();
        assert!(!batch.is_empty() || got.len() == 3, "three messages were sent");
        got.extend(batch);
    }
    let mut receipts: Vec<String> = got.iter().map(|m| m.receipt.clone()).collect();
    receipts.push(first.receipt.clone());
    q.delete_many(&receipts).await.unwrap();
    assert!(q.receive(10, Duration::ZERO).await.unwrap().is_empty(), "all three are gone");

    // FIFO: order within a group, one group's messages in sequence, duplicates dropped.
    let f = &*s.fifo;
    for (body, dedup) in [("a1", "d1"), ("a2", "d2"), ("a1-again", "d1"), ("a3", "d3")] {
        let mut o = Outgoing::new(body);
        o.group_id = Some("item-1".into());
        o.dedup_id = Some(dedup.into());
        f.send(o).await.unwrap();
    }
    let mut seen = Vec::new();
    for _ in 0..10 {
        let batch = f.receive(10, Duration::from_secs(1)).await.unwrap();
        if batch.is_empty() && seen.len() >= 3 {
            break;
        }
        for m in batch {
            seen.push(m.body.clone());
            f.delete(&m.receipt).await.unwrap();
        }
    }
    assert_eq!(seen, ["a1", "a2", "a3"], "FIFO keeps order and drops the duplicate");
}

#[tokio::test]
async fn local_queue_conforms() {
    suite(local_set().await).await;
}

#[tokio::test]
async fn sqs_queue_conforms() {
    let Some(set) = sqs_set().await else { return };
    suite(set).await;
}

#[tokio::test]
async fn local_queue_survives_a_restart() {
    let path = temp_dir().join("durable.db");
    {
        let pool = local::open_pool(&path).await.unwrap();
        LocalQueue::new(pool.clone(), "orders", VIS, None).send(Outgoing::new("keep me")).await.unwrap();
        pool.close().await;
    }
    let pool = local::open_pool(&path).await.unwrap();
    let q = LocalQueue::new(pool, "orders", VIS, None);
    assert_eq!(receive_one(&q).await.map(|m| m.body).as_deref(), Some("keep me"));
}

#[tokio::test]
async fn two_local_receivers_never_get_the_same_message() {
    let pool = local::open_pool(&temp_dir().join("q.db")).await.unwrap();
    let q = Arc::new(LocalQueue::new(pool, "orders", Duration::from_secs(30), None));
    for i in 0..50 {
        q.send(Outgoing::new(format!("m{i}"))).await.unwrap();
    }
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let q = q.clone();
            tokio::spawn(async move {
                let mut got = Vec::new();
                loop {
                    let batch = q.receive(3, Duration::ZERO).await.unwrap();
                    if batch.is_empty() {
                        return got;
                    }
                    got.extend(batch.into_iter().map(|m| m.body));
                }
            })
        })
        .collect();
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    all.sort();
    let mut unique_bodies = all.clone();
    unique_bodies.dedup();
    assert_eq!(all.len(), 50);
    assert_eq!(unique_bodies.len(), 50, "no message delivered twice while in flight");
}
