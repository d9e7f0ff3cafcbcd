//! Shipping zones and taxes over HTTP, as a merchant without Wasm edits
//! them: saved zones and rates show on the admin pages, bad input is refused
//! beside its field and changes nothing (the rules version stays), a form
//! opened before another save is refused, only a merchant gets in, and the
//! product form takes a weight and a tax class.

use crate::helpers::{kept_errors, location, notice_of, spawn_app, TestApp};
use leptos::server_fn::ServerFn;
use shop::catalog::store::rules::RulesSaveError;
use std::collections::BTreeMap;

/// A zone form for `zone` (`new` or a position) at `version`, with `changes`.
fn zone_form<'a>(zone: &'a str, version: &'a str, changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("zone", zone),
        ("version", version),
        ("name", "North America"),
        ("areas", "US, CA"),
        ("m0.label", "Tracked (4–6 days)"),
        ("m0.code", "tracked"),
        ("m0.kind", "weight"),
        ("m0.price", "4.00"),
        ("m0.per_kg", "1.50"),
        ("m0.free_from", "150"),
        ("m1.label", ""),
        ("m1.code", ""),
        ("m1.kind", "flat"),
    ];
    for (k, v) in changes {
        match fields.iter_mut().find(|(fk, _)| fk == k) {
            Some(f) => f.1 = v,
            None => fields.push((k, v)),
        }
    }
    fields
}

async fn version(app: &TestApp) -> i64 {
    app.state.catalog.store().rules().await.unwrap().1
}

#[tokio::test]
async fn a_merchant_saves_a_zone_and_a_tax_rate_and_sees_them_on_the_admin_pages() {
    let app = spawn_app(&[]).await;
    let merchant = app.merchant().await;
    let cached = app.state.catalog.version().await;
    let r = app.form("/admin/shipping/save", &merchant, &zone_form("new", "0", &[])).await;
    assert_eq!(location(&r), "/admin/shipping");
    assert_eq!(notice_of(&app, &r).await, "Zone North America saved.");
    assert_ne!(app.state.catalog.version().await, cached, "cached pages render anew");
    let (rules, v) = app.state.catalog.store().rules().await.unwrap();
    assert_eq!((v, rules.zones.len()), (1, 2), "added after the default zone");
    assert_eq!(rules.zone("CA", "").map(|z| z.name.as_str()), Some("North America"));

    let (status, page) = app.text_as("/admin/shipping", &merchant).await;
    assert_eq!(status, 200);
    for shown in [
        "North America",
        "US, CA",
        "Tracked (4–6 days)",
        "<code>tracked</code>",
        "$4.00 + $1.50/kg, free from $150.00",
        "rest of the world",
        "Standard (3–5 days)",
        "$5.95, free from $100.00",
        "href=\"/admin/shipping\"",
        "href=\"/admin/taxes\"",
    ] {
        assert!(page.contains(shown), "the page shows {shown}");
    }
    assert!(page.contains("name=\"m0.per_kg\" value=\"1.50\""), "the edit form is prefilled");
    assert!(page.contains("name=\"version\" value=\"1\""), "the forms name the version");

    // Its edit form, saved with a change, replaces it in place.
    let r = app.form("/admin/shipping/save", &merchant, &zone_form("1", "1", &[("areas", "US CA US-HI")])).await;
    assert_eq!(notice_of(&app, &r).await, "Zone North America saved.");
    let (rules, _) = app.state.catalog.store().rules().await.unwrap();
    assert_eq!(rules.zone("US", "hi").map(|z| z.name.as_str()), Some("North America"));

    let taxes = [
        ("version", "2"),
        ("prices_include_tax", "included"),
        ("r0.area", "DE"),
        ("r0.class", ""),
        ("r0.label", "VAT"),
        ("r0.rate", "19"),
        ("r1.area", "us-ny"),
        ("r1.class", "reduced"),
        ("r1.label", "Sales tax"),
        ("r1.rate", "8.875"),
        ("r2.area", ""),
    ];
    let r = app.form("/admin/taxes/save", &merchant, &taxes).await;
    assert_eq!(location(&r), "/admin/taxes");
    assert_eq!(notice_of(&app, &r).await, "Taxes saved.");
    let (rules, v) = app.state.catalog.store().rules().await.unwrap();
    assert_eq!((v, rules.zones.len()), (3, 2), "the zones stay");
    assert!(rules.tax.prices_include_tax);
    let ny = &rules.tax.rates[1];
    assert_eq!(
        (ny.area.as_str(), ny.class.as_str(), ny.rate, ny.percent()),
        ("US-NY", "reduced", 8_875, "8.875%".into())
    );
    let (status, page) = app.text_as("/admin/taxes", &merchant).await;
    assert_eq!(status, 200);
    assert!(page.contains("value=\"included\" checked"), "prices include tax");
    for shown in ["value=\"DE\"", "value=\"standard\"", "value=\"19\"", "value=\"US-NY\"", "value=\"8.875\""] {
        assert!(page.contains(shown), "the tax form shows {shown}");
    }
    let audit = app.state.audit.list(10, 0).await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions, ["taxes.update", "shipping.zone.update", "shipping.zone.create"]);
}

