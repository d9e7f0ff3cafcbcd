use adapters::cache::MemoryCache;
use adapters::testing::embedded;
use shop::catalog::{seed, CachedCatalog, CatalogStore};
use shop::orders::cart::{price_cart, Cart};
use std::sync::Arc;

#[tokio::test]
async fn the_cart_tells_the_shopper_when_price_or_stock_changed() {
    let catalog = CachedCatalog::new(CatalogStore::new(embedded().await), Arc::new(MemoryCache::default()));
    let mut p = seed::product(4);
    p.variants.truncate(1);
    p.variants[0].stock = 5;
    catalog.save(&p, None).await.unwrap();
    let mut cart = Cart::default();
    cart.add(
        p.id.as_str(),
        p.variants[0].sku.as_str(),
        3,
        p.variants[0].price.minor(),
        shop::orders::cart::new_generation,
    )
    .unwrap();
    let priced = price_cart(&catalog, &cart).await.unwrap();
    assert!(priced.ready && priced.lines[0].notice.is_none());

    // The merchant raises the price and stock drops below the quantity.
    let before = p.clone();
    p.variants[0].price = domain::Money::new(p.variants[0].price.minor() + 500, domain::Currency::Usd).unwrap();
    p.variants[0].stock = 2;
    catalog.save(&p, Some(&before)).await.unwrap();
    let priced = price_cart(&catalog, &cart).await.unwrap();
    assert!(!priced.ready, "cannot check out more than is in stock");
    assert_eq!(priced.lines[0].notice.as_deref(), Some("Only 2 left: lower the quantity to check out."));
    assert_eq!(priced.subtotal, p.variants[0].price.times(3).unwrap(), "totals use the current catalog price");

    let before = catalog.store().by_id(p.id.as_str()).await.unwrap().unwrap();
    p.variants[0].stock = 10;
    catalog.save(&p, Some(&before)).await.unwrap();
    let priced = price_cart(&catalog, &cart).await.unwrap();
    assert!(priced.ready);
    assert!(
        priced.lines[0].notice.as_deref().is_some_and(|n| n.starts_with("Price changed from")),
        "{:?}",
        priced.lines[0].notice
    );
}
