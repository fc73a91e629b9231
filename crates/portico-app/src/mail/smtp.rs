//! The SMTP connection mail is delivered through (lettre over tokio, TLS by
//! rustls). Built once at start-up from `mail.smtp_url` and `mail.from`, so a
//! bad setting stops start-up instead of failing every delivery.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use portico_store::OutboxRow;

/// How long one SMTP conversation may stall before it counts as failed.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// A mail setting that can't be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MailSetupError {
    /// The URL is shown without its password.
    #[error("invalid `mail.smtp_url` `{url}`: {rule}")]
    BadUrl { url: String, rule: String },
    #[error("invalid `mail.from` `{0}`: expected an address such as `Portico <wiki@example.com>`")]
    BadFrom(String),
}

/// Why one mail could not be handed over.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SendError {
    /// The mail itself is unusable (a recipient that is no address): retrying
    /// can't help.
    #[error("can't build the message: {0}")]
    Unsendable(String),
    /// The server or the network refused it; a later attempt may succeed.
    #[error("{0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
}

/// Delivers mail to one SMTP server (`smtp://host:port`, `smtps://...`, or
/// `smtp://host:587?tls=required` for STARTTLS; credentials in the URL).
/// Cheap to clone.
#[derive(Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    endpoint: String,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer")
            .field("endpoint", &self.endpoint)
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// Checks `url` and `from` and prepares the transport (no connection is
    /// made until the first delivery).
    pub fn new(url: &str, from: &str) -> Result<Self, MailSetupError> {
        let bad_url = |rule: &str| MailSetupError::BadUrl {
            url: portico_store::redact(url),
            rule: rule.to_owned(),
        };
        let parsed = url::Url::parse(url).map_err(|err| bad_url(&err.to_string()))?;
        let tls = parsed
            .query_pairs()
            .find(|(key, _)| key == "tls")
            .map(|(_, value)| value.into_owned());
        let default_port = match (parsed.scheme(), tls.as_deref()) {
            ("smtp", None) => 25,
            ("smtp", Some("required" | "opportunistic")) => 587,
            ("smtp", Some(_)) => {
                return Err(bad_url("`tls` must be `required` or `opportunistic`"));
            }
            ("smtps", _) => 465,
            _ => {
                return Err(bad_url(
                    "expected smtp://HOST:PORT or smtps://USER:PASSWORD@HOST:PORT",
                ));
            }
        };
        let host = match parsed.host_str() {
            Some(host) if !host.is_empty() => host.to_owned(),
            _ => return Err(bad_url("the URL names no host")),
        };
        let endpoint = format!(
            "{}://{host}:{}",
            parsed.scheme(),
            parsed.port().unwrap_or(default_port)
        );
        // lettre reads the same URL: port, TLS mode and percent-decoded
        // credentials. Its errors never contain the URL itself.
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|err| bad_url(&err.to_string()))?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        let from = from
            .parse::<Mailbox>()
            .map_err(|_| MailSetupError::BadFrom(from.to_owned()))?;
        Ok(Self {
            transport,
            from,
            endpoint,
        })
    }

    /// Where mail goes, without credentials: `smtp://host:port`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Hands one outbox mail (plain text) to the server. Its Message-ID is
    /// derived from the outbox row, so a retry of a mail the server did get is
    /// recognisable as the same message.
    pub(crate) async fn send(&self, mail: &OutboxRow) -> Result<(), SendError> {
        let to = mail.recipient.parse::<Mailbox>().map_err(|err| {
            SendError::Unsendable(format!("recipient `{}`: {err}", mail.recipient))
        })?;
        let message_id = format!(
            "<portico.outbox.{}.{}@{}>",
            mail.id,
            mail.created_at.unix_timestamp(),
            self.from.email.domain()
        );
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&mail.subject)
            .message_id(Some(message_id))
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.clone())
            .map_err(|err| SendError::Unsendable(err.to_string()))?;
        self.transport.send(message).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_scheme_host_and_port() {
        let cases = [
            ("smtp://127.0.0.1:2525", "smtp://127.0.0.1:2525"),
            ("smtp://mail.example.com", "smtp://mail.example.com:25"),
            (
                "smtp://mail.example.com?tls=required",
                "smtp://mail.example.com:587",
            ),
            (
                "smtps://wiki:s3cret@mail.example.com",
                "smtps://mail.example.com:465",
            ),
        ];
        for (url, endpoint) in cases {
            let mailer = SmtpMailer::new(url, "Portico <wiki@example.com>");
            assert_eq!(
                mailer.as_ref().map(SmtpMailer::endpoint).ok(),
                Some(endpoint),
                "{url}"
            );
        }
    }

    #[test]
    fn bad_settings_are_refused_without_echoing_passwords() {
        for url in [
            "http://wiki:s3cret@mail.example.com",
            "smtp://wiki:s3cret@mail.example.com?tls=maybe",
            "smtp://",
            "not a url",
        ] {
            let err = SmtpMailer::new(url, "wiki@example.com")
                .err()
                .map(|err| err.to_string())
                .unwrap_or_default();
            assert!(err.starts_with("invalid `mail.smtp_url`"), "{url}: {err}");
            assert!(!err.contains("s3cret"), "{err}");
        }
        assert_eq!(
            SmtpMailer::new("smtp://127.0.0.1:25", "not an address").err(),
            Some(MailSetupError::BadFrom("not an address".into()))
        );
    }
}