#[tokio::test]
async fn overlapping_zones_bad_prices_bands_and_rates_get_field_errors_and_change_nothing() {
    let app = spawn_app(&[]).await;
    let merchant = app.merchant().await;
    let r = app.form("/admin/shipping/save", &merchant, &zone_form("new", "0", &[])).await;
    assert_eq!(location(&r), "/admin/shipping");
    let saved = app.state.catalog.store().rules().await.unwrap();
    let zone = |changes: &[(&'static str, &'static str)]| {
        let mut all = vec![("name", "Japan"), ("areas", "JP")];
        all.extend_from_slice(changes);
        ("/admin/shipping", zone_form("new", "1", &all))
    };
    let rate = |area: &'static str, rate: &'static str| {
        vec![("version", "1"), ("r0.area", area), ("r0.label", "VAT"), ("r0.rate", rate)]
    };
    let mut duplicate = rate("DE", "19");
    duplicate.extend([("r1.area", "de"), ("r1.class", "standard"), ("r1.label", "VAT"), ("r1.rate", "7")]);
    let cases: Vec<((&str, Vec<(&str, &str)>), &str)> = vec![
        (zone(&[("areas", "JP, CA")]), "areas"),
        (zone(&[("areas", "ZZ")]), "areas"),
        (zone(&[("rest_of_world", "on")]), "rest_of_world"),
        (zone(&[("name", "north america")]), "name"),
        (zone(&[("m0.price", "-5")]), "m0.price"),
        (zone(&[("m0.per_kg", "1.5.0")]), "m0.per_kg"),
        (zone(&[("m0.kind", "bands"), ("m0.bands", "0-9.95, 50-4.95")]), "m0.bands"),
        (zone(&[("m0.kind", "bands"), ("m0.bands", "50:4.95")]), "m0.bands"),
        (zone(&[("m0.kind", "bands"), ("m0.bands", "0:9.95, 50:-1")]), "m0.bands"),
        (("/admin/taxes", rate("DE", "-5")), "r0.rate"),
        (("/admin/taxes", rate("DE", "150")), "r0.rate"),
        (("/admin/taxes", rate("DE", "twenty")), "r0.rate"),
        (("/admin/taxes", duplicate), "r1.area"),
    ];
    for ((page, fields), field) in cases {
        let r = app.form(&format!("{page}/save"), &merchant, &fields).await;
        let errors = kept_errors(&app, &r).await;
        assert!(errors.contains_key(field), "{fields:?}: expected an error on {field}, got {errors:?}");
        assert!(location(&r).starts_with(&format!("{page}?form=")), "{}", location(&r));
    }
    assert_eq!(app.state.catalog.store().rules().await.unwrap(), saved, "nothing changed, the version neither");

    // The page shows the error beside its field and keeps what was typed.
    let r = app.form("/admin/shipping/save", &merchant, &zone(&[("m0.price", "-5")]).1).await;
    let (_, page) = app.text_as(&location(&r), &merchant).await;
    assert!(page.contains("must not be negative") && page.contains("value=\"Japan\""), "{page}");
    assert!(page.contains("value=\"-5\""), "the typed price is kept");
    let r = app.form("/admin/taxes/save", &merchant, &rate("FR", "150")).await;
    let (_, page) = app.text_as(&location(&r), &merchant).await;
    assert!(page.contains("a percentage from 0 to 100") && page.contains("value=\"FR\""), "{page}");
}

