//! What the benchmarks' shoppers share with a browser: a server-function
//! POST from the shop's own origin, carrying the cart cookie and keeping the
//! one the answer sets.

/// POST `body` (JSON) to `path`; the answer's status and text. Err only
/// when no answer came.
pub async fn post_json(
    client: &reqwest::Client,
    base: &str,
    cookie: &mut Option<String>,
    path: &str,
    body: &serde_json::Value,
) -> Result<(u16, String), String> {
    let mut req = client
        .post(format!("{base}{path}"))
        .header("origin", base)
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(c) = cookie.as_deref() {
        req = req.header("cookie", c);
    }
    let resp = req.send().await.map_err(|e| format!("request failed: {e}"))?;
    let status = resp.status().as_u16();
    if let Some(c) = resp
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("sf_cart="))
    {
        *cookie = Some(c.split(';').next().unwrap_or_default().to_string());
    }
    let text = resp.text().await.map_err(|e| format!("body: {e}"))?;
    Ok((status, text))
}
