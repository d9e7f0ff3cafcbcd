//! The chaos suite's verdict. After the traffic it waits (bounded) until
//! every accepted order is final, no authorization is orphaned and the
//! order queues are empty, then checks the stores themselves (PostgreSQL,
//! DynamoDB, SQS), never the server's answers: lost, duplicated, oversold
//! and leaked stock, wrong charges, holds never released, unexpected dead
//! letters, and the merchant's line refunds (`refunds.rs`). A defect is any
//! non-zero count among those.

use super::aws::{retry, Sku, POISON};
use super::faults::Counts;
use super::shoppers::Traffic;
use super::stack::Stack;
use super::Options;
use sqlx::PgPool;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

const FINAL: [&str; 4] = ["confirmed", "rejected", "cancelled", "refunded"];

#[derive(Debug, Default)]
pub struct Report {
    pub accepted: usize,
    pub checkouts_rows: Option<usize>,
    pub confirmed: usize,
    pub rejected: usize,
    pub rejected_sold_out: usize,
    /// Scarce SKUs: "sku start → confirmed (end)".
    pub scarce: Vec<String>,
    pub other: BTreeMap<String, usize>,
    pub lost: Vec<String>,
    pub dup_carts: usize,
    pub orders_without_checkout: usize,
    pub oversold: Vec<String>,
    pub leaked: Vec<String>,
    pub undercharged: usize,
    pub overcharged: usize,
    pub charge_detail: BTreeMap<String, usize>,
    /// The code's uses taken (limit − left) against the confirmed orders
    /// holding it: a mismatch is a use leaked or an order over the limit.
    pub code_uses: Vec<String>,
    /// Confirmed orders whose total is not lines − discount + shipping +
    /// the run's tax (`mispriced`).
    pub mispriced: Vec<String>,
    pub code_confirmed: i64,
    pub unvoided_rejected: usize,
    pub orphan_auths: usize,
    pub dlq_poison: usize,
    pub dlq_unexpected: usize,
    pub refunds: super::refunds::Audit,
    pub drain: Duration,
    pub drained: &'static str,
    pub notes: Vec<String>,
}

struct Order {
    status: String,
    reason: Option<String>,
    auth: String,
    total: i64,
    /// (subtotal, discount, shipping, tax), minor units.
    parts: (i64, i64, i64, i64),
}

struct Stores {
    checkouts: Option<Vec<(String, String)>>,
    orders: BTreeMap<String, Order>,
    /// auth id → (status, captured amount)
    payments: BTreeMap<String, (String, Option<i64>)>,
}

async fn read(pool: &PgPool) -> Result<Stores, String> {
    let checkouts =
        sqlx::query_as::<_, (String, String)>("SELECT order_id, cart_id FROM checkouts").fetch_all(pool).await.ok();
    let q = "SELECT id, status, reason, payment_auth, total_minor, subtotal_minor, discount_minor, shipping_minor, tax_minor FROM orders";
    type Row = (String, String, Option<String>, String, i64, i64, i64, i64, i64);
    let orders = sqlx::query_as::<_, Row>(q)
        .fetch_all(pool)
        .await
        .map_err(|e| format!("orders: {e}"))?
        .into_iter()
        .map(|(id, status, reason, auth, total, sub, disc, ship, tax)| {
            (id, Order { status, reason, auth, total, parts: (sub, disc, ship, tax) })
        })
        .collect();
    let q = "SELECT auth_id, status, captured_minor FROM payments";
    let payments = match sqlx::query_as::<_, (String, String, Option<i64>)>(q).fetch_all(pool).await {
        Ok(rows) => rows,
        // Before the captured amount was recorded.
        Err(_) => {
            sqlx::query_as::<_, (String, String, Option<i64>)>("SELECT auth_id, status, NULL::BIGINT FROM payments")
                .fetch_all(pool)
                .await
                .map_err(|e| format!("payments: {e}"))?
        }
    };
    let payments = payments.into_iter().map(|(a, s, c)| (a, (s, c))).collect();
    Ok(Stores { checkouts, orders, payments })
}

fn accepted(traffic: &Traffic, s: &Stores) -> BTreeSet<String> {
    let mut ids: BTreeSet<String> = traffic.accepted.keys().cloned().collect();
    ids.extend(s.checkouts.iter().flatten().map(|(o, _)| o.clone()));
    ids
}

fn orphans(s: &Stores) -> usize {
    let used: BTreeSet<&str> = s.orders.values().map(|o| o.auth.as_str()).collect();
    s.payments.iter().filter(|(a, (st, _))| st == "authorized" && !used.contains(a.as_str())).count()
}

