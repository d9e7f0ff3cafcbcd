//! `bench catalog [--products N] [--seconds S] [--concurrency C]`
//! `bench orders [--orders N] [--database URL] [--aws ENDPOINT]`
//! `bench recommend [--orders N] [--products P]` (offline evaluation and run
//! time of the recommender, then the full job at 10,000 and 100,000 orders)
//! `bench chaos [--orders N] [--workers W] [--seconds-per-fault S] …` (the
//! order pipeline under faults, audited from the stores: see `chaos.rs`)
//! `bench load [--seconds S] [--rate R] [--flash N] …` (shopper flows and a
//! flash sale against the server as a separate process, with budgets: see
//! `load.rs`)
//!
//! Serves the real router on a loopback port with N seeded products (embedded
//! adapters, in a temporary folder), warms the cache, then measures
//! requests/s and p50/p99 latency for the home, category and product pages
//! beside a trivial route (`/healthz`) served by the same binary in the same
//! run, so the ratio page/trivial holds across machines.

use leptos::prelude::LeptosOptions;
use server::loadgen::{run_load, Report};
use std::time::Duration;

mod browser;
mod chaos;
mod load;
mod orders;
mod recommend_job;

/// Benchmarks that print figures for the README (none of them is a test).
#[derive(clap::Parser)]
#[command(name = "bench", version)]
enum Bench {
    /// Catalog pages under load, beside a trivial route.
    Catalog {
        #[arg(long, default_value_t = 300)]
        products: u64,
        #[arg(long, default_value_t = 5)]
        seconds: u64,
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
    },
    /// Checkouts/s, worker orders/s (one worker and two) and submit → confirmed latency.
    Orders {
        #[arg(long, default_value_t = 2000)]
        orders: usize,
        /// A PostgreSQL URL instead of the embedded SQLite.
        #[arg(long)]
        database: Option<String>,
        /// An AWS endpoint (moto) for SQS and DynamoDB instead of the embedded queue and table.
        #[arg(long)]
        aws: Option<String>,
    },
    /// Offline evaluation and run time of the recommender, then the full job.
    Recommend {
        /// One history size instead of 10,000 and 100,000 orders.
        #[arg(long)]
        orders: Option<usize>,
        #[arg(long, default_value_t = 20_000)]
        products: usize,
    },
    /// The order pipeline under faults, audited from the stores.
    Chaos(chaos::Options),
    /// Shopper flows and a flash sale against the server process; exits 1 when a budget breaks.
    Load(load::Options),
}

#[tokio::main]
async fn main() {
    let result = match <Bench as clap::Parser>::parse() {
        Bench::Catalog { products, seconds, concurrency } => {
            catalog(products, Duration::from_secs(seconds), concurrency).await
        }
        Bench::Recommend { orders, products } => {
            recommend();
            let sizes = orders.map_or_else(|| vec![10_000, 100_000], |n| vec![n]);
            recommend_job::run(&sizes, products).await
        }
        Bench::Chaos(opts) => chaos::run(opts).await,
        Bench::Load(opts) => load::run(opts).await,
        Bench::Orders { orders, database, aws } => orders::run(orders, database, aws).await,
    };
    if let Err(e) = result {
        eprintln!("bench failed: {e}");
        std::process::exit(1);
    }
}

