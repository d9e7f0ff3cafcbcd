//! Which environment variables are settings. One prefix for everything the
//! shop reads: `STOREFRONT_<SECTION>__<KEY>` sets `section.key`. A variable
//! under the prefix that names no setting stops start-up (a typo such as
//! `STOREFRONT_CACHE_URL` must not leave the shop on its defaults); other
//! variables are someone else's and are ignored. The names this shop used
//! before (`APP_CACHE__URL`) are refused with the new name, so an old
//! deployment cannot quietly fall back to an embedded database.

use super::{err, ConfigError, SETTINGS};

pub const PREFIX: &str = "STOREFRONT_";

/// Variables under the prefix that are not settings: the configuration file
/// and the merchant password read by the command line, the scripts' cache
/// folder, and the test suites' service addresses.
const NOT_SETTINGS: &[&str] = &["CONFIG", "MERCHANT_PASSWORD", "CACHE", "REQUIRE_SERVICES"];
const NOT_SETTINGS_PREFIX: &str = "TEST_";

fn is_section(s: &str) -> bool {
    SETTINGS.iter().any(|(k, _, _)| k.split_once('.').is_some_and(|(o, _)| o == s))
}

/// `Some(key)` when the variable sets a setting, `None` when it is not ours
/// (or ours but not a setting), an error naming it when it looks like ours
/// and is not.
pub(super) fn setting_key(name: &str) -> Result<Option<String>, ConfigError> {
    if let Some(rest) = name.strip_prefix("APP_") {
        let key = rest.to_ascii_lowercase().replacen("__", ".", 1);
        let ours = rest == "CONFIG" || key.split_once('.').is_some_and(|(s, _)| is_section(s));
        if ours {
            return Err(err(name, format!("renamed: this shop reads {PREFIX}{rest} now")));
        }
        return Ok(None);
    }
    let Some(rest) = name.strip_prefix(PREFIX) else {
        return Ok(None);
    };
    if NOT_SETTINGS.contains(&rest) || rest.starts_with(NOT_SETTINGS_PREFIX) {
        return Ok(None);
    }
    let key = rest.to_ascii_lowercase().replacen("__", ".", 1);
    match key.split_once('.') {
        Some((section, _)) if is_section(section) => Ok(Some(key)),
        Some((section, _)) => {
            Err(err(name, format!("no section [{section}]; settings are listed by `server config-doc`")))
        }
        None => {
            Err(err(name, format!("not a setting: settings are {PREFIX}<SECTION>__<KEY>, e.g. {PREFIX}CACHE__URL")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixed_variables_name_a_section_and_key() {
        assert_eq!(setting_key("STOREFRONT_CACHE__URL").unwrap().as_deref(), Some("cache.url"));
        assert_eq!(setting_key("STOREFRONT_SERVER__PUBLIC_URL").unwrap().as_deref(), Some("server.public_url"));
    }

    #[test]
    fn a_prefixed_typo_is_refused_with_its_name() {
        for bad in ["STOREFRONT_CACHE_URL", "STOREFRONT_CAHCE__URL"] {
            assert_eq!(setting_key(bad).unwrap_err().key, bad);
        }
    }

    #[test]
    fn the_old_names_are_refused_with_the_new_one() {
        let e = setting_key("APP_DATABASE__URL").unwrap_err();
        assert!(e.message.contains("STOREFRONT_DATABASE__URL"), "{e}");
        assert!(setting_key("APP_CONFIG").is_err());
    }

    #[test]
    fn other_variables_and_the_harness_ones_are_not_settings() {
        for other in
            ["APP_NAME", "APP_BUILD__SHA", "PATH", "STOREFRONT_TEST_REDIS", "STOREFRONT_CONFIG", "STOREFRONT_CACHE"]
        {
            assert_eq!(setting_key(other).unwrap(), None, "{other}");
        }
    }
}
