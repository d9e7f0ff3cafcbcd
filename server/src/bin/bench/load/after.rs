//! `bench load`'s last phase: the listings once the flash sale has sold its
//! product out. The last unit turns the product's card to "sold out", and
//! every listing it is on (the whole shop's, 100,000 cards at scale) is
//! patched on its next read. `SHOPPERS` shoppers arrive within a quarter of
//! a second at the product's category, filtered so that the product is on
//! the first page (a query the mix never sends: the page cache misses and
//! the listing is read). Each is timed and must see the card sold out; the
//! same filter with `in_stock=1` must leave the product out.

use super::flows::Tally;
use super::FLASH;
use shop::catalog::seed;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const SHOPPERS: usize = 50;
pub const ROW: &str = "listing after sell-out";
const IN_STOCK_ROW: &str = "in-stock filter after it";

pub async fn run(client: &reqwest::Client, base: &str, t: &Arc<Mutex<Tally>>) {
    let p = seed::product(FLASH);
    let units = p.min_price().minor() / 100;
    let query = serde_urlencoded::to_string([
        ("brand", p.brand.clone()),
        ("min", units.to_string()),
        ("max", (units + 1).to_string()),
    ])
    .unwrap_or_default();
    let url = format!("{base}/c/{}?{query}", p.category);
    let href = format!("href=\"/p/{}\"", p.slug);
    let start = tokio::time::Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..SHOPPERS {
        let at = start + Duration::from_secs_f64(i as f64 / SHOPPERS as f64 / 4.0);
        let (client, url, href, t) = (client.clone(), url.clone(), href.clone(), t.clone());
        tasks.spawn(async move {
            tokio::time::sleep_until(at).await;
            let at = at.into_std();
            let seen = get(&client, &url).await.and_then(|body| match card_of(&body, &href) {
                Some(card) if card.contains("out-of-stock") => Ok(()),
                Some(_) => Err("the sold-out product's card is not marked sold out".to_string()),
                None => Err("the sold-out product is missing from its filtered category".to_string()),
            });
            record(&t, ROW, at, seen);
        });
    }
    while tasks.join_next().await.is_some() {}
    let at = Instant::now();
    let left_out = get(client, &format!("{url}&in_stock=1")).await.and_then(|body| match card_of(&body, &href) {
        None => Ok(()),
        Some(_) => Err("the in-stock filter still lists the sold-out product".to_string()),
    });
    record(t, IN_STOCK_ROW, at, left_out);
}

fn record(t: &Mutex<Tally>, row: &'static str, at: Instant, r: Result<(), String>) {
    let mut t = t.lock().unwrap_or_else(|p| p.into_inner());
    match r {
        Ok(()) => t.ok(row, at.elapsed()),
        Err(e) => t.error(row, e),
    }
}

/// The page's HTML (uncompressed: no `Accept-Encoding`); Err unless a 200.
async fn get(client: &reqwest::Client, url: &str) -> Result<String, String> {
    let resp = client.get(url).send().await.map_err(|e| format!("GET {url}: {e}"))?;
    let status = resp.status().as_u16();
    let body = resp.text().await.map_err(|e| format!("GET {url} body: {e}"))?;
    if status != 200 {
        return Err(format!("GET {url}: HTTP {status}"));
    }
    Ok(body)
}

/// The card linking to `href`: from the link to the end of its list item.
fn card_of<'a>(html: &'a str, href: &str) -> Option<&'a str> {
    let from = html.find(href)?;
    let rest = &html[from..];
    Some(&rest[..rest.find("</li>").unwrap_or(rest.len())])
}

#[cfg(test)]
mod tests {
    use super::card_of;

    #[test]
    fn a_card_ends_at_its_list_item_so_the_next_cards_badge_is_not_its_own() {
        let html = r#"<li class="card"><a href="/p/a">A</a></li><li class="card"><a href="/p/b"><p class="out-of-stock">Sold out</p></a></li>"#;
        assert!(!card_of(html, r#"href="/p/a""#).unwrap().contains("out-of-stock"));
        assert!(card_of(html, r#"href="/p/b""#).unwrap().contains("out-of-stock"));
        assert!(card_of(html, r#"href="/p/c""#).is_none());
    }
}
