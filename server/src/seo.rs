//! `robots.txt` and `sitemap.xml`, generated from the catalog.

use app::state::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;

pub async fn robots(State(st): State<AppState>) -> impl IntoResponse {
    let body = format!(
        "User-agent: *\nDisallow: /search\nDisallow: /cart\nDisallow: /checkout\nDisallow: /admin\nDisallow: /api/\n\nSitemap: {}/sitemap.xml\n",
        st.public_url
    );
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], body)
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}

/// The protocol's limit of URLs per sitemap file.
pub const PER_SITEMAP: usize = 50_000;

/// One URL of the sitemap, with its last change (Unix seconds) when known.
struct Entry {
    loc: String,
    lastmod: Option<i64>,
}

fn day(secs: i64) -> String {
    domain::promo::format_day(secs)
}

/// Home, categories, then products oldest first, so a new product changes
/// only the last part of a split sitemap (a product's `lastmod` is the day
/// it was created: cards carry no later date).
async fn entries(st: &AppState) -> Result<Vec<Entry>, String> {
    let cats = st.catalog.categories().await.map_err(|e| e.to_string())?;
    let cards = st.catalog.category("*").await.map_err(|e| e.to_string())?;
    let base = &st.public_url;
    let mut out = vec![Entry { loc: format!("{base}/"), lastmod: None }];
    out.extend(cats.iter().map(|c| Entry { loc: format!("{base}/c/{}", c.as_str()), lastmod: None }));
    out.extend(cards.iter().rev().map(|c| Entry { loc: format!("{base}/p/{}", c.slug), lastmod: Some(c.created_at) }));
    Ok(out)
}

fn urlset(entries: &[Entry]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for e in entries {
        match e.lastmod {
            Some(t) => {
                out.push_str(&format!("<url><loc>{}</loc><lastmod>{}</lastmod></url>\n", xml_escape(&e.loc), day(t)))
            }
            None => out.push_str(&format!("<url><loc>{}</loc></url>\n", xml_escape(&e.loc))),
        }
    }
    out.push_str("</urlset>\n");
    out
}

/// A sitemap index naming `/sitemaps/N.xml` for each `per_file` entries,
/// each with the latest `lastmod` of its part.
fn index(base: &str, entries: &[Entry], per_file: usize) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (n, part) in entries.chunks(per_file.max(1)).enumerate() {
        let loc = xml_escape(&format!("{base}/sitemaps/{}.xml", n + 1));
        match part.iter().filter_map(|e| e.lastmod).max() {
            Some(t) => out.push_str(&format!("<sitemap><loc>{loc}</loc><lastmod>{}</lastmod></sitemap>\n", day(t))),
            None => out.push_str(&format!("<sitemap><loc>{loc}</loc></sitemap>\n")),
        }
    }
    out.push_str("</sitemapindex>\n");
    out
}

fn xml(body: String) -> axum::response::Response {
    ([(header::CONTENT_TYPE, "application/xml; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], body)
        .into_response()
}

fn unavailable(e: String) -> axum::response::Response {
    tracing::error!(error = %e, "sitemap: catalog unavailable");
    (StatusCode::SERVICE_UNAVAILABLE, [(header::CONTENT_TYPE, "text/plain")], "catalog unavailable".to_string())
        .into_response()
}

/// `/sitemap.xml`: the whole catalog when it fits one file, else an index
/// of `/sitemaps/N.xml` parts.
pub async fn sitemap(State(st): State<AppState>) -> impl IntoResponse {
    match entries(&st).await {
        Ok(all) if all.len() <= PER_SITEMAP => xml(urlset(&all)),
        Ok(all) => xml(index(&st.public_url, &all, PER_SITEMAP)),
        Err(e) => unavailable(e),
    }
}

/// `/sitemaps/N.xml`: the Nth part of a catalog too big for one file.
pub async fn sitemap_part(State(st): State<AppState>, Path(file): Path<String>) -> impl IntoResponse {
    let n = file.strip_suffix(".xml").and_then(|n| n.parse::<usize>().ok()).filter(|n| *n >= 1);
    let Some(n) = n else { return StatusCode::NOT_FOUND.into_response() };
    match entries(&st).await {
        Ok(all) => match all.chunks(PER_SITEMAP).nth(n - 1) {
            Some(part) => xml(urlset(part)),
            None => StatusCode::NOT_FOUND.into_response(),
        },
        Err(e) => unavailable(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(loc: &str, lastmod: Option<i64>) -> Entry {
        Entry { loc: loc.into(), lastmod }
    }

    #[test]
    fn an_index_names_each_part_with_its_latest_change() {
        let all = [
            entry("https://s.test/", None),
            entry("https://s.test/p/a", Some(86_400)),
            entry("https://s.test/p/b&c", Some(3 * 86_400)),
        ];
        let idx = index("https://s.test", &all, 2);
        assert!(
            idx.contains("<sitemap><loc>https://s.test/sitemaps/1.xml</loc><lastmod>1970-01-02</lastmod></sitemap>")
        );
        assert!(
            idx.contains("<sitemap><loc>https://s.test/sitemaps/2.xml</loc><lastmod>1970-01-04</lastmod></sitemap>")
        );
        assert_eq!(idx.matches("<sitemap>").count(), 2);
        let part = urlset(&all[2..]);
        assert!(part.contains("<url><loc>https://s.test/p/b&amp;c</loc><lastmod>1970-01-04</lastmod></url>"));
        assert!(urlset(&all[..1]).contains("<url><loc>https://s.test/</loc></url>"), "no date when none is known");
    }
}
