//! The full recommendations job (export → compute → write → switch) on the
//! embedded stack (SQLite + embedded table + folder store, in a temporary
//! folder) over synthetic confirmed orders, bulk-inserted first (not timed).

use domain::recommend_eval::synthetic;
use ports::Services;
use shop::catalog::CatalogStore;
use shop::recommend::{JobConfig, Recommendations, RunRecord, Trigger};
use std::time::Instant;

/// Orders per multi-row INSERT (3 parameters per row, under SQLite's limit).
const ROWS_PER_INSERT: usize = 300;

pub async fn run(sizes: &[usize], products: usize) -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!("storefront-recobench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let d = dir.display();
    let env = vec![
        ("STOREFRONT_DATABASE__URL".to_string(), format!("sqlite://{d}/db.sqlite")),
        ("STOREFRONT_QUEUE__PATH".to_string(), format!("{d}/queue.db")),
        ("STOREFRONT_CATALOG__PATH".to_string(), format!("{d}/catalog.db")),
        ("STOREFRONT_OBJECTS__PATH".to_string(), format!("{d}/objects")),
    ];
    let settings = ports::config::Settings::from_sources(None, env).map_err(|e| e.to_string())?;
    let services = adapters::connect(&settings).await.map_err(|e| e.to_string())?;
    let started = Instant::now();
    let bar = server::progress::bar(products as u64, "seeding");
    server::startup::seed_products(&CatalogStore::new(services.catalog.clone()), products, &bar).await?;
    bar.finish_and_clear();
    println!(
        "\nfull job on the embedded stack: {products} catalog products (seeded in {:.1} s, not timed)",
        started.elapsed().as_secs_f64()
    );
    let largest = sizes.iter().copied().max().unwrap_or(0);
    let history = synthetic(largest / 4 + 1000, products, 11);
    let reco = Recommendations::new(&services, JobConfig::from(&settings.recommend));
    println!(
        "{:>8} {:>9} {:>9} {:>8} {:>8} | {:>9} {:>10} {:>8} {:>9} {:>9}",
        "orders",
        "customers",
        "products",
        "pairs",
        "items",
        "export ms",
        "compute ms",
        "write ms",
        "switch ms",
        "total ms"
    );
    let mut inserted = 0;
    for &n in sizes {
        insert_orders(&services, &history[inserted..n.min(history.len())], inserted).await?;
        inserted = n.min(history.len());
        let t = Instant::now();
        let r: RunRecord = reco.run_now(Trigger::Cli).await.map_err(|e| e.to_string())?;
        let total = t.elapsed().as_millis();
        let ms = |v: Option<i64>| v.unwrap_or(0);
        println!(
            "{:>8} {:>9} {:>9} {:>8} {:>8} | {:>9} {:>10} {:>8} {:>9} {:>9}",
            r.orders,
            r.customers,
            r.products,
            r.pairs,
            r.items,
            ms(r.export_ms),
            ms(r.compute_ms),
            ms(r.write_ms),
            ms(r.switch_ms),
            total
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// Bulk insert, in one transaction: product `p<i>` of the synthetic
/// history is the demo product `i`; orders spread over the last 60 days.
async fn insert_orders(
    services: &Services,
    orders: &[domain::recommend::Purchase],
    offset: usize,
) -> Result<(), String> {
    let now = shop::orders::repo::now();
    let pool = services.db.pool();
    let mut tx = pool.begin().await.map_err(|e| e.to_string())?;
    let rows: Vec<(String, String, i64, Vec<String>)> = orders
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let n = offset + i;
            let products = o
                .products
                .iter()
                .filter_map(|p| p.strip_prefix('p').and_then(|i| i.parse::<usize>().ok()))
                .map(|i| format!("sf{i:06}"))
                .collect();
            (
                format!("bench{n:08}"),
                format!("{}@example.com", o.customer),
                now - (n as i64 * 7919) % (60 * 86_400),
                products,
            )
        })
        .collect();
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                let b = i * 3;
                format!(
                    "(${}, 'confirmed', ${}, '{{}}', 'standard', 'USD', 0, 0, 0, 'auth', 'bench', ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 3
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO orders (id, status, email, address, shipping, currency, subtotal_minor, shipping_minor, total_minor, payment_auth, request_id, created_at, updated_at) VALUES {}",
            values.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for (id, email, at, _) in chunk {
            q = q.bind(id).bind(email).bind(*at);
        }
        q.execute(&mut *tx).await.map_err(|e| e.to_string())?;
        let lines: Vec<(&String, i64, &String)> = chunk
            .iter()
            .flat_map(|(id, _, _, ps)| ps.iter().enumerate().map(move |(l, p)| (id, l as i64, p)))
            .collect();
        for lchunk in lines.chunks(ROWS_PER_INSERT) {
            let values: Vec<String> = (0..lchunk.len())
                .map(|i| format!("(${}, ${}, ${}, 'SKU', 't', 100, 1)", i * 3 + 1, i * 3 + 2, i * 3 + 3))
                .collect();
            let sql = format!(
                "INSERT INTO order_lines (order_id, line_no, product_id, sku, title, unit_price_minor, quantity) VALUES {}",
                values.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for (id, l, p) in lchunk {
                q = q.bind(*id).bind(*l).bind(*p);
            }
            q.execute(&mut *tx).await.map_err(|e| e.to_string())?;
        }
    }
    tx.commit().await.map_err(|e| e.to_string())
}
