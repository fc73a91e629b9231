//! The org admin's guest actions beyond assignments (SPEC.md 1.2, 3.5):
//! promoting a guest or a guest group to member, and removing a guest's
//! product access. Each runs under the headcount lock with the former-paid
//! rule and the licence limits checked on the state before and after, in one
//! transaction with its audit entries (which move the permission epoch).
//!
//! Promotion keeps every active space grant the guest (or guest group) held
//! as an ordinary grant of the same role, and drops what made it a *guest
//! assignment*: its expiry (and so its reminder), and the guest's own
//! product-access expiry. Removing product access sets the direct role to
//! `none`, takes the person out of their guest groups, ends their space
//! assignments, sessions and API tokens; their account and content stay.
//!
//! A role change in the directory that makes a guest (or a guest group)
//! paid is a promotion too: `set_user_role` and `set_group_role` run
//! [`promote_user_in`] / [`promote_group_in`], so both paths do the same.

use portico_core::policy::Grantee;
use portico_core::{GroupId, Role, UserId, Viewer};
use portico_store::permissions::{self as grants, GrantTerms, GrantValue};
use portico_store::{Conn, UserRow, groups, sessions, tokens, users};
use serde_json::json;
use time::OffsetDateTime;

use crate::App;
use crate::directory::{
    Roster, SitePolicies, UserSummary, lock_roster, require_org_admin, summary,
};
use crate::error::{AppError, AppResult};
use crate::record::audit;

fn not_a_guest(email: &str) -> AppError {
    AppError::Conflict(format!(
        "`{email}` is not a guest: only guests can be promoted or removed from the guest list"
    ))
}

fn role_of(text: &str) -> Role {
    text.parse().unwrap_or(Role::None)
}

/// Turns the active grants held by `grantees` into ordinary grants: same
/// role or permissions, same grantor and start, no expiry. Returns the spaces
/// they hold grants in.
async fn keep_as_ordinary_grants(
    conn: &impl Conn,
    users: &[UserId],
    groups: &[GroupId],
    now: OffsetDateTime,
) -> AppResult<Vec<i64>> {
    let mut rows = grants::grants_to_users(conn, users).await?;
    rows.extend(grants::grants_to_groups(conn, groups).await?);
    let mut spaces = Vec::new();
    for grant in rows.into_iter().filter(|grant| grant.active(now)) {
        spaces.push(grant.space_id);
        if grant.expires_at.is_none() {
            continue;
        }
        let value = match grant.role_id {
            Some(role) => GrantValue::Role(role),
            None => GrantValue::Permissions(grant.permissions),
        };
        grants::put_grant(
            conn,
            grant.space_id,
            grant.grantee,
            value,
            GrantTerms {
                expires_at: None,
                granted_by: grant.granted_by,
                // What was shared stays what is shared.
                subtree_root: grant.subtree_root,
            },
            grant.created_at,
        )
        .await?;
    }
    spaces.sort_unstable();
    spaces.dedup();
    Ok(spaces)
}

/// What promoting one guest (or one guest group) did, for the caller to
/// write its own audit entries beside promotion's.
pub(crate) struct Promoted {
    /// The roster after the change.
    pub(crate) after: Roster,
    /// The promoted people, as written.
    pub(crate) users: Vec<UserRow>,
}

/// Promotes the guest `id` to the paid `role`, in the caller's transaction
/// and under the headcount lock it holds (`before` is the roster loaded
/// under it): the direct role becomes `role`, the product-access expiry goes,
/// they are former-paid forever, their active grants stay as ordinary grants
/// (with their page subtree), and `user.promote` is audited. Both
/// [`App::promote_guest`] and a direct role change that makes a guest paid
/// (`App::set_user_role`) come here.
pub(crate) async fn promote_user_in(
    conn: &impl Conn,
    (actor, now): (i64, OffsetDateTime),
    (policies, before): (&SitePolicies, &Roster),
    id: UserId,
    role: Role,
) -> AppResult<Promoted> {
    let mut user = before.users.get(&id.0).cloned().ok_or(AppError::NotFound)?;
    if before.effective(user.id) != Role::Guest || !role.is_paid() {
        return Err(not_a_guest(&user.email));
    }
    let old_role = user.role.clone();
    user.role = role.as_str().to_owned();
    user.guest_access_expires_at = None;
    user.updated_at = now;
    let mut after = before.clone();
    after.set_user(user.clone());
    before.check_change(&after, policies.limits)?;
    // INVARIANT: they hold a paid role now, so they are former-paid forever.
    user.ever_paid = true;
    let user = users::update(conn, user).await?;
    after.set_user(user.clone());
    let spaces = keep_as_ordinary_grants(conn, &[id], &[], now).await?;
    audit(
        conn,
        now,
        Some(actor),
        "user.promote",
        ("user", id.to_string()),
        json!({ "from": old_role, "to": role.as_str(), "spaces": spaces }),
    )
    .await?;
    Ok(Promoted {
        after,
        users: vec![user],
    })
}

