//! The merchant admin: role checks on every admin endpoint, product
//! create/edit/archive with images and field errors, stale edit forms
//! (stock sold meanwhile, another merchant's save), cancel/refund with
//! compensation, the audit log. The operations pages are in `admin_ops.rs`.

use crate::helpers::{kept_errors, location, notice_of, spawn_app, TestApp};
use app::admin::api::*;
use app::error::AppError;
use leptos::server_fn::ServerFn;
use reqwest::multipart::{Form, Part};

/// A PNG photo-like upload of `w` × `h` pixels.
fn photo(w: u32, h: u32) -> Vec<u8> {
    let img =
        image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x % 251) as u8, (y % 241) as u8, ((x + y) % 239) as u8]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img).write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

fn product_form(fields: &[(&str, &str)]) -> Form {
    fields.iter().fold(Form::new(), |f, (k, v)| f.text(k.to_string(), v.to_string()))
}

async fn save(app: &TestApp, cookie: &str, form: Form) -> reqwest::Response {
    app.client
        .post(format!("{}/admin/products/save", app.url))
        .header("origin", &app.url)
        .header("cookie", cookie)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

fn good() -> Vec<(&'static str, &'static str)> {
    vec![
        ("id", ""),
        ("title", "Harbour Rain Jacket"),
        ("brand", "Northwind"),
        ("category", "apparel/outerwear"),
        ("status", "active"),
        ("description", "Keeps the rain out."),
        ("sku_0", "HRJ-S"),
        ("options_0", "size=S"),
        ("price_0", "89.00"),
        ("stock_0", "5"),
        ("sku_1", "HRJ-M"),
        ("options_1", "size=M"),
        ("price_1", "89.00"),
        ("stock_1", "3"),
    ]
}

async fn product_count(app: &TestApp) -> usize {
    app.state.catalog.store().admin_rows().await.unwrap().len()
}

#[tokio::test]
async fn every_admin_endpoint_checks_the_role() {
    let app = spawn_app(&[]).await;
    let shopper = app.shopper("shopper@example.com").await;
    let merchant = app.merchant().await;
    let p = shop::catalog::seed::product(1);
    let fns: Vec<(&str, serde_json::Value)> = vec![
        (AdminDashboard::PATH, serde_json::json!({})),
        (AdminProducts::PATH, serde_json::json!({ "q": "", "page": 1 })),
        (AdminProduct::PATH, serde_json::json!({ "id": p.id })),
        (AdminOrders::PATH, serde_json::json!({ "status": "", "from": "", "to": "", "page": 1 })),
        (AdminOrder::PATH, serde_json::json!({ "id": "o123" })),
        (AdminQueues::PATH, serde_json::json!({})),
        (AdminAudit::PATH, serde_json::json!({ "page": 1 })),
        (AdminRecoRuns::PATH, serde_json::json!({})),
    ];
    for (path, body) in &fns {
        let (status, text) = app.call(path, "", body.clone()).await;
        assert_eq!(status, 401, "{path} anonymous");
        assert_eq!(serde_json::from_str::<AppError>(&text).ok(), Some(AppError::Unauthorized));
        let (status, text) = app.call(path, &shopper, body.clone()).await;
        assert_eq!(status, 403, "{path} shopper");
        assert_eq!(serde_json::from_str::<AppError>(&text).ok(), Some(AppError::Forbidden));
        let (status, text) = app.call(path, &merchant, body.clone()).await;
        assert_eq!(status, 200, "{path} merchant: {text}");
    }
    let posts = [
        format!("/admin/products/{}/archive", p.id),
        "/admin/orders/o123/cancel".to_string(),
        "/admin/orders/o123/refund".to_string(),
        "/admin/queues/redrive".to_string(),
        "/admin/queues/redrive/m1".to_string(),
        "/admin/recommendations/run".to_string(),
    ];
    for path in &posts {
        assert_eq!(app.form(path, "", &[]).await.status(), 401, "{path} anonymous");
        assert_eq!(app.form(path, &shopper, &[]).await.status(), 403, "{path} shopper");
    }
    for who in ["", shopper.as_str()] {
        let r = save(&app, who, product_form(&good())).await;
        assert!([401, 403].contains(&r.status().as_u16()), "save as {who:?}");
    }
    assert_eq!(app.state.catalog.store().by_id(p.id.as_str()).await.unwrap().unwrap().status.as_str(), "active");
    assert_eq!(product_count(&app).await, 60, "refused calls changed nothing");
    assert!(app.state.recommendations.runs(10).await.unwrap().is_empty(), "refused runs did not start");
    for page in
        ["/admin", "/admin/products", "/admin/orders", "/admin/queues", "/admin/audit", "/admin/recommendations"]
    {
        assert_eq!(app.text_as(page, "").await.0, 401, "{page} anonymous");
        assert_eq!(app.text_as(page, &shopper).await.0, 403, "{page} shopper");
        assert_eq!(app.text_as(page, &merchant).await.0, 200, "{page} merchant");
    }
    // The merchant's archive works and is audited.
    let r = app.form(&format!("/admin/products/{}/archive", p.id), &merchant, &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.state.catalog.store().by_id(p.id.as_str()).await.unwrap().unwrap().status.as_str(), "archived");
    assert_eq!(app.text(&format!("/p/{}", p.slug)).await.0, 404, "gone from the storefront at once");
    let audit = app.state.audit.list(10, 0).await.unwrap();
    assert_eq!(audit[0].action, "product.archive");
    assert!(audit[0].before.as_deref().unwrap().contains("active"));
}

#[tokio::test]
async fn a_merchant_creates_a_product_with_an_image_and_the_storefront_shows_it_at_once() {
    let app = spawn_app(&[]).await;
    let merchant = app.merchant().await;
    let form = product_form(&good())
        .text("image_alt", "A blue rain jacket")
        .part("image", Part::bytes(photo(1200, 900)).file_name("jacket.png").mime_str("image/png").unwrap());
    let r = save(&app, &merchant, form).await;
    assert_eq!(r.status(), 303);
    assert!(notice_of(&app, &r).await.starts_with("Saved"), "{}", location(&r));
    let (status, page) = app.text("/p/harbour-rain-jacket").await;
    assert_eq!(status, 200);
    assert!(page.contains("Harbour Rain Jacket") && page.contains("$89.00"));
    // The upload became the shop's own copies: WebP and JPEG at 400, 800 and
    // its own 1200 pixels, offered by width, with its true size.
    let src = page.split("src=\"/media/").nth(1).unwrap().split('"').next().unwrap();
    assert!(src.ends_with("-1200.jpg"), "{src}");
    let base = src.trim_end_matches("-1200.jpg");
    assert!(page
        .contains(&format!("/media/{base}-400.webp 400w, /media/{base}-800.webp 800w, /media/{base}-1200.webp 1200w")));
    assert!(page.contains("width=\"1200\"") && page.contains("height=\"900\""), "true width and height");
    for (copy, kind) in [("400.webp", "image/webp"), ("800.jpg", "image/jpeg"), ("1200.jpg", "image/jpeg")] {
        let img = app.get(&format!("/media/{base}-{copy}")).await;
        assert_eq!(img.status(), 200, "{copy}");
        assert_eq!(img.headers()["content-type"], kind);
        let back = image::load_from_memory(&img.bytes().await.unwrap()).unwrap();
        assert_eq!(back.width(), copy.split('.').next().unwrap().parse::<u32>().unwrap());
    }
    let (_, listing) = app.text("/c/apparel/outerwear").await;
    assert!(listing.contains("Harbour Rain Jacket"), "category listing updated at once");

    // Edit: price change shows at once too; the audit log has before and after.
    let id = app.state.catalog.product_by_slug("harbour-rain-jacket").await.unwrap().unwrap().id;
    let mut edit = good();
    edit[0] = ("id", id.as_str());
    edit[8] = ("price_0", "79.50");
    assert_eq!(save(&app, &merchant, product_form(&edit)).await.status(), 303);
    assert!(app.text("/p/harbour-rain-jacket").await.1.contains("$79.50"));
    let audit = app.state.audit.list(10, 0).await.unwrap();
    assert_eq!(audit[0].action, "product.update");
    assert!(
        audit[0].before.as_deref().unwrap().contains("8900") && audit[0].after.as_deref().unwrap().contains("7950")
    );
    assert_eq!(audit[1].action, "product.create");
}

#[tokio::test]
async fn bad_product_forms_get_field_errors_and_change_nothing() {
    let app = spawn_app(&[]).await;
    let merchant = app.merchant().await;
    let seeded = shop::catalog::seed::product(2);
    let taken_sku = seeded.variants[0].sku.to_string();
    let before = product_count(&app).await;
    let cases: Vec<(Vec<(&str, &str)>, Option<Part>, &str)> = vec![
        (vec![("title", "")], None, "title"),
        (vec![("price_0", "-5")], None, "variants[0].price"),
        (vec![("slug", seeded.slug.as_str())], None, "slug"),
        (vec![("sku_1", taken_sku.as_str())], None, "variants[1].sku"),
        (vec![("stock_0", "lots")], None, "variants[0].stock"),
        (vec![], Some(Part::bytes(vec![0u8; 3 * 1024 * 1024]).file_name("huge.png")), "image"),
        (vec![], Some(Part::bytes(b"<svg onload=alert(1)>".to_vec()).file_name("x.svg")), "image"),
        (vec![], Some(Part::bytes(b"hello".to_vec()).file_name("notes.txt")), "image"),
    ];
    for (changes, image, field) in cases {
        let mut fields = good();
        for (k, v) in &changes {
            match fields.iter_mut().find(|(fk, _)| fk == k) {
                Some(f) => f.1 = v,
                None => fields.push((k, v)),
            }
        }
        let mut form = product_form(&fields);
        if let Some(img) = image {
            form = form.part("image", img);
        }
        let r = save(&app, &merchant, form).await;
        let errors = kept_errors(&app, &r).await;
        assert!(errors.contains_key(field), "{changes:?}: expected an error on {field}, got {errors:?}");
    }
    assert_eq!(product_count(&app).await, before, "no product was created");
    let media = app.state.services.objects.list("media/").await.unwrap();
    assert!(media.is_empty(), "no image was kept: {media:?}");
    // The form page shows the error beside its field and keeps the input.
    let mut fields = good();
    fields[8] = ("price_0", "-5");
    let r = save(&app, &merchant, product_form(&fields)).await;
    let (_, page) = app.text_as(&location(&r), &merchant).await;
    assert!(page.contains("must not be negative") && page.contains("Harbour Rain Jacket"));
}

/// The edit form's fields as the admin page renders them for product `id`.
async fn opened_form(app: &TestApp, merchant: &str, id: &str) -> std::collections::BTreeMap<String, String> {
    let (status, body) = app.call(AdminProduct::PATH, merchant, serde_json::json!({ "id": id })).await;
    assert_eq!(status, 200, "{body}");
    let mut fields = serde_json::from_str::<Option<ProductEdit>>(&body).unwrap().expect("the product exists").fields;
    fields.insert("id".into(), id.to_string());
    fields
}

fn form_of(fields: &std::collections::BTreeMap<String, String>) -> Form {
    fields.iter().fold(Form::new(), |f, (k, v)| f.text(k.clone(), v.clone()))
}

#[tokio::test]
async fn a_stock_change_from_a_form_opened_before_a_sale_is_refused_beside_its_field_with_the_live_stock() {
    let app = spawn_app(&[]).await;
    let merchant = app.merchant().await;
    let p = (0..60).map(shop::catalog::seed::product).find(|p| p.variants[0].stock >= 2).unwrap();
    let store = app.state.catalog.store();
    let mut fields = opened_form(&app, &merchant, p.id.as_str()).await;
    let shown: i64 = fields["stock_0"].parse().unwrap();
    assert_eq!(fields["shown_stock_0"], fields["stock_0"], "the form carries the stock it shows");

    // An order takes 2 while the form is open; the merchant raises the stock by 10 and renames.
    let sale = shop::catalog::StockLine {
        product_id: p.id.clone(),
        sku: domain::Sku::parse(&fields["sku_0"]).unwrap(),
        quantity: 2,
    };
    store.reserve(&[sale]).await.unwrap();
    fields.insert("stock_0".into(), (shown + 10).to_string());
    fields.insert("title".into(), "Renamed from a stale form".into());
    let r = save(&app, &merchant, form_of(&fields)).await;
    let message = format!("stock changed since you opened this form (now {})", shown - 2);
    let errors = kept_errors(&app, &r).await;
    assert_eq!(errors.get("variants[0].stock"), Some(&message), "{errors:?}");
    let now = store.by_id(p.id.as_str()).await.unwrap().unwrap();
    assert_eq!((now.title.as_str(), now.variants[0].stock), (p.title.as_str(), shown - 2), "nothing was written");
    let (_, page) = app.text_as(&location(&r), &merchant).await;
    assert!(page.contains(&message), "the form page shows the error beside the stock field");

    // Sent again, having seen the live number: the typed stock is set.
    let kept = app::forms::kept(&app.state, location(&r).split("form=").nth(1).unwrap()).await.values;
    let r = save(&app, &merchant, form_of(&kept)).await;
    assert!(notice_of(&app, &r).await.starts_with("Saved"), "{}", location(&r));
    let now = store.by_id(p.id.as_str()).await.unwrap().unwrap();
    assert_eq!((now.title.as_str(), now.variants[0].stock), ("Renamed from a stale form", shown + 10));
}

#[tokio::test]
async fn a_save_from_a_form_opened_before_another_edit_is_refused_and_asks_for_a_reload() {
    let app = spawn_app(&[]).await;
    let merchant = app.merchant().await;
    let p = shop::catalog::seed::product(4);
    let mut first = opened_form(&app, &merchant, p.id.as_str()).await;
    let mut second = first.clone();
    first.insert("title".into(), "First editor".into());
    assert!(notice_of(&app, &save(&app, &merchant, form_of(&first)).await).await.starts_with("Saved"));
    second.insert("title".into(), "Second editor".into());
    let r = save(&app, &merchant, form_of(&second)).await;
    assert_eq!(r.status(), 303);
    let kept = app::forms::kept(&app.state, location(&r).split("form=").nth(1).unwrap()).await;
    assert_eq!(
        kept.message.as_deref(),
        Some("someone else changed this product since you opened it; reload to see their changes")
    );
    let now = app.state.catalog.store().by_id(p.id.as_str()).await.unwrap().unwrap();
    assert_eq!((now.title.as_str(), now.version), ("First editor", 1), "the first save stands");
}

#[tokio::test]
async fn refund_returns_stock_and_payment_once_and_is_audited() {
    let app = spawn_app(&[]).await;
    let merchant = app.merchant().await;
    let shopper = app.shopper("buyer@example.com").await;
    let p = (0..60)
        .map(shop::catalog::seed::product)
        .find(|p| p.is_visible() && p.variants.iter().any(|v| v.stock >= 5))
        .unwrap();
    let sku = p.variants.iter().find(|v| v.stock >= 5).unwrap().sku.to_string();
    let stock = || async {
        app.state.catalog.store().by_id(p.id.as_str()).await.unwrap().unwrap().variant(&sku).unwrap().stock
    };
    let start = stock().await;
    let add = serde_json::json!({ "product_id": p.id, "sku": sku, "quantity": 2 });
    assert_eq!(app.call(app::cart_api::AddToCart::PATH, &shopper, add).await.0, 200);
    let order = serde_json::json!({ "input": {
        "email": "buyer@example.com",
        "address": { "name": "Bo Chen", "line1": "2 Side St", "line2": "", "city": "Portland", "postal_code": "97201", "country": "US" },
        "shipping": "standard", "card_number": "4242424242424242", "idempotency_key": "refund-key-1" } });
    let (_, body) = app.call(app::cart_api::PlaceOrder::PATH, &shopper, order).await;
    assert!(body.contains("Accepted"), "{body}");
    let id =
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["Accepted"]["order_id"].as_str().unwrap().to_string();
    app.state
        .orders
        .worker
        .run_once(&*app.state.services.queues.main, std::time::Duration::from_secs(1))
        .await
        .unwrap();
    assert_eq!(stock().await, start - 2);

    let (_, list) = app
        .call(
            AdminOrders::PATH,
            &merchant,
            serde_json::json!({ "status": "confirmed", "from": "", "to": "", "page": 1 }),
        )
        .await;
    assert!(list.contains(&id), "the merchant sees the order");
    let r = app.form(&format!("/admin/orders/{id}/refund"), &merchant, &[]).await;
    assert!(notice_of(&app, &r).await.contains("Order refunded"), "{}", location(&r));
    assert_eq!(stock().await, start, "stock returned");
    let auth = app.state.orders.repo.get(&domain::OrderId::parse(&id).unwrap()).await.unwrap().unwrap().payment_auth;
    let pay: String = sqlx::query_scalar("SELECT status FROM payments WHERE auth_id = $1")
        .bind(&auth)
        .fetch_one(app.state.services.db.pool())
        .await
        .unwrap();
    assert_eq!(pay, "refunded");
    // Twice (a double click, a retry): refused, nothing returned twice.
    let r = app.form(&format!("/admin/orders/{id}/refund"), &merchant, &[]).await;
    assert!(notice_of(&app, &r).await.contains("only a confirmed order"), "{}", location(&r));
    let r = app.form(&format!("/admin/orders/{id}/cancel"), &merchant, &[("reason", "x")]).await;
    assert!(notice_of(&app, &r).await.contains("only a confirmed order"));
    assert_eq!(stock().await, start);
    assert_eq!(
        app.state.orders.repo.status(&domain::OrderId::parse(&id).unwrap()).await.unwrap().unwrap().name(),
        "refunded"
    );
    let audit = app.state.audit.list(10, 0).await.unwrap();
    assert_eq!((audit[0].action.as_str(), audit[0].target.as_str()), ("order.refund", id.as_str()));
    // Filters: a bad date or status is a 400 whose AppError names the field.
    let bad = [("", "yesterday", "from", "use a date like 2026-11-22"), ("lost", "", "status", "unknown status")];
    for (status, from, field, why) in bad {
        let body = serde_json::json!({ "status": status, "from": from, "to": "", "page": 1 });
        let (code, text) = app.call(AdminOrders::PATH, &merchant, body).await;
        assert_eq!(code, 400, "{field}: {text}");
        assert_eq!(serde_json::from_str::<AppError>(&text).ok(), Some(AppError::invalid(field, why)));
    }
}
