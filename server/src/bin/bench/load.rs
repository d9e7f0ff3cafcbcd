//! `bench load`: shopper flows against the real server, run as a separate
//! process (the `server` binary beside this one, embedded stack, worker on,
//! page cache on), so the client never shares the server's cores' runtime.
//!
//! 1. The mix (`flows::MIX`) at an open-loop arrival rate for `--seconds`.
//! 2. A flash sale: `--flash` shoppers arrive within one second for one
//!    product with `--flash-stock` units; each views it, adds it and checks
//!    out.
//! 3. After the sell-out (`after`): shoppers at the sold-out product's
//!    category, once the sale has reached the listings, must see it sold out.
//! 4. The audit, from the stores once the worker has drained the queue: no
//!    unit sold twice (end stock ≥ 0, confirmed units ≤ start, start − end =
//!    confirmed).
//!
//! It prints req/s and p50/p95/p99 per step, the error rate and orders/s,
//! and exits 1 when a budget is broken: any error, the cached pages' p99
//! over `--cached-p99-ms`, an oversell, or (with `--bundle-dir`) the
//! shopper's JS + Wasm over its brotli budget.

mod after;
mod flows;
mod report;

use crate::chaos::procs::{port, wait_port, Owned};
use flows::{added, order_of, record_page, Shopper, Step, Tally, CACHED};
use report::{audit, bundle_brotli, error_rate, p99_of, print_table};
use shop::catalog::seed::{self, Rng};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(clap::Args, Clone)]
pub struct Options {
    #[arg(long, default_value_t = 300)]
    pub products: usize,
    /// How long the mix runs.
    #[arg(long, default_value_t = 30)]
    pub seconds: u64,
    /// Steps started per second (open loop).
    #[arg(long, default_value_t = 200)]
    pub rate: u32,
    /// Shoppers arriving within one second for the flash-sale product.
    #[arg(long, default_value_t = 300)]
    pub flash: usize,
    #[arg(long, default_value_t = 50)]
    pub flash_stock: i64,
    #[arg(long, default_value_t = 10.0)]
    pub cached_p99_ms: f64,
    /// The built `pkg` folder: check its JS + Wasm against `--bundle-budget` (brotli bytes).
    #[arg(long)]
    pub bundle_dir: Option<PathBuf>,
    #[arg(long, default_value_t = 170 * 1024)]
    pub bundle_budget: usize,
    #[arg(long, default_value_os_t = crate::chaos::beside_me("server"))]
    pub server_bin: PathBuf,
}

/// The flash-sale product: the first seeded one.
pub const FLASH: usize = 0;

