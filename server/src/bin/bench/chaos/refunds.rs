//! The chaos suite's merchant, and the audit of what it did. While shoppers
//! check out and faults fly, a signed-in merchant refunds one unit of a
//! line of a random confirmed order through the admin form (`refund-lines`),
//! half the time putting it back into stock, sometimes with the shipping,
//! and sometimes sending the same form twice at once (a double click). Each
//! form carries its one-time key, as the admin page renders it.
//! Refunds land while PostgreSQL restarts and the payment provider is down,
//! so some stop between their steps and the reconciler has to finish them.
//!
//! The audit then reads the stores: every refund finished and came from
//! one form (a double click made one refund, never two); each reached the
//! provider exactly once, for its amount and on its order's payment; the
//! provider holds no refund the shop has no record of; no payment gave back
//! more than it captured; and the units restocked (which the stock check
//! counts) are the ones the finished refunds say.

use super::stack::Stack;
use shop::catalog::seed::Rng;
use sqlx::PgPool;
use std::collections::BTreeMap;
use std::time::Duration;

const EMAIL: &str = "chaos-merchant@example.com";
const PASSWORD: &str = "chaos merchant password";

/// What the merchant sent, and the answers by kind.
#[derive(Debug, Default)]
pub struct Asked {
    pub forms: usize,
    /// The refund ids the forms' keys stand for (`rf-<key>`).
    pub ids: std::collections::BTreeSet<String>,
    pub double_clicks: usize,
    pub answers: BTreeMap<String, usize>,
    pub notes: Vec<String>,
}

async fn sign_in(client: &reqwest::Client, base: &str) -> Result<String, String> {
    let resp = client
        .post(format!("{base}/account/sign-in"))
        .header("origin", base)
        .form(&[("email", EMAIL), ("password", PASSWORD)])
        .send()
        .await
        .map_err(|e| format!("merchant sign-in: {e}"))?;
    resp.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("sf_session=") && !v.starts_with("sf_session=;"))
        .map(|v| v.split(';').next().unwrap_or_default().to_string())
        .ok_or_else(|| format!("merchant sign-in: no session cookie (status {})", resp.status()))
}

/// A confirmed order and one of its lines: (order id, sku).
async fn pick(pool: &PgPool) -> Option<(String, String)> {
    sqlx::query_as(
        "SELECT o.id, l.sku FROM orders o JOIN order_lines l ON l.order_id = o.id \
         WHERE o.status = 'confirmed' ORDER BY random() LIMIT 1",
    )
    .fetch_optional(pool)
    .await
    .ok()
    .flatten()
}

async fn send(client: &reqwest::Client, base: &str, cookie: &str, order: &str, form: &[(String, String)]) -> String {
    let sent = client
        .post(format!("{base}/admin/orders/{order}/refund-lines"))
        .header("origin", base)
        .header("cookie", cookie)
        .form(form)
        .send()
        .await;
    match sent {
        Ok(r) => r.status().as_u16().to_string(),
        Err(e) if e.is_timeout() => "timeout".into(),
        Err(_) => "no answer".into(),
    }
}

/// Refund until `stop` flips, one form about every `pace`.
pub async fn run(
    stack: &Stack,
    pool: &PgPool,
    seed: u64,
    pace: Duration,
    stop: tokio::sync::watch::Receiver<bool>,
) -> Asked {
    let mut asked = Asked::default();
    if let Err(e) = stack.create_merchant(EMAIL, PASSWORD).await {
        asked.notes.push(format!("no merchant, no refunds: {e}"));
        return asked;
    }
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap_or_default();
    let base = stack.base_url();
    let mut cookie = None;
    let mut rng = Rng(seed ^ 0x5eed_f00d);
    while !*stop.borrow() {
        tokio::time::sleep(pace).await;
        if cookie.is_none() {
            match sign_in(&client, &base).await {
                Ok(c) => cookie = Some(c),
                Err(e) => {
                    *asked.answers.entry(e).or_default() += 1;
                    continue;
                }
            }
        }
        let Some((order, sku)) = pick(pool).await else { continue };
        let key = format!("chaos-{seed}-{}", asked.forms);
        asked.ids.insert(format!("rf-{key}"));
        let mut form = vec![
            ("key".to_string(), key),
            (format!("qty.{sku}"), "1".to_string()),
            (format!("restock.{sku}"), if rng.below(2) == 0 { "1" } else { "0" }.to_string()),
            ("reason".to_string(), "chaos: one unit back".to_string()),
        ];
        if rng.below(4) == 0 {
            form.push(("shipping".to_string(), "on".to_string()));
        }
        let cookie = cookie.as_deref().unwrap_or_default();
        asked.forms += 1;
        let answers = if rng.below(10) < 3 {
            asked.double_clicks += 1;
            let (a, b) =
                tokio::join!(send(&client, &base, cookie, &order, &form), send(&client, &base, cookie, &order, &form));
            vec![a, b]
        } else {
            vec![send(&client, &base, cookie, &order, &form).await]
        };
        for a in answers {
            *asked.answers.entry(a).or_default() += 1;
        }
    }
    asked
}

