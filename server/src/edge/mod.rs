//! Edge protections inside the app (the WAF and CloudFront parts of the
//! design): a shared per-IP rate rule, security headers with a nonce-based
//! Content-Security-Policy, a same-origin check on state-changing requests,
//! request head and body limits and a shared cache for anonymous catalog
//! pages.

pub mod bad_input;
pub mod csrf;
pub mod head_limits;
pub mod headers;
pub mod page_cache;
pub mod page_entry;
pub mod rate;

use axum::extract::ConnectInfo;
use axum::http::HeaderMap;
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Who the client is: the peer, or, on a request from a configured load
/// balancer, the address that balancer wrote into the client-IP header.
#[derive(Clone, Debug, Default)]
pub struct ClientIp {
    header: Option<String>,
    proxies: Vec<IpNet>,
    warned: Arc<AtomicBool>,
}

impl ClientIp {
    pub fn new(header: Option<String>, proxies: Vec<IpNet>) -> Self {
        Self { header, proxies, warned: Arc::default() }
    }

    fn trusted(&self, ip: IpAddr) -> bool {
        self.proxies.iter().any(|n| n.contains(&ip))
    }

    /// The peer unless it is a trusted proxy; then, walking the header from
    /// the right (the entries our proxies appended), the first address that
    /// is not one of them. An entry that is not an address ends the walk at
    /// the last proxy: nothing left of it can be believed.
    pub fn of(&self, headers: &HeaderMap, peer: Option<&ConnectInfo<SocketAddr>>) -> Option<IpAddr> {
        let peer = peer.map(|c| c.0.ip());
        let Some(name) = self.header.as_deref() else {
            if headers.contains_key("x-forwarded-for") && !self.warned.swap(true, Ordering::Relaxed) {
                tracing::warn!(
                    "requests carry X-Forwarded-For but edge.client_ip_header and edge.trusted_proxies are not set: \
                     behind a load balancer every client counts as the balancer's address"
                );
            }
            return peer;
        };
        let mut client = peer?;
        if !self.trusted(client) {
            return Some(client);
        }
        let values: Vec<&str> = headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).collect();
        for entry in values.iter().flat_map(|v| v.split(',')).rev() {
            let Some(ip) = address(entry.trim()) else { break };
            client = ip;
            if !self.trusted(ip) {
                break;
            }
        }
        Some(client)
    }
}

/// An address as proxies write it: bare (`203.0.113.7`, `2001:db8::1`),
/// or with a port as CloudFront's `CloudFront-Viewer-Address` has it
/// (`203.0.113.7:46532`, `[2001:db8::1]:443`, or IPv6 in full form with
/// `:port` appended).
fn address(s: &str) -> Option<IpAddr> {
    s.parse::<IpAddr>()
        .ok()
        .or_else(|| s.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .or_else(|| s.rsplit_once(':').and_then(|(ip, port)| port.parse::<u16>().ok().and(ip.parse().ok())))
}

/// What the rate rule counts: one address, or for IPv6 its /64 (one
/// subscriber's whole prefix, which they can rotate through freely).
pub fn rate_subject(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => ipnet::Ipv6Net::new(v6, 64).map(|n| n.trunc().to_string()).unwrap_or_else(|_| v6.to_string()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(ip: &str) -> ConnectInfo<SocketAddr> {
        ConnectInfo(SocketAddr::new(ip.parse().unwrap(), 5))
    }

    fn forwarded(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", v.parse().unwrap());
        h
    }

    #[test]
    fn the_header_is_believed_only_from_a_trusted_proxy() {
        let ips = ClientIp::new(Some("x-forwarded-for".into()), vec!["10.0.0.0/16".parse().unwrap()]);
        let h = forwarded("198.51.100.9, 203.0.113.7");
        assert_eq!(ips.of(&h, Some(&peer("10.0.3.4"))).unwrap().to_string(), "203.0.113.7");
        assert_eq!(ips.of(&h, Some(&peer("192.0.2.1"))).unwrap().to_string(), "192.0.2.1", "not a proxy");
        assert_eq!(ClientIp::default().of(&h, Some(&peer("10.0.3.4"))).unwrap().to_string(), "10.0.3.4");
    }

    #[test]
    fn proxies_in_the_chain_are_skipped_and_garbage_stops_the_walk() {
        let ips = ClientIp::new(Some("x-forwarded-for".into()), vec!["10.0.0.0/16".parse().unwrap()]);
        let h = forwarded("1.2.3.4, 203.0.113.7, 10.0.9.9");
        assert_eq!(ips.of(&h, Some(&peer("10.0.3.4"))).unwrap().to_string(), "203.0.113.7");
        let h = forwarded("203.0.113.7, garbage, 10.0.9.9");
        assert_eq!(ips.of(&h, Some(&peer("10.0.3.4"))).unwrap().to_string(), "10.0.9.9");
        let h = forwarded("garbage");
        assert_eq!(ips.of(&h, Some(&peer("10.0.3.4"))).unwrap().to_string(), "10.0.3.4");
    }

    #[test]
    fn cloudfronts_viewer_address_carries_a_port() {
        let ips = ClientIp::new(Some("cloudfront-viewer-address".into()), vec!["10.0.0.0/16".parse().unwrap()]);
        let mut h = HeaderMap::new();
        h.insert("cloudfront-viewer-address", "203.0.113.7:46532".parse().unwrap());
        assert_eq!(ips.of(&h, Some(&peer("10.0.3.4"))).unwrap().to_string(), "203.0.113.7");
        h.insert("cloudfront-viewer-address", "2001:db8:85a3:0:0:8a2e:370:7334:443".parse().unwrap());
        assert_eq!(ips.of(&h, Some(&peer("10.0.3.4"))).unwrap().to_string(), "2001:db8:85a3::8a2e:370:7334");
        h.insert("cloudfront-viewer-address", "[2001:db8::1]:443".parse().unwrap());
        assert_eq!(ips.of(&h, Some(&peer("10.0.3.4"))).unwrap().to_string(), "2001:db8::1");
    }

    #[test]
    fn ipv6_clients_are_counted_per_64() {
        let a = rate_subject("2001:db8:1:2:aaaa::1".parse().unwrap());
        assert_eq!(a, rate_subject("2001:db8:1:2:ffff::9".parse().unwrap()));
        assert_eq!(a, "2001:db8:1:2::/64");
        assert_ne!(a, rate_subject("2001:db8:1:3::1".parse().unwrap()));
        assert_eq!(rate_subject("203.0.113.7".parse().unwrap()), "203.0.113.7");
        assert_eq!(rate_subject("::ffff:203.0.113.7".parse().unwrap()), "203.0.113.7");
    }
}
