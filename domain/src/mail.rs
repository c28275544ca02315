//! Outgoing email as services see it. The server implements [`Mailer`] over SMTP when
//! `MIXPILOT_SMTP_URL` is set; without it, nothing is sent and the UI shows links to copy.

use futures_core::future::BoxFuture;

/// One email to one person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
}

/// Something that delivers email.
pub trait Mailer: Send + Sync + 'static {
    /// Hands the email to the mail server; `Ok` once it accepted it.
    fn send(&self, email: Email) -> BoxFuture<'_, anyhow::Result<()>>;

    /// The address people reach Mixpilot at, for links: `https://mixpilot.example.com`.
    fn public_url(&self) -> &str;
}
