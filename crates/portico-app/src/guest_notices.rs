//! Everyone knows when guests are present (SPEC.md 3.4): how many guests
//! share a space, for the banner and the editor's hint (internal members
//! only), and the notice a space's admins and watchers get when guests are
//! assigned to it — in the product (`crate::notifications`) and by e-mail,
//! both written in the assignment's transaction.
//!
//! The notice names the guests, so it goes to internal people only
//! (`portico_core::notify::may_deliver`, which asks
//! `people::sees_guest_presence`), and only to those who can view the space
//! at that moment; a guest who watches the space hears nothing of it.

use std::collections::BTreeSet;

use portico_core::guests::AssignmentRole;
use portico_core::notify::NoticeKind;
use portico_core::people::{guest_notice_recipients, sees_guest_presence};
use portico_core::policy::Grantee;
use portico_core::{SpaceId, SpacePermission, UserId, Viewer};
use portico_store::permissions as grants;
use portico_store::watches::{self, Watched};
use portico_store::{Conn, SpaceRow, groups, users};
use serde_json::json;
use time::OffsetDateTime;

use crate::App;
use crate::error::AppResult;
use crate::notifications::{Event, deliver};

/// People who hold the space `admin` permission through an unexpired grant
/// in the space, directly or through a group.
async fn space_admins(
    conn: &impl Conn,
    space: &SpaceRow,
    now: OffsetDateTime,
) -> AppResult<BTreeSet<UserId>> {
    let mut admins = BTreeSet::new();
    for grant in grants::space_grants(conn, space.id).await? {
        if !grant.active(now) || !grant.permissions.contains(SpacePermission::Admin) {
            continue;
        }
        match grant.grantee {
            Grantee::User(user) => {
                admins.insert(user);
            }
            Grantee::Group(group) => {
                admins.extend(
                    groups::members(conn, group.0)
                        .await?
                        .into_iter()
                        .map(UserId),
                );
            }
            Grantee::AllMembers | Grantee::Anonymous => {}
        }
    }
    Ok(admins)
}

/// Tells the space's admins and watchers (not `actor`, not the guests, no
/// one who isn't internal or can't view the space) that `added` guests were
/// assigned to `space`: a notification and an e-mail each, in the caller's
/// transaction (mail through the outbox, so both go only if the assignment
/// commits).
pub(crate) async fn tell_space_admins(
    conn: &impl Conn,
    now: OffsetDateTime,
    base_url: &str,
    space: &SpaceRow,
    added: &[UserId],
    role: AssignmentRole,
    actor: i64,
) -> AppResult<()> {
    let admins = space_admins(conn, space, now).await?;
    let mut told = admins.clone();
    told.extend(
        watches::watchers(conn, Watched::Space(space.id))
            .await?
            .into_iter()
            .map(UserId),
    );
    let candidates = guest_notice_recipients(&told, added, UserId(actor));
    let event = Event {
        kind: NoticeKind::GuestsAdded,
        actor,
        space,
        page: None,
        payload: json!({
            "guests": added.iter().map(|id| id.0).collect::<Vec<_>>(),
            "role": role.to_string(),
        }),
        now,
    };
    let recipients = deliver(conn, &event, candidates.into_iter().map(|id| id.0)).await?;
    if recipients.is_empty() {
        return Ok(());
    }
    let raw: Vec<i64> = added.iter().map(|id| id.0).collect();
    let names: Vec<String> = users::find_many(conn, &raw)
        .await?
        .into_iter()
        .map(|user| user.display_name)
        .collect();
    let by = users::find(conn, actor)
        .await?
        .map_or_else(|| "An admin".to_owned(), |user| user.display_name);
    let (subject, who) = match names.as_slice() {
        [one] => (
            format!("{one} is now a guest in {}", space.name),
            format!("the guest {one}"),
        ),
        many => (
            format!("{} guests added to {}", many.len(), space.name),
            format!("{} guests ({})", many.len(), many.join(", ")),
        ),
    };
    let base = base_url.trim_end_matches('/');
    let intro = format!(
        "{by} assigned {who} to the space {} ({}) as {role}.\n\nGuests are people from outside the organisation: they see this space's pages and the names of the people who work in it.\n\n",
        space.name, space.space_key
    );
    for user in users::find_many(conn, &recipients).await? {
        if user.status != "active" {
            continue;
        }
        // Admins manage the guests; watchers are pointed at the space.
        let body = if admins.contains(&UserId(user.id)) {
            format!(
                "{intro}The space's guests are listed on its access page:\n\n{base}/wiki/spaces/{}/access\n",
                space.space_key
            )
        } else {
            format!(
                "{intro}You get this because you watch the space:\n\n{base}/wiki/spaces/{}\n",
                space.space_key
            )
        };
        crate::mail::queue(conn, now, &user.email, &subject, &body).await?;
    }
    Ok(())
}

impl App {
    /// How many guests share a space, for its banner and the editor's hint:
    /// `None` when there are none, or when `viewer` is not shown the count
    /// (guests, anonymous visitors; see `portico_core::people`).
    pub async fn guest_presence(
        &self,
        viewer: &Viewer,
        space_id: SpaceId,
    ) -> AppResult<Option<usize>> {
        if !sees_guest_presence(viewer) {
            return Ok(None);
        }
        let count = self.space_guest_count(viewer, space_id).await?;
        Ok((count > 0).then_some(count))
    }
}
