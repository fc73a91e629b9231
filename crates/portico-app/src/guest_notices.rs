//! Everyone knows when guests are present (SPEC.md 3.4): how many guests
//! share a space, for the banner and the editor's hint (internal members
//! only), and the e-mail a space's admins get when guests are assigned to it.
//!
//! Not yet: watchers and in-product notifications (no such thing exists so
//! far); when they do, they join [`tell_space_admins`]'s recipients here.

use std::collections::BTreeSet;

use portico_core::guests::AssignmentRole;
use portico_core::people::{guest_notice_recipients, sees_guest_presence};
use portico_core::policy::Grantee;
use portico_core::{SpaceId, SpacePermission, UserId, Viewer};
use portico_store::permissions as grants;
use portico_store::{Conn, SpaceRow, groups, users};
use time::OffsetDateTime;

use crate::App;
use crate::error::AppResult;

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

/// Mails the space's admins (not `actor`, not the guests) that `added`
/// guests were assigned to `space`, in the caller's transaction (through the
/// outbox, so the mail goes only if the assignment commits).
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
    let recipients: Vec<i64> = guest_notice_recipients(&admins, added, UserId(actor))
        .into_iter()
        .map(|id| id.0)
        .collect();
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
    let link = format!(
        "{}/wiki/spaces/{}/access",
        base_url.trim_end_matches('/'),
        space.space_key
    );
    let body = format!(
        "{by} assigned {who} to the space {} ({}) as {role}.\n\nGuests are people from outside the organisation: they see this space's pages and the names of the people who work in it.\n\nThe space's guests are listed on its access page:\n\n{link}\n",
        space.name, space.space_key
    );
    for user in users::find_many(conn, &recipients).await? {
        if user.status == "active" {
            crate::mail::queue(conn, now, &user.email, &subject, &body).await?;
        }
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
