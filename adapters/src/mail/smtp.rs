//! SMTP through lettre, over TLS (implicit or STARTTLS, verified against the
//! system's roots or `mail.ca_file`). A 5xx answer refuses this mail for
//! good (`Invalid`); a 4xx answer or a connection failure is transient.

use super::{Mail, Mailer};
use async_trait::async_trait;
use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use ports::config::SmtpTls;
use ports::{PortError, PortResult};
use std::path::Path;
use std::time::Duration;

pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    pub fn new(
        host: &str,
        port: u16,
        tls: SmtpTls,
        user: Option<(String, String)>,
        ca_file: Option<&Path>,
        from: &str,
    ) -> PortResult<Self> {
        let from: Mailbox = from.parse().map_err(|e| PortError::Invalid(format!("mail.from: {e}")))?;
        let params = || -> PortResult<TlsParameters> {
            let mut b = TlsParameters::builder(host.to_string());
            if let Some(path) = ca_file {
                let pem = std::fs::read(path).map_err(|e| PortError::Invalid(format!("mail.ca_file: {e}")))?;
                let cert = Certificate::from_pem(&pem).map_err(|e| PortError::Invalid(format!("mail.ca_file: {e}")))?;
                b = b.add_root_certificate(cert);
            }
            b.build_rustls().map_err(|e| PortError::Invalid(format!("mail.ca_file: {e}")))
        };
        let tls = match tls {
            SmtpTls::Wrapper => Tls::Wrapper(params()?),
            SmtpTls::Required => Tls::Required(params()?),
            SmtpTls::None => Tls::None,
        };
        let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(20)));
        if let Some((u, p)) = user {
            b = b.credentials(Credentials::new(u, p));
        }
        Ok(Self { transport: b.build(), from })
    }
}

/// The MIME message: text and HTML alternatives of one content.
pub(super) fn message(from: &Mailbox, mail: &Mail) -> PortResult<Message> {
    let to: Mailbox = mail.to.parse().map_err(|e| PortError::Invalid(format!("recipient {:?}: {e}", mail.to)))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(&mail.subject)
        .multipart(
            MultiPart::alternative()
                .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(mail.text.clone()))
                .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(mail.html.clone())),
        )
        .map_err(|e| PortError::Invalid(format!("mail: {e}")))
}

/// Whether the TLS handshake failed on the server's certificate (lettre
/// reports it as a connection error; rustls's message names the cause).
fn refused_certificate(e: &lettre::transport::smtp::Error) -> bool {
    let mut source: Option<&dyn std::error::Error> = Some(e);
    while let Some(s) = source {
        if s.to_string().contains("certificate") {
            return true;
        }
        source = s.source();
    }
    false
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: Mail) -> PortResult<()> {
        let msg = message(&self.from, &mail)?;
        match self.transport.send(msg).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(PortError::Invalid(format!("the SMTP server refused the mail: {e}"))),
            Err(e) if e.is_tls() || refused_certificate(&e) => Err(PortError::Invalid(format!(
                "the SMTP server's certificate was refused (check mail.ca_file and the host in mail.smtp_url): {e}"
            ))),
            Err(e) => Err(PortError::unavailable("smtp", e)),
        }
    }
    fn backend(&self) -> &'static str {
        "smtp"
    }
}
