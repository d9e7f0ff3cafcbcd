//! Edge protections inside the app (the WAF and CloudFront parts of the
//! design): a shared per-IP rate rule, security headers with a nonce-based
//! Content-Security-Policy, a same-origin check on state-changing requests,
//! request body limits and a shared cache for anonymous catalog pages.

pub mod bad_input;
pub mod csrf;
pub mod headers;
pub mod page_cache;
pub mod rate;

use axum::extract::ConnectInfo;
use axum::http::HeaderMap;
use std::net::{IpAddr, SocketAddr};

/// The client's IP: from the trusted proxy header when configured (its
/// right-most entry, the one the load balancer appended), else the peer.
pub fn client_ip(headers: &HeaderMap, peer: Option<&ConnectInfo<SocketAddr>>, header: Option<&str>) -> Option<IpAddr> {
    if let Some(name) = header {
        if let Some(ip) = headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|s| s.trim().parse::<IpAddr>().ok())
            .next_back()
        {
            return Some(ip);
        }
    }
    peer.map(|c| c.0.ip())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_right_most_forwarded_address_is_the_client() {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "10.9.9.9, 203.0.113.7".parse().unwrap());
        let peer = ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 5)));
        assert_eq!(client_ip(&h, Some(&peer), Some("x-forwarded-for")).unwrap().to_string(), "203.0.113.7");
        assert_eq!(client_ip(&h, Some(&peer), None).unwrap().to_string(), "127.0.0.1");
        h.insert("x-forwarded-for", "garbage".parse().unwrap());
        assert_eq!(client_ip(&h, Some(&peer), Some("x-forwarded-for")).unwrap().to_string(), "127.0.0.1");
    }
}
