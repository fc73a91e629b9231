//! Guest space assignments: the second of the two steps (SPEC.md 3.1–3.2).
//! An assignment is a grant to the guest in one space, with the collaborator
//! or viewer role and an optional expiry; beyond `guests.max_spaces` a new
//! assignment moves the guest out of their oldest one.

use portico_core::guests::{AssignmentError, AssignmentRole, plan_assignment};
use portico_core::policy::{Action, Grantee};
use portico_core::validation::ValidationError;
use portico_core::{PageId, SpaceId, UserId, Viewer};
use portico_store::permissions::{self as store, GrantTerms, GrantValue};
use portico_store::{Conn, SpaceRow, spaces, users};
use serde_json::json;
use time::OffsetDateTime;

use crate::App;
use crate::access::{
    managed_or_visible_space, managed_space, principal_at, principal_of, visible_page,
    visible_space,
};
use crate::directory::load_policies;
use crate::error::{AppError, AppResult};
use crate::record::audit;

/// One space a guest is assigned to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestAssignment {
    pub space_id: SpaceId,
    /// `None` when the grant is not one of the two assignment bundles (a
    /// space admin gave individual permissions).
    pub role: Option<AssignmentRole>,
    pub assigned_at: OffsetDateTime,
    pub expires_at: Option<OffsetDateTime>,
    /// Only this page and its descendants are shared; `None`: the whole space.
    pub page_id: Option<PageId>,
}

/// How the guest list is sorted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum GuestSort {
    #[default]
    Name,
    /// Most recently active first.
    LastActive,
    /// Soonest expiry (of product access or any assignment) first.
    Expiry,
}

/// Filters for the guest list.
#[derive(Debug, Clone, Default)]
pub struct GuestQuery {
    /// Part of the name or e-mail.
    pub search: Option<String>,
    /// Guests assigned to this space.
    pub space: Option<SpaceId>,
    /// Guests with no space assigned.
    pub no_space: bool,
    /// Guests whose access or an assignment ends before this time.
    pub expiring_before: Option<OffsetDateTime>,
    /// Guests whose access or an assignment ends within this long from now
    /// (the app's clock); with `expiring_before`, the earlier cut-off wins.
    pub expiring_within: Option<time::Duration>,
    /// Guests not active since this time (never active counts as not active).
    pub last_active_before: Option<OffsetDateTime>,
    pub sort: GuestSort,
}

/// One guest in the admin's guest list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestSummary {
    pub user: crate::UserSummary,
    pub access_expires_at: Option<OffsetDateTime>,
    pub assignments: Vec<GuestAssignment>,
}

impl GuestSummary {
    /// The first time anything of this guest's access ends.
    pub fn next_expiry(&self) -> Option<OffsetDateTime> {
        self.assignments
            .iter()
            .filter_map(|a| a.expires_at)
            .chain(self.access_expires_at)
            .min()
    }
}

/// One line of the guest access overview: a guest or guest group and what
/// it holds in one space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestAccessLine {
    pub who: crate::NamedGrantee,
    pub space_id: SpaceId,
    pub space_key: String,
    pub permissions: portico_core::Permissions,
    pub expires_at: Option<OffsetDateTime>,
}

/// What an assignment did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignmentOutcome {
    /// Spaces the guest was moved out of to stay within `guests.max_spaces`.
    pub moved_from: Vec<SpaceId>,
}

impl From<AssignmentError> for AppError {
    fn from(err: AssignmentError) -> Self {
        let field = match err {
            AssignmentError::NotAGuest | AssignmentError::NoProductAccess => "userId",
            AssignmentError::SpaceForbidsGuests => "spaceId",
            AssignmentError::ExpiryInThePast => "expiresAt",
        };
        AppError::Invalid(ValidationError::new(field, err.to_string()))
    }
}

impl GuestAssignment {
    fn of(grant: &store::GrantRow) -> Self {
        GuestAssignment {
            space_id: SpaceId(grant.space_id),
            role: AssignmentRole::of(grant.permissions),
            assigned_at: grant.created_at,
            expires_at: grant.expires_at,
            page_id: grant.subtree_root.map(PageId),
        }
    }
}

/// What an assignment shares.
#[derive(Debug, Clone, Copy)]
enum Shared {
    Space(SpaceId),
    /// A page of the given space, with its descendants.
    Page(SpaceId, PageId),
}

