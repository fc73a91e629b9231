//! Expiring access in the background: grants (guest assignments, mostly) that
//! reached their expiry are removed and audited, guests whose product access
//! ran out are deactivated (audited, sessions ended), and before a grant ends
//! the person who gave it and the space's admins are reminded by e-mail.
//!
//! Access itself never waits for this job: an expired grant counts for nothing
//! from its deadline on (see `access::build_access_set`). The job tidies up
//! and leaves the audit trail.

use std::collections::BTreeSet;

use portico_core::SpacePermission;
use portico_core::policy::Grantee;
use portico_store::permissions::{self as store, GrantRow};
use portico_store::{Conn, groups, sessions, settings, spaces, users};
use serde_json::json;

use crate::App;
use crate::error::AppResult;
use crate::record::audit;

/// Site setting: days before an expiry that reminders go out.
pub const REMINDER_DAYS: &str = "guests.expiry_reminder_days";
const DEFAULT_REMINDER_DAYS: i64 = 7;
/// How often the background job runs.
const TICK: std::time::Duration = std::time::Duration::from_secs(60);

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExpiryReport {
    pub ended: usize,
    pub reminded: usize,
}

async fn grantee_name(conn: &impl Conn, grantee: Grantee) -> AppResult<String> {
    Ok(match grantee {
        Grantee::User(id) => users::find(conn, id.0)
            .await?
            .map_or_else(|| format!("user {id}"), |user| user.display_name),
        Grantee::Group(id) => groups::find(conn, id.0).await?.map_or_else(
            || format!("group {id}"),
            |group| format!("group {}", group.name),
        ),
        Grantee::AllMembers => "all members".to_owned(),
        Grantee::Anonymous => "anonymous visitors".to_owned(),
    })
}

/// Who hears about an expiring grant: whoever gave it and the people who
/// administer the space directly.
async fn reminder_recipients(conn: &impl Conn, grant: &GrantRow) -> AppResult<Vec<String>> {
    let mut ids: BTreeSet<i64> = grant.granted_by.into_iter().collect();
    for other in store::space_grants(conn, grant.space_id).await? {
        if let Grantee::User(user) = other.grantee
            && other.permissions.contains(SpacePermission::Admin)
        {
            ids.insert(user.0);
        }
    }
    if let Grantee::User(holder) = grant.grantee {
        ids.remove(&holder.0);
    }
    let ids: Vec<i64> = ids.into_iter().collect();
    Ok(users::find_many(conn, &ids)
        .await?
        .into_iter()
        .filter(|user| user.status == "active")
        .map(|user| user.email)
        .collect())
}

impl App {
    /// Ends expired grants and sends due reminders, in one transaction.
    pub async fn run_expiry_once(&self) -> AppResult<ExpiryReport> {
        let now = self.now();
        let tx = self.store.write().await?;
        let conn = tx.conn();
        let mut report = ExpiryReport::default();
        for grant in store::expired_grants(conn, now).await? {
            store::delete_grant_by_id(conn, grant.id).await?;
            audit(
                conn,
                now,
                None,
                "space.grant_expired",
                ("space", grant.space_id.to_string()),
                json!({
                    "grantee": grant.grantee,
                    "expires_at": grant.expires_at.map(|at| at.unix_timestamp()),
                }),
            )
            .await?;
            report.ended += 1;
        }
        for mut user in users::expired_guests(conn, now).await? {
            // Only guests: a member's stale expiry (from before a promotion) means nothing.
            let Some(principal) = crate::access::principal_of(conn, user.id).await? else {
                continue;
            };
            if principal.role != portico_core::Role::Guest {
                continue;
            }
            user.status = "deactivated".to_owned();
            user.updated_at = now;
            let id = user.id;
            users::update(conn, user).await?;
            sessions::delete_for_user(conn, id).await?;
            audit(
                conn,
                now,
                None,
                "user.guest_access_expired",
                ("user", id.to_string()),
                json!({}),
            )
            .await?;
            report.ended += 1;
        }
        let days = settings::all(conn)
            .await?
            .get(REMINDER_DAYS)
            .and_then(|value| value.parse::<i64>().ok())
            .unwrap_or(DEFAULT_REMINDER_DAYS);
        let until = now + time::Duration::days(days);
        for grant in store::grants_to_remind(conn, now, until).await? {
            let Some(space) = spaces::find(conn, grant.space_id).await? else {
                continue;
            };
            let Some(ends) = grant.expires_at else {
                continue;
            };
            let who = grantee_name(conn, grant.grantee).await?;
            let link = format!(
                "{}/wiki/spaces/{}/access",
                self.settings.public_base_url.trim_end_matches('/'),
                space.space_key
            );
            let date = ends.date();
            for recipient in reminder_recipients(conn, &grant).await? {
                crate::mail::queue(
                    conn,
                    now,
                    &recipient,
                    &format!("Access of {who} to {} ends on {date}", space.name),
                    &format!(
                        "The access of {who} to the space {} ({}) ends on {date} (UTC). To keep it, extend it on the space's access page:\n\n{link}\n",
                        space.name, space.space_key
                    ),
                )
                .await?;
            }
            store::mark_reminded(conn, grant.id, now).await?;
            audit(
                conn,
                now,
                None,
                "reminder.grant_expiry",
                ("space", grant.space_id.to_string()),
                json!({ "grantee": grant.grantee, "expires_at": ends.unix_timestamp() }),
            )
            .await?;
            report.reminded += 1;
        }
        tx.commit().await?;
        Ok(report)
    }
}

/// Runs [`App::run_expiry_once`] soon after start and then every minute,
/// until `shutdown` completes.
pub async fn run_expiry_jobs(app: App, shutdown: impl Future<Output = ()>) {
    let mut shutdown = std::pin::pin!(shutdown);
    let mut ticks = tokio::time::interval(TICK);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = &mut shutdown => return,
            _ = ticks.tick() => {}
        }
        match app.run_expiry_once().await {
            Ok(report) if report != ExpiryReport::default() => tracing::info!(
                ended = report.ended,
                reminded = report.reminded,
                "expiring access handled"
            ),
            Ok(_) => {}
            Err(err) => tracing::error!("the expiry job stopped for now: {err:?}"),
        }
    }
}
