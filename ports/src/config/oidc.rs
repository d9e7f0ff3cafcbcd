//! The `[oidc]` section: an outside OpenID Connect issuer shoppers may sign
//! in with, beside their password (issue 14: "OIDC sign-in against any
//! issuer"). Off while `oidc.issuer` is empty. The issuer must be HTTPS,
//! except on this machine outside production (a local test issuer).

use super::{err, ConfigError, OidcConfig, Profile, RawSettings};

pub(super) fn parse(raw: &RawSettings, profile: Profile) -> Result<Option<OidcConfig>, ConfigError> {
    let get = |k: &str| raw.get(k).map(|v| v.trim()).unwrap_or("");
    let issuer = get("oidc.issuer");
    if issuer.is_empty() {
        for key in ["oidc.client_id", "oidc.client_secret"] {
            if !get(key).is_empty() {
                return Err(err(key, "set oidc.issuer too, or leave the [oidc] section out"));
            }
        }
        return Ok(None);
    }
    let url = url::Url::parse(issuer)
        .map_err(|e| err("oidc.issuer", format!("expected the issuer's https:// URL, got {issuer:?}: {e}")))?;
    let local = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    match url.scheme() {
        "https" => {}
        "http" if local && profile != Profile::Production => {}
        _ => return Err(err("oidc.issuer", format!("expected an https:// issuer URL, got {issuer:?}"))),
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(err("oidc.issuer", "an issuer URL has no query or fragment"));
    }
    let client_id = get("oidc.client_id");
    if client_id.is_empty() {
        return Err(err("oidc.client_id", "the client id the issuer gave this shop is required with oidc.issuer"));
    }
    let name = get("oidc.name");
    if name.is_empty() || name.len() > 40 {
        return Err(err("oidc.name", "expected a short name for the sign-in button (1 to 40 characters)"));
    }
    Ok(Some(OidcConfig {
        issuer: issuer.to_string(),
        client_id: client_id.to_string(),
        client_secret: Some(get("oidc.client_secret").to_string()).filter(|s| !s.is_empty()),
        name: name.to_string(),
    }))
}

#[cfg(test)]
mod tests {
    use super::super::Settings;

    fn oidc(pairs: &[(&str, &str)]) -> Result<Option<super::OidcConfig>, String> {
        let env = pairs.iter().map(|(k, v)| (format!("STOREFRONT_{k}"), v.to_string()));
        Settings::from_sources(None, env).map(|s| s.accounts.oidc).map_err(|e| e.to_string())
    }

    #[test]
    fn oidc_is_off_until_an_issuer_is_given() {
        assert_eq!(oidc(&[]).unwrap(), None);
        let e = oidc(&[("OIDC__CLIENT_ID", "abc")]).unwrap_err();
        assert!(e.contains("oidc.client_id") && e.contains("oidc.issuer"), "{e}");
    }

    #[test]
    fn an_issuer_needs_a_client_id_and_https_except_on_this_machine() {
        let e = oidc(&[("OIDC__ISSUER", "https://id.example.com")]).unwrap_err();
        assert!(e.contains("oidc.client_id"), "{e}");
        let e = oidc(&[("OIDC__ISSUER", "http://id.example.com"), ("OIDC__CLIENT_ID", "c")]).unwrap_err();
        assert!(e.contains("https://"), "{e}");
        let local = oidc(&[("OIDC__ISSUER", "http://127.0.0.1:9400"), ("OIDC__CLIENT_ID", "c")]).unwrap().unwrap();
        assert_eq!(local.issuer, "http://127.0.0.1:9400");
        assert_eq!(local.client_secret, None);
        let cognito = oidc(&[
            ("OIDC__ISSUER", "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc"),
            ("OIDC__CLIENT_ID", "c"),
            ("OIDC__CLIENT_SECRET", "s"),
            ("OIDC__NAME", "Acme ID"),
        ])
        .unwrap()
        .unwrap();
        assert_eq!((cognito.client_secret.as_deref(), cognito.name.as_str()), (Some("s"), "Acme ID"));
    }
}