async fn catalog(products: u64, dur: Duration, concurrency: usize) -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!("storefront-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let d = dir.display();
    let env = vec![
        ("STOREFRONT_DATABASE__URL".to_string(), format!("sqlite://{d}/db.sqlite")),
        ("STOREFRONT_QUEUE__PATH".to_string(), format!("{d}/queue.db")),
        ("STOREFRONT_CATALOG__PATH".to_string(), format!("{d}/catalog.db")),
        ("STOREFRONT_OBJECTS__PATH".to_string(), format!("{d}/objects")),
        ("STOREFRONT_SERVER__SEED_PRODUCTS".to_string(), products.to_string()),
        ("STOREFRONT_SERVER__RUN_WORKER".to_string(), "false".to_string()),
        // One client IP sends everything here: lift the rate rule.
        ("STOREFRONT_EDGE__RATE_LIMIT".to_string(), "10000000".to_string()),
    ];
    first_searches(products as usize);
    listing_patch(products as usize);
    let seeded = std::time::Instant::now();
    let base = start(&env, 0).await?;
    let seed_secs = seeded.elapsed().as_secs_f64();

    let product = shop::catalog::seed::product((products / 2) as usize);
    let routes = [
        ("trivial /healthz", "/healthz".to_string()),
        ("home /", "/".to_string()),
        ("category /c/apparel", "/c/apparel".to_string()),
        ("category page 3, price sort", "/c/apparel?sort=price-asc&page=3".to_string()),
        ("product /p/…", format!("/p/{}", product.slug)),
        ("search /search?q=linen", "/search?q=linen".to_string()),
    ];
    println!("catalog benchmark: {products} products (seeded + started in {seed_secs:.1} s), {concurrency} concurrent clients, {} s per route, warm cache", dur.as_secs());
    println!("{:32} {:>10} {:>9} {:>9} {:>9} {:>8}", "route", "req/s", "p50 ms", "p99 ms", "vs trivial", "errors");
    let mut trivial = None;
    for (name, path) in routes {
        let url = format!("{base}{path}");
        // Warm: fill the cache and the in-process memo.
        let _ = run_load(&url, Duration::from_millis(300), 2).await;
        let r: Report = run_load(&url, dur, concurrency).await;
        let t = *trivial.get_or_insert(r.rps);
        println!("{:32} {:>10.0} {:>9.2} {:>9.2} {:>9.3} {:>8}", name, r.rps, r.p50_ms, r.p99_ms, r.rps / t, r.errors);
    }
    // The page cache (issue: edge protection), on and off in the same run.
    let cached = start(&env, 30).await?;
    let path = format!("/p/{}", product.slug);
    println!("\nanonymous product page, page cache off vs on ({concurrency} clients, {} s each)", dur.as_secs());
    for (name, b) in [("page cache off", &base), ("page cache on (30 s)", &cached)] {
        let url = format!("{b}{path}");
        let _ = run_load(&url, Duration::from_millis(300), 2).await;
        let r = run_load(&url, dur, concurrency).await;
        println!("{:32} {:>10.0} {:>9.2} {:>9.2} {:>9} {:>8}", name, r.rps, r.p50_ms, r.p99_ms, "", r.errors);
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// A search no one asked before: the catalog's search index built once per
/// catalog version, then each new query a pass over it (repeats are
/// memoised per version and cost nothing here). Pure CPU on one core, as a
/// request pays it.
fn first_searches(products: usize) {
    use domain::catalog::{index, list_indexed, Listing, ProductCard};
    let cards: Vec<ProductCard> =
        (0..products).map(|i| ProductCard::from_product(&shop::catalog::seed::product(i))).collect();
    let started = std::time::Instant::now();
    let ix = index(&cards);
    let build_ms = started.elapsed().as_secs_f64() * 1e3;
    let queries =
        ["wool", "linen shirts", "jaket", "cafe mug", "umbrela", "trail boots", "backpakc", "rain", "red", "sweater"];
    let mut ms: Vec<f64> = queries
        .iter()
        .map(|q| {
            let l =
                Listing::parse(&[("q".into(), q.to_string()), ("sort".into(), "relevance".into())]).unwrap_or_default();
            let t = std::time::Instant::now();
            std::hint::black_box(list_indexed(&cards, Some(&ix), &l));
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    ms.sort_by(f64::total_cmp);
    println!(
        "search over {products} products: index built in {build_ms:.0} ms (once per catalog version); a first query: p50 {:.1} ms, max {:.1} ms ({} queries, typos included)",
        ms[ms.len() / 2],
        ms[ms.len() - 1],
        ms.len()
    );
}

/// What a stock window's patch of the whole shop's listing copies: the
/// listing as shared cards (pointers, as `shop::catalog::cached::Cards`
/// keeps it) against a copy of every card (as it was kept before), then
/// dropping the old version. Median of five, one core.
fn listing_patch(products: usize) {
    use domain::catalog::ProductCard;
    use std::sync::Arc;
    use std::time::Instant;
    let owned: Vec<ProductCard> =
        (0..products).map(|i| ProductCard::from_product(&shop::catalog::seed::product(i))).collect();
    let shared: Vec<Arc<ProductCard>> = owned.iter().cloned().map(Arc::new).collect();
    let median = |mut ms: Vec<f64>| {
        ms.sort_by(f64::total_cmp);
        ms[ms.len() / 2]
    };
    let time = |f: &dyn Fn()| {
        median(
            (0..5)
                .map(|_| {
                    let t = Instant::now();
                    f();
                    t.elapsed().as_secs_f64() * 1e3
                })
                .collect(),
        )
    };
    let sold = products / 2;
    let copied = time(&|| {
        let mut next = owned.clone();
        next[sold].in_stock = false;
        drop(std::hint::black_box(next));
    });
    let pointers = time(&|| {
        let mut next = shared.clone();
        let mut card = (*next[sold]).clone();
        card.in_stock = false;
        next[sold] = Arc::new(card);
        drop(std::hint::black_box(next));
    });
    println!(
        "a listing patch over {products} products (one card sold): {pointers:.2} ms with shared cards, {copied:.1} ms copying every card"
    );
}

/// Serve the app on a loopback port with `env` and the page cache set to `page_cache_secs`.
async fn start(env: &[(String, String)], page_cache_secs: u64) -> Result<String, String> {
    let mut env = env.to_vec();
    env.push(("STOREFRONT_EDGE__PAGE_CACHE_SECS".to_string(), page_cache_secs.to_string()));
    let settings = ports::config::Settings::from_sources(None, env).map_err(|e| e.to_string())?;
    let options = LeptosOptions::builder().output_name("storefront").site_root("target/site").build();
    let state = server::startup::build_state(&settings, options).await?;
    let router = server::build_router(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
    let base = format!("http://{}", listener.local_addr().map_err(|e| e.to_string())?);
    tokio::spawn(server::http::serve(listener, router, Duration::from_secs(1), std::future::pending()));
    Ok(base)
}

/// Hit-rate@10 and coverage against a popularity baseline on a synthetic
/// history with planted patterns, then the model's run time by order count.
fn recommend() {
    use domain::recommend::bought_together;
    use domain::recommend_eval::{evaluate, synthetic};
    let history = synthetic(2000, 2000, 7);
    let e = evaluate(&history, 2000, 10);
    println!(
        "offline evaluation: {} customers, {} orders, {} products, last order held out",
        e.customers, e.orders, e.products
    );
    println!("{:28} {:>12} {:>12}", "", "hit-rate@10", "coverage");
    println!("{:28} {:>12.3} {:>12.3}", "recommender (lift)", e.hit_rate, e.coverage);
    println!("{:28} {:>12.3} {:>12.3}", "popularity baseline", e.baseline_hit_rate, e.baseline_coverage);
    for orders in [10_000usize, 100_000] {
        let h = synthetic(orders / 4, 20_000, 11);
        let started = std::time::Instant::now();
        let m = bought_together(&h, 2, 20);
        println!(
            "bought-together model over {:>7} orders: {:>8.1} ms ({} products with partners)",
            h.len(),
            started.elapsed().as_secs_f64() * 1000.0,
            m.together.len()
        );
    }
}