pub async fn run(o: Options) -> Result<(), String> {
    if o.products < 10 || o.rate == 0 || o.flash == 0 || o.flash_stock < 1 {
        return Err("--products must be at least 10, --rate, --flash and --flash-stock at least 1".into());
    }
    let dir = std::env::temp_dir().join(format!("storefront-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let d = dir.display();
    let env: Vec<(String, String)> = [
        ("STOREFRONT_DATABASE__URL", format!("sqlite://{d}/db.sqlite")),
        ("STOREFRONT_QUEUE__PATH", format!("{d}/queue.db")),
        ("STOREFRONT_CATALOG__PATH", format!("{d}/catalog.db")),
        ("STOREFRONT_OBJECTS__PATH", format!("{d}/objects")),
        ("STOREFRONT_MAIL__PATH", format!("{d}/mail")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let settings = ports::config::Settings::from_sources(None, env.clone()).map_err(|e| e.to_string())?;
    seed_catalog(&settings, o.products, o.flash_stock).await?;

    let port = port(3300)?;
    let base = format!("http://127.0.0.1:{port}");
    let mut child = std::process::Command::new(&o.server_bin);
    child
        .arg("serve")
        .envs(env.iter().cloned())
        .env("STOREFRONT_SERVER__ADDR", format!("127.0.0.1:{port}"))
        .env("STOREFRONT_SERVER__PUBLIC_URL", &base)
        .env("STOREFRONT_SERVER__SEED_PRODUCTS", "0")
        .env("STOREFRONT_EDGE__RATE_LIMIT", "10000000")
        .env("STOREFRONT_EDGE__STRICT_LIMIT", "10000000")
        .env("STOREFRONT_EDGE__PAGE_CACHE_SECS", "60")
        // `BENCH_SERVER_LOG` (a `RUST_LOG` filter) keeps the server's log
        // beside the figures: its output in `load-server.log` in the working directory.
        .env("RUST_LOG", std::env::var("BENCH_SERVER_LOG").unwrap_or_else(|_| "warn".into()))
        .stdout(std::fs::File::create(dir.join("server.out")).map_err(|e| e.to_string())?)
        .stderr(std::fs::File::create(dir.join("server.log")).map_err(|e| e.to_string())?);
    let mut server = Owned(child.spawn().map_err(|e| format!("{}: {e}", o.server_bin.display()))?);
    if !wait_port(port, Duration::from_secs(60)).await {
        let (err, out) = (dir.join("server.log"), dir.join("server.out"));
        let (err, out) = (crate::chaos::procs::tail(&err, 20), crate::chaos::procs::tail(&out, 20));
        return Err(format!("the server never listened:\n{err}\n{out}"));
    }
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| e.to_string())?;

    println!(
        "load: {} products, mix at {} steps/s for {} s (open loop), then {} shoppers within 1 s for one product with {} units",
        o.products, o.rate, o.seconds, o.flash, o.flash_stock
    );
    let mix = Arc::new(Mutex::new(Tally::default()));
    let started = Instant::now();
    run_mix(&client, &base, &o, &mix).await;
    let mix_secs = started.elapsed().as_secs_f64();
    let flash = Arc::new(Mutex::new(Tally::default()));
    run_flash(&client, &base, o.flash, &flash).await;
    let drained = drain(&client, &base).await;
    // Sales reach the listings within the stock lag (and a second's skew).
    tokio::time::sleep(shop::catalog::cached::STOCK_LISTING_LAG + Duration::from_millis(1500)).await;
    let after = Arc::new(Mutex::new(Tally::default()));
    after::run(&client, &base, &after).await;
    signal_term(&mut server).await;
    let audit = audit(&settings).await?;

    let mut broken = Vec::new();
    let (mix, flash, after) = (take(&mix), take(&flash), take(&after));
    let orders = mix.accepted.len();
    print_table("shopper mix", &mix, mix_secs);
    println!("orders accepted in the mix: {orders} ({:.1} orders/s)", orders as f64 / mix_secs);
    print_table("flash sale (arrivals within 1 s)", &flash, 1.0);
    println!(
        "flash sale: {} shoppers; {} checkouts accepted, {} told sold out; stock {} → {}, {} units confirmed{}",
        o.flash,
        flash.accepted.len(),
        flash.sold_out,
        o.flash_stock,
        audit.end_stock,
        audit.confirmed,
        if drained { "" } else { " (the queue had not drained: figures may lag)" }
    );
    print_table("after the sell-out (a listing read anew)", &after, 0.25);
    let mut checked = vec![("mix", &mix), ("flash sale", &flash)];
    if audit.end_stock == 0 {
        checked.push(("after the sell-out", &after));
    } else {
        println!("the flash product did not sell out (end stock {}): the listings were not checked", audit.end_stock);
    }
    for (name, t) in checked {
        let (errors, total) = error_rate(t);
        if errors > 0 {
            broken.push(format!("{name}: {errors} errors in {total} steps, e.g. {:?}", t.first_errors));
        }
    }
    if let Some(p99) = p99_of(&mix, CACHED) {
        println!("budget: cached pages p99 {p99:.2} ms (budget {:.1} ms)", o.cached_p99_ms);
        if p99 > o.cached_p99_ms {
            broken.push(format!("cached pages p99 {p99:.2} ms over {:.1} ms", o.cached_p99_ms));
        }
    }
    if audit.end_stock < 0 || audit.confirmed > o.flash_stock || o.flash_stock - audit.end_stock != audit.confirmed {
        broken.push(format!(
            "oversell or lost stock: start {}, end {}, confirmed {}",
            o.flash_stock, audit.end_stock, audit.confirmed
        ));
    }
    if let Some(dir) = &o.bundle_dir {
        let size = bundle_brotli(dir)?;
        println!("budget: shopper JS + Wasm {size} bytes brotli (budget {})", o.bundle_budget);
        if size > o.bundle_budget {
            broken.push(format!("bundle {size} bytes over {}", o.bundle_budget));
        }
    }
    if std::env::var_os("BENCH_SERVER_LOG").is_some() {
        let _ = std::fs::copy(dir.join("server.out"), "load-server.log");
    }
    let _ = std::fs::remove_dir_all(&dir);
    if broken.is_empty() {
        println!("load: every budget holds");
        Ok(())
    } else {
        Err(format!("budgets broken: {}", broken.join("; ")))
    }
}

/// The demo catalog, every item plentiful except the flash-sale product,
/// whose first variant alone has stock: selling it sells the product out.
/// It is tagged as a flash sale, as a merchant would: its orders go through
/// the FIFO sale queue, and checkout admits no more than its stock left.
async fn seed_catalog(settings: &ports::config::Settings, n: usize, flash_stock: i64) -> Result<(), String> {
    let services = adapters::connect(settings).await.map_err(|e| e.to_string())?;
    let store = shop::catalog::CatalogStore::new(services.catalog.clone());
    for start in (0..n).step_by(2000) {
        let batch: Vec<_> = (start..(start + 2000).min(n))
            .map(|i| {
                let mut p = seed::product(i);
                for (k, v) in p.variants.iter_mut().enumerate() {
                    v.stock = match (i == FLASH, k) {
                        (true, 0) => flash_stock,
                        (true, _) => 0,
                        (false, _) => 1_000_000,
                    };
                }
                if i == FLASH {
                    p.tags.push(shop::orders::checkout::FLASH_SALE_TAG.to_string());
                }
                p
            })
            .collect();
        store.load(&batch).await.map_err(|e| format!("seeding: {e}"))?;
    }
    Ok(())
}

fn note<R>(t: &Mutex<Tally>, f: impl FnOnce(&mut Tally) -> R) -> R {
    f(&mut t.lock().unwrap_or_else(|p| p.into_inner()))
}

fn take(t: &Mutex<Tally>) -> Tally {
    std::mem::take(&mut *t.lock().unwrap_or_else(|p| p.into_inner()))
}

async fn run_mix(client: &reqwest::Client, base: &str, o: &Options, t: &Arc<Mutex<Tally>>) {
    let total = o.rate as u64 * o.seconds;
    let start = tokio::time::Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    // 200 shoppers' cookies, and whether a step is using each: a shopper
    // takes one step at a time (two checkouts of one cart at once are
    // rightly refused "already ordered"); a step finding its shopper busy
    // is taken by a new one.
    let shoppers = Arc::new(Mutex::new(vec![(None::<String>, false); 200]));
    for i in 0..total {
        let scheduled = start + Duration::from_secs_f64(i as f64 / f64::from(o.rate));
        tokio::time::sleep_until(scheduled).await;
        let (client, base, t, shoppers, products) =
            (client.clone(), base.to_string(), t.clone(), shoppers.clone(), o.products);
        tasks.spawn(async move {
            let mut r = Rng(i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x10AD);
            let who = r.below(200);
            let (cookie, own) = {
                let mut all = shoppers.lock().unwrap_or_else(|p| p.into_inner());
                match &mut all[who] {
                    (_, true) => (None, false),
                    (cookie, busy) => {
                        *busy = true;
                        (cookie.clone(), true)
                    }
                }
            };
            let mut s = Shopper { client: &client, base: &base, cookie };
            step(&mut s, Step::pick(r.unit()), &mut r, products, scheduled.into_std(), &t, i as usize).await;
            if own {
                shoppers.lock().unwrap_or_else(|p| p.into_inner())[who] = (s.cookie, false);
            }
        });
    }
    while tasks.join_next().await.is_some() {}
}

async fn step(s: &mut Shopper<'_>, step: Step, r: &mut Rng, products: usize, at: Instant, t: &Mutex<Tally>, n: usize) {
    // Popular products get most views: 80% of them go to the first fifth.
    let product = if r.unit() < 0.8 { 1 + r.below(products / 5) } else { 1 + r.below(products - 1) };
    let p = seed::product(product);
    let answer = match step {
        Step::Home => s.page("/").await,
        Step::Product => s.page(&format!("/p/{}", p.slug)).await,
        Step::Category => s.page(&format!("/c/{}", p.category)).await,
        Step::Search => s.page(&format!("/search?q={}", ["linen", "wool", "jaket", "mug", "boots"][r.below(5)])).await,
        Step::ViewCart => s.page("/cart").await,
        Step::AddToCart | Step::Checkout => {
            let add = s.add(p.id.as_str(), p.variants[0].sku.as_str()).await;
            let add_ok = added(&add);
            note(t, |tally| match add_ok {
                Ok(()) => tally.ok(Step::AddToCart.name(), at.elapsed()),
                Err(e) => tally.error(Step::AddToCart.name(), e),
            });
            if step == Step::AddToCart {
                return;
            }
            let placed_at = Instant::now();
            let placed = s.place_order(n).await;
            note(t, |tally| match order_of(&placed) {
                Ok(Some(id)) => {
                    tally.ok(Step::Checkout.name(), placed_at.elapsed());
                    tally.accepted.push(id);
                }
                Ok(None) => tally.error(Step::Checkout.name(), "sold out in the mix".into()),
                Err(e) => tally.error(Step::Checkout.name(), e),
            });
            return;
        }
    };
    record_page(t, step, at, answer);
}

async fn run_flash(client: &reqwest::Client, base: &str, shoppers: usize, t: &Arc<Mutex<Tally>>) {
    let p = seed::product(FLASH);
    let start = tokio::time::Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..shoppers {
        let at = start + Duration::from_secs_f64(i as f64 / shoppers as f64);
        let (client, base, t, p) = (client.clone(), base.to_string(), t.clone(), p.clone());
        tasks.spawn(async move {
            tokio::time::sleep_until(at).await;
            let at = at.into_std();
            let mut s = Shopper { client: &client, base: &base, cookie: None };
            record_page(&t, Step::Product, at, s.page(&format!("/p/{}", p.slug)).await);
            let add_at = Instant::now();
            let add = s.add(p.id.as_str(), p.variants[0].sku.as_str()).await;
            let go_on = note(&t, |tally| match (&add, added(&add)) {
                (_, Ok(())) => {
                    tally.ok(Step::AddToCart.name(), add_at.elapsed());
                    true
                }
                (Ok(_), Err(e)) if e.contains("sold out") => {
                    tally.ok(Step::AddToCart.name(), add_at.elapsed());
                    tally.sold_out += 1;
                    false
                }
                (_, Err(e)) => {
                    tally.error(Step::AddToCart.name(), e);
                    false
                }
            });
            if !go_on {
                return;
            }
            let placed_at = Instant::now();
            let placed = s.place_order(1_000_000 + i).await;
            note(&t, |tally| match order_of(&placed) {
                Ok(Some(id)) => {
                    tally.ok(Step::Checkout.name(), placed_at.elapsed());
                    tally.accepted.push(id);
                }
                Ok(None) => {
                    tally.ok(Step::Checkout.name(), placed_at.elapsed());
                    tally.sold_out += 1;
                }
                Err(e) => tally.error(Step::Checkout.name(), e),
            });
        });
    }
    while tasks.join_next().await.is_some() {}
}

/// Wait (at most a minute) until the worker has taken every order off the queue.
async fn drain(client: &reqwest::Client, base: &str) -> bool {
    for _ in 0..120 {
        let text = match client.get(format!("{base}/metrics")).send().await {
            Ok(r) => r.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        let waiting: f64 = text
            .lines()
            .filter(|l| l.starts_with("queue_messages{queue=\"orders\"") || l.starts_with("orders{state=\"pending\""))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum();
        if !text.is_empty() && waiting == 0.0 {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    false
}

async fn signal_term(server: &mut Owned) {
    crate::chaos::procs::signal(server.id(), "TERM");
    for _ in 0..50 {
        if matches!(server.0.try_wait(), Ok(Some(_))) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server.kill();
}