/// Promotes the guest group `id` to a group of the paid `role`, in the
/// caller's transaction under the headcount lock: every member who was a
/// guest becomes paid (and former-paid) through it, all within the limits or
/// none; members whose direct role was `guest` get the direct role `none`,
/// so leaving the group later takes their access away rather than running
/// into the former-paid rule; the group's and the members' grants stay as
/// ordinary grants; `user.promote` and `group.promote` are audited. Both
/// [`App::promote_guest_group`] and a group role change from `guest` to a
/// paid role (`App::set_group_role`) come here.
pub(crate) async fn promote_group_in(
    conn: &impl Conn,
    (actor, now): (i64, OffsetDateTime),
    (policies, before): (&SitePolicies, &Roster),
    id: GroupId,
    role: Role,
) -> AppResult<Promoted> {
    let mut group = before
        .groups
        .get(&id.0)
        .cloned()
        .ok_or(AppError::NotFound)?;
    if role_of(&group.role) != Role::Guest || !role.is_paid() {
        return Err(AppError::Conflict(format!(
            "the group `{}` is not a guest group: only guest groups can be promoted",
            group.name
        )));
    }
    group.role = role.as_str().to_owned();
    let mut after = before.clone();
    after.set_group(group.clone());
    let mut promoted = Vec::new();
    for (member, _) in before.memberships.iter().filter(|(_, g)| *g == id.0) {
        let Some(mut user) = before.users.get(member).cloned() else {
            continue;
        };
        if before.effective(user.id) != Role::Guest {
            continue;
        }
        if role_of(&user.role) == Role::Guest {
            user.role = Role::None.as_str().to_owned();
        }
        user.guest_access_expires_at = None;
        user.ever_paid = true;
        user.updated_at = now;
        after.set_user(user.clone());
        promoted.push(user);
    }
    before.check_change(&after, policies.limits)?;
    groups::update(conn, group.clone()).await?;
    let mut written = Vec::with_capacity(promoted.len());
    for user in promoted {
        written.push(users::update(conn, user).await?);
    }
    let promoted_ids: Vec<UserId> = written.iter().map(|user| UserId(user.id)).collect();
    let spaces = keep_as_ordinary_grants(conn, &promoted_ids, &[id], now).await?;
    for user in &promoted_ids {
        audit(
            conn,
            now,
            Some(actor),
            "user.promote",
            ("user", user.to_string()),
            json!({ "from": Role::Guest.as_str(), "to": role.as_str(), "group": id.0 }),
        )
        .await?;
    }
    audit(
        conn,
        now,
        Some(actor),
        "group.promote",
        ("group", id.to_string()),
        json!({
            "name": group.name,
            "from": Role::Guest.as_str(),
            "to": role.as_str(),
            "members": promoted_ids,
            "spaces": spaces,
        }),
    )
    .await?;
    Ok(Promoted {
        after,
        users: written,
    })
}

impl App {
    /// Promotes a guest to member (org admins): a paid seat from now on and
    /// forever former-paid; their space grants stay as ordinary grants
    /// without expiry. Fails over the site user limit.
    pub async fn promote_guest(&self, viewer: &Viewer, id: UserId) -> AppResult<UserSummary> {
        let actor = require_org_admin(viewer)?;
        let now = self.now();
        let tx = self.store.write().await?;
        let (policies, before) = lock_roster(tx.conn()).await?;
        let promoted = promote_user_in(
            tx.conn(),
            (actor, now),
            (&policies, &before),
            id,
            Role::Member,
        )
        .await?;
        tx.commit().await?;
        let user = promoted.users.first().ok_or(AppError::NotFound)?;
        Ok(summary(&promoted.after, user))
    }

    /// Promotes a guest group to a member group (org admins): see
    /// [`promote_group_in`].
    pub async fn promote_guest_group(&self, viewer: &Viewer, id: GroupId) -> AppResult<()> {
        let actor = require_org_admin(viewer)?;
        let now = self.now();
        let tx = self.store.write().await?;
        let (policies, before) = lock_roster(tx.conn()).await?;
        promote_group_in(
            tx.conn(),
            (actor, now),
            (&policies, &before),
            id,
            Role::Member,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes a guest's product access (org admins): they leave the guest
    /// list. Their direct role becomes `none`, they leave their guest groups,
    /// their space assignments end, and their sessions and API tokens stop
    /// at once. The account (and everything they wrote) stays, so they can
    /// be invited back.
    pub async fn remove_guest_access(&self, viewer: &Viewer, id: UserId) -> AppResult<()> {
        let actor = require_org_admin(viewer)?;
        if actor == id.0 {
            return Err(AppError::Conflict(
                "you can't remove your own product access".to_owned(),
            ));
        }
        let now = self.now();
        let tx = self.store.write().await?;
        let conn = tx.conn();
        let (policies, before) = lock_roster(conn).await?;
        let mut user = before.users.get(&id.0).cloned().ok_or(AppError::NotFound)?;
        if before.effective(user.id) != Role::Guest {
            return Err(not_a_guest(&user.email));
        }
        let old_role = user.role.clone();
        user.role = Role::None.as_str().to_owned();
        user.guest_access_expires_at = None;
        user.updated_at = now;
        let mut after = before.clone();
        after.set_user(user.clone());
        let guest_groups: Vec<(i64, String)> = before
            .memberships
            .iter()
            .filter(|(member, _)| *member == id.0)
            .filter_map(|(_, group)| before.groups.get(group))
            .filter(|group| role_of(&group.role) == Role::Guest)
            .map(|group| (group.id, group.name.clone()))
            .collect();
        for (group, _) in &guest_groups {
            after.leave(id.0, *group);
        }
        before.check_change(&after, policies.limits)?;
        users::update(conn, user).await?;
        for (group, _) in &guest_groups {
            groups::remove_member(conn, *group, id.0).await?;
        }
        let mut spaces = Vec::new();
        for grant in grants::grants_to_user(conn, id).await? {
            grants::delete_grant(conn, grant.space_id, Grantee::User(id)).await?;
            spaces.push(grant.space_id);
        }
        sessions::delete_for_user(conn, id.0).await?;
        tokens::revoke_all_for_user(conn, id.0, now).await?;
        audit(
            conn,
            now,
            Some(actor),
            "user.guest_remove",
            ("user", id.to_string()),
            json!({
                "from": old_role,
                "groups_left": guest_groups.iter().map(|(_, name)| name).collect::<Vec<_>>(),
                "spaces": spaces,
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
