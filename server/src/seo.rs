//! `robots.txt` and `sitemap.xml`, generated from the catalog.

use app::state::AppState;
use axum::extract::State;
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

/// One sitemap of at most 50,000 URLs (the protocol's limit): home,
/// categories, then products newest first.
pub async fn sitemap(State(st): State<AppState>) -> impl IntoResponse {
    let (cats, cards) = match (st.catalog.categories().await, st.catalog.category("*").await) {
        (Ok(c), Ok(p)) => (c, p),
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!(error = %e, "sitemap: catalog unavailable");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CONTENT_TYPE, "text/plain")],
                "catalog unavailable".to_string(),
            )
                .into_response();
        }
    };
    let base = &st.public_url;
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    out.push_str(&format!("<url><loc>{}/</loc></url>\n", xml_escape(base)));
    for c in &cats {
        out.push_str(&format!("<url><loc>{}/c/{}</loc></url>\n", xml_escape(base), xml_escape(c.as_str())));
    }
    for card in cards.iter().take(50_000 - 1 - cats.len()) {
        out.push_str(&format!("<url><loc>{}/p/{}</loc></url>\n", xml_escape(base), xml_escape(&card.slug)));
    }
    out.push_str("</urlset>\n");
    ([(header::CONTENT_TYPE, "application/xml; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], out)
        .into_response()
}
