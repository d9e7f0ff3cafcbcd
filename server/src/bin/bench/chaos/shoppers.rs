//! Shoppers for the chaos suite: each one a browser with its own cart
//! cookie, adding one or two lines through the app's server functions and
//! checking out with a test card, retrying a failed checkout with the SAME
//! idempotency key as a browser retry would. Every order id the server
//! called accepted is recorded here, so the audit can tell a lost order
//! from one that never was.

use super::aws::Sku;
use super::Options;
use leptos::server_fn::ServerFn;
use serde_json::{json, Value};
use shop::catalog::seed::Rng;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const TRIES: u32 = 6;

/// Test cards and the share of shoppers using each (see adapters/src/payments.rs).
pub const CARDS: &[(&str, &str, f64)] = &[
    ("4242424242424242", "ok", 0.78),
    ("4000000000000002", "declined at checkout", 0.07),
    ("4000000000009995", "declined at capture", 0.08),
    ("4000000000000119", "transient at capture", 0.07),
];

#[derive(Debug, Default)]
pub struct Traffic {
    pub attempted: usize,
    /// Order id → shopper index, for every order the server reported accepted.
    pub accepted: BTreeMap<String, usize>,
    /// Shoppers told more than one order id for their one checkout.
    pub told_two_ids: usize,
    pub declined: usize,
    pub refused: usize,
    pub empty_cart: usize,
    pub gave_up: usize,
    pub invalid: usize,
    /// Checkout requests sent again with the same key after a transient failure.
    pub retries: usize,
    pub cart_retries: usize,
    /// Shoppers whose cart took the discount code before checkout.
    pub with_code: usize,
    /// Refusal and failure messages, by text.
    pub messages: BTreeMap<String, usize>,
}

enum Ending {
    Accepted,
    Declined,
    Refused(String),
    EmptyCart(String),
    GaveUp(String),
    Invalid(String),
}

struct Shopper<'a> {
    client: &'a reqwest::Client,
    base: &'a str,
    cookie: Option<String>,
}

impl Shopper<'_> {
    /// POST a server function; Err only for a transient failure.
    async fn call(&mut self, path: &str, body: &Value) -> Result<Value, String> {
        let (status, text) = crate::browser::post_json(self.client, self.base, &mut self.cookie, path, body).await?;
        if status >= 500 || status == 429 {
            return Err(format!("HTTP {status}: {}", text.chars().take(120).collect::<String>()));
        }
        if status != 200 {
            return Ok(json!({ "Refused": format!("HTTP {status}: {}", text.chars().take(120).collect::<String>()) }));
        }
        serde_json::from_str(&text)
            .map_err(|e| format!("bad JSON ({e}): {}", text.chars().take(120).collect::<String>()))
    }

    /// Add a line; Err(why) when the shop refused it or kept failing.
    async fn add(&mut self, sku: &Sku, quantity: u32, retries: &mut usize) -> Result<(), String> {
        let path = app::cart_api::AddToCart::PATH;
        let body = json!({ "product_id": sku.product_id, "sku": sku.sku, "quantity": quantity });
        let mut last = String::new();
        for attempt in 0..TRIES {
            match self.call(path, &body).await {
                Ok(v) if v.get("Done").is_some() => return Ok(()),
                Ok(v) => {
                    return Err(v.get("Refused").and_then(Value::as_str).unwrap_or("unexpected answer").to_string())
                }
                Err(e) => {
                    last = e;
                    *retries += 1;
                    tokio::time::sleep(backoff(attempt)).await;
                }
            }
        }
        Err(format!("gave up: {last}"))
    }

    /// Apply the run's discount code (best effort: a refusal, such as the
    /// code being used up, leaves the cart as it was).
    async fn apply_code(&mut self) -> bool {
        let body = json!({ "code": super::aws::CODE });
        matches!(self.call(app::cart_api::ApplyCode::PATH, &body).await, Ok(v) if v.get("Ok").is_some())
    }

    async fn checkout(
        &mut self,
        i: usize,
        key: &str,
        card: &str,
        ids: &mut BTreeSet<String>,
        retries: &mut usize,
    ) -> Ending {
        let path = app::cart_api::PlaceOrder::PATH;
        let body = json!({ "input": {
            "email": format!("shopper{i}@example.com"),
            "address": { "name": "Chaos Shopper", "line1": "1 Loop St", "line2": "", "city": "Porto", "postal_code": "4000", "country": "PT" },
            "shipping": "standard",
            "card_number": card,
            "idempotency_key": key,
        }});
        let mut last = String::new();
        for attempt in 0..TRIES {
            if attempt > 0 {
                *retries += 1;
                tokio::time::sleep(backoff(attempt - 1)).await;
            }
            let v = match self.call(path, &body).await {
                Ok(v) => v,
                Err(e) => {
                    last = e;
                    continue;
                }
            };
            if let Some(id) = v.pointer("/Accepted/order_id").and_then(Value::as_str) {
                ids.insert(id.to_string());
                return Ending::Accepted;
            }
            if let Some(fields) = v.get("Invalid") {
                return Ending::Invalid(fields.to_string());
            }
            let msg = v.get("Refused").and_then(Value::as_str).unwrap_or("unexpected answer").to_string();
            let lower = msg.to_lowercase();
            if lower.contains("declined") {
                return Ending::Declined;
            }
            if lower.contains("unavailable") || lower.contains("try again") {
                last = msg;
                continue; // transient: the same key again, as a browser retry would
            }
            return Ending::Refused(msg);
        }
        Ending::GaveUp(last)
    }
}

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis((300u64 << attempt.min(4)).min(4000))
}