/// The most guests one bulk action takes.
pub const MAX_BULK: usize = 25;

fn check_batch(guests: &[UserId]) -> AppResult<()> {
    if guests.is_empty() || guests.len() > MAX_BULK {
        return Err(ValidationError::new(
            "userIds",
            format!("must name 1 to {MAX_BULK} guests, not {}", guests.len()),
        )
        .into());
    }
    Ok(())
}

/// One guest's assignment inside a use case's transaction.
struct AssignStep<'a> {
    actor: i64,
    now: OffsetDateTime,
    space: &'a SpaceRow,
    guest: UserId,
    role: AssignmentRole,
    role_id: i64,
    expires_at: Option<OffsetDateTime>,
    max_spaces: u32,
    /// Share only this page and its descendants.
    subtree_root: Option<i64>,
}

impl AssignStep<'_> {
    async fn run(self, conn: &impl Conn) -> AppResult<AssignmentOutcome> {
        let AssignStep {
            actor,
            now,
            space,
            guest,
            ..
        } = self;
        let person = principal_at(conn, guest.0, now).await?.ok_or_else(|| {
            AppError::Invalid(ValidationError::new(
                "userId",
                format!("no user with id {guest}"),
            ))
        })?;
        let current: Vec<SpaceId> = store::grants_to_user(conn, guest)
            .await?
            .into_iter()
            .filter(|grant| grant.active(now))
            .map(|grant| SpaceId(grant.space_id))
            .collect();
        let plan = plan_assignment(
            person.role,
            space.allows_guests,
            &current,
            SpaceId(space.id),
            self.max_spaces,
        )?;
        for old in &plan.moved_from {
            store::delete_grant(conn, old.0, Grantee::User(guest)).await?;
            audit(
                conn,
                now,
                Some(actor),
                "space.guest_unassign",
                ("space", old.to_string()),
                json!({ "guest": guest, "reason": "moved", "to": space.id }),
            )
            .await?;
        }
        store::put_grant(
            conn,
            space.id,
            Grantee::User(guest),
            GrantValue::Role(self.role_id),
            GrantTerms {
                expires_at: self.expires_at,
                granted_by: Some(actor),
                subtree_root: self.subtree_root,
            },
            now,
        )
        .await?;
        audit(
            conn,
            now,
            Some(actor),
            "space.guest_assign",
            ("space", space.id.to_string()),
            json!({
                "guest": guest,
                "role": self.role.as_str(),
                "expires_at": self.expires_at.map(|end| end.unix_timestamp()),
                "moved_from": plan.moved_from,
                "page": self.subtree_root,
            }),
        )
        .await?;
        Ok(AssignmentOutcome {
            moved_from: plan.moved_from,
        })
    }
}

/// Site setting: the key of a space new guests are assigned to when they
/// accept their invitation (as collaborators; unset: none).
pub const DEFAULT_SPACE: &str = "guests.default_space";

/// Assigns a newly active guest to the site's default space, if there is one
/// that allows guests (in the caller's transaction; anyone else: nothing).
pub(crate) async fn assign_default_space(
    conn: &impl Conn,
    guest: UserId,
    granted_by: Option<i64>,
    now: OffsetDateTime,
    base_url: &str,
) -> AppResult<()> {
    let Some(key) = portico_store::settings::all(conn)
        .await?
        .remove(DEFAULT_SPACE)
    else {
        return Ok(());
    };
    let Some(space) = spaces::find_by_key(conn, &key.trim().to_ascii_uppercase()).await? else {
        return Ok(());
    };
    let is_guest = principal_at(conn, guest.0, now)
        .await?
        .is_some_and(|p| p.role == portico_core::Role::Guest);
    if !is_guest || !space.allows_guests {
        return Ok(());
    }
    let role = AssignmentRole::Collaborator;
    let bundle = store::role_by_key(conn, role.space_role().key())
        .await?
        .ok_or_else(|| AppError::Internal("a built-in role is missing".into()))?;
    let max_spaces = load_policies(conn).await?.access.guest_max_spaces;
    AssignStep {
        actor: granted_by.unwrap_or(guest.0),
        now,
        space: &space,
        guest,
        role,
        role_id: bundle.id,
        expires_at: None,
        max_spaces,
        subtree_root: None,
    }
    .run(conn)
    .await?;
    // The guest's acceptance made the assignment: everyone who administers
    // the space (the inviter too) is told.
    crate::guest_notices::tell_space_admins(conn, now, base_url, &space, &[guest], role, guest.0)
        .await?;
    Ok(())
}

