//! The static failover copy: prerendered from the catalog, published
//! incrementally, stale pages deleted.

use crate::helpers::spawn_app;
use server::failover::{prerender, publish};

#[tokio::test]
async fn the_copy_is_complete_published_incrementally_and_loses_stale_pages() {
    let app = spawn_app(&[]).await;
    let out = std::env::temp_dir().join(format!("sf-copy-{}", uuid::Uuid::new_v4().simple()));
    let r = prerender::prerender(app.state.clone(), &out, "2026-11-22 12:00 UTC", &server::progress::hidden())
        .await
        .unwrap();
    // 60 products, 16 category pages (+1 second page of apparel… per size), home, search, ordering page, 404.
    assert!(r.pages >= 60 + 16 + 4, "{} pages", r.pages);
    let p = shop::catalog::seed::product(8);
    let page = std::fs::read_to_string(out.join(format!("p/{}/index.html", p.slug))).unwrap();
    assert!(page.contains("browsing an offline copy of the shop, prices as of 2026-11-22 12:00 UTC"));
    assert!(!page.contains("<script"), "no scripts in the copy");
    assert!(page.contains(&p.title));
    assert!(
        out.join("404.html").exists()
            && out.join("ordering-unavailable/index.html").exists()
            && out.join("search/index.html").exists()
    );

    let store = &*app.state.services.objects;
    let first = publish::publish(store, &out, "failover/", &server::progress::hidden()).await.unwrap();
    assert_eq!((first.uploaded, first.unchanged), (first.files, 0));
    let again = publish::publish(store, &out, "failover/", &server::progress::hidden()).await.unwrap();
    assert_eq!((again.uploaded, again.unchanged), (0, again.files), "unchanged pages are not uploaded again");
    let key = format!("failover/p/{}/index.html", p.slug);
    let obj = store.get(&key).await.unwrap().expect("published");
    assert_eq!(obj.content_type, "text/html; charset=utf-8");
    assert_eq!(obj.cache_control.as_deref(), Some("public, max-age=60"));

    // Archive the product: its page disappears from the next copy and the bucket.
    let mut archived = app.state.catalog.product_by_slug(p.slug.as_str()).await.unwrap().unwrap();
    let before = archived.clone();
    archived.status = domain::ProductStatus::Archived;
    app.state.catalog.save(&archived, Some(&before)).await.unwrap();
    prerender::prerender(app.state.clone(), &out, "2026-11-22 12:00 UTC", &server::progress::hidden()).await.unwrap();
    let third = publish::publish(store, &out, "failover/", &server::progress::hidden()).await.unwrap();
    assert!(third.deleted >= 1, "stale product page deleted");
    assert!(third.uploaded < third.files, "only changed pages uploaded ({} of {})", third.uploaded, third.files);
    assert!(store.get(&key).await.unwrap().is_none());
}
