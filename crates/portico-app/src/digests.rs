//! Notices by e-mail (SPEC.md 3.4, 4): each person's e-mail preference
//! (batched, the default, or never) and the digest job that mails them.
//!
//! The digest decides **at the time it mails**: for each recipient with
//! notices no digest has settled yet (`notifications.email_state =
//! 'pending'`), it builds the recipient's access set inside its transaction
//! (`access::recipient_access`, no admin key) and asks
//! `portico_core::notify_mail::digest_verdict` about every notice against
//! what the page or space is *now*. A notice about a page restricted since,
//! trashed, or in a space the recipient left — or for a recipient who was
//! deactivated or whose guest access ran out — is settled as `dropped` and
//! never mailed, even if access comes back. What is left goes into **one**
//! mail listing title, space, who and what, with a link; the actor is named
//! only when the recipient may know them (`people::may_know`), "Someone"
//! otherwise. The mail is queued in the outbox in the same transaction that
//! settles the notices, so a notice is mailed at most once and a crash loses
//! neither (both or neither commit); if another run settled some of them
//! first, this run's transaction is abandoned.
//!
//! News of guests added to a space is mailed to the space's admins and
//! watchers when it happens (`guest_notices`): the digest settles those
//! notices as `immediate` without listing them.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::future::Future;
use std::time::Duration;

use portico_core::notify::{About, NoticeKind};
use portico_core::notify_mail::{EmailPreference, MailVerdict, digest_verdict};
use portico_core::validation::ValidationError;
use portico_core::{SpaceId, UserId, Viewer};
use portico_store::notification_mail;
use portico_store::{Conn, NotificationRow, PageRow, SpaceRow, pages, spaces, users};
use serde_json::json;
use time::OffsetDateTime;

use crate::App;
use crate::access::{Access, page_ref, recipient_access};
use crate::error::{AppError, AppResult};
use crate::people::known_among;
use crate::record::audit;

/// The most notices one mail lists in full; the rest are counted.
pub const MAX_LISTED: usize = 50;
/// The most waiting notices of one recipient one run settles (a longer
/// backlog is mailed by the next run).
const MAX_PER_RUN: u64 = 1000;
/// How many recipients one query fetches.
const RECIPIENT_BATCH: u64 = 100;

/// What one digest run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DigestReport {
    /// Mails queued (one per recipient with something left to tell).
    pub mails: u32,
    /// Notices listed in those mails.
    pub listed: u32,
    /// Notices the recipient could no longer view: never mailed.
    pub dropped: u32,
    /// Notices of people who turned e-mail off.
    pub opted_out: u32,
}

/// One line of a digest, everything in it viewable by the recipient now.
struct Line {
    /// "Ada Admin", or "Someone" when the recipient may not know the actor.
    who: String,
    kind: NoticeKind,
    title: String,
    blog: bool,
    space: String,
    space_key: String,
    link: String,
    version: Option<i64>,
}

impl Line {
    fn text(&self) -> String {
        let what = if self.blog { "blog post" } else { "page" };
        let title = &self.title;
        let action = match self.kind {
            NoticeKind::PagePublished => format!("published the {what} \"{title}\""),
            NoticeKind::PageUpdated => match self.version {
                Some(version) => format!("edited the {what} \"{title}\" (version {version})"),
                None => format!("edited the {what} \"{title}\""),
            },
            NoticeKind::CommentCreated => format!("commented on the {what} \"{title}\""),
            NoticeKind::Mentioned => format!("mentioned you on the {what} \"{title}\""),
            NoticeKind::GuestsAdded => format!("added guests to \"{title}\""),
        };
        format!(
            "- {} {action} in {} ({})\n  {}\n",
            self.who, self.space, self.space_key, self.link
        )
    }
}

impl App {
    /// The viewer's e-mail preference for notices.
    pub async fn email_preference(&self, viewer: &Viewer) -> AppResult<EmailPreference> {
        let user = viewer.user_id().ok_or(AppError::Unauthenticated)?;
        Ok(
            notification_mail::email_preference(self.store.read(), user.0)
                .await?
                .and_then(|raw| EmailPreference::parse(&raw))
                .unwrap_or_default(),
        )
    }