/// (accepted but not final, orphan authorizations, messages queued, line
/// refunds between steps)
async fn progress(pool: &PgPool, stack: &Stack, traffic: &Traffic) -> Result<(usize, usize, u64, usize), String> {
    let s = read(pool).await?;
    let pending = accepted(traffic, &s)
        .iter()
        .filter(|id| !s.orders.get(*id).is_some_and(|o| FINAL.contains(&o.status.as_str())))
        .count();
    let queued = stack.aws.depth(&stack.aws.orders_url).await? + stack.aws.depth(&stack.aws.sale_url).await?;
    Ok((pending, orphans(&s), queued, super::refunds::open(pool).await?))
}

async fn drain(pool: &PgPool, stack: &Stack, traffic: &Traffic, opts: &Options) -> (Duration, &'static str) {
    let started = Instant::now();
    let (mut last, mut since, mut printed) = (None, Instant::now(), Instant::now());
    while started.elapsed() < Duration::from_secs(opts.drain_secs) {
        match progress(pool, stack, traffic).await {
            Ok((0, 0, 0, 0)) => return (started.elapsed(), "complete"),
            Ok(p) => {
                if last != Some(p) {
                    (last, since) = (Some(p), Instant::now());
                }
                if printed.elapsed() >= Duration::from_secs(10) {
                    printed = Instant::now();
                    println!(
                        "drain +{:>3} s: {} accepted not final, {} holds without an order, {} queued, {} refunds between steps",
                        started.elapsed().as_secs(),
                        p.0,
                        p.1,
                        p.2,
                        p.3
                    );
                }
                // Nothing moves and nothing is queued that could still move it.
                if p.2 == 0 && since.elapsed() > Duration::from_secs(60) {
                    return (started.elapsed(), "stalled (no progress for 60 s)");
                }
            }
            Err(e) => println!("drain: {e}"),
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    (started.elapsed(), "timed out")
}

pub async fn run(
    stack: &Stack,
    skus: &[Sku],
    traffic: &Traffic,
    merchant: &super::refunds::Asked,
    faults: &Counts,
    opts: &Options,
) -> Result<Report, String> {
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(3)
        .acquire_timeout(Duration::from_secs(15))
        .connect(&stack.pg.url)
        .await
        .map_err(|e| format!("audit: {e}"))?;
    let (drain_time, drained) = drain(&pool, stack, traffic, opts).await;
    if opts.inject {
        for d in super::inject::run(stack, &pool, skus).await? {
            println!("injected {d}");
        }
    }
    let s = retry("database", || read(&pool)).await?;
    let mut r =
        Report { drain: drain_time, drained, checkouts_rows: s.checkouts.as_ref().map(Vec::len), ..Default::default() };
    let ids = accepted(traffic, &s);
    r.accepted = ids.len();
    for o in s.orders.values() {
        match o.status.as_str() {
            "confirmed" => r.confirmed += 1,
            "rejected" => {
                r.rejected += 1;
                if o.reason.as_deref().is_some_and(|w| w.contains("sold out")) {
                    r.rejected_sold_out += 1;
                }
            }
            other => *r.other.entry(other.to_string()).or_default() += 1,
        }
    }
    r.lost = ids
        .iter()
        .filter(|id| !s.orders.get(*id).is_some_and(|o| FINAL.contains(&o.status.as_str())))
        .cloned()
        .collect();

    // Duplicates: one cart, one order; every order from a checkout; one id per shopper.
    match &s.checkouts {
        Some(rows) => {
            let mut per_cart: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
            for (order, cart) in rows {
                per_cart.entry(cart.as_str()).or_default().insert(order.as_str());
            }
            r.dup_carts = per_cart.values().filter(|o| o.len() > 1).count();
            let known: BTreeSet<&str> = rows.iter().map(|(o, _)| o.as_str()).collect();
            r.orders_without_checkout = s.orders.keys().filter(|id| !known.contains(id.as_str())).count();
        }
        None => r.notes.push("no `checkouts` table: the carts and outbox checks were skipped".into()),
    }

    // Line refunds, audited before the stock: the units they restocked count there.
    let paid: BTreeMap<String, (String, Option<i64>)> = s
        .orders
        .iter()
        .map(|(id, o)| (id.clone(), (o.auth.clone(), s.payments.get(&o.auth).and_then(|p| p.1))))
        .collect();
    r.refunds = super::refunds::audit(&pool, &paid, merchant).await?;

    // Stock: straight from the table, against the units sold (confirmed
    // orders, and orders refunded line by line: only what those restocked
    // came back) less the units line refunds restocked.
    let confirmed: BTreeMap<String, i64> = sqlx::query_as::<_, (String, i64)>(
        "SELECT l.sku, SUM(l.quantity)::BIGINT FROM order_lines l JOIN orders o ON o.id = l.order_id \
         WHERE o.status = 'confirmed' \
            OR (o.status = 'refunded' AND EXISTS (SELECT 1 FROM order_refunds r WHERE r.order_id = o.id)) \
         GROUP BY l.sku",
    )
    .fetch_all(&pool)
    .await
    .map_err(|e| format!("order_lines: {e}"))?
    .into_iter()
    .collect();
    for sku in skus {
        let end = retry("stock", || stack.aws.stock(&sku.product_id, &sku.sku)).await?.unwrap_or(i64::MIN);
        let restocked = r.refunds.restocked.get(&sku.sku).copied().unwrap_or(0);
        let sold = confirmed.get(&sku.sku).copied().unwrap_or(0) - restocked;
        if sku.scarce {
            r.scarce.push(format!("{} {} → {} sold ({} left)", sku.sku, sku.start, sold, end));
        }
        if end < 0 || sold > sku.start {
            r.oversold.push(format!("{}: start {}, end {}, sold less restocked {}", sku.sku, sku.start, end, sold));
        }
        if sku.start - end != sold {
            r.leaked.push(format!(
                "{}: start {} − end {} = {} ≠ sold less restocked {}",
                sku.sku,
                sku.start,
                end,
                sku.start - end,
                sold
            ));
        }
    }

    // The discount code: uses taken = confirmed orders holding it (line
    // refunds keep the use, even when they refund everything), never over its limit.
    let with_code: i64 = sqlx::query_scalar(
        "SELECT COUNT(*)::BIGINT FROM orders o WHERE promo_code = $1 AND (status = 'confirmed' \
             OR (status = 'refunded' AND EXISTS (SELECT 1 FROM order_refunds r WHERE r.order_id = o.id)))",
    )
    .bind(super::aws::CODE)
    .fetch_one(&pool)
    .await
    .map_err(|e| format!("orders.promo_code: {e}"))?;
    let limit = super::aws::code_limit(opts.orders);
    let left = retry("code counter", || stack.aws.code_left()).await?.unwrap_or(i64::MIN);
    r.code_confirmed = with_code;
    if left < 0 || with_code > limit || limit - left != with_code {
        r.code_uses.push(format!("limit {limit} − left {left} ≠ {with_code} confirmed orders with the code"));
    }

    // Payments: confirmed → captured for exactly the total; rejected → voided; no hold left over.
    for o in s.orders.values() {
        let p = s.payments.get(&o.auth);
        if o.status == "confirmed" {
            let why = match p {
                None => Some("no payment row".to_string()),
                Some((st, _)) if st != "captured" => Some(format!("payment {st}")),
                Some((_, None)) => Some("captured amount not recorded".to_string()),
                Some((_, Some(c))) if *c != o.total => Some("captured amount ≠ order total".to_string()),
                _ => None,
            };
            if let Some(why) = why {
                match p {
                    Some((_, Some(c))) if *c > o.total => r.overcharged += 1,
                    _ => r.undercharged += 1,
                }
                *r.charge_detail.entry(why).or_default() += 1;
            }
        }
        if o.status == "confirmed" {
            if let Some(why) = mispriced(o) {
                r.mispriced.push(why);
            }
        }
        if o.status == "rejected" && p.is_some_and(|(st, _)| st != "voided") {
            r.unvoided_rejected += 1;
        }
    }
    r.orphan_auths = orphans(&s);

    let dead = retry("dead letters", || stack.aws.dead_letters()).await?;
    r.dlq_poison = dead.iter().filter(|b| b.contains(POISON)).count();
    r.dlq_unexpected = dead.len() - r.dlq_poison;
    if r.dlq_poison < faults.poison_sent {
        r.notes.push(format!(
            "{} of {} poisoned messages are not in the dead-letter queue",
            faults.poison_sent - r.dlq_poison,
            faults.poison_sent
        ));
    }
    pool.close().await;
    Ok(r)
}

/// Why a confirmed order's stored money does not add up, if it does not:
/// the total must be subtotal − discount + shipping + tax (the run's tax is
/// added to prices), and the tax the run's rate of what was paid for
/// (goods after the discount, and shipping), give or take the per-line
/// rounding (half a minor unit per line, a chaos cart has one or two, and
/// on shipping, plus this estimate's own truncation: 3 minor units).
fn mispriced(o: &Order) -> Option<String> {
    let (sub, disc, ship, tax) = o.parts;
    if o.total != sub - disc + ship + tax {
        return Some(format!("total {} ≠ {sub} − {disc} + {ship} + {tax}", o.total));
    }
    let rate = i128::from(super::aws::TAX_RATE);
    let exact = i128::from(sub - disc + ship) * rate / 100_000;
    (i128::from(tax) - exact)
        .abs()
        .gt(&3)
        .then(|| format!("tax {tax} for {} at {}%, expected about {exact}", sub - disc + ship, rate / 1000))
}