/// Refunds not finished yet (the drain waits for them).
pub async fn open(pool: &PgPool) -> Result<usize, String> {
    sqlx::query_scalar::<_, i64>("SELECT COUNT(*)::BIGINT FROM order_refunds WHERE step <> 'done'")
        .fetch_one(pool)
        .await
        .map(|n| n as usize)
        .map_err(|e| format!("order_refunds: {e}"))
}

/// What the stores say about line refunds.
#[derive(Debug, Default)]
pub struct Audit {
    pub finished: usize,
    pub amount: i64,
    /// Refunds left between steps.
    pub unfinished: Vec<String>,
    /// Refunds that no form's key stands for: a form sent twice made two.
    pub unkeyed: Vec<String>,
    /// A refund the provider has not (or has for another amount or
    /// payment), or one the provider made that the shop has no record of.
    pub mismatched: Vec<String>,
    /// Payments whose refunds add up to more than they captured.
    pub over_refunded: Vec<String>,
    /// Units put back into stock by finished refunds, per SKU.
    pub restocked: BTreeMap<String, i64>,
}

impl Audit {
    pub fn defects(&self) -> usize {
        self.unfinished.len() + self.unkeyed.len() + self.mismatched.len() + self.over_refunded.len()
    }
}

/// `orders`: order id → (payment auth, captured amount if known); `asked`:
/// what the merchant sent.
pub async fn audit(
    pool: &PgPool,
    orders: &BTreeMap<String, (String, Option<i64>)>,
    asked: &Asked,
) -> Result<Audit, String> {
    type ShopRow = (String, String, i64, String, String);
    let shop: Vec<ShopRow> = sqlx::query_as("SELECT id, order_id, amount_minor, step, plan FROM order_refunds")
        .fetch_all(pool)
        .await
        .map_err(|e| format!("order_refunds: {e}"))?;
    let provider: BTreeMap<String, (String, i64)> =
        sqlx::query_as::<_, (String, String, i64)>("SELECT refund_id, auth_id, amount_minor FROM payment_refunds")
            .fetch_all(pool)
            .await
            .map_err(|e| format!("payment_refunds: {e}"))?
            .into_iter()
            .map(|(id, auth, n)| (id, (auth, n)))
            .collect();
    let mut a = Audit::default();
    for (id, order, amount, step, plan) in &shop {
        if step != "done" {
            a.unfinished.push(format!("{id} of {order} at step {step}"));
            continue;
        }
        a.finished += 1;
        a.amount += amount;
        if !asked.ids.contains(id) {
            a.unkeyed.push(format!("{id} of {order}"));
        }
        let auth = orders.get(order).map(|o| o.0.as_str());
        match provider.get(id) {
            Some((p_auth, n)) if Some(p_auth.as_str()) == auth && n == amount => {}
            Some((p_auth, n)) => {
                a.mismatched.push(format!("{id}: shop {amount} on {auth:?}, provider {n} on {p_auth}"))
            }
            None => a.mismatched.push(format!("{id} of {order}: {amount} recorded, never refunded")),
        }
        let plan: serde_json::Value = serde_json::from_str(plan).map_err(|e| format!("plan of {id}: {e}"))?;
        for line in plan["lines"].as_array().into_iter().flatten() {
            let (sku, n) = (line["sku"].as_str().unwrap_or_default(), line["restock"].as_i64().unwrap_or(0));
            *a.restocked.entry(sku.to_string()).or_default() += n;
        }
    }
    let recorded: std::collections::BTreeSet<&str> = shop.iter().map(|r| r.0.as_str()).collect();
    for (id, (auth, n)) in &provider {
        if !recorded.contains(id.as_str()) {
            a.mismatched.push(format!("{id}: the provider refunded {n} on {auth}, the shop has no record"));
        }
    }
    let mut per_auth: BTreeMap<&str, i64> = BTreeMap::new();
    for (auth, n) in provider.values() {
        *per_auth.entry(auth.as_str()).or_default() += n;
    }
    for (auth, captured) in orders.values() {
        let refunded = per_auth.get(auth.as_str()).copied().unwrap_or(0);
        if refunded > captured.unwrap_or(0) {
            a.over_refunded.push(format!("{auth}: refunded {refunded} of {} captured", captured.unwrap_or(0)));
        }
    }
    Ok(a)
}
