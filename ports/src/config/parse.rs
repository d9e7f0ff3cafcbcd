//! Reading one raw value into its type; every error names the setting.

use super::{err, ConfigError, DatabaseConfig, RawSettings};
use std::path::PathBuf;

/// Set `key` (named `source` in errors), remembering it was given.
pub(super) fn set(raw: &mut RawSettings, key: &str, value: String, source: &str) -> Result<(), ConfigError> {
    if !raw.contains_key(key) {
        return Err(err(source, format!("unknown setting {key:?}")));
    }
    raw.insert(key.to_string(), value);
    raw.insert(format!("{GIVEN}{key}"), String::new());
    Ok(())
}

/// Prefix of the marks `set` leaves for keys given by the file or the
/// environment (as opposed to defaults).
pub(super) const GIVEN: &str = "given:";

pub(super) fn merge_toml(raw: &mut RawSettings, text: &str) -> Result<(), ConfigError> {
    let doc: toml::Table = text.parse().map_err(|e| err("STOREFRONT_CONFIG", format!("not valid TOML: {e}")))?;
    for (section, table) in doc {
        let toml::Value::Table(table) = table else {
            return Err(err(&section, "expected a [section] table"));
        };
        for (k, v) in table {
            let key = format!("{section}.{k}");
            let value = match v {
                toml::Value::String(s) => s,
                other => other.to_string(),
            };
            set(raw, &key, value, &key)?;
        }
    }
    Ok(())
}

pub(super) fn boolean(key: &str, v: &str) -> Result<bool, ConfigError> {
    match v {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        other => Err(err(key, format!("expected true or false, got {other:?}"))),
    }
}

pub(super) fn number(key: &str, v: &str, min: u64, max: u64) -> Result<u64, ConfigError> {
    match v.parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(err(key, format!("expected a whole number from {min} to {max}, got {v:?}"))),
    }
}

pub(super) fn path(v: &str, key: &str) -> Result<PathBuf, ConfigError> {
    if v.trim().is_empty() {
        return Err(err(key, "must not be empty"));
    }
    Ok(PathBuf::from(v))
}

pub(super) fn name(key: &str, v: &str) -> Result<String, ConfigError> {
    if v.is_empty() || !v.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
        return Err(err(key, format!("expected a name of letters, digits, - _ or ., got {v:?}")));
    }
    Ok(v.to_string())
}

pub(super) fn http_url(key: &str, v: &str) -> Result<String, ConfigError> {
    if !(v.starts_with("http://") || v.starts_with("https://")) || v.len() < 10 {
        return Err(err(key, format!("expected an http(s):// URL, got {v:?}")));
    }
    Ok(v.trim_end_matches('/').to_string())
}

/// In production the public origin is what shoppers reach: HTTPS, and not
/// this machine (a loopback origin breaks canonical URLs, the sitemap and
/// the CSRF origin check behind a load balancer).
pub(super) fn production_origin(url: &str) -> Result<(), ConfigError> {
    let host = url.split("://").nth(1).unwrap_or("").split(['/', ':']).next().unwrap_or("");
    if !url.starts_with("https://") {
        return Err(err("server.public_url", format!("production needs an https:// origin, got {url:?}")));
    }
    let loopback = host == "localhost" || host.starts_with("127.") || host == "0.0.0.0" || url.contains("://[::1]");
    if loopback || host.is_empty() {
        return Err(err("server.public_url", format!("production needs the shop's public host, got {url:?}")));
    }
    Ok(())
}

pub(super) fn database(v: &str, ca_file: &str) -> Result<DatabaseConfig, ConfigError> {
    if let Some(p) = v.strip_prefix("sqlite://") {
        if !ca_file.is_empty() {
            return Err(err("database.ca_file", "only a postgres:// database.url uses TLS"));
        }
        return Ok(DatabaseConfig::Sqlite { path: path(p, "database.url")? });
    }
    if v.starts_with("postgres://") || v.starts_with("postgresql://") {
        return Ok(DatabaseConfig::Postgres {
            url: v.to_string(),
            ca_file: optional_file("database.ca_file", ca_file)?,
        });
    }
    Err(err("database.url", "expected sqlite://PATH or postgres://…"))
}

/// A CA bundle setting: empty for none, else a file that exists (its PEM
/// is read when connecting, and a bad one names the setting then).
pub(super) fn optional_file(key: &str, v: &str) -> Result<Option<PathBuf>, ConfigError> {
    if v.is_empty() {
        return Ok(None);
    }
    let p = PathBuf::from(v);
    if !p.is_file() {
        return Err(err(key, format!("no such file {v:?}")));
    }
    Ok(Some(p))
}

/// The load balancers' addresses: CIDRs or single addresses, separated by
/// commas or spaces. A client-IP header without them would be believed from
/// anyone, so setting the header requires them.
pub(super) fn proxies(header: &str, v: &str) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    let key = "edge.trusted_proxies";
    let mut nets = Vec::new();
    for item in v.split([',', ' ']).map(str::trim).filter(|s| !s.is_empty()) {
        let net = match item.parse::<ipnet::IpNet>() {
            Ok(n) => n.trunc(),
            Err(_) => match item.parse::<std::net::IpAddr>() {
                Ok(ip) => ipnet::IpNet::from(ip),
                Err(_) => {
                    return Err(err(key, format!("expected an address or CIDR such as 10.0.0.0/16, got {item:?}")))
                }
            },
        };
        nets.push(net);
    }
    if !header.trim().is_empty() && nets.is_empty() {
        return Err(err(
            key,
            "edge.client_ip_header is set: name the load balancers' addresses (e.g. 10.0.0.0/16), or anyone could choose their own IP",
        ));
    }
    Ok(nets)
}
