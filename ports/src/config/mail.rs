//! The `[mail]` section: which transport sends the shop's mails and as whom.
//! Production must say how mail leaves (a shop whose resets and receipts go
//! to a folder on one web server reaches nobody), and may not send in plain
//! text.

use super::parse::{optional_file, path, GIVEN};
use super::{err, ConfigError, MailConfig, MailTransport, Profile, RawSettings, SmtpTls};

pub(super) fn parse(raw: &RawSettings, profile: Profile) -> Result<MailConfig, ConfigError> {
    let get = |k: &str| raw.get(k).map(String::as_str).unwrap_or("");
    let production = profile == Profile::Production;
    if production && !raw.contains_key(&format!("{GIVEN}mail.kind")) {
        return Err(err(
            "mail.kind",
            "production sends order and account mails: set smtp or ses (or log, to send nothing on purpose)",
        ));
    }
    let from = get("mail.from").trim().to_string();
    if !looks_like_mailbox(&from) {
        return Err(err("mail.from", format!("expected an address such as \"Shop <shop@example.com>\", got {from:?}")));
    }
    let transport = match get("mail.kind") {
        "folder" => MailTransport::Folder { path: path(get("mail.path"), "mail.path")? },
        "log" => MailTransport::Log,
        "ses" => MailTransport::Ses,
        "smtp" => smtp(get("mail.smtp_url"), get("mail.ca_file"), production)?,
        other => return Err(err("mail.kind", format!("expected folder, log, smtp or ses, got {other:?}"))),
    };
    if !matches!(transport, MailTransport::Smtp { .. }) && !get("mail.ca_file").is_empty() {
        return Err(err("mail.ca_file", "only the smtp mail.kind uses a CA bundle"));
    }
    Ok(MailConfig { transport, from })
}

/// `addr@domain`, optionally as `Name <addr@domain>`.
fn looks_like_mailbox(v: &str) -> bool {
    let addr = match (v.find('<'), v.strip_suffix('>')) {
        (Some(i), Some(rest)) => &rest[i + 1..],
        (None, None) => v,
        _ => return false,
    };
    let mut parts = addr.split('@');
    matches!((parts.next(), parts.next(), parts.next()), (Some(l), Some(d), None) if !l.is_empty() && !d.is_empty() && !addr.contains(char::is_whitespace))
}

fn smtp(v: &str, ca_file: &str, production: bool) -> Result<MailTransport, ConfigError> {
    let key = "mail.smtp_url";
    let url = url::Url::parse(v).map_err(|e| err(key, format!("expected smtps://… or smtp://…, got {v:?}: {e}")))?;
    let plain = url.query_pairs().any(|(k, v)| k == "tls" && v == "none");
    let (tls, default_port) = match url.scheme() {
        "smtps" => (SmtpTls::Wrapper, 465),
        "smtp" if plain && production => {
            return Err(err(key, "production never sends mail in plain text: drop ?tls=none"))
        }
        "smtp" if plain => (SmtpTls::None, 25),
        "smtp" => (SmtpTls::Required, 587),
        other => return Err(err(key, format!("expected smtps:// or smtp://, got {other}://"))),
    };
    let host = url.host_str().filter(|h| !h.is_empty()).ok_or_else(|| err(key, "the URL names no host"))?;
    let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
    let user = match (url.username(), url.password()) {
        ("", None) => None,
        (u, Some(p)) if !u.is_empty() => Some((decode(u), decode(p))),
        _ => return Err(err(key, "give both a user and a password, or neither")),
    };
    Ok(MailTransport::Smtp {
        host: host.trim_matches(['[', ']']).to_string(),
        port: url.port().unwrap_or(default_port),
        tls,
        user,
        ca_file: optional_file("mail.ca_file", ca_file)?,
    })
}

#[cfg(test)]
mod tests {
    use super::super::Settings;
    use super::*;

    fn load(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        Settings::from_sources(None, pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())))
    }

    #[test]
    fn smtp_urls_choose_tls_and_carry_credentials() {
        let s = load(&[
            ("STOREFRONT_MAIL__KIND", "smtp"),
            ("STOREFRONT_MAIL__SMTP_URL", "smtp://ses%40x:p%2Fw@mail.example.com"),
        ])
        .unwrap();
        let MailTransport::Smtp { host, port, tls, user, .. } = s.mail.transport else { panic!("smtp") };
        assert_eq!((host.as_str(), port, tls), ("mail.example.com", 587, SmtpTls::Required));
        assert_eq!(user, Some(("ses@x".into(), "p/w".into())));
        let s = load(&[("STOREFRONT_MAIL__KIND", "smtp"), ("STOREFRONT_MAIL__SMTP_URL", "smtps://mail.example.com")])
            .unwrap();
        assert!(matches!(s.mail.transport, MailTransport::Smtp { port: 465, tls: SmtpTls::Wrapper, user: None, .. }));
    }

    #[test]
    fn production_must_say_how_mail_leaves_and_never_in_plain_text() {
        let prod = [
            ("STOREFRONT_SERVER__PROFILE", "production"),
            ("STOREFRONT_SERVER__PUBLIC_URL", "https://shop.example.com"),
            ("STOREFRONT_SERVER__OPS_ADDR", "10.0.0.5:9090"),
        ];
        assert_eq!(load(&prod).unwrap_err().key, "mail.kind");
        let mut plain = prod.to_vec();
        plain.extend([
            ("STOREFRONT_MAIL__KIND", "smtp"),
            ("STOREFRONT_MAIL__SMTP_URL", "smtp://127.0.0.1:2525?tls=none"),
        ]);
        assert_eq!(load(&plain).unwrap_err().key, "mail.smtp_url");
        let mut ses = prod.to_vec();
        ses.push(("STOREFRONT_MAIL__KIND", "ses"));
        assert_eq!(load(&ses).unwrap().mail.transport, MailTransport::Ses);
    }

    #[test]
    fn a_bad_from_or_url_names_its_setting() {
        assert_eq!(load(&[("STOREFRONT_MAIL__FROM", "shop")]).unwrap_err().key, "mail.from");
        assert_eq!(load(&[("STOREFRONT_MAIL__FROM", "Shop <a@b")]).unwrap_err().key, "mail.from");
        assert!(load(&[("STOREFRONT_MAIL__FROM", "Shop <shop@example.com>")]).is_ok());
        let e = load(&[("STOREFRONT_MAIL__KIND", "smtp"), ("STOREFRONT_MAIL__SMTP_URL", "http://x")]).unwrap_err();
        assert_eq!(e.key, "mail.smtp_url");
        let e = load(&[("STOREFRONT_MAIL__KIND", "smtp"), ("STOREFRONT_MAIL__SMTP_URL", "smtp://u@x")]).unwrap_err();
        assert_eq!(e.key, "mail.smtp_url");
    }
}