#[tokio::test]
async fn a_save_from_a_page_opened_before_another_save_is_refused_and_changes_nothing() {
    let app = spawn_app(&[]).await;
    let merchant = app.merchant().await;
    let taxes = [("version", "0"), ("r0.area", "DE"), ("r0.label", "VAT"), ("r0.rate", "19")];
    assert_eq!(notice_of(&app, &app.form("/admin/taxes/save", &merchant, &taxes).await).await, "Taxes saved.");
    let saved = app.state.catalog.store().rules().await.unwrap();
    assert_eq!(saved.1, 1);

    // Three forms opened at version 0: a zone, the taxes, a delete.
    let stale_zone = zone_form("new", "0", &[]);
    let stale_taxes = [("version", "0"), ("r0.area", "FR"), ("r0.label", "TVA"), ("r0.rate", "20")];
    let stale_delete = [("version", "0"), ("zone", "0")];
    for (path, fields) in [
        ("/admin/shipping/save", &stale_zone[..]),
        ("/admin/taxes/save", &stale_taxes[..]),
        ("/admin/shipping/delete", &stale_delete[..]),
    ] {
        let r = app.form(path, &merchant, fields).await;
        assert_eq!(r.status(), 303);
        let kept = app::forms::kept(&app.state, location(&r).split("form=").nth(1).unwrap()).await;
        assert_eq!(kept.message, Some(RulesSaveError::Changed.to_string()), "{path}");
    }
    assert_eq!(app.state.catalog.store().rules().await.unwrap(), saved, "nothing changed");

    // The page says so, keeps what was typed, and its form still names the old version.
    let r = app.form("/admin/taxes/save", &merchant, &stale_taxes).await;
    let (_, page) = app.text_as(&location(&r), &merchant).await;
    assert!(page.contains("changed by someone else") && page.contains("value=\"TVA\""), "{page}");
    assert!(page.contains("name=\"version\" value=\"0\""), "only a reload saves");
}

#[tokio::test]
async fn deleting_every_zone_leaves_a_shop_that_ships_nowhere() {
    let app = spawn_app(&[]).await;
    let merchant = app.merchant().await;
    let r = app.form("/admin/shipping/delete", &merchant, &[("version", "0"), ("zone", "0")]).await;
    assert_eq!(location(&r), "/admin/shipping");
    assert!(notice_of(&app, &r).await.contains("ships nowhere"));
    let (rules, v) = app.state.catalog.store().rules().await.unwrap();
    assert_eq!((rules.zones.len(), v), (0, 1));
    let (status, page) = app.text_as("/admin/shipping", &merchant).await;
    assert_eq!(status, 200);
    assert!(page.contains("data-testid=\"no-zones\"") && page.contains("Add a zone"));
    let r = app.form("/admin/shipping/delete", &merchant, &[("version", "1"), ("zone", "0")]).await;
    assert_eq!(notice_of(&app, &r).await, "That zone no longer exists.");
    assert_eq!(version(&app).await, 1);
    assert_eq!(app.state.audit.list(1, 0).await.unwrap()[0].action, "shipping.zone.delete");
}