    /// Sets the viewer's e-mail preference (`batched` or `never`); a bad
    /// value is a validation error naming the allowed ones.
    pub async fn set_email_preference(
        &self,
        viewer: &Viewer,
        raw: &str,
    ) -> AppResult<EmailPreference> {
        let user = viewer.user_id().ok_or(AppError::Unauthenticated)?;
        let preference = EmailPreference::parse(raw.trim()).ok_or_else(|| {
            ValidationError::new(
                "email",
                format!(
                    "must be `batched` or `never`, not `{}`",
                    raw.chars().take(40).collect::<String>()
                ),
            )
        })?;
        let now = self.now();
        let tx = self.store.write().await?;
        notification_mail::set_email_preference(tx.conn(), user.0, preference.as_str(), now)
            .await?;
        audit(
            tx.conn(),
            now,
            Some(user.0),
            "notification_settings.update",
            ("user", user.0.to_string()),
            json!({ "email": preference.as_str() }),
        )
        .await?;
        tx.commit().await?;
        Ok(preference)
    }

    /// Runs the digest now, for an org admin (everyone else: `NotFound`).
    /// Audited.
    pub async fn send_notification_digests_now(&self, viewer: &Viewer) -> AppResult<DigestReport> {
        let admin = crate::directory::require_org_admin(viewer)?;
        let now = self.now();
        let report = self.send_notification_digests(now).await?;
        let tx = self.store.write().await?;
        audit(
            tx.conn(),
            now,
            Some(admin),
            "notification.digests.run",
            ("site", "notifications".to_owned()),
            json!({ "mails": report.mails, "listed": report.listed,
                "dropped": report.dropped, "optedOut": report.opted_out }),
        )
        .await?;
        tx.commit().await?;
        Ok(report)
    }

    /// Mails every recipient with waiting notices one digest of what they
    /// may still view as of `now` (see the module documentation). Safe to run
    /// concurrently and repeatedly: each notice is settled once.
    pub async fn send_notification_digests(&self, now: OffsetDateTime) -> AppResult<DigestReport> {
        let mut report = DigestReport::default();
        let mut after = None;
        loop {
            let recipients = notification_mail::recipients_with_pending(
                self.store.read(),
                after,
                RECIPIENT_BATCH,
            )
            .await?;
            let Some(last) = recipients.last().copied() else {
                return Ok(report);
            };
            for recipient in recipients {
                self.digest_for(recipient, now, &mut report).await?;
            }
            after = Some(last);
        }
    }

