//! The chaos suite's fault loop: while shoppers shop, one fault at a time,
//! each class in a shuffled order per round, bounded in count
//! (`--faults-per-class`) and time (`--seconds-per-fault`): SIGKILL a worker
//! (its supervisor starts it again), kill and restart Redis, freeze moto
//! with SIGSTOP/SIGCONT (never restarted: its state is in memory), restart
//! the private PostgreSQL, fail the payment provider for a while (the
//! `test_payments.outage_until` switch in `app_meta`), and send malformed
//! messages to the order queue. Every fault is counted by class.

use super::stack::Stack;
use super::Options;
use shop::catalog::seed::Rng;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

pub const CLASSES: usize = 6;
const NAMES: [&str; CLASSES] =
    ["worker SIGKILL", "Redis restart", "moto freeze", "PostgreSQL restart", "payment outage", "poisoned messages"];

#[derive(Debug, Default, Clone)]
pub struct Counts {
    /// Per class (see `NAMES`): how many times it was applied.
    pub applied: [usize; CLASSES],
    pub poison_sent: usize,
    pub notes: Vec<String>,
}

impl Counts {
    pub fn rows(&self) -> Vec<(&'static str, usize)> {
        NAMES.iter().copied().zip(self.applied.iter().copied()).collect()
    }
}

async fn outage(url: &str, until: u64) -> Result<(), String> {
    use sqlx::Connection;
    let mut last = String::new();
    for _ in 0..5 {
        match sqlx::PgConnection::connect(url).await {
            Ok(mut c) => {
                let q = "INSERT INTO app_meta (key, value) VALUES ('test_payments.outage_until', $1) \
                         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value";
                match sqlx::query(q).bind(until.to_string()).execute(&mut c).await {
                    Ok(_) => return Ok(()),
                    Err(e) => last = e.to_string(),
                }
            }
            Err(e) => last = e.to_string(),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    Err(last)
}

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// Apply fault `class` once; Ok(false) when it could not apply here.
async fn apply(class: usize, stack: &Stack, s: Duration, r: &mut Rng, c: &mut Counts) -> Result<bool, String> {
    match class {
        0 => {
            let n = stack.worker_count().await;
            Ok(stack.kill_worker(r.below(n.max(1))).await)
        }
        1 => stack.restart_redis(s.min(Duration::from_secs(2))).await.map(|_| true),
        2 => {
            if !stack.freeze_moto(true) {
                return Ok(false);
            }
            tokio::time::sleep(s).await;
            if !stack.freeze_moto(false) {
                return Err("moto did not take SIGCONT".into());
            }
            Ok(true)
        }
        3 => {
            if !stack.pg.can_restart() {
                return Ok(false);
            }
            let immediate = c.applied[3] % 2 == 1;
            stack.pg.restart(immediate).await.map(|_| true)
        }
        4 => {
            outage(&stack.pg.url, unix_now() + s.as_secs()).await?;
            tokio::time::sleep(s).await;
            Ok(true)
        }
        _ => {
            let sent = stack.aws.poison(2, c.poison_sent).await;
            c.poison_sent += sent;
            Ok(sent > 0)
        }
    }
}

/// Run every class `opts.faults_per_class` times; stop early once the
/// traffic is over and every class has run at least once.
pub async fn run(stack: Arc<Stack>, opts: Options, done: watch::Receiver<bool>) -> Counts {
    let started = Instant::now();
    let s = Duration::from_secs(opts.fault_secs.max(1));
    let mut r = Rng(opts.seed ^ 0xFA17);
    let mut c = Counts::default();
    tokio::time::sleep(s / 2).await; // let the first orders through
    for round in 0..opts.faults_per_class {
        let mut order: Vec<usize> = (0..CLASSES).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, r.below(i + 1));
        }
        for class in order {
            if round > 0 && *done.borrow() {
                return c;
            }
            let at = started.elapsed().as_secs();
            match apply(class, &stack, s, &mut r, &mut c).await {
                Ok(true) => {
                    c.applied[class] += 1;
                    println!("[fault +{at:>4} s] {} ({} so far)", NAMES[class], c.applied[class]);
                }
                Ok(false) => {
                    let why = match class {
                        3 => "skipped: the database is on the shared server, which other tests use",
                        _ => "could not be applied (its process was down)",
                    };
                    let note = format!("{} {why}", NAMES[class]);
                    if !c.notes.contains(&note) {
                        println!("note: {note}");
                        c.notes.push(note);
                    }
                }
                Err(e) => {
                    println!("[fault +{at:>4} s] {} failed: {e}", NAMES[class]);
                    c.notes.push(format!("{} failed once: {}", NAMES[class], e.chars().take(160).collect::<String>()));
                }
            }
            tokio::time::sleep(s).await;
        }
    }
    c
}
