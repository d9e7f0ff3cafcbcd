//! Amazon SES (v2 API), with a text and an HTML body. A rejected message
//! (`MessageRejected`, an unverified sender or recipient in the sandbox) is
//! refused for good; throttling and outages are transient. A missing IAM
//! permission names the action it needs.

use super::{Mail, Mailer};
use async_trait::async_trait;
use aws_sdk_sesv2::error::ProvideErrorMetadata;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};
use ports::{PortError, PortResult};

pub struct SesMailer {
    client: aws_sdk_sesv2::Client,
    from: String,
}

impl SesMailer {
    pub fn new(client: aws_sdk_sesv2::Client, from: &str) -> Self {
        Self { client, from: from.to_string() }
    }
}

fn content(text: &str) -> PortResult<Content> {
    Content::builder().data(text).charset("UTF-8").build().map_err(|e| PortError::Invalid(e.to_string()))
}

#[async_trait]
impl Mailer for SesMailer {
    async fn send(&self, mail: Mail) -> PortResult<()> {
        let body = Body::builder().text(content(&mail.text)?).html(content(&mail.html)?).build();
        let message = Message::builder().subject(content(&mail.subject)?).body(body).build();
        let sent = self
            .client
            .send_email()
            .from_email_address(&self.from)
            .destination(Destination::builder().to_addresses(&mail.to).build())
            .content(EmailContent::builder().simple(message).build())
            .send()
            .await;
        match sent {
            Ok(_) => Ok(()),
            Err(e) => {
                let code = e.code().unwrap_or("").to_string();
                let text = format!("{code}: {}", e.message().unwrap_or("no message"));
                match code.as_str() {
                    "MessageRejected" | "MailFromDomainNotVerifiedException" | "BadRequestException" => {
                        Err(PortError::Invalid(format!("SES refused the mail: {text}")))
                    }
                    "AccessDeniedException" => Err(PortError::Invalid(format!(
                        "SES: the role may not call ses:SendEmail (grant it for the sender identity): {text}"
                    ))),
                    _ => Err(PortError::unavailable("ses", aws_sdk_sesv2::error::DisplayErrorContext(e))),
                }
            }
        }
    }
    fn backend(&self) -> &'static str {
        "ses"
    }
}