#[tokio::test]
async fn a_shopper_or_a_visitor_is_refused_the_shipping_and_tax_admin() {
    let app = spawn_app(&[]).await;
    let shopper = app.shopper("shopper@example.com").await;
    let merchant = app.merchant().await;
    for page in ["/admin/shipping", "/admin/taxes"] {
        assert_eq!(app.text_as(page, "").await.0, 401, "{page} anonymous");
        assert_eq!(app.text_as(page, &shopper).await.0, 403, "{page} shopper");
        assert_eq!(app.text_as(page, &merchant).await.0, 200, "{page} merchant");
    }
    for path in [app::admin::AdminShipping::PATH, app::admin::AdminTaxes::PATH] {
        assert_eq!(app.call(path, "", serde_json::json!({})).await.0, 401, "{path} anonymous");
        assert_eq!(app.call(path, &shopper, serde_json::json!({})).await.0, 403, "{path} shopper");
        assert_eq!(app.call(path, &merchant, serde_json::json!({})).await.0, 200, "{path} merchant");
    }
    let taxes = [("version", "0"), ("r0.area", "DE"), ("r0.label", "VAT"), ("r0.rate", "19")];
    let delete = [("version", "0"), ("zone", "0")];
    let zone = zone_form("new", "0", &[]);
    for (path, fields) in [
        ("/admin/shipping/save", &zone[..]),
        ("/admin/shipping/delete", &delete[..]),
        ("/admin/taxes/save", &taxes[..]),
    ] {
        assert_eq!(app.form(path, "", fields).await.status(), 401, "{path} anonymous");
        assert_eq!(app.form(path, &shopper, fields).await.status(), 403, "{path} shopper");
    }
    assert_eq!(version(&app).await, 0, "nothing was saved");
}

/// Save the product form `fields` (multipart, as the browser sends it).
async fn save_product(app: &TestApp, merchant: &str, fields: &BTreeMap<String, String>) -> reqwest::Response {
    let form = fields.iter().fold(reqwest::multipart::Form::new(), |f, (k, v)| f.text(k.clone(), v.clone()));
    let url = format!("{}/admin/products/save", app.url);
    app.client.post(url).header("origin", &app.url).header("cookie", merchant).multipart(form).send().await.unwrap()
}

/// The edit form's fields as the admin page opens them for product `id`.
async fn opened(app: &TestApp, merchant: &str, id: &str) -> BTreeMap<String, String> {
    let body = serde_json::json!({ "id": id });
    let (status, text) = app.call(app::admin::api::AdminProduct::PATH, merchant, body).await;
    assert_eq!(status, 200, "{text}");
    let edit: Option<app::admin::api::ProductEdit> = serde_json::from_str(&text).unwrap();
    let mut fields = edit.expect("the product exists").fields;
    fields.insert("id".into(), id.to_string());
    fields
}

#[tokio::test]
async fn the_product_form_takes_a_weight_and_a_tax_class_and_refuses_bad_ones_beside_them() {
    let app = spawn_app(&[]).await;
    let merchant = app.merchant().await;
    let p = shop::catalog::seed::product(3);
    let mut fields = opened(&app, &merchant, p.id.as_str()).await;
    assert_eq!(fields["tax_class"], "standard", "a product's class unless set");
    fields.insert("weight".into(), "1250".into());
    fields.insert("tax_class".into(), "Reduced".into());
    let r = save_product(&app, &merchant, &fields).await;
    assert!(notice_of(&app, &r).await.starts_with("Saved"), "{}", location(&r));
    let saved = app.state.catalog.store().by_id(p.id.as_str()).await.unwrap().unwrap();
    assert_eq!((saved.weight_grams, saved.tax_class.as_str()), (1250, "reduced"));
    let (_, page) = app.text_as(&format!("/admin/products/{}", p.id), &merchant).await;
    assert!(page.contains("Weight (grams per unit)") && page.contains("value=\"1250\""), "prefilled weight");
    assert!(page.contains("name=\"tax_class\" value=\"reduced\" placeholder=\"standard\""), "prefilled class");

    for (field, bad) in [("weight", "heavy"), ("weight", "-3"), ("tax_class", "not ok!")] {
        let mut edit = opened(&app, &merchant, p.id.as_str()).await;
        edit.insert(field.into(), bad.into());
        let r = save_product(&app, &merchant, &edit).await;
        let errors = kept_errors(&app, &r).await;
        assert!(errors.contains_key(field), "{field}={bad}: {errors:?}");
        let (_, page) = app.text_as(&location(&r), &merchant).await;
        assert!(page.contains(&errors[field]) && page.contains(&format!("value=\"{bad}\"")), "{field}: {page}");
    }
    let now = app.state.catalog.store().by_id(p.id.as_str()).await.unwrap().unwrap();
    assert_eq!((now.weight_grams, now.version), (1250, saved.version), "the refused saves changed nothing");
}