    /// One recipient's digest, in one transaction.
    async fn digest_for(
        &self,
        recipient: i64,
        now: OffsetDateTime,
        report: &mut DigestReport,
    ) -> AppResult<()> {
        let tx = self.store.write().await?;
        let conn = tx.conn();
        let rows = notification_mail::pending_for(conn, recipient, MAX_PER_RUN).await?;
        if rows.is_empty() {
            return Ok(());
        }
        let user = users::find(conn, recipient).await?;
        let access = match &user {
            Some(user) if user.status == "active" => recipient_access(conn, recipient, now).await?,
            _ => None,
        };
        let preference = notification_mail::email_preference(conn, recipient)
            .await?
            .and_then(|raw| EmailPreference::parse(&raw))
            .unwrap_or_default();
        let (pages, spaces) = subjects(conn, &rows).await?;

        let mut settled: BTreeMap<&'static str, Vec<i64>> = BTreeMap::new();
        let mut to_send: Vec<&NotificationRow> = Vec::new();
        for row in &rows {
            let verdict = match (&access, NoticeKind::parse(&row.kind)) {
                (Some((viewer, set)), Some(kind)) => {
                    let about = about(row, &pages, &spaces);
                    digest_verdict(
                        viewer,
                        set,
                        preference,
                        kind,
                        about,
                        row.actor_id.map(UserId),
                    )
                }
                _ => MailVerdict::Drop,
            };
            settled.entry(verdict.state()).or_default().push(row.id);
            if verdict == MailVerdict::Send {
                to_send.push(row);
            }
        }
        for (state, ids) in &settled {
            let moved = notification_mail::settle(conn, ids, state, now).await?;
            if moved != ids.len() as u64 {
                // Another run settled some of these first: it mails them.
                tracing::info!(recipient, "digest skipped: notices settled by another run");
                return Ok(());
            }
        }
        let count = |verdict: MailVerdict| {
            settled
                .get(verdict.state())
                .map_or(0, |ids| u32::try_from(ids.len()).unwrap_or(u32::MAX))
        };
        report.dropped += count(MailVerdict::Drop);
        report.opted_out += count(MailVerdict::OptedOut);
        if let (Some(user), Some((viewer, set)), false) = (&user, &access, to_send.is_empty()) {
            let reader = Access::of_recipient(self, viewer.clone(), set.clone());
            let actors: Vec<i64> = to_send
                .iter()
                .filter_map(|row| row.actor_id)
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            let known: HashMap<i64, String> = known_among(conn, &reader, &actors, now)
                .await?
                .into_iter()
                .map(|person| {
                    let name = if person.is_guest {
                        format!("{} (guest)", person.display_name)
                    } else {
                        person.display_name
                    };
                    (person.id.0, name)
                })
                .collect();
            let base = self.settings.public_base_url.trim_end_matches('/');
            let lines: Vec<Line> = to_send
                .iter()
                .filter_map(|row| line(row, &pages, &spaces, &known, base))
                .collect();
            let (subject, body) = digest_mail(&user.display_name, &lines, base);
            crate::mail::queue(conn, now, &user.email, &subject, &body).await?;
            report.mails += 1;
            report.listed += count(MailVerdict::Send);
        }
        tx.commit().await?;
        Ok(())
    }
}

/// The pages and spaces `rows` are about, as they are now (a page's space is
/// the one it is in now).
async fn subjects(
    conn: &impl Conn,
    rows: &[NotificationRow],
) -> AppResult<(BTreeMap<i64, PageRow>, BTreeMap<i64, SpaceRow>)> {
    let page_ids: Vec<i64> = rows
        .iter()
        .filter_map(|row| row.page_id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let pages: BTreeMap<i64, PageRow> = pages::find_many(conn, &page_ids)
        .await?
        .into_iter()
        .map(|page| (page.id, page))
        .collect();
    let space_ids: Vec<i64> = rows
        .iter()
        .map(|row| row.space_id)
        .chain(pages.values().map(|page| page.space_id))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let spaces = spaces::find_many(conn, &space_ids)
        .await?
        .into_iter()
        .map(|space| (space.id, space))
        .collect();
    Ok((pages, spaces))
}

/// What a notice is about now, if it still exists: a current page (or
/// draft, which the rule refuses) in an existing space, or the space.
fn about<'a>(
    row: &NotificationRow,
    pages: &'a BTreeMap<i64, PageRow>,
    spaces: &BTreeMap<i64, SpaceRow>,
) -> Option<About<'a>> {
    match row.page_id {
        Some(id) => {
            let page = pages.get(&id)?;
            let live = matches!(page.status.as_str(), "current" | "draft");
            (live && spaces.contains_key(&page.space_id)).then(|| About::Page(page_ref(page, None)))
        }
        None => spaces
            .contains_key(&row.space_id)
            .then_some(About::Space(SpaceId(row.space_id))),
    }
}

