//! Email over SMTP with lettre, behind [`domain::mail::Mailer`].

use std::time::Duration;

use anyhow::Context as _;
use domain::mail::{Email, Mailer};
use futures::future::BoxFuture;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};

/// Sends through one SMTP server: `smtp://host:25` (plain, for a local relay),
/// `smtp://user:pass@host:587?tls=required` (STARTTLS) or `smtps://user:pass@host:465`.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    public_url: String,
}

impl SmtpMailer {
    pub fn new(url: &str, from: &str, public_url: String) -> anyhow::Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .context("not an SMTP URL (expected smtp://host:port or smtps://user:pass@host)")?
            .timeout(Some(Duration::from_secs(10)))
            .build();
        let from = from
            .parse()
            .with_context(|| format!("MIXPILOT_MAIL_FROM: `{from}` is not an address like Mixpilot <mixpilot@example.com>"))?;
        Ok(Self {
            transport,
            from,
            public_url,
        })
    }
}

impl Mailer for SmtpMailer {
    fn send(&self, email: Email) -> BoxFuture<'_, anyhow::Result<()>> {
        Box::pin(async move {
            let message = Message::builder()
                .from(self.from.clone())
                .to(email
                    .to
                    .parse()
                    .with_context(|| format!("the address {}", email.to))?)
                .subject(email.subject)
                .header(ContentType::TEXT_PLAIN)
                .body(email.text)
                .context("building an email")?;
            self.transport
                .send(message)
                .await
                .context("sending an email")?;
            Ok(())
        })
    }

    fn public_url(&self) -> &str {
        &self.public_url
    }
}