impl App {
    /// Assigns a guest to a space with a role and an optional expiry (space
    /// admins and wiki admins). Beyond `guests.max_spaces` the guest moves out
    /// of their oldest assignments, in the same transaction.
    pub async fn assign_guest(
        &self,
        viewer: &Viewer,
        space_id: SpaceId,
        guest: UserId,
        role: AssignmentRole,
        expires_at: Option<OffsetDateTime>,
    ) -> AppResult<AssignmentOutcome> {
        let mut outcomes = self
            .bulk_assign_guests(viewer, space_id, &[guest], role, expires_at)
            .await?;
        Ok(outcomes.pop().unwrap_or(AssignmentOutcome {
            moved_from: Vec::new(),
        }))
    }

    /// Assigns up to [`MAX_BULK`] guests to a space at once: all of them or,
    /// if any one can't be assigned, none.
    pub async fn bulk_assign_guests(
        &self,
        viewer: &Viewer,
        space_id: SpaceId,
        guests: &[UserId],
        role: AssignmentRole,
        expires_at: Option<OffsetDateTime>,
    ) -> AppResult<Vec<AssignmentOutcome>> {
        self.assign_many(viewer, Shared::Space(space_id), guests, role, expires_at)
            .await
    }

    /// Assigns up to [`MAX_BULK`] guests to one page subtree of a space at
    /// once (see [`App::assign_guest_to_page`]): all of them or none.
    pub async fn bulk_assign_guests_to_page(
        &self,
        viewer: &Viewer,
        space_id: SpaceId,
        page_id: PageId,
        guests: &[UserId],
        role: AssignmentRole,
        expires_at: Option<OffsetDateTime>,
    ) -> AppResult<Vec<AssignmentOutcome>> {
        self.assign_many(
            viewer,
            Shared::Page(space_id, page_id),
            guests,
            role,
            expires_at,
        )
        .await
    }

    /// Assigns a guest to one page and its descendants only (SPEC.md 3.2):
    /// they see that subtree of the space and nothing else of it. Replaces a
    /// whole-space assignment to the same space, and counts as one space
    /// for `guests.max_spaces`.
    pub async fn assign_guest_to_page(
        &self,
        viewer: &Viewer,
        space_id: SpaceId,
        page_id: PageId,
        guest: UserId,
        role: AssignmentRole,
        expires_at: Option<OffsetDateTime>,
    ) -> AppResult<AssignmentOutcome> {
        let mut outcomes = self
            .bulk_assign_guests_to_page(viewer, space_id, page_id, &[guest], role, expires_at)
            .await?;
        Ok(outcomes.pop().unwrap_or(AssignmentOutcome {
            moved_from: Vec::new(),
        }))
    }

    async fn assign_many(
        &self,
        viewer: &Viewer,
        shared: Shared,
        guests: &[UserId],
        role: AssignmentRole,
        expires_at: Option<OffsetDateTime>,
    ) -> AppResult<Vec<AssignmentOutcome>> {
        check_batch(guests)?;
        let access = self.access(viewer).await?;
        let actor = access.actor()?;
        let now = self.now();
        if expires_at.is_some_and(|end| end <= now) {
            return Err(AssignmentError::ExpiryInThePast.into());
        }
        let tx = self.store.write().await?;
        let conn = tx.conn();
        let (space, subtree_root) = match shared {
            Shared::Space(space_id) => (managed_space(conn, &access, space_id).await?, None),
            Shared::Page(space_id, page_id) => {
                // The page must be one the assigner can see, in a space they manage.
                let space = managed_or_visible_space(conn, &access, space_id).await?;
                let page = match visible_page(conn, &access, page_id).await {
                    Ok((page, _)) if page.space_id == space.id && page.status == "current" => page,
                    // Missing, invisible and foreign pages get the same answer.
                    _ => {
                        return Err(ValidationError::new(
                            "pageId",
                            "must be a published page of this space",
                        )
                        .into());
                    }
                };
                (
                    managed_space(conn, &access, SpaceId(space.id)).await?,
                    Some(page.id),
                )
            }
        };
        let max_spaces = load_policies(conn).await?.access.guest_max_spaces;
        let bundle = store::role_by_key(conn, role.space_role().key())
            .await?
            .ok_or_else(|| AppError::Internal("a built-in role is missing".into()))?;
        let mut outcomes = Vec::with_capacity(guests.len());
        for guest in guests {
            let step = AssignStep {
                actor,
                now,
                space: &space,
                guest: *guest,
                role,
                role_id: bundle.id,
                expires_at,
                max_spaces,
                subtree_root,
            };
            outcomes.push(step.run(conn).await?);
        }
        let base_url = &self.settings.public_base_url;
        crate::guest_notices::tell_space_admins(conn, now, base_url, &space, guests, role, actor)
            .await?;
        tx.commit().await?;
        Ok(outcomes)
    }

