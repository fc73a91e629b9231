//! Delivering the outbox: every due mail is claimed, handed to SMTP outside
//! any transaction, and its outcome recorded in a small transaction of its
//! own, so one bad address or a slow server never holds up the others or the
//! database. Failures are retried after 1, 2, 4, ... minutes (at most an hour
//! apart); after [`MAX_ATTEMPTS`] failures the mail is given up.

use std::future::Future;
use std::time::Duration;

use portico_store::outbox;
use portico_store::{OutboxRow, Timestamp};
use time::macros::datetime;

use super::smtp::{SendError, SmtpMailer};
use crate::App;
use crate::error::AppResult;

/// Failed attempts after which a mail is given up.
pub const MAX_ATTEMPTS: i64 = 10;
/// How often the background task looks for due mail.
const TICK: Duration = Duration::from_secs(5);
/// How many due mails one query fetches.
const BATCH: u64 = 50;
/// How long a claimed mail is reserved for the sender that claimed it. If that
/// sender dies mid-way, the mail becomes due again afterwards.
const LEASE: time::Duration = time::Duration::minutes(10);
/// Errors are cut to this many characters before they are stored.
const MAX_ERROR_LEN: usize = 500;

/// The `next_attempt_at` of a mail that was given up: never due again.
// INVARIANT: `outbox::due` never returns a row with this date (it compares
// with "now"), and `gave_up` is how the status reads it back.
const NEVER: Timestamp = datetime!(9999-01-01 0:00 UTC);

/// What one delivery run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: u32,
    /// Failed this time; another attempt is scheduled.
    pub retrying: u32,
    /// Failed for the last time (or can never be sent).
    pub gave_up: u32,
}

/// Whether delivery of this mail was given up.
pub(super) fn gave_up(row: &OutboxRow) -> bool {
    row.sent_at.is_none() && row.next_attempt_at >= NEVER
}

/// The wait before the next attempt after `attempts` failures: 1 minute after
/// the first, doubling, at most an hour; `None` once the mail is given up.
fn retry_delay(attempts: i64) -> Option<time::Duration> {
    if attempts >= MAX_ATTEMPTS {
        return None;
    }
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 6)).unwrap_or(6);
    Some(time::Duration::minutes(1 << doublings).min(time::Duration::hours(1)))
}

fn short(error: &str) -> String {
    error.chars().take(MAX_ERROR_LEN).collect()
}

impl App {
    /// Sends every mail that is due now. Delivery failures are recorded on the
    /// mail, not returned; an error here means the database failed.
    pub async fn deliver_outbox_once(&self, mailer: &SmtpMailer) -> AppResult<DeliveryReport> {
        let started = self.now();
        let mut report = DeliveryReport::default();
        loop {
            // Each claimed or recorded mail leaves the due set, so this ends.
            let due = outbox::due(self.store.read(), started, BATCH).await?;
            if due.is_empty() {
                return Ok(report);
            }
            for mail in due {
                let tx = self.store.write().await?;
                let claimed = outbox::claim(tx.conn(), mail.id, started, started + LEASE).await?;
                tx.commit().await?;
                if !claimed {
                    continue;
                }
                let outcome = mailer.send(&mail).await;
                let now = self.now();
                let tx = self.store.write().await?;
                match outcome {
                    Ok(()) => {
                        outbox::mark_sent(tx.conn(), mail.id, now).await?;
                        report.sent += 1;
                    }
                    Err(err) => {
                        let attempts = mail.attempts + 1;
                        let delay = match err {
                            SendError::Unsendable(_) => None,
                            SendError::Smtp(_) => retry_delay(attempts),
                        };
                        let next = match delay {
                            Some(delay) => {
                                report.retrying += 1;
                                now + delay
                            }
                            None => {
                                report.gave_up += 1;
                                NEVER
                            }
                        };
                        tracing::warn!(
                            mail = mail.id,
                            attempts,
                            gave_up = delay.is_none(),
                            "mail delivery failed: {err}"
                        );
                        outbox::mark_failed(tx.conn(), mail.id, &short(&err.to_string()), next)
                            .await?;
                    }
                }
                tx.commit().await?;
            }
        }
    }
}

/// Delivers due mail soon after start and then every few seconds, until
/// `shutdown` completes. A run in progress is finished first, so a mail that
/// was handed over is also recorded as sent.
pub async fn run_mail_delivery(app: App, mailer: SmtpMailer, shutdown: impl Future<Output = ()>) {
    let mut shutdown = std::pin::pin!(shutdown);
    let mut ticks = tokio::time::interval(TICK);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = &mut shutdown => return,
            _ = ticks.tick() => {}
        }
        match app.deliver_outbox_once(&mailer).await {
            Ok(report) if report != DeliveryReport::default() => tracing::info!(
                sent = report.sent,
                retrying = report.retrying,
                gave_up = report.gave_up,
                "mail delivered"
            ),
            Ok(_) => {}
            Err(err) => tracing::error!("mail delivery stopped for now: {err:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_an_hour_and_stop_after_ten_failures() {
        let minutes: Vec<Option<i64>> = (1..=11)
            .map(|attempts| retry_delay(attempts).map(|delay| delay.whole_minutes()))
            .collect();
        assert_eq!(
            minutes,
            [
                Some(1),
                Some(2),
                Some(4),
                Some(8),
                Some(16),
                Some(32),
                Some(60),
                Some(60),
                Some(60),
                None,
                None
            ]
        );
    }

    #[test]
    fn stored_errors_are_bounded() {
        assert_eq!(short(&"x".repeat(2000)).len(), MAX_ERROR_LEN);
    }
}
