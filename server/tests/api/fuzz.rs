//! A property test over every server function's input: random, hostile and
//! malformed arguments (a fixed seed, so a failure reproduces) must never
//! get a 5xx or crash the server.

use crate::helpers::spawn_app;
use leptos::server_fn::ServerFn;
use serde_json::{json, Value};

use shop::catalog::seed::Rng;

trait Values {
    fn string(&mut self) -> Value;
    fn number(&mut self) -> Value;
    fn any(&mut self) -> Value;
    fn one<T: Clone>(&mut self, xs: &[T]) -> T;
}

impl Values for Rng {
    fn one<T: Clone>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())].clone()
    }
    fn string(&mut self) -> Value {
        let nasty = [
            "",
            " ",
            "a",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "../../etc/passwd",
            "%00",
            "\u{0}",
            "😀",
            "x".repeat(5000).as_str().to_owned().leak(),
            "SF000001-BL-M",
            "sf000001",
            "o0123456789abcdef01234567",
            "null",
            "-1",
            "1e309",
            "\\\"",
            "{\"a\":1}",
        ];
        Value::String(self.one(&nasty).to_string())
    }
    fn number(&mut self) -> Value {
        self.one(&[
            json!(0),
            json!(-1),
            json!(1),
            json!(20),
            json!(21),
            json!(i64::MAX),
            json!(i64::MIN),
            json!(1e308),
            json!(1_000_000_000),
        ])
    }
    fn any(&mut self) -> Value {
        match self.next_u64() % 6 {
            0 => self.string(),
            1 => self.number(),
            2 => Value::Null,
            3 => json!([self.string(), self.string()]),
            4 => json!({ "k": self.string() }),
            _ => json!(true),
        }
    }
}

fn arguments(r: &mut Rng, path: &str) -> Value {
    let s = |r: &mut Rng| if r.next_u64().is_multiple_of(4) { r.any() } else { r.string() };
    let n = |r: &mut Rng| if r.next_u64().is_multiple_of(4) { r.any() } else { r.number() };
    match path {
        p if p.contains("load_listing") => json!({ "category": s(r), "query": [[s(r), s(r)], [s(r), s(r)]] }),
        p if p.contains("load_product") => json!({ "slug": s(r), "variant": s(r) }),
        p if p.contains("add_to_cart") => json!({ "product_id": s(r), "sku": s(r), "quantity": n(r) }),
        p if p.contains("update_cart_line") => json!({ "sku": s(r), "quantity": n(r) }),
        p if p.contains("order_status") => json!({ "id": s(r) }),
        p if p.contains("place_order") => {
            json!({ "input": { "email": s(r), "address": { "name": s(r), "line1": s(r), "line2": s(r), "city": s(r), "postal_code": s(r), "country": s(r) }, "shipping": s(r), "card_number": s(r), "idempotency_key": s(r) } })
        }
        _ => json!({}),
    }
}

#[tokio::test]
async fn no_server_function_input_gets_a_5xx() {
    let app = spawn_app(&[
        ("STOREFRONT_EDGE__RATE_LIMIT", "1000000".into()),
        ("STOREFRONT_EDGE__STRICT_LIMIT", "1000000".into()),
    ])
    .await;
    let paths = [
        app::api::LoadHome::PATH,
        app::api::LoadNav::PATH,
        app::api::LoadListing::PATH,
        app::api::LoadProduct::PATH,
        app::cart_api::CartCount::PATH,
        app::cart_api::LoadCart::PATH,
        app::cart_api::AddToCart::PATH,
        app::cart_api::UpdateCartLine::PATH,
        app::cart_api::PlaceOrder::PATH,
        app::cart_api::OrderStatus::PATH,
        app::account::MyAccount::PATH,
        app::forms::LoadForm::PATH,
        app::admin::api::AdminDashboard::PATH,
        app::admin::api::AdminProducts::PATH,
        app::admin::api::AdminOrders::PATH,
        app::admin::api::AdminQueues::PATH,
    ];
    let mut r = Rng(42);
    let mut sent = 0;
    for round in 0..40 {
        for path in paths {
            let body = if round % 10 == 9 { r.any().to_string() } else { arguments(&mut r, path).to_string() };
            let resp = app
                .client
                .post(format!("{}{path}", app.url))
                .header("content-type", "application/json")
                .header("cookie", "sf_cart=forged.0000")
                .body(body.clone())
                .send()
                .await
                .expect("the server answers");
            assert!(resp.status().as_u16() < 500, "{path} {body} -> {}", resp.status());
            sent += 1;
        }
    }
    assert_eq!(sent, 640);
    assert_eq!(app.get("/healthz").await.status(), 200, "still alive");
}