    /// Gives an assignment a new expiry (or none), keeping its role: the
    /// one-click "extend".
    pub async fn extend_guest_assignment(
        &self,
        viewer: &Viewer,
        space_id: SpaceId,
        guest: UserId,
        expires_at: Option<OffsetDateTime>,
    ) -> AppResult<()> {
        self.bulk_extend_guests(viewer, space_id, &[guest], expires_at)
            .await
    }

    /// Extends (or clears) the expiry of up to [`MAX_BULK`] guests'
    /// assignments to a space, keeping their roles: all or none.
    pub async fn bulk_extend_guests(
        &self,
        viewer: &Viewer,
        space_id: SpaceId,
        guests: &[UserId],
        expires_at: Option<OffsetDateTime>,
    ) -> AppResult<()> {
        check_batch(guests)?;
        let access = self.access(viewer).await?;
        let actor = access.actor()?;
        let now = self.now();
        if expires_at.is_some_and(|end| end <= now) {
            return Err(AssignmentError::ExpiryInThePast.into());
        }
        let tx = self.store.write().await?;
        let conn = tx.conn();
        let space = managed_space(conn, &access, space_id).await?;
        for guest in guests {
            let grant = store::find_grant(conn, space.id, Grantee::User(*guest))
                .await?
                .filter(|grant| grant.active(now))
                .ok_or(AppError::NotFound)?;
            let value = match grant.role_id {
                Some(role) => GrantValue::Role(role),
                None => GrantValue::Permissions(grant.permissions),
            };
            store::put_grant(
                conn,
                space.id,
                Grantee::User(*guest),
                value,
                GrantTerms {
                    expires_at,
                    granted_by: Some(actor),
                    subtree_root: grant.subtree_root,
                },
                grant.created_at,
            )
            .await?;
            audit(
                conn,
                now,
                Some(actor),
                "space.guest_extend",
                ("space", space.id.to_string()),
                json!({ "guest": guest, "expires_at": expires_at.map(|end| end.unix_timestamp()) }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Sets when a guest's product access ends (or never). Org admins only;
    /// applies to guests only.
    pub async fn set_guest_access_expiry(
        &self,
        viewer: &Viewer,
        guest: UserId,
        expires_at: Option<OffsetDateTime>,
    ) -> AppResult<()> {
        let actor = crate::directory::require_org_admin(viewer)?;
        let now = self.now();
        if expires_at.is_some_and(|end| end <= now) {
            return Err(AssignmentError::ExpiryInThePast.into());
        }
        let tx = self.store.write().await?;
        let conn = tx.conn();
        let principal = principal_of(conn, guest.0)
            .await?
            .ok_or(AppError::NotFound)?;
        if principal.role != portico_core::Role::Guest {
            return Err(AssignmentError::NotAGuest.into());
        }
        let mut user = users::find(conn, guest.0)
            .await?
            .ok_or(AppError::NotFound)?;
        user.guest_access_expires_at = expires_at;
        user.updated_at = now;
        users::update(conn, user).await?;
        audit(
            conn,
            now,
            Some(actor),
            "user.guest_access_expiry",
            ("user", guest.to_string()),
            json!({ "expires_at": expires_at.map(|end| end.unix_timestamp()) }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ends a guest's assignment to a space; they stay a guest.
    pub async fn unassign_guest(
        &self,
        viewer: &Viewer,
        space_id: SpaceId,
        guest: UserId,
    ) -> AppResult<()> {
        self.bulk_unassign_guests(viewer, space_id, &[guest]).await
    }

    /// Ends up to [`MAX_BULK`] guests' assignments to a space: all or none
    /// (a guest who isn't assigned there makes it a `NotFound`).
    pub async fn bulk_unassign_guests(
        &self,
        viewer: &Viewer,
        space_id: SpaceId,
        guests: &[UserId],
    ) -> AppResult<()> {
        check_batch(guests)?;
        let access = self.access(viewer).await?;
        let actor = access.actor()?;
        let now = self.now();
        let tx = self.store.write().await?;
        let space = managed_space(tx.conn(), &access, space_id).await?;
        for guest in guests {
            if !store::delete_grant(tx.conn(), space.id, Grantee::User(*guest)).await? {
                return Err(AppError::NotFound);
            }
            audit(
                tx.conn(),
                now,
                Some(actor),
                "space.guest_unassign",
                ("space", space.id.to_string()),
                json!({ "guest": guest }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The guest list (org admins): every person whose effective role is
    /// guest, with their assignments, filtered and sorted.
    pub async fn guest_list(
        &self,
        viewer: &Viewer,
        query: GuestQuery,
    ) -> AppResult<Vec<GuestSummary>> {
        let people = self
            .list_users(
                viewer,
                crate::UserQuery {
                    search: query.search.clone(),
                    role: Some(portico_core::Role::Guest),
                    status: None,
                },
            )
            .await?;
        let conn = self.store.read();
        let now = self.now();
        let expiring_before = match (query.expiring_before, query.expiring_within) {
            (Some(before), Some(within)) => Some(before.min(now + within)),
            (before, within) => before.or(within.map(|within| now + within)),
        };
        let ids: Vec<UserId> = people.iter().map(|p| p.id).collect();
        let grants = store::grants_to_users(conn, &ids).await?;
        let rows = users::find_many(conn, &ids.iter().map(|id| id.0).collect::<Vec<_>>()).await?;
        let mut list: Vec<GuestSummary> = people
            .into_iter()
            .map(|user| {
                let assignments = grants
                    .iter()
                    .filter(|g| g.grantee == Grantee::User(user.id) && g.active(now))
                    .map(GuestAssignment::of)
                    .collect();
                let access_expires_at = rows
                    .iter()
                    .find(|row| row.id == user.id.0)
                    .and_then(|row| row.guest_access_expires_at);
                GuestSummary {
                    user,
                    access_expires_at,
                    assignments,
                }
            })
            .filter(|guest| {
                query
                    .space
                    .is_none_or(|space| guest.assignments.iter().any(|a| a.space_id == space))
                    && (!query.no_space || guest.assignments.is_empty())
                    && expiring_before
                        .is_none_or(|before| guest.next_expiry().is_some_and(|end| end < before))
                    && query.last_active_before.is_none_or(|before| {
                        guest
                            .user
                            .last_active_at
                            .is_none_or(|active| active < before)
                    })
            })
            .collect();
        match query.sort {
            GuestSort::Name => list.sort_by(|a, b| {
                a.user
                    .display_name
                    .to_lowercase()
                    .cmp(&b.user.display_name.to_lowercase())
            }),
            GuestSort::LastActive => {
                list.sort_by_key(|guest| std::cmp::Reverse(guest.user.last_active_at))
            }
            GuestSort::Expiry => list.sort_by_key(|guest| {
                // Guests without an expiry last.
                (guest.next_expiry().is_none(), guest.next_expiry())
            }),
        }
        Ok(list)
    }

    /// The guest access overview (wiki admins, in global permissions): every
    /// guest and guest group with the spaces they hold something in, and what
    /// the engine would let them do there (capped as for guests).
    pub async fn guest_access_overview(&self, viewer: &Viewer) -> AppResult<Vec<GuestAccessLine>> {
        let access = self.access(viewer).await?;
        if !access.set.decide_site(Action::AdministerWiki) {
            return Err(AppError::NotFound);
        }
        let conn = self.store.read();
        let now = self.now();
        let site = crate::access::site_facts(conn).await?;
        let guests: Vec<UserId> = self.guest_list_unchecked(conn).await?;
        let guest_groups: Vec<portico_core::GroupId> = portico_store::groups::all(conn)
            .await?
            .into_iter()
            .filter(|g| g.role == portico_core::Role::Guest.as_str())
            .map(|g| portico_core::GroupId(g.id))
            .collect();
        let mut grants = store::grants_to_users(conn, &guests).await?;
        grants.extend(store::grants_to_groups(conn, &guest_groups).await?);
        let grants: Vec<store::GrantRow> = grants.into_iter().filter(|g| g.active(now)).collect();
        let grantees: Vec<Grantee> = grants.iter().map(|g| g.grantee).collect();
        let named = crate::permissions::name_grantees(conn, &grantees).await?;
        let space_ids: Vec<i64> = grants.iter().map(|g| g.space_id).collect();
        let rows = spaces::find_many(conn, &space_ids).await?;
        let mut lines = Vec::new();
        for (grant, who) in grants.iter().zip(named) {
            let Some(space) = rows.iter().find(|s| s.id == grant.space_id) else {
                continue;
            };
            let cap = if site.guests_may_hold_reserved {
                portico_core::Permissions::ALL
            } else {
                portico_core::Permissions::ALL.without(portico_core::permission::GUEST_RESERVED)
            };
            let permissions = if space.allows_guests {
                grant.permissions.intersection(cap)
            } else {
                portico_core::Permissions::NONE
            };
            lines.push(GuestAccessLine {
                who,
                space_id: SpaceId(space.id),
                space_key: space.space_key.clone(),
                permissions,
                expires_at: grant.expires_at,
            });
        }
        lines.sort_by(|a, b| (&a.who.name, &a.space_key).cmp(&(&b.who.name, &b.space_key)));
        Ok(lines)
    }

    /// How many guests (people, directly assigned) hold access to a space, for
    /// the "shared with N guests" banner; for people who can view the space.
    pub async fn space_guest_count(&self, viewer: &Viewer, space_id: SpaceId) -> AppResult<usize> {
        let access = self.access(viewer).await?;
        let conn = self.store.read();
        let space = visible_space(conn, &access, space_id).await?;
        if !space.allows_guests {
            return Ok(0);
        }
        let now = self.now();
        let holders: Vec<i64> = store::space_grants(conn, space.id)
            .await?
            .into_iter()
            .filter(|grant| grant.active(now))
            .filter_map(|grant| match grant.grantee {
                Grantee::User(user) => Some(user.0),
                _ => None,
            })
            .collect();
        // Only the grant holders' roles: the banner is on every space page.
        let rows = users::find_many(conn, &holders).await?;
        let roles = crate::people::effective_roles(conn, &rows).await?;
        Ok(roles
            .values()
            .filter(|role| **role == portico_core::Role::Guest)
            .count())
    }

    /// Everyone whose effective role is guest (no permission check: callers
    /// check first).
    async fn guest_list_unchecked(&self, conn: &impl Conn) -> AppResult<Vec<UserId>> {
        let roster = crate::directory::Roster::load(conn).await?;
        Ok(roster.with_role(portico_core::Role::Guest))
    }

    /// A guest's current assignments, oldest first (wiki admins, or the
    /// guest themselves).
    pub async fn guest_assignments(
        &self,
        viewer: &Viewer,
        guest: UserId,
    ) -> AppResult<Vec<GuestAssignment>> {
        let access = self.access(viewer).await?;
        if viewer.user_id() != Some(guest) && !access.set.decide_site(Action::AdministerWiki) {
            return Err(AppError::NotFound);
        }
        let now = self.now();
        Ok(store::grants_to_user(self.store.read(), guest)
            .await?
            .into_iter()
            .filter(|grant| grant.active(now))
            .map(|grant| GuestAssignment::of(&grant))
            .collect())
    }

    /// Lets a space have guests, or not (space admins and wiki admins). While
    /// a space forbids guests, existing assignments give nothing.
    pub async fn set_space_allows_guests(
        &self,
        viewer: &Viewer,
        space_id: SpaceId,
        allows: bool,
    ) -> AppResult<()> {
        let access = self.access(viewer).await?;
        let actor = access.actor()?;
        let now = self.now();
        let tx = self.store.write().await?;
        let mut space = managed_space(tx.conn(), &access, space_id).await?;
        space.allows_guests = allows;
        space.updated_at = now;
        space.updated_by = Some(actor);
        let space = spaces::update(tx.conn(), space).await?;
        audit(
            tx.conn(),
            now,
            Some(actor),
            "space.allow_guests",
            ("space", space.id.to_string()),
            json!({ "allows": allows }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
