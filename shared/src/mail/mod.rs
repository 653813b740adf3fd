//! E-mail: templates (HTML + text, user text escaped) and the `Mailer` port with its two
//! adapters, `log` (one `EMAIL {...}` line on stdout per message) and `smtp` (lettre).

pub mod templates;

use anyhow::Context;
use async_trait::async_trait;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use crate::config::{Config, MailTransport};
use crate::db::outbox::OutboxRow;

/// Sends one rendered message. `Ok` means the mail server (or the log) accepted it.
#[async_trait]
pub trait Mailer: Send + Sync {
    /// Delivers a queued message.
    async fn send(&self, m: &OutboxRow) -> anyhow::Result<()>;
}

/// Builds the adapter the configuration names.
pub fn from_config(cfg: &Config) -> anyhow::Result<std::sync::Arc<dyn Mailer>> {
    let from: Mailbox = cfg
        .mail_from
        .parse()
        .with_context(|| format!("MAIL_FROM is not a mailbox: {}", cfg.mail_from))?;
    Ok(match &cfg.mail_transport {
        MailTransport::Log => std::sync::Arc::new(LogMailer),
        MailTransport::Smtp(url) => {
            std::sync::Arc::new(SmtpMailer::new(url.expose_secret(), from)?)
        }
    })
}

/// Writes each message to stdout as `EMAIL {"to":…,"subject":…,"links":[…]}` (contract 5.3).
#[derive(Debug, Default)]
pub struct LogMailer;

/// The `EMAIL` line for a message.
pub fn log_line(m: &OutboxRow) -> String {
    let links: serde_json::Value = serde_json::from_str(&m.links).unwrap_or_default();
    let record = serde_json::json!({"to": m.recipient, "subject": m.subject, "links": links});
    format!("EMAIL {record}")
}

#[async_trait]
impl Mailer for LogMailer {
    async fn send(&self, m: &OutboxRow) -> anyhow::Result<()> {
        println!("{}", log_line(m));
        Ok(())
    }
}

/// Sends through an SMTP server with lettre (`SMTP_URL`, e.g. `smtp://127.0.0.1:2525` or
/// `smtp://user:pass@email-smtp.eu-west-1.amazonaws.com:587?tls=required`).
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    /// Builds the pooled transport (no connection is opened until the first send).
    pub fn new(url: &str, from: Mailbox) -> anyhow::Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .context("SMTP_URL is not a valid SMTP URL")?
            .timeout(Some(std::time::Duration::from_secs(10)))
            .build();
        Ok(SmtpMailer { transport, from })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, m: &OutboxRow) -> anyhow::Result<()> {
        let to: Mailbox = m.recipient.parse().context("recipient is not a mailbox")?;
        let msg = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&m.subject)
            .multipart(MultiPart::alternative_plain_html(
                m.text_body.clone(),
                m.html_body.clone(),
            ))
            .context("building the message")?;
        self.transport
            .send(msg)
            .await
            .context("SMTP delivery failed")?;
        Ok(())
    }
}