/// A digest line for a notice the verdict let through.
fn line(
    row: &NotificationRow,
    pages: &BTreeMap<i64, PageRow>,
    spaces: &BTreeMap<i64, SpaceRow>,
    known: &HashMap<i64, String>,
    base: &str,
) -> Option<Line> {
    let kind = NoticeKind::parse(&row.kind)?;
    let page = pages.get(&row.page_id?)?;
    let space = spaces.get(&page.space_id)?;
    let blog = page.kind == pages::BLOG_POST;
    let payload: serde_json::Value = serde_json::from_str(&row.payload).unwrap_or_default();
    let mut link = if blog {
        format!("{base}/wiki/blogposts/{}", page.id)
    } else {
        format!("{base}/wiki/pages/{}", page.id)
    };
    if let Some(comment) = payload["comment"].as_i64() {
        link.push_str(&format!("#comment-{comment}"));
    }
    Some(Line {
        who: row
            .actor_id
            .and_then(|id| known.get(&id).cloned())
            .unwrap_or_else(|| "Someone".to_owned()),
        kind,
        title: page.title.clone(),
        blog,
        space: space.name.clone(),
        space_key: space.space_key.clone(),
        link,
        version: payload["version"].as_i64(),
    })
}

/// The digest's subject and plain-text body.
fn digest_mail(name: &str, lines: &[Line], base: &str) -> (String, String) {
    let subject = match lines.len() {
        1 => "Portico: 1 new notification".to_owned(),
        n => format!("Portico: {n} new notifications"),
    };
    let mut body =
        format!("Hello {name},\n\nHere is what happened in Portico since the last mail:\n\n");
    for line in lines.iter().take(MAX_LISTED) {
        body.push_str(&line.text());
    }
    if lines.len() > MAX_LISTED {
        body.push_str(&format!(
            "\n... and {} more: {base}/notifications\n",
            lines.len() - MAX_LISTED
        ));
    }
    body.push_str(&format!(
        "\nAll your notifications: {base}/notifications\nYou get this mail for the pages and spaces you watch and when you are mentioned. To stop these mails, change your settings at {base}/account\n"
    ));
    (subject, body)
}

/// Runs the digest every `every` until `shutdown` completes (a run in
/// progress is finished first).
pub async fn run_notification_digests(
    app: App,
    every: Duration,
    shutdown: impl Future<Output = ()>,
) {
    let mut shutdown = std::pin::pin!(shutdown);
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The first tick is immediate: skip it, so start-up mails nothing early.
    ticks.tick().await;
    loop {
        tokio::select! {
            () = &mut shutdown => return,
            _ = ticks.tick() => {}
        }
        match app.send_notification_digests(app.now()).await {
            Ok(report) if report != DigestReport::default() => tracing::info!(
                mails = report.mails,
                listed = report.listed,
                dropped = report.dropped,
                opted_out = report.opted_out,
                "notification digests queued"
            ),
            Ok(_) => {}
            Err(err) => tracing::error!("the notification digest stopped for now: {err:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(kind: NoticeKind, who: &str) -> Line {
        Line {
            who: who.to_owned(),
            kind,
            title: "Launch".to_owned(),
            blog: false,
            space: "Notes".to_owned(),
            space_key: "NTF".to_owned(),
            link: "http://wiki/wiki/pages/7".to_owned(),
            version: Some(3),
        }
    }

    #[test]
    fn a_digest_lists_each_line_with_its_link() {
        let lines = [
            line(NoticeKind::PagePublished, "Ada"),
            line(NoticeKind::PageUpdated, "Someone"),
        ];
        let (subject, body) = digest_mail("Bob", &lines, "http://wiki");
        assert_eq!(subject, "Portico: 2 new notifications");
        assert!(body.contains(
            "- Ada published the page \"Launch\" in Notes (NTF)\n  http://wiki/wiki/pages/7"
        ));
        assert!(body.contains("- Someone edited the page \"Launch\" (version 3)"));
        assert!(body.contains("http://wiki/account"));
    }

    #[test]
    fn long_digests_are_cut_and_counted() {
        let lines: Vec<Line> = (0..MAX_LISTED + 3)
            .map(|_| line(NoticeKind::CommentCreated, "Ada"))
            .collect();
        let (_, body) = digest_mail("Bob", &lines, "http://wiki");
        assert_eq!(body.matches("commented on").count(), MAX_LISTED);
        assert!(body.contains("... and 3 more"));
    }
}
