//! The shop's cookies, built and read in one place with `axum-extra`'s
//! cookie jar: every cookie is HttpOnly, SameSite=Lax, Path=/ and Secure
//! when the shop is served over HTTPS.

use axum::http::{HeaderMap, HeaderValue};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};

/// A cookie's value from the request headers.
pub fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    CookieJar::from_headers(headers).get(name).map(|c| c.value().to_string())
}

/// A `Set-Cookie` value for `name=value` living `max_age_secs` (0 removes it).
pub fn set(name: &str, value: &str, max_age_secs: i64, secure: bool) -> Option<HeaderValue> {
    let cookie = Cookie::build((name.to_string(), value.to_string()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(cookie::time::Duration::seconds(max_age_secs))
        .build();
    HeaderValue::from_str(&cookie.encoded().to_string()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header;

    #[test]
    fn a_cookie_is_read_back_from_among_others() {
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, HeaderValue::from_static("a=1; sf_cart=abc.def"));
        h.append(header::COOKIE, HeaderValue::from_static("theme=dark"));
        assert_eq!(read(&h, "sf_cart").as_deref(), Some("abc.def"));
        assert_eq!(read(&h, "theme").as_deref(), Some("dark"));
        assert_eq!(read(&h, "sf_session"), None);
    }

    #[test]
    fn a_set_cookie_carries_every_protection() {
        let v = set("sf_session", "s1", 3600, true).unwrap();
        let v = v.to_str().unwrap();
        for part in ["sf_session=s1", "HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=3600", "Secure"] {
            assert!(v.contains(part), "{v} lacks {part}");
        }
        let plain = set("sf_session", "", 0, false).unwrap();
        assert!(!plain.to_str().unwrap().contains("Secure") && plain.to_str().unwrap().contains("Max-Age=0"));
    }
}
