//! The mail port against every adapter: the folder (what local runs read),
//! SMTP through lettre to a real SMTP server (aiosmtpd, started by the test
//! command with STARTTLS and with SMTPS, certificates from the test CA), and
//! SES v2 on moto. Each delivers one mail with a text and an HTML part; a
//! refusal that retrying cannot fix is `Invalid`, and the wrong CA is
//! refused naming `mail.ca_file`.

use adapters::mail::{FolderMailer, Mail, Mailer, SesMailer, SmtpMailer};
use adapters::testing::{aws, service, temp_dir, unique};
use ports::config::SmtpTls;
use ports::PortError;
use std::path::{Path, PathBuf};

fn mail(to: &str) -> Mail {
    let tag = unique("m");
    Mail {
        to: to.to_string(),
        subject: format!("Your order {tag} is confirmed"),
        text: format!("Total: $35.00 — {tag}\n"),
        html: format!("<p>Total: <b>$35.00</b> — {tag}</p>"),
    }
}

#[tokio::test]
async fn the_folder_mailer_keeps_both_bodies() {
    let dir = temp_dir();
    let m = mail("ann@example.com");
    FolderMailer::new(&dir).unwrap().send(m.clone()).await.unwrap();
    assert_eq!(FolderMailer::read_all(&dir), vec![m]);
}

/// The message the SMTP sink stored whose text holds `tag`, if any.
fn delivered(maildir: &Path, tag: &str) -> Option<String> {
    let new = maildir.join("new");
    std::fs::read_dir(new)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .find(|m| m.contains(tag))
}

fn smtp_env(var: &str) -> Option<(String, u16, PathBuf, PathBuf, PathBuf)> {
    let addr = service(var)?;
    let (host, port) = addr.rsplit_once(':').unwrap();
    let ca = PathBuf::from(service("STOREFRONT_TEST_TLS_CA")?);
    let wrong = PathBuf::from(service("STOREFRONT_TEST_TLS_WRONG_CA")?);
    let maildir = PathBuf::from(service("STOREFRONT_TEST_SMTP_MAILDIR")?);
    Some((host.to_string(), port.parse().unwrap(), ca, wrong, maildir))
}

async fn smtp_delivers_over_tls(var: &str, tls: SmtpTls) {
    let Some((host, port, ca, wrong, maildir)) = smtp_env(var) else { return };
    let from = "Storefront <shop@example.com>";
    let smtp = SmtpMailer::new(&host, port, tls, None, Some(&ca), from).unwrap();
    assert_eq!(smtp.backend(), "smtp");
    let m = mail("ann@example.com");
    smtp.send(m.clone()).await.unwrap();
    let tag = m.subject.split_whitespace().nth(2).unwrap();
    let stored = delivered(&maildir, tag).expect("the sink stored the mail");
    assert!(stored.contains("multipart/alternative"), "{stored}");
    assert!(stored.contains("text/plain") && stored.contains("text/html"), "{stored}");
    assert!(stored.contains("From: Storefront <shop@example.com>"), "{stored}");

    let untrusted = SmtpMailer::new(&host, port, tls, None, Some(&wrong), from).unwrap();
    let m = mail("bob@example.com");
    let e = untrusted.send(m.clone()).await.unwrap_err();
    assert!(matches!(e, PortError::Invalid(_)) && e.to_string().contains("mail.ca_file"), "{e}");
    assert!(delivered(&maildir, m.subject.split_whitespace().nth(2).unwrap()).is_none(), "nothing sent in the clear");

    let bad = smtp.send(mail("not an address")).await.unwrap_err();
    assert!(matches!(bad, PortError::Invalid(_)), "a bad recipient is refused for good: {bad}");
}

#[tokio::test]
async fn smtp_with_starttls_delivers_text_and_html_and_refuses_an_untrusted_server() {
    smtp_delivers_over_tls("STOREFRONT_TEST_SMTP", SmtpTls::Required).await;
}

#[tokio::test]
async fn smtps_delivers_text_and_html_and_refuses_an_untrusted_server() {
    smtp_delivers_over_tls("STOREFRONT_TEST_SMTPS", SmtpTls::Wrapper).await;
}

#[tokio::test]
async fn an_unreachable_smtp_server_is_an_outage_to_retry() {
    let smtp = SmtpMailer::new("127.0.0.1", 1, SmtpTls::Required, None, None, "shop@example.com").unwrap();
    let e = smtp.send(mail("ann@example.com")).await.unwrap_err();
    assert!(e.is_transient(), "{e}");
}

/// How many mails moto's SES has sent (SES v1 GetSendQuota).
async fn ses_sent(endpoint: &str) -> f64 {
    let auth = "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ses/aws4_request, SignedHeaders=host, Signature=0";
    let body = reqwest::Client::new()
        .post(format!("{endpoint}/"))
        .header("authorization", auth)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("Action=GetSendQuota&Version=2010-12-01")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let n =
        body.split("<SentLast24Hours>").nth(1).and_then(|s| s.split('<').next()).unwrap_or_else(|| panic!("{body}"));
    n.trim().parse().unwrap()
}

#[tokio::test]
async fn ses_sends_from_a_verified_identity_and_refuses_an_unverified_one_for_good() {
    let (Some(sdk), Some(endpoint)) = (aws().await, service("STOREFRONT_TEST_AWS")) else { return };
    let client = aws_sdk_sesv2::Client::new(&sdk);
    let domain = format!("{}.example.com", unique("shop"));
    let unverified = SesMailer::new(client.clone(), &format!("Storefront <orders@{domain}>"));
    let e = unverified.send(mail("ann@example.com")).await.unwrap_err();
    assert!(matches!(e, PortError::Invalid(_)), "an unverified sender is refused for good: {e}");

    client.create_email_identity().email_identity(&domain).send().await.unwrap();
    let before = ses_sent(&endpoint).await;
    unverified.send(mail("ann@example.com")).await.unwrap();
    assert!(ses_sent(&endpoint).await >= before + 1.0, "SES counted the mail");
}
