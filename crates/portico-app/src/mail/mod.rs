//! E-mail. Use cases that send mail (invitations, password resets) [`queue`]
//! it into the outbox inside their own transaction, so a mail exists exactly
//! when the change that caused it was committed. Delivery is separate
//! ([`deliver`]): with SMTP configured a background task hands due mail to the
//! server and retries failures with back-off; without it mail is "held" and
//! the org admin reads it in the outbox (admin UI or `portico admin outbox`).

mod deliver;
mod smtp;

use portico_core::Viewer;
use portico_core::validation::ValidationError;
use portico_store::outbox::{self, NewMail};
use portico_store::{Conn, OutboxRow, StoreError, Timestamp};
use serde_json::json;

use crate::App;
use crate::error::AppResult;
use crate::model::Slice;
use crate::record::audit;

pub use deliver::{DeliveryReport, run_mail_delivery};
pub use smtp::{MailSetupError, SmtpMailer};

/// Puts a mail in the outbox, due at once. Call it inside the transaction of
/// the change the mail is about.
pub(crate) async fn queue(
    conn: &impl Conn,
    now: Timestamp,
    recipient: &str,
    subject: &str,
    body: &str,
) -> Result<(), StoreError> {
    outbox::enqueue(
        conn,
        NewMail {
            recipient,
            subject,
            body,
            now,
        },
    )
    .await?;
    Ok(())
}

/// Where a mail stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailStatus {
    /// Not sent because no SMTP server is configured: read it in the outbox.
    Held,
    /// Waiting for its first or next attempt.
    Pending,
    Sent,
    /// Delivery was given up (see `last_error`).
    Failed,
}

impl MailStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MailStatus::Held => "held",
            MailStatus::Pending => "pending",
            MailStatus::Sent => "sent",
            MailStatus::Failed => "failed",
        }
    }
}

impl std::fmt::Display for MailStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A mail in the outbox, as the org admin sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMail {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    /// Plain text, in full (operators copy invitation links from it).
    pub body: String,
    pub created_at: Timestamp,
    /// Failed attempts so far.
    pub attempts: i64,
    /// When the next attempt is due, for pending and held mail.
    pub next_attempt_at: Option<Timestamp>,
    pub sent_at: Option<Timestamp>,
    pub last_error: Option<String>,
    pub status: MailStatus,
}

fn mail_from_row(row: OutboxRow, smtp_configured: bool) -> OutboxMail {
    let status = if row.sent_at.is_some() {
        MailStatus::Sent
    } else if deliver::gave_up(&row) {
        MailStatus::Failed
    } else if smtp_configured {
        MailStatus::Pending
    } else {
        MailStatus::Held
    };
    let next_attempt_at =
        matches!(status, MailStatus::Pending | MailStatus::Held).then_some(row.next_attempt_at);
    OutboxMail {
        id: row.id,
        recipient: row.recipient,
        subject: row.subject,
        body: row.body,
        created_at: row.created_at,
        attempts: row.attempts,
        next_attempt_at,
        sent_at: row.sent_at,
        last_error: row.last_error,
        status,
    }
}

/// The most mail one outbox page shows.
const MAX_PAGE: u64 = 500;

impl App {
    /// The outbox, newest first, below mail `before` when given. Only org
    /// admins see it; to everyone else it does not exist.
    pub async fn outbox(
        &self,
        viewer: &Viewer,
        before: Option<i64>,
        limit: u64,
    ) -> AppResult<Slice<OutboxMail>> {
        crate::directory::require_org_admin(viewer)?;
        let limit = limit.min(MAX_PAGE);
        let rows = outbox::list(self.store.read(), before, limit + 1).await?;
        let smtp = self.settings.smtp_configured;
        Ok(Slice::from_overfetch(rows, limit, |row| {
            mail_from_row(row, smtp)
        }))
    }

    /// The newest `limit` mails, for `portico admin outbox` (the operator
    /// already has the database, so no viewer is asked for).
    pub async fn outbox_for_operator(&self, limit: u64) -> AppResult<Vec<OutboxMail>> {
        let rows = outbox::list(self.store.read(), None, limit.min(MAX_PAGE)).await?;
        let smtp = self.settings.smtp_configured;
        Ok(rows
            .into_iter()
            .map(|row| mail_from_row(row, smtp))
            .collect())
    }

    /// Queues a short test mail to `recipient` (operator action, audited with
    /// no actor), to check the mail set-up end to end.
    pub async fn queue_test_mail(&self, recipient: &str) -> AppResult<()> {
        let recipient = recipient.trim();
        if recipient.parse::<lettre::Address>().is_err() {
            return Err(ValidationError::new(
                "email",
                format!(
                    "`{}` is not an e-mail address",
                    recipient.chars().take(80).collect::<String>()
                ),
            )
            .into());
        }
        let now = self.now();
        let tx = self.store.write().await?;
        queue(
            tx.conn(),
            now,
            recipient,
            "Portico test mail",
            &format!(
                "This is a test mail from Portico at {}.\n\nIf you can read it, mail delivery works.\n",
                self.settings.public_base_url
            ),
        )
        .await?;
        audit(
            tx.conn(),
            now,
            None,
            "mail.test",
            ("email", recipient.to_owned()),
            json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
