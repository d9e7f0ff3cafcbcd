//! The shopper flows of `bench load`, after Online Boutique's load
//! generator: each step one request (or two, for a checkout) as a browser
//! sends it, with its own cart cookie and `Accept-Encoding: br, gzip`.
//! Steps are timed from the moment they were *scheduled* (open loop), so a
//! slow server shows as latency, not as fewer requests (no coordinated
//! omission).

use leptos::server_fn::ServerFn;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The mix: (step, weight).
pub const MIX: &[(Step, u32)] = &[
    (Step::Home, 1),
    (Step::Product, 10),
    (Step::Category, 3),
    (Step::Search, 2),
    (Step::ViewCart, 3),
    (Step::AddToCart, 2),
    (Step::Checkout, 1),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Home,
    Product,
    Category,
    Search,
    ViewCart,
    AddToCart,
    Checkout,
}

impl Step {
    pub fn name(self) -> &'static str {
        match self {
            Step::Home => "home",
            Step::Product => "browse a product",
            Step::Category => "category",
            Step::Search => "search",
            Step::ViewCart => "view cart",
            Step::AddToCart => "add to cart",
            Step::Checkout => "check out",
        }
    }

    pub fn pick(u: f64) -> Step {
        let total: u32 = MIX.iter().map(|(_, w)| w).sum();
        let mut at = u * f64::from(total);
        for (step, w) in MIX {
            if at < f64::from(*w) {
                return *step;
            }
            at -= f64::from(*w);
        }
        Step::Product
    }
}

/// Latencies and failures per row of the report. A row is a step, or
/// "cached page" for every page answered from the page cache.
#[derive(Default)]
pub struct Tally {
    pub rows: BTreeMap<&'static str, Vec<Duration>>,
    pub errors: BTreeMap<&'static str, usize>,
    pub first_errors: Vec<String>,
    /// Checkouts accepted (order ids), and refused because the item sold out.
    pub accepted: Vec<String>,
    pub sold_out: usize,
}

impl Tally {
    pub fn ok(&mut self, row: &'static str, took: Duration) {
        self.rows.entry(row).or_default().push(took);
    }

    pub fn error(&mut self, row: &'static str, why: String) {
        *self.errors.entry(row).or_default() += 1;
        if self.first_errors.len() < 5 {
            self.first_errors.push(format!("{row}: {why}"));
        }
    }
}

/// One shopper: a browser with its cart cookie.
pub struct Shopper<'a> {
    pub client: &'a reqwest::Client,
    pub base: &'a str,
    pub cookie: Option<String>,
}

pub enum Answer {
    Page { cached: bool },
    Json(Value),
}

impl Shopper<'_> {
    /// GET a page; Err for anything but a 200.
    pub async fn page(&mut self, path: &str) -> Result<Answer, String> {
        let mut req = self.client.get(format!("{}{path}", self.base)).header("accept-encoding", "br, gzip");
        if let Some(c) = &self.cookie {
            req = req.header("cookie", c);
        }
        let resp = req.send().await.map_err(|e| format!("GET {path}: {e}"))?;
        let status = resp.status().as_u16();
        let cached = resp.headers().get("x-page-cache").is_some_and(|v| v == "hit");
        resp.bytes().await.map_err(|e| format!("GET {path} body: {e}"))?;
        if status != 200 {
            return Err(format!("GET {path}: HTTP {status}"));
        }
        Ok(Answer::Page { cached })
    }

    /// POST a server function as the islands do; Err for a 4xx/5xx or bad JSON.
    pub async fn call(&mut self, path: &str, body: &Value) -> Result<Answer, String> {
        let (status, text) = crate::browser::post_json(self.client, self.base, &mut self.cookie, path, body)
            .await
            .map_err(|e| format!("POST {path}: {e}"))?;
        if status != 200 {
            return Err(format!("POST {path}: HTTP {status}: {}", text.chars().take(100).collect::<String>()));
        }
        serde_json::from_str(&text).map(Answer::Json).map_err(|e| format!("POST {path}: bad JSON ({e})"))
    }

    pub async fn add(&mut self, product_id: &str, sku: &str) -> Result<Answer, String> {
        let body = json!({ "product_id": product_id, "sku": sku, "quantity": 1 });
        self.call(app::cart_api::AddToCart::PATH, &body).await
    }

    pub async fn place_order(&mut self, n: usize) -> Result<Answer, String> {
        let body = json!({ "input": {
            "email": format!("load{n}@example.com"),
            "address": { "name": "Load Shopper", "line1": "1 Loop St", "line2": "", "city": "Porto", "postal_code": "4000", "country": "PT" },
            "shipping": "standard",
            "card_number": "4242424242424242",
            "idempotency_key": uuid::Uuid::new_v4().to_string(),
        }});
        self.call(app::cart_api::PlaceOrder::PATH, &body).await
    }
}

/// Record a page answer under its step, and under "cached page" too when
/// the page cache answered it, or under "browse, rendered" for a product
/// page it did not: at 100,000 products most product pages are rendered
/// where at 300 most are cached, so the browse row mixes the two; these
/// rows compare like with like across catalog sizes.
pub fn record_page(t: &Mutex<Tally>, step: Step, scheduled: Instant, answer: Result<Answer, String>) {
    let took = scheduled.elapsed();
    let mut t = t.lock().unwrap_or_else(|p| p.into_inner());
    match answer {
        Ok(Answer::Page { cached }) => {
            t.ok(step.name(), took);
            if cached {
                t.ok(CACHED, took);
            } else if step == Step::Product {
                t.ok(RENDERED, took);
            }
        }
        Ok(Answer::Json(_)) => t.ok(step.name(), took),
        Err(e) => t.error(step.name(), e),
    }
}

pub const CACHED: &str = "cached page (any step)";
pub const RENDERED: &str = "browse, rendered";

/// The outcome of an add to cart: Done, or a refusal (an error in the mix,
/// where every item is plentiful; "sold out" in the flash sale).
pub fn added(answer: &Result<Answer, String>) -> Result<(), String> {
    match answer {
        Ok(Answer::Json(v)) if v.get("Done").is_some() => Ok(()),
        Ok(Answer::Json(v)) => Err(format!("add refused: {v}")),
        Ok(Answer::Page { .. }) => Err("add answered a page".into()),
        Err(e) => Err(e.clone()),
    }
}

/// The order id of an accepted checkout, or why not (`Ok(None)`: refused
/// because an item sold out, which the flash sale expects and the mix,
/// where every item is plentiful, counts as an error).
pub fn order_of(answer: &Result<Answer, String>) -> Result<Option<String>, String> {
    match answer {
        Ok(Answer::Json(v)) => match v.pointer("/Accepted/order_id").and_then(Value::as_str) {
            Some(id) => Ok(Some(id.to_string())),
            None => {
                let why = v.to_string();
                let lower = why.to_lowercase();
                // A line that sold out between the add and the checkout is
                // "changed" ("review your cart"), as a browser shows it.
                if ["stock", "sold out", "left", "changed"].iter().any(|w| lower.contains(w)) {
                    Ok(None)
                } else {
                    Err(format!("checkout refused: {}", why.chars().take(160).collect::<String>()))
                }
            }
        },
        Ok(Answer::Page { .. }) => Err("checkout answered a page".into()),
        Err(e) => Err(e.clone()),
    }
}
