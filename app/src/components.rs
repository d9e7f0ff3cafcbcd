//! Server-rendered building blocks shared by pages.

use crate::model::CategoryLink;
use domain::catalog::{Listing, ProductCard};
use leptos::prelude::*;

/// The image's own size for `width`/`height`, or a square 400 when unknown (demo SVGs).
pub fn image_size(image: &domain::product::Image) -> (u32, u32) {
    if image.width > 0 && image.height > 0 {
        (image.width, image.height)
    } else {
        (400, 400)
    }
}

/// A product image: a `<picture>` offering the WebP and JPEG copies by
/// width (`srcset`, `sizes`) when the image has them, else a plain `<img>`
/// (demo SVGs); `width`/`height` are the image's own, so nothing jumps.
#[component]
pub fn ProductImg(
    image: domain::product::Image,
    sizes: &'static str,
    #[prop(optional)] lazy: bool,
    #[prop(optional)] testid: Option<&'static str>,
) -> impl IntoView {
    let (w, h) = image_size(&image);
    let loading = lazy.then_some("lazy");
    match (image.srcset("webp"), image.srcset("jpg")) {
        (Some(webp), Some(jpg)) => view! {
            <picture>
                <source type="image/webp" srcset=webp sizes=sizes />
                <img src=image.url alt=image.alt srcset=jpg sizes=sizes width=w height=h loading=loading data-testid=testid />
            </picture>
        }
        .into_any(),
        _ => view! { <img src=image.url alt=image.alt width=w height=h loading=loading data-testid=testid /> }.into_any(),
    }
}

/// Query parameters of the current request (server side; pages render there).
pub fn request_query() -> Vec<(String, String)> {
    #[cfg(feature = "ssr")]
    {
        use_context::<axum::http::request::Parts>()
            .and_then(|p| p.uri.query().map(|q| serde_urlencoded::from_str(q).unwrap_or_default()))
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        Vec::new()
    }
}

/// Set the HTTP status of the page being rendered.
pub fn set_status(code: u16) {
    #[cfg(feature = "ssr")]
    if let (Some(r), Ok(s)) = (use_context::<leptos_axum::ResponseOptions>(), axum::http::StatusCode::from_u16(code)) {
        r.set_status(s);
    }
    #[cfg(not(feature = "ssr"))]
    let _ = code;
}

pub fn query_string(pairs: &[(String, String)]) -> String {
    if pairs.is_empty() {
        return String::new();
    }
    let enc: Vec<String> = pairs.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect();
    format!("?{}", enc.join("&"))
}

/// Percent-encode a query component.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Escape text for HTML (used where a library writes text unescaped).
pub fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// JSON for a `<script type="application/ld+json">`, safe inside HTML.
pub fn json_ld(v: &serde_json::Value) -> String {
    json_ld_text(&v.to_string())
}

/// JSON text made safe inside a `<script>` element: `<`, `>` and `&` as
/// JSON escapes, so no string in it can close the element.
pub fn json_ld_text(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + 16);
    let mut rest = json;
    // Copies the runs between the three characters, not one char at a time
    // (char by char was 2% of a rendered product page's CPU).
    while let Some(at) = memchr::memchr3(b'<', b'>', b'&', rest.as_bytes()) {
        out.push_str(&rest[..at]);
        out.push_str(match rest.as_bytes()[at] {
            b'<' => "\\u003c",
            b'>' => "\\u003e",
            _ => "\\u0026",
        });
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
    out
}

#[component]
pub fn ProductCardView(
    card: ProductCard,
    /// Why this card is shown (recommendations), under the price.
    #[prop(default = None)]
    why: Option<String>,
) -> impl IntoView {
    let href = format!("/p/{}", card.slug);
    let image =
        card.image.unwrap_or_else(|| domain::product::Image { url: "/favicon.svg".into(), ..Default::default() });
    view! {
        <li class="card">
            <a href=href>
                <ProductImg image sizes="(min-width: 900px) 25vw, (min-width: 600px) 33vw, 50vw" lazy=true />
                <div class="body">
                    <h3>{card.title}</h3>
                    <p class="muted">{card.brand}</p>
                    <p>
                        <span class="price">{card.price.to_string()}</span>
                        {card.compare_at.map(|c| view! { <span class="compare-at">{c.to_string()}</span> })}
                    </p>
                    {card.rating.and_then(|r| r.average().map(|avg| {
                        let label = format!("Rated {avg} out of 5 by {} shopper{}", r.count, if r.count == 1 { "" } else { "s" });
                        view! { <p class="card-rating" aria-label=label>{format!("★ {avg} ({})", r.count)}</p> }
                    }))}
                    {(!card.in_stock).then(|| view! { <p class="out-of-stock">"Sold out"</p> })}
                    {why.map(|w| view! { <p class="why">{w}</p> })}
                </div>
            </a>
        </li>
    }
}

#[component]
pub fn ProductGrid(cards: Vec<ProductCard>) -> impl IntoView {
    view! {
        <ul class="grid">
            {cards.into_iter().map(|card| view! { <ProductCardView card /> }).collect_view()}
        </ul>
    }
}

#[component]
pub fn Breadcrumbs(crumbs: Vec<CategoryLink>, #[prop(optional)] current: Option<String>) -> impl IntoView {
    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <ol>
                <li><a href="/">"Home"</a></li>
                {crumbs.into_iter().map(|c| { let href = c.href(); view! { <li><a href=href>{c.name}</a></li> } }).collect_view()}
                {current.map(|t| view! { <li aria-current="page">{t}</li> })}
            </ol>
        </nav>
    }
}

/// Links to pages of a listing: first, previous, a window around the current, next, last.
#[component]
pub fn Pagination(base: String, listing: Listing, pages: u32) -> impl IntoView {
    let current = listing.page;
    let link = move |p: u32| {
        let mut l = listing.clone();
        l.page = p;
        format!("{base}{}", query_string(&l.to_query()))
    };
    let from = current.saturating_sub(2).max(1);
    let to = (current + 2).min(pages);
    view! {
        <nav class="pagination" aria-label="Pages">
            {(current > 1).then(|| view! { <a href=link(current - 1) rel="prev">"Previous"</a> })}
            {(from..=to)
                .map(|p| {
                    if p == current {
                        view! { <span aria-current="page">{p}</span> }.into_any()
                    } else {
                        view! { <a href=link(p)>{p}</a> }.into_any()
                    }
                })
                .collect_view()}
            {(current < pages).then(|| view! { <a href=link(current + 1) rel="next">"Next"</a> })}
        </nav>
    }
}
