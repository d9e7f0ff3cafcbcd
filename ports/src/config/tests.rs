//! The loader's promises: sources and their order, errors that name the
//! setting, the production profile, and which variables are ours.

use super::*;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

#[test]
fn defaults_choose_every_embedded_adapter() {
    let s = Settings::from_sources(None, env(&[])).unwrap();
    assert_eq!(s.cache, CacheConfig::Memory);
    assert!(matches!(s.database, DatabaseConfig::Sqlite { .. }));
    assert!(matches!(s.queue.backend, QueueBackend::Local { .. }));
    assert!(!s.uses_aws());
}

#[test]
fn environment_overrides_the_file() {
    let file = "[cache]\nurl = \"redis://a:1\"\n[queue]\nmax_receives = 3\n";
    let s = Settings::from_sources(Some(file), env(&[("STOREFRONT_CACHE__URL", "redis://b:2")])).unwrap();
    assert_eq!(s.cache, CacheConfig::Redis { url: "redis://b:2".into(), ca_file: None });
    assert_eq!(s.queue.max_receives, 3);
}

#[test]
fn a_bad_value_names_the_setting() {
    let e = Settings::from_sources(None, env(&[("STOREFRONT_CACHE__URL", "memcached://x")])).unwrap_err();
    assert_eq!(e.key, "cache.url");
    let e = Settings::from_sources(Some("[queue]\nmax_receives = 0\n"), env(&[])).unwrap_err();
    assert_eq!(e.key, "queue.max_receives");
    let e = Settings::from_sources(None, env(&[("STOREFRONT_SERVER__ADDR", "nope")])).unwrap_err();
    assert_eq!(e.key, "server.addr");
}

#[test]
fn a_ca_bundle_is_taken_only_for_a_tls_capable_url_and_only_if_it_exists() {
    let here = env!("CARGO_MANIFEST_DIR").to_string() + "/Cargo.toml";
    let pg = env(&[("STOREFRONT_DATABASE__URL", "postgres://db/x"), ("STOREFRONT_DATABASE__CA_FILE", &here)]);
    let s = Settings::from_sources(None, pg).unwrap();
    assert_eq!(
        s.database,
        DatabaseConfig::Postgres { url: "postgres://db/x".into(), ca_file: Some(here.clone().into()) }
    );
    let e = Settings::from_sources(None, env(&[("STOREFRONT_DATABASE__CA_FILE", &here)])).unwrap_err();
    assert_eq!(e.key, "database.ca_file", "sqlite has no TLS");
    let missing =
        env(&[("STOREFRONT_CACHE__URL", "rediss://c:6379"), ("STOREFRONT_CACHE__CA_FILE", "/no/such/ca.pem")]);
    assert_eq!(Settings::from_sources(None, missing).unwrap_err().key, "cache.ca_file");
    let e = Settings::from_sources(None, env(&[("STOREFRONT_CACHE__CA_FILE", &here)])).unwrap_err();
    assert_eq!(e.key, "cache.ca_file", "the in-process cache has no TLS");
}

#[test]
fn production_refuses_a_loopback_or_plain_http_origin_and_seeds_nothing_unless_asked() {
    let prod = |extra: &[(&str, &str)]| {
        let mut v = vec![
            ("STOREFRONT_SERVER__PROFILE", "production"),
            ("STOREFRONT_SERVER__PUBLIC_URL", "https://shop.example.com"),
            ("STOREFRONT_SERVER__OPS_ADDR", "10.0.0.5:9090"),
            ("STOREFRONT_MAIL__KIND", "ses"),
        ];
        v.extend_from_slice(extra);
        Settings::from_sources(None, env(&v))
    };
    let s = prod(&[]).unwrap();
    assert_eq!((s.profile, s.seed_products), (Profile::Production, 0));
    assert_eq!(prod(&[("STOREFRONT_SERVER__SEED_PRODUCTS", "300")]).unwrap().seed_products, 300, "asked for");
    for bad in ["http://shop.example.com", "https://127.0.0.1:3000", "https://localhost", "https://[::1]:3000"] {
        let e = prod(&[("STOREFRONT_SERVER__PUBLIC_URL", bad)]).unwrap_err();
        assert_eq!(e.key, "server.public_url", "{bad}");
    }
    assert_eq!(
        prod(&[("STOREFRONT_SERVER__OPS_ADDR", "")]).unwrap_err().key,
        "server.ops_addr",
        "metrics off the public port"
    );
    let dev = Settings::from_sources(None, env(&[])).unwrap();
    assert_eq!((dev.profile, dev.seed_products, dev.ops_addr), (Profile::Development, 300, None));
}

#[test]
fn variables_outside_the_prefix_are_someone_elses_and_ignored() {
    let s = Settings::from_sources(None, env(&[("APP_NAME", "shop"), ("CACHE__URL", "nope")])).unwrap();
    assert_eq!(s, Settings::from_sources(None, env(&[])).unwrap());
}

#[test]
fn an_unknown_key_is_refused() {
    let e = Settings::from_sources(None, env(&[("STOREFRONT_CACHE__URLL", "memory")])).unwrap_err();
    assert_eq!(e.key, "STOREFRONT_CACHE__URLL");
    assert!(Settings::from_sources(Some("[nope]\nx = 1\n"), env(&[])).is_err());
}

#[test]
fn the_client_ip_header_needs_the_proxies_it_is_believed_from() {
    let header = ("STOREFRONT_EDGE__CLIENT_IP_HEADER", "x-forwarded-for");
    assert_eq!(Settings::from_sources(None, env(&[header])).unwrap_err().key, "edge.trusted_proxies");
    let s =
        Settings::from_sources(None, env(&[header, ("STOREFRONT_EDGE__TRUSTED_PROXIES", "10.0.0.0/16, 2001:db8::1")]))
            .unwrap();
    let shown: Vec<String> = s.edge.trusted_proxies.iter().map(|n| n.to_string()).collect();
    assert_eq!(shown, ["10.0.0.0/16", "2001:db8::1/128"]);
    let e =
        Settings::from_sources(None, env(&[header, ("STOREFRONT_EDGE__TRUSTED_PROXIES", "10.0.0.0/33")])).unwrap_err();
    assert_eq!(e.key, "edge.trusted_proxies");
}
