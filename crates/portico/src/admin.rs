//! `portico admin ...`: operator tasks run against the configured database.

use std::io::{BufRead, IsTerminal};

use anyhow::{Context, bail};
use clap::Subcommand;
use portico_app::{MailStatus, NewAdmin, NewUser, OutboxMail, Role};

use crate::config::Config;
use crate::serve::open_app;

#[derive(Subcommand)]
pub enum Task {
    /// Create an organisation admin (also a wiki admin). The password is read
    /// from the terminal, or from the first line of standard input.
    CreateOrgAdmin {
        #[arg(long)]
        email: String,
        /// Display name (default: the part of the e-mail before the @).
        #[arg(long)]
        name: Option<String>,
    },
    /// Create a user with a product role (`member`, `admin`, `guest`, `none`).
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long, default_value = "member")]
        role: String,
    },
    /// Show the newest mail in the outbox, with full bodies (invitation and
    /// password-reset links can be copied from them when no SMTP is set up).
    Outbox {
        /// How many mails to show, newest first (at most 500).
        #[arg(long, default_value_t = 20)]
        limit: u64,
    },
    /// Queue a test mail, to check the mail set-up (a running `portico serve`
    /// with SMTP configured delivers it; otherwise it waits in the outbox).
    SendTestMail {
        #[arg(long)]
        to: String,
    },
    /// Queue the notification digests now (what `portico serve` does every
    /// `notifications.email_batch_minutes`): one mail per person listing the
    /// notices they can still view.
    SendDigests,
}

pub async fn run(config: Config, task: Task) -> anyhow::Result<()> {
    let app = open_app(&config).await?;
    match task {
        Task::CreateOrgAdmin { email, name } => {
            let password = read_password()?;
            let display_name = name.unwrap_or_else(|| default_name(&email));
            let id = app
                .create_org_admin(NewAdmin {
                    email: email.clone(),
                    display_name,
                    password,
                })
                .await?;
            println!("Created org admin {email} (id {id}).");
        }
        Task::CreateUser { email, name, role } => {
            let role: Role = role.parse()?;
            let password = read_password()?;
            let display_name = name.unwrap_or_else(|| default_name(&email));
            let id = app
                .create_user(NewUser {
                    email: email.clone(),
                    display_name,
                    password,
                    role,
                })
                .await?;
            println!("Created {role} {email} (id {id}).");
        }
        Task::Outbox { limit } => {
            let mails = app.outbox_for_operator(limit).await?;
            if mails.is_empty() {
                println!("The outbox is empty.");
            }
            for mail in mails {
                print!("{}", describe_mail(&mail));
            }
        }
        Task::SendTestMail { to } => {
            app.queue_test_mail(&to).await?;
            println!(
                "Queued a test mail to {to}. A running `portico serve` with SMTP configured delivers it within seconds; `portico admin outbox` shows how it went."
            );
        }
        Task::SendDigests => {
            let report = app
                .send_notification_digests(time::OffsetDateTime::now_utc())
                .await?;
            println!(
                "Queued {} digest mail(s) listing {} notice(s); {} dropped (no longer viewable), {} not mailed (e-mail turned off).",
                report.mails, report.listed, report.dropped, report.opted_out
            );
        }
    }
    Ok(())
}

fn timestamp(at: time::OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC).truncate_to_second();
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| at.to_string())
}

/// One mail as `admin outbox` prints it: headers, then the body verbatim.
fn describe_mail(mail: &OutboxMail) -> String {
    let mut text = format!(
        "=== #{} {} (queued {})\nTo:      {}\nSubject: {}\n",
        mail.id,
        mail.status,
        timestamp(mail.created_at),
        mail.recipient,
        mail.subject
    );
    match mail.status {
        MailStatus::Sent => {
            if let Some(sent) = mail.sent_at {
                text.push_str(&format!("Sent:    {}\n", timestamp(sent)));
            }
        }
        MailStatus::Pending | MailStatus::Held | MailStatus::Failed => {
            if mail.attempts > 0 {
                text.push_str(&format!("Attempts: {}\n", mail.attempts));
            }
            if let Some(next) = mail.next_attempt_at.filter(|_| mail.attempts > 0) {
                text.push_str(&format!("Next attempt: {}\n", timestamp(next)));
            }
        }
    }
    if let Some(error) = &mail.last_error {
        text.push_str(&format!("Last error: {error}\n"));
    }
    text.push('\n');
    text.push_str(mail.body.trim_end());
    text.push_str("\n\n");
    text
}

fn default_name(email: &str) -> String {
    email.split('@').next().unwrap_or(email).to_owned()
}

fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ").context("can't read the password")?;
        let second =
            rpassword::prompt_password("Repeat password: ").context("can't read the password")?;
        if first != second {
            bail!("the two passwords differ");
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("can't read the password from standard input")?;
        let password = line.trim_end_matches(['\r', '\n']).to_owned();
        if password.is_empty() {
            bail!("no password on standard input");
        }
        Ok(password)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outbox_entries_show_status_headers_and_the_whole_body() {
        let at = time::macros::datetime!(2026-11-05 10:00:00.5 UTC);
        let mail = OutboxMail {
            id: 7,
            recipient: "guest@example.org".into(),
            subject: "You are invited".into(),
            body: "Accept here:\nhttp://wiki.example.com/invite?token=abc\n".into(),
            created_at: at,
            attempts: 2,
            next_attempt_at: Some(at + time::Duration::minutes(2)),
            sent_at: None,
            last_error: Some("Connection error: refused".into()),
            status: MailStatus::Pending,
        };
        assert_eq!(
            describe_mail(&mail),
            "=== #7 pending (queued 2026-11-05T10:00:00Z)\n\
             To:      guest@example.org\n\
             Subject: You are invited\n\
             Attempts: 2\n\
             Next attempt: 2026-11-05T10:02:00Z\n\
             Last error: Connection error: refused\n\
             \n\
             Accept here:\n\
             http://wiki.example.com/invite?token=abc\n\n"
        );
    }
}