fn card(r: &mut Rng) -> &'static str {
    let mut u = r.unit();
    for (number, _, share) in CARDS {
        if u < *share {
            return number;
        }
        u -= share;
    }
    CARDS[0].0
}

async fn shop(i: usize, client: &reqwest::Client, base: &str, skus: &[Sku], seed: u64, t: &Mutex<Traffic>) {
    let mut r = Rng(seed ^ (i as u64).wrapping_mul(0x9E37_79B9));
    let scarce: Vec<&Sku> = skus.iter().filter(|s| s.scarce).collect();
    let plenty: Vec<&Sku> = skus.iter().filter(|s| !s.scarce).collect();
    let mut lines: Vec<(&Sku, u32)> = Vec::new();
    let wants_scarce = r.unit() < 0.6;
    if wants_scarce {
        lines.push((scarce[r.below(scarce.len())], 1 + r.below(2) as u32));
    }
    if !wants_scarce || r.unit() < 0.5 {
        lines.push((plenty[r.below(plenty.len())], 1 + r.below(3) as u32));
    }
    let mut s = Shopper { client, base, cookie: None };
    let (mut cart_retries, mut retries, mut added, mut why) = (0, 0, 0, String::new());
    for (sku, q) in lines {
        match s.add(sku, q, &mut cart_retries).await {
            Ok(()) => added += 1,
            Err(e) => why = e,
        }
    }
    if added > 0 && r.unit() < 0.3 && s.apply_code().await {
        t.lock().unwrap_or_else(|p| p.into_inner()).with_code += 1;
    }
    let mut ids = BTreeSet::new();
    let ending = if added == 0 {
        Ending::EmptyCart(why)
    } else {
        let key = format!("chaos-{seed:x}-{i}");
        s.checkout(i, &key, card(&mut r), &mut ids, &mut retries).await
    };
    let mut t = t.lock().unwrap_or_else(|p| p.into_inner());
    t.attempted += 1;
    t.retries += retries;
    t.cart_retries += cart_retries;
    if ids.len() > 1 {
        t.told_two_ids += 1;
    }
    for id in ids {
        t.accepted.insert(id, i);
    }
    let message = match ending {
        Ending::Accepted => None,
        Ending::Declined => {
            t.declined += 1;
            None
        }
        Ending::EmptyCart(m) => {
            t.empty_cart += 1;
            Some(format!("empty cart: {m}"))
        }
        Ending::Refused(m) => {
            t.refused += 1;
            Some(format!("refused: {m}"))
        }
        Ending::GaveUp(m) => {
            t.gave_up += 1;
            Some(format!("gave up: {m}"))
        }
        Ending::Invalid(m) => {
            t.invalid += 1;
            Some(format!("invalid: {m}"))
        }
    };
    if let Some(m) = message {
        *t.messages.entry(m.chars().take(100).collect()).or_default() += 1;
    }
}

/// `opts.orders` shoppers, `opts.concurrency` at a time, their starts spread over `spread`.
pub async fn run(base: &str, skus: &[Sku], opts: &Options, spread: Duration) -> Traffic {
    let client = match reqwest::Client::builder().timeout(Duration::from_secs(40)).build() {
        Ok(c) => c,
        Err(_) => reqwest::Client::new(),
    };
    let traffic = Arc::new(Mutex::new(Traffic::default()));
    let next = Arc::new(AtomicUsize::new(0));
    let start = tokio::time::Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..opts.concurrency.min(opts.orders) {
        let (client, base, skus, traffic, next) =
            (client.clone(), base.to_string(), skus.to_vec(), traffic.clone(), next.clone());
        // Small waves: buyers of a scarce SKU race each other, and traffic still
        // overlaps every fault window.
        let (n, seed, wave) = (opts.orders, opts.seed, (opts.concurrency / 4).max(1));
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= n {
                    return;
                }
                let wave_start = (i / wave * wave) as f64 / n as f64;
                tokio::time::sleep_until(start + spread.mul_f64(wave_start)).await;
                shop(i, &client, &base, &skus, seed, &traffic).await;
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let mut out = traffic.lock().unwrap_or_else(|p| p.into_inner());
    std::mem::take(&mut *out)
}
