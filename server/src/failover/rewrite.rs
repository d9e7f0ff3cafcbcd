//! Turning a live page into its offline copy: no scripts (nothing to hydrate
//! against), a banner saying what the copy is, links that resolve on a
//! static host (`/p/slug` → `/p/slug/`, pages as folders), and every way to
//! order replaced by a link to the "ordering is briefly unavailable" page.

/// Path of the static file for a site path: `/` → `index.html`,
/// `/c/apparel?page=2` → `c/apparel/page/2/index.html`.
pub fn file_for(path: &str) -> String {
    let (base, query) = path.split_once('?').unwrap_or((path, ""));
    let page =
        query.split('&').find_map(|kv| kv.strip_prefix("page=")).and_then(|p| p.parse::<u32>().ok()).filter(|p| *p > 1);
    let mut dir = base.trim_matches('/').to_string();
    if let Some(p) = page {
        dir = format!("{dir}/page/{p}");
    }
    if dir.is_empty() {
        "index.html".into()
    } else {
        format!("{dir}/index.html")
    }
}

/// The link a static host can resolve for a site link (None: leave as is).
pub fn static_link(href: &str) -> Option<String> {
    if !href.starts_with('/')
        || href.starts_with("//")
        || href.starts_with("/pkg/")
        || href.starts_with("/img/")
        || href.contains('.') && !href.contains('?')
    {
        return None;
    }
    let (base, query) = href.split_once('?').unwrap_or((href, ""));
    let base = base.trim_end_matches('/');
    let ordering = ["/cart", "/checkout", "/orders", "/account", "/admin", "/wishlist"]
        .iter()
        .any(|p| base == *p || base.starts_with(&format!("{p}/")));
    if ordering {
        return Some("/ordering-unavailable/".into());
    }
    if base == "/search" {
        return Some("/search/".into());
    }
    let page =
        query.split('&').find_map(|kv| kv.strip_prefix("page=")).and_then(|p| p.parse::<u32>().ok()).filter(|p| *p > 1);
    Some(match page {
        Some(p) if base.starts_with("/c/") => format!("{base}/page/{p}/"),
        _ if base.is_empty() => "/".into(),
        _ => format!("{base}/"),
    })
}

fn remove_between(html: &str, open: &str, close: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find(open) {
        out.push_str(&rest[..i]);
        match rest[i..].find(close) {
            Some(j) => rest = &rest[i + j + close.len()..],
            None => {
                rest = "";
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Remove each `open … close` element whose opening tag contains `marker`.
fn remove_element_with(html: &str, open: &str, marker: &str, close: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(m) = rest.find(marker) {
        let (Some(start), Some(end)) = (rest[..m].rfind(open), rest[m..].find(close)) else { break };
        let tag_end = rest[start..].find('>').map(|i| start + i).unwrap_or(m);
        if tag_end < m {
            // The marker is not inside this opening tag: keep going after it.
            out.push_str(&rest[..m + marker.len()]);
            rest = &rest[m + marker.len()..];
            continue;
        }
        out.push_str(&rest[..start]);
        rest = &rest[m + end + close.len()..];
    }
    out.push_str(rest);
    out
}

fn rewrite_attr(html: &str, attr: &str) -> String {
    let needle = format!("{attr}=\"");
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find(&needle) {
        let start = i + needle.len();
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('"') else { break };
        let value = &rest[start..start + len];
        let unescaped = value.replace("&amp;", "&");
        out.push_str(&static_link(&unescaped).unwrap_or_else(|| value.to_string()));
        rest = &rest[start + len..];
    }
    out.push_str(rest);
    out
}

/// The offline form of a live page.
pub fn offline_page(html: &str, as_of: &str) -> String {
    let mut h = remove_between(html, "<script", "</script>");
    h = remove_between(&h, "<link rel=\"modulepreload\"", ">");
    h = remove_between(&h, "<link rel=\"preload\"", ">");
    // Buying needs a server: the add-to-cart button becomes a link that says so.
    h = remove_element_with(&h, "<button", "add-to-cart", "</button>");
    h = h.replace(
        "<p role=\"status\" data-testid=\"add-result\">",
        "<p><a class=\"button\" href=\"/ordering-unavailable/\">Ordering is briefly unavailable</a></p><p role=\"status\" data-testid=\"add-result\">",
    );
    h = rewrite_attr(&h, "href");
    h = rewrite_attr(&h, "action");
    let banner = format!(
        "<div class=\"offline-banner\" role=\"status\" data-testid=\"offline-banner\">You are browsing an offline copy of the shop, prices as of {as_of}. Ordering is briefly unavailable.</div>"
    );
    match h.find("<body>") {
        Some(i) => format!("{}{banner}{}", &h[..i + 6], &h[i + 6..]),
        None => format!("{banner}{h}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_map_to_folders_a_static_host_resolves() {
        assert_eq!(file_for("/"), "index.html");
        assert_eq!(file_for("/p/linen-shirt"), "p/linen-shirt/index.html");
        assert_eq!(file_for("/c/apparel/shirts?page=3"), "c/apparel/shirts/page/3/index.html");
        assert_eq!(file_for("/c/apparel?page=1"), "c/apparel/index.html");
    }

    #[test]
    fn links_are_rewritten_for_the_static_copy() {
        assert_eq!(static_link("/p/linen-shirt?variant=LS-M").as_deref(), Some("/p/linen-shirt/"));
        assert_eq!(static_link("/c/apparel?sort=price-asc&page=2").as_deref(), Some("/c/apparel/page/2/"));
        assert_eq!(static_link("/c/apparel?brand=Acme").as_deref(), Some("/c/apparel/"));
        assert_eq!(static_link("/cart").as_deref(), Some("/ordering-unavailable/"));
        assert_eq!(static_link("/checkout").as_deref(), Some("/ordering-unavailable/"));
        assert_eq!(
            static_link("/wishlist").as_deref(),
            Some("/ordering-unavailable/"),
            "a shopper's list needs the server"
        );
        assert_eq!(static_link("/account/sign-in").as_deref(), Some("/ordering-unavailable/"));
        assert_eq!(static_link("/img/boots-sand.svg"), None);
        assert_eq!(static_link("/pkg/storefront.abc.css"), None);
        assert_eq!(static_link("https://elsewhere.example/"), None);
        assert_eq!(static_link("/").as_deref(), Some("/"));
    }

    #[test]
    fn the_offline_page_has_a_banner_and_no_scripts_or_buy_button() {
        let live = r#"<html><head><script nonce="x">boot()</script><link rel="modulepreload" href="/pkg/a.js"></head><body><a href="/cart">Cart</a><button type="button" class="primary add-to-cart">Add to cart</button><p role="status" data-testid="add-result"></p></body></html>"#;
        let off = offline_page(live, "2026-11-22 12:00 UTC");
        assert!(!off.contains("<script"));
        assert!(!off.contains("modulepreload"));
        assert!(!off.contains("Add to cart"));
        assert!(off.contains("prices as of 2026-11-22 12:00 UTC"));
        assert!(off.contains(r#"href="/ordering-unavailable/""#));
    }
}
